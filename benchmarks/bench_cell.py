"""Benchmark: one galvanostatic discharge of the single-particle dual-ion cell (target ≤ 1 s).

Run: .venv/bin/python benchmarks/bench_cell.py   (prints a Markdown table; best of --repeat runs)
The equilibrium table of the paper model is built once (reported separately) and cached per process.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import datetime, timezone

from dualion import cell


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    t0 = time.perf_counter()
    cell.SingleParticleCell(cell.CellParameters())
    t_table = time.perf_counter() - t0
    print(f"# bench_cell  {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}  {platform.node()}  "
          f"{platform.processor() or platform.machine()}  python {platform.python_version()}  "
          "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"equilibrium Δμ table (paper model, 61×61, once per process): {t_table:.2f} s\n")
    print("| case | LiCl (M) | rate (mA g-1) | shells | capacity (mA h g-1) | wall time (s) | ≤ 1 s |")
    print("|---|---|---|---|---|---|---|")
    cases = [("discharge, paper model", 0.2, 20.0, 20), ("discharge, paper model", 0.2, 100.0, 20),
             ("discharge, paper model", 0.2, 1000.0, 20), ("discharge, paper model", 1.0, 100.0, 20),
             ("discharge, paper model", 0.0, 20.0, 20), ("discharge, paper model", 0.2, 100.0, 50),
             ("discharge, Langmuir stand-in", 0.2, 100.0, 20),
             ("discharge, paper set (Li+ transport on)", 0.2, 20.0, 20),
             ("discharge, paper set (Li+ transport on)", 0.2, 1000.0, 20),
             ("discharge, paper set (Li+ transport on)", 1.0, 1000.0, 20)]
    for name, licl, rate, n in cases:
        eq = cell.LangmuirPair() if "Langmuir" in name else None
        p = (cell.CellParameters.paper(licl_M=licl, n_shells=n) if "paper set" in name
             else cell.CellParameters(licl_M=licl, n_shells=n))
        t, res = _best(lambda: cell.discharge(p, rate, equilibrium=eq), args.repeat)
        q = cell.summarize(res).discharge_capacity_mAh_g
        print(f"| {name} | {licl:g} | {rate:g} | {n} | {q:.1f} | {t:.3f} | {'yes' if t <= 1.0 else 'no'} |")
    t, res = _best(lambda: cell.simulate_gitt(cell.CellParameters(licl_M=0.2)), 1)
    print(f"| GITT 10 mA g-1 × 1 h / 10 h rest to 0.05 V ({len(cell.gitt_points(res))} pulses) | 0.2 | 10 | 20 | "
          f"{-res.charge_mAh_g[-1]:.1f} | {t:.3f} | (not a target) |")


if __name__ == "__main__":
    main()
