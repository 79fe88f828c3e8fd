"""Demo part of dualion.composition (see :mod:`dualion.demo`).

Writes, into ``out``:

* ``composition_family.{csv,json}`` and ``composition_family.{png,svg}`` — molar mass, site inventory
  and theoretical capacity (Ti4+/Ti3+, pristine mass) across Ti1-x-y□x+yO2-4(x+y)F4x(OH)4y;
* ``paper_capacities.{csv,json}`` and ``paper_capacities.{png,svg}`` — the paper's ICP-AES result
  (0.47 Li + 0.18 Mg) and site-model range (x = 0.30–0.35, y = 0.04, z = 0.18) as electrons per
  formula unit and capacity, against the theoretical Ti4+/Ti3+ capacity, with the site occupancy of the
  discharged electrode.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

PAPER_X, PAPER_Y = 0.10, 0.12
#: Capacity measured in the paper at 1.0 M LiCl (mA h g-1, pristine mass).
PAPER_MEASURED_mAh_g = 300.0


def family_table(step: float = 0.025) -> list[dict]:
    """Rows over the (x, y) triangle x, y ≥ 0, x + y ≤ 1/2 (grid ``step``), plus the paper's point."""
    from dualion.composition import family_formula, site_inventory, theoretical_capacity_mAh_g

    n = int(round(0.5 / step))
    pts = {(round(i * step, 10), round(j * step, 10)) for i in range(n + 1) for j in range(n + 1 - i)}
    pts.add((PAPER_X, PAPER_Y))
    rows = []
    for x, y in sorted(pts):
        f = family_formula(x, y)
        inv = site_inventory(f)
        rows.append({"x": x, "y": y, "formula": str(f), "molar_mass_g_mol": f.molar_mass_g_mol,
                     "ti": inv.ti, "ti_vacancies": inv.ti_vacancies, "cation_sites_4a": inv.cation_sites_4a,
                     "interstitial_4b": inv.interstitial_4b, "F": 4 * x, "OH": 4 * y,
                     "theoretical_capacity_mAh_g": theoretical_capacity_mAh_g(f, "Ti:4:3"),
                     "is_paper": (x, y) == (PAPER_X, PAPER_Y)})
    return rows


def paper_table() -> list[dict]:
    """The paper's composition/capacity numbers recomputed (electrons and capacities on both bases)."""
    from dualion.composition import (
        PAPER_FORMULA,
        assign_sites,
        capacity_from_inserted,
        theoretical_capacity_mAh_g,
        theoretical_electrons,
    )

    rows = [{"case": "Theoretical Ti4+/Ti3+", "Li": None, "Mg": None,
             "electrons_per_formula": theoretical_electrons(PAPER_FORMULA),
             "capacity_pristine_mAh_g": theoretical_capacity_mAh_g(PAPER_FORMULA),
             "capacity_discharged_mAh_g": None, "paper_value_mAh_g": 290.0, "site_resolved_formula": None}]
    cases = [("ICP-AES, APC + 0.2 M LiCl (0.47 Li + 0.18 Mg)", 0.47, 0.18, None),
             ("Site model x = 0.30, y = 0.04, z = 0.18", 0.34, 0.18, 264.0),
             ("Site model x = 0.35, y = 0.04, z = 0.18", 0.39, 0.18, 284.0),
             ("Pure APC: Mg fills all vacancies (0.22 Mg)", 0.0, 0.22, None)]
    for label, li, mg, paper in cases:
        ins = {k: v for k, v in (("Li", li), ("Mg", mg)) if v > 0}
        p = capacity_from_inserted(PAPER_FORMULA, ins, "pristine")
        d = capacity_from_inserted(PAPER_FORMULA, ins, "discharged")
        rows.append({"case": label, "Li": li, "Mg": mg, "electrons_per_formula": p.electrons_per_formula,
                     "capacity_pristine_mAh_g": p.capacity_mAh_g, "capacity_discharged_mAh_g": d.capacity_mAh_g,
                     "paper_value_mAh_g": paper, "site_resolved_formula": str(assign_sites(PAPER_FORMULA, ins))})
    return rows


def _family_figure(rows: list[dict]):
    import matplotlib.pyplot as plt
    from matplotlib.tri import Triangulation

    from dualion.composition import family_formula, site_inventory, theoretical_capacity_mAh_g
    from dualion.plotting import ION_COLOURS, PALETTE

    fig, axes = plt.subplots(1, 3, figsize=(7.2, 2.7), gridspec_kw={"width_ratios": [1.2, 1, 1]})
    # (a) theoretical capacity over the (x, y) triangle
    ax = axes[0]
    x = np.array([r["x"] for r in rows])
    y = np.array([r["y"] for r in rows])
    q = np.array([r["theoretical_capacity_mAh_g"] for r in rows])
    tri = Triangulation(x, y)
    cf = ax.tricontourf(tri, q, levels=np.arange(210, 341, 10), cmap="viridis")
    levels = [250, 275, 300]
    cs = ax.tricontour(tri, q, levels=levels, colors="white", linewidths=0.6)
    # label each contour near the y = 0 edge (Q varies mostly with x + y)
    edge = sorted((r["x"], r["theoretical_capacity_mAh_g"]) for r in rows if r["y"] == 0)
    ex, eq = np.array(edge).T
    manual = [(0.3 * float(np.interp(L, eq[::-1], ex[::-1])), 0.7 * float(np.interp(L, eq[::-1], ex[::-1])))
              for L in levels]
    ax.clabel(cs, fmt="%d", fontsize=6.5, inline_spacing=2, manual=manual)
    cb = fig.colorbar(cf, ax=ax, pad=0.04, fraction=0.07)
    cb.set_label("$Q_\\mathrm{th}$ (mA h g$^{-1}$)")
    cb.set_ticks([220, 260, 300, 340])
    ax.plot([0, 0.5], [0.5, 0], color="0.3", lw=0.8)
    ax.plot(0, 0, marker="*", ms=11, color=PALETTE[4], mec="k", mew=0.5, clip_on=False, zorder=5)
    ax.text(0.035, 0.012, "TiO$_2$", fontsize=7.5, color="k")
    ax.plot(PAPER_X, PAPER_Y, marker="o", ms=6, color=PALETTE[1], mec="k", mew=0.5, zorder=5)
    ax.annotate("paper\n(0.10, 0.12)", (PAPER_X, PAPER_Y), (0.29, 0.3), fontsize=7, color="k",
                arrowprops={"arrowstyle": "-", "color": "0.3", "lw": 0.6})
    ax.set_xlim(0, 0.5)
    ax.set_ylim(0, 0.5)
    ax.set_xticks([0, 0.1, 0.2, 0.3, 0.4, 0.5])
    ax.set_aspect("equal")
    ax.set_xlabel("$x$ (F-compensated □)")
    ax.set_ylabel("$y$ (OH-compensated □)")
    ax.text(0.49, 0.49, "$x+y \\leq 1/2$", fontsize=7, color="0.35", ha="right", va="top")

    # (b) theoretical capacity vs vacancy content for three compensation routes
    ax = axes[1]
    v = np.linspace(0, 0.5, 101)[:-1]
    routes = [("all F ($y$ = 0)", 1.0, PALETTE[2], "-"), ("paper ratio $x:y$ = 10:12", PAPER_X / (PAPER_X + PAPER_Y),
              PALETTE[1], "-"), ("all OH ($x$ = 0)", 0.0, PALETTE[0], "--")]
    for label, fx, colour, ls in routes:
        qq = [theoretical_capacity_mAh_g(family_formula(vi * fx, vi * (1 - fx))) for vi in v]
        ax.plot(v, qq, ls, color=colour, label=label)
    q_paper = theoretical_capacity_mAh_g(family_formula(PAPER_X, PAPER_Y))
    q_tio2 = theoretical_capacity_mAh_g("TiO2")
    ax.plot(PAPER_X + PAPER_Y, q_paper, "o", color=PALETTE[1], mec="k", mew=0.5, zorder=5)
    ax.annotate(f"{q_paper:.0f}", (PAPER_X + PAPER_Y, q_paper), (6, 4), textcoords="offset points", fontsize=7.5)
    ax.plot(0, q_tio2, "*", ms=10, color=PALETTE[4], mec="k", mew=0.5, clip_on=False, zorder=5)
    ax.annotate(f"TiO$_2$ {q_tio2:.1f}", (0, q_tio2), (8, -2), textcoords="offset points", fontsize=7.5)
    ax.set_xlim(0, 0.5)
    ax.set_ylim(180, 350)
    ax.set_xlabel("Ti vacancies $x+y$ (per f.u.)")
    ax.set_ylabel("Theoretical capacity (mA h g$^{-1}$)")
    ax.legend(loc="lower left", fontsize=7, handlelength=1.6)
    ax.set_title("Ti$^{4+}$/Ti$^{3+}$, pristine mass", fontsize=8)

    # (c) site inventory along the paper's compensation ratio
    ax = axes[2]
    fx = PAPER_X / (PAPER_X + PAPER_Y)
    inv = [site_inventory(family_formula(vi * fx, vi * (1 - fx))) for vi in v]
    ti = np.array([i.ti for i in inv])
    vac = np.array([i.ti_vacancies for i in inv])
    b4 = np.array([i.interstitial_4b for i in inv])
    ax.fill_between(v, 0, ti, color="0.78", lw=0, label="Ti$^{4+}$ (4a)")
    ax.fill_between(v, ti, ti + vac, color=PALETTE[5], alpha=0.55, lw=0, label="□ (4a)")
    ax.plot(v, b4, color="k", lw=1.2, ls=":", label="4b interstitials")
    ax.plot(v, 2 * vac, color=ION_COLOURS["Mg"], lw=1.2, label="2 × □ (e, Mg$^{2+}$ in □)")
    ax.plot([PAPER_X + PAPER_Y] * 2, [0, 1.0], color=PALETTE[1], lw=0.8, ls="--")
    ax.text(PAPER_X + PAPER_Y + 0.01, 0.06, "paper", fontsize=7.5, color=PALETTE[1])
    ax.set_xlim(0, 0.5)
    ax.set_ylim(0, 1.6)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0, 1.25])
    ax.set_xlabel("Ti vacancies $x+y$ (per f.u.)")
    ax.set_ylabel("Per formula unit")
    ax.legend(loc="upper center", fontsize=6.5, ncol=2, handlelength=1.4, columnspacing=0.8)
    for lab, a in zip("abc", axes):
        a.text(-0.22 if lab == "a" else -0.2, 1.02, f"({lab})", transform=a.transAxes, ha="left", va="bottom",
               fontweight="bold")
    fig.suptitle("Ti$_{1-x-y}$□$_{x+y}$O$_{2-4(x+y)}$F$_{4x}$(OH)$_{4y}$: theoretical capacity and site inventory",
                 fontsize=8.5, y=0.99)
    fig.tight_layout(w_pad=1.0)
    return fig


def _paper_figure(rows: list[dict], theoretical_e: float, molar_mass: float):
    import matplotlib.pyplot as plt

    from dualion.composition import PAPER_FORMULA, assign_sites, capacity_from_electrons_mAh_g
    from dualion.plotting import ION_COLOURS

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(7.2, 2.9), gridspec_kw={"width_ratios": [1.35, 1]})
    li_c, mg_c = ION_COLOURS["Li"], ION_COLOURS["Mg"]
    # (a) electrons per formula unit, stacked by ion (Li: 1 e each; Mg: 2 e each), with capacity axis
    labels = ["Ti$^{4+}$/Ti$^{3+}$\nlimit", "ICP-AES\n0.47 Li\n0.18 Mg", "site model\n$x$ = 0.30",
              "site model\n$x$ = 0.35", "pure APC\n0.22 Mg"]
    pos = np.arange(len(labels))
    ax.bar(pos[0], theoretical_e, width=0.62, color="0.8", edgecolor="k", lw=0.6)
    for i, r in enumerate(rows[1:], start=1):
        li, mg2 = r["Li"] or 0.0, 2 * (r["Mg"] or 0.0)
        ax.bar(pos[i], li, width=0.62, color=li_c, edgecolor="k", lw=0.6, label="Li$^+$ (1 e each)" if i == 1 else None)
        ax.bar(pos[i], mg2, bottom=li, width=0.62, color=mg_c, edgecolor="k", lw=0.6,
               label="Mg$^{2+}$ (2 e each)" if i == 1 else None)
        ax.text(pos[i], li + mg2 - 0.02, f"{r['electrons_per_formula']:.2f} e\n{r['capacity_pristine_mAh_g']:.0f}",
                ha="center", va="top", fontsize=6.8, color="white", fontweight="bold")
    ax.text(pos[0], theoretical_e - 0.02, f"{theoretical_e:.2f} e\n{rows[0]['capacity_pristine_mAh_g']:.0f}",
            ha="center", va="top", fontsize=6.8, fontweight="bold")
    ax.axhline(theoretical_e, color="0.3", lw=0.8, ls="--", zorder=0)
    e_meas = PAPER_MEASURED_mAh_g / capacity_from_electrons_mAh_g(1.0, molar_mass)
    ax.axhline(e_meas, color=mg_c, lw=0.9, ls=":", zorder=0)
    ax.text(pos[-1] + 0.45, e_meas - 0.012, "measured\n300 mA h g$^{-1}$\n(1.0 M LiCl)", ha="right", va="top",
            fontsize=6.5, color=mg_c)
    ax.set_xticks(pos, labels, fontsize=6.8)
    ax.set_ylabel("Electrons per formula unit")
    ax.set_ylim(0, 1.08)
    ax.set_xlim(-0.5, len(labels) - 0.5)
    sec = ax.secondary_yaxis("right", functions=(lambda e: capacity_from_electrons_mAh_g_arr(e, molar_mass),
                                                   lambda qv: qv / capacity_from_electrons_mAh_g(1.0, molar_mass)))
    sec.set_ylabel("Capacity, pristine mass (mA h g$^{-1}$)")
    ax.tick_params(axis="y", right=False)
    ax.legend(loc="upper center", fontsize=7, ncol=2)
    ax.set_title("Ti$_{0.78}$□$_{0.22}$O$_{1.12}$F$_{0.40}$(OH)$_{0.48}$, M = %.2f g mol$^{-1}$" % molar_mass,
                 fontsize=8)

    # (b) site occupancy of the discharged electrode (vacancy-first assignment)
    states = [("pure APC\n0.22 Mg", {"Mg": 0.22}), ("ICP-AES\n0.47 Li + 0.18 Mg", {"Li": 0.47, "Mg": 0.18})]
    width = 0.36
    for k, (lab, ins) in enumerate(states):
        s = assign_sites(PAPER_FORMULA, ins)
        inv = s.inventory
        x4a, x4b = k - width / 2 - 0.02, k + width / 2 + 0.02
        bottom = 0.0
        for name, val, col, hatch in [("Ti", inv.ti, "0.8", None), ("Mg", s.vacancy_4a.get("Mg", 0.0), mg_c, None),
                                      ("Li", s.vacancy_4a.get("Li", 0.0), li_c, None),
                                      ("□", s.vacancies_left, "white", "///")]:
            if val > 0:
                ax2.bar(x4a, val, width, bottom=bottom, color=col, edgecolor="k", lw=0.6, hatch=hatch)
                if val >= 0.1:
                    ax2.text(x4a, bottom + val / 2, f"{name}\n{val:.2f}", ha="center", va="center", fontsize=6.5,
                             color="k")
                bottom += val
        li4b = s.interstitial_4b.get("Li", 0.0)
        ax2.bar(x4b, li4b, width, color=li_c, edgecolor="k", lw=0.6)
        ax2.bar(x4b, 1.0 - li4b, width, bottom=li4b, color="white", edgecolor="0.6", lw=0.6, hatch="//")
        ax2.bar(x4b, 1.0, width, color="none", edgecolor="k", lw=0.6)
        if li4b > 0:
            ax2.text(x4b, li4b / 2, f"Li\n{li4b:.2f}", ha="center", va="center", fontsize=6.5, color="white")
        ax2.text(x4b, (1.0 + li4b) / 2, f"empty\n{1.0 - li4b:.2f}", ha="center", va="center", fontsize=6.5,
                 bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
        ax2.text(x4a, 1.02, "4a", ha="center", va="bottom", fontsize=7)
        ax2.text(x4b, 1.02, "4b", ha="center", va="bottom", fontsize=7)
        # small 4a insertions (< 0.1 per f.u.) are labelled outside the bar
        y_top = inv.ti
        for ion, n in s.vacancy_4a.items():
            if 0 < n < 0.1:
                seg = inv.ti + sum(v for i2, v in s.vacancy_4a.items() if i2 == "Mg") if ion == "Li" else y_top
                ax2.annotate(f"{ion} {n:.2f}", (x4a - width / 2, seg + n / 2), (x4a - width / 2 - 0.08, seg + n / 2),
                             ha="right", va="center", fontsize=6.5, color=li_c if ion == "Li" else mg_c,
                             arrowprops={"arrowstyle": "-", "lw": 0.5})
    ax2.set_xticks(range(len(states)), [s[0] for s in states], fontsize=6.8)
    ax2.set_xlim(-0.75, len(states) - 0.45)
    ax2.set_ylim(0, 1.12)
    ax2.set_ylabel("Site occupancy (per formula unit)")
    ax2.set_title("Discharged electrode (vacancy-first)", fontsize=8)
    for lab, a in zip("ab", (ax, ax2)):
        a.text(-0.02, 1.03, f"({lab})", transform=a.transAxes, ha="right", va="bottom", fontweight="bold")
    fig.tight_layout(w_pad=1.2)
    return fig


def capacity_from_electrons_mAh_g_arr(e, molar_mass: float):
    """Vectorised e → mA h g-1 (for the secondary axis; accepts arrays and negative axis limits)."""
    from dualion.composition import MAH_PER_MOL_E

    return np.asarray(e, dtype=float) * MAH_PER_MOL_E / molar_mass


def run(out: Path, fast: bool = False) -> list[str]:
    """Write this part's figures and tables into ``out``; return Markdown summary lines."""
    from dualion.composition import PAPER_FORMULA, parse_formula, theoretical_electrons
    from dualion.plotting import figure_style, save_figure, write_table

    out = Path(out)
    fam = family_table(step=0.05 if fast else 0.025)
    pap = paper_table()
    m = parse_formula(PAPER_FORMULA).molar_mass_g_mol
    with figure_style():
        fig1 = _family_figure(fam)
        fig2 = _paper_figure(pap, theoretical_electrons(PAPER_FORMULA), m)
    write_table(fam, out, "composition_family",
                json_payload={"units": {"molar_mass": "g mol-1", "capacity": "mA h g-1 (pristine mass, Ti4+/Ti3+)",
                                        "sites": "per formula unit"}, "rows": fam})
    write_table(pap, out, "paper_capacities",
                json_payload={"formula": PAPER_FORMULA, "molar_mass_g_mol": m,
                              "units": {"capacity": "mA h g-1"},
                              "basis_note": "the paper's 264-284 mA h g-1 is reproduced on the pristine mass",
                              "site_assignment": "vacancy-first, highest charge first (assumption)", "rows": pap})
    save_figure(fig1, out, "composition_family")
    save_figure(fig2, out, "paper_capacities")
    th, icp, s30, s35 = pap[0], pap[1], pap[2], pap[3]
    return [
        f"- {PAPER_FORMULA}: M = {m:.2f} g mol-1; theoretical Ti4+/Ti3+ capacity "
        f"{th['capacity_pristine_mAh_g']:.1f} mA h g-1 (paper: 290); TiO2: "
        f"{fam[0]['theoretical_capacity_mAh_g']:.1f} mA h g-1.",
        f"- ICP-AES 0.47 Li + 0.18 Mg → {icp['electrons_per_formula']:.2f} e per f.u. → "
        f"{icp['capacity_pristine_mAh_g']:.1f} mA h g-1 (pristine mass) / {icp['capacity_discharged_mAh_g']:.1f} "
        f"(discharged mass); sites: {icp['site_resolved_formula']}.",
        f"- Site model x = 0.30–0.35, y = 0.04, z = 0.18 → {s30['capacity_pristine_mAh_g']:.1f}–"
        f"{s35['capacity_pristine_mAh_g']:.1f} mA h g-1 on the pristine mass (paper: 264–284).",
        "- Figures: `composition_family.png` (capacity and site inventory across the (x, y) family), "
        "`paper_capacities.png` (electrons and capacity of the paper's compositions; site occupancy).",
    ]
