"""Figures of the paper-set model (lines) against the numbers the paper measured (markers, "measured (paper)").

Inputs: :func:`dualion.model.targets_report.equilibrium_curves` and :func:`~dualion.model.targets_report.rate_study`.
Measured numbers: :mod:`dualion.core.paper` (each with its figure/page source there). Voltages V vs Mg2+/Mg,
capacities mA h g-1 (pristine mass), compositions per formula unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from dualion.core import paper
from dualion.plotting import legend_outside, panel_letters

MEASURED = dict(ls="none", marker="D", ms=5.5, mfc="white", mew=1.4, zorder=5)
V_LABEL = "Voltage vs Mg$^{2+}$/Mg (V)"
Q_LABEL = "Capacity (mA h g$^{-1}$)"


def plot_equilibrium_vs_paper(tio2: Any, curves: Mapping[float, Any]) -> plt.Figure:
    """(a) V(Q): stoichiometric TiO2 at 1 M (first-order plateau) and the defective host at each LiCl, with the
    measured plateau voltage and capacities; (b) −dQ/dV with the measured peak voltages (Fig. 1)."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(7.6, 3.2), constrained_layout=True)
    cmap = plt.get_cmap("viridis")
    keys = sorted(curves)
    col = {c: cmap(0.05 + 0.8 * k / max(len(keys) - 1, 1)) for k, c in enumerate(keys)}
    a.plot(tio2.Q_mAh_g, tio2.V, color="0.45", ls="--", label="TiO$_2$, 1 M (model)")
    for c in keys:
        a.plot(curves[c].Q_mAh_g, curves[c].V, color=col[c], label=f"defective, {c:g} M (model)")
    q_mid = 0.5 * float(tio2.Q_mAh_g[-1])
    if tio2.plateaus:                         # the measured plateau voltage 30 % along the model's plateau
        p = max(tio2.plateaus, key=lambda q: q["width_mAh_g"])
        q_lo = float(np.interp(p["V"] + 2e-3, tio2.V[::-1], tio2.Q_mAh_g[::-1]))
        q_mid = q_lo + 0.3 * p["width_mAh_g"]
    a.plot([q_mid], [paper.MEASURED_PLATEAU_TIO2_1M_V], color="0.2", label="measured (paper): TiO$_2$ plateau, 1 M",
           **MEASURED)
    v_end = paper.V_WINDOW_V[0]
    a.plot([paper.MEASURED_CAPACITY_TIO2_MAH_G], [v_end], color="0.45", label="measured (paper): TiO$_2$ capacity",
           **{**MEASURED, "marker": "s"})
    for c, q in sorted(paper.MEASURED_CAPACITY_MAH_G.items()):
        a.plot([q], [v_end], color=col.get(c, "k"), **MEASURED,
               label=f"measured (paper): {c:g} M capacity" + (" (lower bound)" if c == 0.1 else ""))
    a.set(xlabel=Q_LABEL, ylabel=V_LABEL, ylim=(0.0, paper.V_WINDOW_V[1]))
    for c in keys:
        b.plot(curves[c].V, curves[c].dqdv, color=col[c], label=f"{c:g} M (model)")
    for c, v in sorted(paper.MEASURED_DQDV_PEAK_V.items()):
        y = float(np.interp(v, curves[c].V[::-1], curves[c].dqdv[::-1])) if c in curves else 0.0
        b.plot([v], [y], color=col.get(c, "k"), label=f"measured (paper): peak, {c:g} M", **MEASURED)
    b.set(xlabel=V_LABEL, ylabel="$-$dQ/dV (mA h g$^{-1}$ V$^{-1}$)", xlim=(0.3, 1.6))
    b.set_ylim(bottom=0.0)
    legend_outside(a, "below", ncol=2, fontsize=6)
    legend_outside(b, "below", ncol=2, fontsize=6)
    panel_letters([a, b])
    fig.supxlabel(" ", fontsize=7)            # a strip below the legends for the "simulated" stamp
    a.set_title("paper parameter set, equilibrium", fontsize=8)
    b.set_title("defective host", fontsize=8)
    return fig


def plot_rate_vs_paper(study: Any, composition: Mapping[float, tuple[float, float]]) -> plt.Figure:
    """(a) discharge and charge capacity vs rate (model) with the paper's reversible capacities (Fig. 2a);
    (b) the model's discharge–charge curves at 1 M; (c) end-of-discharge x_Li, x_Mg vs LiCl (equilibrium at the
    0.05 V cutoff, ``composition``: {LiCl M: (x_Li, x_Mg)}) and of the cell at the lowest rate, with the ICP
    values (Fig. 2c)."""
    fig, axs = plt.subplots(1, 3, figsize=(10.0, 3.4), constrained_layout=True)
    a, b, c = axs
    rates = np.array(study.rates)
    col = {0.2: "tab:orange", 1.0: "tab:blue"}
    for licl in sorted({k[0] for k in study.points}):
        pts = [study.points[licl, r] for r in study.rates]
        a.plot(rates, [p.discharge_capacity_mAh_g for p in pts], color=col.get(licl, "k"), marker="o", ms=3,
               label=f"{licl:g} M discharge (model)")
        a.plot(rates, [p.charge_capacity_mAh_g for p in pts], color=col.get(licl, "k"), ls="--", marker="o", ms=3,
               mfc="white", label=f"{licl:g} M charge (model)")
    for licl in sorted({k[0] for k in paper.MEASURED_RATE_CAPACITY_MAH_G}):
        rq = sorted((r, q) for (cc, r), q in paper.MEASURED_RATE_CAPACITY_MAH_G.items() if cc == licl)
        a.plot([r for r, _ in rq], [q for _, q in rq], color=col.get(licl, "k"),
               label=f"measured (paper): {licl:g} M reversible", **MEASURED)
    a.set(xscale="log", xlabel="Current density (mA g$^{-1}$)", ylabel=Q_LABEL, ylim=(0, 320))
    cm = plt.get_cmap("plasma")
    for k, r in enumerate(study.rates):
        if (1.0, r) not in study.results:
            continue
        res = study.results[1.0, r]            # charge_mAh_g: cumulative, falls on discharge, rises on charge
        b.plot(-res.charge_mAh_g, res.voltage_V, color=cm(0.1 + 0.7 * k / max(len(study.rates) - 1, 1)),
               label=f"{r:g} mA g$^{{-1}}$ (model)")
    b.set(xlabel=Q_LABEL + " (discharge, then charge)", ylabel=V_LABEL, ylim=(0, paper.V_WINDOW_V[1] + 0.1))
    ls = sorted(composition)
    c.plot(ls, [composition[x][0] for x in ls], color="tab:green", label="x$_{Li}$ equilibrium (model)")
    c.plot(ls, [composition[x][1] for x in ls], color="tab:purple", label="x$_{Mg}$ equilibrium (model)")
    lo = min(study.rates)
    cl = sorted(k[0] for k in study.points if k[1] == lo)
    c.plot(cl, [study.points[x, lo].x_Li_discharged for x in cl], color="tab:green", ls=":", marker="o", ms=3,
           label=f"x$_{{Li}}$ cell, {lo:g} mA g$^{{-1}}$ (model)")
    c.plot(cl, [study.points[x, lo].x_Mg_discharged for x in cl], color="tab:purple", ls=":", marker="o", ms=3,
           label=f"x$_{{Mg}}$ cell, {lo:g} mA g$^{{-1}}$ (model)")
    icp = sorted(paper.ICP_UPTAKE.items())
    c.plot([x for x, _ in icp], [u["Li"] for _, u in icp], color="tab:green", label="measured (paper): Li, ICP",
           **MEASURED)
    c.plot([x for x, _ in icp], [u["Mg"] for _, u in icp], color="tab:purple", label="measured (paper): Mg, ICP",
           **{**MEASURED, "marker": "s"})
    c.set(xlabel="LiCl (mol L$^{-1}$)", ylabel="Ions per formula unit", ylim=(0, 0.8))
    for ax, n in ((a, 2), (b, 2), (c, 2)):
        legend_outside(ax, "below", ncol=n, fontsize=6)
    panel_letters(axs)
    fig.supxlabel(" ", fontsize=7)            # a strip below the legends for the "simulated" stamp
    a.set_title("rate capability", fontsize=8)
    b.set_title("model, 1 M LiCl", fontsize=8)
    c.set_title("end of discharge", fontsize=8)
    return fig


def plot_gitt_vs_paper(study: Any) -> plt.Figure:
    """(a) relaxed (E_eq) and end-of-pulse voltages vs capacity, with and without Li; (b) |η| per pulse (Fig. 3a).
    The paper reports no GITT numbers: it shows the lower polarisation with Li, the model is compared
    qualitatively."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(7.6, 3.2), constrained_layout=True)
    for licl, color, lab in ((0.2, "tab:blue", "APC + 0.2 M LiCl"), (0.0, "tab:red", "APC")):
        pts = study.gitt.get(licl, [])
        if not pts:
            continue
        q = [p.capacity_mAh_g for p in pts]
        a.plot(q, [p.V_relaxed for p in pts], color=color, marker="o", ms=3, label=f"E$_{{eq}}$, {lab} (model)")
        a.plot(q, [p.V_pulse_end for p in pts], color=color, ls="--", label=f"end of pulse, {lab} (model)")
        b.plot(q, [1e3 * abs(p.eta_V) for p in pts], color=color, marker="o", ms=3, label=f"{lab} (model)")
    a.set(xlabel=Q_LABEL, ylabel=V_LABEL)
    b.set(xlabel=Q_LABEL, ylabel="|η| (mV)")
    b.set_ylim(bottom=0.0)
    legend_outside(a, "below", ncol=2, fontsize=6)
    legend_outside(b, "below", ncol=2, fontsize=6)
    panel_letters([a, b])
    fig.supxlabel(" ", fontsize=7)            # a strip below the legends for the "simulated" stamp
    a.set_title("GITT, 10 mA g$^{-1}$ 1 h / rest 10 h", fontsize=8)
    return fig
