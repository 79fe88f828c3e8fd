"""Equilibrium model: limits, analytic forms, thermodynamic identities and invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dualion.errors import DualionUserError
from dualion.model import EquilibriumModel, FiniteElectrolyte, SiteState, SiteType, paper_model
from dualion.model.builders import site_type_from_model
from dualion.reference import FARADAY_C_PER_MOL, K_B_EV_PER_K
from dualion.thermo.diagram import query
from dualion.thermo.grand import grand_potential_eV
from dualion.thermo.sitemodel import site_model_from_dict

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KT298 = K_B_EV_PER_K * 298.15  # 0.025693 eV

energy = st.floats(-4.0, 0.5, allow_nan=False)


def _pair_site_model(e):
    """A paired-vacancy-like site model with total insertion energies e (eV) and metal refs 0."""
    labels = [("Li", {"Li": 1}), ("Mg", {"Mg": 1}), ("Li+Li", {"Li": 2}), ("Mg+Mg", {"Mg": 2}),
              ("Li+Mg", {"Li": 1, "Mg": 1})]
    doc = {"name": "random pair", "ions": ["Li", "Mg"], "references": {"Li": 0.0, "Mg": 0.0},
           "host": {"label": "host", "energy": 0.0},
           "configurations": [{"label": lab, "counts": c, "energy": float(x)} for (lab, c), x in zip(labels, e)]}
    return site_model_from_dict(doc)


@SETTINGS
@given(e=st.lists(energy, min_size=5, max_size=5), mu_li=st.floats(-4, 0), mu_mg=st.floats(-3, 0))
def test_T_to_zero_equals_thermo_stable_product(e, mu_li, mu_mg):
    """At 1 K the most probable state of a single site type is the thermodynamics core's argmin Ω."""
    sm = _pair_site_model(e)
    st_ = site_type_from_model(sm, "pair", 1.0, multiplicity="file")
    dmu = {"Li": mu_li, "Mg": mu_mg}
    om = sorted([0.0] + [grand_potential_eV(s.dE_eV, s.counts, dmu, {"Li": 1, "Mg": 2}) for s in st_.states[1:]])
    assume(om[1] - om[0] > 0.02)  # no near-ties: occupancy of the winner ≥ 1 − 5 e^(−0.02/kT) at 1 K
    model = EquilibriumModel([st_], n_redox_per_fu=None, T_K=1.0)
    occ = model.uptake(dmu).occupancy["pair"]
    best = max(occ, key=lambda k: float(occ[k]))
    assert best == query(sm, dmu)["label"] or (best == "empty" and query(sm, dmu)["label"] == "host")
    assert float(occ[best]) > 1 - 1e-12


def test_T_to_zero_paper_pair_thresholds():
    """Bundled paired-vacancy model at 1 K: hand-placed points inside the Fig. 6c regions."""
    from dualion.thermo.models import bundled_model

    sm = bundled_model("paired-vacancy")
    model = EquilibriumModel([site_type_from_model(sm, "pair", 1.0)], n_redox_per_fu=None, T_K=1.0)
    # Li+Li above Δμ_Li = −2.85 eV with Mg low; Mg+Mg above Δμ_Mg = −1.36 eV with Li low;
    # Li+Mg for Δμ_Li in (−2.92, …) and Δμ_Mg in (−1.83, …) just inside the mixed wedge
    for dmu, label in [({"Li": -2.6, "Mg": -3.0}, "Li+Li"), ({"Li": -5.0, "Mg": -1.0}, "Mg+Mg"),
                       ({"Li": -2.88, "Mg": -1.6}, "Li+Mg"), ({"Li": -4.0, "Mg": -3.0}, "empty")]:
        occ = model.uptake(dmu).occupancy["pair"]
        assert float(occ[label]) > 0.999, (dmu, label)
        q = query(sm, dmu)["label"]
        assert q == label or (label == "empty" and q not in ("Li+Li", "Mg+Mg", "Li+Mg", "Li", "Mg"))


def _langmuir_model(dE=-1.5, T=298.15):
    return EquilibriumModel([SiteType("i", 1.0, (SiteState("Li", {"Li": 1}, dE),))], n_redox_per_fu=None,
                            T_K=T, molar_mass_g_mol=79.87)


@pytest.mark.parametrize("mu", [-1.7, -1.55, -1.5, -1.45, -1.3])
def test_single_ion_is_langmuir(mu):
    """θ = 1/(1 + exp((ΔE − Δμ)/kT)) for one ion on one site type (ΔE = −1.5 eV)."""
    x = float(_langmuir_model().uptake({"Li": mu})["Li"])
    assert x == pytest.approx(1.0 / (1.0 + math.exp((-1.5 - mu) / KT298)), rel=1e-12)


def test_single_ion_59_mV_per_decade():
    """The Li curve (V vs Mg) moves by (kT/e) ln 10 = 0.025693 × 2.302585 = 0.059159 V per decade of a_Li."""
    m = _langmuir_model()
    V = np.linspace(1.2, 0.4, 4001)
    v_half = []
    for a in (1.0, 0.1, 0.01):
        c = m.curve(V, li_activity=a, delta_e_ref_V=0.74)
        v_half.append(float(np.interp(0.5, c.x["Li"], V)))   # x rises as V falls: monotone in x
    # hand: θ = 1/2 at Δμ_Li = ΔE → V = 1.5 − 0.74 + kT ln a = 0.76 V at a = 1
    assert v_half[0] == pytest.approx(0.76, abs=2e-5)
    assert v_half[0] - v_half[1] == pytest.approx(0.059159, abs=5e-5)
    assert v_half[1] - v_half[2] == pytest.approx(0.059159, abs=5e-5)


def test_mg_langmuir_per_charge():
    """Mg (z = 2): θ = 1/(1 + exp((ΔE − 2Δμ_Mg)/kT)) with per-charge Δμ; per-atom input gives the same."""
    m = EquilibriumModel([SiteType("v", 1.0, (SiteState("Mg", {"Mg": 1}, -3.3),))], n_redox_per_fu=None)
    for mu in (-1.7, -1.65, -1.6):
        expect = 1.0 / (1.0 + math.exp((-3.3 - 2 * mu) / KT298))
        assert float(m.uptake({"Mg": mu})["Mg"]) == pytest.approx(expect, rel=1e-12)
        assert float(m.uptake({"Mg": 2 * mu}, per="atom")["Mg"]) == pytest.approx(expect, rel=1e-12)


def _random_model(e, n, limit, stats="availability"):
    inter = SiteType("i", n[0], (("Li", {"Li": 1}, e[0], 1), ("Mg", {"Mg": 1}, e[1], 1)))
    vac = SiteType("v", n[1], (("Li", {"Li": 1}, e[2], 1), ("Mg", {"Mg": 1}, e[3], 1)))
    pair = SiteType("p", n[2], (("Li", {"Li": 1}, e[4], 2), ("Mg", {"Mg": 1}, e[5], 2),
                                ("Li+Mg", {"Li": 1, "Mg": 1}, e[6], 2), ("Li+Li", {"Li": 2}, e[7], 1)))
    return EquilibriumModel([inter, vac, pair], n_redox_per_fu=limit, electron_statistics=stats,
                            molar_mass_g_mol=71.0)


models = st.builds(
    _random_model,
    e=st.lists(st.floats(-4.0, 0.0), min_size=8, max_size=8),
    n=st.lists(st.floats(0.05, 1.0), min_size=3, max_size=3),
    limit=st.floats(0.1, 1.5),
    stats=st.sampled_from(["availability", "fermi"]),
)


@SETTINGS
@given(model=models, mu_li=st.floats(-3.5, -0.5), mu_mg=st.floats(-4.0, -1.0))
def test_maxwell_relation(model, mu_li, mu_mg):
    """∂x_Li/∂μ_Mg = ∂x_Mg/∂μ_Li (per-atom μ), by central differences; also equals the analytic Jacobian."""
    h = 1e-5

    def x(li, mg):
        u = model.uptake({"Li": li, "Mg": mg}, per="atom")
        return float(u["Li"]), float(u["Mg"])

    dli_dmg = (x(mu_li, mu_mg + h)[0] - x(mu_li, mu_mg - h)[0]) / (2 * h)
    dmg_dli = (x(mu_li + h, mu_mg)[1] - x(mu_li - h, mu_mg)[1]) / (2 * h)
    scale = max(abs(dli_dmg), abs(dmg_dli), 1e-3)
    assert dli_dmg == pytest.approx(dmg_dli, abs=2e-5 * scale + 1e-7)
    J = model.jacobian({"Li": mu_li, "Mg": mu_mg}, per="atom")
    assert J[0, 1] == pytest.approx(dli_dmg, abs=2e-5 * scale + 1e-7)
    assert J[0, 1] == pytest.approx(J[1, 0], rel=1e-9, abs=1e-12)


@SETTINGS
@given(model=models, mu_li=st.floats(-30.0, 30.0), mu_mg=st.floats(-30.0, 30.0))
def test_electrons_never_exceed_limit(model, mu_li, mu_mg):
    """Σ z_i x_i ≤ N_redox for any chemical potentials, however high (and η ≥ 0 for availability)."""
    u = model.uptake({"Li": np.array([mu_li, 0.0, 5.0]), "Mg": np.array([mu_mg, 0.0, 5.0])})
    assert np.all(u.electrons <= model.n_redox_per_fu * (1 + 1e-12))
    assert np.allclose(u.electrons, u.x["Li"] + 2 * u.x["Mg"], rtol=1e-12)
    if model.electron_statistics == "availability":
        assert np.all(u.eta_eV >= 0)


@SETTINGS
@given(model=models, f_li=st.floats(0.05, 0.9), f_mg=st.floats(0.05, 0.9))
def test_chemical_potentials_inverts_uptake(model, f_li, f_mg):
    """uptake(chemical_potentials(x)) = x for attainable x (fractions of the site/electron capacity)."""
    cap_li = sum(s.sites_per_fu * max(st_.counts.get("Li", 0) for st_ in s.states) for s in model.site_types)
    x_li = f_li * min(cap_li, model.n_redox_per_fu) * 0.5
    x_mg = f_mg * (model.n_redox_per_fu - x_li) / 2 * 0.5
    x_mg = min(x_mg, 0.5 * sum(s.sites_per_fu for s in model.site_types) - 0.5 * x_li)
    assume(x_mg > 1e-4)
    model._solver._warm = None
    mu = model.chemical_potentials({"Li": x_li, "Mg": x_mg})
    u = model.uptake(mu)
    assert float(u["Li"]) == pytest.approx(x_li, rel=1e-6)
    assert float(u["Mg"]) == pytest.approx(x_mg, rel=1e-6)


def test_chemical_potentials_vectorised_and_unattainable():
    m = paper_model()
    mu = m.chemical_potentials({"Li": np.array([0.1, 0.2]), "Mg": np.array([0.05, 0.1])})
    u = m.uptake(mu)
    np.testing.assert_allclose(u["Li"], [0.1, 0.2], rtol=1e-8)
    with pytest.raises(DualionUserError, match="not attainable"):
        m.chemical_potentials({"Li": 0.5, "Mg": 0.2})          # 0.5 + 0.4 e- > 0.78
    assert np.isnan(m.chemical_potentials({"Li": 0.5, "Mg": 0.2}, strict=False)["Li"])


def test_capacity_formula_and_paper_end_of_discharge():
    """Q = F(x_Li + 2 x_Mg)/(3.6 M); at 0.05 V vs Mg with 1 M Li the Ti4+/Ti3+ limit is reached.

    Hand calculation: Mg beats Li on a vacancy when Ω_Mg − Ω_Li = (−3.297 + 2V) − (−2.683 + V + 0.74) < 0,
    i.e. V < 1.36 V, so at 0.05 V the 0.22 vacancies hold Mg (0.44 e-) and the remaining 0.78 − 0.44 = 0.34
    e- go to interstitial Li: Q = 96485.33 × 0.78 / (3.6 × 71.0185) = 294.4 mA h g-1.
    """
    m = paper_model()
    c = m.curve(np.linspace(2.3, 0.05, 451), li_activity=1.0)
    np.testing.assert_allclose(c.Q_mAh_g, FARADAY_C_PER_MOL * (c.x["Li"] + 2 * c.x["Mg"]) / (3.6 * 71.01847248),
                               rtol=1e-12)
    assert float(c.x["Mg"][-1]) == pytest.approx(0.22, abs=2e-3)
    assert float(c.x["Li"][-1]) == pytest.approx(0.34, abs=4e-3)
    assert float(c.Q_mAh_g[-1]) == pytest.approx(294.4, abs=1.0)
    assert m.max_capacity_mAh_g == pytest.approx(294.36, abs=0.05)


def test_li_free_electrolyte_excludes_li():
    m = paper_model()
    c = m.curve(np.linspace(2.3, 0.05, 200), li_activity=0.0)
    assert np.all(c.x["Li"] == 0.0)
    # hand: 0.22 vacancies × Mg → 0.44 e- → 96485.33 × 0.44 / (3.6 × 71.0185) = 166.1 mA h g-1
    assert float(c.Q_mAh_g[-1]) == pytest.approx(166.1, abs=0.5)


def test_pair_without_interaction_equals_two_independent_sites():
    """A pair with ΔE(AB) = ΔE(A) + ΔE(B) and combinatorial multiplicities is two independent sites."""
    eL, eM = -2.7, -3.3
    pair = SiteType("p", 0.1, (("Li", {"Li": 1}, eL, 2), ("Mg", {"Mg": 1}, eM, 2), ("Li+Li", {"Li": 2}, 2 * eL, 1),
                               ("Mg+Mg", {"Mg": 2}, 2 * eM, 1), ("Li+Mg", {"Li": 1, "Mg": 1}, eL + eM, 2)))
    single = SiteType("s", 0.2, (("Li", {"Li": 1}, eL, 1), ("Mg", {"Mg": 1}, eM, 1)))
    mu = {"Li": np.linspace(-3, -2.4, 7), "Mg": np.linspace(-1.8, -1.5, 7)}
    a = EquilibriumModel([pair], n_redox_per_fu=0.3).uptake(mu)
    b = EquilibriumModel([single], n_redox_per_fu=0.3).uptake(mu)
    for ion in ("Li", "Mg"):
        np.testing.assert_allclose(a[ion], b[ion], rtol=1e-10, atol=1e-14)


def test_finite_electrolyte_depletes_li_and_tends_to_infinite_reservoir():
    m = paper_model()
    V = np.linspace(1.2, 0.05, 231)
    fe = FiniteElectrolyte(volume_uL=400, licl_M=0.05, mass_mg=1.26)
    c = m.curve(V, finite_electrolyte=fe)
    avail = fe.li_per_fu_available(m.molar_mass_g_mol)
    # hand: 0.05 M × 400 µL = 2.0e-5 mol Li; 1.26 mg / 71.0185 g mol-1 = 1.774e-5 mol fu → 1.127 Li per fu
    assert avail == pytest.approx(1.127, abs=2e-3)
    np.testing.assert_allclose(c.li_activity, 0.05 * (1 - c.x["Li"] / avail), rtol=1e-9)
    inf = m.curve(V, li_activity=0.05)
    assert np.all(c.x["Li"] <= inf.x["Li"] + 1e-12)          # depletion can only lower the Li uptake
    big = m.curve(V, finite_electrolyte=FiniteElectrolyte(volume_uL=4e7, licl_M=0.05, mass_mg=1.26))
    np.testing.assert_allclose(big.x["Li"], inf.x["Li"], atol=1e-5)


def test_offsets_shift_thresholds_per_charge():
    """An offset o (eV per charge) on a Mg-only site shifts its half-filling voltage by exactly o."""
    base = EquilibriumModel([SiteType("v", 1.0, (("Mg", {"Mg": 1}, -3.3, 1),))], n_redox_per_fu=None,
                            molar_mass_g_mol=70.0)
    V = np.linspace(2.0, 1.3, 7001)
    v0 = np.interp(0.5, base.curve(V).x["Mg"], V)
    v1 = np.interp(0.5, base.with_offsets({"v": -0.1}).curve(V).x["Mg"], V)
    assert v0 == pytest.approx(1.65, abs=1e-4)          # hand: 2V = 3.3 eV at θ = 1/2
    assert v1 - v0 == pytest.approx(0.1, abs=2e-4)


def test_user_errors():
    m = paper_model()
    with pytest.raises(DualionUserError, match="missing chemical potential"):
        m.uptake({"Li": -1.0})
    with pytest.raises(DualionUserError):
        m.curve([np.nan])
    with pytest.raises(DualionUserError, match="unknown site type"):
        m.with_offsets({"nowhere": 0.1})
    with pytest.raises(DualionUserError):
        SiteType("x", -1.0, ())
    with pytest.raises(DualionUserError):
        FiniteElectrolyte(volume_uL=0, licl_M=0.1, mass_mg=1)


@pytest.mark.parametrize("mu", [-1.6, -1.5, -1.45])
def test_electron_statistics_analytic_forms(mu):
    """One Li site per fu and one redox level per fu (N_s = N_Ti = 1), Ω = ΔE − Δμ:

    availability: θ/(1−θ) = e^{−(Ω+η)/kT}, 1 − θ = e^{−η/kT}  ⇒  θ/(1−θ)² = e^{−Ω/kT};
    fermi:        θ/(1−θ) = e^{−(Ω+η)/kT}, θ/(1−θ) = e^{+η/kT} ⇒  θ = 1/(1 + e^{Ω/(2kT)})  (MSMR with ω = 2).
    """
    site = SiteType("i", 1.0, (("Li", {"Li": 1}, -1.5, 1),))
    om = -1.5 - mu
    th = float(EquilibriumModel([site], n_redox_per_fu=1.0, electron_statistics="availability").uptake({"Li": mu})["Li"])
    assert th / (1 - th) ** 2 == pytest.approx(math.exp(-om / KT298), rel=1e-9)
    th_f = float(EquilibriumModel([site], n_redox_per_fu=1.0, electron_statistics="fermi").uptake({"Li": mu})["Li"])
    assert th_f == pytest.approx(1 / (1 + math.exp(om / (2 * KT298))), rel=1e-10)


def test_paper_model_site_inventory_and_anion_weights():
    """Site counts from Ti0.78□0.22O1.12F0.40(OH)0.48: p_F = 0.40/0.88 = 0.4545; 4F weight p_F^4 = 0.04269;
    single vacancies (1 − 0.3)·0.22 = 0.154, pairs 0.3·0.22/2 = 0.033."""
    from dualion.model.builders import anion_weights

    w = anion_weights(0.40, 0.48)
    assert sum(w.values()) == pytest.approx(1.0, abs=1e-14)
    assert w["4F"] == pytest.approx((0.40 / 0.88) ** 4, rel=1e-12)
    assert w["2F+2OH cis"] == pytest.approx(2 * w["2F+2OH trans"], rel=1e-12)
    m = paper_model(split_anions=True, pair_fraction=0.3)
    n = {s.name: s.sites_per_fu for s in m.site_types}
    assert n["interstitial"] == pytest.approx(1.0)
    assert sum(v for k, v in n.items() if k.startswith("vacancy[")) == pytest.approx(0.154, abs=1e-12)
    assert n["vacancy[4F]"] == pytest.approx(0.154 * 0.042688, rel=1e-4)
    assert n["pair"] == pytest.approx(0.033, abs=1e-12)
    assert m.n_redox_per_fu == pytest.approx(0.78) and m.molar_mass_g_mol == pytest.approx(71.0185, abs=1e-3)
    pair = next(s for s in m.site_types if s.name == "pair")
    mult = {st.label: st.multiplicity for st in pair.states}
    assert mult == {"empty": 1, "Li": 2, "Li+Li": 1, "Mg": 2, "Mg+Mg": 1, "Li+Mg": 2}


def test_uptake_is_a_mapping_and_sites_sum_to_totals():
    m = paper_model(pair_fraction=0.3)
    u = m.uptake({"Li": np.array([-2.0, -1.5]), "Mg": np.array([-1.7, -1.0])})
    assert set(u) == {"Li", "Mg"} and len(u) == 2
    for ion in ("Li", "Mg"):
        np.testing.assert_allclose(sum(d[ion] for d in u.x_site.values()), u[ion], rtol=1e-12)
    for site, occ in u.occupancy.items():
        np.testing.assert_allclose(sum(occ.values()), 1.0, rtol=1e-12)


def test_dqdv_peak_and_V_of_Q_single_langmuir_hand_values():
    """One Li site per fu (ΔE = −1.5 eV, ΔE_ref = 0.74 V, a_Li = 1): θ = 1/(1 + e^{(V − 0.76)/kT}), so
    Q = Q_max θ with Q_max = F/(3.6 M) = 96485.33/(3.6·79.87) = 335.57 mA h g-1; −dQ/dV = Q_max θ(1−θ)/kT peaks
    at V = 0.76 V (θ = 1/2) with height Q_max/(4 kT) = 335.57/(4·0.025693) = 3265.2 mA h g-1 V-1; V(Q_max/2) = 0.76 V."""
    m = _langmuir_model()
    c = m.curve(np.linspace(1.2, 0.3, 901), li_activity=1.0, delta_e_ref_V=0.74)
    q_max = FARADAY_C_PER_MOL / (3.6 * 79.87)
    assert q_max == pytest.approx(335.57, abs=0.01)
    assert len(c.peaks) == 1
    assert c.peaks[0]["V"] == pytest.approx(0.76, abs=2e-4)
    assert c.peaks[0]["height"] == pytest.approx(q_max / (4 * KT298), rel=2e-3)
    assert float(c.V_of_Q(q_max / 2)) == pytest.approx(0.76, abs=1e-4)
    # V(Q) inverts Q(V) everywhere on the grid interior, and is NaN outside the computed range
    inner = slice(50, -50)
    np.testing.assert_allclose(c.V_of_Q(c.Q_mAh_g[inner]), c.V[inner], atol=1e-9)
    assert np.isnan(c.V_of_Q(2 * q_max))


@SETTINGS
@given(model=models, V=st.lists(st.floats(0.05, 2.3), min_size=3, max_size=12, unique=True),
       a_li=st.sampled_from([0.0, 0.05, 1.0]))
def test_capacity_is_F_times_charge_over_M_and_below_redox_limit(model, V, a_li):
    """Q = F(x_Li + 2 x_Mg)/(3.6 M) at every voltage of any model, and never above F N_redox/(3.6 M)."""
    c = model.curve(np.sort(V)[::-1], li_activity=a_li)
    expect = FARADAY_C_PER_MOL * (c.x["Li"] + 2.0 * c.x["Mg"]) / (3.6 * model.molar_mass_g_mol)
    np.testing.assert_allclose(c.Q_mAh_g, expect, rtol=1e-12, atol=1e-12)
    assert np.all(c.Q_mAh_g <= model.max_capacity_mAh_g * (1 + 1e-12))
    if a_li == 0.0:
        assert np.all(c.x["Li"] == 0.0)


def test_finite_electrolyte_rejects_negative_concentrations():
    with pytest.raises(DualionUserError) as e:
        FiniteElectrolyte(volume_uL=400, licl_M=0.1, mass_mg=1.0, mg_M=-0.2)
    assert e.value.field == "mg_M"
    with pytest.raises(DualionUserError) as e:
        FiniteElectrolyte(volume_uL=400, licl_M=-0.1, mass_mg=1.0)
    assert e.value.field == "licl_M"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_T_to_zero_equals_thermo_stable_product_on_a_grid(seed):
    """Same limit, densely: on a 31×31 (Δμ_Li, Δμ_Mg) grid for a random pair model, the most probable state at 1 K
    is the thermodynamics core's argmin Ω wherever the two lowest Ω differ by > 5 meV (catches small systematic
    shifts, e.g. of the per-charge Δμ, that the sparse hypothesis sample can miss)."""
    rng = np.random.default_rng(seed)
    sm = _pair_site_model(rng.uniform(-4.0, 0.5, 5))
    st_ = site_type_from_model(sm, "pair", 1.0, multiplicity="file")
    model = EquilibriumModel([st_], n_redox_per_fu=None, T_K=1.0)
    li, mg = np.meshgrid(np.linspace(-4.0, 0.0, 31), np.linspace(-3.0, 0.0, 31), indexing="ij")
    occ = model.uptake({"Li": li.ravel(), "Mg": mg.ravel()}).occupancy["pair"]
    labels = list(occ)
    P = np.stack([occ[k] for k in labels], axis=-1)
    checked = 0
    for j, (a, b) in enumerate(zip(li.ravel(), mg.ravel())):
        dmu = {"Li": float(a), "Mg": float(b)}
        om = sorted([0.0] + [grand_potential_eV(s.dE_eV, s.counts, dmu, {"Li": 1, "Mg": 2}) for s in st_.states[1:]])
        if om[1] - om[0] <= 0.005:
            continue
        q = query(sm, dmu)["label"]
        best = labels[int(np.argmax(P[j]))]
        assert best == q or (best == "empty" and q == "host"), (dmu, best, q)
        checked += 1
    assert checked > 800
