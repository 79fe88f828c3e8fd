"""One adapter module per cycler format; :func:`read` picks one by content (or ``fmt``).

| format | module | extension(s) | library |
|---|---|---|---|
| Bio-Logic EC-Lab | :mod:`.biologic` | ``.mpr``, ``.mpt`` | galvani |
| Arbin | :mod:`.arbin` | ``.res`` | galvani + Debian ``mdbtools`` |
| Neware | :mod:`.neware` | ``.nda``, ``.ndax`` | NewareNDA |
| Maccor text export | :mod:`.maccor` | ``.txt``, ``.0NN`` (content) | :mod:`.table` |
| vendor text tables (Arbin, Neware, Novonix, Maccor, Bio-Logic CSV) | :mod:`.table` | any (content) | own parser, pandas |
| plain CSV (dualion interchange) | :mod:`.csv` | ``.csv`` | pandas |

Formats are detected by content (:func:`detect_format`), not by extension.
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
    "table": ("table", (".txt", ".tsv", ".dat")),
}

FORMATS_BY_EXT = {e: name for name, (_, exts) in FORMATS.items() for e in exts}

#: leading bytes of the binary formats
_MAGIC = ((b"BIO-LOGIC MODULAR FILE", "biologic"), (b"\x00\x01\x00\x00Standard Jet DB", "arbin"),
          (b"\x00\x01\x00\x00Standard ACE DB", "arbin"), (b"NEWARE", "neware"), (b"PK\x03\x04", "neware"))


def detect_format(path: Path) -> str:
    """The format of ``path`` from its content (magic bytes; for text: EC-Lab, a dualion plain-CSV
    header, else a vendor table), falling back on the extension."""
    with open(path, "rb") as fh:
        head = fh.read(64)
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    from dualion.echem.readers.text import head_text

    txt = head_text(path)
    ext = path.suffix.lower()
    if txt and ext in (".res", ".nda", ".ndax"):
        return FORMATS_BY_EXT[ext]  # a text file named like a binary format: its reader says what is wrong
    if txt:
        first = txt.lstrip("\ufeff").lstrip()
        if first.startswith("EC-Lab ASCII FILE"):
            return "biologic"
        from dualion.echem.readers.csv import looks_plain

        return "csv" if looks_plain(txt) else "table"
    if ext in FORMATS_BY_EXT:
        return FORMATS_BY_EXT[ext]
    raise DualionUserError(f"unknown cycler file type {ext!r} (binary, no known signature); use --format "
                           f"({', '.join(FORMATS)})", file=path)


def read(path: str | os.PathLike, mass_mg: float | None = None, fmt: str | None = None,
         columns: str | os.PathLike | None = None) -> CyclerData:
    """Read a cycler file into a :class:`CyclerData` (s, V, mA, mA h; ``current_mA > 0`` = charge).

    ``mass_mg`` (active mass in mg) overrides a mass stored in the file. ``fmt`` forces the format
    (``biologic``, ``arbin``, ``neware``, ``maccor``, ``csv``, ``table``); by default it comes from the
    content (:func:`detect_format`). ``columns``: a YAML column map extending the built-in one
    (:mod:`dualion.echem.readers.columns`) for text exports.
    """
    import importlib

    from dualion.echem.readers.columns import load_user_map

    path = Path(path)
    if not path.exists():
        raise DualionUserError("no such file", file=path)
    if path.is_dir():
        raise DualionUserError("is a folder, not a cycler file", file=path)
    if path.stat().st_size == 0:
        raise DualionUserError("the file is empty", file=path)
    user = load_user_map(columns)
    if fmt is None:
        fmt = "table" if user and detect_format(path) == "csv" else detect_format(path)
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise DualionUserError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}", field="format")
    mod = importlib.import_module(f"dualion.echem.readers.{FORMATS[fmt][0]}")
    if fmt == "table":
        data = mod.read(path, mass_mg=mass_mg, user_columns=user, fmt=path.suffix.lower().lstrip(".") or "text")
    elif fmt in ("biologic", "maccor", "csv"):
        data = mod.read(path, mass_mg=mass_mg, user_columns=user)
    else:
        data = mod.read(path, mass_mg=mass_mg)
    if mass_mg is not None:
        data = data.with_mass(mass_mg)
        data.meta["mass_source"] = "user (--mass-mg)"
    elif data.mass_mg is not None:
        data.meta["mass_source"] = "file"
    else:
        data.meta["mass_source"] = "none: absolute units only (give --mass-mg for mA h g-1)"
    return data
