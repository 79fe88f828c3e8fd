r"""The electrolyte and the voltage ↔ chemical-potential mapping (the only place it is written).

With the cell voltage :math:`V` of the working electrode vs Mg2+/Mg, :math:`\Delta E_\mathrm{ref} =
E^\circ(\mathrm{Mg^{2+}/Mg}) - E^\circ(\mathrm{Li^+/Li})` and the Li+ activity :math:`a` (ideal: a = c / 1 M):

.. math:: V_\mathrm{Li} = V_\mathrm{Mg} + \Delta E_\mathrm{ref} - \frac{k_BT}{e}\ln a

and the ion chemical potentials relative to the metals, per transferred charge (eV):

.. math:: \Delta\mu_\mathrm{Mg} = -eV_\mathrm{Mg}, \qquad \Delta\mu_\mathrm{Li} = -eV_\mathrm{Li}

(per atom: multiply by z, :math:`\Delta\mu^\mathrm{atom}_\mathrm{Mg} = -2eV_\mathrm{Mg}`). A **Li-free**
electrolyte (``li_free=True``; ``Electrolyte.licl(0)``) has no Li+ at all: :math:`\Delta\mu_\mathrm{Li} = -\infty`,
every Li-containing state is excluded, and the Li+/Li potential is undefined (−∞ in :meth:`potentials_V`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from dualion.core.constants import DELTA_E_REF_DEFAULT_V, K_B_EV_PER_K, T_DEFAULT_K
from dualion.core.conventions import Per
from dualion.core.records import Record, register
from dualion.errors import DualionUserError

#: Standard concentration for the ideal activity a = c / c°, mol L-1.
C_STANDARD_M = 1.0


def _out(v: Any) -> Any:
    return float(v) if np.ndim(v) == 0 else v


@register("core.electrolyte")
@dataclass(frozen=True, eq=False)
class Electrolyte(Record):
    """An electrolyte as the electrode sees it: Li+ activity (or none), ΔE_ref (V), temperature (K).

    ``licl_M``: LiCl concentration (mol L-1; gives a = c / 1 M); ``li_activity``: the Li+ activity itself
    (wins over ``licl_M``); ``li_free``: no Li+ at all (then neither may be > 0). A zero concentration or
    activity is only accepted with ``li_free=True`` — use :meth:`licl` / :meth:`activity`, which set it.
    ``activity_exponent`` ν: apparent (non-ideal) activity of LiCl in APC/THF, a = (c / 1 M)^ν (ν = 1 ideal;
    the Nernst slope becomes ν k_BT/e per e-fold of c, i.e. an apparent electron number 1/ν); applies to
    ``licl_M`` only (a given ``li_activity`` is used as is). A constant activity coefficient is not a separate
    parameter: it shifts every Li potential like ΔE_ref and is absorbed in it.
    """

    licl_M: float | None = None
    li_activity: float | None = None
    li_free: bool = False
    delta_e_ref_V: float = DELTA_E_REF_DEFAULT_V
    T_K: float = T_DEFAULT_K
    activity_exponent: float = 1.0

    def __post_init__(self) -> None:
        nu = self.activity_exponent
        if not (isinstance(nu, (int, float)) and math.isfinite(nu) and nu > 0):
            raise DualionUserError(f"activity_exponent must be a finite number > 0, got {nu!r}",
                                   field="activity_exponent")
        for name in ("licl_M", "li_activity"):
            v = getattr(self, name)
            if v is not None and not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise DualionUserError(f"{name} must be a finite number >= 0, got {v!r}", field=name)
        if not (isinstance(self.T_K, (int, float)) and math.isfinite(self.T_K) and self.T_K > 0):
            raise DualionUserError(f"temperature must be > 0 K, got {self.T_K!r}", field="T_K")
        if not (isinstance(self.delta_e_ref_V, (int, float)) and math.isfinite(self.delta_e_ref_V)):
            raise DualionUserError(f"delta_e_ref_V must be a finite number (V), got {self.delta_e_ref_V!r}",
                                   field="delta_e_ref_V")
        given = [v for v in (self.licl_M, self.li_activity) if v is not None]
        if self.li_free:
            if any(v > 0 for v in given):
                raise DualionUserError("a Li-free electrolyte cannot have a LiCl concentration or Li+ activity > 0",
                                       field="li_free")
        elif not given:
            raise DualionUserError("give licl_M or li_activity, or li_free=True", field="licl_M")
        elif (self.li_activity if self.li_activity is not None else self.licl_M) == 0:
            raise DualionUserError("a zero Li+ activity is a Li-free electrolyte: say li_free=True "
                                   "(Electrolyte.licl(0) does)", field="li_free")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def licl(cls, licl_M: float, **kw: Any) -> Electrolyte:
        """From a LiCl concentration (mol L-1); 0 is the Li-free electrolyte."""
        return cls(licl_M=float(licl_M), li_free=float(licl_M) == 0, **kw)

    @classmethod
    def activity(cls, li_activity: float, **kw: Any) -> Electrolyte:
        """From a Li+ activity; 0 is the Li-free electrolyte."""
        return cls(li_activity=float(li_activity), li_free=float(li_activity) == 0, **kw)

    # ------------------------------------------------------------------ properties
    @property
    def a_li(self) -> float:
        """Li+ activity (0 when Li-free): ``li_activity`` if given, else c / 1 M."""
        if self.li_free:
            return 0.0
        if self.li_activity is not None:
            return float(self.li_activity)
        return (float(self.licl_M) / C_STANDARD_M) ** float(self.activity_exponent)

    @property
    def kT_eV(self) -> float:
        """k_B T (eV) = thermal voltage k_B T / e (V)."""
        return K_B_EV_PER_K * self.T_K

    @property
    def nernst_shift_V(self) -> float:
        """(k_B T / e) ln a (V): how far the Li+/Li electrode moves up; −inf when Li-free."""
        return -math.inf if self.li_free else self.kT_eV * math.log(self.a_li)

    @property
    def label(self) -> str:
        """``"0.2 M LiCl"``, ``"a(Li+) = 0.5"`` or ``"Li-free"``."""
        if self.li_free:
            return "Li-free"
        return f"{self.licl_M:g} M LiCl" if self.li_activity is None else f"a(Li+) = {self.li_activity:g}"

    # ------------------------------------------------------------------ the mapping
    def vs_li(self, V_vs_Mg: Any) -> Any:
        """V vs Li+/Li in this electrolyte = V_Mg + ΔE_ref − (k_BT/e) ln a (NaN-free; +inf when Li-free)."""
        return _out(np.asarray(V_vs_Mg, dtype=float) + self.delta_e_ref_V - self.nernst_shift_V)

    def vs_mg(self, V_vs_Li: Any) -> Any:
        """V vs Mg2+/Mg from V vs Li+/Li (inverse of :meth:`vs_li`; needs Li+)."""
        if self.li_free:
            raise DualionUserError("a voltage vs Li+/Li has no meaning in a Li-free electrolyte", field="li_free")
        return _out(np.asarray(V_vs_Li, dtype=float) - self.delta_e_ref_V + self.nernst_shift_V)

    def delta_mu(self, V_vs_Mg: Any, per: str | Per = Per.CHARGE, a_li: Any = None) -> dict[str, Any]:
        """Δμ_Li, Δμ_Mg (eV, relative to the metals) at electrode potential ``V_vs_Mg`` (V vs Mg2+/Mg).

        Per charge: Δμ_Mg = −V, Δμ_Li = −(V + ΔE_ref − (k_BT/e) ln a); per atom: Δμ_Mg = −2V, Δμ_Li as per
        charge (z = 1). Li-free: Δμ_Li = −inf. ``a_li`` (array, broadcast with V) replaces the activity point
        by point (a finite reservoir depleted by insertion; 0 → −inf). Arrays broadcast; scalars give floats."""
        p = Per.parse(per)
        V = np.asarray(V_vs_Mg, dtype=float)
        mu_mg = -V * p.factor(2)
        if self.li_free:
            mu_li = np.full_like(V, -np.inf)
        else:
            a = self.a_li if a_li is None else np.asarray(a_li, dtype=float)
            with np.errstate(divide="ignore"):
                mu_li = -(V + self.delta_e_ref_V - self.kT_eV * np.log(a))
        return {"Li": _out(mu_li), "Mg": _out(mu_mg)}

    def potentials_V(self, dmu: Mapping[str, Any], per: str | Per = Per.CHARGE) -> dict[str, Any]:
        """Inverse of :meth:`delta_mu`: the equilibrium potential (V vs Mg2+/Mg) of each ion's couple at
        the ion chemical potentials ``dmu``: U_Mg = −Δμ_Mg, U_Li = −Δμ_Li − ΔE_ref + (k_BT/e) ln a
        (−inf when Li-free: the Li channel is off)."""
        p = Per.parse(per)
        out: dict[str, Any] = {}
        if "Mg" in dmu:
            out["Mg"] = _out(-np.asarray(dmu["Mg"], dtype=float) / p.factor(2))
        if "Li" in dmu:
            mu = np.asarray(dmu["Li"], dtype=float)
            out["Li"] = _out(np.full_like(mu, -np.inf) if self.li_free
                             else -mu - self.delta_e_ref_V + self.nernst_shift_V)
        return out

    # ------------------------------------------------------------------ record
    def to_dict(self) -> dict[str, Any]:
        return {"licl_M": self.licl_M, "li_activity": self.li_activity, "li_free": self.li_free,
                "delta_e_ref_V": self.delta_e_ref_V, "T_K": self.T_K, "activity_exponent": self.activity_exponent}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Electrolyte:
        return cls(licl_M=d.get("licl_M"), li_activity=d.get("li_activity"), li_free=bool(d.get("li_free", False)),
                   delta_e_ref_V=float(d.get("delta_e_ref_V", DELTA_E_REF_DEFAULT_V)),
                   T_K=float(d.get("T_K", T_DEFAULT_K)), activity_exponent=float(d.get("activity_exponent", 1.0)))
