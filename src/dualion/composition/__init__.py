"""dualion.composition: defect formulas, site inventories and capacities.

- :mod:`~dualion.composition.formula` — parse/write ``Ti0.78□0.22O1.12F0.40(OH)0.48``, molar mass,
  electroneutrality, the paper's family Ti1-x-y□x+yO2-4(x+y)F4x(OH)4y.
- :mod:`~dualion.composition.sites` — site inventory (4a, vacancies, 4b) and the site-resolved
  insertion formula [Li_x]4b[Li_y Mg_z Ti □]4a X.
- :mod:`~dualion.composition.capacity` — capacities (mA h g-1), electrons per formula unit, energy
  densities (W h kg-1).
"""

from dualion.composition.capacity import (
    MAH_PER_MOL_E,
    InsertionCapacity,
    RedoxCouple,
    average_voltage_from_curve_V,
    capacity_from_electrons_mAh_g,
    capacity_from_inserted,
    discharged_molar_mass_g_mol,
    electrons_from_capacity,
    electrons_from_capacity_discharged,
    electrons_from_inserted,
    energy_density_from_curve_Wh_kg,
    energy_density_Wh_kg,
    parse_redox,
    theoretical_capacity_mAh_g,
    theoretical_electrons,
)
from dualion.composition.formula import (
    DEFAULT_OXIDATION_STATES,
    VACANCY,
    DefectFormula,
    Term,
    check_electroneutral,
    family_formula,
    net_charge_e,
    parse_formula,
)
from dualion.composition.sites import InsertedState, SiteInventory, assign_sites, insertion_formula, site_inventory

#: The paper's defective anatase (x = 0.10, y = 0.12 of the family).
from dualion.core.paper import FORMULA as PAPER_FORMULA  # noqa: E402  (the one definition)

__all__ = [
    "DEFAULT_OXIDATION_STATES", "MAH_PER_MOL_E", "PAPER_FORMULA", "VACANCY", "DefectFormula", "InsertedState",
    "InsertionCapacity", "RedoxCouple", "SiteInventory", "Term", "assign_sites", "average_voltage_from_curve_V",
    "capacity_from_electrons_mAh_g", "capacity_from_inserted", "check_electroneutral",
    "discharged_molar_mass_g_mol", "electrons_from_capacity", "electrons_from_capacity_discharged",
    "electrons_from_inserted", "energy_density_Wh_kg", "energy_density_from_curve_Wh_kg", "family_formula",
    "insertion_formula", "net_charge_e", "parse_formula", "parse_redox", "site_inventory",
    "theoretical_capacity_mAh_g", "theoretical_electrons",
]
