"""Demo part of dualion.thermo: insertion energies of the public DFT set, the three Fig. 6 diagrams,
discharge paths on the paired vacancy."""

from __future__ import annotations

from pathlib import Path

from dualion.io.atomic import atomic_write_json
from dualion.plotting import figure_style, save_figure, write_table
from dualion.thermo.diagram import phase_diagram
from dualion.thermo.energies import insertion_table
from dualion.thermo.models import CITATION, bundled_model, dft_file
from dualion.thermo.paths import discharge_paths, path_rows
from dualion.thermo.plot import diagram_figure, path_figure

ALL_IONS = ("Li", "Na", "Mg", "Ca", "Al")
LICL_M = (0.0, 0.05, 0.1, 0.2, 1.0)  # the paper's range; 0 M = Li-free (Mg-only path)


def run(out: Path, fast: bool = False) -> list[str]:
    """Write this part's figures and tables into ``out``; return Markdown summary lines."""
    from dualion.io.readers import read_runs
    from dualion.thermo.pairing import site_models_from_runs

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    # 1. insertion energies, all ions, all hosts of the public set
    runs = []
    for f in ("elemental_reference.yaml", "stoichiometric_anatase.yaml", "vacancy_intercalation.yaml",
              "anion_location_test_data.yaml"):
        runs += read_runs(dft_file(f))
    models = site_models_from_runs(runs, ALL_IONS)
    recs = [r.to_dict() for r in insertion_table(models)]
    for r in recs:
        r["counts"] = ";".join(f"{k}={v}" for k, v in r["counts"].items())
    write_table(recs, out, "insertion_energies")
    flagged = [r for r in recs if r["flag"]]
    lines += [f"- Insertion energies of {len(recs)} configurations on {len(models)} hosts of the public DFT set "
              f"({', '.join(ALL_IONS)}): `insertion_energies.csv/json` (eV; total, per ion, per charge, V̄ vs metal).",
              f"- Flagged (status ≠ finished, kept but excluded from diagrams unless --allow-incomplete): "
              + (", ".join(f"{r['title']} ({r['status']})" for r in flagged) or "none") + "."]
    key = {(r["host"], r["label"]): r for r in recs}
    li4f = key.get(("TiO2 4F stoichiometric", "Li"))
    mg4f = key.get(("TiO2 4F stoichiometric", "Mg"))
    if li4f and mg4f:
        lines.append(f"- Single vacancy [V_Ti + 4F_O]: Li {li4f['per_ion_eV']:.2f} eV, Mg {mg4f['per_ion_eV']:.2f} eV "
                     f"= {mg4f['per_charge_eV']:.2f} eV per charge (paper: −2.67 / −1.65).")
    # 2. the three diagrams (Fig. 6 a-c)
    names = ("interstitial", "single-vacancy", "paired-vacancy")
    ms = {n: bundled_model(n) for n in names}
    # interstitial Mg is an incomplete run: drawn with --allow-incomplete and flagged (*) as in the paper
    ds = {n: phase_diagram(ms[n], allow_incomplete=(n == "interstitial")) for n in names}
    paths = discharge_paths(ms["paired-vacancy"], LICL_M)
    with figure_style():
        titles = ["interstitial (stoich. anatase)", "single vacancy [V$_{\\mathrm{Ti}}$ + 4F$_\\mathrm{O}$]",
                  "paired vacancy [2V$_{\\mathrm{Ti}}$ + 8F$_\\mathrm{O}$]$^\\dagger$"]
        fig = diagram_figure([ds[n] for n in names], titles,
                             charges={"Li": 1, "Mg": 2}, paths=paths, paths_on=[2],
                             footnote="$^\\dagger$ energies derived from the paper's reported thresholds, not DFT. " + CITATION)
        save_figure(fig, out, "diagrams_fig6")
        for n in names:
            fig = diagram_figure([ds[n]], [ms[n].name], charges={"Li": 1, "Mg": 2},
                                 footnote=("energies derived from the paper's reported thresholds, not DFT"
                                           if n == "paired-vacancy" else CITATION))
            save_figure(fig, out, f"diagram_{n}")
            atomic_write_json(out / f"diagram_{n}.json", {**ds[n].to_dict(),
                                                          "provenance": dict(ms[n].provenance)})
        fig = path_figure(ds["paired-vacancy"], paths, ms["paired-vacancy"],
                          footnote="energies derived from the paper's reported thresholds, not DFT")
        save_figure(fig, out, "paths_paired_vacancy")
    write_table(path_rows(paths), out, "paths_paired_vacancy",
                json_payload={"model": ms["paired-vacancy"].name, "reference": "V vs Mg2+/Mg",
                              "delta_e_ref_V": paths[0].delta_e_ref_V, "activity": "c / 1 M",
                              "paths": [p.to_dict() for p in paths]})
    lines.append("- Exact phase diagrams (per-charge Δμ), Fig. 6 style: `diagrams_fig6.png` (a) interstitial, "
                 "(b) single vacancy, (c) paired vacancy (+ discharge paths); individual `diagram_*.png/json`.")
    for n in names:
        thr = "; ".join(f"{t.below}|{t.above}: {t.text}" for t in ds[n].thresholds)
        lines.append(f"  - {n}: {len(ds[n].regions)} regions; thresholds {thr}")
    for p in paths:
        seq = " → ".join(s.label for s in p.segments)
        tr = ", ".join(f"{t['V_vs_Mg']:.2f}" for t in p.transitions)
        li_free = " (Li-free electrolyte: Li configurations excluded)" if p.no_li else ""
        lines.append(f"- Paired vacancy, {p.licl_M:g} M LiCl{li_free}: {seq} (transitions at {tr} V vs Mg2+/Mg)")
    return lines
