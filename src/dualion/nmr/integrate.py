"""Windowed integrals: centre band in ``[A, B]`` ppm plus its sidebands in ``[A + n·s, B + n·s]``.

``s = ν_r/ν₀·10⁶`` ppm (:func:`~dualion.nmr.lineshape.sideband_spacing_ppm`); every order ``n ≠ 0`` whose
window lies wholly inside the spectrum is added. Integrals are trapezoidal, ``∫ y dδ`` (intensity·ppm),
with no baseline subtracted. Normalised integral = total / (NS·RG·mass_mg) over the factors known;
ratio = normalised / normalised of the first data set.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from dualion.errors import DualionUserError, DualionWarning
from dualion.nmr.lineshape import sideband_spacing_ppm
from dualion.nmr.results import NMRIntegrals
from dualion.nmr.spectrum import Spectrum


def window_integral(ppm: np.ndarray, y: np.ndarray, lo: float, hi: float) -> float:
    """Trapezoidal ∫ y dδ over ``lo ≤ δ ≤ hi`` (ppm), end points interpolated (intensity·ppm)."""
    order = np.argsort(ppm)
    x, v = ppm[order], y[order]
    inside = (x > lo) & (x < hi)
    xs = np.concatenate([[lo], x[inside], [hi]])
    vs = np.concatenate([[np.interp(lo, x, v)], v[inside], [np.interp(hi, x, v)]])
    return float(np.trapezoid(vs, xs))


def integrate_one(spec: Spectrum, lo: float, hi: float) -> dict:
    """Centre, sideband and total integral of one spectrum, with its normalisation."""
    lo, hi = min(lo, hi), max(lo, hi)
    pmin, pmax = float(spec.ppm.min()), float(spec.ppm.max())
    if lo < pmin or hi > pmax:
        raise DualionUserError(f"window {lo:g}..{hi:g} ppm is not inside the spectrum ({pmin:.4g}..{pmax:.4g} ppm)",
                               file=spec.source, field="--window")
    centre = window_integral(spec.ppm, spec.intensity, lo, hi)
    orders, sb = [], 0.0
    if spec.mas_Hz and spec.larmor_MHz:
        s = sideband_spacing_ppm(spec.mas_Hz, spec.larmor_MHz)
        if hi - lo >= s:
            raise DualionUserError(f"window width {hi - lo:g} ppm ≥ sideband spacing {s:.4g} ppm: windows would overlap",
                                   file=spec.source, field="--window")
        n_lo, n_hi = math.ceil((pmin - lo) / s), math.floor((pmax - hi) / s)
        for n in range(n_lo, n_hi + 1):
            if n:
                orders.append(n)
                sb += window_integral(spec.ppm, spec.intensity, lo + n * s, hi + n * s)
    div, used = spec.scale()
    total = centre + sb
    return {"source": spec.source, "nucleus": spec.nucleus, "mas_Hz": spec.mas_Hz, "centre": centre, "sidebands": sb,
            "orders": orders, "total": total, "ns": spec.ns, "rg": spec.rg, "mass_mg": spec.mass_mg,
            "divisor": div, "divisor_factors": used, "normalised": total / div}


def integrate(spectra: list[Spectrum], window_ppm: tuple[float, float], labels: list[str] | None = None) -> NMRIntegrals:
    """Integrals of several spectra (module docstring) and their ratios to the first."""
    if not spectra:
        raise DualionUserError("give at least one data set", field="DATASETS")
    rows = [integrate_one(s, *window_ppm) for s in spectra]
    factors = {tuple(r["divisor_factors"]) for r in rows}
    if len(factors) > 1:
        warnings.warn(f"the data sets are normalised by different factors ({sorted(factors)}): ratios are not "
                      f"comparable", DualionWarning, stacklevel=2)
    ref = rows[0]["normalised"]
    for i, r in enumerate(rows):
        r["label"] = labels[i] if labels else f"#{i + 1}"
        r["ratio"] = r["normalised"] / ref if ref else None
    return NMRIntegrals(window_ppm=(min(window_ppm), max(window_ppm)), rows=rows)
