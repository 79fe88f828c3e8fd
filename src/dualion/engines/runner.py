"""Run many relaxations: in-process or on Dask, skipping what the database already holds.

* :class:`Task` — one structure to relax, with its labels (site model, label, host, placement...).
* :func:`run_tasks` — skip tasks whose ``task_key`` (input-structure hash + engine + settings) is in
  the database; relax the rest serially (``workers=1``, no scheduler), on a Dask ``LocalCluster``
  (``workers=N``: one thread per worker, torch limited to one thread), or on any running Dask cluster
  (``scheduler="tcp://host:8786"``). The client writes each row as its future completes
  (``as_completed``), so a killed run loses at most the relaxations in flight.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from ase import Atoms

from dualion.engines.calculators import EngineSpec, get_calculator, settings_hash
from dualion.engines.db import ResultsDB
from dualion.engines.relax import RelaxSettings, relax, structure_sha256
from dualion.errors import DualionUserError


@dataclass(frozen=True)
class Task:
    """One structure to relax. ``counts`` = inserted ions ({} for hosts and metals)."""

    atoms: Atoms
    site_model: str
    label: str
    host: str = ""
    placement: str = ""
    counts: Mapping[str, int] = field(default_factory=dict)
    site: str | None = None
    multiplicity: int = 1
    kind: str = "configuration"
    relax_cell: bool = False
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def input_sha256(self) -> str:
        return structure_sha256(self.atoms)

    def key(self, engine: EngineSpec, settings: RelaxSettings) -> str:
        """Skip key: input-structure hash + engine + relaxation settings (+ whether the cell relaxes)."""
        return settings_hash(self.input_sha256, engine.key, settings.as_dict(), bool(self.relax_cell))


@dataclass(frozen=True)
class Record:
    """A finished relaxation (fresh or read back from the database)."""

    task: Task
    task_key: str
    engine: str
    model_version: str
    energy_eV: float
    initial_energy_eV: float
    converged: bool
    fmax_final: float
    n_steps: int
    wall_s: float
    atoms: Atoms
    skipped: bool = False
    row_id: int | None = None


def _relax_payload(atoms: Atoms, engine: EngineSpec, settings: RelaxSettings, relax_cell: bool,
                   threads: int | None) -> dict[str, Any]:
    """Worker side: relax and return plain data (picklable, no calculator)."""
    calc, version = get_calculator(engine, threads=threads)
    res = relax(atoms, calc, settings, relax_cell=relax_cell)
    return {"energy_eV": res.energy_eV, "initial_energy_eV": res.initial_energy_eV,
            "fmax_final": res.fmax_eV_per_A, "converged": res.converged, "n_steps": res.n_steps,
            "wall_s": res.wall_s, "model_version": version,
            "positions": res.atoms.get_positions(), "cell": res.atoms.cell.array.copy(),
            "forces": res.atoms.get_forces()}


def _relax_payload_or_error(atoms: Atoms, engine: EngineSpec, settings: RelaxSettings, relax_cell: bool,
                            threads: int | None) -> dict[str, Any]:
    """Dask worker side: like :func:`_relax_payload`, but a user error comes back as data (no worker
    "Compute Failed" log); the client raises it again."""
    try:
        return _relax_payload(atoms, engine, settings, relax_cell, threads)
    except DualionUserError as exc:
        return {"user_error": {"message": exc.message, "file": exc.file, "field": exc.field}}


def _final_atoms(task: Task, out: Mapping[str, Any]) -> Atoms:
    from ase.calculators.singlepoint import SinglePointCalculator

    a = task.atoms.copy()
    a.set_cell(out["cell"], scale_atoms=False)
    a.set_positions(out["positions"])
    a.calc = SinglePointCalculator(a, energy=out["energy_eV"], forces=np.asarray(out["forces"]))
    return a


def _kvp(task: Task, key: str, engine: EngineSpec, settings: RelaxSettings, out: Mapping[str, Any]) -> dict:
    from dualion import __version__

    kvp = {
        "kind": task.kind, "site_model": task.site_model, "label": task.label, "host": task.host,
        "placement": task.placement, "composition": task.atoms.get_chemical_formula(mode="hill"),
        "counts_json": json.dumps(dict(task.counts), sort_keys=True), "site": task.site or "",
        "multiplicity": int(task.multiplicity), "relax_cell": bool(task.relax_cell),
        "engine": engine.name, "engine_key": engine.key, "model_version": out["model_version"],
        "energy_eV": float(out["energy_eV"]), "initial_energy_eV": float(out["initial_energy_eV"]),
        "converged": bool(out["converged"]), "fmax_final": float(out["fmax_final"]),
        "fmax_target": float(settings.fmax), "n_steps": int(out["n_steps"]), "optimizer": settings.optimizer,
        "wall_s": float(out["wall_s"]), "input_sha256": task.input_sha256, "task_key": key,
        "dualion_version": __version__,
    }
    for ion, n in task.counts.items():  # searchable ion counts, e.g. n_Li=1
        kvp[f"n_{ion}"] = int(n)
    return kvp


def _jsonable(obj: Any) -> Any:
    return json.loads(json.dumps(obj, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o)))


def _record_from_row(task: Task, key: str, row) -> Record:
    atoms = row.toatoms()  # carries a single-point calculator with the stored energy and forces
    return Record(task=task, task_key=key, engine=row.engine, model_version=row.model_version,
                  energy_eV=float(row.energy_eV), initial_energy_eV=float(row.initial_energy_eV),
                  converged=bool(row.converged), fmax_final=float(row.fmax_final), n_steps=int(row.n_steps),
                  wall_s=float(row.wall_s), atoms=atoms, skipped=True, row_id=int(row.id))


def _finish(task: Task, key: str, engine: EngineSpec, settings: RelaxSettings, out: Mapping[str, Any],
            db: ResultsDB | None) -> Record:
    atoms = _final_atoms(task, out)
    row_id = None
    if db is not None:
        data = {"meta": _jsonable(dict(task.meta)),
                "input": {"numbers": task.atoms.numbers.tolist(), "positions": task.atoms.positions.tolist(),
                          "cell": task.atoms.cell.array.tolist()}}
        row_id = db.write(atoms, _kvp(task, key, engine, settings, out), data=data)
    return Record(task=task, task_key=key, engine=engine.name, model_version=out["model_version"],
                  energy_eV=float(out["energy_eV"]), initial_energy_eV=float(out["initial_energy_eV"]),
                  converged=bool(out["converged"]), fmax_final=float(out["fmax_final"]),
                  n_steps=int(out["n_steps"]), wall_s=float(out["wall_s"]), atoms=atoms, row_id=row_id)


def run_tasks(tasks: Sequence[Task], engine: EngineSpec, settings: RelaxSettings | None = None,
              db: ResultsDB | str | None = None, workers: int = 1, scheduler: str | None = None,
              threads_per_worker: int = 1, progress: bool | None = None, description: str = "relaxing",
              on_record: Callable[[Record], None] | None = None, force_dask: bool = False) -> list[Record]:
    """Relax every task not already in ``db``; return one :class:`Record` per task, in task order.

    ``workers=1`` and no ``scheduler`` run in this process (torch threads left as they are unless
    ``DUALION_TORCH_THREADS`` is set); ``workers>1`` start a Dask ``LocalCluster`` with one thread
    per worker and torch limited to ``threads_per_worker`` threads; ``scheduler`` connects to a
    running cluster instead (``force_dask`` uses a LocalCluster even for one worker). Identical inputs
    (same task key) are relaxed once.
    """
    settings = settings or RelaxSettings()
    if isinstance(db, (str,)) or (db is not None and not isinstance(db, ResultsDB)):
        db = ResultsDB(db)
    if workers < 1:
        raise DualionUserError(f"--workers must be ≥ 1, got {workers}", field="--workers")
    keys = [t.key(engine, settings) for t in tasks]
    records: dict[int, Record] = {}
    todo: dict[str, list[int]] = {}
    for i, (t, k) in enumerate(zip(tasks, keys)):
        row = db.get(k) if db is not None else None
        if row is not None:
            records[i] = _record_from_row(t, k, row)
        else:
            todo.setdefault(k, []).append(i)

    def done(key: str, out: Mapping[str, Any]) -> None:
        first, *rest = todo[key]
        rec = _finish(tasks[first], key, engine, settings, out, db)
        records[first] = rec
        for j in rest:
            records[j] = replace(rec, task=tasks[j])
        if on_record is not None:
            on_record(rec)

    from dualion.progress import make_progress

    with make_progress(disable=None if progress is None else not progress) as bar:
        tid = bar.add_task(description, total=len(tasks), completed=len(tasks) - sum(map(len, todo.values())))
        if todo and scheduler is None and workers == 1 and not force_dask:
            for key, idx in todo.items():
                t = tasks[idx[0]]
                with _task_context(t):
                    out = _relax_payload(t.atoms, engine, settings, t.relax_cell, None)
                done(key, out)
                bar.advance(tid, len(idx))
        elif todo:
            _run_dask(todo, tasks, engine, settings, workers, scheduler, threads_per_worker, done,
                      lambda n: bar.advance(tid, n))
    return [records[i] for i in range(len(tasks))]


@contextlib.contextmanager
def _task_context(task: Task):
    """Name the structure in a user error raised while relaxing it (e.g. the engine cannot evaluate it)."""
    try:
        yield
    except DualionUserError as exc:
        where = " ".join(p for p in (task.site_model, task.host, task.label) if p)
        raise DualionUserError(f"{where}: {exc.message}", file=exc.file, field=exc.field or "--engine") from None


@contextlib.contextmanager
def dask_client(workers: int = 1, scheduler: str | None = None, threads: int = 1):
    """A Dask ``Client``: on the running cluster at ``scheduler`` (``tcp://host:8786``), else on a fresh
    ``LocalCluster`` of ``workers`` processes with one thread each (BLAS/torch limited to ``threads``).
    The cluster (if started here) is closed on exit. Shared by every dualion task farm."""
    import dask
    from distributed import Client, LocalCluster

    cluster = None
    with dask.config.set({"distributed.worker.daemon": False, "distributed.logging.distributed": "error"}):
        if scheduler:
            try:
                client = Client(scheduler, timeout="30s")
            except Exception as exc:
                raise DualionUserError(f"cannot connect to Dask scheduler: {exc}", field="--scheduler") from None
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40,
                                   env={"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
                                        "OPENBLAS_NUM_THREADS": "1"})
            client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _run_dask(todo: dict[str, list[int]], tasks: Sequence[Task], engine: EngineSpec, settings: RelaxSettings,
              workers: int, scheduler: str | None, threads: int, done: Callable, advance: Callable) -> None:
    from distributed import as_completed

    with dask_client(workers, scheduler, threads) as client:
        futs = {}
        # largest first: better packing of long relaxations onto workers
        order = sorted(todo, key=lambda k: -len(tasks[todo[k][0]].atoms))
        for key in order:
            t = tasks[todo[key][0]]
            f = client.submit(_relax_payload_or_error, t.atoms, engine, settings, t.relax_cell, threads,
                              key=f"relax-{key}", pure=False)
            futs[f] = key
        try:
            for fut in as_completed(list(futs)):
                key = futs[fut]
                with _task_context(tasks[todo[key][0]]):
                    out = fut.result()
                    if "user_error" in out:
                        raise DualionUserError(**out["user_error"])
                done(key, out)
                advance(len(todo[key]))
        except BaseException:
            for f in futs:
                f.cancel()
            raise


def tasks_summary(records: Iterable[Record]) -> dict[str, Any]:
    """Counts of computed / skipped / unconverged records and total relaxation wall time (s)."""
    recs = list(records)
    return {"total": len(recs), "computed": sum(not r.skipped for r in recs),
            "skipped": sum(r.skipped for r in recs), "unconverged": sum(not r.converged for r in recs),
            "wall_s_sum": float(sum(r.wall_s for r in recs if not r.skipped)), "t": time.time()}
