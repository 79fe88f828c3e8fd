r"""Exact competitive-insertion phase diagrams in the (Δμ_x, Δμ_y) plane.

Each configuration *c* (the empty host included, Ω = 0) has a grand potential that is an affine
function of the two chemical potentials (see :mod:`dualion.thermo.grand`):

.. math:: \Omega_c(\Delta\mu) = \Delta E_c - s_{c,x}\,\Delta\mu_x - s_{c,y}\,\Delta\mu_y,
          \qquad s_{c,i} = n_{c,i} z_i \text{ (per charge) or } n_{c,i} \text{ (per atom)}

The stable product is :math:`\arg\min_c \Omega_c`. Its region
:math:`R_c = \{\Delta\mu : \Omega_c \le \Omega_d\ \forall d\}` is an intersection of half-planes,
:math:`(s_d - s_c)\cdot\Delta\mu \le \Delta E_d - \Delta E_c`, hence a convex polygon. The lower
envelope of the planes is dual to the lower convex hull of the points :math:`(s_{c,x}, s_{c,y}, \Delta E_c)`:
only lower-hull vertices have non-empty regions, and a region is bounded only by its hull neighbours.
So: (1) lower hull with Qhull (:class:`scipy.spatial.ConvexHull`), (2) each candidate's window
rectangle clipped by the half-planes of its hull neighbours. No sampling grid. Degenerate inputs
(collinear slopes, fewer than 4 distinct points) fall back to clipping by all other configurations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from dualion.core.conventions import Per
from dualion.core.records import Record, register
from dualion.errors import DualionUserError
from dualion.reference import Convention, check_convention
from dualion.thermo.grand import grand_potential_eV, insertion_energies_eV
from dualion.thermo.sitemodel import SiteModel

#: Label of the empty host in diagrams, queries and paths (Ω = 0 by definition).
EMPTY = "empty"

#: Diagrams with more configurations than this do not list them all in their JSON.
MAX_LISTED = 5000

#: Default drawing window (Δμ_x min, max, Δμ_y min, max), eV; per charge.
DEFAULT_WINDOW: tuple[float, float, float, float] = (-4.0, 0.0, -2.5, 0.0)


# ----------------------------------------------------------------------------------------- geometry
def _clip(poly: list[tuple[float, float]], ax: float, ay: float, b: float) -> list[tuple[float, float]]:
    """Pure-Python Sutherland–Hodgman step (fast for the few-vertex polygons of a diagram)."""
    d = [ax * x + ay * y - b for x, y in poly]
    if all(v <= 0.0 for v in d):
        return poly
    if all(v > 0.0 for v in d):
        return []
    out = []
    k = len(poly)
    for i in range(k):
        j = i + 1 if i + 1 < k else 0
        di, dj = d[i], d[j]
        if di <= 0.0:
            out.append(poly[i])
        if (di <= 0.0) != (dj <= 0.0):
            t = di / (di - dj)
            (xi, yi), (xj, yj) = poly[i], poly[j]
            out.append((xi + t * (xj - xi), yi + t * (yj - yi)))
    return out


def _area(poly: Sequence[tuple[float, float]]) -> float:
    k = len(poly)
    if k < 3:
        return 0.0
    s = 0.0
    for i in range(k):
        x0, y0 = poly[i]
        x1, y1 = poly[i + 1 if i + 1 < k else 0]
        s += x0 * y1 - x1 * y0
    return abs(0.5 * s)


def clip_halfplane(poly: np.ndarray, a: np.ndarray, b: float) -> np.ndarray:
    """Clip convex polygon ``poly`` (k×2, counter-clockwise) to the half-plane a·p ≤ b (Sutherland–Hodgman)."""
    out = _clip([(float(x), float(y)) for x, y in np.asarray(poly, dtype=float).reshape(-1, 2)],
                float(a[0]), float(a[1]), float(b))
    return np.asarray(out, dtype=float).reshape(-1, 2)


def polygon_area(poly: np.ndarray) -> float:
    """Area (shoelace) of a polygon (k×2), eV²."""
    return _area([(float(x), float(y)) for x, y in np.asarray(poly, dtype=float).reshape(-1, 2)])


def _window_polygon(window: Sequence[float]) -> np.ndarray:
    x0, x1, y0, y1 = map(float, window)
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float)


def check_window(window: Sequence[float]) -> tuple[float, float, float, float]:
    """Validate ``(xmin, xmax, ymin, ymax)`` (finite, min < max)."""
    try:
        w = tuple(float(v) for v in window)
    except (TypeError, ValueError):
        raise DualionUserError(f"window must be 4 numbers XMIN XMAX YMIN YMAX, got {window!r}", field="window") from None
    if len(w) != 4 or not all(np.isfinite(w)) or not (w[0] < w[1] and w[2] < w[3]):
        raise DualionUserError(f"window must be 4 finite numbers with XMIN < XMAX and YMIN < YMAX, got {window!r}",
                               field="window")
    return w  # type: ignore[return-value]


def _canonical(slopes: np.ndarray, dE: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Indices of the distinct slope vectors, each with its lowest ΔE (ties: lowest ``rank``)."""
    order = np.lexsort((rank, dE, slopes[:, 1], slopes[:, 0]))
    s = slopes[order]
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = np.any(s[1:] != s[:-1], axis=1)
    return order[keep]


def _neighbours(pts: np.ndarray) -> list[set[int]] | None:
    """Lower-hull vertices' neighbour sets of points (m×3), or None when Qhull cannot be used."""
    if len(pts) < 4:
        return None
    from scipy.spatial import ConvexHull, QhullError

    try:
        hull = ConvexHull(pts)
    except (QhullError, ValueError):
        return None
    lower = hull.equations[:, 2] < -1e-12
    nb: list[set[int]] = [set() for _ in range(len(pts))]
    for simplex in hull.simplices[lower]:
        a, b, c = (int(v) for v in simplex)
        nb[a] |= {b, c}
        nb[b] |= {a, c}
        nb[c] |= {a, b}
    return nb


def stable_regions(slopes: np.ndarray, dE: np.ndarray, window: Sequence[float],
                   rank: np.ndarray | None = None, rel_area_tol: float = 1e-12,
                   pairs_out: set[tuple[int, int]] | None = None) -> list[tuple[int, np.ndarray]]:
    """Exact stability regions of planes Ω_c = ΔE_c − slopes_c·Δμ inside ``window``.

    ``slopes`` (n×2), ``dE`` (n,), eV. Returns ``[(c, polygon k×2 counter-clockwise), ...]`` for every
    c whose region has positive area in the window, sorted by c. ``rank`` breaks exact ties (lowest wins).
    """
    slopes = np.asarray(slopes, dtype=float)
    dE = np.asarray(dE, dtype=float)
    n = len(dE)
    rank = np.arange(n) if rank is None else np.asarray(rank)
    idx = _canonical(slopes, dE, rank)
    S, E = slopes[idx], dE[idx]
    pts = np.column_stack([S, E])
    nb = _neighbours(pts)
    if nb is None:
        cand = range(len(idx))
        nb = [set(range(len(idx))) - {i} for i in cand]
    else:
        cand = [i for i in range(len(idx)) if nb[i]]
    x0, x1, y0, y1 = (float(v) for v in window)
    win = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    tol = rel_area_tol * (x1 - x0) * (y1 - y0)
    Sl, El = S.tolist(), E.tolist()
    out = []
    for i in cand:
        poly = win
        si, ei = Sl[i], El[i]
        for j in nb[i]:
            sj = Sl[j]
            poly = _clip(poly, sj[0] - si[0], sj[1] - si[1], El[j] - ei)
            if not poly:
                break
        if len(poly) >= 3 and _area(poly) > tol:
            out.append((int(idx[i]), np.asarray(poly, dtype=float)))
    out.sort(key=lambda t: t[0])
    if pairs_out is not None:
        with_region = {c for c, _ in out}
        inv = {int(idx[i]): i for i in cand}
        for c in with_region:
            for j in nb[inv[c]]:
                d = int(idx[j])
                if d in with_region and c < d:
                    pairs_out.add((c, d))
    return out


def line_window_intersections(a: float, b: float, c: float, window: Sequence[float]) -> list[tuple[float, float]]:
    """Points where the line a·x + b·y = c crosses the window boundary (0 or 2 points)."""
    x0, x1, y0, y1 = window
    pts = []
    if abs(b) > 0:
        for x in (x0, x1):
            y = (c - a * x) / b
            if y0 - 1e-12 <= y <= y1 + 1e-12:
                pts.append((x, float(min(max(y, y0), y1))))
    if abs(a) > 0:
        for y in (y0, y1):
            x = (c - b * y) / a
            if x0 - 1e-12 <= x <= x1 + 1e-12:
                pts.append((float(min(max(x, x0), x1)), y))
    uniq: list[tuple[float, float]] = []
    for p in pts:
        if not any(abs(p[0] - q[0]) < 1e-9 and abs(p[1] - q[1]) < 1e-9 for q in uniq):
            uniq.append((float(p[0]), float(p[1])))
    return uniq[:2]


# ------------------------------------------------------------------------------------ model level
class Entry(NamedTuple):
    """A configuration as it enters the diagram (the empty host included); immutable record."""

    label: str
    counts: Mapping[str, int]
    dE_eV: float
    slopes: tuple[float, float]
    status: str = "finished"
    site: str | None = None


@dataclass(frozen=True)
class Region:
    """Stability region of one product: convex polygon (counter-clockwise vertices, eV)."""

    label: str
    counts: Mapping[str, int]
    polygon: tuple[tuple[float, float], ...]
    area: float
    status: str = "finished"
    site: str | None = None

    def contains(self, x: float, y: float, tol: float = 1e-12) -> bool:
        p = np.asarray(self.polygon)
        e = np.roll(p, -1, axis=0) - p
        r = np.array([x, y]) - p
        return bool(np.all(e[:, 0] * r[:, 1] - e[:, 1] * r[:, 0] >= -tol))

    @property
    def centroid(self) -> tuple[float, float]:
        p = np.asarray(self.polygon)
        x, y = p[:, 0], p[:, 1]
        cr = x * np.roll(y, -1) - np.roll(x, -1) * y
        A = cr.sum() / 2
        return (float(((x + np.roll(x, -1)) * cr).sum() / (6 * A)), float(((y + np.roll(y, -1)) * cr).sum() / (6 * A)))


@dataclass(frozen=True)
class Threshold:
    """Boundary between two adjacent regions: a·Δμ_x + b·Δμ_y = c (``below`` stable where a·x+b·y < c)."""

    below: str
    above: str
    a: float
    b: float
    c: float
    segment: tuple[tuple[float, float], tuple[float, float]]
    window_points: tuple[tuple[float, float], ...]
    text: str


@register("thermo.diagram")
@dataclass(frozen=True, eq=False)
class PhaseDiagram(Record):
    """Exact phase diagram of a site model in a window of (Δμ_x, Δμ_y). A record: ``dualion.load`` reads
    ``diagram.json`` back into one (redraw with :func:`dualion.thermo.plot.diagram_figure`)."""

    model_name: str
    ions: tuple[str, str]
    per: Convention
    window: tuple[float, float, float, float]
    regions: tuple[Region, ...]
    thresholds: tuple[Threshold, ...]
    inputs: DiagramInput = field(repr=False, compare=False)
    excluded: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    host: str = ""
    n_configurations: int = 0

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Every configuration that entered the diagram (host first)."""
        return tuple(self.inputs.entry(k) for k in range(len(self.inputs)))

    def locate(self, x: float, y: float) -> Region | None:
        """The region containing (x, y) (first one on a shared boundary), None outside the window."""
        for r in self.regions:
            if r.contains(x, y):
                return r
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_name,
            "host": self.host,
            "ions": list(self.ions),
            "convention": convention_text(self.per, self.ions),
            "per": self.per,
            "axes": axis_labels(self.ions, self.per, plain=True),
            "window": {"x": list(self.window[:2]), "y": list(self.window[2:])},
            "regions": [{"label": r.label, "counts": dict(r.counts), "status": r.status, "site": r.site,
                         "incomplete": r.status != "finished", "area_eV2": r.area,
                         "polygon": [list(p) for p in r.polygon]} for r in self.regions],
            "thresholds": [{"between": [t.below, t.above], "line": {"a": t.a, "b": t.b, "c": t.c},
                            "equation": t.text, "below_side": t.below, "segment": [list(p) for p in t.segment],
                            "window_points": [list(p) for p in t.window_points]} for t in self.thresholds],
            "n_configurations": self.n_configurations,
            "configurations": [{"label": e.label, "counts": dict(e.counts), "dE_eV": e.dE_eV,
                                "status": e.status, "site": e.site, "slopes": list(e.slopes)}
                               for e in self.entries] if self.n_configurations <= MAX_LISTED
            else f"{self.n_configurations} configurations (not listed)",
            "excluded": list(self.excluded),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PhaseDiagram:
        """Read back :meth:`to_dict` (``diagram.json``): regions, thresholds and the configurations."""
        ions = tuple(d["ions"])
        w = d["window"]
        regions = tuple(Region(r["label"], dict(r["counts"]), tuple((float(x), float(y)) for x, y in r["polygon"]),
                               float(r["area_eV2"]), r.get("status", "finished"), r.get("site"))
                        for r in d["regions"])
        thresholds = tuple(Threshold(t["between"][0], t["between"][1], float(t["line"]["a"]), float(t["line"]["b"]),
                                     float(t["line"]["c"]), tuple(tuple(map(float, p)) for p in t["segment"]),
                                     tuple(tuple(map(float, p)) for p in t["window_points"]), t["equation"])
                           for t in d["thresholds"])
        confs = d.get("configurations")
        confs = confs if isinstance(confs, list) else []
        inputs = DiagramInput(ions=ions, labels=[c["label"] for c in confs], counts=[dict(c["counts"]) for c in confs],
                              status=[c.get("status", "finished") for c in confs], sites=[c.get("site") for c in confs],
                              slopes=np.array([c.get("slopes", [0.0] * len(ions)) for c in confs], dtype=float
                                              ).reshape(len(confs), len(ions)),
                              dE=np.array([float(c["dE_eV"]) for c in confs]), excluded=list(d.get("excluded", [])))
        return cls(model_name=d["model"], ions=ions, per=Per.parse(d["per"]).value,
                   window=(*map(float, w["x"]), *map(float, w["y"])), regions=regions, thresholds=thresholds,
                   inputs=inputs, excluded=tuple(d.get("excluded", [])), host=d.get("host", ""),
                   n_configurations=int(d.get("n_configurations", len(confs))))


def convention_text(per: str, ions: Sequence[str]) -> str:
    if per == "charge":
        return ("Δμ per transferred charge (eV per e-): Ω_c = ΔE_c − Σ_i n_i z_i Δμ_i; "
                "chemical potentials relative to the metals")
    return "Δμ per atom (eV per atom): Ω_c = ΔE_c − Σ_i n_i Δμ_i; chemical potentials relative to the metals"


def axis_labels(ions: Sequence[str], per: str, plain: bool = False, charges: Mapping[str, int] | None = None) -> list[str]:
    """Axis labels: "Δμ_Li (eV)", "Δμ_Mg (eV per charge)" (per charge) or "... (eV per atom)"."""
    from dualion.ions import formal_charge

    out = []
    for ion in ions:
        if per == "charge":
            u = "eV" if formal_charge(ion, dict(charges or {})) == 1 else "eV per charge"
        else:
            u = "eV per atom"
        out.append(f"Δμ_{ion} ({u})" if plain else f"$\\Delta\\mu_{{\\mathrm{{{ion}}}}}$ ({u})")
    return out


@dataclass(frozen=True)
class DiagramInput:
    """Configurations entering a diagram as arrays (row 0 = the empty host, Ω = 0).

    ``slopes`` (n×k): s_{c,i} = n_{c,i} z_i (per charge) or n_{c,i} (per atom); ``dE`` (n,): ΔE_c in eV.
    """

    ions: tuple[str, ...]
    labels: list[str]
    counts: list[Mapping[str, int]]
    status: list[str]
    sites: list[str | None]
    slopes: np.ndarray
    dE: np.ndarray
    excluded: list[dict[str, Any]]

    def entry(self, k: int) -> Entry:
        return Entry(self.labels[k], dict(self.counts[k]), float(self.dE[k]),
                     tuple(float(v) for v in self.slopes[k]), self.status[k], self.sites[k])

    def __len__(self) -> int:
        return len(self.labels)


def diagram_input(model: SiteModel, ions: Sequence[str], per: Convention = "charge",
                  allow_incomplete: bool = False, exclude_ions: Sequence[str] = ()) -> DiagramInput:
    """Arrays of the configurations that enter a diagram of ``model`` over ``ions`` (host first)."""
    check_convention(per)
    ions = tuple(ions)
    ion_set, excl_set = set(ions), set(exclude_ions)
    confs = model.configurations
    ok = [(c.status == "finished" or allow_incomplete) and ion_set.issuperset(c.counts)
          and not (excl_set and excl_set.intersection(c.counts)) for c in confs]
    kept = [c for c, k in zip(confs, ok) if k]
    excluded = []
    for c, k in zip(confs, ok):
        if k:
            continue
        if c.status != "finished" and not allow_incomplete:
            reason = f"status {c.status!r} (use --allow-incomplete to include)"
        elif not ion_set.issuperset(c.counts):
            reason = f"contains {sorted(set(c.counts) - ion_set)}, not on the diagram axes"
        else:
            reason = f"contains {sorted(set(c.counts) & excl_set)} (absent from the electrolyte)"
        excluded.append({"label": c.label, "title": c.title, "counts": dict(c.counts), "status": c.status,
                         "reason": reason})
    n = len(kept) + 1
    slopes = np.zeros((n, len(ions)))
    for j, ion in enumerate(ions):
        w = model.charge(ion) if per == "charge" else 1
        slopes[1:, j] = np.fromiter((c.counts.get(ion, 0) for c in kept), dtype=float, count=n - 1) * w
    dE = np.concatenate([[0.0], insertion_energies_eV(model, kept)])
    return DiagramInput(ions=ions, labels=[EMPTY] + [c.label for c in kept],
                        counts=[{}] + [c.counts for c in kept], status=[model.host.status] + [c.status for c in kept],
                        sites=[model.host.site] + [c.site for c in kept], slopes=slopes, dE=dE, excluded=excluded)


def diagram_entries(model: SiteModel, ions: Sequence[str], per: Convention = "charge",
                    allow_incomplete: bool = False, exclude_ions: Sequence[str] = ()) -> tuple[list[Entry], list[dict]]:
    """Entries (host first, Ω = 0) and the configurations left out (with the reason)."""
    di = diagram_input(model, ions, per, allow_incomplete, exclude_ions)
    return [di.entry(k) for k in range(len(di))], di.excluded


def _label_rank(labels: Sequence[str]) -> np.ndarray:
    """Rank of each label in alphabetical order (tie-breaker independent of input order)."""
    order = np.argsort(np.array(labels, dtype=str), kind="stable")
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels))
    return rank


def _diagram_ions(model: SiteModel, ions: Sequence[str] | None) -> tuple[str, str]:
    ions = tuple(ions) if ions else tuple(model.ions)
    if len(ions) != 2:
        raise DualionUserError(f"a phase diagram needs exactly two working ions, got {list(ions)}", field="ions")
    for ion in ions:
        if ion not in model.ions:
            raise DualionUserError(f"ion {ion} is not a working ion of model {model.name!r} ({list(model.ions)})",
                                   field="ions")
    return ions  # type: ignore[return-value]


def _threshold_text(a: float, b: float, c: float, ions: Sequence[str], per: str) -> str:
    lab = [f"Δμ_{i}" for i in ions]
    if abs(b) < 1e-12:
        return f"{lab[0]} = {c / a:+.4f} eV"
    if abs(a) < 1e-12:
        return f"{lab[1]} = {c / b:+.4f} eV" + (" (per charge)" if per == "charge" else " (per atom)")
    return f"{a:+g}·{lab[0]} {b:+g}·{lab[1]} = {c:+.4f} eV"


def thresholds_of(regions: Sequence[Region], entries_by_label: Mapping[str, Entry], ions: Sequence[str], per: str,
                  window: Sequence[float], tol: float = 1e-9,
                  pairs: set[frozenset[str]] | None = None) -> list[Threshold]:
    """Boundaries between adjacent regions (sharing an edge of positive length); ``pairs`` (label pairs)
    restricts the candidates (e.g. to lower-hull neighbours)."""
    out = []
    span = max(window[1] - window[0], window[3] - window[2])
    pos = {r.label: k for k, r in enumerate(regions)}
    if pairs is None:
        todo = [(i, j) for i in range(len(regions)) for j in range(i + 1, len(regions))]
    else:
        todo = sorted(tuple(sorted((pos[a], pos[b]))) for a, b in (tuple(p) for p in pairs if len(p) == 2)
                      if a in pos and b in pos)
    for i, j in todo:
        ri, rj = regions[i], regions[j]
        ei, ej = entries_by_label[ri.label], entries_by_label[rj.label]
        a, b = (ej.slopes[0] - ei.slopes[0], ej.slopes[1] - ei.slopes[1])
        c = ej.dE_eV - ei.dE_eV
        norm = math.hypot(a, b)
        if norm == 0.0:
            continue
        eps = tol * max(1.0, abs(c), norm * span)
        pts = [(x, y) for x, y in ri.polygon if abs(a * x + b * y - c) <= eps]
        if len(pts) < 2:
            continue
        proj = [(-b * x + a * y) / norm for x, y in pts]
        p0, p1 = pts[proj.index(min(proj))], pts[proj.index(max(proj))]
        if math.hypot(p1[0] - p0[0], p1[1] - p0[1]) <= 1e-9 * span:
            continue
        # normalise so that the first nonzero coefficient is positive; `below` is the side a·x+b·y < c
        below, above = ri.label, rj.label
        if a < 0 or (a == 0 and b < 0):
            a, b, c = -a, -b, -c
            below, above = above, below
        out.append(Threshold(below=below, above=above, a=float(a), b=float(b), c=float(c),
                             segment=(p0, p1), window_points=tuple(line_window_intersections(a, b, c, window)),
                             text=_threshold_text(a, b, c, ions, per)))
    return out


def phase_diagram(model: SiteModel, ions: Sequence[str] | None = None, per: Convention = "charge",
                  window: Sequence[float] | None = None, allow_incomplete: bool = False,
                  exclude_ions: Sequence[str] = ()) -> PhaseDiagram:
    """Exact phase diagram of ``model`` over ``window`` = (xmin, xmax, ymin, ymax) of (Δμ_x, Δμ_y), eV."""
    check_convention(per)
    ions = _diagram_ions(model, ions)
    if window is None:
        window = DEFAULT_WINDOW if per == "charge" else _per_atom_window(model, ions)
    window = check_window(window)
    if not model.host.finished and not allow_incomplete:
        raise DualionUserError(f"host run {model.host.title!r} has status {model.host.status!r}; "
                               "use --allow-incomplete to draw it anyway", file=model.host.source, field="status")
    di = diagram_input(model, ions, per, allow_incomplete, exclude_ions)
    rank = _label_rank(di.labels)
    regs = []
    hull_pairs: set[tuple[int, int]] = set()
    for k, poly in stable_regions(di.slopes, di.dE, window, rank=rank, pairs_out=hull_pairs):
        regs.append(Region(label=di.labels[k], counts=dict(di.counts[k]), polygon=tuple(map(tuple, poly.tolist())),
                           area=polygon_area(poly), status=di.status[k], site=di.sites[k]))
    regs.sort(key=lambda r: (sum(r.counts.values()), sorted(r.counts.items()), r.label))
    region_idx = {k for pair in hull_pairs for k in pair}
    by_label = {di.labels[k]: di.entry(k) for k in region_idx | {0}}
    for r in regs:
        if r.label not in by_label:
            by_label[r.label] = di.entry(di.labels.index(r.label))
    pairs = {frozenset((di.labels[c], di.labels[d])) for c, d in hull_pairs}
    thr = thresholds_of(regs, by_label, ions, per, window, pairs=pairs)
    return PhaseDiagram(model_name=model.name, ions=ions, per=per, window=window, regions=tuple(regs),
                        thresholds=tuple(thr), inputs=di, excluded=tuple(di.excluded),
                        host=model.host.title or model.host.label, n_configurations=len(di))


def _per_atom_window(model: SiteModel, ions: Sequence[str]) -> tuple[float, float, float, float]:
    x0, x1, y0, y1 = DEFAULT_WINDOW
    zx, zy = model.charge(ions[0]), model.charge(ions[1])
    return (x0 * zx, x1 * zx, y0 * zy, y1 * zy)


def query(model: SiteModel, mu: Mapping[str, float], per: Convention = "charge", allow_incomplete: bool = False,
          ions: Sequence[str] | None = None) -> dict[str, Any]:
    """Stable product at chemical potentials ``mu`` ({ion: Δμ, eV}): ``{"label", "counts", "omega_eV"}``.

    Direct argmin over all configurations (exact at any point, inside a window or not). Exact ties are
    broken by label (alphabetical) so the answer never depends on the order of the configurations.
    """
    check_convention(per)
    ions = tuple(ions) if ions else tuple(model.ions)
    missing = [i for i in ions if i not in mu]
    if missing:
        raise DualionUserError(f"missing chemical potential for {missing} (give --mu {missing[0]}=VALUE)", field="mu")
    extra = set(mu) - set(ions)
    if extra:
        raise DualionUserError(f"chemical potential given for {sorted(extra)}, not a working ion of the model "
                               f"({list(ions)})", field="mu")
    entries, excluded = diagram_entries(model, ions, per, allow_incomplete)
    charges = {i: model.charge(i) for i in ions}
    omegas = [grand_potential_eV(e.dE_eV, e.counts, {i: float(mu[i]) for i in ions}, charges, per) for e in entries]
    best = min(range(len(entries)), key=lambda k: (omegas[k], entries[k].label))
    e = entries[best]
    out = {"label": e.label, "counts": dict(e.counts), "omega_eV": float(omegas[best]), "status": e.status,
           "per": per, "convention": convention_text(per, ions)}
    if excluded:
        out["excluded"] = [f"{x['label']}: {x['reason']}" for x in excluded]
    return out
