"""Equilibrium discharge curves: :class:`EquilibriumCurve` (a record), capacities, −dQ/dV peaks and their widths
(used by :meth:`dualion.model.equilibrium.EquilibriumModel.curve`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dualion.core import charge
from dualion.core.records import Record, floats, num, register

__all__ = ["EquilibriumCurve", "Uptake", "capacity_mAh_g", "dqdv_peaks", "peak_fwhm_V"]


@dataclass(frozen=True, eq=False)
class Uptake(Mapping):
    """Equilibrium uptake; arrays have the broadcast shape of the Δμ inputs.

    ``x``: ions per formula unit ({ion: array}); ``x_site``: {site: {ion: ions per fu on that site
    type}}; ``occupancy``: {site: {state label: probability per site}}; ``electrons``: transferred
    e- per fu (Σ z_i x_i); ``eta_eV``: electron chemical-potential shift η (eV) that enforces the
    redox limit; ``dmu_per_charge``: the Δμ used, eV per transferred charge.
    """

    x: dict[str, np.ndarray]
    x_site: dict[str, dict[str, np.ndarray]]
    occupancy: dict[str, dict[str, np.ndarray]]
    electrons: np.ndarray
    eta_eV: np.ndarray
    dmu_per_charge: dict[str, np.ndarray]

    # Mapping protocol: ``uptake[ion]`` is ``uptake.x[ion]`` (ions per formula unit).
    def __getitem__(self, ion: str) -> np.ndarray:
        return self.x[ion]

    def __iter__(self):
        return iter(self.x)

    def __len__(self) -> int:
        return len(self.x)

    def to_dict(self) -> dict[str, Any]:
        return {"x": self.x, "x_site": self.x_site, "occupancy": self.occupancy, "electrons": self.electrons,
                "eta_eV": self.eta_eV, "dmu_per_charge": self.dmu_per_charge}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Uptake:
        def nested(m: Mapping[str, Any]) -> dict[str, dict[str, np.ndarray]]:
            return {k: {kk: floats(vv) for kk, vv in v.items()} for k, v in m.items()}
        return cls(x={k: floats(v) for k, v in d["x"].items()}, x_site=nested(d["x_site"]),
                   occupancy=nested(d["occupancy"]), electrons=floats(d["electrons"]), eta_eV=floats(d["eta_eV"]),
                   dmu_per_charge={k: floats(v) for k, v in d["dmu_per_charge"].items()})


def capacity_mAh_g(x: Mapping[str, Any], charges: Mapping[str, int], molar_mass_g_mol: float) -> np.ndarray:
    """Q = F Σ_i z_i x_i / (3.6 M): capacity in mA h g-1 for x ions per formula unit of mass M (g mol-1)."""
    total = sum(charges[i] * np.asarray(v, dtype=float) for i, v in x.items())
    return np.asarray(charge.capacity_mAh_g(total, molar_mass_g_mol))


def dqdv_peaks(V: np.ndarray, dqdv: np.ndarray, prominence_frac: float = 0.05) -> list[dict[str, float]]:
    """Peaks of a −dQ/dV curve (mA h g-1 V-1) on a voltage grid; position refined by a parabola
    through the three grid points around each maximum. Returns [{V, height, prominence}], highest first."""
    from scipy.signal import find_peaks

    V = np.asarray(V, float)
    y = np.asarray(dqdv, float)
    if y.size < 3 or not np.any(np.isfinite(y)) or np.nanmax(y) <= 0:
        return []
    y = np.nan_to_num(y, nan=0.0)
    ypad = np.concatenate([[0.0], y, [0.0]])  # allow peaks at the ends of the window
    idx, props = find_peaks(ypad, prominence=prominence_frac * float(np.max(y)))
    out = []
    for j, prom in zip(idx - 1, props["prominences"]):
        vj = float(V[j])
        if 0 < j < len(y) - 1:
            y0, y1, y2 = y[j - 1], y[j], y[j + 1]
            den = y0 - 2 * y1 + y2
            if den < 0:
                d = 0.5 * (y0 - y2) / den
                if abs(d) <= 1:
                    vj = float(V[j] + d * (V[j + 1] - V[j - 1]) / 2)
        out.append({"V": vj, "height": float(y[j]), "prominence": float(prom)})
    out.sort(key=lambda p: -p["height"])
    return out


@register("model.curve")
@dataclass(frozen=True, eq=False)
class EquilibriumCurve(Record):
    """An equilibrium discharge curve on a voltage grid (V vs Mg2+/Mg, descending or ascending).

    ``x``/``x_site``: ions per fu; ``Q_mAh_g``: capacity (mA h g-1); ``dqdv``: −dQ/dV (mA h g-1 V-1,
    positive on discharge); ``peaks``: :func:`dqdv_peaks`; ``li_activity``: the Li+ activity at each
    point (varies with a finite electrolyte); ``delta_e_ref_V``, ``T_K``: conditions; chemical
    potentials in ``uptake.dmu_per_charge`` are per charge.
    """

    V: np.ndarray
    li_activity: np.ndarray
    x: dict[str, np.ndarray]
    x_site: dict[str, dict[str, np.ndarray]]
    electrons: np.ndarray
    eta_eV: np.ndarray
    Q_mAh_g: np.ndarray
    dqdv: np.ndarray
    peaks: list[dict[str, float]]
    delta_e_ref_V: float
    T_K: float
    uptake: Any
    plateaus: list[dict[str, float]] = field(default_factory=list)

    def V_of_Q(self, Q_mAh_g: Any) -> np.ndarray:
        """Equilibrium voltage (V vs Mg2+/Mg) at capacity Q (mA h g-1), by interpolation (NaN outside)."""
        order = np.argsort(self.Q_mAh_g, kind="stable")
        q, v = self.Q_mAh_g[order], self.V[order]
        keep = np.concatenate([[True], np.diff(q) > 0])
        return np.interp(Q_mAh_g, q[keep], v[keep], left=np.nan, right=np.nan)

    def to_dict(self) -> dict[str, Any]:
        return {"V_vs_Mg": self.V, "li_activity": self.li_activity, "x": self.x, "x_site": self.x_site,
                "electrons_per_fu": self.electrons, "eta_eV": self.eta_eV, "Q_mAh_g": self.Q_mAh_g,
                "minus_dQdV_mAh_g_V": self.dqdv, "peaks": self.peaks, "delta_e_ref_V": self.delta_e_ref_V,
                "T_K": self.T_K, "uptake": self.uptake.to_dict(), "plateaus": self.plateaus}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EquilibriumCurve:
        u = Uptake.from_dict(d["uptake"])
        return cls(V=floats(d["V_vs_Mg"]), li_activity=floats(d["li_activity"]),
                   x={k: floats(v) for k, v in d["x"].items()},
                   x_site={k: {i: floats(a) for i, a in v.items()} for k, v in d["x_site"].items()},
                   electrons=floats(d["electrons_per_fu"]), eta_eV=floats(d["eta_eV"]), Q_mAh_g=floats(d["Q_mAh_g"]),
                   dqdv=floats(d["minus_dQdV_mAh_g_V"]),
                   peaks=[{k: num(v) for k, v in p.items()} for p in d.get("peaks", [])],
                   delta_e_ref_V=float(d["delta_e_ref_V"]), T_K=float(d["T_K"]), uptake=u,
                   plateaus=[{k: num(v) for k, v in p.items()} for p in d.get("plateaus", [])])

    def to_records(self) -> list[dict[str, float]]:
        """One row per voltage: V, a_Li, x per ion, x per site type and ion, e-, η, Q, −dQ/dV."""
        rows = []
        for j in range(self.V.size):
            r = {"V_vs_Mg": float(self.V[j]), "li_activity": float(self.li_activity[j])}
            for ion, v in self.x.items():
                r[f"x_{ion}"] = float(v[j])
            for site, d in self.x_site.items():
                for ion, v in d.items():
                    r[f"x_{ion}[{site}]"] = float(v[j])
            r.update({"electrons_per_fu": float(self.electrons[j]), "eta_eV": float(self.eta_eV[j]),
                      "Q_mAh_g": float(self.Q_mAh_g[j]), "minus_dQdV_mAh_g_V": float(self.dqdv[j])})
            rows.append(r)
        return rows


def peak_fwhm_V(V: np.ndarray, dqdv: np.ndarray, V_peak: float) -> float:
    """Full width at half maximum (V) of the −dQ/dV peak at ``V_peak``: the distance between the half-height
    crossings on either side (linear interpolation between grid points; NaN if a side never drops to half).
    A first-order plateau (a jump of Q between two grid points) gives about one grid step."""
    order = np.argsort(V)
    v, y = np.asarray(V, float)[order], np.nan_to_num(np.asarray(dqdv, float)[order])
    j = int(np.argmin(np.abs(v - V_peak)))
    half = 0.5 * y[j]
    if not half > 0:
        return float("nan")
    lo = j
    while lo > 0 and y[lo] > half:
        lo -= 1
    hi = j
    while hi < y.size - 1 and y[hi] > half:
        hi += 1
    if y[lo] > half or y[hi] > half:
        return float("nan")
    vl = v[lo] + (half - y[lo]) * (v[lo + 1] - v[lo]) / (y[lo + 1] - y[lo])
    vh = v[hi - 1] + (half - y[hi - 1]) * (v[hi] - v[hi - 1]) / (y[hi] - y[hi - 1])
    return float(vh - vl)
