"""Arbin ``.res`` files (MS Access databases), read with galvani's ``res2sqlite``.

Needs Debian's ``mdbtools`` (``mdb-export``) on the PATH: without it the reader says so. Units in the
file: ``Test_Time`` s, ``Voltage`` V, ``Current`` A (converted to mA), ``Charge_Capacity`` and
``Discharge_Capacity`` A h (converted to mA h; ``capacity_mAh`` = charge − discharge counter, reset
by the cycler). Arbin's sign convention is > 0 for charge, as dualion's. No step type is stored:
rest/CC/CV are inferred by the segmenter.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import sqlite3
import tempfile
from pathlib import Path

import numpy as np

from dualion.core.cycler import CyclerData, make_cycler_data
from dualion.errors import DualionUserError


@contextlib.contextmanager
def _stderr_to(file: Path):
    """Redirect the process's stderr (fd 2, inherited by mdb-export) into ``file``."""
    import os
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    with open(file, "wb") as fh:
        os.dup2(fh.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def read(path: Path, mass_mg: float | None = None) -> CyclerData:
    """Read an Arbin ``.res`` file."""
    if shutil.which("mdb-export") is None:
        raise DualionUserError("reading Arbin .res files needs Debian's mdbtools (mdb-export not found): "
                               "install it with `apt-get install mdbtools` (or `make sysdeps`)", file=path)
    from dualion.extras import require

    require("cyclers", "galvani", what="reading Arbin files")
    from galvani import res2sqlite

    with tempfile.TemporaryDirectory(prefix="dualion-arbin-") as tmp:
        db = Path(tmp) / "res.sqlite"
        try:
            with contextlib.redirect_stdout(io.StringIO()), _stderr_to(Path(tmp) / "mdb.err"):
                # res2sqlite prints its progress; mdb-export complains on stderr about corrupt files
                res2sqlite.convert_arbin_to_sqlite(str(path), str(db))
            con = sqlite3.connect(db)
            try:
                cur = con.execute("SELECT Test_Time, Voltage, Current, Step_Index, Cycle_Index, "
                                  "Charge_Capacity, Discharge_Capacity FROM Channel_Normal_Table "
                                  "ORDER BY Test_ID, Data_Point")
                rows = np.array(cur.fetchall(), dtype=np.float64)
                glob = con.execute("SELECT Test_Name, Start_DateTime, Schedule_File_Name FROM Global_Table").fetchone()
            finally:
                con.close()
        except Exception as exc:  # galvani/mdbtools raise many types (StopIteration, CalledProcessError, ...)
            errf = Path(tmp) / "mdb.err"
            err = errf.read_text(errors="replace").strip() if errf.exists() else ""
            if isinstance(exc, StopIteration) and not err:
                msg = "mdbtools found no Arbin tables in it"   # galvani's schema parser ran out of input
            else:
                msg = (err.splitlines()[0] if err else "") or (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            raise DualionUserError(f"cannot read as an Arbin .res file (corrupt or not an Access file?): {msg}",
                                   file=path) from None
    if rows.ndim != 2 or rows.shape[0] == 0:
        raise DualionUserError("the Arbin file holds no data points", file=path)
    meta = {"vendor": "Arbin", "format": "res",
            "units": {"current": "Current (A) × 1000 → mA", "capacity": "Charge/Discharge_Capacity (A h) × 1000 → mA h",
                      "time": "Test_Time (s)"}}
    if glob:
        meta["test_name"], meta["start_datetime"], meta["schedule"] = glob[0], glob[1], glob[2]
    q = (rows[:, 5] - rows[:, 6]) * 1000.0
    return make_cycler_data(rows[:, 0], rows[:, 1], rows[:, 2] * 1000.0, step=rows[:, 3], cycle=rows[:, 4],
                            capacity_mAh=q, mass_mg=mass_mg, source=str(path), meta=meta)
