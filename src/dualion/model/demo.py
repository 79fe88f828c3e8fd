"""Demo part of dualion.model (equilibrium): curves vs LiCl, end-of-discharge Li/Mg vs the paper's ICP,
Monte Carlo cross-check, and the fit to the paper's targets (see :mod:`dualion.demo`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dualion.core import paper

ELECTROLYTE_UL = paper.ELECTROLYTE_VOLUME_UL   # the paper's Swagelok cells (Experimental)
MASS_MG = paper.ACTIVE_MASS_MG                 # ASSUMED electrode diameter: see dualion.core.paper


def _mc_figure(out: Path) -> tuple[list[dict], list[Path]]:
    import matplotlib.pyplot as plt

    from dualion.model.equilibrium import EquilibriumModel, SiteType
    from dualion.model.montecarlo import run_gcmc
    from dualion.plotting import ION_COLOURS, figure_style, save_figure, write_table

    site = SiteType("site", 1.0, (("Li", {"Li": 1}, -1.5, 1), ("Mg", {"Mg": 1}, -2.2, 1)))
    model = EquilibriumModel([site], n_redox_per_fu=None)
    mus = np.linspace(-1.62, -1.38, 7)
    rows = []
    for J in (0.0, 0.03):
        for m in mus:
            dmu = {"Li": float(m), "Mg": -1.12}
            r = run_gcmc(site, dmu, shape=(8, 8, 8), interactions={"Li-Li": J, "Li-Mg": J, "Mg-Mg": J},
                         n_sweeps=300, n_equil=80, seed=7)
            rows.append({"J_eV": J, "dmu_Li_eV_per_charge": float(m), "dmu_Mg_eV_per_charge": -1.12,
                         "mc_x_Li": r.x["Li"], "mc_x_Li_stderr": r.stderr["Li"], "mc_x_Mg": r.x["Mg"],
                         "mc_x_Mg_stderr": r.stderr["Mg"], "independent_x_Li": float(model.uptake(dmu)["Li"]),
                         "independent_x_Mg": float(model.uptake(dmu)["Mg"]), "sweeps_per_s": r.sweeps_per_s})
    paths = write_table(rows, out, "mc_crosscheck")
    with figure_style():
        fig, ax = plt.subplots(figsize=(3.4, 2.6))
        grid = np.linspace(mus[0], mus[-1], 200)
        u = model.uptake({"Li": grid, "Mg": np.full_like(grid, -1.12)})
        for ion in ("Li", "Mg"):
            ax.plot(grid, u[ion], color=ION_COLOURS[ion], label=f"{ion}, independent sites")
            for J, mk in ((0.0, "o"), (0.03, "s")):
                sel = [r for r in rows if r["J_eV"] == J]
                ax.errorbar([r["dmu_Li_eV_per_charge"] for r in sel], [r[f"mc_x_{ion}"] for r in sel],
                            yerr=[2 * r[f"mc_x_{ion}_stderr"] for r in sel], fmt=mk, ms=3.5, mfc="white",
                            color=ION_COLOURS[ion], label=f"{ion}, MC J = {J:g} eV")
        ax.set_xlabel("Δμ$_\\mathrm{Li}$ (eV per charge)")
        ax.set_ylabel("Occupancy (per site)")
        ax.legend(fontsize=6)
        fig.tight_layout()
        paths += save_figure(fig, out, "mc_crosscheck")
    return rows, paths


def run(out: Path, fast: bool = False) -> list[str]:
    """Write this part's figures and tables into ``out``; return Markdown summary lines."""
    from dualion.model.builders import paper_model
    from dualion.model.fit import fit_targets, load_targets, paper_targets_path, residual_table_markdown, write_fit_outputs
    from dualion.model.report import compute_curves, write_curve_outputs

    out = Path(out)
    lines = ["Independent-site Li/Mg insertion with the Ti4+/Ti3+ electron limit (η), 25 °C, ΔE_ref = 0.74 V, "
             f"finite electrolyte {ELECTROLYTE_UL:g} µL with {MASS_MG:g} mg active material (assumed).", ""]
    variants = [("fig6_sites", "interstitial 4b + [V_Ti+4F_O] vacancies (public DFT)", {}),
                ("anions_pairs", "vacancies split by F/OH environment + 30 % vacancy pairs",
                 {"split_anions": True, "pair_fraction": 0.3})]
    for sub, title, kw in variants:
        model = paper_model(**kw)
        cs = compute_curves(model, n=231 if fast else 461, electrolyte_uL=ELECTROLYTE_UL, mass_mg=MASS_MG)
        write_curve_outputs(cs, out / sub)
        lines += [f"**{title}** (`{sub}/`): end of discharge at 0.05 V vs Mg", "",
                  "| LiCl (M) | x_Li | x_Mg | Li/Mg | Q (mA h g-1) | main dQ/dV peak (V) | paper ICP Li / Mg |",
                  "|---|---|---|---|---|---|---|"]
        for r in cs.endpoints():
            icp = (f"{r['paper_ICP_x_Li']:.2f} / {r['paper_ICP_x_Mg']:.2f}"
                   if np.isfinite(r["paper_ICP_x_Mg"]) else "")
            lines.append(f"| {r['licl_M']:g} | {r.get('x_Li', 0):.3f} | {r.get('x_Mg', 0):.3f} | {r['Li_to_Mg']:.2f} | "
                         f"{r['Q_mAh_g']:.1f} | {r['main_peak_V']:.3f} | {icp} |")
        lines.append("")
    rows, _ = _mc_figure(out / "montecarlo")
    dev = max(abs(r["mc_x_Li"] - r["independent_x_Li"]) / max(r["mc_x_Li_stderr"], 1e-12)
              for r in rows if r["J_eV"] == 0)
    lines += [f"Monte Carlo cross-check (`montecarlo/`, 8³ lattice): with J = 0 the largest deviation from the "
              f"independent-site occupancy is {dev:.1f} standard errors; J = 0.03 eV repulsion lowers the uptake.", ""]
    spec = load_targets(paper_targets_path())
    if fast:
        spec = spec.model_copy(update={"n_voltages": 231})
    res = fit_targets(spec)
    write_fit_outputs(res, spec, out / "fit")
    lines += ["**Fit to the paper's targets** (`fit/`; `dualion fit paper`):", "", *residual_table_markdown(res), ""]
    lines += [f"- {n}" for n in res.notes]
    return lines
