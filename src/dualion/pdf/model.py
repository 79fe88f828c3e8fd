"""Structure models for PDF refinement: one small representation, adapters from every source.

:class:`PDFStructure` holds a unit cell (a, b, c in Å; α, β, γ in degrees) and atoms with element,
fractional position, occupancy and isotropic displacement U_iso (Å²). Partially occupied and mixed
sites are several atoms at one position (Ti 0.78 + Mg 0.18 at 4a). Sources:

* a CIF / POSCAR / any pymatgen-readable file, a PDFgui / PDFfit ``.stru`` file;
* a pymatgen ``Structure`` (ordered or disordered) or an ASE ``Atoms`` object;
* dualion's anatase (:func:`dualion.structures.anatase`), named ``anatase`` with optional lattice and
  site occupancies: ``anatase``, ``anatase:a=3.7991,c=9.475``, ``anatase:Li@4b=0.3``,
  ``anatase:Ti@4a=0.78,Mg@4a=0.18,Li@4b=0`` (Ti vacancies at 4a = Ti occupancy below 1;
  Li / Mg at 4b or 4a added as refinable occupancies);
* ``defect-anatase``: the paper's Ti0.78□0.22O1.12F0.40(OH)0.48 averaged onto the anatase cell
  (Ti 0.78 at 4a; 8e shared by O 0.80 (O + OH, H invisible to X-rays) and F 0.20).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from dualion.errors import DualionUserError

#: U_iso (Å²) given to atoms whose source carries no displacement parameters.
DEFAULT_UISO_A2 = 0.005
#: Names accepted by ``--structure`` besides files.
NAMED = ("anatase", "defect-anatase")


@dataclass
class PDFAtom:
    """One atom: ``element``, fractional ``xyz``, occupancy ``occ`` (0–1), ``uiso`` (Å²)."""

    element: str
    xyz: np.ndarray
    occ: float = 1.0
    uiso: float = DEFAULT_UISO_A2

    def to_dict(self) -> dict[str, Any]:
        return {"element": self.element, "xyz": [float(v) for v in self.xyz], "occ": float(self.occ),
                "Uiso_A2": float(self.uiso)}


@dataclass
class PDFStructure:
    """Unit cell ``lattice`` = (a, b, c [Å], α, β, γ [°]) and its atoms."""

    lattice: tuple[float, float, float, float, float, float]
    atoms: list[PDFAtom]
    title: str = "structure"
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def matrix(self) -> np.ndarray:
        """Rows = lattice vectors (Å), a along x, b in the xy plane (the PDFfit convention)."""
        return lattice_matrix(*self.lattice)

    @property
    def volume_A3(self) -> float:
        return float(abs(np.linalg.det(self.matrix)))

    def formula(self) -> str:
        counts: dict[str, float] = {}
        for at in self.atoms:
            counts[at.element] = counts.get(at.element, 0.0) + at.occ
        return " ".join(f"{el}{n:g}" for el, n in counts.items())

    def copy(self) -> PDFStructure:
        return replace(self, atoms=[replace(a, xyz=np.array(a.xyz, float)) for a in self.atoms],
                       meta=dict(self.meta))

    def to_pdffit(self) -> str:
        """The structure in PDFfit ``.stru`` text (P1 listing; symmetry is imposed by constraints)."""
        a, b, c, al, be, ga = self.lattice
        out = [f"title  {self.title}", "format pdffit", "scale   1.000000",
               "sharp   0.000000,  0.000000,  1.000000,  0.000000", "spcgr   P1",
               f"cell    {a:.8f}, {b:.8f}, {c:.8f}, {al:.8f}, {be:.8f}, {ga:.8f}",
               "dcell   0.000000,  0.000000,  0.000000,  0.000000,  0.000000,  0.000000",
               f"ncell          1,         1,         1,  {len(self.atoms):8d}", "atoms"]
        cos_star = reciprocal_cosines(self.lattice)
        zero = "            0.00000000        0.00000000        0.00000000"
        for at in self.atoms:
            x, y, z = at.xyz
            u = at.uiso
            out += [f"{at.element.upper():<4}  {x:16.8f}  {y:16.8f}  {z:16.8f}  {at.occ:12.8f}",
                    zero + "       0.0000", f"    {u:16.8f}  {u:16.8f}  {u:16.8f}", zero,
                    f"    {u * cos_star[2]:16.8f}  {u * cos_star[1]:16.8f}  {u * cos_star[0]:16.8f}", zero]
        return "\n".join(out) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "source": self.source, "lattice": [float(v) for v in self.lattice],
                "atoms": [a.to_dict() for a in self.atoms], "meta": self.meta}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PDFStructure:
        atoms = [PDFAtom(a["element"], np.asarray(a["xyz"], float), float(a["occ"]), float(a["Uiso_A2"]))
                 for a in d["atoms"]]
        return cls(tuple(float(v) for v in d["lattice"]), atoms, d.get("title", "structure"),  # type: ignore[arg-type]
                   d.get("source", ""), dict(d.get("meta", {})))


def lattice_matrix(a: float, b: float, c: float, alpha: float, beta: float, gamma: float) -> np.ndarray:
    """Lattice vectors (rows, Å) from lengths (Å) and angles (°): a ∥ x, b in the xy plane."""
    al, be, ga = np.radians([alpha, beta, gamma])
    cx = c * np.cos(be)
    cy = c * (np.cos(al) - np.cos(be) * np.cos(ga)) / np.sin(ga)
    cz = np.sqrt(max(c * c - cx * cx - cy * cy, 0.0))
    return np.array([[a, 0, 0], [b * np.cos(ga), b * np.sin(ga), 0], [cx, cy, cz]])


def reciprocal_cosines(lattice) -> np.ndarray:
    """cos α*, cos β*, cos γ* of the reciprocal cell (0 for orthogonal axes; isotropic U_ij = U cos)."""
    al, be, ga = np.radians(lattice[3:])
    ca, cb, cg = np.cos([al, be, ga])
    sa, sb, sg = np.sin([al, be, ga])
    return np.array([(cb * cg - ca) / (sb * sg), (ca * cg - cb) / (sa * sg), (ca * cb - cg) / (sa * sb)])


def _element(sym: str) -> str:
    m = re.match(r"([A-Za-z]{1,2})", sym.strip())
    if not m:
        raise DualionUserError(f"not an element symbol: {sym!r}", field="structure")
    s = m.group(1)
    return s[0].upper() + s[1:].lower()


def from_pymatgen(structure, title: str = "structure", source: str = "") -> PDFStructure:
    """A pymatgen ``Structure`` (disordered sites become one atom per species) → :class:`PDFStructure`."""
    lat = structure.lattice
    atoms = []
    for site in structure:
        for sp, occ in site.species.items():
            el = getattr(sp, "symbol", None) or getattr(getattr(sp, "element", None), "symbol", None) or str(sp)
            if el in ("X", "Xv", "Va", "Vac"):
                continue  # vacancies are missing occupancy, not atoms
            atoms.append(PDFAtom(_element(el), np.mod(np.asarray(site.frac_coords, float), 1.0), float(occ),
                                 float(site.properties.get("Uiso", DEFAULT_UISO_A2)) if site.properties
                                 else DEFAULT_UISO_A2))
    return PDFStructure((lat.a, lat.b, lat.c, lat.alpha, lat.beta, lat.gamma), atoms, title, source)


def from_ase(atoms, title: str = "structure", source: str = "") -> PDFStructure:
    """An ASE ``Atoms`` object (periodic) → :class:`PDFStructure`."""
    from pymatgen.io.ase import AseAtomsAdaptor

    if not atoms.pbc.all():
        raise DualionUserError("a PDF refinement needs a periodic structure (ASE Atoms with pbc)", field="structure")
    return from_pymatgen(AseAtomsAdaptor.get_structure(atoms), title, source)


def read_stru(path: str | os.PathLike) -> PDFStructure:
    """A PDFgui / PDFfit ``.stru`` file (diffpy.structure's parser), U_iso = mean of U11, U22, U33."""
    from diffpy.structure import loadStructure

    p = Path(path)
    try:
        s = loadStructure(str(p), fmt="pdffit")
    except Exception as exc:  # noqa: BLE001 - any parser failure is a user error
        raise DualionUserError(f"cannot read a PDFfit .stru file: {str(exc).splitlines()[0]}", file=p) from None
    lat = s.lattice
    atoms = [PDFAtom(_element(a.element), np.mod(np.asarray(a.xyz, float), 1.0), float(a.occupancy),
                     float(np.trace(a.U) / 3.0) or DEFAULT_UISO_A2) for a in s]
    title = getattr(s, "title", "") or p.stem
    return PDFStructure((lat.a, lat.b, lat.c, lat.alpha, lat.beta, lat.gamma), atoms, title, str(p))


def _parse_named(spec: str) -> tuple[str, dict[str, float]]:
    name, _, rest = spec.partition(":")
    opts: dict[str, float] = {}
    for item in filter(None, (t.strip() for t in rest.split(","))):
        key, eq, val = item.partition("=")
        try:
            opts[key.strip()] = float(val)
        except ValueError:
            eq = ""
        if not eq:
            raise DualionUserError(f"expected KEY=VALUE (a=3.80, Li@4b=0.3), got {item!r}", field="--structure")
    return name.strip().lower(), opts


def anatase_model(a: float | None = None, c: float | None = None, u: float | None = None,
                  occupancies: dict[str, float] | None = None, uiso: float = DEFAULT_UISO_A2) -> PDFStructure:
    """dualion's anatase cell (I4₁/amd, origin choice 1) with site occupancies ``{"Li@4b": 0.3, ...}``.

    Sites: Ti@4a (1 by default), O@8e (1); others (Li@4b, Mg@4a, Mg@4b, F@8e, ...) are added at the
    given occupancy; the 4b positions are the empty octahedral interstitials.
    """
    from dualion.structures.anatase import (A_ANATASE_A, C_ANATASE_A, INTERSTITIAL_4B, TI_4A, U_ANATASE,
                                            anatase, o_8e)

    a = A_ANATASE_A if a is None else a
    c = C_ANATASE_A if c is None else c
    u = U_ANATASE if u is None else u
    anatase(a, c, u)  # validates a, c, u (one-line errors)
    occ = {"Ti@4a": 1.0, "O@8e": 1.0}
    occ.update(occupancies or {})
    sites = {"4a": TI_4A, "4b": INTERSTITIAL_4B, "8e": o_8e(u)}
    atoms = []
    for label, val in occ.items():
        el, _, wy = label.partition("@")
        if wy not in sites:
            raise DualionUserError(f"unknown anatase site {label!r}; use ELEMENT@4a, @4b or @8e", field="--structure")
        if not 0.0 <= val <= 1.0:
            raise DualionUserError(f"occupancy {label}={val:g} must lie in [0, 1]", field="--structure")
        atoms += [PDFAtom(_element(el), np.array(x, float), float(val), uiso) for x in sites[wy]]
    title = "anatase " + " ".join(f"{k}={v:g}" for k, v in occ.items())
    return PDFStructure((a, a, c, 90.0, 90.0, 90.0), atoms, title, "dualion.structures.anatase",
                        {"u": u, "occupancies": occ})


def load_structure(spec: Any) -> PDFStructure:
    """``--structure`` value or object → :class:`PDFStructure` (see the module docstring)."""
    if isinstance(spec, PDFStructure):
        return spec.copy()
    if hasattr(spec, "lattice") and hasattr(spec, "sites"):  # pymatgen Structure (ordered or disordered)
        return from_pymatgen(spec)
    if hasattr(spec, "get_cell") and hasattr(spec, "pbc"):
        return from_ase(spec)
    if not isinstance(spec, (str, os.PathLike)):
        raise DualionUserError(f"cannot use a {type(spec).__name__} as a structure (a file, a model name, a "
                               "pymatgen Structure or an ASE Atoms)", field="--structure")
    text = os.fspath(spec)
    name, opts = _parse_named(text)
    if name in NAMED and not Path(text).exists():
        a, c, u = opts.pop("a", None), opts.pop("c", None), opts.pop("u", None)
        base = {"Ti@4a": 0.78, "O@8e": 0.80, "F@8e": 0.20} if name == "defect-anatase" else {}
        base.update(opts)
        m = anatase_model(a, c, u, base)
        m.title = name + (":" + text.partition(":")[2] if ":" in text else "")
        return m
    p = Path(text)
    if not p.is_file():
        raise DualionUserError(f"not a structure file or a known model ({', '.join(NAMED)})", file=p,
                               field="--structure")
    if p.suffix.lower() == ".stru":
        return read_stru(p)
    import warnings

    from dualion.structures.writers import read_structure

    with warnings.catch_warnings():  # pymatgen's CIF notes (missing formula keys, ...) are not user errors
        warnings.simplefilter("ignore", UserWarning)
        structure = read_structure(p)
    return from_pymatgen(structure, title=p.stem, source=str(p))
