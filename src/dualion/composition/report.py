"""Tables of the defect family and of the paper's composition/capacity numbers.

:func:`family_table` — molar mass, site inventory and Ti4+/Ti3+ capacity (pristine mass) across
Ti1-x-y□x+yO2-4(x+y)F4x(OH)4y; :func:`paper_table` — the paper's ICP-AES uptakes and site-model range
as electrons per formula unit and capacities on both mass bases. Figures: :mod:`dualion.composition.plots`.
"""

from __future__ import annotations

from dualion.core import paper

#: The paper's family point and measured capacity (:mod:`dualion.core.paper`).
PAPER_X, PAPER_Y = paper.FAMILY_X, paper.FAMILY_Y
PAPER_MEASURED_mAh_g = paper.MEASURED_CAPACITY_1M_MAH_G


def family_table(step: float = 0.025) -> list[dict]:
    """Rows over the (x, y) triangle x, y ≥ 0, x + y ≤ 1/2 (grid ``step``), plus the paper's point."""
    from dualion.composition import family_formula, site_inventory, theoretical_capacity_mAh_g

    n = int(round(0.5 / step))
    pts = {(round(i * step, 10), round(j * step, 10)) for i in range(n + 1) for j in range(n + 1 - i)}
    pts.add((PAPER_X, PAPER_Y))
    rows = []
    for x, y in sorted(pts):
        f = family_formula(x, y)
        inv = site_inventory(f)
        rows.append({"x": x, "y": y, "formula": str(f), "molar_mass_g_mol": f.molar_mass_g_mol,
                     "ti": inv.ti, "ti_vacancies": inv.ti_vacancies, "cation_sites_4a": inv.cation_sites_4a,
                     "interstitial_4b": inv.interstitial_4b, "F": 4 * x, "OH": 4 * y,
                     "theoretical_capacity_mAh_g": theoretical_capacity_mAh_g(f, "Ti:4:3"),
                     "is_paper": (x, y) == (PAPER_X, PAPER_Y)})
    return rows


def paper_table() -> list[dict]:
    """The paper's composition/capacity numbers recomputed (electrons and capacities on both bases)."""
    from dualion.composition import (
        PAPER_FORMULA,
        assign_sites,
        capacity_from_inserted,
        theoretical_capacity_mAh_g,
        theoretical_electrons,
    )

    rows = [{"case": "Theoretical Ti4+/Ti3+", "Li": None, "Mg": None,
             "electrons_per_formula": theoretical_electrons(PAPER_FORMULA),
             "capacity_pristine_mAh_g": theoretical_capacity_mAh_g(PAPER_FORMULA),
             "capacity_discharged_mAh_g": None, "paper_value_mAh_g": 290.0, "site_resolved_formula": None}]
    cases = [("ICP-AES, APC + 0.2 M LiCl (0.47 Li + 0.18 Mg)", 0.47, 0.18, None),
             ("Site model x = 0.30, y = 0.04, z = 0.18", 0.34, 0.18, 264.0),
             ("Site model x = 0.35, y = 0.04, z = 0.18", 0.39, 0.18, 284.0),
             ("Pure APC: Mg fills all vacancies (0.22 Mg)", 0.0, 0.22, None)]
    for label, li, mg, paper in cases:
        ins = {k: v for k, v in (("Li", li), ("Mg", mg)) if v > 0}
        p = capacity_from_inserted(PAPER_FORMULA, ins, "pristine")
        d = capacity_from_inserted(PAPER_FORMULA, ins, "discharged")
        rows.append({"case": label, "Li": li, "Mg": mg, "electrons_per_formula": p.electrons_per_formula,
                     "capacity_pristine_mAh_g": p.capacity_mAh_g, "capacity_discharged_mAh_g": d.capacity_mAh_g,
                     "paper_value_mAh_g": paper, "site_resolved_formula": str(assign_sites(PAPER_FORMULA, ins))})
    return rows
