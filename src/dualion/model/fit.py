r"""``dualion fit``: adjust a few equilibrium-model parameters to measured targets.

Targets file (YAML, validated with pydantic; any problem is a :class:`DualionUserError` naming the field)::

    name: my electrode
    model: {formula: "Ti0.78□0.22O1.12F0.40(OH)0.48", pair_fraction: 0.0, split_anions: true,
            electrolyte: {volume_uL: 400, mass_mg: 1.26}}      # electrolyte optional (finite Li reservoir)
    cutoff_V: 0.05                 # lower cutoff of the discharge, V vs Mg2+/Mg
    parameters:                    # what to fit: initial value and bounds
      delta_e_ref_V: {initial: 0.74, bounds: [0.4, 1.1]}
      offset:interstitial:Li: {initial: 0.0, bounds: [-0.6, 0.6]}   # eV per charge
    targets:
      - {kind: capacity, licl_M: 1.0, value: 300, sigma: 10}        # mA h g-1 at the cutoff (or at V)
      - {kind: uptake, ion: Li, licl_M: 0.2, value: 0.47, sigma: 0.03}   # ions per fu at the cutoff (or V)
      - {kind: ratio, licl_M: 0.2, value: 2.6, sigma: 0.3}           # x_Li / x_Mg
      - {kind: dqdv_peak, licl_M: 0.05, value: 0.77, sigma: 0.03, window_V: [0.3, 1.4]}  # V vs Mg
      - {kind: rate_capacity, licl_M: 1.0, rate_mA_g: 1000, value: 200, sigma: 15}  # galvanostatic cell
      - {kind: rate_uptake, ion: Li, licl_M: 1.0, rate_mA_g: 1000, value: 0.3, sigma: 0.05}
    cell: {radius_um: 0.01, D_Li_cm2_s: 1.0e-14, D_Mg_cm2_s: 3.0e-17}   # optional: fixed cell parameters

Fitted parameters: ``delta_e_ref_V`` (V), ``width_factor`` (ω), ``pair_fraction``, ``offset:SITE`` and
``offset:SITE:ION`` (eV per transferred charge), and the kinetic constants of the galvanostatic cell
(:mod:`dualion.cell`) on a log scale: ``log10_D_Li``, ``log10_D_Mg`` (D in cm² s⁻¹) and
``log10_j0_Li``, ``log10_j0_Mg`` (exchange current density at half filling, mA cm⁻²). ``rate_*``
targets are the discharge capacity (mA h g⁻¹) or the inserted ions per fu of one galvanostatic
discharge at ``rate_mA_g`` from equilibrium at ``V_max`` to ``cutoff_V``, computed with the fitted
equilibrium model (each costs one cell integration, ~0.1–0.6 s). Weighted least squares (scipy ``least_squares``,
trust-region reflective with bounds) on :math:`r_k = (y_k^\mathrm{model} - y_k)/\sigma_k`; covariance
:math:`C = (J^\top J)^{-1}` from the Jacobian at the optimum (absolute σ: the target σ are taken as
the measurement errors; parameters the targets cannot tell apart are reported as not identifiable).
Targets with :math:`|r_k| > 2` are reported as *not met*, with the physical reason where one is known
(the Ti4+/Ti3+ limit, the site count, the ideal Nernst shift).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dualion.core.records import Record, dump, jsonable, num, register
from dualion.errors import DualionUserError
from dualion.model.builders import paper_model
from dualion.model.equilibrium import EquilibriumModel, FiniteElectrolyte, capacity_mAh_g
from dualion.model.targets import (_PHYSICAL_RANGE, KINETIC_PARAMETERS, TargetSpec, TargetsFile, load_targets,
                                   targets_from_dict)

__all__ = ["Evaluator", "FitResult", "KINETIC_PARAMETERS", "TargetsFile", "explain", "fit_targets", "load_targets",
           "paper_targets_path", "residual_table_markdown", "target_value", "targets_from_dict", "write_fit_outputs"]
from dualion.reference import K_B_EV_PER_K


# ---------------------------------------------------------------------------------------------- model
class Evaluator:
    """Computes every target's model value for a parameter vector (cached base model)."""

    def __init__(self, spec: TargetsFile):
        self.spec = spec
        ms = spec.model
        self.names = list(spec.parameters)
        fit_pairs = "pair_fraction" in spec.parameters
        base_p = ms.pair_fraction if not fit_pairs else 0.5
        self.base = paper_model(formula=ms.formula, T_K=ms.T_K, pair_fraction=base_p, split_anions=ms.split_anions,
                                include_incomplete=ms.include_incomplete, electron_statistics=ms.electron_statistics,
                                width_factor=ms.width_factor, populations=ms.populations, T_freeze_K=ms.T_freeze_K,
                                disorder=ms.disorder, disorder_nodes=ms.disorder_nodes)
        from dualion.composition.sites import site_inventory

        self.vacancies = site_inventory(ms.formula).ti_vacancies
        self.single_weights = {s.name: s.sites_per_fu / max((1 - base_p) * self.vacancies, 1e-300)
                               for s in self.base.site_types if s.name.startswith("vacancy")}
        sites = {s.name for s in self.base.site_types}
        for key in list(self.names) + [f"offset:{k.removeprefix('offset:')}" for k in ms.offsets]:
            if key.startswith("offset:"):
                where = f"parameters.{key}" if key in self.names else f"model.offsets.{key.removeprefix('offset:')}"
                _, site, *rest = key.split(":")
                if not any(n == site or n.startswith(site + "[") for n in sites):
                    raise DualionUserError(f"unknown site type {site!r} in {key!r} (this model has: "
                                           f"{', '.join(sorted(sites))})", field=where)
                if len(rest) > 1 or (rest and rest[0] not in self.base.ions):
                    raise DualionUserError(f"{key!r}: expected offset:SITE or offset:SITE:ION with ION one of "
                                           f"{', '.join(self.base.ions)}", field=where)
        for key in [n for n in self.names if n.startswith("disorder:")] + [f"disorder:{k}" for k in ms.disorder]:
            site = key.split(":", 1)[1]
            if not any(n == site or n.startswith(site + "[") for n in sites):
                raise DualionUserError(f"unknown site type {site!r} in {key!r} (this model has: "
                                       f"{', '.join(sorted(sites))})",
                                       field=f"parameters.{key}" if key in self.names else f"model.disorder.{site}")
        for k, t in enumerate(spec.targets):
            if t.kind.startswith("rate_") and not 0.05 <= spec.cutoff_V < spec.V_max <= 2.3:
                raise DualionUserError(f"rate targets need 0.05 <= cutoff_V < V_max <= 2.3 V (the cell's window), got "
                                       f"[{spec.cutoff_V:g}, {spec.V_max:g}]", field=f"targets.{k}")
            if t.kind in ("uptake", "rate_uptake") and t.ion not in self.base.ions:
                raise DualionUserError(f"ion {t.ion!r} is not in the model ({', '.join(self.base.ions)})",
                                       field=f"targets.{k}.ion")
        self.V = np.linspace(spec.V_max, spec.cutoff_V, spec.n_voltages)
        self.licl = sorted({t.licl_M for t in spec.targets if not t.kind.startswith("rate_") and t.kind != "plateau_V"})

    def model_for(self, p: Mapping[str, float]) -> tuple[EquilibriumModel, float]:
        ms = self.spec.model
        model = self.base
        if "width_factor" in p:
            model = model.replace(width_factor=float(p["width_factor"]))
        if "pair_fraction" in p:
            f = float(p["pair_fraction"])
            new = []
            for s in model.site_types:
                if s.name.startswith("vacancy"):
                    s = s.with_offsets(sites_per_fu=(1 - f) * self.vacancies * self.single_weights[s.name])
                elif s.name == "pair":
                    s = s.with_offsets(sites_per_fu=f * self.vacancies / 2)
                new.append(s)
            model = model.replace(site_types=new)
        offsets = dict(ms.offsets)
        offsets.update({k.removeprefix("offset:"): float(v) for k, v in p.items() if k.startswith("offset:")})
        offsets = {k.removeprefix("offset:"): v for k, v in offsets.items()}
        if offsets:
            model = model.with_offsets(offsets)
        disorder = dict(ms.disorder)
        disorder.update({k.removeprefix("disorder:"): max(float(v), 0.0) for k, v in p.items()
                         if k.startswith("disorder:")})
        if disorder != model.disorder:
            model = model.replace(disorder=disorder)
        dE_ref = float(p.get("delta_e_ref_V", ms.delta_e_ref_V))
        return model, dE_ref

    def nu(self, p: Mapping[str, float]) -> float:
        """Apparent Li+ activity exponent ν (a = (c/1 M)^ν)."""
        return float(p.get("activity_exponent", self.spec.model.activity_exponent))

    def plateau_value(self, t: TargetSpec, p: Mapping[str, float]) -> float:
        """Stoichiometric TiO2 at ``t.licl_M``: the two-phase plateau voltage (V vs Mg) when there is one, else the
        main −dQ/dV peak (continuous in J as the plateau forms)."""
        from dualion.model.builders import stoichiometric_model
        from dualion.model.interactions import LatticeInteraction

        ms = self.spec.model
        J = float(p.get("J_LiLi_eV", ms.J_LiLi_eV))
        model = stoichiometric_model(LatticeInteraction("interstitial", J, coordination=ms.coordination,
                                                        approximation=ms.approximation), T_K=ms.T_K)
        c = model.curve(self.V, li_activity=t.licl_M, delta_e_ref_V=float(p.get("delta_e_ref_V", ms.delta_e_ref_V)),
                        activity_exponent=self.nu(p))
        if c.plateaus:
            return float(max(c.plateaus, key=lambda q: q["width_mAh_g"])["V"])
        return float(c.peaks[0]["V"]) if c.peaks else float("nan")

    def curves(self, p: Mapping[str, float]) -> dict[float, Any]:
        model, dE_ref = self.model_for(p)
        el = self.spec.model.electrolyte
        out = {}
        for c in self.licl:
            if el is not None and c > 0:
                fe = FiniteElectrolyte(volume_uL=el.volume_uL, licl_M=c, mass_mg=el.mass_mg, mg_M=el.mg_M)
                out[c] = model.curve(self.V, delta_e_ref_V=dE_ref, finite_electrolyte=fe, activity_exponent=self.nu(p))
            else:
                out[c] = model.curve(self.V, li_activity=c, delta_e_ref_V=dE_ref, activity_exponent=self.nu(p))
        return out

    def cell_parameters(self, p: Mapping[str, float], licl_M: float, dE_ref: float):
        """The galvanostatic cell of the rate targets: fixed ``cell`` values, fitted kinetic constants."""
        from dualion.cell import CellParameters

        kw = self.spec.cell.model_dump()
        kw.update({field: 10.0 ** float(p[name]) for name, field in KINETIC_PARAMETERS.items() if name in p})
        return CellParameters(licl_M=licl_M, delta_e_ref_V=dE_ref, T_K=self.spec.model.T_K,
                              activity_exponent=self.nu(p), v_min_V=self.spec.cutoff_V, v_max_V=self.spec.V_max, **kw)

    def rate_result(self, t: TargetSpec, p: Mapping[str, float]):
        """The galvanostatic discharge (:class:`dualion.cell.CellResult`) of a rate_* target."""
        from dualion import cell

        key = (t.licl_M, t.rate_mA_g, tuple(sorted((k, float(v)) for k, v in p.items())))
        cache = self.__dict__.setdefault("_rate_cache", {})
        if key not in cache:   # one discharge serves every rate_* target at this (LiCl, rate, parameters)
            if len(cache) > 64:
                cache.clear()
            model, dE_ref = self.model_for(p)
            cache[key] = cell.discharge(self.cell_parameters(p, t.licl_M, dE_ref), t.rate_mA_g, equilibrium=model)
        return cache[key]

    def rate_value(self, t: TargetSpec, p: Mapping[str, float]) -> float:
        """Model value of a rate_* target: one galvanostatic discharge with the fitted equilibrium model."""
        from dualion import cell

        pt = cell.summarize(self.rate_result(t, p))
        if t.kind == "rate_capacity":
            return pt.discharge_capacity_mAh_g
        return pt.x_Li_discharged if t.ion == "Li" else pt.x_Mg_discharged

    def values(self, p: Mapping[str, float]) -> np.ndarray:
        eq = [t for t in self.spec.targets if not t.kind.startswith("rate_") and t.kind != "plateau_V"]
        cs = self.curves(p) if eq else {}
        return np.array([self.rate_value(t, p) if t.kind.startswith("rate_") else
                         self.plateau_value(t, p) if t.kind == "plateau_V" else
                         target_value(t, cs[t.licl_M], self.spec.cutoff_V) for t in self.spec.targets])


def _at(curve: Any, arr: np.ndarray, V: float) -> float:
    order = np.argsort(curve.V)
    return float(np.interp(V, curve.V[order], np.asarray(arr)[order]))


def target_value(t: TargetSpec, curve: Any, cutoff_V: float) -> float:
    """The model's value of target ``t`` on an equilibrium curve (NaN when undefined, e.g. no peak)."""
    V = cutoff_V if t.V is None else t.V
    if t.kind == "capacity":
        return _at(curve, curve.Q_mAh_g, V)
    if t.kind == "uptake":
        if t.ion not in curve.x:
            raise DualionUserError(f"ion {t.ion!r} is not in the model ({list(curve.x)})", field="targets.ion")
        return _at(curve, curve.x[t.ion], V)
    if t.kind == "ratio":
        mg = _at(curve, curve.x.get("Mg", np.zeros_like(curve.V)), V)
        return _at(curve, curve.x.get("Li", np.zeros_like(curve.V)), V) / mg if mg > 0 else float("nan")
    lo, hi = t.window_V if t.window_V is not None else (-np.inf, np.inf)
    peaks = [pk for pk in curve.peaks if lo <= pk["V"] <= hi]
    return float(max(peaks, key=lambda pk: pk["height"])["V"]) if peaks else float("nan")


# ---------------------------------------------------------------------------------------------- fit
@register("model.fit")
@dataclass(frozen=True, eq=False)
class FitResult(Record):
    """Fitted parameters (value, standard error, at a bound), per-target residuals, diagnostics (a record:
    ``fit.json`` loads back with ``dualion.load``)."""

    name: str
    parameters: list[dict[str, Any]]
    targets: list[dict[str, Any]]
    notes: list[str]
    cost: float
    chi2: float
    success: bool
    message: str
    n_evaluations: int
    covariance: list[list[float]]
    model: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "parameters": self.parameters, "targets": self.targets, "notes": self.notes,
                "cost": self.cost, "chi2": self.chi2, "success": self.success, "message": self.message,
                "n_evaluations": self.n_evaluations, "covariance": self.covariance, "model": self.model,
                "conventions": {"offsets": "eV per transferred charge", "voltages": "V vs Mg2+/Mg",
                                "capacity": "mA h g-1 of active material", "uptake": "ions per formula unit",
                                "residual": "(model - target) / sigma"}}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FitResult:
        return cls(name=d["name"], parameters=list(d["parameters"]), targets=list(d["targets"]),
                   notes=list(d["notes"]), cost=num(d["cost"]), chi2=num(d["chi2"]), success=bool(d["success"]),
                   message=d["message"], n_evaluations=int(d["n_evaluations"]),
                   covariance=[[num(v) for v in row] for row in d["covariance"]], model=dict(d["model"]))


_PENALTY = 20.0  # residual (in σ) for an undefined model value, e.g. no dQ/dV peak in the window


def fit_targets(spec: TargetsFile, diff_step: float = 1e-3, max_nfev: int = 200) -> FitResult:
    """Weighted least-squares fit of ``spec.parameters`` to ``spec.targets``."""
    from scipy.optimize import least_squares

    ev = Evaluator(spec)
    names = ev.names
    x0 = np.array([spec.parameters[n].initial for n in names], float)
    default = {n: _PHYSICAL_RANGE.get(n, (-np.inf, np.inf)) for n in names}
    if "width_factor" in default:                        # ω > 0: never let the optimiser step to 0
        default["width_factor"] = (min(1e-3, 0.5 * spec.parameters["width_factor"].initial), np.inf)
    lo = np.array([spec.parameters[n].bounds[0] if spec.parameters[n].bounds else default[n][0] for n in names])
    hi = np.array([spec.parameters[n].bounds[1] if spec.parameters[n].bounds else default[n][1] for n in names])
    y = np.array([t.value for t in spec.targets])
    s = np.array([t.sigma for t in spec.targets])

    rel = np.array([t.relation for t in spec.targets])

    def resid(x: np.ndarray) -> np.ndarray:
        vals = ev.values(dict(zip(names, x)))
        r = _bounded((vals - y) / s, rel)
        return np.where(np.isfinite(r), r, _PENALTY)

    res = least_squares(resid, x0, bounds=(lo, hi), method="trf", diff_step=diff_step, max_nfev=max_nfev,
                        x_scale="jac")
    J = _central_jacobian(resid, res.x, lo, hi)
    # parameters that move no residual by more than 0.1 σ over their whole range are not determined:
    # leave them out of the covariance so they do not inflate the others
    span_all = np.where(np.isfinite(hi - lo), hi - lo, 10.0 * np.maximum(1.0, np.abs(res.x)))
    keep = np.linalg.norm(J, axis=0) * span_all > 0.1
    cov = np.full((len(names), len(names)), np.nan)
    if np.any(keep):
        Jk = J[:, keep]
        JTJ = Jk.T @ Jk
        try:
            ck = np.linalg.inv(JTJ) if np.linalg.cond(JTJ) < 1e12 else np.linalg.pinv(JTJ)
        except np.linalg.LinAlgError:
            ck = np.linalg.pinv(JTJ)
        cov[np.ix_(keep, keep)] = ck
    sv = np.linalg.svd(J, compute_uv=False) if J.size else np.array([])
    params = []
    for k, n in enumerate(names):
        at_bound = bool(np.isfinite(lo[k]) and abs(res.x[k] - lo[k]) < 1e-6 * max(1, abs(lo[k])) or
                        np.isfinite(hi[k]) and abs(res.x[k] - hi[k]) < 1e-6 * max(1, abs(hi[k])))
        err = float(math.sqrt(cov[k, k])) if np.isfinite(cov[k, k]) and cov[k, k] >= 0 else float("nan")
        span = (hi[k] - lo[k]) if np.isfinite(hi[k] - lo[k]) else 10.0 * max(1.0, abs(res.x[k]))
        ident = bool(np.isfinite(err) and err < 0.5 * span)
        params.append({"name": n, "value": float(res.x[k]), "stderr": err if ident else float("nan"),
                       "initial": float(x0[k]), "bounds": [float(lo[k]), float(hi[k])], "at_bound": at_bound,
                       "identifiable": ident, "stderr_raw": err,
                       "unit": "V" if n == "delta_e_ref_V" else ("eV per charge" if n.startswith("offset:") else
                                                                 "log10(cm2 s-1)" if n.startswith("log10_D") else
                                                                 "log10(mA cm-2)" if n.startswith("log10_j0") else "")})
    vals = ev.values(dict(zip(names, res.x)))
    rows = []
    for t, v in zip(spec.targets, vals):
        r = float(_bounded(np.array([(v - t.value) / t.sigma]), np.array([t.relation]))[0]) if np.isfinite(v) \
            else float("nan")
        rows.append({"target": t.label(), "kind": t.kind, "licl_M": t.licl_M, "value": t.value, "sigma": t.sigma,
                     "model": float(v), "residual_sigma": float(r),
                     "met": bool(np.isfinite(r) and abs(r) <= 2.0)})
    model, dE_ref = ev.model_for(dict(zip(names, res.x)))
    notes = explain(spec, rows, model, dE_ref, params)
    for p in params:
        if not p["identifiable"]:
            notes.append(f"NOT DETERMINED: {p['name']} — the targets barely depend on it near the optimum "
                         f"(1σ from the Jacobian ≈ {p['stderr_raw']:.3g}, more than half its allowed range); "
                         "its value is not a result")
    if sv.size and sv[-1] < 1e-8 * max(sv[0], 1e-300):
        notes.append("The Jacobian is (nearly) rank-deficient: some parameter combinations are not determined by "
                     "these targets (their uncertainties are unreliable).")
    return FitResult(name=spec.name, parameters=params, targets=rows, notes=notes, cost=float(res.cost),
                     chi2=float(2 * res.cost), success=bool(res.success), message=str(res.message),
                     n_evaluations=int(res.nfev), covariance=np.where(np.isfinite(cov), cov, np.nan).tolist(),
                     model={**model.describe(), "delta_e_ref_V": dE_ref})


def _bounded(r: np.ndarray, relation: np.ndarray) -> np.ndarray:
    """Residuals (σ) of bound targets: zero when a '>=' / '<=' target is satisfied."""
    return np.where(relation == ">=", np.minimum(r, 0.0), np.where(relation == "<=", np.maximum(r, 0.0), r))


def _central_jacobian(f: Any, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, rel: float = 5e-3) -> np.ndarray:
    """Central-difference Jacobian of f at x (one-sided at a bound); steps 5e-3·max(1, |x|) — large enough to
    average over the voltage grid of the peak targets."""
    f0 = f(x)
    J = np.zeros((f0.size, x.size))
    for k in range(x.size):
        h = rel * max(1.0, abs(x[k]))
        xp, xm = x.copy(), x.copy()
        xp[k] = min(x[k] + h, hi[k])
        xm[k] = max(x[k] - h, lo[k])
        if xp[k] == xm[k]:
            continue
        J[:, k] = (f(xp) - f(xm)) / (xp[k] - xm[k])
    return J


def explain(spec: TargetsFile, rows: Sequence[Mapping[str, Any]], model: EquilibriumModel, dE_ref: float,
            params: Sequence[Mapping[str, Any]]) -> list[str]:
    """Plain-language reasons why targets are not met (physical limits of the model)."""
    notes = []
    qmax = model.max_capacity_mAh_g
    n_redox = model.n_redox_per_fu
    kT = K_B_EV_PER_K * model.T_K
    # physical limits, stated whether or not the target is met within its σ
    for t, r in zip(spec.targets, rows):
        if t.kind == "capacity" and np.isfinite(qmax) and t.value > qmax and r["met"]:
            notes.append(f"LIMIT: {r['target']}: {t.value:g} mA h g-1 exceeds the Ti4+/Ti3+ limit F·N_Ti/(3.6 M) = "
                         f"{qmax:.1f} mA h g-1 ({n_redox:g} e- per fu); the model cannot exceed it and is within "
                         f"σ = {t.sigma:g} only (model {r['model']:.1f})")
    seen = set()
    for t in spec.targets:
        if t.kind == "uptake" and n_redox is not None and t.licl_M not in seen:
            seen.add(t.licl_M)
            group = [u for u in spec.targets if u.kind == "uptake" and u.licl_M == t.licl_M]
            e = sum(u.value * model.charges.get(u.ion, 1) for u in group)
            if len(group) > 1 and e > n_redox:
                notes.append(f"LIMIT: the uptakes at {t.licl_M:g} M LiCl ("
                             + " + ".join(f"{u.value:g} {u.ion}" for u in group)
                             + f") transfer {e:.2f} e- per fu, more than the Ti4+/Ti3+ limit {n_redox:g}: an insertion "
                             "model cannot reproduce all of them (the paper assigns the excess to electrolyte "
                             "decomposition)")
    for t, r in zip(spec.targets, rows):
        if r["met"]:
            continue
        why = []
        if t.kind == "capacity" and np.isfinite(qmax) and t.value > qmax:
            why.append(f"{t.value:g} mA h g-1 exceeds the Ti4+/Ti3+ limit F·N_Ti/(3.6 M) = {qmax:.1f} mA h g-1 "
                       f"({n_redox:g} e- per fu); no parameter of an insertion model can exceed it")
        if t.kind == "capacity" and t.licl_M == 0:
            mg_sites = model.ion_capacity_per_fu.get("Mg", 0.0)
            qmg = float(capacity_mAh_g({"Mg": mg_sites}, model.charges, model.molar_mass_g_mol))
            if t.value < qmax and abs(r["model"] - qmg) < 0.02 * qmg:
                why.append(f"without Li only Mg-accepting sites fill: {mg_sites:.3f} per fu → {qmg:.1f} mA h g-1 "
                           "when full (the model fills them above the cutoff)")
        if t.kind == "uptake":
            others = [u for u in spec.targets if u.kind == "uptake" and u.licl_M == t.licl_M]
            if len(others) > 1 and n_redox is not None:
                e = sum(u.value * model.charges.get(u.ion, 1) for u in others)
                if e > n_redox:
                    why.append(f"the uptakes at {t.licl_M:g} M sum to {e:.2f} e- per fu, above the Ti4+/Ti3+ limit "
                               f"{n_redox:g}: they cannot all be met (the paper assigns the excess to electrolyte "
                               "decomposition)")
        if t.kind == "dqdv_peak" and "activity_exponent" not in spec.parameters and spec.model.activity_exponent == 1:
            peaks = [u for u in spec.targets if u.kind == "dqdv_peak" and u.licl_M > 0]
            if len(peaks) >= 2:
                a, b = min(peaks, key=lambda u: u.licl_M), max(peaks, key=lambda u: u.licl_M)
                nernst = kT * math.log(b.licl_M / a.licl_M)
                meas = b.value - a.value
                if meas > nernst + 2 * math.hypot(a.sigma, b.sigma):
                    why.append(f"the measured peak shift {meas:.3f} V between {a.licl_M:g} and {b.licl_M:g} M LiCl is "
                               f"larger than the ideal Nernst shift (kT/e) ln({b.licl_M:g}/{a.licl_M:g}) = {nernst:.3f} V "
                               "that an equilibrium model with ideal Li+ activity can give (Li depletion of a finite "
                               "electrolyte adds only a little; overpotential at 20 mA g-1 or non-ideal activity in THF "
                               "would be needed)")
        bound = [p["name"] for p in params if p["at_bound"]]
        if bound:
            why.append(f"parameter(s) {', '.join(bound)} at their bounds")
        if np.isnan(r["model"]):
            why.append("the model has no value for it (e.g. no dQ/dV peak in the window)")
        notes.append(f"NOT MET: {r['target']}: target {r['value']:g} ± {r['sigma']:g}, model {r['model']:.4g} "
                     f"({r['residual_sigma']:+.1f} σ)" + (": " + "; ".join(why) if why else ""))
    return notes


def residual_table_markdown(result: FitResult) -> list[str]:
    """Markdown tables of the fitted parameters and the residual per target."""
    lines = ["| parameter | value | ± (1σ) | unit | bounds |", "|---|---|---|---|---|"]
    for p in result.parameters:
        err = "not determined" if not np.isfinite(p["stderr"]) else f"{p['stderr']:.3g}"
        lines.append(f"| {p['name']} | {p['value']:.4g} | {err} | {p['unit']} | {p['bounds'][0]:g} … {p['bounds'][1]:g}"
                     + (" (at bound)" if p["at_bound"] else "") + " |")
    lines += ["", "| target | value | σ | model | residual (σ) | met |", "|---|---|---|---|---|---|"]
    for r in result.targets:
        lines.append(f"| {r['target']} | {r['value']:g} | {r['sigma']:g} | {r['model']:.4g} | "
                     f"{r['residual_sigma']:+.2f} | {'yes' if r['met'] else '**no**'} |")
    return lines


def paper_targets_path() -> Path:
    """The bundled paper targets (``dualion/data/fit/paper_targets.yaml``)."""
    from importlib import resources

    return Path(str(resources.files("dualion") / "data" / "fit" / "paper_targets.yaml"))


def write_fit_outputs(result: FitResult, spec: TargetsFile, out: str | Path) -> list[Path]:
    """fit.json, fit_parameters.csv/json, fit_residuals.csv/json, fit.png/svg (residuals + fitted curves)."""
    import matplotlib.pyplot as plt

    from dualion.plotting import figure_style, save_figure, write_table

    out = Path(out)
    ev = Evaluator(spec)
    best = {p["name"]: p["value"] for p in result.parameters}
    curves = ev.curves(best) if ev.licl else {}
    paths = [dump(result, out / "fit.json")]
    paths += write_table([{k: v for k, v in p.items() if k != "bounds"} | {"low": p["bounds"][0], "high": p["bounds"][1]}
                          for p in result.parameters], out, "fit_parameters", json_payload=jsonable(result.parameters))
    paths += write_table(result.targets, out, "fit_residuals", json_payload=jsonable(result.targets))
    with figure_style():
        fig, (a, b) = plt.subplots(1, 2, figsize=(7.0, 2.8), gridspec_kw={"width_ratios": [1, 1.2]})
        r = np.array([t["residual_sigma"] for t in result.targets], float)
        pos = np.arange(len(r))
        cols = ["#009E73" if t["met"] else "#D55E00" for t in result.targets]
        a.barh(pos, np.nan_to_num(r), color=cols)
        a.axvspan(-2, 2, color="0.9", zorder=0)
        a.axvline(0, color="k", lw=0.6)
        a.set_yticks(pos, [t["target"] for t in result.targets], fontsize=6)
        a.invert_yaxis()
        a.set_xlabel("Residual (model − target)/σ")
        cmap = plt.get_cmap("viridis")
        for k, (c, cv) in enumerate(curves.items()):
            col = cmap(0.05 + 0.85 * k / max(len(curves) - 1, 1))
            b.plot(cv.Q_mAh_g, cv.V, color=col, label="no Li" if c == 0 else f"{c:g} M LiCl")
        done_rates = set()
        for t, row in zip(spec.targets, result.targets):
            if t.kind == "capacity":
                b.plot(t.value, spec.cutoff_V if t.V is None else t.V, marker="D", mfc="white", mec="k", ms=4)
            if t.kind == "dqdv_peak":
                b.axhline(t.value, color="0.6", lw=0.5, ls=":")
            if t.kind.startswith("rate_") and (t.licl_M, t.rate_mA_g) not in done_rates:
                done_rates.add((t.licl_M, t.rate_mA_g))
                res = ev.rate_result(t, best)
                b.plot(-res.charge_mAh_g, res.voltage_V, ls="--", lw=1.0, color="0.25",
                       label=f"cell, {t.rate_mA_g:g} mA g$^{{-1}}$, {t.licl_M:g} M")
            if t.kind == "rate_capacity":
                b.plot(t.value, spec.cutoff_V, marker="s", mfc="white", mec="0.25", ms=4)
        qmax = ev.model_for(best)[0].max_capacity_mAh_g
        if np.isfinite(qmax):
            b.axvline(qmax, color="0.5", ls="--", lw=0.8)
        b.set_xlabel("Capacity (mA h g$^{-1}$)")
        b.set_ylabel("Voltage vs Mg$^{2+}$/Mg (V)")
        b.legend(fontsize=6, loc="upper right")
        b.set_title("fitted model (◇ capacity, □ rate-capacity, ··· dQ/dV-peak targets)", fontsize=7)
        fig.tight_layout()
        paths += save_figure(fig, out, "fit")
    return paths
