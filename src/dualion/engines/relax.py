r"""Relaxations with any ASE calculator, the canonical structure hash, and metal references.

Positions are relaxed at fixed cell until :math:`\max_i |\mathbf F_i| < f_\text{max}` (eV/Å) or the
step limit is reached; non-convergence is returned (``converged=False`` plus the final fmax), never
hidden. Metals are relaxed with the cell free (ASE ``FrechetCellFilter``), so that the reference
chemical potential :math:`\mu_i^\text{metal} = E/N` (eV/atom) comes from the same engine.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from ase import Atoms

from dualion.errors import DualionUserError

OPTIMIZERS = ("FIRE", "BFGS")

#: Bulk metal structures used as references (ASE reference states: bcc Li/Na, hcp Mg, fcc Ca/Al).
METAL_STRUCTURES: dict[str, dict[str, Any]] = {
    "Li": {"crystalstructure": "bcc", "a": 3.44, "cubic": True},
    "Na": {"crystalstructure": "bcc", "a": 4.23, "cubic": True},
    "K": {"crystalstructure": "bcc", "a": 5.23, "cubic": True},
    "Mg": {"crystalstructure": "hcp", "a": 3.21, "c": 5.21},
    "Zn": {"crystalstructure": "hcp", "a": 2.66, "c": 4.95},
    "Ca": {"crystalstructure": "fcc", "a": 5.58, "cubic": True},
    "Sr": {"crystalstructure": "fcc", "a": 6.08, "cubic": True},
    "Al": {"crystalstructure": "fcc", "a": 4.04, "cubic": True},
}


@dataclass(frozen=True)
class RelaxSettings:
    """Relaxation settings: force threshold ``fmax`` (eV/Å), step limit, optimizer (FIRE | BFGS)."""

    fmax: float = 0.05
    steps: int = 500
    optimizer: str = "FIRE"

    def __post_init__(self) -> None:
        if not (self.fmax > 0 and np.isfinite(self.fmax)):
            raise DualionUserError(f"fmax must be a positive force in eV/Å, got {self.fmax!r}", field="--fmax")
        if int(self.steps) < 1:
            raise DualionUserError(f"steps must be ≥ 1, got {self.steps!r}", field="--steps")
        if self.optimizer.upper() not in OPTIMIZERS:
            raise DualionUserError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}",
                                   field="--optimizer")
        object.__setattr__(self, "optimizer", self.optimizer.upper())
        object.__setattr__(self, "steps", int(self.steps))
        object.__setattr__(self, "fmax", float(self.fmax))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RelaxResult:
    """Outcome of one relaxation. Energies are total energies of the cell (eV)."""

    atoms: Atoms
    energy_eV: float
    initial_energy_eV: float
    fmax_eV_per_A: float
    converged: bool
    n_steps: int
    wall_s: float


def structure_sha256(atoms: Atoms, decimals: int = 4) -> str:
    """sha256 of the canonical input structure: lattice (Å, rounded), and the sorted list of
    (species, fractional coordinates wrapped into [0, 1) and rounded to ``decimals``).

    Independent of atom order and of periodic images; changes when any coordinate moves by more than
    about ``10**-decimals`` in fractional units, or when the lattice changes by more than 1e-4 Å.
    """
    cell = np.round(np.asarray(atoms.cell.array, dtype=float), 4) + 0.0
    frac = atoms.get_scaled_positions(wrap=True)
    frac = np.round(frac, decimals) % 1.0
    frac = np.round(frac, decimals) + 0.0  # 0.99995 → 1.0 → 0.0; drop -0.0
    rows = sorted((s, *(f"{x:.{decimals}f}" for x in f)) for s, f in zip(atoms.get_chemical_symbols(), frac))
    text = "lattice:" + ",".join(f"{x:.4f}" for x in cell.ravel()) + ";pbc:" + "".join(
        "1" if p else "0" for p in atoms.pbc) + ";sites:" + ";".join(",".join(r) for r in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def _max_force(forces: np.ndarray) -> float:
    return float(np.sqrt((np.asarray(forces) ** 2).sum(axis=1)).max()) if len(forces) else 0.0


def relax(atoms: Atoms, calc: Any, settings: RelaxSettings | None = None, relax_cell: bool = False,
          on_step: Callable[[int, float], None] | None = None) -> RelaxResult:
    """Relax a copy of ``atoms`` with ``calc``; positions only, or positions + cell (``relax_cell``).

    Returns the final structure (with a single-point calculator holding its energy and forces),
    the total energy (eV), the final max force (eV/Å; for cell relaxations the filter's generalised
    force, which includes the stress), whether it converged, the number of optimizer steps, and the
    wall time (s). ``on_step(steps, fmax_eV_per_A)`` is called after every optimizer step (progress).
    """
    settings = settings or RelaxSettings()
    with _single_threaded_blas():
        return _relax(atoms, calc, settings, relax_cell, on_step)


def _single_threaded_blas():
    """Limit numpy's BLAS to one thread: the optimizers' 3x3/3N linear algebra gains nothing from
    threads, and on a loaded machine OpenBLAS thread hand-offs made a cell relaxation ~30x slower."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _relax(atoms: Atoms, calc: Any, settings: RelaxSettings, relax_cell: bool,
           on_step: Callable[[int, float], None] | None = None) -> RelaxResult:
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.optimize import BFGS, FIRE

    work = atoms.copy()
    work.calc = calc
    t0 = time.perf_counter()
    try:
        e0 = float(work.get_potential_energy())
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - e.g. EMT: "No EMT-potential for F"; wrong engine for these elements
        text = f"{type(exc).__name__}: {exc}".splitlines()[0]
        raise DualionUserError(f"the calculator cannot evaluate {work.get_chemical_formula(mode='hill')} "
                               f"({text})", field="--engine") from None
    if relax_cell:
        from ase.filters import FrechetCellFilter

        target = FrechetCellFilter(work)
    else:
        target = work
    opt_cls = FIRE if settings.optimizer == "FIRE" else BFGS
    opt = opt_cls(target, logfile=None)
    if on_step is not None:
        opt.attach(lambda: on_step(int(opt.nsteps), _max_force(target.get_forces())), interval=1)
    converged = bool(opt.run(fmax=settings.fmax, steps=settings.steps))
    fmax_final = _max_force(target.get_forces())
    energy = float(work.get_potential_energy())
    forces = np.array(work.get_forces())
    wall = time.perf_counter() - t0
    out = work.copy()
    out.calc = SinglePointCalculator(out, energy=energy, forces=forces)
    # opt.run may report convergence one step late/early relative to our own check: trust the forces.
    converged = converged or fmax_final < settings.fmax
    return RelaxResult(atoms=out, energy_eV=energy, initial_energy_eV=e0, fmax_eV_per_A=fmax_final,
                       converged=converged, n_steps=int(opt.nsteps), wall_s=wall)


def metal_atoms(ion: str) -> Atoms:
    """Bulk metal reference structure for ``ion`` (bcc Li/Na/K, hcp Mg/Zn, fcc Ca/Sr/Al)."""
    from ase.build import bulk

    if ion not in METAL_STRUCTURES:
        raise DualionUserError(f"no metal reference structure for {ion!r} (known: {', '.join(METAL_STRUCTURES)})",
                               field="ions")
    return bulk(ion, **METAL_STRUCTURES[ion])
