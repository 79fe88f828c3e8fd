"""Plausibility of specific capacities: the one place that warns about unit or mass mistakes.

The largest theoretical capacity of any insertion host in use is below ~1,200 mA h g-1 (Si alloys reach
~3,600 and Li metal 3,860 mA h g-1, but are not insertion hosts); a cycler file whose mean charge or
discharge per half-cycle exceeds :data:`MAX_SPECIFIC_mAh_g` for the given mass is almost always a mass in
the wrong unit (g for mg) or a capacity in A h read as mA h. dualion warns (:class:`DualionWarning`) and
keeps the numbers.
"""

from __future__ import annotations

import warnings

import numpy as np

from dualion.errors import DualionWarning

#: Above this (mA h g-1) a specific capacity is flagged (Li metal's 3,860 mA h g-1 with margin).
MAX_SPECIFIC_mAh_g = 4000.0


def specific_capacity_warning(capacity_mAh: float, mass_mg: float | None) -> str | None:
    """The warning text when ``capacity_mAh`` / (``mass_mg``/1000) exceeds :data:`MAX_SPECIFIC_mAh_g`."""
    if not mass_mg or not np.isfinite(capacity_mAh) or capacity_mAh <= 0:
        return None
    q = capacity_mAh / (mass_mg / 1000.0)
    if q <= MAX_SPECIFIC_mAh_g:
        return None
    return (f"{capacity_mAh:.4g} mA h on {mass_mg:g} mg of active material is {q:,.0f} mA h g-1, far above any "
            f"insertion host (< {MAX_SPECIFIC_mAh_g:,.0f}): is the mass in mg (--mass-mg) and the capacity unit right?")


def warn_specific(capacity_mAh: float, mass_mg: float | None, source: str = "") -> str | None:
    """Emit the :func:`specific_capacity_warning` (largest half-cycle's charge, mA h) as a DualionWarning."""
    msg = specific_capacity_warning(capacity_mAh, mass_mg)
    if msg:
        warnings.warn(f"{source}: {msg}" if source else msg, DualionWarning, stacklevel=3)
    return msg


def check_specific(data) -> str | None:
    """:func:`warn_specific` for a whole table: the largest charge passed between two current reversals
    (rests do not split), noted in ``data.meta['warnings']``. ``cycles.summarise`` uses the half-cycles'
    capacities instead (no extra memory on large files)."""
    if not data.mass_mg or len(data) < 2:
        return None
    i = data.current_mA
    inc = 0.5 * (np.abs(i[1:]) + np.abs(i[:-1])) * np.diff(data.time_s) / 3600.0
    sgn = np.sign(i[1:] + i[:-1])
    idx = np.where(sgn != 0, np.arange(sgn.size), 0)
    np.maximum.accumulate(idx, out=idx)
    sgn = sgn[idx]  # rests carry the sign before them: only reversals split
    brk = np.flatnonzero(sgn[1:] * sgn[:-1] < 0) + 1
    parts = np.add.reduceat(inc, np.r_[0, brk]) if inc.size else np.zeros(1)
    msg = warn_specific(float(parts.max()), data.mass_mg, data.source)
    if msg:
        data.meta.setdefault("warnings", []).append(msg)
    return msg
