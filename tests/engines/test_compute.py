"""compute: structures → relaxations → site-model file (plumbing with ASE's Lennard-Jones), and the CLI."""

from __future__ import annotations

import json

import pytest

from dualion.engines.calculators import clear_cache, parse_engine
from dualion.engines.compute import compute_site_model, insertion_energies, site_type
from dualion.engines.relax import RelaxSettings
from dualion.thermo.grand import insertion_energy_eV
from dualion.thermo.sitemodel import load_site_model

LJ = "ase.calculators.lj:LennardJones"
LJ_KW = {"sigma": 1.2, "epsilon": 0.005, "rc": 3.0}  # any element; physics irrelevant here
FAST = RelaxSettings(fmax=1e-6, steps=3)  # deliberately unconverged: must be recorded


@pytest.fixture(autouse=True)
def _fresh():
    clear_cache()
    yield
    clear_cache()


def test_site_type():
    assert site_type("interstitial") == "interstitial"
    assert site_type("V_Ti") == site_type("2V_Ti") == "vacancy"
    assert site_type(None) == "host"


def test_compute_paired_vacancy_plumbing(tmp_path):
    eng = parse_engine(LJ, kwargs=LJ_KW)
    sm, res = compute_site_model("paired-vacancy", (2, 2, 1), ("Li", "Mg"), engine=eng, settings=FAST,
                                 db=tmp_path / "r.db", progress=False)
    labels = {c.label for c in sm.configurations}
    assert labels == {"Li", "Mg", "Li+Li", "Li+Mg", "Mg+Mg"}
    assert sm.host.label == "2V_Ti+8F_O"
    conf = {c.label: c for c in sm.configurations}
    assert conf["Li+Mg"].counts == {"Li": 1, "Mg": 1} and conf["Li"].multiplicity == 2
    # non-convergence (3 steps) is recorded in the file, not hidden
    assert all(c.status == "unconverged" for c in sm.configurations)
    assert set(sm.provenance["unconverged"]) >= labels
    assert "LennardJones" in sm.provenance["engine"] and sm.provenance["fmax_eV_per_A"] == 1e-6
    # the file's insertion energies equal ΔE from the records (lowest placement, own metal references)
    dE = insertion_energies(res)
    for c in sm.configurations:
        assert insertion_energy_eV(sm, c) == pytest.approx(dE[(sm.host.label, c.label)], abs=1e-9)
    # metals: references are E/N of the relaxed bulk metals
    refs = [r for r in res.records]  # records exclude metals
    assert all(r.task.kind != "reference" for r in refs)
    assert set(sm.references_eV_per_atom) == {"Li", "Mg"}


def test_cli_compute_writes_site_model_and_rerun_skips(tmp_path, run_cli):
    out = tmp_path / "pv.yaml"
    args = ["compute", "paired-vacancy", "--supercell", "2x2x1", "--engine", LJ, "--engine-kwargs",
            json.dumps(LJ_KW), "--steps", "3", "--db", str(tmp_path / "r.db"), "--out", str(out),
            "--structures", str(tmp_path / "st")]
    res = run_cli(*args)
    assert res.code == 0, res.stderr
    sm = load_site_model(out)
    assert len(sm.configurations) == 5
    assert sorted(p.name for p in (tmp_path / "st").iterdir()) == sorted(
        ["2V_Ti+8F_O.extxyz", "Li.extxyz", "Mg.extxyz", "Li+Li.extxyz", "Li+Mg.extxyz", "Mg+Mg.extxyz"])
    from ase.io import read

    a = read(tmp_path / "st" / "Li+Mg.extxyz")
    assert a.get_chemical_formula(mode="hill").count("Li") == 1 and a.info["label"] == "Li+Mg"
    res2 = run_cli(*args)
    assert res2.code == 0
    assert "done now 0," in res2.stderr and "from the database " in res2.stderr
    assert load_site_model(out).configurations == sm.configurations


def test_cli_user_errors(tmp_path, run_cli):
    res = run_cli("compute", "paired-vacancy", "--engine", "nonsense", "--out", str(tmp_path / "x.yaml"),
                  "--db", str(tmp_path / "r.db"))
    assert res.code == 2 and "error:" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "x.yaml").exists()
    res = run_cli("compute", "nomodel", "--engine", LJ, "--out", str(tmp_path / "x.yaml"), "--db", str(tmp_path / "r.db"))
    assert res.code == 2 and not (tmp_path / "x.yaml").exists()
    res = run_cli("compute", "interstitial", "--engine", LJ, "--fmax", "-1", "--out", str(tmp_path / "x.yaml"))
    assert res.code == 2
    res = run_cli("compute", "interstitial", "--engine", LJ, "--out", str(tmp_path / "x.txt"))
    assert res.code == 2


def test_calibrated_energies_are_shifted_by_the_correction(tmp_path):
    """--calibrated: each configuration's ΔE moves by Σ δ(ion, site); host and metals unchanged."""
    from dualion.engines.calibration import Calibration, FittedModel, dump_calibration

    model = FittedModel("shift_per_ion_site", "group", {"Li|vacancy": 0.5, "Mg|vacancy": 0.75, "*": 0.0}, 2)
    cal_file = dump_calibration(Calibration("ase.calculators.lj:LennardJones", "any", model), tmp_path / "c.yaml")
    eng = parse_engine(LJ, kwargs=LJ_KW)
    raw, _ = compute_site_model("paired-vacancy", (2, 2, 1), ("Li", "Mg"), engine=eng, settings=FAST,
                                db=tmp_path / "r.db", progress=False)
    cal, _ = compute_site_model("paired-vacancy", (2, 2, 1), ("Li", "Mg"), engine=eng, settings=FAST,
                                db=tmp_path / "r.db", progress=False, calibrated=True, calibration_file=str(cal_file))
    assert cal.host.energy_eV == raw.host.energy_eV
    assert dict(cal.references_eV_per_atom) == dict(raw.references_eV_per_atom)
    r = {c.label: insertion_energy_eV(raw, c) for c in raw.configurations}
    c = {x.label: insertion_energy_eV(cal, x) for x in cal.configurations}
    # hand: Li+Mg → 0.5 + 0.75; Mg+Mg → 2 × 0.75; Li → 0.5
    assert c["Li+Mg"] - r["Li+Mg"] == pytest.approx(1.25)
    assert c["Mg+Mg"] - r["Mg+Mg"] == pytest.approx(1.5)
    assert c["Li"] - r["Li"] == pytest.approx(0.5)
    assert cal.provenance["calibration"]["model"] == "shift_per_ion_site"


def test_calibration_for_another_engine_is_refused(tmp_path):
    from dualion.engines.calibration import Calibration, FittedModel, dump_calibration
    from dualion.errors import DualionUserError

    cal_file = dump_calibration(Calibration("chgnet", "chgnet 0.4.2 model 0.3.0",
                                            FittedModel("none", "group", {"*": 0.0}, 0)), tmp_path / "c.yaml")
    with pytest.raises(DualionUserError, match="fitted for chgnet"):
        compute_site_model("interstitial", (2, 2, 1), ("Li",), engine=parse_engine(LJ, kwargs=LJ_KW),
                           settings=FAST, db=None, calibrated=True, calibration_file=str(cal_file), progress=False)


def test_cross_check_uncertainty_is_engine_disagreement(tmp_path):
    """uncertainty = |ΔE(engine) − ΔE(second engine)| per configuration (hand: from each engine's own ΔE)."""
    from dualion.engines.compute import run_engine, tasks_from_models
    from dualion.structures.models import build_site_model

    e1 = parse_engine(LJ, kwargs=LJ_KW)
    e2 = parse_engine(LJ, kwargs={**LJ_KW, "epsilon": 0.008})
    sm, _ = compute_site_model("interstitial", (2, 2, 1), ("Li", "Mg"), engine=e1, settings=FAST,
                               db=tmp_path / "r.db", cross_check=e2, progress=False)
    tasks = tasks_from_models(build_site_model("interstitial", (2, 2, 1), ("Li", "Mg")), "interstitial")
    d1 = insertion_energies(run_engine(tasks, ("Li", "Mg"), e1, FAST, None, progress=False))
    d2 = insertion_energies(run_engine(tasks, ("Li", "Mg"), e2, FAST, None, progress=False))
    for c in sm.configurations:
        k = (sm.host.label, c.label)
        assert c.uncertainty_eV == pytest.approx(abs(d1[k] - d2[k]), abs=1e-9)
        assert c.uncertainty_eV > 0
    assert sm.provenance["cross_check"]["engine"] == LJ


def test_sevenn_loads_offline_and_agrees_roughly_with_chgnet():
    """SevenNet's bundled 7net-0 runs offline; on 12-atom anatase its forces are small like CHGNet's."""
    import numpy as np

    from dualion.engines.calculators import get_calculator
    from tests.engines.test_relax import _anatase_cell

    atoms = _anatase_cell()
    calc, version = get_calculator(parse_engine("sevenn"))
    assert "7net-0" in version and "sevenn" in version
    atoms.calc = calc
    e = atoms.get_potential_energy()
    # energy per atom of TiO2 with MP-compatible PBE-like potentials: about −8 to −10 eV/atom
    assert np.isfinite(e) and -11 < e / len(atoms) < -7
    # by symmetry (I4_1/amd) the only non-zero force is along c on O (its free coordinate u); Ti feels none
    f = atoms.get_forces()
    assert np.abs(f[:, :2]).max() < 1e-4
    assert np.abs(f[atoms.numbers == 22]).max() < 1e-4
    assert np.abs(f[:, 2]).max() < 0.2  # u = 0.2081 is close to the potential's own optimum


TARGET = "tests.engines.helpers:TargetCellCalc"


def test_given_lattice_is_used_and_recorded(tmp_path):
    eng = parse_engine(LJ, kwargs=LJ_KW)
    sm, res = compute_site_model("interstitial", (2, 2, 1), ("Li",), engine=eng, settings=FAST, db=None,
                                 progress=False, lattice="3.9,9.7,0.21")
    host = next(r for r in res.records if r.task.kind == "host")
    assert host.atoms.cell.lengths() == pytest.approx([7.8, 7.8, 9.7])
    assert sm.provenance["lattice"] == {"a_A": 3.9, "c_A": 9.7, "u": 0.21, "source": "given"}
    default, _ = compute_site_model("interstitial", (2, 2, 1), ("Li",), engine=eng, settings=FAST, db=None,
                                    progress=False)
    assert default.provenance["lattice"]["a_A"] == 3.7842 and "experimental" in default.provenance["lattice"]["source"]


def test_relax_lattice_with_the_engine_then_rerun_recomputes_nothing(tmp_path):
    """--relax-lattice: the anatase cell is relaxed first (here to the calculator's target cell) and the
    supercell is built on that lattice; on a rerun the lattice row is reused, so every task key matches."""
    from dualion.engines.compute import LATTICE_MODEL, relax_anatase
    from dualion.engines.db import ResultsDB

    eng = parse_engine(TARGET)
    tight = RelaxSettings(fmax=0.002, steps=200)
    (a, c, u), rec = relax_anatase(eng, tight, db=None, progress=False)
    assert (a, c, u) == pytest.approx((3.83, 9.61, 0.2081), abs=2e-3)  # u: zero forces, unchanged
    assert rec.converged and rec.task.relax_cell
    sm, res = compute_site_model("single-vacancy", (2, 2, 1), ("Li",), engine=eng, settings=tight,
                                 db=tmp_path / "r.db", progress=False, relax_lattice=True)
    host = next(r for r in res.records if r.task.kind == "host")
    assert host.atoms.cell.lengths() == pytest.approx([2 * a, 2 * a, c], abs=1e-4)
    lat = sm.provenance["lattice"]
    assert (lat["a_A"], lat["c_A"], lat["u"]) == (a, c, u) and "relaxed with" in lat["source"]
    db = ResultsDB(tmp_path / "r.db")
    (row,) = db.rows(site_model=LATTICE_MODEL)
    assert row.relax_cell and row.kind == "structure"
    n = db.count()
    _, again = compute_site_model("single-vacancy", (2, 2, 1), ("Li",), engine=eng, settings=tight,
                                  db=tmp_path / "r.db", progress=False, relax_lattice=True)
    assert all(r.skipped for r in again.records) and db.count() == n


def test_cli_lattice_options(tmp_path, run_cli):
    out = tmp_path / "x.yaml"
    res = run_cli("compute", "interstitial", "--engine", LJ, "--lattice", "3.9,9.7", "--relax-lattice",
                  "--out", out, "--db", tmp_path / "r.db")
    assert res.code == 2 and "--lattice" in res.stderr and not out.exists()
    res = run_cli("compute", "interstitial", "--engine", LJ, "--lattice", "3.9", "--out", out,
                  "--db", tmp_path / "r.db")
    assert res.code == 2 and "--lattice" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    res = run_cli("compute", "interstitial", "--engine", LJ, "--engine-kwargs", json.dumps(LJ_KW), "--steps", "2",
                  "--lattice", "3.9,9.7", "--out", out, "--db", tmp_path / "r.db")
    assert res.code == 0, res.stderr
    assert load_site_model(out).provenance["lattice"]["c_A"] == 9.7


def test_engine_that_cannot_evaluate_the_elements_is_a_user_error(tmp_path, run_cli):
    """EMT has no Ti/O/F parameters: one line naming the structure and the engine, exit 2, no traceback."""
    out = tmp_path / "x.yaml"
    res = run_cli("compute", "paired-vacancy", "--engine", "ase.calculators.emt:EMT", "--out", out,
                  "--db", tmp_path / "r.db")
    assert res.code == 2 and not out.exists()
    line = res.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    assert "--engine" in line and "2V_Ti+8F_O" in line and "No EMT-potential" in line
