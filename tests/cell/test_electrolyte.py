"""Li+ transport in the electrolyte (dualion.cell.electrolyte) and its coupling to the single-particle cell."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualion import cell
from dualion.cell import CellParameters, LangmuirPair, SingleParticleCell, Step
from dualion.cell import electrolyte as el
from dualion.reference import FARADAY_C_PER_MOL

FAST = dict(D_Li_cm2_s=1e-12, D_Mg_cm2_s=1e-14, j0_Li_mA_cm2=1e-2, j0_Mg_mA_cm2=1e-3, n_shells=8)


def _grid(n=20, c=0.2, D=5e-6, eps=0.9, L_um=675.0):
    return el.ElectrolyteGrid(L_cm=L_um * 1e-4, n=n, D_eff_cm2_s=el.effective_diffusivity_cm2_s(D, eps),
                              porosity=eps, c_bulk_M=c)


def test_limiting_current_by_hand():
    # D_eff = 5e-6 · 0.9^1.5 = 4.2691e-6 cm2 s-1; c = 0.2 M = 2e-4 mol cm-3; L = 675 µm = 0.0675 cm
    D_eff = 5e-6 * 0.9 ** 1.5
    assert el.effective_diffusivity_cm2_s(5e-6, 0.9) == pytest.approx(4.2691e-6, rel=1e-4)
    i_lim = 96485.33 * 4.2691e-6 * 2e-4 / 0.0675                     # 1.2204e-3 A cm-2
    assert el.limiting_current_A_cm2(D_eff, 0.2, 0.0675) == pytest.approx(i_lim, rel=1e-5)
    assert i_lim == pytest.approx(1.2204e-3, rel=1e-3)
    # 1000 mA g-1 on 1.6 mg cm-2 of active material = 1.6 mA cm-2
    assert el.geometric_current_A_cm2(1000.0, 1.6) == pytest.approx(1.6e-3)


@pytest.mark.parametrize("frac", [0.3, 1.0])
def test_block_steady_state_is_the_linear_profile(frac):
    g = _grid()
    i_lim = el.limiting_current_A_cm2(g.D_eff_cm2_s, g.c_bulk_M, g.L_cm)
    i = -frac * i_lim                                               # discharge: Li+ consumed at x = 0
    c_lin = el.steady_profile_M(g.centres_cm, i, g.D_eff_cm2_s, g.c_bulk_M, g.L_cm)
    # the finite-volume operator is exact on a linear profile: its steady state is the hand one
    assert np.max(np.abs(g.rhs(c_lin, i))) < 1e-12 * np.max(np.abs(g.matrix())) * g.c_bulk_M
    sub, diag, sup = g.tridiagonal()
    s = np.zeros(g.n)
    s[0] = g.sink_coefficient() * i
    s[-1] = g.bulk_source()
    c_ss = np.linalg.solve(g.matrix(), -s)
    assert np.allclose(c_ss, c_lin, rtol=0, atol=1e-12)
    # at the limiting current the profile extrapolates to c = 0 at the electrode: c(x) = c_b x / L
    if frac == 1.0:
        assert np.allclose(c_lin, g.c_bulk_M * g.centres_cm / g.L_cm, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.0, 2.0), min_size=5, max_size=5), st.floats(-5e-3, 5e-3))
def test_block_conserves_li(cs, i):
    """d/dt Σ ε h c_k = i_Li/F + inflow from the bulk (mol cm-2 s-1), for any state and current."""
    g = _grid(n=5, c=1.0)
    c = np.array(cs)
    lhs = g.porosity * g.h_cm * np.sum(g.rhs(c, i)) * 1e-3
    assert lhs == pytest.approx(i / FARADAY_C_PER_MOL + g.bulk_inflow_mol_cm2_s(c), rel=1e-9, abs=1e-18)


def test_block_against_semi_infinite_solution_and_independent_fd():
    """Constant flux from c = c_b: (i) the semi-infinite solution c(0,t) = c_b − (2N/ε)√(t/(π D_app)), valid
    while √(D_app t) ≪ L; (ii) an explicit node-based finite-difference scheme written here on a finer grid."""
    from scipy.integrate import solve_ivp

    g = _grid(n=60)
    i = -1.0e-3
    T = 30.0
    sol = solve_ivp(lambda t, c: g.rhs(c, i), (0, T), np.full(g.n, g.c_bulk_M), method="BDF", rtol=1e-9,
                    atol=1e-12, jac=g.matrix())
    c_block = sol.y[:, -1]
    N = -i / FARADAY_C_PER_MOL * 1e3                                # M cm s-1 out of the liquid at x = 0
    D_app = g.D_eff_cm2_s / g.porosity
    c0_exact = g.c_bulk_M - 2 * N / g.porosity * math.sqrt(T / (math.pi * D_app))
    # the first cell centre sits h/2 from the wall: extrapolate linearly from the first two centres
    c0_block = 1.5 * c_block[0] - 0.5 * c_block[1]
    assert c0_block == pytest.approx(c0_exact, abs=2e-3 * g.c_bulk_M)
    # explicit FD on nodes x_j = j·dx, ghost-node flux condition at x = 0, Dirichlet at x = L
    M = 400
    dx = g.L_cm / M
    dt = 0.4 * dx * dx / D_app
    c = np.full(M + 1, g.c_bulk_M)
    t = 0.0
    while t < T - 1e-12:
        step = min(dt, T - t)
        lap = np.empty_like(c)
        lap[1:-1] = c[2:] - 2 * c[1:-1] + c[:-2]
        lap[0] = 2 * (c[1] - c[0]) - 2 * dx * N / g.D_eff_cm2_s     # −D_eff ∂c/∂x = −N at x = 0
        lap[-1] = 0.0
        c = c + step * D_app * lap / dx ** 2
        t += step
    c_fd = np.interp(g.centres_cm, np.linspace(0, g.L_cm, M + 1), c)
    assert np.max(np.abs(c_fd - c_block)) < 2e-3 * g.c_bulk_M
    assert el.sand_time_s(g.D_eff_cm2_s, g.porosity, g.c_bulk_M, -i) == pytest.approx(
        math.pi * D_app * (FARADAY_C_PER_MOL * g.c_bulk_M * 1e-3 * g.porosity) ** 2 / (4 * i * i))


def test_switch_off_is_the_model_without_electrolyte():
    eq = LangmuirPair()
    off = CellParameters(licl_M=0.2, **FAST)
    c_off = SingleParticleCell(off, eq)
    assert c_off.n_el == 0 and c_off.equilibrium_state(2.3).size == 2 * off.n_shells
    r_off = cell.discharge(off, 500.0, equilibrium=eq)
    assert np.all(r_off.c_Li_electrode_M == 0.2)
    # transport on with a huge D(Li+) tends to the same discharge (no depletion)
    on = dataclasses.replace(off, electrolyte_transport=True, D_Li_electrolyte_cm2_s=1.0)
    c_on = SingleParticleCell(on, eq)
    assert c_on.n_el == on.n_electrolyte and c_on.equilibrium_state(2.3).size == 2 * on.n_shells + on.n_electrolyte
    r_on = cell.discharge(on, 500.0, equilibrium=eq)
    q_off, q_on = (cell.summarize(r).discharge_capacity_mAh_g for r in (r_off, r_on))
    assert q_on == pytest.approx(q_off, abs=0.05)
    assert np.min(r_on.c_Li_electrode_M) > 0.2 * (1 - 1e-4)
    # a Li-free electrolyte has no block even when switched on
    assert SingleParticleCell(dataclasses.replace(on, licl_M=0.0), eq).n_el == 0


def test_depletion_lowers_capacity_and_li_share_and_conserves_charge():
    eq = LangmuirPair()
    base = CellParameters(licl_M=0.2, electrolyte_transport=True, **FAST)
    slow = dataclasses.replace(base, D_Li_electrolyte_cm2_s=5e-7)
    r_fast, r_slow = (cell.discharge(p, 1000.0, equilibrium=eq) for p in (
        dataclasses.replace(base, D_Li_electrolyte_cm2_s=1e-3), slow))
    a, b = cell.summarize(r_fast), cell.summarize(r_slow)
    assert b.discharge_capacity_mAh_g < a.discharge_capacity_mAh_g - 5
    assert b.x_Li_discharged < a.x_Li_discharged
    assert np.min(r_slow.c_Li_electrode_M) < 0.5 * 0.2
    assert np.all(np.isfinite(r_slow.voltage_V))
    # charge passed = F Σ z Δx / (3.6 M) with the block on
    dx = (r_slow.x_Li[-1] - r_slow.x_Li[0]) + 2 * (r_slow.x_Mg[-1] - r_slow.x_Mg[0])
    assert -r_slow.charge_mAh_g[-1] == pytest.approx(slow.capacity_mAh_g(dx), rel=1e-3)


def test_li_taken_from_the_electrolyte_equals_li_inserted():
    """Over a discharge step: Li+ lost from the separator + Li+ supplied by the bulk = Li inserted per geometric
    area (the bulk inflow integrated along the LSODA dense output on a fine time grid)."""
    eq = LangmuirPair()
    p = CellParameters(licl_M=0.2, electrolyte_transport=True, D_Li_electrolyte_cm2_s=2e-6, **FAST)
    c = SingleParticleCell(p, eq)
    y0 = c.equilibrium_state(2.3)
    res = c.run([Step(-500.0, 300.0)], y0=y0, record_dt_s=0.5)
    g = c.grid
    m = 2 * p.n_shells
    # the run records the states only through x and c_0; rebuild the block's states from a rerun's final state
    inv0 = g.inventory_mol_cm2(y0[m:])
    inv1 = g.inventory_mol_cm2(res.final_state[m:])
    assert res.c_Li_electrode_M[-1] == pytest.approx(res.final_state[m])
    # inflow through x = L needs c_{n-1}(t): integrate the block again with the recorded Li current
    # (i_Li from the particle's Li uptake rate, per geometric area)
    t = res.time_s
    xl = res.x_Li
    mol_per_cm2 = p.loading_mg_cm2 * 1e-3 / p.molar_mass_g_mol       # formula units per cm2 (mol)
    i_li = -np.gradient(xl, t) * mol_per_cm2 * FARADAY_C_PER_MOL     # A cm-2, < 0 on discharge
    from scipy.integrate import solve_ivp

    sol = solve_ivp(lambda tt, cc: g.rhs(cc, float(np.interp(tt, t, i_li))), (0, t[-1]), y0[m:], method="BDF",
                    rtol=1e-8, atol=1e-11, jac=g.matrix(), dense_output=True, max_step=0.5)
    assert np.allclose(sol.y[:, -1], res.final_state[m:], atol=2e-3 * p.licl_M)
    tt = np.linspace(0, t[-1], 4001)
    inflow = np.trapezoid([g.bulk_inflow_mol_cm2_s(sol.sol(s)) for s in tt], tt)
    inserted = (xl[-1] - xl[0]) * mol_per_cm2
    assert (inv0 - inv1) + inflow == pytest.approx(inserted, rel=1e-2)


def test_block_jacobian_matches_finite_differences():
    g = _grid(n=6)
    rng = np.random.default_rng(3)
    c = rng.uniform(0.05, 0.3, g.n)
    k = 2e-3                                                       # i_Li^geo = −k c_0 (a first-order sink)
    f = lambda cc: g.rhs(cc, -k * cc[0])  # noqa: E731
    J = np.zeros((g.n, g.n))
    for j in range(g.n):
        e = np.zeros(g.n)
        e[j] = 1e-6
        J[:, j] = (f(c + e) - f(c - e)) / 2e-6
    sub, diag, sup = g.jacobian(-k)
    assert np.allclose(J, np.diag(diag) + np.diag(sub, -1) + np.diag(sup, 1), rtol=1e-7, atol=1e-9)
