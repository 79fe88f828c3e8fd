"""Is an ML insertion energy a property of the structure, or of the relaxation basin it lands in?

Relaxes one host of the public DFT set (3x3x1, e.g. ``4OH``) and host + ion (e.g. ``Na``) with CHGNet
from the builder's starting structure, then again from ``--restarts`` copies of each relaxed
structure with every atom displaced by N(0, σ²) per Cartesian component (``--sigma``, Å; fixed seed),
and prints the energies and the resulting insertion energies (eV, the engine's own metal
reference). A large spread means the ML energy surface around that site has several minima, which
no smooth descriptor correction can absorb.

Usage: ``.venv/bin/python benchmarks/relaxation_basins.py --ion Na --host 4OH [--restarts 3]``
(about 3 CHGNet relaxations of ~110 atoms per restart on an idle 2-core machine: minutes).
Results: ``benchmarks/RESULTS_engines.md``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from dualion.engines.calculators import get_calculator, parse_engine
from dualion.engines.compute import to_atoms
from dualion.engines.relax import RelaxSettings, metal_atoms, relax
from dualion.structures.models import build_calibration_set


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ion", default="Na")
    ap.add_argument("--host", default="4OH", help="4F, 3F+1OH, 2F+2OH cis, 2F+2OH trans, 1F+3OH, 4OH")
    ap.add_argument("--restarts", type=int, default=3)
    ap.add_argument("--sigma", type=float, default=0.15, help="rattle amplitude (Å)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    models = build_calibration_set(ions=(args.ion,))
    titles = {f"TiO2 {args.host} stoichiometric": "host", f"TiO2 {args.host} + {args.ion}": "host+ion"}
    picked = {titles[m.meta["dft_title"]]: m for m in models if m.meta["dft_title"] in titles}
    if len(picked) != 2:
        raise SystemExit(f"unknown host {args.host!r}")
    calc, version = get_calculator(parse_engine("chgnet"))
    settings = RelaxSettings()
    metal = metal_atoms(args.ion)
    mu = relax(metal, calc, settings, relax_cell=True).energy_eV / len(metal)
    rng = np.random.default_rng(args.seed)
    rows: dict[str, list[tuple[str, float, int, bool, float]]] = {"host": [], "host+ion": []}
    for kind, m in picked.items():
        t = time.perf_counter()
        first = relax(to_atoms(m.structure), calc, settings)
        rows[kind].append(("builder start", first.energy_eV, first.n_steps, first.converged, time.perf_counter() - t))
        for k in range(args.restarts):
            a = first.atoms.copy()
            a.calc = None
            a.positions += rng.normal(0.0, args.sigma, a.positions.shape)
            t = time.perf_counter()
            r = relax(a, calc, settings)
            rows[kind].append((f"rattle {k} (σ {args.sigma} Å)", r.energy_eV, r.n_steps, r.converged,
                               time.perf_counter() - t))
    print(f"{version}; {args.ion} in V_Ti+{args.host} (3x3x1); μ_{args.ion} = {mu:.4f} eV/atom\n")
    print("| structure | start | E (eV) | steps | converged | wall (s) |\n|---|---|---|---|---|---|")
    for kind, rs in rows.items():
        for start, e, n, c, w in rs:
            print(f"| {kind} | {start} | {e:.3f} | {n} | {c} | {w:.0f} |")
    e_host = [r[1] for r in rows["host"]]
    e_ion = [r[1] for r in rows["host+ion"]]
    print(f"\nΔE from the builder's start: {e_ion[0] - e_host[0] - mu:+.3f} eV; "
          f"lowest minima: {min(e_ion) - min(e_host) - mu:+.3f} eV "
          f"(host spread {max(e_host) - min(e_host):.3f} eV, host+ion spread {max(e_ion) - min(e_ion):.3f} eV)")


if __name__ == "__main__":
    main()
