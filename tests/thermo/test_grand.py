import pytest

from dualion.thermo.grand import charges_transferred, grand_potential_eV, insertion_energy_eV
from dualion.thermo.sitemodel import site_model_from_dict

DOC = {
    "name": "toy",
    "ions": ["Li", "Mg"],
    "references": {"Li": -1.9577, "Mg": -1.7245},
    "host": {"label": "host", "energy": -100.0},
    "configurations": [
        {"label": "Li", "counts": {"Li": 1}, "energy": -104.6405},
        {"label": "Li+Mg", "counts": {"Li": 1, "Mg": 1}, "energy": -110.0},
    ],
}


def test_insertion_energy_and_charges():
    m = site_model_from_dict(DOC)
    li, limg = m.configurations
    # -104.6405 - (-100) - (-1.9577) = -2.6828
    assert insertion_energy_eV(m, li) == pytest.approx(-2.6828)
    # -110 + 100 + 1.9577 + 1.7245 = -6.3178
    assert insertion_energy_eV(m, limg) == pytest.approx(-6.3178)
    assert charges_transferred(m, limg.counts) == 3


def test_grand_potential_conventions():
    counts = {"Li": 1, "Mg": 1}
    z = {"Li": 1, "Mg": 2}
    # per charge: -6.3178 - (1*1*(-2.0) + 1*2*(-1.5)) = -6.3178 + 5.0 = -1.3178
    assert grand_potential_eV(-6.3178, counts, {"Li": -2.0, "Mg": -1.5}, z, "charge") == pytest.approx(-1.3178)
    # per atom, same physical state: Δμ_Mg per atom = 2 × per charge = -3.0
    assert grand_potential_eV(-6.3178, counts, {"Li": -2.0, "Mg": -3.0}, z, "atom") == pytest.approx(-1.3178)
