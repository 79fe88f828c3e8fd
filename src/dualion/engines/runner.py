"""Run many relaxations: in-process or on Dask, skipping what the database holds, sharing it safely.

* :class:`Task` — one structure to relax, with its labels (site model, label, host, placement...).
* :func:`run_tasks` — look every task's ``task_key`` (input-structure hash + engine + settings) up in
  the database; **claim** each missing task just before it starts (:mod:`dualion.engines.claims`:
  a lease with owner and heartbeat), relax it in this process (``workers=1``) or on Dask
  (``workers=N`` LocalCluster, or ``scheduler="tcp://host:8786"``), write its row, drop the claim.
  Tasks claimed by another live run are waited for and their rows picked up; a stale claim is taken
  over. The client writes each row as its relaxation finishes, so a killed run loses at most the
  relaxations in flight.
* Threads: torch gets ``max(1, cores // workers)`` intra-op threads in this process and in each
  Dask worker (:func:`torch_threads`; ``DUALION_TORCH_THREADS`` or ``threads_per_worker`` override);
  LocalCluster workers are limited by memory (:func:`workers_for_memory`).
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
    source: str = "computed"
    row_id: int | None = None

    @property
    def skipped(self) -> bool:
        """True when the result was read from the database (``database`` or ``other-run``)."""
        return self.source != "computed"


def _relax_payload(atoms: Atoms, engine: EngineSpec, settings: RelaxSettings, relax_cell: bool,
                   threads: int | None, on_step: Callable[[int, float], None] | None = None) -> dict[str, Any]:
    """Worker side: relax and return plain data (picklable, no calculator)."""
    calc, version = get_calculator(engine, threads=threads)
    res = relax(atoms, calc, settings, relax_cell=relax_cell, on_step=on_step)
    return {"energy_eV": res.energy_eV, "initial_energy_eV": res.initial_energy_eV,
            "fmax_final": res.fmax_eV_per_A, "converged": res.converged, "n_steps": res.n_steps,
            "wall_s": res.wall_s, "model_version": version,
            "positions": res.atoms.get_positions(), "cell": res.atoms.cell.array.copy(),
            "forces": res.atoms.get_forces()}


def _relax_payload_or_error(atoms: Atoms, engine: EngineSpec, settings: RelaxSettings, relax_cell: bool,
                            threads: int | None, topic: str | None = None, key: str = "") -> dict[str, Any]:
    """Dask worker side: like :func:`_relax_payload`, but a user error comes back as data (no worker
    "Compute Failed" log); the client raises it again. With ``topic``, the optimizer's steps and fmax
    are sent to the client as worker events (at most two per second) for its progress bars."""
    on_step = _step_events(topic, key) if topic else None
    try:
        return _relax_payload(atoms, engine, settings, relax_cell, threads, on_step=on_step)
    except DualionUserError as exc:
        return {"user_error": {"message": exc.message, "file": exc.file, "field": exc.field}}
    except Exception as exc:  # noqa: BLE001 - a failed relaxation is counted, the run goes on
        return {"failed": f"{type(exc).__name__}: {exc}"}


def _step_events(topic: str, key: str, every_s: float = 0.5) -> Callable[[int, float], None]:
    """An ``on_step`` that logs ``{"key", "steps", "fmax"}`` as a Dask worker event on ``topic`` (throttled)."""
    last = [0.0]

    def on_step(n: int, fmax: float) -> None:
        now = time.monotonic()
        if now - last[0] < every_s:
            return
        last[0] = now
        try:
            from distributed import get_worker

            get_worker().log_event(topic, {"key": key, "steps": int(n), "fmax": float(fmax)})
        except Exception:  # noqa: BLE001 - progress is best effort, never a failure
            pass

    return on_step


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


def _record_from_row(task: Task, key: str, row, source: str = "database") -> Record:
    atoms = row.toatoms()  # carries a single-point calculator with the stored energy and forces
    return Record(task=task, task_key=key, engine=row.engine, model_version=row.model_version,
                  energy_eV=float(row.energy_eV), initial_energy_eV=float(row.initial_energy_eV),
                  converged=bool(row.converged), fmax_final=float(row.fmax_final), n_steps=int(row.n_steps),
                  wall_s=float(row.wall_s), atoms=atoms, source=source, row_id=int(row.id))


def _finish(task: Task, key: str, engine: EngineSpec, settings: RelaxSettings, out: Mapping[str, Any],
            db: ResultsDB | None) -> Record:
    """Write the row of a finished relaxation unless one exists already (then that row is the result)."""
    atoms = _final_atoms(task, out)
    row_id = None
    if db is not None:
        row = db.get(key)  # another run that took over a claim of ours may have finished first
        if row is not None:
            return _record_from_row(task, key, row, source="other-run")
        data = {"meta": _jsonable(dict(task.meta)),
                "input": {"numbers": task.atoms.numbers.tolist(), "positions": task.atoms.positions.tolist(),
                          "cell": task.atoms.cell.array.tolist()}}
        row_id = db.write(atoms, _kvp(task, key, engine, settings, out), data=data)
    return Record(task=task, task_key=key, engine=engine.name, model_version=out["model_version"],
                  energy_eV=float(out["energy_eV"]), initial_energy_eV=float(out["initial_energy_eV"]),
                  converged=bool(out["converged"]), fmax_final=float(out["fmax_final"]),
                  n_steps=int(out["n_steps"]), wall_s=float(out["wall_s"]), atoms=atoms, row_id=row_id)


class RelaxationsFailed(RuntimeError):
    """Some relaxations raised (calculator crash, ...); the others were finished and written.

    ``failures``: (task, message) pairs; ``records``: the records that were obtained.
    """

    def __init__(self, failures: Sequence[tuple[Task, str]], records: Sequence[Record]):
        self.failures = list(failures)
        self.records = list(records)
        first_task, first_msg = self.failures[0]
        super().__init__(f"{len(self.failures)} relaxation(s) failed; first: {_where(first_task)}: {first_msg}")


def _where(task: Task) -> str:
    parts = [p for p in (task.site_model, task.host, task.label) if p]
    return " ".join(dict.fromkeys(parts)) + (
        f" ({task.placement})" if task.placement else "")


class _Work:
    """Which task to run next: database lookups, claims, and tasks held by other runs (waited for)."""

    def __init__(self, keys: Sequence[str], labels: Mapping[str, str], db: ResultsDB | None, store, owner: str,
                 poll_s: float, found: Callable[[str, Any, str], None]):
        self.queue = list(keys)
        self.waiting: list[str] = []
        self.labels, self.db, self.store, self.owner = labels, db, store, owner
        self.poll_s, self.found = poll_s, found
        self._last_poll = 0.0

    @property
    def pending(self) -> bool:
        return bool(self.queue or self.waiting)

    def _lookup(self, key: str, source: str) -> bool:
        row = self.db.get(key) if self.db is not None else None
        if row is not None:
            self.found(key, row, source)
            return True
        return False

    def next(self) -> str | None:
        """A task key claimed for this run, or ``None`` (nothing claimable right now)."""
        while self.queue:
            key = self.queue.pop(0)
            if self.store is None:
                return key
            if self.store.claim(key, self.owner, self.labels.get(key, "")):
                if self._lookup(key, "other-run"):  # finished by another run since our first look
                    self.store.release(key, self.owner)
                    continue
                return key
            self.waiting.append(key)
        return None

    def poll(self, force: bool = False) -> None:
        """Every ``poll_s``: pick up rows of waited-for tasks; retry claiming the rest (stale → ours)."""
        if not self.waiting or (not force and time.monotonic() - self._last_poll < self.poll_s):
            return
        self._last_poll = time.monotonic()
        still = [k for k in self.waiting if not self._lookup(k, "other-run")]
        self.waiting = []
        self.queue = still + self.queue


def run_tasks(tasks: Sequence[Task], engine: EngineSpec, settings: RelaxSettings | None = None,
              db: ResultsDB | str | None = None, workers: int = 1, scheduler: str | None = None,
              threads_per_worker: int | None = None, progress: bool | str | None = None,
              description: str = "relaxing", on_record: Callable[[Record], None] | None = None,
              force_dask: bool = False, lease_s: float | None = None, poll_s: float | None = None,
              owner: str | None = None) -> list[Record]:
    """Relax every task not already in ``db``; return one :class:`Record` per task, in task order.

    ``workers=1`` and no ``scheduler`` run in this process; ``workers>1`` start a Dask
    ``LocalCluster`` (one thread per worker, fewer workers when memory is short); ``scheduler``
    connects to a running cluster (``force_dask`` uses a LocalCluster even for one worker).
    Torch threads: :func:`dualion.engines.resources.torch_threads`. Identical inputs (same task key)
    are relaxed once. With a database, each task is claimed before it starts (lease ``lease_s``,
    default ``DUALION_LEASE_S`` or 120 s; tasks of other runs are re-checked every ``poll_s``).
    ``progress``: ``None`` (bars on a terminal, else one line per finished relaxation), ``False`` /
    ``"off"``, ``True`` / ``"bars"``, ``"lines"``. Relaxations that raise are counted, their claims
    dropped, the others finished; then :class:`RelaxationsFailed` is raised.
    """
    from dualion.engines.claims import ClaimStore, Heartbeat, lease_from_env, new_owner
    from dualion.engines.resources import torch_threads
    from dualion.progress import JobProgress

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
    mode = progress if isinstance(progress, str) else {None: None, True: "bars", False: "off"}[progress]
    if not todo:
        return [records[i] for i in range(len(tasks))]
    lease = float(lease_s) if lease_s is not None else lease_from_env()
    store = ClaimStore(db.target, lease) if db is not None else None
    owner = owner or new_owner()
    failures: list[tuple[Task, str]] = []
    n_total = len(tasks)

    with JobProgress(description, total=n_total, done=len(records), mode=mode) as bar:

        def found(key: str, row, source: str) -> None:
            for j in todo[key]:
                records[j] = _record_from_row(tasks[j], key, row, source=source)
            bar.finish_item(None, f"[{bar.done + len(todo[key])}/{n_total}] {_where(tasks[todo[key][0]])}: "
                                  f"done by another run (row {row.id})", n=len(todo[key]))

        def done(key: str, out: Mapping[str, Any], item: int | None = None) -> None:
            first, *rest = todo[key]
            rec = _finish(tasks[first], key, engine, settings, out, db)
            records[first] = rec
            for j in rest:
                records[j] = replace(rec, task=tasks[j])
            if store is not None:
                store.release(key, owner)
            bar.finish_item(item, f"[{bar.done + len(todo[key])}/{n_total}] {_finished_text(rec, settings)}",
                            n=len(todo[key]))
            if on_record is not None:
                on_record(rec)

        def failed(key: str, message: str, item: int | None = None) -> None:
            failures.append((tasks[todo[key][0]], message))
            if store is not None:
                store.release(key, owner)
            bar.finish_item(item, f"[{bar.done + len(todo[key])}/{n_total}] {_where(tasks[todo[key][0]])}: "
                                  f"FAILED: {message}", n=len(todo[key]))

        labels = {k: _where(tasks[idx[0]]) for k, idx in todo.items()}
        in_process = scheduler is None and workers == 1 and not force_dask
        order = list(todo) if in_process else sorted(todo, key=lambda k: -len(tasks[todo[k][0]].atoms))
        work = _Work(order, labels, db, store, owner, poll_s if poll_s is not None else min(2.0, lease / 4), found)
        hb = Heartbeat(store, owner) if store is not None else contextlib.nullcontext()
        try:
            with hb:
                if in_process:
                    _run_here(work, tasks, todo, engine, settings, torch_threads(1, threads_per_worker),
                              bar, done, failed)
                else:
                    from dualion.engines.resources import run_dask

                    run_dask(work, tasks, todo, engine, settings, workers, scheduler, threads_per_worker,
                             done, failed, _task_context, _relax_payload_or_error, bar=bar, owner=owner)
        finally:
            if store is not None:
                with contextlib.suppress(Exception):
                    store.release_all(owner)  # unfinished claims (error, Ctrl-C): free for other runs now
    if failures:
        raise RelaxationsFailed(failures, [records[i] for i in sorted(records)])
    return [records[i] for i in range(len(tasks))]


def _finished_text(rec: Record, settings: RelaxSettings) -> str:
    state = (f"converged in {rec.n_steps} steps" if rec.converged
             else f"NOT converged after {rec.n_steps} steps (fmax {rec.fmax_final:.3f} > {settings.fmax} eV/Å)")
    src = "" if rec.source == "computed" else " [row written by another run]"
    return (f"{_where(rec.task)}: {state}, fmax {rec.fmax_final:.3f} eV/Å, E {rec.energy_eV:.4f} eV, "
            f"{rec.wall_s:.1f} s{src}")


def _run_here(work: _Work, tasks: Sequence[Task], todo: Mapping[str, list[int]], engine: EngineSpec,
              settings: RelaxSettings, threads: int, bar, done: Callable, failed: Callable) -> None:
    """Serial loop in this process: claim → relax (live bar: steps, fmax) → write → release."""
    while work.pending:
        key = work.next()
        if key is None:
            time.sleep(work.poll_s)
            work.poll(force=True)
            continue
        t = tasks[todo[key][0]]
        item = bar.start_item(_where(t), settings.steps)

        def on_step(n: int, fmax: float, item=item) -> None:
            bar.step(item, n, f"fmax {fmax:.3f} → {settings.fmax:g} eV/Å")

        try:
            with _task_context(t):
                out = _relax_payload(t.atoms, engine, settings, t.relax_cell, threads, on_step=on_step)
        except DualionUserError:
            raise
        except Exception as exc:  # noqa: BLE001 - counted as failed; the run goes on
            failed(key, f"{type(exc).__name__}: {exc}", item)
            continue
        done(key, out, item)
        work.poll()


@contextlib.contextmanager
def _task_context(task: Task):
    """Name the structure in a user error raised while relaxing it (e.g. the engine cannot evaluate it)."""
    try:
        yield
    except DualionUserError as exc:
        where = " ".join(p for p in (task.site_model, task.host, task.label) if p)
        raise DualionUserError(f"{where}: {exc.message}", file=exc.file, field=exc.field or "--engine") from None


def tasks_summary(records: Iterable[Record], failed: int = 0) -> dict[str, Any]:
    """Counts: computed now / from the database / picked up from other runs / failed / unconverged, and
    the total relaxation wall time of the computed ones (s)."""
    recs = list(records)
    return {"total": len(recs) + int(failed), "computed": sum(r.source == "computed" for r in recs),
            "database": sum(r.source == "database" for r in recs),
            "other_run": sum(r.source == "other-run" for r in recs), "failed": int(failed),
            "skipped": sum(r.skipped for r in recs), "unconverged": sum(not r.converged for r in recs),
            "wall_s_sum": float(sum(r.wall_s for r in recs if not r.skipped))}
