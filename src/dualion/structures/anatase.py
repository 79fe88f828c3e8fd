"""Anatase TiO2 (space group I4_1/amd, No. 141) from its lattice parameters, and supercells.

Setting: International Tables *origin choice 1* (origin at a Ti atom, site symmetry -4m2), so that

* Ti occupies Wyckoff **4a**: (0, 0, 0), (0, 1/2, 1/4) + I-centring (1/2, 1/2, 1/2);
* O occupies **8e**: (0, 0, ±u), (0, 1/2, 1/4 ± u) + I-centring, u ≈ 0.208;
* the empty octahedral interstitial sites (where Li sits in Li_xTiO2) are **4b**:
  (0, 0, 1/2), (0, 1/2, 3/4) + I-centring, i.e. a 4a site shifted by c/2.

Each Ti has four equatorial O at d_eq = sqrt((a/2)^2 + ((u - 1/4) c)^2) (1.934 Å) and two axial
(apical) O along c at d_ax = u c (1.980 Å) for the default parameters.

Default parameters are the experimental room-temperature values of Horn, Schwerdtfeger & Meagher,
Z. Kristallogr. 136, 273 (1972): a = 3.7842 Å, c = 9.5146 Å, u = 0.2081. The paper relaxes the
lattice with PBEsol+U (Murnaghan fit); pass its values explicitly (``anatase(a=..., c=..., u=...)``)
or relax with an engine when you need a self-consistent lattice.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dualion.errors import DualionUserError

#: Experimental anatase lattice parameters (Å) and O coordinate u (origin choice 1).
A_ANATASE_A = 3.7842
C_ANATASE_A = 9.5146
U_ANATASE = 0.2081

_CENTRING = np.array([[0.0, 0.0, 0.0], [0.5, 0.5, 0.5]])
#: 4a (Ti) positions of the conventional cell, origin choice 1 (fractional).
TI_4A = np.array([[0.0, 0.0, 0.0], [0.0, 0.5, 0.25], [0.5, 0.5, 0.5], [0.5, 0.0, 0.75]])
#: 4b (octahedral interstitial) positions of the conventional cell, origin choice 1 (fractional).
INTERSTITIAL_4B = np.array([[0.0, 0.0, 0.5], [0.0, 0.5, 0.75], [0.5, 0.5, 0.0], [0.5, 0.0, 0.25]])


def o_8e(u: float = U_ANATASE) -> np.ndarray:
    """The eight 8e (O) fractional positions of the conventional cell (origin choice 1)."""
    base = np.array([[0.0, 0.0, u], [0.0, 0.0, -u], [0.0, 0.5, 0.25 + u], [0.0, 0.5, 0.25 - u]])
    return np.mod(np.vstack([base + t for t in _CENTRING]), 1.0)


def anatase(a: float = A_ANATASE_A, c: float = C_ANATASE_A, u: float = U_ANATASE):
    """Conventional 12-atom anatase cell Ti4O8 (pymatgen ``Structure``), lengths in Å.

    Sites are ordered Ti (4a) then O (8e). ``u`` is the O z coordinate in origin choice 1.
    """
    from pymatgen.core import Lattice, Structure

    for name, val in (("a", a), ("c", c)):
        if not np.isfinite(val) or val <= 0:
            raise DualionUserError(f"lattice parameter {name} must be a positive length in Å, got {val!r}",
                                   field=name)
    if not (0.15 < u < 0.25):
        raise DualionUserError(f"O coordinate u must lie in (0.15, 0.25) (anatase: ~0.208), got {u!r}",
                               field="u")
    lattice = Lattice.tetragonal(a, c)
    coords = np.vstack([TI_4A, o_8e(u)])
    return Structure(lattice, ["Ti"] * 4 + ["O"] * 8, coords)


def parse_supercell(value: str | Sequence[int]) -> tuple[int, int, int]:
    """``"4x4x2"`` or ``(4, 4, 2)`` → ``(4, 4, 2)``; raises :class:`DualionUserError` if malformed."""
    if isinstance(value, str):
        parts = value.lower().replace("×", "x").replace(",", "x").split("x")
        try:
            dims = tuple(int(p) for p in parts)
        except ValueError:
            raise DualionUserError(f"expected a supercell like 4x4x2, got {value!r}", field="supercell") from None
    else:
        dims = tuple(int(p) for p in value)
    if len(dims) != 3 or any(d < 1 for d in dims):
        raise DualionUserError(f"expected three positive integers nx x ny x nz, got {value!r}",
                               field="supercell")
    return dims  # type: ignore[return-value]


def supercell(structure, dims: str | Sequence[int]):
    """Diagonal supercell ``nx x ny x nz`` of ``structure`` (a new pymatgen ``Structure``)."""
    nx, ny, nz = parse_supercell(dims)
    return structure.make_supercell([nx, ny, nz], in_place=False)


def interstitial_sites(dims: Sequence[int] = (1, 1, 1)) -> np.ndarray:
    """Fractional coordinates of all 4b interstitial sites in an ``nx x ny x nz`` supercell."""
    nx, ny, nz = parse_supercell(dims)
    return _tile(INTERSTITIAL_4B, (nx, ny, nz))


def ti_sites(dims: Sequence[int] = (1, 1, 1)) -> np.ndarray:
    """Fractional coordinates of all 4a (Ti) sites in an ``nx x ny x nz`` supercell."""
    return _tile(TI_4A, parse_supercell(dims))


def _tile(frac: np.ndarray, dims: tuple[int, int, int]) -> np.ndarray:
    n = np.array(dims, dtype=float)
    shifts = np.array([[i, j, k] for i in range(dims[0]) for j in range(dims[1]) for k in range(dims[2])],
                      dtype=float)
    return np.vstack([(frac + s) / n for s in shifts])


def parse_lattice(value: str | Sequence[float]) -> tuple[float, float, float]:
    """``"3.7842,9.5146,0.2081"`` (a, c in Å, u) or ``"3.78,9.51"`` (u default) → ``(a, c, u)``, checked.

    Raises :class:`DualionUserError` (field ``--lattice``) when malformed or unphysical.
    """
    if isinstance(value, str):
        try:
            vals = [float(x) for x in value.replace(",", " ").split()]
        except ValueError:
            vals = []
    else:
        vals = [float(x) for x in value]
    if len(vals) not in (2, 3):
        raise DualionUserError(f"expected a,c[,u] (Å, Å, fractional), e.g. 3.7842,9.5146,0.2081; got {value!r}",
                               field="lattice")
    a, c = vals[0], vals[1]
    u = vals[2] if len(vals) == 3 else U_ANATASE
    for name, val in (("a", a), ("c", c)):
        if not np.isfinite(val) or not (2.5 < val < 15.0):
            raise DualionUserError(f"lattice parameter {name} = {val!r} Å is not an anatase-like length "
                                   "(a ≈ 3.8 Å, c ≈ 9.5 Å)", field="lattice")
    if not (0.15 < u < 0.25):
        raise DualionUserError(f"O coordinate u must lie in (0.15, 0.25) (anatase: ~0.208), got {u!r}",
                               field="lattice")
    return float(a), float(c), float(u)


def lattice_parameters(structure) -> tuple[float, float, float]:
    """``(a, c, u)`` of a (relaxed) conventional anatase cell Ti4O8 (pymatgen ``Structure`` or ASE ``Atoms``).

    a = mean of the two in-plane cell lengths, c = third cell length (Å); u = mean |Δz| (fractional)
    between each Ti and its two axial O (the O straight above/below it along c), i.e. d_ax / c.
    Rounded to 1e-5 so that a relaxation read back from the results database gives identical models.
    """
    if hasattr(structure, "get_cell"):  # ASE Atoms
        matrix = np.asarray(structure.get_cell().array, dtype=float)
        frac = structure.get_scaled_positions(wrap=True)
        species = structure.get_chemical_symbols()
    else:
        matrix = np.asarray(structure.lattice.matrix, dtype=float)
        frac = np.asarray(structure.frac_coords, dtype=float)
        species = [getattr(sp, "symbol", str(sp)) for sp in structure.species]
    species = np.asarray(species)
    if sorted(species.tolist()) != ["O"] * 8 + ["Ti"] * 4:
        raise DualionUserError("expected the conventional anatase cell Ti4O8", field="structure")
    lengths = np.linalg.norm(matrix, axis=1)
    a = 0.5 * (lengths[0] + lengths[1])
    c = lengths[2]
    ti, o = frac[species == "Ti"], frac[species == "O"]
    us = []
    for t in ti:
        d = o - t
        d -= np.round(d)
        cart = d @ matrix
        axial = np.flatnonzero(np.hypot(cart[:, 0], cart[:, 1]) < 0.3)
        us += [abs(d[k, 2]) for k in axial]
    if len(us) != 8:
        raise DualionUserError("cannot identify the axial Ti–O bonds: not an anatase cell in origin choice 1",
                               field="structure")
    return round(float(a), 5), round(float(c), 5), round(float(np.mean(us)), 5)
