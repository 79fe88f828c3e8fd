"""Galvanostatic half-cycles from a :class:`~dualion.core.cycler.CyclerData`.

Rules (see ``docs/echem.md``):

1. Each row gets a control code: the vendor's where the file gives one (Bio-Logic ``mode``, Neware
   ``Status``, Maccor ``State`` for rest). Rows without one are classified here: |I| ≤ ``zero_tol`` ×
   max|I| is rest; within a run of rows with the same step and current sign, a row is CV (voltage
   held) when its |I| has fallen below (1 − ``cc_tol``) of the run's set current (the median of the
   |I| values above half the run's largest, robust to a spike) while the voltage is
   within ``cv_tol_V`` of the run's extreme voltage (max on charge, min on discharge); a run whose
   voltage spans less than 2 ``cv_tol_V`` while |I| changes by more than 20 % is CV throughout.
   Neware ``CCCV`` steps are split the same way.
2. A half-cycle is a maximal run of consecutive CC rows with the same current sign (> 0 charge,
   < 0 discharge) and at least ``min_points`` rows. Rest, OCV, CV and EIS rows and sign changes end a
   half-cycle; a step boundary between two CC steps of the same sign does not (so splitting a step
   into pieces leaves the capacity unchanged).
3. Capacity Q = ∫|I| dt / 3600 (mA h, trapezoid over the half-cycle's rows), energy
   E = ∫ V|I| dt / 3600 (mW h), mean voltage = E / Q (capacity-weighted average voltage).
4. Cycle numbers (1-based) come from the pairing rule (:func:`pair_cycles`): the cycler's own cycle
   index where the file has one, else discharge-then-charge; ``first`` overrides.
5. The first half-cycle is ``partial`` when it does not start where the other half-cycles of its
   direction (at a similar current, within 20 %) start: by more than max(0.1 V, 25 % of the voltage
   window), or by more than max(0.05 V, 5 %) with less than 70 % of their median capacity (it began
   from open circuit). The last half-cycle likewise by its end voltage (interrupted). The Coulombic
   efficiency of a cycle holding a partial half-cycle is not meaningful.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from dualion.core.cycler import CC, CCCV, CV, REST, UNKNOWN, CyclerData
from dualion.errors import DualionUserError

DIRECTIONS = ("discharge", "charge")


@dataclass(frozen=True)
class HalfCycle:
    """One galvanostatic half-cycle (rows ``start:stop`` of the table).

    ``capacity_mAh`` = ∫|I|dt/3600 over the rows (trapezoid), ``energy_mWh`` = ∫V|I|dt/3600,
    ``mean_voltage_V`` = energy/capacity, ``current_mA`` the mean signed current (> 0 charge).
    ``cycle`` is the dualion cycle number (1-based, from the pairing rule), ``cycler_cycle`` the
    file's own cycle index (−1 if none). ``cv_capacity_mAh`` is the capacity of a CV hold of the same
    sign directly following this half-cycle (0 if none; never counted in ``capacity_mAh``).
    """

    index: int
    direction: str
    start: int
    stop: int
    start_s: float
    end_s: float
    capacity_mAh: float
    mean_voltage_V: float
    current_mA: float
    cycle: int
    partial: bool = False
    partial_reason: str = ""
    energy_mWh: float = 0.0
    v_start_V: float = float("nan")
    v_end_V: float = float("nan")
    n_points: int = 0
    step: int = -1
    cycler_cycle: int = -1
    cv_capacity_mAh: float = 0.0

    @property
    def duration_s(self) -> float:
        """end_s − start_s (s)."""
        return self.end_s - self.start_s

    @property
    def sign(self) -> int:
        """+1 for charge, −1 for discharge."""
        return 1 if self.direction == "charge" else -1

    def specific_capacity_mAh_g(self, mass_mg: float | None) -> float | None:
        """Capacity per active mass, mA h g-1 = mA h / (mass_mg / 1000); ``None`` without a mass."""
        return None if not mass_mg else self.capacity_mAh / (mass_mg / 1000.0)

    def to_dict(self) -> dict:
        """JSON-friendly dict of the fields (plus ``duration_s``)."""
        d = asdict(self)
        d["duration_s"] = self.duration_s
        return d


def check_first(first: str | None) -> str | None:
    """Validate the ``first`` option (``None``, ``"charge"`` or ``"discharge"``)."""
    if first is None:
        return None
    f = str(first).strip().lower()
    if f not in DIRECTIONS:
        raise DualionUserError(f"--first must be 'charge' or 'discharge', got {first!r}", field="first")
    return f


def classify_rows(data: CyclerData, zero_tol: float = 1e-3, cc_tol: float = 0.05,
                  cv_tol_V: float = 0.005) -> np.ndarray:
    """Control code per row (int8) after inferring rest/CC/CV for rows the file leaves open."""
    i = data.current_mA
    v = data.voltage_V
    n = len(data)
    ctl = np.zeros(n, dtype=np.int8) if data.control is None else data.control.copy()
    absi = np.abs(i)
    imax = float(absi.max()) if n else 0.0
    if imax == 0.0:
        ctl[(ctl == UNKNOWN) | (ctl == CCCV) | (ctl == CC)] = REST
        return ctl
    zero = absi <= zero_tol * imax
    open_rows = (ctl == UNKNOWN) | (ctl == CCCV)
    ctl[open_rows & zero] = REST
    todo = open_rows & ~zero
    del zero, open_rows
    if not todo.any():
        return ctl
    # runs of rows to infer: contiguous, same step, same current sign
    sgn = np.sign(i).astype(np.int8)
    brk = np.empty(n, dtype=bool)
    brk[0] = True
    np.not_equal(data.step[1:], data.step[:-1], out=brk[1:])
    brk[1:] |= sgn[1:] != sgn[:-1]
    brk[1:] |= todo[1:] != todo[:-1]
    del sgn
    starts = np.flatnonzero(brk)
    del brk
    stops = np.r_[starts[1:], n]
    amax = np.maximum.reduceat(absi, starts)
    amin = np.minimum.reduceat(absi, starts)
    del absi
    live = todo[starts]
    # constant-current runs (the common case) need no per-row work
    pure = live & (amin >= (1.0 - cc_tol) * amax)
    for s0, s1 in zip(starts[pure], stops[pure]):
        ctl[s0:s1] = CC
    for k in np.flatnonzero(live & ~pure):
        s0, s1 = int(starts[k]), int(stops[k])
        a = np.abs(i[s0:s1])
        vv = v[s0:s1]
        vmax, vmin = float(vv.max()), float(vv.min())
        if (vmax - vmin) < 2 * cv_tol_V and a.min() < 0.8 * a.max():
            ctl[s0:s1] = CV  # voltage held throughout
            continue
        vext = vmax if i[s0] > 0 else vmin
        iref = float(np.median(a[a >= 0.5 * amax[k]]))  # the set current, robust to a spike
        held = (a < (1.0 - cc_tol) * iref) & (np.abs(vv - vext) <= cv_tol_V)
        ctl[s0:s1] = np.where(held, CV, CC).astype(np.int8)
    return ctl


def _interval_sums(inc: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Σ inc[lo_k:hi_k] for sorted, non-overlapping row ranges [lo_k, hi_k] (``inc``: one value per
    interval between rows), by one ``np.add.reduceat`` (no n-sized temporary)."""
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


def _runs(key: np.ndarray):
    """(starts, stops, values) of runs of equal values in ``key``."""
    n = key.shape[0]
    b = np.flatnonzero(key[1:] != key[:-1]) + 1
    starts = np.r_[0, b]
    stops = np.r_[b, n]
    return starts, stops, key[starts]


def half_cycles(data: CyclerData, first: str | None = None, *, min_points: int = 2, zero_tol: float = 1e-3,
                cc_tol: float = 0.05, cv_tol_V: float = 0.005) -> list[HalfCycle]:
    """Split ``data`` into galvanostatic half-cycles (see the module docstring for the rules).

    ``first`` (``"charge"`` / ``"discharge"``) overrides the pairing used for the ``cycle`` numbers;
    by default the cycler's own cycle index is used where present, else discharge-then-charge.
    """
    first = check_first(first)
    n = len(data)
    if n < 2:
        return []
    ctl = classify_rows(data, zero_tol=zero_tol, cc_tol=cc_tol, cv_tol_V=cv_tol_V)
    i = data.current_mA
    t = data.time_s
    v = data.voltage_V
    # key: +1/-1 galvanostatic charge/discharge, +2/-2 CV charge/discharge, 0 otherwise
    sgn = np.sign(i).astype(np.int8)
    key = np.where(ctl == CC, sgn, np.where(ctl == CV, 2 * sgn, 0)).astype(np.int8)
    starts, stops, vals = _runs(key)
    del key
    gal = (np.abs(vals) == 1) & (stops - starts >= min_points)
    hs = starts[gal]
    he = stops[gal]
    hv = vals[gal]
    last = he - 1
    # CV hold of the same sign directly after a half-cycle (from its last CC row to the CV run's end)
    gal_pos = np.flatnonzero(gal)
    nxt = gal_pos + 1
    ok = np.zeros(gal_pos.size, dtype=bool)
    has = nxt < vals.size
    ok[has] = vals[nxt[has]] == 2 * hv[has]
    cv_lo = starts[nxt[ok]] - 1
    cv_hi = stops[nxt[ok]] - 1
    # trapezoid sums of |I| dt (mA h) and V|I| dt (mW h) over [lo, hi] row ranges, without storing
    # cumulative arrays: segment sums of the per-interval increments by np.add.reduceat
    dt = np.diff(t)
    absi = np.abs(i)
    inc = absi[1:] + absi[:-1]
    inc *= dt
    inc *= 0.5 / 3600.0
    cap, cvcap_ok = _interval_sums(inc, hs, last), _interval_sums(inc, cv_lo, cv_hi)
    absi *= v  # power V|I| (mW), in place
    np.add(absi[1:], absi[:-1], out=inc)
    inc *= dt
    inc *= 0.5 / 3600.0
    en = _interval_sums(inc, hs, last)
    del absi, inc, dt
    cvcap = np.zeros(gal_pos.size)
    cvcap[ok] = cvcap_ok
    t0 = t[hs]
    t1 = t[last]
    dur = t1 - t0
    with np.errstate(invalid="ignore", divide="ignore"):
        meanv = np.where(cap > 0, en / np.where(cap > 0, cap, 1.0), 0.0)
        meani = np.where(dur > 0, hv * cap * 3600.0 / np.where(dur > 0, dur, 1.0), i[hs])
    if np.any(cap <= 0):
        meanv = meanv.copy()
        for k in np.flatnonzero(cap <= 0):
            meanv[k] = float(np.mean(v[hs[k]:he[k]]))
    cyc_vendor = data.cycle[hs]
    steps = data.step[hs]
    dirs = np.where(hv > 0, "charge", "discharge")
    numbers, _ = pair_cycles(list(dirs), cyc_vendor, first=first, use_cycler=data.has_cycle_index)
    partial, reasons = _partial_flags(dirs, v[hs], v[last], meani, cap)
    out = []
    for k in range(hs.size):
        out.append(HalfCycle(index=k, direction=str(dirs[k]), start=int(hs[k]), stop=int(he[k]),
                             start_s=float(t0[k]), end_s=float(t1[k]), capacity_mAh=float(cap[k]),
                             mean_voltage_V=float(meanv[k]), current_mA=float(meani[k]), cycle=int(numbers[k]),
                             partial=bool(partial[k]), partial_reason=reasons[k], energy_mWh=float(en[k]),
                             v_start_V=float(v[hs[k]]), v_end_V=float(v[last[k]]), n_points=int(he[k] - hs[k]),
                             step=int(steps[k]), cycler_cycle=int(cyc_vendor[k]), cv_capacity_mAh=float(cvcap[k])))
    return out


def pair_cycles(directions: list[str], cycler_cycle=None, first: str | None = None,
                use_cycler: bool = True) -> tuple[np.ndarray, str]:
    """Cycle number (1-based) for each half-cycle, and the rule used.

    * ``first=None`` and a cycler cycle index present (``use_cycler``): consecutive half-cycles sharing
      the cycler's index form one cycle, split again where a direction repeats inside it (a cycler
      that never advances its index); cycles are renumbered 1, 2, … in order (rule ``"cycler"``).
    * otherwise ``first`` (default ``"discharge"``, a cathode against a metal anode as in the paper):
      a new cycle starts at each half-cycle of direction ``first``, and also when a direction repeats
      within a cycle; a leading half-cycle of the other direction forms a cycle of its own
      (rule ``"discharge-first"`` / ``"charge-first"``).
    """
    first = check_first(first)
    n = len(directions)
    num = np.zeros(n, dtype=np.int64)
    if n == 0:
        return num, "none"
    if first is None and use_cycler and cycler_cycle is not None and np.all(np.asarray(cycler_cycle) >= 0):
        cc = np.asarray(cycler_cycle)
        cur = 0
        seen = set()
        for k, d in enumerate(directions):
            if cur == 0 or cc[k] != cc[k - 1] or d in seen:
                cur += 1
                seen = set()
            seen.add(d)
            num[k] = cur
        return num, "cycler"
    first = first or "discharge"
    cur = 0
    seen: set[str] = set()
    for k, d in enumerate(directions):
        if cur == 0 or d == first or d in seen:
            cur += 1
            seen = set()
        seen.add(d)
        num[k] = cur
    return num, f"{first}-first"


def _partial_flags(dirs, vstart, vend, meani, cap):
    """Flag the first/last half-cycle as partial (see :func:`half_cycles`, rule 5)."""
    n = len(dirs)
    partial = np.zeros(n, dtype=bool)
    reasons = [""] * n
    if n < 2:
        return partial, reasons
    window = float(max(np.max(vstart), np.max(vend)) - min(np.min(vstart), np.min(vend)))
    tol_small = max(0.05, 0.05 * window)
    tol_big = max(0.1, 0.25 * window)

    def similar(k):
        same = np.array([dirs[j] == dirs[k] and j != k for j in range(n)])
        if not same.any():
            return same
        near = same & (np.abs(np.abs(meani) - abs(meani[k])) <= 0.2 * abs(meani[k]))
        return near if near.any() else same

    def off(k, vk, vref_all, what, hint):
        others = similar(k)
        if not others.any():
            return ""
        ref = float(np.median(vref_all[others]))
        qref = float(np.median(cap[others]))
        dv = abs(vk - ref)
        if dv > tol_big or (dv > tol_small and cap[k] < 0.7 * qref):
            return (f"{what} at {vk:.3f} V while the other {dirs[k]} half-cycles {what} at {ref:.3f} V, "
                    f"capacity {cap[k]:.4g} vs {qref:.4g} mA h ({hint})")
        return ""

    r = off(0, vstart[0], vstart, "start", "began from open circuit?")
    if r:
        partial[0], reasons[0] = True, r
    r = off(n - 1, vend[n - 1], vend, "end", "interrupted?")
    if r:
        partial[n - 1] = True
        reasons[n - 1] = f"{reasons[n - 1]}; {r}" if reasons[n - 1] else r
    return partial, reasons


def cumulative_capacity_mAh(data: CyclerData) -> np.ndarray:
    """∫₀ᵗ |I| dt / 3600 from the start of the file (mA h, trapezoid), one value per row."""
    absi = np.abs(data.current_mA)
    inc = absi[1:] + absi[:-1]
    inc *= np.diff(data.time_s)
    inc *= 0.5 / 3600.0
    out = np.empty(len(data))
    out[0] = 0.0
    np.cumsum(inc, out=out[1:])
    return out


def curve(data: CyclerData, hc: HalfCycle, cumulative: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(capacity_mAh from the start of the half-cycle, voltage_V) for the rows of ``hc``.

    Pass ``cumulative`` (from :func:`cumulative_capacity_mAh`) when calling for many half-cycles.
    """
    if cumulative is not None:
        q = cumulative[hc.start:hc.stop] - cumulative[hc.start]
    else:
        q = cumulative_capacity_mAh(data.slice(hc.start, hc.stop))
    return q, data.voltage_V[hc.start:hc.stop]
