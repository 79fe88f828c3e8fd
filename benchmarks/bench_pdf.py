"""Benchmark dualion.pdf against raw diffpy.pdffit2, and a 20-file series on Dask vs serial.

    .venv/bin/python benchmarks/bench_pdf.py              # writes benchmarks/RESULTS_pdf.md
    .venv/bin/python benchmarks/bench_pdf.py --repeats 9 --no-series

1. Wrapper overhead on PDFgui's Ni fit (Ni_2-8.chi.gr + Ni.stru from ../shared/data/pdf; a, scale,
   Uiso, sratio free, rcut 3 Å, 1.5–10 Å, Qmax 40, Qdamp 0.001): the raw pdffit2 script a user would
   write (read_data, read_struct, constraints by hand, one refine, output to a StringIO) against
   dualion's whole path (read the .gr file, read the .stru, symmetry analysis, constraints, silenced
   engine, result object) with the same single-stage release; then both with the staged release
   (scale → lattice → ADPs → rest). Interleaved, ``--repeats`` times; min / median / ratio of medians.
   The space-group analysis of a model is done once per model and cached (a script or series refining
   many data sets with one model pays it once); its cost is printed on its own row.
2. Series: 20 simulated anatase PDFs (a, c and Li at 4b varied; pdffit2 forward calculation + noise)
   refined in this process one after the other vs on a Dask LocalCluster with 2 workers, interleaved.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
SHARED = Path(os.environ.get("DUALION_SHARED", REPO.parent / "shared"))
NI_GR = SHARED / "data" / "pdf" / "Ni_2-8.chi.gr"
NI_STRU = SHARED / "data" / "pdf" / "Ni.stru"


def raw_ni(staged: bool) -> float:
    """PDFgui's Ni fit written directly against pdffit2; returns Rw."""
    from diffpy.pdffit2 import PdfFit, redirect_stdout

    redirect_stdout(io.StringIO())
    pf = PdfFit(create_intro=False)
    pf.read_struct(str(NI_STRU))
    pf.read_data(str(NI_GR), "X", 40.0, 0.001)
    pf.pdfrange(1, 1.5, 10.0)
    for i in (1, 2, 3):
        pf.constrain(pf.lat(i), "@1")
    pf.setpar(1, 3.52)
    for i in range(1, 5):
        for u in (pf.u11, pf.u22, pf.u33):
            pf.constrain(u(i), "@20")
    pf.setpar(20, 0.00126651)
    pf.constrain(pf.sratio, "@10")
    pf.setpar(10, 1.0)
    pf.setvar(pf.rcut, 3.0)
    pf.constrain(pf.dscale, "@100")
    pf.setpar(100, 1.0)
    stages = ([100], [100, 1], [100, 1, 20], [100, 1, 20, 10]) if staged else ([100, 1, 20, 10],)
    for free in stages:
        pf.fixpar("ALL")
        for k in free:
            pf.freepar(k)
        pf.refine()
    rw = pf.getrw()
    pf.reset()
    redirect_stdout(sys.stdout)
    return rw


def dualion_ni(staged: bool) -> float:
    from dualion.pdf.data import read_pdf_data
    from dualion.pdf.engine import Settings, refine
    from dualion.pdf.model import load_structure

    fit = refine(read_pdf_data(NI_GR), load_structure(NI_STRU),
                 Settings(qdamp=0.001, rmin=1.5, rmax=10.0, rcut=3.0, free=("a", "scale", "Uiso", "sratio"),
                          staged=staged))
    return fit.Rw


def timed(fn, *args) -> tuple[float, float]:
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def overhead(repeats: int) -> list[str]:
    for fn in (raw_ni, dualion_ni):  # warm-up: imports, first-call caches
        fn(False)
    lines = []
    for staged in (False, True):
        raw_t, dua_t = [], []
        for k in range(repeats):  # interleaved, alternating who goes first
            order = ((raw_ni, raw_t), (dualion_ni, dua_t)) if k % 2 == 0 else ((dualion_ni, dua_t), (raw_ni, raw_t))
            for fn, acc in order:
                dt, rw = timed(fn, staged)
                acc.append(dt)
        rw_raw, rw_dua = raw_ni(staged), dualion_ni(staged)
        ratio = statistics.median(dua_t) / statistics.median(raw_t)
        mode = "staged (4 refine calls)" if staged else "single stage (1 refine call)"
        lines.append(f"| Ni fit, {mode} | {min(raw_t) * 1e3:.1f} / {statistics.median(raw_t) * 1e3:.1f} | "
                     f"{min(dua_t) * 1e3:.1f} / {statistics.median(dua_t) * 1e3:.1f} | {ratio:.3f} "
                     f"({100 * (ratio - 1):+.1f} %) | {rw_raw:.7f} / {rw_dua:.7f} |")
        print(lines[-1], flush=True)
    return lines


def symmetry_cost(repeats: int) -> list[str]:
    """Cost of the one-time space-group analysis of a new model (cached per process afterwards)."""
    from dualion.pdf import symmetry
    from dualion.pdf.model import load_structure

    out = []
    for name, spec in (("Ni (Fm-3m, 4 atoms)", NI_STRU), ("anatase + Li@4b (I4_1/amd, 16 atoms)", "anatase:Li@4b=0.3")):
        s = load_structure(spec)
        ts = []
        for _ in range(repeats):
            symmetry._CACHE.clear()
            ts.append(timed(symmetry.analyse, s)[0])
        out.append(f"| symmetry analysis of a new model: {name} (spglib; once per model, then cached) | – | "
                   f"{min(ts) * 1e3:.1f} / {statistics.median(ts) * 1e3:.1f} | – | – |")
        print(out[-1], flush=True)
    return out


def make_series(folder: Path, n: int = 20) -> list[Path]:
    from dualion.pdf.model import anatase_model
    from dualion.pdf.simulate import simulate_pdf, write_gr

    files = []
    for k in range(n):
        x = 0.3 * k / (n - 1)
        s = anatase_model(3.7991 + 0.25 * x, 9.475 - 0.5 * x, None, {"Li@4b": x} if x else None)
        for at in s.atoms:
            at.uiso = {"Ti": 0.006, "O": 0.011, "Li": 0.015}[at.element]
        d = simulate_pdf(s, noise=0.05, seed=k, rmin=1.5, rmax=10.0, qmax=22.0, qdamp=0.04, delta2=2.0)
        files.append(write_gr(folder / f"sim_{k:02d}.gr", d))
    return files


def _cluster_start() -> None:
    from dualion.engines.resources import dask_client

    with dask_client(2):
        pass


def series(repeats: int) -> list[str]:
    from dualion.pdf.engine import Settings
    from dualion.pdf.model import anatase_model
    from dualion.pdf.series import refine_series

    with tempfile.TemporaryDirectory() as tmp:
        files = make_series(Path(tmp))
        model = anatase_model(3.78, 9.50)
        settings = Settings(qdamp=0.04, delta2=1.0, free=("scale", "lattice", "Uiso", "delta2"))
        t = {1: [], 2: []}
        start: list[float] = []
        results = {}
        for k in range(repeats):
            for w in ((1, 2) if k % 2 == 0 else (2, 1)):
                dt, res = timed(refine_series, files, model, settings, w, None, False)
                t[w].append(dt)
                results[w] = res
            start.append(timed(_cluster_start)[0])
        same = [f.parameters for f in results[1].fits] == [f.parameters for f in results[2].fits]
        ratio = statistics.median(t[1]) / statistics.median(t[2])
        line = (f"| 20-file anatase series (1.5–10 Å; scale, a, c, Uiso, delta2 free) | serial {min(t[1]):.2f} / "
                f"{statistics.median(t[1]):.2f} s | Dask 2 workers {min(t[2]):.2f} / {statistics.median(t[2]):.2f} s "
                f"(incl. starting the LocalCluster: {statistics.median(start):.2f} s alone) | speed-up {ratio:.2f}× | "
                f"identical results: {same} |")
        print(line, flush=True)
    return [line]


NOTES = ["", "Notes: the overhead rows compare the same work (same refine calls, same parameters, same Rw); "
         "dualion's extra is reading and validating the .gr file in Python, the .stru through diffpy.structure, "
         "building the constraints, silencing the engine and building the result. The symmetry analysis of a "
         "model is a one-time cost per model (cached per process), on its own row. The series row includes "
         "starting the LocalCluster; with a load average above the core count (other jobs on the machine) two "
         "workers compete for the same cores and cannot beat the serial run."]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--series-repeats", type=int, default=3)
    ap.add_argument("--no-series", action="store_true")
    args = ap.parse_args()
    if not NI_GR.exists():
        sys.exit(f"shared data not found: {NI_GR}")
    import diffpy.pdffit2

    load0 = os.getloadavg()
    head = [f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"diffpy.pdffit2 {diffpy.pdffit2.__version__}; load average at start {load0[0]:.2f} {load0[1]:.2f} "
            f"{load0[2]:.2f}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", ""]
    print("\n".join(head), flush=True)
    lines = ["| case | raw pdffit2 min / median (ms) | dualion min / median (ms) | ratio of medians | Rw raw / dualion |",
             "|---|---|---|---|---|"] + overhead(args.repeats) + symmetry_cost(args.repeats)
    if not args.no_series:
        lines += ["", "| case | in-process | Dask | serial/Dask | check |", "|---|---|---|---|---|"]
        lines += series(args.series_repeats)
    load1 = os.getloadavg()
    tail = ["", f"Load average at end {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}. Repeats: {args.repeats} "
                f"(overhead), {args.series_repeats} (series), interleaved."]
    text = "# dualion.pdf benchmark (printed by `benchmarks/bench_pdf.py`)\n\n" + "\n".join(head + lines + tail + NOTES) + "\n"
    (REPO / "benchmarks" / "RESULTS_pdf.md").write_text(text)
    print("\n".join(tail))


if __name__ == "__main__":
    main()
