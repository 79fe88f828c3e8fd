"""Readers of calculation results: one :class:`Run` per calculation (title, composition, energy, status).

Dispatch by file content/extension to one adapter module per foreign format:

* vasppy ``vasp_summary`` multi-document YAML → :mod:`dualion.io.vasppy_yaml`
* VASP ``vasprun.xml`` (pymatgen) → :mod:`dualion.io.vasp_pymatgen`
* anything ASE reads with an energy (OUTCAR, extxyz, ...) → :mod:`dualion.io.ase_file`

The project's own site-model YAML is read by :func:`dualion.thermo.sitemodel.load_site_model`;
:func:`is_site_model_file` tells the two YAML kinds apart.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dualion.errors import DualionUserError

#: Status value of a run that completed normally; anything else is flagged.
FINISHED = "finished"


@dataclass(frozen=True)
class Run:
    """One calculation: total ``energy_eV`` (eV) of a cell of ``composition`` ({element: count})."""

    title: str
    composition: Mapping[str, int]
    energy_eV: float
    status: str = FINISHED
    source: str = ""
    index: int = 0
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.status == FINISHED

    @property
    def where(self) -> str:
        """``file#doc`` reference used in error messages."""
        return f"{self.source}#{self.index}" if self.source else f"#{self.index}"

    @property
    def n_atoms(self) -> int:
        return int(sum(self.composition.values()))


def check_run(run: Run) -> Run:
    """Validate a run's numbers (finite energy, positive integer counts); raises DualionUserError."""
    if not math.isfinite(run.energy_eV):
        raise DualionUserError(f"energy of run {run.title!r} is not finite", file=run.source, field="energy")
    if not run.composition:
        raise DualionUserError(f"run {run.title!r} has an empty composition", file=run.source, field="stoichiometry")
    for el, n in run.composition.items():
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise DualionUserError(f"count of {el} in run {run.title!r} must be a positive integer, got {n!r}",
                                   file=run.source, field="stoichiometry")
    return run


def is_site_model_file(path: str | os.PathLike) -> bool:
    """True if ``path`` is a YAML mapping with ``configurations`` and ``host`` (a site-model file)."""
    p = Path(path)
    if p.suffix.lower() not in (".yaml", ".yml"):
        return False
    if not p.is_file():
        return False
    from dualion.io.text import load_yaml, read_text

    text = read_text(p)  # a binary or undecodable file is one line naming it
    # cheap check first: site-model files are single documents with these top-level keys
    if "configurations:" not in text or "host:" not in text:
        return False
    try:
        doc = load_yaml(text, p)
    except DualionUserError:
        return True  # let the site-model loader report the YAML error with the line number
    return isinstance(doc, Mapping) and "configurations" in doc


def read_runs(path: str | os.PathLike) -> list[Run]:
    """Read every calculation in ``path`` (vasppy YAML, vasprun.xml, or any ASE-readable file)."""
    p = Path(path)
    if not p.exists():
        raise DualionUserError("file not found", file=p)
    if p.is_dir():
        raise DualionUserError("expected a file, got a directory", file=p)
    name = p.name.lower()
    if name.endswith((".yaml", ".yml")):
        from dualion.io.vasppy_yaml import read_vasp_summary

        runs = read_vasp_summary(p)
    elif name.startswith("vasprun") and name.endswith((".xml", ".xml.gz")):
        from dualion.io.vasp_pymatgen import read_vasprun

        runs = [read_vasprun(p)]
    else:
        from dualion.io.ase_file import read_ase

        runs = read_ase(p)
    return [check_run(r) for r in runs]
