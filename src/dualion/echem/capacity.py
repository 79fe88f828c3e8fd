"""Charge passed in a half-cycle: ∫I dt by the quadrature that fits how the current was sampled, checked
against the cycler's own counter (docs/echem.md, "Capacity").

* ``point`` sampling (the default: the current is an instantaneous reading at each row's time):
  trapezoid over the half-cycle's rows ``start … last``,
  Q = Σ_{k=start+1}^{last} ½(|I_k| + |I_{k−1}|)(t_k − t_{k−1}) / 3600 (mA h).
* ``interval_mean`` sampling (Bio-Logic: ``I/mA``/``<I>/mA`` and the ``dq``-derived current are the
  mean over the interval *ending* at the row): Q = Σ_{k=start}^{last} |I_k|(t_k − t_{k−1}) / 3600,
  which includes the interval leading into the first row of the half-cycle (a sparse record loses it
  to a trapezoid from the first row: −17 % on one charge of a file with few rows per half-cycle).
* The counter (``CyclerData.capacity_mAh``, signed, rising on charge) over the same intervals:
  increments of the half-cycle's sign; an increment of the other sign larger than the tolerance is a
  reset at a step start, and the counter's value there is the charge since the reset.

The counter is used instead of the integral (``capacity_source = "counter"``) where the two disagree
by more than :data:`COUNTER_TOL` (relative), the file's counter is in the current's units, and the
half-cycle's current is pulsed or sparsely sampled (:func:`choose`): the current is then sampled only at step edges
(Neware pulse steps) or too sparsely for any quadrature.
"""

from __future__ import annotations

import numpy as np

#: relative disagreement of ∫I dt and the counter above which the counter is used
COUNTER_TOL = 0.02
#: a half-cycle whose |I| varies by more than this factor is pulsed; one with fewer rows is sparse
PULSED_RATIO = 1.5
SPARSE_ROWS = 30
#: rows whose current is below this fraction of the half-cycle's median |I| do not count toward a reset test
_RESET_TOL_mAh = 1e-9


def sampling(meta: dict) -> str:
    """``"interval_mean"`` or ``"point"`` from a table's meta (readers set ``current_sampling``)."""
    return "interval_mean" if meta.get("current_sampling") == "interval_mean" else "point"


def integral_mAh(t: np.ndarray, i: np.ndarray, starts: np.ndarray, lasts: np.ndarray, how: str = "point",
                 weight: np.ndarray | None = None) -> np.ndarray:
    """∫|I|·w dt / 3600 for each row range [start, last] (mA h, or mW h with ``weight`` = V).

    ``how``: ``"point"`` (trapezoid over start..last) or ``"interval_mean"`` (right-endpoint sums over
    start..last, including the interval ending at ``start``). Three n-sized temporaries at most (the
    1.6 M-row benchmark keeps its memory target): increments in place, summed by ``np.add.reduceat``.
    """
    a = np.abs(i)
    if weight is not None:
        a *= weight
    inc = np.diff(t)
    if how == "interval_mean":
        inc *= a[1:]  # interval ending at row k+1
        lo = np.maximum(starts - 1, 0)
    else:
        inc *= 0.5
        inc *= a[1:] + a[:-1]
        lo = starts
    del a
    inc /= 3600.0
    return _interval_sums(inc, lo, lasts)


def _interval_sums(inc: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Σ inc[lo_k:hi_k] (inc: one value per interval between rows) for sorted, non-overlapping ranges."""
    out = np.zeros(lo.size)
    m = hi > lo
    if not m.any() or inc.size == 0:
        return out
    idx = np.empty(2 * int(m.sum()), dtype=np.int64)
    idx[0::2] = lo[m]
    idx[1::2] = hi[m]
    if idx[-1] >= inc.size:
        idx = idx[:-1]  # the last range runs to the end of the array
    out[m] = np.add.reduceat(inc, idx)[0::2]
    return out


def counter_mAh(q: np.ndarray, starts: np.ndarray, lasts: np.ndarray, signs: np.ndarray,
                t: np.ndarray | None = None, i: np.ndarray | None = None,
                step: np.ndarray | None = None) -> np.ndarray:
    """Charge from the signed counter ``q`` over the intervals (start−1, last] of each half-cycle (mA h;
    NaN where the counter has no finite value there). Before the first row the counter is taken as 0.

    Each interval's increment is ``sign·(q_k − q_{k−1})``, unless the counter was reset there: when that
    increment is negative, or when the step index changes and the counter's own value ``sign·q_k``
    (charge since a reset to 0) is closer than the increment to the charge the current implies
    (|I_k|·Δt_k); the increment is then ``max(sign·q_k, 0)``.
    """
    out = np.full(starts.size, np.nan)
    for k, (s0, s1, sg) in enumerate(zip(starts, lasts, signs)):
        lo = max(s0 - 1, 0)
        seg = q[lo:s1 + 1]
        if s0 == 0:
            seg = np.r_[0.0, seg]
        if seg.size < 2 or not np.isfinite(seg).all():
            continue
        cont = np.diff(seg) * sg
        reset_v = np.maximum(seg[1:] * sg, 0.0)
        reset = cont < -_RESET_TOL_mAh - 1e-6 * np.abs(seg[:-1])
        if step is not None and t is not None and i is not None and s0 > 0:
            rows = np.arange(s0, s1 + 1)
            changed = step[rows] != step[rows - 1]
            if changed.any():
                expect = np.abs(i[rows]) * (t[rows] - t[rows - 1]) / 3600.0
                reset |= changed & (np.abs(reset_v - expect) < np.abs(cont - expect))
        out[k] = float(np.sum(np.where(reset, reset_v, cont)))
    return out


def choose(q_int: np.ndarray, q_ctr: np.ndarray, counter_ok: bool, pulsed: np.ndarray, n_rows: np.ndarray,
           tol: float = COUNTER_TOL):
    """(capacity, source, disagreement_pct) per half-cycle (module docstring).

    The counter replaces the integral only where a quadrature can miss charge the counter saw: the
    half-cycle's current is ``pulsed`` (max |I| / min |I| > :data:`PULSED_RATIO` over its rows), or it has
    fewer than :data:`SPARSE_ROWS` rows and the disagreement is no more than the charge of about one
    interval (|dis| ≤ 150 % / rows). Where the current is steady, a larger disagreement means the counter
    (or the time column) is off, and the integral is kept."""
    with np.errstate(invalid="ignore", divide="ignore"):
        dis = np.where(np.isfinite(q_ctr) & (q_ctr > 0), 100.0 * (q_int - q_ctr) / q_ctr, np.nan)
    sparse = (n_rows < SPARSE_ROWS) & (np.abs(dis) <= 150.0 / np.maximum(n_rows, 1))
    use = counter_ok & np.isfinite(dis) & (np.abs(dis) > 100.0 * tol) & (pulsed | sparse)
    cap = np.where(use, q_ctr, q_int)
    src = np.where(use, "counter", "integral")
    return cap, src, dis


def pulsed_rows(i: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """True for row ranges [start, stop) whose non-zero |I| varies by more than :data:`PULSED_RATIO`."""
    out = np.zeros(starts.size, dtype=bool)
    a = np.abs(i)
    for k, (s0, s1) in enumerate(zip(starts, stops)):
        seg = a[s0:s1]
        seg = seg[seg > 0]
        out[k] = seg.size > 0 and seg.max() > PULSED_RATIO * seg.min()
    return out


def counter_consistent(meta: dict) -> bool:
    """True when the file's counter is in the current's units (``capacity_over_current_integral``, the median
    ratio of counter increments to ∫|I|dt increments, within 0.1–10: ``make_cycler_data`` refuses a file
    outside that; an edge-sampled current makes the ratio differ from 1, which is why the counter is
    needed), or that check could not be made."""
    r = meta.get("capacity_over_current_integral")
    return r is None or 0.1 <= float(r) <= 10.0
