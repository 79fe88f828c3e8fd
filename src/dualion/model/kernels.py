r"""Compiled (numba) kernel of the electron-reservoir root η — the inner loop of every equilibrium evaluation.

Same equations, bracket and safeguarded Newton as :meth:`dualion.model.solver.ReservoirSolver.solve_eta` (the
NumPy version, used when numba is not installed: ``pip install dualion[speed]``), per point instead of on whole
arrays: a Newton step on one point touches S × K numbers once instead of allocating a dozen (P, S, K) temporaries,
and converged points stop iterating. Equal to the NumPy path to rounding (tested).
"""

from __future__ import annotations

import math

import numpy as np

from dualion._numba import HAVE_NUMBA, njit  # numba, or a no-op decorator without it

__all__ = ["HAVE_NUMBA", "field_theta_kernel", "solve_eta_kernel", "type_averages_kernel"]


@njit(cache=True)
def _log_weights(Ap, W, s):  # pragma: no cover - compiled
    """W[s] = e^{Ap[s] − max Ap[s]} (0 for −inf states)."""
    K = Ap.shape[1]
    mx = -math.inf
    for k in range(K):
        if Ap[s, k] > mx:
            mx = Ap[s, k]
    for k in range(K):
        W[s, k] = math.exp(Ap[s, k] - mx) if Ap[s, k] > -math.inf else 0.0


@njit(cache=True)
def _powers(pw, nmax, x):  # pragma: no cover - compiled
    """pw[j] = e^{j x}, j = 0 … nmax, when that stays in range (returns False otherwise: use the logs)."""
    if not abs(x) * nmax < 600.0:
        return False
    u = math.exp(x)
    pw[0] = 1.0
    for j in range(1, nmax + 1):
        pw[j] = pw[j - 1] * u
    return True


@njit(cache=True, fastmath=False)
def _eta_point(Ap, W, nei, nmax, pw, ne, N, L, stats, kTw, kT, eta_start, use_start, have_W=False):  # pragma: no cover
    """η of one point: Ap (S, K) = log m − Ω/(ωkT) (−inf = no state); W (S, K): the weights e^{Ap} scaled per node
    (given when ``have_W``, else computed here), pw (nmax + 1): scratch."""
    S, K = Ap.shape
    big = 60.0 * max(kTw, kT)
    tmax = -math.inf
    tmin = math.inf
    for s in range(S):
        for k in range(K):
            if ne[s, k] > 0 and Ap[s, k] > -math.inf:
                t = Ap[s, k] * kTw / ne[s, k]
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
    if use_start:
        eta = min(max(eta_start, lo), hi)
    # weights at η = 0 relative to each node's largest state, once per point; per iteration only the factor
    # u^{n_e} (u = e^{−η/ωkT}, integer n_e) changes — no exp per state (log domain where it would under/overflow)
    for s in range(S):
        if have_W:
            break
        _log_weights(Ap, W, s)
    for _ in range(200):
        ion = 0.0
        var = 0.0
        safe = _powers(pw, nmax, -eta / kTw)
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
                    v = Ap[s, k] - eta * ne[s, k] / kTw
                    if v > mx:
                        mx = v
                z = 0.0
                m1 = 0.0
                m2 = 0.0
                for k in range(K):
                    a = Ap[s, k]
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
    return eta


@njit(cache=True)
def _int_electrons(ne):  # pragma: no cover - compiled
    """Electrons per state as integers (S, K) and their maximum."""
    S, K = ne.shape
    nei = np.empty((S, K), np.int64)
    nmax = 0
    for s in range(S):
        for k in range(K):
            nei[s, k] = int(round(ne[s, k]))
            if nei[s, k] > nmax:
                nmax = nei[s, k]
    return nei, nmax


@njit(cache=True, fastmath=False)
def solve_eta_kernel(A, ne, N, L, stats, kTw, kT, eta0, use_eta0):  # pragma: no cover - compiled
    """η (P,) solving Σ_s N_s <n_e>_s(η) = L f(η) for A = log m − Ω/(ωkT) (P, S, K; −inf = no state); ``stats``
    1 availability, 2 fermi; ``eta0`` start values where ``use_eta0``. ``ne`` (S, K): electrons per state, integers
    (Σ n_i z_i)."""
    P, S, K = A.shape
    out = np.empty(P)
    W = np.empty((S, K))
    nei, nmax = _int_electrons(ne)
    pw = np.empty(nmax + 1)
    for p in range(P):
        # without a start value, start from the previous point's root (neighbours on a curve are close; the
        # Newton step is safeguarded by the bracket, so any start gives the same root)
        if use_eta0 or p == 0:
            out[p] = _eta_point(A[p], W, nei, nmax, pw, ne, N, L, stats, kTw, kT, eta0[p], use_eta0)
        else:
            out[p] = _eta_point(A[p], W, nei, nmax, pw, ne, N, L, stats, kTw, kT, out[p - 1], True)
    return out


@njit(cache=True, fastmath=False)
def field_theta_kernel(A, E0, ne, N, L, stats, kTw, kT, mask, wts, h, eta0, use_eta0, rows):  # pragma: no cover
    """The interacting site type under a field h (P,) (eV per ion, :mod:`dualion.model.selfconsistent`): with
    A − h·mask/(ωkT) (``mask`` (S, K): ion count of each state on the interacting nodes, 0 elsewhere; ``wts`` (S,):
    node weights within the interacting type), the root η, the filling θ = Σ_s wts_s <mask>_s and dθ/dh (per eV)
    with the electron constraint eliminated (``stats`` 0: no limit, 1 availability, 2 fermi). ``E0`` (P, S, K):
    e^{A − max_k A} per node, computed once per μ, so that an evaluation needs no exp per state (only the field
    factor of the interacting states). ``rows`` (R,): the points of A evaluated (h, eta0 and the outputs are per
    row). Returns (θ, dθ/dh, η)."""
    _, S, K = A.shape
    R = rows.size
    th = np.empty(R)
    sl = np.empty(R)
    et = np.zeros(R)
    W = np.empty((S, K))
    Ap = np.empty((S, K))
    nei, nmax = _int_electrons(ne)
    pw = np.empty(nmax + 1)
    for r in range(R):
        p = rows[r]
        for s in range(S):
            mw = 0.0
            for k in range(K):
                if mask[s, k] != 0.0:
                    Ap[s, k] = A[p, s, k] - h[r] * mask[s, k] / kTw
                    W[s, k] = E0[p, s, k] * math.exp(-h[r] * mask[s, k] / kTw)
                else:
                    Ap[s, k] = A[p, s, k]
                    W[s, k] = E0[p, s, k]
                if W[s, k] > mw:
                    mw = W[s, k]
            if mw > 0.0 and mw < math.inf:
                for k in range(K):
                    W[s, k] /= mw
            else:                                  # out of range: the weights from the logs
                _log_weights(Ap, W, s)
        eta = 0.0
        if stats != 0:
            start = eta0[r] if (use_eta0 or r == 0) else et[r - 1]
            eta = _eta_point(Ap, W, nei, nmax, pw, ne, N, L, stats, kTw, kT, start, use_eta0 or r > 0, True)
        safe = _powers(pw, nmax, -eta / kTw)
        theta = 0.0
        vm = 0.0
        cme_w = 0.0
        cme_n = 0.0
        vee = 0.0
        for s in range(S):
            fast = safe
            if fast:
                z = 0.0
                for k in range(K):
                    z += W[s, k] * pw[nei[s, k]]
                fast = z > 1e-250
            mx = -math.inf
            if not fast:
                for k in range(K):
                    v = Ap[s, k] - eta * ne[s, k] / kTw
                    if v > mx:
                        mx = v
            z = 0.0
            em = 0.0
            ee = 0.0
            emm = 0.0
            eme = 0.0
            eee = 0.0
            for k in range(K):
                if Ap[s, k] == -math.inf:
                    continue
                w = W[s, k] * pw[nei[s, k]] if fast else math.exp(Ap[s, k] - eta * ne[s, k] / kTw - mx)
                z += w
                em += w * mask[s, k]
                ee += w * ne[s, k]
                emm += w * mask[s, k] * mask[s, k]
                eme += w * mask[s, k] * ne[s, k]
                eee += w * ne[s, k] * ne[s, k]
            em /= z
            ee /= z
            c = eme / z - em * ee
            theta += wts[s] * em
            vm += wts[s] * (emm / z - em * em)
            cme_w += wts[s] * c
            cme_n += N[s] * c
            vee += N[s] * (eee / z - ee * ee)
        slope = -vm / kTw
        if stats != 0:
            if stats == 1:
                de = L * math.exp(-max(eta, 0.0) / kT) / kT
            else:
                f = 0.5 * (1.0 + math.tanh(eta / (2.0 * kT)))
                de = L * f * (1.0 - f) / kT
            deta = -(cme_n / kTw) / (vee / kTw + de)
            slope -= cme_w * deta / kTw
        th[r] = theta
        sl[r] = slope
        et[r] = eta
    return th, sl, et


@njit(cache=True)
def type_averages_kernel(A, ne, eta, kTw, node_site, node_weight, counts, T):  # pragma: no cover - compiled
    """Occupancies per site of each type, P_type (P, T, K), and ions per site of each type, x_type (P, T, I), at
    the roots η: Σ over a type's nodes of weight × Boltzmann probabilities (one pass, no (P, S, K) temporaries)."""
    P, S, K = A.shape
    I = counts.shape[2]
    Pt = np.zeros((P, T, K))
    xt = np.zeros((P, T, I))
    wk = np.empty(K)
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
                wk[k] = math.exp(A[p, s, k] - eta[p] * ne[s, k] / kTw - mx) if A[p, s, k] > -math.inf else 0.0
                z += wk[k]
            for k in range(K):
                if A[p, s, k] == -math.inf:
                    continue
                q = wn * wk[k] / z
                Pt[p, t, k] += q
                for i in range(I):
                    xt[p, t, i] += q * counts[s, k, i]
    return Pt, xt
