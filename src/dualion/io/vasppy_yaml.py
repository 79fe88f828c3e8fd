"""Adapter: vasppy ``vasp_summary`` multi-document YAML → :class:`dualion.io.readers.Run`.

Each document describes one VASP run; fields used: ``title``, ``status`` (finished / incomplete /
...), ``stoichiometry`` (list of one-entry mappings ``{element: count}``, or a mapping) and
``energy`` (``"-875.70 eV"`` or a number, eV, total energy of the cell).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dualion.errors import DualionUserError
from dualion.io.run import FINISHED, Run


def _energy_eV(value: Any, path: Path, fld: str) -> float:
    if isinstance(value, str):
        text = value.strip()
        unit = "eV"
        parts = text.split()
        if len(parts) == 2:
            text, unit = parts
        if unit != "eV":
            raise DualionUserError(f"energy must be in eV, got unit {unit!r}", file=path, field=fld)
        value = text
    if isinstance(value, bool):
        raise DualionUserError(f"expected an energy like '-875.70 eV', got {value!r}", file=path, field=fld)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DualionUserError(f"expected an energy like '-875.70 eV', got {value!r}", file=path, field=fld) from None


def _stoichiometry(value: Any, path: Path, fld: str) -> dict[str, int]:
    items: list[tuple[Any, Any]] = []
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, list):
        for entry in value:
            if not isinstance(entry, Mapping) or len(entry) != 1:
                raise DualionUserError(f"expected a list of {{element: count}} entries, got {entry!r}",
                                       file=path, field=fld)
            items += list(entry.items())
    else:
        raise DualionUserError("expected a list of {element: count} entries", file=path, field=fld)
    out: dict[str, int] = {}
    for el, n in items:
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise DualionUserError(f"count of {el} must be a positive integer, got {n!r}", file=path, field=fld)
        out[str(el)] = out.get(str(el), 0) + n
    if not out:
        raise DualionUserError("empty stoichiometry", file=path, field=fld)
    return out


def read_vasp_summary(path: str | os.PathLike) -> list[Run]:
    """Read all documents of a ``vasp_summary`` YAML file; errors name the file and document field."""
    p = Path(path)
    from dualion.io.text import read_yaml_all

    docs = read_yaml_all(p)
    runs: list[Run] = []
    k = 0
    for doc in docs:
        if doc is None:
            continue
        k += 1
        tag = f"document {k}"
        if not isinstance(doc, Mapping):
            raise DualionUserError("expected a mapping (one VASP run per YAML document)", file=p, field=tag)
        for key in ("energy", "stoichiometry"):
            if key not in doc:
                raise DualionUserError(f"missing '{key}'", file=p, field=f"{tag}.{key}")
        title = str(doc.get("title") or f"{p.stem}#{k}")
        runs.append(Run(title=title,
                        composition=_stoichiometry(doc["stoichiometry"], p, f"{tag} ({title}).stoichiometry"),
                        energy_eV=_energy_eV(doc["energy"], p, f"{tag} ({title}).energy"),
                        status=str(doc.get("status", FINISHED)).strip().lower(),
                        source=str(p), index=k,
                        extra={k2: doc[k2] for k2 in ("functional", "encut", "directory") if k2 in doc}))
    if not runs:
        raise DualionUserError("no VASP runs found (empty YAML)", file=p)
    return runs
