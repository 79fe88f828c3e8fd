"""Figures and output files of :mod:`dualion.nmr` (PNG + SVG via :mod:`dualion.plotting`, CSV + JSON tables)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dualion.plotting import (PALETTE, figure_style, legend_outside, mark_synthetic, panel_letters, save_figure,
                              write_table)

_NUC_LABEL = {"19F": "$^{19}$F", "7Li": "$^{7}$Li", "17O": "$^{17}$O", "1H": "$^{1}$H", "25Mg": "$^{25}$Mg"}


def _shift_label(nucleus: str | None) -> str:
    return f"{_NUC_LABEL.get(nucleus or '', nucleus or '')} δ (ppm)".strip()


def plot_fit(res, title: str | None = None):
    """(a) data, total fit, components (centre band + sidebands; sidebands marked ▾), (b) residual."""
    import matplotlib.pyplot as plt

    c = res.curves
    fig, (ax, axr) = plt.subplots(2, 1, figsize=(7.0, 4.2), sharex=True, gridspec_kw={"height_ratios": [3.2, 1]})
    x = c["ppm"]
    ax.plot(x, c["data"], color="0.15", lw=0.8, label="data")
    ax.plot(x, c["fit"], color="#D55E00", lw=1.0, label="total fit")
    top = float(np.max(c["data"]))
    for k, (ln, (centre, sbs)) in enumerate(zip(res.lines, c["components"].values())):
        col = PALETTE[(k + 2) % len(PALETTE)] if (k + 2) % len(PALETTE) != 1 else PALETTE[-3]
        ax.fill_between(x, c["baseline"], c["baseline"] + centre, color=col, alpha=0.35, lw=0,
                        label=f"{ln.name} {ln.delta_ppm:.1f} ppm ({100 * ln.intensity_fraction:.1f} %) {ln.assignment}")
        ax.plot(x, c["baseline"] + sbs, color=col, lw=0.7, ls="--")
        for sb in ln.sidebands:
            if sb["intensity"] > 0.002 * ln.intensity:
                ax.plot([sb["delta_ppm"]], [top * 1.04], marker="v", ms=3.5, color=col, ls="none")
    if any(ln.sidebands for ln in res.lines):
        ax.plot([], [], color="0.4", lw=0.7, ls="--", label="sidebands (▾ positions)")
    ax.set_ylabel("intensity (a.u.)")
    ax.set_ylim(top=top * 1.1)
    legend_outside(ax, fontsize=7)
    mean = f"⟨δiso⟩ = {res.mean_delta_iso_ppm:.1f}" + (f" ± {res.mean_delta_iso_sigma:.1f}" if res.mean_delta_iso_sigma
                                                         is not None else "") + " ppm"
    ax.set_title(f"{title or res.label or Path(res.source).name}: {mean}", fontsize=8)
    axr.plot(x, c["data"] - c["fit"], color="0.3", lw=0.6)
    axr.axhline(0, color="0.6", lw=0.5)
    axr.set_ylabel("residual")
    axr.set_xlabel(_shift_label(res.nucleus))
    axr.invert_xaxis() if x[0] < x[-1] else None
    ax.set_xlim(max(x), min(x))
    panel_letters([ax, axr], x=-0.07)
    fig.align_ylabels([ax, axr])
    return fig


def plot_series(series, title: str | None = None):
    """(a) stacked spectra with fits, (b) ⟨δiso⟩ per sample with σ, (c) environment fractions (stacked bars)."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(7.0, 5.2))
    gs = fig.add_gridspec(2, 2, height_ratios=[1.5, 1], hspace=0.45, wspace=0.35)
    ax = fig.add_subplot(gs[0, :])
    off = 0.0
    for lab, f in zip(series.labels, series.fits):
        c = f.curves
        if c is None:
            continue
        m = float(np.max(c["data"]))
        ax.plot(c["ppm"], c["data"] / m + off, color="0.15", lw=0.9)
        ax.plot(c["ppm"], c["fit"] / m + off, color="#D55E00", lw=0.8, ls=(0, (3, 2)))
        ax.text(1.01, off + 0.1, f"{lab}\n{f.mean_delta_iso_ppm:.0f} ppm", transform=ax.get_yaxis_transform(), fontsize=7)
        off += 1.15
    ax.plot([], [], color="0.15", lw=0.9, label="data")
    ax.plot([], [], color="#D55E00", lw=0.8, ls=(0, (3, 2)), label="fit")
    if title:
        fig.suptitle(title, fontsize=8, y=0.995)
    legend_outside(ax, "above", ncol=2, fontsize=7)
    ax.invert_xaxis()
    ax.set_yticks([])
    ax.set_xlabel(_shift_label(series.fits[0].nucleus))
    ax2 = fig.add_subplot(gs[1, 0])
    means = [f.mean_delta_iso_ppm for f in series.fits]
    sig = [f.mean_delta_iso_sigma or 0.0 for f in series.fits]
    ax2.errorbar(range(len(means)), means, yerr=sig, marker="o", color="#0072B2", capsize=3)
    ax2.set_xticks(range(len(means)), series.labels)
    ax2.set_ylabel("⟨δiso⟩ (ppm)")
    ax3 = fig.add_subplot(gs[1, 1])
    bottom = np.zeros(len(series.fits))
    for k, env in enumerate(series.environment_names()):
        vals = np.array([f.environment_fraction(env) for f in series.fits])
        ax3.bar(range(len(vals)), vals, bottom=bottom, color=PALETTE[k % len(PALETTE)], label=env, width=0.6)
        bottom += vals
    ax3.set_xticks(range(len(series.fits)), series.labels)
    ax3.set_ylabel("intensity fraction")
    ax3.set_ylim(0, 1.0)
    legend_outside(ax3, fontsize=6)
    panel_letters([ax], x=-0.02)
    panel_letters([ax2, ax3], letters="bc", x=-0.2)
    return fig


def plot_integrals(integ):
    """(a) normalised integrals (centre band and sidebands stacked) per data set, with the ratio written on top."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3.5, 2.8))
    rows = integ.rows
    cen = np.array([r["centre"] / r["divisor"] for r in rows])
    sb = np.array([r["sidebands"] / r["divisor"] for r in rows])
    xs = np.arange(len(rows))
    ax.bar(xs, cen, width=0.6, color="#0072B2", label="centre band")
    ax.bar(xs, sb, bottom=cen, width=0.6, color="#56B4E9", label="sidebands")
    for x, r, h in zip(xs, rows, cen + sb):
        ax.text(x, h * 1.02, f"×{r['ratio']:.3f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(xs, [r["label"] for r in rows])
    ax.set_ylabel("integral / (NS·RG·mass)")
    ax.set_ylim(0, float(np.max(cen + sb)) * 1.2)
    legend_outside(ax)
    panel_letters([ax])
    return fig


def lines_frame(res) -> pd.DataFrame:
    """One row per line (sidebands summarised by their count and summed intensity)."""
    rows = []
    for ln in res.lines:
        d = {k: v for k, v in ln.__dict__.items() if k != "sidebands"}
        d["n_sidebands"] = len(ln.sidebands)
        d["sideband_intensity"] = sum(s["intensity"] for s in ln.sidebands)
        rows.append(d)
    return pd.DataFrame(rows)


def curves_frame(res) -> pd.DataFrame:
    """ppm, data, fit, baseline and each line's centre band and sidebands."""
    c = res.curves
    d = {"ppm": c["ppm"], "data": c["data"], "fit": c["fit"], "baseline": c["baseline"]}
    for name, (centre, sbs) in c["components"].items():
        d[f"{name}_centre"] = centre
        d[f"{name}_sidebands"] = sbs
    return pd.DataFrame(d)


def _mark(fig, synthetic: str | None):
    if synthetic:
        mark_synthetic(fig, synthetic)
    return fig


def fit_outputs(res, out: Path, stem: str = "nmr_fit", title: str | None = None,
                synthetic: str | None = None) -> list[Path]:
    """``<stem>.png/svg`` figure, ``<stem>_lines.csv/json`` (JSON = the full result) and ``<stem>_curves.csv/json``;
    ``synthetic`` (text) stamps figures of simulated data."""
    paths = write_table(lines_frame(res), out, f"{stem}_lines", json_payload=res.to_dict())
    paths += write_table(curves_frame(res), out, f"{stem}_curves")
    with figure_style():
        paths += save_figure(_mark(plot_fit(res, title), synthetic), out, stem)
    return paths


def series_outputs(series, out: Path, stem: str = "nmr_series", title: str | None = None,
                   synthetic: str | None = None) -> list[Path]:
    """Series figure, the side-by-side table (CSV; JSON = the full series) and each fit's outputs."""
    paths = write_table(pd.DataFrame(series.table()), out, stem, json_payload=series.to_dict())
    with figure_style():
        paths += save_figure(_mark(plot_series(series, title), synthetic), out, stem)
    for lab, f in zip(series.labels, series.fits):
        paths += fit_outputs(f, out, f"nmr_fit_{_slug(lab)}", title=f"{lab} ({title})" if title else None,
                             synthetic=synthetic)
    return paths


def integrals_outputs(integ, out: Path, stem: str = "nmr_integrals", synthetic: str | None = None) -> list[Path]:
    """Integrals table (CSV; JSON = the result) and the bar figure."""
    df = pd.DataFrame([{k: (",".join(map(str, v)) if isinstance(v, list) else v) for k, v in r.items()} for r in integ.rows])
    paths = write_table(df, out, stem, json_payload=integ.to_dict())
    with figure_style():
        paths += save_figure(_mark(plot_integrals(integ), synthetic), out, stem)
    return paths


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("_") or "sample"
