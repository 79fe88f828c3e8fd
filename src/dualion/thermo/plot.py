"""Figures of phase diagrams (like the paper's Fig. 6) and discharge paths."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from dualion.plotting import ION_COLOURS, format_label
from dualion.thermo.diagram import EMPTY, PhaseDiagram, axis_labels
from dualion.thermo.paths import DischargePath

_EMPTY_COLOUR = "#f2f2f2"


def product_label(counts: Mapping[str, int], site: str | None = None, ions: Sequence[str] = ()) -> str:
    """Mathtext label: ``{Li: 1, Mg: 1}`` with site ``Ti`` → ``[Li$_{Ti}$ + Mg$_{Ti}$]``; ``{}`` → ``empty``."""
    if not counts:
        return EMPTY
    order = list(ions) + sorted(set(counts) - set(ions))
    parts = []
    for ion in order:
        n = counts.get(ion, 0)
        if n <= 0:
            continue
        one = f"{ion}$_{{\\mathrm{{{site}}}}}$" if site else ion
        parts += [one] * n if n <= 3 else [f"{n} {one}"]
    text = " + ".join(parts)
    return f"[{text}]" if site and site != "i" else text


def _hex(c: str) -> np.ndarray:
    c = c.lstrip("#")
    return np.array([int(c[i:i + 2], 16) / 255 for i in (0, 2, 4)])


def region_colour(counts: Mapping[str, int], charges: Mapping[str, int]) -> tuple[float, float, float]:
    """Pastel colour: ion colours mixed by transferred charge, deeper with more ions inserted."""
    if not counts:
        return tuple(_hex(_EMPTY_COLOUR))  # type: ignore[return-value]
    q = {i: n * charges.get(i, 1) for i, n in counts.items() if n > 0}
    tot = sum(q.values())
    base = sum(_hex(ION_COLOURS.get(i, "#777777")) * v / tot for i, v in q.items())
    depth = min(0.25 + 0.18 * (sum(counts.values()) - 1), 0.7)
    return tuple(1 - depth * (1 - base))  # type: ignore[return-value]


def draw_diagram(ax, diagram: PhaseDiagram, charges: Mapping[str, int] | None = None,
                 paths: Sequence[DischargePath] = (), label_regions: bool = True, fontsize: float = 7.5) -> None:
    """Draw filled regions, their boundaries, labels and optional discharge paths on ``ax``."""
    from matplotlib.patches import Polygon

    charges = dict(charges or {})
    x0, x1, y0, y1 = diagram.window
    W, H = x1 - x0, y1 - y0
    for r in diagram.regions:
        ax.add_patch(Polygon(np.asarray(r.polygon), closed=True, facecolor=region_colour(r.counts, charges),
                             edgecolor="0.15", linewidth=0.7, zorder=1))
    if label_regions:
        for r in diagram.regions:
            p = np.asarray(r.polygon)
            w = (p[:, 0].max() - p[:, 0].min()) / W
            h = (p[:, 1].max() - p[:, 1].min()) / H
            cx, cy = r.centroid
            text = product_label(r.counts, r.site, diagram.ions) + ("*" if r.status != "finished" else "")
            frac = r.area / (W * H)
            box = dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.6)
            if w < 0.06 or h < 0.06:  # narrow strip: label beside it with a leader line
                tx = cx + (0.16 * W if cx < x0 + 0.6 * W else -0.16 * W)
                ty = cy + (0.10 * H if h < 0.06 else 0.0)
                ty = min(max(ty, y0 + 0.05 * H), y1 - 0.05 * H)
                ax.annotate(text, (cx, cy), (tx, ty), ha="center", va="center", fontsize=fontsize * 0.85,
                            zorder=6, bbox=box, arrowprops=dict(arrowstyle="-", lw=0.6, color="0.2"))
                continue
            size = fontsize if frac > 0.04 else fontsize * 0.85
            ax.text(cx, cy, text, ha="center", va="center", fontsize=size, zorder=5, clip_on=True, bbox=box)
    if any(p.no_li for p in paths):
        ax.plot([], [], " ", label="0 M LiCl: Δμ$_{Li}$ → −∞ (off the plot; Mg only)")
    colours = ["#000000", "#444444", "#7a0177", "#006d2c", "#08519c", "#a50f15"]
    styles = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1))]
    for k, p in enumerate(paths):
        if p.no_li:
            continue
        V = np.linspace(min(s.V_low for s in p.segments), max(s.V_high for s in p.segments), 400)
        mu = p.line(V, diagram.per)
        x, y = mu[diagram.ions[0]], mu[diagram.ions[1]]
        ax.plot(x, y, color=colours[k % len(colours)], ls=styles[k % len(styles)], lw=1.1, zorder=3,
                label=f"{p.licl_M:g} M LiCl" if p.licl_M is not None else f"a$_{{Li^+}}$ = {p.li_activity:g}")
        tv = np.array([t["V_vs_Mg"] for t in p.transitions])
        if len(tv):
            mt = p.line(tv, diagram.per)
            ax.plot(mt[diagram.ions[0]], mt[diagram.ions[1]], "o", ms=2.8, color=colours[k % len(colours)],
                    mec="white", mew=0.4, zorder=4)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    lx, ly = axis_labels(diagram.ions, diagram.per, charges=charges)
    ax.set_xlabel(lx)
    ax.set_ylabel(ly)


def excluded_notes(diagrams: Sequence[PhaseDiagram], panels: Sequence[str] | None = None) -> list[str]:
    """Figure notes naming the configurations left out of each diagram (never silently dropped)."""
    out = []
    for k, d in enumerate(diagrams):
        if not d.excluded:
            continue
        incomplete = sorted({x["label"] for x in d.excluded if x["status"] != "finished"})
        other = sorted({x["label"] for x in d.excluded if x["status"] == "finished"})
        where = f"({'abcdefgh'[k]}) " if panels else ""
        parts = []
        if incomplete:
            parts.append(f"status ≠ finished, left out (use --allow-incomplete): {', '.join(incomplete)}")
        if other:
            parts.append(f"not on these axes, left out: {', '.join(other)}")
        out.append(where + "; ".join(parts))
    return out


def _figure_notes(fig, flagged: bool, excluded: Sequence[str], footnote: str | None, width: int) -> None:
    """Notes under a figure: unfinished runs drawn (*), configurations left out, the footnote (citation)."""
    import textwrap

    notes = ["* from a run with status ≠ finished (included with --allow-incomplete)"] if flagged else []
    notes += list(excluded)
    if footnote:
        notes.append(textwrap.fill(footnote, width=width))
    if notes:
        fig.supxlabel("\n".join(notes), fontsize=6, x=0.01, ha="left", color="0.3")


def diagram_figure(diagrams: Sequence[PhaseDiagram], titles: Sequence[str] | None = None,
                   charges: Mapping[str, int] | None = None, paths: Sequence[DischargePath] = (),
                   paths_on: Sequence[int] | None = None, footnote: str | None = None):
    """One figure with a panel per diagram (a, b, c ... labels when several)."""
    import matplotlib.pyplot as plt

    n = len(diagrams)
    fig, axes = plt.subplots(1, n, figsize=(3.5 * n if n > 1 else 3.6, 3.2), squeeze=False,
                             constrained_layout=True)
    paths_on = list(range(n)) if paths_on is None else list(paths_on)
    for k, (ax, d) in enumerate(zip(axes[0], diagrams)):
        draw_diagram(ax, d, charges, paths if k in paths_on else ())
        title = titles[k] if titles else format_label(d.model_name)
        ax.set_title(f"({'abcdefgh'[k]}) {title}" if n > 1 else title, fontsize=8.5, loc="left")
        if paths and k in paths_on and any(not p.no_li for p in paths):
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=6.5, frameon=False,
                      handlelength=2.2, title="discharge at fixed LiCl (dots: transitions)", title_fontsize=6.5)
    flagged = any(r.status != "finished" for d in diagrams for r in d.regions)
    _figure_notes(fig, flagged, excluded_notes(diagrams, titles if n > 1 else None), footnote, 75 * n)
    return fig


def path_figure(diagram: PhaseDiagram, paths: Sequence[DischargePath], model=None, footnote: str | None = None):
    """Left: the diagram with the discharge lines; right: stable product vs voltage for each concentration."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    charges = {i: model.charge(i) for i in model.ions} if model is not None else {}
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(7.0, 3.2), constrained_layout=True,
                                 gridspec_kw={"width_ratios": [1.0, 1.05]})
    draw_diagram(ax, diagram, charges, paths)
    ax.set_title(f"(a) {format_label(diagram.model_name)}", fontsize=8.5, loc="left")
    if any(not p.no_li for p in paths):
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=6.5, frameon=False,
                  title="discharge at fixed LiCl (dots: transitions)", title_fontsize=6.5)
    sites = {r.label: r.site for r in diagram.regions}
    sites.update({e.label: e.site for e in diagram.entries})
    seen: dict[str, tuple] = {}
    for k, p in enumerate(paths):
        for s in p.segments:
            col = region_colour(s.counts, charges)
            bx.barh(k, s.V_high - s.V_low, left=s.V_low, height=0.5, color=col, edgecolor="0.2", lw=0.5)
            lab = product_label(s.counts, sites.get(s.label), diagram.ions) + ("*" if s.status != "finished" else "")
            seen.setdefault(lab, col)
        tv = [t["V_vs_Mg"] for t in p.transitions]
        for j, v in enumerate(tv):
            ha = "center"
            if j + 1 < len(tv) and abs(tv[j + 1] - v) < 0.2:
                ha = "right"  # voltage axis is reversed: higher V is to the left
            elif j > 0 and abs(tv[j - 1] - v) < 0.2:
                ha = "left"
            bx.text(v, k + 0.3, f"{v:.2f}", ha=ha, va="bottom", fontsize=5.5, color="0.25")
    bx.set_yticks(range(len(paths)))
    bx.set_yticklabels([("0 M (no Li)" if p.no_li else f"{p.licl_M:g} M") if p.licl_M is not None
                        else f"a={p.li_activity:g}" for p in paths])
    bx.set_ylim(-0.6, len(paths) - 0.25)
    vmin = min(s.V_low for p in paths for s in p.segments)
    vmax = max(s.V_high for p in paths for s in p.segments)
    bx.set_xlim(vmax, vmin)  # discharge: voltage decreases to the right
    bx.set_xlabel("Voltage vs Mg$^{2+}$/Mg (V)  — discharge →")
    bx.set_ylabel("LiCl concentration")
    bx.set_title("(b) stable product along the discharge", fontsize=8.5, loc="left")
    bx.legend(handles=[Patch(facecolor=c, edgecolor="0.2", lw=0.5, label=lab) for lab, c in seen.items()],
              loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=6.5, frameon=False)
    flagged = any(s.status != "finished" for p in paths for s in p.segments) or \
        any(r.status != "finished" for r in diagram.regions)
    _figure_notes(fig, flagged, excluded_notes([diagram]), footnote, 150)
    return fig
