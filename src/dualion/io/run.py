"""The record every calculation reader returns: :class:`Run` (title, composition, energy, status).

Its own module so that the format adapters (:mod:`dualion.io.vasppy_yaml`, :mod:`dualion.io.vasp_pymatgen`,
:mod:`dualion.io.ase_file`) and the dispatcher :mod:`dualion.io.readers` do not import each other.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

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
