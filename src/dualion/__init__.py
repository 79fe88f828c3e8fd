"""dualion: design and analysis of dual-ion (e.g. Li+/Mg2+) battery electrodes.

Subpackages, one per domain:

- :mod:`dualion.core` — what every domain shares: Host, Electrolyte, Per, CyclerData, results that load back,
  the paper's parameters.
- :mod:`dualion.composition` — defect chemistry, site inventory, capacities.
- :mod:`dualion.thermo` — insertion energies, grand potentials, exact phase diagrams, discharge paths.
- :mod:`dualion.structures` — anatase supercells, vacancy/F/OH defects, insertion sites, distortion.
- :mod:`dualion.engines` — ASE-calculator relaxations (CHGNet, SevenNet), VASP I/O, results database.
- :mod:`dualion.model` — finite-temperature occupancy model and its solver, Monte Carlo, fit.
- :mod:`dualion.cell` — galvanostatic single-particle dual-ion cell (rate capability, GITT).
- :mod:`dualion.echem` — cycler files, half-cycles, capacities, dQ/dV, GITT.
- :mod:`dualion.io` — atomic writes and energy-file readers.
"""

from dualion._version import __version__  # noqa: E402

from dualion.errors import DualionUserError  # noqa: E402



def load(path):  # noqa: ANN001, ANN201 - thin alias
    """Read any result JSON dualion writes (it carries a ``kind``) back into its object
    (:func:`dualion.core.records.load`)."""
    from dualion.core.records import load as _load

    return _load(path)


def dump(obj, path):  # noqa: ANN001, ANN201 - thin alias
    """Write a result object as JSON with its ``kind`` (:func:`dualion.core.records.dump`)."""
    from dualion.core.records import dump as _dump

    return _dump(obj, path)


__all__ = ["DualionUserError", "__version__", "dump", "load"]
