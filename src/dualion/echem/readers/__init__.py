"""One adapter module per cycler format; :func:`read` picks one by extension (or ``fmt``).

| format | module | extension(s) | library |
|---|---|---|---|
| Bio-Logic EC-Lab | :mod:`.biologic` | ``.mpr``, ``.mpt`` | galvani |
| Arbin | :mod:`.arbin` | ``.res`` | galvani + Debian ``mdbtools`` |
| Neware | :mod:`.neware` | ``.nda``, ``.ndax`` | NewareNDA |
| Maccor text export | :mod:`.maccor` | ``.txt`` (Maccor header), ``.maccor`` | own tab-separated parser |
| plain CSV (dualion interchange) | :mod:`.csv` | ``.csv`` | pandas |
"""

from __future__ import annotations

import os
from pathlib import Path

from dualion.core.cycler import CyclerData
from dualion.errors import DualionUserError

#: format name -> (module, extensions)
FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    "biologic": ("biologic", (".mpr", ".mpt")),
    "arbin": ("arbin", (".res",)),
    "neware": ("neware", (".nda", ".ndax")),
    "maccor": ("maccor", (".maccor",)),
    "csv": ("csv", (".csv",)),
}


def detect_format(path: Path) -> str:
    """The format name for ``path`` from its extension (and, for ``.txt``, its first line)."""
    ext = path.suffix.lower()
    for name, (_, exts) in FORMATS.items():
        if ext in exts:
            return name
    if ext in (".txt", ".tsv", ""):
        from dualion.echem.readers.maccor import looks_like_maccor

        if looks_like_maccor(path):
            return "maccor"
        return "csv"
    if ext and ext[1:].isdigit():  # Maccor exports are often named .001, .002, ...
        return "maccor"
    raise DualionUserError(f"unknown cycler file type {ext!r}; use --format "
                           f"({', '.join(FORMATS)})", file=path)


def read(path: str | os.PathLike, mass_mg: float | None = None, fmt: str | None = None) -> CyclerData:
    """Read a cycler file into a :class:`CyclerData` (s, V, mA, mA h; ``current_mA > 0`` = charge).

    ``mass_mg`` (active mass in mg) overrides a mass stored in the file. ``fmt`` forces the format
    (``biologic``, ``arbin``, ``neware``, ``maccor``, ``csv``); by default it comes from the extension.
    """
    import importlib

    path = Path(path)
    if not path.exists():
        raise DualionUserError("no such file", file=path)
    if path.is_dir():
        raise DualionUserError("is a folder, not a cycler file", file=path)
    if path.stat().st_size == 0:
        raise DualionUserError("the file is empty", file=path)
    if fmt is None:
        fmt = detect_format(path)
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise DualionUserError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}", field="format")
    mod = importlib.import_module(f"dualion.echem.readers.{FORMATS[fmt][0]}")
    data = mod.read(path, mass_mg=mass_mg)
    if mass_mg is not None:
        data = data.with_mass(mass_mg)
        data.meta["mass_source"] = "user (--mass-mg)"
    elif data.mass_mg is not None:
        data.meta["mass_source"] = "file"
    else:
        data.meta["mass_source"] = "none: absolute units only (give --mass-mg for mA h g-1)"
    return data
