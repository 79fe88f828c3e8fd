"""Arbin ``.res`` files (MS Access databases), read with Debian's ``mdbtools`` (``mdb-export``).

The data table ``Channel_Normal_Table`` is exported as CSV and read through the one column table
(:mod:`.columns`), so older and newer layouts (with or without ``builtinvoltcount`` in the global table,
auxiliary channels, ``Is_FC_Data``) read alike. Units in the file: ``Test_Time`` s, ``Voltage`` V,
``Current`` A (→ mA), ``Charge_Capacity`` / ``Discharge_Capacity`` A h (→ mA h; ``capacity_mAh`` =
charge − discharge counter, reset by the cycler). Arbin's sign convention is > 0 for charge, as
dualion's. No step type is stored: rest/CC/CV are inferred by the segmenter. Arbin CSV exports
(``Test_Time(s)``, ``Current(A)``, ...) are read by :mod:`.table` directly.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from dualion.core.cycler import CyclerData
from dualion.errors import DualionUserError


def _export(path: Path, table: str) -> str:
    try:
        out = subprocess.run(["mdb-export", str(path), table], capture_output=True, timeout=600, check=False)
    except subprocess.TimeoutExpired:
        raise DualionUserError("mdb-export took over 10 minutes", file=path) from None
    if out.returncode != 0:
        err = out.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DualionUserError(f"cannot read as an Arbin .res file (not an Access file, or no {table}): "
                               f"{err[0] if err else 'mdb-export failed'}", file=path)
    return out.stdout.decode("utf-8", "replace")


def read(path: Path, mass_mg: float | None = None) -> CyclerData:
    """Read an Arbin ``.res`` file."""
    import pandas as pd

    from dualion.echem.readers import columns as colmap
    from dualion.echem.readers.table import frame_to_data

    if shutil.which("mdb-export") is None:
        raise DualionUserError("reading Arbin .res files needs Debian's mdbtools (mdb-export not found): "
                               "install it with `apt-get install mdbtools` (or `make sysdeps`)", file=path)
    tables = subprocess.run(["mdb-tables", "-1", str(path)], capture_output=True, timeout=60, check=False)
    names = tables.stdout.decode("utf-8", "replace").split()
    if tables.returncode != 0 or "Channel_Normal_Table" not in names:
        raise DualionUserError("cannot read as an Arbin .res file (corrupt or not an Access file?): mdbtools "
                               "found no Arbin data table (Channel_Normal_Table) in it", file=path)
    try:
        df = pd.read_csv(io.StringIO(_export(path, "Channel_Normal_Table")))
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DualionUserError(f"cannot parse the Arbin data table: {str(exc).splitlines()[0]}", file=path) from None
    if len(df) == 0:
        raise DualionUserError("cannot read as an Arbin .res file: its data table holds no rows (truncated?)",
                               file=path)
    sort = [c for c in ("Test_ID", "Data_Point") if c in df.columns]
    if sort:
        df = df.sort_values(sort, kind="stable").reset_index(drop=True)
    cols = [str(c) for c in df.columns]
    df.columns = range(len(cols))
    mapped = colmap.map_columns(cols, file=path)
    meta = {"vendor": "Arbin", "format": "res", "columns": cols, "units": {}}
    if "Global_Table" in names:
        try:
            g = pd.read_csv(io.StringIO(_export(path, "Global_Table")))
            for k in ("Test_Name", "Start_DateTime", "Schedule_File_Name"):
                if k in g.columns and len(g):
                    meta[k.lower()] = str(g[k].iloc[0])
        except (DualionUserError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError):
            pass
    for q in ("time", "voltage", "current"):
        if q not in mapped:
            raise DualionUserError(f"the Arbin data table has no {q} column; columns: {', '.join(cols)}",
                                   file=path, field=q)
    return frame_to_data(df, cols, mapped, meta, path, mass_mg)
