"""Speed of one equilibrium curve of 1000 voltages (issue 13 target: <= 100 ms with disorder and interactions).

Run: PYTHONPATH=src .venv/bin/python benchmarks/bench_equilibrium_speed.py [--repeat 7]

Cases (paper parameter set): disorder (defective host, 89 quadrature nodes, 0.2 M); interactions (TiO2, fitted 4b
Li-Li attraction, two-phase plateau, 1 M); disorder + interactions (the defective host with a partial 4b Li-Li
attraction, interaction_suppression = 0.4, 1 M; and TiO2 with a 30 meV 4b disorder). dualion = the compiled
(numba) kernels; peer = the same model on its NumPy path (``solver.use_kernel = False``), interleaved, the
self-consistent cache cleared before every call (no call reuses a previous solution). Prints wall and CPU time
(min / median), the ratio of medians, and the load average before and after: on a shared machine the wall time
grows with the load, the CPU time much less.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import datetime, timezone

import numpy as np


def cases():
    from dualion.model import paper_set as ps

    el2, el1 = ps.electrolyte(0.2), ps.electrolyte(1.0)

    def mk(build, el, li):
        def make(kernel: bool):
            m = build()
            m._solver.use_kernel = kernel
            return m, dict(li_activity=li, delta_e_ref_V=el.delta_e_ref_V, activity_exponent=el.activity_exponent)
        return make
    return {
        "disorder (defective host, 0.2 M)": mk(ps.defective_model, el2, 0.2),
        "interactions (TiO2, two-phase, 1 M)": mk(ps.stoichiometric_model, el1, 1.0),
        "disorder + interactions (defective host, s = 0.4, 1 M)":
            mk(lambda: ps.defective_model({"interaction_suppression": 0.4}), el1, 1.0),
        "disorder + interactions (TiO2, 4b σ = 30 meV, 1 M)":
            mk(lambda: ps.stoichiometric_model(disorder={"interstitial": 0.03}), el1, 1.0),
    }


def one(model, kw, V):
    if model._interacting is not None:
        model._interacting._cache = None
        model._interacting._A = None
    t0, c0 = time.perf_counter(), time.process_time()
    c = model.curve(V, **kw)
    return time.perf_counter() - t0, time.process_time() - c0, c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "RESULTS_equilibrium_speed.md"))
    args = ap.parse_args()
    import numba

    V = np.linspace(2.3, 0.05, 1000)
    load0 = os.getloadavg()
    rows = []
    for name, make in cases().items():
        fast, kw = make(True)
        slow, _ = make(False)
        one(fast, kw, V)
        one(slow, kw, V)                                            # warm-up (compilation, imports)
        tf, cf, ts, cs = [], [], [], []
        for _ in range(args.repeat):                                # interleaved
            w, c, cv_f = one(fast, kw, V)
            tf.append(w)
            cf.append(c)
            w, c, cv_s = one(slow, kw, V)
            ts.append(w)
            cs.append(c)
        dq = float(np.max(np.abs(cv_f.Q_mAh_g - cv_s.Q_mAh_g)))
        r = {"case": name, "wall_min": min(tf), "wall_med": statistics.median(tf), "cpu_med": statistics.median(cf),
             "peer_wall_med": statistics.median(ts), "peer_cpu_med": statistics.median(cs),
             "ratio": statistics.median(ts) / statistics.median(tf), "dQ": dq, "plateaus": len(cv_f.plateaus)}
        rows.append(r)
        print(f"{name}: dualion wall min {1e3 * r['wall_min']:.1f} / median {1e3 * r['wall_med']:.1f} ms, CPU median "
              f"{1e3 * r['cpu_med']:.1f} ms; NumPy path wall median {1e3 * r['peer_wall_med']:.1f} ms; ratio "
              f"{r['ratio']:.1f}; max |ΔQ| {dq:.1e} mA h g-1; plateaus {r['plateaus']}; load {os.getloadavg()[0]:.1f}",
              flush=True)
    load1 = os.getloadavg()
    lines = ["# Equilibrium curve speed (benchmarks/bench_equilibrium_speed.py)", "",
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; machine {platform.node()} ({os.cpu_count()} cores, "
             f"{platform.processor() or platform.machine()}); numpy {np.__version__}, numba {numba.__version__}; "
             f"load average before {', '.join(f'{x:.1f}' for x in load0)}, after "
             f"{', '.join(f'{x:.1f}' for x in load1)}; {args.repeat} interleaved repeats, 1000 voltages, cache cleared "
             "before every call.", "",
             "| case | dualion wall min / median (ms) | dualion CPU median (ms) | NumPy path wall median (ms) | "
             "ratio of medians | max abs ΔQ (mA h g-1) | plateaus | <= 100 ms |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['case']} | {1e3 * r['wall_min']:.1f} / {1e3 * r['wall_med']:.1f} | {1e3 * r['cpu_med']:.1f} | "
                     f"{1e3 * r['peer_wall_med']:.0f} | {r['ratio']:.1f} | {r['dQ']:.1e} | {r['plateaus']} | "
                     f"{'yes' if r['wall_med'] <= 0.1 else '**no**'} |")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
