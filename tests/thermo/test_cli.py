"""CLI contract: energies, diagram, query, path; user errors → one line on stderr, exit 2, no outputs."""

import json

import pytest

from dualion.thermo.models import dft_file

VAC = str(dft_file("vacancy_intercalation.yaml"))
REF = str(dft_file("elemental_reference.yaml"))
STO = str(dft_file("stoichiometric_anatase.yaml"))


def test_energies_json(run_cli):
    res = run_cli("energies", VAC, STO, REF, "--json")
    assert res.code == 0, res.stderr
    recs = json.loads(res.stdout)
    li = next(r for r in recs if r["title"] == "TiO2 4F + Li")
    assert li["host"] == "TiO2 4F stoichiometric" and li["counts"] == {"Li": 1} and li["status"] == "finished"
    assert li["insertion_energy_eV"] == pytest.approx(-2.68278783, abs=1e-7)
    mg = next(r for r in recs if r["title"] == "stoichiometric anatase + Mg")
    assert mg["status"] == "incomplete" and mg["flag"]
    assert mg["per_charge_eV"] == pytest.approx(-1.01921838 / 2, abs=1e-7)


def test_energies_table_flags(run_cli):
    res = run_cli("energies", "interstitial")
    assert res.code == 0 and "incomplete" in res.stdout and "⚠" in res.stdout


def test_diagram_outputs(run_cli, tmp_path):
    res = run_cli("diagram", "paired-vacancy", "--out", tmp_path, "--window", "-5", "0", "-3", "0")
    assert res.code == 0, res.stderr
    for f in ("diagram.png", "diagram.svg", "diagram.json"):
        assert (tmp_path / f).stat().st_size > 0
    d = json.loads((tmp_path / "diagram.json").read_text())
    assert "per transferred charge" in d["convention"] and d["window"] == {"x": [-5.0, 0.0], "y": [-3.0, 0.0]}
    assert {r["label"] for r in d["regions"]} == {"empty", "Li", "Mg", "Li+Li", "Mg+Mg", "Li+Mg"}
    assert sum(r["area_eV2"] for r in d["regions"]) == pytest.approx(15.0)
    assert all(len(r["polygon"]) >= 3 for r in d["regions"]) and d["thresholds"]
    assert "not DFT" in d["provenance"]["kind"]


def test_diagram_from_files_with_host(run_cli, tmp_path):
    res = run_cli("diagram", VAC, REF, "--host", "TiO2 4F stoichiometric", "--per", "atom", "--out", tmp_path)
    assert res.code == 0, res.stderr
    d = json.loads((tmp_path / "diagram.json").read_text())
    assert d["per"] == "atom" and d["axes"] == ["Δμ_Li (eV per atom)", "Δμ_Mg (eV per atom)"]
    thr = {tuple(t["between"]): t for t in d["thresholds"]}
    t = thr[("empty", "Mg")]
    # per atom the Mg threshold is the full ΔE(Mg) = −3.29717868 eV
    assert t["line"]["c"] / t["line"]["b"] == pytest.approx(-3.29717868, abs=1e-7)


def test_query(run_cli):
    res = run_cli("query", "paired-vacancy", "--mu", "Li=-2.8", "--mu", "Mg=-2.5")
    assert res.code == 0, res.stderr
    out = json.loads(res.stdout)
    # Ω(Li+Li) = −5.80 + 2·2.8 = −0.20; Ω(Li) = −2.95 + 2.8 = −0.15; Mg's need Δμ_Mg > −1.845: Li+Li wins
    assert out["label"] == "Li+Li" and out["counts"] == {"Li": 2} and out["omega_eV"] == pytest.approx(-0.20)


def test_path_outputs(run_cli, tmp_path):
    res = run_cli("path", "paired-vacancy", "--licl", "0,0.05,0.1,0.2,1.0", "--delta-e-ref", "0.74", "--out", tmp_path)
    assert res.code == 0, res.stderr
    for f in ("path.csv", "path.json", "path.png", "path.svg"):
        assert (tmp_path / f).stat().st_size > 0
    d = json.loads((tmp_path / "path.json").read_text())
    assert [p["licl_M"] for p in d["paths"]] == [0.0, 0.05, 0.1, 0.2, 1.0] and d["paths"][0]["li_free"]
    assert d["paths"][-1]["transitions"][0]["V_vs_Mg"] == pytest.approx(2.21)


@pytest.mark.parametrize("args,needle", [
    (["diagram", "nope.yaml"], "nope.yaml"),
    (["diagram", VAC], "references.Li"),
    (["diagram", VAC, REF], "--host"),
    (["diagram", "paired-vacancy", "--per", "mole"], "--per"),
    (["diagram", "paired-vacancy", "--window", "0", "-1", "0", "1"], "--window"),
    (["query", "paired-vacancy", "--mu", "Li=abc", "--mu", "Mg=-1"], "--mu"),
    (["query", "paired-vacancy", "--mu", "Li=-1"], "--mu"),
    (["path", "paired-vacancy", "--licl", "0.1,x"], "--licl"),
    (["path", "paired-vacancy", "--licl", "-1"], "--licl"),
    (["energies", "paired-vacancy", "--ions", "Li,Xx"], "Xx"),
])
def test_user_errors_exit_2_one_line_no_outputs(run_cli, tmp_path, args, needle):
    out = tmp_path / "o"
    res = run_cli(*args, "--out", out) if args[0] in ("diagram", "path") else run_cli(*args)
    assert res.code == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0]
    assert "Traceback" not in res.stderr and not out.exists()


def test_unbalanced_file_error(run_cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "---\ntitle: host\nstoichiometry: [{Ti: 35}, {O: 68}, {F: 4}]\nenergy: -875.7 eV\n"
        "---\ntitle: host + Li\nstoichiometry: [{Ti: 35}, {O: 67}, {F: 4}, {Li: 1}]\nenergy: -878.0 eV\n"
        "---\ntitle: elemental Li\nstoichiometry: [{Li: 2}]\nenergy: -3.9 eV\n")
    res = run_cli("energies", bad)
    assert res.code == 2 and "host + Li" in res.stderr and "'host'" in res.stderr and "O: -1" in res.stderr


def test_site_model_file_and_ase_files(run_cli, tmp_path):
    from ase import Atoms
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.io import write

    from dualion.thermo.models import bundled_model
    from dualion.thermo.sitemodel import dump_site_model

    f = dump_site_model(bundled_model("paired-vacancy"), tmp_path / "pv.yaml")
    res = run_cli("query", f, "--mu", "Li=-2.0", "--mu", "Mg=-1.0")
    assert res.code == 0 and json.loads(res.stdout)["label"] == "Li+Mg"
    # three ASE files: host, host + Li, Li metal → ΔE = −10.5 + 7.0 + 3.0/2 = −2.0 eV
    for name, syms, e in (("host.extxyz", "TiO2", -7.0), ("hostli.extxyz", "TiO2Li", -10.5), ("li.extxyz", "Li2", -3.0)):
        at = Atoms(syms, positions=[[0, 0, i] for i in range(len(Atoms(syms)))], cell=[5, 5, 5], pbc=True)
        at.calc = SinglePointCalculator(at, energy=e)
        write(tmp_path / name, at)
    res = run_cli("energies", tmp_path / "host.extxyz", tmp_path / "hostli.extxyz", tmp_path / "li.extxyz", "--json",
                  "--ions", "Li")
    assert res.code == 0, res.stderr
    (rec,) = json.loads(res.stdout)
    assert rec["insertion_energy_eV"] == pytest.approx(-2.0)


def test_out_is_a_file_is_a_user_error(run_cli, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    for args in (["diagram", "paired-vacancy"], ["path", "paired-vacancy", "--licl", "1"]):
        for out in (blocker, blocker / "sub"):
            res = run_cli(*args, "--out", out)
            lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
            assert res.code == 2 and len(lines) == 1 and "--out" in lines[0] and "Traceback" not in res.stderr
    assert blocker.read_text() == "x"


def test_site_model_with_zero_counts_is_a_user_error(run_cli, tmp_path):
    f = tmp_path / "z.yaml"
    f.write_text("ions: [Li, Mg]\nreferences: {Li: -1.9, Mg: -1.7}\nhost: {energy: -10}\n"
                 "configurations: [{label: x, counts: {Li: 0}, energy: -12}]\n")
    res = run_cli("energies", f)
    assert res.code == 2 and "configurations[0].counts" in res.stderr and "Traceback" not in res.stderr


def test_diagram_defaults_to_the_site_model_ions(run_cli, tmp_path):
    f = tmp_path / "naca.yaml"
    f.write_text("ions: [Na, Ca]\nreferences: {Na: -1.3, Ca: -2.1}\nhost: {label: h, energy: -100.0}\n"
                 "configurations:\n  - {label: Na, counts: {Na: 1}, energy: -103.4}\n"
                 "  - {label: Ca, counts: {Ca: 1}, energy: -105.1}\n")
    res = run_cli("diagram", f, "--out", tmp_path / "o")
    assert res.code == 0, res.stderr
    d = json.loads((tmp_path / "o" / "diagram.json").read_text())
    assert d["axes"] == ["Δμ_Na (eV)", "Δμ_Ca (eV per charge)"]
    thr = {tuple(t["between"]): t["line"] for t in d["thresholds"]}
    # ΔE(Na) = −103.4 + 100 + 1.3 = −2.1 eV; ΔE(Ca) = −105.1 + 100 + 2.1 = −3.0 eV → −1.5 eV per charge
    assert thr[("empty", "Na")]["c"] / thr[("empty", "Na")]["a"] == pytest.approx(-2.1)
    assert thr[("empty", "Ca")]["c"] / thr[("empty", "Ca")]["b"] == pytest.approx(-1.5)


def test_incomplete_runs_flagged_in_diagram_and_path_outputs(run_cli, tmp_path):
    res = run_cli("diagram", "interstitial", "--out", tmp_path / "d")
    assert res.code == 0 and "excluded: Mg" in res.stdout and "--allow-incomplete" in res.stdout
    d = json.loads((tmp_path / "d" / "diagram.json").read_text())
    assert [x["label"] for x in d["excluded"]] == ["Mg"] and d["excluded"][0]["status"] == "incomplete"
    res = run_cli("path", "interstitial", "--licl", "1", "--allow-incomplete", "--out", tmp_path / "p")
    assert res.code == 0 and "Mg*" in res.stdout
    p = json.loads((tmp_path / "p" / "path.json").read_text())
    assert [s["status"] for s in p["paths"][0]["segments"]] == ["finished", "finished", "incomplete"]


def test_public_dft_copies_carry_the_citation(run_cli, tmp_path, dft_dir):
    import shutil

    for f in ("vacancy_intercalation.yaml", "elemental_reference.yaml"):
        shutil.copy(dft_dir / f, tmp_path / f)
    res = run_cli("diagram", tmp_path / "vacancy_intercalation.yaml", tmp_path / "elemental_reference.yaml",
                  "--host", "TiO2 4F stoichiometric", "--out", tmp_path / "o")
    assert res.code == 0, res.stderr
    d = json.loads((tmp_path / "o" / "diagram.json").read_text())
    assert "10.15125/BATH-00473" in d["provenance"]["citation"] and "MIT" in d["provenance"]["citation"]
    # an edited copy is no longer the public data set: no citation claimed
    text = (tmp_path / "vacancy_intercalation.yaml").read_text().replace("-880.34275831", "-880.3")
    (tmp_path / "vacancy_intercalation.yaml").write_text(text)
    (tmp_path / "elemental_reference.yaml").write_text(
        "title: elemental Li\nstatus: finished\nstoichiometry: [{Li: 2}]\nenergy: -3.9 eV\n"
        "---\ntitle: elemental Mg\nstatus: finished\nstoichiometry: [{Mg: 2}]\nenergy: -3.4 eV\n")
    res = run_cli("diagram", tmp_path / "vacancy_intercalation.yaml", tmp_path / "elemental_reference.yaml",
                  "--host", "TiO2 4F stoichiometric", "--out", tmp_path / "o2")
    assert res.code == 0, res.stderr
    assert "citation" not in json.loads((tmp_path / "o2" / "diagram.json").read_text())["provenance"]


def test_incomplete_metal_reference_is_flagged(run_cli, tmp_path):
    f = tmp_path / "runs.yaml"
    f.write_text("title: host\nstoichiometry: [{Ti: 2}, {O: 4}]\nenergy: -50.0 eV\n"
                 "---\ntitle: host + Li\nstoichiometry: [{Ti: 2}, {O: 4}, {Li: 1}]\nenergy: -53.0 eV\n"
                 "---\ntitle: Li metal\nstatus: incomplete\nstoichiometry: [{Li: 2}]\nenergy: -3.8 eV\n")
    res = run_cli("energies", f, "--json", "--ions", "Li")
    assert res.code == 0, res.stderr
    (rec,) = json.loads(res.stdout)
    # −53.0 + 50.0 + 3.8/2 = −1.1 eV, kept but flagged
    assert rec["total_eV"] == pytest.approx(-1.1) and "Li metal reference" in rec["flag"]
