"""The engine results bundled with dualion: the cached CHGNet 4x4x2 paired-vacancy site models (raw and
DFT-calibrated, next to the paper's thresholds), the CHGNet calibration, and a small live check.

Everything here reads files under ``dualion/data/``; only :func:`live_check` runs an engine (torch).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data"
#: (title, file) of the paired-vacancy site models shown side by side (Fig. 6c analogue).
BUNDLED_PAIRED: list[tuple[str, Path]] = [
    ("CHGNet 0.3.0, raw", DATA / "engines" / "paired_vacancy_4x4x2_chgnet.yaml"),
    ("CHGNet, DFT-calibrated", DATA / "engines" / "paired_vacancy_4x4x2_chgnet_calibrated.yaml"),
    ("paper thresholds$^\\dagger$", DATA / "site_models" / "paired_vacancy_paper.yaml"),
]
#: FIRE step cap of the live check (keeps `dualion demo` short; non-convergence is reported).
LIVE_STEPS = 8


def sequential_rows(models: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Second- vs first-insertion energies (eV per ion) and the [Li+Mg] region of each paired-vacancy model."""
    from dualion.engines.paired import paired_vacancy_check

    rows = []
    for title, m in models:
        c = paired_vacancy_check(m)
        s = c["sequential"]
        rows.append({"model": title.replace("$^\\dagger$", ""), "dE1_Li_eV": s["Li"]["first_eV"],
                     "dE2_Li_eV": s["Li"]["second_eV"], "penalty_Li_eV": s["Li"]["penalty_eV"],
                     "dE1_Mg_eV": s["Mg"]["first_eV"], "dE2_Mg_eV": s["Mg"]["second_eV"],
                     "penalty_Mg_eV": s["Mg"]["penalty_eV"], "mixed_interaction_eV": s.get("mixed_interaction_eV"),
                     "mixed_region_area_eV2": c["mixed_region_area_eV2"],
                     "second_less_favourable_both": all(c["second_less_favourable"].values()),
                     "stronger_for_Mg": c["stronger_for_Mg"]})
    return rows


def calibration_points() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(parity points, metrics) of the bundled CHGNet calibration against the public DFT set."""
    from dualion.engines.calibration import bundled_calibration_path, load_calibration

    m = load_calibration(bundled_calibration_path()).metrics
    return [dict(p) for p in m["points"]], m


def live_check(out: str | Path) -> str:
    """A real CHGNet run (Li in a 2x2x1 anatase interstitial + bcc Li, offline; ≤ LIVE_STEPS FIRE steps).

    Returns a summary line; the insertion energy is quoted only when every relaxation converged.
    """
    import time

    from dualion.engines.compute import compute_site_model
    from dualion.engines.relax import RelaxSettings
    from dualion.thermo.grand import insertion_energy_eV
    from dualion.thermo.sitemodel import dump_site_model

    out = Path(out)
    t0 = time.perf_counter()
    sm, res = compute_site_model("interstitial", (2, 2, 1), ("Li",), engine="chgnet",
                                 settings=RelaxSettings(fmax=0.1, steps=LIVE_STEPS), db=out / "tiny.db", progress=None)
    dump_site_model(sm, out / "tiny_interstitial_2x2x1.yaml")
    n = sum(not r.skipped for r in res.records)
    head = (f"- Live check: CHGNet ({sm.provenance['model_version']}) relaxed Li in a 2x2x1 anatase interstitial "
            f"(49 atoms, fmax 0.1 eV/Å, ≤ {LIVE_STEPS} FIRE steps) in {time.perf_counter() - t0:.0f} s "
            f"({n} relaxations now, rest from `tiny.db`; `tiny_interstitial_2x2x1.yaml`): ")
    if sm.configurations[0].finished and sm.host.finished:
        return head + f"converged, ΔE = {insertion_energy_eV(sm, sm.configurations[0]):.2f} eV raw."
    return head + ("NOT converged within the demo's step cap (recorded as unconverged); no energy quoted — "
                   "rerun with more --steps for a number.")
