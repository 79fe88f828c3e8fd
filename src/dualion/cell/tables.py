r"""Fast Δμ(x) for the cell: tabulate an equilibrium model's inverse once, interpolate in logit coordinates.

The cell needs the equilibrium chemical potentials Δμ_i(x_Li, x_Mg) (eV per charge) at the particle surface at
every right-hand-side evaluation (thousands per discharge). A general equilibrium model inverts its uptake by a
Newton solve (milliseconds per call), so for models with a vectorised ``chemical_potentials(x, strict=False)``
(MODEL-EQ's :class:`~dualion.model.equilibrium.EquilibriumModel`) the inverse is tabulated once on a grid of

.. math:: a = x_\mathrm{Mg}/c_\mathrm{Mg},\qquad b = x_\mathrm{Li}/c_\mathrm{Li}(x_\mathrm{Mg}),\qquad
          c_\mathrm{Li}(x_\mathrm{Mg}) = \min\bigl(c^\mathrm{sites}_\mathrm{Li},
          (N_e - z_\mathrm{Mg}x_\mathrm{Mg})/z_\mathrm{Li}\bigr)

in logit coordinates p = ln(a/(1−a)), q = ln(b/(1−b)), where a Langmuir isotherm is exactly linear
(Δμ = ε + (k_BT/z) logit θ), and interpolated bilinearly (monotone, no overshoot at the sharp steps of 0 K DFT
energies). Outside the table the values continue linearly in p, q — the logarithmic behaviour at empty/full
sites. Tables are cached per model (by its ``describe()``).
The closed-form stand-in :class:`~dualion.cell.LangmuirPair` is evaluated exactly (no table).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np

_CACHE: dict[str, Any] = {}


def _interp1(grid0: float, h: float, n: int, vals: np.ndarray, p: float) -> float:
    """Linear interpolation on a uniform grid, linear extrapolation with the end slopes."""
    s = (p - grid0) / h
    k = min(max(int(math.floor(s)), 0), n - 2)
    t = s - k
    return float(vals[k] * (1.0 - t) + vals[k + 1] * t)


def _interp2(g0: float, h: float, n: int, vals: np.ndarray, p: float, q: float) -> float:
    """Bilinear interpolation on a uniform n×n grid; outside it, the value at the nearest edge point plus the
    edge slopes times the excess in p and in q separately (no bilinear cross term growing outside)."""
    s = (p - g0) / h
    r = (q - g0) / h
    sc = min(max(s, 0.0), n - 1.0)
    rc = min(max(r, 0.0), n - 1.0)
    i = min(int(sc), n - 2)
    j = min(int(rc), n - 2)
    t = sc - i
    u = rc - j
    v00, v10, v01, v11 = vals[i, j], vals[i + 1, j], vals[i, j + 1], vals[i + 1, j + 1]
    val = v00 * (1 - t) * (1 - u) + v10 * t * (1 - u) + v01 * (1 - t) * u + v11 * t * u
    if s != sc:
        val += ((v10 - v00) * (1 - u) + (v11 - v01) * u) * (s - sc)
    if r != rc:
        val += ((v01 - v00) * (1 - t) + (v11 - v10) * t) * (r - rc)
    return float(val)


def _fill_nan(arr: np.ndarray) -> np.ndarray:
    """Replace NaN (points where the model's inverse did not converge) by the nearest valid value."""
    if not np.isnan(arr).any():
        return arr
    from scipy.interpolate import NearestNDInterpolator

    idx = np.argwhere(~np.isnan(arr))
    f = NearestNDInterpolator(idx, arr[~np.isnan(arr)])
    bad = np.argwhere(np.isnan(arr))
    out = arr.copy()
    out[tuple(bad.T)] = f(bad)
    return out


def _capacities(model: Any) -> tuple[dict[str, float], float | None, dict[str, int]]:
    charges = dict(getattr(model, "charges", {"Li": 1, "Mg": 2}))
    caps = dict(model.ion_capacity_per_fu)
    return caps, getattr(model, "n_redox_per_fu", None), charges


def _key(model: Any, n: int, span: float) -> str | None:
    desc = getattr(model, "describe", None)
    if desc is None:
        return None
    try:
        return json.dumps(desc(), sort_keys=True, default=str) + f"|{n}|{span}"
    except Exception:  # noqa: BLE001
        return None


class SurfaceThermo:
    """Capacities and Δμ_i (eV per charge) of the particle surface in logit coordinates, fast enough for an ODE.

    Coordinates: p = logit θ_Mg, θ_Mg = x_Mg/c_Mg; q = logit θ_Li, θ_Li = x_Li/c_Li(x_Mg) with
    c_Mg = min(Mg sites, N_e/z_Mg) and c_Li(x_Mg) = min(Li sites, (N_e − z_Mg x_Mg)/z_Li) (N_e: electron limit,
    none for the stand-in). ``mu(q, p)`` → (Δμ_Li, Δμ_Mg). ``li_free``: the Mg-only model
    (``model.without_ions(["Li"])`` when available) is used and Δμ_Li is NaN.
    """

    def __init__(self, model: Any, li_free: bool = False, n: int = 61, span: float = 16.0) -> None:
        self.li_free = li_free
        if hasattr(model, "mu_of_logit") and hasattr(model, "n_sites"):     # LangmuirPair: exact closed form
            self.sites = {i: float(model.n_sites[i]) for i in ("Li", "Mg")}
            self.n_e: float | None = None
            self.z = {"Li": 1, "Mg": 2}

            def exact(q: float, p: float) -> tuple[float, float]:
                return (math.nan if li_free else model.mu_of_logit("Li", q)), model.mu_of_logit("Mg", p)
            self.mu = exact
        elif all(hasattr(model, a) for a in ("site_types", "ions", "chemical_potentials")):
            full = model
            if li_free and "Li" in model.ions and hasattr(model, "without_ions"):
                model = model.without_ions(["Li"])
            caps, n_e, z = _capacities(full)
            self.sites = {"Li": caps.get("Li", 0.0), "Mg": caps.get("Mg", 0.0)}
            self.n_e, self.z = n_e, {"Li": z.get("Li", 1), "Mg": z.get("Mg", 2)}
            self.mu = _table(model, self.cap_mg, n, span)
        else:
            raise ValueError("equilibrium source must be an EquilibriumModel-like object or a LangmuirPair")

    @property
    def cap_mg(self) -> float:
        c = self.sites["Mg"]
        return c if self.n_e is None else min(c, self.n_e / self.z["Mg"])

    def cap_li(self, x_mg: float | np.ndarray) -> float | np.ndarray:
        """Li capacity (per fu) still open at Mg content x_Mg."""
        if self.n_e is None:
            return self.sites["Li"] + 0.0 * np.asarray(x_mg) if np.ndim(x_mg) else self.sites["Li"]
        return np.minimum(self.sites["Li"], (self.n_e - self.z["Mg"] * np.asarray(x_mg)) / self.z["Li"]) \
            if np.ndim(x_mg) else min(self.sites["Li"], (self.n_e - self.z["Mg"] * x_mg) / self.z["Li"])

    def dcap_li(self, x_mg: float) -> float:
        """d c_Li / d x_Mg (0 where the Li sites, −z_Mg/z_Li where the electron limit binds)."""
        if self.n_e is None:
            return 0.0
        sites_bind = self.sites["Li"] <= (self.n_e - self.z["Mg"] * x_mg) / self.z["Li"]
        return 0.0 if sites_bind else -self.z["Mg"] / self.z["Li"]


def _table(model: Any, cap_mg: float, n: int, span: float) -> Callable[[float, float], tuple[float, float]]:
    key = _key(model, n, span)
    if key is not None and key in _CACHE:
        return _CACHE[key]
    caps, n_e, z = _capacities(model)
    ions = tuple(model.ions)
    g = np.linspace(-span, span, n)
    h = float(g[1] - g[0])
    sig = 1.0 / (1.0 + np.exp(-g))
    if set(ions) == {"Li", "Mg"}:
        A, B = np.meshgrid(sig, sig, indexing="ij")
        xm = cap_mg * A
        cap_li = caps["Li"] if n_e is None else np.minimum(caps["Li"], (n_e - z["Mg"] * xm) / z["Li"])
        xl = cap_li * B
        mu = model.chemical_potentials({"Li": xl, "Mg": xm}, strict=False)
        t_li, t_mg = _fill_nan(np.asarray(mu["Li"], float)), _fill_nan(np.asarray(mu["Mg"], float))

        def f2(q: float, p: float) -> tuple[float, float]:
            return _interp2(-span, h, n, t_li, p, q), _interp2(-span, h, n, t_mg, p, q)
        f2.table = ("2d", -span, h, n, t_li, t_mg)  # type: ignore[attr-defined]  # for the compiled kernel
        fun = f2
    elif len(ions) == 1:
        ion = ions[0]
        cap = caps[ion] if n_e is None else min(caps[ion], n_e / z[ion])
        mu = model.chemical_potentials({ion: cap * sig}, strict=False)
        tab = np.asarray(mu[ion], float)
        if np.isnan(tab).any():
            ok = ~np.isnan(tab)
            tab = np.interp(g, g[ok], tab[ok])

        def f1(q: float, p: float) -> tuple[float, float]:
            v = _interp1(-span, h, n, tab, p if ion == "Mg" else q)
            return (math.nan, v) if ion == "Mg" else (v, math.nan)
        f1.table = ("1d", -span, h, n, tab, ion)  # type: ignore[attr-defined]  # for the compiled kernel
        fun = f1
    else:
        raise ValueError(f"the cell needs a model with Li and/or Mg, got ions {ions}")
    if key is not None:
        _CACHE[key] = fun
    return fun
