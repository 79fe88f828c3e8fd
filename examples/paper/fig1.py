"""Fig. 1 — discharge–charge curves (a, c) and dQ/dV (b, d) vs LiCl concentration.

The paper's cycler files are not public, so (a) and (b) analyse documented SYNTHETIC records with
`dualion.echem` exactly as measured data; (c) and (d) are the equilibrium model's curves V(Q) and
−dQ/dV at 0–1 M LiCl, 25 °C: the paper parameter set and two bare public-DFT variants.
Run: python examples/paper/fig1.py --out fig1
"""

from pathlib import Path

from dualion import echem
from dualion.echem import plots, synthetic
from dualion.echem.dqdv import dqdv, plot_dqdv
from dualion.echem.gitt import write_plain_csv
from dualion.core import paper
from dualion.model import paper_set as ps
from dualion.model.builders import paper_model
from dualion.model.paper_set import defective_model
from dualion.model.report import compute_curves, write_curve_outputs
from dualion.plotting import figure_style, mark_synthetic, save

ELECTROLYTE_UL, MASS_MG = paper.ELECTROLYTE_VOLUME_UL, paper.ACTIVE_MASS_MG   # 400 µL; 1.26 mg (assumed diameter)


def main(out: Path, fast: bool = False) -> list[str]:
    out = Path(out)
    # (a) synthetic Mg || Ti0.78□0.22O1.12F0.40(OH)0.48 cell at 20 mA g-1, after two activation cycles
    cell = synthetic.SyntheticCell()
    f = synthetic.write_csv(out / "synthetic_rate_test.csv", cell, synthetic.rate_schedule(cycles_per_rate=5),
                            points_per_half=200)
    data = echem.read(f)
    s = echem.cycles.summarise(data, echem.segment.half_cycles(data))
    with figure_style():
        fig = plots.plot_voltage_capacity(data, s, [3, 4, 5], title="20 mA g$^{-1}$, cycles 3–5")
        mark_synthetic(fig)
        save(fig, out, "fig1a_voltage_capacity", data=plots.curves(data, s, [3, 4, 5]))
    # (b) dQ/dV of a synthetic record with features at 0.77 and 1.00 V vs Mg2+/Mg
    t, v, i, cyc = synthetic.synthetic_cycling(n_cycles=3 if fast else 5)
    write_plain_csv(out / "synthetic_cycling.csv", t, v, i, step=cyc,
                    header=["mass_mg=1.6", "reference=Mg", "source=dualion.echem.synthetic.synthetic_cycling",
                            "SYNTHETIC: dQ/dV features at 0.77 V and 1.00 V vs Mg, 50 mV polarisation"])
    rec = echem.read(out / "synthetic_cycling.csv")
    res = dqdv(rec, echem.segment.half_cycles(rec), step_V=0.002, smooth_V=0.01)
    with figure_style():
        fig = plot_dqdv(res, voltage_label="Voltage vs Mg$^{2+}$/Mg (V)")
        mark_synthetic(fig)
        save(fig, out, "fig1b_dqdv", data=res.peaks_frame())
    lines = ["(a, b) SYNTHETIC records analysed with `dualion echem` (figures stamped 'synthetic data'). dQ/dV "
             "peaks (σ = 10 mV; expected discharge 0.72 / 0.95 V, charge 0.82 / 1.05 V):", "",
             "| cycle | direction | peak V | height (mA h g⁻¹ V⁻¹) |", "|---|---|---|---|"]
    lines += [f"| {p.cycle} | {p.direction} | {p.voltage_V:.3f} | {p.height_mAh_per_g_V:.0f} |"
              for p in res.peaks if p.cycle in (1, 2)]
    # (c, d) equilibrium model vs LiCl (curves, per-site occupancy, −dQ/dV; uptake vs LiCl for Fig. 2c)
    for sub, title, model, ekw in [
            ("model_paper_set", "paper parameter set (fitted disorder, pairs, ν, ΔE_ref; the default of "
             "`dualion model curve`; vs the measured numbers: `model_vs_paper/`)", defective_model(),
             {"delta_e_ref_V": ps.value("delta_e_ref_V"), "activity_exponent": ps.value("activity_exponent")}),
            ("model_fig6_sites", "interstitial 4b + [V_Ti+4F_O] (public DFT)", paper_model(), {}),
            ("model_anions_pairs", "F/OH-resolved vacancies + 30 % vacancy pairs (public DFT)",
             paper_model(split_anions=True, pair_fraction=0.3), {})]:
        cs = compute_curves(model, n=231 if fast else 461, electrolyte_uL=ELECTROLYTE_UL, mass_mg=MASS_MG, **ekw)
        write_curve_outputs(cs, out / sub)
        lines += ["", f"(c, d) model, {title} (`{sub}/`), end of discharge at 0.05 V vs Mg:", "",
                  "| LiCl (M) | x_Li | x_Mg | Q (mA h g-1) | main dQ/dV peak (V) |", "|---|---|---|---|---|"]
        lines += [f"| {r['licl_M']:g} | {r.get('x_Li', 0):.3f} | {r.get('x_Mg', 0):.3f} | {r['Q_mAh_g']:.1f} | "
                  f"{r['main_peak_V']:.3f} |" for r in cs.endpoints()]
    return lines


if __name__ == "__main__":
    from dualion.demo import script_main

    script_main(main, __doc__, "fig1")
