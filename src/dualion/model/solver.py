r"""The numerics of :class:`dualion.model.equilibrium.EquilibriumModel`: the electron-reservoir root η, the
analytic Jacobian, the convex potential k_BT ln Ξ, the inverse x → Δμ and the finite-electrolyte solve.

The physics (states, Ω, occupancies, the electron limit) is written in the model's module docstring; this module
only holds the arrays it compiles to and the solvers acting on them. Chemical potentials here are arrays of shape
(P, I): P points, I ions; "per-charge" unless named ``mu_atom``. All functions are vectorised over P; scalar calls
start from the previous root (warm start, fast for ODE right-hand sides).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from dualion.reference import K_B_EV_PER_K

__all__ = ["ReservoirSolver"]


class ReservoirSolver:
    """Compiled arrays of an independent-site model with a shared electron reservoir, and its solvers.

    ``site_types``: :class:`~dualion.model.equilibrium.SiteType` objects; ``ions``, ``charges`` ({ion: z});
    ``n_redox_per_fu`` (None = no limit); ``electron_statistics`` ("availability", "fermi", "none");
    ``T_K``; ``width_factor`` (ω).
    """

    def __init__(self, site_types: Sequence, ions: Sequence[str], charges: Mapping[str, int],
                 n_redox_per_fu: float | None, electron_statistics: str, T_K: float, width_factor: float,
                 disorder: Sequence[tuple[float, int]] | None = None) -> None:
        self.site_types = tuple(site_types)
        #: per site type (σ in eV per transferred charge, Gauss–Hermite nodes); σ = 0 → one node (no disorder)
        self.disorder = tuple(disorder) if disorder is not None else tuple((0.0, 1) for _ in self.site_types)
        self.ions = tuple(ions)
        self.charges = dict(charges)
        self.n_redox_per_fu = n_redox_per_fu
        self.electron_statistics = electron_statistics
        self.T_K = float(T_K)
        self.width_factor = float(width_factor)
        from dualion.model.kernels import HAVE_NUMBA

        #: compiled η kernel (numba) instead of the NumPy loop; same results to rounding
        self.use_kernel = HAVE_NUMBA
        self._warm: np.ndarray | None = None       # last scalar inverse (per-atom μ)
        self._eta_warm: float | None = None        # last scalar η
        self.build()

    @property
    def kT(self) -> float:
        """k_B T in eV."""
        return K_B_EV_PER_K * self.T_K

    # ------------------------------------------------------------------ compiled arrays
    def build(self) -> None:
        """Compile the states into arrays over *nodes*: a site type without disorder is one node; with a
        Gaussian site-energy width σ (eV per transferred charge) it is ``n`` quadrature nodes
        φ_j (weights w_j, :func:`dualion.model.disorder.quadrature`), each holding N_s w_j sites with every state
        shifted by φ_j n_e,k — the quadrature of the occupancies over the Gaussian (``node_site``: node → site type,
        ``node_weight``: its fraction of the type's sites)."""
        from dualion.model.disorder import quadrature

        nodes = []                                   # (site index, weight, shift per charge)
        for a, (sigma, n) in enumerate(self.disorder):
            t, w = quadrature(sigma, self.width_factor * self.kT, n)
            nodes += [(a, float(wj), float(tj)) for tj, wj in zip(t, w)]
        S = len(nodes)
        K = max(len(s.states) for s in self.site_types)
        I = len(self.ions)
        counts = np.zeros((S, K, I))
        dE = np.zeros((S, K))
        logm = np.full((S, K), -np.inf)
        self.node_site = np.array([a for a, _, _ in nodes], int)
        self.node_weight = np.array([w for _, w, _ in nodes], float)
        for a, (site_index, _, shift) in enumerate(nodes):
            s = self.site_types[site_index]
            for k, st in enumerate(s.states):
                ne = 0.0
                off = 0.0
                for ion, n in st.counts.items():
                    counts[a, k, self.ions.index(ion)] = n
                    z = self.charges[ion]
                    ne += n * z
                    off += n * z * s.ion_offsets_eV.get(ion, 0.0)
                dE[a, k] = st.dE_eV + (s.offset_eV + shift) * ne + off
                logm[a, k] = math.log(st.multiplicity)
        self._counts = counts
        self._z = np.array([self.charges[i] for i in self.ions], float)
        self._ne = counts @ self._z                      # (S, K) electrons per state
        self._dE = dE
        self._logm = logm
        self._valid = np.isfinite(logm)
        self._N = np.array([self.site_types[a].sites_per_fu for a in self.node_site], float) * self.node_weight
        # (S_types, S_nodes): average over a type's nodes (per site of the type)
        self.aggregate = np.zeros((len(self.site_types), S))
        self.aggregate[self.node_site, np.arange(S)] = self.node_weight

    def omega(self, mu: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
        """Ω (P, S, K), eV; states of invalid padding or with a Δμ = −∞ ion → +inf. ``extra`` (broadcast to
        (P, S, K), eV) is added (the mean field of :mod:`dualion.model.interactions`)."""
        zmu = mu * self._z                                   # (P, I) eV per ion
        finite = np.isfinite(zmu)
        zmu_f = np.where(finite, zmu, 0.0)
        # Σ_i n_{k,i} z_i μ_i as a loop over the (few) ions: no BLAS call (its threads only cost under load)
        om = np.broadcast_to(self._dE[None], (zmu.shape[0],) + self._dE.shape).copy()
        for i in range(self._counts.shape[2]):
            c = self._counts[None, :, :, i]
            if np.any(c):
                om -= c * zmu_f[:, i, None, None]
        if not finite.all():
            blocked = np.zeros(om.shape, bool)
            for i in np.flatnonzero(~finite.all(axis=0)):
                blocked |= (self._counts[None, :, :, i] > 0) & ~finite[:, i, None, None]
            om = np.where(blocked, np.inf, om)
        if extra is not None:
            om = om + extra
        return np.where(self._valid[None], om, np.inf)

    def probabilities(self, A: np.ndarray, eta: np.ndarray) -> np.ndarray:
        """P (P, S, K) from A = log m − Ω/(ωkT) and η (P,)."""
        logw = A - (eta[:, None, None] * self._ne[None]) / (self.width_factor * self.kT)
        mx = np.max(logw, axis=2, keepdims=True)
        w = np.exp(logw - mx)
        return w / np.sum(w, axis=2, keepdims=True)

    def electron_side(self, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """N_redox f(η) and its derivative (e- per fu, e- per fu per eV)."""
        kT = self.kT
        L = self.n_redox_per_fu
        if self.electron_statistics == "availability":
            e = np.exp(-np.maximum(eta, 0.0) / kT)
            return L * (-np.expm1(-np.maximum(eta, 0.0) / kT)), L * e / kT
        # fermi
        f = 0.5 * (1.0 + np.tanh(eta / (2 * kT)))
        return L * f, L * f * (1 - f) / kT

    def solve_eta(self, A: np.ndarray, eta0: np.ndarray | None = None, want_P: bool = True
                  ) -> tuple[np.ndarray, np.ndarray | None]:
        """Solve Σ_s N_s <n_e>_s(η) = N_redox f(η) per point; safeguarded Newton in η. Returns (η, P)."""
        P_ = A.shape[0]
        if self.electron_statistics == "none" or P_ == 0:
            eta = np.zeros(P_)
            return eta, self.probabilities(A, eta)
        kTw = self.width_factor * self.kT
        ne = self._ne
        L = self.n_redox_per_fu
        if self.use_kernel:                        # the kernel brackets and clips the start values itself
            from dualion.model.kernels import solve_eta_kernel

            warm = getattr(self, "_eta_warm", None)
            if eta0 is not None and np.shape(eta0) == (P_,):
                start, use = np.asarray(eta0, float), True
            elif P_ == 1 and warm is not None:
                start, use = np.array([warm]), True
            else:
                start, use = np.zeros(P_), False
            eta = solve_eta_kernel(np.ascontiguousarray(A, dtype=float), np.ascontiguousarray(ne, dtype=float),
                                   self._N, float(L), 1 if self.electron_statistics == "availability" else 2, kTw,
                                   self.kT, np.ascontiguousarray(start, dtype=float), use)
            if P_ == 1:
                self._eta_warm = float(eta[0])
            return eta, (self.probabilities(A, eta) if want_P else None)
        # bracket: at η_hi every occupied state is suppressed by e^-50 relative to empty
        with np.errstate(invalid="ignore"):
            thr = np.where(ne[None] > 0, (A * kTw) / np.where(ne[None] > 0, ne[None], 1.0), -np.inf)
        thr = np.where(np.isfinite(thr), thr, -np.inf)
        tmax = np.max(thr.reshape(P_, -1), axis=1)
        tmax = np.where(np.isfinite(tmax), tmax, 0.0)
        hi = np.maximum(tmax, 0.0) + 60 * max(kTw, self.kT) + 1e-9
        if self.electron_statistics == "availability":
            lo = np.zeros(P_)
        else:
            tmin = np.min(np.where(np.isfinite(thr), thr, np.inf).reshape(P_, -1), axis=1)
            tmin = np.where(np.isfinite(tmin), tmin, 0.0)
            lo = np.minimum(tmin, 0.0) - 60 * max(kTw, self.kT) - 1e-9
        eta = lo.copy() if self.electron_statistics == "availability" else np.zeros(P_)
        warm = getattr(self, "_eta_warm", None)
        if eta0 is not None and np.shape(eta0) == (P_,):
            eta = np.clip(eta0, lo, hi)
        elif P_ == 1 and warm is not None:          # scalar calls (ODE solvers): start from the last root
            eta = np.clip(np.array([warm]), lo, hi)
        for _ in range(200):
            P = self.probabilities(A, eta)
            mean_ne = np.sum(P * ne[None], axis=2)                 # (P, S)
            var_ne = np.sum(P * ne[None] ** 2, axis=2) - mean_ne ** 2
            ion_side = mean_ne @ self._N
            e_side, de = self.electron_side(eta)
            r = ion_side - e_side                                  # decreasing in η
            dr = -(np.maximum(var_ne, 0.0) @ self._N) / kTw - de
            lo = np.where(r > 0, eta, lo)
            hi = np.where(r <= 0, eta, hi)
            with np.errstate(divide="ignore", invalid="ignore"):
                step = -r / dr
            new = eta + step
            bad = ~np.isfinite(new) | (new <= lo) | (new >= hi)
            new = np.where(bad, 0.5 * (lo + hi), new)
            exact = np.abs(r) <= 1e-15 * max(L, 1.0)             # converged here: keep η
            done = exact | (np.abs(new - eta) < 1e-14) | (hi - lo < 1e-14)
            eta = np.where(exact, eta, new)
            if np.all(done):
                break
        if P_ == 1:
            self._eta_warm = float(eta[0])
        return eta, self.probabilities(A, eta)

    def evaluate(self, mu: np.ndarray, eta0: np.ndarray | None = None,
                 extra: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        om = self.omega(mu, extra)
        A = self._logm[None] - om / (self.width_factor * self.kT)
        A = np.where(np.isfinite(A), A, -np.inf)
        return self.solve_eta(A, eta0)

    def type_averages(self, mu: np.ndarray, extra: np.ndarray | None = None, eta0: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """η (P,), occupancies per site of each site type (P, T, K) and ions per site of each type (P, T, I);
        ``eta0``: start values of the η roots (P,)."""
        om = self.omega(mu, extra)
        kTw = self.width_factor * self.kT
        A = self._logm[None] - om / kTw
        A = np.where(np.isfinite(A), A, -np.inf)
        if self.use_kernel:
            from dualion.model.kernels import type_averages_kernel

            eta, _ = self.solve_eta(A, eta0=eta0, want_P=False)
            Pt, xt = type_averages_kernel(A, self._ne.astype(float), eta, kTw, self.node_site, self.node_weight,
                                          self._counts, len(self.site_types))
            return eta, Pt, xt
        eta, P = self.solve_eta(A, eta0=eta0)
        return eta, np.einsum("tn,pnk->ptk", self.aggregate, P), \
            np.einsum("tn,pni->pti", self.aggregate, np.einsum("pnk,nki->pni", P, self._counts))

    def x_and_jac(self, mu: np.ndarray, eta0: np.ndarray | None = None,
                  want_eta: bool = False, extra: np.ndarray | None = None) -> Any:
        """x (P, I) and ∂x/∂μ^atom (P, I, I) at per-charge μ (P, I) (and η with ``want_eta``)."""
        eta, P = self.evaluate(mu, eta0, extra)
        kTw = self.width_factor * self.kT
        c = self._counts                                       # (S, K, I)
        ne = self._ne
        Pn = P[..., None] * c[None]                            # (P, S, K, I)
        mean_n = Pn.sum(axis=2)                                # (P, S, I)
        mean_e = np.sum(P * ne[None], axis=2)
        cov_nn = np.einsum("pski,skj->psij", Pn, c) - mean_n[..., :, None] * mean_n[..., None, :]
        cov_ne = np.sum(Pn * ne[None, :, :, None], axis=2) - mean_n * mean_e[..., None]
        var_e = np.sum(P * ne[None] ** 2, axis=2) - mean_e ** 2
        x = np.einsum("psi,s->pi", mean_n, self._N)
        Cnn = np.einsum("psij,s->pij", cov_nn, self._N)
        Cne = np.einsum("psi,s->pi", cov_ne, self._N)
        Vee = var_e @ self._N
        # per-atom μ: Ω = ... − Σ n_i μ_i^atom, so ∂<n_i>/∂μ_j = Cov(n_i, n_j)/(ωkT)
        J = Cnn / kTw
        if self.electron_statistics != "none":
            _, de = self.electron_side(eta)
            denom = Vee / kTw + de
            J = J - (Cne[:, :, None] * Cne[:, None, :]) / kTw ** 2 / denom[:, None, None]
        return (x, J, eta) if want_eta else (x, J)

    def log_xi(self, mu_atom: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
        """k_BT ln Ξ(μ) (eV per fu) for per-atom μ (P, I): convex; its gradient is x."""
        mu_c = mu_atom / self._z
        om = self.omega(mu_c, extra)
        A = self._logm[None] - om / (self.width_factor * self.kT)
        A = np.where(np.isfinite(A), A, -np.inf)
        eta, _ = self.solve_eta(A)
        kTw = self.width_factor * self.kT
        logw = A - (eta[:, None, None] * self._ne[None]) / kTw
        mx = np.max(logw, axis=2, keepdims=True)
        lnZ = (mx[..., 0] + np.log(np.sum(np.exp(logw - mx), axis=2)))      # (P, S)
        val = kTw * (lnZ @ self._N)
        if self.electron_statistics == "availability":
            kT = self.kT
            val = val + self.n_redox_per_fu * (eta + kT * np.expm1(-eta / kT))
        elif self.electron_statistics == "fermi":
            kT = self.kT
            val = val + self.n_redox_per_fu * kT * np.logaddexp(0.0, eta / kT)
        return val

    def inverse_grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Cached grid of per-atom μ and k_BT ln Ξ(μ) used to start :meth:`chemical_potentials`."""
        cache = getattr(self, "_grid_cache", None)
        if cache is not None:
            return cache
        axes = []
        for i, ion in enumerate(self.ions):
            e = [(st.dE_eV + (s.offset_eV + s.ion_offsets_eV.get(ion, 0.0)) * self.charges[ion]
                  * sum(st.counts.values())) / max(sum(st.counts.values()), 1)
                 for s in self.site_types for st in s.states if set(st.counts) == {ion}]
            lo, hi = (min(e) - 1.0, max(e) + 1.0) if e else (-5.0, 0.0)
            axes.append(np.linspace(lo, hi, 81 if len(self.ions) <= 2 else 21))
        grids = np.meshgrid(*axes, indexing="ij")
        mu_g = np.stack([g.reshape(-1) for g in grids], axis=-1)
        lnxi = self.log_xi(mu_g)
        self._grid_cache = (mu_g, lnxi)
        return self._grid_cache

    def inverse(self, X: np.ndarray, ok0: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
        """Per-atom μ (P, I) with x(μ) = X (P, I) ions per fu, and a convergence mask (P,); rows with ``ok0``
        False (unattainable targets) are not solved.

        Damped Newton on the convex function k_BT ln Ξ(μ) − Σ_i x_i μ_i (per-atom μ; its gradient is
        x(μ) − x, its Hessian the symmetric Jacobian): first a Newton step on ln x − ln X (exact in the dilute,
        Langmuir-like regime), otherwise Newton on the objective with Armijo backtracking; steps capped at
        0.25 eV; single-point calls start from the previous solution when it is within a factor 2 in every x."""
        P_ = X.shape[0]
        I = len(self.ions)
        mu = np.zeros((P_, I))                                 # per-atom μ
        warm = getattr(self, "_warm", None)
        cold = np.ones(P_, bool)
        if P_ == 1 and warm is not None:
            mu[:] = warm
            xw, Jw = self.x_and_jac(mu / self._z)
            # keep the warm start only when it is close (within a factor 2 in every x)
            cold[:] = not np.all((xw > 0.5 * X) & (xw < 2.0 * X))
        if np.any(cold):
            mu_g, lnxi_g = self.inverse_grid()
            F = lnxi_g[None, :] - X[cold] @ mu_g.T             # convex objective on the grid
            mu[cold] = mu_g[np.argmin(F, axis=1)]
        active = ok0.copy()
        conv = np.zeros(P_, bool)
        z = self._z
        cx = np.zeros((P_, I))                 # cached x and J at the current μ (valid where `have`)
        cJ = np.zeros((P_, I, I))
        have = np.zeros(P_, bool)
        if P_ == 1 and warm is not None and not cold[0]:
            cx[0], cJ[0], have[0] = xw[0], Jw[0], True
        for _ in range(400):
            idx = np.nonzero(active)[0]
            if idx.size == 0:
                break
            m = mu[idx]
            need = idx[~have[idx]]
            if need.size:
                cx[need], cJ[need] = self.x_and_jac(mu[need] / z)
                have[need] = True
            xx, J = cx[idx], cJ[idx]
            g = xx - X[idx]
            c_ = np.all(np.abs(g) <= tol * X[idx], axis=1)
            conv[idx[c_]] = True
            active[idx[c_]] = False
            if np.all(c_):
                break
            keep = ~c_
            idx, m, g, J = idx[keep], m[keep], g[keep], J[keep]
            J = J + 1e-14 * np.eye(I)[None]
            with np.errstate(all="ignore"):
                # (1) Newton on ln x − ln X (exact in the dilute, Langmuir-like regime): δμ = −J⁻¹ x (ln x − ln X)
                xg = g + X[idx]
                lg = np.log(np.maximum(xg, 1e-300)) - np.log(X[idx])
                try:
                    step = -np.linalg.solve(J, (xg * lg)[..., None])[..., 0]
                except np.linalg.LinAlgError:
                    step = np.full_like(g, np.nan)
            step = np.where(np.isfinite(step), step, 0.0)
            big = np.max(np.abs(step), axis=1, keepdims=True)
            step = step * np.minimum(1.0, 0.25 / np.maximum(big, 1e-300))
            trial = m + step
            x1, J1 = self.x_and_jac(trial / z)
            g1 = x1 - X[idx]
            with np.errstate(all="ignore"):
                l1 = np.log(np.maximum(g1 + X[idx], 1e-300)) - np.log(X[idx])
            better = np.sum(l1 ** 2, axis=1) < np.sum(lg ** 2, axis=1)
            cx[idx[better]], cJ[idx[better]] = x1[better], J1[better]
            have[idx[~better]] = False
            if not np.all(better):
                # (2) Newton on the convex objective F = kT ln Ξ − X·μ (gradient g, Hessian J) + Armijo
                b = np.nonzero(~better)[0]
                mb, gb, Xb = m[b], g[b], X[idx[b]]
                Jb = J[b] + (1e-10 + 1e-8 * np.trace(J[b], axis1=1, axis2=2))[:, None, None] * np.eye(I)[None]
                with np.errstate(all="ignore"):
                    sb = -np.linalg.solve(Jb, gb[..., None])[..., 0]
                sb = np.where(np.isfinite(sb), sb, -gb)
                bigb = np.max(np.abs(sb), axis=1, keepdims=True)
                sb = sb * np.minimum(1.0, 0.25 / np.maximum(bigb, 1e-300))
                f0 = self.log_xi(mb) - np.sum(Xb * mb, axis=1)
                slope = np.sum(gb * sb, axis=1)
                t = np.ones(len(b))
                for _bt in range(50):
                    tr = mb + t[:, None] * sb
                    f1 = self.log_xi(tr) - np.sum(Xb * tr, axis=1)
                    good = f1 <= f0 + 1e-4 * t * slope + 1e-15 * np.abs(f0)
                    if np.all(good):
                        break
                    t = np.where(good, t, 0.5 * t)
                trial[b] = mb + t[:, None] * sb
            mu[idx] = trial
            stalled = (np.max(np.abs(trial - m), axis=1) < 1e-13) & np.all(np.abs(g) <= 1e-7 * X[idx], axis=1)
            conv[idx[stalled]] = True
            active[idx[stalled]] = False
            diverged = np.any(np.abs(trial) > 100.0, axis=1)
            active[idx[diverged]] = False
        conv &= ok0
        if P_ == 1 and conv[0]:
            self._warm = mu[0].copy()
        return mu, conv

    def finite_li(self, V: np.ndarray, electrolyte: Any, avail: float) -> tuple[np.ndarray, np.ndarray]:
        """Per-charge μ (P, I) and Li+ activity (P,) with a finite electrolyte: solve x = x_Li(V, a(x)) per voltage
        (x: Li per fu), a(x) = a0 (1 − x/avail)^ν by safeguarded Newton in x; a0, ν (``activity_exponent``: the
        apparent activity (c/1 M)^ν, 1 = ideal) and the Δμ(V, a) mapping are the ``electrolyte``'s
        (:meth:`dualion.core.Electrolyte.delta_mu`), ``avail`` its Li per fu at the start.

        g(x) = x − x_Li(μ_Li(x)) is increasing (x_Li rises with a, a falls with x), g(0) ≤ 0 < g(avail);
        dg/dx = 1 + (∂x_Li/∂Δμ_Li) ν k_BT/(avail − x) with the analytic Jacobian."""
        nu = float(getattr(electrolyte, "activity_exponent", 1.0))
        kT = nu * electrolyte.kT_eV               # d Δμ_Li / dx = −ν k_BT / (avail − x)
        a0 = electrolyte.a_li
        iLi = self.ions.index("Li")
        lo = np.zeros_like(V)
        hi = np.full_like(V, avail)

        def mu_of(xli: np.ndarray) -> np.ndarray:
            dmu = electrolyte.delta_mu(V, a_li=a0 * np.maximum(1.0 - xli / avail, 1e-300) ** nu)
            return np.stack([np.asarray(dmu[ion]) if ion in dmu else np.full_like(V, -np.inf)
                             for ion in self.ions], axis=-1)

        x = np.zeros_like(V)
        eta = None
        for _it in range(100):
            xx, J, eta = self.x_and_jac(mu_of(x), eta0=eta, want_eta=True)
            g = x - xx[:, iLi]
            lo = np.where(g <= 0, x, lo)
            hi = np.where(g > 0, x, hi)
            dg = 1.0 + J[:, iLi, iLi] * kT / np.maximum(avail - x, 1e-300)   # per-atom = per-charge for Li
            new = x - g / dg
            bad = ~np.isfinite(new) | (new <= lo) | (new >= hi)
            new = np.where(bad, 0.5 * (lo + hi), new)
            done = (np.abs(new - x) <= 1e-12 * max(avail, 1e-3)) | (np.abs(g) <= 1e-14)
            x = np.where(np.abs(g) <= 1e-14, x, new)
            if np.all(done):
                break
        return mu_of(x), a0 * np.maximum(1.0 - x / avail, 0.0) ** nu
