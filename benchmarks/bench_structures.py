"""Benchmark dualion.structures: model building and symmetry-distinct enumeration.

Prints a table of wall times (s) and counts. Also checks the spglib-based classes of the
8-of-10 F arrangements around a vacancy pair against brute-force StructureMatcher grouping.

    .venv/bin/python benchmarks/bench_structures.py [--quick]
"""

from __future__ import annotations

import argparse
import itertools
import platform
import time


def _timed(fn, *a, **k):
    t = time.perf_counter()
    out = fn(*a, **k)
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the 4x4x2 builds")
    args = ap.parse_args()
    from dualion.structures import build_anion_location_set, build_calibration_set, build_site_model
    from dualion.structures.models import _centre_ti, _pair_partner, get_frame, render, vacancy_shell
    from dualion.structures.symmetry import distinct_placements

    rows = []
    cells = [(2, 2, 1), (3, 3, 1)] + ([] if args.quick else [(4, 4, 2)])
    for dims in cells:
        get_frame.cache_clear()
        for name in ("interstitial", "single-vacancy", "paired-vacancy"):
            models, dt = _timed(build_site_model, name, dims, ("Li", "Mg"))
            rows.append((f"build {name}", "x".join(map(str, dims)), len(models), len(models[0].structure), dt))
    get_frame.cache_clear()
    models, dt = _timed(build_calibration_set)
    rows.append(("build_calibration_set", "3x3x1", len(models), len(models[0].structure), dt))
    if not args.quick:
        models, dt = _timed(build_anion_location_set)
        rows.append(("build_anion_location_set", "4x4x2", len(models), len(models[0].structure), dt))
        models, dt = _timed(build_site_model, "paired-vacancy", (4, 4, 2), ("Li", "Mg"), anion_sites="adjacent")
        hosts = sum(1 for m in models if m.is_host)
        rows.append(("paired-vacancy, 8F over 10 adjacent sites", "4x4x2", hosts, len(models[0].structure), dt))

    # symmetry classes vs brute force (2x2x1: 45 arrangements of 8 F over the 10 anions of the pair)
    frame = get_frame((2, 2, 1))
    v1 = _centre_ti(frame)
    v2 = _pair_partner(frame, v1)
    shell = sorted({o for v in (v1, v2) for o, _ in vacancy_shell(frame, v)})
    cands = [{o: "F" for o in c} for c in itertools.combinations(shell, 8)]
    host = {v1: "X", v2: "X"}
    classes, t_sym = _timed(distinct_placements, frame, host, cands)
    from pymatgen.analysis.structure_matcher import StructureMatcher

    def brute():
        sm = StructureMatcher(ltol=0.05, stol=0.05, angle_tol=1, primitive_cell=False, scale=False,
                              attempt_supercell=False)
        return sm.group_structures([render(frame, {**host, **c}) for c in cands])

    groups, t_bf = _timed(brute)
    rows.append(("8F/10 sites: spglib classes", "2x2x1", len(classes), len(cands), t_sym))
    rows.append(("8F/10 sites: StructureMatcher groups", "2x2x1", len(groups), len(cands), t_bf))
    same = sorted(k.multiplicity for k in classes) == sorted(len(g) for g in groups)

    print(f"# bench_structures  ({platform.node()}, {platform.processor() or platform.machine()}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})")
    print(f"{'task':45s} {'cell':7s} {'items':>6s} {'atoms':>6s} {'time_s':>8s}")
    for task, cell, n, atoms, dt in rows:
        print(f"{task:45s} {cell:7s} {n:6d} {atoms:6d} {dt:8.3f}")
    print(f"class sizes identical (spglib vs brute force): {same}; "
          f"sizes {sorted(k.multiplicity for k in classes)}")


if __name__ == "__main__":
    main()
