r"""Diffusion responses behind GITT, and D from the exact response of a sphere (docs/echem_analysis.md).

Dimensionless surface response to a constant flux F switched on at t = 0 (surface concentration change
in units of F a / D, with T = D t / a²):

* sphere of radius a (Carslaw & Jaeger §9.3; Crank eq. 6.50):
  φ_s(T) = 3T + 1/5 − 2 Σ_n exp(−α_n² T) / α_n², with tan α_n = α_n;
  for short times (from the Laplace transform c̄_s = F a / (D s (q a − 1)), q = √(s/D), neglecting
  terms of order exp(−2 q a)):  φ_s(T) ≈ e^T erfc(−√T) − 1 = 2√(T/π) + T + (4/3)√(T³/π) + …
* planar film of thickness L, flux at x = 0, no flux at x = L (T = D t / L²):
  φ_p(T) = T + 1/3 − (2/π²) Σ_n exp(−n²π²T)/n²;  short times φ_p ≈ 2√(T/π) (images ~ ierfc(1/√T)).

Weppner–Huggins (WH) assumes φ = 2√(T/π): exact for the planar film while T ≲ 0.3, but for a sphere the
``+T`` term steepens E(√t), and D_WH is low by ≈ 6 % at T = 10⁻³ and ≈ 45 % at T = 0.09.
:func:`fit_sphere` fits the exact φ_s to the pulse transient instead, with the steady-state change
ΔE_s = k · 3T_τ (charge balance: the mean concentration rises by 3 F τ / a), so that
E(t) = E_0 + (ΔE_s / (3 T_τ)) φ_s(T_τ t / τ); the unknowns are T_τ = D τ / a² and E_0 (the IR-shifted
start), and D = T_τ a² / τ.
"""

from __future__ import annotations

import math

import numpy as np

#: below this T the short-time form of φ_s is used (its neglected terms are < 1e-12 there)
_T_SWITCH = 0.05
_N_ROOTS = 400


def _sphere_roots(n: int = _N_ROOTS) -> np.ndarray:
    """The first ``n`` positive roots of tan α = α (Newton from (k + ½)π − 1/((k + ½)π))."""
    k = np.arange(1, n + 1)
    a = (k + 0.5) * np.pi
    a = a - 1.0 / a
    for _ in range(30):
        f = np.tan(a) - a
        a = a - f / (np.tan(a) ** 2)  # d/dα (tan α − α) = tan² α
    return a


_ROOTS = _sphere_roots()


def sphere_response(T) -> np.ndarray:
    """φ_s(T): surface concentration change of a sphere under constant flux, in units of F a / D."""
    from scipy.special import erfc

    T = np.asarray(T, dtype=float)
    out = np.empty_like(T)
    small = T <= _T_SWITCH
    ts = np.maximum(T[small], 0.0)
    out[small] = np.exp(ts) * erfc(-np.sqrt(ts)) - 1.0
    tl = T[~small]
    if tl.size:
        a2 = _ROOTS ** 2
        out[~small] = 3.0 * tl + 0.2 - 2.0 * (np.exp(-np.outer(tl, a2)) / a2).sum(axis=1)
    return out


def planar_response(T, n_terms: int = 200) -> np.ndarray:
    """φ_p(T): surface change of a planar film (flux at one face, the other sealed), in units of F L / D."""
    from scipy.special import erfc

    T = np.asarray(T, dtype=float)
    out = np.empty_like(T)
    small = T <= 0.5
    ts = np.maximum(T[small], 1e-300)
    # method of images: 2√T [1/√π + 2 Σ ierfc(n/√T)], ierfc(x) = e^{-x²}/√π − x erfc(x)
    s = np.zeros_like(ts)
    for n in range(1, 6):
        x = n / np.sqrt(ts)
        s += np.exp(-x * x) / math.sqrt(math.pi) - x * erfc(x)
    out[small] = 2.0 * np.sqrt(ts) * (1.0 / math.sqrt(math.pi) + 2.0 * s)
    tl = T[~small]
    if tl.size:
        n = np.arange(1, n_terms + 1)
        out[~small] = tl + 1.0 / 3.0 - (2.0 / np.pi ** 2) * (np.exp(-np.outer(tl, (n * np.pi) ** 2)) / n ** 2).sum(axis=1)
    return out


def wh_bias_sphere(T_tau: float, frac: np.ndarray | None = None) -> float:
    """D_WH / D for a sphere at T_τ = Dτ/a²: Weppner–Huggins applied to the exact response φ_s sampled at
    t/τ = ``frac`` (default 200 points spread evenly in t)."""
    f = np.linspace(0.005, 1.0, 200) if frac is None else np.asarray(frac, float)
    y = sphere_response(T_tau * f)
    slope = np.polyfit(np.sqrt(f), y, 1)[0]  # dφ/d√(t/τ); ΔE_t ∝ slope, ΔE_s ∝ 3 T_τ
    # D_WH = 4/(πτ)(a/3)²(ΔE_s/ΔE_t)² with ΔE_s = k·3T_τ and ΔE_t = k·slope; D = T_τ a²/τ
    return float(4.0 / (9.0 * math.pi) * (3.0 * T_tau / slope) ** 2 / T_tau)


def fit_sphere(t_rel_s: np.ndarray, v: np.ndarray, tau_s: float, dE_s_V: float,
               T_bounds: tuple[float, float] = (1e-6, 30.0)) -> tuple[float, float, float]:
    """Fit E(t) = E_0 + (ΔE_s/(3T_τ)) φ_s(T_τ t/τ) to a pulse transient: (T_τ, E_0 in V, R²).

    ``t_rel_s``: time since the current switched on (s); ``v``: voltages under current (V); ``dE_s_V``:
    the relaxed (steady-state) change of the pulse (V). NaNs when the fit cannot be made.
    """
    from scipy.optimize import minimize_scalar

    t = np.asarray(t_rel_s, float)
    y = np.asarray(v, float)
    if t.size < 4 or tau_s <= 0 or not math.isfinite(dE_s_V) or dE_s_V == 0:
        return float("nan"), float("nan"), float("nan")
    f = t / tau_s

    def sse(logT):
        T = 10.0 ** logT
        g = (dE_s_V / (3.0 * T)) * sphere_response(T * f)
        e0 = float(np.mean(y - g))
        r = y - e0 - g
        return float(r @ r), e0

    lo, hi = math.log10(T_bounds[0]), math.log10(T_bounds[1])
    grid = np.linspace(lo, hi, 57)
    vals = [sse(x)[0] for x in grid]
    k = int(np.argmin(vals))
    a, b = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    res = minimize_scalar(lambda x: sse(x)[0], bounds=(a, b), method="bounded", options={"xatol": 1e-5})
    logT = float(res.x)
    s, e0 = sse(logT)
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - s / ss_tot if ss_tot > 0 else float("nan")
    return 10.0 ** logT, e0, r2


def effective_D_cm2_s(D_li_cm2_s: float, D_mg_cm2_s: float, w_li: float) -> float:
    """Weppner–Huggins D of a two-ion host: (w_Li √D_Li + w_Mg √D_Mg)², w_Mg = 1 − w_Li.

    w_i is the share of the pulse's differential capacity carried by ion i (∂c_i/∂E over the sum): with the
    surface in local equilibrium both ions follow one potential, ion i carries a short-time flux
    ∝ w_i √D_i, so ΔE_t ∝ 1 / Σ w_i √D_i. When Mg displaces Li (w_Li < 0 on a discharge that inserts Mg)
    the two terms cancel and the effective D falls below both.
    """
    w_mg = 1.0 - w_li
    return (w_li * math.sqrt(D_li_cm2_s) + w_mg * math.sqrt(D_mg_cm2_s)) ** 2
