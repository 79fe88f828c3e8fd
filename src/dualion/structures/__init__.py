"""dualion.structures: anatase TiO2 host, the paper's defect models, symmetry-distinct placements,
and the Fig. 7 vacancy-octahedron distortion analysis.

Public API (stable names)::

    anatase(a, c, u) -> Structure             # conventional Ti4O8 cell, I4_1/amd
    supercell(structure, (nx, ny, nz)) -> Structure
    ModelStructure                            # frozen dataclass: label, host, counts, site, structure, ...
    build_site_model(name, supercell, ions, anions, distinct) -> list[ModelStructure]
    build_calibration_set(supercell, ions) -> list[ModelStructure]   # meta["dft_title"]
    build_anion_location_set() -> list[ModelStructure]               # meta["dft_title"]
    vacancy_octahedron_distances(structure, vacancy_site) -> dict    # Fig. 7
"""

from __future__ import annotations

from dualion.structures.anatase import (
    A_ANATASE_A,
    C_ANATASE_A,
    INTERSTITIAL_4B,
    TI_4A,
    U_ANATASE,
    anatase,
    interstitial_sites,
    parse_supercell,
    supercell,
)
from dualion.structures.models import (
    SITE_MODELS,
    ModelStructure,
    build_anion_location_set,
    build_calibration_set,
    build_site_model,
    charge_sum,
)

__all__ = [
    "A_ANATASE_A", "C_ANATASE_A", "U_ANATASE", "TI_4A", "INTERSTITIAL_4B", "SITE_MODELS",
    "anatase", "supercell", "parse_supercell", "interstitial_sites",
    "ModelStructure", "build_site_model", "build_calibration_set", "build_anion_location_set", "charge_sum",
    "vacancy_octahedron_distances", "find_vacancy_sites",
]


def __getattr__(name: str):  # lazy: the distortion module pulls in matplotlib only when used
    if name in ("vacancy_octahedron_distances", "find_vacancy_sites"):
        from dualion.structures import distortion

        return getattr(distortion, name)
    raise AttributeError(name)
