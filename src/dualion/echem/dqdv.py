"""Differential capacity dQ/dV on a uniform voltage grid (Fig. 1b, d of the founding paper).

Method (see ``docs/echem_analysis.md`` for the equations)
---------------------------------------------------------
A half-cycle is a list of samples ``(V_i, Q_i)`` with ``Q`` the capacity passed since the start of
the half-cycle (mA h, positive and non-decreasing for charge *and* discharge). Between two
consecutive samples the curve is taken as a straight line, so the charge ``ΔQ_i = Q_{i+1} - Q_i``
was passed uniformly while the voltage swept the interval ``[min(V_i, V_{i+1}), max(V_i, V_{i+1})]``.
Summing these boxes over a uniform grid of voltage bins gives the charge passed per voltage bin,
i.e. the *exact* integral of the piecewise-linear curve: dividing by the bin width gives dQ/dV.

* **Non-monotonic voltage** (noise, relaxation spikes, a voltage that turns back): no inversion of
  ``V(Q)`` is needed; charge passed while the voltage went "backwards" is simply counted in the bin
  where it was passed. Nothing is dropped, so the area of the curve is the capacity of the
  half-cycle whatever the noise (``∫ dQ/dV dV = Q_total``).
* **Ordering rule** for the array API (:func:`dqdv_curve`): samples are ordered by capacity
  (stable sort), because ``Q`` is the time integral of ``|I|`` and therefore monotonic in time even
  when ``V`` is not; shuffled input gives the same result as ordered input.
* **Smoothing** is a Gaussian kernel of standard deviation ``smooth_V`` *in volts* applied on the
  voltage grid (not on the samples), so the result does not depend on the sampling density. The
  grid is padded by 5 σ on each side, so no area leaks out of it.
* **Sign convention**: dQ/dV is reported as a *magnitude* (``|dQ/dV| ≥ 0``) for both charge and
  discharge; the ``direction`` of each half-cycle says which one it is. (Figures draw discharge
  curves as negative, the usual display convention; the tables are always positive.)
* **Units**: mA h V⁻¹; with an active mass also mA h g⁻¹ V⁻¹.
* **Peaks**: :func:`scipy.signal.find_peaks` with a prominence threshold (a fraction of the curve's
  maximum); each peak gives its voltage (refined by a 3-point parabola, within one grid step),
  height and prominence. Only long-stable scipy APIs are used (``find_peaks`` and
  ``ndimage.gaussian_filter1d``), never Savitzky–Golay on unevenly spaced data.

Everything is vectorised over half-cycles: all half-cycles of a file share one voltage grid and are
binned with a single :func:`numpy.bincount`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dualion.core.records import Record, dataclass_from_dict, floats, register
from dualion.errors import DualionUserError

#: Default grid step (V) and Gaussian smoothing σ (V).
DEFAULT_STEP_V = 0.002
DEFAULT_SMOOTH_V = 0.01
#: Default peak prominence threshold as a fraction of the curve's maximum |dQ/dV|.
DEFAULT_PROMINENCE_FRAC = 0.05
#: Grid padding on each side of the data, in units of the smoothing σ.
PAD_SIGMA = 5.0
#: Largest grid allowed (bins); protects memory against absurd ``step_V`` values.
MAX_BINS = 2_000_000
#: Segments binned per pass in :func:`dqdv_from_segments` (bounds the temporary arrays to ~15 MB).
CHUNK_SEGMENTS = 1 << 17


@dataclass(frozen=True)
class DQDVPeak:
    """One dQ/dV peak of one half-cycle.

    ``voltage_V`` is refined by a parabola through the three grid points around the maximum;
    ``height_mAh_per_V`` and ``prominence_mAh_per_V`` are on the (positive) smoothed curve.
    """

    half_cycle: int
    direction: str
    cycle: int | None
    voltage_V: float
    height_mAh_per_V: float
    prominence_mAh_per_V: float
    height_mAh_per_g_V: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"half_cycle": self.half_cycle, "direction": self.direction, "cycle": self.cycle,
                "voltage_V": self.voltage_V, "height_mAh_per_V": self.height_mAh_per_V,
                "prominence_mAh_per_V": self.prominence_mAh_per_V,
                "height_mAh_per_g_V": self.height_mAh_per_g_V}


@register("echem.dqdv")
@dataclass(frozen=True, eq=False)
class DQDVResult(Record):
    """dQ/dV of several half-cycles on one shared voltage grid (a record: ``*_dqdv_curves.json`` loads back).

    Attributes
    ----------
    voltage_V:
        Bin centres of the uniform grid (V), shape ``(n_bins,)``.
    dqdv_mAh_per_V:
        ``|dQ/dV|`` (mA h V⁻¹), smoothed, shape ``(n_half_cycles, n_bins)``; always ≥ 0.
    capacity_mAh:
        Capacity of each half-cycle integrated by this module (mA h), shape ``(n_half_cycles,)``;
        equals the area under each curve.
    half_cycles, directions, cycles:
        Index, ``"charge"``/``"discharge"`` and cycle number of each row.
    peaks:
        Peaks of every half-cycle (see :class:`DQDVPeak`).
    """

    voltage_V: np.ndarray
    dqdv_mAh_per_V: np.ndarray
    capacity_mAh: np.ndarray
    half_cycles: tuple[int, ...]
    directions: tuple[str, ...]
    cycles: tuple[int | None, ...]
    step_V: float
    smooth_V: float
    mass_mg: float | None = None
    peaks: tuple[DQDVPeak, ...] = field(default=())

    @property
    def dqdv_mAh_per_g_V(self) -> np.ndarray | None:
        """``|dQ/dV|`` per gram of active material (mA h g⁻¹ V⁻¹), or ``None`` without a mass."""
        if self.mass_mg is None:
            return None
        return self.dqdv_mAh_per_V / (self.mass_mg / 1000.0)

    def curve(self, half_cycle: int) -> np.ndarray:
        """The dQ/dV row (mA h V⁻¹) of half-cycle ``half_cycle`` (its index, not its row)."""
        try:
            row = self.half_cycles.index(half_cycle)
        except ValueError:
            raise KeyError(f"half-cycle {half_cycle} not in this result") from None
        return self.dqdv_mAh_per_V[row]

    def to_frame(self, long: bool = True):
        """Curves as a pandas DataFrame (long format: one row per half-cycle and voltage bin,
        only where the curve is above 1e-12 of its maximum, to keep files small)."""
        import pandas as pd

        per_g = self.dqdv_mAh_per_g_V
        frames = []
        for r, hc in enumerate(self.half_cycles):
            y = self.dqdv_mAh_per_V[r]
            keep = y > 1e-12 * max(float(y.max()), 1e-300)
            d = {"half_cycle": hc, "direction": self.directions[r], "cycle": self.cycles[r],
                 "voltage_V": self.voltage_V[keep], "dqdv_mAh_per_V": y[keep]}
            if per_g is not None:
                d["dqdv_mAh_per_g_V"] = per_g[r][keep]
            frames.append(pd.DataFrame(d))
        if not frames:
            return pd.DataFrame(columns=["half_cycle", "direction", "cycle", "voltage_V", "dqdv_mAh_per_V"])
        return pd.concat(frames, ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        return {"voltage_V": self.voltage_V, "dqdv_mAh_per_V": self.dqdv_mAh_per_V, "capacity_mAh": self.capacity_mAh,
                "half_cycle_ids": list(self.half_cycles), "directions": list(self.directions),
                "cycles": list(self.cycles), "step_V": self.step_V, "smooth_V": self.smooth_V,
                "mass_mg": self.mass_mg, "peaks": [p.as_dict() for p in self.peaks]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DQDVResult:
        n = len(d["half_cycle_ids"])
        return cls(voltage_V=floats(d["voltage_V"]),
                   dqdv_mAh_per_V=floats(d["dqdv_mAh_per_V"]).reshape(n, len(d["voltage_V"])),
                   capacity_mAh=floats(d["capacity_mAh"]), half_cycles=tuple(d["half_cycle_ids"]),
                   directions=tuple(d["directions"]), cycles=tuple(d["cycles"]), step_V=float(d["step_V"]),
                   smooth_V=float(d["smooth_V"]), mass_mg=d.get("mass_mg"),
                   peaks=tuple(dataclass_from_dict(DQDVPeak, p) for p in d.get("peaks", [])))

    def peaks_frame(self):
        import pandas as pd

        cols = ["half_cycle", "direction", "cycle", "voltage_V", "height_mAh_per_V",
                "prominence_mAh_per_V", "height_mAh_per_g_V"]
        return pd.DataFrame([p.as_dict() for p in self.peaks], columns=cols)


# ----------------------------------------------------------------------------------------------
# core: charge per voltage bin for many segments at once
# ----------------------------------------------------------------------------------------------

def make_grid(v_min: float, v_max: float, step_V: float, smooth_V: float) -> np.ndarray:
    """Bin *edges* (V) of a uniform grid covering ``[v_min, v_max]`` padded by 5 σ (and one step).

    Edges are integer multiples of ``step_V``, so grids of different files line up.
    """
    _check_positive(step_V, "step_V")
    if smooth_V < 0 or not math.isfinite(smooth_V):
        raise DualionUserError(f"smoothing width must be ≥ 0 V, got {smooth_V!r}", field="smooth_V")
    pad = PAD_SIGMA * smooth_V + step_V
    lo = math.floor((v_min - pad) / step_V)
    hi = math.ceil((v_max + pad) / step_V)
    n = hi - lo
    if n > MAX_BINS:
        raise DualionUserError(f"voltage grid of {n} bins is too fine (range {v_min:.3f}–{v_max:.3f} V "
                               f"with step {step_V} V); use a larger step", field="step_V")
    return (lo + np.arange(n + 1)) * step_V


def charge_per_bin(v0: np.ndarray, v1: np.ndarray, dq: np.ndarray, seg: np.ndarray, n_seg: int,
                   edges: np.ndarray) -> np.ndarray:
    """Charge (mA h) passed in each voltage bin, for many straight-line segments at once.

    Segment ``k`` passes charge ``dq[k]`` uniformly while the voltage goes from ``v0[k]`` to
    ``v1[k]`` (either direction); it belongs to group ``seg[k]`` (a half-cycle, ``0 ≤ seg < n_seg``).
    Returns an ``(n_seg, n_bins)`` array whose rows sum to the total ``dq`` of each group.

    The exact bin integrals are computed from the cumulative distribution ``F(v)`` of each group,
    which is a sum of ramps (for segments of non-zero voltage width) and steps (for segments at a
    constant voltage, e.g. a quantised reading). A ramp starting at ``a`` with slope ``w`` adds
    ``w·(e − a)`` to ``F`` at every edge ``e > a``; summing such ramps over a uniform grid needs only
    the per-bin sums of ``w`` and ``w·a`` and two cumulative sums (no loop over segments).
    """
    n_bins = edges.size - 1
    step = edges[1] - edges[0]
    e0 = edges[0]
    # local coordinates (relative to the first edge) keep the ramp sums well conditioned
    a = np.minimum(v0, v1) - e0
    b = np.maximum(v0, v1) - e0
    width = b - a
    # a segment narrower than 1/1000 of a bin is a step in F (e.g. a quantised, constant reading)
    flat = width <= 1e-3 * step
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(flat, 0.0, dq / np.where(flat, 1.0, width))   # mA h per V (ramp slope)
    n_edges = n_bins + 1
    # index of the first edge strictly above a point p: floor((p - e0)/step) + 1, in [0, n_edges]
    def first_edge_above(p: np.ndarray) -> np.ndarray:
        return np.clip(np.floor(p / step).astype(np.int64) + 1, 0, n_edges)

    base = seg.astype(np.int64) * (n_edges + 1)
    size = n_seg * (n_edges + 1)
    # ramps: +w at a, −w at b  (F(e) = Σ_{starts<e} w (e - a) − Σ_{ends<e} w (e - b))
    ia = base + first_edge_above(a)
    ib = base + first_edge_above(b)
    W = (np.bincount(ia, weights=w, minlength=size) - np.bincount(ib, weights=w, minlength=size))
    WA = (np.bincount(ia, weights=w * a, minlength=size) - np.bincount(ib, weights=w * b, minlength=size))
    # steps for flat segments: +dq at a
    if flat.any():
        S = np.bincount(ia[flat], weights=dq[flat], minlength=size)
    else:
        S = None
    W = W.reshape(n_seg, n_edges + 1)[:, :n_edges].cumsum(axis=1)
    WA = WA.reshape(n_seg, n_edges + 1)[:, :n_edges].cumsum(axis=1)
    F = W * (edges - e0)[None, :] - WA
    if S is not None:
        F += S.reshape(n_seg, n_edges + 1)[:, :n_edges].cumsum(axis=1)
    return np.diff(F, axis=1)


def gaussian_smooth(y: np.ndarray, smooth_V: float, step_V: float) -> np.ndarray:
    """Gaussian smoothing along the last axis with σ = ``smooth_V`` volts on a grid of ``step_V``.

    Uses :func:`scipy.ndimage.gaussian_filter1d` (unchanged API since scipy 0.x) with zero padding;
    the callers pad the grid by 5 σ, so the area is conserved.
    """
    if smooth_V <= 0:
        return y
    from scipy.ndimage import gaussian_filter1d

    return gaussian_filter1d(y, sigma=smooth_V / step_V, axis=-1, mode="constant", cval=0.0, truncate=4.0)


def find_dqdv_peaks(voltage_V: np.ndarray, y: np.ndarray, prominence_frac: float = DEFAULT_PROMINENCE_FRAC,
                    min_prominence: float | None = None) -> list[tuple[float, float, float]]:
    """Peaks of a (positive) dQ/dV curve: list of ``(voltage_V, height, prominence)``.

    The prominence threshold is ``max(prominence_frac · max(y), min_prominence or 0)``; peak voltages
    are refined by a parabola through the three grid points around each maximum.
    """
    from scipy.signal import find_peaks

    y = np.asarray(y, dtype=float)
    ymax = float(y.max()) if y.size else 0.0
    if ymax <= 0:
        return []
    thr = max(prominence_frac * ymax, min_prominence or 0.0)
    idx, props = find_peaks(y, prominence=thr)
    out = []
    step = voltage_V[1] - voltage_V[0] if voltage_V.size > 1 else 0.0
    for i, prom in zip(idx, props["prominences"]):
        v = float(voltage_V[i])
        if 0 < i < y.size - 1:
            y0, y1, y2 = y[i - 1], y[i], y[i + 1]
            den = y0 - 2 * y1 + y2
            if den < 0:
                v += float(0.5 * (y0 - y2) / den * step)
        out.append((v, float(y[i]), float(prom)))
    return out


# ----------------------------------------------------------------------------------------------
# array API
# ----------------------------------------------------------------------------------------------

def dqdv_curve(voltage_V: Sequence[float] | np.ndarray, capacity_mAh: Sequence[float] | np.ndarray, *,
               step_V: float = DEFAULT_STEP_V, smooth_V: float = DEFAULT_SMOOTH_V,
               grid_edges_V: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """|dQ/dV| (mA h V⁻¹) of one half-cycle given as samples of voltage and capacity.

    Parameters
    ----------
    voltage_V, capacity_mAh:
        Samples of one half-cycle; capacity is the charge passed since its start (mA h, ≥ 0,
        either direction). Order does not matter: samples are sorted by capacity (stable).
    step_V, smooth_V:
        Grid step and Gaussian σ, both in volts.
    grid_edges_V:
        Optional explicit bin edges (uniform); default: :func:`make_grid` over the data.

    Returns
    -------
    (voltage_V, dqdv):
        Bin centres (V) and |dQ/dV| (mA h V⁻¹); ``Σ dqdv·step_V`` equals the capacity span.
    """
    v = np.asarray(voltage_V, dtype=float).ravel()
    q = np.asarray(capacity_mAh, dtype=float).ravel()
    if v.shape != q.shape:
        raise DualionUserError(f"voltage and capacity differ in length ({v.size} vs {q.size})", field="capacity_mAh")
    if v.size < 2:
        raise DualionUserError("dQ/dV needs at least 2 samples", field="voltage_V")
    if not (np.isfinite(v).all() and np.isfinite(q).all()):
        raise DualionUserError("voltage or capacity contains NaN/inf", field="voltage_V")
    order = np.argsort(q, kind="stable")
    v, q = v[order], q[order]
    if grid_edges_V is None:
        grid_edges_V = make_grid(float(v.min()), float(v.max()), step_V, smooth_V)
    else:
        grid_edges_V = np.asarray(grid_edges_V, dtype=float)
        step_V = float(grid_edges_V[1] - grid_edges_V[0])
    dq = np.diff(q)
    seg = np.zeros(dq.size, dtype=np.int64)
    hist = charge_per_bin(v[:-1], v[1:], dq, seg, 1, grid_edges_V)[0]
    y = gaussian_smooth(hist / step_V, smooth_V, step_V)
    centres = 0.5 * (grid_edges_V[:-1] + grid_edges_V[1:])
    return centres, np.clip(y, 0.0, None)


def dqdv_from_segments(time_s: np.ndarray, voltage_V: np.ndarray, current_mA: np.ndarray,
                       bounds: Sequence[tuple[int, int]], *, step_V: float = DEFAULT_STEP_V,
                       smooth_V: float = DEFAULT_SMOOTH_V, find_peaks: bool = True,
                       prominence_frac: float = DEFAULT_PROMINENCE_FRAC,
                       labels: Sequence[tuple[int, str, int | None]] | None = None,
                       mass_mg: float | None = None) -> DQDVResult:
    """dQ/dV of many half-cycles of one time series, vectorised.

    ``bounds[k] = (start, stop)`` are row indices of half-cycle ``k`` (``stop`` exclusive). The
    charge between consecutive rows ``i, i+1`` of a half-cycle is the trapezoid
    ``(|I_i| + |I_{i+1}|)/2 · (t_{i+1} − t_i) / 3600`` (mA h), passed while the voltage went from
    ``V_i`` to ``V_{i+1}``. ``labels[k] = (index, direction, cycle)``.
    """
    t = np.asarray(time_s, dtype=float)
    v = np.asarray(voltage_V, dtype=float)
    cur = np.asarray(current_mA, dtype=float)
    n_hc = len(bounds)
    if labels is None:
        labels = [(k, "charge" if np.nanmean(current_mA[s:e]) > 0 else "discharge", None)
                  for k, (s, e) in enumerate(bounds)]
    if n_hc == 0:
        raise DualionUserError("no galvanostatic half-cycles to analyse", field="cycles")
    starts = np.fromiter((s for s, _ in bounds), dtype=np.int64, count=n_hc)
    stops = np.fromiter((e for _, e in bounds), dtype=np.int64, count=n_hc)
    if (starts < 0).any() or (stops > t.size).any():
        raise DualionUserError("half-cycle rows outside the table", field="half_cycles")
    nseg = np.clip(stops - starts - 1, 0, None)
    if int(nseg.sum()) == 0:
        raise DualionUserError("the selected half-cycles have fewer than 2 points each", field="cycles")
    # one grid for all half-cycles: the voltage range of their rows
    has = nseg > 0
    vpad = np.append(v, 0.0)
    idx = np.column_stack([starts[has], stops[has]]).ravel()
    vmin = float(np.minimum.reduceat(vpad, idx)[::2].min())
    vmax = float(np.maximum.reduceat(vpad, idx)[::2].max())
    if not (np.isfinite(vmin) and np.isfinite(vmax)):
        raise DualionUserError("NaN/inf voltage inside a half-cycle", field="voltage_V")
    edges = make_grid(vmin, vmax, step_V, smooth_V)
    n_bins = edges.size - 1
    y = np.empty((n_hc, n_bins))
    cap = np.zeros(n_hc)
    # process consecutive half-cycles in chunks of ≤ CHUNK_SEGMENTS segments (bounded temporaries)
    csum = np.cumsum(nseg)
    k0 = 0
    while k0 < n_hc:
        base = csum[k0 - 1] if k0 else 0
        k1 = max(int(np.searchsorted(csum, base + CHUNK_SEGMENTS, side="right")), k0 + 1)
        k1 = min(k1, n_hc)
        ns = nseg[k0:k1]
        total = int(ns.sum())
        if total:
            seg_id = np.repeat(np.arange(k1 - k0, dtype=np.int64), ns)
            offs = np.cumsum(ns) - ns
            rows = np.arange(total, dtype=np.int64)
            rows += np.repeat(starts[k0:k1] - offs, ns)
            va, vb = v[rows], v[rows + 1]
            dq = np.abs(cur[rows])
            dq += np.abs(cur[rows + 1])
            dq *= (t[rows + 1] - t[rows]) * (0.5 / 3600.0)
            del rows
            if not (np.isfinite(va).all() and np.isfinite(vb).all() and np.isfinite(dq).all()):
                raise DualionUserError("NaN/inf in time, voltage or current inside a half-cycle", field="voltage_V")
            if (dq < 0).any():
                raise DualionUserError("time goes backwards inside a half-cycle", field="time_s")
            hist = charge_per_bin(va, vb, dq, seg_id, k1 - k0, edges)
            hist /= step_V
            y[k0:k1] = gaussian_smooth(hist, smooth_V, step_V)
            cap[k0:k1] = np.bincount(seg_id, weights=dq, minlength=k1 - k0)
        else:
            y[k0:k1] = 0.0
        k0 = k1
    np.clip(y, 0.0, None, out=y)
    centres = 0.5 * (edges[:-1] + edges[1:])
    hcs = tuple(int(l[0]) for l in labels)
    dirs = tuple(str(l[1]) for l in labels)
    cyc = tuple(None if l[2] is None else int(l[2]) for l in labels)
    peaks: list[DQDVPeak] = []
    if find_peaks:
        g = None if mass_mg is None else mass_mg / 1000.0
        for r in range(n_hc):
            for pv, ph, pp in find_dqdv_peaks(centres, y[r], prominence_frac=prominence_frac):
                peaks.append(DQDVPeak(hcs[r], dirs[r], cyc[r], pv, ph, pp, None if g is None else ph / g))
    return DQDVResult(centres, y, cap, hcs, dirs, cyc, float(step_V), float(smooth_V), mass_mg, tuple(peaks))


# ----------------------------------------------------------------------------------------------
# table API (dualion.echem.read / segment.half_cycles)
# ----------------------------------------------------------------------------------------------

def select_half_cycles(half_cycles: Sequence[Any], cycles: Iterable[int] | None = None,
                       include_partial: bool = True) -> list[Any]:
    """Half-cycles whose ``cycle`` is in ``cycles`` (all when ``None``); partial ones optional."""
    hcs = [h for h in half_cycles if include_partial or not getattr(h, "partial", False)]
    if cycles is None:
        return hcs
    wanted = set(int(c) for c in cycles)
    sel = [h for h in hcs if getattr(h, "cycle", None) in wanted]
    if not sel:
        have = sorted({getattr(h, "cycle", None) for h in hcs} - {None})
        raise DualionUserError(f"no half-cycles in cycles {sorted(wanted)}; the file has cycles "
                               f"{have[0]}–{have[-1]}" if have else "the file has no galvanostatic half-cycles",
                               field="cycles")
    return sel


def dqdv(data: Any, half_cycles: Sequence[Any] | None = None, *, cycles: Iterable[int] | None = None,
         step_V: float = DEFAULT_STEP_V, smooth_V: float = DEFAULT_SMOOTH_V,
         prominence_frac: float = DEFAULT_PROMINENCE_FRAC, mass_mg: float | None = None,
         find_peaks: bool = True) -> DQDVResult:
    """dQ/dV of the galvanostatic half-cycles of a cycler table.

    ``data`` is a :class:`dualion.core.cycler.CyclerData` (arrays ``time_s``, ``voltage_V``,
    ``current_mA``; ``mass_mg``); ``half_cycles`` defaults to
    :func:`dualion.echem.segment.half_cycles`. ``cycles`` selects cycle numbers (default: all).
    ``mass_mg`` overrides the table's mass (for mA h g⁻¹ V⁻¹).
    """
    _check_positive(step_V, "step_V")
    if half_cycles is None:
        from dualion.echem.segment import half_cycles as _segment

        half_cycles = _segment(data)
    sel = select_half_cycles(half_cycles, cycles)
    if not sel:
        raise DualionUserError("no galvanostatic half-cycles found (rest, OCV, CV and EIS steps are "
                               "not half-cycles)", file=getattr(data, "source", None))
    mass = mass_mg if mass_mg is not None else getattr(data, "mass_mg", None)
    bounds = [(int(h.start), int(h.stop)) for h in sel]
    labels = [(int(h.index), str(h.direction), getattr(h, "cycle", None)) for h in sel]
    return dqdv_from_segments(data.time_s, data.voltage_V, data.current_mA, bounds, step_V=step_V,
                              smooth_V=smooth_V, prominence_frac=prominence_frac, labels=labels,
                              mass_mg=mass, find_peaks=find_peaks)


def plot_dqdv(result: DQDVResult, ax=None, max_curves: int = 12, voltage_label: str = "Voltage (V)"):
    """Plot dQ/dV curves (discharge drawn negative, the display convention) on ``ax``.

    At most ``max_curves`` half-cycles are drawn individually (evenly chosen); with more, a colour
    scale by cycle is used. Peaks are marked. Returns the figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib import cm
    from matplotlib.colors import Normalize

    from dualion.plotting import PALETTE

    if ax is None:
        fig, ax = plt.subplots(figsize=(3.5, 2.8))
    else:
        fig = ax.figure
    per_g = result.dqdv_mAh_per_g_V
    Y = per_g if per_g is not None else result.dqdv_mAh_per_V
    unit = "mA h g$^{-1}$ V$^{-1}$" if per_g is not None else "mA h V$^{-1}$"
    n = len(result.half_cycles)
    rows = list(range(n))
    many = n > max_curves
    cyc_vals = [c if c is not None else i for i, c in enumerate(result.cycles)]
    norm = Normalize(vmin=min(cyc_vals), vmax=max(max(cyc_vals), min(cyc_vals) + 1))
    cmap = plt.get_cmap("viridis")
    cycle_colour: dict[Any, str] = {}
    for r in rows:
        sign = -1.0 if result.directions[r] == "discharge" else 1.0
        y = sign * Y[r]
        keep = np.abs(y) > 1e-6 * max(np.abs(Y).max(), 1e-300)
        if not keep.any():
            continue
        lo, hi = np.flatnonzero(keep)[[0, -1]]
        if many:
            colour = cmap(norm(cyc_vals[r]))
            label = None
        else:
            key = result.cycles[r] if result.cycles[r] is not None else result.half_cycles[r]
            if key not in cycle_colour:
                cycle_colour[key] = PALETTE[len(cycle_colour) % len(PALETTE)]
                label = f"cycle {key}" if result.cycles[r] is not None else f"half-cycle {key}"
            else:
                label = None
            colour = cycle_colour[key]
        ax.plot(result.voltage_V[lo:hi + 1], y[lo:hi + 1], color=colour, lw=1.0, label=label)
    if not many:
        scale = 1.0 if per_g is None else 1.0 / (result.mass_mg / 1000.0)
        for p in result.peaks:
            sign = -1.0 if p.direction == "discharge" else 1.0
            ax.plot([p.voltage_V], [sign * p.height_mAh_per_V * scale], marker="v" if sign < 0 else "^",
                    ms=3.5, color="k", ls="none")
        if cycle_colour:
            from matplotlib.lines import Line2D

            from dualion.plotting import legend_outside

            handles, _ = ax.get_legend_handles_labels()
            if result.peaks:
                handles.append(Line2D([], [], marker="^", ms=3.5, color="k", ls="none", label="peaks (▲ charge, ▼ discharge)"))
            legend_outside(ax, "right", handles=handles, fontsize=6.5)
    else:
        sm = cm.ScalarMappable(norm=norm, cmap=cmap)
        fig.colorbar(sm, ax=ax, label="Cycle")
    ax.axhline(0, color="0.6", lw=0.5)  # dQ/dV = 0: discharge drawn below, charge above
    ax.set_xlabel(voltage_label)
    ax.set_ylabel(f"dQ/dV ({unit})")
    ax.set_title(f"σ = {result.smooth_V * 1000:g} mV, grid {result.step_V * 1000:g} mV; discharge < 0", fontsize=7)
    return fig


def _check_positive(x: float, name: str) -> None:
    if not (isinstance(x, (int, float, np.floating)) and math.isfinite(x) and x > 0):
        raise DualionUserError(f"{name} must be a positive number of volts, got {x!r}", field=name)
