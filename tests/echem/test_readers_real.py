"""Every real cycler file in ../shared/data/echem read; half-cycle capacities checked against ∫I dt
computed here from the raw vendor columns (independently of dualion's readers)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import warnings
from io import StringIO

import numpy as np
import pytest

from dualion.echem import read
from dualion.echem.cycles import summarise
from dualion.echem.segment import half_cycles
from dualion.core.cycler import CV
from dualion.errors import DualionWarning

from ._helpers import trapz_abs_mAh

GCPL = "jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"


def test_every_file_in_the_folder_is_read(echem_dir):
    skipped = []
    for p in sorted(echem_dir.iterdir()):
        if p.name in ("README.md", "LICENSE"):
            continue
        if p.suffix == ".res" and shutil.which("mdb-export") is None:
            skipped.append(p.name)
            continue
        if p.suffix == ".ndax" and importlib.util.find_spec("NewareNDA") is None:
            skipped.append(p.name)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the Maccor example's counter warning is tested below
            d = read(p)
        assert len(d) > 10 and np.isfinite(d.current_mA).all()
        assert np.all(np.diff(d.time_s) >= 0)
        # every file carries a vendor capacity counter; its rate of change must match ∫|I|dt (units right)
        assert d.capacity_mAh is not None
        assert 0.4 < d.meta["capacity_over_current_integral"] < 1.1, p.name
    if skipped:
        pytest.skip(f"read all but {skipped}: mdbtools (Arbin) / NewareNDA (Neware) missing")


def test_biologic_gcpl_mpr(echem_dir):
    from galvani import BioLogic

    path = echem_dir / GCPL
    raw = BioLogic.MPRfile(str(path)).data
    d = read(path, mass_mg=10.0)
    assert len(d) == len(raw) == 46102
    hc = half_cycles(d)
    # the file: partial first discharge from OCV, then 6 charge/discharge pairs (galvani's 'half cycle' 2..13)
    assert [h.direction for h in hc] == ["discharge"] + ["charge", "discharge"] * 6
    assert hc[0].partial and not any(h.partial for h in hc[1:])
    # independent: the cycler's own charge counter (Q-Qo)/mA.h over the same rows
    qq = raw["(Q-Qo)/mA.h"].astype(float)
    for h in hc:
        ref = abs(qq[h.stop - 1] - qq[h.start])
        assert h.capacity_mAh == pytest.approx(ref, rel=5e-3), h.index
    # and against galvani's own half-cycle grouping, summing dq over each half cycle
    dq = raw["dq/mA.h"].astype(float)
    hcol = raw["half cycle"]
    for h, k in zip(hc[1:], range(2, 14)):
        assert h.capacity_mAh == pytest.approx(abs(dq[hcol == k].sum()), rel=5e-3)
    s = summarise(d, hc)
    assert s.cycles[0].partial and s.cycles[0].coulombic_efficiency_pct is None
    # rest rows (mode 3, 361 of them at the start) never inside a half-cycle
    assert hc[0].start >= 361


def test_biologic_modulo_bat_potentiostatic_has_no_half_cycles(echem_dir):
    from galvani import BioLogic

    mpr = BioLogic.MPRfile(str(echem_dir / "00_test_04_MB_C01.mpr"))
    assert set(np.unique(mpr.get_flag("mode"))) == {2}  # potentiostatic (CV) throughout
    d = read(echem_dir / "00_test_04_MB_C01.mpr")
    assert np.allclose(d.current_mA, mpr.data["I/mA"])  # Bio-Logic I/mA is already mA, oxidation > 0
    assert (d.control == CV).all()
    assert half_cycles(d) == []


def test_arbin_res(echem_dir):
    if shutil.which("mdb-export") is None:
        pytest.skip("Arbin .res needs Debian's mdbtools (mdb-export not on PATH); `make sysdeps` installs it")
    import pandas as pd

    path = echem_dir / "arbin_example.res"
    txt = subprocess.run(["mdb-export", str(path), "Channel_Normal_Table"], capture_output=True, text=True,
                         check=True).stdout
    raw = pd.read_csv(StringIO(txt)).sort_values("Data_Point")
    t = raw["Test_Time"].to_numpy(float)
    i_mA = raw["Current"].to_numpy(float) * 1000.0  # Arbin writes A
    d = read(path)
    assert np.allclose(d.current_mA, i_mA) and np.allclose(d.time_s, t)
    hc = half_cycles(d)
    assert [h.direction for h in hc] == ["charge", "discharge"] * 4
    assert [h.cycle for h in hc] == [1, 1, 2, 2, 3, 3, 4, 4]
    for h in hc:
        assert h.capacity_mAh == pytest.approx(trapz_abs_mAh(t[h.start:h.stop], i_mA[h.start:h.stop]), rel=1e-9)
    # vendor counters in A h: the charge capacity at the end of each charge step (mA h after × 1000)
    chg = raw["Charge_Capacity"].to_numpy(float) * 1000.0
    for h in hc[::2]:
        assert h.capacity_mAh == pytest.approx(chg[h.stop - 1] - chg[h.start], rel=2e-3)
    s = summarise(d, hc)
    assert s.pairing == "cycler" and len(s.cycles) == 4
    # ≈ 0.47 mA h per half-cycle (README: 4 cycles, capacity stored in A h)
    assert all(0.45 < c.discharge_mAh < 0.5 for c in s.cycles)


def test_maccor_text(echem_dir):
    import csv

    path = echem_dir / "maccor_example.txt"
    with open(path, encoding="latin-1", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    head = rows[1]
    body = [r for r in rows[2:] if len(r) >= len(head) - 1 and r[0].strip()]
    col = {name.strip(): k for k, name in enumerate(head)}
    t = np.array([float(r[col["Test (Min)"]]) for r in body]) * 60.0
    sign = np.array([{"C": 1.0, "D": -1.0}.get(r[col["State"]].strip(), 0.0) for r in body])
    i_mA = np.array([float(r[col["Amps"]]) for r in body]) * 1000.0 * sign
    with pytest.warns(DualionWarning, match="as fast as"):
        d = read(path)
    assert np.allclose(d.current_mA, i_mA) and np.allclose(d.time_s, t)
    hc = half_cycles(d)
    assert [h.direction for h in hc] == ["charge", "discharge", "charge", "discharge"]
    for h in hc:
        # 0.61 mA for 7 intervals of 60 s (8 rows): 0.61·420/3600 = 0.07117 mA h
        assert h.capacity_mAh == pytest.approx(trapz_abs_mAh(t[h.start:h.stop], i_mA[h.start:h.stop]), rel=1e-12)
        assert h.capacity_mAh == pytest.approx(0.61 * 420 / 3600)
    # the example file's Amp-hr counter runs at half the rate of its Test (Min) clock: reported as a warning
    assert any("as fast as" in w for w in d.warnings)


def test_neware_ndax(echem_dir):
    NewareNDA = pytest.importorskip("NewareNDA", reason="Neware files need the NewareNDA package")

    path = echem_dir / "test.ndax"
    raw = NewareNDA.read(str(path))
    t = (raw["Timestamp"] - raw["Timestamp"].iloc[0]).dt.total_seconds().to_numpy(float)
    i_mA = raw["Current(mA)"].to_numpy(float)
    d = read(path)
    hc = half_cycles(d)
    assert [h.direction for h in hc] == ["charge", "discharge"]
    for h in hc:
        assert h.capacity_mAh == pytest.approx(trapz_abs_mAh(t[h.start:h.stop], i_mA[h.start:h.stop]), rel=1e-3)
    # CC + following CV hold = the whole CCCV step = Neware's own counter over the step
    step = raw["Step"].to_numpy()
    for h, col in zip(hc, ["Charge_Capacity(mAh)", "Discharge_Capacity(mAh)"]):
        rows = np.flatnonzero(step == step[h.start])
        q_vendor = raw[col].to_numpy(float)[rows[-1]] - raw[col].to_numpy(float)[rows[0]]
        assert h.capacity_mAh + h.cv_capacity_mAh == pytest.approx(q_vendor, rel=5e-3)
        assert h.cv_capacity_mAh > 0.02  # the CV part exists and is not counted in capacity_mAh
