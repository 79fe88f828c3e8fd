"""Every real file in ../shared/data/echem and echem-real: cycling records read with total charge and
discharge within 0.1 % of an independent integration written here; non-cycling records refused in one
line; no tracebacks; the .mpr/.mpt pair of one experiment gives identical half-cycles.

The independent side reads each file's raw columns itself (pandas, galvani, NewareNDA, mdb-export: no
dualion reader code) and integrates over the rows of the half-cycles dualion found: Σ dq for EC-Lab files
that store the charge of each interval, the trapezoid of the raw current otherwise, and the cycler's own
counter where dualion reports the current as edge-sampled (capacity_source == "counter").
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dualion.echem.readers import read
from dualion.echem.segment import half_cycles
from dualion.errors import DualionUserError

from ..conftest import SHARED

FILES = sorted(p for d in ("echem", "echem-real") for p in (SHARED / "data" / d).glob("*")
               if p.is_file() and p.suffix.lower() not in (".md",) and p.name != "LICENSE") \
    if (SHARED / "data").is_dir() else []

#: records that hold no galvanostatic cycling (rest only, EIS, potentiostatic): refused in one line
NON_CYCLING = {"FastCharge_000025_CH8.csv", "maccor_test_file_4267-66-6519.041", "maccor_two.txt",
               "00_test_04_MB_C01.mpr"}


_CACHE: dict = {}


def _read(path: Path):
    """read() + half_cycles() once per file for all tests here (the 700k-row Neware file takes seconds)."""
    if path not in _CACHE:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                d = read(path)
            _CACHE[path] = (d, half_cycles(d))
        except DualionUserError as exc:
            _CACHE[path] = exc
    got = _CACHE[path]
    if isinstance(got, DualionUserError):
        raise got
    return got


def _hms(s: pd.Series) -> np.ndarray:
    parts = s.astype(str).str.strip().str.extract(r"^(?:(\d+)d\s*)?(\d+):(\d+):([\d.]+)$").astype(float).fillna(0)
    return (parts[0] * 86400 + parts[1] * 3600 + parts[2] * 60 + parts[3]).to_numpy()


def _raw(path: Path) -> dict:
    """Raw time (s), current (mA), and per-interval charge or counter where the file has one."""
    name, ext = path.name, path.suffix.lower()
    if ext == ".mpr":
        from galvani import BioLogic

        with open(path, "rb") as fh, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            d = BioLogic.MPRfile(fh).data
        out = {"t": d["time/s"].astype(float)}
        if "I/mA" in d.dtype.names:
            out["i"] = d["I/mA"].astype(float)
        else:
            out["dq"] = d["dq/mA.h"].astype(float)
        return out
    if ext == ".mpt":
        lines = path.read_bytes().decode("latin-1").splitlines()
        nh = int(lines[1].split(":")[1])
        df = pd.read_csv(io.StringIO("\n".join(lines[nh - 1:]).replace(",", ".")), sep="\t")
        out = {"t": df["time/s"].to_numpy(float)}
        if "I/mA" in df.columns:
            out["i"] = df["I/mA"].to_numpy(float)
        else:
            out["dq"] = df["dq/mA.h"].to_numpy(float)
        return out
    if ext in (".nda", ".ndax"):
        import NewareNDA

        df = NewareNDA.read(str(path))
        q = df["Charge_Capacity(mAh)"].abs() - df["Discharge_Capacity(mAh)"].abs()
        step = df["Step"].to_numpy()
        # time: step time within a step, the time stamps' difference across a step boundary
        st = df["Time"].to_numpy(float)
        stamp = (df["Timestamp"] - df["Timestamp"].iloc[0]).dt.total_seconds().to_numpy()
        dt = np.where(np.r_[False, step[1:] == step[:-1]], np.diff(st, prepend=0.0), np.diff(stamp, prepend=0.0))
        return {"t": np.cumsum(dt), "i": df["Current(mA)"].to_numpy(float), "counter": q.to_numpy(float),
                "step": step}
    if ext == ".res":
        txt = subprocess.run(["mdb-export", str(path), "Channel_Normal_Table"], capture_output=True,
                             check=True).stdout.decode()
        df = pd.read_csv(io.StringIO(txt)).sort_values(["Test_ID", "Data_Point"])
        return {"t": df["Test_Time"].to_numpy(float), "i": df["Current"].to_numpy(float) * 1000.0}
    if name.startswith("FastCharge"):
        df = pd.read_csv(path)
        return {"t": df["Test_Time"].to_numpy(float), "i": df["Current"].to_numpy(float) * 1000.0}
    if name.startswith("neware_uio"):
        df = pd.read_csv(path)
        return {"t": _hms(df["Cumulative Time"]), "i": df["Current(A)"].to_numpy(float) * 1000.0}
    if name.startswith("test_Nova"):
        lines = path.read_text(encoding="utf-8").splitlines()
        k = next(j for j, s in enumerate(lines) if s.startswith('"Date and Time'))
        df = pd.read_csv(io.StringIO("\n".join(x.strip().strip('"') for x in lines[k:])))
        return {"t": df["Run Time (h)"].to_numpy(float) * 3600.0, "i": df["Current (A)"].to_numpy(float) * 1000.0,
                "counter": df["Capacity (Ah)"].to_numpy(float) * 1000.0, "step": df["Step Number"].to_numpy()}
    # Maccor text: title line(s), then Rec#...; unsigned Amps with State C/D
    lines = path.read_text(encoding="latin-1").splitlines()
    k = next(j for j, s in enumerate(lines) if s.startswith(("Rec#", "Rec\t")))
    df = pd.read_csv(io.StringIO("\n".join(lines[k:])), sep="\t", index_col=False)
    if "Test (Sec)" in df.columns:
        t = df["Test (Sec)"].to_numpy(float)
    elif "Test (Min)" in df.columns:
        t = df["Test (Min)"].to_numpy(float) * 60.0
    else:
        t = _hms(df["TestTime"])
    sign = np.where(df["State"].astype(str).str.strip() == "D", -1.0, 1.0)
    return {"t": t, "i": df["Amps"].to_numpy(float) * 1000.0 * sign}


def _independent(raw: dict, h) -> float:
    s0, s1 = h.start, h.stop
    if h.capacity_source == "counter":
        q = raw["counter"][max(s0 - 1, 0):s1] * h.sign
        if s0 == 0:
            q = np.r_[0.0, q]
        inc = np.diff(q)
        step = raw.get("step")
        if step is not None:  # Neware counters restart at 0 in each step
            st = step[max(s0 - 1, 0):s1] if s0 > 0 else np.r_[step[0], step[:s1]]
            restart = np.r_[False, st[1:] != st[:-1]][1:]
            inc = np.where(restart, q[1:], inc)
        return float(inc.sum())
    if "dq" in raw:  # charge of the interval ending at each row, from the lead-in interval on
        return float(np.abs(raw["dq"][s0:s1]).sum())
    t, i = raw["t"][s0:s1], np.abs(raw["i"][s0:s1])
    return float(np.sum(0.5 * (i[1:] + i[:-1]) * np.diff(t)) / 3600.0)


def _needs(path: Path):
    if path.suffix.lower() == ".res" and shutil.which("mdb-export") is None:
        pytest.skip("Arbin .res needs mdbtools")
    if path.suffix.lower() in (".nda", ".ndax"):
        pytest.importorskip("NewareNDA")


@pytest.mark.skipif(not FILES, reason="shared data absent")
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_real_file_capacity_within_0p1_percent_of_an_independent_integration(path):
    _needs(path)
    d, hcs = _read(path)
    if path.name in NON_CYCLING:
        assert hcs == [], [h.direction for h in hcs]
        return
    assert hcs, "a cycling record with no half-cycles"
    raw = _raw(path)
    for direction in ("charge", "discharge"):
        mine = [h for h in hcs if h.direction == direction]
        if not mine:
            continue
        q = sum(h.capacity_mAh for h in mine)
        ref = sum(_independent(raw, h) for h in mine)
        assert q == pytest.approx(ref, rel=1e-3), (direction, q, ref)


@pytest.mark.skipif(not FILES, reason="shared data absent")
def test_mpr_and_mpt_of_one_experiment_give_identical_half_cycles():
    base = SHARED / "data" / "echem-real"
    a, b = (_read(base / f"gcpl.issue_211{ext}")[1] for ext in (".mpr", ".mpt"))
    assert len(a) == len(b) == 10
    for x, y in zip(a, b):
        assert (x.direction, x.start, x.stop, x.cycle, x.partial) == (y.direction, y.start, y.stop, y.cycle, y.partial)
        assert x.capacity_mAh == pytest.approx(y.capacity_mAh, rel=1e-6)
        assert x.mean_voltage_V == pytest.approx(y.mean_voltage_V, rel=1e-6)


@pytest.mark.skipif(not FILES, reason="shared data absent")
def test_non_cycling_records_are_refused_in_one_line_and_nothing_raises():
    fails = []
    for p in FILES:
        try:
            _read(p)
        except DualionUserError:
            pass
        except Exception as exc:  # a traceback for the user
            fails.append(f"{p.name}: {type(exc).__name__}: {exc}")
    assert not fails
    p = SHARED / "data" / "echem-real" / "maccor_test_file_4267-66-6519.041"
    res = subprocess.run([sys.executable, "-m", "dualion.cli", "echem", "summary", str(p)], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "not a cycling record" in res.stderr


@pytest.mark.skipif(not FILES, reason="shared data absent")
def test_traps_of_the_real_files():
    real = SHARED / "data" / "echem-real"
    # a 30 s pause (mode 3) inside a charge: still one half-cycle, as the file's half-cycle column says
    h = _read(real / "gcpl.pr_182.1.mpr")[1]
    assert [x.direction for x in h[:3]] == ["discharge", "charge", "discharge"]
    # a 2-row trailing charge: partial, not counted in retention
    from dualion.echem.cycles import summarise

    s = summarise(*_read(real / "gcpl.issue_228.mpr"))
    assert s.half_cycles[-1].partial and s.cycles[-1].retention_pct is None
    # first charge 0.27 V higher with 89 % of the usual capacity: cycle-1 CE (112 %) not meaningful
    s = summarise(*_read(real / "xTESLADIAG_000038test.078"))
    assert s.half_cycles[0].partial and not s.cycles[0].ce_meaningful and s.cycles[1].ce_meaningful
    # Neware pulse steps: current only at pulse edges; the counter is used and the trapezoid is ~3x
    (p,) = _read(real / "neware_pulse_2-1-6_61.nda")[1]
    assert p.capacity_source == "counter" and 2.5 < p.capacity_integral_mAh / p.capacity_mAh < 3.5
    # Neware test time rebuilt from step time + stamps does not freeze at step starts
    h = _read(real / "BTS85-36-6-5-110-20240424.ndax")[1]
    assert max(abs(x.capacity_disagreement_pct) for x in h) < 0.05
