"""Vendor text exports as people and instruments write them: encodings, line ends, decimal commas,
thousands separators, title blocks, quoted lines, duration times, unit spellings, a user column map."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from dualion.echem.readers import detect_format, read
from dualion.echem.readers.columns import map_columns, split_header
from dualion.echem.segment import half_cycles
from dualion.errors import DualionUserError, DualionWarning

# one discharge and one charge, 0.5 mA for 1 h each, rows every 60 s (hand: 0.5 mA h each)
N = 61
T = np.arange(N) * 60.0


def _rows(sep=",", dec=".", sign=True):
    out = []
    for k in range(2 * N):
        t = T[k % N] + (k // N) * (N * 60.0)
        i = -0.0005 if k < N else 0.0005
        v = 3.0 - 0.01 * (k % N) if k < N else 2.4 + 0.01 * (k % N)
        cur = i if sign else abs(i)
        out.append([f"{t:.1f}", f"{cur:.6f}", f"{v:.4f}", "D" if k < N else "C"])
    if dec == ",":
        out = [[c.replace(".", ",") for c in r] for r in out]
    return "\n".join(sep.join(r) for r in out) + "\n"


def _check(d, q=0.5, rel=1e-9):
    h = half_cycles(d)
    assert [x.direction for x in h] == ["discharge", "charge"]
    assert [x.capacity_mAh for x in h] == pytest.approx([q, q], rel=rel)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "latin-1"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_arbin_style_csv_in_any_encoding_and_line_end(tmp_path, encoding, newline):
    text = "Test_Time(s),Current(A),Voltage(V),Step_Type\n" + _rows()
    p = tmp_path / "arbin.csv"
    p.write_bytes(text.replace("\n", newline).encode(encoding))
    d = read(p)
    assert d.meta["encoding"].startswith({"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf-16": "utf-16",
                                          "latin-1": "utf-8"}[encoding])  # pure-ASCII Latin-1 is UTF-8
    _check(d)


def test_german_locale_semicolons_decimal_commas_and_mu_in_latin1(tmp_path):
    text = "Zeit;I/µA;Ewe/V;Zustand\n"  # an unknown time name: mapped by the user's YAML
    body = _rows(sep=";", dec=",").replace("-0,000500", "-500,0").replace("0,000500", "500,0")
    p = tmp_path / "de.txt"
    p.write_bytes((text + body).encode("latin-1"))
    with pytest.raises(DualionUserError, match="missing time column"):
        read(p)
    m = tmp_path / "map.yaml"
    m.write_text("columns:\n  Zeit: time[s]\n")
    d = read(p, columns=m)
    assert d.meta["decimal"] == "," and d.meta["separator"] == ";"
    _check(d)


def test_thousands_separators(tmp_path):
    # seconds written 1.234,5 (German) with ; and 1,234.5 (English) with tabs
    rows = [(k * 600.0, -0.5 if k < 10 else 0.5, 3.0 - 0.01 * k) for k in range(20)]
    de = "Test Time (s);Current (mA);Voltage (V)\n" + "\n".join(
        f"{t:,.1f};{i:.3f};{v:.3f}".replace(",", "X").replace(".", ",").replace("X", ".") for t, i, v in rows)
    en = "Test Time (s)\tCurrent (mA)\tVoltage (V)\n" + "\n".join(f"{t:,.1f}\t{i:.3f}\t{v:.3f}" for t, i, v in rows)
    for name, text in (("de.txt", de), ("en.txt", en)):
        p = tmp_path / name
        p.write_text(text + "\n")
        d = read(p)
        assert d.time_s[-1] == pytest.approx(11400.0) and d.time_s[2] == pytest.approx(1200.0)


def test_novonix_summary_block_and_quoted_lines(tmp_path):
    body = "\n".join(f'"2022-04-11 10:{k // 60:02d}:{k % 60:02d} AM,1,{2 if k < N else 1},{T[k % N] / 3600 + (k // N) * N * 60 / 3600:.7f},0,'
                     f'{(-0.0005 if k < N else 0.0005):.6f},{3.0 - 0.001 * k:.4f},0,25,25,0,0,0,{1 if k < N else 2},0"'
                     for k in range(2 * N))
    text = ("[Summary]\nNovonix HPC data file\nMass (g): 1.000\n[End Summary]\n[Data]\n"
            '"Date and Time,Cycle Number,Step Type,Run Time (h),Step Time (h),Current (A),Potential (V),Capacity (Ah),'
            'Temperature (°C),Circuit Temperature (°C),Energy (Wh),dVdt (I/h),dIdt (V/h),Step Number,Step position"\n'
            + body + "\n")
    p = tmp_path / "nova.csv"
    p.write_text(text, encoding="utf-8")
    d = read(p)
    assert d.meta["vendor"] == "Novonix" and d.mass_mg is None  # the placeholder mass is not used
    _check(d, rel=1e-6)


@pytest.mark.parametrize("variant", ["duration", "bare_minutes", "brackets_commas", "milli"])
def test_maccor_variants(tmp_path, variant):
    head = "Today's Date 03/07/2018  Date of Test:\t11/02/2016\t Filename:\tx.041\n"
    rows = []
    for k in range(2 * N):
        m = k  # one row a minute
        state = "D" if k < N else "C"
        v = 3.0 - 0.01 * (k % N) if k < N else 2.4 + 0.01 * (k % N)
        clock = f"11/02/2016 {10 + m // 60:02d}:{m % 60:02d}:00"
        rows.append((m, state, v, clock))
    if variant == "duration":
        cols = "Rec#\tCyc#\tStep\tTestTime\tStepTime\tAmp-hr\tAmps\tVolts\tState\tDPt Time"
        lines = [f"{k + 1}\t0\t1\t  0d {m // 60:02d}:{m % 60:02d}:00.0000\t0\t0\t0.0005\t{v:.4f}\t{s}\t{c}"
                 for k, (m, s, v, c) in enumerate(rows)]
    elif variant == "bare_minutes":
        cols = "Rec#\tCyc#\tStep\tTestTime\tStepTime\tAmp-hr\tAmps\tVolts\tState\tDPt Time"
        lines = [f"{k + 1}\t0\t1\t{m:.4f}\t0\t0\t0.0005\t{v:.4f}\t{s}\t{c}" for k, (m, s, v, c) in enumerate(rows)]
    elif variant == "brackets_commas":
        cols = "Rec\tCycle P\tCycle C\tStep\tTestTime\tStepTime\tCap. [Ah]\tCurrent [A]\tVoltage [V]\tMd\tDPT Time"
        lines = [f"{k + 1}\t0\t1\t1\t{m:.6f}\t0\t0\t0.0005\t{v:.4f}\t{s}\t{c}".replace(".", ",").replace(",4f", "")
                 for k, (m, s, v, c) in enumerate(rows)]
        lines = [ln.replace("11/02/2016", "11/02/2016") for ln in lines]
    else:  # mAmp-hr / mAmps, with Volts really in mV
        cols = "Rec#\tCyc#\tStep\tTest (Min)\tStep (Min)\tmAmp-hr\tmAmps\tVolts\tState\tDPt Time"
        lines = [f"{k + 1}\t0\t1\t{m:.4f}\t0\t0\t0.5\t{1000 * v:.1f}\t{s}\t{c}" for k, (m, s, v, c) in enumerate(rows)]
    p = tmp_path / "m.041"
    p.write_text(head + cols + "\n" + "\n".join(lines) + "\n", encoding="latin-1")
    with pytest.warns(DualionWarning) if variant == "milli" else _nullcontext():
        d = read(p)
    assert detect_format(p) == "table" and d.meta["vendor"] == "Maccor"
    assert d.voltage_V.max() < 5.0
    h = half_cycles(d)
    assert [x.direction for x in h] == ["discharge", "charge"]
    # 0.5 mA over 60 rows of 60 s = 0.5 mA h each
    assert [x.capacity_mAh for x in h] == pytest.approx([0.5, 0.5], rel=1e-6)


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def test_split_header_and_the_one_mapping_table():
    assert split_header("Current(A)") == ("current", "A")
    assert split_header("Cap. [Ah]") == ("cap.", "Ah")
    assert split_header("(Q-Qo)/mA.h") == ("(q-qo)", "mA.h")
    assert split_header("current_mA") == ("current", "mA")
    m = map_columns(["Cumulative Time", "Time", "Current(A)", "Voltage(V)", "Spec. Cap.(mAh/g)", "Chg. Cap.(Ah)",
                     "DChg. Cap.(Ah)"])
    assert m["time"].column == "Cumulative Time"             # Neware: "Time" is the step time
    assert m["current"].factor == 1000.0 and m["charge_capacity"].factor == 1000.0
    assert "capacity" not in m                                 # mA h g-1 is not a capacity in mA h


def test_binary_file_with_a_text_suffix_and_bad_yaml_are_one_line_errors(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes(b"\x00\x01\x02binary\x00\x00\xff" * 50)
    with pytest.raises(DualionUserError, match="binary"):
        read(p)
    good = tmp_path / "a.csv"
    good.write_text("Test_Time(s),Current(A),Voltage(V)\n" + _rows().replace(",D", "").replace(",C", ""))
    bad = tmp_path / "map.yaml"
    bad.write_text("columns:\n  Zeit: speed[furlong]\n")
    res = subprocess.run([sys.executable, "-m", "dualion.cli", "echem", "summary", str(good), "--columns", str(bad)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "unknown quantity" in res.stderr


def test_neware_three_level_csv(tmp_path):
    # cycle rows, step rows, then record rows (two empty leading cells) whose time is the step time
    lines = ["Cycle ID,Cap_Chg(mAh),Cap_DChg(mAh)",
             ",Step ID,Step Name,Step Time(h:min:s.ms),Capacity(mAh)",
             ",,Record ID,Time(h:min:s.ms),Voltage(V),Current(mA),Capacity(mAh),Realtime"]
    rec = 0
    for cyc in (1, 2):
        lines.append(f"{cyc},0.5,0.5")
        for step, name, cur in ((2 * cyc - 1, "CC_DChg", -0.5), (2 * cyc, "CC_Chg", 0.5)):
            lines.append(f",{step},{name},01:00:00.000,0.5")
            for k in range(N):
                rec += 1
                v = 3.0 - 0.01 * k if cur < 0 else 2.4 + 0.01 * k
                clock = 3600 * (2 * (cyc - 1) + (step - 1) % 2) + 60 * k + 10 * (step - 1)
                lines.append(f",,{rec},00:{k:02d}:00.000,{v:.3f},{cur},{abs(cur) * 60 * k / 3600:.6f},"
                             f"2024-01-01 {clock // 3600:02d}:{clock // 60 % 60:02d}:{clock % 60:02d}")
    p = tmp_path / "neware3.csv"
    p.write_text("\n".join(lines) + "\n")
    d = read(p)
    assert "3-level" in d.meta["layout"] and (np.diff(d.time_s) >= 0).all()
    assert sorted(set(d.cycle.tolist())) == [1, 2] and sorted(set(d.step.tolist())) == [1, 2, 3, 4]
    h = half_cycles(d)
    assert [x.direction for x in h] == ["discharge", "charge"] * 2
    assert [x.capacity_mAh for x in h] == pytest.approx([0.5] * 4, rel=1e-9)
    assert all(abs(x.capacity_disagreement_pct) < 1e-6 for x in h)


def test_maccor_rows_of_unknown_state_with_current_are_not_counted(tmp_path):
    head = "Rec#\tCyc#\tStep\tTest (Min)\tStep (Min)\tAmp-hr\tAmps\tVolts\tState\tDPt Time\n"
    rows = [f"{k + 1}\t0\t1\t{k}\t0\t0\t0.0005\t{3.0 - 0.01 * k:.3f}\tD\t1:{k:02d}:00" for k in range(N)]
    rows += [f"{N + k + 1}\t0\t2\t{N + k}\t0\t0\t0.0005\t2.4\tO\t2:{k:02d}:00" for k in range(5)]
    p = tmp_path / "m.txt"
    p.write_text(head + "\n".join(rows) + "\n")
    with pytest.warns(DualionWarning, match="unknown direction"):
        d = read(p)
    (h,) = half_cycles(d)
    assert h.direction == "discharge" and h.capacity_mAh == pytest.approx(0.5)
