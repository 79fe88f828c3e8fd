"""The compiled solver path of :class:`~dualion.cell.SingleParticleCell` (``solver="fast"``).

Packs a cell's parameters into the flat arrays of :mod:`dualion.cell.fast_kernel` (the model) and runs
:mod:`dualion.cell.rosenbrock` (the solver) per protocol step. Returns what the LSODA reference
:func:`dualion.cell.particle._integrate` returns (times, states, a dense interpolant, status, message), so that
:meth:`SingleParticleCell.run` records both the same way. :func:`fast_kernel_for` gives None when the cell is
outside what the compiled kernel covers (numba absent, an equilibrium source that is neither the tabulated model
nor the Langmuir stand-in): the cell then uses LSODA. Electrolyte transport is covered (the block is appended
to the state: a third tridiagonal chain in the structured linear solve).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from dualion.cell import fast_kernel as fk
from dualion.core.constants import K_B_EV_PER_K

#: accepted steps per protocol step before the compiled path gives up (the caller then uses LSODA)
MAX_STEPS = 20000
#: default Rosenbrock method (chosen by measurement: benchmarks/bench_cell_pybamm.py)
METHOD = "rodas4"


@dataclass
class _Dense:
    """Piecewise cubic Hermite interpolant of a compiled trajectory: ``sol(grid)`` → (N, G)."""

    ts: np.ndarray
    ys: np.ndarray
    f0s: np.ndarray
    f1s: np.ndarray

    def __call__(self, grid: Any) -> np.ndarray:
        from dualion.cell.rosenbrock import dense_eval

        g = np.atleast_1d(np.asarray(grid, dtype=float))
        return dense_eval(self.ts, self.ys, self.f0s, self.f1s, g)


class FastKernel:
    """The compiled model and solver for one :class:`SingleParticleCell` (build with :func:`fast_kernel_for`)."""

    def __init__(self, cell: Any, mu_kind: int, tables: tuple[np.ndarray, np.ndarray, np.ndarray],
                 mu_params: tuple[float, float, float, float, float, float], tab_n: int):
        p = cell.p
        sf = cell.surface
        L = cell.L
        n = cell.n
        self.cell = cell
        lo = [L[k, k - 1] if k > 0 else 0.0 for k in range(n)]
        di = [L[k, k] for k in range(n)]
        up = [L[k, k + 1] if k < n - 1 else 0.0 for k in range(n)]
        P = np.zeros(fk.N_FLOAT)
        n_el = cell.n_el
        if n_el:   # the electrolyte block's tridiagonal matrix rides after the shells' (fast_kernel docstring)
            sub, diag, sup = cell.grid.tridiagonal()
            lo += [0.0, *sub]
            di += list(diag)
            up += [*sup, 0.0]
            P[fk.EL_SINK] = cell.grid.sink_coefficient() * cell._geo
            P[fk.EL_BULK] = cell.grid.bulk_source()
            P[fk.EL_CB] = cell.grid.c_bulk_M
            P[fk.EL_NU_KT] = p.activity_exponent * cell._kT
            P[fk.EL_NU_ALPHA] = p.activity_exponent * p.alpha
        self.lo, self.di, self.up = np.array(lo), np.array(di), np.array(up)
        P[fk.D_MG], P[fk.D_LI] = cell._D["Mg"], cell._D["Li"]
        P[fk.SRC_MG], P[fk.SRC_LI] = cell._src["Mg"], cell._src["Li"]
        P[fk.CAP_MG] = sf.cap_mg
        P[fk.SITES_LI] = sf.sites["Li"]
        P[fk.N_E] = math.nan if sf.n_e is None else sf.n_e
        P[fk.U0_MG] = cell._U0["Mg"]
        P[fk.U0_LI] = cell._U0["Li"] if math.isfinite(cell._U0["Li"]) else 0.0
        P[fk.J0_MG], P[fk.J0_LI] = cell._i0["Mg"], cell._i0["Li"]
        P[fk.ALPHA] = p.alpha
        P[fk.F] = 1.0 / (K_B_EV_PER_K * p.T_K)
        from dualion.cell.steps import EXHAUSTED_LOGIT

        P[fk.LIM] = EXHAUSTED_LOGIT
        (P[fk.EPS_LI], P[fk.SLOPE_LI], P[fk.EPS_MG], P[fk.SLOPE_MG], P[fk.TAB_G0], P[fk.TAB_H]) = mu_params
        self.P = P
        Kint = np.zeros(fk.N_INT, np.int64)
        Kint[fk.K_M] = n - 1
        Kint[fk.K_LI_OFF] = int(cell._li_free)
        Kint[fk.K_MU] = mu_kind
        Kint[fk.K_TAB_N] = tab_n
        Kint[fk.K_NEL] = n_el
        self.K = Kint
        self.T2li, self.T2mg, self.T1 = tables
        #: Jacobian band (lower, upper); kl = −1 selects the chain solver (rosenbrock.chains_el_lu: two shell
        #: chains, the electrolyte chain if any, a 4 × 4 / 5 × 5 surface core), which uses the cell's structure;
        #: kl, ku ≥ 0 the general band LU (the cell's band: lower 3, or 4 with the electrolyte block; upper 2)
        self.kl, self.ku = -1, 2
        #: the Rosenbrock method (:data:`dualion.cell.rosenbrock.METHODS`)
        self.method = METHOD
        #: error norm: RMS over all states (default; about LSODA's accuracy at the same rtol) or, True, the
        #: surface logits in the max norm (4–10× more accurate than LSODA, ~30 % more steps)
        self.logit_max_norm = False
        #: protocol steps integrated / handed back to LSODA (status −1) by this kernel
        self.n_steps, self.n_failed = 0, 0

    def _for_current(self, current_mA_g: float) -> tuple[np.ndarray, np.ndarray]:
        P = self.P.copy()
        K = self.K.copy()
        P[fk.I_APP] = self.cell.current_density_A_cm2(current_mA_g)
        P[fk.V_OFF] = self.cell.cell_voltage_V(0.0, current_mA_g)
        K[fk.K_DIR] = 0 if current_mA_g == 0 else (-1 if current_mA_g < 0 else 1)
        return P, K

    def integrate(self, current_mA_g: float, y0: np.ndarray, T: float, cut: float | None, rtol: float,
                  atol: float) -> Any:
        """One constant-current step (s, V vs Mg; ``cut`` None: none) → steps._Sol (status −1: failed)."""
        from dualion.cell.steps import EXHAUSTED_LOGIT, SATURATION_LOGIT, STALL_NEAR_CUTOFF_V, _Sol
        from dualion.cell.rosenbrock import CUTOFF, DURATION, METHODS, SATURATED, STALLED, integrate

        P, K = self._for_current(current_mA_g)
        n_active = 1 if self.cell._li_free else 2
        status, n, ts, ys, f0s, f1s, _ = integrate(
            np.asarray(y0, float), float(T), 0.0 if cut is None else float(cut), cut is not None, rtol, atol, 0.0,
            n_active, SATURATION_LOGIT, EXHAUSTED_LOGIT, STALL_NEAR_CUTOFF_V, MAX_STEPS, self.kl, self.ku,
            self.logit_max_norm, *METHODS[self.method], P, K, self.lo, self.di, self.up, self.T2li, self.T2mg, self.T1)
        ts, ys = ts[:n].copy(), ys[:n].copy()
        msg = {DURATION: "duration reached", CUTOFF: "voltage cutoff", SATURATED: "surface saturated",
               STALLED: "stalled before the cutoff (surface exhausted)"}.get(status, "compiled solver failed")
        code = {DURATION: 0, CUTOFF: 1, SATURATED: 2, STALLED: 2}.get(status, -1)
        self.n_steps += 1
        self.n_failed += code < 0
        self.last_accepted_steps = n - 1     # Rosenbrock steps of this protocol step (benchmarks print it)
        dense = _Dense(ts, ys, f0s[:n - 1].copy(), f1s[:n - 1].copy()) if code >= 0 else None
        return _Sol(ts, ys.T, dense, code, msg)

    def voltages(self, current_mA_g: float, Y: np.ndarray) -> np.ndarray:
        """Reported voltage (V vs Mg) of each column of the states Y (N, G) at ``current_mA_g``."""
        P, K = self._for_current(current_mA_g)
        return fk.voltages(np.ascontiguousarray(Y, dtype=float), P, K, self.lo, self.di, self.T2li, self.T2mg,
                           self.T1)


def fast_kernel_for(cell: Any) -> FastKernel | None:
    """The compiled kernel for ``cell``, or None where it does not apply (the cell then uses LSODA)."""
    if not fk.HAVE_NUMBA:
        return None
    sf = cell.surface
    eq = cell.eq
    empty2, empty1 = np.zeros((2, 2)), np.zeros(2)
    if hasattr(eq, "mu_of_logit") and hasattr(eq, "n_sites") and hasattr(eq, "eps_eV_per_charge"):
        kT = K_B_EV_PER_K * eq.T_K
        mp = (eq.eps_eV_per_charge["Li"], kT / 1.0, eq.eps_eV_per_charge["Mg"], kT / 2.0, 0.0, 1.0)
        return FastKernel(cell, fk.MU_LINEAR, (empty2, empty2, empty1), mp, 2)
    tab = getattr(sf.mu, "table", None)
    if tab is None:
        return None
    kind, g0, h, n, a, b = tab
    mp = (0.0, 0.0, 0.0, 0.0, float(g0), float(h))
    if kind == "2d":
        return FastKernel(cell, fk.MU_TABLE2, (np.ascontiguousarray(a, float), np.ascontiguousarray(b, float),
                                               empty1), mp, int(n))
    ion_kind = fk.MU_TABLE1_MG if b == "Mg" else fk.MU_TABLE1_LI
    return FastKernel(cell, ion_kind, (empty2, empty2, np.ascontiguousarray(a, float)), mp, int(n))
