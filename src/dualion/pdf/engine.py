"""The diffpy.pdffit2 engine, wrapped so that neither its output nor its state leaks.

* Output: pdffit2's C++ core prints every iteration. :func:`quiet_engine` sends it to an in-memory
  log through ``pdffit2.redirect_stdout`` *and* points file descriptor 1 at ``/dev/null`` while the
  engine runs (anything written straight to the C stream), restoring both afterwards. The log's
  last lines go into the error message when the engine fails.
* State: pdffit2 keeps phases, data sets and parameters in a global-ish handle; every refinement
  creates a fresh ``PdfFit`` and calls ``reset()`` when done, so fits never see each other.
* Parameters are built from the space group (:mod:`dualion.pdf.symmetry`): one pdffit2 parameter per
  independent quantity, every symmetry-equivalent variable constrained to it.
* Staged release: scale → lattice → ADPs → everything else, each stage refined to convergence with
  the previous parameters free, so that a fit does not start in a singular matrix; uncertainties are
  those of the last stage (all free parameters).
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dualion.errors import DualionUserError, DualionWarning
from dualion.pdf.data import PDFData, check_fit_range
from dualion.pdf.model import PDFStructure, reciprocal_cosines
from dualion.pdf.symmetry import Symmetry, analyse

#: Names ``--free`` accepts besides ``occ:El@site`` / ``Uiso:El``.
FREE_NAMES = ("a", "b", "c", "alpha", "beta", "gamma", "lattice", "xyz", "scale", "Uiso", "sratio", "delta1",
              "delta2", "spdiameter", "qdamp", "qbroad", "occ")
#: Free parameters when ``--free`` is not given.
DEFAULT_FREE = ("scale", "lattice", "Uiso")
_PROFILE = ("sratio", "delta1", "delta2", "spdiameter", "qdamp", "qbroad")
_LAT = ("a", "b", "c", "alpha", "beta", "gamma")


def pdffit2(what: str | None = None):
    """The ``diffpy.pdffit2`` module, or a one-line user error naming the extra (``dualion[pdf]``)."""
    from dualion.extras import require

    return require("pdf", "diffpy.pdffit2", what=what or "PDF refinement (diffpy.pdffit2)")


def engine_name() -> str:
    """``"diffpy.pdffit2 <version>"`` (recorded in every result)."""
    return f"diffpy.pdffit2 {pdffit2().__version__}"


@contextlib.contextmanager
def quiet_engine() -> Iterator[io.StringIO]:
    """Silence pdffit2 (Python-level redirect + fd 1 → /dev/null); yield the captured log."""
    mod = pdffit2()
    from diffpy.pdffit2 import output

    log = io.StringIO()
    previous = output.stdout
    mod.redirect_stdout(log)
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        yield log
    finally:
        with contextlib.suppress(Exception):
            ctypes.CDLL(None).fflush(None)  # C stdio buffers go to /dev/null, not to the restored fd
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
        mod.redirect_stdout(previous)


@dataclass
class Param:
    """One refinable quantity: ``name`` (the ``--free`` spelling), start ``value``, release ``stage``,
    and the pdffit2 variables it sets as ``(variable, coefficient)`` (variable = const + Σ c·p)."""

    name: str
    value: float
    stage: int
    targets: list[tuple[str, float]] = field(default_factory=list)
    free: bool = False


@dataclass
class Settings:
    """Fit settings: Qmax (Å⁻¹, 0 = no termination ripples), start values of the profile parameters,
    rcut (Å; sratio applies below it), fit range (Å), radiation ``X`` / ``N``, staged release."""

    qmax: float | None = None
    qdamp: float = 0.0
    qbroad: float = 0.0
    rmin: float | None = None
    rmax: float | None = None
    rcut: float = 0.0
    sratio: float = 1.0
    delta1: float = 0.0
    delta2: float = 0.0
    spdiameter: float = 0.0
    scale: float = 1.0
    stype: str | None = None
    staged: bool = True
    free: tuple[str, ...] = DEFAULT_FREE

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Settings:
        d = dict(d)
        d["free"] = tuple(d.get("free", DEFAULT_FREE))
        return cls(**d)


def parse_free(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"a,c,Uiso,occ:Li@4b"`` → names, checked against :data:`FREE_NAMES`."""
    if text is None:
        return DEFAULT_FREE
    items = [t.strip() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    for t in items:
        base = t.split(":", 1)[0]
        if base not in FREE_NAMES or (":" in t and base not in ("occ", "Uiso")):
            raise DualionUserError(f"unknown parameter {t!r}; choose from {', '.join(FREE_NAMES)} "
                                   "(or occ:El@site, Uiso:El)", field="--free")
    return tuple(items)


def build_params(structure: PDFStructure, sym: Symmetry, settings: Settings) -> list[Param]:
    """All refinable quantities of a fit with their pdffit2 targets, ``free`` set from ``settings.free``."""
    params: list[Param] = [Param("scale", settings.scale, 1, [("dscale", 1.0)])]
    for name, idx in sym.lattice.items():
        params.append(Param(name, float(structure.lattice[idx[0]]), 2, [(f"lat({i + 1})", 1.0) for i in idx]))
    cos_star = reciprocal_cosines(structure.lattice)
    for el, idx in sym.elements.items():
        tg = [(f"u{k}({i + 1})", 1.0) for i in idx for k in ("11", "22", "33")]
        tg += [(f"u{k}({i + 1})", float(cos_star[m])) for i in idx for k, m in (("12", 2), ("13", 1), ("23", 0))
               if abs(cos_star[m]) > 1e-9]
        params.append(Param(f"Uiso({el})", float(np.mean([structure.atoms[i].uiso for i in idx])), 3, tg))
    for cp in sym.coords:
        params.append(Param(cp.name, cp.value, 4, [(f"{'xyz'[ax]}({i + 1})", c) for i, ax, c in cp.terms]))
    for label, idx in sym.sites.items():
        params.append(Param(f"occ({label})", float(structure.atoms[idx[0]].occ), 4,
                            [(f"occ({i + 1})", 1.0) for i in idx]))
    for name in _PROFILE:
        params.append(Param(name, float(getattr(settings, name)), 4, [(name, 1.0)]))
    _mark_free(params, sym, structure, settings)
    return params


def _mark_free(params: list[Param], sym: Symmetry, structure: PDFStructure, settings: Settings) -> None:
    by = {p.name: p for p in params}
    tied_to = {_LAT[i]: n for n, idx in sym.lattice.items() for i in idx}
    shared = sym.shared
    for name in settings.free:
        base, _, arg = name.partition(":")
        if base == "lattice":
            for n in sym.lattice:
                by[n].free = True
        elif base in _LAT:
            if base not in tied_to:
                warnings.warn(f"--free {base}: fixed by the space group {sym.spacegroup}; left fixed",
                              DualionWarning, stacklevel=3)
            else:
                if tied_to[base] != base:
                    warnings.warn(f"--free {base}: tied to {tied_to[base]} by the space group {sym.spacegroup}; "
                                  f"refined as {tied_to[base]}", DualionWarning, stacklevel=3)
                by[tied_to[base]].free = True
        elif base == "xyz":
            for p in params:
                if p.stage == 4 and p.name[:2] in ("x(", "y(", "z("):
                    p.free = True
        elif base == "Uiso":
            keys = [f"Uiso({arg})"] if arg else [p.name for p in params if p.name.startswith("Uiso(")]
            for k in keys:
                if k not in by:
                    raise DualionUserError(f"no element {arg!r} in the structure", field="--free")
                by[k].free = True
        elif base == "occ":
            if arg:
                if f"occ({arg})" not in by:
                    raise DualionUserError(f"no site {arg!r}; sites are {', '.join(sym.sites)}", field="--free")
                by[f"occ({arg})"].free = True
            else:
                picked = [p for lab, p in ((lab, by[f"occ({lab})"]) for lab in sym.sites)
                          if p.value < 1.0 or any(i in shared for i in sym.sites[lab])]
                if not picked:
                    warnings.warn("--free occ: every site is fully occupied by one element; nothing to refine",
                                  DualionWarning, stacklevel=3)
                for p in picked:
                    p.free = True
        else:
            by[base].free = True
    if by["sratio"].free and settings.rcut <= 0:
        raise DualionUserError("sratio acts below rcut: give --rcut R (Å) > 0 with --free sratio", field="--rcut")
    for name, start in (("spdiameter", 50.0), ("qdamp", 0.01)):
        if by[name].free and by[name].value <= 0:
            warnings.warn(f"--free {name} from 0 has a zero derivative; starting at {start:g}", DualionWarning,
                          stacklevel=3)
            by[name].value = start


def _variables(params: Sequence[Param], sym: Symmetry, index: dict[str, int]) -> dict[str, tuple[float, list]]:
    """pdffit2 variable → (constant, [(coefficient, parameter index or value)])."""
    out: dict[str, tuple[float, list]] = {}
    for (i, ax), const in sym.coord_const.items():
        out[f"{'xyz'[ax]}({i + 1})"] = (const, [])
    for p in params:
        for var, coeff in p.targets:
            c0, terms = out.get(var, (0.0, []))
            terms.append((coeff, index.get(p.name), p.value))
            out[var] = (c0, terms)
    return out


def _formula(const: float, terms: list) -> str:
    parts = [] if abs(const) < 1e-12 else [repr(const)]
    for coeff, k, _ in terms:
        parts.append(f"@{k}" if coeff == 1.0 else f"({coeff!r})*@{k}")
    return " + ".join(parts)


_RES_PAR = re.compile(r"(\d+):\s*([-+0-9.eE]+)\s*\(([-+0-9.eE]+)\)")


def _sigmas(res: str) -> dict[int, float]:
    block = res.split("Refinement parameters :")[-1].split("-----")[0]
    return {int(k): float(s) for k, _, s in _RES_PAR.findall(block)}


def _chi2(res: str) -> float | None:
    m = re.findall(r"Reduced chi squared\s*:\s*([-+0-9.eE]+)", res)
    return float(m[-1]) if m else None


def _engine_error(exc: BaseException, log: io.StringIO, data: PDFData) -> DualionUserError:
    last = [ln.strip() for ln in log.getvalue().splitlines() if ln.strip()][-1:] or [""]
    msg = " ".join(f"{type(exc).__name__}: {exc} {last[0]}".split())
    return DualionUserError(f"pdffit2 failed: {msg[:300]}", file=data.source or None, field="refine")


def refine(data: PDFData, structure: PDFStructure, settings: Settings | None = None):
    """Refine ``structure`` against ``data`` with pdffit2 (fresh engine, silenced); a :class:`PDFFitResult`."""
    from dualion.pdf.results import PDFFitResult

    settings = settings or Settings()
    mod = pdffit2()
    rmin, rmax = check_fit_range(data, settings.rmin, settings.rmax)
    qmax = settings.qmax if settings.qmax is not None else data.qmax
    if qmax is None:
        raise DualionUserError("Qmax is not in the file header: give --qmax (Å⁻¹; 0 = no termination ripples)",
                               file=data.source or None, field="--qmax")
    stype = (settings.stype or data.stype or "X").upper()
    structure = structure.copy()
    sym = analyse(structure)
    for at, x in zip(structure.atoms, sym.symmetrized):
        at.xyz = np.asarray(x, float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DualionWarning)
        params = build_params(structure, sym, settings)
    for w in caught:  # shown to the caller as well as recorded in the result
        warnings.warn(w.message, DualionWarning, stacklevel=2)
    free = [p for p in params if p.free]
    if not free:
        raise DualionUserError("nothing to refine: every parameter is fixed", field="--free")
    index = {p.name: k + 1 for k, p in enumerate(free)}
    variables = _variables(params, sym, index)
    with quiet_engine() as log:
        pf = mod.PdfFit(create_intro=False)
        try:
            pf.read_struct_string(structure.to_pdffit(), structure.title)
            # pdffit2 1.5.1's array reader weights points by dG^-1/2 (its file reader by dG^-2, as PDFgui);
            # passing dG^4 gives the file reader's w = 1/dG² (checked against read_data in the tests)
            # (plain lists: pdffit2 aborts the process on numpy arrays)
            dg = (np.asarray(data.dG, float) ** 4).tolist() if data.weighted else None
            pf.read_data_lists(stype, float(qmax), float(settings.qdamp), np.asarray(data.r, float).tolist(),
                               np.asarray(data.G, float).tolist(), dg, os.path.basename(data.source) or "data")
            pf.pdfrange(1, rmin, rmax)
            pf.setvar("rcut", float(settings.rcut))
            for var, (const, terms) in variables.items():
                if any(k is not None for _, k, _ in terms):
                    pf.constrain(var, _formula(const, [t for t in terms if t[1] is not None]))
                else:
                    pf.setvar(var, const + sum(c * v for c, _, v in terms))
            for p in free:
                pf.setpar(index[p.name], p.value)
            stages = sorted({p.stage for p in free}) if settings.staged else [max(p.stage for p in free)]
            for st in stages:
                pf.fixpar("ALL")
                for p in free:
                    if p.stage <= st or not settings.staged:
                        pf.freepar(index[p.name])
                pf.refine()
            res = pf.save_res_string()
            values = {p.name: (pf.getpar(index[p.name]) if p.free else p.value) for p in params}
            r = np.asarray(pf.getR())
            gobs, gcalc = np.asarray(pf.getpdf_obs()), np.asarray(pf.getpdf_fit())
            rw = float(pf.getrw())
            refined = _refined_structure(pf, structure)
        except DualionUserError:
            raise
        except Exception as exc:  # noqa: BLE001 - engine errors become one-line user errors
            raise _engine_error(exc, log, data) from None
        finally:
            with contextlib.suppress(Exception):
                pf.reset()
            del pf
    sig = _sigmas(res)
    parameters = {p.name: {"value": float(values[p.name]), "sigma": sig.get(index.get(p.name, -1)) if p.free else None,
                           "free": p.free} for p in params}
    return PDFFitResult(
        Rw=rw, chi2_red=_chi2(res), parameters=parameters,
        data={**data.summary(), "fit_rmin_A": rmin, "fit_rmax_A": rmax, "n_fit_points": int(r.size)},
        structure={"title": structure.title, "source": structure.source, "spacegroup": sym.spacegroup,
                   "spacegroup_number": sym.number, "formula": refined.formula(), "sites": sorted(sym.sites),
                   "lattice_groups": sym.lattice,
                   "volume_A3": refined.volume_A3, "refined": refined.to_dict()},
        engine=engine_name(), settings={**settings.to_dict(), "qmax": float(qmax), "stype": stype,
                                        "stages": stages},
        r=r, Gobs=gobs, Gcalc=gcalc, warnings=sorted({" ".join(str(w.message).split()) for w in caught}))


def _refined_structure(pf, structure: PDFStructure) -> PDFStructure:
    out = structure.copy()
    out.lattice = tuple(float(pf.getvar(f"lat({k})")) for k in range(1, 7))  # type: ignore[assignment]
    for i, at in enumerate(out.atoms, start=1):
        at.xyz = np.array([pf.getvar(f"{ax}({i})") for ax in "xyz"], float)
        at.occ = float(pf.getvar(f"occ({i})"))
        at.uiso = float(np.mean([pf.getvar(f"u{k}({i})") for k in ("11", "22", "33")]))
    return out
