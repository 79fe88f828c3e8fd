"""Readers of calculation files: vasppy YAML, ASE files, vasprun errors."""

from pathlib import Path

import pytest

from dualion.errors import DualionUserError
from dualion.io.readers import is_site_model_file, read_runs
from dualion.thermo.models import dft_file

DOC = """---
title: TiO2 4F stoichiometric
status: finished
stoichiometry:
    - Ti: 35
    - O: 68
    - F: 4
energy: -875.70225705 eV
---
title: TiO2 4F + Li
status: incomplete
stoichiometry:
    - Ti: 35
    - O: 68
    - F: 4
    - Li: 1
energy: -880.34275831 eV
"""


def test_vasppy_yaml_two_documents(tmp_path):
    p = tmp_path / "runs.yaml"
    p.write_text(DOC)
    a, b = read_runs(p)
    assert a.title == "TiO2 4F stoichiometric" and a.composition == {"Ti": 35, "O": 68, "F": 4}
    assert a.energy_eV == pytest.approx(-875.70225705)  # "-875.70225705 eV" → float eV
    assert a.finished and not b.finished and b.status == "incomplete"
    assert b.composition["Li"] == 1 and b.index == 2


def test_bundled_public_set_counts():
    # 14 + 5 + 17 + 36 documents (counted with grep -c title in the shared README's files)
    n = {f: len(read_runs(dft_file(f))) for f in ("anion_location_test_data.yaml", "elemental_reference.yaml",
                                                     "stoichiometric_anatase.yaml", "vacancy_intercalation.yaml")}
    assert n == {"anion_location_test_data.yaml": 14, "elemental_reference.yaml": 5,
                 "stoichiometric_anatase.yaml": 17, "vacancy_intercalation.yaml": 36}
    incomplete = sorted(r.title for f in n for r in read_runs(dft_file(f)) if not r.finished)
    assert incomplete == ["TiO2 4F + Ca", "stoichiometric anatase + Mg"]


def test_bundled_copy_equals_shared(dft_dir):
    for f in ("elemental_reference.yaml", "stoichiometric_anatase.yaml", "vacancy_intercalation.yaml",
              "anion_location_test_data.yaml", "LICENSE"):
        assert (dft_dir / f).read_bytes() == dft_file(f).read_bytes()


@pytest.mark.parametrize("text,field", [
    ("title: x\nenergy: [1, 2\n", "line"),                                     # malformed YAML
    ("title: x\nstoichiometry: [{Ti: 1}]\n", "energy"),                        # missing energy
    ("title: x\nstoichiometry: [{Ti: 1}]\nenergy: -3.0 kJ\n", "energy"),        # wrong unit
    ("title: x\nstoichiometry: [{Ti: 1}]\nenergy: abc eV\n", "energy"),         # not a number
    ("title: x\nstoichiometry: [{Ti: -1}]\nenergy: -3.0 eV\n", "stoichiometry"),  # negative count
    ("title: x\nstoichiometry: Ti\nenergy: -3.0 eV\n", "stoichiometry"),        # not a list
    ("- just\n- a list\n", "document 1"),
])
def test_malformed_yaml_errors(tmp_path, text, field):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    with pytest.raises(DualionUserError) as ei:
        read_runs(p)
    assert ei.value.file == str(p) and field in (ei.value.field or "")
    assert "\n" not in ei.value.one_line()


def test_missing_file_and_empty(tmp_path):
    with pytest.raises(DualionUserError, match="not found"):
        read_runs(tmp_path / "nope.yaml")
    (tmp_path / "e.yaml").write_text("")
    with pytest.raises(DualionUserError, match="no VASP runs"):
        read_runs(tmp_path / "e.yaml")


def test_ase_extxyz_with_energy(tmp_path):
    from ase import Atoms
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.io import write

    at = Atoms("Li2", positions=[[0, 0, 0], [1.5, 1.5, 1.5]], cell=[3, 3, 3], pbc=True)
    at.calc = SinglePointCalculator(at, energy=-3.91542685)
    p = tmp_path / "li.extxyz"
    write(p, at)
    (r,) = read_runs(p)
    assert r.composition == {"Li": 2} and r.energy_eV == pytest.approx(-3.91542685) and r.finished


def test_ase_file_without_energy(tmp_path):
    from ase import Atoms
    from ase.io import write

    p = tmp_path / "s.xyz"
    write(p, Atoms("Mg2", positions=[[0, 0, 0], [1, 1, 1]]))
    with pytest.raises(DualionUserError, match="no energy"):
        read_runs(p)


def test_bad_vasprun(tmp_path):
    p = tmp_path / "vasprun.xml"
    p.write_text("<modeling><truncated")
    with pytest.raises(DualionUserError, match="vasprun"):
        read_runs(p)


def test_site_model_file_detection(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("ions: [Li]\nreferences: {Li: -1.9}\nhost: {energy: 0}\nconfigurations: [{counts: {Li: 1}, energy: -3}]\n")
    assert is_site_model_file(p)
    q = tmp_path / "r.yaml"
    q.write_text(DOC)
    assert not is_site_model_file(q)
    assert not is_site_model_file(Path("x.xyz"))


def _ase_testdata(name):
    import ase

    p = Path(ase.__file__).parent / "test" / "testdata" / "vasp" / name
    if not p.exists():
        pytest.skip(f"ASE test data {name} not installed")
    return p


def test_vasprun_via_pymatgen(tmp_path):
    d = tmp_path / "C2_run"
    d.mkdir()
    (d / "vasprun.xml").write_bytes(_ase_testdata("vasprun_pstress.xml").read_bytes())
    (r,) = read_runs(d / "vasprun.xml")
    # ASE's test vasprun: 2 C atoms; pymatgen final_energy −20.24010135 eV; SYSTEM unset → folder name
    assert r.composition == {"C": 2} and r.energy_eV == pytest.approx(-20.24010135) and r.title == "C2_run"


def test_outcar_via_ase(tmp_path):
    d = tmp_path / "Ni18"
    d.mkdir()
    (d / "OUTCAR").write_bytes(_ase_testdata("OUTCAR_example_1").read_bytes())
    (r,) = read_runs(d / "OUTCAR")
    assert r.composition == {"Ni": 18} and r.energy_eV == pytest.approx(-68.23102426) and r.finished
    assert r.title == "Ni18"
    # a truncated OUTCAR (no final timing block) is flagged incomplete, not silently finished
    text = (d / "OUTCAR").read_text()
    cut = text[: text.index("General timing and accounting")] if "General timing and accounting" in text else None
    if cut is None:
        pytest.skip("example OUTCAR has no timing block")
    (d / "OUTCAR").write_text(cut)
    (r2,) = read_runs(d / "OUTCAR")
    assert r2.status == "incomplete"
