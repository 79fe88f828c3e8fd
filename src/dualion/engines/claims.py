r"""Claims on tasks in a shared results database: leases with an owner and a heartbeat.

Before a run relaxes a task it **claims** it: one row of the side table ``dualion_claims`` in the
same database (SQLite file or PostgreSQL), primary key ``task_key``::

    dualion_claims(task_key TEXT PRIMARY KEY, owner TEXT, label TEXT,
                   claimed_at DOUBLE, heartbeat DOUBLE, takeovers INTEGER)

* ``owner`` = ``host:pid:uuid`` of the claiming run (:func:`new_owner`);
* ``heartbeat`` = time (s since the epoch) of the owner's last sign of life; a background thread of
  the owner refreshes all its claims every ``lease_s / 4`` (:class:`Heartbeat`);
* a claim whose heartbeat is older than the lease (default :data:`DEFAULT_LEASE_S` = 120 s) is
  **stale**: its owner is presumed dead and the next run takes the task over (``takeovers`` + 1);
  a claim of a process of *this* host whose pid no longer exists is taken over at once
  (:func:`owner_is_dead`; hosts are told apart by name, so containers sharing a file and a host
  name should keep the default pid namespace of the host or rely on the lease).

The claim is one atomic statement, identical on both back ends (SQLite ≥ 3.35, PostgreSQL ≥ 9.5)::

    INSERT INTO dualion_claims VALUES (key, me, label, now, now, 0)
    ON CONFLICT (task_key) DO UPDATE SET owner = me, claimed_at = now, heartbeat = now,
                                         takeovers = takeovers + 1
        WHERE dualion_claims.heartbeat < now - lease OR dualion_claims.owner = me
    RETURNING owner

A row comes back only when the insert or the takeover happened: exactly one of any number of
concurrent claimants wins. The unique key does the arbitration (SQLite: the database write lock;
PostgreSQL: the row lock of the conflicting row), so no extra locking is needed. On PostgreSQL
``now`` is the server's clock (no skew between hosts); on SQLite it is the host's clock (the file
is shared by processes on one host or a shared file system).

Finishing a task: the owner checks that it still holds the claim (:meth:`ClaimStore.touch`), writes
the result row, then deletes the claim (:meth:`ClaimStore.release`). A result row always wins over a
claim: a run that obtains a claim first looks the task up again and uses the row if one appeared.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from dualion.errors import DualionUserError

#: Default lease (s): a claim whose heartbeat is older than this is taken over.
DEFAULT_LEASE_S = 120.0
#: Name of the claims table (same database as the results).
TABLE = "dualion_claims"

_CREATE = (f"CREATE TABLE IF NOT EXISTS {TABLE} (task_key TEXT PRIMARY KEY, owner TEXT NOT NULL, "
           "label TEXT, claimed_at DOUBLE PRECISION NOT NULL, heartbeat DOUBLE PRECISION NOT NULL, "
           "takeovers INTEGER NOT NULL DEFAULT 0)")
_CLAIM = (f"INSERT INTO {TABLE} (task_key, owner, label, claimed_at, heartbeat, takeovers) "
          "VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (task_key) DO UPDATE SET owner = excluded.owner, "
          f"claimed_at = excluded.claimed_at, heartbeat = excluded.heartbeat, takeovers = {TABLE}.takeovers + "
          f"CASE WHEN {TABLE}.owner = excluded.owner THEN 0 ELSE 1 END "
          f"WHERE {TABLE}.heartbeat < ? OR {TABLE}.owner = excluded.owner RETURNING owner")


def new_owner() -> str:
    """A unique owner id ``host:pid:uuid8`` for this run."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str) -> bool:
    """True when ``owner`` (``host:pid:uuid``) is a process of this host that does not exist any more."""
    host, _, rest = str(owner).partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    from dualion.io.atomic import pid_alive

    pid = int(pid_text)
    if pid == os.getpid():
        return False
    return not pid_alive(pid) or _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A killed child that its parent has not reaped yet still has a pid: state Z in /proc (Linux)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def lease_from_env(default: float = DEFAULT_LEASE_S) -> float:
    """The lease (s) from ``DUALION_LEASE_S`` if set, else ``default``."""
    val = os.environ.get("DUALION_LEASE_S")
    try:
        return float(val) if val else float(default)
    except ValueError:
        return float(default)


class ClaimStore:
    """Claims of one database (``target``: SQLite file path or ``postgresql://`` URL)."""

    def __init__(self, target: str, lease_s: float = DEFAULT_LEASE_S):
        if not (lease_s > 0):
            raise DualionUserError(f"the lease must be a positive time in s, got {lease_s!r}", field="--lease")
        self.target = str(target)
        self.lease_s = float(lease_s)
        self.is_pg = "://" in self.target
        self._ready = False

    @contextlib.contextmanager
    def _cursor(self) -> Iterator:
        """A cursor in autocommit mode: every statement is its own transaction."""
        if self.is_pg:
            import psycopg2

            con = psycopg2.connect(self.target)
            con.autocommit = True
            try:
                with con.cursor() as cur:
                    yield _PgCursor(cur)
            finally:
                con.close()
        else:
            Path(self.target).parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.target, timeout=60, isolation_level=None)
            try:
                yield con.cursor()
            finally:
                con.close()

    def _setup(self, cur) -> None:
        if not self._ready:
            try:
                cur.execute(_CREATE)
            except Exception:  # noqa: BLE001 - PostgreSQL: two runs creating the table at once; retry once
                time.sleep(0.5)
                cur.execute(_CREATE)
            self._ready = True

    def _now(self, cur) -> float:
        if self.is_pg:
            cur.execute("SELECT extract(epoch from clock_timestamp())")
            return float(cur.fetchone()[0])
        return time.time()

    def claim(self, task_key: str, owner: str, label: str = "") -> bool:
        """Claim ``task_key`` for ``owner``: True when it is now ours (new, stale taken over, or ours already).

        A claim held by a process of this host that no longer exists (its pid is gone, e.g. after
        ``kill -9``) is taken over at once, without waiting for the lease to expire."""
        with self._cursor() as cur:
            self._setup(cur)
            now = self._now(cur)
            cur.execute(_CLAIM, (task_key, owner, label, now, now, now - self.lease_s))
            got = cur.fetchall()
            if bool(got) and got[0][0] == owner:
                return True
            cur.execute(f"SELECT owner FROM {TABLE} WHERE task_key = ?", (task_key,))
            row = cur.fetchone()
            if row is None or not owner_is_dead(row[0]):
                return False
            cur.execute(f"UPDATE {TABLE} SET owner = ?, claimed_at = ?, heartbeat = ?, takeovers = takeovers + 1 "
                        "WHERE task_key = ? AND owner = ?", (owner, now, now, task_key, row[0]))
            return cur.rowcount == 1

    def touch(self, owner: str, task_key: str | None = None) -> int:
        """Refresh the heartbeat of ``owner``'s claims (all, or one); return how many it holds (0: lost)."""
        with self._cursor() as cur:
            self._setup(cur)
            now = self._now(cur)
            if task_key is None:
                cur.execute(f"UPDATE {TABLE} SET heartbeat = ? WHERE owner = ?", (now, owner))
            else:
                cur.execute(f"UPDATE {TABLE} SET heartbeat = ? WHERE owner = ? AND task_key = ?",
                            (now, owner, task_key))
            return int(cur.rowcount)

    def release(self, task_key: str, owner: str) -> None:
        """Drop ``owner``'s claim on ``task_key`` (after its row is written, or when it failed)."""
        with self._cursor() as cur:
            self._setup(cur)
            cur.execute(f"DELETE FROM {TABLE} WHERE task_key = ? AND owner = ?", (task_key, owner))

    def release_all(self, owner: str) -> None:
        """Drop every claim of ``owner`` (a run that stops cleanly, e.g. on an error)."""
        with self._cursor() as cur:
            self._setup(cur)
            cur.execute(f"DELETE FROM {TABLE} WHERE owner = ?", (owner,))

    def claims(self) -> list[dict]:
        """Every claim: task_key, owner, label, claimed_at, heartbeat, takeovers, age_s."""
        with self._cursor() as cur:
            self._setup(cur)
            now = self._now(cur)
            cur.execute(f"SELECT task_key, owner, label, claimed_at, heartbeat, takeovers FROM {TABLE}")
            rows = cur.fetchall()
        names = ("task_key", "owner", "label", "claimed_at", "heartbeat", "takeovers")
        return [{**dict(zip(names, r)), "age_s": now - float(r[4])} for r in rows]


class _PgCursor:
    """psycopg2 cursor that takes SQLite's ``?`` placeholders."""

    def __init__(self, cur):
        self._cur = cur

    def execute(self, sql: str, params=()):
        self._cur.execute(sql.replace("?", "%s"), params)

    def fetchone(self):
        return self._cur.fetchone()

    def fetchall(self):
        return self._cur.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount


class Heartbeat:
    """Background thread refreshing all claims of ``owner`` every ``interval_s`` (default lease / 4)."""

    def __init__(self, store: ClaimStore, owner: str, interval_s: float | None = None):
        self.store, self.owner = store, owner
        self.interval_s = float(interval_s if interval_s is not None else max(0.2, store.lease_s / 4))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dualion-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            with contextlib.suppress(Exception):  # a missed beat is retried; the lease covers several
                self.store.touch(self.owner)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
