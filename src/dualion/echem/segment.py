"""Galvanostatic half-cycles from a :class:`~dualion.core.cycler.CyclerData`.

Rules (see ``docs/echem.md``):

1. Each row gets a control code: the vendor's where the file gives one (Bio-Logic ``mode``, Neware
   ``Status``, Maccor ``State`` for rest). Rows without one are classified here: |I| ≤ ``zero_tol`` ×
   max|I| is rest; within a run of rows with the same step and current sign, a row is CV (voltage
   held) when its |I| has fallen below (1 − ``cc_tol``) of the run's set current (the median of the
   |I| values above half the run's largest, robust to a spike) while the voltage is
   within ``cv_tol_V`` of the run's extreme voltage (max on charge, min on discharge); a run whose
   voltage spans less than 2 ``cv_tol_V`` while |I| changes by more than 20 % is CV throughout.
   Neware ``CCCV`` steps are split the same way. Every row of a step (same step index) that holds an
   impedance (EIS) row is EIS: the DC wait of a GEIS/PEIS technique is never a half-cycle.
2. A half-cycle is a maximal run of consecutive CC rows with the same current sign (> 0 charge,
   < 0 discharge) and at least ``min_points`` rows. OCV, CV and EIS rows and sign changes end a
   half-cycle; a step boundary between two CC steps of the same sign does not (so splitting a step
   into pieces leaves the capacity unchanged). A pause (rest or zero-current rows) inside a half-cycle
   does not end it when it lasts at most :data:`PAUSE_MAX_S` (60 s) and at most
   :data:`PAUSE_MAX_FRACTION` (10 %) of the half-cycle's duration before it; where the file has its own
   half-cycle index (Bio-Logic ``half cycle``), that index decides instead.
3. Capacity Q = ∫|I| dt / 3600 (mA h) by the quadrature that fits the sampling, checked against the
   cycler's counter (:mod:`dualion.echem.capacity`); energy E = ∫ V|I| dt / 3600 (mW h), mean
   voltage = E / Q (capacity-weighted average voltage).
4. Cycle numbers (1-based) come from the pairing rule (:func:`pair_cycles`): the cycler's own cycle
   index where the file has one, else discharge-then-charge; ``first`` overrides.
5. The first half-cycle is ``partial`` when it does not start where the other half-cycles of its
   direction (at a similar current, within 20 %) start: by more than max(0.1 V, 25 % of the voltage
   window), or by more than max(0.05 V, 5 %) with less than 95 % of their median capacity (it began
   from open circuit). The last half-cycle likewise by its end voltage (interrupted). The Coulombic
   efficiency of a cycle holding a partial half-cycle is not meaningful.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from dualion.core.cycler import CC, CCCV, CV, EIS, OCV, REST, UNKNOWN, CyclerData
from dualion.errors import DualionUserError

DIRECTIONS = ("discharge", "charge")


@dataclass(frozen=True)
class HalfCycle:
    """One galvanostatic half-cycle (rows ``start:stop`` of the table).

    ``capacity_mAh`` = ∫|I|dt/3600 over the rows (quadrature: :mod:`dualion.echem.capacity`), ``energy_mWh`` = ∫V|I|dt/3600,
    ``mean_voltage_V`` = energy/capacity, ``current_mA`` the mean signed current (> 0 charge).
    ``cycle`` is the dualion cycle number (1-based, from the pairing rule), ``cycler_cycle`` the
    file's own cycle index (−1 if none). ``cv_capacity_mAh`` is the capacity of a CV hold of the same
    sign directly following this half-cycle (0 if none; never counted in ``capacity_mAh``).
    ``capacity_source`` says which value ``capacity_mAh`` is: ``"integral"`` (∫|I|dt by the quadrature of
    :mod:`dualion.echem.capacity`, ``capacity_integral_mAh``) or ``"counter"`` (the cycler's counter,
    ``capacity_counter_mAh``, used where the two disagree by more than 2 %);
    ``capacity_disagreement_pct`` = 100 (integral − counter) / counter (NaN without a counter).
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
    capacity_source: str = "integral"
    capacity_integral_mAh: float = float("nan")
    capacity_counter_mAh: float = float("nan")
    capacity_disagreement_pct: float = float("nan")

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
        """JSON-friendly dict of the fields (plus ``duration_s``; NaN → null by the one NaN policy)."""
        from dualion.core.records import jsonable

        d = asdict(self)
        d["duration_s"] = self.duration_s
        return jsonable(d)


def check_first(first: str | None) -> str | None:
    """Validate the ``first`` option (``None``, ``"charge"`` or ``"discharge"``)."""
    if first is None:
        return None
    f = str(first).strip().lower()
    if f not in DIRECTIONS:
        raise DualionUserError(f"the first half-cycle must be 'charge' or 'discharge', got {first!r}", field="first")
    return f


def classify_rows(data: CyclerData, zero_tol: float = 1e-3, cc_tol: float = 0.05,
                  cv_tol_V: float = 0.005) -> np.ndarray:
    """Control code per row (int8) after inferring rest/CC/CV for rows the file leaves open; all rows of a
    step holding EIS rows are EIS (rule 1)."""
    ctl = _classify_rows(data, zero_tol, cc_tol, cv_tol_V)
    eis = ctl == EIS
    if eis.any() and (data.step >= 0).any():
        steps = np.unique(data.step[eis & (data.step >= 0)])
        ctl[np.isin(data.step, steps)] = EIS
    return ctl


def _classify_rows(data: CyclerData, zero_tol: float, cc_tol: float, cv_tol_V: float) -> np.ndarray:
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


def _runs(key: np.ndarray):
    """(starts, stops, values) of runs of equal values in ``key``."""
    n = key.shape[0]
    b = np.flatnonzero(key[1:] != key[:-1]) + 1
    starts = np.r_[0, b]
    stops = np.r_[b, n]
    return starts, stops, key[starts]


#: a first/last half-cycle starting/ending away from the others with less than this share of their
#: median capacity is partial (began part-way, e.g. from open circuit, or was interrupted)
PARTIAL_CAPACITY_FRACTION = 0.95

#: a pause (rest rows, zero current) inside a half-cycle is bridged when it lasts at most PAUSE_MAX_S seconds
#: and at most PAUSE_MAX_FRACTION of the half-cycle's duration before it (or the file's half-cycle column says so)
PAUSE_MAX_S = 60.0
PAUSE_MAX_FRACTION = 0.1


def _merge_pauses(starts, stops, vals, ctl, t, half, pause_s, pause_frac):
    """Galvanostatic runs (|val| == 1) joined across short pauses: list of (start, stop, sign, run index of
    the last run). Pause rows are rest/unknown zero-current rows only (never CV, OCV or EIS rows)."""
    out: list[list[int]] = []
    gal = np.flatnonzero(np.abs(vals) == 1)
    for r in gal:
        s0, s1, sg = int(starts[r]), int(stops[r]), int(vals[r])
        if out and out[-1][2] == sg:
            prev = out[-1]
            between = range(prev[3] + 1, r)
            only_pause = all(vals[j] == 0 and not np.isin(ctl[starts[j]:stops[j]], (EIS, OCV, CV)).any()
                             for j in between)
            if only_pause:
                gap = float(t[s0] - t[prev[1] - 1])
                before = float(t[prev[1] - 1] - t[prev[0]])
                if half is not None:
                    join = bool(half[prev[1] - 1] == half[s0])
                else:
                    join = gap <= pause_s and gap <= pause_frac * before
                if join:
                    prev[1], prev[3] = s1, int(r)
                    continue
        out.append([s0, s1, sg, int(r)])
    return out


def half_cycles(data: CyclerData, first: str | None = None, *, min_points: int = 2, zero_tol: float = 1e-3,
                cc_tol: float = 0.05, cv_tol_V: float = 0.005, pause_s: float = PAUSE_MAX_S,
                pause_frac: float = PAUSE_MAX_FRACTION) -> list[HalfCycle]:
    """Split ``data`` into galvanostatic half-cycles (see the module docstring for the rules).

    ``first`` (``"charge"`` / ``"discharge"``) overrides the pairing used for the ``cycle`` numbers;
    by default the cycler's own cycle index is used where present, else discharge-then-charge.
    ``pause_s`` / ``pause_frac``: a rest inside a half-cycle no longer than both (s; fraction of the
    half-cycle's duration before it) does not split it; the file's half-cycle column, when present, decides
    instead.
    """
    from dualion.echem import capacity as capmod

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
    half = data.half_cycle
    if half is not None and not (half >= 0).any():
        half = None
    merged = _merge_pauses(starts, stops, vals, ctl, t, half, pause_s, pause_frac)
    merged = [m for m in merged if m[1] - m[0] >= min_points]
    hs = np.array([m[0] for m in merged], dtype=np.int64)
    he = np.array([m[1] for m in merged], dtype=np.int64)
    hv = np.array([m[2] for m in merged], dtype=np.int64)
    last_run = np.array([m[3] for m in merged], dtype=np.int64)
    last = he - 1
    # CV hold of the same sign directly after a half-cycle (from its last CC row to the CV run's end)
    nxt = last_run + 1
    ok = np.zeros(hs.size, dtype=bool)
    has = nxt < vals.size
    ok[has] = vals[nxt[has]] == 2 * hv[has]
    cv_lo = starts[nxt[ok]] - 1
    cv_hi = stops[nxt[ok]] - 1
    how = capmod.sampling(data.meta)
    q_int = capmod.integral_mAh(t, i, hs, last, how)
    en_int = capmod.integral_mAh(t, i, hs, last, how, weight=v)
    cvcap = np.zeros(hs.size)
    if ok.any():
        cvcap[ok] = capmod.integral_mAh(t, i, cv_lo + 1 if how == "interval_mean" else cv_lo, cv_hi, how)
    if data.capacity_mAh is not None and hs.size:
        q_ctr = capmod.counter_mAh(data.capacity_mAh, hs, last, hv, t=t, i=i, step=data.step)
    else:
        q_ctr = np.full(hs.size, np.nan)
    cap, source, disagree = capmod.choose(q_int, q_ctr, capmod.counter_consistent(data.meta),
                                          capmod.pulsed_rows(i, hs, he), he - hs)
    kept = np.isfinite(disagree) & (np.abs(disagree) > 100.0 * capmod.COUNTER_TOL) & (source == "integral")
    if kept.any() and not data.meta.get("_counter_warned"):
        data.meta["_counter_warned"] = True
        data.meta.setdefault("warnings", []).append(
            f"∫I dt and the cycler's capacity counter disagree by up to {np.nanmax(np.abs(disagree[kept])):.3g} % on "
            f"{int(kept.sum())} half-cycle(s) of steady, densely sampled current: the counter (or the time column) "
            "is off there; dualion keeps ∫I dt")
    with np.errstate(invalid="ignore", divide="ignore"):
        en = np.where(q_int > 0, en_int * cap / np.where(q_int > 0, q_int, 1.0), en_int)
    t0 = t[hs]
    t1 = t[last]
    dur = t1 - t0
    with np.errstate(invalid="ignore", divide="ignore"):
        meanv = np.where(cap > 0, en / np.where(cap > 0, cap, 1.0), 0.0)
        meani = np.where(dur > 0, hv * cap * 3600.0 / np.where(dur > 0, dur, 1.0), i[hs] if hs.size else 0.0)
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
                             step=int(steps[k]), cycler_cycle=int(cyc_vendor[k]), cv_capacity_mAh=float(cvcap[k]),
                             capacity_source=str(source[k]), capacity_integral_mAh=float(q_int[k]),
                             capacity_counter_mAh=float(q_ctr[k]), capacity_disagreement_pct=float(disagree[k])))
    return out


def pair_cycles(directions: list[str], cycler_cycle=None, first: str | None = None,
                use_cycler: bool = True) -> tuple[np.ndarray, str]:
    """Cycle number (1-based) for each half-cycle, and the rule used.

    * ``first=None`` and a cycler cycle index present (``use_cycler``): consecutive half-cycles sharing
      the cycler's index form one cycle, split again where a direction comes back after the other one
      (a cycler that never advances its index); cycles are renumbered 1, 2, … in order (rule ``"cycler"``).
    * Consecutive half-cycles of one direction (CC steps at decreasing current, GITT pulses, a pause the
      segmenter did not bridge) stay in one cycle, whose capacity is their sum.
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
            if cur == 0 or cc[k] != cc[k - 1] or (d in seen and d != directions[k - 1]):
                cur += 1
                seen = set()
            seen.add(d)
            num[k] = cur
        return num, "cycler"
    first = first or "discharge"
    cur = 0
    seen: set[str] = set()
    for k, d in enumerate(directions):
        repeat = k > 0 and d == directions[k - 1]  # consecutive parts of one half (rate steps, pulses)
        if cur == 0 or ((d == first or d in seen) and not repeat):
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
        if dv > tol_big or (dv > tol_small and cap[k] < PARTIAL_CAPACITY_FRACTION * qref):
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
