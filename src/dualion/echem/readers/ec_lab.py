"""EC-Lab (Bio-Logic) current columns: one rule for the binary .mpr and the text .mpt readers."""

from __future__ import annotations

import numpy as np


def bio_current(names, get, t: np.ndarray):
    """(current mA, sampling, description) from EC-Lab columns, the same for .mpr and .mpt: ``I/mA`` (the
    current at the row's time: ``point``), else ``dq/mA.h`` (:func:`current_from_dq`: ``interval_mean``),
    else ``<I>/mA`` (the mean over the interval: ``interval_mean``); (None, ...) without any."""
    if "I/mA" in names:
        return get("I/mA"), "point", "I/mA (mA, > 0 oxidation = charge)"
    if "dq/mA.h" in names:
        return (current_from_dq(t, get("dq/mA.h")), "interval_mean",
                "3600 dq/dt from dq/mA.h (mA; the mean over each interval)")
    if "<I>/mA" in names:
        return get("<I>/mA"), "interval_mean", "<I>/mA (mA; the mean over each interval)"
    return None, "point", ""


def current_from_dq(t: np.ndarray, dq_mAh: np.ndarray) -> np.ndarray:
    """Current (mA) from EC-Lab's per-interval charge: I_k = 3600 dq_k / (t_k − t_{k−1}), the mean over the
    interval ending at row k (0 where the interval has no length), so that Σ I_k Δt_k/3600 = Σ dq_k."""
    dt = np.diff(t, prepend=t[0])
    i = np.zeros_like(t)
    np.divide(3600.0 * dq_mAh, dt, out=i, where=dt > 0)
    return i


