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
from dualion.errors import DualionUserError


PAPER_RATES_MA_G: tuple[float, ...] = (20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)


def _check_rate(rate_mA_g: float) -> float:
    if not (isinstance(rate_mA_g, (int, float)) and math.isfinite(rate_mA_g) and rate_mA_g > 0):
        raise DualionUserError(f"rate must be a positive number of mA g-1 (magnitude; the sign is set by "
                               f"discharge/charge), got {rate_mA_g!r}", field="--rate-mA-g")
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


@dataclass(frozen=True)
class RatePoint:
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
        raise DualionUserError("give at least one rate", field="--rate-mA-g")
    cell = SingleParticleCell(params, equilibrium)
    points, results = [], []
    for r in rates:
        res = cell.run([Step(-r, label="discharge"), Step(r, label="charge")])
        points.append(summarize(res))
        results.append(res)
        if progress is not None:
            progress(r)
    return points, results


def gitt_protocol(pulse_mA_g: float = 10.0, pulse_s: float = 3600.0, rest_s: float = 36000.0,
                  n_pulses: int = 60) -> list[Step]:
    """The paper's GITT (Experimental section): −10 mA g-1 for 1 h, rest 10 h, repeated (until 0.05 V)."""
    _check_rate(pulse_mA_g)
    if not (pulse_s > 0 and rest_s > 0 and math.isfinite(pulse_s) and math.isfinite(rest_s)):
        raise DualionUserError("GITT pulse and rest durations must be positive finite seconds", field="--pulse-s")
    if not (isinstance(n_pulses, int) and n_pulses >= 1):
        raise DualionUserError(f"n_pulses must be a positive integer, got {n_pulses!r}", field="--max-pulses")
    steps = []
    for _ in range(n_pulses):
        steps += [Step(-pulse_mA_g, pulse_s, label="pulse"), Step(0.0, rest_s, label="rest")]
    return steps


def simulate_gitt(params: CellParameters | None = None, equilibrium: EquilibriumSource | None = None,
                  pulse_mA_g: float = 10.0, pulse_s: float = 3600.0, rest_s: float = 36000.0,
                  max_pulses: int = 60, record_dt_s: float = 60.0) -> CellResult:
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
            "charge_mAh_g")}
    return CellResult(**cat, params=p, stop_reasons=reasons, final_state=y)


@dataclass(frozen=True)
class GittPoint:
    """One GITT pulse: closed-circuit voltage at the pulse end, relaxed voltage at the rest end (V vs Mg),
    overpotential η = V_relaxed − V_pulse_end (V), capacity passed so far (mA h g-1, positive) and composition."""

    pulse: int
    capacity_mAh_g: float
    V_pulse_end: float
    V_relaxed: float
    overpotential_V: float
    x_Li: float
    x_Mg: float


def gitt_points(res: CellResult) -> list[GittPoint]:
    """Per-pulse summary of :func:`simulate_gitt` output (pulses have current < 0, rests current 0)."""
    out = []
    steps = np.unique(res.step)
    pulse_no = 0
    for s in steps:
        m = res.step == s
        if res.current_mA_g[m][0] >= 0:
            continue
        pulse_no += 1
        rest = res.step == s + 1
        if not rest.any() or res.current_mA_g[rest][0] != 0:
            continue
        Vp = float(res.voltage_V[m][-1])
        Vr = float(res.voltage_V[rest][-1])
        out.append(GittPoint(pulse_no, float(-res.charge_mAh_g[rest][-1]), Vp, Vr, Vr - Vp,
                             float(res.x_Li[rest][-1]), float(res.x_Mg[rest][-1])))
    return out


def cycler_csv_text(res: CellResult, cycle: int = 1, extra_meta: Mapping[str, Any] | None = None) -> str:
    """The team's plain cycler CSV: ``# key=value`` header lines, then time_s,voltage_V,current_mA,step,cycle.

    Current sign: > 0 charge, < 0 discharge (mA, for the active mass ``mass_mg``); voltage vs Mg2+/Mg.
    """
    p = res.params
    meta = {"mass_mg": f"{p.mass_mg:g}", "reference": "Mg", "source": "dualion.cell (simulated)",
            "licl_M": f"{p.licl_M:g}", "radius_um": f"{p.radius_um:g}", "D_Li_cm2_s": f"{p.D_Li_cm2_s:g}",
            "D_Mg_cm2_s": f"{p.D_Mg_cm2_s:g}", "j0_Li_mA_cm2": f"{p.j0_Li_mA_cm2:g}",
            "j0_Mg_mA_cm2": f"{p.j0_Mg_mA_cm2:g}", "T_K": f"{p.T_K:g}"}
    meta.update({k: str(v) for k, v in (extra_meta or {}).items()})
    lines = [f"# {k}={v}" for k, v in meta.items()]
    lines.append("time_s,voltage_V,current_mA,step,cycle")
    # the first row of a step has the time of the previous step's last row; shift it by 1 ms so that time is
    # strictly increasing (as a cycler records the first point just after the current switches)
    last = -math.inf
    for t, V, I, s in zip(res.time_s, res.voltage_V, res.current_mA, res.step):
        t = max(float(t), last + 1e-3)
        last = t
        lines.append(f"{t:.3f},{V:.6f},{I:.6g},{int(s)},{cycle}")
    return "\n".join(lines) + "\n"


def write_cycler_csv(res: CellResult, path: str | Path, cycle: int = 1,
                     extra_meta: Mapping[str, Any] | None = None) -> Path:
    """Write :func:`cycler_csv_text` atomically to ``path``."""
    from dualion.io.atomic import atomic_write_text

    return atomic_write_text(path, cycler_csv_text(res, cycle, extra_meta))


def with_params(params: CellParameters | None = None, **changes: Any) -> CellParameters:
    """A copy of ``params`` (default parameters if None) with ``changes`` applied (validated)."""
    return replace(params or CellParameters(), **changes)
