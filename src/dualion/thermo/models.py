"""Loading site models from files or by name (the paper's three insertion sites).

``load_site_models(paths, ions=("Li", "Mg"), host=None)`` accepts any mix of

* bundled model names: ``interstitial``, ``single-vacancy``, ``paired-vacancy``;
* site-model YAML files (:func:`dualion.thermo.sitemodel.load_site_model`);
* calculation files read by :func:`dualion.io.readers.read_runs` (vasppy YAML, vasprun.xml, ASE):
  all runs of all files are pooled, metal references taken from elemental runs among them (or
  ``references``), and configurations paired with hosts (:mod:`dualion.thermo.pairing`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path

from dualion.errors import DualionUserError
from dualion.io.readers import is_site_model_file, read_runs
from dualion.thermo.pairing import select_model, site_models_from_runs, with_site
from dualion.thermo.sitemodel import SiteModel, load_site_model

#: Bundled model names → (description, builder).
BUNDLED_NAMES = ("interstitial", "single-vacancy", "paired-vacancy")

CITATION = ("DFT energies: B. J. Morgan, doi:10.15125/BATH-00473 (MIT licence); "
            "J. Ma et al., Chem. Mater. (2018)")


def data_dir() -> Path:
    """Folder of the bundled data (``dualion/data``)."""
    return Path(str(resources.files("dualion") / "data"))


def dft_file(name: str) -> Path:
    """Path of a bundled public-DFT YAML file (e.g. ``"vacancy_intercalation.yaml"``)."""
    return data_dir() / "f-tio2-dft" / name


def bundled_model(name: str, ions: Sequence[str] = ("Li", "Mg")) -> SiteModel:
    """One of the paper's three site models by name.

    * ``interstitial``: stoichiometric anatase 3x3x1 (Ti36O72) + one interstitial ion (public DFT set).
    * ``single-vacancy``: [V_Ti + 4F_O] "TiO2 4F" 3x3x1 cell + one ion on the vacant Ti site (public DFT set).
    * ``paired-vacancy``: [2V_Ti + 8F_O] with empty, Li, Mg, Li+Li, Mg+Mg, Li+Mg — energies DERIVED FROM
      THE PAPER'S REPORTED Fig. 6c THRESHOLDS, not DFT (see the file's provenance).
    """
    refs = dft_file("elemental_reference.yaml")
    if name == "interstitial":
        runs = read_runs(dft_file("stoichiometric_anatase.yaml")) + read_runs(refs)
        m = select_model(site_models_from_runs(runs, ions), "stoichiometric anatase")
        return with_site(m, "i", name="interstitial (stoichiometric anatase)", citation=CITATION)
    if name == "single-vacancy":
        runs = read_runs(dft_file("vacancy_intercalation.yaml")) + read_runs(refs)
        m = select_model(site_models_from_runs(runs, ions), "TiO2 4F stoichiometric")
        return with_site(m, "Ti", name="single vacancy [V_Ti + 4F_O]", citation=CITATION)
    if name == "paired-vacancy":
        m = load_site_model(data_dir() / "site_models" / "paired_vacancy_paper.yaml")
        extra = set(ions) - set(m.ions)
        if extra:
            raise DualionUserError(f"the paired-vacancy model has only {list(m.ions)}, not {sorted(extra)}",
                                   field="ions")
        return m
    raise DualionUserError(f"unknown site model name {name!r} (known: {', '.join(BUNDLED_NAMES)})", field="FILES")


PUBLIC_DFT_FILES = ("elemental_reference.yaml", "stoichiometric_anatase.yaml", "vacancy_intercalation.yaml",
                    "anion_location_test_data.yaml")


@functools.lru_cache(maxsize=1)
def _public_dft_bytes() -> frozenset[bytes]:
    return frozenset(dft_file(f).read_bytes() for f in PUBLIC_DFT_FILES)


def is_public_dft_file(path: str | os.PathLike) -> bool:
    """True if ``path`` is (a byte-identical copy of) one of the public DFT files: its figures must cite it."""
    try:
        p = Path(path)
        return p.stat().st_size <= 5_000_000 and p.read_bytes() in _public_dft_bytes()
    except OSError:
        return False


def _cite_public(model: SiteModel) -> SiteModel:
    """Add the public data set's citation (MIT) to a model built from its runs."""
    sources = {model.host.source.split("#")[0]} | {c.source.split("#")[0] for c in model.configurations}
    if any(s and is_public_dft_file(s) for s in sources) and "citation" not in model.provenance:
        return replace(model, provenance={**dict(model.provenance), "citation": CITATION})
    return model


def public_dft_models(ions: Sequence[str] = ("Li", "Na", "Mg", "Ca", "Al")) -> list[SiteModel]:
    """Site models of every host in the bundled public DFT set (all runs, incomplete ones kept, flagged)."""
    from dualion.io.readers import read_runs
    from dualion.thermo.pairing import site_models_from_runs

    runs = [r for f in PUBLIC_DFT_FILES for r in read_runs(dft_file(f))]
    return [_cite_public(m) for m in site_models_from_runs(runs, tuple(ions))]


def load_site_models(paths: Sequence[str | os.PathLike], ions: Sequence[str] = ("Li", "Mg"),
                     host: str | None = None, references: Mapping[str, float] | None = None) -> list[SiteModel]:
    """Site models from files and/or bundled names; with ``host`` only the model of that host.

    Returns a list (one model per host with configurations). Errors are :class:`DualionUserError`.
    """
    if not paths:
        raise DualionUserError("no input files given", field="FILES")
    models: list[SiteModel] = []
    runs = []
    for p in paths:
        s = os.fspath(p)
        if s in BUNDLED_NAMES and not Path(s).exists():
            models.append(bundled_model(s, ions))
        elif not Path(s).exists():
            raise DualionUserError(f"file not found (bundled names: {', '.join(BUNDLED_NAMES)})", file=s)
        elif is_site_model_file(s):
            models.append(load_site_model(s))
        else:
            runs += read_runs(s)
    if runs:
        models += [_cite_public(m) for m in site_models_from_runs(runs, ions, references=references)]
    if host is not None:
        return [select_model(models, host)]
    if not models:
        raise DualionUserError("no host with insertion configurations found in the input files", field="FILES")
    return models


def load_one(paths: Sequence[str | os.PathLike], ions: Sequence[str] = ("Li", "Mg"), host: str | None = None,
             references: Mapping[str, float] | None = None) -> SiteModel:
    """Exactly one site model (``host`` chooses among several)."""
    return select_model(load_site_models(paths, ions, host, references), host)
