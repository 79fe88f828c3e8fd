"""The paper's targets for the model and the cell (issue 13): each row met / not met with its numbers.

Used by ``benchmarks/model_targets.py`` (the full report, ``benchmarks/RESULTS_model_targets.md``) and by
``dualion demo`` (``examples/paper/model_vs_paper.py``, a quick variant with fewer rates and GITT pulses).
Everything uses the default paper parameter set (:mod:`dualion.model.paper_set`, :meth:`CellParameters.paper`);
the measured numbers come from :mod:`dualion.core.paper`.

A row with a numeric ``check`` (``"abs"``: ``|model − measured| <= tol``; ``"gt"``: ``model > measured``;
``"lt"``: ``model < measured``) carries the numbers it was decided on, so that ``met`` can be re-derived
(:meth:`TargetRow.consistent`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from dualion.core import paper

__all__ = ["RateStudy", "TargetReport", "TargetRow", "equilibrium_curves", "equilibrium_rows", "rate_rows",
           "rate_study", "reversibility_rows"]


@dataclass
class TargetRow:
    """One target: ``value`` (text with the model's numbers), ``met`` (None: informational)."""

    group: str
    target: str
    value: str
    met: bool | None
    note: str = ""
    model: float | None = None
    measured: float | None = None
    tol: float | None = None
    check: str | None = None               # "abs" | "gt" | "lt" | None

    def consistent(self) -> bool:
        """True when ``met`` agrees with ``model``/``measured``/``tol`` under ``check`` (always, without one)."""
        if self.check is None or self.met is None:
            return True
        if self.check == "abs":
            return self.met == bool(abs(self.model - self.measured) <= self.tol)
        if self.check == "gt":
            return self.met == bool(self.model > self.measured)
        if self.check == "lt":
            return self.met == bool(self.model < self.measured)
        raise ValueError(f"unknown check {self.check!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TargetReport:
    """Rows in the order they were added; ``echo`` prints each as it comes (for long runs)."""

    rows: list[TargetRow] = field(default_factory=list)
    echo: bool = False

    def row(self, group: str, target: str, value: str, met: bool | None, note: str = "", **numbers: Any) -> TargetRow:
        r = TargetRow(group, target, value, None if met is None else bool(met), note, **numbers)
        self.rows.append(r)
        if self.echo:
            flag = "n/a" if met is None else ("MET" if met else "NOT MET")
            print(f"[{flag:7s}] {group} | {target} | {value} | {note}", flush=True)
        return r

    def counts(self) -> tuple[int, int]:
        """(met, decided) over the rows with a verdict."""
        return sum(r.met is True for r in self.rows), sum(r.met is not None for r in self.rows)

    def markdown(self) -> list[str]:
        """The table (Markdown lines) and a last ``N of M met.`` line."""
        lines = ["| group | target | model | met | note |", "|---|---|---|---|---|"]
        for r in self.rows:
            lines.append(f"| {r.group} | {r.target} | {r.value} | "
                         f"{'n/a' if r.met is None else ('yes' if r.met else '**no**')} | {r.note} |")
        n_met, n_all = self.counts()
        return lines + ["", f"{n_met} of {n_all} met."]

    def to_dict(self) -> dict[str, Any]:
        n_met, n_all = self.counts()
        return {"kind": "targets_report", "met": n_met, "decided": n_all, "rows": [r.to_dict() for r in self.rows]}


# ------------------------------------------------------------------------------------------ equilibrium
def equilibrium_curves(licl: Sequence[float] = (0.0, 0.05, 0.1, 0.2, 1.0), n_V: int = 2251,
                       finite: bool = True) -> tuple[Any, dict[float, Any], Any]:
    """Paper-set equilibrium curves on ``n_V`` voltages 2.3 → 0.05 V (2251: a 1 mV grid): (stoichiometric TiO2
    at 1 M, {LiCl: defective-host curve}, defective model). Finite 400 µL electrolyte when ``finite``."""
    from dualion.model import paper_set as ps

    V = np.linspace(paper.V_WINDOW_V[1], paper.V_WINDOW_V[0], n_V)
    el = ps.electrolyte(1.0)
    st = ps.stoichiometric_model().curve(V, li_activity=1.0, delta_e_ref_V=el.delta_e_ref_V,
                                         activity_exponent=el.activity_exponent)
    m = ps.defective_model()
    out = {}
    for c in licl:
        e = ps.electrolyte(c)
        fe = ps.finite_electrolyte(c) if (finite and c > 0) else None
        out[c] = m.curve(V, li_activity=c, delta_e_ref_V=e.delta_e_ref_V, finite_electrolyte=fe,
                         activity_exponent=e.activity_exponent)
    return st, out, m


def main_peak_V(curve: Any, lo: float = 0.3, hi: float = 1.4) -> float:
    """Voltage of the highest dQ/dV peak between ``lo`` and ``hi`` V (NaN without one)."""
    w = [q for q in curve.peaks if lo <= q["V"] <= hi]
    return max(w, key=lambda q: q["height"])["V"] if w else float("nan")


def equilibrium_rows(rep: TargetReport, n_V: int = 2251,
                     licl: Sequence[float] = (0.0, 0.05, 0.1, 0.2, 1.0)) -> tuple[Any, dict[float, Any]]:
    """Targets 1–3 (plateau, capacities, dQ/dV peaks, end-of-discharge composition); returns the curves
    (TiO2 at 1 M, {LiCl: defective host}); ``licl`` must include 0, 0.05, 0.1, 0.2 and 1 M."""
    from dualion.model import paper_set as ps
    from dualion.model.curve import peak_fwhm_V

    st, cs, m = equilibrium_curves(licl=sorted(set(licl) | {0.0, 0.05, 0.1, 0.2, 1.0}), n_V=n_V)
    step_mV = 1e3 * (paper.V_WINDOW_V[1] - paper.V_WINDOW_V[0]) / (n_V - 1)
    p = max(st.plateaus, key=lambda q: q["width_mAh_g"]) if st.plateaus else None
    fw = peak_fwhm_V(st.V, st.dqdv, st.peaks[0]["V"])
    v0 = paper.MEASURED_PLATEAU_TIO2_1M_V
    if p:
        rep.row("1 plateau", f"TiO2 + 1 M LiCl: main dQ/dV FWHM <= 40 mV near {v0:.2f} V vs Mg",
                f"first-order plateau at {p['V']:.3f} V, {p['width_mAh_g']:.0f} mA h g-1 wide "
                f"(x {p['theta_low']:.3f} -> {p['theta_high']:.3f}); FWHM {1e3 * fw:.1f} mV on a {step_mV:.0f} mV grid; "
                f"metastable {p['metastable_V_low']:.3f}-{p['metastable_V_high']:.3f} V",
                fw <= 0.040 and abs(p["V"] - v0) <= 0.03,
                "quasi-chemical 4b Li-Li attraction J fitted to 0.93 V; the Li-rich phase is x = "
                f"{p['theta_high']:.2f}, not the Li0.5TiO2 of the real titanate (no ordered phase in the model)")
    else:
        rep.row("1 plateau", "TiO2 + 1 M LiCl plateau", f"no plateau; main peak {st.peaks[0]['V']:.3f} V, FWHM "
                f"{1e3 * fw:.0f} mV", False)
    c1 = cs[1.0]
    win = [q for q in c1.peaks if 0.3 <= q["V"] <= 1.4]
    fw1 = peak_fwhm_V(c1.V, c1.dqdv, win[0]["V"]) if win else float("nan")
    rep.row("1 plateau", "defective host 1 M: main dQ/dV FWHM >= 100 mV (solid solution)",
            f"main peak {win[0]['V']:.3f} V, FWHM {1e3 * fw1:.0f} mV; plateaus: {len(c1.plateaus)}", fw1 >= 0.100,
            "4b attraction suppressed in the defective host (paper_set.interaction_suppression = 0) + fitted disorder",
            model=1e3 * fw1, measured=100.0, tol=None, check="gt")
    mc = paper.MEASURED_CAPACITY_MAH_G
    q0 = float(cs[0.0].Q_mAh_g[-1])
    rep.row("2 capacity", f"Li-free ≈ {mc[0.0]:.0f} mA h g-1", f"{q0:.1f}", abs(q0 - mc[0.0]) <= 20,
            "0.22 Mg fill the vacancies: 2 x 0.22 e- = 166 mA h g-1; the paper's 150 is 10 % below its own 0.22 Mg ICP",
            model=q0, measured=mc[0.0], tol=20.0, check="abs")
    q01 = float(cs[0.1].Q_mAh_g[-1])
    rep.row("2 capacity", f"0.1 M > {mc[0.1]:.0f} mA h g-1", f"{q01:.1f}", q01 > mc[0.1], model=q01,
            measured=mc[0.1], check="gt")
    q1 = float(cs[1.0].Q_mAh_g[-1])
    rep.row("2 capacity", "1 M ≈ 294 (Ti4+/Ti3+ limit)", f"{q1:.1f} (limit {m.max_capacity_mAh_g:.1f}; measured "
            f"{mc[1.0]:.0f})", abs(q1 - m.max_capacity_mAh_g) <= 5, model=q1, measured=m.max_capacity_mAh_g, tol=5.0,
            check="abs")
    pk = paper.MEASURED_DQDV_PEAK_V
    p005, p1 = main_peak_V(cs[0.05]), main_peak_V(cs[1.0])
    rep.row("2 dQ/dV", f"peak {pk[0.05]:.2f} V at 0.05 M", f"{p005:.3f} V", abs(p005 - pk[0.05]) <= 0.03,
            model=p005, measured=pk[0.05], tol=0.03, check="abs")
    rep.row("2 dQ/dV", f"peak {pk[1.0]:.1f} V at 1 M", f"{p1:.3f} V", abs(p1 - pk[1.0]) <= 0.03,
            f"apparent Li+ activity a = (c/1 M)^{ps.value('activity_exponent'):.2f} (ideal Nernst shift 77 mV)",
            model=p1, measured=pk[1.0], tol=0.03, check="abs")
    x = {c: (float(cs[c].x["Li"][-1]), float(cs[c].x["Mg"][-1])) for c in cs}
    icp = paper.ICP_UPTAKE
    rep.row("3 end of discharge", f"Li-free {icp[0.0]['Mg']:.2f} Mg (ICP)", f"x_Mg {x[0.0][1]:.3f}",
            abs(x[0.0][1] - icp[0.0]["Mg"]) <= 0.02, model=x[0.0][1], measured=icp[0.0]["Mg"], tol=0.02, check="abs")
    rep.row("3 end of discharge", "0.2 M: less Mg than Li-free", f"x_Mg {x[0.2][1]:.3f} < {x[0.0][1]:.3f}",
            x[0.2][1] < x[0.0][1] - 0.005, f"ICP: {icp[0.2]['Mg']:.2f} Mg")
    rep.row("3 end of discharge", f"0.2 M: x_Li near {icp[0.2]['Li']:.2f} (within the 0.78 e- limit)",
            f"x_Li {x[0.2][0]:.3f}, x_Mg {x[0.2][1]:.3f}, e- {x[0.2][0] + 2 * x[0.2][1]:.3f}",
            abs(x[0.2][0] - icp[0.2]["Li"]) <= 0.05, "ICP 0.47 Li + 0.18 Mg = 0.83 e- exceeds 0.78: not all reachable",
            model=x[0.2][0], measured=icp[0.2]["Li"], tol=0.05, check="abs")
    rep.row("3 end of discharge", "1 M: >= 0.05 more Li than at 0.2 M", f"x_Li {x[1.0][0]:.3f} vs {x[0.2][0]:.3f}",
            x[1.0][0] - x[0.2][0] >= 0.05, "the Ti4+/Ti3+ limit (0.78 e-) is nearly reached at 0.2 M already")
    return st, cs


# ------------------------------------------------------------------------------------------------ rate
@dataclass
class RateStudy:
    """Discharge–charge at each rate and LiCl (paper cell set) plus the GITT with and without Li."""

    rates: tuple[float, ...]
    points: dict[tuple[float, float], Any]            # (LiCl M, rate) → RatePoint
    results: dict[tuple[float, float], Any]           # (LiCl M, rate) → CellResult
    rises_V: dict[tuple[float, float], float]         # largest voltage rise during the discharge
    c_min_M: dict[tuple[float, float], float]         # lowest c(Li+) at the electrode during the discharge
    gitt: dict[float, list[Any]]                       # LiCl M → GITT points
    gitt_results: dict[float, Any]
    seconds: float


def rate_study(rates: Sequence[float] = (20.0, 100.0, 1000.0), licl: Sequence[float] = (0.2, 1.0),
               gitt_pulses: int = 40, log: bool = False) -> RateStudy:
    """Run the paper-set cell at ``rates`` (mA g-1) for each LiCl, and the GITT (0 and 0.2 M, ``gitt_pulses``)."""
    from dualion import cell
    from dualion.cell import CellParameters
    from dualion.model import paper_set as ps

    t_all = time.perf_counter()
    eq = ps.defective_model()
    pts, res, rises, cmin = {}, {}, {}, {}
    for c in licl:
        t0 = time.perf_counter()
        p_list, r_list = cell.rate_capability(CellParameters.paper(licl_M=c), rates, equilibrium=eq)
        for r, pt, out in zip(rates, p_list, r_list):
            d = out.step == 1
            v = out.voltage_V[d]
            pts[c, r], res[c, r] = pt, out
            rises[c, r] = float(np.max(np.diff(v))) if v.size > 1 else 0.0
            cmin[c, r] = float(np.min(out.c_Li_electrode_M[d]))
            if log:
                print(f"    cell {c:g} M {r:g} mA g-1: discharge {pt.discharge_capacity_mAh_g:.1f}, charge "
                      f"{pt.charge_capacity_mAh_g:.1f} mA h g-1, x_Li {pt.x_Li_discharged:.3f}, x_Mg "
                      f"{pt.x_Mg_discharged:.3f}", flush=True)
        if log:
            print(f"    ({time.perf_counter() - t0:.1f} s)", flush=True)
    g, gr = {}, {}
    for c in (0.0, 0.2):
        out = cell.simulate_gitt(CellParameters.paper(licl_M=c), equilibrium=eq, max_pulses=gitt_pulses,
                                 record_dt_s=600.0)
        gr[c], g[c] = out, cell.gitt_points(out)
    return RateStudy(tuple(float(r) for r in rates), pts, res, rises, cmin, g, gr, time.perf_counter() - t_all)


def rate_rows(rep: TargetReport, s: RateStudy) -> None:
    """Targets 4 (rate and GITT) from a :func:`rate_study` that includes 20 and 1000 mA g-1 at 0.2 and 1 M."""
    from dualion.cell import CellParameters

    kin = ("kinetic constants fitted to Fig. 2a/2c (benchmarks/fit_rate.py, paper_set.CELL_PARAMETERS); Li+ "
           "transport across the 675 um separator on" if CellParameters.paper().transport_on else
           "kinetic constants of the paper set; no electrolyte transport")
    cap = {k: p.discharge_capacity_mAh_g for k, p in s.points.items()}
    lo, hi = min(s.rates), max(s.rates)
    a, b = cap[1.0, hi], cap[0.2, hi]
    rep.row("4 rate", f"1 M above 0.2 M at {hi:g} mA g-1", f"{a:.1f} vs {b:.1f} mA h g-1 (difference {a - b:.1f})",
            a > b, f"{kin}; c(Li+) at the electrode falls to {s.c_min_M[0.2, hi]:.3f} M at 0.2 M, "
            f"{s.c_min_M[1.0, hi]:.3f} M at 1 M", model=a, measured=b, check="gt")
    mr = paper.MEASURED_RATE_CAPACITY_MAH_G
    if (1.0, hi) in mr:
        rep.row("4 rate", f"1 M, {hi:g} mA g-1: up to {mr[1.0, hi]:.0f} mA h g-1 (discharge)", f"{a:.1f}",
                abs(a - mr[1.0, hi]) <= 20.0, model=a, measured=mr[1.0, hi], tol=20.0, check="abs")
    lo2, lo1 = cap[0.2, lo], cap[1.0, lo]
    rep.row("4 rate", f"below 100 mA g-1: {mr[0.2, 20.0]:.0f} (0.2 M) and {mr[1.0, 20.0]:.0f} (1 M) mA h g-1 "
            "(discharge)", f"{lo:g} mA g-1: {lo2:.1f} and {lo1:.1f}",
            abs(lo2 - mr[0.2, 20.0]) <= 20.0 and abs(lo1 - mr[1.0, 20.0]) <= 20.0, "within 20 mA h g-1")
    for c in (0.2, 1.0):
        fr = [s.points[c, r].x_Li_discharged / max(s.points[c, r].x_Li_discharged + s.points[c, r].x_Mg_discharged,
                                                   1e-12) for r in s.rates]
        rep.row("4 rate", f"Li fraction of inserted ions rises with rate ({c:g} M)",
                ", ".join(f"{r:g}: {f:.3f}" for r, f in zip(s.rates, fr)), all(np.diff(fr) > 0))
    worst = max(s.rises_V.values())
    rep.row("4 rate", f"no rising discharge voltage (largest rise between recorded points, all {len(s.rises_V)} "
            "discharges)", f"{1e3 * worst:.1f} mV", worst <= 5e-3,
            "a rise is the Li -> Mg displacement on the vacancy sites (docs/cell.md)" if worst > 5e-3 else "",
            model=worst, measured=5e-3, check="lt" if worst != 5e-3 else None)
    eta0 = np.array([abs(q.eta_V) for q in s.gitt[0.0]])
    eta2 = np.array([abs(q.eta_V) for q in s.gitt[0.2]])
    n = min(len(eta0), len(eta2))
    m2, m0 = (float(np.median(eta2[:n])), float(np.median(eta0[:n]))) if n else (float("nan"), float("nan"))
    rep.row("4 GITT", "overpotential lower with Li than without",
            f"median {1e3 * m2:.0f} mV (0.2 M) vs {1e3 * m0:.0f} mV (Li-free), first {n} pulses", bool(n and m2 < m0),
            model=m2, measured=m0, check="lt" if n else None)
    rising = bool(len(eta0) > 2 and np.polyfit(np.arange(len(eta0)), eta0, 1)[0] > 0)
    rep.row("4 GITT", "overpotential rises with x without Li",
            ", ".join(f"{1e3 * e:.0f}" for e in eta0[:: max(1, len(eta0) // 6)]) + " mV", rising)


def reversibility_rows(rep: TargetReport, s: RateStudy, tol_mAh_g: float = 20.0) -> None:
    """The model's charge (reversible) capacity vs the paper's reversible capacities of Fig. 2a, per rate."""
    for (c, r), meas in sorted(paper.MEASURED_RATE_CAPACITY_MAH_G.items()):
        if (c, r) not in s.points:
            continue
        pt = s.points[c, r]
        qc, qd = pt.charge_capacity_mAh_g, pt.discharge_capacity_mAh_g
        res = s.results.get((c, r))
        left, why = "", "the model's charge stops at the 2.3 V cutoff before the inserted ions are out"
        if res is not None and hasattr(res, "x_Li"):          # ions still inserted at the end of the charge
            li, mg = float(res.x_Li[-1] - res.x_Li[0]), float(res.x_Mg[-1] - res.x_Mg[0])
            left = f"; left after charge: x_Li {li:.3f}, x_Mg {mg:.3f}"
            why += (f": {li:.3f} e- as Li ({100 * li / max(pt.x_Li_discharged, 1e-12):.0f} % of the inserted Li), "
                    f"{2 * mg:.3f} e- as Mg ({100 * mg / max(pt.x_Mg_discharged, 1e-12):.0f} % of the inserted Mg)")
        ok = abs(qc - meas) <= tol_mAh_g
        rep.row("4 reversibility", f"{c:g} M, {r:g} mA g-1: reversible ≈ {meas:.0f} mA h g-1 (Fig. 2a)",
                f"charge {qc:.1f}, discharge {qd:.1f} (charge/discharge {100 * qc / qd:.0f} %){left}", ok,
                "" if ok else why,
                model=qc, measured=meas, tol=tol_mAh_g, check="abs")
