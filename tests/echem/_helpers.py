"""Small hand-made cycler tables for the echem tests."""

from __future__ import annotations

import numpy as np

from dualion.core.cycler import make_cycler_data


def build(segments, mass_mg=None, t0=0.0, with_steps=True, cycles=None, control=None, dt_s=60.0):
    """Concatenate segments ``(current_mA, duration_s, v_start, v_end)``; rows every ``dt_s`` seconds.

    Each segment gets its own step number; the first row of a segment comes ``dt_s`` after the last
    row of the previous one (that joining interval belongs to no half-cycle).
    """
    t_parts, v_parts, i_parts, s_parts = [], [], [], []
    t = t0
    for k, (i_mA, dur, v0, v1) in enumerate(segments):
        n = int(round(dur / dt_s)) + 1
        tt = t + np.linspace(0.0, dur, n)
        t_parts.append(tt)
        v_parts.append(np.linspace(v0, v1, n))
        i_parts.append(np.full(n, float(i_mA)))
        s_parts.append(np.full(n, k + 1))
        t = tt[-1] + dt_s
    return make_cycler_data(np.concatenate(t_parts), np.concatenate(v_parts), np.concatenate(i_parts),
                            step=np.concatenate(s_parts) if with_steps else None, cycle=cycles, control=control,
                            mass_mg=mass_mg, source="test")


def trapz_abs_mAh(t, i):
    """Independent ∫|I| dt / 3600 (mA h) by the trapezoid rule."""
    a = np.abs(np.asarray(i, float))
    return float(np.sum(0.5 * (a[1:] + a[:-1]) * np.diff(np.asarray(t, float))) / 3600.0)
