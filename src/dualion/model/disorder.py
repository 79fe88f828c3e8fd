r"""Site-energy disorder from the real anion environments of a Ti vacancy, plus a Gaussian width for what the
DFT data do not resolve.

**Environment populations.** Each Ti vacancy is compensated by four anions (F⁻ or OH⁻) on the sites next to
it (the public anion-location runs: moving the compensating anions away from the vacancy costs ≈ 3.8 eV for
4 F and ≈ 4.0 eV for 4 OH in a 4x4x2 cell, so separated configurations have Boltzmann weight < e^-100 at any
synthesis temperature and are left out; :func:`adjacency_energies_eV` prints them). With the six environment
hosts *e* of the public set (4F, 3F+1OH, 2F+2OH cis/trans, 1F+3OH, 4OH; same 3x3x1 cell, total energies
:math:`E_e`, :math:`k_e` fluorides, geometric degeneracy :math:`g_e` = 1, 4, 4, 2, 4, 1 ways to place the F on
the square of four sites) the populations frozen in at the synthesis temperature :math:`T_f` are

.. math:: P_e = \frac{g_e \exp[-(E_e - k_e\,\mu_{F/OH})/k_BT_f]}{\sum_{e'} g_{e'}\exp[-(E_{e'} - k_{e'}\,\mu_{F/OH})/k_BT_f]},
          \qquad \sum_e P_e\,k_e = 4\,p_F,\quad p_F = \frac{n_F}{n_F + n_{OH}}

(:math:`\mu_{F/OH}`: the F ↔ OH exchange potential fixed by the host's F/OH ratio, solved by bisection; the
linear part of :math:`E_e` in :math:`k_e` — the composition difference — is absorbed in it, only the
deviations from linearity such as cis vs trans and the cost of 4OH matter). :math:`T_f \to \infty` gives the
binomial weights :math:`\binom{4}{k}p_F^k(1-p_F)^{4-k}` (cis : trans = 4 : 2) of :func:`dualion.model.builders.anion_weights`.
Default :math:`T_f` = 363.15 K: the paper's synthesis, "heated ... at 90 °C for 12 h" (Experimental section);
a stated choice (the anions could equilibrate at the 150 °C drying step, 423 K: :data:`T_FREEZE_DRY_K`).

**Unresolved disorder.** Every site of a type also sees a Gaussian distribution of local potentials φ (eV per
transferred charge, width σ; e.g. 4b sites near vs far from vacancies), which shifts a state with
:math:`n_{e,k}` transferred electrons by :math:`n_{e,k}\varphi`. The occupancies are integrated over it exactly
by quadrature (:func:`quadrature`: Gauss–Hermite, :math:`\varphi_j = \sqrt2\sigma t_j`, weights
:math:`w_j/\sqrt\pi`, for σ ≤ 1.5 k_BT; the exponentially convergent trapezoid rule with spacing k_BT for broader
distributions (spacing 2k_BT), where Gauss–Hermite converges slowly): the type becomes n nodes, n = 1 (σ = 0) being the model
without disorder. The nodes are ordinary independent sites, so every identity of the model (Maxwell relations, the
electron limit, T → 0) holds with disorder on.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping

import numpy as np

from dualion.errors import DualionUserError
from dualion.reference import K_B_EV_PER_K

__all__ = ["ANION_ENVIRONMENTS", "ENVIRONMENT_DEGENERACY", "T_FREEZE_K", "T_FREEZE_DRY_K", "adjacency_energies_eV", "binomial_populations",
           "boltzmann_populations", "environment_host_energies_eV", "gauss_hermite"]

#: Public-DFT host titles of the single-vacancy anion environments (number of F, label, host title).
ANION_ENVIRONMENTS: tuple[tuple[int, str, str], ...] = (
    (4, "4F", "TiO2 4F stoichiometric"),
    (3, "3F+1OH", "TiO2 3F+1OH stoichiometric"),
    (2, "2F+2OH cis", "TiO2 2F+2OH cis stoichiometric"),
    (2, "2F+2OH trans", "TiO2 2F+2OH trans stoichiometric"),
    (1, "1F+3OH", "TiO2 1F+3OH stoichiometric"),
    (0, "4OH", "TiO2 4OH stoichiometric"),
)

#: Synthesis temperature, K (Experimental section: "heated inside an oven at 90 °C for 12 h").
T_FREEZE_K = 363.15
#: Drying temperature, K (Experimental section: "at 150 °C under vacuum for 10 hours"), the alternative choice.
T_FREEZE_DRY_K = 423.15
#: Ways to place k F on the four anion sites of a vacancy (a square: two F adjacent = cis (4 ways), opposite =
#: trans (2 ways)).
ENVIRONMENT_DEGENERACY: dict[str, int] = {"4F": 1, "3F+1OH": 4, "2F+2OH cis": 4, "2F+2OH trans": 2, "1F+3OH": 4,
                                          "4OH": 1}
#: Gauss–Hermite order for narrow distributions (σ ≤ 1.5 k_BT) and the most nodes any rule may use.
DEFAULT_NODES = 9
MAX_NODES = 201


def gauss_hermite(sigma_eV: float, n: int = DEFAULT_NODES) -> tuple[np.ndarray, np.ndarray]:
    """Nodes φ_j (eV per charge) and weights (sum 1) of the n-point Gauss–Hermite rule for a Gaussian of
    standard deviation ``sigma_eV``; exact for polynomials of degree ≤ 2n − 1. σ = 0 or n = 1: ([0], [1])."""
    _check(sigma_eV, n)
    if sigma_eV == 0 or n == 1:
        return np.zeros(1), np.ones(1)
    t, w = np.polynomial.hermite.hermgauss(int(n))
    return math.sqrt(2.0) * sigma_eV * t, w / math.sqrt(math.pi)


def _check(sigma_eV: float, n: int | None) -> None:
    if not (isinstance(sigma_eV, (int, float)) and math.isfinite(sigma_eV) and sigma_eV >= 0):
        raise DualionUserError(f"disorder width must be a finite number >= 0 eV, got {sigma_eV!r}",
                               field="disorder_width_eV")
    if n is not None and not (isinstance(n, (int, np.integer)) and 1 <= n <= MAX_NODES):
        raise DualionUserError(f"quadrature order must be an integer in 1..{MAX_NODES}, got {n!r}",
                               field="disorder_nodes")


def quadrature(sigma_eV: float, kT_eV: float, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Nodes φ_j (eV per charge) and weights (sum 1) for averaging an occupancy over a Gaussian of width σ.

    ``n`` given: the n-point Gauss–Hermite rule. ``n=None`` (default): Gauss–Hermite with :data:`DEFAULT_NODES`
    nodes when σ ≤ 1.5 k_BT (max error ~1e-5 on a Fermi occupancy); for broader distributions Gauss–Hermite
    converges slowly (σ = 3.5 k_BT: 3e-4 with 24 nodes), so the trapezoid rule on ±5σ with spacing 2k_BT is used
    instead — exponentially convergent for the analytic Fermi-type occupancy (poles at ±iπk_BT: error
    ~e^{-π²} ≈ 5e-5 for a one-electron state; ~3e-4 in x for Mg2+, whose energy moves by 2φ), ⌈5σ/k_BT⌉ + 1 nodes
    (at most :data:`MAX_NODES`)."""
    _check(sigma_eV, n)
    if sigma_eV == 0:
        return np.zeros(1), np.ones(1)
    if n is not None or sigma_eV <= 1.5 * kT_eV:
        return gauss_hermite(sigma_eV, DEFAULT_NODES if n is None else n)
    m = min(int(math.ceil(5.0 * sigma_eV / kT_eV)) + 1, MAX_NODES)
    phi = np.linspace(-5.0 * sigma_eV, 5.0 * sigma_eV, m)
    w = np.exp(-0.5 * (phi / sigma_eV) ** 2)
    return phi, w / w.sum()


def binomial_populations(p_F: float) -> dict[str, float]:
    """Random placement: :math:`\\binom{4}{k}p_F^k(1-p_F)^{4-k}` split over the labels by degeneracy."""
    return {label: ENVIRONMENT_DEGENERACY[label] * p_F ** k * (1 - p_F) ** (4 - k) for k, label, _ in ANION_ENVIRONMENTS}


def boltzmann_populations(energies_eV: Mapping[str, float], p_F: float, T_K: float = T_FREEZE_K) -> dict[str, float]:
    """Populations P_e (sum 1) of the environments at freezing temperature ``T_K`` with mean F fraction ``p_F``
    (module docstring). ``energies_eV``: {label: host total energy, eV} for the labels of
    :data:`ENVIRONMENT_DEGENERACY`; ``T_K = inf`` gives :func:`binomial_populations`."""
    if not (0.0 < p_F < 1.0):
        raise DualionUserError(f"F fraction of the anions must be in (0, 1), got {p_F!r}", field="formula")
    if math.isinf(T_K):
        return binomial_populations(p_F)
    if not (math.isfinite(T_K) and T_K > 0):
        raise DualionUserError(f"freezing temperature must be > 0 K, got {T_K!r}", field="T_freeze_K")
    labels = [lab for _, lab, _ in ANION_ENVIRONMENTS]
    k = np.array([kk for kk, _, _ in ANION_ENVIRONMENTS], float)
    E = np.array([float(energies_eV[lab]) for lab in labels])
    g = np.array([ENVIRONMENT_DEGENERACY[lab] for lab in labels], float)
    kT = K_B_EV_PER_K * T_K
    E = E - E.min()

    def pops(mu: float) -> np.ndarray:
        a = np.log(g) - (E - k * mu) / kT
        a = a - a.max()
        w = np.exp(a)
        return w / w.sum()

    # <k>(μ) rises monotonically with μ: bisection on a bracket wide enough for any energies
    span = float(np.max(np.abs(E))) + 60 * kT
    lo, hi = -span - 50.0, span + 50.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if pops(mid) @ k < 4 * p_F:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13:
            break
    P = pops(0.5 * (lo + hi))
    return dict(zip(labels, P.tolist()))


@functools.lru_cache(maxsize=1)
def environment_host_energies_eV() -> dict[str, float]:
    """Total energies (eV) of the six environment hosts (public DFT set, ``... stoichiometric`` runs)."""
    from dualion.io.readers import read_runs
    from dualion.thermo.models import dft_file

    runs = {r.title: r for r in read_runs(dft_file("vacancy_intercalation.yaml"))}
    out = {}
    for _, label, host in ANION_ENVIRONMENTS:
        r = runs.get(host)
        if r is None:
            raise DualionUserError(f"public DFT set has no run {host!r}", file="vacancy_intercalation.yaml",
                                   field="title")
        out[label] = float(r.energy_eV)
    return out


@functools.lru_cache(maxsize=1)
def adjacency_energies_eV() -> dict[str, float]:
    """Cost (eV) of moving all four compensating anions away from the vacancy, from the anion-location runs:
    E(0X_eq + 4X_sep) − E(2X_eq + 2X_ax) for X = F and OH (4x4x2 cells)."""
    from dualion.io.readers import read_runs
    from dualion.thermo.models import dft_file

    runs = {r.title: r for r in read_runs(dft_file("anion_location_test_data.yaml"))}
    out = {}
    for x in ("F", "OH"):
        sep = runs[f"Anatase TiO2 4x4x2 V_Ti + 0{x}_eq + 4{x}_sep"]
        adj = runs[f"Anatase TiO2 4x4x2 V_Ti + 2{x}_eq + 2{x}_ax"]
        out[x] = float(sep.energy_eV) - float(adj.energy_eV)
    return out


def resolve_widths(site_types, disorder: Mapping[str, float], nodes: int | None = None
                   ) -> list[tuple[float, int | None]]:
    """(σ, nodes) per site type from {site type or family: σ (eV per charge)} (a family ``vacancy`` names every
    ``vacancy[...]`` type; an exact name wins over its family); unknown names are user errors."""
    names = [s.name for s in site_types]
    for key, sigma in disorder.items():
        if not any(n == key or n.startswith(key + "[") for n in names):
            raise DualionUserError(f"disorder given for unknown site type {key!r} (known: {', '.join(names)})",
                                   field=f"disorder.{key}")
        _check(float(sigma), nodes)
    out = []
    for n in names:
        fam = n.split("[", 1)[0]
        sigma = float(disorder.get(n, disorder.get(fam, 0.0)))
        out.append((sigma, nodes if sigma > 0 else 1))
    return out
