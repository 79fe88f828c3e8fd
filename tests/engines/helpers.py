"""Test calculators (importable by path, e.g. ``tests.engines.helpers:CountingEMT``)."""

from __future__ import annotations

import os
import time

from ase.calculators.calculator import Calculator
from ase.calculators.emt import EMT


class CountingEMT(EMT):
    """EMT that counts its ``calculate`` calls in a class-level counter."""

    calls = 0

    def calculate(self, *args, **kwargs):
        type(self).calls += 1
        super().calculate(*args, **kwargs)


class FailingEMT(EMT):
    """EMT that raises after ``fail_after`` calls (simulates a worker dying mid-run)."""

    calls = 0
    fail_after = 10**9

    def calculate(self, *args, **kwargs):
        type(self).calls += 1
        if type(self).calls > type(self).fail_after:
            raise RuntimeError("simulated crash")
        super().calculate(*args, **kwargs)


class SlowEMT(EMT):
    """EMT that sleeps ``DUALION_TEST_SLEEP`` seconds per call (to be killed mid-run)."""

    def calculate(self, *args, **kwargs):
        time.sleep(float(os.environ.get("DUALION_TEST_SLEEP", "0.05")))
        super().calculate(*args, **kwargs)


def cu_tasks(n: int = 4):
    """``n`` distinct 8-atom Cu cells with one Au each, rattled (EMT knows Cu and Au)."""
    from ase.build import bulk

    from dualion.engines.runner import Task

    out = []
    for i in range(n):
        a = bulk("Cu", "fcc", a=3.6, cubic=True) * (2, 1, 1)
        a[i % len(a)].symbol = "Au"
        a.rattle(0.05, seed=i)
        out.append(Task(a, "toy", f"Au{i}", host="Cu8", placement=f"p{i}", counts={"Au": 1}, site="substitution",
                        multiplicity=1 + i, meta={"i": i}))
    return out


class TargetCellCalc(Calculator):
    """Zero forces; energy 0.5·k·V0·Σ ε_i² of the strain of the cell lengths relative to ``target`` (Å),
    with the matching stress: a cell relaxation ends at ``target`` (orthogonal cells), positions untouched."""

    implemented_properties = ["energy", "forces", "stress"]
    target = (3.83, 3.83, 9.61)
    k = 1.0  # eV/Å^3

    def calculate(self, atoms=None, properties=None, system_changes=None):
        import numpy as np

        super().calculate(atoms, properties or ["energy"], system_changes or [])
        lengths = np.linalg.norm(self.atoms.cell.array, axis=1)
        tgt = np.asarray(self.target, dtype=float)
        eps = lengths / tgt - 1.0
        v0 = float(np.prod(tgt))
        energy = 0.5 * self.k * v0 * float((eps ** 2).sum())
        # σ_ii = (1/V) ∂E/∂ε_ii, with ∂L_i/∂ε_ii = L_i
        sigma = self.k * v0 * eps * (lengths / tgt) / self.atoms.get_volume()
        self.results = {"energy": energy, "free_energy": energy, "forces": np.zeros((len(self.atoms), 3)),
                        "stress": np.array([sigma[0], sigma[1], sigma[2], 0.0, 0.0, 0.0])}


class LoggingLJ(Calculator):
    """Lennard-Jones for any element (ASE's, σ = 1.2 Å, ε = 5 meV, rc = 3 Å) that appends the canonical hash
    of every structure it evaluates to the file ``DUALION_TEST_LOG`` (one line per call) and sleeps
    ``DUALION_TEST_SLEEP`` s per call (consecutive calls on the same hash give one line). A relaxation
    starts with a call on its input structure, so the number of lines holding a task's
    ``input_sha256`` = how many times that task was relaxed."""

    implemented_properties = ["energy", "free_energy", "forces", "stress"]

    def __init__(self, **kwargs):
        from ase.calculators.lj import LennardJones

        super().__init__()
        self._lj = LennardJones(sigma=1.2, epsilon=0.005, rc=3.0, **kwargs)

    def calculate(self, atoms=None, properties=None, system_changes=None):
        from dualion.engines.relax import structure_sha256

        super().calculate(atoms, properties or ["energy"], system_changes or [])
        log = os.environ.get("DUALION_TEST_LOG")
        if log:
            h = structure_sha256(self.atoms)
            if h != getattr(self, "_last", None):  # a step too small to change the hash is the same structure
                with open(log, "a") as fh:
                    fh.write(h + "\n")
                self._last = h
        time.sleep(float(os.environ.get("DUALION_TEST_SLEEP", "0")))
        self._lj.calculate(self.atoms.copy(), properties or ["energy"], ["positions", "numbers", "cell"])
        self.results = dict(self._lj.results)


def starts(log_files, input_hashes) -> dict[str, int]:
    """How many times each input structure was relaxed, from :class:`LoggingLJ` logs."""
    from collections import Counter

    c: Counter = Counter()
    for f in log_files:
        if os.path.exists(f):
            with open(f) as fh:
                c.update(line.strip() for line in fh)
    return {h: c.get(h, 0) for h in input_hashes}
