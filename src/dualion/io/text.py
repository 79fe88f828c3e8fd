"""Text input: one reader that detects the encoding, and YAML that refuses duplicate keys.

:func:`read_text` accepts UTF-8, UTF-8 with a byte-order mark, UTF-16 (with a BOM, or without one
when every other byte is zero) and, only as a fallback, Latin-1 when that decodes to plausible text
(no control characters). Anything else (binary data, an unknown encoding) is refused in one line
naming the file, instead of a ``UnicodeDecodeError`` traceback or silently garbled text.

:func:`load_yaml` / :func:`load_yaml_all` parse YAML with duplicate mapping keys refused (YAML says
keys are unique; PyYAML silently keeps the last one), naming the file, the key and both lines.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from dualion.errors import DualionUserError

#: Bytes read to guess the encoding of a large file (the whole file for :func:`read_text`).
SNIFF_BYTES = 1 << 16

_ALLOWED_CONTROL = frozenset("\t\n\r\f\v")


def _not_text(path: Path, why: str) -> DualionUserError:
    return DualionUserError(f"not a text file ({why}); expected UTF-8, UTF-16 or Latin-1 text", file=path)


def _control_chars(text: str) -> int:
    """Number of C0/C1 control characters (other than tab, newlines, form feed) in ``text``."""
    return sum(1 for ch in text if (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0) and ch not in _ALLOWED_CONTROL)


def detect_encoding(data: bytes, path: str | os.PathLike = "", partial: bool = False) -> str:
    """The Python codec name of ``data`` (``utf-8``, ``utf-8-sig``, ``utf-16``, ``utf-16-le``,
    ``utf-16-be`` or ``latin-1``); :class:`DualionUserError` when it is not text.

    ``partial``: ``data`` is only the start of the file (a multi-byte character may be cut at the end).
    """
    p = Path(path)
    if data.startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16"
    elif b"\x00" in data:
        # UTF-16 without a BOM: ASCII-range text has a zero in every other byte
        n = len(data) // 2 * 2
        odd, even = data[1:n:2], data[0:n:2]
        if n >= 2 and odd.count(0) > 0.9 * (n // 2) and even.count(0) == 0:
            enc = "utf-16-le"
        elif n >= 2 and even.count(0) > 0.9 * (n // 2) and odd.count(0) == 0:
            enc = "utf-16-be"
        else:
            raise _not_text(p, f"binary data: zero byte at offset {data.index(0)}")
    else:
        enc = "utf-8"
    try:
        text = codecs.getincrementaldecoder(enc)().decode(data, final=not partial)
    except UnicodeDecodeError as exc:
        if enc != "utf-8":
            raise _not_text(p, f"invalid {enc} at byte {exc.start}") from None
        text = data.decode("latin-1")
        bad = _control_chars(text)
        printable = sum(ch.isprintable() or ch in _ALLOWED_CONTROL for ch in text)
        if bad or printable < 0.95 * max(len(text), 1):
            raise _not_text(p, f"binary data or an unknown encoding: byte 0x{data[exc.start]:02x} at offset "
                               f"{exc.start} is not UTF-8") from None
        return "latin-1"
    bad = _control_chars(text)
    if bad:
        first = next(k for k, ch in enumerate(text) if ch not in _ALLOWED_CONTROL
                     and (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0))
        raise _not_text(p, f"binary data: control character U+{ord(text[first]):04X} at character {first}")
    return enc


def _check_file(path: str | os.PathLike) -> Path:
    p = Path(path)
    if not p.exists():
        raise DualionUserError("file not found", file=p)
    if p.is_dir():
        raise DualionUserError("expected a file, got a folder", file=p)
    return p


def sniff_encoding(path: str | os.PathLike) -> str:
    """:func:`detect_encoding` of the first :data:`SNIFF_BYTES` of a file (for readers that stream)."""
    p = _check_file(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(SNIFF_BYTES + 1)
    except OSError as exc:
        raise DualionUserError(f"cannot read: {exc.strerror or exc}", file=p) from None
    return detect_encoding(head[:SNIFF_BYTES], p, partial=len(head) > SNIFF_BYTES)


def read_text(path: str | os.PathLike) -> str:
    """The text of a file in any supported encoding (see the module docstring); ``\\r\\n`` kept."""
    p = _check_file(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DualionUserError(f"cannot read: {exc.strerror or exc}", file=p) from None
    enc = detect_encoding(data, p)
    return data.decode(enc)


#: Suffixes of binary formats that parsers read themselves (no text check).
BINARY_SUFFIXES = frozenset({".traj", ".db", ".gz", ".bz2", ".xz", ".npz", ".nc", ".h5", ".hdf5", ".mpr", ".res",
                             ".nda", ".ndax", ".zip", ".pckl", ".pkl"})


@contextlib.contextmanager
def utf8_copy(path: str | os.PathLike) -> Iterator[Path]:
    """``path`` itself when it is plain UTF-8 (or a binary format by suffix, :data:`BINARY_SUFFIXES`),
    else a temporary UTF-8 copy with the same file name (in a private temporary folder, never in an
    output folder; removed afterwards), for parsers that only take a file name (pandas, pymatgen, ASE).
    Binary data in a text format is refused in one line naming ``path``."""
    p = _check_file(path)
    if p.suffix.lower() in BINARY_SUFFIXES or sniff_encoding(p) == "utf-8":
        yield p
        return
    text = read_text(p)
    with tempfile.TemporaryDirectory(prefix="dualion-") as tmp:
        copy = Path(tmp) / p.name
        with open(copy, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        yield copy


# ----------------------------------------------------------------------------------------------
# YAML
# ----------------------------------------------------------------------------------------------

class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: Any, first: int, again: int):
        super().__init__(f"duplicate key {key!r}")
        self.key, self.first, self.again = key, first, again


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader with duplicate mapping keys refused."""

    def construct_mapping(self, node, deep=False):  # noqa: D102 - PyYAML hook
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    continue  # PyYAML reports unhashable keys itself
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise _DuplicateKey(key, seen[key], line)
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _yaml_error(exc: yaml.YAMLError, path: Path) -> DualionUserError:
    if isinstance(exc, _DuplicateKey):
        return DualionUserError(f"duplicate key {exc.key!r} (first at line {exc.first}); YAML keys must be unique",
                                file=path, field=f"line {exc.again}")
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}" if mark is not None else "(yaml)"
    return DualionUserError(f"malformed YAML: {getattr(exc, 'problem', None) or exc}", file=path, field=where)


def load_yaml(text: str, path: str | os.PathLike = "<yaml>") -> Any:
    """Parse one YAML document (safe types only, duplicate keys refused)."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, Path(path)) from None


def load_yaml_all(text: str, path: str | os.PathLike = "<yaml>") -> list[Any]:
    """Parse every document of a multi-document YAML text (safe types only, duplicate keys refused)."""
    try:
        return list(yaml.load_all(text, Loader=_UniqueKeyLoader))  # noqa: S506
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, Path(path)) from None


def read_yaml(path: str | os.PathLike) -> Any:
    """:func:`read_text` + :func:`load_yaml`: any problem is one :class:`DualionUserError` line."""
    return load_yaml(read_text(path), path)


def read_yaml_all(path: str | os.PathLike) -> list[Any]:
    """:func:`read_text` + :func:`load_yaml_all`."""
    return load_yaml_all(read_text(path), path)
