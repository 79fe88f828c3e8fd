"""Vegard's law: Li content at the interstitial (4b) sites from the lattice parameters.

For a solid solution whose lattice parameters change linearly with the inserted Li content x,

    a(x) = a0 + (da/dx)·x,   c(x) = c0 + (dc/dx)·x    ⇒   x_a = (a − a0)/(da/dx),   x_c = (c − c0)/(dc/dx)

and the two estimates bracket x. Standard uncertainties propagate as
σ(x_a) = sqrt(σ_a² + σ_a0²)/|da/dx| (slopes taken as exact). The slopes must come from a cited
reference (a YAML file with ``da_dx_A``, ``dc_dx_A`` and ``citation``) or from the user; dualion has
no default slopes. No reference the founding paper cites ([17, 29, 30]) is available to dualion with
numbers, so none is bundled (``src/dualion/data/pdf/`` holds no slope file).
"""

from __future__ import annotations

import math
import os
import re

from dualion.cliutil import read_yaml
from dualion.errors import DualionUserError
from dualion.pdf.results import VegardResult

_ESD = re.compile(r"^\s*([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*(?:\((\d+)\))?\s*$")


def parse_esd(text: str | float, field: str) -> tuple[float, float | None]:
    """``"3.7991(7)"`` → (3.7991, 0.0007); ``"3.7991"`` → (3.7991, None). Errors name ``field``."""
    if isinstance(text, (int, float)):
        return float(text), None
    m = _ESD.match(str(text))
    if not m:
        raise DualionUserError(f"expected a number like 3.7991 or 3.7991(7), got {text!r}", field=field)
    value = float(m.group(1))
    if m.group(2) is None:
        return value, None
    mantissa = m.group(1).split("e")[0].split("E")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return value, int(m.group(2)) * 10.0 ** (-decimals)


def load_slopes(path: str | os.PathLike) -> tuple[float, float, str]:
    """(da/dx, dc/dx [Å per Li per formula unit], citation) from a YAML slope file."""
    doc = read_yaml(path)
    if not isinstance(doc, dict):
        raise DualionUserError("expected a mapping with da_dx_A, dc_dx_A and citation", file=path)
    for key in ("da_dx_A", "dc_dx_A", "citation"):
        if key not in doc:
            raise DualionUserError("missing key (slopes need a value and the reference they come from)",
                                   file=path, field=key)
    try:
        da, dc = float(doc["da_dx_A"]), float(doc["dc_dx_A"])
    except (TypeError, ValueError):
        raise DualionUserError("slopes must be numbers (Å per Li)", file=path, field="da_dx_A") from None
    return da, dc, str(doc["citation"])


def vegard(a: str | float, c: str | float, a0: str | float, c0: str | float, da_dx: float, dc_dx: float,
           slopes_source: str = "user", citation: str | None = None) -> VegardResult:
    """x_Li from a and from c (values may carry esds, ``"3.875(2)"``); slopes in Å per Li."""
    (av, sa), (cv, sc) = parse_esd(a, "--a"), parse_esd(c, "--c")
    (a0v, sa0), (c0v, sc0) = parse_esd(a0, "--a0"), parse_esd(c0, "--c0")
    for name, s in (("--da-dx", da_dx), ("--dc-dx", dc_dx)):
        if not math.isfinite(s) or s == 0:
            raise DualionUserError(f"slope must be a finite non-zero number (Å per Li), got {s!r}", field=name)
    for name, v in (("--a", av), ("--c", cv), ("--a0", a0v), ("--c0", c0v)):
        if not math.isfinite(v) or v <= 0:
            raise DualionUserError(f"must be a positive length in Å, got {v!r}", field=name)

    def esd(s1: float | None, s2: float | None, slope: float) -> float | None:
        if s1 is None and s2 is None:
            return None
        return math.hypot(s1 or 0.0, s2 or 0.0) / abs(slope)

    return VegardResult(a_A=av, c_A=cv, a0_A=a0v, c0_A=c0v, da_dx_A=float(da_dx), dc_dx_A=float(dc_dx),
                        x_from_a=(av - a0v) / da_dx, x_from_c=(cv - c0v) / dc_dx,
                        x_from_a_sigma=esd(sa, sa0, da_dx), x_from_c_sigma=esd(sc, sc0, dc_dx),
                        slopes_source=slopes_source, citation=citation)
