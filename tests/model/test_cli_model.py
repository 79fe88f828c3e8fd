"""CLI: dualion model curve / model mc / fit — outputs and user errors."""

from __future__ import annotations

import json

import pytest
import yaml


def test_model_curve_writes_tables_and_figures(run_cli, tmp_path):
    out = tmp_path / "curve"
    res = run_cli("model", "curve", "--licl", "0,1.0", "--n", "116", "--out", out, "--json")
    assert res.code == 0, res.stderr
    rows = json.loads(res.stdout)
    # hand: Li-free → 0.22 Mg on the vacancies, Q = 96485.33·0.44/(3.6·71.0185) = 166.1 mA h g-1
    assert rows[0]["x_Mg"] == pytest.approx(0.22, abs=1e-3) and rows[0]["x_Li"] == 0
    assert rows[0]["Q_mAh_g"] == pytest.approx(166.1, abs=0.3)
    assert rows[1]["electrons_per_fu"] == pytest.approx(0.78, abs=2e-3)      # Ti4+/Ti3+ limit reached
    for name in ("curves.csv", "curves.json", "endpoints.csv", "equilibrium.png", "equilibrium.svg",
                 "uptake_vs_licl.png", "uptake_vs_licl.svg"):
        assert (out / name).is_file(), name
    payload = json.loads((out / "curves.json").read_text())
    assert "per transferred charge" in payload["conventions"]["chemical_potentials"]


def test_model_curve_custom_site_models_and_finite_electrolyte(run_cli, tmp_path):
    out = tmp_path / "c2"
    res = run_cli("model", "curve", "--site-model", "interstitial=1", "--site-model", "single-vacancy=0.22",
                  "--licl", "0.05", "--electrolyte-uL", "400", "--mass-mg", "1.26", "--n", "116", "--out", out,
                  "--json")
    assert res.code == 0, res.stderr
    row = json.loads(res.stdout)[0]
    # Li consumed from 0.05 M × 400 µL (1.127 Li per fu available): a_end = 0.05 (1 − x_Li/1.127)
    assert row["li_activity_end"] == pytest.approx(0.05 * (1 - row["x_Li"] / 1.1265), rel=2e-3)
    assert "x_Mg[single-vacancy]" in row


@pytest.mark.parametrize("args, field", [
    (("--licl", "0,abc"), "--licl"),
    (("--licl", "-0.1"), "--licl"),
    (("--site-model", "interstitial"), "--site-model"),
    (("--electrolyte-uL", "400"), "--mass-mg"),
    (("--site-model", "missing.yaml=1"), "missing.yaml"),
    (("--T", "-5"), "error: --T:"),                                        # library field names → the option
    (("--electrolyte-uL", "-400", "--mass-mg", "1"), "error: --electrolyte-uL:"),
    (("--width", "0"), "error: --width:"),
])
def test_model_curve_user_errors(run_cli, tmp_path, args, field):
    out = tmp_path / "never"
    res = run_cli("model", "curve", *args, "--n", "50", "--out", out)
    assert res.code == 2
    assert field in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not out.exists()                      # no partial outputs


def test_fit_cli_synthetic_and_errors(run_cli, tmp_path):
    doc = {"name": "cli", "n_voltages": 116,
           "parameters": {"offset:interstitial:Li": {"initial": 0.0, "bounds": [-0.3, 0.3]}},
           "targets": [{"kind": "dqdv_peak", "licl_M": 1.0, "value": 0.85, "sigma": 0.01, "window_V": [0.3, 1.2]}]}
    p = tmp_path / "t.yaml"
    p.write_text(yaml.safe_dump(doc))
    out = tmp_path / "fit"
    res = run_cli("fit", p, "--out", out, "--json")
    assert res.code == 0, res.stderr
    d = json.loads(res.stdout)
    # the 1 M interstitial-Li peak sits at 0.776 V with no offset (1.516 − 0.74); +1 V per eV per charge of
    # offset moves it down, so 0.85 V needs ≈ −0.074 eV
    assert d["parameters"][0]["value"] == pytest.approx(-0.074, abs=0.01)
    assert abs(d["targets"][0]["residual_sigma"]) < 0.2
    assert (out / "fit.png").is_file() and (out / "fit_residuals.csv").is_file()
    doc["targets"][0]["sigma"] = 0
    p.write_text(yaml.safe_dump(doc))
    res = run_cli("fit", p, "--out", tmp_path / "fit2")
    assert res.code == 2 and "targets.0.sigma" in res.stderr
    assert not (tmp_path / "fit2").exists()


def test_model_mc_cli(run_cli):
    res = run_cli("model", "mc", "--size", "6", "--sweeps", "200", "--mu", "Li=-1.5", "--mu", "Mg=-1.15")
    assert res.code == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["x_per_site"]["Li"] == pytest.approx(d["independent_site_x"]["Li"], abs=5 * d["stderr"]["Li"] + 1e-3)


def test_fit_cli_errors_found_after_loading_name_the_file(run_cli, tmp_path):
    doc = {"parameters": {"offset:moon": {"initial": 0.0}},
           "targets": [{"kind": "capacity", "licl_M": 1.0, "value": 290, "sigma": 5}]}
    p = tmp_path / "t.yaml"
    p.write_text(yaml.safe_dump(doc))
    res = run_cli("fit", p, "--out", tmp_path / "f")
    assert res.code == 2
    assert res.stderr.startswith(f"error: {p}: parameters.offset:moon:") and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "f").exists()


@pytest.mark.parametrize("args, field", [(("--mu", "Na=-1", "--mu", "Li=-1.5"), "--mu"), (("--size", "5"), "error: --size:"),
                                        (("--T", "-1"), "error: --T:")])
def test_model_mc_cli_errors(run_cli, args, field):
    res = run_cli("model", "mc", "--sweeps", "40", *args)
    assert res.code == 2 and field in res.stderr and len(res.stderr.strip().splitlines()) == 1
