"""Fig. 6 — lowest-energy insertion products vs (Δμ_Li, Δμ_Mg): (a) interstitial site of stoichiometric
anatase, (b) single [V_Ti + 4F_O] vacancy, (c) paired vacancy, with discharge paths at 0–1 M LiCl; the
insertion energies of the whole public DFT set; and (Fig. 6c analogue) the paired vacancy computed with
CHGNet (raw, DFT-calibrated) next to the paper's thresholds, with the calibration parity plot.
Unless --fast, a live offline CHGNet relaxation shows the engine runs.
Run: python examples/paper/fig6.py --out fig6
"""

from pathlib import Path

from dualion.engines.bundled import BUNDLED_PAIRED, calibration_points, sequential_rows
from dualion.engines.plots import parity_plot
from dualion.plotting import figure_style, save, write_table
from dualion.thermo import discharge_paths, phase_diagram
from dualion.thermo.energies import insertion_table
from dualion.thermo.models import CITATION, bundled_model, public_dft_models
from dualion.thermo.paths import path_rows
from dualion.thermo.plot import diagram_figure, path_figure
from dualion.thermo.sitemodel import load_site_model

NOT_DFT = "energies derived from the paper's reported thresholds, not DFT"


def main(out: Path, fast: bool = False) -> list[str]:
    out = Path(out)
    recs = [r.to_dict() for r in insertion_table(public_dft_models(("Li", "Na", "Mg", "Ca", "Al")))]
    for r in recs:
        r["counts"] = ";".join(f"{k}={v}" for k, v in r["counts"].items())
    write_table(recs, out, "insertion_energies")
    names = ("interstitial", "single-vacancy", "paired-vacancy")
    ms = {n: bundled_model(n) for n in names}
    # the interstitial Mg run is incomplete: drawn (flagged *) as in the paper
    ds = {n: phase_diagram(ms[n], allow_incomplete=(n == "interstitial")) for n in names}
    paths = discharge_paths(ms["paired-vacancy"], (0.0, 0.05, 0.1, 0.2, 1.0))
    with figure_style():
        save(diagram_figure([ds[n] for n in names], ["interstitial (stoich. anatase)", "single vacancy "
             "[V$_\\mathrm{Ti}$ + 4F$_\\mathrm{O}$]", "paired vacancy [2V$_\\mathrm{Ti}$ + 8F$_\\mathrm{O}$]$^\\dagger$"],
             charges={"Li": 1, "Mg": 2}, paths=paths, paths_on=[2], footnote=f"$^\\dagger$ {NOT_DFT}. {CITATION}"),
             out, "fig6_diagrams", data=[{"model": n, "below": t.below, "above": t.above, "threshold": t.text}
                                         for n in names for t in ds[n].thresholds],
             json_payload={n: {**ds[n].to_dict(), "provenance": dict(ms[n].provenance)} for n in names})
        save(path_figure(ds["paired-vacancy"], paths, ms["paired-vacancy"], footnote=NOT_DFT), out,
             "fig6c_paths_paired_vacancy", data=path_rows(paths),
             json_payload={"reference": "V vs Mg2+/Mg", "paths": [p.to_dict() for p in paths]})
        models = [(t, load_site_model(f)) for t, f in BUNDLED_PAIRED]
        save(diagram_figure([phase_diagram(m, ions=("Li", "Mg"), allow_incomplete=True) for _, m in models],
                            [t for t, _ in models], charges={"Li": 1, "Mg": 2},
                            footnote="Paired vacancy [2V$_\\mathrm{Ti}$ + 8F$_\\mathrm{O}$], 4x4x2 anatase (384 sites), "
                                     f"relaxed with CHGNet at fixed cell (fmax 0.05 eV/Å). $^\\dagger$ {NOT_DFT}."),
             out, "fig6c_chgnet_diagrams", data=sequential_rows(models))
        pts, cal = calibration_points()
        save(parity_plot(pts, engine_label="CHGNet 0.3.0"), out, "calibration_parity", data=pts)
    flagged = ", ".join(f"{r['title']} ({r['status']})" for r in recs if r["flag"]) or "none"
    lines = [f"- Insertion energies of {len(recs)} configurations of the public DFT set: `insertion_energies.csv` "
             f"(eV: total, per ion, per charge). Flagged (status ≠ finished, not in diagrams unless "
             f"--allow-incomplete): {flagged}."]
    lines += [f"- {n}: {len(ds[n].regions)} regions; thresholds "
              + "; ".join(f"{t.below}|{t.above}: {t.text}" for t in ds[n].thresholds) for n in names]
    lines += [f"- Paired vacancy, {p.licl_M:g} M LiCl: " + " → ".join(s.label for s in p.segments) + " (at "
              + ", ".join(f"{t['V_vs_Mg']:.2f}" for t in p.transitions) + " V vs Mg2+/Mg)" for p in paths]
    lines += [f"- CHGNet paired vacancy, {r['model']}: second − first insertion Li {r['penalty_Li_eV']:+.2f} eV, "
              f"Mg {r['penalty_Mg_eV']:+.2f} eV; [Li+Mg] region {r['mixed_region_area_eV2']:.2f} eV²"
              for r in sequential_rows(models)]
    lines.append(f"- Calibration ({cal['n_points']} insertions): raw MAE {cal['raw']['mae_eV']:.2f} eV → "
                 f"`{cal['chosen']['name']}` leave-one-out MAE {cal['chosen']['loo']['mae_eV']:.2f} eV.")
    if not fast:
        from dualion.engines.bundled import live_check

        lines.append(live_check(out))
    return lines


if __name__ == "__main__":
    from dualion.demo import script_main

    script_main(main, __doc__, "fig6")
