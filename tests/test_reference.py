import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualion.errors import DualionUserError
from dualion.reference import convert_voltage, delta_mu_from_voltage, nernst_shift_V, thermal_voltage_V


def test_paper_reference_pair():
    # The paper: 0.93 V vs Mg2+/Mg = 1.67 V vs Li+/Li.
    assert convert_voltage(0.93, "Mg", "Li") == pytest.approx(1.67)
    assert convert_voltage(1.67, "Li", "Mg") == pytest.approx(0.93)


def test_nernst_59_mV_per_decade():
    per_decade = nernst_shift_V(10.0) - nernst_shift_V(1.0)
    assert per_decade == pytest.approx(math.log(10) * 8.617333262e-5 * 298.15)
    assert per_decade == pytest.approx(0.0592, abs=2e-4)


def test_delta_mu_per_charge_and_per_atom():
    mu = delta_mu_from_voltage(1.65, li_activity=1.0)
    assert mu["Mg"] == pytest.approx(-1.65)
    assert mu["Li"] == pytest.approx(-(1.65 + 0.74))
    atom = delta_mu_from_voltage(1.65, per="atom")
    assert atom["Mg"] == pytest.approx(-3.30)
    assert atom["Li"] == pytest.approx(mu["Li"])
    # dilute Li+ (a = 0.1) lowers Δμ_Li by kT ln 10
    dilute = delta_mu_from_voltage(1.65, li_activity=0.1)
    assert dilute["Li"] - mu["Li"] == pytest.approx(-thermal_voltage_V() * math.log(10))


@given(st.floats(-3, 3), st.floats(1e-6, 10), st.floats(0.0, 2.0))
def test_round_trip(V, a, dE):
    there = convert_voltage(V, "Mg", "Li", delta_e_ref_V=dE, li_activity=a)
    assert convert_voltage(there, "Li", "Mg", delta_e_ref_V=dE, li_activity=a) == pytest.approx(V, abs=1e-12)


def test_bad_inputs():
    with pytest.raises(DualionUserError):
        nernst_shift_V(0.0)
    with pytest.raises(DualionUserError):
        convert_voltage(1.0, "Mg", "Na")
    with pytest.raises(DualionUserError):
        delta_mu_from_voltage(np.array([1.0]), per="mole")
