"""Exact phase diagrams: paper thresholds, invariants (hypothesis), conventions."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dualion.errors import DualionUserError
from dualion.thermo.diagram import clip_halfplane, phase_diagram, polygon_area, query, stable_regions
from dualion.thermo.grand import grand_potential_eV, insertion_energy_eV
from dualion.thermo.models import bundled_model
from dualion.thermo.sitemodel import Configuration, SiteModel

WINDOW = (-4.0, 0.0, -2.5, 0.0)


def _thr(d, a, b):
    return next(t for t in d.thresholds if {t.below, t.above} == {a, b})


def test_paired_vacancy_reproduces_paper_thresholds():
    d = phase_diagram(bundled_model("paired-vacancy"), window=WINDOW)
    assert sorted(r.label for r in d.regions) == ["Li", "Li+Li", "Li+Mg", "Mg", "Mg+Mg", "empty"]
    # Fig. 6c: Li+Li for Δμ_Li > −2.85 eV (boundary with single Li is the vertical line x = −2.85)
    t = _thr(d, "Li", "Li+Li")
    assert (t.b, t.c / t.a) == (0.0, pytest.approx(-2.85)) and t.above == "Li+Li"
    # Mg+Mg for Δμ_Mg > −1.36 eV per charge (horizontal line y = −1.36)
    t = _thr(d, "Mg", "Mg+Mg")
    assert t.a == 0.0 and t.c / t.b == pytest.approx(-1.36)
    # mixed [Li_Ti + Mg_Ti] for Δμ_Li > −2.92, Δμ_Mg > −1.83: its lowest corner is (−2.92, −1.83)
    mixed = next(r for r in d.regions if r.label == "Li+Mg")
    P = np.array(mixed.polygon)
    assert P[:, 0].min() == pytest.approx(-2.92) and P[:, 1].min() == pytest.approx(-1.83)
    assert _thr(d, "Mg", "Li+Mg").c == pytest.approx(-2.92) and _thr(d, "Li", "Li+Mg").c / _thr(d, "Li", "Li+Mg").b == pytest.approx(-1.83)
    # narrow single-Li and single-Mg regions at low Δμ of the other ion
    li = np.array(next(r for r in d.regions if r.label == "Li").polygon)
    assert li[:, 0].max() - li[:, 0].min() == pytest.approx(0.10)
    mg = np.array(next(r for r in d.regions if r.label == "Mg").polygon)
    assert mg[:, 1].max() - mg[:, 1].min() == pytest.approx(-1.36 + 1.845)
    assert query(bundled_model("paired-vacancy"), {"Li": -2.0, "Mg": -1.0})["label"] == "Li+Mg"


def test_single_vacancy_thresholds_match_paper():
    d = phase_diagram(bundled_model("single-vacancy"), window=WINDOW)
    # paper: Li+ at Δμ_Li > −2.67 eV, Mg2+ at Δμ_Mg > −1.65 eV (per charge); data: −2.6828, −3.2972/2
    assert _thr(d, "empty", "Li").c / _thr(d, "empty", "Li").a == pytest.approx(-2.68278783, abs=1e-7)
    assert _thr(d, "empty", "Mg").c / _thr(d, "empty", "Mg").b == pytest.approx(-1.64858934, abs=1e-7)


def test_incomplete_excluded_unless_allowed():
    m = bundled_model("interstitial")
    d = phase_diagram(m, window=WINDOW)
    assert [r.label for r in d.regions] == ["empty", "Li"] and d.excluded[0]["label"] == "Mg"
    d2 = phase_diagram(m, window=WINDOW, allow_incomplete=True)
    assert {r.label: r.status for r in d2.regions}["Mg"] == "incomplete"
    assert d2.to_dict()["regions"][1]["incomplete"] in (True, False)


def test_per_atom_is_per_charge_rescaled():
    m = bundled_model("paired-vacancy")
    dc = phase_diagram(m, per="charge", window=WINDOW)
    da = phase_diagram(m, per="atom", window=(-4.0, 0.0, -5.0, 0.0))  # Δμ_Mg^atom = 2 Δμ_Mg^charge
    for rc in dc.regions:
        ra = next(r for r in da.regions if r.label == rc.label)
        assert ra.area == pytest.approx(2 * rc.area)
        pc = sorted((round(x, 9), round(2 * y, 9)) for x, y in rc.polygon)
        pa = sorted((round(x, 9), round(y, 9)) for x, y in ra.polygon)
        assert pc == pa
    # the same physical point: Ω identical in both conventions
    qa = query(m, {"Li": -2.5, "Mg": -3.0}, per="atom")
    qc = query(m, {"Li": -2.5, "Mg": -1.5}, per="charge")
    assert qa["label"] == qc["label"] and qa["omega_eV"] == pytest.approx(qc["omega_eV"])
    assert "per atom" in da.to_dict()["convention"] and "per transferred charge" in dc.to_dict()["convention"]


def test_clip_and_area():
    sq = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)
    half = clip_halfplane(sq, np.array([1.0, 1.0]), 1.0)   # x + y ≤ 1: triangle of area 1/2
    assert polygon_area(half) == pytest.approx(0.5)
    assert len(clip_halfplane(sq, np.array([1.0, 0.0]), -1.0)) == 0


def test_user_errors():
    m = bundled_model("paired-vacancy")
    with pytest.raises(DualionUserError):
        phase_diagram(m, window=(0, -1, 0, 1))
    with pytest.raises(DualionUserError):
        phase_diagram(m, per="mole")
    with pytest.raises(DualionUserError):
        query(m, {"Li": -2.0})


# ------------------------------------------------------------------------------------ hypothesis
ION_PAIRS = [("Li", "Mg"), ("Na", "Ca"), ("Li", "Al")]


@st.composite
def models(draw):
    ions = draw(st.sampled_from(ION_PAIRS))
    n = draw(st.integers(1, 9))
    confs = []
    for k in range(n):
        a = draw(st.integers(0, 3))
        b = draw(st.integers(0 if a else 1, 3))
        e = draw(st.floats(-12, 2, allow_nan=False).map(lambda v: round(v, 3)))
        counts = {i: c for i, c in zip(ions, (a, b)) if c}
        confs.append(Configuration(f"c{k}", counts, e))
    refs = {ions[0]: -1.9, ions[1]: -1.7}
    return SiteModel("rand", ions, refs, Configuration("host", {}, 0.0), tuple(confs))


def brute_force(model, x, y, per):
    ions = model.ions
    charges = {i: model.charge(i) for i in ions}
    best = (0.0, "empty")
    for c in model.configurations:
        om = grand_potential_eV(insertion_energy_eV(model, c), c.counts, {ions[0]: x, ions[1]: y}, charges, per)
        best = min(best, (om, c.label))
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.sampled_from(["charge", "atom"]), st.integers(0, 10**6))
def test_regions_tile_and_locate_equals_brute_force(model, per, seed):
    w = (-6.0, 1.0, -5.0, 1.0)
    d = phase_diagram(model, per=per, window=w)
    total = sum(r.area for r in d.regions)
    assert total == pytest.approx(7.0 * 6.0, rel=1e-9)          # areas sum to the window area
    rng = np.random.default_rng(seed)
    for x, y in rng.uniform([w[0], w[2]], [w[1], w[3]], size=(25, 2)):
        inside = [r for r in d.regions if r.contains(x, y, tol=-1e-9)]  # strict interior
        om, _ = brute_force(model, x, y, per)
        assert len(inside) <= 1                                   # no overlap
        r = d.locate(x, y)
        assert r is not None
        omega_r = query(model, {model.ions[0]: x, model.ions[1]: y}, per=per)
        assert omega_r["omega_eV"] == pytest.approx(om, abs=1e-9)  # point query = brute-force min
        # the region found has the minimum Ω at that point (ties on boundaries are allowed)
        cr = next((c for c in model.configurations if c.label == r.label), None)
        dE = 0.0 if cr is None else insertion_energy_eV(model, cr)
        charges = {i: model.charge(i) for i in model.ions}
        om_r = grand_potential_eV(dE, r.counts, {model.ions[0]: x, model.ions[1]: y}, charges, per)
        assert om_r == pytest.approx(om, abs=1e-9)
        if inside:
            assert inside[0].label == r.label


@settings(max_examples=40, deadline=None)
@given(models(), st.randoms(use_true_random=False))
def test_permuting_configurations_changes_nothing(model, rnd):
    d1 = phase_diagram(model, window=(-6.0, 1.0, -5.0, 1.0))
    confs = list(model.configurations)
    rnd.shuffle(confs)
    m2 = SiteModel(model.name, model.ions, model.references_eV_per_atom, model.host, tuple(confs))
    d2 = phase_diagram(m2, window=(-6.0, 1.0, -5.0, 1.0))
    assert [r.label for r in d1.regions] == [r.label for r in d2.regions]
    for r1, r2 in zip(d1.regions, d2.regions):
        assert sorted(np.round(r1.polygon, 9).tolist()) == sorted(np.round(r2.polygon, 9).tolist())
    assert sorted((t.below, t.above, round(t.c, 9)) for t in d1.thresholds) == \
        sorted((t.below, t.above, round(t.c, 9)) for t in d2.thresholds)


def test_qhull_path_equals_all_pairs_fallback():
    # many random planes: the hull-neighbour construction must give the same regions as clipping by all
    rng = np.random.default_rng(3)
    n = 300
    S = rng.integers(0, 8, size=(n, 2)).astype(float)
    E = -2.5 * S[:, 0] - 1.8 * S[:, 1] + 0.05 * (S.sum(1)) ** 2 * rng.uniform(0.5, 1.5, n)
    S[0], E[0] = 0.0, 0.0
    w = (-4.0, 0.0, -3.0, 0.0)
    fast = stable_regions(S, E, w)
    slow = []
    win = np.array([[w[0], w[2]], [w[1], w[2]], [w[1], w[3]], [w[0], w[3]]])
    for i in range(n):
        same = [j for j in range(n) if j != i and np.all(S[j] == S[i])]
        if any(E[j] < E[i] or (E[j] == E[i] and j < i) for j in same):
            continue  # a duplicate slope with lower ΔE (or equal ΔE, lower index) wins
        p = win
        for j in range(n):
            if not np.all(S[j] == S[i]):
                p = clip_halfplane(p, S[j] - S[i], E[j] - E[i])
        if len(p) >= 3 and polygon_area(p) > 1e-12:
            slow.append((i, polygon_area(p)))
    assert [(i, pytest.approx(a)) for i, a in slow] == [(i, polygon_area(p)) for i, p in fast]
    assert sum(a for _, a in slow) == pytest.approx(12.0)


def test_generic_ions_na_ca():
    # Na (z=1), Ca (z=2): hand-built model; Ca threshold per charge = ΔE/2
    m = SiteModel("t", ("Na", "Ca"), {"Na": -1.0, "Ca": -2.0}, Configuration("h", {}, -10.0),
                  (Configuration("Na", {"Na": 1}, -13.0), Configuration("Ca", {"Ca": 1}, -15.0)))
    d = phase_diagram(m, window=(-4, 0, -4, 0))
    # ΔE(Na) = −13 + 10 + 1 = −2 → Δμ_Na = −2; ΔE(Ca) = −15 + 10 + 2 = −3 → Δμ_Ca = −1.5 per charge
    assert _thr(d, "empty", "Na").c / _thr(d, "empty", "Na").a == pytest.approx(-2.0)
    assert _thr(d, "empty", "Ca").c / _thr(d, "empty", "Ca").b == pytest.approx(-1.5)
    assert d.to_dict()["axes"] == ["Δμ_Na (eV)", "Δμ_Ca (eV per charge)"]


def _all_omegas(model, x, y, per):
    ions = model.ions
    charges = {i: model.charge(i) for i in ions}
    out = [(0.0, "empty")]
    for c in model.configurations:
        out.append((grand_potential_eV(insertion_energy_eV(model, c), c.counts, {ions[0]: x, ions[1]: y}, charges,
                                       per), c.label))
    return sorted(out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.sampled_from(["charge", "atom"]),
       st.lists(st.tuples(st.floats(-6.0, 1.0), st.floats(-5.0, 1.0)), min_size=1, max_size=20))
def test_query_and_locate_label_equal_brute_force_argmin(model, per, points):
    # where the brute-force minimum is unique (gap > 1e-7 eV), the product itself must agree, not only Ω
    d = phase_diagram(model, per=per, window=(-6.0, 1.0, -5.0, 1.0))
    for x, y in points:
        om = _all_omegas(model, x, y, per)
        if len(om) > 1 and om[1][0] - om[0][0] < 1e-7:
            continue
        best = om[0][1]
        assert query(model, {model.ions[0]: x, model.ions[1]: y}, per=per)["label"] == best
        assert d.locate(x, y).label == best
