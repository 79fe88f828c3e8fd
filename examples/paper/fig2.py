"""Fig. 2 — (a) rate capability, (b) long cycling at 1000 mA g-1, (c) Li and Mg contents of discharged
electrodes as electrons and capacity.

(a, b) analyse SYNTHETIC cycler records (the paper's files are not public) with `dualion.echem`, and
(a) also the galvanostatic single-particle cell model at 0.2 and 1 M LiCl (paper parameter set) with the\nmeasured reversible capacities; (c) recomputes the paper's
ICP-AES uptakes and site-model range with `dualion.composition`, plus the (x, y) defect family.
Run: python examples/paper/fig2.py --out fig2
"""

from pathlib import Path

from dualion import echem
from dualion.composition import PAPER_FORMULA, parse_formula, theoretical_electrons
from dualion.composition.plots import family_figure, paper_figure
from dualion.composition.report import family_table, paper_table
from dualion.echem import plots, synthetic
from dualion import cell
from dualion.core import paper
from dualion.model.paper_set import defective_model
from dualion.cell.plots import plot_capacity_vs_rate, plot_rate_curves, rate_records
from dualion.plotting import figure_style, mark_synthetic, save


def _measured_rate_markers(ax, points) -> None:
    """The model's charge (reversible) capacity, thin dotted, and the paper's reversible capacities of Fig. 2a
    (dualion.core.paper) as "measured (paper)" markers."""
    from dualion.plotting import PALETTE, legend_outside

    for k, (label, pts) in enumerate(points.items()):
        ax.plot([p.rate_mA_g for p in pts], [p.charge_capacity_mAh_g for p in pts], ls=":", lw=1.0, marker="o",
                ms=3, mfc="white", color=PALETTE[k % len(PALETTE)], label=label.replace("(model)", "charge (model)"))
    for licl, color in ((0.2, PALETTE[0]), (1.0, PALETTE[1])):          # the colours of the model lines
        rq = sorted((r, q) for (c, r), q in paper.MEASURED_RATE_CAPACITY_MAH_G.items() if c == licl)
        ax.plot([r for r, _ in rq], [q for _, q in rq], ls="none", marker="D", ms=5.5, mfc="white", mew=1.4,
                color=color, zorder=5, label=f"measured (paper): {licl:g} M reversible")
    legend_outside(ax, "below", ncol=2, fontsize=6)


def main(out: Path, fast: bool = False) -> list[str]:
    out = Path(out)
    n_long = 100 if fast else 400
    sc = synthetic.SyntheticCell()
    rate_f = synthetic.write_csv(out / "synthetic_rate_test.csv", sc, synthetic.rate_schedule(cycles_per_rate=5),
                                 points_per_half=200)
    long_f = synthetic.write_csv(out / "synthetic_long_cycling.csv", sc, [1000.0] * n_long, points_per_half=60,
                                 rest_points=2, rest_s=120.0)
    sums = {}
    for key, f in (("rate", rate_f), ("long", long_f)):
        d = echem.read(f)
        sums[key] = echem.cycles.summarise(d, echem.segment.half_cycles(d))
    with figure_style():
        for stem, fig, table in (("fig2a_rate_capability", plots.plot_rate_capability(sums["rate"]),
                                  [r.to_dict() for r in sums["rate"].rates]),
                                 ("fig2b_long_cycling", plots.plot_cycling(
                                     sums["long"], title=f"1000 mA g$^{{-1}}$, {n_long} cycles"), sums["long"].table())):
            mark_synthetic(fig)
            save(fig, out, stem, data=table)
        m = parse_formula(PAPER_FORMULA).molar_mass_g_mol
        pap, fam = paper_table(), family_table(step=0.05 if fast else 0.025)
        save(paper_figure(pap, theoretical_electrons(PAPER_FORMULA), m, PAPER_FORMULA), out, "fig2c_paper_capacities",
             data=pap, json_payload={"formula": PAPER_FORMULA, "molar_mass_g_mol": m, "units": {"capacity": "mA h g-1"},
                                     "site_assignment": "vacancy-first, highest charge first (assumption)", "rows": pap})
        save(family_figure(fam), out, "composition_family", data=fam)
    last = sums["long"].cycles[-1]
    lines = ["(a, b) SYNTHETIC cells (`dualion.echem.synthetic`), analysed with `dualion echem`:", "",
             "| current density (mA g-1) | cycles | discharge (mA h g-1) | charge (mA h g-1) | CE (%) |",
             "|---:|---:|---:|---:|---:|"]
    lines += [f"| {b.rate:.0f} | {b.first_cycle}–{b.last_cycle} | {b.discharge_mean:.1f} | {b.charge_mean:.1f} | "
              + ("–" if b.ce_mean_pct is None else f"{b.ce_mean_pct:.1f}") + " |" for b in sums["rate"].rates]
    lines += ["", f"- Long cycling: retention {last.retention_pct:.1f} % after {last.number} cycles (paper: > 90 % "
              "after 400)."]
    th, icp, s30, s35 = pap[:4]
    lines += [f"- (c) {PAPER_FORMULA}: M = {m:.2f} g mol-1, Ti4+/Ti3+ limit {th['capacity_pristine_mAh_g']:.1f} "
              f"mA h g-1 (paper: 290); ICP 0.47 Li + 0.18 Mg → {icp['electrons_per_formula']:.2f} e → "
              f"{icp['capacity_pristine_mAh_g']:.1f} mA h g-1 ({icp['site_resolved_formula']}); site model "
              f"{s30['capacity_pristine_mAh_g']:.1f}–{s35['capacity_pristine_mAh_g']:.1f} (paper: 264–284)."]
    # (a) the galvanostatic cell model: capacity and inserted Li/Mg vs rate
    rates = (20.0, 100.0, 1000.0) if fast else cell.PAPER_RATES_MA_G
    points = {}
    eq = defective_model()                  # the paper parameter set (equilibrium + fitted kinetics)
    with figure_style():
        for licl in (0.2, 1.0):
            pts, results = cell.rate_capability(cell.CellParameters.paper(licl_M=licl), rates, equilibrium=eq)
            points[f"{licl:g} M LiCl (model)"] = pts
            rows, payload = rate_records(pts)
            fig = plot_rate_curves(results, title=f"{licl:g} M LiCl (model)")
            mark_synthetic(fig, "simulated (cell model)")
            save(fig, out, f"model_rate_curves_{licl:g}M", data=rows, json_payload=payload)
        fig = plot_capacity_vs_rate(points)
        _measured_rate_markers(fig.axes[0], points)
        fig.axes[0].set_ylabel("Capacity (mA h g$^{-1}$)")
        fig.supxlabel(" ", fontsize=7)      # room below the legends for the "simulated" stamp
        mark_synthetic(fig, "simulated (cell model)")
        save(fig, out, "fig2a_model_capacity_vs_rate",
             data=[{"electrolyte": k, **r} for k, pts in points.items() for r in rate_records(pts)[0]])
    lines += ["", "(a) cell model, paper parameter set (`CellParameters.paper()`: kinetics fitted to Fig. 2a/2c, Li+ "
              "transport in the electrolyte); markers in `fig2a_model_capacity_vs_rate`: the paper's reversible "
              "capacities (Fig. 2a). Model vs measured in detail: `model_vs_paper/`.", "",
              "| LiCl | rate (mA g-1) | discharge (mA h g-1) | charge (mA h g-1) | measured reversible (mA h g-1) | x_Li "
              "| x_Mg |", "|---|---|---|---|---|---|---|"]
    meas = paper.MEASURED_RATE_CAPACITY_MAH_G
    lines += [f"| {lab} | {p.rate_mA_g:g} | {p.discharge_capacity_mAh_g:.0f} | {p.charge_capacity_mAh_g:.0f} | "
              + (f"{meas[p.licl_M, p.rate_mA_g]:.0f}" if (p.licl_M, p.rate_mA_g) in meas else "–")
              + f" | {p.x_Li_discharged:.3f} | {p.x_Mg_discharged:.3f} |" for lab, pts in points.items() for p in pts]
    return lines


if __name__ == "__main__":
    from dualion.demo import script_main

    script_main(main, __doc__, "fig2")
