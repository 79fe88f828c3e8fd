"""`dualion cell rate` with Li+ transport in the electrolyte: the switch, the curves' c_Li column, bad values."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd


def _run(args, tmp_path, timeout=300):
    return subprocess.run([sys.executable, "-m", "dualion.cli", "cell", "rate", *args], capture_output=True, text=True,
                          timeout=timeout)


def test_rate_with_and_without_transport_writes_c_li(tmp_path):
    on, off = tmp_path / "on", tmp_path / "off"
    common = ["--rate-mA-g", "1000", "--licl", "0.2", "--params", "dft", "--D-electrolyte", "2e-6"]
    r1 = _run([*common, "--electrolyte-transport", "--out", str(on)], tmp_path)
    r2 = _run([*common, "--no-electrolyte-transport", "--out", str(off)], tmp_path)
    assert r1.returncode == 0, r1.stderr
    assert r2.returncode == 0, r2.stderr
    d_on, d_off = (pd.read_csv(p / "cell_rate_curves.csv") for p in (on, off))
    assert "c_Li_electrode_M" in d_on.columns
    assert (d_off.c_Li_electrode_M == 0.2).all()
    dis = d_on[d_on.step == 1]
    assert dis.c_Li_electrode_M.min() < 0.15                      # depleted at the electrode
    q_on = pd.read_csv(on / "cell_rate.csv").discharge_capacity_mAh_g.iloc[0]
    q_off = pd.read_csv(off / "cell_rate.csv").discharge_capacity_mAh_g.iloc[0]
    assert q_on < q_off


def test_bad_electrolyte_d_is_one_line_error(tmp_path):
    r = _run(["--rate-mA-g", "100", "--D-electrolyte", "-1", "--electrolyte-transport", "--params", "dft", "--out",
              str(tmp_path / "x")], tmp_path, timeout=120)
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "--D-electrolyte" in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "x").exists()
