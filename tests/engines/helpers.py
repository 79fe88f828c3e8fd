"""Test calculators (importable by path, e.g. ``tests.engines.helpers:CountingEMT``)."""

from __future__ import annotations

import os
import time

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
