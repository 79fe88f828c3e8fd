"""Benchmark: the 4x4x2 paired-vacancy study with CHGNet, from one command.

    .venv/bin/python benchmarks/bench_engines.py                 # full study + rerun (fresh db)
    .venv/bin/python benchmarks/bench_engines.py --scaling       # + Dask LocalCluster with 1 and 2 workers
    .venv/bin/python benchmarks/bench_engines.py --batch         # + batched vs one-by-one CHGNet calls
    .venv/bin/python benchmarks/bench_engines.py --bundle        # + write the result into src/dualion/data/engines
    .venv/bin/python benchmarks/bench_engines.py --shared-db     # only: shared databases, kill -9, CHGNet e2e

Structures: host [2V_Ti + 8F_O] (382 atoms) + Li, Mg, Li+Li, Li+Mg, Mg+Mg on the paired vacancy
(lowest symmetry-distinct placements, dualion.structures) + bcc Li and hcp Mg (cell relaxed).
FIRE, fmax 0.05 eV/Å, fixed cell. Prints a table; timings depend on the machine's load (report `uptime`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / "_work"
BUNDLE = REPO / "src" / "dualion" / "data" / "engines"


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "n/a"


def run_study(db: Path, workers: int = 1, calibrated: bool = False, fresh: bool = True, dask: bool = False):
    from dualion.engines.compute import compute_site_model
    from dualion.engines.relax import RelaxSettings

    if fresh and db.exists():
        db.unlink()
    t0 = time.perf_counter()
    sm, res = compute_site_model("paired-vacancy", (4, 4, 2), ("Li", "Mg"), anions="F", engine="chgnet",
                                 settings=RelaxSettings(fmax=0.05), db=db, workers=workers,
                                 scheduler=None, calibrated=calibrated, progress=True,
                                 force_dask=dask)
    return sm, res, time.perf_counter() - t0


def batch_test(n: int = 4) -> dict:
    """Energy+forces of n 4x4x2 structures: one batched CHGNet call vs n single calls (same torch threads)."""
    import torch
    from chgnet.model import CHGNet
    from pymatgen.core import Structure  # noqa: F401

    from dualion.structures.models import build_site_model

    ms = build_site_model("paired-vacancy", (4, 4, 2), ("Li", "Mg"))[:n]
    structs = [m.structure for m in ms]
    model = CHGNet.load(model_name="0.3.0", use_device="cpu", verbose=False)
    model.predict_structure(structs[0], task="ef")  # warm-up
    t = time.perf_counter()
    for s in structs:
        model.predict_structure(s, task="ef")
    single = time.perf_counter() - t
    t = time.perf_counter()
    model.predict_structure(structs, task="ef", batch_size=n)
    batched = time.perf_counter() - t
    return {"n_structures": n, "atoms_each": len(structs[0]), "torch_threads": torch.get_num_threads(),
            "one_by_one_s": single, "batched_s": batched, "speedup": single / batched}


def bundle(sm_raw, sm_cal, res, wall_s: float) -> list[Path]:
    from dualion.engines.compute import write_structures
    from dualion.io.atomic import atomic_write_text
    from dualion.thermo.sitemodel import dump_site_model

    BUNDLE.mkdir(parents=True, exist_ok=True)
    out = [dump_site_model(sm_raw, BUNDLE / "paired_vacancy_4x4x2_chgnet.yaml")]
    if sm_cal is not None:
        out.append(dump_site_model(sm_cal, BUNDLE / "paired_vacancy_4x4x2_chgnet_calibrated.yaml"))
    sdir = BUNDLE / "paired_vacancy_4x4x2_structures"
    if sdir.exists():
        shutil.rmtree(sdir)
    out += write_structures(res, sdir, host=sm_raw.host.label)
    prov = {"command": "benchmarks/bench_engines.py --bundle", "machine": "2-core shared VM", "uptime": _uptime(),
            "wall_s_full_study": round(wall_s, 1), "engine": res.engine.name, "model_version": res.model_version,
            "records": [{"label": r.task.label, "placement": r.task.placement, "natoms": len(r.atoms),
                         "energy_eV": r.energy_eV, "converged": r.converged, "fmax_final": r.fmax_final,
                         "n_steps": r.n_steps, "wall_s": round(r.wall_s, 1)} for r in res.records],
            "references_eV_per_atom": dict(res.references_eV_per_atom)}
    out.append(atomic_write_text(BUNDLE / "paired_vacancy_4x4x2_provenance.json", json.dumps(prov, indent=1) + "\n"))
    return out


def _two_compute_runs(target: str, tmp: Path, concurrent: bool) -> tuple[float, int, int]:
    """Two `compute` runs of the same 8 relaxations (tests' LoggingLJ, 0.02 s per call) on one database,
    at once or one after the other; returns (wall s, relaxations started, distinct structures)."""
    import yaml  # noqa: F401 - the tests' helpers need it

    sys.path.insert(0, str(REPO))
    from tests.engines.helpers import starts
    from tests.engines.test_claims import _cli

    from dualion.engines.db import ResultsDB

    logs = [tmp / "a.log", tmp / "b.log"]
    t0 = time.perf_counter()
    if concurrent:
        procs = [_cli(target, tmp / "a.yaml", logs[0]), _cli(target, tmp / "b.yaml", logs[1])]
        for pr in procs:
            pr.communicate(timeout=600)
    else:
        for out, log in ((tmp / "a.yaml", logs[0]), (tmp / "b.yaml", logs[1])):
            _cli(target, out, log).communicate(timeout=600)
    wall = time.perf_counter() - t0
    n = starts(logs, {r.input_sha256 for r in ResultsDB(target).rows()})
    return wall, sum(n.values()), len(n)


def shared_db_bench(repeats: int = 3, parts: str = "db,kill,e2e") -> None:
    """Duplicate work of two concurrent runs on one database (SQLite, PostgreSQL), against the same two runs
    one after the other (the second reads everything from the database); kill -9/resume; CHGNet e2e."""
    import statistics
    import tempfile

    sys.path.insert(0, str(REPO))
    targets = ["sqlite"] if "db" in parts else []
    server = None
    try:
        if not targets:
            raise RuntimeError("not asked for")
        from tests.engines.pg import PgServer

        server = PgServer().start()
        targets.append("postgresql")
    except Exception as exc:  # noqa: BLE001
        if targets:
            print(f"# PostgreSQL not available: {exc}")
    print("\n| database | mode | repeats | wall min (s) | wall median (s) | relaxations started | structures | duplicates |")
    print("|---|---|---|---|---|---|---|---|")
    med = {}
    try:
        for tgt in targets:
            walls: dict[str, list[float]] = {"concurrent": [], "sequential": []}
            dup: dict[str, list[int]] = {"concurrent": [], "sequential": []}
            for k in range(repeats):
                for mode in ("concurrent", "sequential"):  # interleaved
                    tmp = Path(tempfile.mkdtemp(prefix="dualion-bench-"))
                    target = str(tmp / "r.db") if tgt == "sqlite" else server.fresh_db(f"b_{mode}_{k}")
                    w, started, n = _two_compute_runs(target, tmp, mode == "concurrent")
                    walls[mode].append(w)
                    dup[mode].append(started - n)
                    shutil.rmtree(tmp, ignore_errors=True)
            for mode in ("concurrent", "sequential"):
                med[(tgt, mode)] = statistics.median(walls[mode])
                print(f"| {tgt} | {mode} | {repeats} | {min(walls[mode]):.1f} | {med[(tgt, mode)]:.1f} | "
                      f"{8 + max(dup[mode])} max | 8 | {max(dup[mode])} (all repeats: {dup[mode]}) |")
            print(f"# {tgt}: ratio of medians sequential / concurrent = "
                  f"{med[(tgt, 'sequential')] / med[(tgt, 'concurrent')]:.2f}")
    finally:
        if server is not None:
            server.stop()
    from tests.engines.test_kill import test_kill9_at_random_points_then_resume

    if "kill" not in parts:
        return
    tmp = Path(tempfile.mkdtemp(prefix="dualion-kill-"))
    test_kill9_at_random_points_then_resume(tmp)  # prints kills, resumes, recomputed count
    shutil.rmtree(tmp, ignore_errors=True)
    from tests.engines.test_e2e_chgnet import test_compute_with_chgnet_finishes_and_reruns_from_the_database

    if "e2e" not in parts:
        return
    tmp = Path(tempfile.mkdtemp(prefix="dualion-e2e-"))
    test_compute_with_chgnet_finishes_and_reruns_from_the_database(tmp)  # prints its wall time and stderr
    shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scaling", action="store_true", help="also run with Dask LocalCluster 1 and 2 workers")
    ap.add_argument("--batch", action="store_true", help="also time batched vs one-by-one CHGNet calls")
    ap.add_argument("--bundle", action="store_true", help="write the site models + structures into the package")
    ap.add_argument("--keep", action="store_true", help="reuse the existing serial db (no fresh run)")
    ap.add_argument("--shared-db", action="store_true", help="only the shared-database / kill / CHGNet e2e checks")
    ap.add_argument("--parts", default="db,kill,e2e", help="with --shared-db: which of db,kill,e2e to run")
    args = ap.parse_args(argv)
    if args.shared_db:
        import platform

        import ase

        from dualion import __version__

        print(f"# bench_engines --shared-db  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  cpus={os.cpu_count()}  "
              f"dualion {__version__}, ase {ase.__version__}, python {platform.python_version()}")
        print(f"# load before: {os.getloadavg()}")
        shared_db_bench(parts=args.parts)
        print(f"# load after: {os.getloadavg()}")
        return 0
    WORK.mkdir(parents=True, exist_ok=True)
    from dualion.engines.paired import paired_vacancy_check

    print(f"# bench_engines  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  cpus={os.cpu_count()}")
    print(f"# load before: {_uptime()}")
    rows = []
    db = WORK / "bench_pv_serial.db"
    sm, res, wall = run_study(db, workers=1, fresh=not args.keep)
    rows.append(("full study, in-process (1 proc, torch default threads)", wall, sum(not r.skipped for r in res.records) + 2))
    print("\n| structure | atoms | steps | converged | final fmax (eV/Å) | wall (s) | E (eV) |")
    print("|---|---|---|---|---|---|---|")
    for r in res.records:
        print(f"| {r.task.label} | {len(r.atoms)} | {r.n_steps} | {r.converged} | {r.fmax_final:.3f} | "
              f"{r.wall_s:.1f} | {r.energy_eV:.4f} |")
    _, res2, wall2 = run_study(db, workers=1, fresh=False)
    rows.append(("rerun (everything skipped via the db)", wall2, sum(not r.skipped for r in res2.records)))
    if args.scaling:
        for n in (1, 2):
            _, _, w = run_study(WORK / f"bench_pv_dask{n}.db", workers=n, dask=True)
            rows.append((f"Dask LocalCluster, {n} worker(s), 1 torch thread each", w, 8))
    print(f"\n# load after: {_uptime()}")
    print("\n| run | wall (s) | relaxations computed |")
    print("|---|---|---|")
    for name, w, n in rows:
        print(f"| {name} | {w:.1f} | {n} |")
    if args.batch:
        b = batch_test()
        print("\n| batched CHGNet (energy+forces) | n | atoms | torch threads | one-by-one (s) | batched (s) | speed-up |")
        print("|---|---|---|---|---|---|---|")
        print(f"| predict_structure | {b['n_structures']} | {b['atoms_each']} | {b['torch_threads']} | "
              f"{b['one_by_one_s']:.2f} | {b['batched_s']:.2f} | {b['speedup']:.2f} |")
    check = paired_vacancy_check(sm)
    sm_cal = None
    try:
        sm_cal, _, _ = run_study(db, workers=1, calibrated=True, fresh=False)
        check_cal = paired_vacancy_check(sm_cal)
    except Exception as exc:  # calibration file missing
        print(f"# calibrated model not available: {exc}")
        check_cal = None
    print("\n| model | ΔE1 Li | ΔE2 Li | penalty Li | ΔE1 Mg | ΔE2 Mg | penalty Mg | ΔE(Li+Mg)−ΔE(Li)−ΔE(Mg) | [Li+Mg] area (eV²) |")
    print("|---|---|---|---|---|---|---|---|---|")
    from dualion.thermo.sitemodel import load_site_model

    paper = load_site_model(REPO / "src" / "dualion" / "data" / "site_models" / "paired_vacancy_paper.yaml")
    for name, c in (("CHGNet raw", check), ("CHGNet calibrated", check_cal), ("paper (thresholds)", paired_vacancy_check(paper))):
        if c is None:
            continue
        s = c["sequential"]
        print(f"| {name} | {s['Li']['first_eV']:.2f} | {s['Li']['second_eV']:.2f} | {s['Li']['penalty_eV']:+.2f} | "
              f"{s['Mg']['first_eV']:.2f} | {s['Mg']['second_eV']:.2f} | {s['Mg']['penalty_eV']:+.2f} | "
              f"{s.get('mixed_interaction_eV', float('nan')):+.2f} | {c['mixed_region_area_eV2']:.3f} |")
    if args.bundle:
        for p in bundle(sm, sm_cal, res, wall):
            print(f"# wrote {p.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
