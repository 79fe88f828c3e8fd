"""The paper's structural models: interstitial, single Ti vacancy and paired Ti vacancies.

Geometry (see ``docs/structures.md``):

* **interstitial** – stoichiometric anatase supercell + one ion on a 4b octahedral interstitial site.
* **single-vacancy** – one Ti vacancy V_Ti (a 4a site) compensated by four anions F_O (or OH_O:
  O plus an H 0.98 Å from it, pointing into the empty vacancy; away from its cations when an
  ion occupies the vacancy) on the anion sites of the
  vacancy octahedron; by default the four **equatorial** sites (the DFT ground state for F, Li et
  al. Chem. Mater. 2015; Morgan's anion-location data set), ``anion_sites="adjacent"`` enumerates
  all choices among the six (equatorial + axial). Ions go on the vacant 4a site.
* **paired-vacancy** – two edge-sharing V_Ti (Ti–Ti 3.04 Å) compensated by eight F. With
  ``anion_sites="equatorial"`` the F occupy the equatorial sites of both vacancies: the shared
  edge is equatorial to one vacancy and axial to the other, so these are exactly eight distinct
  anions (of the ten adjacent to the pair); ``"adjacent"`` enumerates all 8-of-10 choices.
  Configurations: empty, each ion alone on each symmetry-distinct vacancy, and every pair.

Charge balance of a host: 4·n(Ti) − 2·n(O) − n(F) + n(H) = 0 (OH counts as O + H).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from dualion.errors import DualionUserError
from dualion.ions import formal_charge
from dualion.structures.anatase import A_ANATASE_A, C_ANATASE_A, U_ANATASE, parse_supercell
from dualion.structures.symmetry import Frame, distinct_placements

#: O–H bond length (Å) used when an anion site is OH.
OH_BOND_A = 0.98
#: Site-model names accepted by :func:`build_site_model`.
SITE_MODELS = ("interstitial", "single-vacancy", "paired-vacancy")
#: Formal charges used for the charge-balance check of hosts.
HOST_CHARGES = {"Ti": 4, "O": -2, "F": -1, "H": 1}


@dataclass(frozen=True)
class ModelStructure:
    """One structure of a site model.

    ``host`` is the host label (e.g. ``"V_Ti+4F_O"``); ``label`` the configuration label (for the
    host itself ``counts == {}`` and ``label == host``); ``counts`` the inserted ions;
    ``site`` the insertion-site type (``"interstitial"``, ``"V_Ti"``, ``"2V_Ti"``; None for hosts);
    ``multiplicity`` the number of symmetry-equivalent placements in the supercell; ``meta`` plain
    data: supercell, lattice, vacancy and ion fractional coordinates, anion placement,
    ``dft_title`` (for the public-data models) ...
    """

    label: str
    host: str
    counts: dict[str, int]
    site: str | None
    structure: Any
    multiplicity: int = 1
    meta: dict = field(default_factory=dict)

    @property
    def is_host(self) -> bool:
        return not self.counts

    @property
    def formula(self) -> str:
        return self.structure.composition.formula.replace(" ", "")


@lru_cache(maxsize=8)
def get_frame(dims: tuple[int, int, int], a: float = A_ANATASE_A, c: float = C_ANATASE_A,
              u: float = U_ANATASE) -> Frame:
    """Cached :class:`~dualion.structures.symmetry.Frame` for a supercell."""
    return Frame(tuple(dims), a, c, u)


# --- anion specification ------------------------------------------------------------------------
_SPEC_RE = re.compile(r"^\s*(?:(\d+)\s*)?(F|OH)\s*$")


def parse_anions(spec: str, total: int) -> tuple[int, int, str | None]:
    """``"3F+1OH"`` → (nF=3, nOH=1, None); ``"2F+2OH-cis"`` → (2, 2, "cis"); ``"F"`` → (total, 0).

    ``total`` is the number of compensating anions (4 per V_Ti). Raises DualionUserError.
    """
    text = str(spec).strip()
    tag = None
    m = re.match(r"^(.*?)[-_ ]?(cis|trans)$", text)
    if m and "+" in m.group(1):
        text, tag = m.group(1), m.group(2)
    nf = noh = 0
    parts = [p for p in text.split("+")]
    for part in parts:
        mm = _SPEC_RE.match(part)
        if not mm:
            raise DualionUserError(f"cannot read anion specification {spec!r}; use F, OH, 3F+1OH, 2F+2OH-cis, ...",
                                   field="anions")
        n = int(mm.group(1)) if mm.group(1) else (total if len(parts) == 1 else 1)
        if mm.group(2) == "F":
            nf += n
        else:
            noh += n
    if nf + noh != total:
        raise DualionUserError(f"anion specification {spec!r} has {nf + noh} anions; charge balance needs "
                               f"{total} (one F or OH per missing Ti charge unit)", field="anions")
    if tag and not (nf == 2 and noh == 2 and total == 4):
        raise DualionUserError(f"cis/trans only applies to 2F+2OH, got {spec!r}", field="anions")
    return nf, noh, tag


def anion_label(nf: int, noh: int) -> str:
    parts = ([f"{nf}F_O"] if nf else []) + ([f"{noh}OH_O"] if noh else [])
    return "+".join(parts)


# --- frame helpers ------------------------------------------------------------------------------
def _centre_ti(frame: Frame) -> int:
    ti = frame.indices("Ti")
    d = frame.cart_disp(frame.frac[ti], np.array([0.5, 0.5, 0.5]))
    return int(ti[np.argmin(np.linalg.norm(d, axis=-1))])


def vacancy_shell(frame: Frame, ti: int) -> list[tuple[int, str]]:
    """The six anion points of the octahedron of Ti ``ti``: (index, ``"eq"`` | ``"ax"``).

    Axial = along c (|Δz| > 1 Å; d_ax = u·c ≈ 1.98 Å); equatorial = the four others (≈ 1.93 Å).
    """
    shell = frame.neighbours(ti, "O", 2.3)
    if len(shell) != 6 or len(set(shell.tolist())) != 6:
        raise DualionUserError(f"supercell {frame.dims} is too small: the Ti octahedron does not have six "
                               "distinct O sites (use at least 2x2x1)", field="supercell")
    out = []
    for o in shell:
        dz = frame.cart_disp(frame.frac[ti], frame.frac[o])[2]
        out.append((int(o), "ax" if abs(dz) > 1.0 else "eq"))
    return out


def _pair_partner(frame: Frame, ti: int) -> int:
    """An edge-sharing Ti neighbour (Ti–Ti ≈ 3.04 Å) of ``ti``."""
    nb = frame.neighbours(ti, "Ti", 3.3)
    if len(nb) < 4:
        raise DualionUserError(f"supercell {frame.dims} is too small for a vacancy pair", field="supercell")
    return int(nb[0])


def _bond_angle(frame: Frame, centre: int, i: int, j: int) -> float:
    v1 = frame.cart_disp(frame.frac[centre], frame.frac[i])
    v2 = frame.cart_disp(frame.frac[centre], frame.frac[j])
    return float(np.degrees(np.arccos(np.clip(v1 @ v2 / np.linalg.norm(v1) / np.linalg.norm(v2), -1, 1))))


# --- rendering ----------------------------------------------------------------------------------
def render(frame: Frame, changes: dict[int, str], ion_order: Sequence[str] = ()):
    """Pymatgen ``Structure`` of the pristine frame with ``changes`` applied.

    Labels: ``"X"`` on a Ti point = vacancy; ``"F"`` on an O point = F_O; ``"OH"`` = O plus H;
    an ion symbol on a Ti point (ion on the vacant 4a site) or on a 4b point (interstitial).
    Species order: Ti, O, F, H, then ions (``ion_order`` first).
    """
    from pymatgen.core import Structure

    vac_pts = [i for i, lab in changes.items() if frame.kind[i] == "Ti" and lab == "X"]
    buckets: dict[str, list[np.ndarray]] = {"Ti": [], "O": [], "F": [], "H": []}
    ions: dict[str, list[np.ndarray]] = {}
    for i in range(frame.n_atoms):
        lab = changes.get(i)
        kind = frame.kind[i]
        f = frame.frac[i]
        if lab is None:
            buckets[kind].append(f)
        elif kind == "Ti":
            if lab != "X":
                ions.setdefault(lab, []).append(f)
        elif lab == "F":
            buckets["F"].append(f)
        elif lab == "OH":
            buckets["O"].append(f)
            buckets["H"].append(_h_position(frame, i, vac_pts))
        else:
            raise ValueError(f"unsupported label {lab!r} on an O site")
    for i, lab in changes.items():
        if frame.kind[i] == "4b":
            ions.setdefault(lab, []).append(frame.frac[i])
    species, coords = [], []
    for el in ("Ti", "O", "F", "H"):
        species += [el] * len(buckets[el])
        coords += buckets[el]
    order = [i for i in ion_order if i in ions] + sorted(i for i in ions if i not in ion_order)
    for el in order:
        species += [el] * len(ions[el])
        coords += ions[el]
    return Structure(frame.lattice, species, np.mod(np.array(coords), 1.0))


def _h_position(frame: Frame, o: int, vac_pts: Sequence[int]) -> np.ndarray:
    """H of an OH group, 0.98 Å from its O.

    Adjacent to an *empty* vacancy: pointing at the vacancy centre. Otherwise (separated OH, or a
    vacancy holding an inserted ion): along −Σ of the unit vectors from O to its three cation
    sites (the open side of the OTi3 / OTi2M unit), so that H never sits on top of the ion.
    """
    fo = frame.frac[o]
    direction = None
    if vac_pts:
        d = frame.cart_disp(fo, frame.frac[list(vac_pts)])
        r = np.linalg.norm(d, axis=-1)
        if r.min() < 2.3:
            direction = d[np.argmin(r)]
    if direction is None:
        ti = frame.neighbours(o, "Ti", 2.3)
        v = frame.cart_disp(fo, frame.frac[ti])
        direction = -(v / np.linalg.norm(v, axis=-1)[:, None]).sum(axis=0)
    direction = direction / np.linalg.norm(direction)
    cart = fo @ frame.matrix + OH_BOND_A * direction
    return cart @ np.linalg.inv(frame.matrix)


def charge_sum(structure, ion_charges: dict[str, int] | None = None) -> int:
    """Σ formal charges with Ti4+, O2−, F−, H+ (and ion charges if given): 0 for a balanced host."""
    total = 0
    for el, n in structure.composition.get_el_amt_dict().items():
        z = HOST_CHARGES.get(el)
        if z is None:
            z = formal_charge(el, ion_charges)
        total += int(round(n)) * z
    return total


# --- builders -----------------------------------------------------------------------------------
def _meta(frame: Frame, changes: dict[int, str], extra: dict | None = None,
          order: Sequence[int] | None = None) -> dict:
    vac_idx = [i for i in sorted(changes) if frame.kind[i] == "Ti"]
    if order is not None:
        vac_idx = [i for i in order if i in changes] + [i for i in vac_idx if i not in order]
    vac = [frame.frac[i].round(6).tolist() for i in vac_idx]
    ions: dict[str, list] = {}
    for i, lab in sorted(changes.items()):
        if lab not in ("X", "F", "OH") and (frame.kind[i] in ("Ti", "4b")):
            ions.setdefault(lab, []).append(frame.frac[i].round(6).tolist())
    anions = {lab: [frame.frac[i].round(6).tolist() for i, la in sorted(changes.items()) if la == lab]
              for lab in ("F", "OH") if lab in changes.values()}
    a, c, u = frame.params
    out = {"supercell": list(frame.dims), "a_A": a, "c_A": c, "u": u, "vacancies": vac,
           "ion_sites": ions, "anion_sites": anions}
    out.update(extra or {})
    return out


def _check_ions(ions: Sequence[str]) -> tuple[str, ...]:
    ions = tuple(ions)
    if not ions:
        raise DualionUserError("give at least one working ion", field="ions")
    for ion in ions:
        formal_charge(ion)
    return ions


def _host_models(frame: Frame, vacancies: list[int], anions: str, anion_sites: str,
                 distinct: bool) -> list[tuple[str, dict[int, str], dict]]:
    """Compensated vacancy hosts: list of (label, changes, meta extra)."""
    if anion_sites not in ("equatorial", "adjacent"):
        raise DualionUserError(f"anion_sites must be 'equatorial' or 'adjacent', got {anion_sites!r}",
                               field="anion_sites")
    total = 4 * len(vacancies)
    nf, noh, tag = parse_anions(anions, total)
    shells = {v: vacancy_shell(frame, v) for v in vacancies}
    role: dict[int, list[str]] = {}
    for v, shell in shells.items():
        for o, r in shell:
            role.setdefault(o, []).append(r)
    if anion_sites == "equatorial":
        cand_sites = sorted(o for o, rs in role.items() if "eq" in rs)
    else:
        cand_sites = sorted(role)
    if len(cand_sites) < total:
        raise DualionUserError(f"only {len(cand_sites)} {anion_sites} anion sites for {total} anions",
                               field="anion_sites")
    host0 = {v: "X" for v in vacancies}
    cands = []
    for sites in itertools.combinations(cand_sites, total):
        for f_sites in itertools.combinations(sites, nf):
            c = {s: ("F" if s in f_sites else "OH") for s in sites}
            cands.append(c)
    classes = distinct_placements(frame, host0, cands)
    if tag:
        classes = [k for k in classes if _cis_trans(frame, vacancies[0], k.placement) == tag]
    if not distinct:
        classes = classes[:1]
    base = ("2V_Ti" if len(vacancies) == 2 else "V_Ti") + "+" + anion_label(nf, noh)
    out = []
    seen: dict[str, int] = {}
    for k in classes:
        desc = _describe(frame, vacancies, shells, k.placement)
        suffix = []
        if nf == 2 and noh == 2 and len(vacancies) == 1 and anion_sites == "equatorial":
            suffix.append(_cis_trans(frame, vacancies[0], k.placement))
        if anion_sites == "adjacent":
            suffix.append(desc)
        label = base + (f"({','.join(suffix)})" if suffix else "")
        if len(classes) > 1 and not suffix:
            label = f"{base}({desc})"
        n = seen.get(label, 0)
        seen[label] = n + 1
        if n:
            label = f"{label}#{n + 1}"
        changes = {**host0, **k.placement}
        out.append((label, changes, {"anion_arrangement": desc, "anion_multiplicity": k.multiplicity}))
    return out


def _cis_trans(frame: Frame, v: int, placement: dict[int, str]) -> str:
    f = [i for i, lab in placement.items() if lab == "F"]
    if len(f) != 2:
        return ""
    return "trans" if _bond_angle(frame, v, f[0], f[1]) > 135 else "cis"


def _describe(frame: Frame, vacancies: list[int], shells: dict, placement: dict[int, str]) -> str:
    """e.g. ``"3F_eq+1F_ax"`` (roles relative to the first vacancy that has the site in its shell)."""
    counts: dict[str, int] = {}
    for i, lab in placement.items():
        roles = [r for v in vacancies for o, r in shells[v] if o == i]
        role = "eq" if "eq" in roles else ("ax" if roles else "sep")
        key = f"{lab}_{role}"
        counts[key] = counts.get(key, 0) + 1
    keys = sorted(counts, key=lambda k: (k.split("_")[0] != "F", ["eq", "ax", "sep"].index(k.split("_")[1])))
    return "+".join(f"{counts[k]}{k}" for k in keys)


def _ion_configs(frame: Frame, host_changes: dict[int, str], sites: list[int], ions: tuple[str, ...],
                 max_ions: int, distinct: bool, site_names: dict[int, str]):
    """Symmetry-distinct placements of 1..max_ions ions on ``sites`` of the host."""
    out = []
    for n in range(1, max_ions + 1):
        for combo in itertools.combinations_with_replacement(ions, n):
            cands = []
            for chosen in itertools.permutations(sites, n):
                c = dict(zip(chosen, combo))
                if c not in cands:
                    cands.append(c)
            classes = distinct_placements(frame, host_changes, cands)
            if not distinct:
                classes = classes[:1]
            base = "+".join(combo)
            for k in classes:
                if len(classes) > 1:
                    label = "+".join(f"{lab}@{site_names.get(i, str(i))}" for i, lab in
                                     sorted(k.placement.items(), key=lambda t: (combo.index(t[1]), t[0])))
                else:
                    label = base
                counts: dict[str, int] = {}
                for ion in combo:
                    counts[ion] = counts.get(ion, 0) + 1
                out.append((label, counts, k.placement, k.multiplicity))
    return out


def build_site_model(name: str, supercell: str | Sequence[int] = (2, 2, 1), ions: Sequence[str] = ("Li", "Mg"),
                     anions: str = "F", distinct: bool = True, anion_sites: str = "equatorial",
                     a: float = A_ANATASE_A, c: float = C_ANATASE_A, u: float = U_ANATASE
                     ) -> list[ModelStructure]:
    """Build the structures of a named site model (hosts first, each followed by its configurations).

    Parameters
    ----------
    name: ``"interstitial"``, ``"single-vacancy"`` or ``"paired-vacancy"``.
    supercell: ``(nx, ny, nz)`` multiples of the conventional cell (paper: 4x4x2, 384 atoms).
    ions: working ions to insert (any element with a formal charge).
    anions: compensating anions of the vacancy host(s): ``"F"``, ``"OH"``, ``"3F+1OH"``,
        ``"2F+2OH-cis"``, ``"2F+2OH-trans"``, ``"2F+2OH"`` (both), ... (4 per vacancy).
    distinct: all symmetry-distinct placements (True) or only the first of each kind (False).
    anion_sites: ``"equatorial"`` (default, the paper's models) or ``"adjacent"`` (enumerate all
        equatorial/axial choices; one host per distinct arrangement).
    a, c, u: lattice parameters (Å) and O coordinate of the anatase cell.
    """
    if name not in SITE_MODELS:
        raise DualionUserError(f"unknown site model {name!r}; choose one of {', '.join(SITE_MODELS)}",
                               field="SITE_MODEL")
    dims = parse_supercell(supercell)
    if dims[0] < 2 or dims[1] < 2:
        raise DualionUserError(f"supercell {supercell!r} is too small: use at least 2x2x1", field="supercell")
    ions = _check_ions(ions)
    frame = get_frame(dims, float(a), float(c), float(u))
    models: list[ModelStructure] = []
    if name == "interstitial":
        host_label = "TiO2"
        models.append(ModelStructure(host_label, host_label, {}, None, render(frame, {}),
                                     1, _meta(frame, {}, {"model": name})))
        sites = [int(i) for i in frame.indices("4b")]
        for label, counts, placement, mult in _ion_configs(frame, {}, sites, ions, 1, distinct, {}):
            models.append(ModelStructure(label, host_label, counts, "interstitial",
                                         render(frame, placement, ions), mult,
                                         _meta(frame, placement, {"model": name})))
        return models
    v1 = _centre_ti(frame)
    vacancies = [v1] if name == "single-vacancy" else [v1, _pair_partner(frame, v1)]
    site_tag = "V_Ti" if name == "single-vacancy" else "2V_Ti"
    names = {v: f"V{k + 1}" for k, v in enumerate(vacancies)}
    max_ions = len(vacancies)
    for host_label, host_changes, extra in _host_models(frame, vacancies, anions, anion_sites, distinct):
        extra = {"model": name, **extra}
        models.append(ModelStructure(host_label, host_label, {}, None, render(frame, host_changes, ions), 1,
                                     _meta(frame, host_changes, extra, vacancies)))
        for label, counts, placement, mult in _ion_configs(frame, host_changes, vacancies, ions, max_ions,
                                                           distinct, names):
            changes = {**host_changes, **placement}
            models.append(ModelStructure(label, host_label, counts, site_tag, render(frame, changes, ions), mult,
                                         _meta(frame, changes, {**extra, "occupied": {names[i]: lab for i, lab
                                                                                      in placement.items()}},
                                               vacancies)))
    return models


# --- public-data models -------------------------------------------------------------------------
#: Single-vacancy hosts of the public 3x3x1 set: (anion spec, title stem).
CALIBRATION_HOSTS = (("F", "4F"), ("3F+1OH", "3F+1OH"), ("2F+2OH-cis", "2F+2OH cis"),
                     ("2F+2OH-trans", "2F+2OH trans"), ("1F+3OH", "1F+3OH"), ("OH", "4OH"))


def build_calibration_set(supercell: str | Sequence[int] = (3, 3, 1),
                          ions: Sequence[str] = ("Li", "Na", "Mg", "Ca", "Al"),
                          a: float = A_ANATASE_A, c: float = C_ANATASE_A, u: float = U_ANATASE
                          ) -> list[ModelStructure]:
    """The models of the public F/OH-TiO2 DFT set (doi:10.15125/BATH-00473), 3x3x1 by default.

    Stoichiometric anatase + one interstitial ion, and the single-vacancy hosts 4F, 3F+1OH,
    2F+2OH cis/trans, 1F+3OH, 4OH (compensating anions on the equatorial sites of V_Ti), each
    alone and with one ion on the vacant Ti site. ``meta["dft_title"]`` is the run title in the
    public YAML files (``stoichiometric_anatase.yaml``, ``vacancy_intercalation.yaml``).
    """
    ions = _check_ions(ions)
    out: list[ModelStructure] = []
    for m in build_site_model("interstitial", supercell, ions, a=a, c=c, u=u):
        title = "stoichiometric anatase" + ("" if m.is_host else f" + {m.label}")
        out.append(_with_meta(m, dft_title=title, dft_file="stoichiometric_anatase.yaml"))
    for spec, stem in CALIBRATION_HOSTS:
        for m in build_site_model("single-vacancy", supercell, ions, anions=spec, a=a, c=c, u=u):
            title = f"TiO2 {stem} " + ("stoichiometric" if m.is_host else f"+ {m.label}")
            out.append(_with_meta(m, dft_title=title, dft_file="vacancy_intercalation.yaml"))
    return out


def _with_meta(m: ModelStructure, **extra) -> ModelStructure:
    return ModelStructure(m.label, m.host, dict(m.counts), m.site, m.structure, m.multiplicity, {**m.meta, **extra})


#: Titles of ``anion_location_test_data.yaml`` (4x4x2, one V_Ti + 4 F or OH).
ANION_LOCATION_TITLES = (
    "Anatase TiO2 4x4x2 V_Ti + 0F_eq + 4F_sep", "Anatase TiO2 4x4x2 V_Ti + 1F_eq + 3F_sep",
    "Anatase TiO2 4x4x2 V_Ti + 2F_eq + 2F_sep", "Anatase TiO2 4x4x2 V_Ti + 3F_eq + 1F_sep",
    "Anatase TiO2 4x4x2 V_Ti + 4F_eq + 0F_sep", "Anatase TiO2 4x4x2 V_Ti + 2F_eq + 2F_ax",
    "Anatase TiO2 4x4x2 V_Ti + 3F_eq + 1F_ax", "Anatase TiO2 4x4x2 V_Ti + 3F_eq + 1F_ax alternate",
    "Anatase TiO2 4x4x2 V_Ti + 0OH_eq + 4OH_sep", "Anatase TiO2 4x4x2 V_Ti + 1OH_eq + 3OH_sep",
    "Anatase TiO2 4x4x2 V_Ti + 2OH_eq + 2OH_sep", "Anatase TiO2 4x4x2 V_Ti + 3OH_eq + 1OH_sep",
    "Anatase TiO2 4x4x2 V_Ti + 4OH_eq + 0OH_sep", "Anatase TiO2 4x4x2 V_Ti + 2OH_eq + 2OH_ax",
)
_TITLE_RE = re.compile(r"V_Ti \+ (\d)(F|OH)_eq \+ (\d)(?:F|OH)_(sep|ax)( alternate)?$")


def sep_sites(frame: Frame, vacancy: int, n: int) -> list[int]:
    """``n`` O sites "separated" from the vacancy: greedy max–min distance from it and each other.

    The first maximises the distance to the vacancy; each next one the smallest distance to the
    vacancy and the sites already chosen (ties: lowest index). None is adjacent to the vacancy.
    """
    pool = frame.indices("O")
    chosen: list[int] = []
    dmin = frame.distances(vacancy, pool)
    for _ in range(n):
        k = int(np.argmax(np.round(dmin, 3)))
        chosen.append(int(pool[k]))
        dmin = np.minimum(dmin, frame.distances(int(pool[k]), pool))
    return chosen


def build_anion_location_set(supercell: str | Sequence[int] = (4, 4, 2), a: float = A_ANATASE_A,
                             c: float = C_ANATASE_A, u: float = U_ANATASE) -> list[ModelStructure]:
    """Hosts of ``anion_location_test_data.yaml``: one V_Ti + four F (or OH) in a 4x4x2 cell.

    Each anion is *eq* (equatorial site of the vacancy octahedron), *ax* (axial site) or *sep*
    (far from the vacancy, see :func:`sep_sites`). "k eq" uses the first k equatorial sites in a
    symmetry-canonical order; for 2 eq + 2 ax and 3 eq + 1 ax there are several symmetry-distinct
    arrangements: the first distinct class is mapped to the plain title and the second to
    "alternate" (the public data do not record which was computed; ``meta["alternatives"]``
    counts the classes). ``meta["dft_title"]`` is the title in the YAML file.
    """
    dims = parse_supercell(supercell)
    frame = get_frame(dims, float(a), float(c), float(u))
    v = _centre_ti(frame)
    shell = vacancy_shell(frame, v)
    eq = [o for o, r in shell if r == "eq"]
    ax = [o for o, r in shell if r == "ax"]
    host0 = {v: "X"}
    out = []
    for title in ANION_LOCATION_TITLES:
        m = _TITLE_RE.search(title)
        n_eq, species, n_other, where, alt = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4), m.group(5)
        if where == "sep":
            cands = [{**{o: species for o in e}} for e in itertools.combinations(eq, n_eq)]
            classes = distinct_placements(frame, host0, cands)
            chosen = classes[0]
            placement = {**chosen.placement, **{o: species for o in sep_sites(frame, v, n_other)}}
            n_alt = len(classes)
        else:
            cands = [{**{o: species for o in e}, **{o: species for o in x}}
                     for e in itertools.combinations(eq, n_eq) for x in itertools.combinations(ax, n_other)]
            classes = distinct_placements(frame, host0, cands)
            chosen = classes[1 if alt else 0]
            placement = chosen.placement
            n_alt = len(classes)
        changes = {**host0, **placement}
        eq_f = [i for i in placement if i in eq]
        eq_pair = ("trans" if _bond_angle(frame, v, eq_f[0], eq_f[1]) > 135 else "cis") if len(eq_f) == 2 else None
        side = None
        if where == "ax" and n_eq == 3:  # is the axial anion on the side (along c) of the remaining eq O?
            free = next(o for o in eq if o not in placement)
            axf = next(o for o in placement if o in ax)
            dz_free = frame.cart_disp(frame.frac[v], frame.frac[free])[2]
            dz_ax = frame.cart_disp(frame.frac[v], frame.frac[axf])[2]
            side = "syn" if dz_free * dz_ax > 0 else "anti"
        label = f"V_Ti+{n_eq}{species}_eq+{n_other}{species}_{where}" + ("(alt)" if alt else "")
        meta = _meta(frame, changes, {"model": "anion-location", "dft_title": title,
                                      "dft_file": "anion_location_test_data.yaml", "alternatives": n_alt,
                                      "equatorial_pair": eq_pair, "axial_vs_free_equatorial": side,
                                      "anion_arrangement": f"{n_eq}{species}_eq+{n_other}{species}_{where}"})
        out.append(ModelStructure(label, label, {}, None, render(frame, changes), 1, meta))
    return out
