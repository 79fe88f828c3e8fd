"""`dualion calibrate` end to end in a subprocess, on the real public DFT set with a real (cheap) engine:
ASE's Lennard-Jones calculator, one optimizer step, no anion-location runs (~15 s on 2 cores).

What it checks: the calibration YAML is a record (``dualion.load``), its points are the public set's finished
DFT points and nothing else, the parity plot is written as a figure set, and a second run on the same
database recomputes nothing and writes the same calibration."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import shared_path

LJ = "ase.calculators.lj:LennardJones"


def _calibrate(tmp_path, out: str, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "dualion.cli", "calibrate", "--engine", LJ, "--steps", "1",
                           "--no-anion-location", "--db", "cal.db", "--dft", str(shared_path("data", "f-tio2-dft")),
                           "--out", out, *extra], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)


def test_calibrate_cli_writes_a_record_and_resumes_from_its_database(tmp_path):
    import dualion
    from PIL import Image

    first = _calibrate(tmp_path, "cal.yaml", "--plots", "plots")
    assert first.returncode == 0, first.stderr
    relaxed = [ln for ln in first.stderr.splitlines() if ln.startswith("[")]
    assert len(relaxed) > 20, first.stderr                    # one progress line per relaxation (not a terminal)
    cal = dualion.load(tmp_path / "cal.yaml")
    assert cal.kind == "engines.calibration" and cal.engine == LJ
    m = cal.metrics
    # the points are the public set's DFT points with a finished DFT run; the others are listed as excluded
    assert m["n_points"] == len(m["points"]) and m["n_points"] > 20
    assert m["excluded"] and all(e["dft_status"] != "finished" for e in m["excluded"])
    assert m["chosen"]["loo"]["mae_eV"] <= m["raw"]["mae_eV"]   # LOO selection never picks worse than raw (δ = 0)
    assert Image.open(tmp_path / "plots" / "calibration_parity.png").info["dpi"] == pytest.approx((300, 300), abs=0.01)
    assert (tmp_path / "plots" / "calibration_parity.svg").is_file()
    assert (tmp_path / "plots" / "calibration_parity.csv").read_text().count("\n") == m["n_points"] + 1

    again = _calibrate(tmp_path, "cal2.yaml")
    assert again.returncode == 0, again.stderr
    assert not [ln for ln in again.stderr.splitlines() if ln.startswith("[")]   # nothing recomputed
    assert dualion.load(tmp_path / "cal2.yaml").to_dict()["model"] == cal.to_dict()["model"]


def test_calibrate_cli_bad_dft_folder_is_one_line_and_writes_nothing(tmp_path):
    r = subprocess.run([sys.executable, "-m", "dualion.cli", "calibrate", "--engine", LJ, "--dft", str(tmp_path / "nope"),
                        "--db", "cal.db", "--out", "cal.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert "nope" in r.stderr
    assert list(tmp_path.iterdir()) == []                      # no database, no YAML, no temp files
