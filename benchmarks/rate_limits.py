"""What limits the 0.2 M LiCl cell at high rate (issue 13, rate experiment): order-of-magnitude table + model runs.

Run: PYTHONPATH=src .venv/bin/python benchmarks/rate_limits.py [--out benchmarks/RESULTS_rate_limits.md] [--quick]

1. Li+ transport in the electrolyte: the cell's current per geometric area at each rate (active loading 1.6 mg cm-2:
   the paper's 2 mg cm-2 × 80 wt.%) against the diffusion-limited current zFD_eff c/L of Li+ across the GF/D
   separator (675 µm, ε = 0.9 assumed, Bruggeman D_eff = D ε^1.5), Sand's time against the discharge time, and the
   Li+ held in the separator pores against the Li the electrode takes.
2. Mg2+ (and Li) solid-state diffusion: R²/D against the discharge time.
3. Charge transfer: the Butler–Volmer overpotential (k_BT/(αze))·asinh(i/(2 i0)) at the particle current density.
4. Model runs at 1000 mA g-1 (paper parameter set): capacity with each process removed in turn (×100 faster).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import platform
import time
from datetime import datetime, timezone

LINES: list[str] = []


def out(line: str = "") -> None:
    LINES.append(line)
    print(line, flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    ap.add_argument("--quick", action="store_true", help="skip the model runs (table 4)")
    args = ap.parse_args()
    t_start = time.perf_counter()

    from dualion.cell import CellParameters
    from dualion.cell import electrolyte as el
    from dualion.cell.kinetics import thermal_f
    from dualion.model import paper_set as ps

    p2 = CellParameters.paper(licl_M=0.2, electrolyte_transport=True)
    rates = (20.0, 100.0, 1000.0)
    out("# What limits the 0.2 M cell at high rate (benchmarks/rate_limits.py)\n")
    out(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {platform.node()} ({os.cpu_count()} cores), load "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    out("Parameters (paper set, `dualion.model.paper_set`): "
        f"R = {p2.radius_um * 1e3:g} nm, D_Li = {p2.D_Li_cm2_s:.3g}, D_Mg = {p2.D_Mg_cm2_s:.3g} cm2 s-1, "
        f"j0_Li = {p2.j0_Li_mA_cm2:.3g}, j0_Mg = {p2.j0_Mg_mA_cm2:.3g} mA cm-2 (particle area), "
        f"D(Li+, electrolyte) = {p2.D_Li_electrolyte_cm2_s:.3g} cm2 s-1, separator {p2.separator_um:g} µm, "
        f"ε = {p2.separator_porosity:g}, active loading {p2.loading_mg_cm2:g} mg cm-2.\n")

    # 1. electrolyte
    L = p2.separator_um * 1e-4
    out("## 1. Li+ transport across the separator (supporting-electrolyte limit)\n")
    out("| D(Li+) cm2 s-1 | LiCl (M) | i_lim = F D_eff c/L (mA cm-2) | Li current at 1000 mA g-1 (mA cm-2) | ratio | "
        "Sand time (s) | discharge time to 200 mA h g-1 (s) |")
    out("|---|---|---|---|---|---|---|")
    li_frac_charge = 0.8   # Li share of the charge at 1000 mA g-1 (model: x_Li/(x_Li + 2 x_Mg) ≈ 0.8)
    i_geo = el.geometric_current_A_cm2(1000.0, p2.loading_mg_cm2)
    for D in (2e-6, 5e-6, 1e-5):
        Deff = el.effective_diffusivity_cm2_s(D, p2.separator_porosity)
        for c in (0.2, 1.0):
            ilim = el.limiting_current_A_cm2(Deff, c, L)
            ili = li_frac_charge * i_geo
            ts = el.sand_time_s(Deff, p2.separator_porosity, c, ili)
            out(f"| {D:.0e} | {c:g} | {1e3 * ilim:.2f} | {1e3 * ili:.2f} | {ili / ilim:.2f} | {ts:.0f} | "
                f"{3.6 * 200 / 1000 * 1e3:.0f} |")
    inv = p2.separator_porosity * L * 0.2e-3 * 96485.33 / 3.6       # mA h cm-2 of Li+ in the pores at 0.2 M
    need = 0.45 * p2.capacity_mAh_g(1.0) * p2.loading_mg_cm2 * 1e-3  # 0.45 Li per fu
    out(f"\nLi+ held in the separator pores at 0.2 M: {inv:.3f} mA h cm-2; the electrode takes 0.45 Li per fu = "
        f"{need:.3f} mA h cm-2 ({100 * need / inv:.0f} % of it): at 0.2 M the pores alone cannot feed a fast "
        f"discharge; the 400 µL reservoir holds {ps.value('electrolyte_volume_uL') * 0.2e-6 * 96485.33 / 3.6:.2f} "
        f"mA h ({100 * need * math.pi * 0.25 / (ps.value('electrolyte_volume_uL') * 0.2e-6 * 96485.33 / 3.6):.0f} % "
        "taken by a 10 mm electrode): the bulk stays within ~10 % of 0.2 M.")
    out("Cell current per geometric area: " + ", ".join(
        f"{r:g} mA g-1 → {1e3 * el.geometric_current_A_cm2(r, p2.loading_mg_cm2):.3g} mA cm-2" for r in rates) + "\n")

    # 2. solid diffusion
    R = p2.radius_um * 1e-4
    out("## 2. Solid-state diffusion: R²/D against the discharge time\n")
    out("| ion | D (cm2 s-1) | R²/D (s) | t(200 mA h g-1) at 20 / 100 / 1000 mA g-1 (s) |")
    out("|---|---|---|---|")
    for ion, D in (("Li", p2.D_Li_cm2_s), ("Mg", p2.D_Mg_cm2_s)):
        out(f"| {ion} | {D:.3g} | {R * R / D:.3g} | " + " / ".join(f"{720e3 / r:.0f}" for r in rates) + " |")

    # 3. charge transfer
    out("\n## 3. Charge transfer (Butler–Volmer at the particle surface, half filling)\n")
    out("| ion | j0 (mA cm-2) | i at 20 / 100 / 1000 mA g-1 if it carries all (mA cm-2) | η (mV) |")
    out("|---|---|---|---|")
    f = thermal_f(p2.T_K)
    for ion, z, j0 in (("Li", 1, p2.j0_Li_mA_cm2), ("Mg", 2, p2.j0_Mg_mA_cm2)):
        ii = [r * 1e-3 / p2.specific_area_cm2_g * 1e3 for r in rates]
        eta = [1e3 * math.asinh(i / (2 * j0)) / (0.5 * z * f) for i in ii]
        out(f"| {ion} | {j0:.3g} | " + " / ".join(f"{i:.3g}" for i in ii) + " | " +
            " / ".join(f"{e:.0f}" for e in eta) + " |")

    if not args.quick:
        from dualion import cell

        eq = ps.defective_model()
        out("\n## 4. Model at 1000 mA g-1: capacity with one process made 100× faster\n")
        out("| case | 0.2 M (mA h g-1) | x_Li / x_Mg | min c(Li+) at the electrode (M) | 1 M (mA h g-1) | x_Li / x_Mg |")
        out("|---|---|---|---|---|---|")
        cases = [("paper set (electrolyte transport on)", {}),
                 ("no electrolyte transport", {"electrolyte_transport": False}),
                 ("D(Li+, electrolyte) × 100", {"D_Li_electrolyte_cm2_s": 100 * p2.D_Li_electrolyte_cm2_s}),
                 ("D_Mg × 100", {"D_Mg_cm2_s": 100 * p2.D_Mg_cm2_s}),
                 ("D_Li × 100", {"D_Li_cm2_s": 100 * p2.D_Li_cm2_s}),
                 ("j0_Mg × 100", {"j0_Mg_mA_cm2": 100 * p2.j0_Mg_mA_cm2}),
                 ("j0_Li × 100", {"j0_Li_mA_cm2": 100 * p2.j0_Li_mA_cm2})]
        for name, ch in cases:
            cells = []
            for c in (0.2, 1.0):
                pc = dataclasses.replace(p2, licl_M=c, **ch)
                res = cell.discharge(pc, 1000.0, equilibrium=eq)
                pt = cell.summarize(res)
                cells.append((pt, float(res.c_Li_electrode_M.min())))
            (a, ca), (b, _) = cells
            out(f"| {name} | {a.discharge_capacity_mAh_g:.1f} | {a.x_Li_discharged:.3f} / {a.x_Mg_discharged:.3f} | "
                f"{ca:.3f} | {b.discharge_capacity_mAh_g:.1f} | {b.x_Li_discharged:.3f} / {b.x_Mg_discharged:.3f} |")
        out("\n## 5. Sensitivity to the assumed D(Li+) in the electrolyte (not determined by the rate data)\n")
        out("| D(Li+) (cm2 s-1) | 0.2 M at 1000 mA g-1 (mA h g-1) | min c0 (M) | 1 M (mA h g-1) | 1 M − 0.2 M |")
        out("|---|---|---|---|---|")
        for D in (2e-6, 5e-6, 1e-5, 2e-5):
            q = {}
            for c in (0.2, 1.0):
                res = cell.discharge(dataclasses.replace(p2, licl_M=c, D_Li_electrolyte_cm2_s=D), 1000.0, equilibrium=eq)
                q[c] = (cell.summarize(res).discharge_capacity_mAh_g, float(res.c_Li_electrode_M.min()))
            out(f"| {D:.0e} | {q[0.2][0]:.1f} | {q[0.2][1]:.3f} | {q[1.0][0]:.1f} | {q[1.0][0] - q[0.2][0]:.1f} |")
    out(f"\n{time.perf_counter() - t_start:.0f} s")
    if args.out:
        from dualion.io.atomic import atomic_write_text

        atomic_write_text(args.out, "\n".join(LINES) + "\n")


if __name__ == "__main__":
    main()
