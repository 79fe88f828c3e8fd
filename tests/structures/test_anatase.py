"""Anatase host: space group, bond lengths from the lattice parameters, 4a/4b sites, supercells."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualion.errors import DualionUserError
from dualion.structures import anatase, interstitial_sites, parse_supercell, supercell

A, C, U = 3.7842, 9.5146, 0.2081
# Hand calculation (origin choice 1, Ti at 0,0,0):
#   axial Ti–O  = u c                          = 0.2081 * 9.5146            = 1.980008 Å
#   equatorial  = sqrt((a/2)^2 + ((u-1/4) c)^2) = sqrt(1.8921^2 + 0.39870^2) = 1.93365 Å
D_AX = 1.980008
D_EQ = 1.93365


def _ti_o_distances(s):
    s = supercell(s, (2, 2, 1))  # 1x1x1: the two equatorial O along a are one atom (period a)
    ti = [i for i, site in enumerate(s) if site.specie.symbol == "Ti"]
    o = [i for i, site in enumerate(s) if site.specie.symbol == "O"]
    d = s.distance_matrix
    return np.sort(d[np.ix_(ti, o)], axis=1)


def test_anatase_space_group_and_composition():
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    s = anatase()
    assert s.composition.reduced_formula == "TiO2"
    assert len(s) == 12
    sga = SpacegroupAnalyzer(s, symprec=1e-3)
    assert sga.get_space_group_number() == 141
    assert s.lattice.abc == pytest.approx((A, A, C))


def test_ti_octahedron_bond_lengths_from_lattice_parameters():
    d = _ti_o_distances(anatase())
    for row in d:
        np.testing.assert_allclose(row[:4], D_EQ, atol=2e-4)
        np.testing.assert_allclose(row[4:6], D_AX, atol=2e-4)
        assert row[6] > 3.0  # no seventh O near a Ti


@settings(max_examples=15, deadline=None)
@given(a=st.floats(3.5, 4.1), c=st.floats(9.0, 10.0), u=st.floats(0.19, 0.22))
def test_bond_lengths_property(a, c, u):
    d = _ti_o_distances(anatase(a, c, u))
    d_eq = np.hypot(a / 2, (u - 0.25) * c)
    d_ax = u * c
    np.testing.assert_allclose(np.sort(d[:, :6], axis=1), np.sort(np.tile([d_eq] * 4 + [d_ax] * 2, (len(d), 1)), axis=1),
                               atol=1e-6)


def test_4b_sites_are_empty_octahedral_interstitials():
    s = supercell(anatase(), (2, 2, 1))  # large enough for distinct periodic images
    frac = interstitial_sites((2, 2, 1))
    assert len(frac) == 16
    for f in frac:
        cart = s.lattice.get_cartesian_coords(f)
        d = np.array([s.lattice.get_distance_and_image(f, site.frac_coords)[0] for site in s])
        species = np.array([site.specie.symbol for site in s])
        o = np.sort(d[species == "O"])
        # four O at d_eq (same geometry as the Ti equatorial plane) and two at (1/2 - u) c = 2.7773 Å
        np.testing.assert_allclose(o[:4], D_EQ, atol=2e-4)
        np.testing.assert_allclose(o[4:6], (0.5 - U) * C, atol=2e-4)
        # nearest Ti in the same (001) plane, at (a/2, a/2, 0): a / sqrt(2) = 3.7842 / 1.41421 = 2.67584 Å
        # (edge-sharing with the TiO6 octahedra; the site is empty, nothing closer)
        assert np.min(d[species == "Ti"]) == pytest.approx(2.67584, abs=2e-4)
        # octahedron centre: the six O displacement vectors sum to zero
        vecs = []
        for site in s:
            if site.specie.symbol == "O":
                dist, img = s.lattice.get_distance_and_image(f, site.frac_coords)
                if dist < 2.9:
                    vecs.append(s.lattice.get_cartesian_coords(site.frac_coords + img) - cart)
        assert len(vecs) == 6
        np.testing.assert_allclose(np.sum(vecs, axis=0), 0.0, atol=1e-6)


def test_supercell_and_parse():
    s = supercell(anatase(), "4x4x2")
    assert len(s) == 384  # the paper's 4x4x2 cell
    assert parse_supercell("3x3x1") == (3, 3, 1)
    assert parse_supercell([2, 2, 1]) == (2, 2, 1)
    assert len(interstitial_sites((4, 4, 2))) == 4 * 32
    for bad in ("3x3", "axbxc", "0x1x1"):
        with pytest.raises(DualionUserError):
            parse_supercell(bad)


def test_bad_lattice_parameters():
    with pytest.raises(DualionUserError):
        anatase(a=-1.0)
    with pytest.raises(DualionUserError):
        anatase(u=0.4)


@settings(max_examples=15, deadline=None)
@given(a=st.floats(3.6, 4.0), c=st.floats(9.2, 9.8), u=st.floats(0.19, 0.22))
def test_lattice_parameters_round_trip(a, c, u):
    """(a, c, u) read back from a built cell (pymatgen or ASE, atoms in any order) are the ones given."""
    from pymatgen.io.ase import AseAtomsAdaptor

    from dualion.structures.anatase import lattice_parameters

    s = anatase(a, c, u)
    assert lattice_parameters(s) == pytest.approx((a, c, u), abs=1e-5)
    atoms = AseAtomsAdaptor.get_atoms(s)[::-1]
    assert lattice_parameters(atoms) == pytest.approx((a, c, u), abs=1e-5)


def test_lattice_parameters_refuses_other_cells():
    from dualion.structures.anatase import lattice_parameters

    with pytest.raises(DualionUserError):
        lattice_parameters(supercell(anatase(), (2, 1, 1)))


@pytest.mark.parametrize("text,expected", [("3.8,9.6,0.21", (3.8, 9.6, 0.21)), ("3.8 9.6", (3.8, 9.6, U)),
                                           ((3.79, 9.5), (3.79, 9.5, U))])
def test_parse_lattice(text, expected):
    from dualion.structures.anatase import parse_lattice

    assert parse_lattice(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["3.8", "a,b", "3.8,9.6,0.21,1", "-3.8,9.6", "3.8,90", "3.8,9.6,0.3", "nan,9.6"])
def test_parse_lattice_rejects(text):
    from dualion.structures.anatase import parse_lattice

    with pytest.raises(DualionUserError) as err:
        parse_lattice(text)
    assert err.value.field == "lattice"          # the library names its field; the CLI maps it to --lattice
