r"""Electrochemical discharge paths through the (Δμ_Li, Δμ_Mg) plane.

With :meth:`dualion.core.Electrolyte.delta_mu` (per charge):
:math:`\Delta\mu_\mathrm{Mg} = -V`, :math:`\Delta\mu_\mathrm{Li} = -(V + \Delta E_\mathrm{ref} - (k_BT/e)\ln a_{\mathrm{Li^+}})`,
V vs Mg2+/Mg. At fixed Li+ activity both are affine in V, so a discharge is a straight line in the plane
and every :math:`\Omega_c(V) = \alpha_c + \beta_c V` is a line in V. The stable product along the
discharge is the lower envelope of these lines over [V_min, V_max], computed exactly from the pairwise
crossing voltages (no sampling). The sequence does not depend on the per-charge/per-atom convention.

LiCl concentration 0 M: :math:`\ln 0` is undefined — we treat it as a Li-free electrolyte, in which
Li-containing configurations cannot form (Δμ_Li → −∞); they are excluded and the path is a Mg-only one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dualion.core.constants import DELTA_E_REF_DEFAULT_V, T_DEFAULT_K
from dualion.core.electrolyte import Electrolyte
from dualion.core.records import Record, num, register
from dualion.errors import DualionUserError
from dualion.reference import Convention
from dualion.thermo.diagram import _label_rank, diagram_entries
from dualion.thermo.sitemodel import SiteModel

#: Default voltage range of a discharge, V vs Mg2+/Mg (from high to low).
DEFAULT_V_RANGE = (0.0, 3.0)


@dataclass(frozen=True)
class Segment:
    """Product ``label`` is stable for V_low < V < V_high (V vs Mg2+/Mg)."""

    label: str
    counts: dict[str, int]
    V_high: float
    V_low: float
    status: str = "finished"


@register("thermo.path")
@dataclass(frozen=True, eq=False)
class DischargePath(Record):
    """Sequence of stable products along a discharge (high → low voltage) at one Li+ activity (a record:
    ``path.json`` loads back as a list of them)."""

    licl_M: float | None
    li_activity: float
    segments: tuple[Segment, ...]
    delta_e_ref_V: float
    T_K: float
    excluded: tuple[dict[str, Any], ...] = ()

    @property
    def transitions(self) -> list[dict[str, Any]]:
        return [{"V_vs_Mg": s.V_low, "from": s.label, "to": n.label}
                for s, n in zip(self.segments[:-1], self.segments[1:])]

    @property
    def electrolyte(self) -> Electrolyte:
        """The electrolyte of this path (:class:`dualion.core.Electrolyte`; activity 0 = Li-free)."""
        return Electrolyte.activity(self.li_activity, delta_e_ref_V=self.delta_e_ref_V, T_K=self.T_K)

    @property
    def no_li(self) -> bool:
        return self.electrolyte.li_free

    def line(self, V: np.ndarray, per: Convention = "charge") -> dict[str, np.ndarray]:
        """(Δμ_Li, Δμ_Mg) along voltages ``V`` (not defined for a Li-free electrolyte)."""
        if self.no_li:
            raise DualionUserError("Li-free electrolyte: Δμ_Li is −∞, the path has no line in the plane",
                                   field="licl_M")
        return self.electrolyte.delta_mu(np.asarray(V, dtype=float), per)

    def to_dict(self) -> dict[str, Any]:
        return {"licl_M": self.licl_M, "li_activity": self.li_activity,
                "li_free": self.no_li,
                "segments": [{"label": s.label, "counts": s.counts, "V_high_vs_Mg": s.V_high,
                              "V_low_vs_Mg": s.V_low, "status": s.status} for s in self.segments],
                "transitions": self.transitions, "excluded": list(self.excluded),
                "delta_e_ref_V": self.delta_e_ref_V, "T_K": self.T_K}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DischargePath:
        segs = tuple(Segment(s["label"], dict(s["counts"]), num(s["V_high_vs_Mg"]), num(s["V_low_vs_Mg"]),
                             s.get("status", "finished")) for s in d["segments"])
        return cls(licl_M=d.get("licl_M"), li_activity=float(d["li_activity"]), segments=segs,
                   delta_e_ref_V=float(d.get("delta_e_ref_V", DELTA_E_REF_DEFAULT_V)),
                   T_K=float(d.get("T_K", T_DEFAULT_K)), excluded=tuple(d.get("excluded", ())))


def lower_envelope_1d(alpha: np.ndarray, beta: np.ndarray, lo: float, hi: float,
                      rank: np.ndarray | None = None) -> list[tuple[int, float, float]]:
    """Lower envelope of lines f_c(V) = α_c + β_c V on [lo, hi]: ``[(c, V_high, V_low), ...]`` from high to low V."""
    alpha = np.asarray(alpha, dtype=float)
    beta = np.asarray(beta, dtype=float)
    n = len(alpha)
    rank = np.arange(n) if rank is None else np.asarray(rank)
    db = beta[:, None] - beta[None, :]
    da = alpha[None, :] - alpha[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = np.where(db != 0, da / db, np.nan)
    cuts = cross[np.isfinite(cross)]
    cuts = np.unique(np.concatenate([[lo, hi], cuts[(cuts > lo) & (cuts < hi)]]))[::-1]
    segs: list[list] = []
    for vh, vl in zip(cuts[:-1], cuts[1:]):
        vm = 0.5 * (vh + vl)
        f = alpha + beta * vm
        fmin = f.min()
        ties = np.flatnonzero(f <= fmin + 1e-12 * max(1.0, abs(fmin)))
        c = int(ties[np.argmin(rank[ties])])
        if segs and segs[-1][0] == c:
            segs[-1][2] = float(vl)
        else:
            segs.append([c, float(vh), float(vl)])
    return [tuple(s) for s in segs]  # type: ignore[misc]


def discharge_path(model: SiteModel, licl_M: float | None = None, li_activity: float | None = None,
                   V_range: Sequence[float] = DEFAULT_V_RANGE, delta_e_ref_V: float = DELTA_E_REF_DEFAULT_V,
                   T_K: float = T_DEFAULT_K, allow_incomplete: bool = False) -> DischargePath:
    """Stable products from V_max down to V_min (V vs Mg2+/Mg) at LiCl concentration ``licl_M`` (M).

    The Li+ activity is ``li_activity`` if given, else ``licl_M`` / 1 M. Activity 0 = Li-free electrolyte
    (Li configurations excluded). Needs a model with working ions Li and Mg.
    """
    for ion in ("Li", "Mg"):
        if ion not in model.ions:
            raise DualionUserError(f"a LiCl discharge path needs working ions Li and Mg; model {model.name!r} has "
                                   f"{list(model.ions)}", field="ions")
    vmin, vmax = (float(v) for v in V_range)
    if not (np.isfinite(vmin) and np.isfinite(vmax) and vmin < vmax):
        raise DualionUserError(f"voltage range must be finite with V_min < V_max, got {V_range!r}", field="V_range")
    if li_activity is None:
        if licl_M is None:
            raise DualionUserError("give a LiCl concentration or a Li+ activity", field="licl_M")
        if not np.isfinite(licl_M) or licl_M < 0:
            raise DualionUserError(f"LiCl concentration must be ≥ 0 M, got {licl_M!r}", field="licl_M")
        el = Electrolyte.licl(licl_M, delta_e_ref_V=delta_e_ref_V, T_K=T_K)
    else:
        if not np.isfinite(li_activity) or li_activity < 0:
            raise DualionUserError(f"Li+ activity must be ≥ 0, got {li_activity!r}", field="li_activity")
        el = Electrolyte.activity(li_activity, delta_e_ref_V=delta_e_ref_V, T_K=T_K)
    entries, excluded = diagram_entries(model, ("Li", "Mg"), "charge", allow_incomplete,
                                        exclude_ions=("Li",) if el.li_free else ())
    # Ω_c(V) = α_c + β_c V: Δμ is affine in V (the electrolyte's mapping at V = 0 and 1); a Li-free electrolyte
    # leaves only Li-free entries, whose Li slope is 0 (their Ω does not see Δμ_Li = −∞)
    mu0, mu1 = el.delta_mu(0.0), el.delta_mu(1.0)
    s = np.array([e.slopes for e in entries], dtype=float)
    dE = np.array([e.dE_eV for e in entries], dtype=float)
    has_li = s[:, 0] != 0
    li0, dli = np.zeros(len(entries)), np.zeros(len(entries))
    li0[has_li] = s[has_li, 0] * mu0["Li"]
    dli[has_li] = s[has_li, 0] * (mu1["Li"] - mu0["Li"])
    alpha = dE - li0 - s[:, 1] * mu0["Mg"]
    beta = -dli - s[:, 1] * (mu1["Mg"] - mu0["Mg"])
    rank = _label_rank([e.label for e in entries])
    segs = tuple(Segment(label=entries[c].label, counts=dict(entries[c].counts), V_high=vh, V_low=vl,
                         status=entries[c].status)
                 for c, vh, vl in lower_envelope_1d(alpha, beta, vmin, vmax, rank))
    return DischargePath(licl_M=licl_M, li_activity=el.a_li, segments=segs, delta_e_ref_V=delta_e_ref_V,
                         T_K=T_K, excluded=tuple(excluded))


def discharge_paths(model: SiteModel, licl_M: Sequence[float], activities: Sequence[float] | None = None,
                    **kw: Any) -> list[DischargePath]:
    """:func:`discharge_path` for each concentration (``activities``, if given, pair with them 1:1)."""
    if activities is not None and len(activities) != len(licl_M):
        raise DualionUserError(f"{len(activities)} activities for {len(licl_M)} concentrations", field="li_activity")
    return [discharge_path(model, c, None if activities is None else activities[k], **kw)
            for k, c in enumerate(licl_M)]


def path_rows(paths: Sequence[DischargePath]) -> list[dict[str, Any]]:
    """Flat table rows: one per (concentration, product segment)."""
    rows = []
    for p in paths:
        for k, s in enumerate(p.segments):
            rows.append({"licl_M": p.licl_M, "li_activity": p.li_activity, "step": k + 1, "product": s.label,
                         "counts": ";".join(f"{i}={n}" for i, n in s.counts.items()) or "-",
                         "V_high_vs_Mg": round(s.V_high, 6), "V_low_vs_Mg": round(s.V_low, 6),
                         "status": s.status, "note": "Li-free: Li configurations excluded" if p.no_li else ""})
    return rows
