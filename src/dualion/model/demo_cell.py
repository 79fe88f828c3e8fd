"""Demo part of dualion.model (see :mod:`dualion.demo`)."""

from __future__ import annotations

from pathlib import Path


def run(out: Path, fast: bool = False) -> list[str]:
    """Write this part's figures and tables into ``out``; return Markdown summary lines."""
    return []
