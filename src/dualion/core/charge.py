r"""Charge ↔ capacity: the one place where Faraday's constant meets a molar mass.

.. math:: Q\,[\mathrm{mA\,h\,g^{-1}}] = \frac{F\,n_e}{3.6\,M}, \qquad n_e = \frac{3.6\,Q\,M}{F}

with :math:`n_e` electrons per formula unit, :math:`M` the molar mass of the mass basis (g mol-1),
:math:`F` in C mol-1 and 1 mA h = 3.6 C. Vectorised (NumPy arrays broadcast; scalars give floats).
Use :class:`dualion.core.Host` for a material; these two functions are what it calls.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dualion.core.constants import C_PER_MAH, FARADAY_C_PER_MOL

#: F / 3.6: mA h per mole of electrons (26 801.48 mA h mol-1).
MAH_PER_MOL_E: float = FARADAY_C_PER_MOL / C_PER_MAH


def _out(v: np.ndarray) -> Any:
    return float(v) if np.ndim(v) == 0 else v


def capacity_mAh_g(electrons_per_fu: Any, molar_mass_g_mol: float) -> Any:
    """Q = F n_e / (3.6 M), mA h g-1, for ``electrons_per_fu`` (e- per formula unit) and M (g mol-1)."""
    return _out(np.asarray(electrons_per_fu, dtype=float) * MAH_PER_MOL_E / float(molar_mass_g_mol))


def electrons_per_fu(capacity_mAh_g_: Any, molar_mass_g_mol: float) -> Any:
    """n_e = 3.6 Q M / F, electrons per formula unit, for a capacity Q (mA h g-1) and M (g mol-1)."""
    return _out(np.asarray(capacity_mAh_g_, dtype=float) * float(molar_mass_g_mol) / MAH_PER_MOL_E)
