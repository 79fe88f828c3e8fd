"""Equilibrium curves for a list of LiCl concentrations, their tables and publication figures.

Used by ``dualion model curve`` and the demo. All voltages are V vs Mg2+/Mg; capacities mA h g-1 of
active material; uptakes ions per formula unit; −dQ/dV in mA h g-1 V-1 (positive on discharge).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dualion.core import paper
from dualion.core.records import Record, jsonable, record_dict, register
from dualion.errors import DualionUserError
from dualion.model.equilibrium import EquilibriumCurve, EquilibriumModel, FiniteElectrolyte
from dualion.reference import DELTA_E_REF_DEFAULT_V

#: The paper's ICP-AES uptakes at the end of discharge (ions per formula unit; :data:`dualion.core.paper.ICP_UPTAKE`).
PAPER_ICP: dict[float, dict[str, float]] = paper.ICP_UPTAKE

DEFAULT_LICL: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2, 1.0)


#: The one JSON policy (NaN → null, ±inf → "inf"/"-inf"): :func:`dualion.core.records.jsonable`.
json_safe = jsonable


@register("model.curves")
@dataclass(frozen=True, eq=False)
class CurveSet(Record):
    """Equilibrium curves of one model for several LiCl concentrations (mol L-1; 0 = Li-free)."""

    model: EquilibriumModel
    licl_M: tuple[float, ...]
    curves: dict[float, EquilibriumCurve]
    delta_e_ref_V: float
    electrolyte: dict[str, float] | None

    def endpoints(self) -> list[dict[str, Any]]:
        """End of discharge (lowest voltage) per LiCl: x per ion and site, Q, Li/Mg, main dQ/dV peak."""
        rows = []
        for c in self.licl_M:
            cv = self.curves[c]
            j = int(np.argmin(cv.V))
            r: dict[str, Any] = {"licl_M": c, "V_end": float(cv.V[j]), "li_activity_end": float(cv.li_activity[j])}
            for ion, v in cv.x.items():
                r[f"x_{ion}"] = float(v[j])
            for site, d in cv.x_site.items():
                for ion, v in d.items():
                    r[f"x_{ion}[{site}]"] = float(v[j])
            r["electrons_per_fu"] = float(cv.electrons[j])
            r["Q_mAh_g"] = float(cv.Q_mAh_g[j])
            mg = r.get("x_Mg", 0.0)
            r["Li_to_Mg"] = float(r.get("x_Li", 0.0) / mg) if mg > 0 else float("nan")
            r["main_peak_V"] = float(cv.peaks[0]["V"]) if cv.peaks else float("nan")
            icp = PAPER_ICP.get(c)
            r["paper_ICP_x_Li"] = icp["Li"] if icp else float("nan")
            r["paper_ICP_x_Mg"] = icp["Mg"] if icp else float("nan")
            rows.append(r)
        return rows

    def records(self) -> list[dict[str, Any]]:
        rows = []
        for c in self.licl_M:
            for r in self.curves[c].to_records():
                rows.append({"licl_M": c, **r})
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model.to_dict(), "licl_M": list(self.licl_M), "delta_e_ref_V": self.delta_e_ref_V,
                "electrolyte": self.electrolyte,
                "curves": [{"licl_M": c, "curve": self.curves[c].to_dict()} for c in self.licl_M]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CurveSet:
        return cls(model=EquilibriumModel.from_dict(d["model"]), licl_M=tuple(float(c) for c in d["licl_M"]),
                   curves={float(e["licl_M"]): EquilibriumCurve.from_dict(e["curve"]) for e in d["curves"]},
                   delta_e_ref_V=float(d["delta_e_ref_V"]), electrolyte=d.get("electrolyte"))

    def payload(self) -> dict[str, Any]:
        return {"model": self.model.describe(), "delta_e_ref_V": self.delta_e_ref_V, "electrolyte": self.electrolyte,
                "conventions": {"voltage": "V vs Mg2+/Mg", "capacity": "mA h g-1 of active material",
                                "uptake": "ions per formula unit", "dqdv": "-dQ/dV, mA h g-1 V-1",
                                "chemical_potentials": "eV per transferred charge relative to the metals",
                                "li_activity": "a = c / 1 M (ideal); 0 M = Li-free (Li states excluded)"},
                "endpoints": self.endpoints(),
                "peaks": {str(c): self.curves[c].peaks[:5] for c in self.licl_M}}


def compute_curves(model: EquilibriumModel, licl_M: Sequence[float] = DEFAULT_LICL,
                   V_min: float = paper.V_WINDOW_V[0], V_max: float = paper.V_WINDOW_V[1], n: int = 461,
                   delta_e_ref_V: float = DELTA_E_REF_DEFAULT_V, electrolyte_uL: float | None = None,
                   mass_mg: float | None = None, mg_M: float = 0.2, activity_exponent: float = 1.0) -> CurveSet:
    """Curves on a grid from ``V_max`` down to ``V_min`` for each LiCl concentration. With
    ``electrolyte_uL`` and ``mass_mg`` the Li reservoir is finite (depleted by insertion); Li+ activity
    a = (c/1 M)^ν with ν = ``activity_exponent``."""
    if not V_min < V_max:
        raise DualionUserError(f"need V_min < V_max, got {V_min} and {V_max}", field="V_min/V_max")
    if n < 3:
        raise DualionUserError("need at least 3 voltages", field="n")
    if any(not np.isfinite(c) or c < 0 for c in licl_M):
        raise DualionUserError(f"LiCl concentrations must be >= 0 (mol L-1), got {list(licl_M)}", field="licl_M")
    if (electrolyte_uL is None) != (mass_mg is None):
        raise DualionUserError("a finite electrolyte needs both the electrolyte volume and the active mass", field="mass_mg")
    V = np.linspace(V_max, V_min, n)
    curves = {}
    for c in licl_M:
        if electrolyte_uL is not None and c > 0:
            fe = FiniteElectrolyte(volume_uL=electrolyte_uL, licl_M=c, mass_mg=mass_mg, mg_M=mg_M)
            curves[c] = model.curve(V, delta_e_ref_V=delta_e_ref_V, finite_electrolyte=fe,
                                    activity_exponent=activity_exponent)
        else:
            curves[c] = model.curve(V, li_activity=c, delta_e_ref_V=delta_e_ref_V, activity_exponent=activity_exponent)
    el = None if electrolyte_uL is None else {"volume_uL": electrolyte_uL, "mass_mg": mass_mg, "mg_M": mg_M}
    return CurveSet(model, tuple(licl_M), curves, float(delta_e_ref_V), el)


def _colours(n: int) -> list:
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("viridis")
    return [cmap(0.05 + 0.85 * k / max(n - 1, 1)) for k in range(n)]


def plot_curves(cs: CurveSet, out: Path, stem: str = "equilibrium") -> list[Path]:
    """Three-panel figure: V(Q), x_Li and x_Mg vs V per site type, −dQ/dV vs V; one colour per LiCl."""
    import matplotlib.pyplot as plt

    from dualion.plotting import ION_COLOURS, figure_style, legend_outside, panel_letters, save_figure

    paths = []
    with figure_style():
        fig, axes = plt.subplots(1, 3, figsize=(7.0, 3.3), layout="constrained")
        cols = _colours(len(cs.licl_M))
        for col, c in zip(cols, cs.licl_M):
            cv = cs.curves[c]
            lab = "no Li" if c == 0 else f"{c:g} M LiCl"
            axes[0].plot(cv.Q_mAh_g, cv.V, color=col, label=lab)
            axes[2].plot(cv.V, cv.dqdv, color=col, label=lab)
            for pk in cv.peaks[:1]:
                axes[2].axvline(pk["V"], color=col, lw=0.5, ls=":")
        qmax = cs.model.max_capacity_mAh_g
        if np.isfinite(qmax):
            axes[0].axvline(qmax, color="0.5", lw=0.8, ls="--")
            axes[0].text(qmax, 2.2, " Ti$^{4+}$/Ti$^{3+}$", fontsize=7, color="0.4", ha="right", rotation=90, va="top")
        axes[0].set_xlabel("Capacity (mA h g$^{-1}$)")
        axes[0].set_ylabel("Voltage vs Mg$^{2+}$/Mg (V)")
        legend_outside(axes[0], "below", fontsize=6.5, ncol=2)
        # uptake per site type for the highest concentration with Li and for Li-free
        styles = ["-", "--", ":", "-."]
        show = [c for c in cs.licl_M if c > 0][-1:] or list(cs.licl_M[-1:])
        cv = cs.curves[show[0]]
        for k, (site, d) in enumerate(_grouped_sites(cv.x_site).items()):
            for ion, v in d.items():
                if np.max(v) < 1e-4:
                    continue
                axes[1].plot(cv.V, v, color=ION_COLOURS.get(ion, "k"), ls=styles[k % len(styles)],
                             label=f"{ion} on {site}")
        axes[1].set_xlabel("Voltage vs Mg$^{2+}$/Mg (V)")
        axes[1].set_ylabel("Uptake (ions per f.u.)")
        axes[1].set_title(f"{show[0]:g} M LiCl", fontsize=8)
        axes[1].invert_xaxis()
        legend_outside(axes[1], "below", fontsize=6, ncol=2)
        axes[2].set_xlabel("Voltage vs Mg$^{2+}$/Mg (V)")
        axes[2].set_ylabel("$-$dQ/dV (mA h g$^{-1}$ V$^{-1}$)")
        axes[2].invert_xaxis()
        axes[2].set_title("dotted: main peak per LiCl", fontsize=8)
        panel_letters(axes)
        paths += save_figure(fig, out, stem)
    return paths


def _grouped_sites(x_site: Mapping[str, Mapping[str, np.ndarray]]) -> dict[str, dict[str, np.ndarray]]:
    """Sum anion-environment families (``vacancy[4F]``, ...) into one line per family."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for site, d in x_site.items():
        fam = site.split("[")[0]
        tgt = out.setdefault(fam, {})
        for ion, v in d.items():
            tgt[ion] = tgt.get(ion, 0.0) + np.asarray(v)
    return out


def plot_uptake_vs_licl(cs: CurveSet, out: Path, stem: str = "uptake_vs_licl") -> list[Path]:
    """End-of-discharge x_Li, x_Mg (per site family) vs LiCl, with the paper's ICP values."""
    import matplotlib.pyplot as plt

    from dualion.plotting import ION_COLOURS, figure_style, save_figure

    rows = cs.endpoints()
    pos = np.arange(len(rows))
    with figure_style():
        fig, ax = plt.subplots(figsize=(3.4, 2.6))
        width = 0.38
        for k, ion in enumerate(("Li", "Mg")):
            bottom = np.zeros(len(rows))
            fams = list(dict.fromkeys(st.name.split("[")[0] for st in cs.model.site_types))
            hatches = ["", "///", "..", "xx"]
            for h, fam in enumerate(fams):
                vals = np.array([sum(v for key, v in r.items() if key.startswith(f"x_{ion}[{fam}")) for r in rows])
                if np.max(vals) < 1e-4:
                    continue
                ax.bar(pos + (k - 0.5) * width, vals, width, bottom=bottom, color=ION_COLOURS.get(ion),
                       hatch=hatches[h % len(hatches)], edgecolor="white", lw=0.3, label=f"{ion} ({fam})")
                bottom += vals
        for j, r in enumerate(rows):
            for k, ion in enumerate(("Li", "Mg")):
                v = r.get(f"paper_ICP_x_{ion}", float("nan"))
                if np.isfinite(v):
                    ax.plot(pos[j] + (k - 0.5) * width, v, marker="D", mfc="white", mec="k", ms=4, ls="none",
                            label="paper ICP-AES" if (j, k) == (0, 1) else None)
        ax.set_xticks(pos, [f"{r['licl_M']:g}" for r in rows])
        ax.set_xlabel("LiCl (mol L$^{-1}$)")
        ax.set_ylabel("Uptake at end of discharge (per f.u.)")
        ax.legend(fontsize=6, ncol=2, loc="upper left")
        ax.set_ylim(0, max(0.6, ax.get_ylim()[1] * 1.25))
        fig.tight_layout()
        return save_figure(fig, out, stem)


def write_curve_outputs(cs: CurveSet, out: Path) -> list[Path]:
    """curves.csv/json, endpoints.csv/json, equilibrium.png/svg, uptake_vs_licl.png/svg."""
    from dualion.plotting import write_table

    out = Path(out)
    paths = []
    # curves.json is the CurveSet record (dualion.load reads it back) plus the table rows and summary
    paths += write_table(cs.records(), out, "curves",
                         json_payload={**record_dict(cs), **jsonable({**cs.payload(), "rows": cs.records()})})
    paths += write_table(cs.endpoints(), out, "endpoints", json_payload=json_safe(cs.payload()))
    paths += plot_curves(cs, out)
    paths += plot_uptake_vs_licl(cs, out)
    return paths
