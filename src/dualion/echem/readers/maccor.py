"""Maccor text exports (tab-separated), read by the vendor-table reader (:mod:`.table`).

Variants seen: optional title lines; ``Rec#``/``Cyc#``/``Step`` or ``Rec``/``Cycle P``/``Cycle C``;
``Test (Min)``, ``Test (Sec)``, ``TestTime`` as ``0d 00:00:00.0000`` or as bare minutes (the unit is
checked against ``DPt Time``); ``Amp-hr``/``Amps``/``Volts`` (A h, A, V), ``mAmp-hr``/``mAmps`` (mA h,
mA; ``Volts`` then often mV, detected by magnitude), bracketed units (``Cap. [Ah]``, ``Current [A]``);
decimal commas. Maccor writes an unsigned current whose direction is in ``State``/``Md``
(R rest, C charge, D discharge): dualion's sign (> 0 charge) is taken from it.
"""

from __future__ import annotations

from pathlib import Path

from dualion.core.cycler import CyclerData


def looks_like_maccor(path: Path) -> bool:
    """True when the file's first lines hold a table header with Maccor column names."""
    from dualion.echem.readers.table import _guess_vendor, find_header
    from dualion.echem.readers.text import head_text
    from dualion.errors import DualionUserError

    try:
        lines = head_text(path).splitlines()
        k, sep, _ = find_header(lines)
    except (OSError, DualionUserError):
        return False
    return _guess_vendor([c.strip() for c in lines[k].split(sep)]) == "Maccor"


def read(path: Path, mass_mg: float | None = None, user_columns=None) -> CyclerData:
    """Read a Maccor text export."""
    from dualion.echem.readers import table

    return table.read(path, mass_mg=mass_mg, user_columns=user_columns, vendor="Maccor", fmt="txt")
