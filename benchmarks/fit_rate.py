"""Fit the cell's kinetic constants to the paper's rate data (Fig. 2a, 2c) with the `dualion fit` machinery.

Run: PYTHONPATH=src .venv/bin/python benchmarks/fit_rate.py [--out benchmarks/RESULTS_fit_rate.md] [--max-nfev 40]
      [--no-transport] [--names log10_D_Mg,log10_j0_Li,...] [--initial log10_D_Mg=-17,...]

The paper-set values (paper_set.CELL_PARAMETERS) come from:
  benchmarks/fit_rate.py --names log10_D_Mg,log10_j0_Mg,log10_j0_Li --initial log10_D_Mg=-17.05,log10_j0_Mg=-9.14,log10_j0_Li=-5.72
(refitted after the vacancy Li offset entered the equilibrium set: 67 s with the compiled cell solver)
(the fit of all five, benchmarks/RESULTS_fit_rate_all5.md, leaves D_Li and D(Li+, electrolyte) undetermined: they
stay at their stated estimates).

Targets and model: :func:`dualion.model.rate_fit.paper_rate_spec` (the paper set's equilibrium model fixed; the cell
with Li+ transport in the electrolyte). Prints the fitted values ± 1σ (Jacobian) and per-target residuals; the
values go into ``dualion.model.paper_set.CELL_PARAMETERS`` (source "fitted").
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import datetime, timezone


def identifiability_lines(res) -> list[str]:
    """Conditional 1σ (the others fixed: 1/√(JᵀJ)_kk) and the covariance eigen-combinations (well and badly
    determined directions) of the fitted log10 parameters."""
    import numpy as np

    names = [p["name"] for p in res.parameters]
    C = np.array(res.covariance, float)
    if not np.all(np.isfinite(C)):
        return ["(covariance incomplete: parameters left out as not determined)"]
    info = np.linalg.inv(C)
    out = ["Conditional 1σ (others fixed): " + ", ".join(f"{n} ±{1 / np.sqrt(info[k, k]):.2f}"
                                                         for k, n in enumerate(names))]
    w, V = np.linalg.eigh(C)
    vals = np.array([p["value"] for p in res.parameters])
    for k in range(len(w)):
        v = V[:, k] * np.sign(V[np.argmax(np.abs(V[:, k])), k])
        combo = " ".join(f"{c:+.2f}·{n}" for c, n in zip(v, names))
        out.append(f"- combination {combo} = {v @ vals:.3f} ± {np.sqrt(w[k]):.3g}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    ap.add_argument("--json", default=None, help="write the FitResult as JSON too")
    ap.add_argument("--max-nfev", type=int, default=40)
    ap.add_argument("--no-transport", action="store_true")
    ap.add_argument("--names", default=None, help="comma-separated subset of the kinetic parameters")
    ap.add_argument("--initial", default=None, help="start values, e.g. log10_D_Mg=-17,log10_j0_Mg=-9")
    args = ap.parse_args()
    from dualion.model.fit import fit_targets, residual_table_markdown
    from dualion.model.rate_fit import paper_rate_spec

    names = tuple(args.names.split(",")) if args.names else None
    initial = {k: float(v) for k, v in (kv.split("=") for kv in args.initial.split(","))} if args.initial else None
    spec = paper_rate_spec(initial=initial, names=names, transport=not args.no_transport)
    t0 = time.perf_counter()
    res = fit_targets(spec, max_nfev=args.max_nfev)
    dt = time.perf_counter() - t0
    lines = ["# Kinetic fit to the paper's rate data (benchmarks/fit_rate.py)", "",
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {platform.node()} ({os.cpu_count()} cores), load "
             f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}; {dt:.0f} s, {res.n_evaluations} evaluations; "
             f"electrolyte transport {'off' if args.no_transport else 'on'}; chi2 {res.chi2:.2f}; {res.message}", "",
             *residual_table_markdown(res), "", "Notes:", *[f"- {n}" for n in res.notes],
             "", "Values (10^log10):",
             *[f"- {p['name'].removeprefix('log10_')} = {10 ** p['value']:.3g} (×/÷ {10 ** p['stderr']:.2f} at 1σ)"
               if p['stderr'] == p['stderr'] else f"- {p['name'].removeprefix('log10_')} = {10 ** p['value']:.3g} "
               "(not determined)" for p in res.parameters]]
    lines += ["", *identifiability_lines(res)]
    print("\n".join(lines), flush=True)
    if args.out:
        from dualion.io.atomic import atomic_write_text

        atomic_write_text(args.out, "\n".join(lines) + "\n")
    if args.json:
        from dualion.core.records import dump

        dump(res, args.json)


if __name__ == "__main__":
    main()
