"""The bundled engine results: calibration YAML and the cached paired-vacancy site models."""

from __future__ import annotations

from pathlib import Path

import pytest

from dualion.engines.calibration import LOO_TOLERANCE_EV, bundled_calibration_path, load_calibration
from dualion.engines.paired import paired_vacancy_check, sequential_insertion
from dualion.thermo.sitemodel import load_site_model

DATA = Path(__file__).resolve().parents[2] / "src" / "dualion" / "data" / "engines"
PAPER = DATA.parent / "site_models" / "paired_vacancy_paper.yaml"


def test_bundled_calibration_is_consistent():
    cal = load_calibration()
    assert cal.engine == "chgnet" and "0.3.0" in cal.model_version
    m = cal.metrics
    # 35 insertions in the public 3x3x1 set, 2 incomplete DFT runs excluded
    assert m["n_points"] == 33 and len(m["excluded"]) == 2
    assert {e["key"] for e in m["excluded"]} == {"stoichiometric anatase + Mg", "TiO2 4F + Ca"}
    cands = {c["name"]: c for c in m["candidates"]}
    best = min(c["loo"]["mae_eV"] for c in cands.values())
    chosen = cands[m["chosen"]["name"]]
    assert chosen["loo"]["mae_eV"] <= best + LOO_TOLERANCE_EV
    assert all(c["n_params"] >= chosen["n_params"] for c in cands.values()
               if c["loo"]["mae_eV"] <= best + LOO_TOLERANCE_EV)
    # stored LOO predictions reproduce the stored LOO MAE: mean |DFT − (ML + δ̂_LOO)|
    pts = m["points"]
    mae = sum(abs(p["dE_dft_eV"] - p["dE_cal_loo_eV"]) for p in pts) / len(pts)
    assert mae == pytest.approx(m["chosen"]["loo"]["mae_eV"], abs=1e-5)
    # raw CHGNet overbinds on average (the measured fact that motivated the calibration)
    assert m["raw"]["mean_signed_eV"] > 0.2  # DFT − ML > 0
    # the stored model predicts the stored in-sample calibrated values
    for p in pts[:6]:
        d = cal.correction(p["ion"], p["site"], p["n_F"], p.get("n_OH", 0))
        assert p["dE_ml_eV"] + d == pytest.approx(p["dE_cal_fit_eV"], abs=1e-4)
    assert bundled_calibration_path().stat().st_size < 200_000


def test_paired_check_on_paper_model_by_hand():
    """Paper-threshold model: ΔE(Li) = −2.95, ΔE(Li+Li) = −5.80 → second Li −2.85, penalty +0.10 eV;
    ΔE(Mg) = −3.69, ΔE(Mg+Mg) = −6.41 → second Mg −2.72, penalty +0.97 eV;
    ΔE(Li+Mg) − ΔE(Li) − ΔE(Mg) = −6.61 + 2.95 + 3.69 = +0.03 eV."""
    m = load_site_model(PAPER)
    s = sequential_insertion(m)
    assert s["Li"]["penalty_eV"] == pytest.approx(0.10, abs=1e-9)
    assert s["Mg"]["penalty_eV"] == pytest.approx(0.97, abs=1e-9)
    assert s["Mg"]["penalty_eV_per_charge"] == pytest.approx(0.485, abs=1e-9)
    assert s["mixed_interaction_eV"] == pytest.approx(0.03, abs=1e-9)
    c = paired_vacancy_check(m)
    assert c["second_less_favourable"] == {"Li": True, "Mg": True} and c["stronger_for_Mg"]
    assert c["mixed_region_area_eV2"] > 0


@pytest.mark.parametrize("name", ["paired_vacancy_4x4x2_chgnet.yaml", "paired_vacancy_4x4x2_chgnet_calibrated.yaml"])
def test_bundled_paired_vacancy_models(name):
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"{name} not bundled")
    m = load_site_model(path)
    assert {c.label for c in m.configurations} == {"Li", "Mg", "Li+Li", "Li+Mg", "Mg+Mg"}
    assert "0.3.0" in m.provenance["model_version"] and m.provenance["fmax_eV_per_A"] == 0.05
    assert m.provenance["supercell"] == "4x4x2"
    # structures: one extxyz per configuration + host, with 382..384 atoms
    from ase.io import read

    for c in m.configurations:
        a = read(DATA / "paired_vacancy_4x4x2_structures" / f"{c.label}.extxyz")
        assert len(a) == 382 + sum(c.counts.values())
        assert a.info["energy_eV"] == pytest.approx(c.energy_eV if "calibrated" not in name else a.info["energy_eV"])
