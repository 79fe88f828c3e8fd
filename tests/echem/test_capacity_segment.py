"""Capacity quadrature and counter cross-check, pauses, EIS waits, partial first cycles, plausibility:
hand-computed tables (charge in mA h = mA × s / 3600)."""

from __future__ import annotations

import numpy as np
import pytest

from dualion.core.cycler import CC, EIS, REST, make_cycler_data
from dualion.echem.cycles import summarise
from dualion.echem.plausibility import check_specific
from dualion.echem.segment import half_cycles
from dualion.errors import DualionWarning


def _table(parts, dt=10.0, **kw):
    """parts: (current_mA, n_rows, v0, v1[, control]) concatenated, rows dt apart."""
    t, v, i, c = [], [], [], []
    t0 = 0.0
    for p in parts:
        cur, n, v0, v1 = p[:4]
        t.append(t0 + dt * np.arange(n))
        v.append(np.linspace(v0, v1, n))
        i.append(np.full(n, float(cur)))
        c.append(np.full(n, p[4] if len(p) > 4 else (REST if cur == 0 else CC), dtype=np.int8))
        t0 = t[-1][-1] + dt
    return make_cycler_data(np.concatenate(t), np.concatenate(v), np.concatenate(i), control=np.concatenate(c),
                            source="test", **kw)


def test_short_pause_inside_a_charge_does_not_split_it():
    # 1 mA for 600 s, a 30 s pause (3 rest rows), 1 mA for 600 s: one charge
    d = _table([(0, 3, 2.0, 2.0), (1.0, 61, 2.0, 2.5), (0, 3, 2.45, 2.45), (1.0, 61, 2.5, 3.0)])
    (h,) = half_cycles(d)
    # trapezoid over the CC rows: 2 × 600 s × 1 mA, plus the two half-intervals at the pause edges (10 s × 1 mA)
    assert h.capacity_mAh == pytest.approx((1200.0 + 10.0) / 3600.0)
    # a 10-minute pause is no short pause (> 60 s): two charges
    d = _table([(0, 3, 2.0, 2.0), (1.0, 61, 2.0, 2.5), (0, 61, 2.45, 2.45), (1.0, 61, 2.5, 3.0)])
    assert len(half_cycles(d)) == 2
    # 50 s after only 100 s of charge is > 10 % of it: two
    d = _table([(0, 3, 2.0, 2.0), (1.0, 11, 2.0, 2.1), (0, 5, 2.1, 2.1), (1.0, 61, 2.1, 3.0)])
    assert len(half_cycles(d)) == 2
    # ... unless the file's own half-cycle column says it is one
    n = len(d)
    d2 = make_cycler_data(d.time_s, d.voltage_V, d.current_mA, control=d.control, half_cycle=np.zeros(n, int))
    assert len(half_cycles(d2)) == 1


def test_dc_wait_of_an_impedance_step_is_not_a_half_cycle():
    # step 1: rest; step 2: 28 s DC wait (CC rows) then the GEIS sweep (EIS rows); step 3: a real discharge
    d = _table([(0, 5, 3.0, 3.0), (0.5, 3, 3.0, 3.01), (0.5, 10, 3.0, 3.0, EIS), (-1.0, 61, 3.0, 2.0)])
    step = np.r_[np.full(5, 1), np.full(13, 2), np.full(61, 3)]
    d = make_cycler_data(d.time_s, d.voltage_V, d.current_mA, control=d.control, step=step)
    (h,) = half_cycles(d)
    assert h.direction == "discharge"


def test_interval_mean_current_counts_the_interval_leading_into_the_half_cycle():
    # a sparse Bio-Logic-like record: 1 rest row, then 5 rows 720 s apart holding the mean current of the
    # interval ending there (1 mA): the charge is 5 × 720 s × 1 mA = 1 mA h; a trapezoid from the first
    # CC row would see 4 intervals only (−20 %)
    t = np.r_[0.0, 720.0 * np.arange(1, 6)]
    i = np.r_[0.0, np.full(5, 1.0)]
    v = np.r_[2.0, np.linspace(2.1, 2.5, 5)]
    point = make_cycler_data(t, v, i, source="x")
    mean = make_cycler_data(t, v, i, source="x", meta={"current_sampling": "interval_mean"})
    assert half_cycles(point)[0].capacity_mAh == pytest.approx(0.8)
    assert half_cycles(mean)[0].capacity_mAh == pytest.approx(1.0)


def test_edge_sampled_pulses_use_the_counter():
    # each 0.5 s: 100 mA, then a 0.05 s pulse of 1700 mA; rows only at the pulse's end edges (as Neware
    # writes them: 1700 mA, then 4 ms later 100 mA): the trapezoid sees ~(1700 + 100)/2 = 900 mA, the
    # cycler's counter the true mean 100 + 1600 · 0.05/0.5 = 260 mA
    m = 200
    t = np.repeat(np.arange(1, m + 1) * 0.5, 2) + np.tile([0.0, 0.004], m)
    i = np.tile([-1700.0, -100.0], m)
    dq = np.tile([100.0 * 0.446 + 1700.0 * 0.05, 100.0 * 0.004], m) / 3600.0  # charge of the interval ending at a row
    dq[0] = (100.0 * 0.45 + 1700.0 * 0.05) / 3600.0                            # from the step start (t = 0)
    q = -np.cumsum(dq)
    d = make_cycler_data(t, np.linspace(4.0, 3.9, 2 * m), i, capacity_mAh=q, step=np.ones(2 * m, int), source="x")
    h = half_cycles(d)[0]
    assert h.capacity_source == "counter" and h.start == 0
    assert h.capacity_mAh == pytest.approx(-q[h.stop - 1])  # the counter from the step start
    assert h.capacity_mAh == pytest.approx(260.0 * t[h.stop - 1] / 3600.0, rel=0.01)
    assert h.capacity_integral_mAh / h.capacity_mAh > 3.0


def test_counter_resets_at_step_starts_and_steady_disagreement_keeps_the_integral():
    # per-step counters (Neware/Arbin style: charge − discharge, each restarting at 0 at a new step)
    d = _table([(1.0, 61, 2.0, 3.0), (-1.0, 61, 3.0, 2.0)])
    q = np.r_[np.arange(61) * 10.0 / 3600.0, -np.arange(61) * 10.0 / 3600.0]
    step = np.r_[np.ones(61, int), np.full(61, 2)]
    d = make_cycler_data(d.time_s, d.voltage_V, d.current_mA, capacity_mAh=q, step=step, source="x")
    a, b = half_cycles(d)
    assert a.capacity_counter_mAh == pytest.approx(600.0 / 3600.0) and b.capacity_counter_mAh == pytest.approx(600.0 / 3600.0)
    assert a.capacity_source == b.capacity_source == "integral" and abs(a.capacity_disagreement_pct) < 1e-9
    # a counter running at half speed (a wrong time column?) on steady, dense current: integral kept, warned
    d = make_cycler_data(d.time_s, d.voltage_V, d.current_mA, capacity_mAh=0.5 * q, step=step, source="x")
    a, b = half_cycles(d)
    assert a.capacity_source == "integral" and a.capacity_disagreement_pct == pytest.approx(100.0)
    assert any("disagree" in w for w in d.warnings)


def test_first_charge_from_higher_voltage_with_less_capacity_is_partial():
    # cycles charge-first; the first charge starts 0.27 V higher with 89 % of the usual capacity: its
    # CE (discharge/charge = 112 %) is not meaningful; the next cycles' CE is
    parts = [(1.0, 90, 3.57, 4.2), (-1.0, 101, 4.2, 3.3)]
    for _ in range(3):
        parts += [(1.0, 101, 3.3, 4.2), (-1.0, 101, 4.2, 3.3)]
    s = summarise(_table(parts), first="charge")
    assert s.half_cycles[0].partial and not s.cycles[0].ce_meaningful
    assert s.cycles[1].ce_meaningful and s.cycles[1].coulombic_efficiency_pct == pytest.approx(100.0)


def test_consecutive_discharge_steps_form_one_half_of_a_cycle():
    # a discharge at 1 mA, then at 0.5 and 0.25 mA (short rests between), then a charge: one cycle
    parts = [(-1.0, 61, 3.0, 2.2), (0, 2, 2.3, 2.3), (-0.5, 61, 2.3, 2.1), (0, 2, 2.2, 2.2),
             (-0.25, 61, 2.2, 2.0), (1.0, 151, 2.0, 3.0)]
    s = summarise(_table(parts))
    assert len(s.cycles) == 1
    c = s.cycles[0]
    # (the 20 s rests are bridged as pauses: the trapezoid adds half an interval at each edge)
    assert c.discharge_mAh == pytest.approx((600 + 300 + 150 + 5 * (1 + 0.5) + 5 * (0.5 + 0.25)) / 3600.0)
    assert c.charge_mAh == pytest.approx(1500 / 3600.0)


def test_specific_capacity_far_above_any_host_warns():
    # 4 A h passed by a cell given 10 mg of active material: 400,000 mA h g-1
    d = _table([(4000.0, 361, 3.0, 4.2)], mass_mg=10.0)
    with pytest.warns(DualionWarning, match="far above any insertion host"):
        msg = check_specific(d)
    assert "mA h g-1" in msg
    with pytest.warns(DualionWarning, match="far above any insertion host"):
        s = summarise(d)                                   # the summary (and so the CLI) says it too
    assert any("far above" in w for w in s.warnings)
    assert check_specific(_table([(4000.0, 361, 3.0, 4.2)], mass_mg=30_000.0)) is None  # 133 mA h g-1: fine
