"""Figures of ``dualion.pdf``: Fig. 3c-style fits and lattice parameters along a series."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dualion.pdf.results import PDFFitResult, PDFSeriesResult
from dualion.plotting import PALETTE, figure_style, mark_synthetic, panel_letters


def plot_fits(fits: Sequence[PDFFitResult], labels: Sequence[str] | None = None, synthetic: str | None = None):
    """One panel per fit: data (circles), model (line) and the difference offset below (Fig. 3c style).

    Returns the matplotlib Figure (save it with :func:`dualion.plotting.save`); ``synthetic`` stamps the
    figure as made from simulated data."""
    import matplotlib.pyplot as plt

    n = len(fits)
    ncol = 1 if n <= 3 else (2 if n <= 8 else 3)
    nrow = int(np.ceil(n / ncol))
    labels = list(labels) if labels else [Path(f.data.get("file", "")).stem or f"fit {k + 1}" for k, f in enumerate(fits)]
    with figure_style():
        fig, axes = plt.subplots(nrow, ncol, figsize=(3.4 * ncol, 2.3 * nrow + 0.3), squeeze=False)
        for k, (fit, ax) in enumerate(zip(fits, axes.flat)):
            g_lo = float(min(fit.Gobs.min(), fit.Gcalc.min()))
            spread = float(np.ptp(fit.Gdiff)) if fit.Gdiff.size else 0.0
            offset = g_lo - 0.6 * spread - 0.05 * float(np.ptp(fit.Gobs))
            every = max(1, fit.r.size // 300)
            ax.plot(fit.r, fit.Gobs, "o", ms=2.2, mfc="none", mec=PALETTE[0], mew=0.6, markevery=every,
                    label="data")
            ax.plot(fit.r, fit.Gcalc, "-", color=PALETTE[1], lw=1.0, label="fit")
            ax.plot(fit.r, fit.Gdiff + offset, "-", color=PALETTE[2], lw=0.8, label="difference (offset)")
            ax.axhline(offset, color="0.6", lw=0.5, ls=":")
            ax.set_xlim(float(fit.r[0]), float(fit.r[-1]))
            ax.set_xlabel("r (Å)")
            ax.set_ylabel("G(r) (Å$^{-2}$)")
            ax.set_title(f"{labels[k]}   Rw = {fit.Rw:.4f}", loc="right", fontsize=7)
        panel_letters(list(axes.flat)[:n])
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        handles, names = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="upper center", ncol=3, bbox_to_anchor=(0.5, 1.0))
        fig.tight_layout(rect=(0, 0.02 if synthetic else 0, 1, 1 - 0.08 / nrow))
        if synthetic:
            mark_synthetic(fig, synthetic)
        return fig


def plot_series(series: PDFSeriesResult):
    """a, c (Å) and ΔV/V0 (%) against the files of a series, with standard uncertainties."""
    import matplotlib.pyplot as plt

    rows = series.rows()
    x = np.arange(1, len(rows) + 1)
    with figure_style():
        fig, axes = plt.subplots(3, 1, figsize=(3.4, 5.2), sharex=True)
        for k, (key, sig, lab, scale) in enumerate((("a_A", "a_sigma_A", "a (Å)", 1.0),
                                                    ("c_A", "c_sigma_A", "c (Å)", 1.0),
                                                    ("dV_over_V0", None, "ΔV/V$_0$ (%)", 100.0))):
            ax = axes[k]
            y = np.array([r[key] for r in rows], float) * scale
            e = np.array([(r[sig] or 0.0) if sig else 0.0 for r in rows], float) * scale
            ax.errorbar(x, y, yerr=e, fmt="o-", ms=3, lw=0.8, capsize=2, color=PALETTE[k])
            ax.set_ylabel(lab)
        axes[-1].set_xlabel("file (series order)")
        axes[-1].set_xticks(x)
        if len(rows) <= 8:
            axes[-1].set_xticklabels([Path(r["file"]).stem[:12] for r in rows], rotation=30, ha="right")
        panel_letters(axes)
        fig.tight_layout()
        return fig
