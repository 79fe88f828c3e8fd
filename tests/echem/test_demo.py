"""The echem demo part: synthetic files analysed, known capacities recovered, figures written."""

from __future__ import annotations

import json
import re

from dualion.echem import demo


def test_demo_part_fast(tmp_path):
    lines = demo.run(tmp_path, fast=True)
    text = "\n".join(lines)
    for stem in ("fig1a_voltage_capacity", "fig2a_rate_capability", "fig2b_long_cycling"):
        assert (tmp_path / f"{stem}.png").exists() and (tmp_path / f"{stem}.svg").exists()
    rates = json.loads((tmp_path / "rate_capability.json").read_text())
    assert [round(r["rate"]) for r in rates] == [20, 50, 100, 200, 500, 1000, 20]
    # prescribed capacities recovered to CSV rounding (9 significant digits)
    m = re.search(r"max \|Δ\| = ([0-9.e+-]+) mA h g-1 \(rate test\)", text)
    assert m and float(m.group(1)) < 1e-2
    # fast mode: 100 cycles with fade exp(-2e-4 (n-1)): retention = 100·exp(-2e-4·99) = 98.04 %
    assert "after 100 cycles" in text
    long = json.loads((tmp_path / "long_cycling_cycles.json").read_text())
    assert len(long) == 100
    assert abs(long[-1]["retention_pct"] - 98.039) < 0.002
