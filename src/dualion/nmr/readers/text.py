"""Two-column text spectra: ``ppm intensity`` per line (whitespace, comma or semicolon separated).

Optional header lines ``# key: value`` with keys ``nucleus``, ``larmor_MHz``, ``mas_Hz``, ``ns``, ``rg``,
``mass_mg``; other ``#`` lines are comments.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from dualion.errors import DualionUserError
from dualion.nmr.spectrum import Spectrum, positive

_KEYS = {"nucleus", "larmor_mhz", "mas_hz", "ns", "rg", "mass_mg"}


def _decode(path: Path) -> str:
    from dualion.io.text import read_text as _read

    return _read(path)   # UTF-8 / BOM / UTF-16 / Latin-1 detected, binary refused in one line


def read_text(path: str | Path, mass_mg: float | None = None) -> Spectrum:
    """Read a two-column text file (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise DualionUserError("file not found", file=path)
    header: dict[str, str] = {}
    xs, ys = [], []
    for lineno, line in enumerate(_decode(path).splitlines(), 1):
        s = line.strip()
        if not s:
            continue
        if s.startswith("#"):
            m = re.match(r"#\s*([A-Za-z_]+)\s*[:=]\s*(.+)$", s)
            if m and m.group(1).lower() in _KEYS:
                header[m.group(1).lower()] = m.group(2).strip()
            continue
        parts = [p for p in re.split(r"[\s,;]+", s) if p]
        if len(parts) < 2:
            raise DualionUserError(f"expected two columns (ppm, intensity), got {s!r}", file=path, field=f"line {lineno}")
        try:
            xs.append(float(parts[0]))
            ys.append(float(parts[1]))
        except ValueError:
            if not xs:  # a column-name header line
                continue
            raise DualionUserError(f"not a number: {s!r}", file=path, field=f"line {lineno}") from None
    src = str(path)
    return Spectrum(ppm=np.array(xs), intensity=np.array(ys), nucleus=header.get("nucleus"),
                    larmor_MHz=positive(header.get("larmor_mhz"), "larmor_MHz", src),
                    mas_Hz=positive(header.get("mas_hz"), "mas_Hz", src) if header.get("mas_hz") not in (None, "0") else None,
                    ns=positive(header.get("ns"), "ns", src), rg=positive(header.get("rg"), "rg", src),
                    mass_mg=mass_mg if mass_mg is not None else positive(header.get("mass_mg"), "mass_mg", src),
                    source=src, fmt="text")
