"""Host capacities and the electrolyte's voltage ↔ Δμ mapping against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualion.core import Electrolyte, Host, Per, charge, paper
from dualion.errors import DualionUserError

F = 96485.33212          # C mol-1 (CODATA 2018: N_A e)
KT = 8.617333262e-5 * 298.15   # eV


def test_paper_host_by_hand():
    # standard atomic weights: Ti 47.867, O 15.999, F 18.998, H 1.008
    M = 0.78 * 47.867 + 1.12 * 15.999 + 0.40 * 18.998 + 0.48 * (15.999 + 1.008)      # 71.0185 g mol-1
    h = Host.paper()
    assert h.molar_mass_g_mol == pytest.approx(M, rel=2e-5)
    assert h.redox_electrons_per_fu == pytest.approx(0.78)
    assert h.theoretical_capacity_mAh_g == pytest.approx(F * 0.78 / (3.6 * M), rel=2e-5)     # 294.36
    assert h.theoretical_capacity_mAh_g == pytest.approx(294.36, abs=0.01)
    assert h.capacity_mAh_g(0.83) == pytest.approx(313.23, abs=0.01)          # ICP 0.47 Li + 0.18 Mg → 0.83 e-
    assert h.sites.vacancies == pytest.approx(0.22) and h.sites.interstitial_4b == pytest.approx(1.0)
    # ρ = 4 M / (N_A a² c), a = 3.7991 Å, c = 9.475 Å
    assert h.density_g_cm3 == pytest.approx(4 * M / (6.02214076e23 * 3.7991 ** 2 * 9.475e-24), rel=2e-5)


def test_tio2_one_electron_by_hand():
    h = Host("TiO2")
    M = 47.867 + 2 * 15.999
    assert h.capacity_mAh_g(1.0) == pytest.approx(F / (3.6 * M), rel=2e-5)   # 335.6 mA h g-1
    assert h.capacity_mAh_g(1.0) == pytest.approx(335.6, abs=0.1)


@settings(max_examples=50, deadline=None)
@given(n=st.floats(0.0, 3.0), M=st.floats(10.0, 500.0))
def test_capacity_and_electrons_are_inverse(n, M):
    assert charge.electrons_per_fu(charge.capacity_mAh_g(n, M), M) == pytest.approx(n, rel=1e-12, abs=1e-15)
    assert charge.capacity_mAh_g(n, M) == pytest.approx(F * n / (3.6 * M), rel=1e-9)


def test_delta_mu_hand_values_both_conventions():
    e = Electrolyte.licl(0.2)                         # a = 0.2, ΔE_ref 0.74 V, 298.15 K
    mu = e.delta_mu(0.5)
    assert mu["Mg"] == pytest.approx(-0.5, abs=1e-15)
    assert mu["Li"] == pytest.approx(-(0.5 + 0.74 - KT * math.log(0.2)), abs=1e-12)    # −1.28135 eV
    assert mu["Li"] == pytest.approx(-1.28135, abs=1e-5)
    mu_a = e.delta_mu(0.5, per="atom")
    assert mu_a["Mg"] == pytest.approx(-1.0) and mu_a["Li"] == pytest.approx(mu["Li"])
    assert Per.parse("ATOM") is Per.ATOM
    with pytest.raises(DualionUserError):
        Per.parse("mole")


def test_reference_scales_by_hand():
    one = Electrolyte.activity(1.0)
    assert one.vs_li(0.93) == pytest.approx(1.67)                        # the paper's plateau, Fig. 1b
    assert one.vs_mg(1.67) == pytest.approx(0.93)
    e = Electrolyte.licl(0.05)
    assert e.vs_li(0.93) == pytest.approx(0.93 + 0.74 - KT * math.log(0.05))   # Li+/Li moves down in dilute LiCl


def test_li_free_is_one_explicit_thing():
    e = Electrolyte.licl(0.0)
    assert e.li_free and e.a_li == 0.0 and e.label == "Li-free"
    mu = e.delta_mu(np.array([0.5, 1.0]))
    assert np.all(np.isneginf(mu["Li"])) and np.allclose(mu["Mg"], [-0.5, -1.0])
    assert e.potentials_V({"Li": -1.0, "Mg": -0.5}) == {"Li": -math.inf, "Mg": 0.5}
    with pytest.raises(DualionUserError, match="li_free"):
        Electrolyte(licl_M=0.0)                       # a zero activity must say li_free
    with pytest.raises(DualionUserError, match="Li-free"):
        Electrolyte(licl_M=0.2, li_free=True)


@settings(max_examples=50, deadline=None)
@given(V=st.floats(0.05, 2.3), a=st.floats(1e-4, 2.0), dE=st.floats(0.5, 1.0))
def test_potentials_invert_delta_mu(V, a, dE):
    e = Electrolyte.activity(a, delta_e_ref_V=dE)
    U = e.potentials_V(e.delta_mu(V))
    assert U["Mg"] == pytest.approx(V, abs=1e-12) and U["Li"] == pytest.approx(V, abs=1e-12)


def test_paper_parameters_are_the_ones_used():
    from dualion import cell
    from dualion.composition import PAPER_FORMULA
    from dualion.echem import synthetic
    from dualion.model.builders import PAPER_FORMULA as F2

    assert PAPER_FORMULA == F2 == paper.FORMULA
    assert cell.PAPER_RATES_MA_G == synthetic.PAPER_RATES_MA_G == paper.RATES_MA_G
    assert cell.CellParameters().molar_mass_g_mol == Host.paper().molar_mass_g_mol
    assert (cell.CellParameters().v_min_V, cell.CellParameters().v_max_V) == paper.V_WINDOW_V
