"""Figures of the defect family and of the paper's compositions (each function returns a Figure;
write it with :func:`dualion.plotting.save`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dualion.composition.capacity import capacity_from_electrons_mAh_g, theoretical_capacity_mAh_g
from dualion.core import charge
from dualion.composition.formula import family_formula
from dualion.composition.report import PAPER_MEASURED_mAh_g, PAPER_X, PAPER_Y
from dualion.composition.sites import assign_sites, site_inventory
from dualion.plotting import ION_COLOURS, PALETTE, legend_outside, panel_letters

PAPER_TEX = "Ti$_{0.78}$□$_{0.22}$O$_{1.12}$F$_{0.40}$(OH)$_{0.48}$"


def family_figure(rows: Sequence[dict]):
    """(a) Q_th over the (x, y) triangle, (b) Q_th vs vacancy content for three compensation routes,
    (c) site inventory along the paper's x:y ratio. ``rows``: :func:`~dualion.composition.report.family_table`."""
    import matplotlib.pyplot as plt
    from matplotlib.tri import Triangulation

    fig, axes = plt.subplots(1, 3, figsize=(7.2, 3.3), gridspec_kw={"width_ratios": [1.25, 1, 1]},
                             layout="constrained")
    ax = axes[0]
    x, y = (np.array([r[k] for r in rows]) for k in ("x", "y"))
    q = np.array([r["theoretical_capacity_mAh_g"] for r in rows])
    tri = Triangulation(x, y)
    cf = ax.tricontourf(tri, q, levels=np.arange(210, 341, 10), cmap="viridis")
    levels = [250, 275, 300]
    cs = ax.tricontour(tri, q, levels=levels, colors="white", linewidths=0.6)
    edge = np.array(sorted((r["x"], r["theoretical_capacity_mAh_g"]) for r in rows if r["y"] == 0)).T
    at = [float(np.interp(L, edge[1][::-1], edge[0][::-1])) for L in levels]
    ax.clabel(cs, fmt="%d", fontsize=6.5, inline_spacing=2, manual=[(0.3 * a, 0.7 * a) for a in at])
    cb = fig.colorbar(cf, ax=ax, pad=0.02, fraction=0.08, ticks=[220, 260, 300, 340])
    cb.set_label("$Q_\\mathrm{th}$ (mA h g$^{-1}$)")
    ax.plot([0, 0.5], [0.5, 0], color="0.3", lw=0.8)
    ax.plot(0, 0, marker="*", ms=11, color=PALETTE[4], mec="k", mew=0.5, clip_on=False, zorder=5)
    ax.text(0.035, 0.015, "TiO$_2$", fontsize=7)
    ax.plot(PAPER_X, PAPER_Y, marker="o", ms=6, color=PALETTE[1], mec="k", mew=0.5, zorder=5)
    ax.annotate("paper\n(0.10, 0.12)", (PAPER_X, PAPER_Y), (0.27, 0.31), fontsize=7,
                arrowprops={"arrowstyle": "-", "color": "0.3", "lw": 0.6})
    ax.text(0.48, 0.48, "$x+y \\leq 1/2$", fontsize=7, color="0.35", ha="right", va="top")
    ax.set(xlim=(0, 0.5), ylim=(0, 0.5), xticks=[0, 0.1, 0.2, 0.3, 0.4, 0.5], aspect="equal",
           xlabel="$x$ (F-compensated □)", ylabel="$y$ (OH-compensated □)")

    ax = axes[1]
    v = np.linspace(0, 0.5, 101)[:-1]
    routes = [("all F ($y$ = 0)", 1.0, PALETTE[2], "-"),
              ("paper ratio $x:y$ = 10:12", PAPER_X / (PAPER_X + PAPER_Y), PALETTE[1], "-"),
              ("all OH ($x$ = 0)", 0.0, PALETTE[0], "--")]
    for label, fx, colour, ls in routes:
        ax.plot(v, [theoretical_capacity_mAh_g(family_formula(vi * fx, vi * (1 - fx))) for vi in v], ls,
                color=colour, label=label)
    q_paper = theoretical_capacity_mAh_g(family_formula(PAPER_X, PAPER_Y))
    q_tio2 = theoretical_capacity_mAh_g("TiO2")
    ax.plot(PAPER_X + PAPER_Y, q_paper, "o", color=PALETTE[1], mec="k", mew=0.5, zorder=5)
    ax.annotate(f"{q_paper:.0f}", (PAPER_X + PAPER_Y, q_paper), (6, 4), textcoords="offset points", fontsize=7)
    ax.plot(0, q_tio2, "*", ms=10, color=PALETTE[4], mec="k", mew=0.5, clip_on=False, zorder=5)
    ax.annotate(f"TiO$_2$ {q_tio2:.1f}", (0, q_tio2), (8, -2), textcoords="offset points", fontsize=7)
    ax.set(xlim=(0, 0.5), ylim=(180, 350), xlabel="Ti vacancies $x+y$ (per f.u.)",
           ylabel="$Q_\\mathrm{th}$ (mA h g$^{-1}$)")
    ax.set_title("Ti$^{4+}$/Ti$^{3+}$, pristine mass", fontsize=7.5)
    legend_outside(ax, "below", fontsize=6.5, handlelength=1.6)

    ax = axes[2]
    fx = PAPER_X / (PAPER_X + PAPER_Y)
    inv = [site_inventory(family_formula(vi * fx, vi * (1 - fx))) for vi in v]
    ti, vac = np.array([i.ti for i in inv]), np.array([i.ti_vacancies for i in inv])
    ax.fill_between(v, 0, ti, color="0.78", lw=0, label="Ti$^{4+}$ on 4a")
    ax.fill_between(v, ti, ti + vac, color=PALETTE[5], alpha=0.55, lw=0, label="□ on 4a")
    ax.plot(v, [i.interstitial_4b for i in inv], color="k", lw=1.2, ls=":", label="4b interstitial sites")
    ax.plot(v, 2 * vac, color=ION_COLOURS["Mg"], lw=1.2, label="2 × □ (e$^-$ if Mg$^{2+}$ fills □)")
    ax.axvline(PAPER_X + PAPER_Y, color=PALETTE[1], lw=0.8, ls="--", label="paper, $x+y$ = 0.22")
    ax.set(xlim=(0, 0.5), ylim=(0, 1.1), xlabel="Ti vacancies $x+y$ (per f.u.)", ylabel="Sites per formula unit")
    legend_outside(ax, "below", fontsize=6.5, handlelength=1.4, ncol=1)
    panel_letters(axes)
    return fig


def paper_figure(rows: Sequence[dict], theoretical_e: float, molar_mass: float, formula: str):
    """(a) electrons per formula unit (Li 1 e, Mg 2 e) and capacity of the paper's cases against the
    Ti4+/Ti3+ limit and the measured 300 mA h g-1; (b) site occupancy of the discharged electrode
    (vacancy-first). ``rows``: :func:`~dualion.composition.report.paper_table`."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(7.2, 3.4), gridspec_kw={"width_ratios": [1.35, 1]},
                                  layout="constrained")
    li_c, mg_c = ION_COLOURS["Li"], ION_COLOURS["Mg"]
    labels = ["Ti$^{4+}$/Ti$^{3+}$\nlimit", "ICP-AES\n0.47 Li\n0.18 Mg", "site model\n$x$ = 0.30",
              "site model\n$x$ = 0.35", "pure APC\n0.22 Mg"]
    pos = np.arange(len(labels))
    ax.bar(pos[0], theoretical_e, width=0.62, color="0.8", edgecolor="k", lw=0.6)
    for i, r in enumerate(rows[1:], start=1):
        li, mg2 = r["Li"] or 0.0, 2 * (r["Mg"] or 0.0)
        ax.bar(pos[i], li, width=0.62, color=li_c, edgecolor="k", lw=0.6)
        ax.bar(pos[i], mg2, bottom=li, width=0.62, color=mg_c, edgecolor="k", lw=0.6)
        ax.text(pos[i], li + mg2 - 0.02, f"{r['electrons_per_formula']:.2f} e\n{r['capacity_pristine_mAh_g']:.0f}",
                ha="center", va="top", fontsize=6.5, color="white", fontweight="bold")
    ax.text(pos[0], theoretical_e - 0.02, f"{theoretical_e:.2f} e\n{rows[0]['capacity_pristine_mAh_g']:.0f}",
            ha="center", va="top", fontsize=6.5, fontweight="bold")
    ax.axhline(theoretical_e, color="0.3", lw=0.8, ls="--", zorder=0)
    e_meas = PAPER_MEASURED_mAh_g / capacity_from_electrons_mAh_g(1.0, molar_mass)
    ax.axhline(e_meas, color=mg_c, lw=0.9, ls=":", zorder=0)
    ax.set_xticks(pos, labels, fontsize=6.5)
    ax.set(ylabel="Electrons per formula unit", ylim=(0, 1.0), xlim=(-0.5, len(labels) - 0.5))
    sec = ax.secondary_yaxis("right", functions=(lambda e: charge.capacity_mAh_g(e, molar_mass),
                                                   lambda qv: charge.electrons_per_fu(qv, molar_mass)))
    sec.set_ylabel("Capacity, pristine mass (mA h g$^{-1}$)")
    ax.tick_params(axis="y", right=False)
    ax.legend(handles=[Patch(fc=li_c, ec="k", lw=0.6, label="Li$^+$ (1 e each)"),
                       Patch(fc=mg_c, ec="k", lw=0.6, label="Mg$^{2+}$ (2 e each)"),
                       Line2D([], [], color="0.3", ls="--", lw=0.8, label=f"Ti$^{{4+}}$/Ti$^{{3+}}$ limit "
                              f"({theoretical_e:.2f} e)"),
                       Line2D([], [], color=mg_c, ls=":", lw=0.9, label="measured 300 mA h g$^{-1}$ (1.0 M LiCl)")],
              loc="lower center", bbox_to_anchor=(0.5, 1.01), ncol=2, fontsize=6.5)
    ax.set_title(f"{PAPER_TEX}, M = {molar_mass:.2f} g mol$^{{-1}}$", fontsize=7.5, pad=34)

    states = [("pure APC\n0.22 Mg", {"Mg": 0.22}), ("ICP-AES\n0.47 Li + 0.18 Mg", {"Li": 0.47, "Mg": 0.18})]
    width = 0.36
    for k, (_lab, ins) in enumerate(states):
        s = assign_sites(formula, ins)
        x4a, x4b = k - width / 2 - 0.02, k + width / 2 + 0.02
        bottom = 0.0
        for name, val, col, hatch in [("Ti", s.inventory.ti, "0.8", None), ("Mg", s.vacancy_4a.get("Mg", 0.0), mg_c, None),
                                      ("Li", s.vacancy_4a.get("Li", 0.0), li_c, None),
                                      ("□", s.vacancies_left, "white", "///")]:
            if val <= 0:
                continue
            ax2.bar(x4a, val, width, bottom=bottom, color=col, edgecolor="k", lw=0.6, hatch=hatch)
            if val >= 0.1:
                ax2.text(x4a, bottom + val / 2, f"{name}\n{val:.2f}", ha="center", va="center", fontsize=6.5)
            else:
                ax2.annotate(f"{name} {val:.2f}", (x4a - width / 2, bottom + val / 2),
                             (x4a - width / 2 - 0.06, bottom + val / 2 - 0.08), ha="right", va="center",
                             fontsize=6.5, color=col if col != "white" else "k", arrowprops={"arrowstyle": "-", "lw": 0.5})
            bottom += val
        li4b = s.interstitial_4b.get("Li", 0.0)
        ax2.bar(x4b, li4b, width, color=li_c, edgecolor="k", lw=0.6)
        ax2.bar(x4b, 1.0 - li4b, width, bottom=li4b, color="white", edgecolor="0.6", lw=0.6, hatch="//")
        ax2.bar(x4b, 1.0, width, color="none", edgecolor="k", lw=0.6)
        if li4b > 0:
            ax2.text(x4b, li4b / 2, f"Li\n{li4b:.2f}", ha="center", va="center", fontsize=6.5, color="white")
        ax2.text(x4b, (1.0 + li4b) / 2, f"empty\n{1.0 - li4b:.2f}", ha="center", va="center", fontsize=6.5,
                 bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
        for xx, site in ((x4a, "4a"), (x4b, "4b")):
            ax2.text(xx, 1.02, site, ha="center", va="bottom", fontsize=7)
    ax2.set_xticks(range(len(states)), [s[0] for s in states], fontsize=6.5)
    ax2.set(xlim=(-0.75, len(states) - 0.45), ylim=(0, 1.12), ylabel="Site occupancy (per formula unit)")
    ax2.set_title("Discharged electrode (vacancy-first; hatched: empty)", fontsize=7.5, pad=34)
    panel_letters((ax, ax2), x=-0.06)
    return fig
