"""`dualion build` outputs: files, manifest, formats."""

from __future__ import annotations

import yaml


def test_build_calibration_poscar(run_cli, tmp_path):
    res = run_cli("build", "calibration", "--ions", "Li,Mg", "--format", "poscar", "--out", tmp_path)
    assert res.code == 0, res.stderr
    doc = yaml.safe_load((tmp_path / "manifest.yaml").read_text())
    entries = doc["structures"]
    # interstitial host + 2 ions, 6 vacancy hosts x (host + 2 ions)
    assert len(entries) == 3 + 6 * 3
    from pymatgen.core import Structure

    for e in entries:
        st = Structure.from_file(str(tmp_path / e["file"]))
        assert st.composition.formula.replace(" ", "") == e["formula"]
        assert e["meta"]["dft_title"]
        assert len(st) == e["natoms"]
    titles = {e["meta"]["dft_title"] for e in entries}
    assert "TiO2 2F+2OH trans + Mg" in titles and "stoichiometric anatase + Li" in titles


def test_build_single_vacancy_adjacent_enumerates_hosts(run_cli, tmp_path):
    res = run_cli("build", "single-vacancy", "--anion-sites", "adjacent", "--ions", "Li", "--out", tmp_path)
    assert res.code == 0, res.stderr
    doc = yaml.safe_load((tmp_path / "manifest.yaml").read_text())
    hosts = [e for e in doc["structures"] if not e["counts"]]
    # 4 F over the 6 anion sites of V_Ti: 5 symmetry-distinct hosts with multiplicities 1+2+4+4+4 = C(6,4)
    assert len(hosts) == 5
    assert sum(e["meta"]["anion_multiplicity"] for e in hosts) == 15
    assert len({e["host"] for e in hosts}) == 5


def test_build_with_lattice(run_cli, tmp_path):
    res = run_cli("build", "single-vacancy", "--ions", "Li", "--lattice", "3.9,9.7,0.21", "--format", "poscar",
                  "--out", tmp_path / "b")
    assert res.code == 0, res.stderr
    from pymatgen.core import Structure

    doc = yaml.safe_load((tmp_path / "b" / "manifest.yaml").read_text())
    e = doc["structures"][0]
    assert (e["meta"]["a_A"], e["meta"]["c_A"], e["meta"]["u"]) == (3.9, 9.7, 0.21)
    st = Structure.from_file(str(tmp_path / "b" / e["file"]))
    assert st.lattice.abc == __import__("pytest").approx((7.8, 7.8, 9.7))
    res = run_cli("build", "single-vacancy", "--lattice", "3.9,9.7,0.4", "--out", tmp_path / "c")
    assert res.code == 2 and "--lattice" in res.stderr and not (tmp_path / "c").exists()
