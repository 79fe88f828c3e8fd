"""Result objects of ``dualion.pdf``: a fit, a series of fits, a Vegard estimate.

Each has ``to_dict()`` / ``from_dict()`` and a ``"kind"`` (``pdf_fit``, ``pdf_series``, ``vegard``) that
:data:`dualion.core.records.KIND_MODULES` maps to this module, so that ``dualion.load(path)`` reads its
JSON back. Units: r in Å, G in Å⁻², lattice
parameters in Å, angles in degrees, U_iso in Å², volumes in Å³.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import math

import numpy as np

from dualion.core.records import Record
from dualion.pdf.model import PDFStructure, lattice_matrix


@dataclass(eq=False)
class PDFFitResult(Record):
    """One refinement: Rw, reduced χ², parameters ``{name: {value, sigma, free}}``, data and structure
    descriptions, engine, settings, and the curves r, Gobs, Gcalc (Gdiff = Gobs − Gcalc) over the fit range."""

    kind: ClassVar[str] = "pdf_fit"

    Rw: float
    chi2_red: float | None
    parameters: dict[str, dict[str, Any]]
    data: dict[str, Any]
    structure: dict[str, Any]
    engine: str
    settings: dict[str, Any]
    r: np.ndarray
    Gobs: np.ndarray
    Gcalc: np.ndarray
    warnings: list[str] = field(default_factory=list)

    @property
    def Gdiff(self) -> np.ndarray:
        return self.Gobs - self.Gcalc

    def value(self, name: str) -> float:
        return float(self.parameters[name]["value"])

    def sigma(self, name: str) -> float | None:
        return self.parameters[name]["sigma"]

    def lattice(self) -> tuple[float, ...]:
        """Refined (a, b, c, α, β, γ) (Å, °) including the lengths tied by symmetry."""
        return tuple(self.structure["refined"]["lattice"])

    def volume(self) -> tuple[float, float | None]:
        """Cell volume V (Å³) and its standard uncertainty from the free lattice parameters (their
        correlations neglected; None when no lattice parameter was refined)."""
        lat = np.array(self.lattice(), float)
        v0 = abs(np.linalg.det(lattice_matrix(*lat)))
        var, any_free = 0.0, False
        groups = self.structure.get("lattice_groups", {})  # "a" → [0, 1]: tied lengths move together
        for n, idx in groups.items():
            p = self.parameters.get(n)
            if not p or not p["free"] or p["sigma"] is None:
                continue
            any_free = True
            h = 1e-6 * max(abs(lat[idx[0]]), 1.0)
            lp = lat.copy()
            lp[idx] += h
            dv = (abs(np.linalg.det(lattice_matrix(*lp))) - v0) / h
            var += (dv * p["sigma"]) ** 2
        return float(v0), (float(np.sqrt(var)) if any_free else None)

    def refined_structure(self) -> PDFStructure:
        return PDFStructure.from_dict(self.structure["refined"])

    def to_dict(self, curves: bool = True) -> dict[str, Any]:
        d = {"kind": self.kind, "Rw": self.Rw, "chi2_red": self.chi2_red, "parameters": self.parameters,
             "data": self.data, "structure": self.structure, "engine": self.engine, "settings": self.settings,
             "warnings": list(self.warnings)}
        if curves:
            d["curves"] = {"r_A": self.r.tolist(), "Gobs": self.Gobs.tolist(), "Gcalc": self.Gcalc.tolist(),
                           "Gdiff": self.Gdiff.tolist()}
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PDFFitResult:
        c = d.get("curves", {})
        return cls(Rw=float(d["Rw"]), chi2_red=d.get("chi2_red"), parameters=d["parameters"], data=d["data"],
                   structure=d["structure"], engine=d["engine"], settings=d["settings"],
                   r=np.asarray(c.get("r_A", []), float), Gobs=np.asarray(c.get("Gobs", []), float),
                   Gcalc=np.asarray(c.get("Gcalc", []), float), warnings=list(d.get("warnings", [])))

    def table_row(self) -> dict[str, Any]:
        """Flat row: Rw and value / sigma of every free parameter."""
        row: dict[str, Any] = {"file": self.data.get("file", ""), "Rw": self.Rw}
        for n, p in self.parameters.items():
            if p["free"]:
                row[n] = p["value"]
                row[f"{n}_sigma"] = p["sigma"]
        return row


@dataclass(eq=False)
class PDFSeriesResult(Record):
    """Fits of several files with one model: per file Rw, a, c, V and ΔV/V0 = (V − V_first)/V_first."""

    kind: ClassVar[str] = "pdf_series"

    fits: list[PDFFitResult]
    workers: int = 1
    scheduler: str | None = None

    def rows(self) -> list[dict[str, Any]]:
        out = []
        v0 = self.fits[0].volume()[0] if self.fits else float("nan")
        for f in self.fits:
            lat = f.lattice()
            v, sv = f.volume()
            row = {"file": f.data.get("file", ""), "Rw": f.Rw, "a_A": lat[0], "a_sigma_A": _sig(f, "a"),
                   "c_A": lat[2], "c_sigma_A": _sig(f, "c"), "V_A3": v, "V_sigma_A3": sv,
                   "dV_over_V0": (v - v0) / v0}
            out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "rows": self.rows(), "workers": self.workers, "scheduler": self.scheduler,
                "fits": [f.to_dict() for f in self.fits]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PDFSeriesResult:
        return cls([PDFFitResult.from_dict(f) for f in d["fits"]], int(d.get("workers", 1)), d.get("scheduler"))


def _sig(fit: PDFFitResult, name: str) -> float | None:
    p = fit.parameters.get(name)
    if p is None and name == "c":  # cubic: c is a
        p = fit.parameters.get("a")
    return None if p is None else p["sigma"]


@dataclass(eq=False)
class VegardResult(Record):
    """x_Li from a and from c by Vegard's law, the range they span, and where the slopes came from."""

    kind: ClassVar[str] = "vegard"

    a_A: float
    c_A: float
    a0_A: float
    c0_A: float
    da_dx_A: float
    dc_dx_A: float
    x_from_a: float
    x_from_c: float
    x_from_a_sigma: float | None = None
    x_from_c_sigma: float | None = None
    slopes_source: str = "user"
    citation: str | None = None

    @property
    def x_range(self) -> tuple[float, float]:
        return (min(self.x_from_a, self.x_from_c), max(self.x_from_a, self.x_from_c))

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["x_range"] = list(self.x_range)
        d["kind"] = self.kind
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> VegardResult:
        keys = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in keys})


def format_esd(value: float, sigma: float | None) -> str:
    """``3.53175(4)``-style value with its standard uncertainty in the last digits."""
    if sigma is None or not math.isfinite(sigma) or sigma <= 0:
        return f"{value:.6g}"
    digits = max(0, -int(math.floor(math.log10(sigma))) + (1 if f"{sigma:.1e}"[0] == "1" else 0))
    return f"{value:.{digits}f}({int(math.floor(sigma * 10 ** digits + 0.5 + 1e-9)):d})"
