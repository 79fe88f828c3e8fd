"""Data bundled with dualion (public DFT set, engine results, site models, fit targets)."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_ROOT = Path(__file__).resolve().parents[1]   # .../dualion


def display_source(source: str | os.PathLike) -> str:
    """A source reference for tables: a file inside the installed package becomes ``dualion/data/...``
    (no install path), anything else is returned unchanged; a ``#index`` suffix is kept."""
    text = os.fspath(source)
    path, sep, index = text.partition("#")
    try:
        rel = Path(path).resolve().relative_to(_PACKAGE_ROOT)
    except (ValueError, OSError):
        return text
    return f"dualion/{rel.as_posix()}{sep}{index}"
