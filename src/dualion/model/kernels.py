r"""Compiled (numba) kernel of the electron-reservoir root η — the inner loop of every equilibrium evaluation.

Same equations, bracket and safeguarded Newton as :meth:`dualion.model.solver.ReservoirSolver.solve_eta` (the
NumPy version, used when numba is not installed: ``pip install dualion[speed]``), per point instead of on whole
arrays: a Newton step on one point touches S × K numbers once instead of allocating a dozen (P, S, K) temporaries,
and converged points stop iterating. Equal to the NumPy path to rounding (tested).
"""

from __future__ import annotations

import math

import numpy as np

try:  # pragma: no cover - exercised when numba is installed
    from numba import njit
    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False

    def njit(*args, **kwargs):  # type: ignore[no-redef]
        def wrap(f):
            return f
        return wrap(args[0]) if args and callable(args[0]) else wrap

__all__ = ["HAVE_NUMBA", "solve_eta_kernel"]


@njit(cache=True, fastmath=False)
def solve_eta_kernel(A, ne, N, L, stats, kTw, kT, eta0, use_eta0):  # pragma: no cover - compiled
    """η (P,) solving Σ_s N_s <n_e>_s(η) = L f(η) for A = log m − Ω/(ωkT) (P, S, K; −inf = no state); ``stats``
    1 availability, 2 fermi; ``eta0`` start values where ``use_eta0``. ``ne`` (S, K): electrons per state, integers
    (Σ n_i z_i)."""
    P, S, K = A.shape
    out = np.empty(P)
    big = 60.0 * max(kTw, kT)
    W = np.empty((S, K))
    nei = np.empty((S, K), np.int64)
    nmax = 0
    for s in range(S):
        for k in range(K):
            nei[s, k] = int(round(ne[s, k]))
            if nei[s, k] > nmax:
                nmax = nei[s, k]
    pw = np.empty(nmax + 1)
    for p in range(P):
        tmax = -math.inf
        tmin = math.inf
        for s in range(S):
            for k in range(K):
                if ne[s, k] > 0 and A[p, s, k] > -math.inf:
                    t = A[p, s, k] * kTw / ne[s, k]
                    if t > tmax:
                        tmax = t
                    if t < tmin:
                        tmin = t
        if tmax == -math.inf:
            tmax = 0.0
        if tmin == math.inf:
            tmin = 0.0
        hi = max(tmax, 0.0) + big + 1e-9
        if stats == 1:
            lo = 0.0
            eta = 0.0
        else:
            lo = min(tmin, 0.0) - big - 1e-9
            eta = 0.0
        if use_eta0:
            eta = min(max(eta0[p], lo), hi)
        # weights at η = 0 relative to each node's largest state, once per point; per iteration only the factor
        # u^{n_e} (u = e^{−η/ωkT}, integer n_e) changes — no exp per state (log domain where it would under/overflow)
        for s in range(S):
            mx = -math.inf
            for k in range(K):
                if A[p, s, k] > mx:
                    mx = A[p, s, k]
            for k in range(K):
                W[s, k] = math.exp(A[p, s, k] - mx) if A[p, s, k] > -math.inf else 0.0
        for _ in range(200):
            ion = 0.0
            var = 0.0
            x = -eta / kTw
            safe = abs(x) * nmax < 600.0
            if safe:
                u = math.exp(x)
                pw[0] = 1.0
                for j in range(1, nmax + 1):
                    pw[j] = pw[j - 1] * u
            for s in range(S):
                z = 0.0
                m1 = 0.0
                m2 = 0.0
                if safe:
                    for k in range(K):
                        w = W[s, k] * pw[nei[s, k]]
                        z += w
                        m1 += w * ne[s, k]
                        m2 += w * ne[s, k] * ne[s, k]
                if not safe or not (z > 1e-250):
                    mx = -math.inf
                    for k in range(K):
                        v = A[p, s, k] - eta * ne[s, k] / kTw
                        if v > mx:
                            mx = v
                    z = 0.0
                    m1 = 0.0
                    m2 = 0.0
                    for k in range(K):
                        a = A[p, s, k]
                        if a == -math.inf:
                            continue
                        w = math.exp(a - eta * ne[s, k] / kTw - mx)
                        z += w
                        m1 += w * ne[s, k]
                        m2 += w * ne[s, k] * ne[s, k]
                m1 /= z
                m2 /= z
                ion += N[s] * m1
                vv = m2 - m1 * m1
                var += N[s] * (vv if vv > 0.0 else 0.0)
            if stats == 1:
                e = math.exp(-max(eta, 0.0) / kT)
                es = L * (-math.expm1(-max(eta, 0.0) / kT))
                de = L * e / kT
            else:
                f = 0.5 * (1.0 + math.tanh(eta / (2.0 * kT)))
                es = L * f
                de = L * f * (1.0 - f) / kT
            r = ion - es
            dr = -var / kTw - de
            if r > 0:
                lo = eta
            else:
                hi = eta
            if abs(r) <= 1e-15 * max(L, 1.0):
                break
            new = eta - r / dr if dr != 0.0 else math.nan
            if not (new > lo and new < hi):
                new = 0.5 * (lo + hi)
            if abs(new - eta) < 1e-14 or hi - lo < 1e-14:
                eta = new
                break
            eta = new
        out[p] = eta
    return out


@njit(cache=True)
def type_averages_kernel(A, ne, eta, kTw, node_site, node_weight, counts, T):  # pragma: no cover - compiled
    """Occupancies per site of each type, P_type (P, T, K), and ions per site of each type, x_type (P, T, I), at
    the roots η: Σ over a type's nodes of weight × Boltzmann probabilities (one pass, no (P, S, K) temporaries)."""
    P, S, K = A.shape
    I = counts.shape[2]
    Pt = np.zeros((P, T, K))
    xt = np.zeros((P, T, I))
    for p in range(P):
        for s in range(S):
            t = node_site[s]
            wn = node_weight[s]
            mx = -math.inf
            for k in range(K):
                v = A[p, s, k] - eta[p] * ne[s, k] / kTw
                if v > mx:
                    mx = v
            z = 0.0
            for k in range(K):
                if A[p, s, k] > -math.inf:
                    z += math.exp(A[p, s, k] - eta[p] * ne[s, k] / kTw - mx)
            for k in range(K):
                if A[p, s, k] == -math.inf:
                    continue
                q = wn * math.exp(A[p, s, k] - eta[p] * ne[s, k] / kTw - mx) / z
                Pt[p, t, k] += q
                for i in range(I):
                    xt[p, t, i] += q * counts[s, k, i]
    return Pt, xt
