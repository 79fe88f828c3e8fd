r"""Builders: site types from site-model files, and the paper's Ti0.78□0.22O1.12F0.40(OH)0.48 model.

Site counts per formula unit come from :func:`dualion.composition.sites.site_inventory`: interstitial
4b sites :math:`N_{4b}` (1 per 4a site), Ti vacancies *v*, and the redox limit :math:`N_\mathrm{Ti}`
(Ti4+/Ti3+). With a fraction :math:`p` of the vacancies in adjacent pairs (``pair_fraction``):

.. math:: N_\mathrm{single} = (1-p)\,v, \qquad N_\mathrm{pair} = p\,v/2

Anion-environment split of single vacancies (``split_anions=True``): each vacancy is compensated by four
anions drawn at random from the formula's F and OH, :math:`p_F = n_F/(n_F+n_{OH})`; the environment with
*k* F has the binomial weight :math:`\binom{4}{k}p_F^k(1-p_F)^{4-k}`, and 2F+2OH is split cis : trans
= 4 : 2 (of the six ways to place two F on four positions of a square, four are adjacent). Energies
from the public DFT runs 4F, 3F+1OH, 2F+2OH cis/trans, 1F+3OH, 4OH (3x3x1 cells).

A site model with configurations holding up to *n* ions is one combined site of *n* positions (a
vacancy pair: n = 2). Unless the file gives multiplicities, they are combinatorial,
:math:`m = n!/(\prod_i n_i!\,(n-\sum_i n_i)!)` (e.g. Li or Li+Mg on a pair: 2), so a pair with no
interaction is exactly two independent sites.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

from dualion.core import paper
from dualion.errors import DualionUserError
from dualion.model.disorder import ANION_ENVIRONMENTS
from dualion.model.equilibrium import EquilibriumModel, SiteState, SiteType
from dualion.reference import T_DEFAULT_K
from dualion.thermo.grand import insertion_energy_eV
from dualion.thermo.sitemodel import SiteModel

#: The paper's cation-deficient anatase (:data:`dualion.core.paper.FORMULA`).
PAPER_FORMULA = paper.FORMULA



def _multiplicity(counts: Mapping[str, int], positions: int) -> float:
    n = sum(counts.values())
    out = math.factorial(positions) / math.factorial(positions - n)
    for v in counts.values():
        out /= math.factorial(v)
    return float(out)


def site_type_from_model(model: SiteModel, name: str, sites_per_fu: float, ions: Sequence[str] = ("Li", "Mg"),
                         include_incomplete: bool = False, multiplicity: str = "combinatorial") -> SiteType:
    """One :class:`SiteType` from a site model: each configuration (with only ``ions``) becomes a state with
    ΔE = :func:`dualion.thermo.grand.insertion_energy_eV` (total, eV). Runs that are not ``finished`` are
    left out unless ``include_incomplete``. ``multiplicity``: ``"combinatorial"`` (when the file gives
    none) or ``"file"``."""
    if multiplicity not in ("combinatorial", "file"):
        raise DualionUserError(f"multiplicity must be 'combinatorial' or 'file', got {multiplicity!r}",
                               field="multiplicity")
    confs = [c for c in model.configurations if set(c.counts) <= set(ions)
             and (include_incomplete or c.finished)]
    if not confs:
        raise DualionUserError(f"site model {model.name!r} has no finished configuration with ions {list(ions)}",
                               file=model.source or None, field="configurations")
    positions = max(sum(c.counts.values()) for c in confs)
    from_file = multiplicity == "file" or any(c.multiplicity != 1 for c in confs)
    states = []
    for c in confs:
        m = float(c.multiplicity) if from_file else _multiplicity(c.counts, positions)
        states.append(SiteState(c.label, dict(c.counts), insertion_energy_eV(model, c), m))
    return SiteType(name=name, sites_per_fu=sites_per_fu, states=tuple(states))


def _load(spec: SiteModel | str | os.PathLike, ions: Sequence[str]) -> SiteModel:
    if isinstance(spec, SiteModel):
        return spec
    from dualion.thermo.models import load_one

    return load_one([spec], ions=ions)


def from_site_models(site_models: Sequence[SiteModel | str | os.PathLike], sites_per_fu: Sequence[float],
                     n_redox_per_fu: float | None, molar_mass_g_mol: float | None = None,
                     names: Sequence[str] | None = None, ions: Sequence[str] = ("Li", "Mg"),
                     T_K: float = T_DEFAULT_K, include_incomplete: bool = False, **model_kwargs: Any
                     ) -> EquilibriumModel:
    """An :class:`EquilibriumModel` with one site type per site model (objects, files or the bundled
    names ``interstitial``, ``single-vacancy``, ``paired-vacancy``), ``sites_per_fu[k]`` sites each."""
    if len(site_models) != len(sites_per_fu):
        raise DualionUserError(f"{len(site_models)} site models but {len(sites_per_fu)} site counts",
                               field="sites_per_fu")
    names = list(names) if names is not None else []
    types = []
    for k, (spec, n) in enumerate(zip(site_models, sites_per_fu)):
        m = _load(spec, ions)
        nm = names[k] if k < len(names) else (str(spec) if isinstance(spec, str) else m.name)
        types.append(site_type_from_model(m, nm, float(n), ions, include_incomplete))
    return EquilibriumModel(types, n_redox_per_fu=n_redox_per_fu, T_K=T_K, molar_mass_g_mol=molar_mass_g_mol,
                            **model_kwargs)


def anion_weights(n_F: float, n_OH: float) -> dict[str, float]:
    """Binomial weights of the single-vacancy anion environments (sum 1), 2F+2OH split cis:trans = 2:1."""
    if n_F < 0 or n_OH < 0 or n_F + n_OH <= 0:
        raise DualionUserError(f"need F and OH amounts >= 0 with a positive sum, got F={n_F}, OH={n_OH}",
                               field="formula")
    p = n_F / (n_F + n_OH)
    out = {}
    for k, label, _ in ANION_ENVIRONMENTS:
        w = math.comb(4, k) * p ** k * (1 - p) ** (4 - k)
        if k == 2:
            w *= (4 / 6) if "cis" in label else (2 / 6)
        out[label] = w
    return out


@functools.lru_cache(maxsize=16)
def _bundled(name: str, ions: tuple[str, ...]) -> SiteModel:
    """Bundled site model by name (cached: SiteModel is frozen)."""
    from dualion.thermo.models import bundled_model

    return bundled_model(name, ions)


@functools.lru_cache(maxsize=4)
def _environment_models(ions: tuple[str, ...]) -> dict[str, SiteModel]:
    """Single-vacancy site models per anion environment from the public DFT runs (cached)."""
    from dualion.io.readers import read_runs
    from dualion.thermo.models import dft_file
    from dualion.thermo.pairing import select_model, site_models_from_runs

    runs = read_runs(dft_file("vacancy_intercalation.yaml")) + read_runs(dft_file("elemental_reference.yaml"))
    models = site_models_from_runs(runs, ions)
    return {label: select_model(models, host) for _, label, host in ANION_ENVIRONMENTS}


def environment_weights(n_F: float, n_OH: float, populations: str = "binomial",
                        T_freeze_K: float | None = None) -> dict[str, float]:
    """Single-vacancy environment weights (sum 1): ``"binomial"`` (random F/OH, :func:`anion_weights`) or
    ``"boltzmann"`` (frozen in at ``T_freeze_K`` from the DFT host energies,
    :func:`dualion.model.disorder.boltzmann_populations`; default the synthesis temperature 363.15 K)."""
    if populations == "binomial":
        return anion_weights(n_F, n_OH)
    if populations == "boltzmann":
        from dualion.model.disorder import T_FREEZE_K, boltzmann_populations, environment_host_energies_eV

        anion_weights(n_F, n_OH)                                  # validates the amounts
        return boltzmann_populations(environment_host_energies_eV(), n_F / (n_F + n_OH),
                                     T_FREEZE_K if T_freeze_K is None else float(T_freeze_K))
    raise DualionUserError(f"populations must be 'binomial' or 'boltzmann', got {populations!r}", field="populations")


def stoichiometric_model(interaction: Any = None, T_K: float = T_DEFAULT_K, ions: Sequence[str] = ("Li",),
                         include_incomplete: bool = False, **model_kwargs: Any) -> EquilibriumModel:
    """Stoichiometric anatase TiO2: one 4b interstitial site per TiO2 (public-DFT energies; Mg left out: its run
    is ``incomplete``), redox limit 1 Ti per fu, M = M(TiO2). ``interaction``: e.g. a
    :class:`~dualion.model.interactions.LatticeInteraction` on ``"interstitial"`` (the Li–Li attraction behind the
    anatase → Li-titanate plateau)."""
    from dualion.composition.sites import site_inventory

    ions = tuple(ions)
    inv = site_inventory("TiO2")
    st = site_type_from_model(_bundled("interstitial", ions), "interstitial", inv.interstitial_4b, ions,
                              include_incomplete)
    return EquilibriumModel([st], n_redox_per_fu=inv.ti, T_K=T_K, molar_mass_g_mol=inv.molar_mass_g_mol,
                            name="TiO2 (anatase, interstitial 4b)", interaction=interaction, **model_kwargs)


def paper_model(formula: str = PAPER_FORMULA, T_K: float = T_DEFAULT_K, pair_fraction: float = 0.0,
                split_anions: bool = False, include_incomplete: bool = False,
                ions: Sequence[str] = ("Li", "Mg"), offsets: Mapping[str, float] | None = None,
                populations: str = "binomial", T_freeze_K: float | None = None,
                **model_kwargs: Any) -> EquilibriumModel:
    """The paper's electrode (default Ti0.78□0.22O1.12F0.40(OH)0.48) with three kinds of sites:

    * ``interstitial``: 4b sites (N_4b per fu) with the stoichiometric-anatase energies (public DFT;
      the Mg run is ``incomplete`` and left out unless ``include_incomplete`` — then Mg enters 4b at
      0.51 V vs Mg, which the experiments do not see);
    * ``vacancy``: single Ti vacancies [V_Ti + 4F_O] (public DFT), or with ``split_anions`` one site type per
      anion environment ``vacancy[4F]``, ``vacancy[3F+1OH]``, ... (weights from F/OH: ``populations``
      ``"binomial"`` or ``"boltzmann"`` at ``T_freeze_K``, :func:`environment_weights`);
    * ``pair`` (when ``pair_fraction`` > 0): vacancy pairs [2V_Ti + 8F_O] (energies from the paper's
      Fig. 6c thresholds, see the bundled file).

    Redox limit N_Ti (Ti4+/Ti3+), molar mass from the formula. ``offsets``: {"site" or "site:ion": eV per
    charge}. Other keywords go to :class:`EquilibriumModel` (``electron_statistics``, ``width_factor``).
    """
    from dualion.composition.sites import site_inventory

    ions = tuple(ions)
    if not (0.0 <= pair_fraction <= 1.0):
        raise DualionUserError(f"pair_fraction must be in [0, 1], got {pair_fraction!r}", field="pair_fraction")
    inv = site_inventory(formula)
    types = [site_type_from_model(_bundled("interstitial", ions), "interstitial", inv.interstitial_4b, ions,
                                  include_incomplete)]
    n_single = (1.0 - pair_fraction) * inv.ti_vacancies
    if n_single > 0:
        if split_anions:
            env_models = _environment_models(ions)
            n_F = inv.anions.get("F", 0.0)
            n_OH = inv.anions.get("(OH)", 0.0)
            for label, w in environment_weights(n_F, n_OH, populations, T_freeze_K).items():
                types.append(site_type_from_model(env_models[label], f"vacancy[{label}]", n_single * w, ions, include_incomplete))
        else:
            types.append(site_type_from_model(_bundled("single-vacancy", ions), "vacancy", n_single, ions,
                                              include_incomplete))
    if pair_fraction > 0:
        types.append(site_type_from_model(_bundled("paired-vacancy", ions), "pair",
                                          pair_fraction * inv.ti_vacancies / 2.0, ions, include_incomplete))
    model = EquilibriumModel(types, n_redox_per_fu=inv.ti, T_K=T_K, molar_mass_g_mol=inv.molar_mass_g_mol,
                             name=f"{inv.formula} (interstitial 4b + Ti vacancies)", **model_kwargs)
    if offsets:
        model = model.with_offsets(offsets)
    return model
