r"""The default "paper" parameter set of the equilibrium model and the cell: one place, every parameter with its
source — a DFT value (public set), a number from the paper, a fitted value ± its standard error (``dualion fit
paper``: the bundled ``data/fit/paper_targets.yaml``; ``benchmarks/model_targets.py`` refits and checks these
numbers), or an assumption said so.

``dualion model curve`` and ``dualion cell ...`` use it unless told otherwise (``--params dft``: the bare DFT model
of :func:`dualion.model.builders.paper_model`). Physics switched on here:

* anion environments of the single vacancies, populations frozen in at the synthesis temperature
  (:mod:`dualion.model.disorder`), plus fitted Gaussian widths on the vacancy and 4b site energies;
* adjacent vacancy pairs (fraction fitted; energies from the paper's Fig. 6c);
* an offset of the 4b Li energy in the defective host (4b sites next to vacancies and F differ from those of
  stoichiometric anatase, whose DFT value is used for TiO2), and one of the Li energy on the single vacancies
  (fitted to the 0.2 M → 1 M rise of x_Li at the end of discharge, target 3 of issue 13);
* Li+ activity a = (c/1 M)^ν in APC/THF with ν and ΔE_ref fitted (:class:`dualion.core.Electrolyte`);
* a 4b Li–Li attraction (quasi-chemical, z = 4) fitted to the TiO2 plateau; in the defective host multiplied by
  ``interaction_suppression`` (0 by default, the paper's reading: vacancies and mixed anions suppress the
  edge-sharing LiO6 pairs of the anatase → Li-titanate transition);
* the finite 400 µL electrolyte of the paper's cells.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from dualion.core import paper as _paper

__all__ = ["CELL_PARAMETERS", "PARAMETERS", "Parameter", "cell_kwargs", "defective_model", "electrolyte", "finite_electrolyte", "parameter_table",
           "stoichiometric_model", "value"]


@dataclass(frozen=True)
class Parameter:
    """One parameter: ``value`` in ``unit``; ``source`` one of DFT, paper, fitted, derived, assumed; ``stderr``
    (1σ) for fitted values; ``note``: where exactly it comes from."""

    value: float
    unit: str
    source: str
    note: str
    stderr: float | None = None


#: The set. Fitted values: ``dualion fit paper`` (least squares on the paper's targets, 1σ from the Jacobian).
PARAMETERS: dict[str, Parameter] = {
    "T_K": Parameter(_paper.T_K, "K", "paper", "Experimental: 25 °C"),
    "T_freeze_K": Parameter(363.15, "K", "paper", "anion environments frozen in at the synthesis, 90 °C for 12 h "
                                                  "(Experimental); drying at 150 °C would give 423 K"),
    "delta_e_ref_V": Parameter(0.7474, "V", "fitted", "E(Mg2+/Mg) − E(Li+/Li) in APC/THF; the paper's own "
                                                      "0.93 V vs Mg = 1.67 V vs Li gives 0.74", 0.0112),
    "activity_exponent": Parameter(2.4839, "", "fitted", "a(Li+) = (c/1 M)^ν: the dQ/dV peak moves 0.77 → 1.0 V "
                                                        "from 0.05 to 1 M (3× the ideal Nernst shift)", 0.0042),
    "disorder_vacancy_eV": Parameter(0.0485, "eV per charge", "fitted", "Gaussian width of the vacancy site "
                                                                        "energies beyond the six environments (poorly determined)", 0.1154),
    "disorder_interstitial_eV": Parameter(0.1056, "eV per charge", "fitted", "Gaussian width of the 4b site "
                                                                             "energies (near vs far from vacancies)",
                                          0.0121),
    "offset_interstitial_Li_eV": Parameter(-0.1688, "eV per charge", "fitted", "4b Li in the defective host "
                                                                               "relative to stoichiometric anatase",
                                           0.0136),
    "pair_fraction": Parameter(0.4820, "", "fitted", "fraction of vacancies in adjacent pairs", 0.1099),
    "J_LiLi_eV": Parameter(-0.0989, "eV per pair", "fitted", "4b Li–Li nearest-neighbour energy, quasi-chemical, "
                                                             "from the TiO2 plateau at 0.93 V vs Mg (1 M)", 0.0119),
    "coordination": Parameter(4, "", "assumed", "edge-sharing neighbours of a 4b octahedron in anatase"),
    "interaction_suppression": Parameter(0.0, "", "paper", "factor on J in the defective host: 'cationic "
                                                           "vacancies and heterogeneous anion environments ... "
                                                           "suppress the formation of pairs of edge-sharing LiO6'"),
    "electrolyte_volume_uL": Parameter(_paper.ELECTROLYTE_VOLUME_UL, "µL", "paper", "Experimental: 400 µL"),
    "active_mass_mg": Parameter(round(_paper.ACTIVE_MASS_MG, 4), "mg", "assumed",
                                "2 mg cm-2 × 80 wt.% (paper) on an ASSUMED 10 mm electrode"),
    # --- issue 13, target 3 (engineer mc): Li on the single vacancies of the defective host -------------------
    "offset_vacancy_Li_eV": Parameter(-0.25, "eV per charge", "fitted",
                                      "Li on the single Ti vacancies (all six anion environments) relative to the "
                                      "DFT 3x3x1 single-vacancy cells, the same kind of host correction as the 4b "
                                      "offset; fitted to target 3 alone (1 M holds >= 0.05 more Li than 0.2 M at the "
                                      "end of discharge: the smallest 0.01-eV step that meets it, -0.24 at the bound), "
                                      "so meeting that target is not a prediction; 1σ from the ICP precision 0.03 in "
                                      "Δx_Li over the slope 0.43 per eV (benchmarks/target3_study.py). Leaves x_Li, "
                                      "x_Mg at 0.2 M and the dQ/dV peaks unchanged to 0.001 (not refitted with "
                                      "them)", 0.07),
}


# ---------------------------------------------------------------------------- the cell's kinetics (rate owner)
#: Kinetic constants and electrolyte transport of the galvanostatic cell (:class:`dualion.cell.CellParameters`;
#: fitted: ``benchmarks/fit_rate.py``, targets :mod:`dualion.model.rate_fit`, with the equilibrium set above fixed).
CELL_PARAMETERS: dict[str, Parameter] = {
    "radius_um": Parameter(0.01, "µm", "assumed", "particle radius ~10 nm (nanocrystalline F-doped anatase)"),
    "D_Li_cm2_s": Parameter(1e-14, "cm2 s-1", "assumed", "Li solid-state diffusion: R²/D = 100 s, not limiting; the "
                                                      "rate data do not determine it (benchmarks/RESULTS_fit_rate_all5.md)"),
    "D_Mg_cm2_s": Parameter(1.05e-17, "cm2 s-1", "fitted", "Mg solid-state diffusion, fitted to Fig. 2a/2c "
                                                        "(benchmarks/fit_rate.py, RESULTS_fit_rate.md): "
                                                        "log10 D = -16.98 ± 0.39", 9.3e-18),
    "j0_Li_mA_cm2": Parameter(1.5e-6, "mA cm-2", "fitted", "Li exchange current density at half filling, fitted "
                                                         "to Fig. 2a/2c with j0_Mg: they trade off, only "
                                                         "0.84 log10 j0_Li - 0.43 log10 j0_Mg + 0.33 log10 D_Mg is "
                                                         "determined (-6.98 ± 0.25); stderr: log10 ±0.27 "
                                                         "conditional on the others", 9.3e-07),
    "j0_Mg_mA_cm2": Parameter(3.75e-9, "mA cm-2", "fitted", "Mg exchange current density at half filling, fitted "
                                                          "to Fig. 2a/2c (see j0_Li); stderr: log10 ±0.53 "
                                                          "conditional on the others", 4.6e-09),
    "electrolyte_transport": Parameter(1.0, "", "assumed", "Li+ diffusion across the separator modelled (1 = on)"),
    "D_Li_electrolyte_cm2_s": Parameter(5e-6, "cm2 s-1", "assumed", "D(Li+) in 0.2 M APC/THF (Stokes-Einstein "
                                                                   "estimate, dualion.cell.electrolyte); the rate "
                                                                   "data give only a bound (0.2 M below 1 M at "
                                                                   "1000 mA g-1), so it is not fitted"),
    "separator_um": Parameter(675.0, "µm", "paper", "Whatman GF/D (Experimental); 675 µm from the data sheet"),
    "separator_porosity": Parameter(0.9, "", "assumed", "wet glass-fibre separator"),
    "loading_mg_cm2": Parameter(_paper.AREAL_LOADING_MG_CM2 * _paper.ACTIVE_FRACTION, "mg cm-2", "paper",
                                "2 mg cm-2 × 80 wt.% active (Experimental)"),
}
PARAMETERS.update(CELL_PARAMETERS)


def cell_kwargs(overrides: Mapping[str, float] | None = None) -> dict[str, Any]:
    """:class:`dualion.cell.CellParameters` fields of the set's cell kinetics (``electrolyte_transport`` as bool)."""
    kw: dict[str, Any] = {k: value(k, overrides) for k in CELL_PARAMETERS}
    kw["electrolyte_transport"] = bool(kw["electrolyte_transport"])
    return kw


def value(name: str, overrides: Mapping[str, float] | None = None) -> float:
    """The value of parameter ``name`` (an override wins)."""
    if overrides and name in overrides:
        return float(overrides[name])
    return float(PARAMETERS[name].value)


def parameter_table() -> list[dict[str, Any]]:
    """One row per parameter (name, value, stderr, unit, source, note)."""
    return [{"name": k, **asdict(p)} for k, p in PARAMETERS.items()]


def _interaction(J: float, overrides: Mapping[str, float] | None):
    from dualion.model.interactions import LatticeInteraction

    if J == 0:
        return None
    return LatticeInteraction("interstitial", J, coordination=int(value("coordination", overrides)))


def defective_model(overrides: Mapping[str, float] | None = None, **model_kwargs: Any):
    """The paper's Ti0.78□0.22O1.12F0.40(OH)0.48 with the set's physics (``overrides``: {parameter: value})."""
    from dualion.model.builders import paper_model

    J = value("J_LiLi_eV", overrides) * value("interaction_suppression", overrides)
    kw = dict(T_K=value("T_K", overrides), pair_fraction=value("pair_fraction", overrides), split_anions=True,
              populations="boltzmann", T_freeze_K=value("T_freeze_K", overrides),
              offsets={"interstitial:Li": value("offset_interstitial_Li_eV", overrides),
                       "vacancy:Li": value("offset_vacancy_Li_eV", overrides)},
              disorder={"vacancy": value("disorder_vacancy_eV", overrides),
                        "interstitial": value("disorder_interstitial_eV", overrides)},
              interaction=_interaction(J, overrides))
    kw.update(model_kwargs)
    return paper_model(**kw)


def stoichiometric_model(overrides: Mapping[str, float] | None = None, **model_kwargs: Any):
    """Stoichiometric anatase TiO2 with the fitted 4b Li–Li attraction (DFT 4b energy, no offset)."""
    from dualion.model.builders import stoichiometric_model as _stoich

    return _stoich(_interaction(value("J_LiLi_eV", overrides), overrides), T_K=value("T_K", overrides),
                   **model_kwargs)


def electrolyte(licl_M: float, overrides: Mapping[str, float] | None = None):
    """The :class:`dualion.core.Electrolyte` of the set at ``licl_M`` (0 = Li-free)."""
    from dualion.core import Electrolyte

    return Electrolyte.licl(licl_M, delta_e_ref_V=value("delta_e_ref_V", overrides), T_K=value("T_K", overrides),
                            activity_exponent=value("activity_exponent", overrides))


def finite_electrolyte(licl_M: float, overrides: Mapping[str, float] | None = None):
    """The paper's 400 µL reservoir at ``licl_M`` for the set's active mass."""
    from dualion.model.equilibrium import FiniteElectrolyte

    return FiniteElectrolyte(volume_uL=value("electrolyte_volume_uL", overrides), licl_M=licl_M,
                             mass_mg=value("active_mass_mg", overrides), mg_M=_paper.APC_M)
