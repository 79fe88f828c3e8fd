"""Claims on a shared results database (SQLite file and a real PostgreSQL server): exclusive, leased,
taken over when stale or dead; concurrent runs never relax the same structure twice."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from dualion.engines.calculators import clear_cache, parse_engine
from dualion.engines.claims import ClaimStore, Heartbeat, owner_is_dead
from dualion.engines.db import ResultsDB
from dualion.engines.relax import RelaxSettings
from dualion.engines.runner import run_tasks
from tests.engines.helpers import CountingEMT, cu_tasks, starts

REPO = Path(__file__).resolve().parents[2]
SETTINGS = RelaxSettings(fmax=0.02, steps=200)
LOGGING = "tests.engines.helpers:LoggingLJ"


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "r.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture(autouse=True)
def _fresh():
    clear_cache()
    CountingEMT.calls = 0
    yield
    clear_cache()


def test_claim_is_exclusive_leased_and_taken_over_when_stale(target):
    s = ClaimStore(target, lease_s=0.6)
    a, b = "host-a:1:aaaa", "host-b:2:bbbb"  # other hosts: only the lease decides
    assert s.claim("k", a)
    assert not s.claim("k", b)
    assert s.claim("k", a)  # ours already
    time.sleep(0.8)  # a's heartbeat is now older than the lease
    assert s.claim("k", b)
    (c,) = s.claims()
    assert c["owner"] == b and c["takeovers"] == 1
    assert s.touch(a, "k") == 0 and s.touch(b, "k") == 1  # a knows it lost the task
    with Heartbeat(s, b, interval_s=0.1):
        time.sleep(1.0)  # longer than the lease, but b's heartbeat keeps the claim fresh
        assert not s.claim("k", a)
    s.release("k", a)  # not a's: nothing happens
    assert len(s.claims()) == 1
    s.release("k", b)
    assert s.claims() == []


def test_claim_of_a_dead_local_process_is_taken_over_at_once(tmp_path):
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    dead = f"{socket.gethostname()}:{p.pid}:dead"
    alive = f"{socket.gethostname()}:{os.getppid()}:live"
    assert owner_is_dead(dead) and not owner_is_dead(alive) and not owner_is_dead("elsewhere:1:x")
    s = ClaimStore(str(tmp_path / "r.db"), lease_s=1000)
    assert s.claim("k1", dead) and s.claim("k2", alive)
    assert s.claim("k1", "me:1:m")  # no waiting for the 1000 s lease
    assert not s.claim("k2", "me:1:m")


_RACE = """
import sys
from dualion.engines.claims import ClaimStore
s = ClaimStore(sys.argv[1], lease_s=600)
won = [k for k in (f"key{i}" for i in range(40)) if s.claim(k, "racer-host:" + sys.argv[2] + ":x")]
print(" ".join(won))
"""


def test_concurrent_claims_have_exactly_one_winner(target):
    ClaimStore(target).claims()  # table created first (both back ends also survive a creation race)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}
    procs = [subprocess.Popen([sys.executable, "-c", _RACE, target, str(i)], stdout=subprocess.PIPE, text=True,
                              env=env) for i in range(4)]
    won = [p.communicate(timeout=120)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    flat = [k for w in won for k in w]
    assert sorted(flat) == sorted(f"key{i}" for i in range(40))  # every key won once, by one racer


def test_run_waits_for_a_live_claim_and_picks_up_its_row(tmp_path):
    """Another run holds the claim and finishes: this run waits, then uses that row (computes nothing)."""
    dbp = str(tmp_path / "r.db")
    task = cu_tasks(1)
    eng = parse_engine("tests.engines.helpers:CountingEMT")
    other = "other-host:1:o"
    assert ClaimStore(dbp).claim(task[0].key(eng, SETTINGS), other)

    def finish_elsewhere():
        time.sleep(1.0)
        run_tasks(task, eng, SETTINGS, db=dbp, progress=False, owner=other)

    th = threading.Thread(target=finish_elsewhere)
    th.start()
    recs = run_tasks(task, eng, SETTINGS, db=dbp, progress=False, poll_s=0.1)
    th.join()
    assert recs[0].source == "other-run"
    assert ResultsDB(dbp).count() == 1 and ClaimStore(dbp).claims() == []


def test_stale_claim_is_taken_over_and_computed(target):
    task = cu_tasks(1)
    eng = parse_engine("tests.engines.helpers:CountingEMT")
    assert ClaimStore(target).claim(task[0].key(eng, SETTINGS), "gone-host:1:g")  # never beats again
    t0 = time.monotonic()
    recs = run_tasks(task, eng, SETTINGS, db=target, progress=False, lease_s=0.8, poll_s=0.1)
    assert recs[0].source == "computed" and CountingEMT.calls > 0
    assert time.monotonic() - t0 >= 0.8 - 0.05  # it did wait for the lease
    assert ResultsDB(target).count() == 1 and ClaimStore(target).claims() == []


def _cli(db: str, out: Path, log: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]), "DUALION_TEST_LOG": str(log),
           "DUALION_TEST_SLEEP": "0.02", "DUALION_TORCH_THREADS": "1", "OMP_NUM_THREADS": "1"}
    args = [sys.executable, "-m", "dualion.cli", "compute", "paired-vacancy", "--supercell", "2x2x1", "--engine",
            LOGGING, "--steps", "8", "--fmax", "1e-4", "--db", db, "--out", str(out), *extra]
    return subprocess.Popen(args, cwd=out.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _model(path: Path) -> dict:
    doc = yaml.safe_load(path.read_text())
    doc["provenance"].pop("date", None)
    return doc


def _two_runs(target: str, tmp_path: Path, extra_a=(), extra_b=()) -> tuple[int, list[str]]:
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    outs = [tmp_path / "a.yaml", tmp_path / "b.yaml"]
    procs = [_cli(target, outs[0], logs[0], *extra_a), _cli(target, outs[1], logs[1], *extra_b)]
    errs = []
    for p in procs:
        _, err = p.communicate(timeout=300)
        errs.append(err)
        assert p.returncode == 0, err
    db = ResultsDB(target)
    rows = db.rows()
    keys = [r.task_key for r in rows]
    assert len(keys) == len(set(keys)) == 8  # 6 structures + 2 metals, one row each
    n = starts(logs, {r.input_sha256 for r in rows})
    assert all(v >= 1 for v in n.values())
    assert _model(outs[0]) == _model(outs[1])
    assert ClaimStore(target).claims() == []
    return sum(v - 1 for v in n.values()), errs


def test_two_concurrent_compute_runs_never_duplicate_work(target, tmp_path):
    duplicates, errs = _two_runs(target, tmp_path)
    print(f"duplicate relaxations, two concurrent runs on {'postgresql' if '://' in target else 'sqlite'}: {duplicates}")
    assert duplicates == 0
    assert "done by another run" in errs[0] + errs[1] or "from the database 8" in errs[0] + errs[1]


def test_dask_run_and_serial_run_on_one_database_never_duplicate_work(tmp_path):
    duplicates, _ = _two_runs(str(tmp_path / "r.db"), tmp_path, extra_a=("--workers", "2"))
    print(f"duplicate relaxations, Dask (2 workers) + serial run on sqlite: {duplicates}")
    assert duplicates == 0


_OPENER = """
import sys, time
from pathlib import Path
from dualion.engines.db import ResultsDB
folder, t0, n = Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
failed = 0
for k in range(n):
    while time.time() < t0 + 0.25 * k:      # every process opens database k at the same moment
        pass
    try:
        ResultsDB(folder / f"r{k}.db")._connect()
    except Exception as exc:
        failed += 1
        print(f"{k}: {exc}", file=sys.stderr)
print(failed)
"""


def test_processes_opening_one_new_sqlite_database_at_once_all_succeed(tmp_path):
    """Four processes open each of 16 new SQLite databases at the same instant: none may fail. ase.db creates
    its tables on the first connection, and without the lock the slower process read a half-made schema
    ("no such table: information", 11 failed opens out of 120 before the fix)."""
    import subprocess
    import sys
    import time

    n = 16
    t0 = time.time() + 6.0                          # after the imports of all four
    procs = [subprocess.Popen([sys.executable, "-c", _OPENER, str(tmp_path), str(t0), str(n)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    assert [int(o.strip()) for o, _ in outs] == [0, 0, 0, 0], [e[-500:] for _, e in outs]
    from dualion.engines.db import ResultsDB

    for k in range(n):                              # every database is a valid, empty ase.db
        assert ResultsDB(tmp_path / f"r{k}.db").done_keys() == set()
