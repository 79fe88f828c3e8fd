"""Fig. 7 science check: relax the 4x4x2 paired-vacancy models with CHGNet and measure the V_Ti octahedra.

Relaxes positions at fixed cell (FIRE, fmax 0.05 eV/Å) of the host and the Li, Mg, Li+Li, Li+Mg,
Mg+Mg configurations (one placement each; configurations start from the relaxed host), writes each relaxed structure as extended XYZ as soon as
it finishes (a rerun skips finished ones), then prints the distortion table and writes
distortion.csv/.json/.png/.svg next to the structures.

    .venv/bin/python benchmarks/bench_fig7_chgnet.py [--supercell 4x4x2] [--out benchmarks/_work/fig7_chgnet]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--supercell", default="4x4x2")
    ap.add_argument("--out", default="benchmarks/_work/fig7_chgnet")
    ap.add_argument("--fmax", type=float, default=0.05)
    ap.add_argument("--steps", type=int, default=400)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    from ase.io import read, write
    from pymatgen.io.ase import AseAtomsAdaptor

    from dualion.io.atomic import atomic_path
    from dualion.plotting import save
    from dualion.structures import build_site_model
    from dualion.structures.distortion import distortion_table, ideal_reference, plot_distortion

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    models = build_site_model("paired-vacancy", args.supercell, ("Li", "Mg"))
    relaxed = {}
    calc = None
    timings = []
    for m in models:
        path = out / f"{m.label.replace('+', '_')}.extxyz"
        if path.is_file():
            relaxed[m.label] = AseAtomsAdaptor.get_structure(read(str(path)))
            continue
        if calc is None:
            from chgnet.model import CHGNet
            from chgnet.model.dynamics import CHGNetCalculator

            model = CHGNet.load(verbose=False)
            calc = CHGNetCalculator(model=model, use_device="cpu")
            version = getattr(model, "version", "") or "CHGNet"
        from ase.optimize import FIRE

        atoms = AseAtomsAdaptor.get_atoms(m.structure)
        host_relaxed = relaxed.get(models[0].label)
        if not m.is_host and host_relaxed is not None:
            # warm start: the host atoms come first in the same order (ions appended), so take their
            # relaxed positions; the ions start on the ideal V_Ti sites
            n = len(host_relaxed)
            pos = atoms.get_positions()
            pos[:n] = AseAtomsAdaptor.get_atoms(host_relaxed).get_positions()
            atoms.set_positions(pos)
        atoms.calc = calc
        t0 = time.perf_counter()
        opt = FIRE(atoms, logfile=None)
        converged = opt.run(fmax=args.fmax, steps=args.steps)
        dt = time.perf_counter() - t0
        energy = float(atoms.get_potential_energy())
        atoms.info.update({"label": m.label, "host": m.host, "energy_eV": energy, "engine": "chgnet",
                           "model_version": str(version), "converged": bool(converged), "steps": opt.nsteps})
        atoms.calc = None
        with atomic_path(path) as tmp:
            write(str(tmp), atoms, format="extxyz")
        relaxed[m.label] = AseAtomsAdaptor.get_structure(atoms)
        timings.append((m.label, len(atoms), opt.nsteps, dt, energy, converged))
        print(f"relaxed {m.label:8s} {len(atoms)} atoms {opt.nsteps:4d} steps {dt:7.1f} s E = {energy:.4f} eV "
              f"converged={converged}", flush=True)

    host = models[0]
    vac = host.meta["vacancies"]
    rows = distortion_table([(m.label, relaxed[m.label]) for m in models], vac, source="CHGNet-relaxed")
    ref = ideal_reference(host.meta["a_A"], host.meta["c_A"], host.meta["u"])
    save(plot_distortion(rows, reference=ref), out, "distortion", data=rows,
         json_payload={"units": "Å", "ideal_anatase": ref, "rows": rows})
    print(f"# Fig. 7 check, {args.supercell}, CHGNet fixed-cell, fmax {args.fmax} eV/Å "
          f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})")
    print(f"{'configuration':14s} {'site':4s} {'occupant':8s} {'eq_a_A':>7s} {'eq_b_A':>7s} {'axial_A':>7s} "
          f"{'ax/eq':>6s}")
    for r in rows:
        print(f"{r['structure']:14s} {r['vacancy']:4s} {r['occupant']:8s} {r['equatorial_a_A']:7.3f} "
              f"{r['equatorial_b_A']:7.3f} {r['axial_A']:7.3f} {r['tetragonality']:6.3f}")


if __name__ == "__main__":
    main()
