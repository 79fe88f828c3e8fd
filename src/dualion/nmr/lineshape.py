"""Line shapes and spinning-sideband positions (small pure functions; units in each docstring).

Conventions: chemical shifts δ in ppm (IUPAC δ scale, larger = higher frequency / deshielded);
widths are full widths at half maximum (FWHM) in ppm; spinning rate ν_r in Hz; Larmor frequency
ν₀ in MHz (the spectrometer reference frequency, ``SF`` in a Bruker ``procs`` file).
"""

from __future__ import annotations

import math

import numpy as np

#: ln 2, used by the Gaussian normalisation.
_LN2 = math.log(2.0)


def gaussian(x_ppm: np.ndarray, center_ppm: float, fwhm_ppm: float) -> np.ndarray:
    """Unit-area Gaussian (ppm⁻¹): ``sqrt(4 ln2/π)/w · exp(−4 ln2 (x−δ)²/w²)`` with FWHM ``w`` (ppm)."""
    w = float(fwhm_ppm)
    return math.sqrt(4.0 * _LN2 / math.pi) / w * np.exp(-4.0 * _LN2 * ((x_ppm - center_ppm) / w) ** 2)


def lorentzian(x_ppm: np.ndarray, center_ppm: float, fwhm_ppm: float) -> np.ndarray:
    """Unit-area Lorentzian (ppm⁻¹): ``(w/2π) / ((x−δ)² + (w/2)²)`` with FWHM ``w`` (ppm)."""
    hw = 0.5 * float(fwhm_ppm)
    return (hw / math.pi) / ((x_ppm - center_ppm) ** 2 + hw * hw)


def pseudo_voigt(x_ppm: np.ndarray, center_ppm: float, fwhm_ppm: float, lorentz_fraction: float,
                 area: float = 1.0) -> np.ndarray:
    """Pseudo-Voigt line of integral ``area`` (intensity × ppm): ``area·[η L + (1−η) G]``.

    ``η`` = ``lorentz_fraction`` ∈ [0, 1] (0 = Gaussian, 1 = Lorentzian); both parts share the FWHM.
    """
    eta = float(lorentz_fraction)
    return area * (eta * lorentzian(x_ppm, center_ppm, fwhm_ppm) + (1.0 - eta) * gaussian(x_ppm, center_ppm, fwhm_ppm))


def pseudo_voigt_peak_height(fwhm_ppm: float, lorentz_fraction: float, area: float = 1.0) -> float:
    """Maximum of :func:`pseudo_voigt` (intensity): ``area·[η·2/(π w) + (1−η)·sqrt(4 ln2/π)/w]``."""
    eta = float(lorentz_fraction)
    w = float(fwhm_ppm)
    return area * (eta * 2.0 / (math.pi * w) + (1.0 - eta) * math.sqrt(4.0 * _LN2 / math.pi) / w)


def sideband_spacing_ppm(mas_Hz: float, larmor_MHz: float) -> float:
    """Spacing of spinning sidebands in ppm: ``ν_r / ν₀ · 10⁶`` with ν_r in Hz and ν₀ in MHz·10⁶ Hz."""
    return float(mas_Hz) / (float(larmor_MHz) * 1e6) * 1e6


def sideband_positions(delta_ppm: float, orders, mas_Hz: float, larmor_MHz: float) -> np.ndarray:
    """Shifts (ppm) of the sidebands of order ``n`` of a line at ``delta_ppm``: ``δ + n·ν_r/ν₀·10⁶``."""
    return float(delta_ppm) + np.asarray(orders, dtype=float) * sideband_spacing_ppm(mas_Hz, larmor_MHz)


def orders_in_window(delta_ppm: float, lo_ppm: float, hi_ppm: float, mas_Hz: float | None,
                     larmor_MHz: float | None, max_order: int | None = None, margin_ppm: float = 0.0) -> list[int]:
    """Non-zero sideband orders ``n`` whose position ``δ + n·s`` lies in ``[lo − margin, hi + margin]`` (ppm).

    ``s`` = :func:`sideband_spacing_ppm`. No MAS rate (``None`` or 0) → no sidebands. ``max_order`` caps |n|.
    """
    if not mas_Hz or not larmor_MHz:
        return []
    s = sideband_spacing_ppm(mas_Hz, larmor_MHz)
    lo, hi = min(lo_ppm, hi_ppm) - margin_ppm, max(lo_ppm, hi_ppm) + margin_ppm
    n_lo = math.ceil((lo - delta_ppm) / s)
    n_hi = math.floor((hi - delta_ppm) / s)
    orders = [n for n in range(n_lo, n_hi + 1) if n != 0]
    if max_order is not None:
        orders = [n for n in orders if abs(n) <= max_order]
    return orders


def weighted_mean_shift(intensities, deltas_ppm) -> float:
    """Intensity-weighted mean shift ⟨δ_iso⟩ = Σ I_k δ_k / Σ I_k (ppm)."""
    intensity = np.asarray(intensities, dtype=float)
    return float(np.sum(intensity * np.asarray(deltas_ppm, dtype=float)) / np.sum(intensity))
