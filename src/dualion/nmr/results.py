"""Result objects of :mod:`dualion.nmr` with ``to_dict`` / ``from_dict`` and a ``"kind"`` key.

* :class:`NMRFitResult` (``"nmr_fit"``): one deconvolution — per line δ, FWHM, Lorentzian fraction,
  intensity (centre band + sidebands) and intensity fraction with σ, assignment; ⟨δ_iso⟩ with σ;
  environment fractions; residual.
* :class:`NMRSeriesResult` (``"nmr_series"``): several fits side by side (pristine / EoD / EoC).
* :class:`NMRIntegrals` (``"nmr_integrals"``): windowed integrals (centre band + sidebands), normalised by
  NS, RG and mass, and their ratios.

σ are one standard error from the fit covariance (scaled by the reduced χ²); ``None`` when the
covariance could not be estimated (a degenerate model) — such lines have ``well_determined: false``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if not k.startswith("_")}


@dataclass
class LineResult:
    """One fitted line. Shifts and widths in ppm; intensities in spectrum units × ppm."""

    name: str
    delta_ppm: float
    delta_sigma: float | None
    fwhm_ppm: float
    fwhm_sigma: float | None
    lorentz_fraction: float
    lorentz_fraction_sigma: float | None
    intensity: float
    intensity_sigma: float | None
    intensity_fraction: float
    intensity_fraction_sigma: float | None
    centre_intensity: float
    sideband_mode: str
    sidebands: list[dict] = field(default_factory=list)
    assignment: str = "unassigned"
    well_determined: bool = True


@dataclass
class NMRFitResult:
    """A deconvolution of one spectrum (see the module docstring); ``curves`` are not serialised."""

    nucleus: str | None
    larmor_MHz: float | None
    mas_Hz: float | None
    lines: list[LineResult]
    mean_delta_iso_ppm: float
    mean_delta_iso_sigma: float | None
    environments: list[dict]
    residual: dict
    source: str = ""
    format: str = ""
    label: str = ""
    success: bool = True
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)
    model: dict = field(default_factory=dict)
    assignment_table: str = ""
    curves: dict | None = None
    kind: str = "nmr_fit"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``kind: nmr_fit``); the key names of ``dualion nmr fit --json``."""
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "curves"}
        d["lines"] = [asdict(ln) for ln in self.lines]
        return {"kind": self.kind, **{k: v for k, v in d.items() if k != "kind"}}

    @classmethod
    def from_dict(cls, d: dict) -> NMRFitResult:
        """Inverse of :meth:`to_dict`."""
        if d.get("kind", "nmr_fit") != "nmr_fit":
            raise ValueError(f"not an nmr_fit result (kind = {d.get('kind')!r})")
        kw = {f.name: d[f.name] for f in fields(cls) if f.name in d and f.name not in ("lines", "curves")}
        return cls(lines=[LineResult(**ln) for ln in d["lines"]], **kw)

    def environment_fraction(self, name: str) -> float:
        """Intensity fraction of environment ``name`` (0 when absent)."""
        return next((e["fraction"] for e in self.environments if e["environment"] == name), 0.0)


@dataclass
class NMRSeriesResult:
    """Fits of several samples with ⟨δ_iso⟩ and environment fractions side by side."""

    labels: list[str]
    fits: list[NMRFitResult]
    kind: str = "nmr_series"

    def table(self) -> list[dict]:
        """One row per sample: ⟨δ_iso⟩ ± σ and the fraction of each environment (columns ``frac:<env>``)."""
        envs = self.environment_names()
        rows = []
        for lab, f in zip(self.labels, self.fits):
            row = {"sample": lab, "source": f.source, "mas_Hz": f.mas_Hz, "mean_delta_iso_ppm": f.mean_delta_iso_ppm,
                   "mean_delta_iso_sigma": f.mean_delta_iso_sigma}
            for e in envs:
                rec = next((x for x in f.environments if x["environment"] == e), None)
                row[f"frac:{e}"] = rec["fraction"] if rec else 0.0
                row[f"sigma:{e}"] = rec["fraction_sigma"] if rec else None
            rows.append(row)
        return rows

    def environment_names(self) -> list[str]:
        """Environments present in any fit, in order of first appearance."""
        out: list[str] = []
        for f in self.fits:
            for e in f.environments:
                if e["environment"] not in out:
                    out.append(e["environment"])
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``kind: nmr_series``)."""
        return {"kind": self.kind, "labels": list(self.labels), "table": self.table(),
                "fits": [f.to_dict() for f in self.fits]}

    @classmethod
    def from_dict(cls, d: dict) -> NMRSeriesResult:
        """Inverse of :meth:`to_dict`."""
        if d.get("kind", "nmr_series") != "nmr_series":
            raise ValueError(f"not an nmr_series result (kind = {d.get('kind')!r})")
        return cls(labels=list(d["labels"]), fits=[NMRFitResult.from_dict(f) for f in d["fits"]])


@dataclass
class NMRIntegrals:
    """Windowed integrals of several spectra (centre-band window + its sideband images).

    ``rows``: per data set ``source``, ``centre``, ``sidebands``, ``total`` (spectrum units × ppm),
    ``divisor`` (NS·RG·mass over the factors known), ``normalised`` (= total / divisor) and ``ratio``
    (normalised / that of the first data set).
    """

    window_ppm: tuple[float, float]
    rows: list[dict]
    kind: str = "nmr_integrals"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``kind: nmr_integrals``)."""
        return {"kind": self.kind, "window_ppm": list(self.window_ppm), "rows": self.rows}

    @classmethod
    def from_dict(cls, d: dict) -> NMRIntegrals:
        """Inverse of :meth:`to_dict`."""
        if d.get("kind", "nmr_integrals") != "nmr_integrals":
            raise ValueError(f"not an nmr_integrals result (kind = {d.get('kind')!r})")
        return cls(window_ppm=tuple(d["window_ppm"]), rows=list(d["rows"]))


#: kind → class, for a shared ``dualion.load``.
KINDS = {"nmr_fit": NMRFitResult, "nmr_series": NMRSeriesResult, "nmr_integrals": NMRIntegrals}
