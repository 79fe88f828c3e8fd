"""Shared fixtures: the ``../shared`` data folder (skip when absent) and a CLI runner."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# CI (CI=true) runs the property tests with a fixed seed sequence, so that a landing never depends on
# the draw; local runs keep exploring new examples (and record failures in .hypothesis/).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DUALION_SHARED", REPO.parent / "shared")).resolve()


def shared_path(*parts: str) -> Path:
    """Path under ``../shared``; skips the calling test when it is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"shared data not present: {p}")
    return p


@pytest.fixture
def dft_dir() -> Path:
    """``../shared/data/f-tio2-dft`` (public DFT energies)."""
    return shared_path("data", "f-tio2-dft")


@pytest.fixture
def echem_dir() -> Path:
    """``../shared/data/echem`` (real cycler files)."""
    return shared_path("data", "echem")


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(capsys):
    """Run ``dualion ARGS...`` in-process; returns exit code, stdout and stderr."""
    from dualion.cli import main

    def _run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        cap = capsys.readouterr()
        return CliResult(code, cap.out, cap.err)

    return _run
