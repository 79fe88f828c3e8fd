"""Site-model structures as relaxation tasks, and one engine run over them.

:func:`tasks_from_models` turns the builder's structures into :class:`~dualion.engines.runner.Task` s,
:func:`reference_tasks` adds the bulk metal of each working ion, :func:`run_engine` relaxes them all
(skipping what the database holds) into an :class:`EngineResult`. Used by
:mod:`dualion.engines.compute` and :mod:`dualion.engines.calibration`; it imports neither.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ase import Atoms

from dualion.engines.calculators import EngineSpec
from dualion.engines.db import ResultsDB
from dualion.engines.relax import RelaxSettings, metal_atoms
from dualion.engines.runner import Record, Task, run_tasks

#: Site model name used for metal reference rows in the database.
REFERENCES_MODEL = "metal-references"


def site_type(site: str | None) -> str:
    """Coarse insertion-site type used by the calibration: ``interstitial`` or ``vacancy`` (V_Ti, 2V_Ti)."""
    if site is None or site == "":
        return "host"
    s = str(site).lower()
    if "int" in s:
        return "interstitial"
    if "v_ti" in s or "vac" in s:
        return "vacancy"
    return s


def to_atoms(structure: Any) -> Atoms:
    """pymatgen Structure (or ASE Atoms) → ASE Atoms."""
    if isinstance(structure, Atoms):
        return structure.copy()
    from pymatgen.io.ase import AseAtomsAdaptor

    return AseAtomsAdaptor.get_atoms(structure)


def tasks_from_models(models: Sequence[Any], site_model: str) -> list[Task]:
    """Tasks for :class:`dualion.structures.models.ModelStructure` objects (placement = index per label)."""
    seen: dict[tuple[str, str], int] = {}
    tasks = []
    for m in models:
        k = (m.host, m.label)
        seen[k] = seen.get(k, 0) + 1
        meta = dict(m.meta)
        occupied = meta.get("occupied")
        placement = (",".join(f"{v}:{i}" for v, i in sorted(occupied.items())) if isinstance(occupied, Mapping)
                     else f"p{seen[k]}")
        tasks.append(Task(atoms=to_atoms(m.structure), site_model=site_model, label=m.label, host=m.host,
                          placement=placement, counts=dict(m.counts), site=m.site, multiplicity=int(m.multiplicity),
                          kind="host" if not m.counts else "configuration", meta=meta))
    return tasks


def reference_tasks(ions: Sequence[str]) -> list[Task]:
    """Bulk metal of each ion, cell relaxed (bcc Li/Na, hcp Mg, fcc Ca/Al): the μ_metal references."""
    return [Task(atoms=metal_atoms(ion), site_model=REFERENCES_MODEL, label=f"{ion} metal", host="",
                 placement=metal_atoms(ion).get_chemical_formula(), counts={}, kind="reference", relax_cell=True,
                 meta={"ion": ion}) for ion in ions]


def references_from_records(records: Sequence[Record]) -> dict[str, float]:
    """μ_metal (eV/atom) from reference records."""
    out = {}
    for r in records:
        if r.task.kind == "reference":
            out[r.task.meta["ion"]] = r.energy_eV / len(r.atoms)
    return out


@dataclass(frozen=True)
class EngineResult:
    """Records of one engine run over a site model, plus the metal references (eV/atom)."""

    engine: EngineSpec
    records: tuple[Record, ...]
    references_eV_per_atom: Mapping[str, float]
    reference_records: tuple[Record, ...] = ()

    @property
    def all_records(self) -> tuple[Record, ...]:
        """Configuration, host and metal-reference records (for run summaries)."""
        return tuple(self.records) + tuple(self.reference_records)

    @property
    def model_version(self) -> str:
        versions = sorted({r.model_version for r in self.records})
        return "; ".join(versions)


def run_engine(tasks: Sequence[Task], ions: Sequence[str], engine: EngineSpec, settings: RelaxSettings,
               db: ResultsDB | None, workers: int = 1, scheduler: str | None = None,
               progress: bool | str | None = None, force_dask: bool = False, description: str | None = None,
               **run_options: Any) -> EngineResult:
    """Relax ``tasks`` and the metals of ``ions`` with ``engine`` (skipping what ``db`` holds).

    ``run_options``: passed to :func:`~dualion.engines.runner.run_tasks` (``threads_per_worker``,
    ``lease_s``, ``poll_s``, ``owner``, ``on_record``)."""
    refs = reference_tasks(ions)
    recs = run_tasks(list(tasks) + refs, engine, settings, db=db, workers=workers, scheduler=scheduler,
                     progress=progress, description=description or f"{engine.short}", force_dask=force_dask,
                     **run_options)
    return EngineResult(engine, tuple(r for r in recs if r.task.kind != "reference"),
                        references_from_records(recs), tuple(r for r in recs if r.task.kind == "reference"))
