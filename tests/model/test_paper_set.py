"""The paper parameter set: every parameter sourced; the apparent Li+ activity; the sets' models."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dualion.core import Electrolyte
from dualion.model import EquilibriumModel, SiteType
from dualion.model import paper_set as ps
from dualion.model.equilibrium import FiniteElectrolyte
from dualion.reference import K_B_EV_PER_K

KT = K_B_EV_PER_K * 298.15


def test_every_parameter_has_a_source_and_fitted_ones_an_uncertainty():
    for row in ps.parameter_table():
        assert row["source"] in ("DFT", "paper", "fitted", "derived", "assumed"), row
        assert row["note"] and row["unit"] is not None
        if row["source"] == "fitted":
            assert row["stderr"] is not None and row["stderr"] > 0 and math.isfinite(row["value"]), row


def test_activity_exponent_scales_the_nernst_shift():
    """a = (c/1 M)^ν: the Li potential moves by ν kT ln(c2/c1); a given activity is used as is."""
    a, b = Electrolyte.licl(0.05, activity_exponent=2.5), Electrolyte.licl(1.0, activity_exponent=2.5)
    assert b.nernst_shift_V - a.nernst_shift_V == pytest.approx(2.5 * KT * math.log(20), rel=1e-12)
    assert Electrolyte.activity(0.3, activity_exponent=2.5).a_li == 0.3
    with pytest.raises(Exception):
        Electrolyte.licl(0.1, activity_exponent=0.0)


def test_langmuir_peak_moves_by_nu_times_the_ideal_nernst_shift():
    """One Li site: the −dQ/dV peak is at V = −ε − ΔE_ref + ν kT ln c (hand), so it moves by ν kT ln 20."""
    m = EquilibriumModel([SiteType("s", 1.0, (("Li", {"Li": 1}, -1.6, 1.0),))], molar_mass_g_mol=80.0)
    V = np.linspace(1.2, 0.5, 7001)
    p = {c: m.curve(V, li_activity=c, delta_e_ref_V=0.74, activity_exponent=2.0).peaks[0]["V"] for c in (0.05, 1.0)}
    assert p[1.0] == pytest.approx(1.6 - 0.74, abs=2e-4)
    assert p[1.0] - p[0.05] == pytest.approx(2.0 * KT * math.log(20), abs=3e-4)


def test_finite_electrolyte_mass_balance_with_the_activity_exponent():
    """Li in the electrode + Li left in the 400 µL = the LiCl put in, and a = a0 (1 − x/avail)^ν."""
    m = EquilibriumModel([SiteType("s", 1.0, (("Li", {"Li": 1}, -1.6, 1.0),))], molar_mass_g_mol=80.0)
    fe = FiniteElectrolyte(volume_uL=400, licl_M=0.05, mass_mg=2.0)
    c = m.curve(np.linspace(1.2, 0.3, 50), delta_e_ref_V=0.74, finite_electrolyte=fe, activity_exponent=2.0)
    avail = fe.li_per_fu_available(80.0)
    expect = 0.05 ** 2.0 * np.maximum(1 - c.x["Li"] / avail, 0) ** 2.0
    assert np.allclose(c.li_activity, expect, rtol=1e-9, atol=1e-15)
    assert np.all(c.x["Li"] < avail)


def test_paper_set_models_and_reduction_to_the_dft_model():
    """The defective host of the set has the paper's site inventory; with its extra physics switched off it is
    exactly the bare DFT model (binomial environments, no disorder, no pairs, no offset)."""
    from dualion.model import paper_model

    off = ps.defective_model({"disorder_vacancy_eV": 0, "disorder_interstitial_eV": 0, "pair_fraction": 0,
                              "offset_interstitial_Li_eV": 0, "offset_vacancy_Li_eV": 0}, populations="binomial")
    V = np.linspace(2.3, 0.05, 120)
    assert np.array_equal(off.curve(V, li_activity=0.2).Q_mAh_g,
                          paper_model(split_anions=True).curve(V, li_activity=0.2).Q_mAh_g)
    st = ps.stoichiometric_model()
    assert st.interaction is not None and st.interaction.J_eV == ps.value("J_LiLi_eV")
    assert ps.defective_model().interaction is None          # suppressed in the defective host (factor 0)
