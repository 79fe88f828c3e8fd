"""dualion.model: finite-temperature dual-ion equilibrium model (independent sites + shared electron
reservoir) and its solver (:mod:`dualion.model.solver`), Monte Carlo cross-check, fit to targets. The
galvanostatic cell is :mod:`dualion.cell`.

Public equilibrium API (stable): :class:`SiteState`, :class:`SiteType`, :class:`EquilibriumModel`
(``uptake``, ``chemical_potentials``, ``curve``, ``jacobian``), :class:`Uptake`, :class:`EquilibriumCurve`,
:class:`FiniteElectrolyte`, :func:`paper_model`, :func:`from_site_models`.
"""

from dualion.model.builders import from_site_models, paper_model
from dualion.model.equilibrium import (EquilibriumCurve, EquilibriumModel, FiniteElectrolyte, SiteState, SiteType,
                                       Uptake, capacity_mAh_g, dqdv_peaks)

__all__ = ["EquilibriumCurve", "EquilibriumModel", "FiniteElectrolyte", "SiteState", "SiteType", "Uptake",
           "capacity_mAh_g", "dqdv_peaks", "from_site_models", "paper_model"]
