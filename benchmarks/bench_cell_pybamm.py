"""Benchmark: one galvanostatic discharge — dualion compiled solver vs dualion LSODA vs PyBaMM SPM (IDAKLU).

Run: PYTHONPATH=src .venv/bin/python benchmarks/bench_cell_pybamm.py [--repeat 5] [--out benchmarks/RESULTS_cell_pybamm.md]

Same resolution: dualion's single particle with 20 radial shells × 2 ions (40 states) and PyBaMM's SPM with 20
shells in each electrode particle (40 particle states). Both models are built once; then only one discharge is
timed, repeatedly and interleaved (fast, LSODA, PyBaMM at default tolerances, PyBaMM at dualion's tolerances):
``SingleParticleCell.run([Step(-rate)])`` (from equilibrium at 2.3 V to 0.05 V, ~300 recorded points, solver
"fast" or "lsoda") and ``IDAKLUSolver.solve(built_model, [0, t_end], inputs)`` of PyBaMM's default parameter set
(Marquis 2019) at the same C-rate (C = the model's nominal capacity). Prints min / median, the ratio of medians,
versions and the machine load (os.getloadavg() before and after).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone

import numpy as np

from dualion import cell
from dualion.cell.params import Step

#: dualion rates (mA g-1) and their C-rate (dualion's ~300 mA h g-1 reversible capacity → C)
RATES_MA_G = (20.0, 100.0, 1000.0)
N_SHELLS = 20


def _time(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _pybamm_setup(rtol: float, atol: float):
    import pybamm

    pybamm.set_logging_level("ERROR")
    model = pybamm.lithium_ion.SPM()
    param = model.default_parameter_values
    cap_Ah = float(param["Nominal cell capacity [A.h]"])
    param["Current function [A]"] = "[input]"
    var_pts = {"x_n": 1, "x_s": 1, "x_p": 1, "r_n": N_SHELLS, "r_p": N_SHELLS}
    sim = pybamm.Simulation(model, parameter_values=param, var_pts=var_pts,
                            solver=pybamm.IDAKLUSolver(rtol=rtol, atol=atol))
    sim.build()
    solver = sim.solver
    built = sim.built_model

    def solve(c_rate: float):
        """Only the solve (what is timed); :func:`_pybamm_capacity` reads the result afterwards."""
        I = c_rate * cap_Ah
        return solver.solve(built, [0.0, 1.2 * 3600.0 / c_rate], inputs={"Current function [A]": I})

    return solve, built.concatenated_rhs.shape[0]


def _pybamm_capacity(sol) -> tuple[float, str]:
    """(discharge capacity in A h, termination) of a PyBaMM solution."""
    return float(sol["Discharge capacity [A.h]"].entries[-1]), str(sol.termination)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", default=None, help="also write the Markdown report here")
    args = ap.parse_args()
    try:
        import numba
        import pybamm
    except ImportError as e:   # make bench: the peer (pip install dualion[pybamm]) or numba is missing
        print(f"skipped: {e.name} is not installed (pip install 'dualion[pybamm,speed]')")
        return
    import scipy

    lines: list[str] = []

    def out(s: str = "") -> None:
        print(s)
        lines.append(s)

    load0 = os.getloadavg()
    out(f"# bench_cell_pybamm  {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}  {platform.node()}  "
        f"{platform.machine()}  nproc {os.cpu_count()}")
    out(f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"numba {numba.__version__}, pybamm {pybamm.__version__}")
    out(f"load average (1, 5, 15 min) before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}")
    out()
    # -- one-time costs ----------------------------------------------------------------------------------------
    t_build, c = _time(lambda: cell.SingleParticleCell(cell.CellParameters(licl_M=0.2, n_shells=N_SHELLS)))
    t_first, _ = _time(lambda: c.run([Step(-100.0)], solver="fast"))
    t_pb_build, (pb_default, n_pb) = _time(lambda: _pybamm_setup(1e-4, 1e-6))
    pb_tight, _ = _pybamm_setup(1e-6, 1e-9)
    pb_default(1.0)
    pb_tight(1.0)
    out("One-time costs (not in the per-discharge times): dualion cell build (paper-model Δμ table) "
        f"{t_build:.2f} s, first fast discharge (numba compile or cache load) {t_first:.2f} s; PyBaMM SPM "
        f"build {t_pb_build:.2f} s ({n_pb} states).")
    out()
    out("Input: dualion default CellParameters (paper model, LiCl 0.2 M, R = 10 nm, 20 shells × 2 ions), one "
        "discharge from equilibrium at 2.3 V to 0.05 V at rtol 1e-6, atol 1e-9 (fast: RODAS4, RMS error norm, two-chain LU); "
        "'paper set' rows: CellParameters.paper(licl_M=0.2, n_shells=20), Li+ transport in the electrolyte on "
        "(+20 electrolyte states; fast: three-chain LU with a 5 × 5 surface core); PyBaMM SPM (Marquis 2019 "
        f"parameters, {N_SHELLS} shells per particle) at the same C-rate (C = 300 mA h g-1 for dualion, the "
        "nominal capacity for PyBaMM), IDAKLU at its defaults (rtol 1e-4, atol 1e-6) and at 1e-6 / 1e-9.")
    out()
    out("| case | C-rate | dualion fast min / median (ms) | dualion LSODA min / median (ms) | PyBaMM IDAKLU "
        "default tol min / median (ms) | PyBaMM IDAKLU 1e-6 min / median (ms) | fast / PyBaMM default | "
        "fast / PyBaMM 1e-6 | fast / PyBaMM default, ratio of mins | LSODA / fast | Q fast / LSODA (mA h g-1) | "
        "fast steps / PyBaMM default output points |")
    out("|---|---|---|---|---|---|---|---|---|---|---|---|")
    ratios, ratios_t = [], []

    def row(c, rate: float, label: str) -> float:
        """One interleaved row; returns fast / PyBaMM default (ratio of medians)."""
        c_rate = rate / 300.0
        T = {"fast": [], "lsoda": [], "pb": [], "pbt": []}
        Q = {}
        for _ in range(args.repeat):
            for key in T:
                if key in ("fast", "lsoda"):
                    dt, r = _time(lambda: c.run([Step(-rate)], solver=key))
                    Q[key] = -float(r.charge_mAh_g[-1])
                    if key == "fast":
                        n_steps = c._kernel("fast").last_accepted_steps
                else:
                    dt, sol = _time(lambda: (pb_default if key == "pb" else pb_tight)(c_rate))
                    Q[key] = _pybamm_capacity(sol)
                    if key == "pb":
                        n_pb_steps = len(sol.t)
                T[key].append(dt * 1e3)
        assert "Minimum voltage" in Q["pb"][1] and "Minimum voltage" in Q["pbt"][1], Q
        med = {k: statistics.median(v) for k, v in T.items()}
        mn = {k: min(v) for k, v in T.items()}
        out(f"| {label} {rate:g} mA g-1 | {c_rate:.3g} | {mn['fast']:.2f} / {med['fast']:.2f} | "
            f"{mn['lsoda']:.1f} / {med['lsoda']:.1f} | {mn['pb']:.2f} / {med['pb']:.2f} | "
            f"{mn['pbt']:.2f} / {med['pbt']:.2f} | {med['fast'] / med['pb']:.2f} | {med['fast'] / med['pbt']:.2f} | "
            f"{mn['fast'] / mn['pb']:.2f} | "
            f"{med['lsoda'] / med['fast']:.0f} | {Q['fast']:.3f} / {Q['lsoda']:.3f} | {n_steps} / {n_pb_steps} |")
        return med["fast"] / med["pb"], med["fast"] / med["pbt"]

    for rate in RATES_MA_G:
        a, b = row(c, rate, "discharge")
        ratios.append(a)
        ratios_t.append(b)
    # the paper set (CellParameters.paper(): fitted kinetics, Li+ transport in the electrolyte ON: 20 more states,
    # the electrolyte block) — richer physics than PyBaMM's SPM, which has no electrolyte at all
    cp = cell.SingleParticleCell(cell.CellParameters.paper(licl_M=0.2, n_shells=N_SHELLS))
    assert cp.n_el > 0 and cp._kernel("fast") is not None
    cp.run([Step(-100.0)], solver="fast")
    ratios_p, ratios_pt = [], []
    for rate in RATES_MA_G:
        a, b = row(cp, rate, f"paper set, transport on ({cp.n_el} electrolyte cells), discharge")
        ratios_p.append(a)
        ratios_pt.append(b)
    load1 = os.getloadavg()
    out()
    out(f"load average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}  (repeats: {args.repeat}, interleaved)")
    out(f"fast / PyBaMM, ratio of medians: {min(ratios):.2f}–{max(ratios):.2f} (PyBaMM default tolerances), "
        f"{min(ratios_t):.2f}–{max(ratios_t):.2f} (PyBaMM at rtol 1e-6 like dualion); target ≤ 5")
    out(f"paper set, transport on (richer physics: + electrolyte block; PyBaMM SPM has no electrolyte): fast / "
        f"PyBaMM, ratio of medians {min(ratios_p):.2f}–{max(ratios_p):.2f} (default tolerances), "
        f"{min(ratios_pt):.2f}–{max(ratios_pt):.2f} (rtol 1e-6); target ≤ 5")
    if args.out:
        from pathlib import Path

        Path(args.out).write_text("```\n" + "\n".join(lines) + "\n```\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
