"""Benchmark of ``dualion.nmr``: a six-line 19F fit with spinning sidebands vs the same fit written
directly in lmfit, and the CSA-tied (mrsimulator) variant.

    .venv/bin/python benchmarks/bench_nmr.py [--repeat 3] [--si 8192] [--out benchmarks/RESULTS_nmr.md]

Input: a simulated six-line 19F MAS spectrum (282.2 MHz, 64 kHz, SW 400 kHz, SI points, 0.2 % noise;
lines at 98, −4, −88, −145, −197, −204 ppm, free sideband ratios, orders ±1…±3 in the window), written as
a Bruker data set (``dualion.nmr.simulate``) and read back once (reading is not timed).

* dualion: ``fit_spectrum(spec, model_from_shifts(starts), table)`` — windowing, layout, start values,
  lmfit least squares, σ propagation, assignment, curves.
* direct lmfit: the same parameters and start values (copied from dualion's, so both take the same
  path), a hand-written residual (pseudo-Voigt centre bands + sidebands + linear baseline) and
  ``lmfit.minimize(method="least_squares")`` — what a user would write without dualion.
* CSA: the same six lines with sidebands tied to (ζ, η) per line through mrsimulator (dualion), vs a
  direct lmfit residual that calls the same mrsimulator simulation per evaluation without dualion's cache.

Runs interleaved (dualion, direct, dualion, direct …), ``--repeat`` times each; prints min / median
and the ratio of medians, versions, the machine load, and writes the Markdown table to ``--out``.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

LINES = [(98.0, 28.0, 0.3, 1.0), (-4.0, 36.0, 0.4, 2.0), (-88.0, 42.0, 0.4, 1.5), (-145.0, 50.0, 0.3, 2.0),
         (-197.0, 9.0, 0.5, 0.6), (-204.0, 7.0, 0.5, 0.5)]
STARTS = [95, -1, -85, -141, -195, -206]


def make_spectrum(si: int, csa: bool):
    from dualion.nmr.readers import read_spectrum
    from dualion.nmr.simulate import TrueLine, write_bruker_processed

    if csa:
        from dualion.nmr.csa import sideband_fractions

        def sb(zeta):
            f = sideband_fractions(zeta, 0.4, 64000.0, 282.2, "19F", 3)
            return {n: f[n] / f[0] for n in (-3, -2, -1, 1, 2, 3)}
        zetas = [90.0, 110.0, 120.0, 130.0, 60.0, 50.0]
        lines = [TrueLine(d, w, e, a, sb(z)) for (d, w, e, a), z in zip(LINES, zetas)]
    else:
        lines = [TrueLine(d, w, e, a, {-2: 0.04, -1: 0.20, 1: 0.14, 2: 0.03}) for d, w, e, a in LINES]
    exp = Path(tempfile.mkdtemp()) / "bench"
    write_bruker_processed(exp, lines, larmor_MHz=282.2, mas_Hz=64000.0, si=si, noise=0.002, seed=7)
    return read_spectrum(exp)


def direct_fit(spec, params, lay, csa: bool):
    """The same fit written directly in lmfit (own residual, no dualion model code)."""
    import lmfit

    x = spec.ppm
    y = spec.intensity / float(np.max(np.abs(spec.intensity)))
    step = 64000.0 / 282.2
    mid = 0.5 * (x.min() + x.max())
    names = [ll.prefix for ll in lay.lines]
    orders = [ll.orders for ll in lay.lines]
    c_g = math.sqrt(4 * math.log(2) / math.pi)

    if csa:
        from mrsimulator import Simulator, Site, SpinSystem
        from mrsimulator.method import SpectralDimension
        from mrsimulator.method.lib import BlochDecaySpectrum
        from mrsimulator.spin_system.isotope import Isotope

        b0 = 282.2 / abs(Isotope(symbol="19F").gyromagnetic_ratio)

        def ratios(z, e, n_orders):
            m = 16
            site = Site(isotope="19F", isotropic_chemical_shift=0.0, shielding_symmetric={"zeta": -z, "eta": e})  # ζ on the δ scale
            meth = BlochDecaySpectrum(channels=["19F"], magnetic_flux_density=b0, rotor_frequency=64000.0,
                                      spectral_dimensions=[SpectralDimension(count=2 * m, spectral_width=2 * m * 64000.0,
                                                                             reference_offset=0.0)])
            sim = Simulator(spin_systems=[SpinSystem(sites=[site])], methods=[meth])
            sim.config.number_of_sidebands = 64
            sim.run()
            amp = sim.methods[0].simulation.y[0].components[0].real
            return np.array([amp[m + n] for n in n_orders]) / amp[m]

    def residual(p):
        v = p.valuesdict()
        model = v["bl_c0"] + v["bl_c1"] * (x - mid)
        for pre, ords in zip(names, orders):
            d, w, eta, a = v[pre + "delta"], v[pre + "fwhm"], v[pre + "eta"], v[pre + "area"]
            if csa:
                r = ratios(v[pre + "zeta"], v[pre + "etacsa"], ords)
            else:
                r = np.array([v[f"{pre}sb_{'m' if n < 0 else 'p'}{abs(n)}"] for n in ords])
            for c, amp in zip([d, *(d + n * step for n in ords)], [a, *(a * r)]):
                dx = x - c
                model = model + amp * (eta * (w / 2 / math.pi) / (dx * dx + w * w / 4)
                                       + (1 - eta) * c_g / w * np.exp(-4 * math.log(2) * (dx / w) ** 2))
        return model - y

    nvar = sum(1 for q in params.values() if q.vary and not q.expr)
    return lmfit.minimize(residual, params.copy(), method="least_squares", max_nfev=100 * (nvar + 1))


def run_case(spec, csa: bool, repeat: int):
    from dualion.nmr.assign import load_table
    from dualion.nmr.fit import fit_spectrum, prepare
    from dualion.nmr.model import model_from_shifts

    table = load_table(nucleus="19F")
    mode = "csa" if csa else "free"
    _, lay, params, _ = prepare(spec, model_from_shifts(STARTS, sidebands=mode))
    t_d, t_l, nfev = [], [], []
    for _ in range(repeat):
        if csa:
            from dualion.nmr.csa import _fractions

            _fractions.cache_clear()
        t0 = time.perf_counter()
        r = fit_spectrum(spec, model_from_shifts(STARTS, sidebands=mode), table)
        t_d.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        rl = direct_fit(spec, params, lay, csa)
        t_l.append(time.perf_counter() - t0)
        nfev.append((r.residual["nfev"], rl.nfev))
    return r, rl, t_d, t_l, nfev


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--si", type=int, default=8192)
    ap.add_argument("--no-csa", action="store_true", help="skip the mrsimulator CSA case")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "RESULTS_nmr.md"))
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import lmfit
    import nmrglue

    load0 = os.getloadavg()
    rows = []
    cases = [False] + ([] if args.no_csa else [True])
    for csa in cases:
        spec = make_spectrum(args.si, csa)
        r, rl, t_d, t_l, nfev = run_case(spec, csa, args.repeat)
        md, ml = statistics.median(t_d), statistics.median(t_l)
        dd = max(abs(a.delta_ppm - b) for a, b in zip(r.lines, (d for d, *_ in LINES)))
        rows.append((("CSA-tied (mrsimulator)" if csa else "free sideband ratios"), len(r.parameters), min(t_d), md,
                     min(t_l), ml, md / ml, nfev[-1], dd, r.mean_delta_iso_ppm))
    load1 = os.getloadavg()
    try:
        import mrsimulator
        mrs = mrsimulator.__version__
    except ImportError:
        mrs = "not installed"
    head = (f"input: six-line 19F MAS spectrum, 282.2 MHz, 64 kHz, SI = {args.si}, sidebands ±1..±3; "
            f"repeats = {args.repeat}, interleaved\n"
            f"versions: python {platform.python_version()}, lmfit {lmfit.__version__}, nmrglue {nmrglue.__version__}, "
            f"mrsimulator {mrs}, numpy {np.__version__}; machine: {platform.machine()} {os.cpu_count()} cores; "
            f"load average before {load0[0]:.2f}, after {load1[0]:.2f}")
    table = ["| sideband model | parameters | dualion min (s) | dualion median (s) | direct lmfit min (s) | "
             "direct lmfit median (s) | ratio of medians | nfev (dualion, direct) | max |δ − δ_true| (ppm) | ⟨δiso⟩ (ppm) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, npar, a, b, c, d, ratio, nf, dd, mean in rows:
        table.append(f"| {name} | {npar} | {a:.3f} | {b:.3f} | {c:.3f} | {d:.3f} | **{ratio:.3f}** | {nf[0]}, {nf[1]} | "
                     f"{dd:.3f} | {mean:.2f} |")
    text = "\n".join([head, "", *table])
    print(text)
    out = Path(args.out)
    out.write_text("# dualion.nmr benchmark (`benchmarks/bench_nmr.py`)\n\n"
                   f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Target: dualion's overhead over the "
                   "same fit written directly in lmfit ≤ 20 % (ratio of medians ≤ 1.20).\n\n" + text + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
