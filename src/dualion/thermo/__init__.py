"""Competitive insertion thermodynamics: insertion energies, grand potentials, exact phase diagrams."""

from dualion.thermo.sitemodel import Configuration, SiteModel, dump_site_model, load_site_model

__all__ = ["Configuration", "SiteModel", "dump_site_model", "load_site_model"]
