"""Bio-Logic EC-Lab ``.mpr`` (binary) and ``.mpt`` (text) files, read with galvani.

Units: Bio-Logic writes time in s, potential ``Ewe/V`` in V, current ``I/mA`` (or ``<I>/mA``) in mA
and charges in mA h, with I > 0 for oxidation: already the dualion convention (> 0 charge).
GCPL files written without an ``I/mA`` column carry ``dq/mA.h`` instead; the current is then the
interval average ``I_k = 3600 dq_k / (t_k - t_{k-1})`` (mA), so that ∫I dt reproduces the cycler's
own charge counter. The step type comes from the ``mode`` flag (1 CC, 2 CV, 3 rest/OCV), the step
index from ``Ns``; the cycle index from ``cycle number`` when present (``.mpt``), otherwise unknown.
The ``.mpt`` header's ``Mass of active material`` is used as the active mass when given.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from dualion.core.cycler import CC, CV, EIS, REST, UNKNOWN, CyclerData, make_cycler_data
from dualion.errors import DualionUserError

_MODE = {1: CC, 2: CV, 3: REST}


def read(path: Path, mass_mg: float | None = None) -> CyclerData:
    """Read a Bio-Logic ``.mpr`` or ``.mpt`` file."""
    from dualion.extras import require

    require("cyclers", "galvani", what="reading Bio-Logic files")
    from galvani import BioLogic

    meta: dict = {"vendor": "Bio-Logic", "format": path.suffix.lower().lstrip("."), "units": {}}
    file_mass = None
    try:
        if path.suffix.lower() == ".mpt":
            with open(path, "rb") as fh:  # galvani leaves a file it opened itself unclosed
                arr, comments = BioLogic.MPTfile(fh)
            file_mass = _mass_from_comments(comments)
            mode = arr["mode"].astype(np.int64) if "mode" in arr.dtype.names else None
        else:
            with open(path, "rb") as fh:
                mpr = BioLogic.MPRfile(fh)
            arr = mpr.data
            mode = mpr.get_flag("mode").astype(np.int64) if "flags" in arr.dtype.names else None
            meta["start_date"] = str(getattr(mpr, "startdate", "")) or None
            meta["mpr_version"] = getattr(mpr, "version", None)
    except DualionUserError:
        raise
    except Exception as exc:  # galvani raises many types on corrupt input (struct.error, EOFError, ...)
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DualionUserError(f"cannot read as a Bio-Logic file (truncated or corrupt?): {msg}",
                               file=path) from None
    names = arr.dtype.names or ()
    if len(arr) == 0:
        raise DualionUserError("the Bio-Logic file holds no data points", file=path)

    def col(*cands):
        for c in cands:
            if c in names:
                return c
        return None

    tcol = col("time/s")
    vcol = col("Ewe/V", "<Ewe>/V", "<Ewe/V>", "Ecell/V")
    if tcol is None or vcol is None:
        raise DualionUserError(f"missing time/s or Ewe/V column; columns: {', '.join(names)}", file=path)
    t = np.asarray(arr[tcol], dtype=np.float64)
    v = np.asarray(arr[vcol], dtype=np.float64)
    icol = col("I/mA", "<I>/mA", "control/mA")
    qcol = col("(Q-Qo)/mA.h", "Q charge/discharge/mA.h")
    if icol in ("I/mA", "<I>/mA"):
        i = np.asarray(arr[icol], dtype=np.float64)
        meta["units"]["current"] = f"{icol} (mA, > 0 oxidation = charge)"
    elif "dq/mA.h" in names:
        dq = np.asarray(arr["dq/mA.h"], dtype=np.float64)
        dt = np.diff(t, prepend=t[0])
        i = np.zeros_like(t)
        np.divide(3600.0 * dq, dt, out=i, where=dt > 0)
        meta["units"]["current"] = "derived from dq/mA.h as 3600 dq/dt (mA; no I/mA column in the file)"
    else:
        raise DualionUserError(f"no current column (I/mA, <I>/mA or dq/mA.h); columns: {', '.join(names)}",
                               file=path, field="current")
    q = np.asarray(arr[qcol], dtype=np.float64) if qcol else None
    if qcol:
        meta["units"]["capacity"] = f"{qcol} (mA h)"
    step = np.asarray(arr["Ns"], dtype=np.int64) if "Ns" in names else None
    cycle = np.asarray(arr["cycle number"], dtype=np.int64) if "cycle number" in names else None
    control = None
    if mode is not None:
        control = np.full(len(arr), UNKNOWN, dtype=np.int8)
        for k, code in _MODE.items():
            control[mode == k] = code
    if col("freq/Hz") is not None:  # impedance rows
        f = np.asarray(arr["freq/Hz"], dtype=np.float64)
        control = control if control is not None else np.full(len(arr), UNKNOWN, dtype=np.int8)
        control[np.isfinite(f) & (f > 0)] = EIS
    if file_mass is not None:
        meta["mass_from_file_mg"] = file_mass
    meta["columns"] = list(names)
    return make_cycler_data(t, v, i, step=step, cycle=cycle, control=control, capacity_mAh=q,
                            mass_mg=mass_mg if mass_mg is not None else file_mass, source=str(path), meta=meta)


def _mass_from_comments(comments) -> float | None:
    for line in comments or []:
        s = line.decode("latin-1") if isinstance(line, bytes) else str(line)
        m = re.match(r"\s*Mass of active material\s*:\s*([0-9.eE+-]+)\s*(\w+)", s)
        if m:
            val, unit = float(m.group(1)), m.group(2)
            factor = {"mg": 1.0, "g": 1000.0, "µg": 1e-3, "ug": 1e-3}.get(unit, None)
            if factor is not None and val > 0:
                return val * factor
    return None
