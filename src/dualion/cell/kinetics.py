"""Butler–Volmer kinetics of the cell: small pure functions (current densities in A cm-2, potentials in V)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from dualion.errors import DualionUserError
from dualion.core.constants import K_B_EV_PER_K, T_DEFAULT_K


def _expit(z: float) -> float:
    """Logistic σ(z) = 1/(1 + e^−z), overflow-safe."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _expit_arr(z: Any) -> Any:
    from scipy.special import expit

    return expit(z)


def thermal_f(T_K: float = T_DEFAULT_K) -> float:
    """f = F/(RT) = e/(k_B T), V-1 (38.92 V-1 at 298.15 K)."""
    return 1.0 / (K_B_EV_PER_K * T_K)


def butler_volmer_A_cm2(eta_V: float, i0_A_cm2: float, z: int, alpha: float = 0.5, T_K: float = T_DEFAULT_K) -> float:
    """Partial current density (A cm-2, > 0 = oxidation) of one ion: i0[exp(αzfη) − exp(−(1−α)zfη)]."""
    f = thermal_f(T_K)
    a = min(alpha * z * f * eta_V, 700.0)
    c = min(-(1.0 - alpha) * z * f * eta_V, 700.0)
    return i0_A_cm2 * (math.exp(a) - math.exp(c))


def charge_transfer_resistance_ohm_cm2(i0_A_cm2: float, z: int, T_K: float = T_DEFAULT_K) -> float:
    """Linearised Butler–Volmer resistance R_ct = RT/(zF i0) = (k_BT/e)/(z i0), Ω cm²."""
    return K_B_EV_PER_K * T_K / (z * i0_A_cm2)


def solve_electrode_potential_V(i_target_A_cm2: float, U_V: Sequence[float], i0_A_cm2: Sequence[float],
                                z: Sequence[int], alpha: float = 0.5, T_K: float = T_DEFAULT_K,
                                guess_V: float | None = None, tol_V: float = 1e-14) -> float:
    """Electrode potential V (vs Mg2+/Mg) with Σ_i i_i(V − U_i) = i_target (A cm-2).

    g(V) = Σ_i i0_i[exp(αz_i f(V−U_i)) − exp(−(1−α)z_i f(V−U_i))] − i_target is strictly increasing in V, so
    the root is unique; found by Newton steps kept inside a bracket (bisection fallback). Species with
    i0 = 0 or U = −∞ (channel off) are ignored.
    """
    f = thermal_f(T_K)
    act = [(u, i0, zz) for u, i0, zz in zip(U_V, i0_A_cm2, z) if i0 > 0 and math.isfinite(u)]
    if not act:
        raise DualionUserError("no active ion: every exchange current is zero or every channel is off", field="j0")

    def g_dg(V: float) -> tuple[float, float]:
        g = -i_target_A_cm2
        dg = 0.0
        for u, i0, zz in act:
            a = min(alpha * zz * f * (V - u), 700.0)
            c = min(-(1.0 - alpha) * zz * f * (V - u), 700.0)
            ea, ec = math.exp(a), math.exp(c)
            g += i0 * (ea - ec)
            dg += i0 * zz * f * (alpha * ea + (1.0 - alpha) * ec)
        return g, dg

    # Safeguarded Newton from the guess (consecutive right-hand-side calls have nearby states, so 2–4
    # steps usually suffice): every evaluation narrows the bracket [lo, hi]; a Newton step that leaves a
    # closed bracket is replaced by bisection, and while one side is still open the step is capped
    # (expanding 0.05, 0.1, 0.2 … V) until the root is bracketed.
    V = guess_V if guess_V is not None and math.isfinite(guess_V) else sum(a[0] for a in act) / len(act)
    lo, hi = -math.inf, math.inf
    expand = 0.05
    for _ in range(400):
        g, dg = g_dg(V)
        if g == 0.0:
            return V
        if g < 0:
            lo = V
        else:
            hi = V
        Vn = V - g / dg if dg > 0 else math.nan
        if abs(Vn - V) < tol_V:   # converged (also when the step is below one ulp of V: Vn == V)
            return Vn
        if not (lo < Vn < hi):
            if math.isfinite(lo) and math.isfinite(hi):
                Vn = 0.5 * (lo + hi)
            else:
                Vn = V + expand if g < 0 else V - expand
                expand *= 2.0
                if expand > 1e6:
                    raise RuntimeError("could not bracket the electrode potential")
        elif not (math.isfinite(lo) and math.isfinite(hi)) and abs(Vn - V) > expand:
            Vn = V + math.copysign(expand, Vn - V)
            expand *= 2.0
        if hi - lo < tol_V:
            return Vn
        V = Vn
    return V
