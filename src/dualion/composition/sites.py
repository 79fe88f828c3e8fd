r"""Site inventory of an anatase-type host and the site-resolved insertion formula.

Anatase (I4\ :sub:`1`/amd) has one octahedral cation site (Wyckoff 4a) per formula unit TiO\ :sub:`2`,
one empty octahedral interstitial site (4b) per 4a site, and two anion sites (8e). For a defective
host :math:`\mathrm{Ti}_{t}\square_{v}X_2`:

.. math:: N_{4a} = t + v + c_\mathrm{other},\qquad N_{4b} = N_{4a},\qquad N_{8e} = 2N_{4a}

(:math:`c_\mathrm{other}`: cations other than the host already in the formula, assumed on 4a).
Insertion (the paper's reaction, reduction of the host):

.. math:: [\mathrm{Ti}_{0.78}\square_{0.22}]_{4a}X_2 + (x+y)\,\mathrm{Li^+} + z\,\mathrm{Mg^{2+}} + (x+y+2z)\,e^-
          \rightleftharpoons [\mathrm{Li}_x]_{4b}[\mathrm{Li}_y\mathrm{Mg}_z\mathrm{Ti}_{0.78}\square_{0.22-(y+z)}]_{4a}X_2

with :math:`y + z \le v` and :math:`x \le N_{4b}`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from dualion.composition.formula import (
    VACANCY,
    DefectFormula,
    format_amount,
    is_element,
    oxidation_states,
    parse_formula,
    term_charge,
)
from dualion.errors import DualionUserError
from dualion.ions import formal_charge

#: Tolerance on site filling, per formula unit.
SITE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class SiteInventory:
    """Sites per formula unit of an anatase-type host (all amounts per formula unit).

    ``host_cations`` (alias ``ti``) and ``vacancies`` (alias ``ti_vacancies``) are on the 4a sites;
    ``interstitial_4b`` = ``cation_sites_4a`` (one 4b interstitial per 4a site in anatase).
    """

    formula: str
    host: str
    host_cations: float
    vacancies: float
    other_cations_4a: dict[str, float]
    cation_sites_4a: float
    interstitial_4b: float
    anions: dict[str, float]
    anion_sites_8e: float
    molar_mass_g_mol: float

    @property
    def ti(self) -> float:
        """Host cations per formula unit (named for the paper's Ti; equals ``host_cations``)."""
        return self.host_cations

    @property
    def ti_vacancies(self) -> float:
        """Host-cation vacancies per formula unit (equals ``vacancies``)."""
        return self.vacancies

    @property
    def anion_total(self) -> float:
        return float(sum(self.anions.values()))

    def to_dict(self) -> dict:
        return {"formula": self.formula, "host": self.host, "ti": self.ti, "ti_vacancies": self.ti_vacancies,
                "host_cations": self.host_cations, "vacancies": self.vacancies,
                "other_cations_4a": dict(self.other_cations_4a), "cation_sites_4a": self.cation_sites_4a,
                "interstitial_4b": self.interstitial_4b, "anions": dict(self.anions),
                "anion_total": self.anion_total, "anion_sites_8e": self.anion_sites_8e,
                "molar_mass_g_mol": self.molar_mass_g_mol}


def _classify(f: DefectFormula, oxidation: Mapping[str, float] | None) -> tuple[dict[str, float], dict[str, float]]:
    """Split the non-vacancy terms into cations (q > 0) and anions (q ≤ 0), keeping written order."""
    states = oxidation_states(oxidation)
    cations: dict[str, float] = {}
    anions: dict[str, float] = {}
    for t in f.terms:
        if t.is_vacancy:
            continue
        q = term_charge(t, states)
        name = f"({t.symbol})" if t.is_group else t.symbol
        (cations if q > 0 else anions)[name] = t.amount
    return cations, anions


def site_inventory(formula: DefectFormula | str, host: str | None = None,
                   oxidation: Mapping[str, float] | None = None) -> SiteInventory:
    """Site inventory per formula unit: host cations, vacancies, 4a, 4b and anion sites, molar mass.

    ``host`` defaults to Ti when the formula has Ti, else it must be named. Other cations already in
    the formula are counted on 4a. For Ti0.78□0.22O1.12F0.40(OH)0.48: ti = 0.78, ti_vacancies = 0.22,
    cation_sites_4a = 1.0, interstitial_4b = 1.0, anions O 1.12 + F 0.40 + (OH) 0.48 = 2.0.
    """
    f = parse_formula(formula)
    cations, anions = _classify(f, oxidation)
    if host is None:
        if "Ti" in cations:
            host = "Ti"
        elif len(cations) == 1:
            host = next(iter(cations))
        else:
            raise DualionUserError(f"cannot tell the host cation of {f}; name it (e.g. host='Nb' / --host Nb)",
                                   field="host")
    if not is_element(host):
        raise DualionUserError(f"unknown host element {host!r}", field="host")
    if host not in cations:
        raise DualionUserError(f"host cation {host!r} is not a cation of {f}", field="host")
    n_host = cations.pop(host)
    n4a = n_host + f.vacancies + sum(cations.values())
    return SiteInventory(str(f), host, n_host, f.vacancies, cations, n4a, n4a, anions, 2.0 * n4a,
                         f.molar_mass_g_mol)


@dataclass(frozen=True)
class InsertedState:
    """Site-resolved discharged state: ions on the 4b interstitials and in the 4a vacancies."""

    host_formula: str
    inventory: SiteInventory
    interstitial_4b: dict[str, float]
    vacancy_4a: dict[str, float]
    charges: dict[str, int] = field(default_factory=dict)

    @property
    def inserted(self) -> dict[str, float]:
        """Total inserted amount per ion (4b + 4a)."""
        out: dict[str, float] = {}
        for d in (self.interstitial_4b, self.vacancy_4a):
            for ion, n in d.items():
                out[ion] = out.get(ion, 0.0) + n
        return out

    @property
    def vacancies_left(self) -> float:
        return max(0.0, self.inventory.vacancies - sum(self.vacancy_4a.values()))

    @property
    def electrons_per_formula(self) -> float:
        """x + y + 2z for Li_x(4b) Li_y Mg_z(4a): Σ n_i z_i."""
        return float(sum(n * self.charges[ion] for ion, n in self.inserted.items()))

    def __str__(self) -> str:
        inv = self.inventory
        b4 = "".join(f"{ion}{format_amount(n)}" for ion, n in self.interstitial_4b.items() if n > 0)
        a4 = "".join(f"{ion}{format_amount(n)}" for ion, n in self.vacancy_4a.items() if n > 0)
        a4 += f"{inv.host}{format_amount(inv.host_cations)}"
        a4 += "".join(f"{c}{format_amount(n)}" for c, n in inv.other_cations_4a.items())
        left = round(self.vacancies_left, 12)
        if left > 0:
            a4 += f"{VACANCY}{format_amount(left)}"
        anions = "".join(f"{a}{format_amount(n)}" for a, n in inv.anions.items())
        return (f"[{b4}]4b" if b4 else "") + f"[{a4}]4a" + anions

    def to_dict(self) -> dict:
        return {"site_resolved_formula": str(self), "host_formula": self.host_formula,
                "interstitial_4b": dict(self.interstitial_4b), "vacancy_4a": dict(self.vacancy_4a),
                "vacancies_left": self.vacancies_left, "electrons_per_formula": self.electrons_per_formula}


def _clean(d: Mapping[str, float] | None, what: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for ion, n in (d or {}).items():
        n = float(n)
        if not math.isfinite(n) or n < 0:
            raise DualionUserError(f"{what} amount of {ion} must be finite and ≥ 0, got {n!r}", field="inserted")
        if not is_element(ion):
            raise DualionUserError(f"unknown element {ion!r}", field="inserted")
        out[ion] = out.get(ion, 0.0) + n
    return out


def insertion_formula(formula: DefectFormula | str, interstitial_4b: Mapping[str, float] | None = None,
                      vacancy_4a: Mapping[str, float] | None = None, host: str | None = None,
                      charges: Mapping[str, int] | None = None,
                      oxidation: Mapping[str, float] | None = None) -> InsertedState:
    """Site-resolved insertion formula [A_x]4b[B_y Ti □_{v−y}]4a X with validation.

    Raises :class:`DualionUserError` if the ions put in vacancies exceed the vacancies (y + z ≤ v) or
    the interstitial ions exceed the 4b sites. ``str()`` of the result for the paper
    (x = 0.43, y = 0.04, z = 0.18): ``[Li0.43]4b[Li0.04Mg0.18Ti0.78]4aO1.12F0.40(OH)0.48``.
    """
    f = parse_formula(formula)
    inv = site_inventory(f, host=host, oxidation=oxidation)
    b4 = _clean(interstitial_4b, "interstitial")
    a4 = _clean(vacancy_4a, "vacancy-site")
    if sum(a4.values()) > inv.vacancies + SITE_TOLERANCE:
        raise DualionUserError(f"ions in 4a vacancies ({sum(a4.values()):.4g}) exceed the {inv.vacancies:.4g} "
                               f"vacancies per formula unit of {f}", field="inserted")
    if sum(b4.values()) > inv.interstitial_4b + SITE_TOLERANCE:
        raise DualionUserError(f"ions on 4b interstitials ({sum(b4.values()):.4g}) exceed the "
                               f"{inv.interstitial_4b:.4g} 4b sites per formula unit of {f}", field="inserted")
    ch = {ion: formal_charge(ion, dict(charges or {})) for ion in {**b4, **a4}}
    return InsertedState(str(f), inv, b4, a4, ch)


def assign_sites(formula: DefectFormula | str, inserted: Mapping[str, float], host: str | None = None,
                 charges: Mapping[str, int] | None = None,
                 oxidation: Mapping[str, float] | None = None) -> InsertedState:
    """Distribute inserted ions over sites by the *vacancy-first* rule (an assumption, stated in outputs).

    Ions fill the 4a vacancies first, highest formal charge first (Mg2+ before Li+), then the remainder
    goes to 4b interstitials. For the paper's 0.47 Li + 0.18 Mg into 0.22 vacancies this gives
    Mg 0.18 + Li 0.04 in 4a and Li 0.43 on 4b, as the paper infers from ICP and DFT. Raises
    :class:`DualionUserError` when the ions exceed 4a vacancies + 4b sites.
    """
    f = parse_formula(formula)
    inv = site_inventory(f, host=host, oxidation=oxidation)
    ins = _clean(inserted, "inserted")
    total = sum(ins.values())
    if total > inv.vacancies + inv.interstitial_4b + SITE_TOLERANCE:
        raise DualionUserError(f"inserted ions ({total:.4g} per formula unit) exceed the available sites "
                               f"({inv.vacancies:.4g} vacancies + {inv.interstitial_4b:.4g} 4b) of {f}",
                               field="inserted")
    order = sorted(ins, key=lambda ion: -formal_charge(ion, dict(charges or {})))
    free = inv.vacancies
    a4: dict[str, float] = {}
    b4: dict[str, float] = {}
    for ion in order:
        into_vac = min(ins[ion], free)
        free -= into_vac
        if into_vac > 0:
            a4[ion] = round(into_vac, 12)
        rest = round(ins[ion] - into_vac, 12)
        if rest > 0:
            b4[ion] = rest
    b4 = {ion: b4[ion] for ion in ins if ion in b4}
    a4 = {ion: a4[ion] for ion in ins if ion in a4}
    return insertion_formula(f, b4, a4, host=host, charges=charges, oxidation=oxidation)
