"""Long runs: one line per finished relaxation in logs, live bars on a terminal, threads from cores / workers,
Dask workers limited by memory."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from dualion.engines import resources
from dualion.engines.calculators import clear_cache, parse_engine
from dualion.engines.relax import RelaxSettings
from dualion.engines.runner import run_tasks
from tests.engines.helpers import cu_tasks

SETTINGS = RelaxSettings(fmax=0.02, steps=200)


@pytest.fixture(autouse=True)
def _fresh():
    clear_cache()
    yield
    clear_cache()


def test_lines_mode_prints_one_line_per_finished_relaxation(tmp_path, capsys):
    tasks = cu_tasks(3)
    recs = run_tasks(tasks, parse_engine("ase.calculators.emt:EMT"), SETTINGS, db=tmp_path / "r.db",
                     progress="lines")
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3
    for k, (line, rec) in enumerate(zip(lines, recs), start=1):
        assert line.startswith(f"[{k}/3] toy Cu8 {rec.task.label} ({rec.task.placement}): converged in "
                               f"{rec.n_steps} steps")
        assert f"E {rec.energy_eV:.4f} eV" in line
    run_tasks(tasks, parse_engine("ase.calculators.emt:EMT"), SETTINGS, db=tmp_path / "r.db", progress="lines")
    assert capsys.readouterr().err == ""  # all from the database: nothing to report per item
    run_tasks(cu_tasks(4)[3:], parse_engine("ase.calculators.emt:EMT"), SETTINGS, db=None, progress=False)
    assert capsys.readouterr().err == ""


def test_bars_mode_shows_steps_and_fmax_of_the_running_relaxation(monkeypatch):
    """On a terminal: a bar per relaxation with its steps and current fmax (rendered to a fake terminal)."""
    import dualion.progress as progress

    buf = io.StringIO()
    fake = Console(file=buf, force_terminal=True, width=160, color_system=None)
    monkeypatch.setattr(progress, "console", fake)
    seen = []
    real_step = progress.JobProgress.step

    def spy(self, item, steps, info=""):
        seen.append((steps, info))
        real_step(self, item, steps, info)

    monkeypatch.setattr(progress.JobProgress, "step", spy)
    run_tasks(cu_tasks(1), parse_engine("ase.calculators.emt:EMT"), SETTINGS, db=None, progress=True)
    assert seen and [s for s, _ in seen] == list(range(len(seen)))  # every optimizer step, in order
    fmaxes = [float(i.split()[1]) for _, i in seen]
    assert fmaxes[-1] < SETTINGS.fmax <= max(fmaxes) and all("→ 0.02 eV/Å" in i for _, i in seen)
    out = buf.getvalue()
    assert "toy Cu8 Au0 (p0): converged in" in out and "1/1" in out


def test_torch_threads_from_cores_and_workers(monkeypatch):
    monkeypatch.delenv("DUALION_TORCH_THREADS", raising=False)
    monkeypatch.setattr(resources, "cpu_count", lambda: 16)
    assert [resources.torch_threads(w) for w in (1, 2, 3, 4, 16, 32)] == [16, 8, 5, 4, 1, 1]
    assert resources.torch_threads(2, threads=3) == 3
    monkeypatch.setenv("DUALION_TORCH_THREADS", "2")
    assert resources.torch_threads(1) == 2


def test_workers_limited_by_memory():
    # CHGNet, 382 atoms: 0.6 + 0.012 * 382 = 5.18 GB per worker
    assert resources.worker_memory_gb("chgnet", 382) == pytest.approx(5.184)
    assert resources.workers_for_memory("chgnet", 382, 8, available_gb=12.0) == (2, pytest.approx(5.184))
    assert resources.workers_for_memory("chgnet", 382, 8, available_gb=3.0)[0] == 1  # never 0
    assert resources.workers_for_memory("ase.calculators.emt:EMT", 382, 4, available_gb=12.0)[0] == 4


def test_dask_workers_get_cores_over_workers_threads(monkeypatch):
    """Each LocalCluster worker runs torch with cores // workers threads (asked from the workers mid-run)."""
    from distributed import get_client

    monkeypatch.delenv("DUALION_TORCH_THREADS", raising=False)
    seen: list[dict] = []

    def ask(rec):
        import torch

        seen.append(get_client().run(torch.get_num_threads))

    run_tasks(cu_tasks(2), parse_engine("ase.calculators.emt:EMT"), SETTINGS, db=None, workers=2, progress=False,
              on_record=ask)
    want = max(1, resources.cpu_count() // 2)
    assert seen and all(set(s.values()) == {want} and len(s) == 2 for s in seen)


def test_dask_workers_report_their_steps_to_the_bars(monkeypatch):
    """--workers N on a terminal: each running relaxation's bar is fed by its worker (steps, fmax)."""
    import dualion.progress as progress

    fake = Console(file=io.StringIO(), force_terminal=True, width=160, color_system=None)
    monkeypatch.setattr(progress, "console", fake)
    seen = []
    real_step = progress.JobProgress.step

    def spy(self, item, steps, info=""):
        seen.append((item, steps, info))
        real_step(self, item, steps, info)

    monkeypatch.setattr(progress.JobProgress, "step", spy)
    monkeypatch.setenv("DUALION_TEST_SLEEP", "0.05")  # ≥ 1.5 s per relaxation: a few events at 2 per second
    run_tasks(cu_tasks(2), parse_engine("tests.engines.helpers:SlowEMT"), RelaxSettings(fmax=1e-6, steps=30),
              db=None, workers=2, progress=True)
    assert seen, "no step events from the workers"
    assert all(s >= 0 and "eV/Å" in i for _, s, i in seen)
    assert len({item for item, _, _ in seen}) >= 1
