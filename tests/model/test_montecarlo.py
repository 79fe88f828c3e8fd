"""Grand-canonical Monte Carlo cross-check of the independent-site model."""

from __future__ import annotations

import pytest

from dualion.errors import DualionUserError
from dualion.model import EquilibriumModel, SiteType
from dualion.model.montecarlo import run_gcmc

SITE = SiteType("s", 1.0, (("Li", {"Li": 1}, -1.5, 1), ("Mg", {"Mg": 1}, -2.2, 1)))


@pytest.mark.parametrize("dmu", [{"Li": -1.5, "Mg": -1.15}, {"Li": -1.45, "Mg": -1.08}, {"Li": -1.6, "Mg": -1.05}])
def test_zero_interactions_match_independent_sites(dmu):
    """With J = 0 the MC site averages equal the Langmuir occupancies within 4 standard errors."""
    mc = run_gcmc(SITE, dmu, shape=(10, 10, 10), n_sweeps=300, n_equil=50, seed=1)
    exact = EquilibriumModel([SITE], n_redox_per_fu=None).uptake(dmu)
    for ion in ("Li", "Mg"):
        tol = 4 * mc.stderr[ion] + 1e-4
        assert mc.x[ion] == pytest.approx(float(exact[ion]), abs=tol), (ion, mc.x, mc.stderr)


def test_repulsion_lowers_and_attraction_raises_uptake():
    """Li–Li nearest-neighbour repulsion (+0.05 eV) lowers x_Li; attraction (−0.02 eV) raises it (2-D lattice)."""
    dmu = {"Li": -1.5, "Mg": -3.0}
    x0 = float(EquilibriumModel([SITE], n_redox_per_fu=None).uptake(dmu)["Li"])   # 0.5 by symmetry (Ω_Li = 0)
    assert x0 == pytest.approx(0.5, abs=1e-12)
    rep = run_gcmc(SITE, dmu, shape=(16, 16), interactions={"Li-Li": 0.05}, n_sweeps=300, n_equil=100, seed=2)
    att = run_gcmc(SITE, dmu, shape=(16, 16), interactions={("Li", "Li"): -0.02}, n_sweeps=300, n_equil=100, seed=3)
    assert rep.x["Li"] < x0 - 10 * rep.stderr["Li"]
    assert att.x["Li"] > x0 + 10 * att.stderr["Li"]


def test_mc_user_errors():
    with pytest.raises(DualionUserError, match="even"):
        run_gcmc(SITE, {"Li": -1.5, "Mg": -1.0}, shape=(5, 5))
    with pytest.raises(DualionUserError, match="interaction key"):
        run_gcmc(SITE, {"Li": -1.5, "Mg": -1.0}, shape=(4, 4), interactions={"Li-Na": 0.1}, n_sweeps=20, n_equil=0)
    pair = SiteType("p", 1.0, (("Li+Li", {"Li": 2}, -3.0, 1),))
    with pytest.raises(DualionUserError, match="at most one ion"):
        run_gcmc(pair, {"Li": -1.5}, shape=(4, 4), interactions={"Li-Li": 0.1}, n_sweeps=20, n_equil=0)
