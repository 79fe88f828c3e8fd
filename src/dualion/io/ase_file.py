"""Adapter: any file ASE reads with an energy (OUTCAR, extxyz, ...) → :class:`dualion.io.readers.Run`.

The last image of the file is used; its potential energy (eV) must be available. Title: the
``title``/``name`` key of ``atoms.info`` if present, else the file name (the folder name for generic
VASP file names such as OUTCAR). Status: ``finished``
unless ``atoms.info['status']`` says otherwise; for an ``OUTCAR`` without VASP's final timing block
the status is ``incomplete``.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from dualion.errors import DualionUserError
from dualion.io.run import FINISHED, Run


def read_ase(path: str | os.PathLike) -> list[Run]:
    from dualion.io.text import utf8_copy

    p = Path(path)
    with utf8_copy(p) as src:       # binary data in a text format: one line; UTF-16/Latin-1 decoded
        return _read_ase(src, p)


def _read_ase(src: Path, p: Path) -> list[Run]:
    import ase.io  # lazy

    try:
        atoms = ase.io.read(str(src), index=-1)
    except Exception as exc:
        raise DualionUserError(f"cannot read as a calculation result (ASE): {type(exc).__name__}: {exc}",
                               file=p) from None
    try:
        energy = float(atoms.get_potential_energy())
    except Exception:
        raise DualionUserError("no energy in file (ASE found a structure but no potential energy)",
                               file=p, field="energy") from None
    counts = dict(Counter(atoms.get_chemical_symbols()))
    info = dict(atoms.info)
    generic = p.name.upper().startswith(("OUTCAR", "VASPRUN", "CONTCAR", "OSZICAR"))
    title = str(info.get("title") or info.get("name") or (p.resolve().parent.name if generic else p.name))
    status = str(info.get("status", FINISHED))
    if p.name.upper().startswith("OUTCAR"):
        tail = src.read_bytes()[-20000:]
        if b"General timing and accounting" not in tail:
            status = "incomplete"
    return [Run(title=title, composition=counts, energy_eV=energy, status=status, source=str(p), index=1)]
