r"""Insertion energies per configuration: total, per inserted ion, per transferred charge, voltage.

For configuration *c* of a site model (ΔE from :func:`dualion.thermo.grand.insertion_energy_eV`):

* total: :math:`\Delta E_c` (eV)
* per inserted ion: :math:`\Delta E_c / \sum_i n_i` (eV/ion)
* per transferred charge: :math:`\Delta E_c / \sum_i n_i z_i` (eV/e)
* average insertion voltage vs the metal(s): :math:`\bar V_c = -\Delta E_c / (e \sum_i n_i z_i)` (V; for a
  mixed configuration each ion is referenced to its own metal)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from dualion.data import display_source
from dualion.thermo.grand import charges_transferred, insertion_energy_eV
from dualion.thermo.sitemodel import Configuration, SiteModel


def per_ion_eV(dE_eV: float, counts: Mapping[str, int]) -> float:
    """ΔE / Σ n_i, eV per inserted ion."""
    return float(dE_eV / sum(counts.values()))


def per_charge_eV(dE_eV: float, n_charges: int) -> float:
    """ΔE / Σ n_i z_i, eV per transferred electron."""
    return float(dE_eV / n_charges)


def average_voltage_V(dE_eV: float, n_charges: int) -> float:
    """Average insertion voltage vs the metal(s), V: −ΔE / (e Σ n_i z_i)."""
    return float(-dE_eV / n_charges)


@dataclass(frozen=True)
class InsertionRecord:
    """One configuration's insertion energies (eV) and flags; ``insertion_energy_eV`` is per inserted ion
    when one ion kind is inserted, else the total (``insertion_energy_basis`` says which)."""

    title: str
    host: str
    label: str
    counts: dict[str, int]
    status: str
    flag: str
    total_eV: float
    per_ion_eV: float
    per_charge_eV: float
    n_charges: int
    average_voltage_V: float
    insertion_energy_eV: float
    insertion_energy_basis: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def insertion_record(model: SiteModel, conf: Configuration) -> InsertionRecord:
    """All insertion-energy numbers of ``conf`` in ``model``."""
    dE = insertion_energy_eV(model, conf)
    nq = charges_transferred(model, conf.counts)
    single = len([i for i, n in conf.counts.items() if n > 0]) == 1
    per_ion = per_ion_eV(dE, conf.counts)
    flags = []
    if not conf.finished:
        flags.append(f"INCOMPLETE run (status: {conf.status})")
    if not model.host.finished:
        flags.append(f"INCOMPLETE host (status: {model.host.status})")
    bad_refs = dict(model.provenance.get("incomplete_references") or {})
    for ion in sorted(set(conf.counts) & set(bad_refs)):
        flags.append(f"INCOMPLETE {ion} metal reference (status: {bad_refs[ion]})")
    return InsertionRecord(title=conf.title or conf.label, host=model.host.title or model.name, label=conf.label,
                           counts=dict(conf.counts), status=conf.status, flag="; ".join(flags), total_eV=dE,
                           per_ion_eV=per_ion, per_charge_eV=per_charge_eV(dE, nq), n_charges=nq,
                           average_voltage_V=average_voltage_V(dE, nq),
                           insertion_energy_eV=per_ion if single else dE,
                           insertion_energy_basis="per inserted ion" if single else "total",
                           source=display_source(conf.source))


def insertion_table(models: Sequence[SiteModel]) -> list[InsertionRecord]:
    """Records for every configuration of every model (incomplete runs kept, flagged)."""
    return [insertion_record(m, c) for m in models for c in m.configurations]


def inserted_elements(runs: Sequence[Any]) -> dict[str, int]:
    """Working ions found in calculation runs: {element: number of configurations inserting it}.

    A configuration is a compound run whose composition is another compound run's (its host) plus
    some atoms of one or more elements and nothing less; those added elements are inserted ions.
    Inserted elements are metals: those with an elemental (reference) run among ``runs``, or, when
    there is none, the known ions of :mod:`dualion.ions` other than H. Each configuration counts once
    per element, paired with the host that differs from it the least.
    """
    compounds = [r for r in runs if len(r.composition) > 1]
    metals = {el for r in runs if len(r.composition) == 1 for el in r.composition}
    if not metals:
        from dualion.ions import FORMAL_CHARGES

        metals = set(FORMAL_CHARGES) - {"H"}
    found: dict[str, int] = {}
    for c in compounds:
        best = None
        for h in compounds:
            if h is c:
                continue
            extra = {el: n - h.composition.get(el, 0) for el, n in c.composition.items()
                     if n != h.composition.get(el, 0)}
            if (not extra or any(v < 0 for v in extra.values()) or not set(extra) <= metals
                    or any(el not in c.composition for el in h.composition)):
                continue
            if best is None or sum(extra.values()) < sum(best.values()):
                best = extra
        for el in best or {}:
            found[el] = found.get(el, 0) + 1
    return found


def ions_from_files(paths: Sequence[str]) -> dict[str, int]:
    """:func:`inserted_elements` of the calculation files among ``paths`` (site-model files and bundled
    names carry their own ions and are skipped); {} when there are none."""
    import os
    from pathlib import Path

    from dualion.io.readers import is_site_model_file, read_runs
    from dualion.thermo.models import BUNDLED_NAMES

    runs = []
    for p in paths:
        s = os.fspath(p)
        if (s in BUNDLED_NAMES and not Path(s).exists()) or not Path(s).exists() or is_site_model_file(s):
            continue
        runs += read_runs(s)
    return inserted_elements(runs)
