"""``dualion demo``: run the paper-figure scripts of ``examples/paper/`` into one results folder.

Each script ``examples/paper/figN.py`` reproduces one figure of the founding paper with the public API
and defines ``main(out: Path, fast: bool) -> list[str]`` (Markdown lines for ``summary.md``); run alone,
``python examples/paper/figN.py --out DIR`` writes the same files and ``DIR/summary.md``. The scripts
are examples, not library code: they live in the source tree (a ``git clone``; ``make demo``), not in
the wheel. ``DUALION_EXAMPLES=DIR`` points ``dualion demo`` at another copy.
"""

from __future__ import annotations

import argparse
import os
import runpy
import time
from collections.abc import Callable
from pathlib import Path

from dualion.errors import DualionUserError
from dualion.io.atomic import atomic_write_text, ensure_dir
from dualion.progress import console

#: (script stem, title) in the order the demo runs them; the output folder is named after the stem.
SCRIPTS: list[tuple[str, str]] = [
    ("fig1", "Fig. 1 — discharge–charge curves and dQ/dV vs LiCl"),
    ("fig2", "Fig. 2 — rate capability, long cycling, Li/Mg contents and capacity"),
    ("fig3", "Fig. 3 — GITT with and without Li (synthetic records and the cell model)"),
    ("fig3c", "Fig. 3c — PDF refinements (simulated data) and the Vegard estimate"),
    ("fig4", "Fig. 4 — 19F MAS NMR"),
    ("fig5", "Fig. 5 — 7Li MAS NMR"),
    ("fig6", "Fig. 6 — insertion thermodynamics: phase diagrams and discharge paths"),
    ("fig7", "Fig. 7 — V_Ti octahedron distortion in the paired-vacancy model"),
    ("model_vs_paper", "Model vs paper — the paper parameter set against the measured numbers (Figs. 1–3a, targets)"),
    ("model_checks", "Beyond the paper — Monte Carlo cross-check and fit to the paper's targets"),
]


def examples_dir() -> Path:
    """The folder holding ``fig1.py`` …: ``$DUALION_EXAMPLES``, else ``examples/paper`` of the source tree."""
    env = os.environ.get("DUALION_EXAMPLES")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "examples" / "paper"
    if not (path / "fig1.py").is_file():
        raise DualionUserError("the paper-figure scripts (examples/paper/fig1.py ...) are not here: `dualion demo` "
                               "runs them from a source checkout (git clone; make demo) or from "
                               "DUALION_EXAMPLES=DIR", file=path)
    return path


def load_script(stem: str) -> dict:
    """Namespace of ``examples/paper/<stem>.py`` (its ``main`` is not run)."""
    return runpy.run_path(str(examples_dir() / f"{stem}.py"), run_name=f"dualion_example_{stem}")


def run_demo(out: str | Path, fast: bool = False, only: list[str] | None = None) -> Path:
    """Run every figure script (or those named in ``only``) into ``out/<stem>/`` and write
    ``out/summary.md``; return its path. ``out`` gets a ``manifest.json`` (every file + sha256), written
    last, so that an interrupted demo is detectable (``dualion verify``)."""
    from dualion.io.outputs import output_set

    names = [stem for stem, _ in SCRIPTS]
    chosen = [s.strip() for s in only if s.strip()] if only is not None else names
    bad = [s for s in chosen if s not in names]
    if bad or not chosen:
        raise DualionUserError(f"unknown demo part(s) {', '.join(bad) or '(none given)'}; choose from "
                               f"{', '.join(names)}", field="--only")
    examples_dir()                      # fail before writing anything when the scripts are absent
    with output_set(out):               # --out validated first
        return _run_scripts(Path(out), fast, chosen)


def _run_scripts(out: Path, fast: bool, only: list[str]) -> Path:
    lines = ["# dualion demo", "", f"Results folder: `{out}`. One folder per paper figure, written by "
             "`examples/paper/<folder>.py` (see `examples/paper/README.md`). Figures: PNG (300 dpi) + SVG; "
             "tables: CSV (plain header row) + JSON (units and metadata). Cycler files (`*.csv` in the "
             "dualion cycler format) begin with `# key=value` metadata lines: read them with "
             "`dualion.echem.read` or `pandas.read_csv(path, comment=\"#\")`.", ""]
    for stem, title in SCRIPTS:
        if only and stem not in only:
            continue
        t0 = time.perf_counter()
        console.print(f"[bold]demo[/]: {title} …")
        part = load_script(stem)["main"](out / stem, fast=fast)
        dt = time.perf_counter() - t0
        lines += [f"## {title}", "", *part, "", f"_({dt:.1f} s; files in `{stem}/`, script "
                  f"`examples/paper/{stem}.py`)_", ""]
    return atomic_write_text(out / "summary.md", "\n".join(lines) + "\n")


def script_main(main: Callable[[Path, bool], list[str]], doc: str | None, default_out: str) -> None:
    """Command line of a figure script: ``--out DIR`` (default ``default_out``) and ``--fast``; writes
    ``DIR/summary.md`` with the lines ``main`` returns."""
    ap = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0] if doc else None)
    ap.add_argument("--out", type=Path, default=Path(default_out), help="output folder")
    ap.add_argument("--fast", action="store_true", help="smaller grids, no live engine run")
    args = ap.parse_args()
    lines = main(args.out, args.fast)
    atomic_write_text(ensure_dir(args.out) / "summary.md", "\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwrote {args.out}/")
