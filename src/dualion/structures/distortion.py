"""Fig. 7 analysis: anion–anion distances across opposite vertices of each V_Ti octahedron.

For a (vacant or ion-occupied) Ti site at r_V, take the six anions (O or F; an OH counts by its O)
nearest to it, pair each with its opposite vertex (the perfect matching that minimises
Σ cos θ_ij of the vectors r_i − r_V), and report |r_i − r_j| for the three pairs:

* ``axial_A``: the pair most nearly parallel to c;
* ``equatorial_a_A``, ``equatorial_b_A``: the other two, ordered by alignment with a and b.

In ideal anatase the two equatorial O opposite each other sit at (±a/2, 0, −δ) (or (0, ±a/2, +δ))
from the Ti, both on the same side of its equatorial plane (puckering δ = (u − 1/4) c), so the
equatorial distance is exactly **a** (3.784 Å; not 2 d_eq = 3.868 Å), and the axial one is
2 d_ax = 2 u c (3.960 Å) for the default lattice; the paper's relaxed V_Ti octahedra have ≈ 3.9 Å
(equatorial) and ≈ 4.6 Å (axial). The tetragonality ``axial / mean(eq)``
measures the distortion that an inserted ion removes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dualion.errors import DualionUserError

ANIONS = ("O", "F")
#: Cut-off (Å) for an atom to count as occupying the site.
OCCUPANT_TOL_A = 1.0


def _matchings(n: int):
    """All perfect matchings of range(n) (n even): 15 for n = 6."""
    if n == 0:
        yield []
        return
    first = 0
    for k in range(1, n):
        rest = [i for i in range(1, n) if i != k]
        for m in _matchings(len(rest)):
            yield [(first, k)] + [(rest[i], rest[j]) for i, j in m]


def vacancy_octahedron_distances(structure, vacancy_site: Sequence[float], anions: Sequence[str] = ANIONS
                                 ) -> dict[str, Any]:
    """Opposite-vertex anion–anion distances (Å) of the octahedron around ``vacancy_site``.

    ``vacancy_site`` is the fractional position of the V_Ti (4a) site, empty or holding an ion.
    Returns ``axial_A``, ``equatorial_a_A``, ``equatorial_b_A``, ``tetragonality`` (axial / mean
    equatorial), ``occupant`` (element on the site or ``None``), ``anion_species`` and the six
    ``anion_frac`` positions.
    """
    site = np.asarray(vacancy_site, dtype=float).reshape(3)
    lat = np.array(structure.lattice.matrix)
    species = np.array([sp.symbol if hasattr(sp, "symbol") else str(sp) for sp in structure.species])
    frac = np.array(structure.frac_coords)
    d = frac - site
    d -= np.round(d)
    cart = d @ lat
    r = np.linalg.norm(cart, axis=1)
    is_anion = np.isin(species, list(anions))
    if is_anion.sum() < 6:
        raise DualionUserError("structure has fewer than six anions", field="structure")
    idx = np.flatnonzero(is_anion)[np.argsort(r[is_anion], kind="stable")[:6]]
    if r[idx].max() > 3.2:
        raise DualionUserError(f"no anion octahedron around {site.round(4).tolist()} (6th anion at "
                               f"{r[idx].max():.2f} Å); is this a Ti site?", field="vacancy_site")
    vec = cart[idx]
    unit = vec / np.linalg.norm(vec, axis=1)[:, None]
    best = min(_matchings(6), key=lambda m: sum(unit[i] @ unit[j] for i, j in m))
    cdir = lat[2] / np.linalg.norm(lat[2])
    adir = lat[0] / np.linalg.norm(lat[0])
    pairs = []
    for i, j in best:
        sep = vec[i] - vec[j]
        pairs.append((float(np.linalg.norm(sep)), abs(sep @ cdir) / np.linalg.norm(sep),
                      abs(sep @ adir) / np.linalg.norm(sep), (int(idx[i]), int(idx[j]))))
    pairs.sort(key=lambda p: -p[1])
    axial, eqs = pairs[0], sorted(pairs[1:], key=lambda p: -p[2])
    others = np.flatnonzero(~is_anion & (species != "H") & (r < OCCUPANT_TOL_A))
    occupant = str(species[others[np.argmin(r[others])]]) if len(others) else None
    eq_mean = 0.5 * (eqs[0][0] + eqs[1][0])
    return {
        "site_frac": site.round(6).tolist(),
        "occupant": occupant,
        "axial_A": axial[0],
        "equatorial_a_A": eqs[0][0],
        "equatorial_b_A": eqs[1][0],
        "tetragonality": axial[0] / eq_mean,
        "anion_species": [str(species[k]) for k in idx],
        "anion_frac": [frac[k].round(6).tolist() for k in idx],
    }


def find_vacancy_sites(structure, a_guess_A: float = 3.78, c_guess_A: float = 9.5) -> list[np.ndarray]:
    """Fractional positions of the Ti (4a) sites of an anatase supercell that hold no Ti.

    Every Ti site is a lattice translation (±a, ±b, ±c of the conventional cell) of another, so each
    Ti proposes its six translated neighbours; a proposal with no Ti within 1 Å is a vacant (or
    ion-occupied) 4a site. Proposals for the same site are averaged (relaxed structures).
    """
    lat = np.array(structure.lattice.matrix)
    n = np.array([max(1, round(np.linalg.norm(lat[0]) / a_guess_A)), max(1, round(np.linalg.norm(lat[1]) / a_guess_A)),
                  max(1, round(np.linalg.norm(lat[2]) / c_guess_A))])
    species = [sp.symbol if hasattr(sp, "symbol") else str(sp) for sp in structure.species]
    ti = np.array([f for f, s in zip(structure.frac_coords, species) if s == "Ti"])
    if len(ti) == 0:
        raise DualionUserError("structure contains no Ti", field="structure")
    steps = np.vstack([np.eye(3) / n, -np.eye(3) / n])
    props = (ti[:, None, :] + steps[None, :, :]).reshape(-1, 3) % 1.0

    def mind(p, pts):
        dd = pts - p
        dd -= np.round(dd)
        return np.linalg.norm(dd @ lat, axis=1)

    vac = [p for p in props if mind(p, ti).min() > OCCUPANT_TOL_A]
    clusters: list[list[np.ndarray]] = []
    for p in vac:
        for cl in clusters:
            if mind(p, np.array([cl[0]])).min() < OCCUPANT_TOL_A:
                dd = p - cl[0]
                cl.append(cl[0] + dd - np.round(dd))
                break
        else:
            clusters.append([p])
    return [np.mod(np.mean(cl, axis=0), 1.0) for cl in clusters]


def order_sites_like(sites: Sequence[Sequence[float]], reference: Sequence[Sequence[float]], lattice
                     ) -> list[np.ndarray]:
    """``sites`` reordered so that the k-th is the one nearest (minimum image) to ``reference[k]``.

    Keeps V1, V2, ... the same physical sites across structures whose vacancies were detected
    separately; sites without a reference partner keep their order at the end.
    """
    left = [np.asarray(s, float) for s in sites]
    mat = np.array(lattice.matrix)
    out = []
    for ref in reference:
        if not left:
            break
        d = np.array([s - np.asarray(ref, float) for s in left])
        d -= np.round(d)
        k = int(np.argmin(np.linalg.norm(d @ mat, axis=1)))
        out.append(left.pop(k))
    return out + left


def distortion_table(structures: Sequence[tuple[str, Any]], vacancy_sites: Sequence[Sequence[float]] | None = None,
                     source: str = "", sites_per_structure: Sequence[Sequence[Sequence[float]] | None] | None = None
                     ) -> list[dict[str, Any]]:
    """Rows (one per structure and V_Ti site) of the Fig. 7 table.

    ``structures``: (name, Structure) pairs. ``vacancy_sites``: fractional sites to analyse in every
    structure; else ``sites_per_structure[k]`` (known sites of structure k, e.g. from a manifest, or
    None); else detected with :func:`find_vacancy_sites` and ordered like the first structure's sites,
    so that V1, V2 are the same sites throughout.
    """
    rows = []
    ref_sites = None if vacancy_sites is None else [np.asarray(s, float) for s in vacancy_sites]
    first_sites = None
    for k, (name, st) in enumerate(structures):
        sites = ref_sites
        if sites is None and sites_per_structure is not None and sites_per_structure[k] is not None:
            sites = [np.asarray(x, float) for x in sites_per_structure[k]]
        if sites is None:
            found = find_vacancy_sites(st)
            if not found:
                raise DualionUserError("no vacant Ti site found; give the site explicitly (--site x,y,z)", file=name)
            sites = found if first_sites is None else order_sites_like(found, first_sites, st.lattice)
        if first_sites is None:
            first_sites = sites
        for j, site in enumerate(sites):
            res = vacancy_octahedron_distances(st, site)
            rows.append({"structure": name, "source": source, "vacancy": f"V{j + 1}",
                         "occupant": res["occupant"] or "empty", "equatorial_a_A": round(res["equatorial_a_A"], 4),
                         "equatorial_b_A": round(res["equatorial_b_A"], 4), "axial_A": round(res["axial_A"], 4),
                         "tetragonality": round(res["tetragonality"], 4),
                         "site_frac": " ".join(f"{x:.4f}" for x in res["site_frac"])})
    if source != "unrelaxed":      # a caller that says "unrelaxed" knows; anyone else is told
        warn_if_unrelaxed(rows, structures)
    return rows


def looks_unrelaxed(row: dict[str, Any], lattice) -> bool:
    """True when a V_Ti octahedron has the ideal anatase distances: both equatorial distances equal
    (to 1e-4 Å) and equal to a cell length divided by an integer (to 1e-3 Å), i.e. no relaxation."""
    eq_a, eq_b = row["equatorial_a_A"], row["equatorial_b_A"]
    if abs(eq_a - eq_b) > 1e-4:
        return False
    for length in (lattice.a, lattice.b):
        n = max(1, round(length / eq_a))
        if abs(length / n - eq_a) < 1e-3:
            return True
    return False


def warn_if_unrelaxed(rows: Sequence[dict[str, Any]], structures: Sequence[tuple[str, Any]]) -> list[str]:
    """:class:`~dualion.errors.DualionWarning` naming the structures whose octahedra are all ideal
    (unrelaxed) — their Fig. 7 distances are those of perfect anatase, not of the defect. Returns the names."""
    import warnings

    from dualion.errors import DualionWarning

    names = [n for n, st in structures
             if all(looks_unrelaxed(r, st.lattice) for r in rows if r["structure"] == n)
             and any(r["structure"] == n for r in rows)]
    if names:
        warnings.warn(f"{', '.join(names)}: V_Ti octahedra have the ideal (unrelaxed) anatase distances "
                      f"(equatorial = a = {rows[0]['equatorial_a_A']:.4f} Å): "
                      "relax the structures first (`dualion compute ... --structures DIR`) for the Fig. 7 "
                      "distortion", DualionWarning, stacklevel=3)
    return names


def plot_distortion(rows: Sequence[dict[str, Any]], reference: dict[str, float] | None = None,
                    note: str | None = None):
    """Fig. 7-like figure: axial (a, triangles) and equatorial (b, circles/squares) anion–anion distances
    per configuration and V_Ti site; returns the Figure (write it with :func:`dualion.plotting.save`).

    Markers are coloured by the site's occupant (open grey = empty V_Ti); filled = relaxed /
    analysed structures, small open = ``source == "unrelaxed"`` when both are present.
    ``reference``: optional ``{"axial_A": .., "equatorial_A": ..}`` drawn as dashed lines (ideal
    anatase). ``note``: a caption under the figure (e.g. how the structures were relaxed).
    """
    import matplotlib.pyplot as plt

    from dualion.plotting import ION_COLOURS, format_label, panel_letters

    names = list(dict.fromkeys(r["structure"] for r in rows))
    vacs = sorted({r["vacancy"] for r in rows})
    sources = list(dict.fromkeys(r.get("source", "") for r in rows))
    width = 0.5 / max(1, len(vacs))
    fig, (ax_top, ax_bot) = plt.subplots(2, 1, figsize=(max(3.4, 0.75 * len(names) + 1.5), 4.6), sharex=True,
                                         layout="constrained")
    for r in rows:
        x = names.index(r["structure"]) + (vacs.index(r["vacancy"]) - (len(vacs) - 1) / 2) * width
        colour = ION_COLOURS.get(r["occupant"], "0.45")
        faded = len(sources) > 1 and r.get("source") == "unrelaxed"
        kw = dict(ms=4 if faded else 5.5, mec=colour, mfc="none" if (faded or r["occupant"] == "empty") else colour,
                  ls="none", alpha=0.8 if faded else 1.0)
        ax_top.plot([x], [r["axial_A"]], marker="^", **kw)
        ax_bot.plot([x], [r["equatorial_a_A"]], marker="o", **kw)
        ax_bot.plot([x], [r["equatorial_b_A"]], marker="s", **kw)
        if len(vacs) > 1:
            ax_top.annotate(r["vacancy"], (x, r["axial_A"]), textcoords="offset points", xytext=(0, 5),
                            ha="center", fontsize=6)
    if reference:
        ax_top.axhline(reference["axial_A"], ls="--", lw=0.8, color="0.6")
        ax_bot.axhline(reference["equatorial_A"], ls="--", lw=0.8, color="0.6")
    ax_top.margins(y=0.15)
    ax_top.set_ylabel("Axial anion–anion (Å)")
    ax_bot.set_ylabel("Equatorial anion–anion (Å)")
    ax_bot.set_xticks(range(len(names)))
    ax_bot.set_xticklabels([format_label(n) for n in names], rotation=30, ha="right")
    occupants = list(dict.fromkeys(r["occupant"] for r in rows))
    handles = [plt.Line2D([], [], marker="o", ls="none", mec=ION_COLOURS.get(o, "0.45"),
                          mfc="none" if o == "empty" else ION_COLOURS.get(o, "0.45"),
                          label=("V$_\\mathrm{Ti}$ empty" if o == "empty" else f"{o}$_\\mathrm{{Ti}}$"))
               for o in occupants]
    handles += [plt.Line2D([], [], marker="^", ls="none", color="k", mfc="none", label="axial"),
                plt.Line2D([], [], marker="o", ls="none", color="k", mfc="none", label="equatorial (a)"),
                plt.Line2D([], [], marker="s", ls="none", color="k", mfc="none", label="equatorial (b)")]
    if reference:
        handles.append(plt.Line2D([], [], ls="--", lw=0.8, color="0.6", label="ideal anatase"))
    if len(sources) > 1:
        handles.append(plt.Line2D([], [], marker="o", ms=4, ls="none", color="0.3", mfc="none",
                                  label="unrelaxed (small, open)"))
    fig.legend(handles=handles, ncol=4, loc="outside upper center", fontsize=6.5)
    if len(vacs) > 1:
        ax_top.text(0.99, 0.97, "V1, V2: the two V$_\\mathrm{Ti}$ sites of the pair", transform=ax_top.transAxes,
                    ha="right", va="top", fontsize=6, color="0.3")
    if note:
        fig.supxlabel(note, fontsize=6, color="0.3")
    fig.align_ylabels()
    panel_letters((ax_top, ax_bot), x=-0.12)
    return fig


def ideal_reference(a: float, c: float, u: float) -> dict[str, float]:
    """Ideal anatase opposite-vertex distances (Å): equatorial = a, axial = 2 u c."""
    return {"equatorial_A": float(a), "axial_A": float(2 * u * c)}
