"""A throw-away PostgreSQL server for the tests (Debian's postgresql package; skipped when absent)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def pg_bindir() -> Path | None:
    """Folder with initdb and pg_ctl: on PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]) if
                    p.split("/")[-2].isdigit() else 0, reverse=True):
        if os.path.exists(os.path.join(d, "initdb")) and os.path.exists(os.path.join(d, "pg_ctl")):
            return Path(d)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """initdb + pg_ctl start on a free localhost port, unix socket in the temp folder; ``url`` to connect.

    As root the server runs as the ``postgres`` user (initdb refuses root) through ``runuser``."""

    def __init__(self):
        self.bindir = pg_bindir()
        if self.bindir is None:
            raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found; "
                               "install the Debian package: apt-get install postgresql")
        self.as_user: list[str] = []
        self.root = Path(tempfile.mkdtemp(prefix="dualion-pg-"))
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                raise RuntimeError("running as root and runuser is missing: cannot start PostgreSQL as postgres")
            import pwd

            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root and there is no 'postgres' user to run the server") from None
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.data = self.root / "data"
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/dualion"

    def _run(self, *args: str, timeout: float = 120) -> None:
        res = subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=timeout)
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:1])} failed: {(res.stderr or res.stdout).strip()[-500:]}")

    def start(self) -> PgServer:
        b = self.bindir
        self._run(str(b / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync",
                  "-E", "UTF8")
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
        self._run(str(b / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"), "-w",
                  "-t", "60", "start")
        import psycopg2

        deadline = time.time() + 30
        while True:
            try:
                con = psycopg2.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres")
                break
            except psycopg2.OperationalError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute("CREATE DATABASE dualion")
        con.close()
        return self

    def fresh_db(self, name: str) -> str:
        """A new empty database on this server; its URL."""
        import psycopg2

        con = psycopg2.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres")
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f"CREATE DATABASE {name}")
        con.close()
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        except Exception:  # noqa: BLE001 - best effort
            pass
        shutil.rmtree(self.root, ignore_errors=True)
