"""Cell parameters, protocol steps and the simulated time series (units in the names)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dualion.errors import DualionUserError
from dualion.reference import DELTA_E_REF_DEFAULT_V, FARADAY_C_PER_MOL, T_DEFAULT_K


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
    activity_exponent: float = 1.0

    def __post_init__(self) -> None:
        validate_parameters(self)

    @classmethod
    def paper(cls, **changes) -> CellParameters:
        """The paper set (:mod:`dualion.model.paper_set`): fitted ΔE_ref and Li+ activity exponent, the paper's
        temperature; other fields as given (defaults otherwise)."""
        from dualion.model.paper_set import value

        kw = {"delta_e_ref_V": value("delta_e_ref_V"), "activity_exponent": value("activity_exponent"),
              "T_K": value("T_K")}
        kw.update(changes)
        return cls(**kw)

    @property
    def li_activity(self) -> float | None:
        """a_Li+ = (c/1 M)^ν (ν = ``activity_exponent``, 1 = ideal), or None for a Li-free electrolyte."""
        return None if self.licl_M == 0 else self.licl_M ** self.activity_exponent

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
    _positive("activity exponent", p.activity_exponent, "activity_exponent")
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
