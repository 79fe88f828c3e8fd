"""Spectrum readers, one adapter module per format; :func:`read_spectrum` picks one.

=============  ==========================================  ==================================
format         what                                        detected by
=============  ==========================================  ==================================
bruker-1r      TopSpin processed ``pdata/N/1r`` + procs    a folder with ``pdata/N/1r``, or ``1r``
bruker-fid     TopSpin raw ``fid`` + ``acqus``             a folder with ``fid`` and no ``1r``
jcamp          JCAMP-DX                                    ``.jdx``, ``.dx``, ``.jcamp``
csdm           CSDM JSON                                   ``.csdf``, ``.csdfe``
text           two columns (ppm, intensity)                ``.txt``, ``.csv``, ``.dat``, ``.xy``, ``.tsv``
=============  ==========================================  ==================================
"""

from __future__ import annotations

from pathlib import Path

from dualion.errors import DualionUserError
from dualion.nmr.spectrum import Spectrum

FORMATS = ("bruker-1r", "bruker-fid", "jcamp", "csdm", "text")


def detect_format(path: str | Path) -> str:
    """The reader for ``path`` (see the module table); an unknown kind is a user error."""
    from dualion.nmr.readers.bruker import find_pdata

    p = Path(path)
    if not p.exists():
        raise DualionUserError("file not found", file=p)
    if p.is_dir() or p.name in ("1r", "fid"):
        if p.name != "fid" and find_pdata(p) is not None:
            return "bruker-1r"
        exp = p.parent if p.is_file() else p
        if (exp / "fid").is_file() or (exp / "acqus").is_file():
            return "bruker-fid"
        raise DualionUserError("not a Bruker data set: no pdata/N/1r and no fid + acqus", file=p)
    ext = p.suffix.lower()
    if ext in (".jdx", ".dx", ".jcamp"):
        return "jcamp"
    if ext in (".csdf", ".csdfe"):
        return "csdm"
    if ext in (".txt", ".csv", ".dat", ".xy", ".tsv", ".asc"):
        return "text"
    raise DualionUserError(f"unknown spectrum format {ext!r}; expected a Bruker folder, .jdx, .csdf or two-column text",
                           file=p, field="format")


def read_spectrum(path: str | Path, fmt: str | None = None, mass_mg: float | None = None,
                  phase_deg: tuple[float, float] | None = None) -> Spectrum:
    """Read one spectrum with the adapter for ``fmt`` (default: :func:`detect_format`)."""
    fmt = fmt or detect_format(path)
    if fmt == "bruker-1r":
        from dualion.nmr.readers.bruker import read_processed

        return read_processed(path, mass_mg=mass_mg)
    if fmt == "bruker-fid":
        from dualion.nmr.readers.bruker import read_fid

        return read_fid(path, mass_mg=mass_mg, phase_deg=phase_deg)
    if fmt == "jcamp":
        from dualion.nmr.readers.jcamp import read_jcamp

        return read_jcamp(path, mass_mg=mass_mg)
    if fmt == "csdm":
        from dualion.nmr.readers.csdm import read_csdm

        return read_csdm(path, mass_mg=mass_mg)
    if fmt == "text":
        from dualion.nmr.readers.text import read_text

        return read_text(path, mass_mg=mass_mg)
    raise DualionUserError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", field="--format")


__all__ = ["FORMATS", "Spectrum", "detect_format", "read_spectrum"]
