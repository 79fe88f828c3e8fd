"""Per-cycle summary: capacities, Coulombic efficiency, voltages, polarization, energy, retention
and rate capability, from the half-cycles of :mod:`dualion.echem.segment`.

Definitions (units in the names; see ``docs/echem.md``):

* Q (mA h) = ∫|I| dt / 3600 over a half-cycle; specific capacity (mA h g-1) = Q / (mass_mg / 1000).
* Coulombic efficiency CE (%) = 100 · Q(second half) / Q(first half) of the cycle: for the default
  discharge-first pairing (cathode vs metal anode, as in the paper) CE = Q_charge / Q_discharge; for
  charge-first CE = Q_discharge / Q_charge. Each Q here is the total charge of that half: its
  galvanostatic part plus a CV hold directly following it (``*_total_mAh``; equal to ``*_mAh`` when
  there is no CV hold). Not meaningful (``None``) when the cycle holds a partial half-cycle or lacks
  one of its halves.
* Mean voltage (V) = ∫V|I|dt / ∫|I|dt (capacity-weighted); polarization (V) = mean charge voltage −
  mean discharge voltage; ΔV½ (V) = V_charge(Q_charge/2) − V_discharge(Q_discharge/2).
* Energy (mW h) = ∫V|I|dt / 3600; specific energy (mW h g-1 = W h kg-1) = energy / (mass_mg/1000).
* Retention (%) = 100 · Q_discharge(cycle) / Q_discharge(reference cycle); the reference is the first
  cycle with no partial half-cycle (or ``retention_reference``). A partial discharge (e.g. the first
  one, from open circuit) gets no retention (``None``): its capacity says nothing about fading.
* Rate capability: consecutive cycles whose discharge current density (mA g-1; mA without a mass)
  agrees within ``rate_tol`` (relative) form one block; each block reports its mean capacities, partial
  half-cycles left out of the means.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field

import numpy as np

from dualion.echem.segment import HalfCycle, check_first, half_cycles, pair_cycles
from dualion.core.cycler import CyclerData
from dualion.core.records import Record, dataclass_from_dict, jsonable, register
from dualion.errors import DualionUserError


@dataclass(frozen=True)
class Cycle:
    """One discharge/charge cycle (either half may be missing: then its fields are ``None``)."""

    number: int
    first: str
    discharge_mAh: float | None
    charge_mAh: float | None
    discharge_mAh_g: float | None
    charge_mAh_g: float | None
    coulombic_efficiency_pct: float | None
    ce_meaningful: bool
    mean_discharge_V: float | None
    mean_charge_V: float | None
    polarization_V: float | None
    dV_half_capacity_V: float | None
    discharge_mWh: float | None
    charge_mWh: float | None
    discharge_mWh_g: float | None
    charge_mWh_g: float | None
    current_mA: float | None
    current_density_mA_g: float | None
    retention_pct: float | None
    partial: bool
    note: str
    half_cycles: tuple[int, ...]
    cycler_cycle: int = -1
    cv_discharge_mAh: float = 0.0
    cv_charge_mAh: float = 0.0
    discharge_total_mAh: float | None = None
    charge_total_mAh: float | None = None
    start_s: float = 0.0
    end_s: float = 0.0
    discharge_partial: bool = False
    charge_partial: bool = False
    #: what the capacities stand on: ``*_mAh`` (and ``*_mAh_g``, energies, retention) are the galvanostatic
    #: (CC) part only; ``*_total_mAh`` and the Coulombic efficiency are CC plus the CV hold after it
    capacity_basis: str = "CC"
    ce_basis: str = "CC+CV"

    def to_dict(self) -> dict:
        """JSON-friendly dict."""
        d = asdict(self)
        d["half_cycles"] = list(self.half_cycles)
        return d


@dataclass(frozen=True)
class RateBlock:
    """Consecutive cycles at one current density (mA g-1) or current (mA, without a mass)."""

    rate: float
    rate_unit: str
    first_cycle: int
    last_cycle: int
    n_cycles: int
    discharge_mean: float | None
    charge_mean: float | None
    discharge_last: float | None
    capacity_unit: str
    ce_mean_pct: float | None

    def to_dict(self) -> dict:
        """JSON-friendly dict."""
        return asdict(self)


@register("echem.cycling")
@dataclass(frozen=True, eq=False)
class CycleSummary(Record):
    """Everything ``dualion echem summary`` reports for one file (a record: ``summary.json`` loads back)."""

    source: str
    mass_mg: float | None
    pairing: str
    half_cycles: tuple[HalfCycle, ...]
    cycles: tuple[Cycle, ...]
    rates: tuple[RateBlock, ...]
    retention_reference_cycle: int | None
    warnings: tuple[str, ...] = field(default_factory=tuple)
    meta: dict = field(default_factory=dict)

    @property
    def capacity_unit(self) -> str:
        """``"mA h g-1"`` with a mass, else ``"mA h"``."""
        return "mA h g-1" if self.mass_mg else "mA h"

    def capacity(self, direction: str = "discharge") -> np.ndarray:
        """Per-cycle capacity in :attr:`capacity_unit` (NaN where the half is missing)."""
        key = f"{direction}_mAh_g" if self.mass_mg else f"{direction}_mAh"
        return np.array([np.nan if getattr(c, key) is None else getattr(c, key) for c in self.cycles])

    def table(self):
        """Per-cycle pandas DataFrame."""
        import pandas as pd

        recs = []
        for c in self.cycles:
            d = c.to_dict()
            d["half_cycles"] = " ".join(str(k) for k in c.half_cycles)
            recs.append(d)
        return pd.DataFrame(recs, columns=[f.name for f in dataclasses.fields(Cycle)])

    def half_cycle_table(self):
        """Per-half-cycle pandas DataFrame."""
        import pandas as pd

        cols = [f.name for f in dataclasses.fields(HalfCycle)] + ["duration_s"]
        return pd.DataFrame([h.to_dict() for h in self.half_cycles], columns=cols)

    def to_dict(self) -> dict:
        """The JSON payload (``half_cycles``, ``cycles``, ``rate_capability``, units and conventions)."""
        return {
            "source": self.source,
            "mass_mg": self.mass_mg,
            "pairing": self.pairing,
            "conventions": {
                "current_sign": "current_mA > 0 is charge (oxidation of the working electrode)",
                "capacity": "Q = ∫|I|dt/3600 over galvanostatic rows only (mA h, basis CC); CV holds in "
                            "cv_*_mAh; *_total_mAh = CC + CV (basis CC+CV); capacity_source per half-cycle",
                "coulombic_efficiency": "100·Q_total(second half)/Q_total(first half) of each cycle (basis CC+CV); "
                                        "meaningful only for complete pairs without a partial half",
                "mean_voltage": "∫V|I|dt / ∫|I|dt (V)",
                "specific": "per active mass: mA h g-1, mW h g-1 (= W h kg-1)",
            },
            "retention_reference_cycle": self.retention_reference_cycle,
            "half_cycles": [h.to_dict() for h in self.half_cycles],
            "cycles": [c.to_dict() for c in self.cycles],
            "rate_capability": [r.to_dict() for r in self.rates],
            "warnings": list(self.warnings),
            "meta": jsonable(self.meta),
        }

    @classmethod
    def from_dict(cls, d: dict) -> CycleSummary:
        return cls(source=d["source"], mass_mg=d.get("mass_mg"), pairing=d["pairing"],
                   half_cycles=tuple(dataclass_from_dict(HalfCycle, h) for h in d["half_cycles"]),
                   cycles=tuple(dataclass_from_dict(Cycle, c) for c in d["cycles"]),
                   rates=tuple(dataclass_from_dict(RateBlock, r) for r in d["rate_capability"]),
                   retention_reference_cycle=d.get("retention_reference_cycle"),
                   warnings=tuple(d.get("warnings", ())), meta=dict(d.get("meta") or {}))


def _v_at_half(data: CyclerData, h: HalfCycle) -> float:
    """Voltage (V) at half of the half-cycle's capacity (linear interpolation on ∫|I|dt)."""
    a = np.abs(data.current_mA[h.start:h.stop])
    q = np.empty(a.size)
    q[0] = 0.0
    np.cumsum(0.5 * (a[1:] + a[:-1]) * np.diff(data.time_s[h.start:h.stop]), out=q[1:])
    target = 0.5 * q[-1]
    k = int(np.searchsorted(q, target))
    k = min(max(k, 1), q.size - 1)
    q0, q1 = q[k - 1], q[k]
    v0, v1 = data.voltage_V[h.start + k - 1], data.voltage_V[h.start + k]
    if q1 == q0:
        return float(v1)
    return float(v0 + (v1 - v0) * (target - q0) / (q1 - q0))


def summarise(data: CyclerData, halves: list[HalfCycle] | None = None, first: str | None = None, *,
              retention_reference: int | None = None, rate_tol: float = 0.1) -> CycleSummary:
    """Pair half-cycles into cycles and compute the per-cycle quantities (module docstring).

    ``halves`` defaults to :func:`~dualion.echem.segment.half_cycles` of ``data``. With ``first``
    given, the half-cycles are re-paired with that rule (ignoring the cycler's cycle index); without
    it, the cycle numbers the half-cycles carry are kept (the default rule unless the caller chose
    another in ``half_cycles(data, first=...)``).
    """
    first = check_first(first)
    if halves is None:
        halves = half_cycles(data, first=first)
    warnings = list(data.meta.get("warnings", []))
    dirs = [h.direction for h in halves]
    if first is not None:
        numbers, rule = pair_cycles(dirs, None, first=first, use_cycler=False)
    else:
        numbers, rule = pair_cycles(dirs, np.array([h.cycler_cycle for h in halves]),
                                    use_cycler=data.has_cycle_index)
        if halves and any(int(n) != h.cycle for n, h in zip(numbers, halves)):
            # half-cycles paired by the caller (e.g. half_cycles(data, first=...)): keep their numbers
            given = np.array([h.cycle for h in halves])
            numbers, rule = given, "as given by the half-cycles"
            for f in ("discharge", "charge"):
                cand, name = pair_cycles(dirs, None, first=f, use_cycler=False)
                if np.array_equal(cand, given):
                    rule = name
                    break
    if halves and any(int(n) != h.cycle for n, h in zip(numbers, halves)):
        halves = [_replace_cycle(h, int(n)) for h, n in zip(halves, numbers)]
    if not halves:
        warnings.append("no galvanostatic half-cycles found (only rest, OCV, CV or EIS rows, or zero current)")
    else:
        from dualion.echem.plausibility import warn_specific

        msg = warn_specific(max(h.capacity_mAh + h.cv_capacity_mAh for h in halves), data.mass_mg, data.source)
        if msg:
            warnings.append(msg)
    mass_g = data.mass_g
    groups: dict[int, list[HalfCycle]] = {}
    for h in halves:
        groups.setdefault(h.cycle, []).append(h)
    cycles: list[Cycle] = []
    for num, hs in groups.items():
        d = _combine([h for h in hs if h.direction == "discharge"])
        c = _combine([h for h in hs if h.direction == "charge"])
        first_dir = hs[0].direction
        partial = any(h.partial for h in hs)
        notes = [h.partial_reason for h in hs if h.partial]
        ce = None
        ce_ok = d is not None and c is not None and not partial and min(d.capacity_mAh, c.capacity_mAh) > 0
        if d is not None and c is not None:
            a, b = (d, c) if first_dir == "discharge" else (c, d)
            qa, qb = a.capacity_mAh + a.cv_capacity_mAh, b.capacity_mAh + b.cv_capacity_mAh
            if qa > 0:
                ce = 100.0 * qb / qa
        if not ce_ok:
            if d is None or c is None:
                notes.append("incomplete cycle (one half missing): CE not defined")
            elif partial:
                notes.append("CE not meaningful (partial half-cycle)")
            ce_report = None
        else:
            ce_report = ce

        def spec(x):
            return None if (x is None or mass_g is None) else x / mass_g

        ref_h = d if d is not None else c
        pol = dvh = None
        if d is not None and c is not None:
            pol = c.mean_voltage_V - d.mean_voltage_V
            dvh = _v_at_half(data, c) - _v_at_half(data, d)
        cur = abs(ref_h.current_mA)
        cycles.append(Cycle(
            number=int(num), first=first_dir,
            discharge_mAh=None if d is None else d.capacity_mAh, charge_mAh=None if c is None else c.capacity_mAh,
            discharge_mAh_g=spec(None if d is None else d.capacity_mAh),
            charge_mAh_g=spec(None if c is None else c.capacity_mAh),
            coulombic_efficiency_pct=ce_report, ce_meaningful=bool(ce_ok),
            mean_discharge_V=None if d is None else d.mean_voltage_V,
            mean_charge_V=None if c is None else c.mean_voltage_V,
            polarization_V=pol, dV_half_capacity_V=dvh,
            discharge_mWh=None if d is None else d.energy_mWh, charge_mWh=None if c is None else c.energy_mWh,
            discharge_mWh_g=spec(None if d is None else d.energy_mWh),
            charge_mWh_g=spec(None if c is None else c.energy_mWh),
            current_mA=cur, current_density_mA_g=spec(cur), retention_pct=None, partial=partial,
            note="; ".join(notes), half_cycles=tuple(h.index for h in hs), cycler_cycle=hs[0].cycler_cycle,
            cv_discharge_mAh=0.0 if d is None else d.cv_capacity_mAh,
            cv_charge_mAh=0.0 if c is None else c.cv_capacity_mAh,
            discharge_total_mAh=None if d is None else d.capacity_mAh + d.cv_capacity_mAh,
            charge_total_mAh=None if c is None else c.capacity_mAh + c.cv_capacity_mAh,
            start_s=hs[0].start_s, end_s=hs[-1].end_s,
            discharge_partial=bool(d is not None and d.partial), charge_partial=bool(c is not None and c.partial)))
    _check_specific_capacity(cycles, data, warnings)
    ref = _retention_reference(cycles, retention_reference)
    if ref is not None:
        q_ref = next(c.discharge_mAh for c in cycles if c.number == ref)
        cycles = [_with_retention(c, q_ref) for c in cycles]
    rates = rate_capability(cycles, mass_g is not None, rate_tol=rate_tol)
    return CycleSummary(source=data.source, mass_mg=data.mass_mg, pairing=rule, half_cycles=tuple(halves),
                        cycles=tuple(cycles), rates=tuple(rates), retention_reference_cycle=ref,
                        warnings=tuple(warnings), meta={"vendor": data.meta.get("vendor")})


def parse_cycle_list(text: str, field: str = "--cycles") -> list[int]:
    """``"1,2,5-7"`` → ``[1, 2, 5, 6, 7]``; a malformed, reversed (``5-1``) or empty list is a
    :class:`DualionUserError` naming ``field``."""
    out: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part[1:]:
                a, b = part.split("-", 1)
                lo, hi = int(a), int(b)
            else:
                lo = hi = int(part)
        except ValueError:
            raise DualionUserError(f"cannot read cycle list {text!r}; use e.g. 1,2,5 or 1-5", field=field) from None
        if hi < lo:
            raise DualionUserError(f"cycle range {part!r} runs backwards; write {hi}-{lo}", field=field)
        if lo < 1:
            raise DualionUserError(f"cycle numbers start at 1, got {part!r}", field=field)
        out.extend(range(lo, hi + 1))
    if not out:
        raise DualionUserError(f"empty cycle list {text!r}", field=field)
    return out


#: Specific capacity (mA h g-1) above which a unit or mass mistake is likely when no host is known
#: (the highest intercalation cathodes reach ~300, Li metal 3860 but that is not a cathode).
IMPLAUSIBLE_CAPACITY_mAh_g = 1000.0
#: ... or above this multiple of the host's theoretical capacity when it is known.
IMPLAUSIBLE_CAPACITY_FACTOR = 3.0


def _theoretical_mAh_g(data: CyclerData) -> tuple[float | None, str]:
    """The host's theoretical capacity from the file's metadata (``theoretical_capacity_mAh_g`` or
    ``formula`` with Ti4+/Ti3+), else None."""
    head = dict(data.meta.get("header") or {}) | {k: v for k, v in data.meta.items() if isinstance(v, (str, float))}
    if "theoretical_capacity_mAh_g" in head:
        try:
            return float(head["theoretical_capacity_mAh_g"]), "the file's theoretical_capacity_mAh_g"
        except (TypeError, ValueError):
            return None, ""
    if "formula" in head:
        try:
            from dualion.composition import parse_formula, theoretical_capacity_mAh_g

            f = parse_formula(str(head["formula"]))
            return float(theoretical_capacity_mAh_g(f, "Ti:4:3")), f"the Ti4+/Ti3+ capacity of {f}"
        except Exception:  # noqa: BLE001 - an unusable formula only disables this check
            return None, ""
    return None, ""


def _check_specific_capacity(cycles: list[Cycle], data: CyclerData, warnings_out: list[str]) -> None:
    """One DualionWarning when a specific capacity is implausibly large (mass or current unit mistake)."""
    import warnings

    from dualion.errors import DualionWarning

    qs = [q for c in cycles for q in (c.discharge_mAh_g, c.charge_mAh_g) if q is not None and np.isfinite(q)]
    if not qs:
        return
    q = max(qs)
    th, what = _theoretical_mAh_g(data)
    limit = IMPLAUSIBLE_CAPACITY_FACTOR * th if th else IMPLAUSIBLE_CAPACITY_mAh_g
    if q > limit:
        why = (f"{IMPLAUSIBLE_CAPACITY_FACTOR:g}× {what} ({th:.4g})" if th else
               f"{IMPLAUSIBLE_CAPACITY_mAh_g:g} mA h g-1 with no host known")
        msg = (f"specific capacity up to {q:.4g} mA h g-1 for {data.mass_mg:g} mg is above {why}: is the mass "
               "in mg (--mass-mg) and the current in mA?")
        warnings_out.append(msg)
        warnings.warn(f"{data.source}: {msg}" if data.source else msg, DualionWarning, stacklevel=3)


def _combine(parts: list[HalfCycle]) -> HalfCycle | None:
    """One half of a cycle from its consecutive parts (CC steps at decreasing current, GITT pulses):
    capacities, CV holds and energies summed, mean voltage = ΣE/ΣQ, partial if any part is."""
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    import dataclasses

    q = sum(h.capacity_mAh for h in parts)
    e = sum(h.energy_mWh for h in parts)
    srcs = sorted({h.capacity_source for h in parts})
    return dataclasses.replace(
        parts[0], stop=parts[-1].stop, end_s=parts[-1].end_s, capacity_mAh=q, energy_mWh=e,
        mean_voltage_V=e / q if q > 0 else parts[0].mean_voltage_V, v_end_V=parts[-1].v_end_V,
        n_points=sum(h.n_points for h in parts), cv_capacity_mAh=sum(h.cv_capacity_mAh for h in parts),
        partial=any(h.partial for h in parts),
        partial_reason="; ".join(h.partial_reason for h in parts if h.partial_reason),
        capacity_source="+".join(srcs))


def _replace_cycle(h: HalfCycle, n: int) -> HalfCycle:
    import dataclasses

    return dataclasses.replace(h, cycle=n)


def _retention_reference(cycles: list[Cycle], requested: int | None) -> int | None:
    if requested is not None:
        for c in cycles:
            if c.number == requested:
                if c.discharge_mAh is None or c.discharge_mAh <= 0:
                    raise DualionUserError(f"cycle {requested} has no discharge capacity to refer retention to",
                                           field="retention_reference")
                return requested
        raise DualionUserError(f"no cycle {requested} (cycles 1–{len(cycles)})", field="retention_reference")
    for c in cycles:
        if c.discharge_mAh is not None and c.discharge_mAh > 0 and not c.partial:
            return c.number
    return None


def _with_retention(c: Cycle, q_ref: float) -> Cycle:
    import dataclasses

    if c.discharge_mAh is None or c.discharge_partial:
        return c
    return dataclasses.replace(c, retention_pct=100.0 * c.discharge_mAh / q_ref)


def rate_capability(cycles: list[Cycle] | tuple[Cycle, ...], per_mass: bool, rate_tol: float = 0.1) -> list[RateBlock]:
    """Group consecutive cycles by current density (mA g-1) or current (mA) within ``rate_tol``."""
    blocks: list[list[Cycle]] = []
    key = "current_density_mA_g" if per_mass else "current_mA"
    for c in cycles:
        r = getattr(c, key)
        if r is None:
            continue
        if blocks:
            r0 = np.median([getattr(x, key) for x in blocks[-1]])
            if abs(r - r0) <= rate_tol * r0:
                blocks[-1].append(c)
                continue
        blocks.append([c])
    out = []
    qkey = "_mAh_g" if per_mass else "_mAh"
    for b in blocks:
        def mean(vals):
            vals = [v for v in vals if v is not None]
            return float(np.mean(vals)) if vals else None

        # partial half-cycles (a first discharge from open circuit, an interrupted last one) are left out
        dis = [None if c.discharge_partial else getattr(c, "discharge" + qkey) for c in b]
        chg = [None if c.charge_partial else getattr(c, "charge" + qkey) for c in b]
        full = [q for q in dis if q is not None]
        out.append(RateBlock(
            rate=float(np.median([getattr(c, key) for c in b])), rate_unit="mA g-1" if per_mass else "mA",
            first_cycle=b[0].number, last_cycle=b[-1].number, n_cycles=len(b), discharge_mean=mean(dis),
            charge_mean=mean(chg), discharge_last=full[-1] if full else None,
            capacity_unit="mA h g-1" if per_mass else "mA h",
            ce_mean_pct=mean([c.coulombic_efficiency_pct for c in b])))
    return out
