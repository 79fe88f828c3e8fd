"""Neware ``.nda`` / ``.ndax`` binary files, read with the NewareNDA package (PyPI ``NewareNDA``).

NewareNDA returns current in mA (> 0 charge, as dualion), voltage in V, capacities in mA h, and
``Time`` as the time within each step (s); the test time is rebuilt from the per-row ``Timestamp`` at
each step start plus the step time (:func:`.table._rebuild_test_time`: never before the previous row,
so that it does not freeze at step starts). ``Status`` gives the
step type: ``Rest`` → rest, ``CC_*`` → CC, ``CV_*`` → CV, ``CCCV_*`` → one step with a CC then a CV
part (split row by row by the segmenter).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dualion.core.cycler import CC, CCCV, CV, OCV, REST, UNKNOWN, CyclerData, make_cycler_data
from dualion.errors import DualionUserError


def _status_code(s: str) -> int:
    s = s.upper()
    if s.startswith("REST") or s == "PAUSE":
        return REST
    if s.startswith("CCCV") or s.startswith("CC-CV"):
        return CCCV
    if s.startswith("CC_") or s.startswith("CC-"):
        return CC
    if s.startswith("CV_") or s.startswith("CV-"):
        return CV
    if s.startswith("OCV"):
        return OCV
    return UNKNOWN


def read(path: Path, mass_mg: float | None = None) -> CyclerData:
    """Read a Neware ``.nda`` or ``.ndax`` file."""
    from dualion.extras import require

    NewareNDA = require("cyclers", "NewareNDA", what="reading Neware files")
    try:
        df = NewareNDA.read(str(path))
    except Exception as exc:  # NewareNDA raises many types on corrupt input
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DualionUserError(f"cannot read as a Neware file (truncated or corrupt?): {msg}", file=path) from None
    if len(df) == 0:
        raise DualionUserError("the Neware file holds no data points", file=path)
    from dualion.echem.readers.table import _rebuild_test_time

    step_t = df["Time"].to_numpy(np.float64)
    step = df["Step"].to_numpy(np.int64)
    stamp = (df["Timestamp"] - df["Timestamp"].iloc[0]).dt.total_seconds().to_numpy(np.float64)
    t = _rebuild_test_time(step_t, stamp, step)
    status = df["Status"].astype(str).to_numpy()
    uniq = np.unique(status)
    lut = {s: _status_code(s) for s in uniq}
    control = np.zeros(len(df), dtype=np.int8)
    for s, code in lut.items():
        control[status == s] = code
    # NewareNDA writes the discharge counter negative in some files and positive in others: magnitudes
    q = (np.abs(df["Charge_Capacity(mAh)"].to_numpy(np.float64))
         - np.abs(df["Discharge_Capacity(mAh)"].to_numpy(np.float64)))
    meta = {"vendor": "Neware", "format": path.suffix.lower().lstrip("."),
            "units": {"time": "test time rebuilt from Timestamp at step starts + step Time (s)",
                      "current": "Current(mA)", "capacity": "Charge − Discharge_Capacity(mAh)"},
            "status_values": sorted(lut)}
    return make_cycler_data(t, df["Voltage"].to_numpy(np.float64), df["Current(mA)"].to_numpy(np.float64),
                            step=step, cycle=df["Cycle"].to_numpy(np.int64), control=control, capacity_mAh=q,
                            mass_mg=mass_mg, source=str(path), meta=meta)
