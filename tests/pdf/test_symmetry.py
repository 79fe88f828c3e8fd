"""Parameters the space group leaves free, derived from its operations (no per-structure tables)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymatgen.core import Lattice, Structure

from dualion.pdf.model import PDFStructure, anatase_model, from_pymatgen, load_structure
from dualion.pdf.symmetry import analyse
from tests.conftest import shared_path


def _positions(sym, structure, values):
    """Evaluate the constraint formulas: x = const + Σ coeff·p."""
    x = np.array([[sym.coord_const[(i, ax)] for ax in range(3)] for i in range(len(structure.atoms))])
    for cp in sym.coords:
        for i, ax, coeff in cp.terms:
            x[i, ax] += coeff * values[cp.name]
    return x


def test_cubic_ni_from_stru_and_cif():
    for name in ("Ni.stru", "Ni.cif"):
        s = load_structure(shared_path("data", "pdf", name))
        sym = analyse(s)
        assert sym.number == 225 and sym.lattice == {"a": [0, 1, 2]}
        assert sym.fixed_lattice == {3: 90.0, 4: 90.0, 5: 90.0} and sym.coords == []
        assert list(sym.sites) == ["Ni@4a"] and len(sym.sites["Ni@4a"]) == 4


def test_anatase_sites_and_parameters():
    sym = analyse(anatase_model(occupancies={"Li@4b": 0.3, "Mg@4a": 0.1}))
    assert sym.number == 141 and sym.lattice == {"a": [0, 1], "c": [2]}
    assert set(sym.sites) == {"Ti@4a", "Mg@4a", "O@8e", "Li@4b"}
    assert [c.name for c in sym.coords] == ["z(O@8e)"]  # Ti 4a and Li 4b fixed, O only z
    assert {abs(t[2]) for t in sym.coords[0].terms} == {1.0} and len(sym.coords[0].terms) == 8


def test_hexagonal_and_rhombohedral_and_monoclinic():
    hcp = Structure(Lattice.hexagonal(3.21, 5.21), ["Mg", "Mg"], [[1 / 3, 2 / 3, .25], [2 / 3, 1 / 3, .75]])
    sym = analyse(from_pymatgen(hcp))
    assert sym.lattice == {"a": [0, 1], "c": [2]} and sym.fixed_lattice[5] == pytest.approx(120.0)
    rh = Structure(Lattice.from_parameters(4.7, 4.7, 4.7, 57.2, 57.2, 57.2), ["Bi", "Bi"],
                   [[.237, .237, .237], [.763, .763, .763]])
    sym = analyse(from_pymatgen(rh))
    assert sym.lattice == {"a": [0, 1, 2], "alpha": [3, 4, 5]} and sym.fixed_lattice == {}
    assert len(sym.coords) == 1  # (x, x, x)
    mono = Structure.from_spacegroup("P2_1/c", Lattice.monoclinic(5.1, 6.2, 7.3, 101.0), ["Zr", "O"],
                                     [[.27, .04, .21], [.07, .33, .34]])
    sym = analyse(from_pymatgen(mono))
    assert sym.number == 14 and set(sym.lattice) == {"a", "b", "c", "beta"}
    assert sym.fixed_lattice == {3: 90.0, 5: 90.0} and len(sym.coords) == 6  # two general positions


def test_rutile_special_position_tied():
    rutile = Structure.from_spacegroup("P4_2/mnm", Lattice.tetragonal(4.59, 2.96), ["Ti", "O"],
                                       [[0, 0, 0], [.305, .305, 0]])
    sym = analyse(from_pymatgen(rutile))
    assert sym.number == 136 and [c.name for c in sym.coords] == ["x(O@4f)"]
    # O 4f (x, x, 0): x and y of the representative move together, z never
    t = sym.coords[0].terms
    assert {ax for _, ax, _ in t} == {0, 1} and len(t) == 8


@settings(max_examples=15, deadline=None)
@given(u=st.floats(0.19, 0.23), a=st.floats(3.6, 4.0), c=st.floats(9.0, 9.8), dz=st.floats(-0.01, 0.01))
def test_constraints_keep_the_symmetry(u, a, c, dz):
    """Moving the free parameters along the constraints keeps the space group (invariant)."""
    s = anatase_model(a, c, u, {"Li@4b": 0.2})
    sym = analyse(s)
    p = {cp.name: cp.value for cp in sym.coords}
    assert np.allclose(_positions(sym, s, p) % 1, sym.symmetrized % 1, atol=1e-9)
    p["z(O@8e)"] += dz
    moved = PDFStructure(s.lattice, [type(at)(at.element, x, at.occ, at.uiso)
                                     for at, x in zip(s.atoms, _positions(sym, s, p))])
    assert analyse(moved).number == 141


def test_structure_sources_agree():
    from ase.build import bulk

    from dualion.structures.anatase import anatase

    ni_ase = load_structure(bulk("Ni", "fcc", a=3.52, cubic=True))
    ti = load_structure(anatase(3.79, 9.51))  # dualion's pymatgen builder
    assert analyse(ni_ase).number == 225 and ni_ase.lattice[:3] == pytest.approx((3.52,) * 3)
    assert analyse(ti).number == 141 and len(ti.atoms) == 12
    disordered = Structure(Lattice.cubic(3.52), [{"Ni": 0.9}] * 4, [[0, 0, 0], [.5, .5, 0], [.5, 0, .5], [0, .5, .5]])
    s = load_structure(disordered)
    assert [a.occ for a in s.atoms] == [0.9] * 4 and analyse(s).sites == {"Ni@4a": [0, 1, 2, 3]}


def test_free_occ_picks_partial_and_shared_sites():
    from dualion.pdf.engine import Settings, build_params

    s = load_structure("anatase:Ti@4a=0.78,Mg@4a=0.1,Li@4b=0")
    params = build_params(s, analyse(s), Settings(free=("occ",)))
    free = sorted(p.name for p in params if p.free)
    assert free == ["occ(Li@4b)", "occ(Mg@4a)", "occ(Ti@4a)"]  # O@8e full and alone: fixed
    d = load_structure("defect-anatase")
    free = sorted(p.name for p in build_params(d, analyse(d), Settings(free=("occ", "xyz"))) if p.free)
    assert free == ["occ(F@8e)", "occ(O@8e)", "occ(Ti@4a)", "z(O@8e)"]  # O and F share 8e and its z


def test_unknown_free_names_and_tied_lattice_warning():
    from dualion.errors import DualionUserError, DualionWarning
    from dualion.pdf.engine import Settings, build_params, parse_free

    with pytest.raises(DualionUserError, match="unknown parameter"):
        parse_free("a,bogus")
    s = load_structure("anatase")
    with pytest.warns(DualionWarning, match="tied to a"):
        params = build_params(s, analyse(s), Settings(free=("b",)))
    assert [p.name for p in params if p.free] == ["a"]
    with pytest.raises(DualionUserError, match="no site"):
        build_params(s, analyse(s), Settings(free=("occ:Li@4b",)))
