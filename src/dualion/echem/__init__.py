"""dualion.echem: cycler files → normalised table → galvanostatic half-cycles → per-cycle summary.

Entry points::

    from dualion import echem
    data = echem.read("cell.mpr", mass_mg=1.6)          # CyclerData (s, V, mA, mA h; I > 0 charge)
    halves = echem.segment.half_cycles(data)             # list[HalfCycle]
    summary = echem.cycles.summarise(data, halves)       # CycleSummary (cycles, rates, retention)

See ``docs/echem.md`` for the units, sign convention, segmentation rules and equations.
"""

from __future__ import annotations

from dualion.echem import cycles, segment
from dualion.echem.readers import read
from dualion.core.cycler import CyclerData, make_cycler_data

__all__ = ["read", "CyclerData", "make_cycler_data", "segment", "cycles", "summarise", "half_cycles"]

half_cycles = segment.half_cycles
summarise = cycles.summarise
