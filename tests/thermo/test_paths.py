"""Discharge paths at fixed LiCl concentration."""

import math

import numpy as np
import pytest

from dualion.errors import DualionUserError
from dualion.reference import K_B_EV_PER_K, delta_mu_from_voltage
from dualion.thermo.diagram import query
from dualion.thermo.models import bundled_model
from dualion.thermo.paths import discharge_path, discharge_paths, lower_envelope_1d, path_rows

PV = bundled_model("paired-vacancy")


def test_one_molar_transitions_by_hand():
    p = discharge_path(PV, licl_M=1.0)
    assert [s.label for s in p.segments] == ["empty", "Li", "Li+Li", "Li+Mg", "Mg+Mg"]
    V = [t["V_vs_Mg"] for t in p.transitions]
    # a = 1: Δμ_Li = −(V + 0.74), Δμ_Mg = −V (per charge)
    # empty→Li at Δμ_Li = ΔE(Li) = −2.95 → V = 2.21; Li→Li+Li at −2.85 → V = 2.11
    # Li+Li→Li+Mg on Δμ_Li − 2Δμ_Mg = 0.81 → −V − 0.74 + 2V = 0.81 → V = 1.55
    # Li+Mg→Mg+Mg on Δμ_Li − 2Δμ_Mg = −0.20 → V − 0.74 = −0.20 → V = 0.54
    assert V == pytest.approx([2.21, 2.11, 1.55, 0.54])


def test_nernst_shift_of_transitions():
    p1, p01 = discharge_paths(PV, [1.0, 0.1])
    kT = K_B_EV_PER_K * 298.15
    # empty→Li happens at V = 2.21 + kT ln a (Li+/Li electrode moves down by kT ln a)
    assert p01.transitions[0]["V_vs_Mg"] == pytest.approx(2.21 + kT * math.log(0.1))
    # the Li+Mg → Mg+Mg transition moves the other way: V − 0.74 + kT ln a... = −0.20 → V = 0.54 − kT ln a
    assert p01.transitions[-1]["V_vs_Mg"] == pytest.approx(0.54 - kT * math.log(0.1))


def test_zero_licl_is_li_free():
    p = discharge_path(PV, licl_M=0.0)
    assert p.no_li and [s.label for s in p.segments] == ["empty", "Mg", "Mg+Mg"]
    # empty→Mg at Δμ_Mg = ΔE(Mg)/2 = −1.845 → V = 1.845; Mg→Mg+Mg at V = 1.36
    assert [t["V_vs_Mg"] for t in p.transitions] == pytest.approx([1.845, 1.36])
    assert {e["label"] for e in p.excluded} == {"Li", "Li+Li", "Li+Mg"}
    assert "Li-free" in path_rows([p])[0]["note"]
    with pytest.raises(DualionUserError):
        discharge_path(PV, licl_M=-0.1)


def test_segments_agree_with_point_queries():
    for c in (0.05, 0.2):
        p = discharge_path(PV, licl_M=c)
        for s in p.segments:
            Vm = 0.5 * (s.V_high + s.V_low)
            mu = delta_mu_from_voltage(Vm, c)
            assert query(PV, mu)["label"] == s.label
            mu_atom = delta_mu_from_voltage(Vm, c, per="atom")
            assert query(PV, mu_atom, per="atom")["label"] == s.label  # convention-independent


def test_activity_overrides_concentration():
    p = discharge_path(PV, licl_M=0.2, li_activity=1.0)
    assert p.transitions[0]["V_vs_Mg"] == pytest.approx(2.21)


def test_lower_envelope_1d():
    # f0 = 0, f1 = 1 − V (wins below... above V = 1), f2 = 3 − 2V: envelope from V = 3 down to 0
    segs = lower_envelope_1d(np.array([0.0, -1.0, -3.0]), np.array([0.0, 1.0, 2.0]), 0.0, 3.0)
    # f1 = −1 + V, f2 = −3 + 2V: at V=3: f0=0, f1=2, f2=3 → f0; f1 < 0 for V < 1; f2 < f1 for V < 2 and f2 < 0 for V < 1.5
    assert [(c, round(h, 9), round(lo, 9)) for c, h, lo in segs] == [(0, 3.0, 1.5), (2, 1.5, 0.0)]
