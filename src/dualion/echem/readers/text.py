"""Decoding of cycler text exports: a thin adapter over the project-wide reader :mod:`dualion.io.text`
(UTF-8, UTF-8 with BOM, UTF-16 with or without BOM, Latin-1 as a fallback when it decodes to plausible
text; binary data refused in one line). Line ends (LF, CRLF, CR) are normalised by ``str.splitlines``.
"""

from __future__ import annotations

from pathlib import Path

from dualion.errors import DualionUserError
from dualion.io.text import SNIFF_BYTES, detect_encoding


def decode_bytes(raw: bytes, path: Path | str | None = None, partial: bool = False) -> tuple[str, str]:
    """(text, encoding name) of ``raw`` (:func:`dualion.io.text.detect_encoding`)."""
    enc = detect_encoding(raw, path or "", partial=partial)
    return raw.decode(enc, errors="ignore" if partial else "strict"), enc


def decode(path: Path) -> tuple[str, str]:
    """(text, encoding) of the file at ``path``."""
    return decode_bytes(Path(path).read_bytes(), path)


def head_text(path: Path, nbytes: int = SNIFF_BYTES) -> str:
    """The decoded first ``nbytes`` of a file (for content detection); '' for a binary file."""
    with open(path, "rb") as fh:
        raw = fh.read(nbytes + 1)
    try:
        return decode_bytes(raw[:nbytes], path, partial=len(raw) > nbytes)[0]
    except DualionUserError:
        return ""
