"""The compiled solver path with Li+ transport in the electrolyte (the paper set: the electrolyte block appended
to the state) against the LSODA reference and the pure-Python right-hand side."""

from __future__ import annotations

import numpy as np
import pytest

from dualion.cell import CellParameters, SingleParticleCell, Step
from dualion.cell import fast_kernel as fk

needs_numba = pytest.mark.skipif(not fk.HAVE_NUMBA, reason="numba not installed (the fast path is then LSODA)")

_CELLS: dict = {}


def _cell(licl: float) -> SingleParticleCell:
    """The paper set (transport on) at ``licl`` M, one cell per concentration for the module."""
    if licl not in _CELLS:
        _CELLS[licl] = SingleParticleCell(CellParameters.paper(licl_M=licl))
    return _CELLS[licl]


def _random_states(c: SingleParticleCell, rng: np.random.Generator, k: int) -> list[np.ndarray]:
    """States near equilibrium, perturbed, with an electrolyte profile between 0.05 and 1.5 × the bulk."""
    out = []
    m = c.n - 1
    for _ in range(k):
        y = c.equilibrium_state(rng.uniform(0.3, 1.8))
        y[:2 * m] = np.clip(y[:2 * m] * rng.uniform(0.5, 1.5, 2 * m) + rng.uniform(0, 1e-3, 2 * m), 0, None)
        y[2 * m] += rng.uniform(-6, 6)
        y[2 * m + 1] += rng.uniform(-6, 6)
        y[2 * m + 2:] = c.grid.c_bulk_M * rng.uniform(0.05, 1.5, c.n_el)
        out.append(y)
    return out


@needs_numba
def test_transport_cell_uses_the_compiled_path():
    c = _cell(0.2)
    assert c.n_el > 0
    kern = c._kernel("auto")
    assert kern is not None and kern.K[fk.K_NEL] == c.n_el and kern.kl == -1     # the chain solver


@needs_numba
@pytest.mark.parametrize("licl", [0.2, 1.0])
def test_compiled_rhs_with_transport_equals_the_reference(licl):
    """numba right-hand side (electrolyte rows included) = rhs_factory's (pure Python), each surface free or
    held, discharge / charge / rest."""
    c = _cell(licl)
    kern = c._kernel("fast")
    rng = np.random.default_rng(11)
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
                # the reported voltage too
                _, v_ref = c.rhs_factory(current)
                assert kern.voltages(current, y[:, None])[0] == pytest.approx(v_ref(0.0, y), abs=1e-9)


@needs_numba
@pytest.mark.parametrize("licl", [0.2, 1.0])
def test_analytic_jacobian_with_transport_equals_central_differences(licl):
    """Every entry of the analytic Jacobian, the electrolyte coupling (∂(p, q rows)/∂c_0, ∂(c_0 row)/∂θ) included,
    against central differences of the compiled right-hand side; banded, lower 4, upper 2 (the differences
    outside the band are the V solve's noise, < 1e-6 of the row)."""
    c = _cell(licl)
    kern = c._kernel("fast")
    rng = np.random.default_rng(12)
    m = c.n - 1
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
                    h = 1e-6 * max(1.0, abs(y[j])) if j in (2 * m, 2 * m + 1) else 1e-9 + 1e-6 * abs(y[j])
                    yp, ym = y.copy(), y.copy()
                    yp[j] += h
                    ym[j] -= h
                    fk.rhs(yp, fp, *pins, *args)
                    fk.rhs(ym, fm, *pins, *args)
                    Jn[:, j] = (fp - fm) / (2 * h)
                scale = np.abs(Jn).max(axis=1, keepdims=True) + 1e-300
                # J is zero outside the band (lower 4, upper 2): the full comparison also checks the band
                assert np.max(np.abs(J - Jn) / scale) < 1e-6
                assert not np.any(np.tril(J, -5)) and not np.any(np.triu(J, 3))
                # the coupling is really there with both surfaces free (c_0 moves the surface rows, θ the c_0 row)
                if current and pins == (0, 0):
                    assert abs(J[2 * m + 1, 2 * m + 2]) > 0 and abs(J[2 * m + 2, 2 * m + 1]) > 0


@needs_numba
def test_three_chain_solver_solves_the_transport_matrix_like_numpy():
    """chains_el_lu/chains_el_solve (two shell chains, the electrolyte chain, the 5 × 5 surface core) against
    numpy.linalg.solve on I/(hγ) − J of perturbed states, small to large steps, each surface free or held; and
    the band LU on the same matrices."""
    from dualion.cell.rosenbrock import band_lu, band_solve, chains_el_lu, chains_el_solve

    c = _cell(0.2)
    kern = c._kernel("fast")
    m, nel = c.n - 1, c.n_el
    rng = np.random.default_rng(13)
    for current in (-100.0, 100.0):
        P, K = kern._for_current(current)
        for h in (1e-3, 1.0, 1e3, 1e6):
            for pins in ((0, 0), (1, 0), (0, 1)):
                y = _random_states(c, rng, 1)[0]
                N = y.size
                J = np.zeros((N, N))
                fk.jacobian(y, J, *pins, P, K, kern.lo, kern.di, kern.up, kern.T2li, kern.T2mg, kern.T1,
                            np.array([np.nan]))
                M = -J
                M[np.arange(N), np.arange(N)] += 1.0 / (0.25 * h)
                b = rng.normal(size=N)
                ref = np.linalg.solve(M, b)
                W, D, We, De = np.zeros((m, 2)), np.zeros((m, 2)), np.zeros(nel), np.zeros(nel)
                B, piv = np.empty((5, 5)), np.empty(5, np.int64)
                A = M.copy()
                assert chains_el_lu(A, m, nel, W, D, We, De, B, piv)
                x = b.copy()
                chains_el_solve(A, m, nel, W, D, We, De, B, piv, x)
                assert np.max(np.abs(x - ref)) <= 1e-10 * np.max(np.abs(ref))
                A, pv = M.copy(), np.empty(N, np.int64)
                assert band_lu(A, pv, 4, 2)
                x = b.copy()
                band_solve(A, pv, x, 4, 2)
                assert np.max(np.abs(x - ref)) <= 1e-10 * np.max(np.abs(ref))


# Tolerances as in test_cell_fast.py (both solve the same equations to rtol 1e-6 / atol 1e-9); the electrode
# Li+ concentration: 1e-3 of the bulk.
Q_REL = 1e-4
X_ABS = 1e-5
V_ABS = 2e-3
C_REL = 1e-3


def _vq_gap(a, b, step: int) -> float:
    qa, va = np.abs(a.charge_mAh_g[a.step == step] - a.charge_mAh_g[a.step == step][0]), a.voltage_V[a.step == step]
    qb, vb = np.abs(b.charge_mAh_g[b.step == step] - b.charge_mAh_g[b.step == step][0]), b.voltage_V[b.step == step]
    q = np.linspace(0.02, 0.98, 400) * min(qa[-1], qb[-1])
    return float(np.max(np.abs(np.interp(q, qa, va) - np.interp(q, qb, vb))))


@needs_numba
@pytest.mark.parametrize("licl,rate", [(0.2, 20.0), (0.2, 1000.0), (1.0, 20.0), (1.0, 1000.0)])
def test_fast_equals_lsoda_with_transport(licl, rate):
    """Discharge: capacity, V(Q), end x_Li/x_Mg and the electrode c_Li(Q) trace, fast vs LSODA."""
    c = _cell(licl)
    kern = c._kernel("fast")
    failed, done = kern.n_failed, kern.n_steps
    ref = c.run([Step(-rate)], solver="lsoda")
    fast = c.run([Step(-rate)], solver="fast")
    assert kern.n_steps == done + 1 and kern.n_failed == failed     # the compiled path did the work
    qa, qb = np.ptp(fast.charge_mAh_g), np.ptp(ref.charge_mAh_g)
    assert qa == pytest.approx(qb, rel=Q_REL), (qa, qb)
    assert _vq_gap(fast, ref, 1) < V_ABS
    for attr in ("x_Li", "x_Mg"):
        assert getattr(fast, attr)[-1] == pytest.approx(getattr(ref, attr)[-1], abs=X_ABS)
    q = np.linspace(0.0, 0.98, 200) * min(qa, qb)
    ca = np.interp(q, -fast.charge_mAh_g, fast.c_Li_electrode_M)
    cb = np.interp(q, -ref.charge_mAh_g, ref.c_Li_electrode_M)
    assert np.max(np.abs(ca - cb)) < C_REL * licl
    assert fast.c_Li_electrode_M.min() < 0.999 * licl       # the electrolyte is depleted (the block is live)
    assert [r.split(" at ")[0] for r in fast.stop_reasons] == [r.split(" at ")[0] for r in ref.stop_reasons]
