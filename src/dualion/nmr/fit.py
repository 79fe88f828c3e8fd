"""Least-squares deconvolution of a spectrum with an :class:`~dualion.nmr.model.NMRModel` (lmfit).

The data are divided by max|y| for the fit (areas and σ are scaled back). Standard errors come from
lmfit's covariance (scaled by the reduced χ²) and are propagated with their correlations (lmfit
``uvars``) to intensities ``I_k``, fractions ``f_k = I_k / Σ I`` and ⟨δ_iso⟩ = Σ I_k δ_k / Σ I_k.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from dualion.errors import DualionUserError, DualionWarning
from dualion.nmr import model as M
from dualion.nmr.assign import UNASSIGNED, AssignmentTable
from dualion.nmr.results import LineResult, NMRFitResult
from dualion.nmr.spectrum import Spectrum

#: A line whose intensity-fraction σ exceeds this is reported as not well determined.
FRACTION_SIGMA_LIMIT = 0.05


def build_params(model: M.NMRModel, lay: M.Layout, ppm: np.ndarray, y: np.ndarray):
    """lmfit ``Parameters`` with start values, bounds, fixed and linked parameters."""
    import lmfit

    params = lmfit.Parameters()
    starts = M.start_values(model, lay, ppm, y)
    for name, p in starts.items():
        kw = dict(value=p.value, vary=p.vary)
        if p.min is not None:
            kw["min"] = p.min
        if p.max is not None:
            kw["max"] = p.max
        if kw["value"] is not None and p.min is not None:
            kw["value"] = max(kw["value"], p.min)
        if kw["value"] is not None and p.max is not None:
            kw["value"] = min(kw["value"], p.max)
        params.add(name, **kw)
    for name, p in starts.items():  # expressions last: they may name any parameter
        if p.expr:
            try:
                params[name].set(expr=p.expr)
            except Exception as exc:  # noqa: BLE001 - lmfit raises NameError/SyntaxError
                raise DualionUserError(f"bad expression {p.expr!r} ({exc}); names are <line>_delta, <line>_fwhm, "
                                       f"<line>_eta, <line>_area, …", field=name) from None
    return params


def prepare(spec: Spectrum, model: M.NMRModel):
    """Window the spectrum, fix the layout and the parameters: ``(spectrum, layout, params, scale)``."""
    if model.window_ppm is not None:
        spec = spec.window(*model.window_ppm)
    if model.lines and any(ln.sidebands != "none" for ln in model.lines) and spec.mas_Hz and not spec.larmor_MHz:
        raise DualionUserError("sidebands need the Larmor frequency (not in the data set)", file=spec.source,
                               field="larmor_MHz")
    lo, hi = float(spec.ppm.min()), float(spec.ppm.max())
    for ln in model.lines:
        if not lo <= ln.delta.value <= hi:
            raise DualionUserError(f"starting shift {ln.delta.value:g} ppm of line {ln.name} is outside the spectrum "
                                   f"({lo:.4g}..{hi:.4g} ppm)", file=spec.source, field="--lines")
    scale = float(np.max(np.abs(spec.intensity))) or 1.0
    y = spec.intensity / scale
    lay = M.layout(model, spec.ppm, spec.mas_Hz, spec.larmor_MHz, spec.nucleus)
    return spec, lay, build_params(model, lay, spec.ppm, y), scale


def fit_spectrum(spec: Spectrum, model: M.NMRModel, table: AssignmentTable | None = None,
                 label: str = "", max_nfev: int | None = None) -> NMRFitResult:
    """Fit ``model`` to ``spec`` and report lines, ⟨δ_iso⟩, environments and the residual."""
    import lmfit

    spec, lay, params, scale = prepare(spec, model)
    x, y = spec.ppm, spec.intensity / scale

    def residual(p):
        return M.evaluate(x, p.valuesdict(), lay) - y

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        nvar = sum(1 for p in params.values() if p.vary and not p.expr)
        res = lmfit.minimize(residual, params, method="least_squares", max_nfev=max_nfev or 100 * (nvar + 1))
    return summarise(spec, model, lay, res, scale, table, label)


def summarise(spec: Spectrum, model: M.NMRModel, lay: M.Layout, res, scale: float,
              table: AssignmentTable | None, label: str = "") -> NMRFitResult:
    """Turn an lmfit result into an :class:`NMRFitResult` (σ propagated with correlations)."""
    vals = res.params.valuesdict()
    uv = res.uvars if getattr(res, "uvars", None) else None
    notes: list[str] = []
    if not res.success:
        notes.append(f"the fit did not converge ({res.message}); check the starting shifts")
    if uv is None:
        notes.append("the covariance could not be estimated (degenerate or ill-conditioned model): σ not available")
    intens_u, intens = [], []
    for ll in lay.lines:
        ratio = M.total_ratio(ll, vals, lay)
        intens.append(vals[ll.prefix + "area"] * ratio)
        if uv is not None:
            intens_u.append(_intensity_u(ll, uv, lay, vals))
    total = sum(intens)
    if not total > 0:
        raise DualionUserError("the fitted intensities sum to zero: check the starting shifts and the window",
                               file=spec.source, field="--lines")
    if uv is not None:
        tot_u = sum(intens_u)
        frac_u = [i / tot_u for i in intens_u]
        mean_u = sum(i * uv[ll.prefix + "delta"] for i, ll in zip(intens_u, lay.lines)) / tot_u
    lines = []
    for k, (ln, ll) in enumerate(zip(model.lines, lay.lines)):
        p = ll.prefix
        ratios = M.sideband_ratios(ll, vals, lay)
        area = vals[p + "area"] * scale
        sbs = [{"order": int(n), "delta_ppm": float(vals[p + "delta"] + n * lay.spacing_ppm), "intensity": float(area * r)}
               for n, r in zip(ll.orders, ratios)]
        fs = _sd(frac_u[k]) if uv is not None else None
        lr = LineResult(
            name=ln.name, delta_ppm=float(vals[p + "delta"]), delta_sigma=_sd(uv[p + "delta"]) if uv else None,
            fwhm_ppm=float(vals[p + "fwhm"]), fwhm_sigma=_sd(uv[p + "fwhm"]) if uv else None,
            lorentz_fraction=float(vals[p + "eta"]), lorentz_fraction_sigma=_sd(uv[p + "eta"]) if uv else None,
            intensity=float(intens[k] * scale), intensity_sigma=_sd(intens_u[k]) * scale if uv is not None else None,
            intensity_fraction=float(intens[k] / total), intensity_fraction_sigma=fs,
            centre_intensity=float(area), sideband_mode=ll.mode, sidebands=sbs,
            assignment=ln.assignment or (table.assign(vals[p + "delta"]) if table else UNASSIGNED),
            well_determined=fs is not None and fs <= FRACTION_SIGMA_LIMIT)
        lines.append(lr)
    poorly = [ln.name for ln in lines if not ln.well_determined]
    if poorly and uv is not None:
        notes.append(f"line(s) {', '.join(poorly)}: intensity fraction σ > {FRACTION_SIGMA_LIMIT} — the data do not "
                     f"separate them (not a confident split)")
    for msg in notes:
        warnings.warn(msg, DualionWarning, stacklevel=2)
    mean = sum(i * ln.delta_ppm for i, ln in zip(intens, lines)) / total
    envs = _environments(lines, frac_u if uv is not None else None, table)
    fit = M.evaluate(spec.ppm, vals, lay) * scale
    resid = spec.intensity - fit
    n, nvar = len(spec.ppm), int(res.nvarys)
    rms = float(np.sqrt(np.mean(resid ** 2)))
    curves = {"ppm": spec.ppm, "data": spec.intensity, "fit": fit, "baseline": M.baseline_curve(spec.ppm, vals, lay) * scale,
              "components": {ln.name: tuple(c * scale for c in M.line_components(spec.ppm, vals, ll, lay))
                             for ln, ll in zip(model.lines, lay.lines)}}
    params = {name: {"value": float(p.value), "stderr": None if p.stderr is None or not math.isfinite(p.stderr)
                     else float(p.stderr), "vary": bool(p.vary), "expr": p.expr} for name, p in res.params.items()}
    return NMRFitResult(
        nucleus=spec.nucleus, larmor_MHz=spec.larmor_MHz, mas_Hz=spec.mas_Hz, lines=lines,
        mean_delta_iso_ppm=float(mean), mean_delta_iso_sigma=_sd(mean_u) if uv is not None else None,
        environments=envs,
        residual={"rms": rms, "rms_relative": rms / scale, "chi2_reduced_scaled": float(res.redchi),
                  "n_points": n, "n_varying": nvar, "nfev": int(res.nfev),
                  "window_ppm": [float(spec.ppm.min()), float(spec.ppm.max())]},
        source=spec.source, format=spec.fmt, label=label, success=bool(res.success), message=str(res.message),
        warnings=notes, parameters=params, model=model.to_dict(), assignment_table=table.path if table else "",
        curves=curves)


def _intensity_u(ll: M.LineLayout, uv: dict, lay: M.Layout, vals: dict):
    p = ll.prefix
    if ll.mode == "free":
        return uv[p + "area"] * (1 + sum(uv[M.sb_name(p, n)] for n in ll.orders))
    if ll.mode == "csa":
        from uncertainties import wrap

        def ratio(z, e):
            return M.total_ratio(ll, {**vals, p + "zeta": z, p + "etacsa": e}, lay)

        return uv[p + "area"] * wrap(ratio)(uv[p + "zeta"], uv[p + "etacsa"])
    return uv[p + "area"] * 1.0


def _sd(u) -> float | None:
    s = float(getattr(u, "std_dev", 0.0))
    return s if math.isfinite(s) else None


def _environments(lines: list[LineResult], frac_u, table: AssignmentTable | None) -> list[dict]:
    names: list[str] = []
    for ln in lines:
        if ln.assignment not in names:
            names.append(ln.assignment)
    refs = {e.name: e for e in table.environments} if table else {}
    out = []
    for name in names:
        idx = [k for k, ln in enumerate(lines) if ln.assignment == name]
        frac = sum(lines[k].intensity_fraction for k in idx)
        sig = _sd(sum(frac_u[k] for k in idx)) if frac_u is not None else None
        env = refs.get(name)
        out.append({"environment": name, "fraction": float(frac), "fraction_sigma": sig,
                    "lines": [lines[k].name for k in idx],
                    "reference_ppm": env.delta_ppm if env else None, "source": env.source if env else None})
    return out
