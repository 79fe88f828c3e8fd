"""dQ/dV on a voltage grid: known peaks, area = capacity, invariances, real file, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dualion.echem.dqdv import (
    charge_per_bin,
    dqdv_curve,
    dqdv_from_segments,
    find_dqdv_peaks,
    make_grid,
)
from dualion.errors import DualionUserError

from .test_dqdv_support import discharge_curve, logistic_capacity, make_cli_runner

STEP = 0.002


def peak_voltages(x, y, frac=0.05):
    return sorted(p[0] for p in find_dqdv_peaks(x, y, prominence_frac=frac))


# ---------------------------------------------------------------------------------------------
# known answers
# ---------------------------------------------------------------------------------------------

def test_logistic_steps_give_peaks_at_their_centres_with_height_q_over_4w():
    v, q = discharge_curve()
    x, y = dqdv_curve(v, q, step_V=STEP, smooth_V=0.0)
    pk = find_dqdv_peaks(x, y)
    assert len(pk) == 2
    (v1, h1, _), (v2, h2, _) = sorted(pk)
    # peaks at the logistic centres, within one grid step
    assert abs(v1 - 0.77) < STEP and abs(v2 - 1.0) < STEP
    # hand calculation: max |dQ/dV| of Q/(1+exp((V-V0)/w)) is Q/(4w): 0.3/0.08 = 3.75, 0.5/0.08 = 6.25 mA h/V;
    # averaging over a 2 mV bin lowers it by ~ (step/w)^2/48 ≈ 0.02 %
    assert h1 == pytest.approx(3.75, rel=5e-3)
    assert h2 == pytest.approx(6.25, rel=5e-3)


def test_area_under_curve_equals_capacity_with_and_without_smoothing():
    v, q = discharge_curve()
    for sigma in (0.0, 0.005, 0.03):
        x, y = dqdv_curve(v, q, step_V=STEP, smooth_V=sigma)
        assert y.sum() * STEP == pytest.approx(q[-1], rel=1e-9)
        assert (y >= 0).all()


def test_charge_direction_is_positive_too_and_mirrors_discharge():
    v, q = discharge_curve()
    # the same curve traversed upwards (charge): capacity from the other end
    vc, qc = v[::-1], (q[-1] - q)[::-1]
    edges = make_grid(0.4, 1.4, STEP, 0.01)
    _, yd = dqdv_curve(v, q, grid_edges_V=edges, smooth_V=0.01)
    _, yc = dqdv_curve(vc, qc, grid_edges_V=edges, smooth_V=0.01)
    assert (yc >= 0).all()
    np.testing.assert_allclose(yc, yd, atol=1e-9 * yd.max())


def test_smoothing_equals_explicit_numpy_gaussian_convolution():
    # the documented kernel g_m = exp(-(m h)^2/2σ^2)/Σ, |m h| ≤ 4σ, applied with numpy only: the result
    # must not depend on scipy's implementation (or version)
    from dualion.echem.dqdv import gaussian_smooth

    rng = np.random.default_rng(5)
    y = rng.random(400)
    h, sigma = 0.002, 0.01
    r = int(4 * sigma / h + 0.5)
    m = np.arange(-r, r + 1)
    g = np.exp(-(m * h) ** 2 / (2 * sigma ** 2))
    g /= g.sum()
    np.testing.assert_allclose(gaussian_smooth(y, sigma, h), np.convolve(y, g, mode="same"), atol=1e-12)


def test_charge_per_bin_hand_example():
    # one segment passing 1 mA h from 0.1 V to 0.3 V over bins of 0.1 V on [0, 0.4]:
    # 0.5 mA h in [0.1, 0.2) and 0.5 mA h in [0.2, 0.3); a flat segment (constant 0.35 V) puts its
    # 0.2 mA h in the bin [0.3, 0.4).
    edges = np.array([0.0, 0.1, 0.2, 0.3, 0.4])
    h = charge_per_bin(np.array([0.3, 0.35]), np.array([0.1, 0.35]), np.array([1.0, 0.2]),
                       np.array([0, 0]), 1, edges)[0]
    np.testing.assert_allclose(h, [0.0, 0.5, 0.5, 0.2], atol=1e-12)


# ---------------------------------------------------------------------------------------------
# invariances
# ---------------------------------------------------------------------------------------------

def test_shuffled_input_gives_identical_result():
    v, q = discharge_curve()
    perm = np.random.default_rng(3).permutation(v.size)
    x1, y1 = dqdv_curve(v, q, smooth_V=0.01)
    x2, y2 = dqdv_curve(v[perm], q[perm], smooth_V=0.01)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_allclose(y2, y1, atol=1e-12 * y1.max())


def test_ten_times_denser_sampling_gives_the_same_curve():
    # the smoothing width is in volts: 10x more points must not change the curve
    v, q = discharge_curve(n=1000)
    v10, q10 = discharge_curve(n=10000)
    edges = make_grid(0.4, 1.4, STEP, 0.01)
    _, y = dqdv_curve(v, q, grid_edges_V=edges, smooth_V=0.01)
    _, y10 = dqdv_curve(v10, q10, grid_edges_V=edges, smooth_V=0.01)
    assert np.abs(y10 - y).max() < 1e-3 * y.max()


def test_smoothing_width_in_volts_is_independent_of_the_grid_step():
    v, q = discharge_curve(n=4000)
    x1, y1 = dqdv_curve(v, q, step_V=0.002, smooth_V=0.015)
    x2, y2 = dqdv_curve(v, q, step_V=0.0005, smooth_V=0.015)
    assert np.abs(np.interp(x1, x2, y2) - y1).max() < 0.01 * y1.max()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noisy_voltage_keeps_area_and_peaks(seed):
    v, q = discharge_curve(n=3000)
    noisy = v + np.random.default_rng(seed).normal(0, 0.002, v.size)   # 2 mV noise, non-monotonic
    assert (np.diff(noisy) > 0).any()
    x, y = dqdv_curve(noisy, q, smooth_V=0.01)
    assert y.sum() * STEP == pytest.approx(q[-1], rel=1e-9)
    pv = peak_voltages(x, y, frac=0.1)
    assert len(pv) == 2
    assert abs(pv[0] - 0.77) < 0.006 and abs(pv[1] - 1.0) < 0.006


def test_voltage_that_turns_back_is_handled():
    # a 30 mV excursion back up in the middle of the discharge (e.g. a short rest spike) and a
    # stretch of quantised (repeated) readings: no NaN, area conserved, both peaks still found
    v, q = discharge_curve(n=2000)
    v = v.copy()
    v[900:920] += np.linspace(0, 0.03, 20)
    v[1500:1560] = np.round(v[1500:1560], 2)
    x, y = dqdv_curve(v, q, smooth_V=0.01)
    assert np.isfinite(y).all()
    assert y.sum() * STEP == pytest.approx(q[-1], rel=1e-9)
    pv = peak_voltages(x, y, frac=0.1)
    assert any(abs(p - 0.77) < 0.01 for p in pv) and any(abs(p - 1.0) < 0.01 for p in pv)


@settings(max_examples=25, deadline=None)
@given(v1=st.floats(0.5, 1.0), gap=st.floats(0.2, 0.6), w=st.floats(0.01, 0.03),
       q1=st.floats(0.05, 2.0), q2=st.floats(0.05, 2.0), n=st.integers(300, 3000))
def test_property_peaks_and_area(v1, gap, w, q1, q2, n):
    v2 = v1 + gap
    # Only cases where the *exact* curve has two resolved peaks: each peak's prominence (from the
    # analytic dQ/dV = Σ Q_k/(4w) sech²((V − V_k)/2w)) at least twice the detection threshold.
    # (Close, unequal steps merge into a shoulder; no method should report two peaks there.)
    fine = np.linspace(v1 - 10 * w, v2 + 10 * w, 20001)
    exact = sum(qk / (4 * w) / np.cosh((fine - c) / (2 * w)) ** 2 for c, qk in ((v1, q1), (v2, q2)))
    from scipy.signal import find_peaks

    _, props = find_peaks(exact, prominence=0.0)
    assume(len(props["prominences"]) == 2 and props["prominences"].min() > 2 * 0.02 * exact.max())
    v = np.linspace(v2 + 10 * w, v1 - 10 * w, n)
    q = logistic_capacity(v, centres=(v1, v2), caps=(q1, q2), width=w)
    q = q - q[0]
    x, y = dqdv_curve(v, q, step_V=STEP, smooth_V=0.005)
    assert y.sum() * STEP == pytest.approx(q[-1], rel=1e-9)
    pv = peak_voltages(x, y, frac=0.02)
    assert len(pv) == 2
    # tolerance: one grid step plus the sampling step of the input (coarse inputs)
    tol = STEP + abs(v[1] - v[0])
    assert abs(pv[0] - v1) < tol and abs(pv[1] - v2) < tol


# ---------------------------------------------------------------------------------------------
# vectorised path (many half-cycles of one time series)
# ---------------------------------------------------------------------------------------------

def _two_half_cycles(n=1500, i_mA=0.2):
    v, q = discharge_curve(n=n)
    dt = np.diff(q, prepend=0.0) * 3600.0 / i_mA          # equal |I|: time steps from dQ
    t_d = np.cumsum(dt)
    t_c = t_d[-1] + 10.0 + np.cumsum(dt[::-1])
    t = np.concatenate([t_d, t_c])
    volt = np.concatenate([v, v[::-1] + 0.05])
    cur = np.concatenate([np.full(n, -i_mA), np.full(n, i_mA)])
    return t, volt, cur


def test_vectorised_segments_match_single_curves_and_capacity():
    t, volt, cur = _two_half_cycles()
    n = t.size // 2
    res = dqdv_from_segments(t, volt, cur, [(0, n), (n, 2 * n)], smooth_V=0.01,
                             labels=[(0, "discharge", 1), (1, "charge", 1)], mass_mg=2.0)
    edges = np.concatenate([res.voltage_V - STEP / 2, [res.voltage_V[-1] + STEP / 2]])
    # capacity of each half-cycle: trapezoid of |I| dt, computed independently here
    for r, (s, e) in enumerate([(0, n), (n, 2 * n)]):
        cap = np.trapezoid(np.abs(cur[s:e]), t[s:e]) / 3600.0
        assert res.capacity_mAh[r] == pytest.approx(cap, rel=1e-12)
        assert res.dqdv_mAh_per_V[r].sum() * STEP == pytest.approx(cap, rel=1e-9)
        qq = np.concatenate([[0.0], np.cumsum(0.5 * (np.abs(cur[s + 1:e]) + np.abs(cur[s:e - 1]))
                                              * np.diff(t[s:e]) / 3600.0)])
        _, y = dqdv_curve(volt[s:e], qq, grid_edges_V=edges, smooth_V=0.01)
        np.testing.assert_allclose(res.dqdv_mAh_per_V[r], y, atol=1e-9 * y.max())
    # mass-normalised curve = curve / (2 mg / 1000)
    np.testing.assert_allclose(res.dqdv_mAh_per_g_V, res.dqdv_mAh_per_V / 0.002)
    # discharge peaks at 0.77/1.0 V, charge peaks shifted by the +50 mV offset
    dpk = sorted(p.voltage_V for p in res.peaks if p.direction == "discharge")
    cpk = sorted(p.voltage_V for p in res.peaks if p.direction == "charge")
    assert np.allclose(dpk, [0.77, 1.0], atol=0.004) and np.allclose(cpk, [0.82, 1.05], atol=0.004)


def test_bad_inputs_are_user_errors():
    v, q = discharge_curve(n=100)
    with pytest.raises(DualionUserError):
        dqdv_curve(v, q, step_V=0.0)
    with pytest.raises(DualionUserError):
        dqdv_curve(v, q, smooth_V=-0.01)
    bad = v.copy()
    bad[5] = np.nan
    with pytest.raises(DualionUserError):
        dqdv_curve(bad, q)
    with pytest.raises(DualionUserError):
        dqdv_curve(v, q, step_V=1e-9)                   # absurdly fine grid
    with pytest.raises(DualionUserError):
        dqdv_from_segments(np.arange(3.0), np.ones(3), np.ones(3), [])


# ---------------------------------------------------------------------------------------------
# real file and CLI
# ---------------------------------------------------------------------------------------------

JDB = "jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"


def test_real_biologic_file_dqdv(echem_dir):
    from dualion.echem.cli_analysis import half_cycles_of, read_table
    from dualion.echem.dqdv import dqdv

    data = read_table(echem_dir / JDB)
    hcs = half_cycles_of(data)
    res = dqdv(data, hcs, smooth_V=0.01)
    assert len(res.half_cycles) == len(hcs) >= 8
    assert np.isfinite(res.dqdv_mAh_per_V).all()
    # area under each curve = ∫|I|dt over the half-cycle, integrated independently here
    for r, h in enumerate(hcs):
        t = data.time_s[h.start:h.stop]
        i = np.abs(data.current_mA[h.start:h.stop])
        cap = np.trapezoid(i, t) / 3600.0
        assert res.dqdv_mAh_per_V[r].sum() * res.step_V == pytest.approx(cap, rel=1e-9)
    assert res.peaks
    for p in res.peaks:
        assert 2.0 <= p.voltage_V <= 3.8
    # every full (non-partial) half-cycle has at least one peak
    full = {h.index for h in hcs if not h.partial}
    assert full <= {p.half_cycle for p in res.peaks}


@pytest.fixture
def echem_cli(capsys):
    return make_cli_runner(capsys)


def _write_cycling_csv(path, n_cycles=2):
    from dualion.echem.synthetic import synthetic_cycling
    from dualion.echem.gitt import write_plain_csv

    t, v, i, c = synthetic_cycling(n_cycles=n_cycles, n_per_half=600)
    write_plain_csv(path, t, v, i, header=["mass_mg=1.6", "reference=Mg"], step=c)


def test_cli_dqdv_writes_outputs_and_finds_the_synthetic_peaks(tmp_path, echem_cli):
    f = tmp_path / "cell.csv"
    _write_cycling_csv(f)
    out = tmp_path / "out"
    res = echem_cli("echem", "dqdv", f, "--all", "--smooth-V", "0.01", "--step-V", "0.002", "--out", out, "--json")
    assert res.code == 0, res.stderr
    payload = json.loads(res.stdout)
    for stem in ("cell_dqdv.png", "cell_dqdv.svg", "cell_dqdv_curves.csv", "cell_dqdv_curves.json",
                 "cell_dqdv_peaks.csv", "cell_dqdv_peaks.json"):
        assert (out / stem).stat().st_size > 0
    # the demo cell: features at 0.77/1.00 V, −50 mV on discharge, +50 mV on charge
    d = sorted(p["voltage_V"] for p in payload["peaks"] if p["direction"] == "discharge" and p["cycle"] == 1)
    c = sorted(p["voltage_V"] for p in payload["peaks"] if p["direction"] == "charge" and p["cycle"] == 1)
    assert np.allclose(d, [0.72, 0.95], atol=0.01) and np.allclose(c, [0.82, 1.05], atol=0.01)
    # with the file's mass (1.6 mg) the peak heights per gram are height / 0.0016
    pk = payload["peaks"][0]
    assert pk["height_mAh_per_g_V"] == pytest.approx(pk["height_mAh_per_V"] / 0.0016)


@pytest.mark.parametrize("args,needle", [
    (["--step-V", "-0.001"], "--step-V"),
    (["--smooth-V", "0"], "--smooth-V"),
    (["--cycles", "7"], "cycles"),
    (["--cycles", "a-b"], "--cycles"),
    (["--cycles", "1", "--all"], "--cycles"),
])
def test_cli_dqdv_bad_options_exit_2(tmp_path, echem_cli, args, needle):
    f = tmp_path / "cell.csv"
    _write_cycling_csv(f, n_cycles=1)
    out = tmp_path / "out"
    res = echem_cli("echem", "dqdv", f, "--out", out, *args)
    assert res.code == 2
    assert needle in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert not out.exists()          # nothing written on error


def test_cli_dqdv_missing_file_and_zero_current(tmp_path, echem_cli):
    res = echem_cli("echem", "dqdv", tmp_path / "nope.csv", "--out", tmp_path / "o")
    assert res.code == 2 and "Traceback" not in res.stderr
    f = tmp_path / "rest.csv"
    f.write_text("time_s,voltage_V,current_mA\n" + "".join(f"{k},{1.5 - 1e-4 * k},0\n" for k in range(50)))
    res = echem_cli("echem", "dqdv", f, "--out", tmp_path / "o")
    assert res.code == 2 and "half-cycles" in res.stderr
    assert not (tmp_path / "o").exists()


def test_cli_dqdv_first_sets_the_pairing_like_summary(tmp_path, echem_cli):
    # discharge, charge, discharge, charge: by default (discharge first) half-cycles 0+1 and 2+3 make
    # cycles; with --first charge, half-cycles 1+2 share a cycle, as `dualion echem summary` pairs them
    f = tmp_path / "cell.csv"
    _write_cycling_csv(f, n_cycles=2)

    def cycle_of(*extra):
        res = echem_cli("echem", "dqdv", f, "--all", "--out", tmp_path / "o", "--json", *extra)
        assert res.code == 0, res.stderr
        return {h["half_cycle"]: h["cycle"] for h in json.loads(res.stdout)["half_cycles"]}

    default, charge_first = cycle_of(), cycle_of("--first", "charge")
    assert default[0] == default[1] != default[2] == default[3]
    assert charge_first[1] == charge_first[2] and charge_first[0] != charge_first[1] != charge_first[3]
    res = echem_cli("echem", "dqdv", f, "--first", "sideways", "--out", tmp_path / "o2")
    assert res.code == 2 and "--first" in res.stderr and len(res.stderr.strip().splitlines()) == 1
