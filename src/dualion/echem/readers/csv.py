"""Plain cycler CSV, the dualion interchange format.

Columns (header names, any order): ``time_s`` (or ``time_min``, ``time_h``), ``voltage_V``,
``current_mA`` (or ``current_A``, ``current_uA``), optional ``capacity_mAh`` (or ``capacity_Ah``),
``cycle``, ``step``, ``control`` (rest/ocv/cc/cv/eis/cccv). Other columns are ignored. Lines starting
with ``#`` before the header carry metadata ``key=value`` (``# mass_mg=1.6``, ``# reference=Mg``).
Current sign: > 0 charge (team convention); ``# current_sign=discharge_positive`` flips it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dualion.core.cycler import CONTROL_CODES, UNKNOWN, CyclerData, make_cycler_data, write_cycler_csv
from dualion.errors import DualionUserError

_TIME = {"time_s": 1.0, "time_min": 60.0, "time_h": 3600.0}
_CURRENT = {"current_mA": 1.0, "current_A": 1000.0, "current_uA": 1e-3}
_CAPACITY = {"capacity_mAh": 1.0, "capacity_Ah": 1000.0}


def parse_header(path: Path) -> tuple[dict[str, str], int]:
    """``#`` metadata lines at the top as a dict, and the number of such lines."""
    meta: dict[str, str] = {}
    n = 0
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            s = line.strip()
            if not s.startswith("#"):
                if s == "":
                    n += 1
                    continue
                break
            n += 1
            body = s.lstrip("#").strip()
            for part in body.split(","):
                if "=" in part:
                    k, _, v = part.partition("=")
                    meta[k.strip()] = v.strip()
    return meta, n


def _pick(cols: list[str], table: dict[str, float], what: str, path: Path, required: bool = True):
    found = [c for c in table if c in cols]
    if len(found) > 1:
        raise DualionUserError(f"several {what} columns {found}; keep one", file=path, field=what)
    if not found:
        if required:
            raise DualionUserError(f"missing {what} column (one of {', '.join(table)}); found columns: "
                                   f"{', '.join(cols) or 'none'}", file=path, field=what)
        return None, None
    return found[0], table[found[0]]


def looks_plain(text: str) -> bool:
    """True when the first non-``#`` line of ``text`` is a dualion plain-CSV header (``time_s`` ...)."""
    for line in text.splitlines():
        s = line.strip().lstrip("\ufeff")
        if not s or s.startswith("#"):
            continue
        cells = {c.strip() for c in s.replace("\t", ",").split(",")}
        return bool(cells & {*_TIME, *_CURRENT, "voltage_V", "voltage_mV"})
    return False


def read(path: Path, mass_mg: float | None = None, user_columns=None) -> CyclerData:
    """Read a plain dualion cycler CSV (see module docstring); a vendor CSV (Arbin, Neware, Novonix,
    Bio-Logic ``;``) goes to :mod:`dualion.echem.readers.table`."""
    import pandas as pd

    from dualion.echem.readers.text import head_text

    if user_columns or not looks_plain(head_text(path)):
        from dualion.echem.readers import table

        return table.read(path, mass_mg=mass_mg, user_columns=user_columns, fmt="csv")
    from dualion.io.text import utf8_copy

    with utf8_copy(path) as src:   # UTF-8 in place; BOM / UTF-16 / Latin-1 through a UTF-8 copy; binary refused
        return _read_plain(src, mass_mg, shown=Path(path))


def _read_plain(path: Path, mass_mg: float | None, shown: Path) -> CyclerData:
    """The plain dualion CSV at ``path`` (UTF-8); errors and ``source`` name ``shown`` (the user's file)."""
    import pandas as pd

    header, nskip = parse_header(path)
    try:
        head = pd.read_csv(path, skiprows=nskip, nrows=0, sep=None if path.suffix.lower() != ".csv" else ",",
                           engine="python" if path.suffix.lower() != ".csv" else "c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DualionUserError(f"cannot parse the CSV header: {str(exc).splitlines()[0]}", file=shown) from None
    cols = [str(c).strip() for c in head.columns]
    if len(cols) == 1 and any(d in cols[0] for d in (";", "\t")):
        raise DualionUserError(f"one column {cols[0]!r}: the CSV must be comma-separated (';' or tab found)",
                               file=shown)
    sep = "," if path.suffix.lower() == ".csv" else ("\t" if "\t" in _first_data_line(path, nskip) else ",")
    tcol, tf = _pick(cols, _TIME, "time", shown)
    vcol = "voltage_V" if "voltage_V" in cols else None
    if vcol is None:
        if "voltage_mV" in cols:
            vcol = "voltage_mV"
        else:
            raise DualionUserError(f"missing voltage column voltage_V; found columns: {', '.join(cols)}",
                                   file=shown, field="voltage_V")
    icol, if_ = _pick(cols, _CURRENT, "current", shown)
    qcol, qf = _pick(cols, _CAPACITY, "capacity", shown, required=False)
    use = [c for c in (tcol, vcol, icol, qcol, "cycle" if "cycle" in cols else None,
                       "step" if "step" in cols else None, "control" if "control" in cols else None) if c]
    raw_names = {str(c).strip(): c for c in head.columns}
    dtypes = {raw_names[c]: np.float64 for c in (tcol, vcol, icol, qcol) if c}
    if "control" in use:
        dtypes[raw_names["control"]] = "category"
    # pandas silently ignores surplus fields on a row when ``usecols`` is given, and a ragged row (e.g. a
    # decimal comma "1,9" splitting a number in two) must be an error. Reading without ``usecols`` costs
    # ~20 % more peak memory on large files, so a streamed separator count (constant memory) decides:
    # only a file with more separators than its header implies is read without ``usecols``, and pandas
    # then names the first bad line.
    usecols = [raw_names[c] for c in use]
    if _surplus_separators(path, nskip, len(cols), sep):
        usecols = None
    try:
        df = pd.read_csv(path, skiprows=nskip, sep=sep, usecols=usecols, dtype=dtypes, on_bad_lines="error")
    except (ValueError, TypeError, pd.errors.ParserError) as exc:
        msg = str(exc).splitlines()[0]
        hint = ("every row must have as many fields as the header (a decimal comma?)" if "Expected" in msg
                else "columns must be numbers")
        raise DualionUserError(f"cannot parse the CSV ({msg}); {hint}", file=shown) from None
    df.columns = [str(c).strip() for c in df.columns]
    units = {"time": tcol, "voltage": vcol, "current": icol}
    t = df[tcol].to_numpy(np.float64)
    if tf != 1.0:
        t = t * tf
    v = df[vcol].to_numpy(np.float64)
    if vcol == "voltage_mV":
        v = v / 1000.0
    i = df[icol].to_numpy(np.float64)
    if icol == "current_A":
        _check_amps(i, mass_mg if mass_mg is not None else _file_mass(header, shown), shown)
    if if_ != 1.0:
        i = i * if_
    sign = header.get("current_sign", "charge_positive").lower()
    if sign in ("discharge_positive", "reduction_positive", "negative_charge"):
        i = -i
        units["current_sign"] = "flipped (file: discharge positive)"
    elif sign not in ("charge_positive", "oxidation_positive"):
        raise DualionUserError(f"unknown current_sign {sign!r} (charge_positive or discharge_positive)",
                               file=shown, field="current_sign")
    q = None
    if qcol:
        q = df[qcol].to_numpy(np.float64) * qf
        units["capacity"] = qcol
    cyc = _int_col(df, "cycle", shown)
    stp = _int_col(df, "step", shown)
    ctl = None
    if "control" in df.columns:
        cat = df["control"].astype("category")
        names = [str(c).strip().lower() for c in cat.cat.categories]
        bad = [n for n in names if n not in CONTROL_CODES]
        if bad:
            raise DualionUserError(f"unknown control value {bad[0]!r} (one of {', '.join(CONTROL_CODES)})",
                                   file=shown, field="control")
        codes = cat.cat.codes.to_numpy()
        if (codes < 0).any():
            raise DualionUserError(f"empty control value at data row {int(np.flatnonzero(codes < 0)[0]) + 1}",
                                   file=shown, field="control")
        lut = np.array([CONTROL_CODES[n] for n in names], dtype=np.int8)
        ctl = lut[codes]
        if (ctl == UNKNOWN).all():
            ctl = None
    del df
    file_mass = _file_mass(header, shown)
    meta = {"vendor": "dualion", "format": "csv", "units": units, "header": header,
            "reference": header.get("reference")}
    if file_mass is not None:
        meta["mass_from_file_mg"] = file_mass
    return make_cycler_data(t, v, i, step=stp, cycle=cyc, control=ctl, capacity_mAh=q,
                            mass_mg=mass_mg if mass_mg is not None else file_mass, source=str(shown), meta=meta)


def _file_mass(header: dict[str, str], shown: Path) -> float | None:
    if "mass_mg" not in header:
        return None
    try:
        return float(header["mass_mg"])
    except ValueError:
        raise DualionUserError(f"mass_mg={header['mass_mg']!r} is not a number", file=shown,
                               field="mass_mg") from None


#: A ``current_A`` column whose typical |I| exceeds this (A) without a known mass looks like mA.
AMPS_LOOK_LIKE_mA_A = 0.1
#: ... or, with a mass, whose current density exceeds this (mA g-1, ~30 C for a 300 mA h g-1 electrode).
AMPS_LOOK_LIKE_mA_mA_g = 1e4


def _check_amps(i_A, mass_mg: float | None, shown: Path) -> None:
    """Warn when a ``current_A`` column holds values that look like mA (one DualionWarning line)."""
    import warnings

    from dualion.errors import DualionWarning

    a = np.abs(i_A[np.isfinite(i_A)])
    if not a.size or a.max() == 0:
        return
    typ = float(np.median(a[a > 1e-3 * a.max()]))
    m = None
    try:
        m = float(mass_mg) if mass_mg is not None else None
    except (TypeError, ValueError):
        m = None
    dens = typ * 1000.0 / (m / 1000.0) if m and m > 0 else None
    if (dens is not None and dens > AMPS_LOOK_LIKE_mA_mA_g) or (dens is None and typ > AMPS_LOOK_LIKE_mA_A):
        what = f"{dens:.3g} mA g-1 for {m:g} mg" if dens is not None else "more than a lab cell draws"
        warnings.warn(f"{shown}: current_A: typical |I| {typ:.3g} A ({what}): values that look like mA in an A "
                      "column? (rename the column current_mA if so)", DualionWarning, stacklevel=3)


def _surplus_separators(path: Path, nskip: int, ncols: int, sep: str, chunk: int = 1 << 23) -> bool:
    """True when the data rows (after ``nskip`` comment lines and the header) hold more ``sep`` than
    ``ncols − 1`` per line in total, counted in 8 MB chunks (constant memory, ~0.05 s per 60 MB).

    Blank lines and short rows only lower the count, so a True answer means at least one row has
    surplus fields (or a quoted field contains the separator: pandas then reads it correctly).
    """
    bsep = sep.encode()
    n_sep = n_nl = 0
    last = b"\n"
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                break
            n_sep += block.count(bsep)
            n_nl += block.count(b"\n")
            last = block[-1:]
    with open(path, "rb") as fh:  # separators and line ends of the comment lines and the header
        head_sep = 0
        for _ in range(nskip + 1):
            head_sep += fh.readline().count(bsep)
    data_lines = n_nl - (nskip + 1) + (0 if last == b"\n" else 1)
    return n_sep - head_sep > (ncols - 1) * max(data_lines, 0)


def _first_data_line(path: Path, nskip: int) -> str:
    with open(path, encoding="utf-8", errors="replace") as fh:
        for k, line in enumerate(fh):
            if k >= nskip:
                return line
    return ""


def _int_col(df, name: str, path: Path):
    if name not in df.columns:
        return None
    a = df[name].to_numpy()
    if a.dtype.kind not in "iuf":
        raise DualionUserError("column must hold integers", file=path, field=name)
    return a


#: The plain cycler CSV writer (one implementation: :func:`dualion.core.cycler.write_cycler_csv`).
write = write_cycler_csv
