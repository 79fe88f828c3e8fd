"""Decoding of cycler text exports: the one place that turns bytes into text for the readers.

Kept to one small function (:func:`decode`) so that it can be swapped for the project-wide text
reader (``dualion.io.text``) once that lands. Order: a byte-order mark (UTF-8, UTF-16 LE/BE) wins;
a file whose first 4 kB has NUL bytes at every other position is UTF-16 without a BOM; a file with
other NUL bytes is binary and refused; then strict UTF-8; else Latin-1 (EC-Lab writes Latin-1 with
``µ`` in its column names, and Latin-1 decodes any byte). Line ends (LF, CRLF, CR) are normalised by
``str.splitlines``.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from dualion.errors import DualionUserError


def decode_bytes(raw: bytes, path: Path | str | None = None) -> tuple[str, str]:
    """(text, encoding name) of ``raw`` (see the module docstring)."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(enc, errors="replace"), enc
    head = raw[:4096]
    if head and b"\x00" in head:
        odd, even = head[1::2], head[0::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
            return raw.decode("utf-16-le", errors="replace"), "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
            return raw.decode("utf-16-be", errors="replace"), "utf-16-be"
        raise DualionUserError("binary file (NUL bytes), not a text export; give the cycler's own "
                               "binary format's extension or --format", file=path)
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def decode(path: Path) -> tuple[str, str]:
    """(text, encoding) of the file at ``path``."""
    return decode_bytes(Path(path).read_bytes(), path)


def head_text(path: Path, nbytes: int = 65536) -> str:
    """The decoded first ``nbytes`` of a file (for content detection); '' for a binary file."""
    with open(path, "rb") as fh:
        raw = fh.read(nbytes)
    try:
        return decode_bytes(raw, path)[0]
    except DualionUserError:
        return ""
