"""Figures and tables of the galvanostatic cell: plot functions return Figures; ``*_records`` give the
rows and JSON payload to write with them (``dualion.plotting.save(fig, out, stem, data=rows, json_payload=...)``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict

import numpy as np

from dualion.cell.experiments import GittPoint, RatePoint
from dualion.cell.params import CellResult
from dualion.core.records import records_payload
from dualion.plotting import ION_COLOURS, PALETTE, legend_outside, panel_letters

V_LABEL = "Voltage vs Mg$^{2+}$/Mg (V)"
Q_LABEL = "Capacity (mA h g$^{-1}$)"


def capacity_axis(res: CellResult) -> np.ndarray:
    """Capacity passed within each step (mA h g-1, positive) for plotting curves."""
    q = np.empty_like(res.charge_mAh_g)
    for s in np.unique(res.step):
        m = res.step == s
        q[m] = np.abs(res.charge_mAh_g[m] - res.charge_mAh_g[m][0])
    return q


def plot_rate_curves(results: Sequence[CellResult], title: str = ""):
    """Discharge (solid) – charge (dashed) curves at each rate, like the paper's Fig. 2a/1c; key beside the axes."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    transport = any(r.params.transport_on and r.c_Li_electrode_M is not None for r in results)
    if transport:   # (b): Li+ in the electrolyte at the electrode, relative to the bulk
        fig, (ax, bx) = plt.subplots(1, 2, figsize=(7.0, 2.8), layout="constrained")
    else:
        fig, ax = plt.subplots(figsize=(3.5, 2.8), layout="constrained")
    for k, res in enumerate(results):
        c = PALETTE[k % len(PALETTE)]
        q = capacity_axis(res)
        rate = abs(res.current_mA_g[0])
        for s, ls in ((1, "-"), (2, "--")):
            m = res.step == s
            if m.any():
                ax.plot(q[m], res.voltage_V[m], ls, color=c, label=f"{rate:g} mA g$^{{-1}}$" if s == 1 else None)
                if transport:
                    bx.plot(q[m], res.c_Li_electrode_M[m] / res.params.licl_M, ls, color=c)
    ax.set(xlabel=Q_LABEL, ylabel=V_LABEL, ylim=(0.0, 2.4))
    if title:
        ax.set_title(title, fontsize=8)
    handles, labels = ax.get_legend_handles_labels()
    handles += [Line2D([], [], color="0.3", ls="-"), Line2D([], [], color="0.3", ls="--")]
    if transport:
        top = max(float(np.nanmax(r.c_Li_electrode_M / r.params.licl_M)) for r in results if r.params.transport_on)
        bx.set(xlabel=Q_LABEL, ylabel="Li$^+$ at the electrode, $c_0/c_b$", ylim=(0.0, max(1.05, 1.05 * top)))
        bx.axhline(1.0, color="0.6", lw=0.5, ls=":")
        panel_letters((ax, bx))
        legend_outside(bx, "right", handles=handles, labels=labels + ["discharge", "charge"], fontsize=7)
    else:
        legend_outside(ax, "right", handles=handles, labels=labels + ["discharge", "charge"], fontsize=7)
    return fig


def plot_capacity_vs_rate(points: Mapping[str, Sequence[RatePoint]]):
    """(a) discharge capacity vs rate, (b) inserted Li, Mg per formula unit vs rate; one line style per electrolyte."""
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(7.0, 3.2), layout="constrained")
    for k, (label, pts) in enumerate(points.items()):
        r = [p.rate_mA_g for p in pts]
        ls = ["-", "--", ":"][k % 3]
        a1.plot(r, [p.discharge_capacity_mAh_g for p in pts], marker="o", ls=ls, color=PALETTE[k % len(PALETTE)],
                label=label)
        a2.plot(r, [p.x_Li_discharged for p in pts], marker="o", color=ION_COLOURS["Li"], ls=ls, label=f"Li, {label}")
        a2.plot(r, [p.x_Mg_discharged for p in pts], marker="s", color=ION_COLOURS["Mg"], ls=ls, label=f"Mg, {label}")
    for a in (a1, a2):
        a.set_xscale("log")
        a.set_xlabel("Current density (mA g$^{-1}$)")
    a1.set_ylabel("Discharge " + Q_LABEL[0].lower() + Q_LABEL[1:])
    a2.set_ylabel("Inserted ions per formula unit")
    legend_outside(a1, "below", fontsize=7, ncol=2)
    legend_outside(a2, "below", fontsize=6.5, ncol=2)
    panel_letters((a1, a2))
    return fig


def plot_gitt(results: Mapping[str, CellResult], points: Mapping[str, Sequence[GittPoint]]):
    """(a) GITT voltage vs time, (b) |η| with η = E(pulse end) − E_eq (GittPoint, from echem.gitt) vs capacity
    (Fig. 3a)."""
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(2, 1, figsize=(3.5, 4.8), layout="constrained")
    for k, (label, res) in enumerate(results.items()):
        c = PALETTE[k % len(PALETTE)]
        a1.plot(res.time_s / 3600.0, res.voltage_V, color=c, lw=0.8, label=label)
        pts = points[label]
        a2.plot([p.capacity_mAh_g for p in pts], [1e3 * abs(p.eta_V) for p in pts], "o-", color=c, ms=3)
    a1.set(xlabel="Time (h)", ylabel=V_LABEL)
    a2.set(xlabel=Q_LABEL, ylabel="|η| = |E$_{pulse\\,end}$ − E$_{eq}$| (mV)")
    fig.legend(loc="outside upper center", ncol=2, fontsize=7)
    panel_letters((a1, a2), x=-0.2)
    return fig


def rate_records(points: Sequence[RatePoint]) -> tuple[list[dict], dict]:
    """(rows, JSON payload with units) of a rate-capability run."""
    rec = [asdict(p) for p in points]
    payload = {**records_payload(points),
               "units": {"rate_mA_g": "mA g-1", "capacity": "mA h g-1 (positive)", "x": "ions per formula unit",
                         "voltage": "V vs Mg2+/Mg"}, "points": rec}
    return rec, payload


def gitt_records(points: Sequence[GittPoint]) -> tuple[list[dict], dict]:
    """(rows, JSON payload with units) of a simulated GITT."""
    rec = [asdict(p) for p in points]
    payload = {**records_payload(points), "units": {"capacity_mAh_g": "mA h g-1", "voltages": "V vs Mg2+/Mg",
                         "eta_V": "V_pulse_end - V_relaxed (V; < 0 on discharge)", "x": "ions per formula unit"},
               "points": rec}
    return rec, payload


def rate_curve_records(results: Sequence[CellResult]) -> list[dict]:
    """Every recorded point of every rate's discharge–charge as rows: rate (mA g-1), step, time (s), current
    (mA g-1; < 0 discharge), voltage (V vs Mg2+/Mg), capacity passed within the step (mA h g-1, positive) and the
    particle-average x_Li, x_Mg (per formula unit), and the Li+ concentration in the electrolyte at the electrode
    c_Li_electrode_M (M; the bulk LiCl when electrolyte transport is off)."""
    rows = []
    for res in results:
        q = capacity_axis(res)
        rate = float(abs(res.current_mA_g[0]))
        ce = (res.c_Li_electrode_M if res.c_Li_electrode_M is not None
              else np.full(res.time_s.size, res.params.licl_M))
        for j in range(res.time_s.size):
            rows.append({"rate_mA_g": rate, "step": int(res.step[j]), "time_s": float(res.time_s[j]),
                         "current_mA_g": float(res.current_mA_g[j]), "voltage_V": float(res.voltage_V[j]),
                         "capacity_mAh_g": float(q[j]), "x_Li": float(res.x_Li[j]), "x_Mg": float(res.x_Mg[j]),
                         "c_Li_electrode_M": float(ce[j])})
    return rows
