"""The one table of vendor column names → (quantity, unit), and the unit factors to dualion's units.

A header cell is split into a *name* and a *unit*: ``Current(A)``, ``Current [A]``, ``Current (A)``,
``I/mA`` (Bio-Logic: the last ``/``), ``Test (Sec)``; a cell without a unit takes the default unit of
its table entry (Arbin ``Current`` is A, Maccor ``Amps`` A and ``mAmps`` mA). Names are compared
case-insensitively with ``_`` read as a space. Where several columns map to one quantity the entry
listed first in :data:`COLUMNS` wins (Neware ``Cumulative Time`` before ``Time``, which is step time).

Quantities and their dualion units: ``time`` (s, test time), ``step_time`` (s), ``voltage`` (V),
``current`` (mA), ``capacity`` (mA h, the cycler's net counter), ``charge_capacity`` and
``discharge_capacity`` (mA h), ``dq`` (mA h passed in the interval ending at the row, Bio-Logic),
``cycle``, ``half_cycle``, ``step`` (indices), ``state`` (Maccor
C/D/R/O letters), ``step_type`` (names such as ``CC Chg``, ``Rest``), ``mode`` (Bio-Logic 1 CC, 2 CV,
3 rest), ``datetime`` (a date-time stamp), ``frequency`` (Hz, EIS rows), ``ignore``.

Users extend the table for an unknown export with a small YAML file (``--columns map.yaml``)::

    columns:
      "Zeit / h": {quantity: time, unit: h}
      "Spannung": {quantity: voltage, unit: V}
      "Strom": current[mA]          # short form: quantity[unit]

User entries take precedence over the built-in ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dualion.errors import DualionUserError

#: Unit factors to dualion's unit of each dimension (keys: normalised unit text, see :func:`norm_unit`).
UNITS: dict[str, dict[str, float]] = {
    "time": {"s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0, "ms": 1e-3, "min": 60.0,
             "mins": 60.0, "minute": 60.0, "minutes": 60.0, "h": 3600.0, "hr": 3600.0, "hrs": 3600.0,
             "hour": 3600.0, "hours": 3600.0, "d": 86400.0, "day": 86400.0, "days": 86400.0},
    "voltage": {"v": 1.0, "volt": 1.0, "volts": 1.0, "mv": 1e-3, "uv": 1e-6, "kv": 1e3},
    "current": {"a": 1000.0, "amp": 1000.0, "amps": 1000.0, "ma": 1.0, "mamp": 1.0, "mamps": 1.0,
                "ua": 1e-3, "na": 1e-6},
    "capacity": {"ah": 1000.0, "amphr": 1000.0, "mah": 1.0, "mamphr": 1.0, "uah": 1e-3, "nah": 1e-6,
                 "c": 1000.0 / 3600.0, "mc": 1.0 / 3600.0, "as": 1000.0 / 3600.0, "mas": 1.0 / 3600.0},
    "frequency": {"hz": 1.0, "khz": 1e3, "mhz": 1e6},
}

#: quantity -> dimension used for its unit
DIMENSION = {"time": "time", "step_time": "time", "voltage": "voltage", "current": "current",
             "capacity": "capacity", "dq": "capacity", "charge_capacity": "capacity", "discharge_capacity": "capacity",
             "frequency": "frequency"}

QUANTITIES = ("time", "step_time", "voltage", "current", "capacity", "dq", "charge_capacity", "discharge_capacity",
              "cycle", "half_cycle", "step", "state", "step_type", "mode", "datetime", "frequency", "ignore")


@dataclass(frozen=True)
class Entry:
    """One row of the mapping table: a column ``name`` (normalised) is ``quantity`` in ``unit``.

    ``unit`` is the default unit when the header names none (``None``: the header must name one, or
    for indices/labels none applies); ``needs_unit``: the name only means this quantity when a unit
    is written with it (``Step (Sec)`` is step time, bare ``Step`` the step index).
    """

    name: str
    quantity: str
    unit: str | None = None
    needs_unit: bool = False


def _e(quantity: str, unit: str | None, *names: str, needs_unit: bool = False) -> list[Entry]:
    return [Entry(n, quantity, unit, needs_unit) for n in names]


#: The built-in table, in order of preference within a quantity.
COLUMNS: list[Entry] = [
    *_e("time", "s", "cumulative time", "total time", "test time", "testtime", "test", "run time",
        "elapsed time", "time", "t"),
    *_e("step_time", "s", "step time", "steptime", "relative time"),
    *_e("step_time", "s", "step", needs_unit=True),
    *_e("voltage", "V", "voltage", "volts", "potential", "ewe", "<ewe>", "ecell", "cell voltage", "e", "u",
        "v"),
    *_e("current", "mA", "i", "<i>"),
    *_e("current", "A", "current", "amps"),
    *_e("current", "mA", "mamps"),
    *_e("capacity", "mAh", "(q-qo)", "q-qo"),
    *_e("dq", "mAh", "dq"),
    *_e("capacity", "Ah", "amp-hr", "capacity", "cap.", "cap", "net capacity"),
    *_e("capacity", "mAh", "mamp-hr"),
    *_e("charge_capacity", "Ah", "charge capacity", "chg. cap.", "charge cap.", "q charge"),
    *_e("discharge_capacity", "Ah", "discharge capacity", "dchg. cap.", "discharge cap.", "q discharge"),
    *_e("cycle", None, "cycle index", "cycle number", "cyc#", "cycle", "cycle c", "cycle p", "cycle no."),
    *_e("half_cycle", None, "half cycle"),
    *_e("step", None, "step index", "step number", "step", "ns", "step no."),
    *_e("state", None, "state", "md"),
    *_e("step_type", None, "step type", "status", "step name"),
    *_e("mode", None, "mode"),
    *_e("datetime", None, "date and time", "datetime", "date time", "dpt time", "date", "timestamp",
        "abs time", "absolute time", "realtime", "real time", "system time"),
    *_e("frequency", "Hz", "freq", "frequency"),
]

_UNIT_RE = re.compile(r"^(?P<name>.*?)\s*[\(\[]\s*(?P<unit>[^\)\]]*?)\s*[\)\]]\s*$")


def norm_name(s: str) -> str:
    """Lower case, ``_`` as space, whitespace collapsed, quotes stripped."""
    s = str(s).strip().strip('"').strip("'").replace("_", " ").lower()
    return re.sub(r"\s+", " ", s).strip()


def norm_unit(u: str) -> str:
    """Unit text normalised for :data:`UNITS`: lower case, no spaces, dots or dashes; µ/μ → u."""
    u = str(u).strip().lower().replace("µ", "u").replace("μ", "u")
    return re.sub(r"[\s.\-·*]", "", u)


def split_header(cell: str) -> tuple[str, str | None]:
    """(normalised name, raw unit or None) of a header cell (see the module docstring)."""
    raw = str(cell).strip().strip('"')
    m = _UNIT_RE.match(raw)
    if m and m.group("name"):
        return norm_name(m.group("name")), m.group("unit")
    if "_" in raw:  # dualion's own names: time_s, current_mA, capacity_mAh
        name, _, unit = raw.rpartition("_")
        if name and norm_unit(unit) in _ALL_UNITS:
            return norm_name(name), unit
    if "/" in raw and not raw.startswith("/"):
        name, _, unit = raw.rpartition("/")
        if name and unit and norm_unit(unit) in _ALL_UNITS:
            return norm_name(name), unit
    return norm_name(raw), None


_ALL_UNITS = {u for table in UNITS.values() for u in table}


@dataclass(frozen=True)
class Mapped:
    """A file column matched to a quantity: ``factor`` converts it to dualion's unit (1 for labels);
    ``unit_given`` says whether the header named the unit (else the table's default applies)."""

    column: str
    quantity: str
    factor: float
    unit: str | None
    unit_given: bool
    rank: int


def unit_factor(quantity: str, unit: str | None, column: str = "", file=None) -> float:
    """Factor from ``unit`` to dualion's unit of ``quantity`` (1 for dimensionless quantities)."""
    dim = DIMENSION.get(quantity)
    if dim is None or unit is None:
        return 1.0
    f = UNITS[dim].get(norm_unit(unit))
    if f is None:
        raise DualionUserError(f"unknown {dim} unit {unit!r} (known: {', '.join(sorted(UNITS[dim]))}); "
                               "map the column with --columns", file=file, field=column or quantity)
    return f


def map_columns(header: list[str], user: list[Entry] | None = None, file=None) -> dict[str, Mapped]:
    """Best column for each quantity in ``header`` (user entries first, then :data:`COLUMNS`)."""
    table = list(user or []) + COLUMNS
    best: dict[str, Mapped] = {}
    used: set[str] = set()
    for col in header:
        name, unit = split_header(col)
        raw_norm = norm_name(col)
        for rank, e in enumerate(table):
            if e.name not in (name, raw_norm):
                continue
            exact = e.name == raw_norm and e.name != name  # the whole cell is the name (e.g. "(Q-Qo)")
            u = None if exact else unit
            if e.needs_unit and u is None:
                continue
            if u is not None and DIMENSION.get(e.quantity) == "time" and ":" in u:
                u = None  # a duration format such as h:min:s.ms: parsed as d hh:mm:ss text
            elif u is not None and DIMENSION.get(e.quantity) is not None:
                if norm_unit(u) not in UNITS[DIMENSION[e.quantity]]:
                    continue  # e.g. "Capacity (mAh/g)": a specific capacity, not this quantity
            if u is not None and DIMENSION.get(e.quantity) is None:
                u = None
            factor = unit_factor(e.quantity, u if u is not None else e.unit, col, file)
            m = Mapped(col, e.quantity, factor, u if u is not None else e.unit, u is not None, rank)
            if e.quantity == "ignore":
                break
            if col not in used and (e.quantity not in best or rank < best[e.quantity].rank):
                if e.quantity in best:
                    used.discard(best[e.quantity].column)
                best[e.quantity] = m
                used.add(col)
            break
    return best


def load_user_map(path: str | Path | None) -> list[Entry]:
    """Entries from a ``--columns`` YAML file (see the module docstring); ``[]`` for ``None``."""
    if path is None:
        return []

    p = Path(path)
    if not p.is_file():
        raise DualionUserError("no such column-map file", file=p, field="columns")
    from dualion.io.text import read_yaml

    doc = read_yaml(p)   # encoding detected, duplicate keys refused
    if isinstance(doc, dict) and "columns" in doc:
        doc = doc["columns"]
    if not isinstance(doc, dict) or not doc:
        raise DualionUserError("expected a mapping 'columns: {column name: {quantity: ..., unit: ...}}'",
                               file=p, field="columns")
    out = []
    for col, spec in doc.items():
        if isinstance(spec, str):
            m = re.match(r"^\s*(\w+)\s*(?:\[\s*([^\]]*)\s*\])?\s*$", spec)
            if not m:
                raise DualionUserError(f"{spec!r} is not 'quantity' or 'quantity[unit]'", file=p,
                                       field=f"columns.{col}")
            q, unit = m.group(1), m.group(2)
        elif isinstance(spec, dict):
            q, unit = spec.get("quantity"), spec.get("unit")
            extra = set(spec) - {"quantity", "unit"}
            if extra:
                raise DualionUserError(f"unknown key(s) {sorted(extra)} (quantity, unit)", file=p,
                                       field=f"columns.{col}")
        else:
            raise DualionUserError("expected quantity[unit] or {quantity, unit}", file=p, field=f"columns.{col}")
        if q not in QUANTITIES:
            raise DualionUserError(f"unknown quantity {q!r} (one of {', '.join(QUANTITIES)})", file=p,
                                   field=f"columns.{col}")
        if unit is not None:
            unit_factor(q, str(unit), str(col), p)
        out.append(Entry(norm_name(col), q, None if unit is None else str(unit)))
    return out
