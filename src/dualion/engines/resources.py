r"""Cores, threads and memory for relaxations, and the Dask loop of :func:`dualion.engines.runner.run_tasks`.

Threads: each relaxation process (this one, or each Dask worker) gets

.. math:: n_\text{torch} = \max(1, \lfloor n_\text{cores} / n_\text{workers} \rfloor)

intra-op torch threads (``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` set to the same in LocalCluster
workers), so that N workers never oversubscribe the cores; ``DUALION_TORCH_THREADS`` or an explicit
``threads_per_worker`` / ``--threads`` override. ``n_cores`` is the CPU affinity of this process.

Memory: a CHGNet/SevenNet single point on a 382-atom cell needs 3–5 GB; the estimate per worker is
:math:`m = 0.6 + 0.012\,N_\text{atoms}` GB (largest structure; 5.2 GB at 382 atoms; 0.3 GB for
other ASE calculators), and a LocalCluster gets at most ``floor(available / m)`` workers (at least 1).
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from dualion.errors import DualionUserError, DualionWarning

#: Memory per ML-engine worker: fixed part (GB) and per atom of the largest structure (GB/atom).
ML_WORKER_GB = (0.6, 0.012)
#: Memory per worker for other (classical, ASE) calculators (GB).
OTHER_WORKER_GB = 0.3


def cpu_count() -> int:
    """Cores this process may run on (CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def torch_threads(workers: int = 1, threads: int | None = None) -> int:
    """Torch intra-op threads per relaxation process: ``threads`` if given, else ``DUALION_TORCH_THREADS``,
    else ``max(1, cpu_count() // workers)``."""
    if threads is not None:
        if int(threads) < 1:
            raise DualionUserError(f"--threads must be ≥ 1, got {threads}", field="--threads")
        return int(threads)
    env = os.environ.get("DUALION_TORCH_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, cpu_count() // max(1, int(workers)))


def available_memory_gb() -> float:
    """Memory available to new processes (GB), from psutil (``inf`` when unknown)."""
    try:
        import psutil

        return psutil.virtual_memory().available / 1e9
    except Exception:  # noqa: BLE001 - pragma: no cover
        return float("inf")


def worker_memory_gb(engine_name: str, n_atoms: int) -> float:
    """Estimated peak memory (GB) of one worker relaxing ``n_atoms`` atoms with ``engine_name``."""
    if engine_name in ("chgnet", "sevenn"):
        return ML_WORKER_GB[0] + ML_WORKER_GB[1] * int(n_atoms)
    return OTHER_WORKER_GB


def workers_for_memory(engine_name: str, n_atoms: int, workers: int, available_gb: float | None = None
                       ) -> tuple[int, float]:
    """``(workers, GB per worker)``: ``workers`` reduced so that all of them fit in available memory."""
    avail = available_memory_gb() if available_gb is None else float(available_gb)
    per = worker_memory_gb(engine_name, n_atoms)
    fit = max(1, int(avail // per)) if avail != float("inf") else workers
    return min(int(workers), fit), per


def run_dask(work, tasks: Sequence[Any], todo: Mapping[str, list[int]], engine, settings, workers: int,
             scheduler: str | None, threads_per_worker: int | None, done: Callable, failed: Callable,
             task_context: Callable, payload: Callable) -> None:
    """Claim → submit → write loop on Dask: at most one task per worker in flight (so that other runs
    sharing the database get the rest), largest structures first; rows are written by this client as
    futures finish."""
    from dualion.extras import require

    require("engines", "dask", "distributed")
    n_atoms = max(len(tasks[idx[0]].atoms) for idx in todo.values())
    if scheduler:
        n = 1
        threads = torch_threads(1, threads_per_worker)  # remote machines: their own cores
    else:
        n, per_gb = workers_for_memory(engine.name, n_atoms, workers)
        if n < workers:
            warnings.warn(f"--workers {workers} reduced to {n}: about {per_gb:.1f} GB per {engine.short} worker "
                          f"for {n_atoms} atoms, {available_memory_gb():.1f} GB available", DualionWarning,
                          stacklevel=2)
        threads = torch_threads(n, threads_per_worker)
    with dask_client(n, scheduler, threads, env={"DUALION_TORCH_THREADS": str(threads)}) as client:
        slots = max(1, sum(client.nthreads().values())) if scheduler else n
        _dask_loop(client, slots, threads, work, tasks, todo, engine, settings, done, failed, task_context, payload)


@contextlib.contextmanager
def dask_client(workers: int = 1, scheduler: str | None = None, threads: int = 1,
                env: Mapping[str, str] | None = None) -> Iterator[Any]:
    """A Dask ``Client`` on the running cluster at ``scheduler`` (``tcp://host:8786``), else on a fresh
    ``LocalCluster`` of ``workers`` processes, one thread each, BLAS limited to ``threads`` (plus ``env``);
    closed (with the cluster it started) on exit. Shared by every dualion task farm (relaxations, PDF fits)."""
    import dask
    from distributed import Client, LocalCluster

    cluster = None
    with dask.config.set({"distributed.worker.daemon": False, "distributed.logging.distributed": "error"}):
        if scheduler:
            try:
                client = Client(scheduler, timeout="30s")
            except Exception as exc:  # noqa: BLE001
                raise DualionUserError(f"cannot connect to Dask scheduler: {exc}", field="--scheduler") from None
        else:
            with warnings.catch_warnings():  # "Port 8787 is already in use": another cluster's HTTP server
                warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40, memory_limit=0,
                                       env={"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
                                            "OPENBLAS_NUM_THREADS": "1", **dict(env or {})})
            client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _dask_loop(client, slots: int, threads: int, work, tasks, todo, engine, settings, done: Callable,
               failed: Callable, task_context: Callable, payload: Callable) -> None:
    futs: dict[Any, str] = {}
    try:
        while work.pending or futs:
            while len(futs) < slots:
                key = work.next()
                if key is None:
                    break
                t = tasks[todo[key][0]]
                f = client.submit(payload, t.atoms, engine, settings, t.relax_cell, threads,
                                  key=f"relax-{key}-{time.monotonic_ns()}", pure=False)
                futs[f] = key
            finished = [f for f in futs if f.done()]
            for f in finished:
                key = futs.pop(f)
                try:
                    out = f.result()
                except Exception as exc:  # noqa: BLE001 - e.g. a worker died too often
                    failed(key, f"{type(exc).__name__}: {exc}")
                    continue
                with task_context(tasks[todo[key][0]]):
                    if "user_error" in out:
                        raise DualionUserError(**out["user_error"])
                if "failed" in out:
                    failed(key, out["failed"])
                else:
                    done(key, out)
            if not finished:
                time.sleep(0.05 if futs else work.poll_s)
            work.poll(force=not futs)
    except BaseException:
        for f in futs:
            f.cancel()
        raise

