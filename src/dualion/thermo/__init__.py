"""Competitive insertion thermodynamics: insertion energies, grand potentials, exact phase diagrams.

Entry points: :func:`load_site_models` (files or bundled names → site models), :func:`insertion_table`,
:func:`phase_diagram`, :func:`query`, :func:`discharge_paths`.
"""

from dualion.thermo.sitemodel import Configuration, SiteModel, dump_site_model, load_site_model


def __getattr__(name):  # lazy: keep `import dualion.thermo` light
    import importlib

    where = {"load_site_models": "models", "bundled_model": "models", "public_dft_models": "models", "insertion_table": "energies",
             "phase_diagram": "diagram", "query": "diagram", "PhaseDiagram": "diagram",
             "discharge_path": "paths", "discharge_paths": "paths"}
    if name in where:
        return getattr(importlib.import_module(f"dualion.thermo.{where[name]}"), name)
    raise AttributeError(name)


__all__ = ["Configuration", "SiteModel", "dump_site_model", "load_site_model", "load_site_models",
           "bundled_model", "public_dft_models", "insertion_table", "phase_diagram", "query", "PhaseDiagram", "discharge_path",
           "discharge_paths"]
