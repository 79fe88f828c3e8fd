"""``dualion demo``: the main job on the bundled example data.

Each domain contributes a part (``<domain>/demo.py`` with ``run(out: Path, fast: bool) -> list[str]``
returning Markdown lines for ``summary.md``); parts write their figures and tables into their own
subfolder of ``out``.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path

from dualion.io.atomic import atomic_write_text
from dualion.progress import console

#: (subfolder, module, title) in the order the demo runs them.
PARTS: list[tuple[str, str, str]] = [
    ("thermo", "dualion.thermo.demo", "Insertion thermodynamics from the public DFT set"),
    ("composition", "dualion.composition.demo", "Defect chemistry and capacity"),
    ("model", "dualion.model.demo", "Finite-temperature dual-ion equilibrium model"),
    ("cell", "dualion.model.demo_cell", "Galvanostatic dual-ion cell: rate capability and GITT"),
    ("echem", "dualion.echem.demo", "Cycler-data analysis: cycling, capacity, retention"),
    ("echem-analysis", "dualion.echem.demo_analysis", "Cycler-data analysis: dQ/dV and GITT"),
    ("structures", "dualion.structures.demo", "Structural models and distortion (Fig. 7)"),
    ("engines", "dualion.engines.demo", "ML-potential insertion energies"),
    ("nmr", "dualion.nmr.demo", "Solid-state NMR: simulated 19F series (Fig. 4)"),
]


def run_demo(out: str | Path, fast: bool = False) -> Path:
    """Run every demo part into ``out`` and write ``out/summary.md``; return its path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lines = ["# dualion demo", "", f"Results folder: `{out}`", ""]
    for sub, modname, title in PARTS:
        mod = importlib.import_module(modname)
        if not hasattr(mod, "run"):
            continue
        t0 = time.perf_counter()
        console.print(f"[bold]demo[/]: {title} …")
        part_lines = mod.run(out / sub, fast=fast)
        dt = time.perf_counter() - t0
        lines += [f"## {title}", "", *part_lines, "", f"_({dt:.1f} s; files in `{sub}/`)_", ""]
    return atomic_write_text(out / "summary.md", "\n".join(lines) + "\n")
