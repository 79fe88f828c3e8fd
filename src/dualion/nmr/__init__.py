"""Solid-state NMR deconvolution (``dualion nmr``; extra ``dualion[nmr]``: nmrglue, lmfit, csdmpy, mrsimulator).

* :mod:`~dualion.nmr.readers` — Bruker TopSpin (processed ``1r`` + ``procs``, raw ``fid`` + ``acqus``),
  JCAMP-DX, CSDM and two-column text, one adapter module each → :class:`~dualion.nmr.spectrum.Spectrum`.
* :mod:`~dualion.nmr.lineshape` — pseudo-Voigt lines and sideband positions (pure functions).
* :mod:`~dualion.nmr.model` — lines + spinning-sideband manifolds + baseline; YAML model files.
* :mod:`~dualion.nmr.fit` — lmfit least squares with propagated standard errors.
* :mod:`~dualion.nmr.assign` — environments from an editable table of reference shifts.
* :mod:`~dualion.nmr.integrate` — windowed integrals (centre band + sidebands) normalised by NS, RG, mass.
* :mod:`~dualion.nmr.results` — result objects (``nmr_fit``, ``nmr_series``, ``nmr_integrals``).
"""

from __future__ import annotations

from dualion.nmr.results import KINDS, NMRFitResult, NMRIntegrals, NMRSeriesResult

__all__ = ["KINDS", "NMRFitResult", "NMRIntegrals", "NMRSeriesResult"]
