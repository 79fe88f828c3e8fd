"""`dualion capacity`, `dualion formula`, `dualion convert-voltage`: outputs and one-line errors (exit 2)."""

import json

import pytest

PAPER = "Ti0.78□0.22O1.12F0.40(OH)0.48"


def test_capacity_text(run_cli):
    res = run_cli("capacity", PAPER, "--inserted", "Li=0.47,Mg=0.18")
    assert res.code == 0, res.stderr
    out = dict(line.split(None, 1) for line in res.stdout.strip().splitlines())
    assert float(out["molar_mass_g_mol"]) == pytest.approx(71.0185, abs=1e-4)
    assert float(out["theoretical_capacity_mAh_g"]) == pytest.approx(294.362, abs=1e-3)   # 0.78 e / 71.018
    assert float(out["electrons_per_formula"]) == pytest.approx(0.83)                     # 0.47 + 2 × 0.18
    assert float(out["capacity_mAh_g"]) == pytest.approx(313.232, abs=1e-3)               # 0.83 e / 71.018
    assert out["basis"].startswith("pristine")
    assert out["site_resolved_formula"] == "[Li0.43]4b[Li0.04Mg0.18Ti0.78]4aO1.12F0.40(OH)0.48"


def test_capacity_json_discharged(run_cli):
    res = run_cli("capacity", "Ti0.78Va0.22O1.12F0.40(OH)0.48", "--inserted", "Li=0.47,Mg=0.18",
                  "--basis", "discharged", "--average-voltage", "1.0", "--json")
    assert res.code == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["formula"] == PAPER
    assert d["basis"] == "discharged" and d["theoretical_basis"] == "pristine"
    # 0.83 × 26801.48114 / 78.65564248 = 282.82 mA h g-1 ; × 1.0 V = 282.82 W h kg-1
    assert d["capacity_mAh_g"] == pytest.approx(282.82, abs=0.01)
    assert d["energy_density_Wh_kg"] == pytest.approx(282.82, abs=0.01)
    assert d["vacancy_4a"] == {"Li": pytest.approx(0.04), "Mg": pytest.approx(0.18)}


def test_capacity_redox_option(run_cli):
    res = run_cli("capacity", "V2O5", "--redox", "V:5:3", "--json")
    assert res.code == 0, res.stderr
    d = json.loads(res.stdout)
    # 4 e × 26801.48114 / 181.8800 = 589.43 mA h g-1
    assert d["theoretical_electrons_per_formula"] == 4.0
    assert d["theoretical_capacity_mAh_g"] == pytest.approx(589.43, abs=0.01)


def test_formula_command(run_cli):
    res = run_cli("formula", "--x", "0.10", "--y", "0.12")
    assert res.code == 0
    assert res.stdout.strip() == PAPER
    d = json.loads(run_cli("formula", "--x", "0.10", "--y", "0.12", "--json").stdout)
    assert d["inventory"]["ti"] == 0.78 and d["inventory"]["ti_vacancies"] == 0.22
    assert d["inventory"]["interstitial_4b"] == 1.0
    assert d["theoretical_capacity_mAh_g"] == pytest.approx(294.36, abs=0.01)


def test_convert_voltage(run_cli):
    res = run_cli("convert-voltage", "0.93", "--from", "Mg", "--to", "Li")
    assert res.code == 0
    assert res.stdout.strip() == "1.6700 V vs Li+/Li"        # 0.93 + 0.74
    # Nernst shift: a = 0.1 moves the Li+/Li electrode down by 0.025693 × ln 10 = 0.0592 V → 1.67 + 0.0592
    d = json.loads(run_cli("convert-voltage", "0.93", "--from", "Mg", "--to", "Li", "--li-activity", "0.1",
                           "--json").stdout)
    assert d["converted_V"] == pytest.approx(1.7292, abs=1e-4)


@pytest.mark.parametrize("args, msg", [
    (("capacity", "Ti0.79□0.21O1.12F0.40(OH)0.48"), "net charge +0.04 e per formula unit"),
    (("capacity", "Ti0.78Qq0.22O2"), "unknown element 'Qq'"),
    (("capacity", "Ti(O2"), "unclosed"),
    (("capacity", PAPER, "--inserted", "Li=-0.1"), "≥ 0"),
    (("capacity", PAPER, "--inserted", "Li=abc"), "not a number"),
    (("capacity", PAPER, "--inserted", "Li0.4"), "NAME=NUMBER"),
    (("capacity", PAPER, "--inserted", "Li=1.2,Mg=0.18"), "exceed the available sites"),
    (("capacity", PAPER, "--basis", "wet"), "basis"),
    (("capacity", PAPER, "--redox", "Ti:4"), "ELEMENT:FROM:TO"),
    (("formula", "--x", "0.4", "--y", "0.2"), "x + y must be ≤ 0.5"),
    (("convert-voltage", "1.0", "--from", "Na", "--to", "Li"), "reference must be"),
])
def test_cli_errors_one_line_exit_2(run_cli, args, msg):
    res = run_cli(*args)
    assert res.code == 2
    assert msg in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.stderr
    assert res.stdout == ""


def test_measured_capacity_to_electrons(run_cli):
    d = json.loads(run_cli("capacity", PAPER, "--measured-capacity", "300", "--average-voltage", "0.93",
                           "--json").stdout)
    # pristine: n = 300 × 71.01847248 / 26801.48114 = 0.79494 e per f.u.
    assert d["electrons_from_measured_capacity"] == pytest.approx(0.79494, abs=1e-5)
    # 300 mA h g-1 × 0.93 V = 279 W h kg-1, of the measured capacity, voltage vs Mg
    assert d["energy_density_Wh_kg"] == pytest.approx(279.0)
    assert d["energy_density_of"] == "measured_capacity_mAh_g" and d["average_voltage_reference"] == "Mg"
    # discharged basis, Li carrier: n = 3.6 Q M / (F − 3.6 Q M_Li) = 300 × 71.01847 / (26801.48114 − 300 × 6.941)
    #                                 = 21305.54 / 24719.18 = 0.86190
    d2 = json.loads(run_cli("capacity", PAPER, "--measured-capacity", "300", "--basis", "discharged",
                            "--json").stdout)
    assert d2["electrons_from_measured_capacity"] == pytest.approx(0.86190, abs=1e-5)
