"""Plausibility warnings for likely unit or mass mistakes (issue 8): one DualionWarning line each."""

from __future__ import annotations

import warnings

import pytest

from dualion.echem import cycles, read, segment
from dualion.errors import DualionUserError, DualionWarning


def _cell(path, current_mA: float, hours: float, mass_mg: float | None, extra_header: str = "",
          column: str = "current_mA", scale: float = 1.0, n: int = 30):
    """One discharge then one charge at ``current_mA`` for ``hours`` each (capacity = current × hours)."""
    dt = hours * 3600.0 / (n - 1)
    rows = []
    for k in range(n):
        rows.append(f"{k * dt:.3f},{2.0 - 1.5 * k / n:.4f},{-current_mA * scale:.9g}")
    t0 = n * dt + 60
    for k in range(n):
        rows.append(f"{t0 + k * dt:.3f},{0.5 + 1.5 * k / n:.4f},{current_mA * scale:.9g}")
    head = (f"# mass_mg={mass_mg}\n" if mass_mg is not None else "") + extra_header
    path.write_text(f"{head}time_s,voltage_V,{column}\n" + "\n".join(rows) + "\n")
    return path


def _summary_warnings(path, mass_mg=None):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        data = read(path, mass_mg=mass_mg)
        s = cycles.summarise(data, segment.half_cycles(data))
    return s, [str(w.message) for w in rec if issubclass(w.category, DualionWarning)]


def test_mass_mistake_on_a_big_cell_warns(tmp_path):
    # a 4 A h cell (4000 mA for 1 h) with --mass-mg 10: 400,000 mA h g-1, far above any electrode
    p = _cell(tmp_path / "big.csv", 4000.0, 1.0, None)
    s, msgs = _summary_warnings(p, mass_mg=10)
    q = s.cycles[0].discharge_mAh_g
    assert q == pytest.approx(4000.0 / 0.010, rel=0.05)
    hits = [m for m in msgs if "specific capacity" in m]
    assert len(hits) == 1 and "1000 mA h g-1 with no host known" in hits[0] and "--mass-mg" in hits[0]
    # the same cell with its real mass (20 g of active material): 200 mA h g-1, no warning
    _, msgs = _summary_warnings(p, mass_mg=20000)
    assert not [m for m in msgs if "specific capacity" in m]


def test_host_theoretical_capacity_sets_the_limit(tmp_path):
    # 0.95 mA for 1 h on 1.0 mg: 950 mA h g-1 — below the 1000 fallback, above 3 × 294.4 for the paper's host
    p = _cell(tmp_path / "plain.csv", 0.95, 1.0, 1.0)
    _, msgs = _summary_warnings(p)
    assert not [m for m in msgs if "specific capacity" in m]
    p = _cell(tmp_path / "host.csv", 0.95, 1.0, 1.0, extra_header="# formula=Ti0.78□0.22O1.12F0.40(OH)0.48\n")
    _, msgs = _summary_warnings(p)
    hits = [m for m in msgs if "specific capacity" in m]
    assert len(hits) == 1 and "3× the Ti4+/Ti3+ capacity" in hits[0] and "294.4" in hits[0]
    p = _cell(tmp_path / "th.csv", 0.95, 1.0, 1.0, extra_header="# theoretical_capacity_mAh_g=400\n")
    _, msgs = _summary_warnings(p)
    assert not [m for m in msgs if "specific capacity" in m]          # 950 < 3 × 400


def test_amps_column_holding_milliamps_warns(tmp_path):
    # 0.5 "A" on 1.6 mg is 312,500 mA g-1: the column holds mA
    p = _cell(tmp_path / "a.csv", 0.5, 1.0, 1.6, column="current_A")
    _, msgs = _summary_warnings(p)
    hits = [m for m in msgs if "current_A" in m]
    assert len(hits) == 1 and "look like mA" in hits[0]
    # real amps: 0.0005 A = 0.5 mA on 1.6 mg (312 mA g-1) is fine
    p = _cell(tmp_path / "ok.csv", 0.0005, 1.0, 1.6, column="current_A")
    s, msgs = _summary_warnings(p)
    assert not [m for m in msgs if "current_A" in m]
    assert s.cycles[0].discharge_mAh == pytest.approx(0.5, rel=0.05)
    # no mass: above 0.1 A typical is more than a lab cell draws
    p = _cell(tmp_path / "nomass.csv", 0.5, 1.0, None, column="current_A")
    _, msgs = _summary_warnings(p)
    assert [m for m in msgs if "current_A" in m]


def test_zero_time_steps_warn_and_backwards_time_is_an_error(tmp_path):
    text = "time_s,voltage_V,current_mA\n0,2.0,-0.5\n60,1.9,-0.5\n60,1.9,-0.5\n120,1.8,-0.5\n180,1.7,-0.5\n"
    p = tmp_path / "dup.csv"
    p.write_text(text)
    with pytest.warns(DualionWarning, match=r"1 zero time step\(s\) \(repeated time stamp 60 s first at data rows 2–3\)"):
        read(p)
    # a step switch recorded at one instant (rest ends, pulse starts at 60 s) is not a duplicate: no warning
    p.write_text("time_s,voltage_V,current_mA\n0,2.0,0\n60,2.0,0\n60,1.9,-0.5\n120,1.8,-0.5\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DualionWarning)
        d = read(p)
    assert d.time_s.tolist() == [0, 60, 60, 120]
    p.write_text(text.replace("\n60,1.9,-0.5\n120", "\n30,1.9,-0.5\n120"))
    with pytest.raises(DualionUserError, match="time goes backwards at data row 3"):
        read(p)


def test_warnings_reach_the_command_line_as_one_line_each(tmp_path, run_cli):
    p = _cell(tmp_path / "big.csv", 4000.0, 1.0, None)
    res = run_cli("echem", "summary", p, "--mass-mg", "10")
    assert res.code == 0
    lines = [ln for ln in res.stderr.splitlines() if "specific capacity" in ln]
    assert len(lines) == 1 and lines[0].startswith("warning: ")
