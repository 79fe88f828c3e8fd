"""VASP adapter: the paper's INCAR/KPOINTS/POTCAR.spec, and collection of (synthetic) vasprun.xml files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dualion.engines.vasp import (
    collect_vasp_runs,
    load_references,
    read_vasp_run,
    write_vasp_inputs,
)
from dualion.errors import DualionUserError
from dualion.structures import build_site_model
from dualion.thermo.sitemodel import dump_site_model, load_site_model


# --- a minimal vasprun.xml writer (enough for pymatgen's Vasprun) ---------------------------------
def _vec_lines(rows) -> str:
    return "\n".join("    <v>" + " ".join(f"{x:16.8f}" for x in r) + " </v>" for r in rows)


def _structure_xml(structure, name: str | None = None) -> str:
    attr = f' name="{name}"' if name else ""
    return f"""  <structure{attr}>
   <crystal>
    <varray name="basis">
{_vec_lines(structure.lattice.matrix)}
    </varray>
    <i name="volume">{structure.volume:16.8f}</i>
   </crystal>
   <varray name="positions">
{_vec_lines(structure.frac_coords)}
   </varray>
  </structure>"""


def _energy_xml(e: float) -> str:
    return (f'<energy><i name="e_fr_energy">{e:16.8f}</i><i name="e_wo_entrp">{e:16.8f}</i>'
            f'<i name="e_0_energy">{e:16.8f}</i></energy>')


def write_vasprun(run_dir: Path, energies: list[float], nsw: int = 200, nelm: int = 60, n_scf: int = 12,
                  truncate: bool = False) -> Path:
    """vasprun.xml of a relaxation with one <calculation> per energy in ``energies`` (eV).

    Converged when len(energies) < nsw and n_scf < nelm (pymatgen's rules); ``truncate`` cuts the
    file inside a final, unfinished ionic step (a killed run).
    """
    from pymatgen.io.vasp.inputs import Poscar

    st = Poscar.from_file(run_dir / "POSCAR").structure
    symbols = [s.specie.symbol for s in st]
    types = list(dict.fromkeys(symbols))
    atoms = "\n".join(f"    <rc><c>{s}</c><c>{types.index(s) + 1}</c></rc>" for s in symbols)
    atomtypes = "\n".join(f"    <rc><c>{symbols.count(t)}</c><c>{t}</c><c>1.0</c><c>1.0</c><c>PAW_PBE {t} X</c></rc>"
                          for t in types)
    calcs = []
    for e in energies:
        scf = "\n".join(f"   <scstep>{_energy_xml(e + 0.1 / (k + 1))}</scstep>" for k in range(n_scf - 1))
        scf += f"\n   <scstep>{_energy_xml(e)}</scstep>"
        forces = _vec_lines([[0.0, 0.0, 0.0]] * len(st))
        calcs.append(f""" <calculation>
{scf}
{_structure_xml(st)}
  <varray name="forces">
{forces}
  </varray>
  <varray name="stress">
{_vec_lines([[0.0] * 3] * 3)}
  </varray>
  {_energy_xml(e)}
 </calculation>""")
    body = f"""<?xml version="1.0" encoding="ISO-8859-1"?>
<modeling>
 <generator>
  <i name="program" type="string">vasp </i>
  <i name="version" type="string">5.4.4.18Apr17-6-g9f103f2a35 </i>
  <i name="subversion" type="string">synthetic </i>
  <i name="platform" type="string">test </i>
  <i name="date" type="string">2026 11 25 </i>
  <i name="time" type="string">04:00:00 </i>
 </generator>
 <incar>
  <i type="string" name="GGA">PS</i>
  <i name="ENCUT">    500.0</i>
  <i type="int" name="IBRION">     1</i>
  <i type="int" name="NSW">  {nsw}</i>
  <i name="EDIFFG">     -0.01</i>
  <i type="int" name="ISPIN">     2</i>
 </incar>
 <kpoints>
  <generation param="Monkhorst-Pack">
   <v type="int" name="divisions">       2        2        2 </v>
   <v name="usershift">      0.0 0.0 0.0 </v>
  </generation>
  <varray name="kpointlist">
   <v>       0.0 0.0 0.0 </v>
  </varray>
  <varray name="weights">
   <v>       1.0 </v>
  </varray>
 </kpoints>
 <parameters>
  <separator name="electronic">
   <i type="int" name="NELM">  {nelm}</i>
   <i type="int" name="ISPIN">     2</i>
  </separator>
  <separator name="ionic">
   <i type="int" name="NSW">  {nsw}</i>
   <i type="int" name="IBRION">     1</i>
   <i name="EDIFFG">     -0.01</i>
  </separator>
 </parameters>
 <atominfo>
  <atoms>{len(st)}</atoms>
  <types>{len(types)}</types>
  <array name="atoms">
   <dimension dim="1">ion</dimension>
   <field type="string">element</field>
   <field type="int">atomtype</field>
   <set>
{atoms}
   </set>
  </array>
  <array name="atomtypes">
   <dimension dim="1">type</dimension>
   <field type="int">atomspertype</field>
   <field type="string">element</field>
   <field>mass</field>
   <field>valence</field>
   <field type="string">pseudopotential</field>
   <set>
{atomtypes}
   </set>
  </array>
 </atominfo>
{_structure_xml(st, "initialpos")}
{chr(10).join(calcs)}
{_structure_xml(st, "finalpos")}
</modeling>
"""
    if truncate:
        body = body[: body.rfind("<calculation>") + 200]
    path = run_dir / "vasprun.xml"
    path.write_text(body)
    return path


# --- inputs ------------------------------------------------------------------------------------------
def _incar(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


@pytest.fixture(scope="module")
def models():
    return build_site_model("single-vacancy", (2, 2, 1), ions=("Li", "Mg"))


def test_incar_kpoints_potcar_spec(models, tmp_path):
    manifest = write_vasp_inputs(models, tmp_path)
    doc = yaml.safe_load(manifest.read_text())
    dirs = {r["dir"]: r for r in doc["runs"]}
    li_dir = next(d for d, r in dirs.items() if r.get("label") == "Li")
    incar = _incar(tmp_path / li_dir / "INCAR")
    # the paper's settings
    assert incar["ENCUT"] in ("500", "500.0")
    assert incar["GGA"].upper() == "PS"
    assert incar["ISPIN"] == "2" and incar["LDAU"] == "True" and incar["LDAUTYPE"] == "2"
    assert float(incar["EDIFFG"]) == -0.01 and incar["ISIF"] == "2" and incar["IBRION"] == "1"
    assert incar["LREAL"] == "False"
    poscar_lines = (tmp_path / li_dir / "POSCAR").read_text().splitlines()
    species = poscar_lines[5].split()
    assert species == ["Ti", "O", "F", "Li"]
    # U on Ti d only, in POSCAR species order
    assert [float(x) for x in incar["LDAUU"].split()] == [4.2, 0.0, 0.0, 0.0]
    assert [int(x) for x in incar["LDAUL"].split()] == [2, -1, -1, -1]
    kp = (tmp_path / li_dir / "KPOINTS").read_text().splitlines()
    assert kp[2].lower().startswith("monkhorst") and kp[3].split() == ["2", "2", "2"]
    assert (tmp_path / li_dir / "POTCAR.spec").read_text().split() == ["Ti_pv", "O", "F", "Li_sv"]
    assert not (tmp_path / li_dir / "POTCAR").exists()
    # metal references: 2-atom cells, Li 16^3 and Mg 18^3 meshes, cell relaxed, no U
    for ion, n in (("Li", "16"), ("Mg", "18")):
        ref = tmp_path / f"ref_{ion}"
        assert (ref / "KPOINTS").read_text().splitlines()[3].split() == [n] * 3
        inc = _incar(ref / "INCAR")
        assert inc["ISIF"] == "3" and "LDAUU" not in inc
        assert (ref / "POSCAR").read_text().splitlines()[6].split() == ["2"]
    assert doc["settings"]["encut_eV"] == 500


def test_public_data_potcar_set(models, tmp_path):
    write_vasp_inputs(models[:2], tmp_path, potcars="f-tio2-dft", references=[])
    spec = sorted(tmp_path.glob("*/POTCAR.spec"))
    assert [p.read_text().split() for p in spec] == [["Ti_pv", "O", "F"], ["Ti_pv", "O", "F", "Li"]]
    assert not list(tmp_path.glob("ref_*"))
    with pytest.raises(DualionUserError):
        write_vasp_inputs(models, tmp_path / "x", potcars="nonsense")
    assert not (tmp_path / "x").exists()


# --- collection --------------------------------------------------------------------------------------
def _fake_campaign(models, root: Path, energies: dict[str, list[float]], **special) -> dict:
    write_vasp_inputs(models, root)
    doc = yaml.safe_load((root / "manifest.yaml").read_text())
    for r in doc["runs"]:
        key = r.get("label", r.get("dir"))
        if r["kind"] == "reference":
            key = f"ref_{r['ion']}"
        if key in special.get("skip", ()):
            continue
        opts = special.get("opts", {}).get(key, {})
        write_vasprun(root / r["dir"], energies[key], **opts)
    return doc


ENERGIES = {"V_Ti+4F_O": [-350.0, -351.25], "Li": [-352.0, -353.5], "Mg": [-354.0, -355.75],
            "ref_Li": [-3.8, -3.8154], "ref_Mg": [-3.0, -3.0492]}


def test_collect_round_trip(models, tmp_path):
    _fake_campaign(models, tmp_path, ENERGIES)
    model = collect_vasp_runs(tmp_path)
    assert model.host.label == "V_Ti+4F_O" and model.host.energy_eV == pytest.approx(-351.25)
    assert model.host.status == "finished"
    by = {c.label: c for c in model.configurations}
    assert by["Li"].energy_eV == pytest.approx(-353.5) and by["Li"].counts == {"Li": 1}
    assert by["Mg"].energy_eV == pytest.approx(-355.75) and by["Mg"].site == "V_Ti"
    # references from the 2-atom metal runs: E / 2 atoms
    assert model.references_eV_per_atom == pytest.approx({"Li": -3.8154 / 2, "Mg": -3.0492 / 2})
    out = dump_site_model(model, tmp_path / "site.yaml")
    again = load_site_model(out)
    assert again.host.energy_eV == pytest.approx(-351.25)
    assert {c.label: c.energy_eV for c in again.configurations} == pytest.approx({"Li": -353.5, "Mg": -355.75})
    # ΔE_Li = E(Li) - E(host) - μ_Li = -353.5 + 351.25 + 1.9077 = -0.3423 eV (through the shared formula)
    from dualion.thermo.grand import insertion_energy_eV

    assert insertion_energy_eV(again, again.configurations[0]) == pytest.approx(-353.5 + 351.25 + 3.8154 / 2)


def test_unconverged_truncated_and_missing_runs(models, tmp_path):
    _fake_campaign(models, tmp_path, {**ENERGIES, "Li": [-352.0, -352.5, -352.6]},
                   skip=("Mg",), opts={"Li": {"nsw": 3}})  # Li hit NSW: ionically unconverged
    model = collect_vasp_runs(tmp_path)
    by = {c.label: c for c in model.configurations}
    assert by["Li"].status == "incomplete" and by["Li"].energy_eV == pytest.approx(-352.6)
    assert "Mg" not in by
    assert model.provenance["incomplete"] == ["Li"]
    assert [d["status"] for d in model.provenance["not_collected"]] == ["missing"]
    # truncated (killed) run: the last complete ionic step is kept, flagged incomplete
    li_dir = next(p for p in tmp_path.iterdir() if p.name.endswith("__Li"))
    write_vasprun(li_dir, [-352.0, -352.4, -352.45], truncate=True)
    res = read_vasp_run(li_dir)
    assert res.status == "incomplete" and res.energy_eV == pytest.approx(-352.4)
    # electronic non-convergence (NELM reached in the last ionic step)
    write_vasprun(li_dir, [-352.0], nelm=12, n_scf=12)
    assert read_vasp_run(li_dir).status == "incomplete"


def test_nothing_usable_is_a_user_error(models, tmp_path, run_cli):
    write_vasp_inputs(models, tmp_path)
    with pytest.raises(DualionUserError):
        collect_vasp_runs(tmp_path)
    res = run_cli("vasp-collect", tmp_path, "--out", tmp_path / "out.yaml")
    assert res.code == 2 and "host" in res.stderr
    assert not (tmp_path / "out.yaml").exists()
    res = run_cli("vasp-collect", tmp_path / "nowhere", "--out", tmp_path / "out.yaml")
    assert res.code == 2


def test_references_from_public_yaml(dft_dir, models, tmp_path):
    refs = load_references(dft_dir / "elemental_reference.yaml")
    docs = [d for d in yaml.safe_load_all((dft_dir / "elemental_reference.yaml").read_text()) if d]
    li = next(d for d in docs if d["title"] == "elemental Li")
    n = li["stoichiometry"][0]["Li"]
    assert refs["Li"] == pytest.approx(float(li["energy"].split()[0]) / n)
    assert set(refs) == {"Li", "Na", "Mg", "Ca", "Al"}
    # a plain mapping file works too, and overrides the ref_<ion> runs
    (tmp_path / "refs.yaml").write_text("Li: -1.9\nMg: -1.5 eV\n")
    camp = tmp_path / "camp"
    _fake_campaign(models, camp, ENERGIES)
    res = run_cli_collect(camp, tmp_path / "refs.yaml")
    assert res.references_eV_per_atom == pytest.approx({"Li": -1.9, "Mg": -1.5})


def run_cli_collect(camp: Path, refs: Path):
    return collect_vasp_runs(camp, references=refs)


def test_cli_vasp_inputs_and_collect(run_cli, tmp_path, models):
    res = run_cli("vasp-inputs", "paired-vacancy", "--supercell", "2x2x1", "--ions", "Li", "--out", tmp_path / "v")
    assert res.code == 0, res.stderr
    doc = yaml.safe_load((tmp_path / "v" / "manifest.yaml").read_text())
    labels = [r.get("label") for r in doc["runs"] if r["kind"] == "model"]
    assert labels == ["2V_Ti+8F_O", "Li", "Li+Li"]
    camp = tmp_path / "c"
    _fake_campaign(models, camp, ENERGIES)
    res = run_cli("vasp-collect", camp, "--out", tmp_path / "site.yaml")
    assert res.code == 0, res.stderr
    assert load_site_model(tmp_path / "site.yaml").host.energy_eV == pytest.approx(-351.25)


def test_cli_collect_flags_unconverged_runs_on_stderr(models, tmp_path, run_cli):
    """An ionically unconverged run is kept (status: incomplete) and flagged: one stderr line naming its file."""
    _fake_campaign(models, tmp_path / "c", {**ENERGIES, "Li": [-352.0, -352.5, -352.6]}, opts={"Li": {"nsw": 3}})
    res = run_cli("vasp-collect", tmp_path / "c", "--out", tmp_path / "site.yaml")
    assert res.code == 0, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning:")
    assert "__Li" in lines[0] and "vasprun.xml" in lines[0] and "incomplete" in lines[0]
    assert {c.label: c.status for c in load_site_model(tmp_path / "site.yaml").configurations} == {
        "Li": "incomplete", "Mg": "finished"}


def test_collect_refuses_a_vasprun_whose_atoms_are_not_its_folders(models, tmp_path, run_cli):
    """A vasprun.xml of another structure (composition) or with the atoms reordered is refused in one line."""
    import shutil

    from pymatgen.io.vasp.inputs import Poscar

    doc = _fake_campaign(models, tmp_path / "a", ENERGIES)
    d = {r.get("label", r["dir"]): tmp_path / "a" / r["dir"] for r in doc["runs"] if r["kind"] == "model"}
    shutil.copy(d["Mg"] / "vasprun.xml", d["Li"] / "vasprun.xml")  # Mg's result in the Li folder
    res = run_cli("vasp-collect", tmp_path / "a", "--out", tmp_path / "a.yaml")
    line = res.stderr.strip()
    assert res.code == 2 and len(line.splitlines()) == 1 and "Traceback" not in line
    assert str(d["Li"] / "vasprun.xml") in line and "composition" in line and "Mg" in line
    assert not (tmp_path / "a.yaml").exists()
    # same atoms, another order: the POSCAR written with the species reversed
    _fake_campaign(models, tmp_path / "b", ENERGIES)
    li = tmp_path / "b" / d["Li"].name
    st = Poscar.from_file(li / "POSCAR").structure
    order = sorted(range(len(st)), key=lambda i: -st[i].specie.Z)
    st2 = st.copy()
    st2 = type(st)(st.lattice, [st[i].specie for i in order], [st[i].frac_coords for i in order])
    (li / "POSCAR").write_text(Poscar(st2).get_str())
    with pytest.raises(DualionUserError, match="atom order"):
        collect_vasp_runs(tmp_path / "b")
