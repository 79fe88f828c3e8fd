r"""Grand-canonical lattice Monte Carlo with nearest-neighbour interactions: a cross-check of the
independent-site model (own numpy code).

Lattice: periodic simple-cubic (3-D) or square (2-D) lattice of ``shape`` (even lengths), one site
type whose states each hold at most one ion (empty, Li, Mg, ...). Energy of a configuration
:math:`\{s_j\}` in the grand ensemble (eV):

.. math:: \mathcal{H} = \sum_j \big[\Omega_{s_j} - k_BT\ln m_{s_j}\big] + \sum_{\langle jl\rangle} J_{s_j s_l}

with :math:`\Omega_k = \Delta E_k - \sum_i n_{k,i} z_i\Delta\mu_i` (per-charge Δμ, the thermodynamics
core's formula), multiplicities :math:`m_k`, and symmetric nearest-neighbour pair energies
:math:`J_{ab}` (eV; e.g. ``{("Li","Li"): 0.02, ("Li","Mg"): -0.01}``; empty sites do not interact).
Moves: checkerboard Metropolis — all sites of one colour are updated at once (their neighbours are of
the other colour), each proposing a state drawn uniformly among its other states (symmetric), accepted
with probability :math:`\min(1, e^{-\Delta\mathcal{H}/k_BT})`. One sweep = one attempted move per site.
No electron-reservoir limit here (compare with ``n_redox_per_fu=None``); with J = 0 the sites are
independent and the MC averages must equal :meth:`EquilibriumModel.uptake` per site.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dualion.errors import DualionUserError
from dualion.ions import formal_charge
from dualion.model.equilibrium import SiteType
from dualion.reference import K_B_EV_PER_K, T_DEFAULT_K, check_convention


@dataclass(frozen=True)
class MCResult:
    """Averages per site: ``x`` ({ion: mean ions per site}), ``stderr`` (block-average standard errors),
    ``occupancy`` ({state label: mean probability}), ``acceptance`` (fraction of accepted moves),
    ``n_sweeps`` (production sweeps), ``sweeps_per_s`` (wall-clock rate, all sweeps), ``shape``."""

    x: dict[str, float]
    stderr: dict[str, float]
    occupancy: dict[str, float]
    acceptance: float
    n_sweeps: int
    sweeps_per_s: float
    shape: tuple[int, ...]
    series: dict[str, np.ndarray]

    def to_dict(self) -> dict[str, Any]:
        return {"x_per_site": self.x, "stderr": self.stderr, "occupancy": self.occupancy,
                "acceptance": self.acceptance, "n_sweeps": self.n_sweeps, "sweeps_per_s": self.sweeps_per_s,
                "shape": list(self.shape)}


def _interaction_matrix(site: SiteType, ions: Sequence[str],
                        interactions: Mapping[Any, float] | None) -> np.ndarray:
    K = len(site.states)
    W = np.zeros((K, K))
    if not interactions:
        return W
    occ_ion = []
    for st in site.states:
        if sum(st.counts.values()) > 1:
            raise DualionUserError(f"Monte Carlo sites hold at most one ion; state {st.label!r} holds more",
                                   field="site")
        occ_ion.append(next(iter(st.counts), None))
    for key, val in interactions.items():
        pair = tuple(key.split("-")) if isinstance(key, str) else tuple(key)
        if len(pair) != 2 or any(p not in ions for p in pair):
            raise DualionUserError(f"interaction key {key!r} must name two ions of {list(ions)} (e.g. 'Li-Mg')",
                                   field="interactions")
        if not math.isfinite(float(val)):
            raise DualionUserError(f"interaction {key!r} is not finite", field="interactions")
        for a, ia in enumerate(occ_ion):
            for b, ib in enumerate(occ_ion):
                if ia is not None and ib is not None and {ia, ib} == set(pair) and (ia != ib or pair[0] == pair[1]):
                    W[a, b] = float(val)
    return W


def run_gcmc(site: SiteType, dmu: Mapping[str, float], T_K: float = T_DEFAULT_K, shape: Sequence[int] = (12, 12, 12),
             interactions: Mapping[Any, float] | None = None, n_sweeps: int = 2000, n_equil: int = 500,
             seed: int = 0, per: str = "charge", charges: Mapping[str, int] | None = None,
             n_blocks: int = 20) -> MCResult:
    """Grand-canonical MC of ``site`` (states with ≤ 1 ion) at chemical potentials ``dmu`` (eV, per
    charge by default) on a periodic lattice of ``shape`` (even lengths, 2-D or 3-D)."""
    check_convention(per)
    shape = tuple(int(n) for n in shape)
    if len(shape) not in (2, 3) or any(n < 2 or n % 2 for n in shape):
        raise DualionUserError(f"lattice shape must be 2 or 3 even lengths >= 2, got {shape}", field="shape")
    if n_sweeps < n_blocks or n_equil < 0:
        raise DualionUserError(f"need n_sweeps >= n_blocks ({n_blocks}) and n_equil >= 0", field="n_sweeps")
    ions = tuple(site.ions)
    z = {i: int((charges or {}).get(i, formal_charge(i))) for i in ions}
    for i in ions:
        if i not in dmu:
            raise DualionUserError(f"missing chemical potential for {i} (eV)", field="dmu")
    mu_c = {i: float(dmu[i]) / (z[i] if per == "atom" else 1) for i in ions}
    kT = K_B_EV_PER_K * T_K
    K = len(site.states)
    eps = np.empty(K)
    counts = np.zeros((K, len(ions)))
    for k, st in enumerate(site.states):
        ne = sum(n * z[i] for i, n in st.counts.items())
        off = site.offset_eV * ne + sum(n * z[i] * site.ion_offsets_eV.get(i, 0.0) for i, n in st.counts.items())
        om = st.dE_eV + off - sum(n * z[i] * mu_c[i] for i, n in st.counts.items())
        eps[k] = om - kT * math.log(st.multiplicity)
        for i, n in st.counts.items():
            counts[k, ions.index(i)] = n
    W = _interaction_matrix(site, ions, interactions)
    rng = np.random.default_rng(seed)
    state = np.zeros(shape, dtype=np.int64)
    grid = np.indices(shape).sum(axis=0) % 2
    colours = [grid == 0, grid == 1]
    nd = len(shape)
    occ_sum = np.zeros(K)
    series = np.zeros((n_sweeps, len(ions)))
    accepted = 0
    attempted = 0
    interacting = bool(np.any(W != 0))
    n_sites = int(np.prod(shape))
    t0 = time.perf_counter()
    for sweep in range(n_equil + n_sweeps):
        for mask in colours:
            old = state[mask]
            shift = rng.integers(1, K, size=old.shape) if K > 1 else np.zeros_like(old)
            new = (old + shift) % K
            dH = eps[new] - eps[old]
            if interacting:
                onehot = np.eye(K)[state]                        # (*shape, K)
                nb = np.zeros_like(onehot)
                for ax in range(nd):
                    nb += np.roll(onehot, 1, axis=ax) + np.roll(onehot, -1, axis=ax)
                nbm = nb[mask]                                   # (n, K) neighbour state counts
                dH = dH + np.einsum("nk,nk->n", W[new] - W[old], nbm)
            acc = rng.random(old.shape) < np.exp(-np.clip(dH, -700, 700) / kT)
            state[mask] = np.where(acc, new, old)
            accepted += int(acc.sum())
            attempted += old.size
        if sweep >= n_equil:
            hist = np.bincount(state.ravel(), minlength=K) / n_sites
            occ_sum += hist
            series[sweep - n_equil] = hist @ counts
    dt = time.perf_counter() - t0
    mean = series.mean(axis=0)
    blocks = series[: (n_sweeps // n_blocks) * n_blocks].reshape(n_blocks, -1, len(ions)).mean(axis=1)
    err = blocks.std(axis=0, ddof=1) / math.sqrt(n_blocks)
    occ = occ_sum / n_sweeps
    return MCResult(x={i: float(mean[a]) for a, i in enumerate(ions)},
                    stderr={i: float(err[a]) for a, i in enumerate(ions)},
                    occupancy={st.label: float(occ[k]) for k, st in enumerate(site.states)},
                    acceptance=accepted / max(attempted, 1), n_sweeps=n_sweeps,
                    sweeps_per_s=(n_equil + n_sweeps) / dt if dt > 0 else float("inf"), shape=shape,
                    series={i: series[:, a].copy() for a, i in enumerate(ions)})
