"""Cell parameters, protocol steps and the simulated time series (units in the names)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from dualion.cell.electrolyte import (BRUGGEMAN, D_LI_ELECTROLYTE_PRIOR_CM2_S, SEPARATOR_POROSITY,
                                      SEPARATOR_THICKNESS_UM, ElectrolyteGrid, effective_diffusivity_cm2_s)
from dualion.core import charge, paper
from dualion.core.electrolyte import Electrolyte
from dualion.core.host import Host
from dualion.core.records import Record, dataclass_from_dict, floats, register
from dualion.errors import DualionUserError


#: Ions of the cell and their formal charges z.
IONS: tuple[str, str] = ("Li", "Mg")
Z: dict[str, int] = {"Li": 1, "Mg": 2}

#: The paper's voltage window, V vs Mg2+/Mg (:data:`dualion.core.paper.V_WINDOW_V`).
V_WINDOW_V: tuple[float, float] = paper.V_WINDOW_V

_PAPER_HOST = Host.paper()
#: Molar mass of Ti0.78□0.22O1.12F0.40(OH)0.48 from its formula (71.0185 g mol-1; :class:`dualion.core.Host`).
MOLAR_MASS_PAPER_G_MOL: float = _PAPER_HOST.molar_mass_g_mol
#: Density of the same from the paper's pristine cell a = 3.7991 Å, c = 9.475 Å (4 fu per cell), 3.449 g cm-3:
#: ρ = 4 M / (N_A a² c) (:meth:`dualion.core.Host.density_from_lattice_g_cm3`).
DENSITY_PAPER_G_CM3: float = _PAPER_HOST.density_g_cm3


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
    delta_e_ref_V: float = paper.DELTA_E_REF_V
    T_K: float = paper.T_K
    molar_mass_g_mol: float = MOLAR_MASS_PAPER_G_MOL
    density_g_cm3: float = DENSITY_PAPER_G_CM3
    mass_mg: float = paper.ACTIVE_MASS_MG
    n_shells: int = 20
    surface_refinement: float = 5.0
    counter_i0_mA: float | None = None
    v_min_V: float = V_WINDOW_V[0]
    v_max_V: float = V_WINDOW_V[1]
    activity_exponent: float = 1.0
    # Li+ transport in the electrolyte (dualion.cell.electrolyte); off: the electrode sees the bulk LiCl
    electrolyte_transport: bool = False
    D_Li_electrolyte_cm2_s: float = D_LI_ELECTROLYTE_PRIOR_CM2_S
    separator_um: float = SEPARATOR_THICKNESS_UM
    separator_porosity: float = SEPARATOR_POROSITY
    loading_mg_cm2: float = paper.AREAL_LOADING_MG_CM2 * paper.ACTIVE_FRACTION
    n_electrolyte: int = 20

    def __post_init__(self) -> None:
        validate_parameters(self)

    @classmethod
    def paper(cls, **changes) -> CellParameters:
        """The paper set (:mod:`dualion.model.paper_set`): fitted ΔE_ref and Li+ activity exponent, the paper's
        temperature, the set's cell kinetics and Li+ transport in the electrolyte (``paper_set.cell_kwargs``);
        other fields as given (defaults otherwise)."""
        from dualion.model.paper_set import cell_kwargs, value

        kw = {"delta_e_ref_V": value("delta_e_ref_V"), "activity_exponent": value("activity_exponent"),
              "T_K": value("T_K"), **cell_kwargs()}
        kw.update(changes)
        return cls(**kw)

    @property
    def electrolyte(self) -> Electrolyte:
        """The electrolyte: ``licl_M`` (0 = Li-free), ΔE_ref, T and the apparent Li+ activity exponent ν
        (a = (c/1 M)^ν; :class:`dualion.core.Electrolyte`)."""
        return Electrolyte.licl(self.licl_M, delta_e_ref_V=self.delta_e_ref_V, T_K=self.T_K,
                                activity_exponent=self.activity_exponent)

    @property
    def specific_area_cm2_g(self) -> float:
        """Particle surface area per gram of active material, 3/(Rρ) (cm² g-1)."""
        return 3.0 / (self.radius_um * 1e-4 * self.density_g_cm3)

    def i0_A_cm2(self) -> dict[str, float]:
        """Exchange current densities in A cm-2 (0 for Li in a Li-free electrolyte)."""
        return {"Li": 0.0 if self.licl_M == 0 else self.j0_Li_mA_cm2 * 1e-3, "Mg": self.j0_Mg_mA_cm2 * 1e-3}

    @property
    def transport_on(self) -> bool:
        """Li+ transport in the electrolyte is modelled (switched on and a Li-containing electrolyte)."""
        return bool(self.electrolyte_transport) and self.licl_M > 0

    def electrolyte_grid(self) -> ElectrolyteGrid | None:
        """The finite-volume Li+ block (:mod:`dualion.cell.electrolyte`), None when transport is off."""
        if not self.transport_on:
            return None
        eps = self.separator_porosity
        return ElectrolyteGrid(L_cm=self.separator_um * 1e-4, n=self.n_electrolyte,
                               D_eff_cm2_s=effective_diffusivity_cm2_s(self.D_Li_electrolyte_cm2_s, eps, BRUGGEMAN),
                               porosity=eps, c_bulk_M=self.licl_M)

    def D_cm2_s(self) -> dict[str, float]:
        return {"Li": self.D_Li_cm2_s, "Mg": self.D_Mg_cm2_s}

    def capacity_mAh_g(self, electrons_per_fu: float) -> float:
        """Q = F·n_e/(3.6·M), mA h g-1, for n_e electrons per formula unit (:mod:`dualion.core.charge`)."""
        return charge.capacity_mAh_g(electrons_per_fu, self.molar_mass_g_mol)

    def charge_density_C_cm3(self) -> float:
        """F ρ / M = 3.6 ρ Q(1 e-): coulombs per cm³ of host per transferred electron per formula unit."""
        return 3.6 * self.capacity_mAh_g(1.0) * self.density_g_cm3


def _positive(name: str, value: float, opt: str) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise DualionUserError(f"{name} must be a positive finite number, got {value!r}", field=opt)


def validate_parameters(p: CellParameters) -> None:
    """Raise :class:`DualionUserError` (one line, naming the option) for any unusable parameter."""
    _positive("particle radius (µm)", p.radius_um, "radius_um")
    _positive("D_Li (cm2 s-1)", p.D_Li_cm2_s, "D_Li_cm2_s")
    _positive("D_Mg (cm2 s-1)", p.D_Mg_cm2_s, "D_Mg_cm2_s")
    _positive("j0_Li (mA cm-2)", p.j0_Li_mA_cm2, "j0_Li_mA_cm2")
    _positive("j0_Mg (mA cm-2)", p.j0_Mg_mA_cm2, "j0_Mg_mA_cm2")
    _positive("active mass (mg)", p.mass_mg, "mass_mg")
    _positive("molar mass (g mol-1)", p.molar_mass_g_mol, "molar_mass_g_mol")
    _positive("density (g cm-3)", p.density_g_cm3, "density_g_cm3")
    _positive("temperature (K)", p.T_K, "T_K")
    if not (0.0 < p.alpha < 1.0):
        raise DualionUserError(f"transfer coefficient alpha must be in (0, 1), got {p.alpha!r}", field="alpha")
    _positive("activity exponent", p.activity_exponent, "activity_exponent")
    if not isinstance(p.electrolyte_transport, bool):
        raise DualionUserError(f"electrolyte_transport must be true or false, got {p.electrolyte_transport!r}",
                               field="electrolyte_transport")
    _positive("D(Li+) in the electrolyte (cm2 s-1)", p.D_Li_electrolyte_cm2_s, "D_Li_electrolyte_cm2_s")
    _positive("separator thickness (µm)", p.separator_um, "separator_um")
    _positive("active loading (mg cm-2)", p.loading_mg_cm2, "loading_mg_cm2")
    if not (isinstance(p.separator_porosity, (int, float)) and 0.0 < p.separator_porosity <= 1.0):
        raise DualionUserError(f"separator porosity must be in (0, 1], got {p.separator_porosity!r}",
                               field="separator_porosity")
    if not (isinstance(p.n_electrolyte, int) and 1 <= p.n_electrolyte <= 400):
        raise DualionUserError(f"n_electrolyte must be an integer in 1..400, got {p.n_electrolyte!r}",
                               field="n_electrolyte")
    if not (math.isfinite(p.licl_M) and p.licl_M >= 0):
        raise DualionUserError(f"LiCl concentration must be >= 0 M (0 = Li-free), got {p.licl_M!r}", field="licl_M")
    if not (isinstance(p.n_shells, int) and 3 <= p.n_shells <= 400):
        raise DualionUserError(f"n_shells must be an integer in 3..400, got {p.n_shells!r}", field="n_shells")
    if not (math.isfinite(p.surface_refinement) and 1.0 <= p.surface_refinement <= 100.0):
        raise DualionUserError(f"surface_refinement must be in [1, 100], got {p.surface_refinement!r}",
                               field="surface_refinement")
    if p.counter_i0_mA is not None:
        _positive("counter-electrode exchange current (mA)", p.counter_i0_mA, "counter_i0_mA")
    lo, hi = V_WINDOW_V
    for name, attr, v in (("lower cutoff", "v_min_V", p.v_min_V), ("upper cutoff", "v_max_V", p.v_max_V)):
        if not (math.isfinite(v) and lo - 1e-12 <= v <= hi + 1e-12):
            raise DualionUserError(f"{name} {v!r} V is outside the window {lo}–{hi} V vs Mg2+/Mg", field=attr)
    if not p.v_min_V < p.v_max_V:
        raise DualionUserError(f"lower cutoff {p.v_min_V} V must be below upper cutoff {p.v_max_V} V", field="v_min_V")


@dataclass(frozen=True)
class Step:
    """One protocol step: constant current (mA g-1; < 0 discharge, > 0 charge, 0 = rest) for up to ``duration_s``
    or until the voltage cutoff in the direction of the current (V vs Mg2+/Mg; defaults: the parameters')."""

    current_mA_g: float
    duration_s: float = math.inf
    cutoff_V: float | None = None
    label: str = ""


@register("cell.run")
@dataclass(eq=False)
class CellResult(Record):
    """Time series of a simulated protocol (one row per recorded time). Units in the names. A record
    (``dualion.load``); :func:`dualion.cell.cycler_data` gives its :class:`~dualion.core.CyclerData`."""

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
    c_Li_electrode_M: np.ndarray | None = None  # Li+ in the electrolyte at the electrode, M (bulk: no transport)

    _ARRAYS = ("time_s", "voltage_V", "current_mA", "current_mA_g", "step", "x_Li", "x_Mg", "xs_Li", "xs_Mg",
               "charge_mAh_g")

    def to_dict(self) -> dict[str, Any]:
        extra = {} if self.c_Li_electrode_M is None else {"c_Li_electrode_M": self.c_Li_electrode_M}
        return {**{k: getattr(self, k) for k in self._ARRAYS}, **extra, "params": dataclasses.asdict(self.params),
                "stop_reasons": list(self.stop_reasons), "final_state": self.final_state}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CellResult:
        arrays = {k: floats(d[k]) for k in cls._ARRAYS}
        arrays["step"] = arrays["step"].astype(int)
        ce = floats(d["c_Li_electrode_M"]) if d.get("c_Li_electrode_M") is not None else None
        return cls(**arrays, params=dataclass_from_dict(CellParameters, d["params"]),
                   stop_reasons=list(d["stop_reasons"]), final_state=floats(d["final_state"]), c_Li_electrode_M=ce)

    def table(self) -> dict[str, np.ndarray]:
        return {"time_s": self.time_s, "voltage_V": self.voltage_V, "current_mA": self.current_mA,
                "current_mA_g": self.current_mA_g, "step": self.step, "x_Li": self.x_Li, "x_Mg": self.x_Mg,
                "xs_Li": self.xs_Li, "xs_Mg": self.xs_Mg, "charge_mAh_g": self.charge_mAh_g}
