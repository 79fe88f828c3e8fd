"""dualion: design and analysis of dual-ion (e.g. Li+/Mg2+) battery electrodes.

Subpackages, one per domain:

- :mod:`dualion.composition` — defect chemistry, site inventory, capacities.
- :mod:`dualion.thermo` — insertion energies, grand potentials, exact phase diagrams, discharge paths.
- :mod:`dualion.structures` — anatase supercells, vacancy/F/OH defects, insertion sites, distortion.
- :mod:`dualion.engines` — ASE-calculator relaxations (CHGNet, SevenNet), VASP I/O, results database.
- :mod:`dualion.model` — finite-temperature occupancy model, Monte Carlo, galvanostatic cell.
- :mod:`dualion.echem` — cycler files, half-cycles, capacities, dQ/dV, GITT.
- :mod:`dualion.io` — atomic writes and energy-file readers.
"""

__version__ = "0.1.0"

from dualion.errors import DualionUserError  # noqa: E402

__all__ = ["DualionUserError", "__version__"]
