"""Per-cycle summary: CE, polarization, ΔV at half capacity, energy, retention, rate capability."""

from __future__ import annotations

import numpy as np
import pytest

from dualion.echem import synthetic as syn
from dualion.echem.cycles import summarise
from dualion.echem.segment import half_cycles
from dualion.echem.readers import read

from ._helpers import build


def _two_cycles(mass_mg=2.0):
    # cycle 1: discharge -0.4 mA for 3600 s (2.0 → 1.0 V) = 0.4 mA h; charge +0.4 mA for 3240 s (1.2 → 2.2 V)
    #          = 0.36 mA h -> CE = 0.36/0.4 = 90 %
    # cycle 2: discharge -0.4 mA for 3420 s = 0.38 mA h (1.9 → 0.9 V); charge 0.4 mA × 3420 s = 0.38 mA h -> 100 %
    seg = [(-0.4, 3600, 2.0, 1.0), (0.4, 3240, 1.2, 2.2), (-0.4, 3420, 1.9, 0.9), (0.4, 3420, 1.2, 2.2)]
    return build(seg, mass_mg=mass_mg, dt_s=30.0)


def test_cycle_quantities_by_hand():
    d = _two_cycles()
    s = summarise(d, half_cycles(d))
    assert s.pairing == "discharge-first"
    c1, c2 = s.cycles
    assert c1.discharge_mAh == pytest.approx(0.4) and c1.charge_mAh == pytest.approx(0.36)
    # mass 2.0 mg = 0.002 g: 0.4 mA h / 0.002 g = 200 mA h g-1; 0.36 / 0.002 = 180
    assert c1.discharge_mAh_g == pytest.approx(200.0) and c1.charge_mAh_g == pytest.approx(180.0)
    assert c1.coulombic_efficiency_pct == pytest.approx(90.0)
    assert c2.coulombic_efficiency_pct == pytest.approx(100.0)
    # linear curves: mean V = midpoint; polarization = 1.7 − 1.5 = 0.2 V; ΔV½ = V_ch(Q/2) − V_dis(Q/2) = 1.7 − 1.5
    assert c1.mean_discharge_V == pytest.approx(1.5) and c1.mean_charge_V == pytest.approx(1.7)
    assert c1.polarization_V == pytest.approx(0.2)
    assert c1.dV_half_capacity_V == pytest.approx(0.2, abs=1e-9)
    # energy: 0.4 mA h × 1.5 V = 0.6 mW h; per mass 0.6 / 0.002 g = 300 mW h g-1 (= W h kg-1)
    assert c1.discharge_mWh == pytest.approx(0.6) and c1.discharge_mWh_g == pytest.approx(300.0)
    # retention vs cycle 1: 0.38 / 0.4 = 95 %
    assert c2.retention_pct == pytest.approx(95.0)
    assert s.retention_reference_cycle == 1
    # current density 0.4 mA / 0.002 g = 200 mA g-1, one block
    assert len(s.rates) == 1 and s.rates[0].rate == pytest.approx(200.0)
    assert s.rates[0].discharge_mean == pytest.approx((200.0 + 190.0) / 2)


def test_charge_first_override_changes_ce_definition():
    d = _two_cycles(mass_mg=None)
    s = summarise(d, first="charge")
    # leading discharge alone (cycle 1, CE undefined); cycle 2 = charge 0.36 then discharge 0.38:
    # CE = Q_dis/Q_ch = 0.38/0.36
    assert s.pairing == "charge-first"
    assert s.cycles[0].coulombic_efficiency_pct is None and "incomplete" in s.cycles[0].note
    assert s.cycles[1].coulombic_efficiency_pct == pytest.approx(100 * 0.38 / 0.36)
    assert s.cycles[1].discharge_mAh_g is None  # no mass: absolute units only
    assert s.capacity_unit == "mA h"


def test_partial_cycle_ce_not_meaningful():
    seg = [(-0.5, 720, 1.6, 1.0), (0.5, 3600, 1.0, 2.0), (-0.5, 3600, 2.0, 1.0), (0.5, 3600, 1.0, 2.0)]
    s = summarise(build(seg))
    assert s.cycles[0].partial and s.cycles[0].coulombic_efficiency_pct is None
    assert not s.cycles[0].ce_meaningful and "partial" in s.cycles[0].note
    assert s.cycles[1].coulombic_efficiency_pct == pytest.approx(100.0)
    assert s.retention_reference_cycle == 2  # first non-partial discharge


def test_synthetic_rate_test_recovers_known_capacities(tmp_path):
    cell = syn.SyntheticCell()
    sched = syn.rate_schedule(cycles_per_rate=2)
    path = syn.write_csv(tmp_path / "rate.csv", cell, sched, points_per_half=50, include_control=True)
    d = read(path)
    assert d.mass_mg == pytest.approx(1.6) and d.meta["reference"] == "Mg"
    s = summarise(d)
    exp = syn.expected(cell, sched)
    assert len(s.cycles) == len(exp)
    for c, e in zip(s.cycles, exp):
        # capacities are prescribed by the generator: Q = |I|·t exactly (CSV rounding: 9 significant digits)
        assert c.discharge_mAh_g == pytest.approx(e["discharge_mAh_g"], rel=1e-5)
        assert c.charge_mAh_g == pytest.approx(e["charge_mAh_g"], rel=1e-5)
        assert c.current_density_mA_g == pytest.approx(e["current_density_mA_g"], rel=1e-5)
    rates = [b.rate for b in s.rates]
    assert rates == pytest.approx([20, 50, 100, 200, 500, 1000, 20], rel=1e-5)
    # Fig. 2a-like numbers: q0/(1+(j/j_half)^p) at 20 and 1000 mA g-1
    assert s.rates[0].discharge_mean == pytest.approx(np.mean([e["discharge_mAh_g"] for e in exp[:2]]), rel=1e-5)
    assert 270 < s.rates[0].discharge_mean < 280 and 190 < s.rates[5].discharge_mean < 210


def test_partial_first_discharge_kept_out_of_retention_and_rate_means():
    # partial first discharge: -0.5 mA for 720 s = 0.1 mA h (from 1.6 V, "open circuit"); then full
    # half-cycles of 0.5 mA × 3600 s = 0.5 mA h. Cycles (discharge-first): [0.1 dis, 0.5 ch], [0.5, 0.5].
    seg = [(-0.5, 720, 1.6, 1.0), (0.5, 3600, 1.0, 2.0), (-0.5, 3600, 2.0, 1.0), (0.5, 3600, 1.0, 2.0)]
    s = summarise(build(seg))
    c1, c2 = s.cycles
    assert c1.discharge_mAh == pytest.approx(0.1) and c1.discharge_partial and not c1.charge_partial
    # no retention for a partial discharge (it would read 0.1/0.5 = 20 %), 100 % for the reference cycle 2
    assert c1.retention_pct is None and c2.retention_pct == pytest.approx(100.0)
    # one rate block at 0.5 mA: discharge mean over full discharges only = 0.5 (not (0.1 + 0.5)/2 = 0.3);
    # both charges are full: (0.5 + 0.5)/2
    (b,) = s.rates
    assert b.rate == pytest.approx(0.5) and b.n_cycles == 2
    assert b.discharge_mean == pytest.approx(0.5) and b.charge_mean == pytest.approx(0.5)
    assert b.discharge_last == pytest.approx(0.5)
    d = s.to_dict()["cycles"][0]
    assert d["discharge_partial"] is True and d["retention_pct"] is None


def test_cycling_figure_draws_partial_half_cycles_apart():
    import matplotlib

    matplotlib.use("Agg")
    from dualion.echem.plots import plot_cycling

    seg = [(-0.5, 720, 1.6, 1.0), (0.5, 3600, 1.0, 2.0), (-0.5, 3600, 2.0, 1.0), (0.5, 3600, 1.0, 2.0)]
    fig = plot_cycling(summarise(build(seg)))
    lines = {ln.get_label(): ln for ln in fig.axes[0].get_lines()}
    dis = np.asarray(lines["discharge"].get_ydata(), float)
    assert np.isnan(dis[0]) and dis[1] == pytest.approx(0.5)        # the 0.1 mA h partial is off the line
    part = lines["partial half-cycle"]
    assert list(part.get_xdata()) == [1] and list(part.get_ydata()) == pytest.approx([0.1])
