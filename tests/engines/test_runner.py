"""Results database, skip-on-rerun, resume after an interrupted run, Dask equals serial."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dualion.engines.calculators import clear_cache, parse_engine
from dualion.engines.db import ROW_KEYS, ResultsDB
from dualion.engines.relax import RelaxSettings, structure_sha256
from dualion.engines.runner import run_tasks
from tests.engines.helpers import CountingEMT, FailingEMT, cu_tasks

REPO = Path(__file__).resolve().parents[2]
SETTINGS = RelaxSettings(fmax=0.02, steps=200)


@pytest.fixture(autouse=True)
def _fresh():
    clear_cache()
    CountingEMT.calls = 0
    FailingEMT.calls = 0
    FailingEMT.fail_after = 10**9
    yield
    clear_cache()


def test_rows_complete(tmp_path):
    tasks = cu_tasks(3)
    eng = parse_engine("tests.engines.helpers:CountingEMT")
    recs = run_tasks(tasks, eng, SETTINGS, db=tmp_path / "r.db", progress=False)
    db = ResultsDB(tmp_path / "r.db")
    rows = db.rows()
    assert len(rows) == 3
    for row, task, rec in zip(rows, tasks, recs):
        for key in ROW_KEYS:
            assert key in row, key
        assert row.label == task.label and row.host == "Cu8" and row.placement == task.placement
        assert row.site_model == "toy" and row.kind == "configuration" and row.site == "substitution"
        assert row.multiplicity == task.multiplicity
        assert json.loads(row.counts_json) == {"Au": 1} and row.n_Au == 1
        assert row.composition == "AuCu7"
        assert row.input_sha256 == structure_sha256(task.atoms)
        assert row.engine == "tests.engines.helpers:CountingEMT" and "ase" in row.model_version
        assert row.energy_eV == pytest.approx(rec.energy_eV) and row.energy == pytest.approx(rec.energy_eV)
        assert row.converged and row.fmax_final < SETTINGS.fmax and row.fmax_target == SETTINGS.fmax
        assert row.n_steps > 0 and row.wall_s > 0 and row.optimizer == "FIRE"
        assert row.energy_eV < row.initial_energy_eV
        assert row.data["meta"] == {"i": task.meta["i"]}
        assert len(row.data["input"]["positions"]) == len(task.atoms)


def test_rerun_skips_everything(tmp_path):
    tasks = cu_tasks(4)
    eng = parse_engine("tests.engines.helpers:CountingEMT")
    first = run_tasks(tasks, eng, SETTINGS, db=tmp_path / "r.db", progress=False)
    assert CountingEMT.calls > 0
    CountingEMT.calls = 0
    again = run_tasks(tasks, eng, SETTINGS, db=tmp_path / "r.db", progress=False)
    assert CountingEMT.calls == 0  # no calculator call at all
    assert all(r.skipped for r in again)
    assert [r.energy_eV for r in again] == pytest.approx([r.energy_eV for r in first])
    assert ResultsDB(tmp_path / "r.db").count() == 4  # nothing duplicated
    # other settings → not the same task: recomputed
    run_tasks(tasks[:1], eng, RelaxSettings(fmax=0.01, steps=200), db=tmp_path / "r.db", progress=False)
    assert CountingEMT.calls > 0 and ResultsDB(tmp_path / "r.db").count() == 5


def test_resume_after_crash_recomputes_nothing(tmp_path):
    """A calculator that dies mid-run: finished rows survive, the rerun computes only the rest."""
    tasks = cu_tasks(4)
    # calls needed by the first two tasks alone (deterministic EMT), measured on a scratch db
    run_tasks(tasks[:2], parse_engine("tests.engines.helpers:CountingEMT"), SETTINGS, db=None, progress=False)
    calls_first_two = CountingEMT.calls
    FailingEMT.fail_after = calls_first_two + 3  # dies 3 calls into the third relaxation
    with pytest.raises(Exception, match="simulated crash"):  # RelaxationsFailed, or a user error when the next
        # task fails on its very first energy (the calculator cannot evaluate the input)
        run_tasks(tasks, parse_engine("tests.engines.helpers:FailingEMT"), SETTINGS, db=tmp_path / "r.db",
                  progress=False)
    db = ResultsDB(tmp_path / "r.db")
    assert db.count() == 2  # the two finished relaxations were written as they ended
    saved = {r.label: (r.id, r.energy_eV) for r in db.rows()}
    # resume with a healthy calculator of the same engine spec: only tasks 3 and 4 are computed
    FailingEMT.fail_after = 10**9
    FailingEMT.calls = 0
    recs = run_tasks(tasks, parse_engine("tests.engines.helpers:FailingEMT"), SETTINGS, db=tmp_path / "r.db",
                     progress=False)
    CountingEMT.calls = 0
    run_tasks(tasks[2:], parse_engine("tests.engines.helpers:CountingEMT"), SETTINGS, db=None, progress=False)
    assert FailingEMT.calls == CountingEMT.calls  # exactly the work of the two missing tasks
    assert [r.skipped for r in recs] == [True, True, False, False]
    assert db.count() == 4
    for r in db.rows():
        if r.label in saved:
            assert (r.id, r.energy_eV) == saved[r.label]  # untouched


_CHILD = """
import sys
from dualion.engines.calculators import parse_engine
from dualion.engines.relax import RelaxSettings
from dualion.engines.runner import run_tasks
from tests.engines.helpers import cu_tasks
run_tasks(cu_tasks(4), parse_engine("tests.engines.helpers:SlowEMT"), RelaxSettings(fmax=0.02, steps=200),
          db=sys.argv[1], progress=False)
"""


def test_resume_after_sigkill(tmp_path):
    """Kill the computing process (SIGKILL) after its first row: rerun loses and recomputes nothing."""
    dbp = tmp_path / "r.db"
    env = {**os.environ, "DUALION_TEST_SLEEP": "0.05", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(dbp)], cwd=REPO, env=env)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            if dbp.exists() and ResultsDB(dbp).count() >= 1:
                break
            if proc.poll() is not None:
                pytest.fail("child ended before being killed")
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    db = ResultsDB(dbp)
    n_done = db.count()
    assert 1 <= n_done < 4
    before = {r.task_key: (r.id, r.energy_eV) for r in db.rows()}
    CountingEMT.calls = 0
    # SlowEMT and CountingEMT are different engines (different keys): resume with the same spec
    os.environ["DUALION_TEST_SLEEP"] = "0"
    try:
        recs = run_tasks(cu_tasks(4), parse_engine("tests.engines.helpers:SlowEMT"), SETTINGS, db=dbp, progress=False)
    finally:
        os.environ.pop("DUALION_TEST_SLEEP", None)
    assert sum(r.skipped for r in recs) == n_done
    assert db.count() == 4
    after = {r.task_key: (r.id, r.energy_eV) for r in db.rows()}
    assert all(after[k] == v for k, v in before.items())


def test_dask_two_workers_equal_serial(tmp_path):
    tasks = cu_tasks(4)
    eng = parse_engine("ase.calculators.emt:EMT")
    serial = run_tasks(tasks, eng, SETTINGS, db=tmp_path / "s.db", progress=False)
    dask = run_tasks(tasks, eng, SETTINGS, db=tmp_path / "d.db", workers=2, progress=False)
    assert [r.task.label for r in dask] == [t.label for t in tasks]
    assert not any(r.skipped for r in dask)
    rows_s = {r.task_key: r for r in ResultsDB(tmp_path / "s.db").rows()}
    rows_d = {r.task_key: r for r in ResultsDB(tmp_path / "d.db").rows()}
    assert rows_s.keys() == rows_d.keys() and len(rows_s) == 4
    for k, rs in rows_s.items():
        rd = rows_d[k]
        assert rd.energy_eV == pytest.approx(rs.energy_eV, abs=1e-10)
        assert rd.n_steps == rs.n_steps and rd.label == rs.label and rd.input_sha256 == rs.input_sha256
        assert (rd.positions == pytest.approx(rs.positions, abs=1e-10))


def test_duplicate_inputs_relaxed_once(tmp_path):
    t = cu_tasks(1)[0]
    from dataclasses import replace

    twin = replace(t, label="twin", placement="p-twin")
    CountingEMT.calls = 0
    recs = run_tasks([t, twin], parse_engine("tests.engines.helpers:CountingEMT"), SETTINGS, db=tmp_path / "r.db",
                     progress=False)
    one = CountingEMT.calls
    CountingEMT.calls = 0
    run_tasks([t], parse_engine("tests.engines.helpers:CountingEMT"), SETTINGS, db=None, progress=False)
    assert one == CountingEMT.calls
    assert recs[1].task.label == "twin" and recs[1].energy_eV == recs[0].energy_eV


def test_bad_engine_and_db_are_user_errors(tmp_path):
    from dualion.errors import DualionUserError

    with pytest.raises(DualionUserError):
        parse_engine("nosuchengine")
    with pytest.raises(DualionUserError):
        run_tasks(cu_tasks(1), parse_engine("nosuchpkg.mod:Calc"), SETTINGS, db=None, progress=False)
    with pytest.raises(DualionUserError):
        ResultsDB(tmp_path)  # a folder
    with pytest.raises(DualionUserError):
        run_tasks(cu_tasks(1), parse_engine("ase.calculators.emt:EMT"), SETTINGS, workers=0, progress=False)


def test_calculator_failing_on_the_input_names_the_task():
    """A calculator that cannot evaluate the input structure at all is a user error naming the task."""
    from ase.build import bulk

    from dualion.engines.runner import Task
    from dualion.errors import DualionUserError

    t = Task(bulk("Li", "bcc", a=3.44, cubic=True), "toy", "Li metal", host="h")  # EMT has no Li
    with pytest.raises(DualionUserError, match="toy h Li metal: .*No EMT-potential for Li"):
        run_tasks([t], parse_engine("ase.calculators.emt:EMT"), SETTINGS, db=None, progress=False)
    # the same on Dask workers: the error comes back as data and is raised again by the client
    with pytest.raises(DualionUserError, match="toy h Li metal: .*No EMT-potential for Li"):
        run_tasks([t], parse_engine("ase.calculators.emt:EMT"), SETTINGS, db=None, progress=False, force_dask=True)


def test_dask_worker_killed_mid_run_loses_nothing(tmp_path):
    """SIGKILL one Dask worker after the first row: its relaxation is rescheduled, every row is written
    exactly once, and a rerun computes nothing."""
    from distributed import get_client

    dbp = tmp_path / "r.db"
    eng = parse_engine("tests.engines.helpers:SlowEMT")
    killed = []

    def kill_one_worker(rec):
        if killed:
            return
        pids = get_client().run(os.getpid)  # {worker address: pid}
        pid = sorted(pids.values())[0]
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    os.environ["DUALION_TEST_SLEEP"] = "0.02"
    try:
        recs = run_tasks(cu_tasks(4), eng, SETTINGS, db=dbp, workers=2, progress=False, on_record=kill_one_worker)
    finally:
        os.environ.pop("DUALION_TEST_SLEEP", None)
    assert killed and not any(r.skipped for r in recs)
    db = ResultsDB(dbp)
    keys = [r.task_key for r in db.rows()]
    assert len(keys) == 4 and len(set(keys)) == 4  # nothing lost, nothing written twice
    again = run_tasks(cu_tasks(4), eng, SETTINGS, db=dbp, progress=False)
    assert all(r.skipped for r in again) and db.count() == 4


def test_a_stale_ase_lock_file_does_not_block_writes(tmp_path):
    """A run killed inside ase.db's write used to leave `<db>.lock`; every later write then waited forever."""
    import threading

    (tmp_path / "r.db.lock").write_text("")
    out = []
    th = threading.Thread(target=lambda: out.append(run_tasks(cu_tasks(1), parse_engine("ase.calculators.emt:EMT"),
                                                              SETTINGS, db=tmp_path / "r.db", progress=False)),
                          daemon=True)
    th.start()
    th.join(timeout=120)
    assert not th.is_alive() and len(out) == 1 and ResultsDB(tmp_path / "r.db").count() == 1
