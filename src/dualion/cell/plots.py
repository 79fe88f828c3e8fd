"""Figures and tables of the galvanostatic cell (PNG + SVG + CSV/JSON, written atomically)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from dualion.cell.experiments import GittPoint, RatePoint
from dualion.cell.params import CellResult
from dualion.plotting import ION_COLOURS, PALETTE, figure_style, save_figure, write_table

V_LABEL = "Voltage vs Mg$^{2+}$/Mg (V)"
Q_LABEL = "Capacity (mA h g$^{-1}$)"


def capacity_axis(res: CellResult) -> np.ndarray:
    """Capacity passed within each step (mA h g-1, positive) for plotting curves."""
    q = np.empty_like(res.charge_mAh_g)
    for s in np.unique(res.step):
        m = res.step == s
        q[m] = np.abs(res.charge_mAh_g[m] - res.charge_mAh_g[m][0])
    return q


def plot_rate_curves(results: Sequence[CellResult], out: Path, stem: str, title: str = "") -> list[Path]:
    """Discharge (solid) – charge (dashed) curves at each rate, like the paper's Fig. 2a/1c."""
    import matplotlib.pyplot as plt

    from matplotlib.lines import Line2D

    with figure_style():
        fig, ax = plt.subplots(figsize=(3.5, 2.8))
        for k, res in enumerate(results):
            c = PALETTE[k % len(PALETTE)]
            q = capacity_axis(res)
            rate = abs(res.current_mA_g[0])
            for s, ls in ((1, "-"), (2, "--")):
                m = res.step == s
                if m.any():
                    ax.plot(q[m], res.voltage_V[m], ls, color=c, label=f"{rate:g} mA g$^{{-1}}$" if s == 1 else None)
        ax.set_xlabel(Q_LABEL)
        ax.set_ylabel(V_LABEL)
        ax.set_ylim(0.0, 2.4)
        if title:
            ax.set_title(title)
        # key outside the axes: inside, it hides the ends of the charge curves
        handles, labels = ax.get_legend_handles_labels()
        handles += [Line2D([], [], color="0.3", ls="-"), Line2D([], [], color="0.3", ls="--")]
        labels += ["discharge", "charge"]
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7, borderaxespad=0.0)
        return save_figure(fig, out, stem)


def plot_capacity_vs_rate(points: Mapping[str, Sequence[RatePoint]], out: Path, stem: str) -> list[Path]:
    """Discharge capacity vs rate (left) and inserted Li, Mg per fu vs rate (right), one line per electrolyte."""
    import matplotlib.pyplot as plt

    with figure_style():
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(7.0, 2.8))
        for k, (label, pts) in enumerate(points.items()):
            r = [p.rate_mA_g for p in pts]
            c = PALETTE[k % len(PALETTE)]
            a1.plot(r, [p.discharge_capacity_mAh_g for p in pts], "o-", color=c, label=label)
            a2.plot(r, [p.x_Li_discharged for p in pts], marker="o", color=ION_COLOURS["Li"],
                    ls=["-", "--", ":"][k % 3], label=f"Li, {label}")
            a2.plot(r, [p.x_Mg_discharged for p in pts], marker="s", color=ION_COLOURS["Mg"],
                    ls=["-", "--", ":"][k % 3], label=f"Mg, {label}")
        for a in (a1, a2):
            a.set_xscale("log")
            a.set_xlabel("Current density (mA g$^{-1}$)")
        a1.set_ylabel("Discharge " + Q_LABEL[0].lower() + Q_LABEL[1:])
        a2.set_ylabel("Inserted ions per formula unit")
        a1.legend(fontsize=7)
        a2.legend(fontsize=6, ncol=2)
        fig.tight_layout()                      # else the right panel's y label runs into the left panel
        return save_figure(fig, out, stem)


def plot_gitt(results: Mapping[str, CellResult], points: Mapping[str, Sequence[GittPoint]], out: Path,
              stem: str) -> list[Path]:
    """GITT voltage vs time (top) and overpotential η = V_relaxed − V_pulse_end vs capacity (bottom), Fig. 3a."""
    import matplotlib.pyplot as plt

    with figure_style():
        fig, (a1, a2) = plt.subplots(2, 1, figsize=(3.5, 4.6))
        for k, (label, res) in enumerate(results.items()):
            c = PALETTE[k % len(PALETTE)]
            a1.plot(res.time_s / 3600.0, res.voltage_V, color=c, lw=0.8, label=label)
            pts = points[label]
            a2.plot([p.capacity_mAh_g for p in pts], [1e3 * p.overpotential_V for p in pts], "o-", color=c, ms=3,
                    label=label)
        a1.set_xlabel("Time (h)")
        a1.set_ylabel(V_LABEL)
        a2.set_xlabel(Q_LABEL)
        a2.set_ylabel("Overpotential η (mV)")
        a1.legend(fontsize=7)
        fig.tight_layout()
        return save_figure(fig, out, stem)


def rate_table(points: Sequence[RatePoint], out: Path, stem: str) -> list[Path]:
    rec = [asdict(p) for p in points]
    payload = {"units": {"rate_mA_g": "mA g-1", "capacity": "mA h g-1 (positive)", "x": "ions per formula unit",
                         "voltage": "V vs Mg2+/Mg"}, "points": rec}
    return write_table(rec, out, stem, json_payload=payload)


def gitt_table(points: Sequence[GittPoint], out: Path, stem: str) -> list[Path]:
    rec = [asdict(p) for p in points]
    payload = {"units": {"capacity_mAh_g": "mA h g-1", "voltages": "V vs Mg2+/Mg",
                         "overpotential_V": "V_relaxed - V_pulse_end (V)", "x": "ions per formula unit"},
               "points": rec}
    return write_table(rec, out, stem, json_payload=payload)


def rate_curves_table(results: Sequence[CellResult], out: Path, stem: str) -> list[Path]:
    """Every recorded point of every rate's discharge–charge as one table (CSV + JSON): rate (mA g-1), step,
    time (s), current (mA g-1; < 0 discharge), voltage (V vs Mg2+/Mg), capacity passed within the step (mA h g-1,
    positive) and the particle-average x_Li, x_Mg (per formula unit)."""
    rows = []
    for res in results:
        q = capacity_axis(res)
        rate = float(abs(res.current_mA_g[0]))
        for j in range(res.time_s.size):
            rows.append({"rate_mA_g": rate, "step": int(res.step[j]), "time_s": float(res.time_s[j]),
                         "current_mA_g": float(res.current_mA_g[j]), "voltage_V": float(res.voltage_V[j]),
                         "capacity_mAh_g": float(q[j]), "x_Li": float(res.x_Li[j]), "x_Mg": float(res.x_Mg[j])})
    return write_table(rows, out, stem)
