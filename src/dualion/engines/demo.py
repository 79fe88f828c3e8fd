"""Demo part of dualion.engines: the cached CHGNet paired-vacancy result → its diagram (Fig. 6c
analogue), the second-insertion check, the calibration parity plot; unless ``fast``, a tiny real
CHGNet calculation (2x2x1 cell) to show the engine runs offline."""

from __future__ import annotations

import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "engines"
RAW = DATA / "paired_vacancy_4x4x2_chgnet.yaml"
CAL = DATA / "paired_vacancy_4x4x2_chgnet_calibrated.yaml"
#: FIRE step cap of the live check (keeps `dualion demo` short; non-convergence is reported).
TINY_STEPS = 8


def _fmt(x: float) -> str:
    return f"{x:+.2f}"


def run(out: Path, fast: bool = False) -> list[str]:
    """Write this part's figures and tables into ``out``; return Markdown summary lines."""
    from dualion.engines.calibration import bundled_calibration_path, load_calibration
    from dualion.engines.paired import paired_vacancy_check
    from dualion.engines.plots import parity_plot
    from dualion.plotting import figure_style, save_figure, write_table
    from dualion.thermo.diagram import phase_diagram
    from dualion.thermo.plot import diagram_figure
    from dualion.thermo.sitemodel import load_site_model

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    paper_file = DATA.parent / "site_models" / "paired_vacancy_paper.yaml"
    models = []
    for path, title in ((RAW, "CHGNet 0.3.0, raw"), (CAL, "CHGNet, DFT-calibrated"),
                        (paper_file, "paper thresholds$^\\dagger$")):
        if path.is_file():
            models.append((title, load_site_model(path)))
    if models:
        diagrams = [phase_diagram(m, ions=("Li", "Mg"), allow_incomplete=True) for _, m in models]
        with figure_style():
            fig = diagram_figure(diagrams, [t for t, _ in models], charges={"Li": 1, "Mg": 2},
                                 footnote="Paired vacancy [2V$_\\mathrm{Ti}$ + 8F$_\\mathrm{O}$], 4x4x2 anatase "
                                          "(384 sites), relaxed with CHGNet at fixed cell (fmax 0.05 eV/Å). "
                                          "$^\\dagger$ energies derived from the paper's reported thresholds.")
            save_figure(fig, out, "paired_vacancy_diagrams")
        rows = []
        for title, m in models:
            c = paired_vacancy_check(m)
            s = c["sequential"]
            rows.append({"model": title.replace("$^\\dagger$", ""), "dE1_Li_eV": s["Li"]["first_eV"],
                         "dE2_Li_eV": s["Li"]["second_eV"], "penalty_Li_eV": s["Li"]["penalty_eV"],
                         "dE1_Mg_eV": s["Mg"]["first_eV"], "dE2_Mg_eV": s["Mg"]["second_eV"],
                         "penalty_Mg_eV": s["Mg"]["penalty_eV"],
                         "mixed_interaction_eV": s.get("mixed_interaction_eV"),
                         "mixed_region_area_eV2": c["mixed_region_area_eV2"],
                         "second_less_favourable_both": all(c["second_less_favourable"].values()),
                         "stronger_for_Mg": c["stronger_for_Mg"]})
        write_table(rows, out, "paired_vacancy_sequential")
        lines.append("- Paired vacancy, 4x4x2, cached CHGNet result (`src/dualion/data/engines/`): diagrams "
                     "`paired_vacancy_diagrams.png/svg` (Δμ per transferred charge), sequential insertion "
                     "`paired_vacancy_sequential.csv/json` (eV per ion):")
        for r in rows:
            lines.append(f"  - {r['model']}: second − first insertion Li {_fmt(r['penalty_Li_eV'])} eV, "
                         f"Mg {_fmt(r['penalty_Mg_eV'])} eV; [Li+Mg] region {r['mixed_region_area_eV2']:.2f} eV²"
                         f" (second less favourable for both: {r['second_less_favourable_both']}, "
                         f"stronger for Mg: {r['stronger_for_Mg']}).")
    else:
        lines.append("- Cached paired-vacancy result not bundled (run `benchmarks/bench_engines.py --bundle`).")
    cal_path = bundled_calibration_path()
    if cal_path.is_file():
        cal = load_calibration(cal_path)
        m = cal.metrics
        parity_plot(m["points"], out, "calibration_parity", engine_label="CHGNet 0.3.0")
        write_table([{"model": c["name"], "description": c["description"], "n_params": c["n_params"],
                      "fit_mae_eV": c["fit"]["mae_eV"], "loo_mae_eV": c["loo"]["mae_eV"],
                      "loo_max_eV": c["loo"]["max_abs_eV"]} for c in m["candidates"]], out, "calibration_candidates")
        ch = m["chosen"]
        lines.append(f"- Calibration vs the public DFT set ({m['n_points']} insertions, 3x3x1; excluded "
                     f"{', '.join(e['key'] for e in m['excluded']) or 'none'}): raw MAE {m['raw']['mae_eV']:.2f} eV "
                     f"(max {m['raw']['max_abs_eV']:.2f}) → `{ch['name']}` leave-one-out MAE {ch['loo']['mae_eV']:.2f} eV "
                     f"(max {ch['loo']['max_abs_eV']:.2f}); Kendall τ vs DFT raw "
                     f"{m['ordering_raw']['overall']['kendall']:.2f} → {m['ordering_calibrated_loo']['overall']['kendall']:.2f}. "
                     "Parity plot `calibration_parity.png/svg`.")
    if not fast:
        lines += _tiny_run(out)
    return lines


def _tiny_run(out: Path) -> list[str]:
    """A real CHGNet run: Li on an interstitial site of 2x2x1 anatase (48 + 1 atoms) + bcc Li, offline."""
    from dualion.engines.compute import compute_site_model
    from dualion.engines.relax import RelaxSettings
    from dualion.thermo.grand import insertion_energy_eV
    from dualion.thermo.sitemodel import dump_site_model

    t0 = time.perf_counter()
    sm, res = compute_site_model("interstitial", (2, 2, 1), ("Li",), engine="chgnet",
                                 settings=RelaxSettings(fmax=0.1, steps=TINY_STEPS), db=out / "tiny.db", progress=None)
    dump_site_model(sm, out / "tiny_interstitial_2x2x1.yaml")
    dE = insertion_energy_eV(sm, sm.configurations[0])
    n = sum(not r.skipped for r in res.records)
    conv = "converged" if sm.configurations[0].finished else "NOT converged within the demo cap (recorded)"
    return [f"- Live check: CHGNet ({sm.provenance['model_version']}) relaxed Li in a 2x2x1 anatase interstitial "
            f"(49 atoms, fmax 0.1 eV/Å, ≤ {TINY_STEPS} FIRE steps: {conv}) in {time.perf_counter() - t0:.0f} s ({n} "
            f"relaxations now, rest from `tiny.db`): ΔE = {dE:.2f} eV raw (`tiny_interstitial_2x2x1.yaml`)."]
