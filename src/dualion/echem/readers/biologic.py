"""Bio-Logic EC-Lab ``.mpr`` (binary, read with galvani — the maintained fork ``datalab-org-galvani``
knows the newer data-module column IDs) and ``.mpt`` (text: read by :mod:`.table`: Latin-1 header with
``µ``, ``Nb header lines``, LF or CRLF, decimal commas of German-locale exports).

Units: Bio-Logic writes time in s, potential ``Ewe/V`` in V, current ``I/mA`` (or ``<I>/mA``) in mA
and charges in mA h, with I > 0 for oxidation: already the dualion convention (> 0 charge).
The current column is chosen the same way for .mpr and .mpt (:func:`bio_current`), so that an .mpr/.mpt
pair gives identical half-cycles: ``I/mA`` (the current at the row's time), else ``dq/mA.h`` as the
interval average ``I_k = 3600 dq_k / (t_k - t_{k-1})`` (mA; Σ I_k Δt_k reproduces the cycler's own
counter), else ``<I>/mA`` (an interval mean). ``meta['current_sampling']`` says which
(``point`` / ``interval_mean``: :mod:`dualion.echem.capacity` picks the quadrature from it). The step type comes from the ``mode`` flag (1 CC, 2 CV, 3 rest/OCV), the step
index from ``Ns``; the cycle index from ``cycle number`` when present (``.mpt``), otherwise unknown.
The ``.mpt`` header's ``Mass of active material`` is used as the active mass when given.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dualion.core.cycler import CC, CV, EIS, REST, UNKNOWN, CyclerData, make_cycler_data
from dualion.echem.readers.ec_lab import bio_current
from dualion.errors import DualionUserError

_MODE = {1: CC, 2: CV, 3: REST}


def read(path: Path, mass_mg: float | None = None, user_columns=None) -> CyclerData:
    """Read a Bio-Logic ``.mpr`` or ``.mpt`` file (by content: an EC-Lab text export is ``.mpt``)."""
    import warnings

    with open(path, "rb") as fh:
        text = fh.read(24).lstrip(b"\xef\xbb\xbf").startswith(b"EC-Lab ASCII FILE")
    if text:
        from dualion.echem.readers import table

        return table.read(path, mass_mg=mass_mg, user_columns=user_columns, vendor="Bio-Logic", fmt="mpt")
    from dualion.extras import require

    require("cyclers", "galvani", what="reading Bio-Logic .mpr files")
    from galvani import BioLogic

    meta: dict = {"vendor": "Bio-Logic", "format": "mpr", "units": {}}
    try:
        with open(path, "rb") as fh, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mpr = BioLogic.MPRfile(fh)
        unknown = sorted({str(w.message) for w in caught if "Unknown column ID" in str(w.message)})
        if unknown:
            meta["galvani_notes"] = unknown
        arr = mpr.data
        mode = mpr.get_flag("mode").astype(np.int64) if "flags" in arr.dtype.names else None
        meta["start_date"] = str(getattr(mpr, "startdate", "")) or None
        meta["mpr_version"] = getattr(mpr, "version", None)
    except DualionUserError:
        raise
    except Exception as exc:  # galvani raises many types on corrupt input (struct.error, EOFError, ...)
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "Column ID" in msg and "unknown" in msg:
            raise DualionUserError(f"this EC-Lab version writes a data column the installed galvani does not "
                                   f"know ({msg}); install datalab-org-galvani>=0.6 (the `cyclers` extra) or "
                                   "export the file as .mpt text", file=path) from None
        raise DualionUserError(f"cannot read as a Bio-Logic .mpr file (truncated or corrupt?): {msg}",
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
    icol = col("I/mA", "<I>/mA")
    qcol = col("(Q-Qo)/mA.h", "Q charge/discharge/mA.h")
    i, sampling, how = bio_current(names, lambda c: np.asarray(arr[c], dtype=np.float64), t)
    if i is None:
        raise DualionUserError(f"no current column (I/mA, <I>/mA or dq/mA.h); columns: {', '.join(names)}",
                               file=path, field="current")
    meta["units"]["current"] = how
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
    meta["columns"] = list(names)
    meta["current_sampling"] = sampling
    half = np.asarray(arr["half cycle"], dtype=np.int64) if "half cycle" in names else None
    if cycle is None and half is not None:
        cycle = half // 2  # EC-Lab's own rule: its text export writes cycle number = half cycle // 2
        meta["units"]["cycle"] = "half cycle // 2 (as EC-Lab's cycle number)"
    return make_cycler_data(t, v, i, step=step, cycle=cycle, control=control, capacity_mAh=q, half_cycle=half,
                            mass_mg=mass_mg, source=str(path), meta=meta)
