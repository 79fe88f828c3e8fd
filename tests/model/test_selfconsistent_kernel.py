"""The compiled self-consistent solve (kernels.field_theta_kernel and the branch shortcuts) against the NumPy path,
and the disorder-aware single-root test against a hand count of roots."""

from __future__ import annotations

import numpy as np
import pytest

from dualion.model import EquilibriumModel, SiteType
from dualion.model import paper_set as ps
from dualion.model.interactions import LatticeInteraction
from dualion.model.kernels import HAVE_NUMBA

KT = 8.617333262e-5 * 298.15
pytestmark = pytest.mark.skipif(not HAVE_NUMBA, reason="needs numba (the [speed] extra)")


def _pair(build):
    fast, slow = build(), build()
    slow._solver.use_kernel = False
    return fast, slow


@pytest.mark.parametrize("case", ["defective, partial 4b attraction", "TiO2 two-phase", "TiO2 with 4b disorder"])
def test_kernel_path_equals_numpy_path(case):
    """Same curve (Q, x, plateaus) on the compiled and on the NumPy path, to rounding."""
    build = {"defective, partial 4b attraction": lambda: ps.defective_model({"interaction_suppression": 0.4}),
             "TiO2 two-phase": ps.stoichiometric_model,
             "TiO2 with 4b disorder": lambda: ps.stoichiometric_model(disorder={"interstitial": 0.03})}[case]
    fast, slow = _pair(build)
    V = np.linspace(2.0, 0.3, 300)
    el = ps.electrolyte(1.0)
    kw = dict(li_activity=1.0, delta_e_ref_V=el.delta_e_ref_V, activity_exponent=el.activity_exponent)
    a, b = fast.curve(V, **kw), slow.curve(V, **kw)
    assert np.max(np.abs(a.Q_mAh_g - b.Q_mAh_g)) < 1e-8
    for ion in a.x:
        assert np.max(np.abs(a.x[ion] - b.x[ion])) < 1e-10
    assert len(a.plateaus) == len(b.plateaus)
    for p, q in zip(a.plateaus, b.plateaus):
        assert p["V"] == pytest.approx(q["V"], abs=1e-9)


def _roots(model, mu):
    """Number of sign changes of r(θ) = θ_model(μ; h(θ)) − θ on a fine θ grid (NumPy path)."""
    sc = model._interacting
    g = np.linspace(1e-6, 1 - 1e-6, 4001)
    r = sc.residual(np.repeat(mu[None], g.size, axis=0), g)
    return int(np.sum(np.diff(np.sign(r)) != 0))


def test_disorder_makes_a_supercritical_coupling_single_rooted():
    """J = −1.8 kT (z = 4, beyond the quasi-chemical critical −1.39 kT) has three roots on a uniform site type; a
    Gaussian site-energy width of 4 kT leaves one root at every μ — and the test flags exactly that."""
    site = SiteType("s", 1.0, (("Li", {"Li": 1}, -1.5, 1.0),))
    J = -1.8 * KT
    uni = EquilibriumModel([site], interaction=LatticeInteraction("s", J))
    dis = EquilibriumModel([site], interaction=LatticeInteraction("s", J), disorder={"s": 4 * KT})
    assert not uni._interacting.single_root and dis._interacting.single_root
    uni._solver.use_kernel = dis._solver.use_kernel = False
    mus = np.linspace(-1.5 + 2 * J - 0.3, -1.5 + 2 * J + 0.3, 61)
    assert max(_roots(uni, np.array([m])) for m in mus) == 3
    assert max(_roots(dis, np.array([m])) for m in mus) == 1
