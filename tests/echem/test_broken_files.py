"""A corpus of broken cycler files: each gives one clear line (exit 2, no traceback) or a warning."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from dualion.echem import read
from dualion.errors import DualionUserError, DualionWarning

GOOD_ROWS = "\n".join(f"{60 * k},{2.0 - 0.01 * k:.4f},-0.5" for k in range(20))


def _csv(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def _truncated_mpr(tmp_path, echem_dir, frac):
    src = (echem_dir / "jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr").read_bytes()
    p = tmp_path / f"truncated_{int(frac * 100)}.mpr"
    p.write_bytes(src[: int(len(src) * frac)])
    return p


# (file name, content, expected words in the one-line error)
CSV_ERRORS = [
    ("nan_row.csv", "time_s,voltage_V,current_mA\n0,2.0,-0.5\n60,nan,-0.5\n120,1.9,-0.5\n",
     ["NaN", "row 2", "voltage_V"]),
    ("nonmonotonic.csv", "time_s,voltage_V,current_mA\n0,2.0,-0.5\n120,1.95,-0.5\n60,1.9,-0.5\n",
     ["time goes backwards", "row 3"]),
    ("missing_current.csv", "time_s,voltage_V\n0,2.0\n60,1.9\n", ["missing current column", "current_mA"]),
    ("missing_voltage.csv", "time_s,current_mA\n0,-0.5\n60,-0.5\n", ["missing voltage column"]),
    ("text_in_numbers.csv", "time_s,voltage_V,current_mA\n0,2.0,-0.5\n60,abc,-0.5\n", ["cannot parse"]),
    # current written in A under a mA name: 0.5 mA for 1.6 mg would be 312 mA g-1; 0.0005 "mA" is 0.31
    # mA g-1 ... and 5e-7 "mA" (0.5 µA in A) is 3e-4 mA g-1: implausible
    ("amps_in_mA_column.csv", "# mass_mg=1.6\ntime_s,voltage_V,current_mA\n"
     + "\n".join(f"{60 * k},{2.0 - 0.01 * k:.3f},-5e-7" for k in range(10)) + "\n", ["implausibly small", "A in a mA"]),
    ("millivolts.csv", "time_s,voltage_V,current_mA\n0,2000,-0.5\n60,1990,-0.5\n", ["mV in a V column"]),
    # capacity in A h under a mA h name: 0.5 mA for 60 s = 0.00833 mA h per row, column says 8.33e-6
    ("capacity_Ah_as_mAh.csv", "time_s,voltage_V,current_mA,capacity_mAh\n"
     + "\n".join(f"{60 * k},{2.0 - 0.01 * k:.3f},-0.5,{-0.5 * 60 * k / 3600 / 1000:.6e}" for k in range(10)) + "\n",
     ["A h vs mA h"]),
    ("one_row.csv", "time_s,voltage_V,current_mA\n0,2.0,-0.5\n", ["1 data row"]),
    ("empty.csv", "", ["empty"]),
    ("bad_mass.csv", "# mass_mg=heavy\ntime_s,voltage_V,current_mA\n" + GOOD_ROWS + "\n", ["mass_mg", "not a number"]),
]


@pytest.mark.parametrize("name,text,words", CSV_ERRORS, ids=[c[0] for c in CSV_ERRORS])
def test_broken_csv_is_one_line_error(tmp_path, run_cli, name, text, words):
    p = _csv(tmp_path, name, text)
    with pytest.raises(DualionUserError) as ei:
        read(p)
    msg = ei.value.one_line()
    assert "\n" not in msg
    for w in words:
        assert w in msg, msg
    res = run_cli("echem", "summary", p)
    assert res.code == 2
    assert res.stderr.count("error:") == 1 and "Traceback" not in res.stderr
    assert not list(tmp_path.glob("out*"))


def test_zero_current_everywhere_warns_and_cli_exits_2_in_one_line(tmp_path, run_cli):
    p = _csv(tmp_path, "ocv_only.csv",
             "time_s,voltage_V,current_mA\n" + "\n".join(f"{60 * k},2.1,0" for k in range(30)) + "\n")
    with pytest.warns(DualionWarning, match="zero everywhere"):
        d = read(p)
    assert d.warnings
    out = tmp_path / "out"
    res = run_cli("echem", "summary", p, "--out", out)
    assert res.code == 2 and "no galvanostatic half-cycles" in res.stderr
    # the library warns, but on the command line the error's one line says it all (issue 8)
    assert res.stderr.count("\n") == 1 and "warning: " not in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()  # validate and compute first, write last


def test_empty_trailing_rows_are_dropped_with_a_warning(tmp_path):
    p = _csv(tmp_path, "trailing.csv", "time_s,voltage_V,current_mA\n" + GOOD_ROWS + "\n,,\n,,\n")
    with pytest.warns(DualionWarning, match="dropped 2 empty row"):
        d = read(p)
    assert len(d) == 20


def test_tiny_current_without_mass_warns(tmp_path):
    p = _csv(tmp_path, "tiny.csv", "time_s,voltage_V,current_mA\n"
             + "\n".join(f"{60 * k},{2.0 - 0.01 * k:.3f},-5e-7" for k in range(10)) + "\n")
    with pytest.warns(DualionWarning, match="A vs mA"):
        read(p)


@pytest.mark.parametrize("frac", [0.002, 0.5, 0.9999])
def test_truncated_mpr(tmp_path, echem_dir, run_cli, frac):
    p = _truncated_mpr(tmp_path, echem_dir, frac)
    with pytest.raises(DualionUserError, match="truncated or corrupt"):
        read(p)
    res = run_cli("echem", "summary", p)
    assert res.code == 2 and "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_truncated_ndax_and_res(tmp_path, echem_dir, run_cli):
    import importlib.util

    for name, n in (("test.ndax", 20000), ("arbin_example.res", 200000)):
        if name.endswith(".res") and shutil.which("mdb-export") is None:
            continue
        if name.endswith(".ndax") and importlib.util.find_spec("NewareNDA") is None:
            continue
        p = tmp_path / f"cut_{name}"
        p.write_bytes((echem_dir / name).read_bytes()[:n])
        res = run_cli("echem", "summary", p)
        assert res.code == 2 and "cannot read as" in res.stderr and "Traceback" not in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1


def test_text_file_named_res_says_it_is_not_arbin(tmp_path, run_cli):
    if shutil.which("mdb-export") is None:
        pytest.skip("mdbtools not installed")
    p = tmp_path / "notes.res"
    p.write_text("not an Access database\n")
    res = run_cli("echem", "summary", p)
    assert res.code == 2 and "not an Access file" in res.stderr and "StopIteration" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_arbin_without_mdbtools_says_what_to_install(tmp_path, monkeypatch, echem_dir):
    import dualion.echem.readers.arbin as arbin

    monkeypatch.setattr(arbin.shutil, "which", lambda name: None)
    with pytest.raises(DualionUserError, match="mdbtools"):
        read(echem_dir / "arbin_example.res")


def test_missing_file_and_bad_options(tmp_path, run_cli):
    res = run_cli("echem", "summary", tmp_path / "nope.csv")
    assert res.code == 2 and "no such file" in res.stderr
    p = _csv(tmp_path, "ok.csv", "time_s,voltage_V,current_mA\n" + GOOD_ROWS + "\n")
    for args, word in ((("--first", "sideways"), "--first"), (("--mass-mg", "-3"), "positive"),
                       (("--format", "xyz"), "unknown format")):
        res = run_cli("echem", "summary", p, *args)
        assert res.code == 2 and word in res.stderr and "Traceback" not in res.stderr
    res = run_cli("echem", "plot", p, "--cycles", "7", "--out", tmp_path / "o")
    assert res.code == 2 and "no cycle" in res.stderr and not (tmp_path / "o").exists()
    bad = tmp_path / "x.weird"
    bad.write_text("hello")
    res = run_cli("echem", "summary", bad)
    assert res.code == 2 and "unknown cycler file type" in res.stderr


def test_unsigned_current_with_unknown_maccor_state(tmp_path):
    text = ("Rec#\tCyc#\tStep\tTest (Min)\tStep (Min)\tAmp-hr\tWatt-hr\tAmps\tVolts\tState\tES\tDPt Time\n"
            "1\t0\t1\t0\t0\t0\t0\t0.001\t2.5\tX\t0\t1:00:00\n2\t0\t1\t1\t1\t0\t0\t0.001\t2.6\tX\t0\t1:01:00\n")
    p = tmp_path / "m.txt"
    p.write_text(text)
    with pytest.raises(DualionUserError, match="direction"):
        read(p)


def test_mass_override_and_sign_flip(tmp_path):
    p = _csv(tmp_path, "flip.csv", "# mass_mg=2.0\n# current_sign=discharge_positive\ntime_s,voltage_V,current_mA\n"
             + "\n".join(f"{60 * k},{2.0 - 0.01 * k:.3f},0.5" for k in range(10)) + "\n")
    d = read(p)
    assert d.mass_mg == 2.0 and np.all(d.current_mA == -0.5)
    d = read(p, mass_mg=1.0)
    assert d.mass_mg == 1.0 and d.meta["mass_from_file_mg"] == 2.0


def test_ragged_rows_and_wrong_separator_are_errors(tmp_path, run_cli):
    # a decimal comma splits "1,9" in two: four fields under a three-column header must not be read
    # silently as time 60, voltage 1, current 9
    for name, text, word in (
            ("decimal_comma.csv", "time_s,voltage_V,current_mA\n0,2.0,-0.5\n60,1,9,-0.5\n120,1.8,-0.5\n",
             "as many fields as the header"),
            ):
        p = _csv(tmp_path, name, text)
        with pytest.raises(DualionUserError, match=word):
            read(p)
        res = run_cli("echem", "summary", p)
        assert res.code == 2 and res.stderr.count("\n") == 1 and name in res.stderr and "Traceback" not in res.stderr
    # extra columns that are not read are still fine ...
    d = read(_csv(tmp_path, "extra.csv", "time_s,voltage_V,current_mA,temp_C\n0,2.0,-0.5,25\n60,1.9,-0.5,25\n"))
    assert list(d.voltage_V) == [2.0, 1.9]
    # ... but a ragged row in such a file is still an error (pandas' usecols would drop the surplus)
    p = _csv(tmp_path, "extra_ragged.csv",
             "# mass_mg=1\ntime_s,voltage_V,current_mA,temp_C\n0,2.0,-0.5,25\n60,1,9,-0.5,25\n120,1.8,-0.5,25")
    with pytest.raises(DualionUserError, match="as many fields as the header"):
        read(p)
    # blank lines and a missing final newline do not count as surplus fields
    d = read(_csv(tmp_path, "blank.csv", "# a, b, c\ntime_s,voltage_V,current_mA\n0,2.0,-0.5\n\n60,1.9,-0.5\n\n"))
    assert list(d.voltage_V) == [2.0, 1.9]


def test_surplus_separator_count_is_exact(tmp_path):
    from dualion.echem.readers.csv import _surplus_separators

    p = tmp_path / "x.csv"
    p.write_text("# a,b\nt,v,i\n1,2,3\n4,5,6")                     # 2 data lines, 4 separators: exact
    assert not _surplus_separators(p, 1, 3, ",")
    p.write_text("# a,b\nt,v,i\n1,2,3\n4,5,6,7\n")                 # one surplus field
    assert _surplus_separators(p, 1, 3, ",")
    assert _surplus_separators(p, 1, 3, ",", chunk=3)              # same answer across chunk borders


def test_maccor_missing_column_is_named(tmp_path, echem_dir):
    lines = (echem_dir / "maccor_example.txt").read_text(encoding="latin-1").split("\n")
    lines[1] = lines[1].replace("Volts", "Voltz")
    p = tmp_path / "maccor_novolts.txt"
    p.write_text("\n".join(lines), encoding="latin-1")
    with pytest.raises(DualionUserError) as ei:
        read(p)
    msg = ei.value.one_line()
    assert "missing voltage column" in msg and "Voltz" in msg and "voltage" in msg


def test_low_current_density_warns(tmp_path):
    # 0.0005 mA on 2 mg = 0.25 mA g-1 (A written as mA for a 0.5 mA test?): below 0.5 mA g-1 → warning;
    # 0.005 mA on 2 mg = 2.5 mA g-1 → no warning
    rows = lambda i: "\n".join(f"{60 * k},{2.0 - 0.01 * k:.3f},{i}" for k in range(10))  # noqa: E731
    p = _csv(tmp_path, "slow.csv", "# mass_mg=2\ntime_s,voltage_V,current_mA\n" + rows(-0.0005) + "\n")
    with pytest.warns(DualionWarning, match="0.25 mA g-1"):
        read(p)
    import warnings

    p = _csv(tmp_path, "ok.csv", "# mass_mg=2\ntime_s,voltage_V,current_mA\n" + rows(-0.005) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DualionWarning)
        read(p)
