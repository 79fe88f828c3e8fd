"""Demo part: galvanostatic dual-ion cell — rate capability (Fig. 2a), inserted Li/Mg vs rate, GITT (Fig. 3a)."""

from __future__ import annotations

from pathlib import Path


def run(out: Path, fast: bool = False) -> list[str]:
    """Write rate-capability and GITT figures/tables and the simulated GITT cycler files into ``out``."""
    from dualion import cell
    from dualion.cell.plots import gitt_table, plot_capacity_vs_rate, plot_gitt, plot_rate_curves, rate_table

    out = Path(out)
    rates = (20.0, 100.0, 1000.0) if fast else cell.PAPER_RATES_MA_G
    points, lines = {}, []
    for licl in (0.2, 1.0):
        p = cell.CellParameters(licl_M=licl)
        pts, results = cell.rate_capability(p, rates)
        label = f"{licl:g} M LiCl"
        points[label] = pts
        plot_rate_curves(results, out, f"rate_curves_{licl:g}M", title=label)
        rate_table(pts, out, f"rate_{licl:g}M")
    plot_capacity_vs_rate(points, out, "capacity_vs_rate")
    lines.append("| LiCl | rate (mA g-1) | discharge (mA h g-1) | x_Li | x_Mg |")
    lines.append("|---|---|---|---|---|")
    for label, pts in points.items():
        for pt in pts:
            lines.append(f"| {label} | {pt.rate_mA_g:g} | {pt.discharge_capacity_mAh_g:.0f} | "
                         f"{pt.x_Li_discharged:.3f} | {pt.x_Mg_discharged:.3f} |")
    gitt_res, gitt_pts = {}, {}
    for licl, label, fname in ((0.2, "APC + 0.2 M LiCl", "gitt_0.2M_LiCl.csv"),
                               (0.0, "APC (Li-free)", "gitt_Li-free.csv")):
        res = cell.simulate_gitt(cell.CellParameters(licl_M=licl), max_pulses=6 if fast else 60)
        gitt_res[label] = res
        gitt_pts[label] = cell.gitt_points(res)
        cell.write_cycler_csv(res, out / fname)
        gitt_table(gitt_pts[label], out, fname.replace(".csv", "_points"))
    plot_gitt(gitt_res, gitt_pts, out, "gitt")
    lines += ["", "Single-particle model (`dualion.cell`, illustrative kinetic parameters, equilibrium from "
              "`paper_model(width_factor=4)`): capacity falls with rate and the inserted ions become Li-rich "
              "because D_Li ≫ D_Mg (paper Fig. 2c).",
              f"Simulated GITT (10 mA g-1 × 1 h, 10 h rest; plain cycler CSV for `dualion echem gitt`): "
              f"`gitt_0.2M_LiCl.csv` ({len(gitt_pts['APC + 0.2 M LiCl'])} pulses), "
              f"`gitt_Li-free.csv` ({len(gitt_pts['APC (Li-free)'])} pulses); figures `capacity_vs_rate`, `gitt`."]
    return lines
