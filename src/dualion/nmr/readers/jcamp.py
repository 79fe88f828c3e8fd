"""JCAMP-DX NMR spectra (adapter over nmrglue's ``jcampdx`` reader).

Axis: ``NPOINTS`` values from ``FIRSTX`` to ``LASTX``; ``XUNITS = HZ`` is converted with
``.OBSERVE FREQUENCY`` (MHz): ``δ = x / ν₀`` (Hz / MHz = ppm); ``XUNITS = PPM`` is used as is.
Nucleus from ``.OBSERVE NUCLEUS`` (``^19F``), spinning rate from ``$MASR`` (Hz), ``$NS`` and ``$RG`` when present.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

from dualion.errors import DualionUserError
from dualion.nmr.spectrum import Spectrum


def _first(dic: dict, key: str):
    v = dic.get(key)
    if isinstance(v, list):
        v = v[0] if v else None
    return v.strip() if isinstance(v, str) else v


def _num(dic: dict, key: str, path: Path, required: bool = True) -> float | None:
    v = _first(dic, key)
    if v is None:
        if required:
            raise DualionUserError("required label missing", file=path, field=f"##{key}")
        return None
    try:
        x = float(v)
    except ValueError:
        raise DualionUserError(f"expected a number, got {v!r}", file=path, field=f"##{key}") from None
    if not math.isfinite(x):
        raise DualionUserError(f"expected a finite number, got {v!r}", file=path, field=f"##{key}")
    return x


def read_jcamp(path: str | Path, mass_mg: float | None = None) -> Spectrum:
    """Read a 1D JCAMP-DX NMR spectrum (see the module docstring)."""
    import nmrglue as ng

    path = Path(path)
    if not path.is_file():
        raise DualionUserError("file not found", file=path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dic, data = ng.jcampdx.read(str(path))
    except Exception as exc:  # noqa: BLE001
        raise DualionUserError(f"cannot read as JCAMP-DX: {exc}", file=path) from None
    if isinstance(data, list):  # [real, imaginary]
        data = data[0]
    y = np.asarray(data, dtype=float).reshape(-1)
    n = int(_num(dic, "NPOINTS", path, required=False) or y.size)
    if y.size != n:
        raise DualionUserError(f"##NPOINTS = {n} but {y.size} values were read", file=path, field="##NPOINTS")
    x0, x1 = _num(dic, "FIRSTX", path), _num(dic, "LASTX", path)
    x = np.linspace(x0, x1, n)
    units = str(_first(dic, "XUNITS") or "").upper()
    obs = _num(dic, ".OBSERVEFREQUENCY", path, required=units == "HZ")
    if units == "HZ":
        ppm = x / obs
    elif units == "PPM":
        ppm = x
    else:
        raise DualionUserError(f"XUNITS must be HZ or PPM, got {units!r}", file=path, field="##XUNITS")
    nuc = _first(dic, ".OBSERVENUCLEUS")
    mas = _num(dic, "$MASR", path, required=False)
    return Spectrum(ppm=ppm, intensity=y, nucleus=nuc.lstrip("^") if nuc else None, larmor_MHz=obs,
                    mas_Hz=mas if mas else None, ns=_num(dic, "$NS", path, required=False),
                    rg=_num(dic, "$RG", path, required=False), mass_mg=mass_mg, source=str(path), fmt="jcamp")
