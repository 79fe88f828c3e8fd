"""From calculation runs to site models: metal references, host ↔ configuration pairing.

Rules (see docs/thermo.md):

* **Metal references**: a run whose composition is a single element gives that element's
  reference energy per atom, E / N (eV/atom); the finished run with the lowest E / N wins. References
  given explicitly override those found among the files.
* **Hosts** are runs that contain none of the working ions (an elemental host such as C or Si is allowed);
  **configurations** contain at least one.
* A configuration is paired with the host whose composition equals its own minus the working ions
  (configuration = host + working ions only). Where several hosts share that composition (e.g. the
  two "2F+2OH" hosts) the titles decide: ``"TiO2 4F + Li"`` ↔ ``"TiO2 4F stoichiometric"``.
* A configuration that matches no host is an error naming it and the nearest host — unless it
  contains another metal with a reference (e.g. a Na run while the working ions are Li, Mg), which is
  skipped.
* Runs whose status is not ``finished`` are kept with their status (flagged downstream).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from dualion.errors import DualionUserError
from dualion.io.readers import Run
from dualion.ions import formal_charge
from dualion.thermo.sitemodel import Configuration, SiteModel


@dataclass(frozen=True)
class Reference:
    """Energy per atom (eV/atom) of an elemental metal and where it came from."""

    element: str
    energy_eV_per_atom: float
    origin: str
    status: str = "finished"


def references_from_runs(runs: Iterable[Run]) -> dict[str, Reference]:
    """Per-atom energies of the single-element runs (lowest E/N among finished runs, else any)."""
    best: dict[str, tuple[bool, float, Run]] = {}
    for r in runs:
        if len(r.composition) != 1:
            continue
        (el, n), = r.composition.items()
        e = r.energy_eV / n
        key = (not r.finished, e)
        if el not in best or key < best[el][:2]:
            best[el] = (not r.finished, e, r)
    return {el: Reference(el, e, f"{r.title!r} ({r.where}, {r.composition[el]} atoms)", r.status)
            for el, (_, e, r) in best.items()}


def counts_label(counts: Mapping[str, int], ions: Sequence[str] | None = None) -> str:
    """Short label from ion counts: ``{}`` → ``empty``, ``{Li: 2}`` → ``Li+Li``, ``{Li: 5}`` → ``5Li``."""
    order = list(ions or []) + sorted(set(counts) - set(ions or []))
    parts = []
    for ion in order:
        n = counts.get(ion, 0)
        if n <= 0:
            continue
        parts += [ion] * n if n <= 3 else [f"{n}{ion}"]
    return "+".join(parts) or "empty"


_NOISE_WORDS = re.compile(r"\b(stoichiometric|host|empty|pristine|pure)\b", re.IGNORECASE)


def title_key(title: str, metals: Iterable[str]) -> str:
    """Title with the inserted-metal suffixes (``+ Li``, ``+ 2Mg``) and host words removed, lower case."""
    t = title
    for m in sorted(set(metals), key=len, reverse=True):
        t = re.sub(rf"\s*\+\s*\d*\s*{re.escape(m)}(?![a-z])", " ", t)
    t = _NOISE_WORDS.sub(" ", t)
    return " ".join(t.replace("_", " ").split()).strip(" +").lower()


def _diff(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    return {el: a.get(el, 0) - b.get(el, 0) for el in sorted(set(a) | set(b)) if a.get(el, 0) != b.get(el, 0)}


def _fmt_diff(d: Mapping[str, int]) -> str:
    return "{" + ", ".join(f"{el}: {n:+d}" for el, n in d.items()) + "}"


def _framework(comp: Mapping[str, int], ions: Sequence[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((el, n) for el, n in comp.items() if el not in ions))


def _conf_from_run(r: Run, counts: dict[str, int], label: str, site: str | None = None) -> Configuration:
    return Configuration(label=label, counts=counts, energy_eV=r.energy_eV, status=r.status, title=r.title,
                         source=r.where, site=site)


def site_models_from_runs(runs: Sequence[Run], ions: Sequence[str] = ("Li", "Mg"),
                          references: Mapping[str, float] | None = None,
                          charges: Mapping[str, int] | None = None) -> list[SiteModel]:
    """Pair configurations with hosts and build one :class:`SiteModel` per host with configurations.

    ``references`` (eV per atom of each metal) override the elemental runs found in ``runs``.
    Raises :class:`DualionUserError` for a configuration that is not host + working ions, for an
    ambiguous pairing, and for a missing reference.
    """
    ions = tuple(ions)
    for ion in ions:
        formal_charge(ion, dict(charges or {}))
    found = references_from_runs(runs)
    refs: dict[str, Reference] = dict(found)
    for el, e in (references or {}).items():
        refs[el] = Reference(el, float(e), "given")
    other_metals = set(refs) - set(ions)
    metals_all = set(refs) | set(ions)
    compound = [r for r in runs if len(r.composition) > 1]
    # single-element runs are metal references, but one of a non-working element may also be a host
    # (graphite C72, Si, Sn ... + Li): it is kept as a host candidate; unpaired hosts are dropped anyway
    elemental_hosts = [r for r in runs if len(r.composition) == 1 and not set(r.composition) & set(ions)]
    hosts = [r for r in compound if not any(ion in r.composition for ion in ions)] + elemental_hosts
    confs = [r for r in compound if any(ion in r.composition for ion in ions)]
    by_framework: dict[tuple, list[Run]] = {}
    for h in hosts:
        by_framework.setdefault(_framework(h.composition, ()), []).append(h)

    paired: dict[int, list[tuple[Run, dict[str, int]]]] = {}
    host_of: dict[int, Run] = {}
    for c in confs:
        counts = {ion: c.composition[ion] for ion in ions if ion in c.composition}
        cands = by_framework.get(_framework(c.composition, ions), [])
        if not cands:
            if other_metals & set(c.composition):
                continue  # insertion of another metal (e.g. Na while ions are Li, Mg): not ours
            frame = {el: n for el, n in c.composition.items() if el not in ions}
            if hosts:
                near = min(hosts, key=lambda h: sum(abs(v) for v in _diff(frame, h.composition).values()))
                raise DualionUserError(
                    f"unbalanced stoichiometry: configuration {c.title!r} ({c.where}) is not host + working ions "
                    f"{list(ions)}; nearest host {near.title!r} ({near.where}) differs by "
                    f"{_fmt_diff(_diff(frame, near.composition))}", file=c.source, field="stoichiometry")
            raise DualionUserError(f"no host run found for configuration {c.title!r} ({c.where}): add the "
                                   "calculation of the empty host", file=c.source, field="stoichiometry")
        if len(cands) > 1:
            key = title_key(c.title, metals_all)
            exact = [h for h in cands if title_key(h.title, metals_all) == key]
            if len(exact) != 1:
                names = ", ".join(f"{h.title!r} ({h.where})" for h in cands)
                raise DualionUserError(f"cannot pair configuration {c.title!r} ({c.where}) by title: hosts {names} "
                                       "all have its composition minus the working ions", file=c.source,
                                       field="title")
            cands = exact
        h = cands[0]
        host_of[id(h)] = h
        paired.setdefault(id(h), []).append((c, counts))

    models = []
    for hid, items in paired.items():
        h = host_of[hid]
        model_refs: dict[str, float] = {}
        ref_origin: dict[str, str] = {}
        for ion in ions:
            if ion in refs:
                model_refs[ion] = refs[ion].energy_eV_per_atom
                ref_origin[ion] = refs[ion].origin + ("" if refs[ion].status == "finished"
                                                      else f" [status: {refs[ion].status}]")
        for c, counts in items:
            for ion in counts:
                if ion not in model_refs:
                    raise DualionUserError(
                        f"missing reference energy for {ion} (needed by {c.title!r}): no elemental {ion} run among "
                        f"the input files; add one or give --ref {ion}=EV_PER_ATOM", file=c.source,
                        field=f"references.{ion}")
        used = {ion for _, counts in items for ion in counts}
        bad_refs = {ion: refs[ion].status for ion in sorted(used)
                    if ion in model_refs and refs[ion].origin != "given" and refs[ion].status != "finished"}
        labels: dict[str, int] = {}
        configurations = []
        for c, counts in sorted(items, key=lambda it: (sorted(it[1].items()), it[0].title)):
            lab = counts_label(counts, ions)
            labels[lab] = labels.get(lab, 0) + 1
            if labels[lab] > 1:
                lab = f"{lab} ({c.title})"
            configurations.append(_conf_from_run(c, counts, lab))
        host = Configuration(label=h.title, counts={}, energy_eV=h.energy_eV, status=h.status, title=h.title,
                             source=h.where)
        models.append(SiteModel(name=h.title, ions=ions, references_eV_per_atom=model_refs, host=host,
                                configurations=tuple(configurations), charges=dict(charges or {}),
                                provenance={"kind": "DFT runs paired by composition/title",
                                            "references": ref_origin,
                                            **({"incomplete_references": bad_refs} if bad_refs else {})},
                                source=h.source))
    models.sort(key=lambda m: (m.source, m.name))
    return models


def select_model(models: Sequence[SiteModel], host: str | None) -> SiteModel:
    """The model whose host title (or name) is ``host``; with ``host=None`` the only model."""
    if not models:
        raise DualionUserError("no host with insertion configurations found in the input files", field="FILES")
    if host is None:
        if len(models) == 1:
            return models[0]
        raise DualionUserError("several hosts found (" + "; ".join(repr(m.name) for m in models)
                               + "): choose one with --host TITLE", field="host")
    for pred in (lambda m: m.name == host or m.host.title == host,
                 lambda m: host.lower() in (m.name.lower(), m.host.title.lower(), m.host.label.lower())):
        hits = [m for m in models if pred(m)]
        if len(hits) == 1:
            return hits[0]
    raise DualionUserError(f"no host titled {host!r}; available: " + "; ".join(repr(m.name) for m in models),
                           field="host")


def with_site(model: SiteModel, site: str, name: str | None = None, **prov) -> SiteModel:
    """Copy of ``model`` with every configuration tagged with ``site`` (e.g. ``"i"``, ``"Ti"``)."""
    confs = tuple(replace(c, site=site) for c in model.configurations)
    return replace(model, configurations=confs, name=name or model.name,
                   provenance={**dict(model.provenance), **prov})
