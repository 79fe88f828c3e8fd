"""Benchmark of the echem core: read + segment + summarise on a 1.6 M-row cycler CSV.

    .venv/bin/python benchmarks/bench_echem_core.py [--cycles 400] [--points 2000] [--repeat 3]

Generates (once, cached in benchmarks/_work/) a 400-cycle record of the synthetic Mg ||
Ti0.78□0.22O1.12F0.40(OH)0.48 cell (:mod:`dualion.echem.synthetic`) at 1000 mA g-1 with 2,000 points
per half-cycle and no rests (1.6 M rows; columns time_s, voltage_V, current_mA, cycle, step), then
times each stage (best of ``--repeat``) and measures each stage's peak of traced memory (tracemalloc,
separate run) against the size of the raw arrays (time, voltage, current as float64). Prints one
table; dQ/dV and the navani comparison are in bench_echem.py.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings
from pathlib import Path

WORK = Path(__file__).resolve().parent / "_work"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", type=int, default=400)
    ap.add_argument("--points", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from dualion.echem import cycles, read, segment, synthetic

    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"core_{args.cycles}x{args.points}.csv"
    cell = synthetic.SyntheticCell()
    sched = [1000.0] * args.cycles
    if not path.exists():
        t0 = time.perf_counter()
        synthetic.write_csv(path, cell, sched, points_per_half=args.points, rest_points=0, rest_s=0.0,
                            initial_rest_s=0.0)
        print(f"generated {path.name} in {time.perf_counter() - t0:.1f} s")
    best = {"read": 1e9, "segment": 1e9, "summarise": 1e9}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        data = read(path)
        t1 = time.perf_counter()
        halves = segment.half_cycles(data)
        t2 = time.perf_counter()
        summary = cycles.summarise(data, halves)
        t3 = time.perf_counter()
        for k, dt in (("read", t1 - t0), ("segment", t2 - t1), ("summarise", t3 - t2)):
            best[k] = min(best[k], dt)
    raw = data.time_s.nbytes + data.voltage_V.nbytes + data.current_mA.nbytes
    peaks = {}
    tracemalloc.start()
    data = read(path)
    peaks["read"] = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    halves = segment.half_cycles(data)
    peaks["segment"] = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    summary = cycles.summarise(data, halves)
    peaks["summarise"] = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    exp = synthetic.expected(cell, sched)
    err = max(abs(c.discharge_mAh_g - e["discharge_mAh_g"]) for c, e in zip(summary.cycles, exp))
    print(f"file: {path.name}, {len(data):,} rows, {path.stat().st_size / 1e6:.1f} MB; raw arrays (t, V, I) "
          f"{raw / 1e6:.1f} MB; CyclerData arrays {data.nbytes() / 1e6:.1f} MB")
    print("| stage | best time (s) | peak traced memory (MB) | peak / raw arrays |")
    print("|---|---:|---:|---:|")
    for k in ("read", "segment", "summarise"):
        print(f"| {k} | {best[k]:.3f} | {peaks[k] / 1e6:.1f} | {peaks[k] / raw:.2f} |")
    total = sum(best.values())
    print(f"| **read + segment + summarise** | **{total:.3f}** | | |")
    print(f"{len(halves)} half-cycles, {len(summary.cycles)} cycles; max |Q_dis − prescribed| = {err:.2g} mA h g-1")
    # whole-process view (includes the CSV parser's C buffers that tracemalloc does not see)
    import subprocess
    import sys

    # ru_maxrss is inherited across exec on Linux: reset the child's high-water mark (clear_refs 5)
    code = ("import warnings; warnings.simplefilter('ignore');"
            "from dualion.echem import read, segment, cycles; import pandas;"
            "hwm = lambda: int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0]) * 1024;"
            "open('/proc/self/clear_refs', 'w').write('5'); r0 = hwm();"
            f"d = read({str(path)!r}); h = segment.half_cycles(d); s = cycles.summarise(d, h);"
            "print(hwm() - r0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    extra = int(res.stdout.strip().splitlines()[-1])
    print(f"peak RSS growth of a fresh process over read + segment + summarise: {extra / 1e6:.1f} MB "
          f"= {extra / raw:.2f} × the raw arrays (includes the {data.nbytes() / 1e6:.1f} MB result)")


if __name__ == "__main__":
    main()
