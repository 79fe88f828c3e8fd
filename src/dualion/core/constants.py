"""Physical constants (CODATA via :mod:`scipy.constants`) and the defaults every domain shares.

Import them from here (or :mod:`dualion.reference`, which re-exports them); never write a literal.
"""

from __future__ import annotations

from scipy import constants as _sc

from dualion.core import paper as _paper

#: Faraday constant F = N_A e, C mol-1 (96485.332 12).
FARADAY_C_PER_MOL: float = _sc.physical_constants["Faraday constant"][0]
#: Boltzmann constant in eV K-1: k_B / e (8.617 333 262e-5).
K_B_EV_PER_K: float = _sc.k / _sc.e
#: Coulombs per mA h (1 mA h = 3.6 C).
C_PER_MAH: float = 3.6
#: Default temperature, K (25 °C, the paper's cells: :data:`dualion.core.paper.T_K`).
T_DEFAULT_K: float = _paper.T_K
#: Default E°(Mg2+/Mg) − E°(Li+/Li), V. Source: :data:`dualion.core.paper.DELTA_E_REF_V`.
DELTA_E_REF_DEFAULT_V: float = _paper.DELTA_E_REF_V
