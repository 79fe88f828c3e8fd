#!/usr/bin/env python
"""Benchmark: exact phase diagram (dualion) vs surfinpy's grid-based mu_vs_mu routine, side by side.

* 100 random configurations (n_Li, n_Mg ∈ 0..20, seeded), window Δμ_Li, Δμ_Mg ∈ [−4, 0] eV (per charge).
  surfinpy (``surfinpy.mu_vs_mu.calculate``, v2.0.0, in its own venv benchmarks/.venv-surfinpy, run in a
  subprocess) evaluates every configuration on a 1000 × 1000 grid of that window; dualion computes the
  exact polygons + thresholds. Both are timed in this one run; agreement is checked on surfinpy's grid.
* 10^5 random configurations: dualion end-to-end (SiteModel → regions + thresholds) and the array core.

Mapping onto surfinpy (surface-energy language): each configuration is a DataSet with x = n_Li z_Li,
y = n_Mg z_Mg, energy = ΔE, cation = 1, area = 0.5; bulk = ReferenceDataSet(cation=1, anion=0, energy=0,
funits=1). Then surfinpy's γ = 16.021 (ΔE − x Δμ_Li − y Δμ_Mg) = 16.021 Ω, so its argmin is ours.

Usage: python benchmarks/bench_diagram.py [--n 100] [--grid 1000] [--big 100000] [--no-surfinpy]
Setup of surfinpy: python3.11 -m venv benchmarks/.venv-surfinpy && benchmarks/.venv-surfinpy/bin/pip install surfinpy==2.0.0
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from dualion.thermo.diagram import phase_diagram, stable_regions
from dualion.thermo.sitemodel import Configuration, SiteModel

HERE = Path(__file__).resolve().parent
SURFINPY_PY = HERE / ".venv-surfinpy" / "bin" / "python"
WINDOW = (-4.0, 0.0, -4.0, 0.0)

SURFINPY_JOB = r"""
import json, sys, time, resource
import numpy as np
from surfinpy import data as sdata, mu_vs_mu
job = json.load(open(sys.argv[1]))
bulk = sdata.ReferenceDataSet(cation=1, anion=0, energy=0.0, funits=1)
phases = [sdata.DataSet(cation=1, x=float(sx), y=float(sy), energy=float(e), label=f"c{k}", area=0.5, nspecies=1,
                        color="C0")
          for k, (sx, sy, e) in enumerate(zip(job["sx"], job["sy"], job["dE"]))]
x0, x1, y0, y1 = job["window"]
inc = (x1 - x0) / job["grid"]
dX = {"Range": [x0, x1], "Label": "Li"}
dY = {"Range": [y0, y1], "Label": "Mg"}
t = time.perf_counter()
system, SE = mu_vs_mu.calculate(phases, bulk, dX, dY, x_energy=0, y_energy=0, increments=inc)
elapsed = time.perf_counter() - t
labels = np.array(system.labels)[np.asarray(system.z, dtype=int)]
np.save(sys.argv[2], np.asarray([int(s[1:]) for s in labels.ravel()]).reshape(np.shape(system.z)))
np.save(sys.argv[3], SE)
json.dump({"seconds": elapsed, "nx": int(np.size(system.x)), "ny": int(np.size(system.y)),
           "x0": float(system.x[0]), "y0": float(system.y[0]), "inc": inc,
           "peak_rss_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, open(sys.argv[4], "w"))
"""


def random_model(n: int, seed: int, nmax: int = 20) -> SiteModel:  # noqa: D103
    """n random configurations on one host (reference energies 0, host 0, so E = ΔE)."""
    rng = np.random.default_rng(seed)
    confs = []
    k = 0
    while len(confs) < n:
        a, b = (int(v) for v in rng.integers(0, nmax + 1, 2))
        if a + b == 0:
            continue
        dE = -2.8 * a - 2 * 1.7 * b + 0.02 * (a + b) ** 2 * rng.uniform(0.5, 1.5)
        counts = {i: c for i, c in (("Li", a), ("Mg", b)) if c}
        confs.append(Configuration(f"c{k}", counts, float(dE)))
        k += 1
    return SiteModel("random", ("Li", "Mg"), {"Li": 0.0, "Mg": 0.0}, Configuration("host", {}, 0.0), tuple(confs))


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def run_surfinpy(model: SiteModel, grid: int) -> dict | None:
    if not SURFINPY_PY.exists():
        return None
    work = HERE / "_work"
    work.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as td:
        td = Path(td)
        job = {"sx": [c.counts.get("Li", 0) for c in model.configurations],
               "sy": [2 * c.counts.get("Mg", 0) for c in model.configurations],
               "dE": [c.energy_eV for c in model.configurations], "window": WINDOW, "grid": grid}
        # the empty host (Ω = 0) is a phase too
        job["sx"].insert(0, 0)
        job["sy"].insert(0, 0)
        job["dE"].insert(0, 0.0)
        (td / "job.json").write_text(json.dumps(job))
        (td / "job.py").write_text(SURFINPY_JOB)
        subprocess.run([str(SURFINPY_PY), str(td / "job.py"), str(td / "job.json"), str(td / "z.npy"),
                        str(td / "se.npy"), str(td / "res.json")], check=True)
        res = json.loads((td / "res.json").read_text())
        res["z"] = np.load(td / "z.npy")
        res["se"] = np.load(td / "se.npy")
    return res


def agreement(model: SiteModel, res: dict) -> tuple[float, float]:
    """(fraction of grid points with the same stable product, max |Ω_surfinpy − Ω_dualion| in eV)."""
    x = res["x0"] + res["inc"] * np.arange(res["nx"])
    y = res["y0"] + res["inc"] * np.arange(res["ny"])
    X, Y = np.meshgrid(x, y)
    sx = np.array([0] + [c.counts.get("Li", 0) for c in model.configurations], float)
    sy = np.array([0] + [2 * c.counts.get("Mg", 0) for c in model.configurations], float)
    dE = np.array([0.0] + [c.energy_eV for c in model.configurations])
    om = dE[:, None] - sx[:, None] * X.ravel()[None, :] - sy[:, None] * Y.ravel()[None, :]
    ours = om.argmin(0).reshape(X.shape)
    omin = om.min(0).reshape(X.shape)
    same = float(np.mean(ours == res["z"]))
    err = float(np.max(np.abs(res["se"].reshape(X.shape) / 16.021 - omin)))
    return same, err


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--grid", type=int, default=1000)
    ap.add_argument("--big", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--no-surfinpy", action="store_true")
    a = ap.parse_args(argv)

    m = random_model(a.n, seed=0)
    d = phase_diagram(m, window=WINDOW)
    t_ours = best_of(lambda: phase_diagram(m, window=WINDOW), a.repeat)
    res = None if a.no_surfinpy else run_surfinpy(m, a.grid)

    big = random_model(a.big, seed=1)
    phase_diagram(big, window=WINDOW)  # warm-up
    t_big = best_of(lambda: phase_diagram(big, window=WINDOW), 3)
    S = np.array([[0, 0]] + [[c.counts.get("Li", 0), 2 * c.counts.get("Mg", 0)] for c in big.configurations], float)
    E = np.array([0.0] + [c.energy_eV for c in big.configurations])
    t_core = best_of(lambda: stable_regions(S, E, WINDOW), 3)
    db = phase_diagram(big, window=WINDOW)
    wide = random_model(a.big, seed=2, nmax=300)   # mostly distinct compositions: a real 3-D hull
    n_distinct = len({tuple(sorted(c.counts.items())) for c in wide.configurations})
    phase_diagram(wide, window=WINDOW)
    t_wide = best_of(lambda: phase_diagram(wide, window=WINDOW), 3)
    dw = phase_diagram(wide, window=WINDOW)
    missed = []
    if res is not None:
        seen = set(np.unique(res["z"]).tolist())
        missed = [r for r in d.regions if (0 if r.label == "empty" else int(r.label[1:]) + 1) not in seen]

    print(f"# bench_diagram  {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC  {platform.node()}  "
          f"{os.cpu_count()} CPUs  Python {platform.python_version()}  (shared machine: timings noisy)")
    print(f"| case | method | time (s) | regions | notes |")
    print(f"|---|---|---|---|---|")
    print(f"| {a.n} configurations, window [-4,0]² eV | dualion exact (polygons + thresholds), best of {a.repeat} "
          f"| {t_ours:.5f} | {len(d.regions)} | {len(d.thresholds)} thresholds |")
    if res is not None:
        same, err = agreement(m, res)
        print(f"| same | surfinpy 2.0.0 mu_vs_mu.calculate, {res['nx']}×{res['ny']} grid, 1 run | {res['seconds']:.3f} "
              f"| {len(np.unique(res['z']))} | peak RSS {res['peak_rss_MB']:.0f} MB; same product on "
              f"{100 * same:.3f}% of grid points; max |ΔΩ| {err:.1e} eV |")
        print(f"| | **speedup** | **{res['seconds'] / t_ours:,.0f}×** | | target ≥ 5000× |")
        for r in missed:
            P = np.array(r.polygon)
            print(f"| | region missed by the grid | | {r.label} | area {r.area:.1e} eV², height "
                  f"{np.ptp(P[:, 1]):.4f} eV < grid step {res['inc']:.4f} eV |")
    else:
        print("| same | surfinpy | skipped | | benchmarks/.venv-surfinpy missing or --no-surfinpy |")
    print(f"| {a.big:,} configurations | dualion end-to-end (SiteModel → regions + thresholds), best of 3 "
          f"| {t_big:.3f} | {len(db.regions)} | target < 1 s |")
    print(f"| same | dualion core (arrays → polygons, Qhull lower hull), best of 3 | {t_core:.3f} | "
          f"{len(db.regions)} | n_Li, n_Mg ≤ 20: at most 441 distinct compositions |")
    print(f"| {a.big:,} configurations, n ≤ 300 ({n_distinct:,} distinct compositions) | dualion end-to-end, "
          f"best of 3 | {t_wide:.3f} | {len(dw.regions)} | target < 1 s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
