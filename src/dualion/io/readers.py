"""Readers of calculation results: one :class:`Run` per calculation (title, composition, energy, status).

Dispatch by file content/extension to one adapter module per foreign format:

* vasppy ``vasp_summary`` multi-document YAML → :mod:`dualion.io.vasppy_yaml`
* VASP ``vasprun.xml`` (pymatgen) → :mod:`dualion.io.vasp_pymatgen`
* anything ASE reads with an energy (OUTCAR, extxyz, ...) → :mod:`dualion.io.ase_file`

The project's own site-model YAML is read by :func:`dualion.thermo.sitemodel.load_site_model`;
:func:`is_site_model_file` tells the two YAML kinds apart.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dualion.errors import DualionUserError
from dualion.io.run import FINISHED, Run, check_run

__all__ = ["FINISHED", "Run", "check_run", "is_site_model_file", "read_runs"]


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
