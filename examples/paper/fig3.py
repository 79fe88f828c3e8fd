"""Fig. 3a — GITT during the first discharge with (APC + LiCl) and without (APC) lithium: E_eq, the
potential at the end of each pulse and the overpotential η = E(end of pulse) − E_eq.

Two sources, analysed identically with `dualion.echem.gitt` (the paper's protocol: −10 mA g-1 for
1 h, 10 h rest): SYNTHETIC records with known D and R, and the galvanostatic cell model's simulated
GITT at 0.2 M LiCl and Li-free (paper parameter set). (Fig. 3b, ICP during the first cycle: the model's x_Li/x_Mg vs Q are
in fig1/model_*/; Fig. 3c, PDF: see examples/paper/README.md.)
Run: python examples/paper/fig3.py --out fig3
"""

from pathlib import Path

import numpy as np

from dualion import echem
from dualion.composition import PAPER_FORMULA, parse_formula
from dualion.echem.gitt import GITTGeometry, analyse_gitt_data, plot_gitt, synthetic_gitt, write_plain_csv
from dualion import cell
from dualion.model.paper_set import defective_model
from dualion.plotting import figure_style, mark_synthetic, save

MASS_MG, RADIUS_UM = 1.6, 10.0
M = parse_formula(PAPER_FORMULA).molar_mass_g_mol


def _analyse(files, geom, out, stem, synthetic_label):
    recs = [analyse_gitt_data(echem.read(f), geom, label=lab, source=f.name) for f, lab in files]
    with figure_style():
        fig = plot_gitt(recs, voltage_label="Voltage vs Mg$^{2+}$/Mg (V)")
        mark_synthetic(fig, synthetic_label)
        table = [{"record": r.label, **row} for r in recs for row in r.to_frame().to_dict(orient="records")]
        save(fig, out, stem, data=table, json_payload={"records": [r.as_dict() for r in recs]})
    return recs


def main(out: Path, fast: bool = False) -> list[str]:
    out = Path(out)
    # synthetic records: with Li (D = 2e-11 cm2 s-1, 800 Ω) and Li-free (D falling to 1e-12, 2 kΩ)
    li = synthetic_gitt(n_pulses=28, mass_mg=MASS_MG, E0_V=1.65, E_end_V=0.35, R_ohm=800.0, D_cm2_s=2e-11,
                        radius_um=RADIUS_UM, noise_V=0.0002, seed=2)
    noli = synthetic_gitt(n_pulses=15, mass_mg=MASS_MG, E0_V=1.55, E_end_V=0.45, R_ohm=2000.0,
                          D_cm2_s=np.geomspace(2e-11, 1e-12, 15), radius_um=RADIUS_UM, noise_V=0.0002, seed=3)
    files = []
    for name, s, lab in (("synthetic_gitt_li.csv", li, "APC + LiCl"), ("synthetic_gitt_noli.csv", noli, "APC")):
        write_plain_csv(out / name, s.time_s, s.voltage_V, s.current_mA,
                        header=[f"mass_mg={MASS_MG}", "reference=Mg", "source=dualion.echem.gitt.synthetic_gitt",
                                f"SYNTHETIC GITT: -10 mA/g for 1 h then 10 h rest; spheres of radius {RADIUS_UM:g} um"])
        files.append((out / name, lab))
    geom = GITTGeometry(mass_mg=MASS_MG, molar_mass_g_mol=M, radius_um=RADIUS_UM)
    recs = _analyse(files, geom, out, "fig3a_gitt_synthetic", "synthetic data")
    lines = ["SYNTHETIC GITT records (known inputs):", "",
             "| record | pulses | x at end | max abs(η) (mV) | D recovered / D input (median) | D valid |",
             "|---|---|---|---|---|---|"]
    for r, s in zip(recs, (li, noli)):
        D = np.array([p.D_cm2_s for p in r.pulses], dtype=float)
        lines.append(f"| {r.label} | {len(r.pulses)} | {r.pulses[-1].x_per_fu:.3f} | "
                     f"{max(abs(p.eta_V) for p in r.pulses) * 1000:.0f} | {np.median(D / s.D_cm2_s[:D.size]):.3f} | "
                     f"{sum(p.D_valid for p in r.pulses)}/{len(r.pulses)} |")
    # the cell model's simulated GITT, written as cycler files and analysed like measured data
    files = []
    eq = defective_model()                  # the paper parameter set (equilibrium + fitted kinetics)
    for licl, lab, name in ((0.2, "APC + 0.2 M LiCl (model)", "model_gitt_0.2M_LiCl.csv"),
                            (0.0, "APC (model)", "model_gitt_Li-free.csv")):
        cell.write_cycler_csv(cell.simulate_gitt(cell.CellParameters.paper(licl_M=licl), equilibrium=eq,
                                                 max_pulses=6 if fast else 60), out / name)
        files.append((out / name, lab))
    p = cell.CellParameters.paper()
    recs = _analyse(files, GITTGeometry(mass_mg=p.mass_mg, molar_mass_g_mol=M, radius_um=p.radius_um), out,
                    "fig3a_gitt_model", "simulated (cell model)")
    lines += ["", "Cell model (paper parameter set), simulated GITT analysed with `dualion echem gitt`; the paper "
              "reports no GITT numbers, only the lower polarisation with Li (model vs paper: `model_vs_paper/`):", "",
              "| record | pulses (truncated) | x at end | max abs(η), full pulses (mV) | E_eq first → last (V vs Mg) |",
              "|---|---|---|---|---|"]
    for r in recs:
        full = [q for q in r.pulses if not q.truncated] or list(r.pulses)
        lines.append(f"| {r.label} | {len(r.pulses)} ({sum(q.truncated for q in r.pulses)}) | {r.pulses[-1].x_per_fu:.3f}"
                     f" | {max(abs(q.eta_V) for q in full) * 1000:.0f} | {r.pulses[0].E_eq_V:.3f} → "
                     f"{r.pulses[-1].E_eq_V:.3f} |")
    return lines


if __name__ == "__main__":
    from dualion.demo import script_main

    script_main(main, __doc__, "fig3")
