"""One 1D NMR spectrum on a chemical-shift axis, with the acquisition parameters that matter here."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field, replace

import numpy as np

from dualion.errors import DualionUserError

#: Nucleus written as mass number + symbol, e.g. ``19F``, ``7Li``, ``17O``.
_NUC = re.compile(r"^\s*<?\s*(\d{1,3})\s*([A-Za-z]{1,2})\s*>?\s*$")


def normalise_nucleus(text: str | None) -> str | None:
    """``"<19F>"``, ``"F19"``, ``"19f"`` → ``"19F"``; ``None``/``off``/empty → ``None``."""
    if text is None:
        return None
    s = str(text).strip().strip("<>").strip()
    if not s or s.lower() in ("off", "none"):
        return None
    m = _NUC.match(s)
    if m:
        return f"{int(m.group(1))}{m.group(2).capitalize()}"
    m = re.match(r"^\s*([A-Za-z]{1,2})\s*(\d{1,3})\s*$", s)
    if m:
        return f"{int(m.group(2))}{m.group(1).capitalize()}"
    return s


@dataclass
class Spectrum:
    """A real 1D spectrum.

    Attributes
    ----------
    ppm:
        Chemical-shift axis (ppm), in the order of the file (Bruker: decreasing).
    intensity:
        Real (absorption) intensity, arbitrary units, same length as ``ppm``.
    nucleus, larmor_MHz, mas_Hz:
        Observed nucleus (``"19F"``), reference frequency ν₀ (MHz) used to convert Hz ↔ ppm, and the
        magic-angle spinning rate ν_r (Hz; ``None`` or 0 = static / unknown).
    ns, rg, mass_mg:
        Number of scans, receiver gain and sample mass (mg) used by :meth:`scale` to make intensities
        comparable between samples; ``None`` when unknown.
    source, fmt:
        Where it was read from and by which adapter.
    """

    ppm: np.ndarray
    intensity: np.ndarray
    nucleus: str | None = None
    larmor_MHz: float | None = None
    mas_Hz: float | None = None
    ns: float | None = None
    rg: float | None = None
    mass_mg: float | None = None
    source: str = ""
    fmt: str = ""
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ppm = np.asarray(self.ppm, dtype=float)
        self.intensity = np.asarray(self.intensity, dtype=float)
        self.nucleus = normalise_nucleus(self.nucleus)
        check_arrays(self.ppm, self.intensity, self.source)

    def with_overrides(self, nucleus: str | None = None, larmor_MHz: float | None = None,
                       mas_Hz: float | None = None, mass_mg: float | None = None) -> Spectrum:
        """A copy with the given fields replaced (``None`` keeps the value read from the file)."""
        kw = {k: v for k, v in dict(nucleus=nucleus, larmor_MHz=larmor_MHz, mas_Hz=mas_Hz, mass_mg=mass_mg).items()
              if v is not None}
        return replace(self, **kw)

    def window(self, lo_ppm: float, hi_ppm: float) -> Spectrum:
        """The points with ``lo ≤ δ ≤ hi`` (ppm); fewer than 8 points is a user error."""
        lo, hi = min(lo_ppm, hi_ppm), max(lo_ppm, hi_ppm)
        keep = (self.ppm >= lo) & (self.ppm <= hi)
        if keep.sum() < 8:
            raise DualionUserError(f"the window {lo:g}..{hi:g} ppm holds {int(keep.sum())} points of the spectrum "
                                   f"({self.ppm.min():.4g}..{self.ppm.max():.4g} ppm)", file=self.source, field="window")
        return replace(self, ppm=self.ppm[keep], intensity=self.intensity[keep])

    @property
    def step_ppm(self) -> float:
        """Mean absolute point spacing (ppm)."""
        return float(abs(self.ppm[-1] - self.ppm[0]) / (len(self.ppm) - 1))

    def scale(self) -> tuple[float, list[str]]:
        """Divisor ``NS · RG · mass_mg`` (missing factors count as 1) and the names of the factors used."""
        used, div = [], 1.0
        for name, v in (("NS", self.ns), ("RG", self.rg), ("mass_mg", self.mass_mg)):
            if v is not None:
                div *= float(v)
                used.append(name)
        return div, used


def check_arrays(ppm: np.ndarray, intensity: np.ndarray, source: str | os.PathLike = "") -> None:
    """Shapes, finiteness and a monotonic axis; any failure is a one-line :class:`DualionUserError`."""
    src = os.fspath(source) if source else None
    if ppm.ndim != 1 or intensity.ndim != 1:
        raise DualionUserError(f"expected a 1D spectrum, got shape {intensity.shape}", file=src, field="data")
    if ppm.shape != intensity.shape:
        raise DualionUserError(f"axis has {ppm.size} points but the data has {intensity.size}", file=src, field="data")
    if ppm.size < 8:
        raise DualionUserError(f"only {ppm.size} points (need at least 8)", file=src, field="data")
    if not np.all(np.isfinite(ppm)):
        raise DualionUserError("the chemical-shift axis holds NaN or infinite values", file=src, field="ppm")
    bad = ~np.isfinite(intensity)
    if bad.any():
        raise DualionUserError(f"{int(bad.sum())} NaN or infinite intensities (first at point {int(np.argmax(bad))})",
                               file=src, field="intensity")
    d = np.diff(ppm)
    if not (np.all(d > 0) or np.all(d < 0)):
        raise DualionUserError("the chemical-shift axis is not strictly monotonic", file=src, field="ppm")


def positive(value: float | None, name: str, source: str | None = None) -> float | None:
    """``value`` if it is a finite number > 0 (or ``None``); else a user error naming ``name``."""
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DualionUserError(f"expected a number, got {value!r}", file=source, field=name) from None
    if not (math.isfinite(v) and v > 0):
        raise DualionUserError(f"expected a positive finite number, got {value!r}", file=source, field=name)
    return v
