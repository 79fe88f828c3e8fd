"""Benchmark: read + segment + summary + dQ/dV of a 400-cycle file, dualion vs navani, side by side.

    .venv/bin/python benchmarks/bench_echem.py [--cycles 400] [--points 2000] [--repeat 3] [--skip-navani]
    .venv/bin/python benchmarks/bench_echem.py --readers     # reading time per MB of each real file
    .venv/bin/python benchmarks/bench_echem.py --accuracy    # real files read right (independent integration)

1. Generates a 400-cycle galvanostatic record (2,000 points per half-cycle: 1.6 M rows; the synthetic
   cell of :func:`dualion.echem.synthetic.synthetic_cycling` with 0.02 %/cycle fade and 1 mV noise) and writes it
   twice into ``benchmarks/_work/`` (git-ignored): as the team's plain CSV (``time_s, voltage_V,
   current_mA, cycle``) for dualion, and as an Ivium-style tab-separated ``.txt`` (``time /s``,
   ``I /mA``, ``E /V``), the raw time/current/voltage text format navani's ``echem_file_loader``
   ingests (its processed-CSV path would skip navani's own segmentation).
2. dualion (this venv, in-process): ``echem.read`` → ``segment.half_cycles`` → ``cycles.summarise``
   → ``dqdv.dqdv`` of all 800 half-cycles (σ = 10 mV, 2 mV grid, peaks). Best of ``--repeat`` runs;
   then one more run under :mod:`tracemalloc` for the peak of traced (numpy + Python) memory, compared
   with the raw arrays (rows × 3 float64).
3. navani (``benchmarks/.venv-navani``, a subprocess): ``echem_file_loader`` (read + its
   state/half-cycle/capacity processing) → ``cycle_summary`` → ``dqdv_single_cycle`` (defaults) on each
   half-cycle (iterated with ``groupby``, cheaper than navani's own mask-per-cycle loop).

Prints one table; the numbers go into ``benchmarks/RESULTS_echem.md`` by hand with date and machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
NAVANI_PY = HERE / ".venv-navani" / "bin" / "python"

NAVANI_SCRIPT = r"""
import json, resource, sys, time, warnings
warnings.filterwarnings("ignore")
t0 = time.perf_counter()
import numpy as np, pandas as pd, scipy
import navani
import navani.echem as ec
t_imp = time.perf_counter()
path = sys.argv[1]
t0 = time.perf_counter()
df = ec.echem_file_loader(path)
t1 = time.perf_counter()
summary = ec.cycle_summary(df)
t2 = time.perf_counter()
n = 0
peaks = []
for hc, sub in df.groupby("half cycle", sort=True):
    if len(sub) < 1100:          # navani's savgol window (1001) needs enough points; all half-cycles here have 2000
        continue
    v, dqdv, _ = ec.dqdv_single_cycle(sub["Capacity"], sub["Voltage"])
    peaks.append(float(v[np.argmax(np.abs(dqdv))]))
    n += 1
t3 = time.perf_counter()
try:
    from importlib.metadata import version
    nav_v = version("navani")
except Exception:
    nav_v = "?"
print(json.dumps({"read_s": t1 - t0, "summary_s": t2 - t1, "dqdv_s": t3 - t2, "total_s": t3 - t0,
                  "n_half_cycles": int(df["half cycle"].nunique()), "n_dqdv": n, "n_cycles_summary": len(summary),
                  "first_peak_V": peaks[:2], "maxrss_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "versions": {"navani": nav_v, "numpy": np.__version__, "pandas": pd.__version__,
                               "scipy": scipy.__version__, "python": sys.version.split()[0]}}))
"""


#: navani's default dqdv_single_cycle on a curve with known peaks (0.77 and 1.00 V, area 0.8 mA h), run under
#: navani's pinned scipy and under this venv's scipy (the function body is executed from navani's installed
#: source; it imports scipy inside the function).
SCIPY_CHECK = r"""
import numpy as np, scipy, sys
src = open(sys.argv[1]).read()
start = src.index("def dqdv_single_cycle(")
ns = {}
exec("from typing import Union, Tuple\nfrom numpy.typing import ArrayLike, NDArray\nimport numpy as np\n"
     + src[start:src.index("\ndef ", start + 10)], ns)
v = np.linspace(1.4, 0.4, 2000)
q = 0.3 / (1 + np.exp((v - 0.77) / 0.02)) + 0.5 / (1 + np.exp((v - 1.0) / 0.02)); q -= q[0]
x, y, _ = ns["dqdv_single_cycle"](q, v)
from scipy.signal import find_peaks
i, _ = find_peaks(np.abs(y), prominence=0.05 * np.abs(y).max())
area = float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(x)))
print(f"scipy {scipy.__version__}: navani default dQ/dV peaks at {np.round(x[i], 3).tolist()} V, |area| {abs(area):.3f} mA h"
      " (true: [0.77, 1.0] V, 0.800 mA h)")
"""


def generate(n_cycles: int, n_points: int) -> tuple[Path, Path, int]:
    """Write the record as plain CSV and Ivium-style txt (reused when already there)."""
    from dualion.echem.synthetic import synthetic_cycling

    WORK.mkdir(parents=True, exist_ok=True)
    csv = WORK / f"cycling_{n_cycles}x{n_points}.csv"
    txt = WORK / f"cycling_{n_cycles}x{n_points}_ivium.txt"
    rows = 2 * n_cycles * n_points
    if csv.exists() and txt.exists():
        return csv, txt, rows
    t, v, i, c = synthetic_cycling(n_cycles=n_cycles, n_per_half=n_points, fade=0.0002, noise_V=0.001)
    import pandas as pd

    df = pd.DataFrame({"time_s": t, "voltage_V": v, "current_mA": i, "cycle": c})
    tmp = csv.with_suffix(".tmp")
    with open(tmp, "w") as fh:
        fh.write("# mass_mg=1.6\n# reference=Mg\n# source=benchmarks/bench_echem.py (synthetic)\n")
        df.to_csv(fh, index=False, float_format="%.6f")
    os.replace(tmp, csv)
    iv = pd.DataFrame({"time /s": t, "I /mA": i, "E /V": v})
    tmp = txt.with_suffix(".tmp")
    iv.to_csv(tmp, sep="\t", index=False, float_format="%.6f")
    os.replace(tmp, txt)
    return csv, txt, rows


def dualion_pipeline(csv: Path, trace: bool = False) -> dict:
    """read → half_cycles → summarise → dQ/dV; with ``trace`` also the tracemalloc peak of each stage."""
    from dualion.echem import cycles, read, segment
    from dualion.echem.dqdv import dqdv

    peaks: dict[str, float] = {}

    def mark(stage: str) -> None:
        if trace:
            peaks[stage] = tracemalloc.get_traced_memory()[1] / 1e6
            gc.collect()             # garbage of the previous stage (e.g. pandas frames) is not this stage's
            tracemalloc.reset_peak()

    t0 = time.perf_counter()
    data = read(csv)
    t1 = time.perf_counter()
    mark("read")
    halves = segment.half_cycles(data)
    t2 = time.perf_counter()
    mark("segment")
    summary = cycles.summarise(data, halves)
    t3 = time.perf_counter()
    mark("summary")
    res = dqdv(data, halves, step_V=0.002, smooth_V=0.01)
    t4 = time.perf_counter()
    mark("dqdv")
    return {"read_s": t1 - t0, "segment_s": t2 - t1, "summary_s": t3 - t2, "dqdv_s": t4 - t3, "total_s": t4 - t0,
            "n_half_cycles": len(halves), "n_cycles": len(summary.cycles), "n_peaks": len(res.peaks),
            "rows": len(data), "first_peaks_V": sorted(p.voltage_V for p in res.peaks if p.half_cycle == 0),
            "stage_peak_MB": peaks}


def _status_MB(key: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")        # resets VmHWM to the current RSS (Linux ≥ 4.0)
        return True
    except OSError:
        return False


def rss_child(csv: Path) -> None:
    """In a fresh process: RSS high-water mark of each stage above the RSS after the imports."""
    import dualion.echem.cycles  # noqa: F401
    import dualion.echem.dqdv  # noqa: F401
    import pandas  # noqa: F401
    import scipy.ndimage  # noqa: F401
    import scipy.signal  # noqa: F401
    from dualion.echem import cycles, read, segment
    from dualion.echem.dqdv import dqdv

    _reset_hwm()
    base = _status_MB("VmRSS")
    out = {"baseline_MB": base, "stages": {}}
    data = read(csv)
    out["stages"]["read"] = _status_MB("VmHWM") - base
    _reset_hwm()
    halves = segment.half_cycles(data)
    out["stages"]["segment"] = _status_MB("VmHWM") - base
    _reset_hwm()
    cycles.summarise(data, halves)
    out["stages"]["summary"] = _status_MB("VmHWM") - base
    _reset_hwm()
    dqdv(data, halves, step_V=0.002, smooth_V=0.01)
    out["stages"]["dqdv"] = _status_MB("VmHWM") - base
    out["held_after_MB"] = _status_MB("VmRSS") - base
    print(json.dumps(out))


def reader_rates(repeat: int = 3) -> None:
    """Reading time per MB of each real file in ../shared/data/echem*/ (dualion.echem.readers.read),
    interleaved over the files, best and median of ``repeat``; grouped by the detected format."""
    import statistics
    import warnings

    from dualion.echem.readers import detect_format, read
    from dualion.errors import DualionUserError

    shared = Path(os.environ.get("DUALION_SHARED", HERE.parent.parent / "shared")) / "data"
    files = sorted(p for d in ("echem", "echem-real") for p in (shared / d).glob("*")
                   if p.is_file() and p.suffix.lower() != ".md" and p.name != "LICENSE")
    if not files:
        print(f"no real files under {shared}")
        return
    times: dict[Path, list[float]] = {p: [] for p in files}
    for _ in range(repeat):
        for p in files:
            t = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    read(p)
            except DualionUserError:
                pass
            times[p].append(time.perf_counter() - t)
    print(f"# reading time per MB, best / median of {repeat}, load {os.getloadavg()[0]:.1f}")
    print("| file | format | MB | best (s) | median (s) | s per MB (best) |")
    print("|---|---|---|---|---|---|")
    by_fmt: dict[str, list[tuple[float, float]]] = {}
    for p in files:
        mb = p.stat().st_size / 1e6
        fmt = f"{detect_format(p)} {p.suffix.lower()}"
        b, m = min(times[p]), statistics.median(times[p])
        by_fmt.setdefault(fmt, []).append((mb, b))
        print(f"| {p.name} | {fmt} | {mb:.2f} | {b:.3f} | {m:.3f} | {b / mb:.3f} |")
    print()
    print("| format | files | MB | s per MB (total best time / total MB) |")
    print("|---|---|---|---|")
    for fmt, rows in sorted(by_fmt.items()):
        mb = sum(r[0] for r in rows)
        print(f"| {fmt} | {len(rows)} | {mb:.2f} | {sum(r[1] for r in rows) / mb:.3f} |")


def reader_accuracy() -> None:
    """Per real file: cycling record read right (total charge and discharge within 0.1 % of the independent
    integration of tests/echem/test_cyclers_real.py), or refused as non-cycling; prints the fraction."""
    import warnings

    sys.path.insert(0, str(HERE.parent))
    from tests.echem import test_cyclers_real as ref  # the independent raw readers and integration

    from dualion.errors import DualionUserError

    right = cycling = refused = 0
    print("| file | half-cycles | charge: dualion / independent | discharge: dualion / independent | sources | verdict |")
    print("|---|---|---|---|---|---|")
    for p in ref.FILES:
        try:
            d, hcs = ref._read(p)
        except DualionUserError as exc:
            print(f"| {p.name} | – | – | – | – | refused: {str(exc)[:60]} |")
            continue
        if not hcs:
            refused += p.name in ref.NON_CYCLING
            print(f"| {p.name} | 0 | – | – | – | non-cycling: refused |")
            continue
        cycling += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = ref._raw(p)
        cells, ok = [], True
        for direction in ("charge", "discharge"):
            mine = [h for h in hcs if h.direction == direction]
            q = sum(h.capacity_mAh for h in mine)
            r = sum(ref._independent(raw, h) for h in mine)
            ok &= (not mine) or abs(q - r) <= 1e-3 * abs(r)
            cells.append(f"{q:.6g} / {r:.6g}" if mine else "–")
        right += ok
        srcs = ",".join(sorted({h.capacity_source for h in hcs}))
        print(f"| {p.name} | {len(hcs)} | {cells[0]} | {cells[1]} | {srcs} | {'right' if ok else 'WRONG'} |")
    print(f"\ncycling records read right: {right}/{cycling}; non-cycling records refused: {refused}/"
          f"{len(ref.NON_CYCLING)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--readers", action="store_true", help="only the reading time per MB of each real file")
    ap.add_argument("--accuracy", action="store_true", help="only: real files read right (independent integration)")
    ap.add_argument("--cycles", type=int, default=400)
    ap.add_argument("--points", type=int, default=2000, help="points per half-cycle")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-navani", action="store_true")
    ap.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child)
        return 0
    if args.readers:
        reader_rates(max(args.repeat, 1))
        return 0
    if args.accuracy:
        reader_accuracy()
        return 0

    t = time.perf_counter()
    csv, txt, rows = generate(args.cycles, args.points)
    print(f"# data: {rows:,} rows ({args.cycles} cycles x 2 x {args.points}); generated/reused in "
          f"{time.perf_counter() - t:.1f} s: {csv.name} ({csv.stat().st_size / 1e6:.0f} MB), "
          f"{txt.name} ({txt.stat().st_size / 1e6:.0f} MB)", flush=True)

    import dualion.echem.dqdv  # noqa: F401  (imports out of the timings)
    import dualion.echem.cycles  # noqa: F401
    import scipy.ndimage  # noqa: F401
    import scipy.signal  # noqa: F401

    runs = [dualion_pipeline(csv) for _ in range(max(args.repeat, 1))]
    best = min(runs, key=lambda r: r["total_s"])
    tracemalloc.start()
    traced = dualion_pipeline(csv, trace=True)
    tracemalloc.stop()
    peak = max(traced["stage_peak_MB"].values()) * 1e6
    best["stage_peak_MB"] = traced["stage_peak_MB"]
    raw = rows * 3 * 8
    best["peak_traced_MB"] = peak / 1e6
    best["raw_MB"] = raw / 1e6

    p = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--rss-child", str(csv)],
                       capture_output=True, text=True)
    rss = json.loads(p.stdout.strip().splitlines()[-1]) if p.returncode == 0 else None

    nav = None
    nav_err = None
    if not args.skip_navani:
        if not NAVANI_PY.exists():
            nav_err = f"{NAVANI_PY} missing (python3.11 -m venv benchmarks/.venv-navani; see RESULTS_echem.md)"
        else:
            script = WORK / "navani_run.py"
            script.write_text(NAVANI_SCRIPT)
            t = time.perf_counter()
            p = subprocess.run([str(NAVANI_PY), str(script), str(txt)], capture_output=True, text=True)
            wall = time.perf_counter() - t
            if p.returncode != 0:
                nav_err = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}"
            else:
                nav = json.loads(p.stdout.strip().splitlines()[-1])
                nav["wall_s"] = wall

    totals = ", ".join(f"{r['total_s']:.2f}" for r in runs)
    print(f"# machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"dualion best of {len(runs)} (totals {totals} s)")
    print()
    print("| stage | dualion (s) | navani (s) |")
    print("|---|---|---|")
    nv = (lambda k: f"{nav[k]:.2f}" if nav else "n/a")
    print(f"| read (+ navani's state/half-cycle/capacity processing) | {best['read_s']:.3f} | {nv('read_s')} |")
    print(f"| segment into half-cycles | {best['segment_s']:.3f} | (in read) |")
    print(f"| per-cycle summary | {best['summary_s']:.3f} | {nv('summary_s')} |")
    print(f"| dQ/dV of all {best['n_half_cycles']} half-cycles | {best['dqdv_s']:.3f} | {nv('dqdv_s')} |")
    print(f"| **total** | **{best['total_s']:.2f}** | **{nv('total_s')}** |")
    if nav:
        print(f"| speed-up (navani / dualion) | **{nav['total_s'] / best['total_s']:.0f}x** | |")
    print()
    print(f"dualion: {best['n_half_cycles']} half-cycles, {best['n_cycles']} cycles, {best['n_peaks']} dQ/dV peaks; "
          f"half-cycle 0 peaks at {', '.join(f'{v:.3f}' for v in best['first_peaks_V'])} V")
    print(f"dualion peak traced memory (tracemalloc, read→dQ/dV): {best['peak_traced_MB']:.0f} MB = "
          f"{best['peak_traced_MB'] / best['raw_MB']:.2f}x the raw arrays ({best['raw_MB']:.1f} MB = {rows:,} x 3 float64); "
          "per stage (peak incl. what is held): "
          + ", ".join(f"{k} {v:.0f} MB ({v / best['raw_MB']:.2f}x)" for k, v in best["stage_peak_MB"].items()))
    if rss:
        st = rss["stages"]
        print(f"dualion peak RSS above the post-import baseline (fresh process, /proc VmHWM, reset per stage): "
              f"max {max(st.values()):.0f} MB = {max(st.values()) / best['raw_MB']:.2f}x raw; "
              + ", ".join(f"{k} {v:.0f} MB ({v / best['raw_MB']:.2f}x)" for k, v in st.items())
              + f"; held after: {rss['held_after_MB']:.0f} MB")
    from dualion.echem.readers.csv import _surplus_separators, parse_header

    nskip = parse_header(csv)[1]
    t_sep = []
    for _ in range(max(args.repeat, 1)):
        t = time.perf_counter()
        _surplus_separators(csv, nskip, 4, ",")
        t_sep.append(time.perf_counter() - t)
    print(f"dualion CSV ragged-row check (streamed separator count, part of the read stage): best {min(t_sep):.3f} s "
          f"for {csv.stat().st_size / 1e6:.0f} MB")
    if nav:
        print(f"navani: {nav['n_half_cycles']} half-cycles, dQ/dV on {nav['n_dqdv']}, summary of {nav['n_cycles_summary']} "
              f"cycles; max RSS {nav['maxrss_MB']:.0f} MB; subprocess wall {nav['wall_s']:.1f} s; versions {nav['versions']}")
    elif nav_err:
        print(f"navani: not run: {nav_err}")
    if NAVANI_PY.exists():
        src = next((HERE / ".venv-navani" / "lib").glob("python*/site-packages/navani/echem.py"), None)
        if src is not None:
            chk = WORK / "navani_scipy_check.py"
            chk.write_text(SCIPY_CHECK)
            for py in (NAVANI_PY, Path(sys.executable)):
                p = subprocess.run([str(py), str(chk), str(src)], capture_output=True, text=True)
                line = p.stdout.strip().splitlines()[-1] if p.returncode == 0 and p.stdout.strip() else \
                    (p.stderr.strip().splitlines() or ["failed"])[-1]
                print(f"scipy-version check ({'navani venv' if py == NAVANI_PY else 'dualion venv'}): {line}")
    ok_speed = nav is not None and nav["total_s"] / best["total_s"] >= 100
    print(f"targets: total < 2 s: {'PASS' if best['total_s'] < 2 else 'FAIL'}; "
          f"peak RAM <= 3x raw (tracemalloc): {'PASS' if best['peak_traced_MB'] <= 3 * best['raw_MB'] else 'FAIL'}; "
          f"(RSS): {('PASS' if max(rss['stages'].values()) <= 3 * best['raw_MB'] else 'FAIL') if rss else 'n/a'}; "
          f">= 100x navani: {'PASS' if ok_speed else ('FAIL' if nav else 'not measured')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
