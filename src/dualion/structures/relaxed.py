"""Engine-relaxed structures bundled with dualion (extended-XYZ under ``dualion/data/``).

The paired-vacancy 4x4x2 models relaxed with CHGNet (``data/engines/paired_vacancy_4x4x2_structures/``)
are what the Fig. 7 script analyses; :func:`bundled_relaxed_structures` finds them by path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

def bundled_relaxed_structures(lattice=None) -> tuple[dict[str, Any], str]:
    """``({label: Structure}, source description)`` of bundled relaxed paired-vacancy structures.

    Only structures whose cell matches ``lattice`` (when given) are returned.
    """
    import importlib.resources as ir

    try:
        root = Path(str(ir.files("dualion.data")))
    except (ModuleNotFoundError, TypeError):
        return {}, ""
    files = sorted(p for p in root.rglob("*.extxyz") if "paired" in str(p.relative_to(root)).lower())
    if not files:
        return {}, ""
    import numpy as np
    from ase.io import read
    from pymatgen.io.ase import AseAtomsAdaptor

    out: dict[str, Any] = {}
    sources = set()
    for path in files:
        try:
            frames = read(str(path), index=":")
        except Exception:  # noqa: BLE001 - a foreign/bad file is skipped, not fatal for the demo
            continue
        for atoms in frames:
            label = atoms.info.get("label")
            if not label:
                continue
            st = AseAtomsAdaptor.get_structure(atoms)
            if lattice is not None and not np.allclose(st.lattice.matrix, lattice.matrix, atol=0.05):
                continue
            out[str(label)] = st
            engine = atoms.info.get("engine", "")
            version = atoms.info.get("model_version", "")
            sources.add((version if version.lower().startswith(engine.lower()) else f"{engine} {version}").strip()
                        or path.name)
    return out, ", ".join(sorted(sources))
