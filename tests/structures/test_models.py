"""Defect models: vacancy/anion placement geometry, charge balance, stoichiometries of the public set."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from dualion.errors import DualionUserError
from dualion.structures import (
    build_anion_location_set,
    build_calibration_set,
    build_site_model,
    charge_sum,
)
from dualion.structures.models import parse_anions

A, C, U = 3.7842, 9.5146, 0.2081
D_EQ = 1.93365  # sqrt((a/2)^2 + ((u-1/4)c)^2), see test_anatase
D_AX = 1.980008  # u c = 0.2081 * 9.5146
D_TI_TI_EDGE = 3.0395  # sqrt((a/2)^2 + (c/4)^2): edge-sharing Ti–Ti


def _cart_to(structure, frac_site, species):
    """Distances and displacement vectors (Å) from frac_site to all atoms of ``species``."""
    out = []
    for site in structure:
        if site.specie.symbol in species:
            d, img = structure.lattice.get_distance_and_image(frac_site, site.frac_coords)
            vec = structure.lattice.get_cartesian_coords(site.frac_coords + img - np.asarray(frac_site))
            out.append((d, vec, site.specie.symbol))
    return sorted(out, key=lambda t: t[0])


def _composition(m):
    return {k: int(v) for k, v in m.structure.composition.get_el_amt_dict().items()}


def test_single_vacancy_four_equatorial_F():
    models = build_site_model("single-vacancy", (2, 2, 1), ions=("Li", "Mg"))
    host = models[0]
    assert host.is_host and host.label == host.host == "V_Ti+4F_O"
    assert _composition(host) == {"Ti": 15, "O": 28, "F": 4}
    (vac,) = host.meta["vacancies"]
    near = _cart_to(host.structure, vac, {"Ti", "O", "F", "Li", "Mg"})
    # nothing on the vacant 4a site; its six anions are 4 F at d_eq (equatorial, |dz| < 0.5 Å)
    # and 2 O at d_ax (axial, along c)
    assert near[0][0] > 1.9
    six = near[:6]
    f = [t for t in six if t[2] == "F"]
    o = [t for t in six if t[2] == "O"]
    assert len(f) == 4 and len(o) == 2
    for d, vec, _ in f:
        assert d == pytest.approx(D_EQ, abs=1e-3)
        assert abs(vec[2]) < 0.5
    for d, vec, _ in o:
        assert d == pytest.approx(D_AX, abs=1e-3)
        assert abs(vec[2]) == pytest.approx(D_AX, abs=1e-3)
    # every F in the cell is adjacent to the vacancy
    all_f = [t for t in near if t[2] == "F"]
    assert len(all_f) == 4 and max(t[0] for t in all_f) < 2.0
    # ions sit exactly on the vacant site
    for m in models[1:]:
        assert m.site == "V_Ti" and m.multiplicity == 1
        ion = next(iter(m.counts))
        d, _, sp = _cart_to(m.structure, vac, {ion})[0]
        assert d < 1e-6 and sp == ion


@pytest.mark.parametrize("spec,nf,noh", [("F", 4, 0), ("3F+1OH", 3, 1), ("2F+2OH-cis", 2, 2),
                                         ("2F+2OH-trans", 2, 2), ("1F+3OH", 1, 3), ("OH", 0, 4)])
def test_charge_balance_and_oh_geometry(spec, nf, noh):
    models = build_site_model("single-vacancy", (2, 2, 1), ions=("Mg",), anions=spec)
    host = models[0]
    # Σ formal charges: 15 Ti4+ (+60) + O2- (-2 each) + F- + H+ = 0 for every compensation
    assert charge_sum(host.structure) == 0
    comp = _composition(host)
    assert comp.get("F", 0) == nf and comp.get("H", 0) == noh
    assert comp["O"] == 32 - nf  # an OH keeps its O; an F replaces one
    vac = host.meta["vacancies"][0]
    st = host.structure
    for i, site in enumerate(st):
        if site.specie.symbol == "H":
            dists = st.distance_matrix[i]
            o = int(np.argsort(dists)[1])
            assert st[o].specie.symbol == "O" and dists[o] == pytest.approx(0.98, abs=1e-6)
            # empty vacancy: H on the O–V line, pointing in: |H-V| = d_eq - 0.98
            dv = st.lattice.get_distance_and_image(vac, site.frac_coords)[0]
            assert dv == pytest.approx(D_EQ - 0.98, abs=1e-3)
    # ion-occupied vacancy: H turned away from the ion (no H closer than 1.5 Å to it)
    mg = models[1].structure
    if noh:
        d = [mg.lattice.get_distance_and_image(vac, s.frac_coords)[0] for s in mg if s.specie.symbol == "H"]
        assert min(d) > 1.5
    if spec.endswith(("cis", "trans")):
        f = [t[1] for t in _cart_to(host.structure, vac, {"F"})]
        cos = f[0] @ f[1] / np.linalg.norm(f[0]) / np.linalg.norm(f[1])
        angle = np.degrees(np.arccos(cos))
        assert (angle > 150) if spec.endswith("trans") else (60 < angle < 120)


def test_paired_vacancy_geometry_and_configurations():
    models = build_site_model("paired-vacancy", (2, 2, 1), ions=("Li", "Mg"))
    host = models[0]
    assert host.label == "2V_Ti+8F_O"
    assert _composition(host) == {"Ti": 14, "O": 24, "F": 8}
    assert charge_sum(host.structure) == 0
    v1, v2 = host.meta["vacancies"]
    d12 = host.structure.lattice.get_distance_and_image(v1, v2)[0]
    assert d12 == pytest.approx(D_TI_TI_EDGE, abs=1e-3)  # neighbouring (edge-sharing) sites
    for v in (v1, v2):
        six = _cart_to(host.structure, v, {"O", "F"})[:6]
        eq = [t for t in six if abs(t[1][2]) < 1.0]
        ax = [t for t in six if abs(t[1][2]) >= 1.0]
        assert len(eq) == 4 and len(ax) == 2
        assert all(t[2] == "F" for t in eq)  # all equatorial anions of both vacancies are F
        # axial: one is the shared-edge anion (equatorial to the other vacancy, so F), one O
        assert sorted(t[2] for t in ax) == ["F", "O"]
    labels = [(m.label, m.multiplicity) for m in models[1:]]
    # the two vacancies are symmetry-equivalent: single ions and the mixed pair have multiplicity 2
    assert labels == [("Li", 2), ("Mg", 2), ("Li+Li", 1), ("Li+Mg", 2), ("Mg+Mg", 1)]
    for m in models[1:]:
        assert m.site == "2V_Ti" and m.host == host.label
        occ = m.meta["occupied"]
        assert sorted(occ.values()) == sorted(ion for ion, n in m.counts.items() for _ in range(n))


def test_interstitial_model():
    models = build_site_model("interstitial", (2, 2, 1), ions=("Li",))
    host, li = models
    assert host.label == "TiO2" and _composition(host) == {"Ti": 16, "O": 32}
    assert li.site == "interstitial"
    assert li.multiplicity == 16  # 4 x 4b sites per conventional cell x 4 cells, all equivalent
    (site,) = li.meta["ion_sites"]["Li"]
    near = _cart_to(li.structure, site, {"O"})
    np.testing.assert_allclose([t[0] for t in near[:4]], D_EQ, atol=1e-3)


def test_calibration_stoichiometries_match_public_yaml(dft_dir):
    stoich = {}
    for name in ("stoichiometric_anatase.yaml", "vacancy_intercalation.yaml", "anion_location_test_data.yaml"):
        for doc in yaml.safe_load_all((dft_dir / name).read_text()):
            if doc:
                stoich[doc["title"]] = {k: v for item in doc["stoichiometry"] for k, v in item.items()}
    cal = build_calibration_set()
    assert len(cal) == 6 + 6 * 6  # interstitial host + 5 ions; 6 vacancy hosts x (host + 5 ions)
    titles = [m.meta["dft_title"] for m in cal]
    assert len(set(titles)) == len(titles)
    # every 3x3x1 interstitial/vacancy title of the public files is built
    public = {t for t in stoich if t.startswith("TiO2 ") or t.startswith("stoichiometric anatase")}
    assert public == set(titles)
    for m in cal:
        assert _composition(m) == stoich[m.meta["dft_title"]], m.meta["dft_title"]
        if m.is_host:
            assert charge_sum(m.structure) == 0
    al = build_anion_location_set()
    assert {m.meta["dft_title"] for m in al} == {t for t in stoich if "4x4x2 V_Ti" in t}
    for m in al:
        assert _composition(m) == stoich[m.meta["dft_title"]]
        assert charge_sum(m.structure) == 0


def test_anion_location_eq_ax_sep_geometry():
    for m in build_anion_location_set():
        n_eq, n_other = m.meta["anion_arrangement"].split("+")
        k_eq, k_other = int(n_eq[0]), int(n_other[0])
        where = n_other.split("_")[1]
        vac = m.meta["vacancies"][0]
        sp = "F" if "F_" in n_eq else "O"
        anions = m.meta["anion_sites"]["F" if sp == "F" else "OH"]
        rows = []
        for f in anions:
            d, img = m.structure.lattice.get_distance_and_image(vac, f)
            dz = abs(m.structure.lattice.get_cartesian_coords(np.asarray(f) + img - vac)[2])
            rows.append((d, dz))
        eq = [r for r in rows if r[0] < 2.0 and r[1] < 1.0]
        ax = [r for r in rows if r[0] < 2.1 and r[1] >= 1.0]
        sep = [r for r in rows if r[0] > 6.0]
        assert len(eq) == k_eq
        assert len(ax) == (k_other if where == "ax" else 0)
        assert len(sep) == (k_other if where == "sep" else 0)


def test_alternate_is_a_different_arrangement():
    al = {m.meta["dft_title"]: m for m in build_anion_location_set()}
    a = al["Anatase TiO2 4x4x2 V_Ti + 3F_eq + 1F_ax"]
    b = al["Anatase TiO2 4x4x2 V_Ti + 3F_eq + 1F_ax alternate"]
    from pymatgen.analysis.structure_matcher import StructureMatcher

    assert not StructureMatcher().fit(a.structure, b.structure)


@pytest.mark.parametrize("spec", ["5F", "2F+1OH", "xyz", "3F+1OH-cis"])
def test_bad_anion_specs(spec):
    with pytest.raises(DualionUserError):
        parse_anions(spec, 4)


def test_bad_model_arguments():
    with pytest.raises(DualionUserError):
        build_site_model("triple-vacancy")
    with pytest.raises(DualionUserError):
        build_site_model("single-vacancy", (1, 1, 1))
    with pytest.raises(DualionUserError):
        build_site_model("single-vacancy", (2, 2, 1), ions=("Xx",))
