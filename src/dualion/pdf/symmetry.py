"""Refinable parameters that the space group allows, derived from its operations (spglib).

Nothing is hard-coded per structure or per crystal system:

* **lattice** — the metric tensor G must satisfy Rᵀ G R = G for every rotation R of the group. The
  invariant subspace (projection of the six G components onto the group average) says which lengths
  are equal (G_ii rows identical → tied: cubic a = b = c, tetragonal / hexagonal a = b), which angles
  are fixed (G_ij ≡ 0 → 90°; G_ij ≡ k·G_ii with a_i = a_j → cos = k, e.g. 120° hexagonal) and which are
  free or tied (rhombohedral α = β = γ);
* **positions** — a site's free directions are the null space of (R − 1) over its site-symmetry
  operations; the free coordinates of one representative per orbit are the parameters, and every
  equivalent atom follows as x_j = R_g x_rep + t_g (+ lattice shift): special positions fixed or tied;
* **ADPs** — one isotropic U per element; **occupancies** — one per site label ``El@<mult><letter>``
  (the Wyckoff position, e.g. ``Li@4b``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dualion.pdf.model import PDFStructure

#: Position tolerance (fractional) for grouping atoms onto one site and for spglib.
SYMPREC = 1e-3
_SYM6 = [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]  # G11 G22 G33 G23 G13 G12


@dataclass
class CoordParam:
    """A free coordinate: ``name`` (``z(O@8e)``), start ``value``, and the atoms that follow it as
    ``(atom index, axis 0–2, coefficient)`` on top of a constant: x = const + Σ coeff · p."""

    name: str
    value: float
    terms: list[tuple[int, int, float]] = field(default_factory=list)


@dataclass
class Symmetry:
    """What the space group leaves free in a :class:`PDFStructure` (indices are 0-based atom indices)."""

    spacegroup: str
    number: int
    lattice: dict[str, list[int]]          # "a" → [0, 1] (lat(1) = lat(2)); fixed ones absent
    fixed_lattice: dict[int, float]        # lat index → exact value (90°, 120°)
    coords: list[CoordParam]
    coord_const: dict[tuple[int, int], float]  # (atom, axis) → constant term of its formula
    sites: dict[str, list[int]]            # "Li@4b" → atoms
    elements: dict[str, list[int]]         # "Ti" → atoms
    symmetrized: np.ndarray                # N×3 fractional positions on the exact special positions
    shared: frozenset[int] = frozenset()   # atoms that share their position with another atom (mixed sites)


def _ops(structure: PDFStructure):
    import spglib

    pos, types, key_of, site_of = [], [], {}, []
    for at in structure.atoms:
        x = np.mod(at.xyz, 1.0)
        for k, p in enumerate(pos):
            d = x - p
            if np.all(np.abs(d - np.round(d)) < SYMPREC):
                site_of.append(k)
                break
        else:
            pos.append(x)
            site_of.append(len(pos) - 1)
    species: list[list[tuple[str, float]]] = [[] for _ in pos]
    for at, k in zip(structure.atoms, site_of):
        species[k].append((at.element, round(at.occ, 4)))
    for sp in species:
        types.append(key_of.setdefault(tuple(sorted(sp)), len(key_of) + 1))
    cell = (structure.matrix, np.array(pos), np.array(types))
    ds = spglib.get_symmetry_dataset(cell, symprec=SYMPREC)
    if ds is None:
        raise RuntimeError("spglib could not determine the space group")
    return ds, np.array(pos), site_of, species


def _lattice_constraints(rotations: np.ndarray, lattice) -> tuple[dict[str, list[int]], dict[int, float]]:
    rots = np.unique(np.asarray(rotations, float), axis=0)
    basis = []
    for i, j in _SYM6:
        e = np.zeros((3, 3))
        e[i, j] = e[j, i] = 1.0
        g = np.einsum("nki,kl,nlj->ij", rots, e, rots) / len(rots)  # group average of Rᵀ E R
        basis.append([g[p, q] for p, q in _SYM6])
    proj = np.array(basis).T  # columns: images of the unit components
    u, s, _ = np.linalg.svd(proj)
    rows = u[:, s > 1e-8] * s[s > 1e-8]  # row k: G component k in the invariant-subspace coordinates
    close = lambda x, y: np.allclose(x, y, atol=1e-8)  # noqa: E731
    length_group = list(range(3))
    for i in range(3):
        for j in range(i):
            if close(rows[i], rows[j]) and length_group[i] == i:
                length_group[i] = length_group[j]
    fixed: dict[int, float] = {}
    angle_group = {3: 3, 4: 4, 5: 5}
    for k in (3, 4, 5):
        i, j = _SYM6[k]
        if close(rows[k], 0):
            fixed[k] = 90.0
            continue
        if length_group[i] == length_group[j] and np.linalg.norm(rows[i]) > 0:
            ratio = float(rows[k] @ rows[i] / (rows[i] @ rows[i]))
            if close(rows[k], ratio * rows[i]):
                fixed[k] = float(np.degrees(np.arccos(np.clip(ratio, -1, 1))))
                continue
        for m in (3, 4):
            if m < k and m not in fixed and angle_group[m] == m and close(rows[k], rows[m]):
                angle_group[k] = m
                break
    names = ["a", "b", "c", "alpha", "beta", "gamma"]
    groups: dict[str, list[int]] = {}
    for i in range(3):
        groups.setdefault(names[length_group[i]], []).append(i)
    for k in (3, 4, 5):
        if k not in fixed:
            groups.setdefault(names[angle_group[k]], []).append(k)
    return groups, fixed


def _site_ops(x: np.ndarray, rots: np.ndarray, trans: np.ndarray, target: np.ndarray | None = None) -> np.ndarray:
    """Indices of the operations mapping ``x`` onto ``target`` (default: onto itself) modulo lattice vectors."""
    d = rots @ x + trans - (x if target is None else target)
    return np.flatnonzero(np.all(np.abs(d - np.round(d)) < SYMPREC, axis=1))


def _site_basis(rep: np.ndarray, rots: np.ndarray, trans: np.ndarray) -> np.ndarray:
    """3×k basis of the free displacements of a site, reduced so that its pivot rows form the identity."""
    m = rots[_site_ops(rep, rots, trans)] - np.eye(3)
    w, v = np.linalg.eigh(np.einsum("nki,nkj->ij", m, m))  # null space of the stacked (R − 1)
    null = v[:, w < 1e-8]  # 3×k
    if null.shape[1] == 0:
        return null
    piv = []
    for axis in range(3):  # first independent coordinate rows are the pivots (x before y before z)
        trial = piv + [axis]
        if np.linalg.matrix_rank(null[trial, :], tol=1e-6) == len(trial):
            piv = trial
        if len(piv) == null.shape[1]:
            break
    b = null @ np.linalg.inv(null[piv, :])
    return np.round(b, 10)


def _key(structure: PDFStructure) -> tuple:
    return (tuple(round(v, 8) for v in structure.lattice),
            tuple((a.element, tuple(np.round(np.mod(a.xyz, 1.0), 8)), round(a.occ, 4)) for a in structure.atoms))


_CACHE: dict[tuple, Symmetry] = {}


def analyse(structure: PDFStructure) -> Symmetry:
    """Space group of ``structure`` and the parameters it leaves free (see the module docstring).

    Pure in the structure's lattice, elements, positions and occupancies, so the result is cached per
    process (a series or a script refining many data sets with one model analyses it once); treat the
    returned object as read-only."""
    key = _key(structure)
    if key not in _CACHE:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = _analyse(structure)
    return _CACHE[key]


def _analyse(structure: PDFStructure) -> Symmetry:
    ds, pos, site_of, species = _ops(structure)
    rots, trans = np.asarray(ds.rotations), np.asarray(ds.translations)
    lattice, fixed = _lattice_constraints(rots, structure.lattice)
    n_std = abs(np.linalg.det(np.asarray(ds.std_lattice))) / abs(np.linalg.det(structure.matrix))
    equiv = np.asarray(ds.equivalent_atoms)
    sym_pos = pos.copy()
    coords: list[CoordParam] = []
    const: dict[tuple[int, int], float] = {}
    sites: dict[str, list[int]] = {}
    atoms_at = {k: [i for i, s in enumerate(site_of) if s == k] for k in range(len(pos))}
    used_labels: set[str] = set()
    for rep in sorted(set(equiv.tolist())):
        members = [int(k) for k in np.flatnonzero(equiv == rep)]
        mult = int(round(len(members) * n_std))
        wy = f"{mult}{ds.wyckoffs[rep]}"
        basis = _site_basis(pos[rep], rots, trans)
        # symmetrise the representative: mean of its site-symmetry images
        ops = _site_ops(pos[rep], rots, trans)
        imgs = rots[ops] @ pos[rep] + trans[ops]
        x_rep = np.mean(imgs - np.round(imgs - pos[rep]), axis=0)
        pivots = [int(np.flatnonzero(np.abs(basis[:, k] - 1) < 1e-9)[0]) for k in range(basis.shape[1])]
        p0 = x_rep[pivots] if pivots else np.zeros(0)
        names = []
        for sp in species[rep]:
            base = f"{sp[0]}@{wy}"
            lab, n = base, 1
            while lab in used_labels:
                n += 1
                lab = f"{base}#{n}"
            used_labels.add(lab)
            names.append(lab)
            for m in members:
                sites.setdefault(lab, []).extend(i for i in atoms_at[m] if structure.atoms[i].element == sp[0]
                                                 and round(structure.atoms[i].occ, 4) == sp[1])
        params = [CoordParam(f"{'xyz'[ax]}({names[0]})", float(p0[k])) for k, ax in enumerate(pivots)]
        for m in members:
            hit = _site_ops(x_rep, rots, trans, target=pos[m])
            if not hit.size:  # pragma: no cover - spglib said equivalent
                raise RuntimeError("no operation maps a site onto its equivalent")
            r = rots[hit[0]]
            y = r @ x_rep + trans[hit[0]]
            y = y - np.round(y - pos[m])
            sym_pos[m] = y
            mb = r @ basis  # 3×k
            for i in atoms_at[m]:
                for ax in range(3):
                    const[(i, ax)] = float(y[ax] - mb[ax] @ p0) if basis.shape[1] else float(y[ax])
                    for k in range(basis.shape[1]):
                        if abs(mb[ax, k]) > 1e-9:
                            params[k].terms.append((i, ax, float(mb[ax, k])))
        coords += params
    elements: dict[str, list[int]] = {}
    for i, at in enumerate(structure.atoms):
        elements.setdefault(at.element, []).append(i)
    symmetrized = np.array([sym_pos[s] for s in site_of])
    shared = frozenset(i for idx in atoms_at.values() if len(idx) > 1 for i in idx)
    return Symmetry(str(ds.international), int(ds.number), lattice, fixed, coords, const, sites, elements,
                    symmetrized, shared)
