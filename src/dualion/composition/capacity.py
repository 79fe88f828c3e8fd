r"""Capacities (mA h g-1), electrons per formula unit, and energy densities (W h kg-1).

Gravimetric capacity of :math:`n_e` electrons per formula unit of molar mass :math:`M` (g mol-1):

.. math:: Q\,[\mathrm{mA\,h\,g^{-1}}] = \frac{n_e F}{3.6\,M}

(:math:`F` in C mol-1; 1 mA h = 3.6 C). Electrons from inserted ions :math:`n_e = \sum_i n_i z_i`
(0.47 Li+ + 0.18 Mg2+ → 0.83 e). Theoretical capacity for a redox couple
:math:`\mathrm{M}^{a+}/\mathrm{M}^{b+}`: :math:`n_e = n_\mathrm{M}\,|a-b|`.

Mass basis: ``"pristine"`` (default, the as-made host, as used by the paper) or ``"discharged"``
(host + inserted ions, :math:`M' = M + \sum_i n_i M_i`).

Energy density of the active material: :math:`E\,[\mathrm{W\,h\,kg^{-1}}] = Q\,[\mathrm{mA\,h\,g^{-1}}]\,
\bar V\,[\mathrm{V}]` or :math:`\left|\int V\,\mathrm{d}Q\right|` for a measured curve.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from dualion.composition.formula import DefectFormula, _element_mass, is_element, parse_formula
from dualion.errors import DualionUserError
from dualion.ions import formal_charge
from dualion.core import charge
from dualion.core.charge import MAH_PER_MOL_E
from dualion.core.records import Record, dataclass_from_dict, register

Basis = Literal["pristine", "discharged"]


@dataclass(frozen=True)
class RedoxCouple:
    """A redox couple ``element`` ``ox_from`` → ``ox_to`` (e.g. Ti 4 → 3: one electron per Ti)."""

    element: str
    ox_from: float
    ox_to: float

    @property
    def electrons_per_atom(self) -> float:
        return abs(self.ox_from - self.ox_to)

    def __str__(self) -> str:
        return f"{self.element}:{self.ox_from:g}:{self.ox_to:g}"


def parse_redox(spec: str | RedoxCouple) -> RedoxCouple:
    """Parse ``"Ti:4:3"`` (element:from:to oxidation states) into a :class:`RedoxCouple`."""
    if isinstance(spec, RedoxCouple):
        return spec
    parts = [p.strip() for p in str(spec).split(":")]
    if len(parts) != 3:
        raise DualionUserError(f"redox couple must be ELEMENT:FROM:TO such as Ti:4:3, got {spec!r}", field="redox")
    el, a, b = parts
    if not is_element(el):
        raise DualionUserError(f"unknown element {el!r} in redox couple {spec!r}", field="redox")
    try:
        fa, fb = float(a.replace("+", "")), float(b.replace("+", ""))
    except ValueError:
        raise DualionUserError(f"oxidation states in {spec!r} must be numbers", field="redox") from None
    if not (math.isfinite(fa) and math.isfinite(fb)) or fa == fb:
        raise DualionUserError(f"redox couple {spec!r} transfers no electrons (from == to)", field="redox")
    return RedoxCouple(el, fa, fb)


def _as_couples(redox: str | RedoxCouple | Sequence[str | RedoxCouple]) -> list[RedoxCouple]:
    if isinstance(redox, (str, RedoxCouple)):
        return [parse_redox(redox)]
    couples = [parse_redox(r) for r in redox]
    if not couples:
        raise DualionUserError("no redox couple given", field="redox")
    if len({c.element for c in couples}) != len(couples):
        raise DualionUserError("one redox couple per element", field="redox")
    return couples


def capacity_from_electrons_mAh_g(electrons_per_formula: float, molar_mass_g_mol: float) -> float:
    """Q = n_e F / (3.6 M) in mA h g-1 (n_e: electrons per formula unit; M: g mol-1 of the mass basis)."""
    n, m = float(electrons_per_formula), float(molar_mass_g_mol)
    if not math.isfinite(n) or n < 0:
        raise DualionUserError(f"electrons per formula unit must be finite and ≥ 0, got {electrons_per_formula!r}",
                               field="electrons")
    if not math.isfinite(m) or m <= 0:
        raise DualionUserError(f"molar mass must be finite and > 0 g mol-1, got {molar_mass_g_mol!r}",
                               field="molar mass")
    return charge.capacity_mAh_g(n, m)


def electrons_from_capacity(capacity_mAh_g: float, molar_mass_g_mol: float) -> float:
    """Inverse of :func:`capacity_from_electrons_mAh_g`: n_e = 3.6 Q M / F (electrons per formula unit)."""
    q, m = float(capacity_mAh_g), float(molar_mass_g_mol)
    if not math.isfinite(q) or q < 0:
        raise DualionUserError(f"capacity must be finite and ≥ 0 mA h g-1, got {capacity_mAh_g!r}", field="capacity")
    if not math.isfinite(m) or m <= 0:
        raise DualionUserError(f"molar mass must be finite and > 0 g mol-1, got {molar_mass_g_mol!r}",
                               field="molar mass")
    return charge.electrons_per_fu(q, m)


def electrons_from_capacity_discharged(capacity_mAh_g: float, formula: DefectFormula | str, ion: str,
                                       charges: Mapping[str, int] | None = None) -> float:
    """Electrons per formula unit from a capacity on the *discharged* mass when one ion ``ion`` is inserted.

    Q = n F / (3.6 (M + n M_ion / z)) → n = 3.6 Q M / (F − 3.6 Q M_ion / z).
    """
    f = parse_formula(formula)
    q = float(capacity_mAh_g)
    if not math.isfinite(q) or q < 0:
        raise DualionUserError(f"capacity must be finite and ≥ 0 mA h g-1, got {capacity_mAh_g!r}", field="capacity")
    z = formal_charge(ion, charges)
    denom = MAH_PER_MOL_E - q * _element_mass(ion) / z
    if denom <= 0:
        raise DualionUserError(f"{q:g} mA h g-1 exceeds what {ion} insertion can give on the discharged mass "
                               f"({MAH_PER_MOL_E * z / _element_mass(ion):.0f} mA h g-1 limit)", field="capacity")
    return q * f.molar_mass_g_mol / denom


def theoretical_electrons(formula: DefectFormula | str,
                          redox: str | RedoxCouple | Sequence[str | RedoxCouple] = "Ti:4:3") -> float:
    """Electrons per formula unit for full use of the redox couple(s): Σ n_M |a − b|."""
    f = parse_formula(formula)
    total = 0.0
    for c in _as_couples(redox):
        n = f.element_amounts().get(c.element, 0.0)
        if n <= 0:
            raise DualionUserError(f"formula {f} contains no {c.element} for redox couple {c}", field="redox")
        total += n * c.electrons_per_atom
    return total


def theoretical_capacity_mAh_g(formula: DefectFormula | str,
                               redox: str | RedoxCouple | Sequence[str | RedoxCouple] = "Ti:4:3") -> float:
    """Theoretical capacity (mA h g-1, pristine mass) for full use of the redox couple(s).

    Ti0.78□0.22O1.12F0.40(OH)0.48 with Ti4+/Ti3+: 0.78 e / 71.02 g mol-1 → 294.4 mA h g-1 (paper: ≈ 290).
    """
    f = parse_formula(formula)
    return capacity_from_electrons_mAh_g(theoretical_electrons(f, redox), f.molar_mass_g_mol)


def _check_inserted(inserted: Mapping[str, float]) -> dict[str, float]:
    out = {}
    for ion, n in inserted.items():
        n = float(n)
        if not math.isfinite(n) or n < 0:
            raise DualionUserError(f"inserted amount of {ion} must be finite and ≥ 0, got {n!r}", field="inserted")
        if not is_element(ion):
            raise DualionUserError(f"unknown element {ion!r} in inserted ions", field="inserted")
        out[ion] = n
    return out


def electrons_from_inserted(inserted: Mapping[str, float], charges: Mapping[str, int] | None = None) -> float:
    """n_e = Σ n_i z_i (e per formula unit) with formal charges from :mod:`dualion.ions` (overridable)."""
    ins = _check_inserted(inserted)
    return float(sum(n * formal_charge(ion, dict(charges or {})) for ion, n in ins.items()))


def discharged_molar_mass_g_mol(formula: DefectFormula | str, inserted: Mapping[str, float]) -> float:
    """M + Σ n_i M_i (g mol-1): the host plus the inserted ions (electron mass neglected)."""
    f = parse_formula(formula)
    ins = _check_inserted(inserted)
    return f.molar_mass_g_mol + sum(n * _element_mass(ion) for ion, n in ins.items())


def check_basis(basis: str) -> Basis:
    if basis not in ("pristine", "discharged"):
        raise DualionUserError(f"mass basis must be 'pristine' or 'discharged', got {basis!r}", field="basis")
    return basis  # type: ignore[return-value]


@register("composition.capacity")
@dataclass(frozen=True, eq=False)
class InsertionCapacity(Record):
    """Capacity delivered by a given inserted amount of ions per formula unit."""

    formula: str
    inserted: dict[str, float]
    electrons_per_formula: float
    basis: Basis
    molar_mass_basis_g_mol: float
    capacity_mAh_g: float
    pristine_molar_mass_g_mol: float
    charges: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"formula": self.formula, "inserted": dict(self.inserted), "charges": dict(self.charges),
                "electrons_per_formula": self.electrons_per_formula, "basis": self.basis,
                "molar_mass_basis_g_mol": self.molar_mass_basis_g_mol,
                "pristine_molar_mass_g_mol": self.pristine_molar_mass_g_mol,
                "capacity_mAh_g": self.capacity_mAh_g}

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> InsertionCapacity:
        return dataclass_from_dict(cls, d)


def capacity_from_inserted(formula: DefectFormula | str, inserted: Mapping[str, float], basis: str = "pristine",
                           charges: Mapping[str, int] | None = None) -> InsertionCapacity:
    """Capacity (mA h g-1) from inserted ions per formula unit, on the ``basis`` mass.

    0.47 Li + 0.18 Mg into Ti0.78□0.22O1.12F0.40(OH)0.48: 0.83 e → 313.2 mA h g-1 (pristine) or
    282.8 mA h g-1 (discharged, M' = 78.65 g mol-1).
    """
    f = parse_formula(formula)
    b = check_basis(basis)
    ins = _check_inserted(inserted)
    n_e = electrons_from_inserted(ins, charges)
    m0 = f.molar_mass_g_mol
    m = m0 if b == "pristine" else discharged_molar_mass_g_mol(f, ins)
    return InsertionCapacity(str(f), ins, n_e, b, m, capacity_from_electrons_mAh_g(n_e, m), m0,
                             {ion: formal_charge(ion, dict(charges or {})) for ion in ins})


# -- energy density -------------------------------------------------------------------------------

def energy_density_Wh_kg(capacity_mAh_g: float, average_voltage_V: float) -> float:
    """Specific energy of the active material, W h kg-1 = (mA h g-1) × V (numerically Q·V̄)."""
    q, v = float(capacity_mAh_g), float(average_voltage_V)
    if not (math.isfinite(q) and math.isfinite(v)) or q < 0:
        raise DualionUserError(f"capacity (≥ 0) and voltage must be finite, got {capacity_mAh_g!r}, "
                               f"{average_voltage_V!r}", field="energy density")
    return q * v


def energy_density_from_curve_Wh_kg(capacity_mAh_g: Sequence[float] | np.ndarray,
                                    voltage_V: Sequence[float] | np.ndarray) -> float:
    """|∫ V dQ| (W h kg-1) of a measured half-cycle: capacity (mA h g-1) and voltage (V) arrays, trapezoids.

    The capacity must be monotonic (either direction); the result is positive.
    """
    q = np.asarray(capacity_mAh_g, dtype=float)
    v = np.asarray(voltage_V, dtype=float)
    if q.ndim != 1 or q.shape != v.shape or q.size < 2:
        raise DualionUserError(f"capacity and voltage must be 1-D arrays of equal length ≥ 2, got shapes "
                               f"{q.shape} and {v.shape}", field="curve")
    if not (np.all(np.isfinite(q)) and np.all(np.isfinite(v))):
        raise DualionUserError("capacity/voltage curve contains NaN or infinite values", field="curve")
    dq = np.diff(q)
    if not (np.all(dq >= 0) or np.all(dq <= 0)):
        raise DualionUserError("capacity must be monotonic along the curve (one half-cycle at a time)",
                               field="curve")
    return float(abs(np.sum(0.5 * (v[1:] + v[:-1]) * dq)))


def average_voltage_from_curve_V(capacity_mAh_g: Sequence[float] | np.ndarray,
                                 voltage_V: Sequence[float] | np.ndarray) -> float:
    """Capacity-weighted mean voltage ∫V dQ / ΔQ (V)."""
    q = np.asarray(capacity_mAh_g, dtype=float)
    e = energy_density_from_curve_Wh_kg(q, voltage_V)
    dq = abs(float(q[-1] - q[0]))
    if dq == 0:
        raise DualionUserError("the curve has zero capacity", field="curve")
    return e / dq
