"""The deconvolution model: pseudo-Voigt lines, each with its spinning-sideband manifold, on a baseline.

The model (what the spectrum is made of) is kept apart from the fit (:mod:`dualion.nmr.fit`):
:class:`NMRModel` holds line specifications with start values, bounds, fixed and linked (``expr``)
parameters, read from a small YAML file (:func:`load_model`) or built from starting shifts
(:func:`model_from_shifts`). :func:`layout` fixes the sideband orders for a spectrum and
:func:`evaluate` computes the model curve from parameter values (a pure function).

Line ``k`` (parameter prefix ``<name>_``):

* centre band: ``area_k · PV(δ; δ_k, w_k, η_k)`` (area in intensity·ppm, FWHM ``w_k`` in ppm, Lorentzian
  fraction ``η_k``);
* sideband of order ``n ≠ 0`` at ``δ_k + n·ν_r/ν₀·10⁶`` with the same shape and area ``r_{k,n}·area_k``:
  ``r_{k,n}`` is free per order (``sidebands: free``, parameters ``<name>_sb_m1``, ``<name>_sb_p1`` …),
  or tied to a chemical-shift anisotropy (``sidebands: csa``: ``<name>_zeta`` in ppm and ``<name>_etacsa``,
  amplitudes from mrsimulator, :mod:`dualion.nmr.csa`), or absent (``none``);
* intensity ``I_k = area_k · (1 + Σ_n r_{k,n})`` (centre band + its sidebands).

Baseline: ``c0 + c1·(δ − δ_mid)`` (``linear``), ``c0`` (``constant``) or none.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from dualion.errors import DualionUserError
from dualion.nmr.lineshape import orders_in_window, pseudo_voigt_peak_height, sideband_spacing_ppm

SIDEBAND_MODES = ("free", "csa", "none")
BASELINES = ("linear", "constant", "none")


@dataclass
class Param:
    """One parameter: start ``value``, ``vary``, bounds and an optional lmfit ``expr`` linking it to others."""

    value: float | None = None
    vary: bool = True
    min: float | None = None
    max: float | None = None
    expr: str | None = None


@dataclass
class LineSpec:
    """One line (centre band + sidebands). Shifts and widths in ppm; ``zeta`` in ppm (Haeberlen)."""

    name: str
    delta: Param
    fwhm: Param = field(default_factory=Param)
    lorentz_fraction: Param = field(default_factory=lambda: Param(0.5, True, 0.0, 1.0))
    sidebands: str = "free"
    zeta: Param = field(default_factory=lambda: Param(100.0))
    eta_csa: Param = field(default_factory=lambda: Param(0.5, True, 0.0, 1.0))
    assignment: str | None = None


@dataclass
class NMRModel:
    """Lines, baseline, optional fit window (ppm) and a cap on the sideband order."""

    lines: list[LineSpec]
    baseline: str = "linear"
    window_ppm: tuple[float, float] | None = None
    max_order: int | None = None

    def to_dict(self) -> dict:
        """Plain data (YAML/JSON)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> NMRModel:
        """Inverse of :meth:`to_dict`."""
        lines = [LineSpec(**{k: (Param(**v) if isinstance(v, dict) else v) for k, v in ln.items()}) for ln in d["lines"]]
        win = d.get("window_ppm")
        return cls(lines=lines, baseline=d.get("baseline", "linear"), window_ppm=tuple(win) if win else None,
                   max_order=d.get("max_order"))


def safe_name(text: str) -> str:
    """A parameter-name prefix from a line name: letters, digits and ``_``, not starting with a digit."""
    s = re.sub(r"\W", "_", str(text))
    return s if s and not s[0].isdigit() else f"L{s}"


def model_from_shifts(shifts_ppm, sidebands: str = "free", baseline: str = "linear") -> NMRModel:
    """Default model: one line per starting shift (ppm), named ``L1``, ``L2`` …, widths and amplitudes guessed."""
    shifts = [float(s) for s in shifts_ppm]
    if not shifts:
        raise DualionUserError("give at least one starting shift", field="--lines")
    return NMRModel(lines=[LineSpec(name=f"L{i + 1}", delta=Param(s), sidebands=sidebands) for i, s in enumerate(shifts)],
                    baseline=baseline)


# ---------------------------------------------------------------------------------------------- YAML
_LINE_KEYS = {"name", "delta_ppm", "fwhm_ppm", "lorentz_fraction", "sidebands", "csa", "assignment"}
_TOP_KEYS = {"lines", "baseline", "window_ppm", "max_order", "sidebands"}
_PARAM_KEYS = {"value", "vary", "min", "max", "expr"}


def _param(raw, where: str, file, default: Param | None = None) -> Param:
    base = Param(**asdict(default)) if default is not None else Param()
    if raw is None:
        return base
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        base.value = float(raw)
        return base
    if isinstance(raw, str):
        base.expr = raw
        return base
    if not isinstance(raw, dict):
        raise DualionUserError(f"expected a number, an expression or a mapping with {sorted(_PARAM_KEYS)}", file=file,
                               field=where)
    bad = set(raw) - _PARAM_KEYS
    if bad:
        raise DualionUserError(f"unknown key(s) {sorted(bad)}; allowed: {sorted(_PARAM_KEYS)}", file=file, field=where)
    for k in ("value", "min", "max"):
        if k in raw and raw[k] is not None:
            try:
                v = float(raw[k])
            except (TypeError, ValueError):
                raise DualionUserError(f"expected a number, got {raw[k]!r}", file=file, field=f"{where}.{k}") from None
            if not math.isfinite(v):
                raise DualionUserError(f"expected a finite number, got {raw[k]!r}", file=file, field=f"{where}.{k}")
            setattr(base, k, v)
    if "vary" in raw:
        if not isinstance(raw["vary"], bool):
            raise DualionUserError(f"expected true or false, got {raw['vary']!r}", file=file, field=f"{where}.vary")
        base.vary = raw["vary"]
    if raw.get("expr") is not None:
        base.expr = str(raw["expr"])
    if base.min is not None and base.max is not None and base.min > base.max:
        raise DualionUserError(f"min {base.min} > max {base.max}", file=file, field=where)
    return base


def load_model(path: str | Path) -> NMRModel:
    """Read a model YAML file (format in ``docs/nmr.md``); mistakes are one-line errors naming the key."""
    from dualion.cliutil import read_yaml

    path = Path(path)
    doc = read_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("lines"), list) or not doc["lines"]:
        raise DualionUserError("expected a mapping with a non-empty 'lines' list", file=path, field="lines")
    bad = set(doc) - _TOP_KEYS
    if bad:
        raise DualionUserError(f"unknown key(s) {sorted(bad)}; allowed: {sorted(_TOP_KEYS)}", file=path, field="model")
    default_sb = str(doc.get("sidebands", "free"))
    lines = []
    for i, raw in enumerate(doc["lines"]):
        where = f"lines[{i}]"
        if not isinstance(raw, dict):
            raise DualionUserError("expected a mapping", file=path, field=where)
        bad = set(raw) - _LINE_KEYS
        if bad:
            raise DualionUserError(f"unknown key(s) {sorted(bad)}; allowed: {sorted(_LINE_KEYS)}", file=path, field=where)
        if "delta_ppm" not in raw:
            raise DualionUserError("missing the starting shift", file=path, field=f"{where}.delta_ppm")
        sb = str(raw.get("sidebands", default_sb))
        if sb not in SIDEBAND_MODES:
            raise DualionUserError(f"sidebands must be one of {SIDEBAND_MODES}, got {sb!r}", file=path,
                                   field=f"{where}.sidebands")
        ln = LineSpec(name=str(raw.get("name", f"L{i + 1}")), delta=_param(raw["delta_ppm"], f"{where}.delta_ppm", path),
                      sidebands=sb, assignment=raw.get("assignment"))
        ln.fwhm = _param(raw.get("fwhm_ppm"), f"{where}.fwhm_ppm", path, ln.fwhm)
        ln.lorentz_fraction = _param(raw.get("lorentz_fraction"), f"{where}.lorentz_fraction", path, ln.lorentz_fraction)
        csa = raw.get("csa") or {}
        if not isinstance(csa, dict) or set(csa) - {"zeta_ppm", "eta"}:
            raise DualionUserError("expected a mapping with zeta_ppm and eta", file=path, field=f"{where}.csa")
        ln.zeta = _param(csa.get("zeta_ppm"), f"{where}.csa.zeta_ppm", path, ln.zeta)
        ln.eta_csa = _param(csa.get("eta"), f"{where}.csa.eta", path, ln.eta_csa)
        lines.append(ln)
    names = [safe_name(ln.name) for ln in lines]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise DualionUserError(f"line names must be distinct, repeated: {sorted(dup)}", file=path, field="lines")
    baseline = str(doc.get("baseline", "linear"))
    if baseline not in BASELINES:
        raise DualionUserError(f"baseline must be one of {BASELINES}, got {baseline!r}", file=path, field="baseline")
    win = doc.get("window_ppm")
    if win is not None:
        if not (isinstance(win, list) and len(win) == 2 and all(isinstance(v, (int, float)) for v in win)):
            raise DualionUserError("expected [low, high] in ppm", file=path, field="window_ppm")
        win = (float(min(win)), float(max(win)))
    mo = doc.get("max_order")
    if mo is not None and (not isinstance(mo, int) or mo < 0):
        raise DualionUserError(f"expected a non-negative integer, got {mo!r}", file=path, field="max_order")
    return NMRModel(lines=lines, baseline=baseline, window_ppm=win, max_order=mo)


# ---------------------------------------------------------------------------------------------- layout
@dataclass
class LineLayout:
    """Parameter prefix, sideband mode and the sideband orders modelled for one line."""

    prefix: str
    mode: str
    orders: list[int]


@dataclass
class Layout:
    """Everything :func:`evaluate` needs besides the parameter values."""

    lines: list[LineLayout]
    spacing_ppm: float
    baseline: str
    mid_ppm: float
    larmor_MHz: float | None
    mas_Hz: float | None
    nucleus: str | None


def layout(model: NMRModel, ppm: np.ndarray, mas_Hz: float | None, larmor_MHz: float | None,
           nucleus: str | None = None) -> Layout:
    """Fix the sideband orders: every order whose position (from the start shift) falls in the spectral
    window ``[min ppm, max ppm]`` (± one sideband spacing margin is not added: outside means unseen)."""
    lo, hi = float(np.min(ppm)), float(np.max(ppm))
    spacing = sideband_spacing_ppm(mas_Hz, larmor_MHz) if mas_Hz and larmor_MHz else 0.0
    out = []
    for ln in model.lines:
        orders = [] if ln.sidebands == "none" or not spacing else orders_in_window(
            ln.delta.value, lo, hi, mas_Hz, larmor_MHz, model.max_order)
        out.append(LineLayout(prefix=safe_name(ln.name) + "_", mode=ln.sidebands if orders else "none", orders=orders))
    return Layout(lines=out, spacing_ppm=spacing, baseline=model.baseline, mid_ppm=0.5 * (lo + hi),
                  larmor_MHz=larmor_MHz, mas_Hz=mas_Hz, nucleus=nucleus)


def sb_name(prefix: str, n: int) -> str:
    """Parameter name of the free sideband ratio of order ``n``: ``<prefix>sb_m2``, ``<prefix>sb_p1`` …"""
    return f"{prefix}sb_{'m' if n < 0 else 'p'}{abs(n)}"


def sideband_ratios(ll: LineLayout, values: dict, lay: Layout) -> np.ndarray:
    """Areas of the sidebands relative to the centre band, ``r_n`` for ``n`` in ``ll.orders`` (dimensionless)."""
    if ll.mode == "free":
        return np.array([values[sb_name(ll.prefix, n)] for n in ll.orders], dtype=float)
    if ll.mode == "csa":
        from dualion.nmr.csa import sideband_fractions

        frac = sideband_fractions(values[ll.prefix + "zeta"], values[ll.prefix + "etacsa"], lay.mas_Hz, lay.larmor_MHz,
                                  lay.nucleus, max(abs(n) for n in ll.orders))
        return np.array([frac.get(n, 0.0) for n in ll.orders]) / frac[0]
    return np.zeros(0)


def total_ratio(ll: LineLayout, values: dict, lay: Layout) -> float:
    """``I_k / area_k`` = 1 + Σ r_n over the modelled orders (free) or over every order mrsimulator gives (csa)."""
    if ll.mode == "csa":
        from dualion.nmr.csa import sideband_fractions

        frac = sideband_fractions(values[ll.prefix + "zeta"], values[ll.prefix + "etacsa"], lay.mas_Hz, lay.larmor_MHz,
                                  lay.nucleus, max(abs(n) for n in ll.orders))
        return 1.0 / frac[0]
    return 1.0 + float(np.sum(sideband_ratios(ll, values, lay)))


def _band_centres_areas(values: dict, ll: LineLayout, lay: Layout) -> tuple[np.ndarray, np.ndarray]:
    """Positions (ppm) and areas of the centre band (first) and the sidebands of one line."""
    p = ll.prefix
    d, area = values[p + "delta"], values[p + "area"]
    ratios = sideband_ratios(ll, values, lay)
    return (np.concatenate([[d], d + np.asarray(ll.orders, dtype=float) * lay.spacing_ppm]),
            area * np.concatenate([[1.0], ratios]))


_C_G = math.sqrt(4.0 * math.log(2.0) / math.pi)
_K_G = -4.0 * math.log(2.0)


def _add_bands(y: np.ndarray, ppm: np.ndarray, centres, areas, fwhm: float, eta: float,
               work: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Add pseudo-Voigt bands (shared FWHM ``fwhm`` ppm and Lorentzian fraction ``eta``) to ``y`` in place:
    ``a·[η·(w/2π)/(Δ² + w²/4) + (1−η)·sqrt(4 ln2/π)/w·exp(−4 ln2 Δ²/w²)]`` with Δ = δ − centre (ppm)."""
    t, g = work if work is not None else (np.empty_like(ppm), np.empty_like(ppm))
    hw2 = 0.25 * fwhm * fwhm
    kg = _K_G / (fwhm * fwhm)
    for c, a in zip(centres, areas):
        np.subtract(ppm, c, out=t)
        np.multiply(t, t, out=t)
        np.multiply(t, kg, out=g)
        np.exp(g, out=g)
        np.add(t, hw2, out=t)
        np.divide(a * eta * 0.5 * fwhm / math.pi, t, out=t)
        y += t
        g *= a * (1.0 - eta) * _C_G / fwhm
        y += g
    return y


def line_components(ppm: np.ndarray, values: dict, ll: LineLayout, lay: Layout) -> tuple[np.ndarray, np.ndarray]:
    """(centre band, sum of sidebands) of one line on ``ppm`` (intensity units)."""
    p = ll.prefix
    centres, areas = _band_centres_areas(values, ll, lay)
    w, eta = values[p + "fwhm"], values[p + "eta"]
    centre = _add_bands(np.zeros_like(ppm, dtype=float), ppm, centres[:1], areas[:1], w, eta)
    sbs = _add_bands(np.zeros_like(ppm, dtype=float), ppm, centres[1:], areas[1:], w, eta)
    return centre, sbs


def baseline_curve(ppm: np.ndarray, values: dict, lay: Layout) -> np.ndarray:
    """Baseline (intensity units): ``c0 + c1·(δ − δ_mid)``, ``c0`` or 0."""
    if lay.baseline == "none":
        return np.zeros_like(ppm)
    b = np.full_like(ppm, values["bl_c0"], dtype=float)
    if lay.baseline == "linear":
        b = b + values["bl_c1"] * (ppm - lay.mid_ppm)
    return b


def evaluate(ppm: np.ndarray, values: dict, lay: Layout) -> np.ndarray:
    """Total model curve on ``ppm``: baseline + Σ lines (centre bands + sidebands)."""
    y = baseline_curve(ppm, values, lay).astype(float, copy=True)
    work = (np.empty_like(y), np.empty_like(y))
    for ll in lay.lines:
        centres, areas = _band_centres_areas(values, ll, lay)
        _add_bands(y, ppm, centres, areas, values[ll.prefix + "fwhm"], values[ll.prefix + "eta"], work)
    return y


def start_values(model: NMRModel, lay: Layout, ppm: np.ndarray, y: np.ndarray) -> dict[str, Param]:
    """Every parameter with its start value and bounds: user values kept, the rest guessed from the data
    (FWHM from the half-height width around the start shift, area from the height there)."""
    step = float(abs(ppm[-1] - ppm[0]) / (len(ppm) - 1))
    span = float(np.ptp(ppm))
    floor = float(np.percentile(y, 10))
    out: dict[str, Param] = {}
    starts = [ln.delta.value for ln in model.lines]
    widths = []
    for k, ln in enumerate(model.lines):
        d0 = ln.delta.value
        w0 = ln.fwhm.value
        if w0 is None:  # half-height width, but no wider than the gap to the nearest other start shift
            w0 = _half_height_width(ppm, y - floor, d0, step, span)
            gaps = [abs(d0 - d) for j, d in enumerate(starts) if j != k and d != d0]
            if gaps:
                w0 = max(min(w0, min(gaps)), 4 * step)
        widths.append(w0)
    for k, (ln, ll) in enumerate(zip(model.lines, lay.lines)):
        p = ll.prefix
        d0 = ln.delta.value
        w0 = widths[k]
        out[p + "delta"] = _with_defaults(ln.delta, d0, d0 - max(20.0, 2 * w0), d0 + max(20.0, 2 * w0))
        out[p + "fwhm"] = _with_defaults(ln.fwhm, w0, 2 * step, 0.5 * span)
        out[p + "eta"] = _with_defaults(ln.lorentz_fraction, 0.5, 0.0, 1.0)
        eta0 = out[p + "eta"].value
        h0 = max(_interp(ppm, y - floor, d0), 1e-6 * float(np.max(np.abs(y))))
        out[p + "area"] = Param(h0 / pseudo_voigt_peak_height(w0, eta0), True, 0.0, None)
        if ll.mode == "free":
            for n in ll.orders:
                pos = d0 + n * lay.spacing_ppm
                # on another line's centre band the data height says nothing about this sideband: start small
                covered = any(j != k and abs(pos - d) < 0.5 * (w0 + widths[j]) for j, d in enumerate(starts))
                hs = _interp(ppm, y - floor, pos)
                r0 = 0.05 if covered else float(np.clip(hs / h0, 1e-3, 2.0))
                out[sb_name(p, n)] = Param(r0, True, 0.0, 50.0)
        elif ll.mode == "csa":
            out[p + "zeta"] = _with_defaults(ln.zeta, 100.0, None, None)
            out[p + "etacsa"] = _with_defaults(ln.eta_csa, 0.5, 0.0, 1.0)
    if lay.baseline != "none":
        out["bl_c0"] = Param(floor, True)
    if lay.baseline == "linear":
        out["bl_c1"] = Param(0.0, True)
    return out


def _interp(ppm: np.ndarray, y: np.ndarray, x: float) -> float:
    return float(np.interp(x, ppm[::-1], y[::-1]) if ppm[0] > ppm[-1] else np.interp(x, ppm, y))


def _with_defaults(user: Param, value: float, lo: float | None, hi: float | None) -> Param:
    return Param(value=user.value if user.value is not None else value, vary=user.vary,
                 min=user.min if user.min is not None else lo, max=user.max if user.max is not None else hi,
                 expr=user.expr)


def _half_height_width(ppm: np.ndarray, y: np.ndarray, d0: float, step: float, span: float) -> float:
    i0 = int(np.argmin(np.abs(ppm - d0)))
    h = y[i0] / 2.0
    left = i0
    while left > 0 and y[left] > h:
        left -= 1
    right = i0
    while right < len(y) - 1 and y[right] > h:
        right += 1
    w = abs(ppm[right] - ppm[left])
    return float(min(max(w, 4 * step), 0.1 * span))
