"""Benchmark: the 4x4x2 paired-vacancy study with CHGNet, from one command.

    .venv/bin/python benchmarks/bench_engines.py                 # full study + rerun (fresh db)
    .venv/bin/python benchmarks/bench_engines.py --scaling       # + Dask LocalCluster with 1 and 2 workers
    .venv/bin/python benchmarks/bench_engines.py --batch         # + batched vs one-by-one CHGNet calls
    .venv/bin/python benchmarks/bench_engines.py --bundle        # + write the result into src/dualion/data/engines

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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scaling", action="store_true", help="also run with Dask LocalCluster 1 and 2 workers")
    ap.add_argument("--batch", action="store_true", help="also time batched vs one-by-one CHGNet calls")
    ap.add_argument("--bundle", action="store_true", help="write the site models + structures into the package")
    ap.add_argument("--keep", action="store_true", help="reuse the existing serial db (no fresh run)")
    args = ap.parse_args(argv)
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
