"""`dualion energies`: working ions inferred from the calculation files; what --ions leaves out is said."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dualion.io.readers import Run
from dualion.thermo.energies import inserted_elements

REPO = Path(__file__).resolve().parents[2]


def test_inserted_elements_hand_made():
    """Hosts A, B; configurations A+Li, A+2Na, B+Li; an anion swap (B = A − F + O H) is no insertion."""
    runs = [Run("A", {"Ti": 4, "O": 8}, -1.0), Run("B", {"Ti": 4, "O": 7, "F": 1}, -1.0),
            Run("A+Li", {"Ti": 4, "O": 8, "Li": 1}, -1.0), Run("A+2Na", {"Ti": 4, "O": 8, "Na": 2}, -1.0),
            Run("B+Li", {"Ti": 4, "O": 7, "F": 1, "Li": 1}, -1.0), Run("C", {"Ti": 4, "O": 8, "F": 1, "H": 1}, -1.0),
            Run("Li", {"Li": 2}, -1.0), Run("Na", {"Na": 2}, -1.0)]
    assert inserted_elements(runs) == {"Li": 2, "Na": 1}


def _energies(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dualion.cli", "energies", *args, "--json"], capture_output=True,
                          text=True, timeout=120, cwd=REPO, env={"PYTHONPATH": str(REPO / "src"),
                                                                  "PATH": "/usr/bin:/bin"})


def test_public_dft_files_default_keeps_every_ion(dft_dir):
    files = sorted(str(p) for p in Path(dft_dir).glob("*.yaml"))
    all_ = _energies(*files)
    assert all_.returncode == 0, all_.stderr
    recs = json.loads(all_.stdout)
    ions = {ion for r in recs for ion in r["counts"]}
    assert ions == {"Li", "Na", "Mg", "Ca", "Al"}
    assert len(recs) == 35 and all_.stderr.strip() == ""  # 7 hosts x 5 ions (docs/engines.md), no warning
    two = _energies(*files, "--ions", "Li,Mg")
    assert two.returncode == 0, two.stderr
    kept = json.loads(two.stdout)
    assert {ion for r in kept for ion in r["counts"]} == {"Li", "Mg"}
    (line,) = two.stderr.strip().splitlines()  # exactly one warning line
    left = len(recs) - len(kept)
    assert line.startswith("warning: --ions Li,Mg leaves out ") and f"leaves out {left} configurations" in line
    assert all(el in line for el in ("Na", "Ca", "Al"))
