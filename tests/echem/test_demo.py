"""The synthetic example cells (Fig. 2a/2b scripts): files read back cleanly, known capacities recovered."""

from __future__ import annotations

import math
import warnings

from dualion import echem
from dualion.echem import synthetic
from dualion.errors import DualionWarning


def _summary(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DualionWarning)  # the example files must read cleanly
        data = echem.read(path)
    return echem.cycles.summarise(data, echem.segment.half_cycles(data))


def test_rate_test_recovers_prescribed_capacities(tmp_path):
    cell = synthetic.SyntheticCell()
    sched = synthetic.rate_schedule(synthetic.PAPER_RATES_MA_G, cycles_per_rate=5)
    s = _summary(synthetic.write_csv(tmp_path / "rate.csv", cell, sched, points_per_half=200))
    assert [round(r.rate) for r in s.rates] == [20, 50, 100, 200, 500, 1000, 20]
    err = max(max(abs(c.discharge_mAh_g - e["discharge_mAh_g"]), abs(c.charge_mAh_g - e["charge_mAh_g"]))
              for c, e in zip(s.cycles, synthetic.expected(cell, sched)))
    assert err < 1e-2                       # CSV rounding (9 significant digits)


def test_long_cycling_retention(tmp_path):
    s = _summary(synthetic.write_csv(tmp_path / "long.csv", synthetic.SyntheticCell(), [1000.0] * 100,
                                     points_per_half=60, rest_points=2, rest_s=120.0))
    assert len(s.cycles) == 100
    # fade exp(-2e-4 (n-1)): retention after 100 cycles = 100·exp(-2e-4·99) = 98.04 %
    assert abs(s.cycles[-1].retention_pct - 100 * math.exp(-2e-4 * 99)) < 0.002
