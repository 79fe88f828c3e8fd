"""Output sets: every multi-file command writes ``manifest.json`` into its output folder, last.

``with output_set(out_dir):`` around a command's writes (one line per CLI command). Every file written
under ``out_dir`` through :mod:`dualion.io.atomic` (hence :func:`dualion.plotting.save_figure`,
:func:`~dualion.plotting.write_table`, ``atomic_write_*``) is recorded; when the block ends normally,
``manifest.json`` lists each file with its size and sha256, the command, the dualion version and the
times. Rules:

* **Nothing before the first write.** Entering the block only validates ``out_dir`` (a file in the way,
  a folder that cannot be written: one line naming ``--out``, checked with a real write probe, since
  ``os.access`` says yes to root on read-only folders). The folder is created by the first write.
* **Incomplete sets are detectable.** Just before its first file, a set adds itself to the manifest as
  ``"status": "incomplete"``; the final manifest (written after every file) marks it ``complete``. A
  run killed in between leaves ``incomplete`` behind; ``dualion verify DIR`` exits 2 on it, or on any
  file whose size or sha256 differ from the manifest. A rerun of the same command replaces the
  incomplete entry.
* **Several commands may share a folder** (``--out .``): the manifest holds one entry per command
  (``sets``); a set that rewrites a file takes it over from the older entry, and entries left with no
  files are dropped.
* **A folder with dualion outputs but no manifest is repaired**: when a set overwrites a file in a folder
  that has no ``manifest.json`` (written by an older dualion, or the manifest was deleted), it warns
  once (:class:`~dualion.errors.DualionWarning`) and writes a manifest for what it rewrote; files it
  did not rewrite stay unlisted (``dualion verify`` names them only when asked with ``--strict``).
* **A user error leaves nothing behind**: on :class:`~dualion.errors.DualionUserError` inside the block,
  the files the set created are removed, folders it created are removed when empty, and the manifest
  is restored to what it was.
* Hidden temporary files of a killed atomic write (``.stem.PID-XXXX.tmp.ext``) are removed by the next
  write into that folder when their process is gone (or, without a PID, when older than an hour).

The manifest is updated under an exclusive ``flock`` on the folder, so concurrent commands writing into
one folder do not lose each other's entries.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import fcntl
import hashlib
import json
import os
import shlex
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dualion.errors import DualionUserError, DualionWarning
from dualion.io.atomic import (  # noqa: F401  (low-level temp-file helpers live in atomic; re-exported)
    _CURRENT, STALE_TMP_S, check_out_dir, clean_stale_temps, is_temp_name, pid_alive, set_for, temp_prefix)

MANIFEST = "manifest.json"
KIND = "dualion-output-manifest"

_COMMAND: contextvars.ContextVar[str | None] = contextvars.ContextVar("dualion_command", default=None)


def set_command(argv: list[str] | None) -> contextvars.Token:
    """Record the command line of this CLI invocation (used as the default ``command`` of a set)."""
    return _COMMAND.set("dualion " + shlex.join(argv if argv is not None else sys.argv[1:]))


def current_command() -> str:
    return _COMMAND.get() or "dualion " + shlex.join(sys.argv[1:])


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Exclusive advisory lock on ``folder`` (no lock file left behind)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def read_manifest(folder: str | os.PathLike) -> dict[str, Any] | None:
    """The parsed ``manifest.json`` of ``folder`` or None when there is none; a malformed one is an error."""
    p = Path(folder) / MANIFEST
    if not p.is_file():
        return None
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DualionUserError(f"corrupt manifest ({type(exc).__name__})", file=p) from None
    if not isinstance(doc, dict) or doc.get("kind") != KIND or not isinstance(doc.get("sets"), list):
        raise DualionUserError(f"not a dualion output manifest (kind {KIND!r} with a list of sets expected)", file=p)
    return doc


def _write_manifest(folder: Path, doc: dict[str, Any] | None) -> None:
    from dualion.io.atomic import atomic_write_text, to_json

    p = folder / MANIFEST
    if doc is None or not doc["sets"]:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
        return
    atomic_write_text(p, to_json(doc) + "\n")


def _empty_manifest() -> dict[str, Any]:
    return {"kind": KIND, "version": 1, "sets": []}


@dataclass
class OutputSet:
    """The files one command writes under ``root`` (see the module docstring)."""

    root: Path
    command: str
    started: str = field(default_factory=_now)
    files: dict[str, Path] = field(default_factory=dict)          # relative name -> path
    created: list[Path] = field(default_factory=list)             # files that did not exist before
    created_dirs: list[Path] = field(default_factory=list)
    began: bool = False
    old_manifest: dict[str, Any] | None = None
    had_manifest: bool = False
    warned: bool = False

    def rel(self, path: Path) -> str | None:
        try:
            return Path(os.path.abspath(path)).relative_to(os.path.abspath(self.root)).as_posix()
        except ValueError:
            return None

    def _entry(self, status: str) -> dict[str, Any]:
        from dualion._version import __version__

        return {"command": self.command, "dualion_version": __version__, "started": self.started,
                "finished": None if status == "incomplete" else _now(), "status": status, "pid": os.getpid(),
                "files": []}

    def before_write(self, path: Path) -> None:
        """Called by the atomic writers before ``path`` (under ``root``) is replaced."""
        rel = self.rel(path)
        if rel is None or rel == MANIFEST:
            return
        if not self.began:
            self._begin()
        if not path.exists():
            self.created.append(path)
        elif not self.had_manifest and not self.warned:
            self.warned = True
            warnings.warn(f"{self.root}: {MANIFEST}: missing although the folder holds dualion outputs (an "
                          "interrupted run, or an older dualion): rewriting them and writing a new manifest",
                          DualionWarning, stacklevel=4)

    def after_write(self, path: Path) -> None:
        rel = self.rel(path)
        if rel is not None and rel != MANIFEST:
            self.files[rel] = path

    def _begin(self) -> None:
        """Mark this set incomplete in the manifest before its first file is written."""
        self.began = True
        made = []
        p = self.root
        while not p.exists():
            made.append(p)
            p = p.parent
        self.root.mkdir(parents=True, exist_ok=True)
        self.created_dirs = list(reversed(made))
        with _locked(self.root):
            doc = read_manifest(self.root)
            self.had_manifest = doc is not None
            self.old_manifest = json.loads(json.dumps(doc)) if doc is not None else None
            doc = doc or _empty_manifest()
            # an earlier set of the same command is being rewritten: its entry goes (were this run killed,
            # its files would be a mix of old and new, which only the incomplete entry describes)
            doc["sets"] = [s for s in doc["sets"] if not _same_run(s, self) and s.get("command") != self.command
                           ] + [self._entry("incomplete")]
            _write_manifest(self.root, doc)

    def finish(self) -> None:
        """Write the final manifest (after every file): this set complete, with sizes and sha256."""
        if not self.began:
            return
        files = []
        for rel, path in sorted(self.files.items()):
            if path.is_file():
                files.append({"path": rel, "bytes": path.stat().st_size, "sha256": sha256_file(path)})
        mine = {f["path"] for f in files}
        entry = self._entry("complete") | {"files": files}
        with _locked(self.root):
            doc = read_manifest(self.root) or _empty_manifest()
            kept = []
            for s in doc["sets"]:
                if _same_run(s, self):
                    continue
                s = dict(s)
                s["files"] = [f for f in s.get("files", []) if f.get("path") not in mine]
                # another command's interrupted (or running) set stays visible; a complete set whose
                # files were all rewritten by this one is dropped
                if s["files"] or s.get("status") != "complete":
                    kept.append(s)
            doc["sets"] = kept + [entry]
            _write_manifest(self.root, doc)

    def rollback(self) -> None:
        """Undo a set that failed with a user error: its new files, new folders and manifest entry."""
        if not self.began:
            return
        for p in self.created:
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
            d = p.parent      # sub-folders the set created, when now empty
            while self.rel(d) not in (None, ".", ""):
                with contextlib.suppress(OSError):
                    d.rmdir()
                d = d.parent
        with contextlib.suppress(OSError), _locked(self.root):
            doc = read_manifest(self.root)
            if doc is not None:
                doc["sets"] = [s for s in doc["sets"] if not _same_run(s, self)]
                if self.old_manifest is not None:
                    doc = self.old_manifest
                _write_manifest(self.root, doc)
        for d in self.created_dirs[::-1]:
            _remove_empty_tree(d)


def _same_run(entry: dict[str, Any], s: OutputSet) -> bool:
    """``entry`` is this set's own, or an interrupted run of the same command (replaced by this one)."""
    if entry.get("pid") == os.getpid() and entry.get("started") == s.started and entry.get("command") == s.command:
        return True
    return entry.get("status") == "incomplete" and entry.get("command") == s.command and not pid_alive(entry.get("pid"))





def _remove_empty_tree(d: Path) -> None:
    if not d.is_dir():
        return
    for sub in sorted(d.rglob("*"), key=lambda q: len(q.parts), reverse=True):
        if sub.is_dir():
            with contextlib.suppress(OSError):
                sub.rmdir()
    with contextlib.suppress(OSError):
        d.rmdir()


def current_set() -> OutputSet | None:
    return _CURRENT.get()


@contextlib.contextmanager
def output_set(out_dir: str | os.PathLike, command: str | None = None, field: str | None = "--out"
               ) -> Iterator[OutputSet]:
    """Record the files written under ``out_dir`` and write ``manifest.json`` last (module docstring).

    Nested inside another set whose folder contains ``out_dir``: the outer set records everything
    (one manifest at the outer root)."""
    root = Path(out_dir)
    outer = _CURRENT.get()
    if outer is not None and outer.rel(root) is not None:
        yield outer
        return
    check_out_dir(root, field)
    s = OutputSet(root=root, command=command or current_command())
    token = _CURRENT.set(s)
    try:
        yield s
    except DualionUserError:
        _CURRENT.reset(token)
        token = None
        s.rollback()
        raise
    finally:
        if token is not None:
            _CURRENT.reset(token)
    s.finish()


# ----------------------------------------------------------------------------------------------
# stale temporary files
# ----------------------------------------------------------------------------------------------

# ----------------------------------------------------------------------------------------------
# verification
# ----------------------------------------------------------------------------------------------

@dataclass
class Verdict:
    ok: bool
    message: str
    n_files: int = 0
    problems: list[str] = field(default_factory=list)


def verify(folder: str | os.PathLike, strict: bool = False) -> Verdict:
    """Check ``folder`` against its manifest: every set complete, every listed file present with its
    size and sha256. ``strict``: also files in the folder that no set lists (temporary files count)."""
    root = Path(folder)
    if not root.is_dir():
        raise DualionUserError("not a folder", file=root)
    doc = read_manifest(root)
    if doc is None:
        return Verdict(False, f"{root}: {MANIFEST}: missing: not a complete dualion output set (interrupted, "
                              "or not written by dualion)")
    problems: list[str] = []
    listed: set[str] = {MANIFEST}
    n = 0
    for s in doc["sets"]:
        if s.get("status") != "complete":
            state = "still running" if pid_alive(s.get("pid")) else "interrupted"
            problems.append(f"incomplete set ({state}): {s.get('command')} started {s.get('started')}")
        for f in s.get("files", []):
            n += 1
            rel = str(f.get("path"))
            listed.add(rel)
            p = root / rel
            if not p.is_file():
                problems.append(f"{rel}: missing")
            elif p.stat().st_size != f.get("bytes"):
                problems.append(f"{rel}: {p.stat().st_size} bytes, manifest says {f.get('bytes')}")
            elif sha256_file(p) != f.get("sha256"):
                problems.append(f"{rel}: sha256 differs from the manifest (corrupt or changed)")
    if strict:
        for p in sorted(root.rglob("*")):
            rel = p.relative_to(root).as_posix()
            if p.is_file() and rel not in listed:
                problems.append(f"{rel}: not in the manifest" + (" (temporary file)" if is_temp_name(p.name) else ""))
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        return Verdict(False, f"{root}: {MANIFEST}: {problems[0]}{more}", n, problems)
    return Verdict(True, f"{root}: ok: {n} files in {len(doc['sets'])} set(s) match {MANIFEST}", n, problems)


def output_command(param: str = "out", field: str | None = "--out"):
    """Decorator for a CLI command: run it inside :func:`output_set` of its ``param`` option (skipped
    when the option is None), so that ``--out`` is validated first and ``manifest.json`` written last."""
    import functools

    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            out = kwargs.get(param)
            if out is None:
                return fn(*args, **kwargs)
            with output_set(out, field=field):
                return fn(*args, **kwargs)

        return wrapper

    return deco


def check_stem(stem: str, field: str = "--stem") -> str:
    """A file stem from an option must stay inside the output folder: a plain name (no folder part,
    no ``..``, not hidden, not empty); else a one-line error naming ``field``."""
    text = str(stem)
    bad = (not text.strip() or "/" in text or "\\" in text or text in (".", "..") or text.startswith(".")
           or "\x00" in text or os.path.isabs(text))
    if bad:
        raise DualionUserError(f"must be a plain file name inside --out (no folders, '..' or leading '.'), "
                               f"got {text!r}", field=field)
    return text
