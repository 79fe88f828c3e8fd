"""The targets file of ``dualion fit``: its schema (pydantic, strict, NaN-free) and loader.

Errors name the file and the field (``targets.<name>.V``, ``parameters.<name>.bounds``, ...).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dualion.errors import DualionUserError
from dualion.model.builders import PAPER_FORMULA
from dualion.reference import DELTA_E_REF_DEFAULT_V, T_DEFAULT_K


#: Kinetic constants of the galvanostatic cell that ``dualion fit`` can fit (log10 of D in cm2 s-1 and of
#: j0 in mA cm-2) → the :class:`dualion.cell.CellParameters` field each one sets.
KINETIC_PARAMETERS: dict[str, str] = {"log10_D_Li": "D_Li_cm2_s", "log10_D_Mg": "D_Mg_cm2_s",
                                      "log10_j0_Li": "j0_Li_mA_cm2", "log10_j0_Mg": "j0_Mg_mA_cm2",
                                      "log10_D_Li_electrolyte": "D_Li_electrolyte_cm2_s"}


# ---------------------------------------------------------------------------------------------- schema
class _Strict(BaseModel):
    # NaN/inf are never meaningful in a targets file (a NaN initial value used to crash the optimiser)
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ElectrolyteSpec(_Strict):
    volume_uL: float = Field(gt=0, description="electrolyte volume, µL")
    mass_mg: float = Field(gt=0, description="active-material mass, mg")
    mg_M: float = Field(0.2, ge=0, description="Mg2+ concentration, mol L-1 (bookkeeping)")


class ModelSpec(_Strict):
    formula: str = PAPER_FORMULA
    pair_fraction: float = Field(0.0, ge=0, le=1)
    split_anions: bool = False
    include_incomplete: bool = False
    T_K: float = Field(T_DEFAULT_K, gt=0)
    electron_statistics: Literal["availability", "fermi", "none"] = "availability"
    width_factor: float = Field(1.0, gt=0)
    delta_e_ref_V: float = DELTA_E_REF_DEFAULT_V
    offsets: dict[str, float] = Field(default_factory=dict)
    electrolyte: ElectrolyteSpec | None = None
    populations: Literal["binomial", "boltzmann"] = "binomial"
    T_freeze_K: float = Field(363.15, gt=0, description="freezing temperature of the anion environments, K")
    disorder: dict[str, float] = Field(default_factory=dict, description="{site or family: σ, eV per charge}")
    disorder_nodes: int | None = Field(None, ge=1, le=201)
    activity_exponent: float = Field(1.0, gt=0)
    J_LiLi_eV: float = Field(0.0, description="4b Li–Li pair energy of stoichiometric TiO2 (plateau targets), eV")
    coordination: int = Field(4, ge=1)
    approximation: Literal["bethe", "mean-field"] = "bethe"


class ParamSpec(_Strict):
    initial: float
    bounds: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _check(self) -> ParamSpec:
        if self.bounds is not None:
            lo, hi = self.bounds
            if not lo < hi:
                raise ValueError(f"bounds must be [low, high] with low < high, got {list(self.bounds)}")
            if not lo <= self.initial <= hi:
                raise ValueError(f"initial value {self.initial} is outside the bounds {list(self.bounds)}")
        return self


class TargetSpec(_Strict):
    kind: Literal["capacity", "uptake", "ratio", "dqdv_peak", "plateau_V", "rate_capacity", "rate_uptake"]
    licl_M: float = Field(ge=0, description="LiCl concentration, mol L-1 (0 = Li-free)")
    rate_mA_g: float | None = Field(None, gt=0, description="discharge rate of a rate_* target, mA g-1")
    value: float
    sigma: float = Field(gt=0)
    ion: str | None = None
    V: float | None = Field(None, description="voltage of the target, V vs Mg2+/Mg (default: the cutoff)")
    window_V: tuple[float, float] | None = None
    name: str | None = None
    relation: Literal["=", ">=", "<="] = Field("=", description="'>=' / '<=': a bound (no residual when satisfied)")

    @model_validator(mode="after")
    def _check(self) -> TargetSpec:
        if self.kind in ("uptake", "rate_uptake") and not self.ion:
            raise ValueError(f"an {self.kind} target needs 'ion' (e.g. Li)")
        if self.kind.startswith("rate_") and self.rate_mA_g is None:
            raise ValueError(f"a {self.kind} target needs 'rate_mA_g' (mA g-1)")
        if not self.kind.startswith("rate_") and self.rate_mA_g is not None:
            raise ValueError(f"'rate_mA_g' only applies to rate_capacity / rate_uptake targets, not {self.kind}")
        if self.window_V is not None and not self.window_V[0] < self.window_V[1]:
            raise ValueError("window_V must be [low, high] with low < high")
        return self

    def label(self) -> str:
        if self.name:
            return self.name
        what = {"capacity": "capacity (mA h g-1)", "uptake": f"x_{self.ion} (per fu)",
                "ratio": "x_Li/x_Mg", "dqdv_peak": "dQ/dV peak (V vs Mg)", "plateau_V": "TiO2 plateau (V vs Mg)",
                "rate_capacity": "capacity (mA h g-1)", "rate_uptake": f"x_{self.ion} (per fu)"}[self.kind]
        at = f" @ {self.rate_mA_g:g} mA g-1" if self.rate_mA_g is not None else ""
        return f"{what} @ {self.licl_M:g} M LiCl{at}"


class CellSpec(_Strict):
    """Fixed parameters of the galvanostatic cell used by rate_* targets (defaults: CellParameters)."""

    radius_um: float = Field(0.01, gt=0)
    D_Li_cm2_s: float = Field(1e-14, gt=0)
    D_Mg_cm2_s: float = Field(3e-17, gt=0)
    j0_Li_mA_cm2: float = Field(1e-4, gt=0)
    j0_Mg_mA_cm2: float = Field(2e-6, gt=0)
    n_shells: int = Field(20, ge=3, le=200)
    # Li+ transport in the electrolyte (dualion.cell.electrolyte); off by default
    electrolyte_transport: bool = False
    D_Li_electrolyte_cm2_s: float = Field(5e-6, gt=0)
    separator_um: float = Field(675.0, gt=0)
    separator_porosity: float = Field(0.9, gt=0, le=1)
    loading_mg_cm2: float = Field(1.6, gt=0, description="active loading, mg cm-2")
    n_electrolyte: int = Field(20, ge=1, le=400)


class TargetsFile(_Strict):
    name: str = "targets"
    source: str | None = None
    model: ModelSpec = Field(default_factory=ModelSpec)
    cutoff_V: float = 0.05
    V_max: float = 2.3
    n_voltages: int = Field(461, ge=50, le=20001)
    parameters: dict[str, ParamSpec]
    targets: list[TargetSpec] = Field(min_length=1)
    cell: CellSpec = Field(default_factory=CellSpec)

    @field_validator("parameters")
    @classmethod
    def _names(cls, v: dict[str, ParamSpec]) -> dict[str, ParamSpec]:
        if not v:
            raise ValueError("give at least one parameter to fit")
        for key in v:
            if key in ("delta_e_ref_V", "width_factor", "pair_fraction", "activity_exponent", "J_LiLi_eV",
                       *KINETIC_PARAMETERS) or key.startswith("offset:") or key.startswith("disorder:"):
                continue
            raise ValueError(f"unknown parameter {key!r} (delta_e_ref_V, width_factor, pair_fraction, "
                             f"activity_exponent, J_LiLi_eV, disorder:SITE, offset:SITE, offset:SITE:ION, "
                             f"{', '.join(KINETIC_PARAMETERS)})")
        return v

    @model_validator(mode="after")
    def _window(self) -> TargetsFile:
        if not self.cutoff_V < self.V_max:
            raise ValueError("cutoff_V must be below V_max")
        for name, (lo, hi) in _PHYSICAL_RANGE.items():
            ps = self.parameters.get(name)
            if ps is None:
                continue
            lo_ok = (lambda v: v > lo) if name == "width_factor" else (lambda v: v >= lo)
            vals = [ps.initial] + (list(ps.bounds) if ps.bounds is not None else [])
            if not all(lo_ok(v) and v <= hi for v in vals):
                rng = "> 0" if name == "width_factor" else f"in [{lo:g}, {hi:g}]"
                raise _FieldError(f"{name} initial value and bounds must be {rng}, got initial {ps.initial:g}"
                                  + (f", bounds {list(ps.bounds)}" if ps.bounds is not None else ""),
                                  f"parameters.{name}")
        for k, t in enumerate(self.targets):
            # the curves are computed on [cutoff_V, V_max]; a target voltage outside would be silently clamped
            if t.V is not None and not self.cutoff_V <= t.V <= self.V_max:
                raise _FieldError(f"V = {t.V:g} V is outside the computed window [{self.cutoff_V:g}, "
                                  f"{self.V_max:g}] V vs Mg2+/Mg (cutoff_V, V_max)", f"targets.{k}.V")
        return self


#: Physically allowed ranges of the non-offset parameters (also the default fit bounds).
_PHYSICAL_RANGE: dict[str, tuple[float, float]] = {"pair_fraction": (0.0, 1.0), "width_factor": (0.0, math.inf),
                                                   "log10_D_Li": (-24.0, -6.0), "log10_D_Mg": (-24.0, -6.0),
                                                   "log10_j0_Li": (-14.0, 2.0), "log10_j0_Mg": (-14.0, 2.0),
                                                   "log10_D_Li_electrolyte": (-9.0, -3.0),
                                                   "activity_exponent": (0.05, 10.0), "J_LiLi_eV": (-0.5, 0.5)}


class _FieldError(ValueError):
    """A validation error that names its own field (for checks across fields)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def _loc(err: dict[str, Any]) -> str:
    ctx_err = (err.get("ctx") or {}).get("error")
    if isinstance(ctx_err, _FieldError):
        return ctx_err.field
    return ".".join(str(p) for p in err.get("loc", ())) or "(top level)"


def load_targets(path: str | Path) -> TargetsFile:
    """Read and validate a targets YAML file (errors name the file and the field)."""
    from dualion.cliutil import read_yaml

    return targets_from_dict(read_yaml(path), str(Path(path)))


def targets_from_dict(doc: Any, source: str = "<targets>") -> TargetsFile:
    """Validate a parsed targets document."""
    if not isinstance(doc, Mapping):
        raise DualionUserError("expected a mapping at the top level of a targets file", file=source,
                               field="(top level)")
    try:
        return TargetsFile.model_validate(doc)
    except ValidationError as exc:
        e = exc.errors()[0]
        raise DualionUserError(e.get("msg", "invalid value").removeprefix("Value error, "), file=source,
                               field=_loc(e)) from None
