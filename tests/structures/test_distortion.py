"""Fig. 7 analysis: opposite-vertex anion–anion distances of V_Ti octahedra."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dualion.errors import DualionUserError
from dualion.structures import build_site_model
from dualion.structures.distortion import (
    distortion_table,
    find_vacancy_sites,
    ideal_reference,
    vacancy_octahedron_distances,
)

A, C, U = 3.7842, 9.5146, 0.2081
# Hand calculation for an unrelaxed vacancy in ideal anatase (origin choice 1, vacancy at 0,0,0):
#   equatorial opposite vertices (a/2, 0, -d) and (-a/2, 0, -d), d = (u - 1/4) c: distance = a = 3.7842 Å
#   axial opposite vertices (0, 0, ±u c): distance 2 u c = 2 * 0.2081 * 9.5146 = 3.960017 Å
EQ = 3.7842
AX = 3.960017


@pytest.fixture(scope="module")
def paired():
    return build_site_model("paired-vacancy", (2, 2, 1), ions=("Li", "Mg"))


def test_pristine_vacancy_octahedron_by_hand(paired):
    host = paired[0]
    for v in host.meta["vacancies"]:
        res = vacancy_octahedron_distances(host.structure, v)
        assert res["occupant"] is None
        assert res["equatorial_a_A"] == pytest.approx(EQ, abs=1e-4)
        assert res["equatorial_b_A"] == pytest.approx(EQ, abs=1e-4)
        assert res["axial_A"] == pytest.approx(AX, abs=1e-4)
        assert res["tetragonality"] == pytest.approx(AX / EQ, abs=1e-4)
    ref = ideal_reference(A, C, U)
    assert ref == pytest.approx({"equatorial_A": EQ, "axial_A": AX}, abs=1e-4)


def test_known_strain_is_measured(paired):
    """Move the two axial anions outward by 0.3 Å each and one equatorial pair inward by 0.1 Å each."""
    host = paired[0]
    st = host.structure.copy()
    v = np.asarray(host.meta["vacancies"][0])
    res = vacancy_octahedron_distances(st, v)
    lat = st.lattice
    for k, f in enumerate(res["anion_frac"]):
        d, img = lat.get_distance_and_image(v, f)
        vec = lat.get_cartesian_coords(np.asarray(f) + img - v)
        if abs(vec[2]) > 1.0:
            shift = 0.3 * vec / np.linalg.norm(vec)
        elif abs(vec[0]) > 1.0:  # the pair along a
            shift = -0.1 * vec / np.linalg.norm(vec)
        else:
            continue
        idx = next(i for i, s in enumerate(st) if lat.get_distance_and_image(s.frac_coords, f)[0] < 1e-6)
        st.translate_sites([idx], shift, frac_coords=False, to_unit_cell=True)
    out = vacancy_octahedron_distances(st, v)
    assert out["axial_A"] == pytest.approx(AX + 0.6, abs=1e-4)
    # the a-pair is not collinear with the centre (puckering), so the change is 0.2 * cos(angle to a):
    # both move along their own bond vector (a/2, 0, -d)/d_eq; the a-components shrink by 0.1*(a/2)/d_eq
    d_eq = np.hypot(A / 2, (U - 0.25) * C)
    assert out["equatorial_a_A"] == pytest.approx(EQ - 2 * 0.1 * (A / 2) / d_eq, abs=1e-4)
    assert out["equatorial_b_A"] == pytest.approx(EQ, abs=1e-4)


def test_occupant_and_detection(paired):
    li_mg = next(m for m in paired if m.label == "Li+Mg")
    found = find_vacancy_sites(li_mg.structure)
    assert len(found) == 2
    for f in found:
        assert min(li_mg.structure.lattice.get_distance_and_image(f, v)[0] for v in li_mg.meta["vacancies"]) < 1e-6
    occ = {vacancy_octahedron_distances(li_mg.structure, v)["occupant"] for v in li_mg.meta["vacancies"]}
    assert occ == {"Li", "Mg"}


def test_detection_survives_small_displacements(paired):
    host = paired[0]
    st = host.structure.copy()
    rng = np.random.default_rng(0)
    st.perturb(0.08, min_distance=0.02) if hasattr(st, "perturb") else None
    for i in range(len(st)):
        st.translate_sites([i], rng.normal(0, 0.02, 3), frac_coords=False)
    found = find_vacancy_sites(st)
    assert len(found) == 2
    for f in found:
        assert min(st.lattice.get_distance_and_image(f, v)[0] for v in host.meta["vacancies"]) < 0.3


def test_table_rows(paired):
    rows = distortion_table([(m.label, m.structure) for m in paired], paired[0].meta["vacancies"])
    assert len(rows) == 2 * len(paired)
    assert {r["occupant"] for r in rows} == {"empty", "Li", "Mg"}
    assert all(r["axial_A"] == pytest.approx(AX, abs=1e-3) for r in rows)  # unrelaxed: same geometry


def test_not_a_ti_site_is_a_user_error(paired):
    from pymatgen.core import Lattice, Structure

    s = Structure(Lattice.cubic(20), ["O"] * 6, np.random.default_rng(1).random((6, 3)))
    with pytest.raises(DualionUserError):
        vacancy_octahedron_distances(s, [0.5, 0.5, 0.5])


def test_cli_build_and_distortion(run_cli, tmp_path):
    res = run_cli("build", "paired-vacancy", "--supercell", "2x2x1", "--out", tmp_path / "b")
    assert res.code == 0, res.stderr
    cifs = sorted((tmp_path / "b").glob("*.cif"))
    assert len(cifs) == 6 and (tmp_path / "b" / "manifest.yaml").is_file()
    res = run_cli("distortion", *cifs, "--out", tmp_path / "d")
    assert res.code == 0, res.stderr
    for ext in ("csv", "json", "png", "svg"):
        assert (tmp_path / "d" / f"distortion.{ext}").is_file()
    payload = json.loads((tmp_path / "d" / "distortion.json").read_text())
    assert payload["units"] == "Å"
    assert len(payload["rows"]) == 12
    assert payload["rows"][0]["axial_A"] == pytest.approx(AX, abs=1e-3)


def test_cli_errors_leave_no_output(run_cli, tmp_path):
    res = run_cli("build", "paired-vacancy", "--supercell", "2x2", "--out", tmp_path / "x")
    assert res.code == 2 and "supercell" in res.stderr
    assert not (tmp_path / "x").exists()
    res = run_cli("build", "single-vacancy", "--anions", "5F", "--out", tmp_path / "y")
    assert res.code == 2 and not (tmp_path / "y").exists()
    res = run_cli("distortion", tmp_path / "missing.cif", "--out", tmp_path / "z")
    assert res.code == 2 and "not found" in res.stderr
    assert not (tmp_path / "z").exists()


def test_cli_reads_extxyz_with_explicit_site(run_cli, tmp_path, paired):
    """Engine outputs are extended XYZ; the V_Ti site can be given explicitly."""
    from ase.io import write
    from pymatgen.io.ase import AseAtomsAdaptor

    mg = next(m for m in paired if m.label == "Mg")
    path = tmp_path / "Mg.extxyz"
    write(str(path), AseAtomsAdaptor.get_atoms(mg.structure), format="extxyz")
    v1 = ",".join(f"{x:.6f}" for x in mg.meta["vacancies"][0])
    res = run_cli("distortion", path, "--site", v1, "--out", tmp_path / "d")
    assert res.code == 0, res.stderr
    rows = json.loads((tmp_path / "d" / "distortion.json").read_text())["rows"]
    assert len(rows) == 1 and rows[0]["occupant"] == mg.meta["occupied"].get("V1", "empty")
    assert rows[0]["axial_A"] == pytest.approx(AX, abs=1e-3)
    res = run_cli("distortion", path, "--site", "0.1,0.2", "--out", tmp_path / "e")
    assert res.code == 2 and not (tmp_path / "e").exists()


def test_cli_detected_sites_keep_v1_v2_across_structures(run_cli, tmp_path, paired):
    """Without a manifest or --site, V1/V2 are detected; they must name the same sites in every file,
    even when a file lists its atoms in another order (detection order follows the Ti order)."""
    from ase.io import write
    from pymatgen.io.ase import AseAtomsAdaptor

    host = paired[0]
    li = next(m for m in paired if m.label == "Li")
    write(str(tmp_path / "host.extxyz"), AseAtomsAdaptor.get_atoms(host.structure), format="extxyz")
    write(str(tmp_path / "Li.extxyz"), AseAtomsAdaptor.get_atoms(li.structure)[::-1], format="extxyz")
    # precondition: detected independently, the reversed file lists the sites in the other order
    first = find_vacancy_sites(host.structure)
    other = find_vacancy_sites(AseAtomsAdaptor.get_structure(AseAtomsAdaptor.get_atoms(li.structure)[::-1]))
    assert np.allclose(first[0], other[1]) and np.allclose(first[1], other[0])
    res = run_cli("distortion", tmp_path / "host.extxyz", tmp_path / "Li.extxyz", "--out", tmp_path / "d")
    assert res.code == 0, res.stderr
    rows = json.loads((tmp_path / "d" / "distortion.json").read_text())["rows"]
    by = {(r["structure"], r["vacancy"]): r for r in rows}
    for v in ("V1", "V2"):
        assert by[("host", v)]["site_frac"] == by[("Li", v)]["site_frac"]
    # and the library function does the same for a list of structures
    rows2 = distortion_table([("host", host.structure),
                              ("Li", AseAtomsAdaptor.get_structure(AseAtomsAdaptor.get_atoms(li.structure)[::-1]))])
    assert [r["site_frac"] for r in rows2[:2]] == [r["site_frac"] for r in rows2[2:]]


def test_cli_same_file_names_in_two_folders_stay_apart(run_cli, tmp_path, paired):
    from ase.io import write
    from pymatgen.io.ase import AseAtomsAdaptor

    mg = next(m for m in paired if m.label == "Mg")
    for d in ("run1", "run2"):
        (tmp_path / d).mkdir()
        write(str(tmp_path / d / "Mg.extxyz"), AseAtomsAdaptor.get_atoms(mg.structure), format="extxyz")
    res = run_cli("distortion", tmp_path / "run1" / "Mg.extxyz", tmp_path / "run2" / "Mg.extxyz",
                  "--out", tmp_path / "d")
    assert res.code == 0, res.stderr
    names = {r["structure"] for r in json.loads((tmp_path / "d" / "distortion.json").read_text())["rows"]}
    assert names == {"run1/Mg", "run2/Mg"}


def test_cli_uses_vacancies_written_by_compute(run_cli, tmp_path):
    """`compute --structures` stores the builder's V1, V2 in the extxyz comment; `distortion` uses them, so
    V1 is the site named in the placement label (V1:Li), not whichever site detection finds first."""
    from dualion.engines.compute import compute_site_model, write_structures
    from dualion.engines.relax import RelaxSettings

    sm, res = compute_site_model("paired-vacancy", (2, 2, 1), ("Li",), engine="ase.calculators.lj:LennardJones",
                                 settings=RelaxSettings(fmax=1e-6, steps=1), db=None, progress=False)
    write_structures(res, tmp_path / "st")
    li = next(r for r in res.records if r.task.label == "Li")
    assert li.task.placement == "V1:Li"
    res_cli = run_cli("distortion", tmp_path / "st" / "Li.extxyz", "--out", tmp_path / "d")
    assert res_cli.code == 0, res_cli.stderr
    rows = {r["vacancy"]: r for r in json.loads((tmp_path / "d" / "distortion.json").read_text())["rows"]}
    assert rows["V1"]["occupant"] == "Li" and rows["V2"]["occupant"] == "empty"
    v1 = li.task.meta["vacancies"][0]
    assert [float(x) for x in rows["V1"]["site_frac"].split()] == pytest.approx(v1, abs=1e-4)
