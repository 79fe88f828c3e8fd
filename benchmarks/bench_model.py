"""Benchmark of the dual-ion equilibrium model and its Monte Carlo cross-check.

Run: .venv/bin/python benchmarks/bench_model.py [--repeat N]
Prints one table (median wall time of N repeats). Targets from issue 5: one equilibrium curve of 1000 voltages
with three site types in <= 50 ms. Timings on a shared machine are noisy: report machine and date with them.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import datetime, timezone

import numpy as np


def _time(fn, repeat: int) -> float:
    fn()  # warm-up (imports, caches)
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    from dualion.model import FiniteElectrolyte, SiteType, paper_model
    from dualion.model.montecarlo import run_gcmc

    m3 = paper_model(pair_fraction=0.3)                   # interstitial + vacancy + pair: three site types
    m7 = paper_model(split_anions=True, pair_fraction=0.3)  # 8 site types
    V = np.linspace(2.3, 0.05, 1000)
    rows = []

    t = _time(lambda: m3.curve(V, li_activity=0.2), args.repeat)
    rows.append(("equilibrium curve, 1000 V, 3 site types (target <= 50 ms)", f"{t * 1e3:.1f} ms", "PASS" if t <= 0.05 else "FAIL"))
    t = _time(lambda: m7.curve(V, li_activity=0.2), args.repeat)
    rows.append(("equilibrium curve, 1000 V, 8 site types (anion split + pairs)", f"{t * 1e3:.1f} ms", ""))
    fe = FiniteElectrolyte(volume_uL=400, licl_M=0.05, mass_mg=1.26)
    t = _time(lambda: m3.curve(V, finite_electrolyte=fe), max(3, args.repeat // 3))
    rows.append(("curve with finite electrolyte (400 µL, 0.05 M), 1000 V, 3 types", f"{t * 1e3:.1f} ms", ""))
    t = _time(lambda: m3.uptake({"Li": -1.5, "Mg": -1.0}), args.repeat * 20)
    rows.append(("uptake, one point (scalar call)", f"{t * 1e6:.0f} µs", ""))
    xs = np.linspace(0.05, 0.3, 26)

    def walk():
        for x in xs:                                      # small steps, like an ODE solver's surface states
            m3.chemical_potentials({"Li": x, "Mg": 0.1})
    t = _time(walk, max(3, args.repeat // 3)) / len(xs)
    rows.append(("chemical_potentials (inverse), scalar, warm start, steps of 0.01 in x_Li", f"{t * 1e3:.2f} ms", ""))

    def cold():
        m3._warm = None
        m3.chemical_potentials({"Li": 0.2, "Mg": 0.1})
    t = _time(cold, args.repeat)
    rows.append(("chemical_potentials (inverse), scalar, cold start (start grid cached)", f"{t * 1e3:.2f} ms", ""))
    X = {"Li": np.linspace(0.02, 0.3, 1000), "Mg": np.full(1000, 0.1)}
    t = _time(lambda: m3.chemical_potentials(X), 3)
    rows.append(("chemical_potentials, 1000 points vectorised", f"{t * 1e3:.1f} ms", ""))

    # issue 13: the paper set (anion environments + disorder quadrature + pairs) and the interacting TiO2 model;
    # compiled η kernel (numba) vs the NumPy solver, interleaved, min / median of the repeats
    from dualion.model import paper_set as ps
    from dualion.model.kernels import HAVE_NUMBA

    mp, st = ps.defective_model(), ps.stoichiometric_model()
    el = ps.electrolyte(0.2)
    cases = {"paper set (disorder), 1000 V": lambda: mp.curve(V, li_activity=0.2, delta_e_ref_V=el.delta_e_ref_V,
                                                              activity_exponent=el.activity_exponent),
             "TiO2 with 4b Li-Li attraction (two-phase), 1000 V": lambda: st.curve(V, li_activity=1.0)}
    for name, fn in cases.items():
        model = mp if "paper" in name else st
        times = {True: [], False: []}
        for use in (True, False):
            model._solver.use_kernel = use
            fn()                                          # warm-up (compilation, caches)
        for _ in range(max(3, args.repeat // 3)):
            for use in ((True, False) if HAVE_NUMBA else (False,)):
                model._solver.use_kernel = use
                t0 = time.perf_counter()
                fn()
                times[use].append(time.perf_counter() - t0)
        model._solver.use_kernel = HAVE_NUMBA
        npy = times[False]
        if HAVE_NUMBA:
            k = times[True]
            rows.append((f"{name}: numba kernel (target <= 100 ms)", f"{min(k) * 1e3:.0f} / {statistics.median(k) * 1e3:.0f} ms",
                         f"NumPy {min(npy) * 1e3:.0f} / {statistics.median(npy) * 1e3:.0f} ms (min / median); "
                         f"ratio of medians {statistics.median(npy) / statistics.median(k):.1f}x"))
        else:
            rows.append((f"{name}: NumPy (numba not installed)", f"{statistics.median(npy) * 1e3:.0f} ms", ""))

    site = SiteType("s", 1.0, (("Li", {"Li": 1}, -1.5, 1), ("Mg", {"Mg": 1}, -2.2, 1)))
    for shape, J in (((12, 12, 12), 0.0), ((12, 12, 12), 0.03), ((32, 32), 0.03)):
        r = run_gcmc(site, {"Li": -1.5, "Mg": -1.15}, shape=shape, interactions={"Li-Li": J, "Li-Mg": J, "Mg-Mg": J},
                     n_sweeps=400, n_equil=50)
        rows.append((f"Monte Carlo sweeps/s, {'x'.join(map(str, shape))} lattice, J = {J:g} eV",
                     f"{r.sweeps_per_s:.0f} /s", f"{r.sweeps_per_s * np.prod(shape) / 1e6:.2f} M moves/s"))

    w = max(len(r[0]) for r in rows)
    print(f"# bench_model — {platform.node()} ({os.cpu_count()} CPUs, {platform.processor() or platform.machine()}), "
          f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}, numpy {np.__version__}, median of {args.repeat}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"| {'case'.ljust(w)} | time | note |")
    print(f"|{'-' * (w + 2)}|------|------|")
    for a, b, c in rows:
        print(f"| {a.ljust(w)} | {b} | {c} |")


if __name__ == "__main__":
    main()
