"""Nearest-neighbour interactions: Bethe free energy, self-consistent branches, the two-phase (Maxwell)
construction against a hand-solved regular solution, Maxwell relations, and lattice Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from dualion.model import EquilibriumModel, SiteType
from dualion.model.builders import stoichiometric_model
from dualion.model.interactions import (LatticeInteraction, excess_field, excess_field_slope, excess_free_energy)
from dualion.model.montecarlo import run_gcmc
from dualion.reference import K_B_EV_PER_K

KT = K_B_EV_PER_K * 298.15
EPS = -1.5            # Li site energy, eV


def _lattice_gas(J: float, z: int = 4, approximation: str = "bethe", limit: float | None = None) -> EquilibriumModel:
    site = SiteType("interstitial", 1.0, (("Li", {"Li": 1}, EPS, 1.0),))
    return EquilibriumModel([site], n_redox_per_fu=limit, molar_mass_g_mol=80.0,
                            interaction=LatticeInteraction("interstitial", J, coordination=z,
                                                           approximation=approximation))


@settings(max_examples=40, deadline=None)
@given(st.floats(0.02, 0.98), st.floats(-6.0, 6.0), st.sampled_from(["bethe", "mean-field"]))
def test_field_is_the_derivative_of_the_excess_free_energy(theta, j_over_kT, approx):
    J = j_over_kT * KT
    d = 1e-6
    fd = (excess_free_energy(theta + d, J, 4, KT, approx) - excess_free_energy(theta - d, J, 4, KT, approx)) / (2 * d)
    assert float(excess_field(theta, J, 4, KT, approx)) == pytest.approx(float(fd), rel=1e-5, abs=1e-9)
    fd2 = (excess_field(theta + d, J, 4, KT, approx) - excess_field(theta - d, J, 4, KT, approx)) / (2 * d)
    assert float(excess_field_slope(theta, J, 4, KT, approx)) == pytest.approx(float(fd2), rel=1e-4, abs=1e-8)


def test_bethe_reduces_to_mean_field_for_weak_coupling_and_to_zero_without_it():
    th = np.linspace(0.05, 0.95, 19)
    J = 1e-4 * KT
    assert np.allclose(excess_field(th, J, 6, KT), 6 * J * th, rtol=1e-3)
    assert np.all(excess_field(th, 0.0, 6, KT) == 0) and np.allclose(excess_free_energy(th, 0.0, 6, KT), 0, atol=1e-15)


def test_zero_interaction_reduces_exactly_to_the_independent_site_model():
    V = np.linspace(1.4, 0.3, 300)
    a = _lattice_gas(0.0, limit=1.0).curve(V, li_activity=1.0)
    b = EquilibriumModel(list(_lattice_gas(0.0).site_types), n_redox_per_fu=1.0, molar_mass_g_mol=80.0).curve(V)
    assert np.array_equal(a.Q_mAh_g, b.Q_mAh_g) and a.plateaus == []


def test_common_tangent_of_the_symmetric_regular_solution():
    """Mean field, no electron limit: μ = ε + kT ln(θ/(1−θ)) + U θ (U = zJ). For U < −4kT the plateau is at the
    symmetric point μ* = ε + U/2 and the binodal θ_b solves ln(θ/(1−θ)) = −(U/kT)(θ − 1/2) (hand-solved here)."""
    z, J = 4, -0.04
    U = z * J
    m = _lattice_gas(J, z, "mean-field")
    mu_star = EPS + U / 2
    th_b = brentq(lambda t: math.log(t / (1 - t)) + (U / KT) * (t - 0.5), 1e-12, 0.5 - 1e-9)
    V = np.linspace(-mu_star - 0.74 - 0.05, -mu_star - 0.74 + 0.05, 201)
    c = m.curve(V, li_activity=1.0, delta_e_ref_V=0.74)
    assert len(c.plateaus) == 1
    p = c.plateaus[0]
    assert p["V"] == pytest.approx(-mu_star - 0.74, abs=1e-9)
    assert p["theta_low"] == pytest.approx(th_b, abs=1e-9) and p["theta_high"] == pytest.approx(1 - th_b, abs=1e-9)
    # the equilibrium curve jumps across the gap at the plateau; the metastable branches extend beyond it
    x = c.x["Li"]
    assert np.all((x <= th_b + 1e-9) | (x >= 1 - th_b - 1e-9))
    assert p["metastable_V_low"] < p["V"] < p["metastable_V_high"]
    # spinodals of the regular solution: θ(1−θ) = kT/|U|; the low branch ends at μ(θ_s) (lowest V), the high branch
    # at μ(1 − θ_s) (highest V); found to the resolution of the θ bracketing grid (a few mV)
    th_s = 0.5 - math.sqrt(0.25 - KT / abs(U))
    for t, key in ((th_s, "metastable_V_low"), (1 - th_s, "metastable_V_high")):
        mu_s = EPS + KT * math.log(t / (1 - t)) + U * t
        assert p[key] == pytest.approx(-mu_s - 0.74, abs=3e-3)


def test_hysteresis_branches_outside_and_inside_the_gap():
    m = _lattice_gas(-0.04, 4, "mean-field")
    sc = m._interacting
    mu = np.array([[EPS - 0.08 + 0.004], [EPS - 0.08 + 0.1]])      # inside / outside the metastable range
    b = sc.branches(mu)
    assert b.n_roots.tolist() == [3, 1]
    assert b.theta_low[0] < 0.1 < 0.9 < b.theta_high[0]
    assert b.theta_low[1] == b.theta_high[1]


@settings(max_examples=12, deadline=None)
@given(st.floats(-0.02, 0.03), st.floats(-1.8, -1.2), st.floats(-1.3, -0.8))
def test_maxwell_relation_with_interaction_and_electron_limit(J, mu_li, mu_mg):
    """x = −∂Ω/∂μ on the equilibrium branch: ∂x_Li/∂μ_Mg = ∂x_Mg/∂μ_Li (per atom) by central differences, with a
    sub-critical Li–Li interaction on the 4b sites, Mg on vacancies and the shared electron limit."""
    sites = [SiteType("interstitial", 1.0, (("Li", {"Li": 1}, -1.52, 1.0),)),
             SiteType("vacancy", 0.22, (("Li", {"Li": 1}, -2.0, 1.0), ("Mg", {"Mg": 1}, -2.45, 1.0)))]
    m = EquilibriumModel(sites, n_redox_per_fu=0.78, interaction=LatticeInteraction("interstitial", J))
    Jm = m.jacobian({"Li": mu_li, "Mg": 2 * mu_mg}, per="atom")
    assert Jm[0, 1] == pytest.approx(Jm[1, 0], rel=2e-3, abs=2e-5)


def _mc_site():
    return SiteType("interstitial", 1.0, (("Li", {"Li": 1}, EPS, 1.0),))


@pytest.mark.parametrize("j_over_kT", [0.6, -0.6])
def test_quasi_chemical_agrees_with_lattice_monte_carlo(j_over_kT):
    """Square lattice (z = 4), no electron limit: the quasi-chemical uptake is within the MC error bars (4σ plus
    the approximation's own ~1e-3) at three μ, and closer to MC than mean field at the point of largest θ(1−θ)."""
    J = j_over_kT * KT
    mus = [EPS + 2 * J - 0.03, EPS + 2 * J, EPS + 2 * J + 0.03]
    bethe, mf = _lattice_gas(J, 4, "bethe"), _lattice_gas(J, 4, "mean-field")
    xb = bethe.uptake({"Li": np.array(mus)})["Li"]
    xm = mf.uptake({"Li": np.array(mus)})["Li"]
    for k, mu in enumerate(mus):
        r = run_gcmc(_mc_site(), {"Li": mu}, shape=(12, 12), interactions={"Li-Li": J}, n_sweeps=1200, n_equil=200,
                     seed=k + 1)
        tol = 4 * r.stderr["Li"] + 2e-3
        assert abs(xb[k] - r.x["Li"]) < tol, (mu, xb[k], r.x["Li"], r.stderr["Li"])
        if k == 1:
            assert abs(xb[k] - r.x["Li"]) <= abs(xm[k] - r.x["Li"]) + 1e-3


def test_stoichiometric_anatase_plateau_is_first_order_and_suppressed_without_attraction():
    from dualion.model.curve import peak_fwhm_V

    V = np.linspace(1.3, 0.6, 701)
    c = stoichiometric_model(LatticeInteraction("interstitial", -0.1)).curve(V, li_activity=1.0)
    assert len(c.plateaus) == 1 and c.plateaus[0]["width_mAh_g"] > 100
    assert peak_fwhm_V(c.V, c.dqdv, c.peaks[0]["V"]) <= 3e-3                 # a jump of Q: ~2 grid steps
    c0 = stoichiometric_model().curve(V, li_activity=1.0)
    assert c0.plateaus == [] and peak_fwhm_V(c0.V, c0.dqdv, c0.peaks[0]["V"]) > 0.09
