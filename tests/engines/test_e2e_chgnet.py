"""End to end with the real CHGNet engine on the smallest cell: `compute` finishes (also with every warning
shown: CHGNet's torch UserWarning used to make it loop forever), writes its site-model file, and the rerun
from the database relaxes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from dualion.engines.db import ResultsDB
from dualion.thermo.sitemodel import load_site_model

REPO = Path(__file__).resolve().parents[2]


def _compute(tmp: Path, **env) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "dualion.cli", "compute", "interstitial", "--supercell", "2x2x1", "--ions", "Li",
            "--engine", "chgnet", "--fmax", "0.1", "--steps", "60", "--db", str(tmp / "r.db"), "--out",
            str(tmp / "interstitial.yaml")]
    return subprocess.run(args, capture_output=True, text=True, timeout=400, cwd=tmp,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src"), "DUALION_TORCH_THREADS": "1",
                               "OMP_NUM_THREADS": "1", **env})


def test_compute_with_chgnet_finishes_and_reruns_from_the_database(tmp_path):
    t0 = time.monotonic()
    first = _compute(tmp_path, PYTHONWARNINGS="always")
    wall = time.monotonic() - t0
    assert first.returncode == 0, first.stderr[-2000:]
    warn = [ln for ln in first.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warn) == len(set(warn)) and "Traceback" not in first.stderr
    sm = load_site_model(tmp_path / "interstitial.yaml")
    assert [c.label for c in sm.configurations] == ["Li"] and "chgnet" in sm.provenance["model_version"]
    assert "done now 3, from the database 0" in first.stderr
    rows = {r.task_key: r.id for r in ResultsDB(tmp_path / "r.db").rows()}
    assert len(rows) == 3  # host, host + Li, Li metal
    again = _compute(tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "done now 0, from the database 3" in again.stderr  # no relaxation at all
    assert {r.task_key: r.id for r in ResultsDB(tmp_path / "r.db").rows()} == rows
    assert load_site_model(tmp_path / "interstitial.yaml").configurations == sm.configurations
    print(f"CHGNet e2e compute: {wall:.1f} s (first run, PYTHONWARNINGS=always); its stderr (progress lines, "
          "summary, warnings):")
    print("\n".join(ln for ln in first.stderr.splitlines() if ln.startswith(("[", "interstitial:", "warning:"))))
