"""The results database: one ``ase.db`` row per relaxed structure (SQLite file or PostgreSQL URL).

Each row holds the *relaxed* structure with its energy and forces (ASE single-point calculator) and
these key–value pairs (see docs/engines.md for the full schema):

=================  ======  =========================================================================
key                type    meaning
=================  ======  =========================================================================
kind               str     ``host`` | ``configuration`` | ``reference`` (metal) | ``structure`` (anatase lattice)
site_model         str     site-model name (e.g. ``paired_vacancy``)
label              str     configuration label (``Li``, ``Li+Mg``, host label, ``Li metal``)
host               str     host label the configuration belongs to
placement          str     which symmetry-distinct placement of the label this is
composition        str     reduced-free chemical formula of the cell (e.g. ``LiO256Ti126F8``)
counts_json        str     inserted ions, JSON ``{"Li": 1}`` (hosts: ``{}``)
site               str     site-type tag (``vacancy``, ``interstitial``, ...; may be empty)
multiplicity       int     symmetry multiplicity of the placement
relax_cell         bool    cell relaxed too (metals) or fixed (everything else)
engine             str     engine name (chgnet | sevenn | module:Class)
engine_key         str     engine + model + kwargs as JSON
model_version      str     package and model version actually loaded (e.g. ``chgnet 0.4.2 model 0.3.0``)
energy_eV          float   total energy of the relaxed cell (eV)
initial_energy_eV  float   total energy of the input structure (eV)
converged          bool    max force < fmax reached within the step limit
fmax_final         float   final max force (eV/Å)
fmax_target        float   requested fmax (eV/Å)
n_steps            int     optimizer steps taken
optimizer          str     FIRE | BFGS
wall_s             float   wall time of the relaxation (s)
input_sha256       str     sha256 of the canonical input structure (:func:`structure_sha256`)
task_key           str     sha256 of input hash + engine key + relaxation settings: the skip key
dualion_version    str     dualion version that wrote the row
=================  ======  =========================================================================

``data`` holds ``meta`` (the builder's metadata) and ``input`` (the unrelaxed positions, cell, numbers).
Rows are written one at a time, each in its own transaction, as relaxations finish.

Claims (:mod:`dualion.engines.claims`) live in a side table ``dualion_claims`` of the same database,
so that runs sharing a database never relax the same task twice.

Nothing is created before the first write or claim: opening a database that does not exist yet, and
any lookup in it, leaves no file behind (a user error found later leaves no empty database).
"""

from __future__ import annotations

import json
import contextlib
import os
import time
from pathlib import Path
from typing import Any

from dualion.errors import DualionUserError

#: Every row has all of these key–value pairs.
ROW_KEYS: tuple[str, ...] = (
    "kind", "site_model", "label", "host", "placement", "composition", "counts_json", "site", "multiplicity",
    "relax_cell", "engine", "engine_key", "model_version", "energy_eV", "initial_energy_eV", "converged",
    "fmax_final", "fmax_target", "n_steps", "optimizer", "wall_s", "input_sha256", "task_key", "dualion_version",
)


#: URL schemes accepted by ``--db`` (ase.db backends): PostgreSQL only; anything else is a file path.
URL_SCHEMES = ("postgresql://", "postgres://")

_SQLITE_MAGIC = b"SQLite format 3\x00"


def is_url(target: str) -> bool:
    """True for a database URL (``postgresql://...``), False for a file path."""
    return "://" in str(target)


def check_db_target(target: str | os.PathLike) -> str:
    """Validate ``--db`` before anything is created; return it as text.

    A URL must be ``postgresql://`` (or ``postgres://``). A path must not be a folder; an existing
    file must be an SQLite database (or empty) and writable; a new file needs a writable existing
    ancestor folder with no file in the way. One-line :class:`DualionUserError` naming ``--db``.
    """
    text = os.fspath(target)
    if is_url(text):
        if not text.startswith(URL_SCHEMES):
            raise DualionUserError(f"unsupported database URL (use a file path or {URL_SCHEMES[0]}user:pw@host:port/db)",
                                   file=text, field="--db")
        return text
    if text.split(":", 1)[0].lower() in ("postgresql", "postgres", "mysql", "mariadb", "sqlite", "file", "http",
                                          "https") and ":" in text:
        raise DualionUserError("malformed database URL (expected postgresql://user:pw@host:port/db)", file=text,
                               field="--db")
    p = Path(text)
    if p.is_dir():
        raise DualionUserError("expected a database file, got a folder", file=p, field="--db")
    if p.exists():
        if not p.is_file():
            raise DualionUserError("expected a database file", file=p, field="--db")
        try:
            with open(p, "rb") as fh:
                head = fh.read(len(_SQLITE_MAGIC))
        except OSError as exc:
            raise DualionUserError(f"cannot read the database: {exc.strerror or exc}", file=p, field="--db") from None
        if head and head != _SQLITE_MAGIC:
            raise DualionUserError("not an SQLite database (ase.db) file", file=p, field="--db")
        if not os.access(p, os.W_OK) or not os.access(p.parent if str(p.parent) else ".", os.W_OK | os.X_OK):
            raise DualionUserError("the database (or its folder) is not writable", file=p, field="--db")
        return text
    q = p.parent if str(p.parent) else Path(".")
    while not q.exists() and q.parent != q:
        q = q.parent
    if not q.is_dir():
        raise DualionUserError(f"cannot create the database: {str(q)!r} is a file", file=p, field="--db")
    if not os.access(q, os.W_OK | os.X_OK):
        raise DualionUserError(f"cannot create the database: {str(q)!r} is not writable", file=p, field="--db")
    return text


@contextlib.contextmanager
def _first_connection_lock(path: Path | None):
    """An exclusive flock on the SQLite file while ase.db creates (or checks) its tables, so that two
    processes opening one new database never both create them (ase would fail with "no such table" or a
    half-read schema in the slower one). ``None`` (a URL) or no ``fcntl`` (not POSIX): no lock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        fcntl = None
    if path is None or fcntl is None:
        yield
        return
    with open(path, "ab") as fh:          # creates the empty file a new SQLite database starts as
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class ResultsDB:
    """A thin wrapper over ``ase.db.connect(target)``: lookup by ``task_key``, append rows.

    ``target`` is a file path (SQLite) or a database URL (``postgresql://user:pw@host:port/db``).
    The target is validated at once (:func:`check_db_target`); the database itself is created by
    the first :meth:`write` (or claim), never by a lookup.
    """

    def __init__(self, target: str | os.PathLike):
        self.target = check_db_target(target)
        self.is_url = is_url(self.target)
        self._db = None

    def exists(self) -> bool:
        """True when the database holds (or may hold) data: a URL, or an existing file."""
        return self.is_url or Path(self.target).exists()

    def _connect(self, create: bool = True):
        if self._db is None:
            if not self.is_url:
                if not create and not Path(self.target).exists():
                    return None
                Path(self.target).parent.mkdir(parents=True, exist_ok=True)
            import ase.db

            # two runs (or a run and a reader) creating the tables of a new database at once: on SQLite the
            # first connection is serialised by an flock on the database file (released by the kernel if the
            # process dies; SQLite's own locks are fcntl locks, independent of it); on PostgreSQL the loser sees
            # "already exists" / "duplicate key" and retries, then finds the winner's tables
            attempts = 3 if self.is_url else 1
            for attempt in range(attempts):
                try:
                    # no ase lock file: a run killed while writing would leave `<db>.lock` behind and every
                    # later write would wait for it forever; SQLite/PostgreSQL transactions do the locking
                    with _first_connection_lock(None if self.is_url else Path(self.target)):
                        self._db = ase.db.connect(self.target, type="db" if not self.is_url else "extract_from_name",
                                                  use_lock_file=False)
                        self._db.count()  # create the ase.db tables now (and fail here on a bad URL/file)
                    break
                except Exception as exc:  # noqa: BLE001 - driver errors of many types
                    self._db = None
                    if attempt < attempts - 1 and ("already exists" in str(exc) or "duplicate key" in str(exc)):
                        time.sleep(1.0)
                        continue
                    msg = " ".join(str(exc).split()) or type(exc).__name__
                    raise DualionUserError(f"cannot open results database: {msg}", file=self.target,
                                           field="--db") from None
        return self._db

    def get(self, task_key: str):
        """The row for ``task_key`` (most recent), or ``None``."""
        db = self._connect(create=False)
        if db is None:
            return None
        rows = list(db.select(task_key=task_key))
        return rows[-1] if rows else None

    def done_keys(self) -> set[str]:
        """All task keys present."""
        db = self._connect(create=False)
        if db is None:
            return set()
        return {r.task_key for r in db.select(columns=["key_value_pairs"]) if "task_key" in r}

    def write(self, atoms, key_value_pairs: dict[str, Any], data: dict[str, Any] | None = None) -> int:
        """Append one row (its own transaction); return its id."""
        missing = [k for k in ROW_KEYS if k not in key_value_pairs]
        if missing:
            raise ValueError(f"row is missing keys {missing}")
        return int(self._connect().write(atoms, key_value_pairs=key_value_pairs, data=data or {}))

    def rows(self, **selection):
        """Rows matching ``selection`` (ase.db keyword selection)."""
        db = self._connect(create=False)
        return [] if db is None else list(db.select(**selection))

    def count(self, **selection) -> int:
        db = self._connect(create=False)
        return 0 if db is None else int(db.count(**selection))

    def __len__(self) -> int:
        return self.count()


def counts_from_row(row) -> dict[str, int]:
    return {k: int(v) for k, v in json.loads(row.counts_json).items()}
