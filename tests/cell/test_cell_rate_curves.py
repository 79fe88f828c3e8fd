"""`dualion cell rate` curves table, and where a galvanostatic discharge voltage may rise."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd

from dualion import cell
from dualion.cell import CellParameters


def test_discharge_voltage_rises_only_where_a_surface_empties():
    """At constant current the electrode potential can rise only if some ion's surface equilibrium potential
    rises, i.e. its surface content falls (the slow ion diffusing inward while the other carries the current)."""
    p = CellParameters(licl_M=0.2)
    res = cell.discharge(p, 20.0)
    dV = np.diff(res.voltage_V)
    rise = dV > 1e-4
    falling = (np.diff(res.xs_Mg) < 0) | (np.diff(res.xs_Li) < 0)
    assert np.all(falling[rise])
    # and charge conservation: capacity passed = F Σ z Δx / (3.6 M)
    q = -res.charge_mAh_g[-1]
    dx = (res.x_Li[-1] - res.x_Li[0]) + 2 * (res.x_Mg[-1] - res.x_Mg[0])
    assert abs(q - p.capacity_mAh_g(dx)) < 1e-3 * q


def test_cell_rate_cli_writes_the_curves_table(tmp_path):
    out = tmp_path / "rate"
    r = subprocess.run([sys.executable, "-m", "dualion.cli", "cell", "rate", "--rate-mA-g", "500,1000", "--licl", "0.2",
                        "--params", "dft", "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out / "cell_rate_curves.csv")
    for col in ("rate_mA_g", "time_s", "current_mA_g", "voltage_V", "capacity_mAh_g", "x_Li", "x_Mg"):
        assert col in df.columns, col
    assert sorted(df.rate_mA_g.unique()) == [500.0, 1000.0]
    d = df[(df.rate_mA_g == 1000.0) & (df.step == 1)]
    assert (d.current_mA_g < 0).all() and d.capacity_mAh_g.iloc[-1] > 0
    summary = pd.read_csv(out / "cell_rate.csv")
    assert abs(summary.discharge_capacity_mAh_g.iloc[-1] - d.capacity_mAh_g.iloc[-1]) < 0.5


def test_bad_params_option_is_a_one_line_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "dualion.cli", "cell", "rate", "--params", "nope", "--out",
                        str(tmp_path / "x")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.strip().startswith("error:") and "--params" in r.stderr
    assert not (tmp_path / "x").exists()
