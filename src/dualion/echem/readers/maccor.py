"""Maccor text exports (tab-separated), read by a small own parser.

No well-kept PyPI reader for Maccor *text* exports exists (``maccor-utility`` and
``maccorcyclingdata`` are thin or unmaintained), and the format is simple: optional title lines, then
a tab-separated header with ``Rec#``, ``Cyc#``, ``Step``, ``Test (Min)`` (or ``Test (Sec)``, ``Test (Hr)``),
``Amp-hr``, ``Amps``, ``Volts``, ``State`` (R rest, C charge, D discharge, O other). Units: Maccor writes
A and A h (converted to mA and mA h) and an unsigned current whose direction is in ``State``; dualion's
sign (> 0 charge) is taken from ``State`` when the current column is unsigned.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dualion.core.cycler import REST, UNKNOWN, CyclerData, make_cycler_data
from dualion.errors import DualionUserError

_TIME = {"Test (Sec)": 1.0, "Test (Min)": 60.0, "Test (Hr)": 3600.0, "Test Time (sec)": 1.0, "TestTime(s)": 1.0}
_CURRENT = {"Amps": 1000.0, "Current": 1000.0, "Current (A)": 1000.0, "Current (mA)": 1.0, "mAmps": 1.0}
_VOLT = {"Volts": 1.0, "Voltage": 1.0, "Voltage (V)": 1.0}
_CAP = {"Amp-hr": 1000.0, "Capacity": 1000.0, "Capacity (Ah)": 1000.0, "Capacity (AHr)": 1000.0}
_CYCLE = ("Cyc#", "Cycle", "Cycle C", "Cycle P")
_STEP = ("Step",)
_STATE = ("State", "MD")
_KNOWN = frozenset([*_TIME, *_CURRENT, *_VOLT, *_CAP, *_CYCLE, *_STEP, *_STATE])


def _header_line(path: Path, max_lines: int = 30) -> int | None:
    with open(path, encoding="latin-1") as fh:
        for k, line in enumerate(fh):
            if k >= max_lines:
                break
            cells = [c.strip() for c in line.rstrip("\r\n").split("\t")]
            # a Maccor header: Rec# and two more Maccor names, or three of the time/current/voltage/
            # capacity/cycle/step/state names (a missing column is then reported by name)
            known = sum(c in _KNOWN for c in cells)
            if ("Rec#" in cells and known >= 2) or known >= 3:
                return k
    return None


def looks_like_maccor(path: Path) -> bool:
    """True when the file has a Maccor-style tab-separated header within its first lines."""
    try:
        return _header_line(path) is not None
    except OSError:
        return False


def read(path: Path, mass_mg: float | None = None) -> CyclerData:
    """Read a Maccor tab-separated text export."""
    import pandas as pd

    k = _header_line(path)
    if k is None:
        raise DualionUserError("no Maccor header found (expected tab-separated columns such as Rec#, "
                               "Test (Min), Amps, Volts, State)", file=path)
    try:
        df = pd.read_csv(path, sep="\t", skiprows=k, encoding="latin-1", index_col=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DualionUserError(f"cannot parse the Maccor table: {str(exc).splitlines()[0]}", file=path) from None
    df.columns = [str(c).strip() for c in df.columns]
    cols = list(df.columns)

    def pick(table):
        for c in table:
            if c in cols:
                return c
        return None

    tcol, icol, vcol = pick(_TIME), pick(_CURRENT), pick(_VOLT)
    for c, table, what in ((tcol, _TIME, "time"), (icol, _CURRENT, "current"), (vcol, _VOLT, "voltage")):
        if c is None:
            raise DualionUserError(f"missing {what} column (one of {', '.join(table)}); found columns: "
                                   f"{', '.join(cols)}", file=path, field=what)
    qcol, ccol, scol, stcol = pick(_CAP), pick(_CYCLE), pick(_STEP), pick(_STATE)
    num = {}
    for c in (tcol, icol, vcol, qcol, ccol, scol):
        if c is not None:
            num[c] = pd.to_numeric(df[c], errors="coerce").to_numpy(np.float64)
    t = num[tcol] * _TIME[tcol]
    i = num[icol] * _CURRENT[icol]
    v = num[vcol] * _VOLT[vcol]
    meta = {"vendor": "Maccor", "format": "txt",
            "units": {"time": f"{tcol} × {_TIME[tcol]:g} → s", "current": f"{icol} × {_CURRENT[icol]:g} → mA"}}
    control = None
    if stcol is not None:
        state = df[stcol].astype(str).str.strip().str.upper().str[:1].to_numpy()
        control = np.full(len(df), UNKNOWN, dtype=np.int8)
        control[state == "R"] = REST
        if np.all(i[np.isfinite(i)] >= 0):
            sign = np.where(state == "D", -1.0, np.where(state == "C", 1.0, 0.0))
            unknown = ~np.isin(state, ["C", "D", "R"]) & (i != 0)
            if unknown.any():
                raise DualionUserError(f"State {state[unknown][0]!r} with non-zero unsigned current: direction "
                                       "unknown", file=path, field=stcol)
            i = i * sign
            meta["units"]["current_sign"] = f"unsigned {icol}; sign from {stcol} (C +, D −)"
    q = None
    if qcol is not None:
        q = num[qcol] * _CAP[qcol]
        meta["units"]["capacity"] = f"{qcol} × {_CAP[qcol]:g} → mA h"
    # Maccor appends an empty line at the end of some exports: fully-empty rows are dropped there.
    return make_cycler_data(t, v, i, step=num.get(scol), cycle=num.get(ccol), control=control, capacity_mAh=q,
                            mass_mg=mass_mg, source=str(path), meta=meta)
