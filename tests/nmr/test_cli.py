"""``dualion nmr`` end to end in a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.nmr import cases, sim

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _run(*args, timeout=180):
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "dualion.cli", "nmr", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    d = tmp_path_factory.mktemp("nmr")
    sim.write_processed(d / "pristine", cases.PRISTINE_60K, si=2048, mas_Hz=60000.0, noise=0.002, **cases.F19)
    sim.write_processed(d / "eoc", cases.PRISTINE_60K, si=2048, mas_Hz=64000.0, noise=0.002, seed=4, **cases.F19)
    return d


def test_fit_json_contract_and_outputs(datasets, tmp_path):
    out = tmp_path / "out"
    p = _run("fit", datasets / "pristine", "--lines", "95,0,-85", "--json", "--out", out)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["kind"] == "nmr_fit" and d["nucleus"] == "19F" and d["larmor_MHz"] == 282.4 and d["mas_Hz"] == 60000.0
    ln = d["lines"][0]
    for key in ("delta_ppm", "delta_sigma", "fwhm_ppm", "lorentz_fraction", "intensity", "intensity_fraction",
                "assignment"):
        assert key in ln
    assert abs(ln["delta_ppm"] - 98.0) < 0.5 and ln["assignment"] == "F-TiIV□2"
    _, _, mean = sim.truth(cases.PRISTINE_60K)
    assert abs(d["mean_delta_iso_ppm"] - mean) < 1.0
    names = {p.name for p in out.iterdir()}
    assert {"nmr_fit.png", "nmr_fit.svg", "nmr_fit_lines.csv", "nmr_fit_lines.json", "nmr_fit_curves.csv"} <= names
    assert json.loads((out / "nmr_fit_lines.json").read_text())["kind"] == "nmr_fit"


def test_fit_overrides_mas_and_nucleus(datasets):
    p = _run("fit", datasets / "pristine", "--lines", "95,0,-85", "--mas-khz", "0", "--nucleus", "19F", "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["mas_Hz"] is None and all(not ln["sidebands"] for ln in d["lines"])


def test_series_and_integrate(datasets, tmp_path):
    out = tmp_path / "series"
    p = _run("series", datasets / "pristine", datasets / "eoc", "--lines", "95,0,-85", "--labels", "pristine,EoC",
             "--json", "--out", out, "--window", "-700,600")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["kind"] == "nmr_series" and [r["sample"] for r in d["table"]] == ["pristine", "EoC"]
    assert (out / "nmr_series.png").is_file() and (out / "nmr_fit_EoC.svg").is_file()
    p = _run("integrate", datasets / "pristine", datasets / "eoc", "--window", "-100,100", "--mass-mg", "1,2", "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["kind"] == "nmr_integrals" and d["rows"][0]["ratio"] == 1.0 and d["rows"][1]["mass_mg"] == 2.0


@pytest.mark.parametrize("args,needle", [
    (["fit", "{ds}/nowhere", "--lines", "1"], "file not found"),
    (["fit", "{ds}/pristine", "--lines", "5000"], "outside the spectrum"),
    (["fit", "{ds}/pristine"], "--lines"),
    (["integrate", "{ds}/pristine", "--window", "1"], "--window"),
])
def test_bad_input_one_line_exit_2_nothing_written(datasets, tmp_path, args, needle):
    out = tmp_path / "never"
    p = _run(*[a.format(ds=datasets) for a in args], "--out", out)
    assert p.returncode == 2, (p.stdout, p.stderr)
    lines = [ln for ln in p.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in p.stderr
    assert not out.exists()


def test_bad_model_key_names_field(datasets, tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text("lines:\n  - {name: A, delta_ppm: 95, widht: 3}\n")
    p = _run("fit", datasets / "pristine", "--model", m)
    assert p.returncode == 2 and "lines[0]" in p.stderr and "widht" in p.stderr
