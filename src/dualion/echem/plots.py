"""Figures for cycler data: voltage vs capacity per cycle (paper Fig. 1a), capacity / CE / retention vs
cycle (Fig. 2b) and rate capability (Fig. 2a). Every function returns a matplotlib Figure; use
:func:`dualion.plotting.save_figure` to write PNG + SVG.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from dualion.echem.cycles import CycleSummary
from dualion.echem.segment import cumulative_capacity_mAh
from dualion.core.cycler import CyclerData
from dualion.errors import DualionUserError

_REF_LABEL = {"mg": "Voltage vs Mg$^{2+}$/Mg (V)", "li": "Voltage vs Li$^{+}$/Li (V)"}


def voltage_label(data: CyclerData) -> str:
    """Axis label for the voltage, with the reference electrode when the file states it."""
    ref = str(data.meta.get("reference") or "").strip().lower()
    return _REF_LABEL.get(ref, "Voltage (V)")


def default_cycles(summary: CycleSummary, limit: int = 10) -> list[int]:
    """All cycles when there are at most ``limit``; else 1, 2, 5, 10, 20, 50, 100, … and the last."""
    nums = [c.number for c in summary.cycles]
    if len(nums) <= limit:
        return nums
    pick = []
    for base in (1, 2, 5):
        k = base
        while k <= nums[-1]:
            pick.append(k)
            k *= 10
    pick.append(nums[-1])
    return sorted({n for n in pick if n in nums})


def parse_cycles(spec: str | None, summary: CycleSummary, all_: bool = False) -> list[int]:
    """Parse ``"1,2,5"`` or ``"1-5,10"`` into cycle numbers that exist (error otherwise)."""
    nums = [c.number for c in summary.cycles]
    if all_:
        return nums
    if not spec:
        return default_cycles(summary)
    from dualion.echem.cycles import parse_cycle_list

    out = parse_cycle_list(spec, "--cycles")
    missing = [n for n in out if n not in nums]
    if missing:
        raise DualionUserError(f"no cycle(s) {', '.join(map(str, missing))}: the file has cycles 1–{len(nums)}",
                               field="--cycles")
    return out


def curves(data: CyclerData, summary: CycleSummary, cycles: list[int], max_points: int = 2000):
    """Long-form DataFrame ``cycle, direction, half_cycle, capacity (mA h or mA h g-1), voltage_V``.

    Capacity counts from 0 at the start of each half-cycle; at most ``max_points`` rows per half-cycle
    (evenly decimated, end points kept).
    """
    import pandas as pd

    cq = cumulative_capacity_mAh(data)
    scale = 1.0 / data.mass_g if data.mass_g else 1.0
    unit = "capacity_mAh_g" if data.mass_g else "capacity_mAh"
    want = set(cycles)
    frames = []
    for h in summary.half_cycles:
        if h.cycle not in want:
            continue
        idx = np.arange(h.start, h.stop)
        if idx.size > max_points:
            idx = np.unique(np.r_[np.linspace(h.start, h.stop - 1, max_points).astype(np.int64)])
        frames.append(pd.DataFrame({"cycle": h.cycle, "direction": h.direction, "half_cycle": h.index,
                                    unit: (cq[idx] - cq[h.start]) * scale, "voltage_V": data.voltage_V[idx]}))
    if not frames:
        return pd.DataFrame(columns=["cycle", "direction", "half_cycle", unit, "voltage_V"])
    return pd.concat(frames, ignore_index=True)


def plot_voltage_capacity(data: CyclerData, summary: CycleSummary, cycles: list[int], title: str | None = None):
    """Voltage vs capacity for the chosen cycles, coloured by cycle number (viridis), like Fig. 1a."""
    import matplotlib.pyplot as plt
    from matplotlib import cm, colors

    from dualion.plotting import figure_style

    df = curves(data, summary, cycles)
    qcol = "capacity_mAh_g" if data.mass_g else "capacity_mAh"
    with figure_style():
        fig, ax = plt.subplots(figsize=(3.5, 2.8))
        norm = colors.Normalize(vmin=min(cycles), vmax=max(max(cycles), min(cycles) + 1))
        cmap = plt.get_cmap("viridis")
        for (cyc, _h), g in df.groupby(["cycle", "half_cycle"], sort=True):
            ax.plot(g[qcol], g["voltage_V"], color=cmap(norm(cyc)), lw=1.1)
        if len(cycles) <= 6:
            from matplotlib.lines import Line2D

            from dualion.plotting import legend_outside

            legend_outside(ax, "right", handles=[Line2D([], [], color=cmap(norm(c))) for c in cycles],
                           labels=[f"cycle {c}" for c in cycles])
        else:
            sm = cm.ScalarMappable(norm=norm, cmap=cmap)
            fig.colorbar(sm, ax=ax, label="Cycle")
        ax.set_xlabel("Capacity (mA h g$^{-1}$)" if data.mass_g else "Capacity (mA h)")
        ax.set_ylabel(voltage_label(data))
        if title:
            ax.set_title(title)
    return fig


def _plot_capacities(ax, summary: CycleSummary, n, qd, qc, style: dict, partial_label: str) -> None:
    """Discharge and charge capacity vs cycle; partial half-cycles (a first discharge from open circuit,
    an interrupted last one) drawn apart as grey crosses, off the lines: not part of the cycling trend."""
    from dualion.plotting import PALETTE

    pd_ = np.array([c.discharge_partial for c in summary.cycles], dtype=bool)
    pc_ = np.array([c.charge_partial for c in summary.cycles], dtype=bool)
    ax.plot(n, np.where(pd_, np.nan, qd), color=PALETTE[0], label="discharge", **style)
    ax.plot(n, np.where(pc_, np.nan, qc), mfc="none", color=PALETTE[1], label="charge", **style)
    if pd_.any() or pc_.any():
        ax.plot(np.r_[n[pd_], n[pc_]], np.r_[qd[pd_], qc[pc_]], ls="none", marker="x", ms=4, color="0.45",
                label=partial_label)


def plot_cycling(summary: CycleSummary, title: str | None = None):
    """Discharge/charge capacity and Coulombic efficiency vs cycle (top) and retention (bottom)."""
    import matplotlib.pyplot as plt

    from dualion.plotting import PALETTE, figure_style

    n = np.array([c.number for c in summary.cycles])
    qd, qc = summary.capacity("discharge"), summary.capacity("charge")
    ce = np.array([np.nan if c.coulombic_efficiency_pct is None else c.coulombic_efficiency_pct
                   for c in summary.cycles])
    ret = np.array([np.nan if c.retention_pct is None else c.retention_pct for c in summary.cycles])
    marker = "o" if n.size <= 60 else None
    with figure_style():
        fig, (ax, ax2) = plt.subplots(2, 1, figsize=(3.5, 4.6), sharex=True, gridspec_kw={"height_ratios": [2, 1]},
                                      layout="constrained")
        _plot_capacities(ax, summary, n, qd, qc, dict(marker=marker, ms=3), "partial half-cycle")
        ax.set_ylabel(f"Capacity ({summary.capacity_unit.replace('g-1', 'g$^{-1}$')})")
        top = np.nanmax(np.r_[qd, qc]) if np.isfinite(np.r_[qd, qc]).any() else 1.0
        ax.set_ylim(0, 1.12 * top)
        axr = ax.twinx()
        axr.plot(n, ce, ls="none", marker=".", ms=3, color=PALETTE[2], label="CE")
        axr.set_ylabel("Coulombic efficiency (%)", color=PALETTE[2])
        finite = ce[np.isfinite(ce)]
        if finite.size:
            axr.set_ylim(min(80.0, float(finite.min()) - 2), max(105.0, float(finite.max()) + 2))
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = axr.get_legend_handles_labels()
        fig.legend(h1 + h2 + [plt.Line2D([], [], color="0.6", lw=0.6, ls="--")], l1 + l2 + ["100 % retention"],
                   loc="outside upper center", ncol=3, numpoints=1)
        ax2.plot(n, ret, marker=marker, ms=3, color=PALETTE[0])
        ax2.axhline(100.0, color="0.6", lw=0.6, ls="--")
        ax2.ticklabel_format(axis="y", useOffset=False, style="plain")   # no "+9.9999e1" offset
        fin = ret[np.isfinite(ret)]
        if fin.size and float(fin.max() - fin.min()) < 1.0:            # a flat record: show ±1 % around it
            ax2.set_ylim(float(fin.min()) - 1.0, float(fin.max()) + 1.0)
        ref = summary.retention_reference_cycle
        ax2.set_ylabel(f"Retention (%)\nvs cycle {ref}" if ref else "Retention (%)")
        ax2.set_xlabel("Cycle number")
        ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
        if title:
            ax.set_title(title, fontsize=8)
        from dualion.plotting import panel_letters

        panel_letters((ax, ax2), x=-0.24)
    return fig


def plot_rate_capability(summary: CycleSummary, title: str | None = None):
    """Capacity vs cycle with each current-density block labelled (like Fig. 2a)."""
    import matplotlib.pyplot as plt

    from dualion.plotting import PALETTE, figure_style

    n = np.array([c.number for c in summary.cycles])
    qd, qc = summary.capacity("discharge"), summary.capacity("charge")
    with figure_style():
        fig, ax = plt.subplots(figsize=(3.5, 2.8))
        _plot_capacities(ax, summary, n, qd, qc, dict(marker="o", ms=3.5, ls="none"), "partial")
        top = np.nanmax(np.r_[qd, qc, 1.0])
        for b in summary.rates:
            x = 0.5 * (b.first_cycle + b.last_cycle)
            label = f"{b.rate:.0f}" if b.rate >= 10 else f"{b.rate:.2g}"
            ax.text(x, top * 1.04, label, ha="center", va="bottom", fontsize=7)
            ax.axvline(b.last_cycle + 0.5, color="0.85", lw=0.6)   # block boundaries (caption in the title)
        ax.set_ylim(0, top * 1.18)
        ax.set_xlabel("Cycle number")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(f"Capacity ({summary.capacity_unit.replace('g-1', 'g$^{-1}$')})")
        unit = summary.rates[0].rate_unit.replace("g-1", "g$^{-1}$") if summary.rates else ""
        ax.set_title(title or f"Rate capability (numbers: current in {unit}; grey lines: rate steps)", fontsize=7.5)
        from dualion.plotting import legend_outside

        legend_outside(ax, "below", ncol=3)
    return fig
