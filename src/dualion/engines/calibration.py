r"""Calibration of ML insertion energies against the public DFT set (doi:10.15125/BATH-00473).

Data: the 3×3×1 models of ``../shared/data/f-tio2-dft`` — one ion X ∈ {Li, Na, Mg, Ca, Al} on an
interstitial site of stoichiometric anatase, or on the vacant Ti site of the single-vacancy hosts
4F, 3F+1OH, 2F+2OH cis/trans, 1F+3OH, 4OH. For each point *k*

.. math:: \Delta E_k = E(\text{host}+X) - E(\text{host}) - \mu_X^\text{metal}

with each method's own host, metal and insertion energies (eV). DFT runs with ``status`` other than
``finished`` (stoichiometric anatase + Mg, 4F + Ca) are excluded from the fit and reported.

A correction model predicts the residual :math:`\delta_k = \Delta E_k^\text{DFT} - \Delta E_k^\text{ML}`
from simple descriptors of the inserted ion and its site; calibrated energies are
:math:`\Delta E_k^\text{cal} = \Delta E_k^\text{ML} + \hat\delta_k`. Candidates (:data:`CANDIDATES`):

* ``none`` — :math:`\hat\delta = 0` (raw ML);
* ``shift_per_ion`` — :math:`\hat\delta = a_X` (mean residual of ion X);
* ``shift_per_ion_site`` — :math:`\hat\delta = a_{X,s}`, s ∈ {interstitial, vacancy} (group mean;
  a group absent from the training data falls back to :math:`a_X`, then to the global mean);
* ``linear_z_site`` — :math:`\hat\delta = c_0 + c_1 z + c_2 v + c_3 z v` (z formal charge, v = 1 on a
  vacant Ti site, 0 interstitial);
* ``ion_plus_site_z`` — :math:`\hat\delta = a_X + b\,v + c\,z v`;
* ``linear_z_site_r_nF`` — :math:`c_0 + c_1 z + c_2 v + c_3 z v + c_4 r + c_5 n_F` (r Shannon
  six-fold ionic radius, Å; :math:`n_F` F atoms within 2.5 Å of the ion);
* ``site_F_OHsize`` — :math:`c_0 + c_1 v + c_2 n_F + c_3\, r\, n_{OH}` (:math:`n_{OH}` H atoms within
  2.5 Å of the ion: OH groups of the vacancy octahedron, whose H points into the site and crowds
  large ions).

Linear models are fitted by least squares (minimum-norm solution when a left-out point makes a
column all-zero). The model is chosen by **leave-one-out cross-validation**: for each point, fit on
the others and predict it; LOO MAE = mean |δ_k − δ̂_k^{(−k)}|. Among candidates within
:data:`LOO_TOLERANCE_EV` of the best LOO MAE the one with the fewest parameters wins.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from dualion.errors import DualionUserError
from dualion.ions import formal_charge

#: Shannon ionic radii (Å), six-fold coordination (Shannon 1976).
SHANNON_RADIUS_A = {"Li": 0.76, "Na": 1.02, "K": 1.38, "Mg": 0.72, "Ca": 1.00, "Zn": 0.74, "Al": 0.535}
#: F atoms within this distance (Å) of an inserted ion count as its F neighbours.
F_NEIGHBOUR_CUTOFF_A = 2.5
#: Candidates within this LOO MAE (eV) of the best are "as good"; the simplest of them is chosen.
LOO_TOLERANCE_EV = 0.01
#: Ions of the public DFT set.
CALIBRATION_IONS = ("Li", "Na", "Mg", "Ca", "Al")


# --- descriptors -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Point:
    """One insertion: ion, site type, descriptors and the two insertion energies (eV)."""

    key: str
    ion: str
    site: str
    n_F: int = 0
    host: str = ""
    dE_ml: float = float("nan")
    dE_dft: float | None = None
    dft_status: str = "finished"
    n_OH: int = 0

    @property
    def z(self) -> int:
        return formal_charge(self.ion)

    @property
    def v(self) -> float:
        return 1.0 if self.site == "vacancy" else 0.0

    @property
    def r(self) -> float:
        if self.ion not in SHANNON_RADIUS_A:
            raise DualionUserError(f"no ionic radius for {self.ion!r}", field="ions")
        return SHANNON_RADIUS_A[self.ion]

    @property
    def residual(self) -> float:
        """δ = ΔE_DFT − ΔE_ML (eV)."""
        return float(self.dE_dft - self.dE_ml)


def f_neighbours(atoms, index: int, cutoff: float = F_NEIGHBOUR_CUTOFF_A, species: str = "F") -> int:
    """Number of ``species`` atoms (default F) within ``cutoff`` Å of atom ``index`` (minimum image)."""
    f_idx = [i for i, s in enumerate(atoms.get_chemical_symbols()) if s == species]
    if not f_idx:
        return 0
    d = atoms.get_distances(index, f_idx, mic=True)
    return int((d < cutoff).sum())


def inserted_ions(task) -> list[tuple[str, int]]:
    """(ion, atom index) for every inserted ion of a task (species named in ``task.counts``)."""
    syms = task.atoms.get_chemical_symbols()
    out = [(s, i) for i, s in enumerate(syms) if s in task.counts]
    if len(out) != sum(task.counts.values()):
        raise DualionUserError(f"cannot identify the inserted ions of {task.label!r}: the host contains "
                               f"{'/'.join(task.counts)} too", field="structure")
    return out


# --- models -----------------------------------------------------------------------------------------
def _features(p: Point, names: Sequence[str]) -> np.ndarray:
    vals = {"1": 1.0, "z": p.z, "v": p.v, "z*v": p.z * p.v, "r": p.r, "nF": float(p.n_F),
            "r*nOH": p.r * p.n_OH}
    out = []
    for n in names:
        if n.startswith("ion="):
            out.append(1.0 if p.ion == n[4:] else 0.0)
        else:
            out.append(float(vals[n]))
    return np.array(out)


@dataclass(frozen=True)
class FittedModel:
    """A fitted correction: ``kind`` = ``group`` (shifts with fallback) or ``linear`` (coefficients)."""

    name: str
    kind: str
    params: Mapping[str, float]
    n_params: int

    def predict(self, p: Point) -> float:
        """δ̂ (eV) for one point."""
        if self.kind == "group":
            for key in (f"{p.ion}|{p.site}", p.ion, "*"):
                if key in self.params:
                    return float(self.params[key])
            return 0.0
        names = list(self.params)
        return float(_features(p, names) @ np.array([self.params[n] for n in names]))


@dataclass(frozen=True)
class Candidate:
    """A correction model family: ``fit(points) -> FittedModel``."""

    name: str
    description: str
    fit: Callable[[Sequence[Point]], FittedModel]


def _fit_group(name: str, keyfuncs: Sequence[Callable[[Point], str]]) -> Callable[[Sequence[Point]], FittedModel]:
    def fit(points: Sequence[Point]) -> FittedModel:
        params: dict[str, float] = {}
        n = 0
        for kf in keyfuncs:
            groups: dict[str, list[float]] = {}
            for p in points:
                groups.setdefault(kf(p), []).append(p.residual)
            for k, vals in groups.items():
                params[k] = float(np.mean(vals))
            n = max(n, len(groups))
        if "*" not in params:
            params["*"] = float(np.mean([p.residual for p in points])) if points else 0.0
        return FittedModel(name, "group", params, n)

    return fit


def _fit_linear(name: str, names_for: Callable[[Sequence[Point]], list[str]]) -> Callable[[Sequence[Point]], FittedModel]:
    def fit(points: Sequence[Point]) -> FittedModel:
        names = names_for(points)
        X = np.array([_features(p, names) for p in points])
        y = np.array([p.residual for p in points])
        coef, *_ = np.linalg.lstsq(X, y, rcond=None)
        return FittedModel(name, "linear", {n: float(c) for n, c in zip(names, coef)}, len(names))

    return fit


def _none(points: Sequence[Point]) -> FittedModel:
    return FittedModel("none", "group", {"*": 0.0}, 0)


def _ion_columns(points: Sequence[Point]) -> list[str]:
    return [f"ion={i}" for i in sorted({p.ion for p in points})]


#: Candidate correction models, simplest first.
CANDIDATES: tuple[Candidate, ...] = (
    Candidate("none", "δ = 0 (raw ML)", _none),
    Candidate("shift_per_ion", "δ = a_X", _fit_group("shift_per_ion", [lambda p: p.ion])),
    Candidate("linear_z_site", "δ = c0 + c1 z + c2 v + c3 z v", _fit_linear("linear_z_site", lambda pts: ["1", "z", "v", "z*v"])),
    Candidate("ion_plus_site_z", "δ = a_X + b v + c z v",
              _fit_linear("ion_plus_site_z", lambda pts: _ion_columns(pts) + ["v", "z*v"])),
    Candidate("linear_z_site_r_nF", "δ = c0 + c1 z + c2 v + c3 z v + c4 r + c5 nF",
              _fit_linear("linear_z_site_r_nF", lambda pts: ["1", "z", "v", "z*v", "r", "nF"])),
    Candidate("site_F_OHsize", "δ = c0 + c1 v + c2 nF + c3 r nOH",
              _fit_linear("site_F_OHsize", lambda pts: ["1", "v", "nF", "r*nOH"])),
    Candidate("shift_per_ion_site", "δ = a_{X,s} (fallback a_X, then global mean)",
              _fit_group("shift_per_ion_site", [lambda p: p.ion, lambda p: f"{p.ion}|{p.site}"])),
)


def loo_predictions(candidate: Candidate, points: Sequence[Point]) -> np.ndarray:
    """Leave-one-out predictions δ̂_k^{(−k)}: fit on all points but k, predict k."""
    pts = list(points)
    out = np.empty(len(pts))
    for k in range(len(pts)):
        model = candidate.fit(pts[:k] + pts[k + 1:])
        out[k] = model.predict(pts[k])
    return out


def _err_stats(err: np.ndarray) -> dict[str, float]:
    a = np.abs(err)
    return {"mae_eV": float(a.mean()), "max_abs_eV": float(a.max()), "rmse_eV": float(np.sqrt((err ** 2).mean())),
            "mean_signed_eV": float(err.mean())}


def rank_correlations(x: Sequence[float], y: Sequence[float]) -> dict[str, float]:
    """Spearman ρ and Kendall τ between two sequences (NaN when fewer than 3 values)."""
    from scipy.stats import kendalltau, spearmanr

    if len(x) < 3:
        return {"spearman": float("nan"), "kendall": float("nan")}
    return {"spearman": float(spearmanr(x, y).statistic), "kendall": float(kendalltau(x, y).statistic)}


def _ordering(points: Sequence[Point], pred: np.ndarray) -> dict[str, Any]:
    """Kendall τ between DFT and predicted ΔE within each ion (site order) and each host (ion order)."""
    dft = np.array([p.dE_dft for p in points])
    out: dict[str, Any] = {"overall": rank_correlations(dft, pred), "site_order_per_ion": {},
                           "ion_order_per_host": {}}
    for ion in sorted({p.ion for p in points}):
        idx = [k for k, p in enumerate(points) if p.ion == ion]
        out["site_order_per_ion"][ion] = rank_correlations(dft[idx], pred[idx])["kendall"]
    for host in sorted({p.host for p in points}):
        idx = [k for k, p in enumerate(points) if p.host == host]
        out["ion_order_per_host"][host] = rank_correlations(dft[idx], pred[idx])["kendall"]
    return out


@dataclass(frozen=True)
class CandidateReport:
    name: str
    description: str
    n_params: int
    fit: dict[str, float]
    loo: dict[str, float]


def evaluate(points: Sequence[Point], candidates: Sequence[Candidate] = CANDIDATES,
             tolerance_eV: float = LOO_TOLERANCE_EV) -> tuple[list[CandidateReport], str]:
    """LOO-evaluate every candidate; return the reports and the chosen candidate's name."""
    pts = [p for p in points if p.dE_dft is not None and p.dft_status == "finished"]
    if len(pts) < 3:
        raise DualionUserError("need at least 3 finished DFT points to calibrate", field="calibration")
    y = np.array([p.residual for p in pts])
    reports = []
    for c in candidates:
        full = c.fit(pts)
        fitted = np.array([full.predict(p) for p in pts])
        loo = loo_predictions(c, pts)
        reports.append(CandidateReport(c.name, c.description, full.n_params, _err_stats(y - fitted),
                                       _err_stats(y - loo)))
    best = min(r.loo["mae_eV"] for r in reports)
    ok = [r for r in reports if r.loo["mae_eV"] <= best + tolerance_eV]
    chosen = min(ok, key=lambda r: (r.n_params, r.loo["mae_eV"]))
    return reports, chosen.name


# --- the calibration object -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Calibration:
    """A fitted correction for one engine + model version, with its validation metrics.

    A record (kind ``engines.calibration``): :func:`dump_calibration` writes it as YAML with its ``kind``,
    and ``dualion.load(path)`` reads it back (as does :func:`load_calibration`)."""

    kind = "engines.calibration"

    engine: str
    model_version: str
    model: FittedModel
    metrics: Mapping[str, Any] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""

    def correction(self, ion: str, site: str, n_F: int = 0, n_OH: int = 0) -> float:
        """δ̂ (eV) for one ion ``ion`` on a site of type ``site`` with ``n_F`` F and ``n_OH`` H neighbours."""
        return self.model.predict(Point(key="", ion=ion, site=site, n_F=n_F, n_OH=n_OH))

    def correction_for(self, task) -> float:
        """Σ δ̂ over the inserted ions of a :class:`~dualion.engines.runner.Task` (eV)."""
        from dualion.engines.tasks import site_type

        st = site_type(task.site)
        return float(sum(self.correction(ion, st, f_neighbours(task.atoms, i), f_neighbours(task.atoms, i, species="H"))
                         for ion, i in inserted_ions(task)))

    def check_engine(self, engine) -> None:
        """Refuse to apply a calibration fitted for another engine or model."""
        if engine.name != self.engine or (engine.model and engine.model not in self.model_version):
            raise DualionUserError(f"calibration {self.source or ''} was fitted for {self.engine} "
                                   f"({self.model_version}), not {engine.name} {engine.model or ''}",
                                   field="--calibrated")

    def provenance_summary(self, shifts: Mapping[str, float] | None = None) -> dict[str, Any]:
        loo = self.metrics.get("chosen", {}).get("loo", {})
        out = {"model": self.model.name, "file": Path(self.source).name if self.source else "",
               "loo_mae_eV": loo.get("mae_eV"), "fitted_on": self.provenance.get("data", ""),
               "engine_model": self.model_version}
        if shifts:
            out["shift_eV_per_configuration"] = dict(shifts)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Calibration:
        return calibration_from_dict(d)

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "model_version": self.model_version,
                "model": {"name": self.model.name, "kind": self.model.kind, "n_params": self.model.n_params,
                          "params_eV": {k: float(v) for k, v in self.model.params.items()}},
                "metrics": _plain(self.metrics), "provenance": _plain(self.provenance)}


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return None if not math.isfinite(v) else round(v, 6)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def bundled_calibration_path(engine_short: str = "chgnet-0.3.0") -> Path:
    return Path(__file__).resolve().parents[1] / "data" / "engines" / f"calibration_{engine_short}.yaml"


def calibration_from_dict(doc: Any, path: str = "<calibration>") -> Calibration:
    try:
        m = doc["model"]
        model = FittedModel(str(m["name"]), str(m["kind"]), {str(k): float(v) for k, v in m["params_eV"].items()},
                            int(m.get("n_params", len(m["params_eV"]))))
        if model.kind not in ("group", "linear"):
            raise ValueError(f"unknown model kind {model.kind!r}")
        return Calibration(str(doc["engine"]), str(doc["model_version"]), model, doc.get("metrics") or {},
                           doc.get("provenance") or {}, path)
    except (KeyError, TypeError, ValueError) as exc:
        raise DualionUserError(f"malformed calibration file: {exc}", file=path) from None


def load_calibration(path: str | os.PathLike | None = None) -> Calibration:
    """Read a calibration YAML (default: the bundled CHGNet 0.3.0 calibration)."""
    p = Path(path) if path else bundled_calibration_path()
    if not p.is_file():
        raise DualionUserError("calibration file not found (run `dualion calibrate` first)", file=p,
                               field="--calibration")
    from dualion.io.text import read_yaml

    return calibration_from_dict(read_yaml(p), str(p))   # encoding detected, duplicate keys refused


def dump_calibration(cal: Calibration, path: str | os.PathLike) -> Path:
    from dualion.io.atomic import atomic_write_text

    from dualion._version import __version__

    doc = {"kind": Calibration.kind, "dualion_version": __version__, **cal.to_dict()}
    text = yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=120, allow_unicode=True)
    return atomic_write_text(path, text)


def fit_calibration(points: Sequence[Point], engine: str, model_version: str,
                    provenance: Mapping[str, Any] | None = None,
                    candidates: Sequence[Candidate] = CANDIDATES) -> Calibration:
    """Evaluate candidates by LOO, refit the chosen one on all finished points, attach metrics."""
    pts = [p for p in points if p.dE_dft is not None and p.dft_status == "finished"]
    excluded = [{"key": p.key, "dft_status": p.dft_status} for p in points if p not in pts]
    reports, chosen = evaluate(pts, candidates)
    cand = {c.name: c for c in candidates}[chosen]
    model = cand.fit(pts)
    loo = loo_predictions(cand, pts)
    raw = np.array([p.dE_ml for p in pts])
    cal_loo = raw + loo
    cal_fit = raw + np.array([model.predict(p) for p in pts])
    metrics = {
        "n_points": len(pts), "excluded": excluded,
        "candidates": [{"name": r.name, "description": r.description, "n_params": r.n_params,
                        "fit": r.fit, "loo": r.loo} for r in reports],
        "chosen": {"name": chosen, "loo": next(r.loo for r in reports if r.name == chosen),
                   "fit": next(r.fit for r in reports if r.name == chosen)},
        "raw": _err_stats(np.array([p.dE_dft for p in pts]) - raw),
        "ordering_raw": _ordering(pts, raw), "ordering_calibrated_loo": _ordering(pts, cal_loo),
        "points": [{"key": p.key, "ion": p.ion, "site": p.site, "host": p.host, "n_F": p.n_F, "n_OH": p.n_OH,
                    "dE_dft_eV": p.dE_dft, "dE_ml_eV": p.dE_ml, "dE_cal_fit_eV": float(cf),
                    "dE_cal_loo_eV": float(cl)} for p, cf, cl in zip(pts, cal_fit, cal_loo)],
    }
    prov = {"date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "selection": f"leave-one-out MAE; simplest candidate within {LOO_TOLERANCE_EV} eV of the best",
            **dict(provenance or {})}
    return Calibration(engine, model_version, model, metrics, prov)


# --- DFT data ----------------------------------------------------------------------------------------
def read_dft(dft_dir: str | os.PathLike) -> dict[str, Any]:
    """Runs of the public DFT set by title (via :func:`dualion.io.readers.read_runs`)."""
    from dualion.io.readers import read_runs

    d = Path(dft_dir)
    if not d.is_dir():
        raise DualionUserError("DFT data folder not found", file=d, field="--dft")
    runs = {}
    for f in sorted(d.glob("*.yaml")):
        for r in read_runs(f):
            runs[r.title] = r
    if not runs:
        raise DualionUserError("no DFT runs found (expected vasppy YAML files)", file=d, field="--dft")
    return runs


def dft_metal_references(runs: Mapping[str, Any], ions: Sequence[str]) -> dict[str, float]:
    """μ_X (eV/atom) from the ``elemental X`` runs."""
    out = {}
    for ion in ions:
        r = runs.get(f"elemental {ion}")
        if r is None:
            raise DualionUserError(f"no 'elemental {ion}' run in the DFT data", field="--dft")
        out[ion] = r.energy_eV / r.composition[ion]
    return out


def default_dft_dir() -> Path | None:
    """``../shared/data/f-tio2-dft`` next to the repository, or the copy bundled by the thermo domain."""
    here = Path(__file__).resolve()
    for cand in (here.parents[3].parent / "shared" / "data" / "f-tio2-dft", here.parents[1] / "data" / "f-tio2-dft"):
        if cand.is_dir() and any(cand.glob("*.yaml")):
            return cand
    return None


# --- from engine records to calibration points ------------------------------------------------------
def calibration_points(records: Sequence[Any], references_ml: Mapping[str, float], runs: Mapping[str, Any],
                       ) -> list[Point]:
    """Pair engine records of the calibration set (``meta["dft_title"]``) with the DFT runs.

    Points whose DFT run (or its host's run) is missing or not ``finished`` carry that status and
    ``dE_dft=None`` when missing; :func:`fit_calibration` excludes them.
    """
    from dualion.engines.tasks import site_type

    hosts = {r.task.host: r for r in records if not r.task.counts}
    ions = sorted({i for r in records for i in r.task.counts})
    mu_dft = dft_metal_references(runs, ions)
    pts = []
    for r in records:
        if not r.task.counts:
            continue
        (ion, n), = r.task.counts.items()
        h = hosts[r.task.host]
        dE_ml = r.energy_eV - h.energy_eV - n * references_ml[ion]
        title, htitle = r.task.meta.get("dft_title"), h.task.meta.get("dft_title")
        run, hrun = runs.get(title), runs.get(htitle)
        if run is None or hrun is None:
            status, dE_dft = "missing", None
        else:
            status = run.status if run.status != "finished" else hrun.status
            dE_dft = float(run.energy_eV - hrun.energy_eV - n * mu_dft[ion])
        idx = inserted_ions(r.task)[0][1]
        pts.append(Point(key=title or f"{r.task.host} + {r.task.label}", ion=ion, site=site_type(r.task.site),
                         n_F=f_neighbours(r.task.atoms, idx), host=r.task.host, dE_ml=float(dE_ml),
                         dE_dft=dE_dft, dft_status=status, n_OH=f_neighbours(r.task.atoms, idx, species="H")))
    return pts


def anion_location_ranking(records: Sequence[Any], runs: Mapping[str, Any]) -> dict[str, Any]:
    """Rank the 4x4x2 F (and OH) arrangements by ML and DFT total energy; rank correlations per anion.

    Energies are relative to the lowest arrangement of the same composition (eV).
    """
    out: dict[str, Any] = {}
    groups: dict[str, list[Any]] = {}
    for r in records:
        species = "OH" if "H" in r.atoms.get_chemical_symbols() else "F"
        groups.setdefault(species, []).append(r)
    for species, recs in groups.items():
        rows = []
        for r in recs:
            run = runs.get(r.task.meta.get("dft_title"))
            if run is None or run.status != "finished":
                continue
            rows.append((r.task.label, r.energy_eV, run.energy_eV, bool(r.converged)))
        if not rows:
            continue
        ml = np.array([x[1] for x in rows])
        dft = np.array([x[2] for x in rows])
        out[species] = {
            "n": len(rows),
            "arrangements": [{"label": lab, "E_ml_rel_eV": float(e - ml.min()), "E_dft_rel_eV": float(d - dft.min()),
                              "converged": conv} for lab, e, d, conv in rows],
            **rank_correlations(dft, ml),
            "same_lowest": bool(int(np.argmin(ml)) == int(np.argmin(dft))),
            "mae_rel_eV": float(np.mean(np.abs((ml - ml.min()) - (dft - dft.min())))),
        }
    return out


def run_calibration(engine: Any = "chgnet", db: Any = None, dft_dir: str | os.PathLike | None = None,
                    workers: int = 1, scheduler: str | None = None, settings: Any = None,
                    anion_location: bool = True, progress: bool | None = None,
                    ions: Sequence[str] = CALIBRATION_IONS) -> tuple[Calibration, list[Point]]:
    """Relax the 3x3x1 calibration set (and the 4x4x2 anion-location set), fit, return the calibration."""
    from dualion.engines.calculators import parse_engine
    from dualion.engines.tasks import run_engine, tasks_from_models
    from dualion.engines.db import ResultsDB
    from dualion.engines.relax import RelaxSettings
    from dualion.structures.models import build_anion_location_set, build_calibration_set

    engine = parse_engine(engine)
    settings = settings or RelaxSettings()
    dft_dir = dft_dir or default_dft_dir()
    if dft_dir is None:
        raise DualionUserError("public DFT data not found; pass --dft DIR (../shared/data/f-tio2-dft)", field="--dft")
    runs = read_dft(dft_dir)
    if db is not None and not isinstance(db, ResultsDB):
        db = ResultsDB(db)
    tasks = tasks_from_models(build_calibration_set(ions=tuple(ions)), "calibration-3x3x1")
    res = run_engine(tasks, ions, engine, settings, db, workers, scheduler, progress)
    points = calibration_points(res.records, res.references_eV_per_atom, runs)
    prov: dict[str, Any] = {
        "data": "public F/OH-TiO2 DFT set, 3x3x1 (doi:10.15125/BATH-00473; Morgan, Univ. Bath, MIT licence)",
        "dft_dir": str(dft_dir), "engine": engine.name, "fmax_eV_per_A": settings.fmax,
        "optimizer": settings.optimizer, "max_steps": settings.steps,
        "ml_references_eV_per_atom": dict(res.references_eV_per_atom),
        "unconverged_relaxations": sorted(f"{r.task.host}/{r.task.label}" for r in res.records if not r.converged),
        "site_types": "interstitial = 4b site of stoichiometric anatase; vacancy = vacant Ti (4a) site",
    }
    if anion_location:
        al_tasks = tasks_from_models(build_anion_location_set(), "anion-location-4x4x2")
        al = run_engine(al_tasks, (), engine, settings, db, workers, scheduler, progress)
        prov["anion_location_4x4x2"] = anion_location_ranking(al.records, runs)
    cal = fit_calibration(points, engine.name, res.model_version, prov)
    return cal, points
