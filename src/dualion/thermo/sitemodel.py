"""The site-model file: a host, its insertion configurations and the metal references.

YAML shape (total energies in eV; references in eV per atom of each metal)::

    name: paired Ti vacancy
    ions: [Li, Mg]
    references: {Li: -1.957713425, Mg: -1.72451115}
    host: {label: "2V_Ti+8F_O", energy: -3150.0}
    configurations:
      - {label: "Li", counts: {Li: 1}, energy: -3154.1}
      - {label: "Li+Mg", counts: {Li: 1, Mg: 1}, energy: -3159.8}

Optional keys: ``charges`` ({ion: z} overriding the built-in table), ``status`` per entry
(``finished`` by default), ``site`` per configuration (site-type tag, e.g. ``interstitial``),
``uncertainty`` per configuration (eV), ``multiplicity`` per configuration, and ``provenance``
(free-form mapping: engine, model version, citation...).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dualion.errors import DualionUserError
from dualion.io.atomic import atomic_write_text
from dualion.ions import formal_charge


@dataclass(frozen=True)
class Configuration:
    """One calculation: the host with ``counts`` working ions inserted.

    ``energy_eV`` is the total energy of the cell (eV). The host itself is a Configuration with
    empty ``counts``.
    """

    label: str
    counts: Mapping[str, int]
    energy_eV: float
    status: str = "finished"
    title: str = ""
    source: str = ""
    site: str | None = None
    multiplicity: int = 1
    uncertainty_eV: float | None = None

    @property
    def finished(self) -> bool:
        return self.status == "finished"


@dataclass(frozen=True)
class SiteModel:
    """A host and the configurations obtained by inserting working ions into it."""

    name: str
    ions: tuple[str, ...]
    references_eV_per_atom: Mapping[str, float]
    host: Configuration
    configurations: tuple[Configuration, ...]
    charges: Mapping[str, int] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""

    def charge(self, ion: str) -> int:
        """Formal charge z of ``ion`` (file's ``charges`` first, then the built-in table)."""
        return formal_charge(ion, dict(self.charges))


def _err(msg: str, path: str, fld: str) -> DualionUserError:
    return DualionUserError(msg, file=path, field=fld)


def _energy(value: Any, path: str, fld: str) -> float:
    if isinstance(value, bool) or value is None:
        raise _err(f"expected an energy in eV, got {value!r}", path, fld)
    if isinstance(value, str):
        value = value.strip().removesuffix("eV").strip()
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise _err(f"expected an energy in eV, got {value!r}", path, fld) from None
    if not math.isfinite(out):
        raise _err(f"energy is not finite ({value!r})", path, fld)
    return out


def _configuration(entry: Any, path: str, fld: str, ions: tuple[str, ...], host: bool) -> Configuration:
    if not isinstance(entry, Mapping):
        raise _err("expected a mapping with label and energy", path, fld)
    if "energy" not in entry:
        raise _err("missing 'energy' (eV)", path, f"{fld}.energy")
    counts_raw = {} if host else entry.get("counts")
    if not host:
        if not isinstance(counts_raw, Mapping) or not counts_raw:
            raise _err("missing or empty 'counts' ({ion: n})", path, f"{fld}.counts")
    counts: dict[str, int] = {}
    for ion, n in (counts_raw or {}).items():
        if ion not in ions:
            raise _err(f"ion {ion!r} is not one of the model's ions {list(ions)}", path, f"{fld}.counts")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise _err(f"count of {ion} must be a non-negative integer, got {n!r}", path, f"{fld}.counts.{ion}")
        if n:
            counts[ion] = n
    if not host and not counts:
        raise _err("all counts are zero: a configuration must insert at least one ion (the empty host is "
                   "'host')", path, f"{fld}.counts")
    label = str(entry.get("label", "+".join(f"{i}" * 1 for i in counts) or "empty"))
    unc = entry.get("uncertainty")
    mult = entry.get("multiplicity", 1)
    if isinstance(mult, float) and mult.is_integer():
        mult = int(mult)
    if isinstance(mult, bool) or not isinstance(mult, int) or mult < 1:
        raise _err(f"multiplicity must be a positive integer, got {mult!r}", path, f"{fld}.multiplicity")
    site = entry.get("site")
    if site is not None and not isinstance(site, str):
        raise _err(f"site must be a text tag such as 'Ti' or 'i', got {site!r}", path, f"{fld}.site")
    status = entry.get("status", "finished")
    if not isinstance(status, str) or not status.strip():
        raise _err(f"status must be text such as 'finished', got {status!r}", path, f"{fld}.status")
    return Configuration(
        label=label,
        counts=counts,
        energy_eV=_energy(entry["energy"], path, f"{fld}.energy"),
        status=status.strip().lower(),
        title=str(entry.get("title", label)),
        source=path,
        site=site,
        multiplicity=mult,
        uncertainty_eV=None if unc is None else _energy(unc, path, f"{fld}.uncertainty"),
    )


def site_model_from_dict(doc: Any, path: str = "<site model>") -> SiteModel:
    """Validate a parsed site-model document (see module docstring) into a :class:`SiteModel`."""
    if not isinstance(doc, Mapping):
        raise _err("expected a mapping at the top level of a site-model file", path, "(top level)")
    for key in ("ions", "references", "host", "configurations"):
        if key not in doc:
            raise _err(f"missing required key '{key}'", path, key)
    ions_raw = doc["ions"]
    if isinstance(ions_raw, str):
        ions_raw = [s.strip() for s in ions_raw.split(",")]
    if not isinstance(ions_raw, list) or not ions_raw or not all(isinstance(i, str) for i in ions_raw):
        raise _err("expected a list of element symbols, e.g. [Li, Mg]", path, "ions")
    ions = tuple(ions_raw)
    charges = doc.get("charges") or {}
    if not isinstance(charges, Mapping):
        raise _err("expected a mapping {ion: z}", path, "charges")
    for ion in ions:
        try:
            formal_charge(ion, dict(charges))
        except DualionUserError as exc:
            raise _err(exc.message, path, "charges") from None
    refs_raw = doc["references"]
    if not isinstance(refs_raw, Mapping):
        raise _err("expected a mapping {ion: eV per atom}", path, "references")
    refs = {}
    for ion in ions:
        if ion not in refs_raw:
            raise _err(f"missing reference energy for {ion} (eV per atom of the metal)", path, f"references.{ion}")
        refs[ion] = _energy(refs_raw[ion], path, f"references.{ion}")
    host = _configuration(doc["host"], path, "host", ions, host=True)
    confs_raw = doc["configurations"]
    if not isinstance(confs_raw, list) or not confs_raw:
        raise _err("expected a non-empty list of configurations", path, "configurations")
    confs = tuple(_configuration(c, path, f"configurations[{k}]", ions, host=False) for k, c in enumerate(confs_raw))
    labels = [c.label for c in confs]
    dup = {lab for lab in labels if labels.count(lab) > 1}
    if dup:
        raise _err(f"duplicate configuration labels {sorted(dup)}", path, "configurations")
    prov = doc.get("provenance") or {}
    return SiteModel(name=str(doc.get("name", Path(path).stem)), ions=ions, references_eV_per_atom=refs,
                     host=host, configurations=confs, charges=dict(charges), provenance=dict(prov), source=path)


def load_site_model(path: str | os.PathLike) -> SiteModel:
    """Read a site-model YAML file; any problem raises :class:`DualionUserError` naming file and field."""
    from dualion.cliutil import read_yaml

    return site_model_from_dict(read_yaml(path), str(Path(path)))


def site_model_to_dict(model: SiteModel) -> dict[str, Any]:
    """Plain-data form of ``model`` (round-trips through :func:`site_model_from_dict`)."""

    def conf(c: Configuration, host: bool) -> dict[str, Any]:
        d: dict[str, Any] = {"label": c.label}
        if not host:
            d["counts"] = dict(c.counts)
        d["energy"] = float(c.energy_eV)
        if c.status != "finished":
            d["status"] = c.status
        if c.title and c.title != c.label:
            d["title"] = c.title
        if c.site:
            d["site"] = c.site
        if c.multiplicity != 1:
            d["multiplicity"] = c.multiplicity
        if c.uncertainty_eV is not None:
            d["uncertainty"] = float(c.uncertainty_eV)
        return d

    out: dict[str, Any] = {"name": model.name, "ions": list(model.ions),
                           "references": {k: float(v) for k, v in model.references_eV_per_atom.items()}}
    if model.charges:
        out["charges"] = dict(model.charges)
    out["host"] = conf(model.host, True)
    out["configurations"] = [conf(c, False) for c in model.configurations]
    if model.provenance:
        out["provenance"] = dict(model.provenance)
    return out


def dump_site_model(model: SiteModel, path: str | os.PathLike) -> Path:
    """Write ``model`` as a site-model YAML file, atomically."""
    text = yaml.safe_dump(site_model_to_dict(model), sort_keys=False, default_flow_style=None, width=120)
    return atomic_write_text(path, text)
