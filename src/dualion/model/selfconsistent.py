r"""Self-consistent solution of a model with a :class:`~dualion.model.interactions.LatticeInteraction`: roots
θ* = θ_model(μ; h(θ*)) bracketed on a grid and refined (Illinois), both stable branches and their grand
potentials, the equilibrium branch (lower Ω). The equations are in :mod:`dualion.model.interactions`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dualion.model.interactions import LatticeInteraction

#: logit θ grid on which the roots are bracketed (θ from 1.1e-7 to 1 − 1.1e-7).
GRID_LOGIT = np.linspace(-16.0, 16.0, 33)


@dataclass
class Branches:
    """Per point (P,): filling θ of the interacting sites on the low and high stable branches, their grand
    potentials (eV per fu; NaN where the root is unique), the number of self-consistent roots (1 or ≥ 3), and the equilibrium θ (lower Ω)."""

    theta_low: np.ndarray
    theta_high: np.ndarray
    omega_low: np.ndarray
    omega_high: np.ndarray
    n_roots: np.ndarray
    theta: np.ndarray


class InteractingSites:
    """The interacting site type of a compiled :class:`~dualion.model.solver.ReservoirSolver`."""

    def __init__(self, solver, interaction: LatticeInteraction, site_names: list[str]) -> None:
        self.solver = solver
        self.inter = interaction
        a = site_names.index(interaction.site)
        i = list(solver.ions).index(interaction.ion)
        self.site_index, self.ion_index = a, i
        nodes = solver.node_site == a
        #: (S', K) ion count of every state on the interacting nodes (0 elsewhere)
        self.mask = solver._counts[:, :, i] * nodes[:, None]
        self.weights = solver.aggregate[a]                       # (S',) node weights of the type
        self.N = float(solver.site_types[a].sites_per_fu)
        self.kT = solver.kT
        # r'(θ) = |∂θ_model/∂h| |h'(θ)| − 1 with |∂θ_model/∂h| ≤ θ(1 − θ)/(ωkT): below 1 everywhere → one root for
        # every μ (sub-critical coupling), no grid needed
        self.single_root = _single_root(solver, interaction, a, i)
        self._cache: tuple[np.ndarray, Branches] | None = None
        self._A: tuple | None = None          # (μ, A(μ), e^{A − max}) of the last kernel call
        self._eta: np.ndarray | None = None                            # last roots η (warm start of the refinement)
        self._wts = np.zeros(solver._N.size)
        self._wts[nodes] = self.weights[nodes]

    def _kernel(self, mu: np.ndarray, h: np.ndarray, warm: bool = False, rows: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
        """θ_model(μ; h) and ∂θ_model/∂h by the compiled kernel (:func:`dualion.model.kernels.field_theta_kernel`),
        at the points ``rows`` of μ (default: all; ``h`` per row)."""
        from dualion.model.kernels import field_theta_kernel

        sv = self.solver
        if self._A is None or self._A[0] is not mu:
            om = sv.omega(mu)
            A = sv._logm[None] - om / (sv.width_factor * sv.kT)
            A = np.ascontiguousarray(np.where(np.isfinite(A), A, -np.inf))
            mx = np.max(A, axis=2, keepdims=True)
            E0 = np.exp(A - np.where(np.isfinite(mx), mx, 0.0))
            self._A = (mu, A, E0)
            self._eta = None
        A, E0 = self._A[1], self._A[2]
        stats = {"none": 0, "availability": 1, "fermi": 2}[sv.electron_statistics]
        L = 0.0 if sv.n_redox_per_fu is None else float(sv.n_redox_per_fu)
        rows = np.arange(A.shape[0]) if rows is None else np.asarray(rows, np.int64)
        use = warm and self._eta is not None and self._eta.shape == (A.shape[0],)
        eta0 = np.ascontiguousarray(self._eta[rows]) if use else np.zeros(rows.size)
        th, sl, eta = field_theta_kernel(A, E0, np.ascontiguousarray(sv._ne, dtype=float), sv._N, L, stats,
                                         sv.width_factor * sv.kT, sv.kT, np.ascontiguousarray(self.mask, dtype=float),
                                         self._wts, np.ascontiguousarray(h, dtype=float), eta0, use, rows)
        if self._eta is None or self._eta.shape != (A.shape[0],):
            self._eta = np.zeros(A.shape[0])
        self._eta[rows] = eta
        return th, sl

    def last_eta(self, mu: np.ndarray) -> np.ndarray | None:
        """η of the last kernel evaluation when it was at these μ (P,) — a start value, never the answer."""
        if self._A is None or self._eta is None or self._A[0].shape != mu.shape or not np.array_equal(self._A[0], mu):
            return None
        return self._eta.copy()

    def extra(self, h: np.ndarray) -> np.ndarray:
        return h[:, None, None] * self.mask[None]

    def theta_of(self, mu: np.ndarray, h: np.ndarray) -> np.ndarray:
        """θ_model(μ; h): fraction of the interacting sites holding the ion (P,)."""
        if self.solver.use_kernel:
            return self._kernel(mu, h)[0]
        _, P = self.solver.evaluate(mu, extra=self.extra(h))
        return np.sum(P * self.mask[None], axis=2) @ self.weights

    def omega(self, mu: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """Ω(μ) at a self-consistent θ (eV per fu)."""
        h = self.inter.field(theta, self.kT)
        lx = self.solver.log_xi(mu * self.solver._z, extra=self.extra(h))
        return -lx + self.N * (self.inter.phi(theta, self.kT) - theta * h)

    def residual(self, mu: np.ndarray, th: np.ndarray) -> np.ndarray:
        return self.theta_of(mu, self.inter.field(th, self.kT)) - th

    def theta_and_slope(self, mu: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """θ_model(μ; h) and ∂θ_model/∂h (per eV) with the electron constraint eliminated:
        dθ/dh = −[Σ w Var(m) + Σ w Cov(m, n_e) dη/dh]/(ωkT), dη/dh = −(Σ N Cov(n_e, m)/ωkT)/(Σ N Var(n_e)/ωkT + L f'(η))."""
        sv = self.solver
        if sv.use_kernel:
            return self._kernel(mu, h, warm=True)
        eta, P = sv.evaluate(mu, extra=self.extra(h))
        kTw = sv.width_factor * sv.kT
        m, ne = self.mask[None], sv._ne[None]
        Em, Ee = np.sum(P * m, 2), np.sum(P * ne, 2)
        Vm = np.sum(P * m * m, 2) - Em ** 2
        Cme = np.sum(P * m * ne, 2) - Em * Ee
        theta = Em @ self.weights
        slope = -(Vm @ self.weights) / kTw
        if sv.electron_statistics != "none":
            Vee = np.sum(P * ne * ne, 2) - Ee ** 2
            _, de = sv.electron_side(eta)
            deta = -(Cme @ sv._N / kTw) / (Vee @ sv._N / kTw + de)
            slope = slope - (Cme @ self.weights) * deta / kTw
        return theta, slope

    def _refine(self, mu: np.ndarray, lo: np.ndarray, hi: np.ndarray, rlo: np.ndarray, rhi: np.ndarray,
                guess: np.ndarray | None = None) -> np.ndarray:
        """Root of r(θ) = θ_model(μ; h(θ)) − θ in [lo, hi] with r(lo) > 0 ≥ r(hi): Newton with the analytic
        dr/dθ = (∂θ_model/∂h) h'(θ) − 1, bisection when a step leaves the bracket. Start: regula falsi from
        rlo/rhi, or ``guess`` where it is finite."""
        with np.errstate(divide="ignore", invalid="ignore"):
            th = np.where(rlo - rhi > 0, (lo * (-rhi) + hi * rlo) / (rlo - rhi), 0.5 * (lo + hi))
        if guess is not None:
            th = np.where(np.isfinite(guess), guess, th)
        th = np.clip(np.nan_to_num(th, nan=0.5), lo, hi)
        kT = self.kT
        act = np.arange(th.size)                   # points still iterating (converged ones are not evaluated again)
        for it in range(100):
            t_a, lo_a, hi_a = th[act], lo[act], hi[act]
            h = self.inter.field(t_a, kT)
            if self.solver.use_kernel:
                t_m, dt_dh = self._kernel(mu, h, warm=True, rows=act)
            else:
                t_m, dt_dh = self.theta_and_slope(mu[act], h)
            r = t_m - t_a
            dr = dt_dh * self.inter.slope(t_a, kT) - 1.0
            pos = r > 0
            lo_a = np.where(pos, t_a, lo_a)
            hi_a = np.where(pos, hi_a, t_a)
            with np.errstate(divide="ignore", invalid="ignore"):
                new = t_a - r / dr
            bad = ~np.isfinite(new) | (new <= lo_a) | (new >= hi_a)
            new = np.where(bad, 0.5 * (lo_a + hi_a), new)
            done = (np.abs(new - t_a) <= 4e-16 + 1e-12 * np.minimum(t_a, 1.0 - t_a)) | (hi_a - lo_a <= 1e-14) | (r == 0)
            th[act] = np.where(r == 0, t_a, new)
            lo[act], hi[act] = lo_a, hi_a
            act = act[~done]
            if act.size == 0:
                break
        self.iterations = it + 1
        return th

    def branches(self, mu: np.ndarray) -> Branches:
        """Both stable self-consistent branches at per-charge μ (P, I) and the equilibrium one."""
        P_ = mu.shape[0]
        if P_ == 0 or self.inter.J_eV == 0 or not np.any(np.isfinite(mu[:, self.ion_index])):
            th = self.theta_of(mu, np.zeros(P_))
            om = self.omega(mu, th)
            return Branches(th, th, om, om, np.ones(P_, int), th)
        if self._cache is not None and self._cache[0].shape == mu.shape and np.array_equal(self._cache[0], mu):
            return self._cache[1]
        g = (np.array([0.0, 1.0]) if self.single_root
             else np.concatenate([[0.0], 1.0 / (1.0 + np.exp(-GRID_LOGIT)), [1.0]]))
        G = g.size
        scan = np.full(P_, G > 2)                              # single root: no grid, the bracket [0, 1]
        if G > 2 and P_ > 200 and _monotone_path(mu):
            # a curve (μ monotone along the points): bracket on the full grid only near where a coarse subset of
            # the points shows several roots (the multi-root range is an interval of the path); elsewhere [0, 1]
            step = int(np.ceil(P_ / 100))
            sub = np.arange(0, P_, step)
            rs = self.residual(np.repeat(mu[sub], G, axis=0), np.tile(g, sub.size)).reshape(sub.size, G)
            multi = ((rs[:, :-1] > 0) & (rs[:, 1:] <= 0)).sum(axis=1) > 1
            scan[:] = False
            for k in np.flatnonzero(multi):
                scan[max(sub[k] - 2 * step, 0):sub[k] + 2 * step + 1] = True
        r = np.empty((P_, G))
        idx = np.flatnonzero(scan)
        if idx.size:
            r[idx] = self.residual(np.repeat(mu[idx], G, axis=0), np.tile(g, idx.size)).reshape(idx.size, G)
        rest = np.flatnonzero(~scan)
        guess = np.full(P_, np.nan)
        if rest.size:
            # one root: the bracket [0, 1], where r(0) = θ_model > 0 and r(1) = θ_model − 1 < 0 always; the start is
            # the filling without the field (one evaluation instead of two at the ends). Fill the grid row so that
            # the single + → − crossing is the last interval (bracket [g[-2], 1] is replaced by [0, 1] below)
            guess[rest] = self.theta_of(mu if rest.size == P_ else mu[rest], np.zeros(rest.size))
            r[rest] = 1.0
            r[rest, -1] = -1.0
        # r(0) >= 0 and r(1) <= 0; stable roots are + → − crossings (r > 0 below, <= 0 above)
        r[:, 0] = np.maximum(r[:, 0], 1e-300)
        r[:, -1] = np.minimum(r[:, -1], 0.0)
        down = (r[:, :-1] > 0) & (r[:, 1:] <= 0)
        first = np.argmax(down, axis=1)
        last = G - 2 - np.argmax(down[:, ::-1], axis=1)
        n_roots = np.maximum(2 * down.sum(axis=1) - 1, 1)
        ar = np.arange(P_)
        two = n_roots > 1
        lo_first = np.where(scan, g[first], 0.0)
        lo = np.concatenate([lo_first, g[last][two]])
        hi = np.concatenate([g[first + 1], g[last + 1][two]])
        rlo = np.concatenate([np.where(scan, r[ar, first], r[:, 0]), r[ar, last][two]])
        rhi = np.concatenate([r[ar, first + 1], r[ar, last + 1][two]])
        mu2 = np.concatenate([mu, mu[two]]) if two.any() else mu       # (same array: the kernel reuses its A(μ))
        guess2 = np.concatenate([guess, np.full(int(two.sum()), np.nan)])
        th = self._refine(mu2, lo, hi, rlo, rhi, guess2)
        # Ω only where two branches compete (it picks the equilibrium one); NaN where the root is unique
        om = np.full(th.size, np.nan)
        need = np.concatenate([two, np.ones(int(two.sum()), bool)])
        if need.any():
            om[need] = self.omega(mu2[need], th[need])
        th_l, om_l = th[:P_], om[:P_]
        th_h, om_h = th_l.copy(), om_l.copy()
        th_h[two], om_h[two] = th[P_:], om[P_:]
        theta = np.where(om_h < om_l, th_h, th_l)
        out = Branches(th_l, th_h, om_l, om_h, n_roots, theta)
        self._cache = (mu.copy(), out)
        return out


def _single_root(solver, interaction: LatticeInteraction, a: int, i: int) -> bool:
    """True when θ* = θ_model(μ; h(θ*)) has one root for every μ: r'(θ) = (∂θ_model/∂h) h'(θ) − 1 < 0 everywhere.

    |∂θ_model/∂h| ≤ χ(θ)/(ωkT), χ = Σ_j w_j f_j(1 − f_j) over the type's disorder nodes (the electron constraint
    only lowers the response). Without disorder χ = θ(1 − θ). With disorder on a two-state type (empty, ion) the
    nodes' levels differ by fixed shifts φ_j, and χ(θ) along the common level ε is computed exactly: a broad
    distribution lowers χ and can make a coupling that is super-critical on a uniform lattice single-rooted. Other
    types (more states): the uniform bound θ(1 − θ)."""
    kTw = solver.width_factor * solver.kT
    nodes = np.flatnonzero(solver.node_site == a)
    st = solver.site_types[a]
    two_state = len(st.states) == 2 and nodes.size > 1
    if two_state:
        k_ion = int(np.argmax(solver._counts[nodes[0], :, i]))
        lev = solver._dE[nodes, k_ion] - solver._logm[nodes, k_ion] * kTw      # eV, ion state vs empty per node
        lev = lev - lev.mean()
        eps = np.linspace(lev.min() - 40 * kTw, lev.max() + 40 * kTw, 4001)
        f = 1.0 / (1.0 + np.exp(np.clip((eps[:, None] + lev[None]) / kTw, -700, 700)))
        w = solver.node_weight[nodes]
        g = np.clip(f @ w, 1e-12, 1 - 1e-12)
        chi = (f * (1 - f)) @ w
    else:
        g = np.linspace(1e-6, 1 - 1e-6, 2001)
        chi = g * (1 - g)
    return bool(np.max(chi * np.abs(interaction.slope(g, solver.kT))) < kTw)


def _monotone_path(mu: np.ndarray) -> bool:
    """True when every finite column of μ (P, I) is monotone along the points (a voltage sweep)."""
    for i in range(mu.shape[1]):
        c = mu[:, i]
        if not np.all(np.isfinite(c)):
            continue
        d = np.diff(c)
        if not (np.all(d >= 0) or np.all(d <= 0)):
            return False
    return True


def numerical_jacobian(model, mu: np.ndarray, h_eV: float = 1e-5) -> np.ndarray:
    """∂x_i/∂Δμ_j^atom (P, I, I) of the equilibrium branch by central differences (step ``h_eV`` per atom); used
    with an interaction, where x = −∂Ω/∂μ on each branch (symmetric up to the difference error)."""
    z = model._z
    I = len(model.ions)
    P_ = mu.shape[0]
    J = np.zeros((P_, I, I))
    for j in range(I):
        d = np.zeros(I)
        d[j] = h_eV / z[j]                                 # per-charge step = per-atom step / z
        xp = model.uptake({ion: mu[:, i] + d[i] for i, ion in enumerate(model.ions)})
        xm = model.uptake({ion: mu[:, i] - d[i] for i, ion in enumerate(model.ions)})
        for i, ion in enumerate(model.ions):
            J[:, i, j] = (np.asarray(xp.x[ion]).reshape(-1) - np.asarray(xm.x[ion]).reshape(-1)) / (2 * h_eV)
    return J


def _branch_electrons(model, mu: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Σ z_i x_i (e- per fu) with the interacting sites at filling θ (self-consistent)."""
    sc = model._interacting
    _, P = model._solver.evaluate(mu, extra=sc.extra(model.interaction.field(theta, model.kT)))
    x = np.einsum("pnk,nki,n->pi", P, model._counts, model._N)
    return x @ model._z


def two_phase_plateaus(model, V: np.ndarray, electrolyte) -> list[dict[str, float]]:
    """First-order plateaus of an interacting model along a voltage grid (V vs Mg2+/Mg) in ``electrolyte``
    (:class:`dualion.core.Electrolyte`: Li+ activity fixed, its Δμ(V) mapping).

    Where two stable branches coexist, the equilibrium voltage of the plateau is where their grand potentials are
    equal (bisection in V: the common tangent / Maxwell construction); its width is the capacity jump between the
    branches there. ``metastable_V``: the grid range where both branches exist — the discharge (low-θ) branch can
    be followed down to its lower end and the charge (high-θ) branch up to its upper end (spinodal limits, to the
    grid resolution). Returns [{V, Q_low_mAh_g, Q_high_mAh_g, width_mAh_g, metastable_V_low, metastable_V_high}]."""
    from dualion.core.charge import capacity_mAh_g
    sc = model._interacting

    def mu_at(v: np.ndarray) -> np.ndarray:
        d = electrolyte.delta_mu(v)
        return np.stack([np.asarray(d.get(ion, np.full_like(v, -np.inf)), float) for ion in model.ions], axis=-1)

    order = np.argsort(V)
    Vs = V[order]
    b0 = sc.branches(mu_at(V))                        # the curve's own call (cached)
    br = Branches(*(getattr(b0, f)[order] for f in ("theta_low", "theta_high", "omega_low", "omega_high",
                                                     "n_roots", "theta")))
    two = br.n_roots > 1
    if not two.any():
        return []
    out = []
    # contiguous runs of the two-branch region
    idx = np.flatnonzero(two)
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    for run in runs:
        d = br.omega_high[run] - br.omega_low[run]          # > 0: low branch stable (high V side)
        if not (np.any(d > 0) and np.any(d < 0)):
            continue
        k = int(np.flatnonzero(np.diff(np.sign(d)) != 0)[0])
        lo, hi = float(Vs[run[k]]), float(Vs[run[k + 1]])
        s_lo = np.sign(d[k])
        # Newton on Δ(V) = Ω_high − Ω_low with dΩ/dV = n_e on each branch, kept inside the bracket
        Vp, dV = 0.5 * (lo + hi), d[k] / (d[k] - d[k + 1]) * (hi - lo)
        Vp = lo + dV
        for _ in range(60):
            mu_p = mu_at(np.array([Vp]))
            b = sc.branches(mu_p)
            if b.n_roots[0] < 2:
                Vp = 0.5 * (lo + hi)
                continue
            dm = float(b.omega_high[0] - b.omega_low[0])
            if np.sign(dm) == s_lo:
                lo = Vp
            else:
                hi = Vp
            slope = float(_branch_electrons(model, mu_p, b.theta_high)[0] - _branch_electrons(model, mu_p, b.theta_low)[0])
            new = Vp - dm / slope if slope != 0 else 0.5 * (lo + hi)
            if not (lo < new < hi):
                new = 0.5 * (lo + hi)
            if abs(new - Vp) < 1e-12 or hi - lo < 1e-12:
                Vp = new
                break
            Vp = new
        mu_p = mu_at(np.array([Vp]))
        b = sc.branches(mu_p)
        q = [float(capacity_mAh_g(_branch_electrons(model, mu_p, np.array([t]))[0], model.molar_mass_g_mol))
             if model.molar_mass_g_mol else float("nan") for t in (b.theta_low[0], b.theta_high[0])]
        out.append({"V": Vp, "Q_low_mAh_g": q[0], "Q_high_mAh_g": q[1], "width_mAh_g": q[1] - q[0],
                    "theta_low": float(b.theta_low[0]), "theta_high": float(b.theta_high[0]),
                    "metastable_V_low": float(Vs[run[0]]), "metastable_V_high": float(Vs[run[-1]])})
    return out
