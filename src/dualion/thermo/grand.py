r"""Insertion energies and grand potentials — the two formulas every domain shares.

Insertion energy of configuration *c* (host + :math:`n_i` ions of each kind *i*), in eV:

.. math:: \Delta E_c = E(\text{host} + \text{ions}) - E(\text{host}) - \sum_i n_i\,\mu_i^\text{metal}

with :math:`\mu_i^\text{metal}` the energy per atom of the metal (eV/atom). Per inserted ion divide by
:math:`\sum_i n_i`; per transferred charge divide by :math:`\sum_i n_i z_i`.

Grand potential at chemical potentials :math:`\Delta\mu_i` relative to the metals:

* per transferred charge (the paper's Fig. 6): :math:`\Omega_c = \Delta E_c - \sum_i n_i z_i \Delta\mu_i`
* per atom: :math:`\Omega_c = \Delta E_c - \sum_i n_i \Delta\mu_i`
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from dualion.reference import Convention, check_convention
from dualion.thermo.sitemodel import Configuration, SiteModel


def insertion_energy_eV(model: SiteModel, conf: Configuration) -> float:
    """ΔE_c = E(conf) − E(host) − Σ n_i μ_i(metal), eV (total for the configuration)."""
    return float(conf.energy_eV - model.host.energy_eV
                 - sum(n * model.references_eV_per_atom[ion] for ion, n in conf.counts.items()))


def charges_transferred(model: SiteModel, counts: Mapping[str, int]) -> int:
    """Σ n_i z_i: electrons transferred to insert ``counts`` ions."""
    return int(sum(n * model.charge(ion) for ion, n in counts.items()))


def grand_potential_eV(dE_eV: float, counts: Mapping[str, int], dmu_eV: Mapping[str, float],
                       charges: Mapping[str, int], per: Convention = "charge") -> float:
    """Ω = ΔE − Σ n_i z_i Δμ_i (``per="charge"``) or ΔE − Σ n_i Δμ_i (``per="atom"``), eV."""
    check_convention(per)
    total = dE_eV
    for ion, n in counts.items():
        weight = n * (charges[ion] if per == "charge" else 1)
        total -= weight * dmu_eV[ion]
    return float(total)


def insertion_energies_eV(model: SiteModel, confs: Sequence[Configuration] | None = None) -> np.ndarray:
    """Vectorised :func:`insertion_energy_eV` for many configurations (default: all of ``model``), eV."""
    confs = model.configurations if confs is None else confs
    refs = model.references_eV_per_atom
    n = len(confs)
    E = np.fromiter((c.energy_eV for c in confs), dtype=float, count=n)
    ions = sorted({ion for c in confs for ion in c.counts})
    R = np.zeros(n)
    for ion in ions:  # Σ_i n_i μ_i, one vectorised pass per ion
        R += np.fromiter((c.counts.get(ion, 0) for c in confs), dtype=float, count=n) * refs[ion]
    return E - model.host.energy_eV - R
