"""Galvanostatic intermittent titration (GITT, Fig. 3a of the founding paper).

A GITT record is a train of constant-current pulses (e.g. 10 mA g⁻¹ for 1 h) each followed by a
relaxation at zero current (e.g. 10 h). Per pulse ``k`` this module reports (see
``docs/echem_analysis.md`` for the equations):

* ``E_eq_V`` – quasi-equilibrium potential: the last voltage of the relaxation after the pulse;
* ``E_pulse_end_V`` – the last voltage under current;
* ``eta_V = E_pulse_end_V − E_eq_V`` – the overpotential (signed: < 0 on discharge, > 0 on charge);
* ``ir_start_V`` / ``ir_end_V`` – the instantaneous voltage jumps at the start and end of the pulse
  (last point before → first point after the current switches), ``R_ohm`` = ``|ir_start| / |I|``,
  and ``ir_fit_V`` – the jump at ``t = 0`` extrapolated by the √t fit (intercept − E before the
  pulse), which does not include the diffusion transient of the first sampling interval;
* ``dE_s_V`` – the change of the quasi-equilibrium potential over the pulse: ``E_eq,k`` minus the
  last (relaxed) voltage before the pulse, i.e. ``E_eq,k−1`` (``E_eq,0`` = the rest voltage before the
  first pulse);
* ``dE_t_V`` – the change of the voltage during the pulse *without* the IR drop, from a straight-line
  fit of ``E`` vs ``√(t − t_start)`` (``dE_t = slope · √τ``) and its ``sqrt_t_r2``;
* ``D_WH_cm2_s`` – Weppner–Huggins chemical diffusion coefficient
  ``D = 4/(π τ) · (n_m V_m / S)² · (ΔE_s / ΔE_t)²``, where ``n_m V_m / S`` (cm) is the volume-to-surface
  ratio of the active material: ``(m/M) V_m / S`` from the mass, molar mass, molar volume and contact
  area, a film thickness ``L``, or ``r/3`` for spherical particles of radius ``r``;
* ``D_cm2_s`` – the reported D: for a planar electrode Weppner–Huggins (exact while τD/L² ≲ 0.3: the
  planar short-time solution); for spheres the fit of the exact spherical response
  (:mod:`dualion.echem.gitt_sphere`), because Weppner–Huggins is low on spheres by ≈ 6 % at τD/r² = 10⁻³
  and ≈ 50 % at 0.09 (``D_method`` says which); with two ions an *effective* D (``li_share``);
* ``state`` – state of discharge after the pulse: charge passed since the first pulse (mA h,
  mA h g⁻¹ with a mass, and electrons per formula unit ``x = 3.6 q M / F`` with a molar mass). The
  current of a row is taken to hold over the interval ending at that row (exact for step currents).

Flags (``D_valid`` and ``notes``) say where the assumptions fail: planar: √t fit R² below ``min_r2``
(default 0.98) or ``τ D / L² > max_tau_ratio`` (default 0.1, ``L = n_m V_m/S``); spheres: the exact
response fits with R² below ``min_r2`` or ``τD/r²`` outside :data:`SPHERE_T_RANGE`; always: ΔE_s and
ΔE_t of opposite sign or ΔE_t ≈ 0, a relaxation too short to reach equilibrium (least-squares slope of
the voltage over the last 10 % of the rest above ``max_drift_V_per_h``, default 1 mV/h), Li/Mg shares
that change sign.

Pulses are constant non-zero-current runs (|I| above ``rest_threshold`` of the median pulse current);
relaxations are runs at (near) zero current. Current sign follows the team convention: I > 0 charge,
I < 0 discharge.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from dualion.core.conventions import CURRENT_CONVENTION, ETA_CONVENTION
from dualion.core.records import Record, dataclass_from_dict, num, register
from dualion.errors import DualionUserError

#: Default thresholds (see module docstring).
DEFAULT_MIN_R2 = 0.98
DEFAULT_MAX_TAU_RATIO = 0.1
DEFAULT_MAX_DRIFT_V_PER_H = 0.001
#: |I| below this fraction of the typical pulse current counts as rest.
DEFAULT_REST_THRESHOLD = 0.02


@dataclass(frozen=True)
class GITTGeometry:
    """Inputs of the Weppner–Huggins equation.

    Give ``area_cm2`` (with ``mass_mg``, ``molar_mass_g_mol`` and ``molar_volume_cm3_mol``: a planar
    electrode, ``n_m V_m / S``), ``thickness_um`` (a dense planar film: ``n_m V_m / S = L``), or
    ``radius_um`` (spherical particles: ``n_m V_m / S = r / 3``; D then from the exact sphere response).
    """

    mass_mg: float | None = None
    molar_mass_g_mol: float | None = None
    molar_volume_cm3_mol: float | None = None
    area_cm2: float | None = None
    radius_um: float | None = None
    thickness_um: float | None = None

    @property
    def sphere(self) -> bool:
        """True for spherical particles (``radius_um``): D from the exact sphere response."""
        return self.radius_um is not None

    def volume_to_surface_cm(self) -> float | None:
        """``n_m V_m / S`` in cm, or ``None`` when the inputs are insufficient."""
        if self.radius_um is not None:
            return self.radius_um * 1e-4 / 3.0
        if self.thickness_um is not None:
            return self.thickness_um * 1e-4
        if None in (self.area_cm2, self.mass_mg, self.molar_mass_g_mol, self.molar_volume_cm3_mol):
            return None
        n_mol = self.mass_mg / 1000.0 / self.molar_mass_g_mol
        return n_mol * self.molar_volume_cm3_mol / self.area_cm2

    def diffusion_length_cm(self) -> float | None:
        """Length ``L`` for the ``τ ≪ L²/D`` check: the particle radius, or ``n_m V_m / S``."""
        if self.radius_um is not None:
            return self.radius_um * 1e-4
        return self.volume_to_surface_cm()

    def validate(self) -> None:
        for name in ("mass_mg", "molar_mass_g_mol", "molar_volume_cm3_mol", "area_cm2", "radius_um", "thickness_um"):
            val = getattr(self, name)
            if val is not None and not (math.isfinite(val) and val > 0):
                raise DualionUserError(f"{name} must be a positive number, got {val!r}", field=name)
        if sum(x is not None for x in (self.area_cm2, self.radius_um, self.thickness_um)) > 1:
            raise DualionUserError("give one of a contact area, a particle radius or a film thickness",
                                   field="area_cm2/radius_um/thickness_um")
        if self.area_cm2 is not None and None in (self.mass_mg, self.molar_mass_g_mol, self.molar_volume_cm3_mol):
            raise DualionUserError("the Weppner–Huggins D with a contact area needs the active mass, the "
                                   "molar mass and the molar volume", field="area_cm2")


@dataclass(frozen=True)
class GITTPulse:
    """One GITT pulse and the relaxation after it (units in the field names)."""

    index: int
    direction: str
    start_row: int
    stop_row: int
    relax_stop_row: int
    t_start_s: float
    tau_s: float
    relax_s: float
    current_mA: float
    E_before_V: float
    E_pulse_start_V: float
    E_pulse_end_V: float
    E_eq_V: float
    eta_V: float
    ir_start_V: float
    ir_end_V: float
    ir_fit_V: float
    R_ohm: float
    dE_s_V: float
    dE_t_V: float
    sqrt_t_r2: float
    q_mAh: float
    q_mAh_g: float | None
    x_per_fu: float | None
    D_cm2_s: float | None
    tau_D_over_L2: float | None
    relax_drift_V_per_h: float
    D_valid: bool
    notes: str = ""
    #: shorter than TRUNCATED_FRACTION of the record's median pulse: ended early (by a voltage limit),
    #: so its η and D do not describe a full pulse (kept in the tables, left out of the η panel).
    truncated: bool = False
    #: Weppner–Huggins D (cm² s⁻¹) whatever the geometry; ``D_cm2_s`` is the sphere fit for spheres
    D_WH_cm2_s: float | None = None
    D_method: str = ""
    #: share of the pulse's differential capacity carried by Li (given by the caller), and whether the
    #: Li/Mg shares change sign at this pulse (one ion displaces the other: D is then an effective D)
    li_share: float | None = None
    share_sign_change: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@register("echem.gitt")
@dataclass(frozen=True, eq=False)
class GITTResult(Record):
    """All pulses of one GITT record, with the inputs used (a record: ``gitt.json`` loads back)."""

    pulses: tuple[GITTPulse, ...]
    geometry: GITTGeometry
    source: str | None = None
    label: str | None = None
    thresholds: dict[str, float] = field(default_factory=dict)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([p.as_dict() for p in self.pulses])

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "label": self.label, "geometry": asdict(self.geometry),
                "thresholds": self.thresholds,
                "conventions": {"current": CURRENT_CONVENTION, "eta_V": ETA_CONVENTION,
                                "state": "charge passed since the first pulse; x = electrons per formula unit",
                                "D": "Weppner-Huggins, cm2/s"},
                "pulses": [p.as_dict() for p in self.pulses]}

    as_dict = to_dict

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GITTResult:
        return cls(pulses=tuple(dataclass_from_dict(GITTPulse, p) for p in d["pulses"]),
                   geometry=dataclass_from_dict(GITTGeometry, d.get("geometry") or {}), source=d.get("source"),
                   label=d.get("label"), thresholds={k: num(v) for k, v in (d.get("thresholds") or {}).items()})


# ----------------------------------------------------------------------------------------------
# physics: small pure functions
# ----------------------------------------------------------------------------------------------

def weppner_huggins_D(tau_s: float, volume_to_surface_cm: float, dE_s_V: float, dE_t_V: float) -> float:
    """Weppner–Huggins chemical diffusion coefficient (cm² s⁻¹).

    ``D = 4/(π τ) · (n_m V_m / S)² · (ΔE_s / ΔE_t)²`` with ``τ`` the pulse length (s),
    ``n_m V_m / S`` the active volume per contact area (cm), ``ΔE_s`` the steady-state and
    ``ΔE_t`` the transient (IR-free) voltage change of the pulse (V). Valid for ``τ ≪ L²/D``.
    """
    if dE_t_V == 0 or tau_s <= 0:
        return float("nan")
    return 4.0 / (math.pi * tau_s) * volume_to_surface_cm ** 2 * (dE_s_V / dE_t_V) ** 2


def electrons_per_formula_unit(q_mAh_g: float, molar_mass_g_mol: float) -> float:
    """Electrons per formula unit for a specific charge ``q`` (mA h g⁻¹): ``x = 3.6 q M / F``."""
    from dualion.core.charge import electrons_per_fu

    return electrons_per_fu(q_mAh_g, molar_mass_g_mol)


def sqrt_t_fit(t_rel_s: np.ndarray, v: np.ndarray) -> tuple[float, float, float]:
    """Least-squares line ``E = a + b √t``: returns ``(a, b, R²)`` (all nan for fewer than 3 points)."""
    x = np.sqrt(np.asarray(t_rel_s, dtype=float))
    y = np.asarray(v, dtype=float)
    if x.size < 3 or np.ptp(x) == 0:
        return float("nan"), float("nan"), float("nan")
    b, a = np.polyfit(x, y, 1)
    resid = y - (a + b * x)
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float((resid ** 2).sum()) / ss_tot if ss_tot > 0 else float("nan")
    return float(a), float(b), r2


# ----------------------------------------------------------------------------------------------
# detection and analysis
# ----------------------------------------------------------------------------------------------

def _drift_V_per_h(t: np.ndarray, v: np.ndarray) -> float:
    """|slope| (V h-1) of a least-squares line through the tail of a relaxation.

    A fit, not the end-point difference, so that a ±0.5 mV noise on two points does not read as a
    drift; with two points it is the end-point difference.
    """
    if t.size < 2:
        return 0.0
    tc = t - t.mean()
    den = float(np.dot(tc, tc))
    if den <= 0:
        return 0.0
    return float(abs(np.dot(tc, v - v.mean()) / den) * 3600.0)


def _runs(mask_code: np.ndarray) -> list[tuple[int, int, int]]:
    """Runs of equal codes: list of ``(code, start, stop)`` (stop exclusive)."""
    n = mask_code.size
    if n == 0:
        return []
    change = np.flatnonzero(np.diff(mask_code)) + 1
    starts = np.concatenate(([0], change))
    stops = np.concatenate((change, [n]))
    return [(int(mask_code[s]), int(s), int(e)) for s, e in zip(starts, stops)]


def detect_pulses(time_s: np.ndarray, current_mA: np.ndarray, rest_threshold: float = DEFAULT_REST_THRESHOLD,
                  cc_tol: float = 0.05, source: str | None = None) -> list[tuple[int, int, int, int]]:
    """Find GITT pulses: list of ``(sign, start, stop, relax_stop)`` row ranges.

    A pulse is a run of rows with ``|I| > rest_threshold · median(|I| of non-zero rows)``, one sign and
    a constant current (every ``|I|`` within ``cc_tol`` of the run's median: galvanostatic, not a CV
    hold); the relaxation is the run of rest rows that follows it (``relax_stop == stop`` when the
    record ends under current or the next pulse follows immediately). Runs under current that are
    not constant are returned with sign ``0`` (they break the chain of E_eq).
    """
    i = np.asarray(current_mA, dtype=float)
    nz = np.abs(i[i != 0])
    if nz.size == 0:
        raise DualionUserError("no current pulses found: the current is zero everywhere", file=source,
                               field="current_mA")
    thr = rest_threshold * float(np.median(nz))
    code = np.where(i > thr, 1, np.where(i < -thr, -1, 0)).astype(np.int8)
    runs = _runs(code)
    out = []
    for k, (c, s, e) in enumerate(runs):
        if c == 0:
            continue
        relax_stop = e
        if k + 1 < len(runs) and runs[k + 1][0] == 0:
            relax_stop = runs[k + 1][2]
        a = np.abs(i[s:e])
        med = float(np.median(a))
        constant = bool(np.all(np.abs(a - med) <= cc_tol * med))
        out.append((c if constant else 0, s, e, relax_stop))
    return out


def analyse_gitt(time_s: Sequence[float] | np.ndarray, voltage_V: Sequence[float] | np.ndarray,
                 current_mA: Sequence[float] | np.ndarray, geometry: GITTGeometry | None = None, *,
                 direction: str | None = None, min_points: int = 5, min_r2: float = DEFAULT_MIN_R2,
                 max_tau_ratio: float = DEFAULT_MAX_TAU_RATIO,
                 max_drift_V_per_h: float = DEFAULT_MAX_DRIFT_V_PER_H,
                 rest_threshold: float = DEFAULT_REST_THRESHOLD, fit_skip_frac: float = 0.0,
                 source: str | None = None, label: str | None = None,
                 li_share: Sequence[float] | None = None) -> GITTResult:
    """Analyse a GITT record given as arrays (s, V, mA).

    Parameters
    ----------
    geometry:
        Mass / molar mass / molar volume / area or radius (:class:`GITTGeometry`); without it
        only potentials, η, IR drops and capacities are reported.
    direction:
        ``"discharge"`` or ``"charge"`` to keep only those pulses (default: the sign of the first
        pulse, as a GITT titration goes one way).
    min_points:
        Pulses with fewer points under current, or relaxations with fewer rest points, are skipped.
    fit_skip_frac:
        Fraction of the pulse at its start left out of the √t fit (default 0: all points after the
        current switch; the IR jump is in the intercept, not the slope).
    li_share:
        For a two-ion host, the share of each pulse's differential capacity carried by Li (Mg: 1 − it),
        one value per reported pulse: D is then an effective D (docs/echem_analysis.md), and pulses where
        the shares change sign (one ion displaces the other) are flagged (``share_sign_change``, not valid).
    """
    t = np.asarray(time_s, dtype=float)
    v = np.asarray(voltage_V, dtype=float)
    i = np.asarray(current_mA, dtype=float)
    if not (t.shape == v.shape == i.shape) or t.ndim != 1:
        raise DualionUserError("time, voltage and current must be 1-D arrays of the same length",
                               file=source)
    for name, arr in (("time_s", t), ("voltage_V", v), ("current_mA", i)):
        if not np.isfinite(arr).all():
            raise DualionUserError(f"{name} contains NaN/inf (row {int(np.flatnonzero(~np.isfinite(arr))[0])})",
                                   file=source, field=name)
    if t.size and (np.diff(t) < 0).any():
        raise DualionUserError("time is not monotonic", file=source, field="time_s")
    geometry = geometry or GITTGeometry()
    geometry.validate()
    raw = detect_pulses(t, i, rest_threshold, source=source)
    if not raw:
        raise DualionUserError("no current pulses found", file=source, field="current_mA")
    first_sign = next((r[0] for r in raw if r[0] != 0), 0)
    if first_sign == 0:
        raise DualionUserError("no constant-current pulses found (the current under load is not constant: "
                               "CV steps are not GITT pulses)", file=source, field="current_mA")
    if direction is None:
        direction = "discharge" if first_sign < 0 else "charge"
    if direction not in ("discharge", "charge"):
        raise DualionUserError(f"direction must be 'discharge' or 'charge', got {direction!r}", field="direction")
    want = -1 if direction == "discharge" else 1
    has_relax = [r for r in raw if r[0] == want and r[3] - r[2] >= min_points]
    if not has_relax:
        raise DualionUserError(f"no {direction} pulse followed by a relaxation (zero-current rest) of at least "
                               f"{min_points} points: this is not a GITT record", file=source, field="current_mA")

    g = None if geometry.mass_mg is None else geometry.mass_mg / 1000.0
    L_ws = geometry.volume_to_surface_cm()
    L_diff = geometry.diffusion_length_cm()
    # charge passed (mA h), counted positive in the titration direction. A row's current is taken
    # to hold over the interval that ends at that row (rows are recorded at the end of each interval),
    # which is exact for the step-shaped current of GITT: a pulse of τ passes exactly I·τ.
    dq = np.zeros_like(t)
    if t.size > 1:
        dq[1:] = np.cumsum(want * i[1:] * np.diff(t) / 3600.0)
    pulses: list[GITTPulse] = []
    q0: float | None = None
    for sign, s, e, rs in raw:
        if sign != want or e - s < min_points or rs - e < min_points:
            continue
        # E_eq before the pulse = the last (relaxed) row before it: the previous pulse's E_eq, or the
        # rest voltage before the first pulse (or after a non-GITT step)
        before = s - 1 if s > 0 else None
        E_before = float(v[before]) if before is not None else float("nan")
        E0 = E_before
        E_start = float(v[s])
        E_end = float(v[e - 1])
        E_relax0 = float(v[e])
        E_eq = float(v[rs - 1])
        I_mean = float(np.mean(i[s:e]))
        # the pulse is taken to start at the last rest point (the current switches right after it)
        t0 = float(t[before]) if before is not None else float(t[s])
        tau = float(t[e - 1] - t0)
        relax_s = float(t[rs - 1] - t[e - 1])
        ir_start = E_start - E_before if before is not None else float("nan")
        ir_end = E_relax0 - E_end
        R = abs(ir_start) / (abs(I_mean) / 1000.0) if math.isfinite(ir_start) and I_mean != 0 else float("nan")
        eta = E_end - E_eq
        dE_s = E_eq - E0
        trel = t[s:e] - t0
        keep = trel >= fit_skip_frac * tau
        icpt, slope, r2 = sqrt_t_fit(trel[keep], v[s:e][keep])
        ir_fit = icpt - E_before if before is not None else float("nan")
        dE_t = slope * math.sqrt(tau) if math.isfinite(slope) else float("nan")
        # drift over the last 10 % of the relaxation
        tail_t0 = t[rs - 1] - 0.1 * relax_s
        j = int(np.searchsorted(t[e:rs], tail_t0)) + e
        j = min(j, rs - 2) if rs - e >= 2 else e
        drift = _drift_V_per_h(t[j:rs], v[j:rs])
        if q0 is None:
            q0 = float(dq[before]) if before is not None else float(dq[s])
        q = float(dq[rs - 1] - q0)      # all charge passed from the first pulse to the end of this relaxation
        q_g = q / g if g else None
        x = (electrons_per_formula_unit(q_g, geometry.molar_mass_g_mol)
             if q_g is not None and geometry.molar_mass_g_mol else None)
        notes = []
        D = None
        ratio = None
        valid = True
        if not math.isfinite(E0):
            notes.append("no rest before the first pulse: ΔE_s unknown")
            valid = False
        if not geometry.sphere and not (math.isfinite(r2) and r2 >= min_r2):
            notes.append(f"E vs √t not linear (R² = {r2:.3f} < {min_r2})")
            valid = False
        if not math.isfinite(dE_t) or abs(dE_t) < 1e-9 or (math.isfinite(dE_s) and dE_s * dE_t <= 0):
            notes.append("ΔE_s and ΔE_t of opposite sign or ΔE_t ≈ 0")
            valid = False
        if drift > max_drift_V_per_h:
            notes.append(f"relaxation not at equilibrium (drift {drift * 1000:.1f} mV/h)")
            valid = False
        D_wh = method = None
        if L_ws is not None and math.isfinite(dE_t) and math.isfinite(dE_s) and dE_t != 0:
            D = D_wh = weppner_huggins_D(tau, L_ws, dE_s, dE_t)
            method = "Weppner-Huggins (planar)"
            if geometry.sphere:
                D, ratio, ok_fit, why, e0 = _sphere_D(trel[keep], v[s:e][keep], tau, dE_s,
                                                      geometry.radius_um * 1e-4, min_r2)
                if before is not None and math.isfinite(e0):
                    ir_fit = e0 - E_before  # the sphere fit's intercept (the √t line's is biased)
                method = "sphere fit"
                if not ok_fit:
                    notes.append(why)
                    valid = False
            elif L_diff and D and math.isfinite(D):
                ratio = tau * D / L_diff ** 2
                if ratio > max_tau_ratio:
                    notes.append(f"τ not ≪ L²/D (τD/L² = {ratio:.2g} > {max_tau_ratio})")
                    valid = False
        else:
            valid = False
            if L_ws is None:
                notes.append("no geometry: D not computed")
        pulses.append(GITTPulse(
            index=len(pulses), direction=direction, start_row=int(s), stop_row=int(e), relax_stop_row=int(rs),
            t_start_s=t0, tau_s=tau, relax_s=relax_s, current_mA=I_mean, E_before_V=E0,
            E_pulse_start_V=E_start, E_pulse_end_V=E_end, E_eq_V=E_eq, eta_V=eta, ir_start_V=ir_start,
            ir_end_V=ir_end, ir_fit_V=ir_fit, R_ohm=R, dE_s_V=dE_s, dE_t_V=dE_t, sqrt_t_r2=r2, q_mAh=q, q_mAh_g=q_g,
            x_per_fu=x, D_cm2_s=D, tau_D_over_L2=ratio, relax_drift_V_per_h=drift,
            D_valid=bool(valid and D is not None), notes="; ".join(notes), D_WH_cm2_s=D_wh,
            D_method=method or ""))
    pulses = _flag_truncated(pulses)
    if li_share is not None:
        pulses = _flag_shares(pulses, li_share, source)
    thresholds = {"min_r2": min_r2, "max_tau_ratio": max_tau_ratio, "max_drift_V_per_h": max_drift_V_per_h,
                  "rest_threshold": rest_threshold, "truncated_fraction": TRUNCATED_FRACTION}
    return GITTResult(tuple(pulses), geometry, source, label, thresholds)


#: Sphere fits with T = Dτ/r² outside this range are not valid (below: the transient is a few samples
#: deep in the surface; above: the pulse has nearly equilibrated the particle and the transient no longer
#: fixes D).
SPHERE_T_RANGE = (1e-5, 0.5)


def _sphere_D(t_rel, v, tau, dE_s, radius_cm, min_r2):
    """(D cm² s⁻¹, T = Dτ/r², ok, note, E_0 V) from the exact sphere response (:func:`gitt_sphere.fit_sphere`)."""
    from dualion.echem.gitt_sphere import fit_sphere

    T, e0, r2 = fit_sphere(t_rel, v, tau, dE_s)
    if not math.isfinite(T):
        return None, None, False, "sphere fit failed", float("nan")
    D = T * radius_cm ** 2 / tau
    if not (math.isfinite(r2) and r2 >= min_r2):
        return D, T, False, f"sphere response does not fit the transient (R² = {r2:.3f} < {min_r2})", e0
    if not SPHERE_T_RANGE[0] <= T <= SPHERE_T_RANGE[1]:
        return (D, T, False, f"τD/r² = {T:.2g} outside {SPHERE_T_RANGE[0]:g}–{SPHERE_T_RANGE[1]:g}: D not determined",
                e0)
    return D, T, True, "", e0


def _flag_shares(pulses: list[GITTPulse], li_share, source) -> list[GITTPulse]:
    """Attach the Li share to each pulse; flag where w_Li or w_Mg = 1 − w_Li changes sign from the previous
    pulse or is negative (one ion leaves while the other enters): the D there is an effective D that can
    fall below both ions' (:func:`gitt_sphere.effective_D_cm2_s`) and is not valid as either ion's."""
    from dataclasses import replace

    w = np.asarray(li_share, dtype=float)
    if w.shape != (len(pulses),):
        raise DualionUserError(f"li_share has {w.size} values for {len(pulses)} pulses", file=source,
                               field="li_share")
    out = []
    for k, p in enumerate(pulses):
        wl, wm = w[k], 1.0 - w[k]
        flip = wl < 0 or wm < 0 or (k > 0 and (np.sign(wl) != np.sign(w[k - 1]) or
                                                  np.sign(wm) != np.sign(1.0 - w[k - 1])))
        note = "Li/Mg shares change sign (one ion displaces the other): effective D only" if flip else ""
        out.append(replace(p, li_share=float(wl), share_sign_change=bool(flip),
                           D_valid=p.D_valid and not flip,
                           notes="; ".join(n for n in (p.notes, note) if n)))
    return out


#: A pulse shorter than this fraction of the record's median pulse duration counts as truncated.
TRUNCATED_FRACTION = 0.9


def _flag_truncated(pulses: list[GITTPulse]) -> list[GITTPulse]:
    """Mark pulses with τ < TRUNCATED_FRACTION · median τ (needs ≥ 3 pulses): typically the last one, cut
    by the cell's voltage limit. Their D is not valid and their notes say why."""
    from dataclasses import replace

    if len(pulses) < 3:
        return pulses
    med = float(np.median([p.tau_s for p in pulses]))
    out = []
    for p in pulses:
        if p.tau_s < TRUNCATED_FRACTION * med:
            note = f"truncated pulse (τ = {p.tau_s:.0f} s < {TRUNCATED_FRACTION:g} × median {med:.0f} s)"
            p = replace(p, truncated=True, D_valid=False, notes="; ".join(n for n in (p.notes, note) if n))
        out.append(p)
    return out


def analyse_gitt_data(data: Any, geometry: GITTGeometry | None = None, **kw: Any) -> GITTResult:
    """:func:`analyse_gitt` on a :class:`dualion.core.cycler.CyclerData` (mass from the table if
    ``geometry`` has none)."""
    geometry = geometry or GITTGeometry()
    if geometry.mass_mg is None and getattr(data, "mass_mg", None):
        geometry = GITTGeometry(mass_mg=data.mass_mg, molar_mass_g_mol=geometry.molar_mass_g_mol,
                                molar_volume_cm3_mol=geometry.molar_volume_cm3_mol,
                                area_cm2=geometry.area_cm2, radius_um=geometry.radius_um)
    src = getattr(data, "source", None)
    kw.setdefault("source", None if src is None else str(src))
    return analyse_gitt(data.time_s, data.voltage_V, data.current_mA, geometry, **kw)


def plot_gitt(results: Sequence[GITTResult], x: str = "auto", voltage_label: str = "Voltage (V)"):
    """Fig. 3a-style figure: top, E under current and E_eq vs state of discharge; bottom, |η|.

    ``x`` is ``"x"`` (electrons per formula unit), ``"mAh_g"``, ``"mAh"`` or ``"auto"`` (the most
    specific one that every result has). Several results (e.g. with / without Li) share the axes.
    """
    import matplotlib.pyplot as plt

    from dualion.plotting import PALETTE

    def has(key: str) -> bool:
        return all(p.__getattribute__(key) is not None for r in results for p in r.pulses)

    if x == "auto":
        x = "x" if has("x_per_fu") else ("mAh_g" if has("q_mAh_g") else "mAh")
    key = {"x": "x_per_fu", "mAh_g": "q_mAh_g", "mAh": "q_mAh"}[x]
    xlabel = {"x": "Electrons per formula unit, x",
              "mAh_g": "Specific capacity (mA h g$^{-1}$)", "mAh": "Capacity (mA h)"}[x]
    from matplotlib.lines import Line2D

    from dualion.plotting import panel_letters

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(3.5, 4.9), sharex=True, layout="constrained",
                                   gridspec_kw={"height_ratios": [1.4, 1.0]})
    handles = []
    n_trunc = 0
    for n, r in enumerate(results):
        col = PALETTE[n % len(PALETTE)]
        lab = r.label or (str(r.source) if r.source else f"record {n + 1}")
        xs = np.array([getattr(p, key) for p in r.pulses], dtype=float)
        eeq = np.array([p.E_eq_V for p in r.pulses])
        eend = np.array([p.E_pulse_end_V for p in r.pulses])
        eta = np.abs(np.array([p.eta_V for p in r.pulses]))
        full = np.array([not p.truncated for p in r.pulses], dtype=bool)
        ax1.plot(xs[full], eend[full], ls="none", marker="v", ms=3, color=col, mfc="none",
                 label=f"{lab}: end of pulse")
        ax1.plot(xs, eeq, ls="-", marker="o", ms=3, color=col, label=f"{lab}: E$_{{eq}}$")
        ax2.plot(xs[full], eta[full] * 1000.0, ls="-", marker="o", ms=3, color=col, label=lab)
        handles.append(Line2D([], [], color=col, marker="o", ms=3, label=lab))
        if (~full).any():
            n_trunc += int((~full).sum())
            ax1.plot(xs[~full], eend[~full], ls="none", marker="x", ms=4, color=col,
                     label=f"{lab}: truncated pulse (end)")
    ax1.set_ylabel(voltage_label)
    ax2.set_ylabel("|η| = |E$_{pulse\\,end}$ − E$_{eq}$| (mV)")
    ax2.set_xlabel(xlabel)
    handles += [Line2D([], [], color="0.3", ls="-", marker="o", ms=3, label="E$_{eq}$ (end of rest)"),
                Line2D([], [], color="0.3", ls="none", marker="v", ms=3, mfc="none", label="E at end of pulse")]
    if n_trunc:
        handles.append(Line2D([], [], color="0.3", ls="none", marker="x", ms=4,
                              label=f"truncated pulse ({n_trunc}; not in η)"))
    fig.legend(handles=handles, loc="outside upper center", ncol=2, fontsize=6.5)
    panel_letters((ax1, ax2), x=-0.24)
    return fig


# the synthetic record lives in its own module; re-exported here for existing callers
from dualion.echem.gitt_synthetic import SyntheticGITT, synthetic_gitt, write_plain_csv  # noqa: E402,F401
