"""Figures of the engines domain: the calibration parity plot (ML vs DFT, raw and calibrated)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MARKERS = {"interstitial": "o", "vacancy": "s"}


def parity_plot(points: Sequence[Mapping[str, Any]], engine_label: str = "CHGNet"):
    """Two panels: raw ML ΔE vs DFT ΔE, and calibrated (leave-one-out predictions) vs DFT (eV per ion).

    ``points`` are the ``metrics["points"]`` records of a calibration (keys dE_dft_eV, dE_ml_eV,
    dE_cal_loo_eV, ion, site). Returns the Figure; write it with its points via
    ``dualion.plotting.save(fig, out, stem, data=points)``. The grey band is ±0.15 eV (the target MAE).
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.patches import Patch

    from dualion.plotting import ION_COLOURS, figure_style, panel_letters

    pts = list(points)
    dft = np.array([p["dE_dft_eV"] for p in pts])
    allv = np.concatenate([dft, [p["dE_ml_eV"] for p in pts], [p["dE_cal_loo_eV"] for p in pts]])
    lo, hi = float(allv.min()), float(allv.max())
    pad = 0.1 * (hi - lo)
    lims = (lo - pad, hi + pad)
    with figure_style():
        fig, axes = plt.subplots(1, 2, figsize=(6.6, 3.6), sharex=True, sharey=True, constrained_layout=True)
        for ax, key, title in ((axes[0], "dE_ml_eV", f"raw {engine_label}"),
                               (axes[1], "dE_cal_loo_eV", "calibrated (leave-one-out)")):
            ax.plot(lims, lims, color="0.6", lw=0.8, zorder=0)
            ax.fill_between(lims, [lims[0] - 0.15, lims[1] - 0.15], [lims[0] + 0.15, lims[1] + 0.15],
                            color="0.92", zorder=-1, lw=0)
            for p in pts:
                ax.scatter(p["dE_dft_eV"], p[key], color=ION_COLOURS.get(p["ion"], "k"),
                           marker=MARKERS.get(p["site"], "^"), s=18, edgecolor="none")
            err = np.array([p[key] - p["dE_dft_eV"] for p in pts])
            ax.set_title(f"{title}\nMAE {np.abs(err).mean():.2f} eV, max {np.abs(err).max():.2f} eV", fontsize=8)
            ax.set_xlabel("ΔE DFT (eV per ion)")
            ax.set_xlim(lims)
            ax.set_ylim(lims)
            ax.set_aspect("equal")
        axes[0].set_ylabel("ΔE ML (eV per ion)")
        handles = [plt.Line2D([], [], ls="", marker="o", color=ION_COLOURS.get(i, "k"), label=i)
                   for i in sorted({p["ion"] for p in pts}, key=lambda s: ["Li", "Na", "Mg", "Ca", "Al"].index(s)
                                   if s in ["Li", "Na", "Mg", "Ca", "Al"] else 9)]
        handles += [plt.Line2D([], [], ls="", marker=m, color="0.3", label=s) for s, m in MARKERS.items()]
        handles += [plt.Line2D([], [], color="0.6", lw=0.8, label="y = x"),
                    Patch(facecolor="0.92", label="±0.15 eV")]
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=7)
        panel_letters(axes, x=-0.04)
    return fig
