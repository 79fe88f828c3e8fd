"""Formulas with vacancies and groups: parsing, writing, molar mass, electroneutrality, the (x, y) family."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualion.composition import (
    PAPER_FORMULA,
    VACANCY,
    DefectFormula,
    Term,
    check_electroneutral,
    family_formula,
    net_charge_e,
    parse_formula,
)
from dualion.composition.formula import format_amount
from dualion.errors import DualionUserError

# Standard atomic weights used by pymatgen (g mol-1): Ti 47.867, O 15.9994, F 18.9984032, H 1.00794.
# Hand calculation for Ti0.78□0.22O1.12F0.40(OH)0.48 (the vacancy weighs nothing; (OH) adds O and H):
#   Ti 0.78 × 47.867            = 37.33626
#   O  (1.12 + 0.48) × 15.9994  = 1.60 × 15.9994 = 25.59904
#   F  0.40 × 18.9984032        =  7.59936128
#   H  0.48 × 1.00794           =  0.4838112
#   M                           = 71.01847248 g mol-1
M_PAPER = 71.01847248


def test_parse_paper_formula():
    f = parse_formula(PAPER_FORMULA)
    assert f.amount("Ti") == pytest.approx(0.78)
    assert f.vacancies == pytest.approx(0.22)
    assert f.amount("O") == pytest.approx(1.12)        # the oxide O only, not the O of (OH)
    assert f.amount("F") == pytest.approx(0.40)
    assert f.groups == {"OH": pytest.approx(0.48)}
    assert f.species == {"Ti": 0.78, "O": 1.12, "F": 0.40}
    # groups expanded: O = 1.12 + 0.48, H = 0.48
    assert f.element_amounts() == {"Ti": 0.78, "O": pytest.approx(1.60), "F": 0.40, "H": 0.48}
    assert str(f) == "Ti0.78□0.22O1.12F0.40(OH)0.48"


def test_molar_mass_by_hand():
    assert parse_formula(PAPER_FORMULA).molar_mass_g_mol == pytest.approx(M_PAPER, rel=1e-9)
    # anatase TiO2: 47.867 + 2 × 15.9994 = 79.8658
    assert parse_formula("TiO2").molar_mass_g_mol == pytest.approx(79.8658, rel=1e-9)
    # the vacancy has zero mass: adding □ changes nothing
    assert parse_formula("Ti□0.5O2").molar_mass_g_mol == pytest.approx(79.8658, rel=1e-9)


def test_pymatgen_composition_agrees():
    comp = parse_formula(PAPER_FORMULA).composition()
    assert comp.weight == pytest.approx(M_PAPER, rel=1e-9)
    assert comp["H"] == pytest.approx(0.48)


@pytest.mark.parametrize("alias", ["□", "Va", "Vac"])
def test_vacancy_aliases(alias):
    f = parse_formula(f"Ti0.78{alias}0.22O1.12F0.40(OH)0.48")
    assert f == parse_formula(PAPER_FORMULA)
    assert f.vacancies == pytest.approx(0.22)
    assert VACANCY in str(f) and "Va" not in str(f)


def test_vanadium_is_not_a_vacancy():
    f = parse_formula("V2O5")
    assert f.vacancies == 0 and f.amount("V") == 2
    g = parse_formula("VVa0.5O2")       # V then a vacancy
    assert g.amount("V") == 1 and g.vacancies == 0.5


def test_nested_groups_and_multipliers():
    f = parse_formula("Ca3(PO4)2")
    assert f.groups == {"PO4": 2.0}
    assert f.element_amounts() == {"Ca": 3.0, "P": 2.0, "O": 8.0}
    g = parse_formula("Mg(Al(OH)4)2")
    assert g.element_amounts() == {"Mg": 1.0, "Al": 2.0, "O": 8.0, "H": 8.0}
    assert str(g) == "Mg(Al(OH)4)2"


def test_repeated_symbols_are_summed():
    assert parse_formula("TiOO").amount("O") == 2.0
    assert parse_formula("Ti O2").amount("O") == 2.0     # whitespace ignored


@pytest.mark.parametrize("bad, msg", [
    ("", "empty"),
    ("Ti0.78Xx0.22O2", "unknown element 'Xx'"),
    ("Ti(OH", "unclosed"),
    ("TiOH)", "unbalanced"),
    ("Ti-0.1O2", "negative"),
    ("-TiO2", "negative"),
    ("ti O2", "cannot parse"),
    ("Ti0.780.22O1.12F0.40(OH)0.48", "vacancy symbol □ missing"),   # the paper's text with □ lost
    ("Ti()O2", "empty group"),
    ("Ti(□0.1O)2", "vacancy cannot be part of a group"),
])
def test_parse_errors(bad, msg):
    with pytest.raises(DualionUserError, match=msg):
        parse_formula(bad)


def test_electroneutrality_paper_and_error_message():
    # Ti 0.78 × 4 = 3.12 ; O 1.12 × (−2) = −2.24 ; F −0.40 ; (OH) −0.48 → 3.12 − 3.12 = 0
    assert check_electroneutral(PAPER_FORMULA) == 0.0
    # Ti0.79: +0.04 more Ti charge (0.01 × 4), one less 0.01 vacancy: net +0.04 e
    with pytest.raises(DualionUserError, match=r"net charge \+0\.04 e per formula unit"):
        check_electroneutral("Ti0.79□0.21O1.12F0.40(OH)0.48")
    # missing F: net +0.40
    assert net_charge_e("Ti0.78□0.22O1.12(OH)0.48") == pytest.approx(0.40)


def test_oxidation_overrides():
    # Ti3+ oxyfluoride: 3 − 2 − 1 = 0 only with Ti +3
    with pytest.raises(DualionUserError, match=r"net charge \+1 e"):
        check_electroneutral("TiOF")
    assert check_electroneutral("TiOF", {"Ti": 3}) == 0.0
    # unknown oxidation state → clear message naming the element
    with pytest.raises(DualionUserError, match="no oxidation state known for 'Fe'"):
        check_electroneutral("FePO4")
    assert check_electroneutral("FePO4", {"Fe": 3}) == 0.0    # PO4 −3 from the group table


def test_family_paper_point():
    f = family_formula(0.10, 0.12)
    assert str(f) == PAPER_FORMULA
    assert f == parse_formula(PAPER_FORMULA)
    # x = y = 0 is anatase: zero terms dropped
    assert str(family_formula(0, 0)) == "TiO2"
    # x = 0.25, y = 0: Ti 0.75, □ 0.25, O 2 − 1 = 1, F 4 × 0.25 = 1 (amount 1 is not written)
    assert str(family_formula(0.25, 0)) == "Ti0.75□0.25OF"


@pytest.mark.parametrize("x, y", [(-0.1, 0.1), (0.3, 0.3), (float("nan"), 0.1)])
def test_family_invalid(x, y):
    with pytest.raises(DualionUserError):
        family_formula(x, y)


@settings(max_examples=150, deadline=None)
@given(x=st.floats(0, 0.5), frac=st.floats(0, 1))
def test_family_is_always_electroneutral(x, frac):
    y = (0.5 - x) * frac
    f = family_formula(x, y)
    # 4(1−x−y) − 2(2−4x−4y) − 4x − 4y = 0 for every (x, y)
    assert abs(net_charge_e(f)) < 1e-9
    check_electroneutral(f)
    # site balance: Ti + □ = 1 cation site; O + F + OH = 2 anion sites
    assert f.amount("Ti") + f.vacancies == pytest.approx(1.0, abs=1e-9)
    assert f.amount("O") + f.amount("F") + f.amount("OH") == pytest.approx(2.0, abs=1e-9)


# -- round trip -------------------------------------------------------------------------------------

_SYMBOLS = ["Ti", "O", "F", "H", "Li", "Mg", "V", "Nb", "C", "Co", "Er", "Ac", "S", "N", VACANCY]
_GROUPS = {"OH": (("H", 1.0), ("O", 1.0)), "SO4": (("O", 4.0), ("S", 1.0)), "NH4": (("H", 4.0), ("N", 1.0))}
_amounts = st.one_of(st.floats(0, 100, allow_nan=False, allow_infinity=False, allow_subnormal=False),
                     st.integers(0, 12).map(float), st.integers(0, 400).map(lambda k: k / 100))


@st.composite
def formulas(draw):
    names = draw(st.lists(st.sampled_from(_SYMBOLS + list(_GROUPS)), min_size=1, max_size=7, unique=True))
    return DefectFormula(tuple(Term(n, draw(_amounts), _GROUPS.get(n)) for n in names))


@settings(max_examples=300, deadline=None)
@given(formulas())
def test_round_trip(f):
    text = str(f)
    g = parse_formula(text)
    assert g == f                       # exact: amounts written in round-trip form
    assert str(g) == text
    assert g.molar_mass_g_mol == pytest.approx(f.molar_mass_g_mol)


def test_format_amount():
    assert format_amount(1.0) == ""
    assert format_amount(2.0) == "2"
    assert format_amount(0.4) == "0.40"
    assert format_amount(0.123) == "0.123"
    assert float(format_amount(1 / 3)) == 1 / 3


def test_with_amounts():
    f = parse_formula(PAPER_FORMULA)
    g = f.with_amounts({"Va": 0.12, "Mg": 0.10})          # vacancy alias accepted; new element appended
    assert str(g) == "Ti0.78□0.12O1.12F0.40(OH)0.48Mg0.10"
    assert net_charge_e(g) == pytest.approx(0.20)          # 0.10 Mg2+ added without reduction: +0.20 e
    with pytest.raises(DualionUserError, match="unknown element"):
        f.with_amounts({"Qq": 0.1})
