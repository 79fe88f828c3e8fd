"""Atomic file writes: write to a temporary file in the same folder, then ``os.replace``.

A reader never sees a half-written result, and an interrupted run leaves the previous file intact.
Temporary files are named ``.stem.PID-XXXX.tmp.ext``; those of a killed process are removed by the next
write into the folder. Inside :func:`dualion.io.outputs.output_set` every write is recorded in the
folder's ``manifest.json``.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np


def check_out_dir(path: str | os.PathLike, field: str | None = "--out") -> Path:
    """Refuse, before anything is computed, an output folder that cannot be created or written: a file in
    the way (``path`` itself or an ancestor), or the nearest existing folder refusing a real write probe
    (read-only mount, immutable folder, no permission; ``os.access`` cannot tell for root). Creates nothing."""
    from dualion.errors import DualionUserError

    out = Path(path)
    p = out
    while not p.exists() and p.parent != p:
        p = p.parent
    if p.exists() and not p.is_dir():
        raise DualionUserError(f"cannot create the output folder: {str(p)!r} is a file", file=str(out), field=field)
    try:
        fd, probe = tempfile.mkstemp(dir=p, prefix=".dualion-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise DualionUserError(f"cannot write the output folder: {str(p)!r}: {exc.strerror or exc}",
                               file=str(out), field=field) from None
    return out


def check_out_file(path: str | os.PathLike, suffixes: tuple[str, ...] | None = None,
                   field: str | None = "--out") -> Path:
    """Refuse, before anything is computed, an output *file* that cannot be written: wrong suffix, a
    folder in its place, or a parent folder that cannot be created or written (:func:`check_out_dir`)."""
    from dualion.errors import DualionUserError

    out = Path(path)
    if suffixes and out.suffix.lower() not in suffixes:
        raise DualionUserError(f"output file must end in {'/'.join(suffixes)}", file=str(out), field=field)
    if out.is_dir():
        raise DualionUserError("is a folder; give a file name", file=str(out), field=field)
    check_out_dir(out.parent if str(out.parent) else Path("."), field=field)
    return out


def ensure_dir(path: str | os.PathLike, field: str | None = "--out") -> Path:
    """``mkdir -p path``; a folder that cannot be created is a one-line user error, not a traceback."""
    from dualion.errors import DualionUserError

    if Path(path).is_dir():
        return Path(path)
    out = check_out_dir(path, field)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DualionUserError(f"cannot create the output folder: {exc.strerror or exc}", file=str(out),
                               field=field) from None
    return out


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success rename it onto ``path``.

    Use for libraries that want a filename (``fig.savefig(tmp)``, ``df.to_csv(tmp)``). The temporary
    file keeps ``path``'s suffix so that format detection by extension still works.
    """
    path = Path(path)
    oset = set_for(path)                # the output set recording this file (manifest.json), if any
    if oset is not None:
        oset.before_write(path)
    ensure_dir(path.parent, field=None)
    clean_stale_temps(path.parent)      # leftovers of a killed earlier write (their process is gone)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path.stem), suffix=f".tmp{path.suffix}")
    except OSError as exc:
        from dualion.errors import DualionUserError

        raise DualionUserError(f"cannot write: {exc.strerror or exc}", file=path) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates 0600 files; results should get the permissions of a normal write (umask).
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, path)
        if oset is not None:
            oset.after_write(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically; return the path."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def to_json(obj: Any, indent: int | None = 2) -> str:
    """JSON text for ``obj`` (numpy scalars/arrays, paths and pydantic models allowed)."""
    return json.dumps(obj, indent=indent, default=_json_default, allow_nan=False)


def atomic_write_json(path: str | os.PathLike, obj: Any, indent: int | None = 2) -> Path:
    """Write ``obj`` as JSON to ``path`` atomically (NaN/inf are refused: they are not JSON)."""
    return atomic_write_text(path, to_json(obj, indent=indent) + "\n")


#: The output set (:mod:`dualion.io.outputs`) recording the files written in this context, if any.
_CURRENT: contextvars.ContextVar[Any] = contextvars.ContextVar("dualion_output_set", default=None)


def set_for(path: Path) -> Any:
    """The active output set that ``path`` belongs to, if any."""
    s = _CURRENT.get()
    return s if s is not None and s.rel(path) is not None else None


def pid_alive(pid: Any) -> bool:
    """True when process ``pid`` exists on this host (another user's counts as existing)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_CLEANED: set[str] = set()

#: A temporary file without a PID in its name is stale after this many seconds.
STALE_TMP_S = 3600.0


def temp_prefix(stem: str) -> str:
    """Prefix of the hidden temporary file of an atomic write: ``.stem.PID-`` (PID: stale detection)."""
    return f".{stem}.{os.getpid()}-"


def is_temp_name(name: str) -> bool:
    return name.startswith(".") and ".tmp" in name


def clean_stale_temps(folder: Path) -> list[Path]:
    """Remove hidden temporary files (``.stem.PID-XXXX.tmp.ext``) left in ``folder`` by killed writers:
    their process is gone, or (no PID in the name) they are older than :data:`STALE_TMP_S`. Once per
    folder per process; returns what was removed."""
    import re
    import time

    key = os.path.abspath(folder)
    if key in _CLEANED:
        return []
    _CLEANED.add(key)
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    now = time.time()
    for e in entries:
        if not (e.is_file(follow_symlinks=False) and is_temp_name(e.name)):
            continue
        m = re.match(r"^\..*?\.(\d+)-[^.]*\.tmp", e.name)
        try:
            stale = (not pid_alive(int(m.group(1)))) if m else (now - e.stat().st_mtime > STALE_TMP_S)
        except OSError:
            continue
        if stale:
            with contextlib.suppress(OSError):
                os.unlink(e.path)
                removed.append(Path(e.path))
    return removed
