"""What the cell needs from an equilibrium model (:class:`EquilibriumSource`), the closed-form stand-in
:class:`LangmuirPair`, and the default source (the paper's DFT model)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from dualion.cell.params import IONS, Z
from dualion.errors import DualionUserError
from dualion.core.constants import K_B_EV_PER_K, T_DEFAULT_K
from dualion.core.electrolyte import Electrolyte


@runtime_checkable
class EquilibriumSource(Protocol):
    """What the cell needs from an equilibrium model (MODEL-EQ's ``EquilibriumModel`` satisfies it).

    ``chemical_potentials(x)``: Δμ_i per transferred charge (eV, relative to the metals) at which the equilibrium
    uptake equals ``x`` (ions per formula unit). ``uptake(dmu, per="charge")``: the inverse, x_i per formula unit.
    """

    def chemical_potentials(self, x: Mapping[str, float]) -> dict[str, float]: ...

    def uptake(self, dmu: Mapping[str, float], per: str = "charge") -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class LangmuirPair:
    r"""Stand-in equilibrium source with closed forms: two independent Langmuir species on their own sites.

    ``n_sites[i]`` sites per formula unit for ion i (each empty or holding one ion i); θ_i = x_i/n_sites[i].
    Per transferred charge (eV):

    .. math:: \Delta\mu_i = \varepsilon_i + \frac{k_BT}{z_i}\ln\frac{\theta_i}{1-\theta_i},\qquad
              \theta_i = \frac{1}{1+\exp(-z_i(\Delta\mu_i-\varepsilon_i)/k_BT)}

    ``eps_eV_per_charge[i]`` is Δμ_i at half filling: ε_Mg = −U°_Mg (V vs Mg), ε_Li = −U°_Li (V vs Li). No
    electron limit and no competition (MODEL-EQ's model has both); used by the tests for hand calculations.
    Defaults loosely mimic the paper's electrode: Li on 0.56 interstitial-like sites at 0.93 V vs Mg (1 M),
    Mg on 0.22 vacancy-like sites at 0.6 V vs Mg (0.56 + 2·0.22 = 1.0 e- per fu, more than the Ti limit 0.78).
    """

    n_sites: Mapping[str, float] = field(default_factory=lambda: {"Li": 0.56, "Mg": 0.22})
    eps_eV_per_charge: Mapping[str, float] = field(default_factory=lambda: {"Li": -1.67, "Mg": -0.60})
    T_K: float = T_DEFAULT_K

    def chemical_potentials(self, x: Mapping[str, float]) -> dict[str, float]:
        """Δμ_i per charge (eV) at x_i per formula unit (0 < x_i < n_sites[i])."""
        kT = K_B_EV_PER_K * self.T_K
        out = {}
        for i in IONS:
            th = float(x.get(i, 0.0)) / self.n_sites[i]
            if not 0.0 < th < 1.0:
                raise DualionUserError(f"x_{i} = {x.get(i)} is outside (0, {self.n_sites[i]})", field="x")
            out[i] = self.eps_eV_per_charge[i] + kT / Z[i] * math.log(th / (1.0 - th))
        return out

    def uptake(self, dmu: Mapping[str, float], per: str = "charge") -> dict[str, float]:
        kT = K_B_EV_PER_K * self.T_K
        out = {}
        for i in IONS:
            mu = float(dmu[i]) if per == "charge" else float(dmu[i]) / Z[i]
            arg = -Z[i] * (mu - self.eps_eV_per_charge[i]) / kT
            out[i] = self.n_sites[i] / (1.0 + math.exp(min(arg, 700.0)))
        return out

    def mu_of_logit(self, ion: str, logit: float) -> float:
        """Δμ_i (eV per charge) at logit θ_i = ln(θ/(1−θ)): ε_i + (k_BT/z_i)·logit (exact, any logit)."""
        return self.eps_eV_per_charge[ion] + K_B_EV_PER_K * self.T_K / Z[ion] * logit


#: Disorder broadening ω of the default equilibrium model (MODEL-EQ's ``width_factor``: ω·k_BT in the site
#: occupancies). The paper's GITT shows a sloping solid-solution curve (cation vacancies, mixed F/OH anion
#: environments), not the kT-sharp steps of single 0 K DFT energies; ω = 4 also keeps the surface fillings at
#: the cutoffs within double precision of the cell's logit variables.
DEFAULT_WIDTH_FACTOR = 4.0


def default_equilibrium() -> EquilibriumSource:
    """The paper's DFT model ``paper_model(width_factor=4)`` (Ti0.78□0.22O1.12F0.40(OH)0.48). Errors propagate:
    the closed-form :class:`LangmuirPair` is used only when a caller passes it explicitly."""
    from dualion.model.builders import paper_model

    return paper_model(width_factor=DEFAULT_WIDTH_FACTOR)


def equilibrium_uptake(source: EquilibriumSource, V_vs_Mg: float, electrolyte: Electrolyte) -> dict[str, float]:
    """Equilibrium x_Li, x_Mg (per formula unit) at electrode potential ``V_vs_Mg`` (V vs Mg2+/Mg) in
    ``electrolyte`` (Δμ from :meth:`Electrolyte.delta_mu`; Li-free: Δμ_Li = −∞ → x_Li = 0)."""
    x = source.uptake(electrolyte.delta_mu(float(V_vs_Mg)), per="charge")
    out = {i: float(np.sum(np.asarray(x[i], dtype=float))) for i in IONS}
    if electrolyte.li_free:
        out["Li"] = 0.0
    return out


def equilibrium_potentials_V(source: EquilibriumSource, x: Mapping[str, float],
                             electrolyte: Electrolyte) -> dict[str, float]:
    """U_i (V vs Mg2+/Mg) at composition ``x`` (direct call of the source, per charge), by
    :meth:`Electrolyte.potentials_V`: U_Mg = −Δμ_Mg, U_Li = −Δμ_Li − ΔE_ref + (k_BT/e) ln a_Li (−inf: Li-free)."""
    mu = source.chemical_potentials({i: float(x.get(i, 0.0)) for i in IONS})
    return {k: float(v) for k, v in electrolyte.potentials_V(mu).items()}
