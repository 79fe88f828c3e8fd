"""Readers on small hand-made files: unit conversion, sign convention, metadata."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dualion.echem import read
from dualion.echem.cycles import summarise
from dualion.core.cycler import CC, REST


def _mpt(path, rows, mass_line="Mass of active material : 1.600 mg"):
    cols = ["mode", "ox/red", "time/s", "Ewe/V", "I/mA", "Ns", "cycle number"]
    lines = ["EC-Lab ASCII FILE", "Nb header lines : 5", "", mass_line, "\t".join(cols)]
    lines += ["\t".join(str(x) for x in r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("ascii"))
    return path


def test_biologic_mpt_with_mass_and_modes(tmp_path):
    rows = [(3, 0, 60.0 * k, 2.0, 0.0, 0, 0) for k in range(5)]
    # discharge -0.2 mA for 1800 s (31 rows, 60 s apart) then charge +0.2 mA for 1800 s
    t0 = 300.0
    rows += [(1, 0, t0 + 60.0 * k, 2.0 - 0.02 * k, -0.2, 1, 0) for k in range(31)]
    t1 = t0 + 1860.0
    rows += [(1, 1, t1 + 60.0 * k, 1.4 + 0.02 * k, 0.2, 2, 0) for k in range(31)]
    d = read(_mpt(tmp_path / "cell.mpt", rows))
    assert d.meta["vendor"] == "Bio-Logic" and d.mass_mg == pytest.approx(1.6)
    assert d.meta["mass_source"] == "file"
    assert (d.control[:5] == REST).all() and (d.control[5:] == CC).all()
    s = summarise(d)
    # Hand: 0.2 mA × 1800 s / 3600 = 0.1 mA h; / 0.0016 g = 62.5 mA h g-1; both halves share cycle number 0
    assert s.pairing == "cycler" and len(s.cycles) == 1
    c = s.cycles[0]
    assert c.discharge_mAh == pytest.approx(0.1) and c.charge_mAh == pytest.approx(0.1)
    assert c.discharge_mAh_g == pytest.approx(62.5)
    assert c.first == "discharge" and c.coulombic_efficiency_pct == pytest.approx(100.0)


def test_csv_unit_columns_and_control(tmp_path):
    # time in minutes, current in A, capacity in A h: converted to s, mA, mA h.
    # -0.0005 A = -0.5 mA for 60 min -> 0.5 mA h; the capacity column grows by 0.5 mA / 60 per minute
    lines = ["# mass_mg=2.5", "# reference=Li", "time_min,voltage_V,current_A,capacity_Ah,control"]
    lines += [f"{k},{2.0 - 0.01 * k:.3f},-0.0005,{0.0005 * k / 60:.9f},cc" for k in range(61)]
    lines += [f"{61 + k},1.5,0,{0.0005:.9f},rest" for k in range(5)]
    p = tmp_path / "units.csv"
    p.write_text("\n".join(lines) + "\n")
    d = read(p)
    assert d.time_s[1] == pytest.approx(60.0) and d.current_mA[0] == pytest.approx(-0.5)
    assert d.capacity_mAh[-1] == pytest.approx(0.5)
    assert d.meta["reference"] == "Li" and d.mass_mg == 2.5
    assert (d.control[:61] == CC).all() and (d.control[61:] == REST).all()
    s = summarise(d)
    assert s.half_cycles[0].capacity_mAh == pytest.approx(0.5)
    # 0.5 mA h / 0.0025 g = 200 mA h g-1
    assert s.cycles[0].discharge_mAh_g == pytest.approx(200.0)


def test_csv_roundtrip_writer(tmp_path):
    from dualion.echem.readers.csv import write

    t = np.arange(0, 3601, 60.0)
    p = write(tmp_path / "rt.csv", time_s=t, voltage_V=np.linspace(2, 1, t.size), current_mA=np.full(t.size, -1.0),
              cycle=np.ones(t.size, int), meta={"mass_mg": 1.0})
    d = read(p)
    assert d.mass_mg == 1.0 and d.has_cycle_index
    # 1 mA × 3600 s = 1 mA h = 1000 mA h g-1 for 1 mg
    assert summarise(d).cycles[0].discharge_mAh_g == pytest.approx(1000.0)


def test_summary_json_and_out_folder(tmp_path, run_cli):
    from dualion.echem import synthetic as syn

    p = syn.write_csv(tmp_path / "syn.csv", syn.SyntheticCell(), [20.0, 20.0, 100.0], points_per_half=30)
    out = tmp_path / "out"
    res = run_cli("echem", "summary", p, "--json", "--out", out)
    assert res.code == 0, res.stderr
    js = json.loads(res.stdout)
    assert {"half_cycles", "cycles", "rate_capability", "pairing", "mass_mg"} <= set(js)
    h0 = js["half_cycles"][0]
    for k in ("index", "direction", "start_s", "end_s", "capacity_mAh", "mean_voltage_V", "partial", "cycle"):
        assert k in h0
    assert [h["direction"] for h in js["half_cycles"]] == ["discharge", "charge"] * 3
    # known: q0/(1+(20/3175)^0.793) mA h g-1 at 20 mA g-1 for cycle 1 (no fade yet)
    q = 280.0 / (1 + (20 / 3175) ** 0.793)
    assert js["cycles"][0]["discharge_mAh_g"] == pytest.approx(q, rel=1e-5)
    assert js["cycles"][0]["coulombic_efficiency_pct"] == pytest.approx(90.0, rel=1e-5)  # ce_first
    for stem in ("half_cycles", "cycles", "rate_capability"):
        assert (out / f"{stem}.csv").exists() and (out / f"{stem}.json").exists()
    res = run_cli("echem", "summary", p, "--mass-mg", "3.2")
    assert res.code == 0 and "mA h g-1" in res.stdout
    # doubling the mass halves the specific capacity
    res = run_cli("echem", "summary", p, "--mass-mg", "3.2", "--json")
    assert json.loads(res.stdout)["cycles"][0]["discharge_mAh_g"] == pytest.approx(q / 2, rel=1e-5)


def test_plot_writes_png_svg_and_data(tmp_path, run_cli):
    from dualion.echem import synthetic as syn

    p = syn.write_csv(tmp_path / "syn.csv", syn.SyntheticCell(), syn.rate_schedule(cycles_per_rate=1),
                      points_per_half=30)
    out = tmp_path / "plots"
    res = run_cli("echem", "plot", p, "--cycles", "1,3", "--out", out)
    assert res.code == 0, res.stderr
    for stem in ("voltage_capacity", "cycling", "rate_capability"):
        assert (out / f"{stem}.png").stat().st_size > 1000 and (out / f"{stem}.svg").exists()
    import pandas as pd

    curves = pd.read_csv(out / "voltage_capacity.csv")
    assert sorted(curves["cycle"].unique()) == [1, 3]
    # curves start at zero capacity and end at the half-cycle capacity (mA h g-1, mass from the file)
    cyc = pd.read_csv(out / "cycles.csv")
    last = curves[(curves.cycle == 3) & (curves.direction == "discharge")]["capacity_mAh_g"].max()
    assert last == pytest.approx(cyc.loc[cyc.number == 3, "discharge_mAh_g"].item(), rel=1e-9)
