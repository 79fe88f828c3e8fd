"""The compiled solver path of the cell (solver="fast": numba RODAS4, analytic Jacobian) against the LSODA
reference (solver="lsoda"), and its pieces against independent computations."""

from __future__ import annotations

import numpy as np
import pytest

from dualion import cell
from dualion.cell import CellParameters, LangmuirPair, SingleParticleCell, Step
from dualion.cell import fast_kernel as fk
from dualion.errors import DualionUserError

needs_numba = pytest.mark.skipif(not fk.HAVE_NUMBA, reason="numba not installed (the fast path is then LSODA)")

_CELLS: dict = {}


def _cell(licl: float, eq: str = "paper") -> SingleParticleCell:
    """One cell per (LiCl, source) for the whole module (the paper-model Δμ table is built once)."""
    key = (licl, eq)
    if key not in _CELLS:
        _CELLS[key] = SingleParticleCell(CellParameters(licl_M=licl), LangmuirPair() if eq == "langmuir" else None)
    return _CELLS[key]


def _vq_gap(a, b, step: int) -> float:
    """max |V_a(Q) − V_b(Q)| (V) over 2–98 % of the smaller capacity of ``step`` (Q = charge passed)."""
    qa, va = np.abs(a.charge_mAh_g[a.step == step] - a.charge_mAh_g[a.step == step][0]), a.voltage_V[a.step == step]
    qb, vb = np.abs(b.charge_mAh_g[b.step == step] - b.charge_mAh_g[b.step == step][0]), b.voltage_V[b.step == step]
    q = np.linspace(0.02, 0.98, 400) * min(qa[-1], qb[-1])
    return float(np.max(np.abs(np.interp(q, qa, va) - np.interp(q, qb, vb))))


def _random_states(c: SingleParticleCell, rng: np.random.Generator, k: int = 6) -> list[np.ndarray]:
    out = []
    for _ in range(k):
        y = c.equilibrium_state(rng.uniform(0.3, 1.8))
        m = c.n - 1
        y[:2 * m] = np.clip(y[:2 * m] * rng.uniform(0.5, 1.5, 2 * m) + rng.uniform(0, 1e-3, 2 * m), 0, None)
        y[2 * m] += rng.uniform(-6, 6)
        y[2 * m + 1] += rng.uniform(-6, 6)
        out.append(y)
    return out


@needs_numba
@pytest.mark.parametrize("licl,eq", [(0.2, "paper"), (0.0, "paper"), (1.0, "langmuir")])
def test_compiled_rhs_equals_the_reference_rhs(licl, eq):
    """The numba right-hand side is the reference's (pure Python, rhs_factory) to rounding, for discharge, charge
    and rest, with each surface free or held (pinned)."""
    c = _cell(licl, eq)
    kern = c._kernel("fast")
    rng = np.random.default_rng(1)
    for current in (-150.0, 150.0, 0.0):
        P, K = kern._for_current(current)
        for pins in ((), ("Mg",), ("Li",)):
            f_ref, _ = c.rhs_factory(current, list(pins))
            for y in _random_states(c, rng, 3):
                out = np.empty_like(y)
                fk.rhs(y, out, int("Mg" in pins), int("Li" in pins), P, K, kern.lo, kern.di, kern.up, kern.T2li,
                       kern.T2mg, kern.T1, np.array([np.nan]))
                ref = f_ref(0.0, y)
                np.testing.assert_allclose(out, ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max())


@needs_numba
@pytest.mark.parametrize("licl,eq", [(0.2, "paper"), (0.0, "paper"), (1.0, "langmuir")])
def test_analytic_jacobian_equals_central_differences(licl, eq):
    """Every entry of the analytic Jacobian (implicit-function dV/dθ included) against central differences of
    the compiled right-hand side (relative to the row's largest entry; the differences are accurate to ~1e-9)."""
    c = _cell(licl, eq)
    kern = c._kernel("fast")
    rng = np.random.default_rng(2)
    for current in (-150.0, 150.0, 0.0):
        P, K = kern._for_current(current)
        args = (P, K, kern.lo, kern.di, kern.up, kern.T2li, kern.T2mg, kern.T1, np.array([np.nan]))
        for pins in ((0, 0), (1, 0), (0, 1)):
            for y in _random_states(c, rng, 2):
                N = y.size
                J = np.zeros((N, N))
                fk.jacobian(y, J, *pins, *args)
                Jn = np.zeros((N, N))
                fp, fm = np.empty(N), np.empty(N)
                for j in range(N):
                    h = 1e-6 * max(1.0, abs(y[j])) if j >= N - 2 else 1e-9 + 1e-6 * abs(y[j])
                    yp, ym = y.copy(), y.copy()
                    yp[j] += h
                    ym[j] -= h
                    fk.rhs(yp, fp, *pins, *args)
                    fk.rhs(ym, fm, *pins, *args)
                    Jn[:, j] = (fp - fm) / (2 * h)
                scale = np.abs(Jn).max(axis=1, keepdims=True) + 1e-300
                assert np.max(np.abs(J - Jn) / scale) < 1e-6
                # banded: lower 3, upper 2 (beyond: only the ~1e-12 noise of the V solve in the differences)
                i, j = np.nonzero(np.abs(Jn) > 1e-8 * scale)
                assert np.all(i - j <= 3) and np.all(j - i <= 2)


@needs_numba
def test_band_lu_solves_like_numpy():
    """Banded LU with partial pivoting against numpy.linalg.solve on random band matrices that need pivoting."""
    from dualion.cell.rosenbrock import band_lu, band_solve

    rng = np.random.default_rng(3)
    for kl, ku in ((3, 2), (1, 1), (4, 2)):
        n = 30
        A = rng.normal(size=(n, n))
        for i in range(n):
            for j in range(n):
                if i - j > kl or j - i > ku:
                    A[i, j] = 0.0
        A[np.arange(n), np.arange(n)] *= 1e-3   # tiny diagonal: pivoting needed
        b = rng.normal(size=n)
        M = A.copy()
        piv = np.empty(n, np.int64)
        assert band_lu(M, piv, kl, ku)
        x = b.copy()
        band_solve(M, piv, x, kl, ku)
        np.testing.assert_allclose(x, np.linalg.solve(A, b), rtol=1e-8, atol=1e-10)


@needs_numba
def test_two_chain_solver_solves_the_cell_matrix_like_numpy():
    """chains_lu/chains_solve (the cell's structure: two tridiagonal shell chains + the 2 surface logits) against
    numpy.linalg.solve on I/(hγ) − J of real states, from small steps (diagonal-dominated) to large ones
    (the 4 × 4 surface block needs pivoting)."""
    from dualion.cell.rosenbrock import chains_lu, chains_solve

    c = _cell(0.2)
    kern = c._kernel("fast")
    rng = np.random.default_rng(4)
    for current in (-100.0, 100.0):
        P, K = kern._for_current(current)
        for h in (1e-3, 1.0, 1e3, 1e6):
            for y in _random_states(c, rng, 2):
                N = y.size
                J = np.zeros((N, N))
                fk.jacobian(y, J, 0, 0, P, K, kern.lo, kern.di, kern.up, kern.T2li, kern.T2mg, kern.T1,
                            np.array([np.nan]))
                M = -J
                M[np.arange(N), np.arange(N)] += 1.0 / (0.25 * h)
                W, D = np.zeros(((N - 2) // 2, 2)), np.zeros(((N - 2) // 2, 2))
                B4, piv4 = np.empty((4, 4)), np.empty(4, np.int64)
                A = M.copy()
                assert chains_lu(A, W, D, B4, piv4)
                b = rng.normal(size=N)
                x = b.copy()
                chains_solve(A, W, D, B4, piv4, x)
                ref = np.linalg.solve(M, b)
                assert np.max(np.abs(x - ref)) <= 1e-10 * np.max(np.abs(ref))


# Tolerances of the fast-vs-LSODA comparisons. Both solve the same equations to rtol 1e-6 / atol 1e-9, so they
# differ by their truncation errors: LSODA at rtol 1e-6 differs from itself at rtol 1e-9 by up to 7e-4 mA h g-1
# (2.4e-6 relative), the fast path by up to 1.3e-3 (4.5e-6); measured fast − LSODA over these cases: capacity
# ≤ 1.4e-5 relative, V(Q) ≤ 0.45 mV, end x ≤ 8e-7 per fu. The bounds are 5–15× those (not flaky, still far below anything
# physical: 1e-4 of 300 mA h g-1 is 0.03 mA h g-1).
Q_REL = 1e-4
#: end composition, ions per formula unit
X_ABS = 1e-5
#: V(Q) on 2–98 % of the capacity (the steep start and end, where V(Q) is near-vertical, excluded), V
V_ABS = 2e-3


@needs_numba
@pytest.mark.parametrize("licl,rate", [(0.2, 20.0), (0.2, 1000.0), (1.0, 100.0), (0.0, 20.0), (0.0, 1000.0)])
def test_fast_equals_lsoda_discharge_charge(licl, rate):
    c = _cell(licl)
    kern = c._kernel("fast")
    failed = kern.n_failed
    steps = [Step(-rate), Step(rate)]
    ref = c.run(steps, solver="lsoda")
    fast = c.run(steps, solver="fast")
    assert kern.n_failed == failed          # the compiled path did the work (no LSODA fallback)
    for step in (1, 2):
        qa = np.ptp(fast.charge_mAh_g[fast.step == step])
        qb = np.ptp(ref.charge_mAh_g[ref.step == step])
        assert qa == pytest.approx(qb, rel=Q_REL), (step, qa, qb)
        assert _vq_gap(fast, ref, step) < V_ABS
        for attr in ("x_Li", "x_Mg"):
            assert getattr(fast, attr)[fast.step == step][-1] == pytest.approx(
                getattr(ref, attr)[ref.step == step][-1], abs=X_ABS)
    assert [r.split(" at ")[0] for r in fast.stop_reasons] == [r.split(" at ")[0] for r in ref.stop_reasons]


@needs_numba
def test_fast_equals_lsoda_gitt_pulses_and_rests():
    """Three GITT pulses (10 mA g-1 × 1 h) and 10 h rests: voltage at every recorded time and composition."""
    c = _cell(0.2)
    steps = cell.gitt_protocol(n_pulses=3)
    ref = c.run(steps, solver="lsoda", record_dt_s=600.0)
    fast = c.run(steps, solver="fast", record_dt_s=600.0)
    assert fast.time_s.shape == ref.time_s.shape and np.allclose(fast.time_s, ref.time_s)
    assert np.max(np.abs(fast.voltage_V - ref.voltage_V)) < V_ABS
    assert np.max(np.abs(fast.x_Li - ref.x_Li)) < X_ABS and np.max(np.abs(fast.x_Mg - ref.x_Mg)) < X_ABS


@needs_numba
def test_fast_conserves_charge_and_agrees_on_the_langmuir_stand_in():
    """∫I dt/m equals the inserted charge from the compositions along the whole fast trajectory (an invariant the
    integrator does not know about), and the stand-in discharge matches LSODA."""
    from dualion.reference import FARADAY_C_PER_MOL

    c = _cell(1.0, "langmuir")
    kern = c._kernel("fast")
    ref = c.run([Step(-200.0)], solver="lsoda")
    for logit_max in (False, True):         # both error norms of the compiled integrator
        kern.logit_max_norm = logit_max
        try:
            res = c.run([Step(-200.0)], solver="fast")
        finally:
            kern.logit_max_norm = False
        dx = (res.x_Li - res.x_Li[0]) + 2.0 * (res.x_Mg - res.x_Mg[0])
        q_x = -FARADAY_C_PER_MOL * dx / (3.6 * c.p.molar_mass_g_mol)
        assert np.max(np.abs(res.charge_mAh_g - q_x)) < 1e-4 * np.max(np.abs(res.charge_mAh_g))
        assert -res.charge_mAh_g[-1] == pytest.approx(-ref.charge_mAh_g[-1], rel=Q_REL)


@needs_numba
def test_solver_choice_is_validated_and_lsoda_stays_selectable():
    with pytest.raises(DualionUserError, match="solver"):
        SingleParticleCell(CellParameters(), LangmuirPair(), solver="euler")
    c = _cell(1.0, "langmuir")
    with pytest.raises(DualionUserError, match="solver"):
        c.run([Step(-100.0)], solver="rk4")
    assert c._kernel("lsoda") is None and c._kernel("auto") is not None


_NO_NUMBA = """
import sys, warnings
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "numba":
            raise ModuleNotFoundError("No module named 'numba' (blocked by the test)", name=name)
sys.meta_path.insert(0, Block())
from dualion import cell
from dualion.cell import CellParameters, LangmuirPair, SingleParticleCell, Step
from dualion.cell import fast_kernel
assert not fast_kernel.HAVE_NUMBA
p = CellParameters(licl_M=0.2, D_Li_cm2_s=1e-11, D_Mg_cm2_s=1e-11, j0_Li_mA_cm2=1.0, j0_Mg_mA_cm2=1.0, n_shells=8)
c = SingleParticleCell(p, LangmuirPair())
a = c.run([Step(-200.0)])                      # auto: LSODA, silently
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    b = c.run([Step(-200.0)], solver="fast")   # asked for: LSODA, with a DualionWarning
assert any("LSODA" in str(x.message) for x in w), [str(x.message) for x in w]
assert a.charge_mAh_g[-1] == b.charge_mAh_g[-1] < -300
print("ok")
"""


def test_without_numba_the_cell_runs_on_lsoda():
    """numba made unimportable: "auto" is LSODA, "fast" says so (DualionWarning) and gives the same result."""
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", _NO_NUMBA], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stderr[-2000:]


@needs_numba
def test_electrolyte_transport_runs_on_the_compiled_path():
    """With electrolyte_transport the compiled kernel holds the electrolyte block: "auto" and "fast" use it (no
    DualionWarning, no LSODA fallback) and agree with the LSODA reference (more cases in
    test_cell_fast_transport.py)."""
    import warnings

    p = CellParameters(licl_M=0.2, electrolyte_transport=True, D_Li_cm2_s=1e-11, D_Mg_cm2_s=1e-11,
                       j0_Li_mA_cm2=1.0, j0_Mg_mA_cm2=1.0, n_shells=8)
    c = SingleParticleCell(p, LangmuirPair())
    kern = c._kernel("auto")
    assert kern is not None and c.n_el > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = c.run([Step(-200.0)])
        b = c.run([Step(-200.0)], solver="fast")
        ref = c.run([Step(-200.0)], solver="lsoda")
    assert kern.n_steps == 2 and kern.n_failed == 0
    assert a.charge_mAh_g[-1] == b.charge_mAh_g[-1] < -100
    assert b.charge_mAh_g[-1] == pytest.approx(ref.charge_mAh_g[-1], rel=Q_REL)
