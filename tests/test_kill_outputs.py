"""kill -9 at random points of multi-file commands: no corrupt file, incomplete sets detectable, reruns complete.

``dualion echem dqdv --all`` on a shared real file and ``dualion demo --fast`` (one part, fig6, to
keep the test short) are killed repeatedly into the same output folder: half of the kills at a random
time after the start, half at a random moment shortly after the run begins writing (the dangerous
window). After each kill:

* every file under a final (non-hidden) name is complete: PNG ends with its IEND chunk, SVG with
  ``</svg>``, JSON parses, CSV parses, Markdown/YAML decode;
* ``dualion.io.outputs.verify`` either passes (the kill came after the manifest) or reports only an
  incomplete set (never a file whose sha256 or size differ from the manifest);
* ``dualion verify`` (the CLI) exits 2 exactly when the library says the set is incomplete.

Finally a rerun into the killed folder completes: ``verify --strict`` passes (every file listed, the
killed runs' temporary files cleaned). Seeds are fixed under CI (``CI=true``); set ``DUALION_KILL_SEED``
to replay a local run.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import shared_path

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
       "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
KILLS_PER_COMMAND = 4   # alternating random-time and write-triggered kills


def _seed() -> int:
    if "DUALION_KILL_SEED" in os.environ:
        return int(os.environ["DUALION_KILL_SEED"])
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return 8
    return random.SystemRandom().randrange(1 << 30)


def _complete(p: Path) -> str | None:
    """None when ``p`` is a complete file of its type, else what is wrong."""
    data = p.read_bytes()
    suf = p.suffix.lower()
    try:
        if suf == ".png":
            ok = data.startswith(b"\x89PNG\r\n\x1a\n") and data[-12:-8] == b"\x00\x00\x00\x00" and data[-8:-4] == b"IEND"
            return None if ok else "PNG without its IEND chunk"
        if suf == ".svg":
            return None if data.rstrip().endswith(b"</svg>") else "SVG without </svg>"
        if suf == ".json":
            json.loads(data)
        elif suf == ".csv":
            import pandas as pd

            pd.read_csv(p, comment="#")
        else:
            data.decode("utf-8")
    except Exception as exc:  # noqa: BLE001 - any parse failure is a corrupt file
        return f"{type(exc).__name__}: {exc}"
    return None


def _check_after_kill(out: Path, label: str) -> str:
    from dualion.io.outputs import is_temp_name, verify

    if not out.exists():
        return "nothing written"
    for p in out.rglob("*"):
        if p.is_file() and not is_temp_name(p.name):
            why = _complete(p)
            assert why is None, f"{label}: {p.relative_to(out)} is corrupt: {why}"
    v = verify(out)
    if (out / "manifest.json").exists():
        assert v.ok or all(x.startswith("incomplete set") for x in v.problems), f"{label}: {v.problems}"
    cli = subprocess.run([sys.executable, "-m", "dualion.cli", "verify", str(out)], capture_output=True, text=True,
                         timeout=60, env=ENV)
    assert cli.returncode == (0 if v.ok else 2), f"{label}: {cli.stderr}"
    return "complete" if v.ok else ("incomplete" if (out / "manifest.json").exists() else "no manifest")


def _kill_run(argv: list[str], cwd: Path, out: Path, rng: random.Random, mode: str, max_s: float) -> float:
    """Start ``dualion ARGV``; SIGKILL it at a random time (``mode="time"``) or at a random moment just
    after it starts writing into ``out`` (``mode="write"``); return the delay used."""
    t0 = time.monotonic()
    before = (out / "manifest.json").stat().st_mtime_ns if (out / "manifest.json").exists() else 0
    proc = subprocess.Popen([sys.executable, "-m", "dualion.cli", *argv], cwd=cwd, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        if mode == "time":
            delay = rng.uniform(0.3, max_s)
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                pass
        else:
            m = out / "manifest.json"
            while time.monotonic() - t0 < 60 and proc.poll() is None:
                if m.exists() and m.stat().st_mtime_ns != before:
                    break
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.6))
            delay = time.monotonic() - t0
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    return delay


def _kill_series(argv: list[str], tmp_path: Path, out: Path, max_s: float) -> list[str]:
    seed = _seed()
    rng = random.Random(seed)
    states = []
    for k in range(KILLS_PER_COMMAND):
        mode = "write" if k % 2 else "time"
        delay = _kill_run(argv, tmp_path, out, rng, mode, max_s)
        states.append(_check_after_kill(out, f"seed {seed}, kill {k} ({mode}, {delay:.2f} s)"))
    # a rerun completes: every file listed and intact, the killed runs' temporary files gone
    res = subprocess.run([sys.executable, "-m", "dualion.cli", *argv], cwd=tmp_path, env=ENV, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    from dualion.io.outputs import verify

    v = verify(out, strict=True)
    assert v.ok, f"seed {seed}: {v.problems}"
    print(f"kill states (seed {seed}): {states}")
    return states


def test_kill_echem_dqdv_all(tmp_path):
    src = shared_path("data", "echem", "jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr")
    out = tmp_path / "dq"
    states = _kill_series(["echem", "dqdv", str(src), "--all", "--out", str(out)], tmp_path, out, max_s=5.0)
    assert len(states) == KILLS_PER_COMMAND
    # the write-triggered kills land while the set is being written (or just after it): never "corrupt"
    assert "incomplete" in states or "complete" in states, states


def test_kill_demo_fast(tmp_path):
    out = tmp_path / "demo"
    states = _kill_series(["demo", "--fast", "--only", "fig6", "--out", str(out)],
                          tmp_path, out, max_s=8.0)
    assert "incomplete" in states, f"no kill landed while the demo was writing: {states}"
