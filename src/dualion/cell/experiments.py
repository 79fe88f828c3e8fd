"""Experiments on the cell: discharge, rate capability (Fig. 2a), GITT (Fig. 3a), cycler files."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from dualion.cell.params import CellParameters, CellResult, Step
from dualion.cell.particle import SingleParticleCell
from dualion.cell.source import EquilibriumSource
from dualion.core import paper
from dualion.core.cycler import CyclerData
from dualion.core.records import DataRecord, register
from dualion.errors import DualionUserError

#: The paper's rate-test current densities, mA g-1 (:data:`dualion.core.paper.RATES_MA_G`).
PAPER_RATES_MA_G: tuple[float, ...] = paper.RATES_MA_G


def _check_rate(rate_mA_g: float, field: str = "rate_mA_g") -> float:
    if not (isinstance(rate_mA_g, (int, float)) and math.isfinite(rate_mA_g) and rate_mA_g > 0):
        raise DualionUserError(f"rate must be a positive number of mA g-1 (magnitude; the sign is set by "
                               f"discharge/charge), got {rate_mA_g!r}", field=field)
    return float(rate_mA_g)


def discharge(params: CellParameters | None = None, rate_mA_g: float = 20.0,
              equilibrium: EquilibriumSource | None = None, **kw: Any) -> CellResult:
    """One galvanostatic discharge at ``rate_mA_g`` (magnitude) from equilibrium at the upper cutoff to the lower."""
    rate = _check_rate(rate_mA_g)
    return SingleParticleCell(params, equilibrium).run([Step(-rate, label="discharge")], **kw)


def discharge_charge(params: CellParameters | None = None, rate_mA_g: float = 20.0,
                     equilibrium: EquilibriumSource | None = None, **kw: Any) -> CellResult:
    """Discharge to the lower cutoff, then charge to the upper cutoff, both at ``rate_mA_g`` (step 1, step 2)."""
    rate = _check_rate(rate_mA_g)
    return SingleParticleCell(params, equilibrium).run([Step(-rate, label="discharge"), Step(rate, label="charge")],
                                                       **kw)


@register("cell.rate_point")
@dataclass(frozen=True, eq=False)
class RatePoint(DataRecord):
    """Summary of one discharge–charge at one rate (capacities positive, mA h g-1; x per formula unit)."""

    rate_mA_g: float
    discharge_capacity_mAh_g: float
    charge_capacity_mAh_g: float
    x_Li_discharged: float
    x_Mg_discharged: float
    mean_discharge_voltage_V: float
    licl_M: float


def summarize(res: CellResult) -> RatePoint:
    """Capacities and end-of-discharge composition of a discharge(–charge) result."""
    d = res.step == 1
    c = res.step == 2
    qd = float(-res.charge_mAh_g[d][-1]) if d.any() else float("nan")
    qc = float(res.charge_mAh_g[c][-1] - res.charge_mAh_g[c][0]) if c.any() else float("nan")
    td = res.time_s[d]
    vmean = float(np.trapezoid(res.voltage_V[d], td) / (td[-1] - td[0])) if d.sum() > 1 else float("nan")
    return RatePoint(rate_mA_g=float(abs(res.current_mA_g[0])), discharge_capacity_mAh_g=qd,
                     charge_capacity_mAh_g=qc, x_Li_discharged=float(res.x_Li[d][-1] - res.x_Li[0]),
                     x_Mg_discharged=float(res.x_Mg[d][-1] - res.x_Mg[0]), mean_discharge_voltage_V=vmean,
                     licl_M=res.params.licl_M)


def rate_capability(params: CellParameters | None = None, rates_mA_g: Sequence[float] = PAPER_RATES_MA_G,
                    equilibrium: EquilibriumSource | None = None,
                    progress: Callable[[float], None] | None = None) -> tuple[list[RatePoint], list[CellResult]]:
    """Discharge–charge at each rate (each from equilibrium at the upper cutoff); the paper's Fig. 2a rates."""
    rates = [_check_rate(r) for r in rates_mA_g]
    if not rates:
        raise DualionUserError("give at least one rate", field="rates_mA_g")
    cell = SingleParticleCell(params, equilibrium)
    points, results = [], []
    for r in rates:
        res = cell.run([Step(-r, label="discharge"), Step(r, label="charge")])
        points.append(summarize(res))
        results.append(res)
        if progress is not None:
            progress(r)
    return points, results


def gitt_protocol(pulse_mA_g: float = paper.GITT_PULSE_MA_G, pulse_s: float = paper.GITT_PULSE_S,
                  rest_s: float = paper.GITT_REST_S, n_pulses: int = 60) -> list[Step]:
    """The paper's GITT (Experimental section): −10 mA g-1 for 1 h, rest 10 h, repeated (until 0.05 V)."""
    _check_rate(pulse_mA_g, "pulse_mA_g")
    if not (pulse_s > 0 and rest_s > 0 and math.isfinite(pulse_s) and math.isfinite(rest_s)):
        raise DualionUserError("GITT pulse and rest durations must be positive finite seconds", field="pulse_s/rest_s")
    if not (isinstance(n_pulses, int) and n_pulses >= 1):
        raise DualionUserError(f"n_pulses must be a positive integer, got {n_pulses!r}", field="n_pulses")
    steps = []
    for _ in range(n_pulses):
        steps += [Step(-pulse_mA_g, pulse_s, label="pulse"), Step(0.0, rest_s, label="rest")]
    return steps


def simulate_gitt(params: CellParameters | None = None, equilibrium: EquilibriumSource | None = None,
                  pulse_mA_g: float = paper.GITT_PULSE_MA_G, pulse_s: float = paper.GITT_PULSE_S,
                  rest_s: float = paper.GITT_REST_S, max_pulses: int = 60, record_dt_s: float = 60.0) -> CellResult:
    """First-discharge GITT until the lower cutoff: pulses (step 2k−1) and rests (step 2k), as in the paper.

    The run stops after the pulse that reaches the lower cutoff and its rest (a real cycler relaxes the cell
    after the cutoff too), or after ``max_pulses`` pulses.
    """
    cell = SingleParticleCell(params, equilibrium)
    steps = gitt_protocol(pulse_mA_g, pulse_s, rest_s, max_pulses)
    res_parts: list[CellResult] = []
    y = None
    p = cell.p
    t_off, q_off, k_off = 0.0, 0.0, 0
    reasons: list[str] = []
    for k in range(0, len(steps), 2):
        part = cell.run(steps[k:k + 2], y0=y, record_dt_s=record_dt_s)
        if part.time_s.size == 0:
            break
        part.time_s = part.time_s + t_off
        part.charge_mAh_g = part.charge_mAh_g + q_off
        part.step = part.step + k_off
        res_parts.append(part)
        reasons += part.stop_reasons
        y = part.final_state
        t_off = float(part.time_s[-1])
        q_off = float(part.charge_mAh_g[-1])
        k_off = int(part.step[-1])
        if any("cutoff" in r for r in part.stop_reasons):
            break
    if not res_parts:
        raise DualionUserError("GITT did not start: the electrode is already at the lower cutoff", field="protocol")
    cat = {f: np.concatenate([getattr(r, f) for r in res_parts]) for f in
           ("time_s", "voltage_V", "current_mA", "current_mA_g", "step", "x_Li", "x_Mg", "xs_Li", "xs_Mg",
            "charge_mAh_g", "c_Li_electrode_M")}
    return CellResult(**cat, params=p, stop_reasons=reasons, final_state=y)


@register("cell.gitt_point")
@dataclass(frozen=True, eq=False)
class GittPoint(DataRecord):
    """One GITT pulse of a simulated record, as :func:`dualion.echem.gitt.analyse_gitt` reports it, plus the
    model's composition at the end of the rest: closed-circuit voltage at the pulse end and relaxed voltage
    at the rest end (V vs Mg2+/Mg), overpotential ``eta_V = V_pulse_end − V_relaxed`` (V; dualion's one
    convention, < 0 on discharge), capacity passed so far (mA h g-1, positive), x per formula unit."""

    pulse: int
    capacity_mAh_g: float
    V_pulse_end: float
    V_relaxed: float
    eta_V: float
    x_Li: float
    x_Mg: float


def gitt_analysis(res: CellResult) -> Any:
    """The echem GITT analysis (:class:`dualion.echem.gitt.GITTResult`) of a simulated record — the same
    code that analyses measured files (``dualion echem gitt``)."""
    from dualion.echem.gitt import GITTGeometry, analyse_gitt_data

    return analyse_gitt_data(cycler_data(res), GITTGeometry(mass_mg=res.params.mass_mg,
                                                            radius_um=res.params.radius_um))


def gitt_points(res: CellResult) -> list[GittPoint]:
    """Per-pulse summary of :func:`simulate_gitt` output: :func:`gitt_analysis` pulses (E_eq, η, capacity)
    with the particle-average composition at the end of each rest."""
    out = []
    for k, pu in enumerate(gitt_analysis(res).pulses, start=1):
        j = pu.relax_stop_row - 1
        out.append(GittPoint(k, float(pu.q_mAh_g), float(pu.E_pulse_end_V), float(pu.E_eq_V), float(pu.eta_V),
                             float(res.x_Li[j]), float(res.x_Mg[j])))
    return out


def cycler_data(res: CellResult, cycle: int = 1) -> CyclerData:
    """The simulated record as the interchange table :class:`dualion.core.CyclerData` (s, V vs Mg2+/Mg, mA for
    the active mass ``mass_mg``; I > 0 charge). The first row of a step has the time of the previous step's last
    row; it is shifted by 1 ms so that time increases strictly (as a cycler records the first point just after
    the current switches)."""
    t = np.asarray(res.time_s, dtype=float).copy()
    for k in range(1, t.size):
        if t[k] <= t[k - 1]:
            t[k] = t[k - 1] + 1e-3
    p = res.params
    return CyclerData(time_s=t, voltage_V=np.asarray(res.voltage_V, float), current_mA=np.asarray(res.current_mA, float),
                      step=np.asarray(res.step, np.int64), cycle=np.full(t.size, int(cycle), np.int64),
                      mass_mg=p.mass_mg, source="dualion.cell (simulated)",
                      meta={"reference": "Mg", "vendor": "dualion", "format": "simulated", "warnings": [],
                            "parameters": _header(p)})


def _header(p: CellParameters) -> dict[str, str]:
    return {"source": "dualion.cell (simulated)", "licl_M": f"{p.licl_M:g}", "radius_um": f"{p.radius_um:g}",
            "D_Li_cm2_s": f"{p.D_Li_cm2_s:g}", "D_Mg_cm2_s": f"{p.D_Mg_cm2_s:g}",
            "j0_Li_mA_cm2": f"{p.j0_Li_mA_cm2:g}", "j0_Mg_mA_cm2": f"{p.j0_Mg_mA_cm2:g}", "T_K": f"{p.T_K:g}",
            "electrolyte_transport": str(p.transport_on).lower(), "D_Li_electrolyte_cm2_s": f"{p.D_Li_electrolyte_cm2_s:g}"}


def write_cycler_csv(res: CellResult, path: str | Path, cycle: int = 1,
                     extra_meta: Mapping[str, Any] | None = None) -> Path:
    """Write the simulated record as the plain cycler CSV (the one writer,
    :func:`dualion.core.write_cycler_csv`; header: mass, reference, the model parameters)."""
    data = cycler_data(res, cycle)
    return data.write_csv(path, meta={**data.meta["parameters"], **{k: str(v) for k, v in (extra_meta or {}).items()}})


def with_params(params: CellParameters | None = None, **changes: Any) -> CellParameters:
    """A copy of ``params`` (default parameters if None) with ``changes`` applied (validated)."""
    return replace(params or CellParameters(), **changes)
