"""Calibration: LOO by hand, recovery of known coefficients, model choice, DFT pairing on real data."""

from __future__ import annotations

import numpy as np
import pytest

from dualion.engines.calibration import (CANDIDATES, Calibration, FittedModel, Point, calibration_from_dict,
                                         dump_calibration, evaluate, fit_calibration, load_calibration,
                                         loo_predictions)

CAND = {c.name: c for c in CANDIDATES}


def _pt(key, ion, site, dml, ddft, nF=0, host="h"):
    return Point(key=key, ion=ion, site=site, n_F=nF, host=host, dE_ml=dml, dE_dft=ddft)


def test_loo_by_hand_shift_per_ion():
    # three Li points with residuals δ = DFT − ML = 1, 2, 6 (eV)
    pts = [_pt("a", "Li", "vacancy", 0.0, 1.0), _pt("b", "Li", "vacancy", 0.0, 2.0), _pt("c", "Li", "vacancy", 0.0, 6.0)]
    loo = loo_predictions(CAND["shift_per_ion"], pts)
    # leave a out: mean(2, 6) = 4; leave b: mean(1, 6) = 3.5; leave c: mean(1, 2) = 1.5
    assert loo == pytest.approx([4.0, 3.5, 1.5])
    reports, _ = evaluate(pts, [CAND["none"], CAND["shift_per_ion"]])
    rep = {r.name: r for r in reports}
    # LOO errors |1−4|, |2−3.5|, |6−1.5| = 3, 1.5, 4.5 → MAE 3.0, max 4.5
    assert rep["shift_per_ion"].loo["mae_eV"] == pytest.approx(3.0)
    assert rep["shift_per_ion"].loo["max_abs_eV"] == pytest.approx(4.5)
    # in-sample: mean 3 → errors 2, 1, 3 → MAE 2
    assert rep["shift_per_ion"].fit["mae_eV"] == pytest.approx(2.0)
    # raw: errors 1, 2, 6 → MAE 3.0
    assert rep["none"].loo["mae_eV"] == pytest.approx(3.0)


def test_group_fallback_when_group_missing():
    # Li has an interstitial point only once: leaving it out falls back to the Li mean of the rest
    pts = [_pt("i", "Li", "interstitial", 0.0, 0.7), _pt("v1", "Li", "vacancy", 0.0, 0.4),
           _pt("v2", "Li", "vacancy", 0.0, 0.6)]
    loo = loo_predictions(CAND["shift_per_ion_site"], pts)
    # leave i out: no (Li, interstitial) group → Li mean of (0.4, 0.6) = 0.5
    # leave v1 out: (Li, vacancy) = 0.6; leave v2 out: 0.4
    assert loo == pytest.approx([0.5, 0.6, 0.4])


def _synthetic(c0=0.3, c1=0.2, c2=-0.5, c3=0.25, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    pts = []
    for host, nF in (("int", 0), ("4F", 4), ("3F", 3), ("2F", 2), ("1F", 1), ("0F", 0)):
        site = "interstitial" if host == "int" else "vacancy"
        for ion in ("Li", "Na", "Mg", "Ca", "Al"):
            p = _pt(f"{host}+{ion}", ion, site, 0.0, 0.0, nF=nF, host=host)
            delta = c0 + c1 * p.z + c2 * p.v + c3 * p.z * p.v + noise * rng.normal()
            dml = -1.0 - rng.random()
            pts.append(_pt(p.key, ion, site, dml, dml + delta, nF=nF, host=host))
    return pts


def test_linear_fit_recovers_known_coefficients():
    pts = _synthetic()
    model = CAND["linear_z_site"].fit(pts)
    assert model.params == pytest.approx({"1": 0.3, "z": 0.2, "v": -0.5, "z*v": 0.25}, abs=1e-9)
    # exact model → LOO error 0; chosen over the richer models (same LOO MAE, fewer parameters)
    reports, chosen = evaluate(pts)
    assert chosen == "linear_z_site"
    assert {r.name: r for r in reports}["linear_z_site"].loo["mae_eV"] == pytest.approx(0.0, abs=1e-9)


def test_per_ion_shift_data_choose_per_ion_shift():
    pts = []
    shifts = {"Li": 0.5, "Na": 0.6, "Mg": 1.1, "Ca": 0.2, "Al": 1.4}  # not linear in z
    for k, (host, site) in enumerate((("int", "interstitial"), ("4F", "vacancy"), ("OH", "vacancy"))):
        for ion, s in shifts.items():
            pts.append(_pt(f"{host}{ion}", ion, site, -1.0 - k, -1.0 - k + s, host=host))
    reports, chosen = evaluate(pts)
    assert chosen == "shift_per_ion"


def test_fit_calibration_excludes_incomplete_and_roundtrips(tmp_path):
    pts = _synthetic(noise=0.02)
    bad = Point(key="incomplete one", ion="Mg", site="interstitial", dE_ml=-1.0, dE_dft=-5.0, dft_status="incomplete")
    cal = fit_calibration(pts + [bad], "chgnet", "chgnet x model 0.3.0", {"data": "synthetic"})
    assert cal.metrics["n_points"] == len(pts)
    assert cal.metrics["excluded"] == [{"key": "incomplete one", "dft_status": "incomplete"}]
    assert cal.metrics["chosen"]["loo"]["mae_eV"] < 0.05
    assert cal.metrics["raw"]["mae_eV"] > 0.3
    path = dump_calibration(cal, tmp_path / "cal.yaml")
    back = load_calibration(path)
    assert back.model.name == cal.model.name and back.model.params == pytest.approx(dict(cal.model.params), abs=1e-6)
    for p in pts[:5]:
        assert back.correction(p.ion, p.site, p.n_F) == pytest.approx(cal.model.predict(p), abs=1e-5)
    # the same file is a record: dualion.load reads it back into a Calibration
    import dualion

    rec = dualion.load(path)
    assert isinstance(rec, type(cal)) and rec.kind == "engines.calibration"
    assert rec.to_dict() == back.to_dict()
    for p in pts[:5]:
        assert rec.correction(p.ion, p.site, p.n_F) == pytest.approx(cal.model.predict(p), abs=1e-5)


def test_bundled_calibration_loads_as_record():
    import dualion
    from dualion.engines.calibration import bundled_calibration_path

    rec = dualion.load(bundled_calibration_path())
    assert rec.kind == "engines.calibration" and rec.to_dict() == load_calibration().to_dict()


def test_load_yaml_without_kind_is_one_clear_error(tmp_path):
    import dualion
    from dualion.errors import DualionUserError

    f = tmp_path / "plain.yaml"
    f.write_text("engine: chgnet\n", encoding="utf-8")
    with pytest.raises(DualionUserError, match="no 'kind'"):
        dualion.load(f)


def test_correction_for_task_sums_over_inserted_ions():
    """Two inserted ions on vacancy sites: the correction is the sum of the per-ion corrections."""
    from ase import Atoms

    from dualion.engines.runner import Task

    model = FittedModel("shift_per_ion_site", "group", {"Li|vacancy": -0.1, "Mg|vacancy": 0.4, "*": 9.0}, 3)
    cal = Calibration("chgnet", "m", model)
    atoms = Atoms("LiMgO2F", positions=[[0, 0, 0], [3, 0, 0], [0, 2, 0], [3, 2, 0], [0, 0, 2]], cell=[8, 8, 8], pbc=True)
    t = Task(atoms, "x", "Li+Mg", host="h", counts={"Li": 1, "Mg": 1}, site="2V_Ti")
    assert cal.correction_for(t) == pytest.approx(-0.1 + 0.4)


def test_malformed_calibration_file(tmp_path):
    from dualion.errors import DualionUserError

    with pytest.raises(DualionUserError):
        calibration_from_dict({"engine": "chgnet"})
    with pytest.raises(DualionUserError):
        load_calibration(tmp_path / "missing.yaml")


def test_dft_pairing_on_public_data(dft_dir):
    """Records carrying the DFT energies themselves give ΔE_ML == ΔE_DFT; 4F + Li is −2.68 eV."""
    from ase import Atoms

    from dualion.engines.calibration import calibration_points, read_dft
    from dualion.engines.runner import Record, Task

    runs = read_dft(dft_dir)

    def rec(title, label, host, counts, site, atoms):
        t = Task(atoms, "cal", label, host=host, counts=counts, site=site, meta={"dft_title": title})
        return Record(t, "k", "x", "v", runs[title].energy_eV, 0.0, True, 0.0, 1, 0.0, atoms)

    li = Atoms("Li", positions=[[0, 0, 0]], cell=[5, 5, 5], pbc=True)
    empty = Atoms(cell=[5, 5, 5], pbc=True)
    recs = [rec("TiO2 4F stoichiometric", "V_Ti+4F_O", "V_Ti+4F_O", {}, None, empty),
            rec("TiO2 4F + Li", "Li", "V_Ti+4F_O", {"Li": 1}, "V_Ti", li),
            rec("stoichiometric anatase", "TiO2", "TiO2", {}, None, empty),
            rec("stoichiometric anatase + Mg", "Mg", "TiO2", {"Mg": 1}, "interstitial",
                Atoms("Mg", positions=[[0, 0, 0]], cell=[5, 5, 5], pbc=True))]
    mu = {"Li": -3.91542685 / 2, "Mg": -3.4490223 / 2}  # elemental_reference.yaml, per atom
    pts = calibration_points(recs, mu, runs)
    p_li = next(p for p in pts if p.ion == "Li")
    # hand: E(4F+Li) − E(4F) − μ_Li = −880.34275831 + 875.70225705 + 1.957713425 = −2.6828 eV
    assert p_li.dE_dft == pytest.approx(-2.68, abs=0.01)
    assert p_li.dE_ml == pytest.approx(p_li.dE_dft, abs=1e-9) and p_li.site == "vacancy"
    p_mg = next(p for p in pts if p.ion == "Mg")
    assert p_mg.dft_status == "incomplete"  # stoichiometric anatase + Mg is flagged, not silently used
