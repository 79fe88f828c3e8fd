"""Symmetry-distinct placements of defects and ions in an anatase supercell.

A *frame* is the pristine supercell plus its empty 4b interstitial sites, as one indexed list of
points. A defect configuration is a mapping ``point index -> label`` (``"X"`` vacancy, ``"F"``,
``"OH"``, or an ion symbol). The space-group operations of the pristine supercell (spglib, via
pymatgen's ``SpacegroupAnalyzer``; translations of the supercell included) act on the points as
permutations. Two placements on the same host are equivalent when an operation that maps the host
onto itself maps one placement onto the other; the number of placements in a class is its
*multiplicity* (the orbit size, |G_host| / |G_host ∩ G_placement|).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from dualion.structures.anatase import anatase, interstitial_sites, supercell

#: Tolerance (Å) for matching a symmetry image onto a lattice point.
MATCH_TOL_A = 0.05


class Frame:
    """Pristine anatase supercell + its 4b interstitial points, with the supercell's symmetry ops."""

    def __init__(self, dims: tuple[int, int, int], a: float, c: float, u: float):
        from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

        self.dims = tuple(int(d) for d in dims)
        self.params = (float(a), float(c), float(u))
        self.pristine = supercell(anatase(a, c, u), self.dims)
        self.lattice = self.pristine.lattice
        self.matrix = np.array(self.lattice.matrix)
        self.n_atoms = len(self.pristine)
        inter = interstitial_sites(self.dims)
        self.frac = np.vstack([self.pristine.frac_coords, inter])
        self.kind = np.array([str(sp) for sp in self.pristine.species] + ["4b"] * len(inter))
        ops = SpacegroupAnalyzer(self.pristine, symprec=1e-3).get_symmetry_operations(cartesian=False)
        self.rot = np.array([op.rotation_matrix for op in ops])
        self.trans = np.array([op.translation_vector for op in ops])

    # --- geometry -----------------------------------------------------------------------------
    def indices(self, kind: str) -> np.ndarray:
        return np.flatnonzero(self.kind == kind)

    def cart_disp(self, frac_from: np.ndarray, frac_to: np.ndarray) -> np.ndarray:
        """Minimum-image Cartesian displacement vectors (Å) from one set of points to another."""
        d = np.asarray(frac_to)[..., :] - np.asarray(frac_from)
        d = d - np.round(d)
        return d @ self.matrix

    def distances(self, i: int, pool: np.ndarray) -> np.ndarray:
        """Minimum-image distances (Å) from point ``i`` to the points ``pool``."""
        return np.linalg.norm(self.cart_disp(self.frac[i], self.frac[pool]), axis=-1)

    def neighbours(self, i: int, kind: str, rmax: float) -> np.ndarray:
        """Indices of points of ``kind`` within ``rmax`` Å of point ``i`` (sorted by distance)."""
        pool = self.indices(kind)
        d = self.distances(i, pool)
        sel = np.flatnonzero((d < rmax) & (d > 1e-6))
        return pool[sel[np.argsort(d[sel], kind="stable")]]

    # --- symmetry -----------------------------------------------------------------------------
    def _match(self, images: np.ndarray, pool: np.ndarray) -> np.ndarray:
        """Index (into ``pool``) of each image point, or -1. ``images`` (..., 3) fractional."""
        d = images[..., None, :] - self.frac[pool]
        d = d - np.round(d)
        dist = np.linalg.norm(d @ self.matrix, axis=-1)
        j = np.argmin(dist, axis=-1)
        ok = np.take_along_axis(dist, j[..., None], axis=-1)[..., 0] < MATCH_TOL_A
        return np.where(ok, pool[j], -1)

    def image_table(self, op_ids: Sequence[int], points: Sequence[int]) -> np.ndarray:
        """``table[g, k]`` = index of the image of ``points[k]`` under op ``op_ids[g]``."""
        points = np.asarray(points, dtype=int)
        out = np.full((len(op_ids), len(points)), -1, dtype=int)
        for kind in np.unique(self.kind[points]):
            sel = np.flatnonzero(self.kind[points] == kind)
            pool = self.indices(kind)
            f = self.frac[points[sel]]
            op_ids = np.asarray(op_ids, dtype=int)
            chunk = max(1, int(2_000_000 // max(1, len(sel) * len(pool))))
            for start in range(0, len(op_ids), chunk):
                ids = op_ids[start:start + chunk]
                imgs = np.einsum("gij,kj->gki", self.rot[ids], f) + self.trans[ids][:, None, :]
                out[start:start + chunk, sel] = self._match(imgs, pool)
        if (out < 0).any():
            raise RuntimeError("a symmetry image did not land on a lattice point (tolerance too tight?)")
        return out

    def stabilizer(self, defects: Mapping[int, str]) -> np.ndarray:
        """Ids of the operations that map the labelled point set ``defects`` onto itself."""
        ops = np.arange(len(self.rot))
        if not defects:
            return ops
        pts = np.array(sorted(defects), dtype=int)
        labels = np.array([defects[i] for i in pts])
        table = self.image_table(ops, pts)
        pos = {int(p): k for k, p in enumerate(pts)}
        keep = []
        for g in ops:
            ks = [pos.get(int(t), -1) for t in table[g]]
            if min(ks) >= 0 and all(labels[k] == lab for k, lab in zip(ks, labels)):
                keep.append(g)
        return np.array(keep, dtype=int)


@dataclass(frozen=True)
class PlacementClass:
    """One symmetry-distinct placement and the size of its orbit under the host's symmetry."""

    placement: dict[int, str]
    multiplicity: int
    members: tuple[dict[int, str], ...]


def distinct_placements(frame: Frame, host: Mapping[int, str],
                        candidates: Iterable[Mapping[int, str]]) -> list[PlacementClass]:
    """Group ``candidates`` (mappings ``point -> label`` added on top of ``host``) into classes.

    Equivalence: an operation of the pristine supercell that maps ``host`` (labels included) onto
    itself and one placement onto the other. ``multiplicity`` is the orbit size of the placement
    under the host stabilizer (independent of which candidates were listed); ``members`` are the
    listed candidates in that class. Order: first appearance in ``candidates``.
    """
    cands = [dict(c) for c in candidates]
    if not cands:
        return []
    stab = frame.stabilizer(host)
    pts = sorted({i for c in cands for i in c})
    table = frame.image_table(stab, pts)
    col = {p: k for k, p in enumerate(pts)}
    classes: dict[tuple, list] = {}
    for cand in cands:
        keys = set()
        for g in range(len(stab)):
            keys.add(tuple(sorted((int(table[g, col[i]]), lab) for i, lab in cand.items())))
        canon = min(keys)
        if canon not in classes:
            classes[canon] = [cand, len(keys), []]
        classes[canon][2].append(cand)
    return [PlacementClass(v[0], v[1], tuple(v[2])) for v in classes.values()]
