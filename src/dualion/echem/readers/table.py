"""Delimited text exports of any cycler (Arbin, Neware, Novonix, Maccor, Bio-Logic ``.mpt``/``;`` CSV, ...).

One reader for every vendor text table, driven by the one column table (:mod:`.columns`):

1. Text from :func:`.text.decode` (BOM / UTF-16 / UTF-8 / Latin-1; LF, CRLF or CR line ends).
2. The header is the first line (within the first 400, or at EC-Lab's ``Nb header lines``) whose cells,
   split at tab, ``;`` or ``,``, map to voltage and current (or voltage and a capacity) plus a time;
   lines above it (Maccor titles, Novonix ``[Summary]`` blocks, EC-Lab settings) are metadata. A line
   wrapped whole in double quotes (Novonix) is unwrapped.
3. Decimal comma when the separator is not ``,`` and numbers are written ``0,137``; thousands
   separators (``1.234,5`` or ``1,234.5``) are removed.
4. Columns are converted to s, V, mA, mA h by the unit in the header or the table's default. A time
   written as a duration (``0d 00:01:00.0000``, ``00:01:00``, ``1 day, 02:00:00``) is parsed; a time
   column whose unit the header does not name is checked against a date-time column when there is
   one (the ratio of their spans picks s, min, h or d). A voltage column without a unit whose values
   exceed 50 is read as mV (Maccor ``mAmps`` exports).
5. Current sign: signed currents are kept (> 0 charge). An unsigned current (never < 0) takes its
   sign from a state column (Maccor ``C``/``D``) or from the step type (``... DChg``/``Discharge`` −).
6. Capacity counter (mA h, signed: rises on charge): Bio-Logic ``(Q-Qo)``; else ``charge − discharge``
   counters; else a single unsigned counter signed like the current. Resets at step starts are
   allowed (the segmenter takes them into account).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np

from dualion.core.cycler import CC, CCCV, CV, EIS, OCV, REST, UNKNOWN, CyclerData, make_cycler_data
from dualion.echem.readers import columns as colmap
from dualion.echem.readers.text import decode
from dualion.errors import DualionUserError

_SEPS = ("\t", ";", ",")
_TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".dat", ".mpt", ".text", ".maccor")
_MAX_HEADER_LINE = 400
_DURATION = re.compile(r"^\s*(?:(?P<d>\d+)\s*(?:d|days?|-),?\s*)?(?P<h>\d+):(?P<m>\d+):(?P<s>\d+(?:[.,]\d*)?)\s*$")


def _unquote(line: str) -> str:
    s = line.strip()
    if len(s) >= 2 and s[0] == '"' and s[-1] == '"' and s.count('"') == 2:
        return s[1:-1]
    return line


def _split(line: str, sep: str) -> list[str]:
    return [c.strip().strip('"') for c in line.rstrip("\r\n").split(sep)]


def find_header(lines: list[str], user=None, path=None) -> tuple[int, str, dict]:
    """(line index, separator, mapped columns) of the table header (rule 2 of the module docstring)."""
    start = 0
    for k, line in enumerate(lines[:5]):
        m = re.match(r"\s*Nb header lines\s*:\s*(\d+)", line)
        if m:  # EC-Lab: the header is the last of the N header lines
            start = max(int(m.group(1)) - 1, 0)
            break
    best = None
    near = None  # the line naming most quantities, for the error message
    for k in range(start, min(len(lines), start + _MAX_HEADER_LINE)):
        line = _unquote(lines[k])
        for sep in _SEPS:
            if sep not in line:
                continue
            cells = _split(line, sep)
            if len(cells) < 3:
                continue
            mapped = colmap.map_columns(cells, user, file=path)
            q = set(mapped)
            core = q & {"time", "step_time", "datetime", "voltage", "current"}
            if len(core) >= 2 and (near is None or len(core) > len(near[1])):
                near = (k, core)
            has_time = bool(q & {"time", "step_time", "datetime"})
            if "voltage" in q and has_time and ("current" in q or "capacity" in q or "charge_capacity" in q):
                if best is None or len(mapped) > len(best[2]):
                    best = (k, sep, mapped)
        if best is not None:
            return best
    if near is not None:
        k, core = near
        missing = [w for w, qs in (("time", {"time", "step_time", "datetime"}), ("voltage", {"voltage"}),
                                   ("current", {"current"})) if not core & qs]
        found = ", ".join(c for c in _split(_unquote(lines[k]), _best_sep(lines[k])) if c)
        raise DualionUserError(f"missing {' and '.join(missing)} column (header line {k + 1} maps only to "
                               f"{', '.join(sorted(core))}; found columns: {found}); map other names with "
                               "--columns map.yaml", file=path, field=missing[0])
    ext = Path(path).suffix.lower() if path is not None else ""
    if ext and ext not in _TEXT_SUFFIXES and not ext[1:].isdigit():
        raise DualionUserError(f"unknown cycler file type {ext!r}: no known binary signature and no table header "
                               "(time, voltage, current) in its first lines; use --format or --columns", file=path)
    raise DualionUserError("no table header found: no line within the first "
                           f"{_MAX_HEADER_LINE} names a time, a voltage and a current column (known names: "
                           "docs/echem.md#columns; map an unknown export with --columns map.yaml)", file=path)


def _best_sep(line: str) -> str:
    return max(_SEPS, key=line.count)


def _number_format(sample: list[str], sep: str) -> tuple[str, str | None]:
    """(decimal, thousands) from sample data lines."""
    body = "\n".join(sample)
    if sep != ",":
        comma = len(re.findall(r"(?<![\d.,])-?\d+,\d+(?:[eE][-+]?\d+)?(?![\d,])", body))
        dot = len(re.findall(r"(?<![\d.,])-?\d+\.\d+(?![\d.])", body))
        if comma > dot:
            thousands = "." if re.search(r"\d\.\d{3},\d", body) else None
            return ",", thousands
        if re.search(r"(?<![\d.,])\d{1,3}(?:,\d{3})+\.\d", body):
            return ".", ","
    return ".", None


def _durations(s) -> np.ndarray:
    """Seconds from duration strings (``0d 00:00:01.5``, ``01:02:03``); NaN where not one."""
    import pandas as pd

    ss = pd.Series(s, dtype="string")
    ext = ss.str.extract(_DURATION)
    out = np.full(len(ss), np.nan)
    ok = ext["h"].notna().to_numpy()
    if ok.any():
        d = pd.to_numeric(ext["d"], errors="coerce").fillna(0).to_numpy(np.float64)
        h = pd.to_numeric(ext["h"], errors="coerce").to_numpy(np.float64)
        m = pd.to_numeric(ext["m"], errors="coerce").to_numpy(np.float64)
        sec = pd.to_numeric(ext["s"].str.replace(",", ".", regex=False), errors="coerce").to_numpy(np.float64)
        out[ok] = (86400.0 * d + 3600.0 * h + 60.0 * m + sec)[ok]
    return out


def _numeric(series) -> np.ndarray:
    import pandas as pd

    if series.dtype.kind in "iuf":
        return series.to_numpy(np.float64)
    return pd.to_numeric(series.astype("string").str.strip(), errors="coerce").to_numpy(np.float64)


def _seconds(series) -> tuple[np.ndarray, bool]:
    """(values, was_duration): numbers as they are, or duration strings in s."""
    v = _numeric(series)
    if np.isfinite(v).mean() >= 0.5:
        return v, False
    return _durations(series.astype("string").to_numpy()), True


def _datetime_s(series) -> np.ndarray | None:
    import warnings

    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ts = pd.to_datetime(series.astype("string").str.strip(), errors="coerce", format="mixed")
        except (ValueError, TypeError):
            return None
    ok = ts.notna().to_numpy()
    if ok.mean() < 0.9:
        return None
    out = np.full(len(ts), np.nan)
    t0 = ts[ok].iloc[0]
    out[ok] = (ts[ok] - t0).dt.total_seconds().to_numpy(np.float64)
    return out


def _infer_time_factor(t: np.ndarray, dts: np.ndarray | None, default: float) -> tuple[float, str]:
    if dts is None:
        return default, "default"
    ok = np.isfinite(t) & np.isfinite(dts)
    if ok.sum() < 3:
        return default, "default"
    span_t = float(t[ok][-1] - t[ok][0])
    span_d = float(dts[ok][-1] - dts[ok][0])
    if span_t <= 0 or span_d <= 0:
        return default, "default"
    cands = np.array([1.0, 60.0, 3600.0, 86400.0])
    f = float(cands[np.argmin(np.abs(np.log(span_d / span_t) - np.log(cands)))])
    return f, "from the date-time column"


def _control_from_names(names: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(control code, direction −1/0/+1) per row from step-type / state labels."""
    import pandas as pd

    cat = pd.Categorical(names)
    ctl_lut = np.zeros(len(cat.categories), dtype=np.int8)
    dir_lut = np.zeros(len(cat.categories), dtype=np.int8)
    for k, lab in enumerate(cat.categories):
        s = str(lab).strip().lower().replace("_", " ").replace("-", " ")
        if s in ("r", "rest", "pause") or s.startswith("rest") or "pause" in s:
            ctl_lut[k] = REST
        elif "ocv" in s or "open circuit" in s:
            ctl_lut[k] = OCV
        elif s in ("fra", "eis") or "imped" in s or s.startswith("peis") or s.startswith("geis"):
            ctl_lut[k] = EIS
        elif "cccv" in s or "cc cv" in s:
            ctl_lut[k] = CCCV
        elif re.search(r"\bcv\b", s) or s.startswith("cv"):
            ctl_lut[k] = CV
        elif re.search(r"\bcc\b", s) or s.startswith("cc"):
            ctl_lut[k] = CC
        if s in ("d",) or "dchg" in s or "discharge" in s or "dis" in s.split():
            dir_lut[k] = -1
        elif s in ("c",) or "chg" in s or "charge" in s:
            dir_lut[k] = 1
    codes = np.asarray(cat.codes)
    ctl = np.where(codes >= 0, ctl_lut[codes], UNKNOWN).astype(np.int8)
    dr = np.where(codes >= 0, dir_lut[codes], 0).astype(np.int8)
    return ctl, dr


def _metadata(lines: list[str]) -> dict:
    meta: dict = {}
    text = "\n".join(lines)
    if "EC-Lab" in text or "Nb header lines" in text:
        meta["vendor"] = "Bio-Logic"
        m = re.search(r"Mass of active material\s*:\s*([0-9.,eE+-]+)\s*(\w+)", text)
        if m:
            val = float(m.group(1).replace(",", "."))
            factor = {"mg": 1.0, "g": 1000.0, "µg": 1e-3, "ug": 1e-3}.get(m.group(2))
            if factor is not None:
                meta["mass_in_header_mg"] = val * factor
    elif "Novonix" in text:
        meta["vendor"] = "Novonix"
    elif "Maccor" in text or "Today's Date" in text or "Procedure" in text:
        meta["vendor"] = "Maccor"
    return meta


def read(path: Path, mass_mg: float | None = None, user_columns=None, vendor: str | None = None,
         fmt: str = "text") -> CyclerData:
    """Read a delimited text export (module docstring) into a :class:`CyclerData`."""
    import pandas as pd

    text, enc = decode(path)
    lines = text.splitlines()
    k, sep, mapped = find_header(lines, user_columns, path)
    meta = _metadata(lines[:k])
    names = [c for c in _split(_unquote(lines[k]), sep)]
    data_lines = [_unquote(x) for x in lines[k + 1:] if x.strip()]
    lead = next((j for j, c in enumerate(names) if c), 0)
    levels = None
    if lead:  # Neware's three-level export: cycle rows, step rows, then record rows under them
        data_lines, levels = _levels(data_lines, sep, lead)
        meta["layout"] = f"{lead + 1}-level (records under cycle/step rows)"
    if not data_lines:
        raise DualionUserError("the table has a header but no data rows", file=path)
    decimal, thousands = _number_format(data_lines[:200], sep)
    meta.update({"vendor": vendor or meta.get("vendor") or _guess_vendor(names), "format": fmt,
                 "encoding": enc, "separator": {"\t": "tab"}.get(sep, sep), "decimal": decimal,
                 "header_line": k + 1, "columns": names, "units": {}})
    # duplicate header names get pandas' ".1" suffixes: map on the positions instead
    try:
        df = pd.read_csv(io.StringIO("\n".join(data_lines)), sep=sep, header=None, names=range(len(names)),
                         decimal=decimal, thousands=thousands, index_col=False, dtype=None, engine="c",
                         on_bad_lines="skip", low_memory=False, quotechar='"')
    except (ValueError, pd.errors.ParserError) as exc:
        raise DualionUserError(f"cannot parse the table: {str(exc).splitlines()[0]}", file=path) from None
    if levels is not None:
        for q, arr in levels.items():
            if q not in mapped and arr is not None:
                df[len(names)] = arr
                names.append(f"({q} from the {q} rows)")
                mapped[q] = colmap.Mapped(names[-1], q, 1.0, None, False, -1)
    return frame_to_data(df, names, mapped, meta, path, mass_mg)


def _levels(lines: list[str], sep: str, lead: int):
    """Record lines of a multi-level export (those with ``lead`` empty leading cells) and, per record, the
    cycle / step index and step name of the level rows above it."""
    keep, cyc, stp, name = [], [], [], []
    c = s = np.nan
    nm = ""
    for line in lines:
        cells = line.split(sep, lead + 2)
        depth = next((j for j, x in enumerate(cells) if x.strip()), len(cells))
        if depth == lead:
            keep.append(line)
            cyc.append(c)
            stp.append(s)
            name.append(nm)
        elif depth == 0:
            c = _float(cells[0])
        elif depth == 1 and lead >= 2:
            s = _float(cells[1])
            nm = cells[2].strip() if len(cells) > 2 else ""
    out = {"cycle": np.array(cyc), "step": np.array(stp), "step_type": np.array(name, dtype=object)}
    return keep, {k: (None if (v.dtype.kind == "f" and not np.isfinite(v).any()) or
                      (v.dtype == object and not any(v)) else v) for k, v in out.items()}


def _float(x: str) -> float:
    try:
        return float(x.strip().strip('"'))
    except ValueError:
        return float("nan")


def frame_to_data(df, names: list[str], mapped: dict, meta: dict, path: Path,
                  mass_mg: float | None = None) -> CyclerData:
    """Convert a table (columns by position, named ``names``) mapped by :func:`columns.map_columns`
    into a :class:`CyclerData` (rules 4–6 of the module docstring)."""
    pos = {c: names.index(c) for c in names}
    meta.setdefault("units", {})
    meta.setdefault("source", str(path))
    units = meta["units"]
    df = _drop_truncated_last_row(df, [pos[mapped[q].column] for q in ("voltage", "current") if q in mapped], meta)

    def col(q):
        m = mapped.get(q)
        return None if m is None else df[pos[m.column]]

    # the date-time column is parsed only where it is needed (slow: mixed formats, AM/PM)
    need_dt = "datetime" in mapped and ("time" not in mapped or not mapped["time"].unit_given)
    dts = _datetime_s(col("datetime")) if need_dt else None
    # time (s)
    if "time" in mapped:
        t, was_dur = _seconds(col("time"))
        m = mapped["time"]
        if not was_dur:
            f, how = (m.factor, "header") if m.unit_given else _infer_time_factor(t, dts, m.factor)
            t = t * f
            units["time"] = f"{m.column} × {f:g} → s ({how})"
        else:
            units["time"] = f"{m.column} (duration d hh:mm:ss → s)"
    elif "step_time" in mapped and "datetime" in mapped and dts is not None:
        st, _ = _seconds(col("step_time"))
        t = _rebuild_test_time(st * mapped["step_time"].factor, dts, _int_or_none(col("step")))
        units["time"] = "rebuilt from the date-time column at step starts + step time (s)"
    elif dts is not None:
        t = dts
        units["time"] = f"{mapped['datetime'].column} (date-time → s from the first row)"
    else:
        raise DualionUserError("no usable time column", file=path, field="time")
    t_fin = t[np.isfinite(t)]
    if t_fin.size > 1 and (np.diff(t_fin) < 0).any():  # time restarts: a step time; rebuild the test time
        step_idx = _int_or_none(col("step"))
        if dts is None and "datetime" in mapped:
            dts = _datetime_s(col("datetime"))
        stamp = dts if dts is not None else np.full(t.size, np.nan)
        n_back = int((np.diff(t_fin) < 0).sum())
        t = _rebuild_test_time(t, stamp, step_idx)
        if step_idx is None or n_back > len(np.unique(step_idx)):
            _note(meta, f"the time column goes back {n_back} time(s) (not only at step starts): read as a "
                  "time that restarts, and the test time rebuilt; check the file (concatenated exports?)", path)
        units["time"] += "; restarts at each step: test time rebuilt (step starts from the date-time column, " \
                         "else at the previous row)"
    v = _numeric(col("voltage"))
    mv = mapped["voltage"]
    vf = mv.factor
    if not mv.unit_given and np.nanmax(np.abs(v)) > 50.0:
        vf = 1e-3
        _note(meta, f"{mv.column} holds values up to {np.nanmax(np.abs(v)):g} with no unit: read as mV", path)
    v = v * vf
    units["voltage"] = f"{mv.column} × {vf:g} → V"
    labels_ctl = labels_dir = None
    for q in ("step_type", "state"):
        if q in mapped:
            c, d = _control_from_names(col(q).astype("string").fillna("").to_numpy())
            labels_ctl = c if labels_ctl is None else np.where(labels_ctl == UNKNOWN, c, labels_ctl)
            labels_dir = d if labels_dir is None else np.where(labels_dir == 0, d, labels_dir)
    bio = None
    if meta.get("vendor") == "Bio-Logic":
        from dualion.echem.readers.ec_lab import bio_current

        bio, sampling, how = bio_current(names, lambda c: _numeric(df[pos[c]]), t)
    if bio is not None:
        i = bio
        units["current"] = how
        meta["current_sampling"] = sampling
    elif "current" in mapped:
        mi = mapped["current"]
        i = _numeric(col("current")) * mi.factor
        units["current"] = f"{mi.column} × {mi.factor:g} → mA"
        finite = i[np.isfinite(i)]
        directional = labels_dir is not None and ("state" in mapped or (labels_dir < 0).any())
        if finite.size and (finite >= 0).all() and (finite > 0).any() and directional:
            lost = (labels_dir == 0) & (i != 0) & np.isfinite(i) & (labels_ctl != REST)
            if lost.any():
                k = int(np.flatnonzero(lost)[0])
                q = "state" if "state" in mapped else "step_type"
                lab = str(col(q).iloc[k])
                signed = (labels_dir != 0) & (i != 0)
                if not signed.any():
                    raise DualionUserError(f"{mapped[q].column} {lab!r} at data row {k + 1} has a non-zero unsigned "
                                           "current: direction unknown", file=path, field=mapped[q].column)
                # some rows of another state (e.g. Maccor 'O'): never counted, said so
                labels_ctl = np.where(lost, OCV, labels_ctl).astype(np.int8)
                _note(meta, f"{int(lost.sum())} row(s) with {mapped[q].column} such as {lab!r} carry an unsigned "
                      "current of unknown direction: not counted in any half-cycle", path)
            i = np.where(labels_dir < 0, -i, i)
            units["current_sign"] = "unsigned in the file; sign from the state / step type (discharge −)"
    else:
        raise DualionUserError("no current column (only capacities); map one with --columns", file=path,
                               field="current")
    q = _counter(mapped, col, i, units)
    control = labels_ctl
    if "mode" in mapped:
        mode = _numeric(col("mode"))
        control = np.full(len(df), UNKNOWN, dtype=np.int8) if control is None else control
        for code, ctl in ((1, CC), (2, CV), (3, REST)):
            control[mode == code] = ctl
    if "frequency" in mapped:
        f = _numeric(col("frequency"))
        control = np.full(len(df), UNKNOWN, dtype=np.int8) if control is None else control
        control[np.isfinite(f) & (f > 0)] = EIS
    cycle = _int_or_none(col("cycle"))
    step = _int_or_none(col("step"))
    half = _int_or_none(col("half_cycle"))
    if half is not None:
        meta["half_cycle_column"] = mapped["half_cycle"].column
    file_mass = _file_mass(meta)
    return make_cycler_data(t, v, i, step=step, cycle=cycle, control=control, capacity_mAh=q, half_cycle=half,
                            mass_mg=mass_mg if mass_mg is not None else file_mass, source=str(path), meta=meta)


def _note(meta: dict, msg: str, path) -> None:
    """A recoverable problem: kept in ``meta['warnings']`` and emitted as a :class:`DualionWarning`."""
    import warnings

    from dualion.errors import DualionWarning

    meta.setdefault("warnings", []).append(msg)
    warnings.warn(f"{path}: {msg}" if path else msg, DualionWarning, stacklevel=3)


def _drop_truncated_last_row(df, cols: list[int], meta: dict):
    """A last row cut short (a file copied while the cycler wrote it) is dropped with a warning."""
    import pandas as pd

    if len(df) < 2:
        return df
    last = df.iloc[-1]
    if any(pd.isna(last[c]) for c in cols):
        _note(meta, "the last data row is incomplete (file cut short?): dropped", meta.get("source"))
        return df.iloc[:-1]
    return df


def _file_mass(meta: dict) -> float | None:
    m = meta.get("mass_in_header_mg")
    if m is None:
        return None
    if m <= 0.001:  # EC-Lab's placeholder (0.001 mg / 0.001 g) when no mass was entered
        _note(meta, f"mass in the header ({m:g} mg) looks like EC-Lab's placeholder: ignored", meta.get("source"))
        return None
    meta["mass_from_file_mg"] = m
    return m


def _counter(mapped: dict, col, i: np.ndarray, units: dict) -> np.ndarray | None:
    """The signed capacity counter (mA h, rule 6)."""
    m = mapped.get("capacity")
    if m is not None and m.column.strip().lower().startswith(("(q-qo)", "q-qo")):
        units["capacity"] = f"{m.column} × {m.factor:g} → mA h (signed)"
        return _numeric(col("capacity")) * m.factor
    if "charge_capacity" in mapped and "discharge_capacity" in mapped:
        mc, md = mapped["charge_capacity"], mapped["discharge_capacity"]
        units["capacity"] = f"{mc.column} − {md.column} → mA h"
        return _numeric(col("charge_capacity")) * mc.factor - _numeric(col("discharge_capacity")) * md.factor
    if m is None:
        return None
    q = _numeric(col("capacity")) * m.factor
    fin = q[np.isfinite(q)]
    if fin.size and (fin >= 0).all() and (i < 0).any():
        q = signed_counter(q, i)
        units["capacity"] = f"{m.column} × {m.factor:g} → mA h (unsigned; signed like the current)"
    else:
        units["capacity"] = f"{m.column} × {m.factor:g} → mA h"
    return q


def signed_counter(q_abs: np.ndarray, i: np.ndarray) -> np.ndarray:
    """A signed cumulative counter (mA h, rising on charge) from an unsigned one that may or may not reset
    at step starts: each interval adds ``sign(I_k)·(|q_k| − |q_{k−1}|)``, or ``sign(I_k)·|q_k|`` where the
    unsigned counter fell (a reset)."""
    a = np.abs(np.where(np.isfinite(q_abs), q_abs, 0.0))
    d = np.diff(a, prepend=0.0)
    d = np.where(d < 0, a, d)
    return np.cumsum(np.sign(i) * d)


def _int_or_none(series):
    if series is None:
        return None
    a = _numeric(series)
    if not np.isfinite(a).any():
        return None
    return np.where(np.isfinite(a), a, -1).astype(np.int64)


def _rebuild_test_time(step_t: np.ndarray, stamp: np.ndarray, step) -> np.ndarray:
    """Test time (s) from a per-row time stamp (s) and the time within the step (s).

    Within a step the test time advances exactly as the step time does; a step starts at its time stamp
    minus its first step time, but never before the previous row (a stamp rounded down to whole seconds
    would otherwise move the step start back, and clamping row by row would freeze the time there and
    lose the charge of those intervals).
    """
    n = step_t.size
    if n == 0:
        return step_t.copy()
    new = np.r_[True, np.diff(step_t) < 0]
    if step is not None:
        new[1:] |= step[1:] != step[:-1]
    starts = np.flatnonzero(new)
    stops = np.r_[starts[1:], n]
    t = np.empty(n)
    prev = -np.inf
    for s0, s1 in zip(starts, stops):
        off = stamp[s0] - step_t[s0]
        if not np.isfinite(off):
            off = prev - step_t[s0]
        off = max(off, prev - step_t[s0])
        t[s0:s1] = off + step_t[s0:s1]
        prev = t[s1 - 1]
    return np.maximum.accumulate(t)


def _guess_vendor(names: list[str]) -> str:
    low = [n.lower() for n in names]
    if any("rec" == n.strip("#") for n in low) or "amp-hr" in low:
        return "Maccor"
    if "data_point" in low or "test_time" in low or "test_time(s)" in low:
        return "Arbin"
    if "step type" in low and any("chg. cap" in n for n in low):
        return "Neware"
    if any(n.startswith("ewe") or n.startswith("<ewe>") for n in low):
        return "Bio-Logic"
    return "unknown"
