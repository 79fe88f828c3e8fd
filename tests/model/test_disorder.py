"""Site-energy disorder: Gauss–Hermite nodes vs an independent quadrature, exact reductions, populations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtri

from dualion.model import EquilibriumModel, SiteType, paper_model
from dualion.model.builders import anion_weights, environment_weights
from dualion.model.disorder import boltzmann_populations, gauss_hermite, quadrature

LABELS = ["4F", "3F+1OH", "2F+2OH cis", "2F+2OH trans", "1F+3OH", "4OH"]
K_F = {"4F": 4, "3F+1OH": 3, "2F+2OH cis": 2, "2F+2OH trans": 2, "1F+3OH": 1, "4OH": 0}


def _two_site_model(**kw) -> EquilibriumModel:
    sites = [SiteType("interstitial", 1.0, (("Li", {"Li": 1}, -1.52, 1.0),)),
             SiteType("vacancy", 0.22, (("Li", {"Li": 1}, -2.0, 1.0), ("Mg", {"Mg": 1}, -2.45, 1.0)))]
    return EquilibriumModel(sites, n_redox_per_fu=0.78, molar_mass_g_mol=71.0, **kw)


def test_gauss_hermite_moments():
    """The n-point rule reproduces the Gaussian moments <φ²> = σ², <φ⁴> = 3σ⁴ and weights sum to 1."""
    phi, w = gauss_hermite(0.07, 9)
    assert w.sum() == pytest.approx(1.0, abs=1e-14)
    assert (w * phi ** 2).sum() == pytest.approx(0.07 ** 2, rel=1e-12)
    assert (w * phi ** 4).sum() == pytest.approx(3 * 0.07 ** 4, rel=1e-12)
    assert gauss_hermite(0.0, 9)[0].tolist() == [0.0]


def test_automatic_rule_converges_for_broad_distributions():
    """σ = 4 kT: the automatic rule (trapezoid, spacing 2kT) agrees with a 2001-point trapezoid reference to 1e-4."""
    from scipy.special import expit

    kT, s = 0.0257, 4 * 0.0257
    phi, w = quadrature(s, kT)
    x = np.linspace(-8 * s, 8 * s, 2001)
    g = np.exp(-0.5 * (x / s) ** 2)
    g /= g.sum()
    for mu in np.linspace(-3 * s, 3 * s, 13):
        assert (w * expit((mu - phi) / kT)).sum() == pytest.approx((g * expit((mu - x) / kT)).sum(), abs=1e-4)


def test_zero_width_reduces_exactly_to_the_model_without_disorder():
    m0 = _two_site_model()
    m1 = _two_site_model(disorder={"vacancy": 0.0, "interstitial": 0.0})
    V = np.linspace(2.3, 0.05, 200)
    c0, c1 = m0.curve(V, li_activity=0.2), m1.curve(V, li_activity=0.2)
    assert np.array_equal(c0.Q_mAh_g, c1.Q_mAh_g)
    assert np.array_equal(c0.x["Mg"], c1.x["Mg"])


def test_disorder_equals_an_independent_quantile_quadrature():
    """σ on the vacancy: the Gauss–Hermite model equals a brute-force model of 4000 vacancy types at the normal
    quantiles (i + 1/2)/M (offset φ_i per charge), sharing the same electron reservoir."""
    sigma = 0.09
    m_gh = _two_site_model(disorder={"vacancy": sigma})
    M = 4000
    phi = sigma * ndtri((np.arange(M) + 0.5) / M)
    base = _two_site_model().site_types
    brute = [base[0]] + [SiteType(f"v{i}", 0.22 / M, base[1].states, offset_eV=float(p)) for i, p in enumerate(phi)]
    m_bf = EquilibriumModel(brute, n_redox_per_fu=0.78, molar_mass_g_mol=71.0)
    V = np.array([1.4, 1.2, 1.0, 0.6, 0.2])
    dmu = {"Li": -(V + 0.74 - 0.0257 * math.log(0.2)), "Mg": -V}
    a, b = m_gh.uptake(dmu), m_bf.uptake(dmu)
    for ion in ("Li", "Mg"):
        # automatic rule: trapezoid with spacing 2kT in φ (4kT in the Mg energy, n_e = 2): ~3e-4 for Mg
        assert np.allclose(a[ion], b[ion], atol=5e-4), (ion, a[ion], b[ion])
    fine = _two_site_model(disorder={"vacancy": sigma}, disorder_nodes=64).uptake(dmu)     # 64-point Gauss–Hermite
    assert np.allclose(fine["Mg"], b["Mg"], atol=2e-5)
    # the disorder does something: the model without it differs by far more than the tolerances
    c = _two_site_model().uptake(dmu)
    assert np.max(np.abs(c["Mg"] - a["Mg"])) > 0.003


@settings(max_examples=15, deadline=None)
@given(st.floats(0.0, 0.2), st.floats(-1.8, -0.6), st.floats(-1.4, -0.2))
def test_maxwell_relation_with_disorder(sigma, mu_li, mu_mg):
    """∂x_Li/∂μ_Mg = ∂x_Mg/∂μ_Li (per atom) with disorder on: analytic Jacobian symmetric and equal to central
    differences of the uptake."""
    m = _two_site_model(disorder={"vacancy": sigma, "interstitial": 0.5 * sigma})
    J = m.jacobian({"Li": mu_li, "Mg": 2 * mu_mg}, per="atom")        # per-atom μ_Mg = 2 × per-charge
    assert J[0, 1] == pytest.approx(J[1, 0], rel=1e-9, abs=1e-12)
    h = 1e-5
    xp = m.uptake({"Li": mu_li, "Mg": (2 * mu_mg + h) / 2})["Li"]
    xm = m.uptake({"Li": mu_li, "Mg": (2 * mu_mg - h) / 2})["Li"]
    assert float((xp - xm) / (2 * h)) == pytest.approx(J[0, 1], rel=1e-4, abs=1e-7)


def test_binomial_limit_of_the_boltzmann_populations():
    """T_freeze → ∞ and the existing binomial weights (cis : trans = 4 : 2) agree."""
    pw = environment_weights(0.40, 0.48, "boltzmann", float("inf"))
    bw = anion_weights(0.40, 0.48)
    for k in LABELS:
        assert pw[k] == pytest.approx(bw[k], rel=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.floats(-8.0, 8.0), st.floats(-900.0, -800.0), st.floats(0.1, 0.9), st.floats(150.0, 2000.0))
def test_energies_linear_in_the_F_count_give_binomial_weights(slope, e0, p_F, T):
    """The composition part of the host energies (linear in the number of F) is absorbed by the F/OH exchange
    potential: linear energies give the binomial populations at any freezing temperature, with <k_F> = 4 p_F."""
    E = {lab: e0 + slope * K_F[lab] for lab in LABELS}
    P = boltzmann_populations(E, p_F, T)
    mean_k = sum(P[lab] * K_F[lab] for lab in LABELS)
    assert mean_k == pytest.approx(4 * p_F, abs=1e-9)
    B = environment_weights(p_F, 1 - p_F, "binomial")
    for lab in LABELS:
        assert P[lab] == pytest.approx(B[lab], abs=1e-8)


def test_dft_populations_at_the_synthesis_temperature():
    """With the public DFT host energies: 4OH (0.59 eV above the line through 4F…1F+3OH) is essentially absent, the
    F fraction is the formula's, and trans is favoured over cis relative to the 4 : 2 random ratio."""
    w = environment_weights(0.40, 0.48, "boltzmann")
    assert sum(w.values()) == pytest.approx(1.0, abs=1e-12)
    assert sum(w[k] * K_F[k] for k in LABELS) == pytest.approx(4 * 0.40 / 0.88, abs=1e-9)
    assert w["4OH"] < 1e-4 < anion_weights(0.40, 0.48)["4OH"]
    assert w["2F+2OH trans"] / w["2F+2OH cis"] > 0.5


def test_paper_model_with_boltzmann_populations_keeps_the_vacancy_count():
    m = paper_model(split_anions=True, populations="boltzmann")
    n = sum(s.sites_per_fu for s in m.site_types if s.name.startswith("vacancy"))
    assert n == pytest.approx(0.22, abs=1e-12)


def test_compiled_kernel_equals_the_numpy_path():
    """The numba η kernel and type averages give the NumPy solver's results to rounding (skip without numba)."""
    from dualion.model.kernels import HAVE_NUMBA

    if not HAVE_NUMBA:
        pytest.skip("numba not installed")
    m = _two_site_model(disorder={"vacancy": 0.08, "interstitial": 0.03})
    V = np.linspace(2.0, 0.05, 80)
    dmu = {"Li": -(V + 0.74), "Mg": -V}
    m._solver.use_kernel = True
    a = m.uptake(dmu)
    m._solver.use_kernel = False
    b = m.uptake(dmu)
    for ion in ("Li", "Mg"):
        assert np.allclose(a[ion], b[ion], rtol=1e-10, atol=1e-13)
    assert np.allclose(a.eta_eV, b.eta_eV, rtol=1e-9, atol=1e-12)
