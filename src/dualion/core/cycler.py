"""The one interchange table of cycler data: :class:`CyclerData` (every reader returns it, the cell model
returns it, :func:`write_cycler_csv` is the one writer of the plain cycler CSV).

Columnar float64/int numpy arrays with explicit units in their names (s, V, mA, mA h). Team convention
for the sign of the current: ``current_mA > 0`` is charge (oxidation of the working electrode, ions
leave the cathode), ``< 0`` is discharge (reduction, ions inserted). Readers convert vendor units
(A → mA, A h → mA h, minutes/hours → s) and vendor sign conventions to this one before building the
table with :func:`make_cycler_data`, which validates it (NaN, time order, implausible units).
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dualion.core.records import Record, floats, register
from dualion.errors import DualionUserError, DualionWarning

# ---------------------------------------------------------------------------------------------
# Per-row control (step-type) codes, int8. UNKNOWN and CCCV rows are classified by the segmenter.
UNKNOWN = 0  #: the format does not say: inferred from current and voltage
REST = 1  #: no current (rest / relaxation)
CC = 2  #: galvanostatic (constant current)
CV = 3  #: potentiostatic (voltage held; current decays)
OCV = 4  #: open-circuit voltage recording
EIS = 5  #: impedance spectroscopy
CCCV = 6  #: one vendor step holding a CC part then a CV part (split row by row by the segmenter)

#: Below this typical current density (mA g-1) a current unit is an error (A in a mA column); below
#: the second one it is a warning (slower than ~C/500 for a 250 mA h g-1 electrode).
MIN_CURRENT_DENSITY_mA_g = 0.01
LOW_CURRENT_DENSITY_WARN_mA_g = 0.5

CONTROL_NAMES = {UNKNOWN: "unknown", REST: "rest", CC: "cc", CV: "cv", OCV: "ocv", EIS: "eis", CCCV: "cccv"}
CONTROL_CODES = {v: k for k, v in CONTROL_NAMES.items()}


@register("core.cycler_data")
@dataclass(frozen=True, eq=False)
class CyclerData(Record):
    """A cycler file normalised to one lean columnar table with explicit units.

    Attributes
    ----------
    time_s, voltage_V, current_mA:
        float64 arrays, one value per row. Time since the start of the file (s); working-electrode
        voltage (V, reference as in the file, see ``meta['reference']``); current (mA, > 0 charge).
    step, cycle:
        int64 arrays: the cycler's step and cycle indices; ``-1`` where the format gives none.
    control:
        int8 array of control codes (:data:`REST`, :data:`CC`, :data:`CV`, :data:`OCV`, :data:`EIS`,
        :data:`CCCV`, :data:`UNKNOWN`) where the format gives a step type, else ``None``.
    capacity_mAh:
        The cycler's own capacity counter converted to mA h (vendor-defined reset points; informational,
        the analysis integrates the current itself), or ``None``.
    mass_mg:
        Active mass in mg (from the user or from the file), or ``None`` (absolute units only).
    source:
        The path (or a label) the data came from.
    half_cycle:
        int64 array: the cycler's own half-cycle index (Bio-Logic ``half cycle``), or ``None``.
    meta:
        ``vendor``, ``format``, ``units`` (what was converted), ``warnings`` (list of str), and
        vendor details such as ``reference`` or ``start_date``.
    """

    time_s: np.ndarray
    voltage_V: np.ndarray
    current_mA: np.ndarray
    step: np.ndarray
    cycle: np.ndarray
    control: np.ndarray | None = None
    capacity_mAh: np.ndarray | None = None
    mass_mg: float | None = None
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    half_cycle: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.time_s.shape[0])

    @property
    def reference(self) -> str | None:
        """Reference electrode of the voltage (``"Mg"``, ``"Li"``, ...) as the file or the model says, or None."""
        ref = self.meta.get("reference")
        return None if ref is None else str(ref)

    def half_cycle_ids(self, halves) -> np.ndarray:
        """Per-row half-cycle index (−1 outside any) for the half-cycles of this table
        (:func:`dualion.echem.segment.half_cycles`): the row ↔ half-cycle map every analysis shares."""
        out = np.full(len(self), -1, np.int64)
        for h in halves:
            out[h.start:h.stop] = h.index
        return out

    def write_csv(self, path, meta: dict | None = None) -> Path:
        """Write the plain cycler CSV (:func:`write_cycler_csv`)."""
        return write_cycler_csv(path, self, meta=meta)

    def to_dict(self) -> dict[str, Any]:
        return {"time_s": self.time_s, "voltage_V": self.voltage_V, "current_mA": self.current_mA,
                "step": self.step, "cycle": self.cycle, "control": self.control, "capacity_mAh": self.capacity_mAh,
                "mass_mg": self.mass_mg, "source": self.source, "meta": self.meta, "half_cycle": self.half_cycle}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CyclerData:
        def opt(name, dt):
            return None if d.get(name) is None else np.asarray(floats(d[name]), dtype=dt)
        return cls(time_s=floats(d["time_s"]), voltage_V=floats(d["voltage_V"]), current_mA=floats(d["current_mA"]),
                   step=np.asarray(d["step"], np.int64), cycle=np.asarray(d["cycle"], np.int64),
                   control=opt("control", np.int8), capacity_mAh=opt("capacity_mAh", np.float64),
                   mass_mg=d.get("mass_mg"), source=d.get("source", ""), meta=dict(d.get("meta") or {}),
                   half_cycle=opt("half_cycle", np.int64))

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return len(self)

    @property
    def mass_g(self) -> float | None:
        """Active mass in g, or ``None``."""
        return None if self.mass_mg is None else self.mass_mg / 1000.0

    @property
    def has_cycle_index(self) -> bool:
        """True when the cycler gave its own cycle index."""
        return bool(self.cycle.size) and bool(np.any(self.cycle >= 0))

    @property
    def warnings(self) -> list[str]:
        """Warnings raised while reading (also emitted as :class:`DualionWarning`)."""
        return list(self.meta.get("warnings", []))

    def with_mass(self, mass_mg: float | None) -> CyclerData:
        """A copy (sharing the arrays) with the active mass set to ``mass_mg`` (mg)."""
        return dataclasses.replace(self, mass_mg=_check_mass(mass_mg, self.source))

    def nbytes(self) -> int:
        """Bytes held by the arrays."""
        arrs = [self.time_s, self.voltage_V, self.current_mA, self.step, self.cycle, self.control,
                self.capacity_mAh, self.half_cycle]
        return int(sum(a.nbytes for a in arrs if a is not None))

    def to_frame(self):
        """A pandas DataFrame view of the table (copies; for interactive use)."""
        import pandas as pd

        cols = {"time_s": self.time_s, "voltage_V": self.voltage_V, "current_mA": self.current_mA,
                "step": self.step, "cycle": self.cycle}
        if self.capacity_mAh is not None:
            cols["capacity_mAh"] = self.capacity_mAh
        if self.control is not None:
            cols["control"] = pd.Categorical.from_codes(
                self.control.astype(np.int64), categories=[CONTROL_NAMES[i] for i in range(len(CONTROL_NAMES))])
        return pd.DataFrame(cols)

    def slice(self, start: int, stop: int) -> CyclerData:
        """Rows ``start:stop`` as a new table (views, no copy)."""
        def s(a):
            return None if a is None else a[start:stop]
        return dataclasses.replace(self, time_s=self.time_s[start:stop], voltage_V=self.voltage_V[start:stop],
                                   current_mA=self.current_mA[start:stop], step=self.step[start:stop],
                                   cycle=self.cycle[start:stop], control=s(self.control),
                                   capacity_mAh=s(self.capacity_mAh), half_cycle=s(self.half_cycle))


def _check_mass(mass_mg: float | None, source: str = "") -> float | None:
    if mass_mg is None:
        return None
    try:
        m = float(mass_mg)
    except (TypeError, ValueError):
        raise DualionUserError(f"active mass must be a number in mg, got {mass_mg!r}", file=source or None,
                               field="mass_mg") from None
    if not np.isfinite(m) or m <= 0:
        raise DualionUserError(f"active mass must be a positive number of mg, got {mass_mg!r}",
                               file=source or None, field="mass_mg")
    if m > 1e6:
        raise DualionUserError(f"active mass {m:g} mg is implausible (more than 1 kg); give it in mg",
                               file=source or None, field="mass_mg")
    return m


def _warn(meta: dict, msg: str, source: str) -> None:
    meta.setdefault("warnings", []).append(msg)
    warnings.warn(f"{source}: {msg}" if source else msg, DualionWarning, stacklevel=3)


def _as_f64(a, name: str, source: str) -> np.ndarray:
    try:
        return np.ascontiguousarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise DualionUserError("column is not numeric", file=source or None, field=name) from None


def make_cycler_data(time_s, voltage_V, current_mA, *, step=None, cycle=None, control=None,
                     capacity_mAh=None, half_cycle=None, mass_mg: float | None = None, source: str = "",
                     meta: dict | None = None, check_units: bool = True) -> CyclerData:
    """Validate arrays already converted to s, V, mA (and mA h) and build a :class:`CyclerData`.

    Raises :class:`DualionUserError` for: no rows, mismatched lengths, NaN/inf inside the data, time
    that goes backwards, voltages that look like mV, a current density that looks like A written in a
    mA column (when the mass is known), and a capacity column inconsistent with ∫|I|dt by a factor
    ≥ 10 (A h vs mA h). Rows that are entirely empty (NaN time, voltage and current) are dropped
    with a warning. Zero current everywhere gives a warning (no half-cycles).
    """
    meta = dict(meta or {})
    meta.setdefault("warnings", [])
    src = str(source)
    t = _as_f64(time_s, "time_s", src)
    v = _as_f64(voltage_V, "voltage_V", src)
    i = _as_f64(current_mA, "current_mA", src)
    n = t.shape[0]
    if t.ndim != 1 or v.shape != (n,) or i.shape != (n,):
        raise DualionUserError("time, voltage and current columns have different lengths", file=src or None)
    extra = {}
    for name, arr, dt in (("step", step, np.int64), ("cycle", cycle, np.int64), ("control", control, np.int8),
                          ("capacity_mAh", capacity_mAh, np.float64), ("half_cycle", half_cycle, np.int64)):
        if arr is None:
            extra[name] = None
            continue
        a = np.asarray(arr)
        if a.shape != (n,):
            raise DualionUserError(f"column has {a.shape[0] if a.ndim else 0} rows, expected {n}",
                                   file=src or None, field=name)
        if dt is np.int64 and a.dtype.kind == "f":
            bad = ~np.isfinite(a)
            if bad.any():
                a = np.where(bad, -1, a)
        extra[name] = np.ascontiguousarray(a, dtype=dt)

    # Entirely-empty rows (e.g. a trailing blank line written as NaN) are dropped, with a warning.
    fin_t, fin_v, fin_i = np.isfinite(t), np.isfinite(v), np.isfinite(i)
    allbad = ~fin_t & ~fin_v & ~fin_i
    if allbad.any():
        keep = ~allbad
        _warn(meta, f"dropped {int(allbad.sum())} empty row(s) (no time, voltage or current)", src)
        t, v, i = t[keep], v[keep], i[keep]
        extra = {k: (None if a is None else a[keep]) for k, a in extra.items()}
        fin_t, fin_v, fin_i = fin_t[keep], fin_v[keep], fin_i[keep]
        n = t.shape[0]
    if n < 2:
        raise DualionUserError(f"the file has {n} data row(s); at least 2 are needed", file=src or None)
    for name, fin in (("time_s", fin_t), ("voltage_V", fin_v), ("current_mA", fin_i)):
        if not fin.all():
            bad = np.flatnonzero(~fin)
            raise DualionUserError(f"{bad.size} row(s) hold NaN or inf, first at data row {bad[0] + 1}; "
                                   "clean or remove them", file=src or None, field=name)
    dt = np.diff(t)
    if (dt < 0).any():
        k = int(np.flatnonzero(dt < 0)[0])
        raise DualionUserError(f"time goes backwards at data row {k + 2} ({t[k + 1]:g} s after {t[k]:g} s); "
                               "the table must be in time order (concatenated files?)", file=src or None,
                               field="time_s")
    # a repeated time stamp where the current (or the step) changes is a step switch recorded at one instant
    # (two rows: the end of one step and the start of the next): legitimate, not a duplicate
    switch = i[1:] != i[:-1]
    if extra["step"] is not None:
        switch |= extra["step"][1:] != extra["step"][:-1]
    zero = np.flatnonzero((dt == 0) & ~switch)
    if zero.size:
        k = int(zero[0])
        _warn(meta, f"{zero.size} zero time step(s) (repeated time stamp {t[k]:g} s first at data rows {k + 1}–{k + 2}): "
              "duplicated rows or a too coarse time resolution; they add no capacity", src)
    cap = extra["capacity_mAh"]
    if cap is not None and not np.isfinite(cap).all():
        cap = np.where(np.isfinite(cap), cap, np.nan)
        extra["capacity_mAh"] = cap
    mass = _check_mass(mass_mg, src)

    if check_units:
        _check_units(t, v, i, dt, cap, mass, src, meta)
    step_a = extra["step"] if extra["step"] is not None else np.full(n, -1, dtype=np.int64)
    cycle_a = extra["cycle"] if extra["cycle"] is not None else np.full(n, -1, dtype=np.int64)
    return CyclerData(time_s=t, voltage_V=v, current_mA=i, step=step_a, cycle=cycle_a, control=extra["control"],
                      capacity_mAh=cap, mass_mg=mass, source=src, meta=meta, half_cycle=extra["half_cycle"])


def _check_units(t, v, i, dt, cap, mass, src, meta) -> None:
    vmax = float(np.max(np.abs(v)))
    if vmax > 50.0:
        raise DualionUserError(f"voltages up to {vmax:g} V are implausible for a cell (mV in a V column?)",
                               file=src or None, field="voltage_V")
    absi = np.abs(i)
    imax = float(absi.max())
    if imax == 0.0:
        _warn(meta, "current is zero everywhere: no galvanostatic half-cycles", src)
        return
    nz = absi[absi > 1e-3 * imax]
    i_typ = float(np.median(nz))
    if mass is not None:
        dens = i_typ / (mass / 1000.0)  # mA g-1
        if dens < MIN_CURRENT_DENSITY_mA_g:
            raise DualionUserError(
                f"typical current {i_typ:.3g} mA for {mass:g} mg is {dens:.3g} mA g-1, implausibly small: "
                "is the current in A in a mA column?", file=src or None, field="current_mA")
        if dens < LOW_CURRENT_DENSITY_WARN_mA_g:
            _warn(meta, f"typical current {i_typ:.3g} mA for {mass:g} mg is only {dens:.3g} mA g-1 (slower than "
                  "C/500 for most electrodes): check the current unit (A vs mA) and the mass (mg)", src)
        if dens > 1e6:
            raise DualionUserError(
                f"typical current {i_typ:.3g} mA for {mass:g} mg is {dens:.3g} mA g-1, implausibly large: "
                "is the current in µA in a mA column, or the mass not in mg?", file=src or None, field="current_mA")
    elif imax < 1e-4:
        _warn(meta, f"largest current is {imax:.3g} mA (< 0.1 µA): check the current unit (A vs mA)", src)
    if cap is not None:
        dq = np.abs(np.diff(cap))
        dq_i = 0.5 * (absi[1:] + absi[:-1]) * dt / 3600.0  # mA h from the current (trapezoid)
        ok = np.isfinite(dq) & (dq > 0) & (dq_i > 0) & (absi[1:] > 1e-3 * imax) & (absi[:-1] > 1e-3 * imax)
        if ok.sum() >= 3:
            ratio = float(np.median(dq[ok] / dq_i[ok]))
            meta["capacity_over_current_integral"] = ratio
            if 0.1 <= ratio <= 10.0 and not 0.8 <= ratio <= 1.25:
                _warn(meta, f"the file's capacity counter changes {ratio:.3g}× as fast as ∫|I|dt "
                      "(inconsistent time or capacity columns?); dualion integrates the current", src)
            if not 0.1 <= ratio <= 10.0:
                raise DualionUserError(
                    f"capacity column changes {ratio:.3g}× as fast as ∫|I|dt: inconsistent units "
                    "(A h vs mA h, or A vs mA)", file=src or None, field="capacity_mAh")


def write_cycler_csv(path, data: CyclerData | None = None, *, time_s=None, voltage_V=None, current_mA=None,
                     cycle=None, step=None, control=None, meta: dict | None = None,
                     float_format: str = "%.9g") -> Path:
    """Write the plain dualion cycler CSV atomically: ``# key=value`` lines (mass_mg, reference, ...), then
    ``time_s,voltage_V,current_mA[,cycle][,step][,control]`` (s, V, mA; I > 0 charge).

    From a :class:`CyclerData` (its mass and reference go into the header) or from arrays. The one writer of
    this format (read back by :func:`dualion.echem.readers.read`; pandas: ``read_csv(path, comment="#")``).
    """
    import io

    import pandas as pd

    from dualion.io.atomic import atomic_write_text

    if data is not None:
        time_s, voltage_V, current_mA = data.time_s, data.voltage_V, data.current_mA
        cycle = data.cycle if data.has_cycle_index else None
        step = data.step if (data.step >= 0).any() else None
        control = data.control
        head = {**({"mass_mg": f"{data.mass_mg:.12g}"} if data.mass_mg else {}),
                **({"reference": data.reference} if data.reference else {})}
        meta = {**head, **(meta or {})}
    cols = {"time_s": np.asarray(time_s, float), "voltage_V": np.asarray(voltage_V, float),
            "current_mA": np.asarray(current_mA, float)}
    if cycle is not None:
        cols["cycle"] = np.asarray(cycle, np.int64)
    if step is not None:
        cols["step"] = np.asarray(step, np.int64)
    if control is not None:
        names = np.array([CONTROL_NAMES[k] for k in range(len(CONTROL_NAMES))])
        cols["control"] = names[np.asarray(control, np.int64)]
    buf = io.StringIO()
    for k, v in (meta or {}).items():           # a value None writes a free-text comment line "# k"
        buf.write(f"# {k}={v}\n" if v is not None else f"# {k}\n")
    pd.DataFrame(cols).to_csv(buf, index=False, float_format=float_format)
    return atomic_write_text(path, buf.getvalue())
