"""Site inventory and the site-resolved insertion formula [Li_x]4b[Li_y Mg_z Ti □]4a X."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualion.composition import (
    PAPER_FORMULA,
    assign_sites,
    family_formula,
    insertion_formula,
    site_inventory,
)
from dualion.errors import DualionUserError


def test_paper_inventory():
    inv = site_inventory(PAPER_FORMULA)
    assert inv.host == "Ti"
    assert inv.ti == pytest.approx(0.78)
    assert inv.ti_vacancies == pytest.approx(0.22)
    # 4a = Ti + □ = 0.78 + 0.22 = 1 ; one 4b interstitial per 4a site (anatase I41/amd: both 4-fold)
    assert inv.cation_sites_4a == pytest.approx(1.0)
    assert inv.interstitial_4b == pytest.approx(1.0)
    # anions O 1.12 + F 0.40 + (OH) 0.48 = 2.0 = 8e sites (2 per 4a)
    assert inv.anion_total == pytest.approx(2.0)
    assert inv.anion_sites_8e == pytest.approx(2.0)
    assert inv.molar_mass_g_mol == pytest.approx(71.01847248)
    d = inv.to_dict()
    assert d["ti"] == 0.78 and d["ti_vacancies"] == 0.22 and d["interstitial_4b"] == 1.0


def test_other_host_cation():
    # a hypothetical Nb4+ analogue: host named by the user, 4b = 4a = 0.9 + 0.1
    inv = site_inventory("Nb0.9□0.1O1.6F0.4", host="Nb", oxidation={"Nb": 4})
    assert inv.host == "Nb" and inv.host_cations == pytest.approx(0.9)
    assert inv.interstitial_4b == pytest.approx(1.0)
    # only one cation: inferred
    assert site_inventory("SnO2").host == "Sn"
    with pytest.raises(DualionUserError, match="name it"):
        site_inventory("MgAl2O4")
    with pytest.raises(DualionUserError, match="not a cation"):
        site_inventory("TiO2", host="Nb")


def test_paper_site_resolved_formula():
    # the paper: x ≈ 0.30–0.35 on 4b, y ≈ 0.04 Li and z ≈ 0.18 Mg in the 0.22 vacancies (0.22 − 0.22 = 0 left)
    s = insertion_formula(PAPER_FORMULA, {"Li": 0.30}, {"Li": 0.04, "Mg": 0.18})
    assert str(s) == "[Li0.30]4b[Li0.04Mg0.18Ti0.78]4aO1.12F0.40(OH)0.48"
    assert s.vacancies_left == pytest.approx(0.0)
    # n_e = x + y + 2z = 0.30 + 0.04 + 0.36 = 0.70 (the paper's reaction: (x + y + 2z) e-)
    assert s.electrons_per_formula == pytest.approx(0.70)
    # partly filled vacancies are written: 0.22 − 0.10 = 0.12 □ left
    t = insertion_formula(PAPER_FORMULA, {}, {"Mg": 0.10})
    assert str(t) == "[Mg0.10Ti0.78□0.12]4aO1.12F0.40(OH)0.48"


def test_vacancy_first_rule_reproduces_paper_assignment():
    # ICP: 0.47 Li + 0.18 Mg. Mg (2+) first into 0.22 vacancies → 0.04 left → 0.04 Li; 0.47 − 0.04 = 0.43 Li on 4b
    s = assign_sites(PAPER_FORMULA, {"Li": 0.47, "Mg": 0.18})
    assert s.vacancy_4a == {"Li": pytest.approx(0.04), "Mg": pytest.approx(0.18)}
    assert s.interstitial_4b == {"Li": pytest.approx(0.43)}
    assert str(s) == "[Li0.43]4b[Li0.04Mg0.18Ti0.78]4aO1.12F0.40(OH)0.48"
    assert s.electrons_per_formula == pytest.approx(0.83)
    # pure APC: 0.22 Mg fills all vacancies (the paper's ref. 16)
    assert str(assign_sites(PAPER_FORMULA, {"Mg": 0.22})) == "[Mg0.22Ti0.78]4aO1.12F0.40(OH)0.48"


def test_site_validation():
    with pytest.raises(DualionUserError, match="exceed the 0.22 vacancies"):
        insertion_formula(PAPER_FORMULA, {}, {"Li": 0.10, "Mg": 0.18})       # y + z = 0.28 > 0.22
    with pytest.raises(DualionUserError, match="exceed the 1 4b sites"):
        insertion_formula(PAPER_FORMULA, {"Li": 1.2}, {})
    with pytest.raises(DualionUserError, match="exceed the available sites"):
        assign_sites(PAPER_FORMULA, {"Li": 1.1, "Mg": 0.2})                  # 1.3 > 0.22 + 1
    with pytest.raises(DualionUserError, match="≥ 0"):
        insertion_formula(PAPER_FORMULA, {"Li": -0.1}, {})
    # TiO2 has no vacancies: anything in 4a is refused, 4b is fine
    with pytest.raises(DualionUserError, match="vacancies"):
        insertion_formula("TiO2", {}, {"Mg": 0.01})
    assert str(insertion_formula("TiO2", {"Li": 0.5}, {})) == "[Li0.50]4b[Ti]4aO2"


@settings(max_examples=150, deadline=None)
@given(x=st.floats(0, 0.5), frac=st.floats(0, 1), li=st.floats(0, 1.2), mg=st.floats(0, 0.5))
def test_assignment_conserves_ions_and_sites(x, frac, li, mg):
    f = family_formula(x, (0.5 - x) * frac)
    inv = site_inventory(f)
    assert inv.cation_sites_4a == pytest.approx(1.0)
    assert inv.interstitial_4b == pytest.approx(1.0)
    if li + mg > inv.vacancies + inv.interstitial_4b:
        with pytest.raises(DualionUserError):
            assign_sites(f, {"Li": li, "Mg": mg})
        return
    s = assign_sites(f, {"Li": li, "Mg": mg})
    ins = s.inserted
    assert ins.get("Li", 0) == pytest.approx(li, abs=1e-9)
    assert ins.get("Mg", 0) == pytest.approx(mg, abs=1e-9)
    assert sum(s.vacancy_4a.values()) <= inv.vacancies + 1e-9
    assert sum(s.interstitial_4b.values()) <= inv.interstitial_4b + 1e-9
    assert s.electrons_per_formula == pytest.approx(li + 2 * mg, abs=1e-9)
