r"""Electrochemical references and the mapping from cell voltage to ion chemical potentials.

Conventions (explicit everywhere in dualion):

* Voltages are in V and always carry their reference: ``"Mg"`` (vs Mg2+/Mg) or ``"Li"`` (vs Li+/Li).
* :math:`\Delta E_\mathrm{ref} = E^\circ(\mathrm{Mg^{2+}/Mg}) - E^\circ(\mathrm{Li^{+}/Li})`, default
  0.74 V from the paper (0.93 V vs Mg = 1.67 V vs Li), so :math:`V_\mathrm{Li} = V_\mathrm{Mg} + \Delta E_\mathrm{ref}`
  at unit Li+ activity.
* A Nernst shift for the Li+ activity :math:`a` moves the Li+/Li electrode by :math:`(k_BT/e)\ln a`:

  .. math:: V_\mathrm{Li} = V_\mathrm{Mg} + \Delta E_\mathrm{ref} - \frac{k_B T}{e}\ln a_{\mathrm{Li^+}}

* Chemical potentials relative to the metals, **per transferred charge** (the paper's Fig. 6):
  :math:`\Delta\mu_\mathrm{Mg} = -V_\mathrm{Mg}` and :math:`\Delta\mu_\mathrm{Li} = -V_\mathrm{Li}`, in eV.
  **Per atom**: multiply by the formal charge z (:math:`\Delta\mu^\mathrm{atom}_\mathrm{Mg} = -2V_\mathrm{Mg}`).

The mapping itself is written once, in :class:`dualion.core.Electrolyte`; the functions here are the
scalar/array conveniences over it that the CLIs use.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from dualion.core.constants import DELTA_E_REF_DEFAULT_V, FARADAY_C_PER_MOL, K_B_EV_PER_K, T_DEFAULT_K
from dualion.core.conventions import Per
from dualion.core.electrolyte import Electrolyte
from dualion.errors import DualionUserError

__all__ = ["DELTA_E_REF_DEFAULT_V", "FARADAY_C_PER_MOL", "K_B_EV_PER_K", "T_DEFAULT_K", "Convention", "Reference",
           "activity_from_concentration", "check_convention", "convert_voltage", "delta_mu_from_voltage",
           "nernst_shift_V", "thermal_voltage_V"]

Reference = Literal["Mg", "Li"]
Convention = Literal["charge", "atom"]


def thermal_voltage_V(T_K: float = T_DEFAULT_K) -> float:
    """k_B T / e in V (0.025693 V at 298.15 K)."""
    return K_B_EV_PER_K * T_K


def nernst_shift_V(li_activity: float | np.ndarray, T_K: float = T_DEFAULT_K) -> float | np.ndarray:
    """(k_B T/e) ln a_Li+ in V: how far the Li+/Li electrode moves up for activity ``a`` (>0)."""
    a = np.asarray(li_activity, dtype=float)
    if np.any(~(a > 0)):
        raise DualionUserError(f"Li+ activity must be > 0, got {li_activity!r}", field="li_activity")
    out = thermal_voltage_V(T_K) * np.log(a)
    return float(out) if out.ndim == 0 else out


def convert_voltage(V: float | np.ndarray, frm: Reference, to: Reference,
                    delta_e_ref_V: float = DELTA_E_REF_DEFAULT_V, li_activity: float = 1.0,
                    T_K: float = T_DEFAULT_K) -> float | np.ndarray:
    """Convert a cell voltage between references: V vs ``frm`` → V vs ``to`` (each "Mg" or "Li").

    V_Li = V_Mg + ΔE_ref − (k_B T/e) ln a_Li+ (:meth:`Electrolyte.vs_li <dualion.core.Electrolyte.vs_li>`).
    """
    for name, ref in (("from", frm), ("to", to)):
        if ref not in ("Mg", "Li"):
            raise DualionUserError(f"voltage reference must be 'Mg' or 'Li', got {ref!r}", field=f"reference_{name}")
    if not (isinstance(li_activity, (int, float)) and li_activity > 0):
        raise DualionUserError(f"Li+ activity must be > 0, got {li_activity!r}", field="li_activity")
    el = Electrolyte(li_activity=float(li_activity), delta_e_ref_V=delta_e_ref_V, T_K=T_K)
    if frm == to:
        return V
    return el.vs_li(V) if frm == "Mg" else el.vs_mg(V)


def delta_mu_from_voltage(V_vs_Mg: float | np.ndarray, li_activity: float = 1.0,
                          delta_e_ref_V: float = DELTA_E_REF_DEFAULT_V, T_K: float = T_DEFAULT_K,
                          per: Convention = "charge") -> dict[str, float | np.ndarray]:
    """Chemical potentials of Li and Mg relative to the metals (eV) at cell voltage ``V_vs_Mg``
    (:meth:`Electrolyte.delta_mu <dualion.core.Electrolyte.delta_mu>`; activity 0 = Li-free, Δμ_Li = −inf).

    Per charge: Δμ_Mg = −V, Δμ_Li = −(V + ΔE_ref − (k_B T/e) ln a_Li+).
    Per atom: Δμ_Mg = −2V, Δμ_Li as per charge (z = 1).
    """
    return Electrolyte.activity(li_activity, delta_e_ref_V=delta_e_ref_V, T_K=T_K).delta_mu(V_vs_Mg, per)


def check_convention(per: str | Per) -> Per:
    """Validate a chemical-potential convention: ``"charge"`` (eV per transferred e-) or ``"atom"``
    (:meth:`Per.parse <dualion.core.Per.parse>`; a ``str`` enum, so it compares equal to the string)."""
    return Per.parse(per)


def activity_from_concentration(c_mol_L: float, c_standard_mol_L: float = 1.0) -> float:
    """Ideal-solution Li+ activity a ≈ c / c° (c° = 1 M). Zero concentration is refused (ln 0): a Li-free
    electrolyte is ``Electrolyte.licl(0)`` (``li_free=True``), not a small concentration."""
    if not (c_mol_L > 0) or math.isinf(c_mol_L):
        raise DualionUserError(f"LiCl concentration must be a positive finite number (M), got {c_mol_L!r}; "
                               "for a Li-free electrolyte use li_free (0 M)", field="licl_M")
    return c_mol_L / c_standard_mol_L
