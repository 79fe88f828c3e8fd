r"""A host material from its formula: molar mass, redox electrons, site inventory, and capacity ↔ electrons.

.. math:: Q\,[\mathrm{mA\,h\,g^{-1}}] = \frac{F\,n_e}{3.6\,M}

(:mod:`dualion.core.charge`; M from the formula, standard atomic weights). Every domain that turns
electrons into mA h g-1 (or back) for a material goes through :meth:`Host.capacity_mAh_g` /
:meth:`Host.electrons`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from dualion.core import charge
from dualion.core.records import Record, register


@register("core.host")
@dataclass(frozen=True, eq=False)
class Host(Record):
    """A host material: ``formula`` (e.g. ``"Ti0.78□0.22O1.12F0.40(OH)0.48"``), its ``redox`` couple(s)
    (``"Ti:4:3"``) and optional ``oxidation`` state overrides; ``density_g_cm3`` when known (cells).

    Derived: :attr:`molar_mass_g_mol`, :attr:`redox_electrons_per_fu` (N_redox, e.g. 0.78 for Ti4+/Ti3+),
    :attr:`sites` (4a / vacancy / 4b inventory), :attr:`theoretical_capacity_mAh_g`.
    """

    formula: str
    redox: str = "Ti:4:3"
    oxidation: Mapping[str, float] | None = None
    density_g_cm3: float | None = None
    name: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        from dualion.composition.formula import parse_formula

        object.__setattr__(self, "formula", str(parse_formula(self.formula)))   # normalised; errors name it

    @classmethod
    def paper(cls) -> Host:
        """The paper's Ti0.78□0.22O1.12F0.40(OH)0.48 (Ti4+/Ti3+), density from its pristine lattice."""
        from dualion.core import paper

        h = cls(paper.FORMULA, paper.REDOX, name="paper")
        return cls(paper.FORMULA, paper.REDOX, density_g_cm3=h.density_from_lattice_g_cm3(*paper.LATTICE_PRISTINE_A),
                   name="paper")

    @cached_property
    def parsed(self) -> Any:
        """The :class:`~dualion.composition.formula.DefectFormula`."""
        from dualion.composition.formula import parse_formula

        return parse_formula(self.formula)

    @cached_property
    def molar_mass_g_mol(self) -> float:
        """Molar mass of one formula unit, g mol-1 (standard atomic weights)."""
        return float(self.parsed.molar_mass_g_mol)

    @cached_property
    def redox_electrons_per_fu(self) -> float:
        """Electrons per formula unit for full use of the redox couple(s), Σ n_M |a − b|."""
        from dualion.composition.capacity import theoretical_electrons

        return float(theoretical_electrons(self.parsed, self.redox))

    @cached_property
    def sites(self) -> Any:
        """The :class:`~dualion.composition.sites.SiteInventory` (per formula unit)."""
        from dualion.composition.sites import site_inventory

        return site_inventory(self.parsed, oxidation=self.oxidation)

    @property
    def theoretical_capacity_mAh_g(self) -> float:
        """Q for :attr:`redox_electrons_per_fu` on the pristine mass (294.4 for the paper's host)."""
        return self.capacity_mAh_g(self.redox_electrons_per_fu)

    def capacity_mAh_g(self, electrons_per_fu: Any) -> Any:
        """Q = F n_e / (3.6 M), mA h g-1 (pristine mass), for n_e electrons per formula unit."""
        return charge.capacity_mAh_g(electrons_per_fu, self.molar_mass_g_mol)

    def electrons(self, capacity_mAh_g: Any) -> Any:
        """n_e = 3.6 Q M / F, electrons per formula unit, for a capacity in mA h g-1 (pristine mass)."""
        return charge.electrons_per_fu(capacity_mAh_g, self.molar_mass_g_mol)

    def density_from_lattice_g_cm3(self, a_A: float, c_A: float, fu_per_cell: int = 4) -> float:
        """ρ = Z M / (N_A a² c) for a tetragonal cell of ``fu_per_cell`` formula units (anatase: 4), g cm-3."""
        from scipy.constants import N_A

        return fu_per_cell * self.molar_mass_g_mol / (N_A * a_A ** 2 * c_A * 1e-24)

    def to_dict(self) -> dict[str, Any]:
        return {"formula": self.formula, "redox": self.redox,
                "oxidation": None if self.oxidation is None else dict(self.oxidation),
                "density_g_cm3": self.density_g_cm3, "name": self.name,
                "molar_mass_g_mol": self.molar_mass_g_mol, "redox_electrons_per_fu": self.redox_electrons_per_fu}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Host:
        return cls(d["formula"], d.get("redox", "Ti:4:3"), d.get("oxidation"), d.get("density_g_cm3"),
                   d.get("name", ""))
