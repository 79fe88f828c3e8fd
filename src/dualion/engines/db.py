"""The results database: one ``ase.db`` row per relaxed structure (SQLite file or PostgreSQL URL).

Each row holds the *relaxed* structure with its energy and forces (ASE single-point calculator) and
these key–value pairs (see docs/engines.md for the full schema):

=================  ======  =========================================================================
key                type    meaning
=================  ======  =========================================================================
kind               str     ``host`` | ``configuration`` | ``reference`` (metal) | ``structure`` (anatase lattice)
site_model         str     site-model name (e.g. ``paired_vacancy``)
label              str     configuration label (``Li``, ``Li+Mg``, host label, ``Li metal``)
host               str     host label the configuration belongs to
placement          str     which symmetry-distinct placement of the label this is
composition        str     reduced-free chemical formula of the cell (e.g. ``LiO256Ti126F8``)
counts_json        str     inserted ions, JSON ``{"Li": 1}`` (hosts: ``{}``)
site               str     site-type tag (``vacancy``, ``interstitial``, ...; may be empty)
multiplicity       int     symmetry multiplicity of the placement
relax_cell         bool    cell relaxed too (metals) or fixed (everything else)
engine             str     engine name (chgnet | sevenn | module:Class)
engine_key         str     engine + model + kwargs as JSON
model_version      str     package and model version actually loaded (e.g. ``chgnet 0.4.2 model 0.3.0``)
energy_eV          float   total energy of the relaxed cell (eV)
initial_energy_eV  float   total energy of the input structure (eV)
converged          bool    max force < fmax reached within the step limit
fmax_final         float   final max force (eV/Å)
fmax_target        float   requested fmax (eV/Å)
n_steps            int     optimizer steps taken
optimizer          str     FIRE | BFGS
wall_s             float   wall time of the relaxation (s)
input_sha256       str     sha256 of the canonical input structure (:func:`structure_sha256`)
task_key           str     sha256 of input hash + engine key + relaxation settings: the skip key
dualion_version    str     dualion version that wrote the row
=================  ======  =========================================================================

``data`` holds ``meta`` (the builder's metadata) and ``input`` (the unrelaxed positions, cell, numbers).
Rows are written one at a time, each in its own transaction, as relaxations finish.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from dualion.errors import DualionUserError

#: Every row has all of these key–value pairs.
ROW_KEYS: tuple[str, ...] = (
    "kind", "site_model", "label", "host", "placement", "composition", "counts_json", "site", "multiplicity",
    "relax_cell", "engine", "engine_key", "model_version", "energy_eV", "initial_energy_eV", "converged",
    "fmax_final", "fmax_target", "n_steps", "optimizer", "wall_s", "input_sha256", "task_key", "dualion_version",
)


def _is_url(target: str) -> bool:
    return "://" in target


class ResultsDB:
    """A thin wrapper over ``ase.db.connect(target)``: lookup by ``task_key``, append rows.

    ``target`` is a file path (``.db`` → SQLite) or a database URL (``postgresql://...``).
    """

    def __init__(self, target: str | os.PathLike):
        import ase.db

        self.target = os.fspath(target)
        if not _is_url(self.target):
            p = Path(self.target)
            if p.exists() and p.is_dir():
                raise DualionUserError("expected a database file, got a folder", file=p, field="--db")
            p.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = ase.db.connect(self.target, type="db" if not _is_url(self.target) else "extract_from_name")
        except Exception as exc:
            raise DualionUserError(f"cannot open results database: {exc}", file=self.target, field="--db") from None

    def get(self, task_key: str):
        """The row for ``task_key`` (most recent), or ``None``."""
        rows = list(self._db.select(task_key=task_key))
        return rows[-1] if rows else None

    def done_keys(self) -> set[str]:
        """All task keys present."""
        return {r.task_key for r in self._db.select(columns=["key_value_pairs"]) if "task_key" in r}

    def write(self, atoms, key_value_pairs: dict[str, Any], data: dict[str, Any] | None = None) -> int:
        """Append one row (its own transaction); return its id."""
        missing = [k for k in ROW_KEYS if k not in key_value_pairs]
        if missing:
            raise ValueError(f"row is missing keys {missing}")
        return int(self._db.write(atoms, key_value_pairs=key_value_pairs, data=data or {}))

    def rows(self, **selection):
        """Rows matching ``selection`` (ase.db keyword selection)."""
        return list(self._db.select(**selection))

    def count(self, **selection) -> int:
        return int(self._db.count(**selection))

    def __len__(self) -> int:
        return self.count()


def counts_from_row(row) -> dict[str, int]:
    return {k: int(v) for k, v in json.loads(row.counts_json).items()}
