r"""The paper's rate data as ``dualion fit`` targets, and the targets file that fits the cell's kinetic constants
(solid D_Li, D_Mg, exchange currents j0_Li, j0_Mg, D(Li+) in the electrolyte) on top of the paper set's
equilibrium model (:mod:`dualion.model.paper_set`, held fixed).

Targets (Results, Fig. 2): "At current densities below 100 mA g-1, high reversible capacities of 260 and 275
mA h g-1 are obtained for 0.2 M and 1 M of LiCl" (taken at 20 mA g-1, the first rate of Fig. 2a); "up to 200 mA h g-1 under
1000 mA g-1 ... for 1 M"; at 1000 mA g-1 the 0.2 M cell is below the 1 M one ("the rate capability depends on the
lithium concentration": a bound, no number is given); the ICP uptake 0.47 Li + 0.18 Mg at 0.2 M (Fig. 2c/3b; the
discharge rate of the ICP samples is not stated: taken at the 20 mA g-1 of Fig. 1). The σ are reading
uncertainties of the text's round numbers (10 mA h g-1) and ICP errors (0.03 Li, 0.02 Mg).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dualion.model.targets import TargetsFile, targets_from_dict

__all__ = ["PAPER_RATE_TARGETS", "RATE_FIT_BOUNDS", "paper_rate_spec"]

#: The rate targets (``dualion fit`` schema, kind rate_capacity / rate_uptake).
PAPER_RATE_TARGETS: list[dict[str, Any]] = [
    {"kind": "rate_capacity", "licl_M": 0.2, "rate_mA_g": 20.0, "value": 260.0, "sigma": 10.0,
     "name": "0.2 M, 20 mA g-1: 260 mA h g-1 (Fig. 2a, 'below 100 mA g-1')"},
    {"kind": "rate_capacity", "licl_M": 1.0, "rate_mA_g": 20.0, "value": 275.0, "sigma": 10.0,
     "name": "1 M, 20 mA g-1: 275 mA h g-1 (Fig. 2a)"},
    {"kind": "rate_capacity", "licl_M": 1.0, "rate_mA_g": 1000.0, "value": 200.0, "sigma": 10.0,
     "name": "1 M, 1000 mA g-1: 200 mA h g-1 (Fig. 2a, 'up to 200')"},
    {"kind": "rate_capacity", "licl_M": 0.2, "rate_mA_g": 1000.0, "value": 200.0, "sigma": 10.0, "relation": "<=",
     "name": "0.2 M, 1000 mA g-1: below the 1 M cell (bound <= 200)"},
    {"kind": "rate_uptake", "ion": "Li", "licl_M": 0.2, "rate_mA_g": 20.0, "value": 0.47, "sigma": 0.03,
     "name": "0.2 M, 20 mA g-1: x_Li 0.47 (ICP, Fig. 2c)"},
    {"kind": "rate_uptake", "ion": "Mg", "licl_M": 0.2, "rate_mA_g": 20.0, "value": 0.18, "sigma": 0.02,
     "name": "0.2 M, 20 mA g-1: x_Mg 0.18 (ICP, Fig. 2c)"},
]

#: Fit bounds (log10 of cm2 s-1 / mA cm-2): wide around the physically plausible ranges.
RATE_FIT_BOUNDS: dict[str, tuple[float, float]] = {
    "log10_D_Mg": (-20.0, -13.0), "log10_D_Li": (-17.0, -10.0), "log10_j0_Li": (-8.0, -1.0),
    "log10_j0_Mg": (-10.0, -3.0), "log10_D_Li_electrolyte": (-7.0, -4.0)}


def paper_rate_spec(initial: Mapping[str, float] | None = None, names: tuple[str, ...] | None = None,
                    transport: bool = True, targets: list[dict[str, Any]] | None = None) -> TargetsFile:
    """The targets file of the kinetic fit: the paper set's equilibrium model (fixed), the cell with Li+ transport
    in the electrolyte (``transport``), the kinetic constants ``names`` (default: all of :data:`RATE_FIT_BOUNDS`)
    from ``initial`` (default: the paper set's values)."""
    import math

    from dualion.model import paper_set as ps

    ck = ps.cell_kwargs()
    start = {"log10_D_Mg": math.log10(ck["D_Mg_cm2_s"]), "log10_D_Li": math.log10(ck["D_Li_cm2_s"]),
             "log10_j0_Li": math.log10(ck["j0_Li_mA_cm2"]), "log10_j0_Mg": math.log10(ck["j0_Mg_mA_cm2"]),
             "log10_D_Li_electrolyte": math.log10(ck["D_Li_electrolyte_cm2_s"])}
    start.update(initial or {})
    names = tuple(names or RATE_FIT_BOUNDS)
    params = {}
    for n in names:
        lo, hi = RATE_FIT_BOUNDS[n]
        params[n] = {"initial": min(max(start[n], lo), hi), "bounds": [lo, hi]}
    doc = {
        "name": "paper rate data (Fig. 2a, 2c): kinetic constants of the cell",
        "source": "dualion.model.rate_fit",
        "model": {"pair_fraction": ps.value("pair_fraction"), "split_anions": True, "populations": "boltzmann",
                  "T_freeze_K": ps.value("T_freeze_K"), "T_K": ps.value("T_K"),
                  "delta_e_ref_V": ps.value("delta_e_ref_V"), "activity_exponent": ps.value("activity_exponent"),
                  "offsets": {"interstitial:Li": ps.value("offset_interstitial_Li_eV"),
                              "vacancy:Li": ps.value("offset_vacancy_Li_eV")},
                  "disorder": {"vacancy": ps.value("disorder_vacancy_eV"),
                               "interstitial": ps.value("disorder_interstitial_eV")}},
        "cutoff_V": 0.05, "V_max": 2.3,
        "parameters": params,
        "targets": list(targets or PAPER_RATE_TARGETS),
        "cell": {k: v for k, v in ck.items() if k in ("radius_um", "D_Li_cm2_s", "D_Mg_cm2_s", "j0_Li_mA_cm2",
                                                       "j0_Mg_mA_cm2", "D_Li_electrolyte_cm2_s", "separator_um",
                                                       "separator_porosity", "loading_mg_cm2")}
        | {"electrolyte_transport": bool(transport)},
    }
    return targets_from_dict(doc, "dualion.model.rate_fit")
