r"""dualion.core: the few objects every domain takes and returns.

- :class:`Host` — a material from its formula: molar mass, redox electrons, site inventory, and
  :math:`Q = F n_e / (3.6 M)` (:meth:`Host.capacity_mAh_g`, :meth:`Host.electrons`; :mod:`~dualion.core.charge`).
- :class:`Electrolyte` — Li+ activity or LiCl concentration (or explicitly ``li_free``), ΔE_ref, T, and
  :meth:`Electrolyte.delta_mu` — the one voltage ↔ Δμ mapping.
- :class:`Per` — per-charge / per-atom convention, parsed once.
- :class:`CyclerData` — the one interchange table of cycler data; :func:`write_cycler_csv` its one writer.
- :class:`Record`, :func:`register`, :func:`dump`, :func:`load` — results that load back (one NaN policy).
- :mod:`~dualion.core.paper` — the founding paper's parameters with their sources;
  :mod:`~dualion.core.conventions` — the sign conventions; :mod:`~dualion.core.constants`.

Equations and conventions: ``docs/core.md``.
"""

from dualion.core import constants, conventions, paper
from dualion.core.charge import capacity_mAh_g, electrons_per_fu
from dualion.core.conventions import Per
from dualion.core.cycler import CyclerData, make_cycler_data, write_cycler_csv
from dualion.core.electrolyte import Electrolyte
from dualion.core.host import Host
from dualion.core.records import Record, dump, from_dict, jsonable, load, register, registered_kinds

__all__ = ["CyclerData", "Electrolyte", "Host", "Per", "Record", "capacity_mAh_g", "constants", "conventions",
           "dump", "electrons_per_fu", "from_dict", "jsonable", "load", "make_cycler_data", "paper", "register",
           "registered_kinds", "write_cycler_csv"]
