"""Symmetry-distinct placements: compare the spglib-based classes with brute-force structure matching."""

from __future__ import annotations

import itertools

import pytest

from dualion.structures.models import get_frame, render, vacancy_shell, _centre_ti, _pair_partner
from dualion.structures.symmetry import distinct_placements


def _brute_force(frame, host, cands):
    """Group the rendered structures with pymatgen's StructureMatcher; return sorted class sizes."""
    from pymatgen.analysis.structure_matcher import StructureMatcher

    structs = [render(frame, {**host, **c}) for c in cands]
    sm = StructureMatcher(ltol=0.05, stol=0.05, angle_tol=1, primitive_cell=False, scale=False,
                          attempt_supercell=False)
    groups = sm.group_structures(structs)
    return sorted(len(g) for g in groups)


@pytest.fixture(scope="module")
def frame():
    return get_frame((2, 2, 1))


def test_f_placements_around_single_vacancy(frame):
    v = _centre_ti(frame)
    shell = [o for o, _ in vacancy_shell(frame, v)]
    cands = [{o: "F" for o in c} for c in itertools.combinations(shell, 4)]  # C(6,4) = 15
    classes = distinct_placements(frame, {v: "X"}, cands)
    sizes = sorted(k.multiplicity for k in classes)
    assert sizes == sorted(len(k.members) for k in classes)  # orbit size = members listed
    assert sum(sizes) == 15
    assert sizes == _brute_force(frame, {v: "X"}, cands)
    # 4eq (1), 3eq+1ax in two distinct ways ("alternate"), 2eq+2ax with the eq pair cis or trans
    assert sizes == [1, 2, 4, 4, 4]


def test_mixed_f_oh_equatorial(frame):
    v = _centre_ti(frame)
    eq = [o for o, r in vacancy_shell(frame, v) if r == "eq"]
    cands = [{o: ("F" if o in f else "OH") for o in eq} for f in itertools.combinations(eq, 2)]  # C(4,2) = 6
    classes = distinct_placements(frame, {v: "X"}, cands)
    # cis (4 ways) and trans (2 ways): checked against structure matching (H included)
    assert sorted(k.multiplicity for k in classes) == [2, 4] == _brute_force(frame, {v: "X"}, cands)


def test_ions_on_paired_vacancy(frame):
    v1 = _centre_ti(frame)
    v2 = _pair_partner(frame, v1)
    host = {v1: "X", v2: "X"}
    for v in (v1, v2):
        for o, r in vacancy_shell(frame, v):
            if r == "eq":
                host[o] = "F"
    for cands, expected in (([{v1: "Li"}, {v2: "Li"}], [2]),
                            ([{v1: "Li", v2: "Mg"}, {v1: "Mg", v2: "Li"}], [2])):
        classes = distinct_placements(frame, host, cands)
        assert sorted(k.multiplicity for k in classes) == expected == _brute_force(frame, host, cands)


def test_interstitial_sites_all_equivalent(frame):
    sites = [int(i) for i in frame.indices("4b")]
    cands = [{s: "Li"} for s in sites]
    classes = distinct_placements(frame, {}, cands)
    assert [k.multiplicity for k in classes] == [16] == _brute_force(frame, {}, cands)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=12, deadline=None)
@given(n_f=st.integers(0, 6), n_oh=st.integers(0, 6))
def test_orbit_sizes_partition_all_placements(frame, n_f, n_oh):
    """Invariant: listing every placement, the class multiplicities (orbit sizes) sum to the number listed."""
    if n_f + n_oh > 6:
        n_oh = 6 - n_f
    v = _centre_ti(frame)
    shell = [o for o, _ in vacancy_shell(frame, v)]
    cands = []
    for sites in itertools.combinations(shell, n_f + n_oh):
        for f in itertools.combinations(sites, n_f):
            cands.append({o: ("F" if o in f else "OH") for o in sites})
    classes = distinct_placements(frame, {v: "X"}, cands)
    assert sum(k.multiplicity for k in classes) == len(cands)
    assert all(k.multiplicity == len(k.members) for k in classes)
    # the stabiliser of V_Ti is its site group -4m2 (order 8): orbit sizes divide 8
    assert all(8 % k.multiplicity == 0 for k in classes)
