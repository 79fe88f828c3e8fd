"""Write model structures (CIF or POSCAR) with a ``manifest.yaml`` describing each one."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from dualion.errors import DualionUserError
from dualion.io.atomic import atomic_write_text

FORMATS = ("cif", "poscar")
MANIFEST = "manifest.yaml"
MANIFEST_FORMAT = "dualion-structures/1"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", text).strip("_")


def structure_text(structure, fmt: str, comment: str = "") -> str:
    """CIF or POSCAR text of a pymatgen structure."""
    if fmt == "cif":
        from pymatgen.io.cif import CifWriter

        return str(CifWriter(structure))
    if fmt == "poscar":
        from pymatgen.io.vasp.inputs import Poscar

        return Poscar(structure, comment=comment or structure.composition.formula).get_str()
    raise DualionUserError(f"unknown structure format {fmt!r}; choose {', '.join(FORMATS)}", field="fmt")


def manifest_entry(m: Any, file: str) -> dict[str, Any]:
    """Plain-data description of a :class:`~dualion.structures.ModelStructure`."""
    meta = {k: v for k, v in m.meta.items()}
    return {"file": file, "label": m.label, "host": m.host, "counts": dict(m.counts), "site": m.site,
            "multiplicity": int(m.multiplicity), "formula": m.formula, "natoms": len(m.structure), "meta": meta}


def write_structures(models: Sequence[Any], out_dir: str | os.PathLike, fmt: str = "cif",
                     site_model: str = "") -> Path:
    """Write each model structure to ``out_dir`` and a ``manifest.yaml``; return the manifest path.

    File names: ``NNN_<host>[__<label>].cif`` (or ``.vasp`` for POSCAR). All texts are generated
    first; files are written atomically.
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise DualionUserError(f"unknown structure format {fmt!r}; choose {', '.join(FORMATS)}", field="fmt")
    models = list(models)
    if not models:
        raise DualionUserError("no structures to write")
    ext = "cif" if fmt == "cif" else "vasp"
    files, entries = [], []
    for k, m in enumerate(models):
        name = f"{k:03d}_{_safe(m.host)}" + ("" if m.is_host else f"__{_safe(m.label)}") + f".{ext}"
        files.append((name, structure_text(m.structure, fmt, f"{m.host} | {m.label}")))
        entries.append(manifest_entry(m, name))
    doc = {"format": MANIFEST_FORMAT, "site_model": site_model, "structures": entries}
    text = yaml.safe_dump(doc, sort_keys=False, width=120)
    out = Path(out_dir)
    for name, body in files:
        atomic_write_text(out / name, body)
    return atomic_write_text(out / MANIFEST, text)


def read_structure(path: str | os.PathLike):
    """Read a CIF/POSCAR/any pymatgen-readable structure; DualionUserError when it cannot."""
    from dualion.io.text import utf8_copy

    p = Path(path)
    if not p.is_file():
        raise DualionUserError("file not found" if not p.is_dir() else "expected a file, got a folder", file=p)
    with utf8_copy(p) as src:       # binary data in a text format: one line; UTF-16/Latin-1 decoded
        return _read_structure(src, p)


def _read_structure(src: Path, p: Path):
    import numpy as np
    from pymatgen.core import Structure

    try:
        s = Structure.from_file(str(src))
        if not (np.isfinite(s.lattice.matrix).all() and np.isfinite(s.frac_coords).all() and s.volume > 0):
            raise DualionUserError("lattice or coordinates not finite (NaN/inf), or zero cell volume", file=p)
        return s
    except DualionUserError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is a user error
        first = exc
    try:  # ASE formats (extended XYZ from `dualion compute --structures`, traj, ...): last frame
        from ase.io import read
        from pymatgen.io.ase import AseAtomsAdaptor

        atoms = read(str(src), index=-1)
        if not atoms.pbc.all():
            raise ValueError("not a periodic structure")
        return AseAtomsAdaptor.get_structure(atoms)
    except Exception:  # noqa: BLE001
        raise DualionUserError(f"cannot read a structure: {type(first).__name__}: {first}".splitlines()[0],
                               file=p) from None


def read_manifest_vacancies(directory: str | os.PathLike) -> dict[str, list[list[float]]]:
    """``{file name: vacancy fractional sites}`` from a ``manifest.yaml`` written by :func:`write_structures`."""
    p = Path(directory) / MANIFEST
    if not p.is_file():
        return {}
    from dualion.io.text import read_yaml

    doc = read_yaml(p) or {}   # a broken manifest is one line naming it, not silently ignored
    out = {}
    for e in doc.get("structures", []) if isinstance(doc, dict) else []:
        vac = (e.get("meta") or {}).get("vacancies")
        if vac:
            out[str(e.get("file"))] = vac
    return out


def read_info_vacancies(path: str | os.PathLike) -> list[list[float]] | None:
    """V_Ti sites stored by ``dualion compute --structures`` in an extended-XYZ comment line
    (``vacancies="x,y,z;x,y,z"``, fractional, V1 first), or None."""
    p = Path(path)
    if p.suffix.lower() not in (".extxyz", ".xyz"):
        return None
    try:
        from ase.io import read

        text = read(str(p), index=-1).info.get("vacancies")
        if not isinstance(text, str) or not text.strip():
            return None
        sites = [[float(x) for x in item.split(",")] for item in text.split(";")]
    except Exception:  # noqa: BLE001 - no usable annotation: fall back to detection
        return None
    return sites if sites and all(len(v) == 3 for v in sites) else None
