r"""Galvanostatic dual-ion (Li+/Mg2+) cell: one spherical particle, Fick diffusion per ion, Butler–Volmer per ion.

Model (single-particle, method of lines; full equations in ``docs/model_cell.md``)
----------------------------------------------------------------------------------
* State: site fractions :math:`x_i(r, t)` (ions *i* per formula unit, i ∈ {Li, Mg}) on ``n_shells`` finite-volume
  shells of a sphere of radius *R* (µm), refined towards the surface. Interior shells carry x; the surface shell
  carries logits of its fillings (see :class:`SingleParticleCell`) so that ln θ near empty/full is resolved.
* Fick diffusion per ion (constant :math:`D_i`, cm² s⁻¹; independent species — no cross terms and no site
  blocking; the equilibrium model couples the ions only through the surface potentials):

  .. math:: \partial_t x_i = r^{-2}\partial_r (r^2 D_i \partial_r x_i), \qquad
            D_i \partial_r x_i|_{R} = -\frac{M}{z_i F \rho}\, i_i

  with :math:`i_i` the partial current density of ion *i* (A cm⁻², > 0 = oxidation = ions leave), *M* the molar
  mass (g mol⁻¹) and ρ the density (g cm⁻³) of the host per formula unit.
* Butler–Volmer per ion at the particle surface:

  .. math:: i_i = i_{0,i}\,[\exp(\alpha z_i f\eta_i) - \exp(-(1-\alpha) z_i f\eta_i)],\quad
            \eta_i = V - U_i(x^s_\mathrm{Li}, x^s_\mathrm{Mg}),\quad f = F/RT,\quad
            i_{0,i} = j_{0,i}\,2\sqrt{\theta_i(1-\theta_i)}

  (θ_i: the ion's filling of the capacity still open to it; :math:`j_{0,i}` = value at half filling) with the
  equilibrium potentials (V vs Mg²⁺/Mg) from the equilibrium source's chemical potentials per charge:
  :math:`U_\mathrm{Mg} = -\Delta\mu_\mathrm{Mg}`, :math:`U_\mathrm{Li} = -\Delta\mu_\mathrm{Li} - \Delta E_\mathrm{ref}
  + (k_BT/e)\ln a_\mathrm{Li^+}` (:mod:`dualion.reference`).
* Galvanostatic constraint :math:`\sum_i i_i = i = I_g R\rho/3` (A cm⁻²; :math:`I_g` in A g⁻¹, specific area
  3/(Rρ)); the electrode potential *V* is solved from it at every right-hand-side evaluation (one strictly
  monotone scalar equation, safeguarded Newton) — an index-1 DAE reduced to an ODE, integrated by LSODA
  (banded Jacobian) with the voltage cutoffs located by bisection.
* Mg metal counter electrode at 0 V vs Mg²⁺/Mg. The paper measures in a three-electrode cell (Mg reference),
  so by default the counter overpotential is excluded; ``counter_i0_mA`` adds a symmetric Butler–Volmer
  (z = 2) counter overpotential to the reported cell voltage.
* Current sign (team convention): current > 0 = charge (oxidation, ions leave), < 0 = discharge.

The equilibrium enters only through :class:`EquilibriumSource` (``chemical_potentials`` and ``uptake``). The
default source is MODEL-EQ's ``dualion.model.equilibrium.paper_model(width_factor=4)``, otherwise the
documented closed-form stand-in :class:`LangmuirPair`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from dualion.errors import DualionUserError
from dualion.reference import (DELTA_E_REF_DEFAULT_V, FARADAY_C_PER_MOL, K_B_EV_PER_K, T_DEFAULT_K,
                               delta_mu_from_voltage)

#: Ions of the cell and their formal charges z.
IONS: tuple[str, str] = ("Li", "Mg")
Z: dict[str, int] = {"Li": 1, "Mg": 2}

#: The paper's voltage window, V vs Mg2+/Mg (Experimental section: 0.05–2.3 V).
V_WINDOW_V: tuple[float, float] = (0.05, 2.3)

#: Molar mass of Ti0.78□0.22O1.12F0.40(OH)0.48, g mol-1 (hand calculation:
#: 0.78·47.867 + 1.12·15.999 + 0.40·18.998 + 0.48·(15.999 + 1.008) = 37.336 + 17.919 + 7.599 + 8.163 = 71.017).
MOLAR_MASS_PAPER_G_MOL = 71.017
#: Density of the same, g cm-3, from the paper's pristine cell a = 3.7991 Å, c = 9.475 Å (4 Ti sites per cell):
#: ρ = 4·71.017 g mol-1 / (6.02214e23 mol-1 · 3.7991²·9.475e-24 cm3) = 4.7171e-22 g / 1.36754e-22 cm3 = 3.449.
DENSITY_PAPER_G_CM3 = 3.449



# --------------------------------------------------------------------------------------------------------------
# Equilibrium source
# --------------------------------------------------------------------------------------------------------------
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
    """MODEL-EQ's ``paper_model(width_factor=4)`` (Ti0.78□0.22O1.12F0.40(OH)0.48, DFT site energies) when
    available, else :class:`LangmuirPair`."""
    try:
        from dualion.model.equilibrium import paper_model  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - not there yet / broken import: documented stand-in
        return LangmuirPair()
    try:
        model = paper_model(width_factor=DEFAULT_WIDTH_FACTOR)
    except Exception:  # noqa: BLE001
        return LangmuirPair()
    if not (hasattr(model, "chemical_potentials") and hasattr(model, "uptake")):
        return LangmuirPair()
    return model


def equilibrium_uptake(source: EquilibriumSource, V_vs_Mg: float, li_activity: float | None,
                       delta_e_ref_V: float = DELTA_E_REF_DEFAULT_V, T_K: float = T_DEFAULT_K) -> dict[str, float]:
    """Equilibrium x_Li, x_Mg (per formula unit) at electrode potential ``V_vs_Mg`` (V vs Mg2+/Mg).

    ``li_activity=None`` means a Li-free electrolyte (Li channel off: Δμ_Li = −∞ → x_Li = 0).
    """
    a = 1.0 if li_activity is None else li_activity
    dmu = delta_mu_from_voltage(V_vs_Mg, li_activity=a, delta_e_ref_V=delta_e_ref_V, T_K=T_K, per="charge")
    if li_activity is None:
        dmu = {"Li": -50.0, "Mg": dmu["Mg"]}
    x = source.uptake(dmu, per="charge")
    out = {i: float(np.sum(np.asarray(x[i], dtype=float))) for i in IONS}
    if li_activity is None:
        out["Li"] = 0.0
    return out


def equilibrium_potentials_V(source: EquilibriumSource, x: Mapping[str, float], li_activity: float | None,
                             delta_e_ref_V: float = DELTA_E_REF_DEFAULT_V,
                             T_K: float = T_DEFAULT_K) -> dict[str, float]:
    """U_i (V vs Mg2+/Mg) at composition ``x`` (direct call of the source, per charge):
    U_Mg = −Δμ_Mg, U_Li = −Δμ_Li − ΔE_ref + (k_BT/e) ln a_Li."""
    mu = source.chemical_potentials({i: float(x.get(i, 0.0)) for i in IONS})
    U = {"Mg": -float(mu["Mg"])}
    if li_activity is None:
        U["Li"] = -math.inf
    else:
        U["Li"] = -float(mu["Li"]) - delta_e_ref_V + K_B_EV_PER_K * T_K * math.log(li_activity)
    return U


# --------------------------------------------------------------------------------------------------------------
# Kinetics: small pure functions
# --------------------------------------------------------------------------------------------------------------
def _expit(z: float) -> float:
    """Logistic σ(z) = 1/(1 + e^−z), overflow-safe."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _expit_arr(z: Any) -> Any:
    from scipy.special import expit

    return expit(z)


def thermal_f(T_K: float = T_DEFAULT_K) -> float:
    """f = F/(RT) = e/(k_B T), V-1 (38.92 V-1 at 298.15 K)."""
    return 1.0 / (K_B_EV_PER_K * T_K)


def butler_volmer_A_cm2(eta_V: float, i0_A_cm2: float, z: int, alpha: float = 0.5, T_K: float = T_DEFAULT_K) -> float:
    """Partial current density (A cm-2, > 0 = oxidation) of one ion: i0[exp(αzfη) − exp(−(1−α)zfη)]."""
    f = thermal_f(T_K)
    a = min(alpha * z * f * eta_V, 700.0)
    c = min(-(1.0 - alpha) * z * f * eta_V, 700.0)
    return i0_A_cm2 * (math.exp(a) - math.exp(c))


def charge_transfer_resistance_ohm_cm2(i0_A_cm2: float, z: int, T_K: float = T_DEFAULT_K) -> float:
    """Linearised Butler–Volmer resistance R_ct = RT/(zF i0) = (k_BT/e)/(z i0), Ω cm²."""
    return K_B_EV_PER_K * T_K / (z * i0_A_cm2)


def solve_electrode_potential_V(i_target_A_cm2: float, U_V: Sequence[float], i0_A_cm2: Sequence[float],
                                z: Sequence[int], alpha: float = 0.5, T_K: float = T_DEFAULT_K,
                                guess_V: float | None = None, tol_V: float = 1e-14) -> float:
    """Electrode potential V (vs Mg2+/Mg) with Σ_i i_i(V − U_i) = i_target (A cm-2).

    g(V) = Σ_i i0_i[exp(αz_i f(V−U_i)) − exp(−(1−α)z_i f(V−U_i))] − i_target is strictly increasing in V, so
    the root is unique; found by Newton steps kept inside a bracket (bisection fallback). Species with
    i0 = 0 or U = −∞ (channel off) are ignored.
    """
    f = thermal_f(T_K)
    act = [(u, i0, zz) for u, i0, zz in zip(U_V, i0_A_cm2, z) if i0 > 0 and math.isfinite(u)]
    if not act:
        raise DualionUserError("no active ion: every exchange current is zero or every channel is off", field="j0")

    def g_dg(V: float) -> tuple[float, float]:
        g = -i_target_A_cm2
        dg = 0.0
        for u, i0, zz in act:
            a = min(alpha * zz * f * (V - u), 700.0)
            c = min(-(1.0 - alpha) * zz * f * (V - u), 700.0)
            ea, ec = math.exp(a), math.exp(c)
            g += i0 * (ea - ec)
            dg += i0 * zz * f * (alpha * ea + (1.0 - alpha) * ec)
        return g, dg

    # Safeguarded Newton from the guess (consecutive right-hand-side calls have nearby states, so 2–4
    # steps usually suffice): every evaluation narrows the bracket [lo, hi]; a Newton step that leaves a
    # closed bracket is replaced by bisection, and while one side is still open the step is capped
    # (expanding 0.05, 0.1, 0.2 … V) until the root is bracketed.
    V = guess_V if guess_V is not None and math.isfinite(guess_V) else sum(a[0] for a in act) / len(act)
    lo, hi = -math.inf, math.inf
    expand = 0.05
    for _ in range(400):
        g, dg = g_dg(V)
        if g == 0.0:
            return V
        if g < 0:
            lo = V
        else:
            hi = V
        Vn = V - g / dg if dg > 0 else math.nan
        if abs(Vn - V) < tol_V:   # converged (also when the step is below one ulp of V: Vn == V)
            return Vn
        if not (lo < Vn < hi):
            if math.isfinite(lo) and math.isfinite(hi):
                Vn = 0.5 * (lo + hi)
            else:
                Vn = V + expand if g < 0 else V - expand
                expand *= 2.0
                if expand > 1e6:
                    raise RuntimeError("could not bracket the electrode potential")
        elif not (math.isfinite(lo) and math.isfinite(hi)) and abs(Vn - V) > expand:
            Vn = V + math.copysign(expand, Vn - V)
            expand *= 2.0
        if hi - lo < tol_V:
            return Vn
        V = Vn
    return V


# --------------------------------------------------------------------------------------------------------------
# Parameters, protocol, result
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CellParameters:
    """Single-particle dual-ion cell parameters (units in the names).

    Defaults are illustrative (order-of-magnitude for ~10 nm F-doped anatase particles; not fitted):
    D_Li ≫ D_Mg and j0_Li ≫ j0_Mg as the paper argues (Fig. 2c, Fig. 3a). ``licl_M = 0`` means a Li-free
    electrolyte (Li channel off); otherwise a_Li+ = c/1 M (ideal). ``j0_*`` are exchange current densities in
    the given electrolyte (no concentration dependence modelled).
    """

    radius_um: float = 0.01
    D_Li_cm2_s: float = 1e-14
    D_Mg_cm2_s: float = 3e-17
    j0_Li_mA_cm2: float = 1e-4
    j0_Mg_mA_cm2: float = 2e-6
    alpha: float = 0.5
    licl_M: float = 0.2
    delta_e_ref_V: float = DELTA_E_REF_DEFAULT_V
    T_K: float = T_DEFAULT_K
    molar_mass_g_mol: float = MOLAR_MASS_PAPER_G_MOL
    density_g_cm3: float = DENSITY_PAPER_G_CM3
    mass_mg: float = 1.6
    n_shells: int = 20
    surface_refinement: float = 5.0
    counter_i0_mA: float | None = None
    v_min_V: float = V_WINDOW_V[0]
    v_max_V: float = V_WINDOW_V[1]

    def __post_init__(self) -> None:
        validate_parameters(self)

    @property
    def li_activity(self) -> float | None:
        """a_Li+ = c/(1 M), or None for a Li-free electrolyte."""
        return None if self.licl_M == 0 else self.licl_M

    @property
    def specific_area_cm2_g(self) -> float:
        """Particle surface area per gram of active material, 3/(Rρ) (cm² g-1)."""
        return 3.0 / (self.radius_um * 1e-4 * self.density_g_cm3)

    def i0_A_cm2(self) -> dict[str, float]:
        """Exchange current densities in A cm-2 (0 for Li in a Li-free electrolyte)."""
        return {"Li": 0.0 if self.li_activity is None else self.j0_Li_mA_cm2 * 1e-3, "Mg": self.j0_Mg_mA_cm2 * 1e-3}

    def D_cm2_s(self) -> dict[str, float]:
        return {"Li": self.D_Li_cm2_s, "Mg": self.D_Mg_cm2_s}

    def capacity_mAh_g(self, electrons_per_fu: float) -> float:
        """Q = F·n_e/(3.6·M), mA h g-1, for n_e electrons per formula unit."""
        return FARADAY_C_PER_MOL * electrons_per_fu / (3.6 * self.molar_mass_g_mol)


def _positive(name: str, value: float, opt: str) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise DualionUserError(f"{name} must be a positive finite number, got {value!r}", field=opt)


def validate_parameters(p: CellParameters) -> None:
    """Raise :class:`DualionUserError` (one line, naming the option) for any unusable parameter."""
    _positive("particle radius (µm)", p.radius_um, "--radius-um")
    _positive("D_Li (cm2 s-1)", p.D_Li_cm2_s, "--D-Li")
    _positive("D_Mg (cm2 s-1)", p.D_Mg_cm2_s, "--D-Mg")
    _positive("j0_Li (mA cm-2)", p.j0_Li_mA_cm2, "--j0-Li")
    _positive("j0_Mg (mA cm-2)", p.j0_Mg_mA_cm2, "--j0-Mg")
    _positive("active mass (mg)", p.mass_mg, "--mass-mg")
    _positive("molar mass (g mol-1)", p.molar_mass_g_mol, "molar_mass_g_mol")
    _positive("density (g cm-3)", p.density_g_cm3, "density_g_cm3")
    _positive("temperature (K)", p.T_K, "T_K")
    if not (0.0 < p.alpha < 1.0):
        raise DualionUserError(f"transfer coefficient alpha must be in (0, 1), got {p.alpha!r}", field="alpha")
    if not (math.isfinite(p.licl_M) and p.licl_M >= 0):
        raise DualionUserError(f"LiCl concentration must be >= 0 M (0 = Li-free), got {p.licl_M!r}", field="--licl")
    if not (isinstance(p.n_shells, int) and 3 <= p.n_shells <= 400):
        raise DualionUserError(f"n_shells must be an integer in 3..400, got {p.n_shells!r}", field="--shells")
    if not (math.isfinite(p.surface_refinement) and 1.0 <= p.surface_refinement <= 100.0):
        raise DualionUserError(f"surface_refinement must be in [1, 100], got {p.surface_refinement!r}",
                               field="surface_refinement")
    if p.counter_i0_mA is not None:
        _positive("counter-electrode exchange current (mA)", p.counter_i0_mA, "--counter-i0-mA")
    lo, hi = V_WINDOW_V
    for name, v in (("lower cutoff", p.v_min_V), ("upper cutoff", p.v_max_V)):
        if not (math.isfinite(v) and lo - 1e-12 <= v <= hi + 1e-12):
            raise DualionUserError(f"{name} {v!r} V is outside the window {lo}–{hi} V vs Mg2+/Mg", field="--cutoff")
    if not p.v_min_V < p.v_max_V:
        raise DualionUserError(f"lower cutoff {p.v_min_V} V must be below upper cutoff {p.v_max_V} V", field="--cutoff")


@dataclass(frozen=True)
class Step:
    """One protocol step: constant current (mA g-1; < 0 discharge, > 0 charge, 0 = rest) for up to ``duration_s``
    or until the voltage cutoff in the direction of the current (V vs Mg2+/Mg; defaults: the parameters')."""

    current_mA_g: float
    duration_s: float = math.inf
    cutoff_V: float | None = None
    label: str = ""


@dataclass
class CellResult:
    """Time series of a simulated protocol (one row per recorded time). Units in the names."""

    time_s: np.ndarray
    voltage_V: np.ndarray
    current_mA: np.ndarray
    current_mA_g: np.ndarray
    step: np.ndarray
    x_Li: np.ndarray          # particle-average Li per formula unit
    x_Mg: np.ndarray          # particle-average Mg per formula unit
    xs_Li: np.ndarray         # surface-shell Li
    xs_Mg: np.ndarray         # surface-shell Mg
    charge_mAh_g: np.ndarray  # ∫I dt / m, signed (negative = net discharge), mA h g-1
    params: CellParameters
    stop_reasons: list[str]
    final_state: np.ndarray

    def table(self) -> dict[str, np.ndarray]:
        return {"time_s": self.time_s, "voltage_V": self.voltage_V, "current_mA": self.current_mA,
                "current_mA_g": self.current_mA_g, "step": self.step, "x_Li": self.x_Li, "x_Mg": self.x_Mg,
                "xs_Li": self.xs_Li, "xs_Mg": self.xs_Mg, "charge_mAh_g": self.charge_mAh_g}


# --------------------------------------------------------------------------------------------------------------
# The particle model
# --------------------------------------------------------------------------------------------------------------
@dataclass
class _Sol:
    t: np.ndarray
    y: np.ndarray
    sol: Any
    status: int
    message: str


#: |logit θ| of the surface beyond which an ion counts as saturated (full on discharge, empty on charge).
SATURATION_LOGIT = 30.0
#: |logit θ| of the surface beyond which an ion counts as exhausted in the direction of the current while the other
#: ion still carries current: its surface is then held (quasi-steady) and passes on the diffusive supply
#: (θ within e^-30 ≈ 1e-13 of empty/full: the neglected surface content is < 1e-13 ions per fu).
EXHAUSTED_LOGIT = SATURATION_LOGIT


def _integrate(rhs: Callable, voltage: Callable, y0: np.ndarray, T: float, cut: float | None, direction: int,
               rtol: float, atol: float, first_step: float | None, active: Sequence[int] = (-2, -1),
               rhs_for: Callable[[frozenset], Callable] | None = None) -> _Sol:
    """LSODA (banded finite-difference Jacobian: lower bandwidth 3, upper 2) from 0 to T, stopping where the
    voltage crosses ``cut`` in ``direction`` (−1 falling, +1 rising); the crossing is located by bisection on
    the step's interpolant (kept inside the step even if the interpolant does not bracket it exactly). Also stops
    (status 2) when the surface logits of all ``active`` state entries pass ±SATURATION_LOGIT in the direction of
    the current: the surface cannot take (give) more ions and V falls (rises) to the cutoff at once.

    With ``rhs_for(pinned)`` (pinned: the ``active`` entries whose surface is exhausted, EXHAUSTED_LOGIT) the
    right-hand side is chosen per segment: when an accepted step exhausts another ion, the integrator is restarted
    there with that ion pinned (an event, so LSODA never integrates across the switch of the right-hand side)."""
    from scipy.integrate import LSODA, OdeSolution

    def exhausted(y: np.ndarray) -> frozenset:
        return frozenset(j for j in active if direction and -direction * y[j] > EXHAUSTED_LOGIT)

    pinned = exhausted(np.asarray(y0, float)) if rhs_for is not None else frozenset()
    if rhs_for is not None:
        rhs = rhs_for(pinned)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        solver = LSODA(rhs, 0.0, y0, T, first_step=first_step, rtol=rtol, atol=atol, lband=3, uband=2)
        ts, ys, interps = [0.0], [np.asarray(y0, float).copy()], []
        status, message = 0, "duration reached"
        stuck = 0
        while True:
            msg = solver.step()
            if solver.status == "failed":
                return _Sol(np.array(ts), np.array(ys).T, None, -1, str(msg))
            t_new, y_new = solver.t, solver.y.copy()
            if direction and all(-direction * y_new[j] > SATURATION_LOGIT for j in active):
                # every active ion's surface is full (discharge) or empty (charge) to within e^-30: the voltage
                # collapses to the cutoff within a vanishing time and capacity; stop here
                if t_new <= ts[-1]:
                    ys[-1] = y_new
                    return _Sol(np.array(ts), np.array(ys).T, OdeSolution(np.array(ts), interps) if interps else None,
                                2, "surface saturated")
                interps.append(solver.dense_output())
                ts.append(t_new)
                ys.append(y_new)
                status, message = 2, "surface saturated"
                break
            if t_new <= ts[-1]:
                stuck += 1
                if solver.status == "finished":
                    break
                if stuck > 50:
                    return _Sol(np.array(ts), np.array(ys).T, None, -1, "time does not advance")
                continue
            stuck = 0
            d = solver.dense_output()
            if cut is not None and direction * (voltage(t_new, y_new) - cut) >= 0:
                lo, hi = ts[-1], t_new
                for _ in range(60):
                    mid = 0.5 * (lo + hi)
                    if direction * (voltage(mid, d(mid)) - cut) >= 0:
                        hi = mid
                    else:
                        lo = mid
                    if hi - lo <= 1e-9 * max(hi, 1.0):
                        break
                t_new, y_new = hi, d(hi)
                status, message = 1, "voltage cutoff"
            interps.append(d)
            ts.append(t_new)
            ys.append(y_new)
            if status == 1 or solver.status == "finished":
                break
            if rhs_for is not None and exhausted(y_new) - pinned:
                # another ion's surface is exhausted: restart from here with it pinned (quasi-steady surface)
                pinned = exhausted(y_new)
                solver = LSODA(rhs_for(pinned), t_new, y_new, T, rtol=rtol, atol=atol, lband=3, uband=2)
    return _Sol(np.array(ts), np.array(ys).T, OdeSolution(np.array(ts), interps), status, message)


class SingleParticleCell:
    """Method-of-lines model of one spherical particle.

    State y = [x_Mg,0, x_Li,0, x_Mg,1, x_Li,1, …, x_Mg,n−2, x_Li,n−2, p, q] (interleaved so that the Jacobian is
    banded: lower bandwidth 3, upper 2): interior shells as site fractions (linear Fick diffusion), the surface
    shell as logits p = logit(x_Mg/c_Mg), q = logit(x_Li/c_Li(x_Mg))
    (:class:`~dualion.model.cell_tables.SurfaceThermo`). The logits keep the surface composition inside its
    physical range and let the stiff integrator resolve the last 10⁻¹⁰ of an almost empty or almost full surface,
    where the voltage depends on ln θ; the conservation law is still written for x (finite volumes).
    """

    def __init__(self, params: CellParameters | None = None, equilibrium: EquilibriumSource | None = None):
        from dualion.model.cell_tables import SurfaceThermo

        self.p = params or CellParameters()
        self.eq = equilibrium if equilibrium is not None else default_equilibrium()
        if not (hasattr(self.eq, "chemical_potentials") and hasattr(self.eq, "uptake")):
            raise DualionUserError("equilibrium source needs chemical_potentials(x) and uptake(dmu)",
                                   field="equilibrium")
        p = self.p
        n = p.n_shells
        R = p.radius_um * 1e-4  # cm
        # shell thicknesses: geometric, centre/surface thickness ratio = surface_refinement
        q = p.surface_refinement ** (-1.0 / max(n - 1, 1))
        w = q ** np.arange(n)
        faces = np.concatenate([[0.0], np.cumsum(w)]) / w.sum() * R
        self.faces_cm = faces
        self.centres_cm = 0.5 * (faces[:-1] + faces[1:])
        self.vol_cm3 = 4.0 / 3.0 * np.pi * (faces[1:] ** 3 - faces[:-1] ** 3)
        self.vol_frac = self.vol_cm3 / self.vol_cm3.sum()
        # unit-D finite-volume Laplacian (zero flux at r = 0), acting on site fractions
        L = np.zeros((n, n))
        for k in range(1, n):
            g = 4.0 * np.pi * faces[k] ** 2 / (self.centres_cm[k] - self.centres_cm[k - 1])
            L[k - 1, k - 1] -= g / self.vol_cm3[k - 1]
            L[k - 1, k] += g / self.vol_cm3[k - 1]
            L[k, k] -= g / self.vol_cm3[k]
            L[k, k - 1] += g / self.vol_cm3[k]
        self.n = n
        self.L = L
        self._D = p.D_cm2_s()
        # surface source: dx_i/dt (outer shell) += (4πR²/V_out)·(−i_i M/(z_i F ρ)) for i_i in A cm-2
        self._src = {i: -4.0 * np.pi * R ** 2 / self.vol_cm3[-1] * p.molar_mass_g_mol
                     / (Z[i] * FARADAY_C_PER_MOL * p.density_g_cm3) for i in IONS}
        self._i0 = p.i0_A_cm2()
        self._a_li = p.li_activity
        self._V_guess: float | None = None
        self.surface = SurfaceThermo(self.eq, li_free=self._a_li is None)

    # -- state <-> composition -----------------------------------------------------------------------------------
    @staticmethod
    def _logit(theta: float) -> float:
        th = min(max(theta, 1e-300), 1.0 - 1e-15)
        return max(math.log(th) - math.log1p(-th), -300.0)

    def state_from_x(self, x_li: np.ndarray, x_mg: np.ndarray) -> np.ndarray:
        """Pack per-shell site fractions (n each) into the state vector."""
        m = self.n - 1
        sf = self.surface
        p_ = self._logit(float(x_mg[-1]) / sf.cap_mg)
        c_li = float(sf.cap_li(float(x_mg[-1])))
        q_ = self._logit(float(x_li[-1]) / c_li) if c_li > 0 else -690.0
        y = np.empty(2 * m + 2)
        y[0:2 * m:2] = np.asarray(x_mg[:m], float)
        y[1:2 * m:2] = np.asarray(x_li[:m], float)
        y[2 * m], y[2 * m + 1] = p_, q_
        return y

    def surface_x(self, p_: float, q_: float) -> tuple[float, float]:
        """(x_Li, x_Mg) of the surface shell from its logits."""
        sf = self.surface
        xm = sf.cap_mg * _expit(p_)
        return float(sf.cap_li(xm)) * _expit(q_), xm

    def x_profiles(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-shell (x_Li, x_Mg) from the state vector (works on (N,) or (N, T) arrays)."""
        m = self.n - 1
        sf = self.surface
        p_, q_ = y[2 * m], y[2 * m + 1]
        xm_s = sf.cap_mg * _expit_arr(p_)
        xl_s = sf.cap_li(xm_s) * _expit_arr(q_)
        xm = np.concatenate([y[0:2 * m:2], np.atleast_1d(xm_s)[None] if y.ndim > 1 else np.atleast_1d(xm_s)])
        xl = np.concatenate([y[1:2 * m:2], np.atleast_1d(xl_s)[None] if y.ndim > 1 else np.atleast_1d(xl_s)])
        return xl, xm

    def equilibrium_state(self, V_vs_Mg: float, theta_floor: float = 1e-6) -> np.ndarray:
        """Uniform particle at equilibrium with the electrolyte at electrode potential ``V_vs_Mg``.

        Each filling θ_i is floored at ``theta_floor`` (default 1e-6 of the ion's capacity, i.e. ≤ 3e-4 mA h g-1):
        the equilibrium at 2.3 V holds ~1e-23 Mg per fu, and starting a logit of −50 under load is a needlessly
        stiff transient. The Li of a Li-free electrolyte stays at 0."""
        x = equilibrium_uptake(self.eq, V_vs_Mg, self._a_li, self.p.delta_e_ref_V, self.p.T_K)
        xm = max(x["Mg"], theta_floor * self.surface.cap_mg)
        xl = 0.0 if self._a_li is None else max(x["Li"], theta_floor * float(self.surface.cap_li(xm)))
        return self.state_from_x(np.full(self.n, xl), np.full(self.n, xm))

    def mean_x(self, y: np.ndarray) -> tuple[float, float]:
        """Particle-average x_Li, x_Mg (volume-weighted)."""
        xl, xm = self.x_profiles(y)
        return float(self.vol_frac @ xl), float(self.vol_frac @ xm)

    # -- kinetics ------------------------------------------------------------------------------------------------
    def current_density_A_cm2(self, current_mA_g: float) -> float:
        """i = I_g/(specific area) = I_g·Rρ/3 (A cm-2) for a specific current I_g in mA g-1."""
        return current_mA_g * 1e-3 / self.p.specific_area_cm2_g

    def potentials_logit(self, p_: float, q_: float) -> dict[str, float]:
        """U_i (V vs Mg2+/Mg) at surface logits: U_Mg = −Δμ_Mg, U_Li = −Δμ_Li − ΔE_ref + (k_BT/e) ln a_Li."""
        mu_li, mu_mg = self.surface.mu(q_, p_)
        U = {"Mg": -mu_mg}
        U["Li"] = (-math.inf if self._a_li is None
                   else -mu_li - self.p.delta_e_ref_V + K_B_EV_PER_K * self.p.T_K * math.log(self._a_li))
        return U

    def exchange_currents_logit(self, p_: float, q_: float) -> dict[str, float]:
        """i0_i = j0_i·2√(θ_i(1−θ_i)) (A cm-2): j0_i is the value at half filling θ_i = 1/2; with U_i ∝ ln θ_i the
        cathodic rate of a Langmuir site stays finite as θ_i → 0 (∝ 1 − θ_i) and the anodic one ∝ θ_i."""
        th = {"Mg": p_, "Li": q_}
        return {i: self._i0[i] * 2.0 * math.sqrt(_expit(th[i]) * _expit(-th[i])) for i in IONS}

    def surface_currents_logit(self, p_: float, q_: float, i_A_cm2: float,
                               fixed_A_cm2: Mapping[str, float] | None = None) -> tuple[float, dict[str, float]]:
        """Electrode potential V (vs Mg) and partial current densities i_i (A cm-2) at the surface state.

        ``fixed_A_cm2`` gives ions whose partial current is imposed (an exhausted surface passing on exactly the
        diffusive supply, see :meth:`rhs_factory`); V is then solved from the other ions' Butler–Volmer currents
        carrying the rest of the applied current."""
        fixed = dict(fixed_A_cm2 or {})
        U = self.potentials_logit(p_, q_)
        i0 = self.exchange_currents_logit(p_, q_)
        free = [i for i in IONS if i not in fixed]
        V = solve_electrode_potential_V(i_A_cm2 - sum(fixed.values()), [U[i] for i in free], [i0[i] for i in free],
                                        [Z[i] for i in free], self.p.alpha, self.p.T_K, guess_V=self._V_guess)
        self._V_guess = V
        ii = {i: (fixed[i] if i in fixed else
                  butler_volmer_A_cm2(V - U[i], i0[i], Z[i], self.p.alpha, self.p.T_K)
                  if i0[i] > 0 and math.isfinite(U[i]) else 0.0) for i in IONS}
        return V, ii

    def cell_voltage_V(self, V_electrode: float, current_mA_g: float) -> float:
        """Reported voltage: working electrode vs Mg2+/Mg, minus the Mg counter overpotential if modelled."""
        if self.p.counter_i0_mA is None:
            return V_electrode
        I_mA = current_mA_g * self.p.mass_mg * 1e-3
        # counter: Mg plated on charge (I > 0) → its potential falls by (1/f)·asinh(I/(2 i0)) for z = 2, α = 1/2
        return V_electrode + math.asinh(I_mA / (2.0 * self.p.counter_i0_mA)) / thermal_f(self.p.T_K)

    def rhs_factory(self, current_mA_g: float, pinned: Sequence[str] | None = None) -> tuple[Callable, Callable]:
        """Right-hand side f(t, y) and reported voltage V(t, y) (V vs Mg) at a constant ``current_mA_g``.

        Exhausted surfaces: under current, an ion whose surface logit is beyond ±EXHAUSTED_LOGIT in the direction
        of the current (empty on charge, full on discharge) while another ion still carries current is held at
        its surface composition (dlogit/dt = 0) and passes on exactly the diffusive flux between the surface shell
        and the interior (quasi-steady surface: its partial current = the diffusive supply, so ∑V_k x_k stays
        exact). Without this the exhausted logit obeys dp/dt ≈ supply·e^(−p)/c − k_a(V) with k_a ∝ e^(αzf(V−U°)):
        an ultra-stiff, exponentially nonlinear mode (relaxation rates 1e8–1e20 s-1 as V rises) on which the
        stiff integrator's Newton corrector fails until the step size falls below the time resolution.

        ``pinned`` (ion names) fixes which ions are held for the right-hand side (the integrator switches it as an
        event, see :func:`_integrate`); None decides from the state (used for the reported voltage)."""
        n, m = self.n, self.n - 1
        i_app = self.current_density_A_cm2(current_mA_g)
        direction = 0 if current_mA_g == 0 else (-1 if current_mA_g < 0 else 1)
        A_mg, A_li = self._D["Mg"] * self.L, self._D["Li"] * self.L
        src_li, src_mg = self._src["Li"], self._src["Mg"]
        sf = self.surface
        cap_mg = sf.cap_mg
        xm_full = np.empty(n)
        li_off = self._a_li is None
        xl_full = np.empty(n)
        lim = EXHAUSTED_LOGIT

        def surface(y: np.ndarray) -> tuple[float, dict[str, float], np.ndarray, np.ndarray, float, float, float, float]:
            p_ = min(max(y[2 * m], -300.0), 300.0)
            q_ = min(max(y[2 * m + 1], -300.0), 300.0)
            sp, sq = _expit(p_), _expit(q_)
            xm_s = cap_mg * sp
            c_li = sf.cap_li(xm_s)
            xm_full[:m] = y[0:2 * m:2]
            xm_full[m] = xm_s
            xl_full[:m] = y[1:2 * m:2]
            xl_full[m] = c_li * sq
            Fm = A_mg @ xm_full
            Fl = A_li @ xl_full
            fixed: dict[str, float] = {}
            if direction:
                if pinned is None:
                    ex_mg = -direction * p_ > lim
                    ex_li = (not li_off) and c_li > 0 and -direction * q_ > lim
                else:
                    ex_mg, ex_li = "Mg" in pinned, (not li_off) and c_li > 0 and "Li" in pinned
                # only while another ion can still carry the current (all exhausted: the step ends, see _integrate)
                if ex_mg and not ex_li and not li_off:
                    fixed["Mg"] = -Fm[m] / src_mg
                elif ex_li and not ex_mg:
                    fixed["Li"] = -Fl[m] / src_li
            V, ii = self.surface_currents_logit(p_, q_, i_app, fixed)
            Fm[m] = 0.0 if "Mg" in fixed else Fm[m] + src_mg * ii["Mg"]
            Fl[m] = 0.0 if "Li" in fixed else Fl[m] + src_li * ii["Li"]
            return V, ii, Fm, Fl, p_, q_, sq, c_li

        def rhs(t: float, y: np.ndarray) -> np.ndarray:
            _, _, Fm, Fl, p_, q_, sq, c_li = surface(y)
            sp = _expit(p_)
            xm_s = cap_mg * sp
            dp = Fm[m] / (cap_mg * sp * _expit(-p_))
            if li_off or c_li <= 0:
                dq = 0.0   # Li-free electrolyte: the (empty) Li surface logit is frozen
            else:
                dq = (Fl[m] - sq * sf.dcap_li(xm_s) * Fm[m]) / (c_li * sq * _expit(-q_))
            out = np.empty(2 * m + 2)
            out[0:2 * m:2] = Fm[:m]
            out[1:2 * m:2] = Fl[:m]
            out[2 * m] = dp
            out[2 * m + 1] = dq
            return out

        def voltage(t: float, y: np.ndarray) -> float:
            return self.cell_voltage_V(surface(y)[0], current_mA_g)

        return rhs, voltage

    # -- protocol ------------------------------------------------------------------------------------------------
    def run(self, steps: Sequence[Step], y0: np.ndarray | None = None, record_dt_s: float | None = None,
            rtol: float = 1e-6, atol: float = 1e-9, max_steps: int | None = None) -> CellResult:
        """Simulate ``steps`` in order from state ``y0`` (default: equilibrium at the upper cutoff).

        A step ends at its duration or when the voltage crosses its cutoff (discharge: lower cutoff; charge: upper
        cutoff). With ``max_steps`` the protocol stops after that many executed steps. Records a uniform grid of
        ``record_dt_s`` (default: 1/300 of the time to pass 300 mA h g-1, at most 60 s), the step end and a
        log-spaced grid from 1 s (to resolve relaxation).
        """
        p = self.p
        if not steps:
            raise DualionUserError("empty protocol: give at least one step", field="protocol")
        for s in steps:
            if not math.isfinite(s.current_mA_g):
                raise DualionUserError(f"current must be finite, got {s.current_mA_g!r} mA g-1", field="--rate-mA-g")
            if s.current_mA_g == 0 and not math.isfinite(s.duration_s):
                raise DualionUserError("a rest step needs a finite duration", field="protocol")
            if not s.duration_s > 0:
                raise DualionUserError(f"step duration must be > 0 s, got {s.duration_s!r}", field="protocol")
            if s.cutoff_V is not None and not (V_WINDOW_V[0] - 1e-12 <= s.cutoff_V <= V_WINDOW_V[1] + 1e-12):
                raise DualionUserError(f"cutoff {s.cutoff_V} V is outside the window {V_WINDOW_V[0]}–{V_WINDOW_V[1]} V",
                                       field="--cutoff")
        y = (self.equilibrium_state(p.v_max_V) if y0 is None else np.asarray(y0, dtype=float)).copy()
        t0 = 0.0
        q = 0.0
        cols: dict[str, list[np.ndarray]] = {k: [] for k in ("t", "V", "I", "step", "xl", "xm", "sl", "sm", "q")}
        reasons: list[str] = []
        self._V_guess = None
        for k, s in enumerate(steps, start=1):
            if max_steps is not None and k > max_steps:
                break
            rhs, voltage = self.rhs_factory(s.current_mA_g)
            direction = 0 if s.current_mA_g == 0 else (-1 if s.current_mA_g < 0 else 1)
            cut = None
            if direction:
                cut = (p.v_min_V if direction < 0 else p.v_max_V) if s.cutoff_V is None else s.cutoff_V
                if direction * (voltage(0.0, y) - cut) >= 0:
                    reasons.append(f"step {k}: at cutoff {cut} V before start")
                    break
            T = s.duration_s
            if not math.isfinite(T):
                # longest possible: time to pass 2 electrons per formula unit at this current, ×3
                T = 3.0 * 3.6 * p.capacity_mAh_g(2.0) / abs(s.current_mA_g) * 1e3
            sol = None
            for rt, at, h0 in ((rtol, atol, None), (rtol, atol, 1e-8), (rtol * 1e-2, atol * 1e-3, 1e-8),
                               (rtol * 1e-2, atol * 1e-3, None)):
                sol = _integrate(rhs, voltage, y, T, cut, direction, rt, at, h0,
                                 active=(-2,) if self._a_li is None else (-2, -1),
                                 rhs_for=lambda pin, _I=s.current_mA_g: self.rhs_factory(
                                     _I, [{-2: "Mg", -1: "Li"}[j] for j in pin])[0])
                if sol.status >= 0:
                    break
            if sol is None or sol.status < 0:
                raise DualionUserError(
                    f"the cell model cannot be integrated in step {k} ({s.current_mA_g:g} mA g-1; solver: "
                    f"{sol.message if sol else 'no result'}) for rate {abs(s.current_mA_g):g} mA g-1 with "
                    f"D_Li={p.D_Li_cm2_s:g}, D_Mg={p.D_Mg_cm2_s:g} cm2 s-1, j0_Li={p.j0_Li_mA_cm2:g}, "
                    f"j0_Mg={p.j0_Mg_mA_cm2:g} mA cm-2, {p.n_shells} shells: lower the rate or raise D/j0",
                    field="--rate-mA-g")
            t_end = float(sol.t[-1])
            # nominal step length: 300 mA h g-1 at this current (rests: the duration)
            T_nom = T if s.current_mA_g == 0 else min(T, 3.6e3 * 300.0 / abs(s.current_mA_g))
            dt = record_dt_s if record_dt_s is not None else min(60.0, T_nom / 300.0)
            grid = np.concatenate([np.arange(0.0, t_end, dt),
                                   np.geomspace(1.0, max(t_end, 1.0), 30) if t_end > 1.0 else [], [t_end]])
            grid = np.unique(np.clip(grid, 0.0, t_end))
            Y = sol.sol(grid)
            Y[:, -1] = sol.y[:, -1]
            Vs = np.array([voltage(tt, Y[:, j]) for j, tt in enumerate(grid)])
            cols["t"].append(t0 + grid)
            cols["V"].append(Vs)
            cols["I"].append(np.full(grid.size, s.current_mA_g))
            cols["step"].append(np.full(grid.size, k))
            XL, XM = self.x_profiles(Y)
            cols["xl"].append(self.vol_frac @ XL)
            cols["xm"].append(self.vol_frac @ XM)
            cols["sl"].append(XL[-1])
            cols["sm"].append(XM[-1])
            cols["q"].append(q + s.current_mA_g * grid / 3600.0)
            q += s.current_mA_g * t_end / 3600.0
            t0 += t_end
            y = sol.y[:, -1].copy()
            if sol.status == 1:
                reasons.append(f"step {k}: voltage cutoff at {t_end:.1f} s")
            elif sol.status == 2:
                reasons.append(f"step {k}: voltage cutoff at {t_end:.1f} s (surface saturated)")
            else:
                reasons.append(f"step {k}: duration {t_end:.1f} s")
        cat = {k: np.concatenate(v) if v else np.zeros(0) for k, v in cols.items()}
        I = cat["I"]
        return CellResult(time_s=cat["t"], voltage_V=cat["V"], current_mA=I * p.mass_mg * 1e-3, current_mA_g=I,
                          step=cat["step"].astype(int), x_Li=cat["xl"], x_Mg=cat["xm"], xs_Li=cat["sl"],
                          xs_Mg=cat["sm"], charge_mAh_g=cat["q"], params=p, stop_reasons=reasons, final_state=y)


# --------------------------------------------------------------------------------------------------------------
# Experiments
# --------------------------------------------------------------------------------------------------------------
PAPER_RATES_MA_G: tuple[float, ...] = (20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)


def _check_rate(rate_mA_g: float) -> float:
    if not (isinstance(rate_mA_g, (int, float)) and math.isfinite(rate_mA_g) and rate_mA_g > 0):
        raise DualionUserError(f"rate must be a positive number of mA g-1 (magnitude; the sign is set by "
                               f"discharge/charge), got {rate_mA_g!r}", field="--rate-mA-g")
    return float(rate_mA_g)


def discharge(params: CellParameters | None = None, rate_mA_g: float = 20.0,
              equilibrium: EquilibriumSource | None = None, **kw: Any) -> CellResult:
    """One galvanostatic discharge at ``rate_mA_g`` (magnitude) from equilibrium at the upper cutoff to the lower."""
    rate = _check_rate(rate_mA_g)
    return SingleParticleCell(params, equilibrium).run([Step(-rate, label="discharge")], **kw)


def discharge_charge(params: CellParameters | None = None, rate_mA_g: float = 20.0,
                     equilibrium: EquilibriumSource | None = None, **kw: Any) -> CellResult:
    """Discharge to the lower cutoff, then charge to the upper cutoff, both at ``rate_mA_g`` (step 1, step 2)."""
    rate = _check_rate(rate_mA_g)
    return SingleParticleCell(params, equilibrium).run([Step(-rate, label="discharge"), Step(rate, label="charge")],
                                                       **kw)


@dataclass(frozen=True)
class RatePoint:
    """Summary of one discharge–charge at one rate (capacities positive, mA h g-1; x per formula unit)."""

    rate_mA_g: float
    discharge_capacity_mAh_g: float
    charge_capacity_mAh_g: float
    x_Li_discharged: float
    x_Mg_discharged: float
    mean_discharge_voltage_V: float
    licl_M: float


def summarize(res: CellResult) -> RatePoint:
    """Capacities and end-of-discharge composition of a discharge(–charge) result."""
    d = res.step == 1
    c = res.step == 2
    qd = float(-res.charge_mAh_g[d][-1]) if d.any() else float("nan")
    qc = float(res.charge_mAh_g[c][-1] - res.charge_mAh_g[c][0]) if c.any() else float("nan")
    td = res.time_s[d]
    vmean = float(np.trapezoid(res.voltage_V[d], td) / (td[-1] - td[0])) if d.sum() > 1 else float("nan")
    return RatePoint(rate_mA_g=float(abs(res.current_mA_g[0])), discharge_capacity_mAh_g=qd,
                     charge_capacity_mAh_g=qc, x_Li_discharged=float(res.x_Li[d][-1] - res.x_Li[0]),
                     x_Mg_discharged=float(res.x_Mg[d][-1] - res.x_Mg[0]), mean_discharge_voltage_V=vmean,
                     licl_M=res.params.licl_M)


def rate_capability(params: CellParameters | None = None, rates_mA_g: Sequence[float] = PAPER_RATES_MA_G,
                    equilibrium: EquilibriumSource | None = None,
                    progress: Callable[[float], None] | None = None) -> tuple[list[RatePoint], list[CellResult]]:
    """Discharge–charge at each rate (each from equilibrium at the upper cutoff); the paper's Fig. 2a rates."""
    rates = [_check_rate(r) for r in rates_mA_g]
    if not rates:
        raise DualionUserError("give at least one rate", field="--rate-mA-g")
    cell = SingleParticleCell(params, equilibrium)
    points, results = [], []
    for r in rates:
        res = cell.run([Step(-r, label="discharge"), Step(r, label="charge")])
        points.append(summarize(res))
        results.append(res)
        if progress is not None:
            progress(r)
    return points, results


def gitt_protocol(pulse_mA_g: float = 10.0, pulse_s: float = 3600.0, rest_s: float = 36000.0,
                  n_pulses: int = 60) -> list[Step]:
    """The paper's GITT (Experimental section): −10 mA g-1 for 1 h, rest 10 h, repeated (until 0.05 V)."""
    _check_rate(pulse_mA_g)
    if not (pulse_s > 0 and rest_s > 0 and math.isfinite(pulse_s) and math.isfinite(rest_s)):
        raise DualionUserError("GITT pulse and rest durations must be positive finite seconds", field="--pulse-s")
    if not (isinstance(n_pulses, int) and n_pulses >= 1):
        raise DualionUserError(f"n_pulses must be a positive integer, got {n_pulses!r}", field="--max-pulses")
    steps = []
    for _ in range(n_pulses):
        steps += [Step(-pulse_mA_g, pulse_s, label="pulse"), Step(0.0, rest_s, label="rest")]
    return steps


def simulate_gitt(params: CellParameters | None = None, equilibrium: EquilibriumSource | None = None,
                  pulse_mA_g: float = 10.0, pulse_s: float = 3600.0, rest_s: float = 36000.0,
                  max_pulses: int = 60, record_dt_s: float = 60.0) -> CellResult:
    """First-discharge GITT until the lower cutoff: pulses (step 2k−1) and rests (step 2k), as in the paper.

    The run stops after the pulse that reaches the lower cutoff and its rest (a real cycler relaxes the cell
    after the cutoff too), or after ``max_pulses`` pulses.
    """
    cell = SingleParticleCell(params, equilibrium)
    steps = gitt_protocol(pulse_mA_g, pulse_s, rest_s, max_pulses)
    res_parts: list[CellResult] = []
    y = None
    p = cell.p
    t_off, q_off, k_off = 0.0, 0.0, 0
    reasons: list[str] = []
    for k in range(0, len(steps), 2):
        part = cell.run(steps[k:k + 2], y0=y, record_dt_s=record_dt_s)
        if part.time_s.size == 0:
            break
        part.time_s = part.time_s + t_off
        part.charge_mAh_g = part.charge_mAh_g + q_off
        part.step = part.step + k_off
        res_parts.append(part)
        reasons += part.stop_reasons
        y = part.final_state
        t_off = float(part.time_s[-1])
        q_off = float(part.charge_mAh_g[-1])
        k_off = int(part.step[-1])
        if any("cutoff" in r for r in part.stop_reasons):
            break
    if not res_parts:
        raise DualionUserError("GITT did not start: the electrode is already at the lower cutoff", field="protocol")
    cat = {f: np.concatenate([getattr(r, f) for r in res_parts]) for f in
           ("time_s", "voltage_V", "current_mA", "current_mA_g", "step", "x_Li", "x_Mg", "xs_Li", "xs_Mg",
            "charge_mAh_g")}
    return CellResult(**cat, params=p, stop_reasons=reasons, final_state=y)


@dataclass(frozen=True)
class GittPoint:
    """One GITT pulse: closed-circuit voltage at the pulse end, relaxed voltage at the rest end (V vs Mg),
    overpotential η = V_relaxed − V_pulse_end (V), capacity passed so far (mA h g-1, positive) and composition."""

    pulse: int
    capacity_mAh_g: float
    V_pulse_end: float
    V_relaxed: float
    overpotential_V: float
    x_Li: float
    x_Mg: float


def gitt_points(res: CellResult) -> list[GittPoint]:
    """Per-pulse summary of :func:`simulate_gitt` output (pulses have current < 0, rests current 0)."""
    out = []
    steps = np.unique(res.step)
    pulse_no = 0
    for s in steps:
        m = res.step == s
        if res.current_mA_g[m][0] >= 0:
            continue
        pulse_no += 1
        rest = res.step == s + 1
        if not rest.any() or res.current_mA_g[rest][0] != 0:
            continue
        Vp = float(res.voltage_V[m][-1])
        Vr = float(res.voltage_V[rest][-1])
        out.append(GittPoint(pulse_no, float(-res.charge_mAh_g[rest][-1]), Vp, Vr, Vr - Vp,
                             float(res.x_Li[rest][-1]), float(res.x_Mg[rest][-1])))
    return out


def cycler_csv_text(res: CellResult, cycle: int = 1, extra_meta: Mapping[str, Any] | None = None) -> str:
    """The team's plain cycler CSV: ``# key=value`` header lines, then time_s,voltage_V,current_mA,step,cycle.

    Current sign: > 0 charge, < 0 discharge (mA, for the active mass ``mass_mg``); voltage vs Mg2+/Mg.
    """
    p = res.params
    meta = {"mass_mg": f"{p.mass_mg:g}", "reference": "Mg", "source": "dualion.model.cell (simulated)",
            "licl_M": f"{p.licl_M:g}", "radius_um": f"{p.radius_um:g}", "D_Li_cm2_s": f"{p.D_Li_cm2_s:g}",
            "D_Mg_cm2_s": f"{p.D_Mg_cm2_s:g}", "j0_Li_mA_cm2": f"{p.j0_Li_mA_cm2:g}",
            "j0_Mg_mA_cm2": f"{p.j0_Mg_mA_cm2:g}", "T_K": f"{p.T_K:g}"}
    meta.update({k: str(v) for k, v in (extra_meta or {}).items()})
    lines = [f"# {k}={v}" for k, v in meta.items()]
    lines.append("time_s,voltage_V,current_mA,step,cycle")
    # the first row of a step has the time of the previous step's last row; shift it by 1 ms so that time is
    # strictly increasing (as a cycler records the first point just after the current switches)
    last = -math.inf
    for t, V, I, s in zip(res.time_s, res.voltage_V, res.current_mA, res.step):
        t = max(float(t), last + 1e-3)
        last = t
        lines.append(f"{t:.3f},{V:.6f},{I:.6g},{int(s)},{cycle}")
    return "\n".join(lines) + "\n"


def write_cycler_csv(res: CellResult, path: str | Path, cycle: int = 1,
                     extra_meta: Mapping[str, Any] | None = None) -> Path:
    """Write :func:`cycler_csv_text` atomically to ``path``."""
    from dualion.io.atomic import atomic_write_text

    return atomic_write_text(path, cycler_csv_text(res, cycle, extra_meta))


def with_params(params: CellParameters | None = None, **changes: Any) -> CellParameters:
    """A copy of ``params`` (default parameters if None) with ``changes`` applied (validated)."""
    return replace(params or CellParameters(), **changes)
