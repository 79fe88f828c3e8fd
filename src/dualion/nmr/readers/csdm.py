"""CSDM ``.csdf`` / ``.csdfe`` spectra (adapter over csdmpy).

A frequency dimension in Hz is converted with its ``origin_offset`` (the Larmor frequency ν₀):
``δ = ν / ν₀ · 10⁶`` (ν in Hz, ν₀ in Hz); a dimensionless dimension is read in ppm. The real part of the
first component of the first dependent variable is the spectrum.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dualion.errors import DualionUserError
from dualion.nmr.spectrum import Spectrum


def read_csdm(path: str | Path, mass_mg: float | None = None) -> Spectrum:
    """Read a 1D CSDM spectrum; nucleus and spinning rate are unknown unless stored in its metadata."""
    import csdmpy as cp

    path = Path(path)
    if not path.is_file():
        raise DualionUserError("file not found", file=path)
    try:
        obj = cp.load(str(path))
    except Exception as exc:  # noqa: BLE001
        raise DualionUserError(f"cannot read as CSDM: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                               file=path) from None
    if len(obj.dimensions) != 1:
        raise DualionUserError(f"expected a 1D spectrum, got {len(obj.dimensions)} dimensions", file=path,
                               field="dimensions")
    if not obj.dependent_variables:
        raise DualionUserError("no dependent variable", file=path, field="dependent_variables")
    dim = obj.dimensions[0]
    coords = dim.coordinates
    larmor_MHz = None
    try:
        nu0_Hz = float(dim.origin_offset.to("Hz").value)
    except Exception:  # noqa: BLE001 - a dimensionless axis has no frequency origin
        nu0_Hz = 0.0
    if coords.unit.physical_type == "frequency":
        if not nu0_Hz > 0:
            raise DualionUserError("a frequency axis needs origin_offset (the Larmor frequency) to convert Hz to ppm",
                                   file=path, field="origin_offset")
        ppm = coords.to("Hz").value / nu0_Hz * 1e6
        larmor_MHz = nu0_Hz / 1e6
    else:
        try:
            ppm = coords.to("ppm").value
        except Exception:  # noqa: BLE001
            raise DualionUserError(f"the axis unit {coords.unit} is neither a frequency nor ppm", file=path,
                                   field="dimensions") from None
        larmor_MHz = nu0_Hz / 1e6 if nu0_Hz > 0 else None
    y = np.asarray(obj.dependent_variables[0].components[0])
    meta = obj.application or {}
    nmr = meta.get("dualion", {}) if isinstance(meta, dict) else {}
    return Spectrum(ppm=np.asarray(ppm, dtype=float), intensity=np.real(y).astype(float), nucleus=nmr.get("nucleus"),
                    larmor_MHz=larmor_MHz, mas_Hz=nmr.get("mas_Hz"), mass_mg=mass_mg, source=str(path), fmt="csdm")
