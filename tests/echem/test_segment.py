"""Segmentation into galvanostatic half-cycles: hand-computed capacities, rest/CV exclusion, pairing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualion.echem.segment import classify_rows, half_cycles, pair_cycles
from dualion.core.cycler import CC, CCCV, CV, REST, make_cycler_data
from dualion.errors import DualionUserError

from ._helpers import build


def test_constant_current_capacity_is_I_times_t():
    # rest 10 min; discharge -0.5 mA for 3600 s (2.0 → 1.0 V); rest; charge +0.25 mA for 7200 s (1.0 → 2.0 V)
    # Hand: Q_dis = 0.5 mA × 3600 s / 3600 = 0.5 mA h; Q_ch = 0.25 × 7200 / 3600 = 0.5 mA h.
    # Linear V at constant I: capacity-weighted mean V = (2.0 + 1.0)/2 = 1.5 V; energy = 0.5 × 1.5 = 0.75 mW h.
    d = build([(0.0, 600, 2.0, 2.0), (-0.5, 3600, 2.0, 1.0), (0.0, 600, 1.0, 1.2), (0.25, 7200, 1.0, 2.0)])
    hc = half_cycles(d)
    assert [h.direction for h in hc] == ["discharge", "charge"]
    assert hc[0].capacity_mAh == pytest.approx(0.5, rel=1e-12)
    assert hc[1].capacity_mAh == pytest.approx(0.5, rel=1e-12)
    assert hc[0].mean_voltage_V == pytest.approx(1.5, rel=1e-12)
    assert hc[0].energy_mWh == pytest.approx(0.75, rel=1e-12)
    assert hc[0].current_mA == pytest.approx(-0.5)
    assert hc[1].current_mA == pytest.approx(0.25)
    assert hc[0].end_s - hc[0].start_s == pytest.approx(3600.0)
    # default pairing without a cycler index: discharge then charge = cycle 1
    assert [h.cycle for h in hc] == [1, 1]
    assert not hc[0].partial and not hc[1].partial


def test_rest_and_cv_rows_are_not_half_cycles():
    # charge 1 mA for 1800 s (0.5 mA h) up to 4.2 V, then a CV hold at 4.2 V with the current decaying
    # 0.9 → 0.1 mA (linear, 1800 s: 0.5·(0.9+0.1)·1800/3600 = 0.25 mA h), then a rest.
    t1 = np.arange(0, 1801, 60.0)
    t2 = 1860.0 + np.arange(0, 1801, 60.0)
    t3 = t2[-1] + 60.0 + np.arange(0, 601, 60.0)
    t = np.r_[t1, t2, t3]
    v = np.r_[np.linspace(3.6, 4.2, t1.size), np.full(t2.size, 4.2), np.linspace(4.1, 4.0, t3.size)]
    i = np.r_[np.full(t1.size, 1.0), np.linspace(0.9, 0.1, t2.size), np.zeros(t3.size)]
    step = np.r_[np.full(t1.size, 1), np.full(t2.size, 2), np.full(t3.size, 3)]
    d = make_cycler_data(t, v, i, step=step, source="cv")
    ctl = classify_rows(d)
    assert (ctl[: t1.size] == CC).all()
    assert (ctl[t1.size:t1.size + t2.size] == CV).all()
    assert (ctl[t1.size + t2.size:] == REST).all()
    hc = half_cycles(d)
    assert len(hc) == 1
    assert hc[0].capacity_mAh == pytest.approx(0.5, rel=1e-12)
    # CV hold reported apart: 0.25 mA h plus the 60 s joining interval 0.5·(1.0+0.9)·60/3600
    assert hc[0].cv_capacity_mAh == pytest.approx(0.25 + 0.5 * 1.9 * 60 / 3600, rel=1e-12)


def test_cccv_vendor_step_is_split_row_by_row():
    # One vendor step marked CCCV: 0.12 mA for 20 rows rising to 4.4 V, then held at 4.4 V decaying.
    n1, n2 = 20, 15
    t = np.arange(n1 + n2) * 30.0
    v = np.r_[np.linspace(4.0, 4.4, n1), np.full(n2, 4.4)]
    i = np.r_[np.full(n1, 0.12), np.geomspace(0.11, 0.02, n2)]
    d = make_cycler_data(t, v, i, step=np.ones(n1 + n2), control=np.full(n1 + n2, CCCV, np.int8), source="x")
    ctl = classify_rows(d)
    assert (ctl[:n1] == CC).all() and (ctl[n1:] == CV).all()
    hc = half_cycles(d)
    # Hand: 0.12 mA × (19 × 30 s) / 3600 = 0.019 mA h for the CC rows
    assert len(hc) == 1 and hc[0].capacity_mAh == pytest.approx(0.12 * 19 * 30 / 3600)


def test_vendor_cv_and_rest_codes_are_trusted():
    # A potentiostatic step (vendor says CV) with a perfectly constant current is still never a half-cycle.
    t = np.arange(10.0)
    d = make_cycler_data(t, np.full(10, 1.0), np.full(10, -0.04), control=np.full(10, CV, np.int8), source="x")
    assert half_cycles(d) == []


def test_zero_current_everywhere_gives_no_half_cycles_and_a_warning():
    from dualion.errors import DualionWarning

    with pytest.warns(DualionWarning, match="zero everywhere"):
        d = make_cycler_data(np.arange(5.0), np.full(5, 2.0), np.zeros(5), source="z")
    assert half_cycles(d) == []


def test_pairing_rules():
    dirs = ["discharge", "charge", "discharge", "charge", "discharge"]
    num, rule = pair_cycles(dirs, None, first="discharge", use_cycler=False)
    assert rule == "discharge-first" and list(num) == [1, 1, 2, 2, 3]
    num, rule = pair_cycles(dirs, None, first="charge", use_cycler=False)
    # leading discharge is a cycle of its own; then each charge starts a cycle
    assert rule == "charge-first" and list(num) == [1, 2, 2, 3, 3]
    # cycler index: charge+discharge share index 1, 2; a repeat inside one index is split
    num, rule = pair_cycles(["charge", "discharge", "charge", "discharge"], np.array([0, 0, 0, 0]))
    assert rule == "cycler" and list(num) == [1, 1, 2, 2]
    num, _ = pair_cycles(["charge", "discharge", "charge", "discharge"], np.array([5, 5, 6, 6]))
    assert list(num) == [1, 1, 2, 2]
    with pytest.raises(DualionUserError):
        pair_cycles(dirs, None, first="sideways")


def test_cycler_index_used_by_default_and_first_overrides():
    # charge, discharge, charge, discharge with cycler cycles 1,1,2,2 -> cycles (C,D),(C,D) by default
    seg = [(0.5, 3600, 1.0, 2.0), (-0.5, 3600, 2.0, 1.0), (0.5, 3600, 1.0, 2.0), (-0.5, 3600, 2.0, 1.0)]
    d0 = build(seg)
    cyc = np.repeat([1, 1, 2, 2], 61)
    d = build(seg, cycles=cyc)
    assert [h.cycle for h in half_cycles(d)] == [1, 1, 2, 2]
    assert [h.cycle for h in half_cycles(d, first="discharge")] == [1, 2, 2, 3]
    assert [h.cycle for h in half_cycles(d0)] == [1, 2, 2, 3]  # no index: discharge-first


def test_partial_first_half_cycle_flagged():
    # first discharge starts from OCV 1.6 V and gives 0.1 mA h; later discharges start at 2.0 V, 0.5 mA h
    seg = [(-0.5, 720, 1.6, 1.0), (0.5, 3600, 1.0, 2.0), (-0.5, 3600, 2.0, 1.0), (0.5, 3600, 1.0, 2.0),
           (-0.5, 3600, 2.0, 1.0)]
    hc = half_cycles(build(seg))
    assert hc[0].partial and "open circuit" in hc[0].partial_reason
    assert not any(h.partial for h in hc[1:])


@settings(max_examples=40, deadline=None)
@given(n_pieces=st.integers(1, 6), i_mA=st.floats(0.01, 50.0), dur=st.floats(120.0, 2e5),
       shift=st.floats(-1e6, 1e6), npts=st.integers(3, 200))
def test_capacity_invariant_to_splitting_a_step_and_to_time_shift(n_pieces, i_mA, dur, shift, npts):
    # One constant-current discharge sampled at npts rows: Q = I·dur/3600 exactly (hand formula).
    t = np.linspace(0.0, dur, npts)
    v = np.linspace(2.0, 1.0, npts)
    i = np.full(npts, -i_mA)
    ref = half_cycles(make_cycler_data(t, v, i, step=np.ones(npts), source="p"))
    assert len(ref) == 1
    assert ref[0].capacity_mAh == pytest.approx(i_mA * dur / 3600.0, rel=1e-9)
    # split the same rows into n_pieces steps and shift the time origin: same capacity & energy
    step = 1 + (np.arange(npts) * n_pieces) // npts
    sh = make_cycler_data(t + shift, v, i, step=step, source="p")
    hc = half_cycles(sh)
    assert len(hc) == 1
    assert hc[0].capacity_mAh == pytest.approx(ref[0].capacity_mAh, rel=1e-9)
    assert hc[0].energy_mWh == pytest.approx(ref[0].energy_mWh, rel=1e-9)
    assert hc[0].end_s - hc[0].start_s == pytest.approx(dur, rel=1e-9, abs=1e-6)


def test_noisy_cc_with_a_spike_is_not_mistaken_for_cv():
    # -1 mA ± 1 % noise, 200 rows 30 s apart, a 2× current spike on row 0; voltage falls to its minimum
    # at the end. All rows are CC; capacity = independent trapezoid of |I| over the rows.
    rng = np.random.default_rng(3)
    n = 200
    t = np.arange(n) * 30.0
    i = -1.0 * (1 + 0.01 * rng.standard_normal(n))
    i[0] = -2.0
    v = np.linspace(2.0, 1.0, n)
    d = make_cycler_data(t, v, i, step=np.ones(n), source="noisy")
    assert (classify_rows(d) == CC).all()
    hc = half_cycles(d)
    a = np.abs(i)
    assert len(hc) == 1 and hc[0].capacity_mAh == pytest.approx(np.sum(0.5 * (a[1:] + a[:-1]) * 30.0) / 3600)
    assert hc[0].cv_capacity_mAh == 0.0
