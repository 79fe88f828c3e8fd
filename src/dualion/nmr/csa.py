"""Spinning-sideband amplitudes tied to a chemical-shift anisotropy (optional; needs mrsimulator).

For a site with chemical-shift anisotropy ``ζ = δ_zz − δ_iso`` (ppm, Haeberlen, δ scale: the convention of
every shift in dualion) and asymmetry ``η`` ∈ [0, 1], spinning at
ν_r (Hz) at Larmor frequency ν₀ (MHz), mrsimulator's Bloch-decay simulation gives the stick spectrum of
the manifold; it is binned one sideband per bin (spectral width = count·ν_r), so bin ``n`` holds the
integrated intensity of order ``n``. mrsimulator parameterises the *shielding* tensor, so it is given
``ζ_σ = −ζ``. Fractions are normalised to sum to 1 over the simulated orders
(|n| ≤ max(16, 2·n_max)).
"""

from __future__ import annotations

from functools import lru_cache

from dualion.errors import DualionUserError


def _isotope_gamma_MHz_T(nucleus: str) -> float:
    from mrsimulator.spin_system.isotope import Isotope

    try:
        return abs(float(Isotope(symbol=nucleus).gyromagnetic_ratio))
    except Exception:  # noqa: BLE001
        raise DualionUserError(f"mrsimulator does not know the isotope {nucleus!r}", field="nucleus") from None


def sideband_fractions(zeta_ppm: float, eta: float, mas_Hz: float, larmor_MHz: float, nucleus: str | None,
                       n_max: int) -> dict[int, float]:
    """Fraction of the manifold intensity in each order ``n`` (dict n → fraction, Σ = 1)."""
    if not nucleus:
        raise DualionUserError("the CSA sideband model needs the nucleus (--nucleus)", field="nucleus")
    return dict(_fractions(round(float(zeta_ppm), 9), round(min(max(float(eta), 0.0), 1.0), 9), float(mas_Hz),
                           float(larmor_MHz), str(nucleus), int(n_max)))


@lru_cache(maxsize=4096)
def _fractions(zeta_ppm: float, eta: float, mas_Hz: float, larmor_MHz: float, nucleus: str, n_max: int):
    from dualion.extras import require

    require("nmr", "mrsimulator", what="the CSA sideband model (sidebands: csa)")
    from mrsimulator import Simulator, Site, SpinSystem
    from mrsimulator.method import SpectralDimension
    from mrsimulator.method.lib import BlochDecaySpectrum
    m = max(16, 2 * n_max)
    b0 = larmor_MHz / _isotope_gamma_MHz_T(nucleus)
    site = Site(isotope=nucleus, isotropic_chemical_shift=0.0, shielding_symmetric={"zeta": -zeta_ppm, "eta": eta})
    count = 2 * m
    method = BlochDecaySpectrum(channels=[nucleus], magnetic_flux_density=b0, rotor_frequency=mas_Hz,
                                spectral_dimensions=[SpectralDimension(count=count, spectral_width=count * mas_Hz,
                                                                       reference_offset=0.0)])
    sim = Simulator(spin_systems=[SpinSystem(sites=[site])], methods=[method])
    sim.config.number_of_sidebands = max(64, 2 * count)
    sim.run()
    y = sim.methods[0].simulation.y[0].components[0].real
    coords = sim.methods[0].simulation.x[0].coordinates.value  # ppm, ascending
    spacing = mas_Hz / larmor_MHz
    total = float(y.sum())
    return tuple((int(round(c / spacing)), float(v) / total) for c, v in zip(coords, y))
