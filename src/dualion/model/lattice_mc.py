r"""Grand-canonical lattice Monte Carlo of a whole :class:`~dualion.model.equilibrium.EquilibriumModel`: several
site types, several ions, multi-ion states (vacancy pairs), quenched site-energy disorder, a nearest-neighbour
interaction on a graph, and the electron limit as an exact global weight — the independent check of the
mean-field / quasi-chemical model (:mod:`dualion.model.mc_check` compares the two).

System (a finite sample of ``n_fu`` formula units)
------------------------------------------------
Site type *a* of the model becomes :math:`n_a = \mathrm{round}(N_a\,n_\mathrm{fu})` sites; the electron reservoir
:math:`L = \mathrm{round}(N_\mathrm{redox}\,n_\mathrm{fu})` Ti4+ (the model the MC is compared with is rebuilt with
these realised counts: :attr:`LatticeSystem.model`). Site *j* is in one state :math:`k_j` of its type. With the
per-charge chemical potentials :math:`\Delta\mu_i` (eV per transferred charge, the model's convention; the energy
of ion *i* is :math:`z_i\Delta\mu_i` eV per ion) the weight of a configuration is

.. math:: \mathcal P \propto W(n_e)\,\exp\Big[-\frac1{k_BT}\Big(\sum_j \big[\Omega_{a_j k_j} + \varphi_j\,n_{e,k_j}
          - k_BT\ln m_{k_j}\big] + \sum_{\langle jl\rangle}\sum_{i,i'} n_{k_j,i}\,J_{ii'}\,n_{k_l,i'}\Big)\Big],
          \qquad n_e = \sum_j n_{e,k_j}

with the model's state grand potentials :math:`\Omega_{ak} = \Delta E_k + \text{offsets} - \sum_i n_{k,i}z_i\Delta\mu_i`,
multiplicities :math:`m_k`, the quenched disorder shift :math:`\varphi_j` (eV per charge: the :math:`n_a` sites of a type with
width :math:`\sigma_a` are split into ``n_strata`` equal-count quantile strata of the Gaussian, each stratum at the
Gaussian's mean on it, randomly placed on the sites; the model of exactly this sample,
:attr:`LatticeSystem.sample_model`, has one site type per stratum and is what the MC is compared with — the
stratification error against the model's Gauss–Hermite quadrature, O(1/n_strata²), is reported separately), and pair energies :math:`J_{ii'}` (eV per pair)
on the edges ⟨jl⟩ of a graph on the interacting site type (a random *z*-regular graph — locally tree-like, where the
quasi-chemical approximation becomes exact — or the periodic square lattice, which has loops).

**Electron limit** (exact, no mean field): every transferred electron needs one of the *L* Ti4+, counted by the
global weight of the model's ``electron_statistics``

* ``"availability"``: :math:`W(n) = \prod_{r<n}(1 - r/L) = L!/((L-n)!\,L^n)` — each further electron takes one of
  the remaining Ti4+ (relative to the dilute value *L*); :math:`-k_BT\,\partial\ln W/\partial n = -k_BT\ln(1-\theta_e)`
  is the model's η;
* ``"fermi"``: :math:`W(n) = \binom{L}{n}` (Ti3+ polarons as a lattice gas);
* ``"none"``: W = 1;

and :math:`W(n > L) = 0`: a move that would insert more charge than the host can take is never accepted (a hard
constraint). The model's saddle point (η solving :math:`\langle n_e\rangle = L f(\eta)`) is the large-*n* limit of
this ensemble (corrections O(1/n) per site).

Moves: Metropolis with k-site moves (k = 1, 2, 3; probabilities ``moves``, default 0.4, 0.3, 0.3): k distinct
random sites each propose a uniformly drawn other state of their type at once. Multi-site moves trade charge at a
fixed electron count — a vacancy empty → Mg with two 4b Li → empty — which single moves at the electron limit
could only do through states with free Ti4+ that are exponentially rare. The proposals are symmetric; acceptance
:math:`\min(1, \mathcal P'/\mathcal P)`; one sweep = as many attempts as sites. Compiled with numba
(``pip install dualion[speed]``; without it the same code runs as slow Python).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from dualion.core.records import Record, register
from dualion.errors import DualionUserError
from dualion.model.kernels import HAVE_NUMBA, njit

__all__ = ["HAVE_NUMBA", "LatticeSystem", "MultiMCResult", "build_system", "electron_log_weight",
           "random_regular_graph", "run_lattice_mc", "square_lattice_graph"]


# ------------------------------------------------------------------ graphs
def random_regular_graph(n: int, z: int, rng: np.random.Generator) -> np.ndarray:
    """Neighbour table (n, z) of a uniformly random simple z-regular graph (configuration model; self-loops and
    double edges removed by random double-edge swaps). Locally tree-like: short cycles are O(1) in number."""
    if n < z + 1 or (n * z) % 2:
        raise DualionUserError(f"a {z}-regular graph needs n > z and n*z even, got n = {n}", field="graph")
    stubs = rng.permutation(np.repeat(np.arange(n), z))
    edges = stubs.reshape(-1, 2).copy()
    for _ in range(100):
        key = np.minimum(edges[:, 0], edges[:, 1]) * n + np.maximum(edges[:, 0], edges[:, 1])
        _, first, cnt = np.unique(key, return_index=True, return_counts=True)
        dup = np.ones(len(edges), bool)
        dup[first] = False                                   # second and later copies of a multi-edge
        bad = np.flatnonzero((edges[:, 0] == edges[:, 1]) | dup)
        if bad.size == 0:
            break
        for e in bad:                                        # swap with a random edge: (a,b),(c,d) -> (a,c),(b,d)
            f = int(rng.integers(len(edges)))
            a, b = edges[e]
            c, d = edges[f]
            edges[e], edges[f] = (a, c), (b, d)
    else:  # pragma: no cover - vanishingly unlikely
        raise DualionUserError("could not build a simple random regular graph", field="graph")
    nb = np.full((n, z), -1, np.int64)
    fill = np.zeros(n, np.int64)
    for a, b in edges:
        nb[a, fill[a]] = b
        fill[a] += 1
        nb[b, fill[b]] = a
        fill[b] += 1
    return nb


def square_lattice_graph(n: int) -> np.ndarray:
    """Neighbour table (n, 4) of the periodic square lattice of n = L² sites (L ≥ 3)."""
    L = int(round(math.sqrt(n)))
    if L * L != n or L < 3:
        raise DualionUserError(f"a square lattice needs n = L² sites with L >= 3, got {n}", field="graph")
    i, j = np.divmod(np.arange(n), L)
    return np.stack([((i + 1) % L) * L + j, ((i - 1) % L) * L + j, i * L + (j + 1) % L, i * L + (j - 1) % L],
                    axis=1).astype(np.int64)


def electron_log_weight(statistics: str, L: int | None, n_max: int) -> np.ndarray:
    """ln W(n) for n = 0 … n_max (module docstring); −inf above the limit L."""
    n = np.arange(n_max + 1)
    if statistics == "none" or L is None:
        return np.zeros(n_max + 1)
    out = np.full(n_max + 1, -np.inf)
    m = min(n_max, L)
    if statistics == "availability":
        r = np.arange(m)
        out[: m + 1] = np.concatenate([[0.0], np.cumsum(np.log1p(-r / L))])
    elif statistics == "fermi":
        out[: m + 1] = [math.lgamma(L + 1) - math.lgamma(k + 1) - math.lgamma(L - k + 1) for k in n[: m + 1]]
    else:
        raise DualionUserError(f"unknown electron statistics {statistics!r}", field="electron_statistics")
    return out


# ------------------------------------------------------------------ the system
@dataclass(frozen=True)
class LatticeSystem:
    """A finite sample of a model: ``site_type`` (n,) type index of every site, ``shift_eV`` (n,) quenched
    disorder (eV per charge), ``neighbours`` (n, z) (−1: none), ``n_sites_type`` per type, ``n_fu``, electron limit
    ``L`` (None: none), ``model``: the model rebuilt with the realised counts (what the MC must reproduce), ``graph``."""

    site_type: np.ndarray
    shift_eV: np.ndarray
    neighbours: np.ndarray
    n_sites_type: np.ndarray
    n_fu: int
    L: int | None
    model: Any
    graph: str
    sample_model: Any = None
    sample_types: np.ndarray | None = None


def build_system(model, n_fu: int, graph: str = "random-regular", seed: int = 0, n_strata: int = 64) -> LatticeSystem:
    """Sample ``n_fu`` formula units of ``model`` (see the module docstring). ``graph`` ("random-regular" or
    "square") links the sites of the model's interaction site type (coordination from the interaction)."""
    if model.width_factor != 1.0:
        raise DualionUserError("Monte Carlo needs width_factor = 1 (ω is not a lattice model)", field="width_factor")
    if not (isinstance(n_fu, int) and n_fu >= 1):
        raise DualionUserError(f"n_fu must be an integer >= 1, got {n_fu!r}", field="n_fu")
    rng = np.random.default_rng(seed)
    counts = np.array([int(round(s.sites_per_fu * n_fu)) for s in model.site_types], np.int64)
    L = None if model.n_redox_per_fu is None else int(round(model.n_redox_per_fu * n_fu))
    sts = [s.with_offsets(sites_per_fu=c / n_fu) for s, c in zip(model.site_types, counts)]
    real = model.replace(site_types=sts, n_redox_per_fu=None if L is None else L / n_fu)
    stype = np.repeat(np.arange(len(counts)), counts)
    shift = np.zeros(stype.size)
    from scipy.special import ndtri
    from scipy.stats import norm

    split: list = []                                     # the realised sample as a model without disorder
    for a, (sigma, _) in enumerate(real._solver.disorder):
        sel = np.flatnonzero(stype == a)
        s_a = sts[a]
        if not (sigma > 0 and sel.size):
            split.append((a, s_a))
            continue
        groups = np.array_split(np.arange(sel.size), min(n_strata, sel.size))
        vals = np.empty(sel.size)
        for r, g in enumerate(groups):
            lo, hi = g[0] / sel.size, (g[-1] + 1) / sel.size
            zlo, zhi = ndtri(lo), ndtri(hi)
            phi = sigma * (norm.pdf(zlo) - norm.pdf(zhi)) / (hi - lo)     # mean of the Gaussian on the stratum
            vals[g] = phi
            split.append((a, s_a.with_offsets(offset_eV=s_a.offset_eV + phi, sites_per_fu=g.size / n_fu)))
        shift[sel] = rng.permutation(vals)
    inter_s = None
    if model.interaction is not None:
        ia = [s.name for s in model.site_types].index(model.interaction.site)
        idx = [q for q, (a, _) in enumerate(split) if a == ia]
        # the quasi-chemical field acts on one site type: the sample model has one only without disorder there
        inter_s = replace(model.interaction, site=f"{model.interaction.site}#{idx[0]}") if len(idx) == 1 else None
    sample = None if (model.interaction is not None and inter_s is None) else model.replace(
        site_types=[replace(st, name=f"{st.name}#{q}") for q, (_, st) in enumerate(split)],
        n_redox_per_fu=None if L is None else L / n_fu, disorder=None, interaction=inter_s)
    sample_types = np.array([a for a, _ in split], np.int64)
    inter = model.interaction
    zmax = inter.coordination if inter is not None and inter.J_eV != 0 else 0
    nb = np.full((stype.size, max(zmax, 1)), -1, np.int64)
    if zmax:
        a = [s.name for s in model.site_types].index(inter.site)
        sel = np.flatnonzero(stype == a)
        if graph == "random-regular":
            local = random_regular_graph(sel.size, zmax, rng)
        elif graph == "square":
            if zmax != 4:
                raise DualionUserError("the square lattice has coordination 4", field="coordination")
            local = square_lattice_graph(sel.size)
        else:
            raise DualionUserError(f"graph must be 'random-regular' or 'square', got {graph!r}", field="graph")
        nb[sel] = sel[local]
    return LatticeSystem(stype, shift, nb, counts, n_fu, L, real, graph, sample, sample_types)


@register("model.lattice_mc")
@dataclass(frozen=True, eq=False)
class MultiMCResult(Record):
    """Averages of a run: ``x_per_fu`` ({ion: ions per fu}), ``x_site`` ({site type: {ion: ions per site of the
    type}}) with block-average standard errors ``stderr_per_fu`` / ``stderr_site``, ``electrons_per_fu`` ± its
    error, ``acceptance``, ``n_sweeps`` (production), ``seconds`` (wall clock), ``n_sites``, ``max_electrons``
    (largest n_e seen, ≤ L)."""

    x_per_fu: dict[str, float]
    stderr_per_fu: dict[str, float]
    x_site: dict[str, dict[str, float]]
    stderr_site: dict[str, dict[str, float]]
    electrons_per_fu: float
    electrons_stderr: float
    acceptance: float
    n_sweeps: int
    seconds: float
    n_sites: int
    max_electrons: int

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MultiMCResult:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__})


@njit(cache=True)
def _site_dH(j, new, state, stype, shift, nb, eps, cnt, ne, Jm):  # pragma: no cover - compiled
    """Energy change (eV) of putting site j into state ``new`` (its neighbours as they are now)."""
    a = stype[j]
    old = state[j]
    dH = eps[a, new] - eps[a, old] + shift[j] * (ne[a, new] - ne[a, old])
    I = cnt.shape[2]
    for q in range(nb.shape[1]):
        l = nb[j, q]
        if l < 0:
            break
        b = stype[l]
        for i in range(I):
            dc = cnt[a, new, i] - cnt[a, old, i]
            if dc != 0.0:
                for i2 in range(I):
                    dH += dc * Jm[i, i2] * cnt[b, state[l], i2]
    return dH


@njit(cache=True)
def _mc_kernel(state, stype, shift, nb, eps, nstates, cnt, ne, Jm, logw, kT, n_equil, n_sweeps, seed, p_multi,
               tot_series, ne_series):  # pragma: no cover - compiled
    """Metropolis sweeps of k-site moves, k = 1, 2, 3 with probabilities ``p_multi`` (k distinct random sites each
    propose another state at once); fills tot_series (n_sweeps, T, I) with the ion totals per type after each
    production sweep and ne_series (n_sweeps,); returns (accepted, attempted, max n_e)."""
    np.random.seed(seed)
    n = state.size
    T, K, I = cnt.shape
    tot = np.zeros((T, I))
    n_e = 0
    for j in range(n):
        a = stype[j]
        for i in range(I):
            tot[a, i] += cnt[a, state[j], i]
        n_e += ne[a, state[j]]
    acc = 0
    att = 0
    emax = n_e
    js = np.empty(3, np.int64)
    olds = np.empty(3, np.int64)
    news = np.empty(3, np.int64)
    c1 = p_multi[0]
    c2 = p_multi[0] + p_multi[1]
    for sweep in range(n_equil + n_sweeps):
        for _ in range(n):
            u = np.random.random()
            k = 1 if u < c1 else (2 if u < c2 else 3)
            if k > n:
                continue
            ok = True
            for q in range(k):
                j = np.random.randint(n)
                for r in range(q):
                    if js[r] == j:
                        ok = False
                js[q] = j
                a = stype[j]
                if nstates[a] < 2:
                    ok = False
                    break
                olds[q] = state[j]
                news[q] = (state[j] + 1 + np.random.randint(nstates[a] - 1)) % nstates[a]
            if not ok:
                continue
            att += 1
            dne = 0
            for q in range(k):
                a = stype[js[q]]
                dne += ne[a, news[q]] - ne[a, olds[q]]
            lw = logw[n_e + dne] - logw[n_e]
            if lw == -np.inf:
                continue
            dH = 0.0
            for q in range(k):                       # later sites see the earlier sites' new states
                dH += _site_dH(js[q], news[q], state, stype, shift, nb, eps, cnt, ne, Jm)
                state[js[q]] = news[q]
            arg = lw - dH / kT
            if arg >= 0.0 or np.random.random() < math.exp(arg):
                for q in range(k):
                    a = stype[js[q]]
                    for i in range(I):
                        tot[a, i] += cnt[a, news[q], i] - cnt[a, olds[q], i]
                n_e += dne
                if n_e > emax:
                    emax = n_e
                acc += 1
            else:
                for q in range(k - 1, -1, -1):
                    state[js[q]] = olds[q]
        if sweep >= n_equil:
            s = sweep - n_equil
            for a in range(T):
                for i in range(I):
                    tot_series[s, a, i] = tot[a, i]
            ne_series[s] = n_e
    return acc, att, emax


def _block_error(series: np.ndarray, n_blocks: int) -> np.ndarray:
    m = (series.shape[0] // n_blocks) * n_blocks
    b = series[:m].reshape((n_blocks, -1) + series.shape[1:]).mean(axis=1)
    return b.std(axis=0, ddof=1) / math.sqrt(n_blocks)


def run_lattice_mc(system: LatticeSystem, dmu: Mapping[str, float], pair_eV: Mapping[Any, float] | None = None,
                   n_sweeps: int = 1000, n_equil: int = 200, seed: int = 0, init: str = "empty",
                   n_blocks: int = 20, moves: Sequence[float] = (0.4, 0.3, 0.3)) -> MultiMCResult:
    """Run the MC of ``system`` at per-charge chemical potentials ``dmu`` ({ion: eV per transferred charge}; an ion
    absent or −inf is excluded). ``pair_eV``: {("Li", "Li"): J, "Li-Mg": J', ...} eV per nearest-neighbour pair
    (default: the model's interaction, J on its ion pair). ``init``: "empty" or "full" (every site in its state
    with the most electrons, then trimmed to the electron limit). ``moves``: probabilities of 1-, 2- and 3-site moves."""
    model = system.model
    ions = list(model.ions)
    if n_sweeps < n_blocks or n_equil < 0:
        raise DualionUserError(f"need n_sweeps >= n_blocks ({n_blocks}) and n_equil >= 0", field="n_sweeps")
    mu = np.array([float(dmu.get(i, -np.inf)) for i in ions])
    if np.any(np.isnan(mu)) or np.any(mu == np.inf):
        raise DualionUserError("chemical potentials must be finite numbers or -inf (eV per charge)", field="dmu")
    T_types = len(model.site_types)
    # the compiled per-type arrays of the model without disorder (one node per type)
    from dualion.model.solver import ReservoirSolver

    base = ReservoirSolver(model.site_types, model.ions, model.charges, None, "none", model.T_K, 1.0, None)
    om = base.omega(mu[None])[0]                                  # (T, K), +inf for padding / excluded ions
    eps = np.where(np.isfinite(om), om - model.kT * np.where(base._valid, base._logm, 0.0), np.inf)
    # states of a type: the finite ones first (a move picks among them uniformly)
    K = eps.shape[1]
    order = np.argsort(~np.isfinite(eps), axis=1, kind="stable")
    eps = np.take_along_axis(eps, order, 1)
    cnt = np.take_along_axis(base._counts, order[..., None], 1)
    ne = np.rint(np.take_along_axis(base._ne, order, 1)).astype(np.int64)
    nstates = np.isfinite(eps).sum(axis=1).astype(np.int64)
    eps = np.where(np.isfinite(eps), eps, 0.0)
    Jm = np.zeros((len(ions), len(ions)))
    if pair_eV is None and model.interaction is not None:
        pair_eV = {(model.interaction.ion, model.interaction.ion): model.interaction.J_eV}
    for key, val in (pair_eV or {}).items():
        pair = tuple(key.split("-")) if isinstance(key, str) else tuple(key)
        if len(pair) != 2 or any(p not in ions for p in pair) or not math.isfinite(float(val)):
            raise DualionUserError(f"pair energy {key!r}: {val!r} must name two ions of {ions} and be finite",
                                   field="pair_eV")
        Jm[ions.index(pair[0]), ions.index(pair[1])] = Jm[ions.index(pair[1]), ions.index(pair[0])] = float(val)
    n_max = int(np.sum(ne.max(axis=1)[system.site_type]))
    logw = electron_log_weight(model.electron_statistics, system.L, n_max)
    state = np.zeros(system.site_type.size, np.int64)
    empty = np.argmin(np.where(np.arange(K)[None] < nstates[:, None], ne, 10 ** 9), axis=1)
    state[:] = empty[system.site_type]
    if init == "full":
        top = np.argmax(np.where(np.arange(K)[None] < nstates[:, None], ne, -1), axis=1)
        budget = system.L if system.L is not None else n_max
        for j in range(state.size):
            a = system.site_type[j]
            d = ne[a, top[a]] - ne[a, state[j]]
            if d <= budget:
                state[j] = top[a]
                budget -= d
    elif init != "empty":
        raise DualionUserError(f"init must be 'empty' or 'full', got {init!r}", field="init")
    pm = np.asarray(moves, float)
    if pm.shape != (3,) or np.any(pm < 0) or not np.isclose(pm.sum(), 1.0):
        raise DualionUserError(f"moves must be 3 probabilities (1-, 2-, 3-site) summing to 1, got {moves!r}",
                               field="moves")
    tot_s = np.zeros((n_sweeps, T_types, len(ions)))
    ne_s = np.zeros(n_sweeps)
    t0 = time.perf_counter()
    acc, att, emax = _mc_kernel(state, system.site_type.astype(np.int64), system.shift_eV.astype(float),
                                system.neighbours, eps, nstates, cnt.astype(float), ne, Jm, logw, model.kT,
                                int(n_equil), int(n_sweeps), int(seed), pm, tot_s, ne_s)
    dt = time.perf_counter() - t0
    n_t = np.maximum(system.n_sites_type, 1)[None, :, None]
    per_site = tot_s / n_t
    per_fu = tot_s.sum(axis=1) / system.n_fu
    m_site, e_site = per_site.mean(axis=0), _block_error(per_site, n_blocks)
    m_fu, e_fu = per_fu.mean(axis=0), _block_error(per_fu, n_blocks)
    names = [s.name for s in model.site_types]
    return MultiMCResult(
        x_per_fu={i: float(m_fu[q]) for q, i in enumerate(ions)},
        stderr_per_fu={i: float(e_fu[q]) for q, i in enumerate(ions)},
        x_site={nm: {i: float(m_site[a, q]) for q, i in enumerate(ions)} for a, nm in enumerate(names)},
        stderr_site={nm: {i: float(e_site[a, q]) for q, i in enumerate(ions)} for a, nm in enumerate(names)},
        electrons_per_fu=float(ne_s.mean() / system.n_fu),
        electrons_stderr=float(_block_error(ne_s / system.n_fu, n_blocks)),
        acceptance=acc / max(att, 1), n_sweeps=int(n_sweeps), seconds=dt, n_sites=int(state.size),
        max_electrons=int(emax))


def model_prediction(system: LatticeSystem, dmu: Mapping[str, float], gaussian: bool = False) -> dict[str, Any]:
    """The equilibrium model at the same Δμ (eV per charge): x per fu, x per site of each type, electrons per fu.

    Default: the model of the realised sample (:attr:`LatticeSystem.sample_model`: the same counts and the same
    discrete disorder strata as the MC) — what the MC must reproduce within its error bars. ``gaussian=True``: the
    model with its Gaussian quadrature (realised counts); the difference between the two is the stratification
    error of the sample, not a property of the statistical mechanics. Without a sample model (disorder on the
    interacting site type, where the quasi-chemical field is an approximation) the Gaussian model is used."""
    model = system.model if gaussian or system.sample_model is None else system.sample_model
    u = model.uptake({i: float(dmu.get(i, -np.inf)) for i in model.ions})
    names = [s.name for s in system.model.site_types]
    x_site = {nm: dict.fromkeys(model.ions, 0.0) for nm in names}
    if model is system.model:
        groups = [(nm, nm) for nm in names]
    else:
        groups = [(names[a], st.name) for a, st in zip(system.sample_types, model.site_types)]
    for nm, sub in groups:
        for i in model.ions:
            x_site[nm][i] += float(u.x_site[sub][i])
    for a, nm in enumerate(names):
        n = system.n_sites_type[a] / system.n_fu
        x_site[nm] = {i: (v / n if n > 0 else 0.0) for i, v in x_site[nm].items()}
    return {"x_per_fu": {i: float(u.x[i]) for i in model.ions}, "x_site": x_site, "electrons_per_fu": float(u.electrons)}
