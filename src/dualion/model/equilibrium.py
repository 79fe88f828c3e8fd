r"""Finite-temperature equilibrium model of dual-ion (e.g. Li+/Mg2+) insertion on independent sites.

Physics (all energies in eV; chemical potentials relative to the metals)
------------------------------------------------------------------------
A host has site *types* ``s`` with :math:`N_s` sites per formula unit (fu). Every site is in one of
its *states* ``k`` (empty, one Li, one Mg, or for a vacancy pair Li+Li, Mg+Mg, Li+Mg, ...), each
with ion counts :math:`n_{k,i}`, total insertion energy :math:`\Delta E_k` (relative to the empty
site and the metals, eV) and multiplicity :math:`m_k`. With per-charge chemical potentials
:math:`\Delta\mu_i` (the thermodynamics core's default; ``per="atom"`` inputs are divided by
:math:`z_i`), the grand potential of a state is the core's formula

.. math:: \Omega_k = \Delta E_k + o_s\,n_{e,k} + \sum_i o_{s,i}\,n_{k,i} z_i - \sum_i n_{k,i} z_i \Delta\mu_i,
          \qquad n_{e,k} = \sum_i n_{k,i} z_i

(:math:`o_s`, :math:`o_{s,i}`: optional fitted offsets, eV per transferred charge). Occupancies are
Boltzmann/Langmuir within each site (sites are independent):

.. math:: P_{s,k} = \frac{m_k\,e^{-(\Omega_k + \eta\,n_{e,k})/(\omega k_BT)}}{\sum_{k'} m_{k'}\,e^{-(\Omega_{k'} + \eta\,n_{e,k'})/(\omega k_BT)}}

(:math:`\omega` = 1 by default: an optional, temperature-independent MSMR-style width factor).
The electrons go to a shared Ti4+/Ti3+ reservoir of :math:`N_\mathrm{redox}` levels per fu. The
electron chemical-potential shift :math:`\eta \ge 0` (eV) enforces the limit through one monotone
equation

.. math:: \sum_s N_s \sum_k P_{s,k}\,n_{e,k} = N_\mathrm{redox}\,f(\eta)

with, by default (``electron_statistics="availability"``), :math:`f(\eta) = 1 - e^{-\eta/k_BT}`,
i.e. :math:`\eta = -k_BT\ln(1-\theta_e)` with :math:`\theta_e` the fraction of Ti reduced: every
transferred electron needs a Ti4+ that is still available. This leaves the dilute (DFT) limit
unchanged (:math:`\eta\to0`), makes the electron count approach but never exceed
:math:`N_\mathrm{redox}`, and couples Li and Mg even when they sit on different sites. The
alternative ``"fermi"`` treats the Ti3+ polarons as a lattice gas with their own configurational
entropy, :math:`f(\eta) = 1/(1+e^{-\eta/k_BT})` (η of either sign; the dilute limit then carries an
extra :math:`k_BT\ln\theta_e` per electron), and ``"none"`` switches the limit off (η = 0).

Electrochemistry: the cell voltage V vs Mg2+/Mg and the Li+ activity map to
:math:`\Delta\mu_\mathrm{Mg} = -V`, :math:`\Delta\mu_\mathrm{Li} = -(V + \Delta E_\mathrm{ref} - (k_BT/e)\ln a_\mathrm{Li^+})`
(per charge; :meth:`dualion.core.Electrolyte.delta_mu`). A Li-free electrolyte (``li_free``; ``li_activity=0``)
removes every Li-containing state (:math:`\Delta\mu_\mathrm{Li}=-\infty`).
Capacity (mA h g-1): :math:`Q = F\sum_i z_i x_i / (3.6\,M)` with M in g mol-1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NamedTuple

import numpy as np

from dualion.core import charge
from dualion.errors import DualionUserError
from dualion.ions import formal_charge
from dualion.model.curve import EquilibriumCurve, Uptake, capacity_mAh_g, dqdv_peaks
from dualion.model.solver import ReservoirSolver
from dualion.core.constants import DELTA_E_REF_DEFAULT_V, K_B_EV_PER_K, T_DEFAULT_K
from dualion.core.conventions import Per
from dualion.core.electrolyte import Electrolyte
from dualion.core.records import Record, floats, num, register

ElectronStatistics = Literal["availability", "fermi", "none"]

__all__ = ["SiteState", "SiteType", "Uptake", "EquilibriumModel", "EquilibriumCurve", "FiniteElectrolyte",
           "capacity_mAh_g", "dqdv_peaks"]


class SiteState(NamedTuple):
    """One state of a site: ``counts`` ions ({ion: n}), total insertion energy ``dE_eV`` (eV, relative
    to the empty site and the metals; not per ion, not per charge) and ``multiplicity``."""

    label: str
    counts: Mapping[str, int]
    dE_eV: float
    multiplicity: float = 1.0


@dataclass(frozen=True)
class SiteType:
    """A type of insertion site with ``sites_per_fu`` sites per formula unit.

    ``states`` are :class:`SiteState` (or plain ``(label, counts, dE_eV, multiplicity)`` tuples); the
    empty state (no ions, ΔE = 0, multiplicity 1) is added when missing. An independent site has the
    states empty + one ion of each kind; a vacancy *pair* is one combined site whose states are the
    pair configurations (empty, Li, Mg, Li+Li, Mg+Mg, Li+Mg with multiplicities).

    ``offset_eV`` (eV per transferred charge) is added to every occupied state,
    :math:`\\Delta E_k \\to \\Delta E_k + o\\,n_{e,k}`, and ``ion_offsets_eV`` ({ion: eV per charge of that
    ion}) the same per ion kind; both are the knobs :mod:`dualion.model.fit` adjusts.
    """

    name: str
    sites_per_fu: float
    states: tuple[SiteState, ...]
    offset_eV: float = 0.0
    ion_offsets_eV: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name:
            raise DualionUserError("a site type needs a name", field="site_types.name")
        if not (math.isfinite(self.sites_per_fu) and self.sites_per_fu >= 0):
            raise DualionUserError(f"sites_per_fu must be a finite number >= 0, got {self.sites_per_fu!r}",
                                   field=f"{self.name}.sites_per_fu")
        states: list[SiteState] = []
        for st in self.states:
            st = st if isinstance(st, SiteState) else SiteState(*st)
            counts = {str(i): int(n) for i, n in dict(st.counts).items() if int(n) != 0}
            if any(n < 0 for n in counts.values()):
                raise DualionUserError(f"negative ion count in state {st.label!r}", field=f"{self.name}.states")
            if not math.isfinite(float(st.dE_eV)):
                raise DualionUserError(f"state {st.label!r} has a non-finite energy", field=f"{self.name}.states")
            if not (float(st.multiplicity) > 0):
                raise DualionUserError(f"state {st.label!r} needs a multiplicity > 0",
                                       field=f"{self.name}.states")
            states.append(SiteState(str(st.label), counts, float(st.dE_eV), float(st.multiplicity)))
        keys = [tuple(sorted(s.counts.items())) for s in states]
        if () not in keys:
            states.insert(0, SiteState("empty", {}, 0.0, 1.0))
        labels = [s.label for s in states]
        if len(set(labels)) != len(labels):
            raise DualionUserError(f"duplicate state labels {labels}", field=f"{self.name}.states")
        object.__setattr__(self, "states", tuple(states))
        object.__setattr__(self, "ion_offsets_eV", {str(k): float(v) for k, v in dict(self.ion_offsets_eV).items()})
        object.__setattr__(self, "offset_eV", float(self.offset_eV))
        object.__setattr__(self, "sites_per_fu", float(self.sites_per_fu))

    @property
    def ions(self) -> tuple[str, ...]:
        out: list[str] = []
        for st in self.states:
            for ion in st.counts:
                if ion not in out:
                    out.append(ion)
        return tuple(out)

    def with_offsets(self, offset_eV: float | None = None, ion_offsets_eV: Mapping[str, float] | None = None,
                     sites_per_fu: float | None = None) -> SiteType:
        """A copy with new offsets (eV per charge) and/or site count."""
        return replace(self, offset_eV=self.offset_eV if offset_eV is None else offset_eV,
                       ion_offsets_eV=self.ion_offsets_eV if ion_offsets_eV is None else dict(ion_offsets_eV),
                       sites_per_fu=self.sites_per_fu if sites_per_fu is None else sites_per_fu)

    def without_ions(self, ions: Iterable[str]) -> SiteType:
        """A copy without the states that contain any of ``ions`` (e.g. Li-free electrolyte)."""
        drop = set(ions)
        return replace(self, states=tuple(s for s in self.states if not drop & set(s.counts)))


@dataclass(frozen=True)
class FiniteElectrolyte:
    """A finite electrolyte reservoir: Li inserted into the electrode is taken out of it.

    ``volume_uL`` (µL; the paper's Swagelok cells hold 400 µL), ``licl_M`` (initial LiCl, mol L-1),
    ``mg_M`` (Mg2+ of the APC salt, mol L-1; bookkeeping only: Δμ_Mg = −V vs Mg2+/Mg in the same
    electrolyte does not depend on it), ``mass_mg`` (active material, mg).
    The Li+ activity follows :math:`a = c/c^\\circ`, :math:`c = c_0 - x_\\mathrm{Li} m/(M V)`.
    """

    volume_uL: float
    licl_M: float
    mass_mg: float
    mg_M: float = 0.2

    def __post_init__(self) -> None:
        for name in ("volume_uL", "mass_mg"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise DualionUserError(f"{name} must be a positive finite number, got {v!r}", field=name)
        for name in ("licl_M", "mg_M"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise DualionUserError(f"{name} must be a finite number >= 0 (mol L-1), got {v!r}", field=name)

    def li_per_fu_available(self, molar_mass_g_mol: float) -> float:
        """Li+ in the electrolyte per formula unit of active material at the start."""
        return self.licl_M * self.volume_uL * 1e-6 / (self.mass_mg * 1e-3 / molar_mass_g_mol)


def _interaction_from_dict(d: Mapping[str, Any] | None) -> Any:
    if not d:
        return None
    from dualion.model.interactions import LatticeInteraction

    return LatticeInteraction(**dict(d))


@register("model.equilibrium_model")
class EquilibriumModel(Record):
    """Independent-site Li/Mg (any ions) insertion model with a shared electron (redox) reservoir.

    A record: :meth:`to_dict` is :meth:`describe`, :meth:`from_dict` builds the same model back (equality and
    hashing stay by identity — models carry solver caches; compare with :func:`dualion.core.records.records_equal`).

    Parameters
    ----------
    site_types:
        :class:`SiteType` objects (their ``sites_per_fu`` are per formula unit).
    n_redox_per_fu:
        Electron limit per fu (N_Ti for Ti4+/Ti3+); ``None`` or ``inf`` for no limit.
    charges:
        {ion: z}; defaults to the formal charges (Li 1, Mg 2, ...).
    T_K:
        Temperature (K).
    molar_mass_g_mol:
        Molar mass of the formula unit (g mol-1), for capacities; ``None`` leaves Q undefined (NaN).
    electron_statistics:
        ``"availability"`` (default), ``"fermi"`` or ``"none"``; see the module docstring.
    width_factor:
        ω, multiplies k_BT in the site occupancies (1 = ideal; >1 broadens, phenomenological disorder).
    disorder, disorder_nodes:
        {site type or family: σ (eV per transferred charge)}: Gaussian site-energy disorder integrated by
        quadrature (``disorder_nodes``: Gauss–Hermite order; None: automatic, accurate to ~1e-5) (:mod:`dualion.model.disorder`); σ = 0 / absent: none.
    interaction:
        A :class:`~dualion.model.interactions.LatticeInteraction` (nearest-neighbour ion–ion interaction on one site
        type, solved self-consistently with the two-phase construction), or None.
    """

    def __init__(self, site_types: Sequence[SiteType], n_redox_per_fu: float | None = None,
                 charges: Mapping[str, int] | None = None, T_K: float = T_DEFAULT_K,
                 molar_mass_g_mol: float | None = None, electron_statistics: ElectronStatistics = "availability",
                 width_factor: float = 1.0, name: str = "", disorder: Mapping[str, float] | None = None,
                 disorder_nodes: int | None = None, interaction: Any = None) -> None:
        self.site_types = tuple(site_types)
        self.disorder = {str(k): float(v) for k, v in dict(disorder or {}).items()}
        self.disorder_nodes = None if disorder_nodes is None else int(disorder_nodes)
        self.interaction = interaction
        if not self.site_types:
            raise DualionUserError("an equilibrium model needs at least one site type", field="site_types")
        names = [s.name for s in self.site_types]
        if len(set(names)) != len(names):
            raise DualionUserError(f"duplicate site-type names {names}", field="site_types")
        if not (math.isfinite(T_K) and T_K > 0):
            raise DualionUserError(f"temperature must be > 0 K, got {T_K!r}", field="T_K")
        if electron_statistics not in ("availability", "fermi", "none"):
            raise DualionUserError(f"electron_statistics must be availability, fermi or none, got "
                                   f"{electron_statistics!r}", field="electron_statistics")
        if not (math.isfinite(width_factor) and width_factor > 0):
            raise DualionUserError(f"width_factor must be > 0, got {width_factor!r}", field="width_factor")
        self.name = name
        self.T_K = float(T_K)
        self.width_factor = float(width_factor)
        self.molar_mass_g_mol = None if molar_mass_g_mol is None else float(molar_mass_g_mol)
        limit = None if n_redox_per_fu is None or not math.isfinite(n_redox_per_fu) else float(n_redox_per_fu)
        if limit is not None and limit <= 0:
            raise DualionUserError(f"n_redox_per_fu must be > 0, got {n_redox_per_fu!r}", field="n_redox_per_fu")
        self.electron_statistics: ElectronStatistics = "none" if limit is None else electron_statistics
        self.n_redox_per_fu = limit
        ions: list[str] = []
        for s in self.site_types:
            for ion in s.ions:
                if ion not in ions:
                    ions.append(ion)
        self.ions = tuple(ions)
        ch = dict(charges or {})
        self.charges = {ion: int(ch[ion]) if ion in ch else formal_charge(ion) for ion in self.ions}
        self._build()

    # ------------------------------------------------------------------ construction helpers
    def _build(self) -> None:
        """Compile the states into the solver's arrays (:class:`~dualion.model.solver.ReservoirSolver`)."""
        from dualion.model.disorder import resolve_widths

        widths = resolve_widths(self.site_types, self.disorder, self.disorder_nodes)
        self._solver = ReservoirSolver(self.site_types, self.ions, self.charges, self.n_redox_per_fu,
                                       self.electron_statistics, self.T_K, self.width_factor, widths)
        self._counts, self._z, self._N = self._solver._counts, self._solver._z, self._solver._N
        self._interacting = None
        if self.interaction is not None and self.interaction.J_eV != 0:
            from dualion.model.selfconsistent import InteractingSites

            if self.interaction.site not in [s.name for s in self.site_types] or self.interaction.ion not in self.ions:
                raise DualionUserError(f"interaction on unknown site type {self.interaction.site!r} or ion "
                                       f"{self.interaction.ion!r}", field="interaction")
            self._interacting = InteractingSites(self._solver, self.interaction, [s.name for s in self.site_types])


    def replace(self, **changes: Any) -> EquilibriumModel:
        """A copy with some constructor arguments changed (``site_types``, ``T_K``, ...)."""
        kw = dict(site_types=self.site_types, n_redox_per_fu=self.n_redox_per_fu, charges=self.charges,
                  T_K=self.T_K, molar_mass_g_mol=self.molar_mass_g_mol,
                  electron_statistics=self.electron_statistics if self.n_redox_per_fu is not None else "availability",
                  width_factor=self.width_factor, name=self.name, disorder=self.disorder,
                  disorder_nodes=self.disorder_nodes, interaction=self.interaction)
        kw.update(changes)
        return EquilibriumModel(**kw)

    def with_offsets(self, offsets: Mapping[str, float]) -> EquilibriumModel:
        """Copy with offsets (eV per charge): keys ``"site"`` (all ions) or ``"site:ion"``; ``site`` also
        names a family, e.g. ``vacancy`` sets every ``vacancy[...]`` anion-environment site type."""
        new = {s.name: s for s in self.site_types}
        for key, val in offsets.items():
            site, _, ion = key.partition(":")
            hits = [n for n in new if n == site or n.startswith(site + "[")]
            if not hits:
                raise DualionUserError(f"unknown site type {site!r} (known: {', '.join(new)})", field=key)
            for n in hits:
                st = new[n]
                if ion:
                    st = st.with_offsets(ion_offsets_eV={**st.ion_offsets_eV, ion: float(val)})
                else:
                    st = st.with_offsets(offset_eV=float(val))
                new[n] = st
        return self.replace(site_types=[new[s.name] for s in self.site_types])

    def without_ions(self, ions: Iterable[str]) -> EquilibriumModel:
        """Copy with every state holding any of ``ions`` removed (e.g. a Li-free electrolyte)."""
        return self.replace(site_types=[s.without_ions(ions) for s in self.site_types])

    @property
    def kT(self) -> float:
        """k_B T in eV."""
        return K_B_EV_PER_K * self.T_K

    @property
    def ion_capacity_per_fu(self) -> dict[str, float]:
        """Most ions of each kind the sites can hold, per fu: Σ_s N_s max_k n_{k,i} (no electron limit)."""
        return {ion: float(sum(s.sites_per_fu * max(st.counts.get(ion, 0) for st in s.states)
                               for s in self.site_types)) for ion in self.ions}

    @property
    def max_capacity_mAh_g(self) -> float:
        """F N_redox / (3.6 M): the redox-limited capacity (mA h g-1); NaN without limit or mass."""
        if self.n_redox_per_fu is None or self.molar_mass_g_mol is None:
            return float("nan")
        return charge.capacity_mAh_g(self.n_redox_per_fu, self.molar_mass_g_mol)

    def describe(self) -> dict[str, Any]:
        """Plain-data description of the model (for JSON outputs)."""
        return {
            "name": self.name, "ions": list(self.ions), "charges": dict(self.charges), "T_K": self.T_K,
            "n_redox_per_fu": self.n_redox_per_fu, "electron_statistics": self.electron_statistics,
            "molar_mass_g_mol": self.molar_mass_g_mol, "width_factor": self.width_factor,
            "disorder_eV": dict(self.disorder), "disorder_nodes": self.disorder_nodes,
            "interaction": None if self.interaction is None else self.interaction.describe(),
            "energy_convention": "dE_eV: total insertion energy of the state vs empty site + metals (eV); "
                                 "offsets in eV per transferred charge",
            "site_types": [{"name": s.name, "sites_per_fu": s.sites_per_fu, "offset_eV": s.offset_eV,
                            "ion_offsets_eV": dict(s.ion_offsets_eV),
                            "states": [{"label": st.label, "counts": dict(st.counts), "dE_eV": st.dE_eV,
                                        "multiplicity": st.multiplicity} for st in s.states]}
                           for s in self.site_types],
        }

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def to_dict(self) -> dict[str, Any]:
        return self.describe()

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EquilibriumModel:
        sts = [SiteType(s["name"], float(s["sites_per_fu"]),
                        tuple(SiteState(st["label"], dict(st["counts"]), float(st["dE_eV"]), float(st["multiplicity"]))
                              for st in s["states"]),
                        float(s.get("offset_eV", 0.0)), dict(s.get("ion_offsets_eV", {}))) for s in d["site_types"]]
        n_redox = d.get("n_redox_per_fu")
        return cls(sts, n_redox_per_fu=None if n_redox is None else num(n_redox), charges=dict(d["charges"]),
                   T_K=float(d["T_K"]), molar_mass_g_mol=d.get("molar_mass_g_mol"),
                   electron_statistics=d.get("electron_statistics", "availability"),
                   width_factor=float(d.get("width_factor", 1.0)), name=d.get("name", ""),
                   disorder=d.get("disorder_eV") or None, disorder_nodes=d.get("disorder_nodes"),
                   interaction=_interaction_from_dict(d.get("interaction")))

    # ------------------------------------------------------------------ core evaluation
    def _mu_array(self, dmu: Mapping[str, Any], per: str) -> tuple[np.ndarray, tuple[int, ...]]:
        per = Per.parse(per)
        missing = [i for i in self.ions if i not in dmu]
        if missing:
            raise DualionUserError(f"missing chemical potential for {missing} (eV)", field="dmu")
        arrs = [np.asarray(dmu[i], dtype=float) for i in self.ions]
        shape = np.broadcast_shapes(*(a.shape for a in arrs)) if arrs else ()
        mu = np.stack([np.broadcast_to(a, shape).reshape(-1) for a in arrs], axis=-1) if arrs else np.zeros((1, 0))
        if per == "atom":
            mu = mu / self._z
        if np.any(np.isnan(mu)) or np.any(mu == np.inf):
            raise DualionUserError("chemical potentials must be finite numbers or -inf (eV)", field="dmu")
        return mu, shape

    # ------------------------------------------------------------------ public API
    def uptake(self, dmu: Mapping[str, Any], per: str = "charge") -> Uptake:
        """Equilibrium uptake at chemical potentials ``dmu`` ({ion: eV, relative to the metal};
        per transferred charge by default, ``per="atom"`` for per atom). Vectorised: arrays broadcast;
        an ion given as −inf is excluded (its states are empty)."""
        mu, shape = self._mu_array(dmu, per)
        extra = eta0 = None
        if self._interacting is not None:
            br = self._interacting.branches(mu)
            extra = self._interacting.extra(self.interaction.field(br.theta, self.kT))
            eta0 = self._interacting.last_eta(mu)             # the roots of the self-consistent solve (warm start)
        eta, P_type, x_type = self._solver.type_averages(mu, extra=extra, eta0=eta0)   # per site of each type
        N_type = np.array([s.sites_per_fu for s in self.site_types])
        x_site: dict[str, dict[str, np.ndarray]] = {}
        occ: dict[str, dict[str, np.ndarray]] = {}
        for a, s in enumerate(self.site_types):
            x_site[s.name] = {ion: (s.sites_per_fu * x_type[:, a, i]).reshape(shape)
                              for i, ion in enumerate(self.ions)}
            occ[s.name] = {st.label: P_type[:, a, k].reshape(shape) for k, st in enumerate(s.states)}
        x = {ion: (x_type[:, :, i] @ N_type).reshape(shape) for i, ion in enumerate(self.ions)}
        electrons = sum(self.charges[i] * x[i] for i in self.ions) if self.ions else np.zeros(shape)
        dmu_c = {ion: mu[:, i].reshape(shape) for i, ion in enumerate(self.ions)}
        return Uptake(x=x, x_site=x_site, occupancy=occ, electrons=np.asarray(electrons),
                      eta_eV=eta.reshape(shape), dmu_per_charge=dmu_c)

    def jacobian(self, dmu: Mapping[str, Any], per: str = "atom") -> np.ndarray:
        """∂x_i/∂Δμ_j (ions per fu per eV), shape (..., I, I), analytic (fluctuation formula with the
        electron constraint eliminated). Symmetric for ``per="atom"`` (Maxwell relation); for
        ``per="charge"`` column j is multiplied by z_j."""
        mu, shape = self._mu_array(dmu, per)
        if self._interacting is not None:
            from dualion.model.selfconsistent import numerical_jacobian

            J = numerical_jacobian(self, mu)
        else:
            _, J = self._solver.x_and_jac(mu)
        if per == "charge":
            J = J * self._z[None, None, :]
        return J.reshape(shape + (len(self.ions), len(self.ions)))

    def chemical_potentials(self, x: Mapping[str, Any], per: str = "charge", strict: bool = True,
                            tol: float = 1e-10) -> dict[str, Any]:
        """Inverse of :meth:`uptake`: the Δμ (eV; per charge by default) at which the equilibrium uptake
        equals ``x`` ({ion: ions per fu}, arrays broadcast; scalars give floats).

        A monotone root solve (:meth:`ReservoirSolver.inverse <dualion.model.solver.ReservoirSolver.inverse>`);
        scalar calls start from the previous scalar solution (fast for ODE solvers). Unattainable targets
        (x ≤ 0, beyond the sites or the electron limit) raise :class:`DualionUserError` (``strict``) or give NaN."""
        per = Per.parse(per)
        if self._interacting is not None:
            raise DualionUserError("chemical_potentials(x) is not available with an ion-ion interaction (the "
                                   "inverse of a two-phase isotherm is not unique); use uptake() / curve()",
                                   field="interaction")
        missing = [i for i in self.ions if i not in x]
        if missing:
            raise DualionUserError(f"missing uptake for {missing} (ions per formula unit)", field="x")
        arrs = [np.asarray(x[i], dtype=float) for i in self.ions]
        shape = np.broadcast_shapes(*(a.shape for a in arrs))
        X = np.stack([np.broadcast_to(a, shape).reshape(-1) for a in arrs], axis=-1)
        ok0 = np.all(X > 0, axis=1) & np.all(np.isfinite(X), axis=1)
        if self.n_redox_per_fu is not None:
            ok0 &= (X @ self._z) < self.n_redox_per_fu
        cap = np.array([self.ion_capacity_per_fu[ion] for ion in self.ions])
        ok0 &= np.all(X < cap[None], axis=1)
        mu, conv = self._solver.inverse(X, ok0, tol)
        z = self._z
        if strict and not np.all(conv):
            bad = int(np.argmin(conv))
            raise DualionUserError(
                f"uptake {dict(zip(self.ions, X[bad].tolist()))} (ions per fu) is not attainable: each x must be "
                f"> 0, below the available sites and (Σ z x) below the electron limit {self.n_redox_per_fu}",
                field="x")
        out: dict[str, Any] = {}
        for i, ion in enumerate(self.ions):
            v = mu[:, i] if per == "atom" else mu[:, i] / z[i]
            v = np.where(conv, v, np.nan).reshape(shape)
            out[ion] = float(v) if v.ndim == 0 else v
        return out

    def curve(self, V_vs_Mg: Any, li_activity: float = 1.0, delta_e_ref_V: float = DELTA_E_REF_DEFAULT_V,
              finite_electrolyte: FiniteElectrolyte | None = None,
              electrolyte: Electrolyte | None = None, activity_exponent: float = 1.0) -> EquilibriumCurve:
        """Equilibrium discharge curve on a voltage grid ``V_vs_Mg`` (V vs Mg2+/Mg).

        ``electrolyte`` (:class:`dualion.core.Electrolyte`) gives the Li+ activity (or ``li_free``), ΔE_ref, T and
        the apparent activity exponent of the Δμ(V) mapping; without it, ``li_activity`` (≈ c/1 M; 0 = Li-free)
        with a = (c/1 M)^ν (ν = ``activity_exponent``, 1 = ideal) and ``delta_e_ref_V`` at the model's
        temperature. ``finite_electrolyte``: its ``licl_M`` sets the initial activity and the Li taken up by the
        electrode depletes it, solved self-consistently at every voltage (unique: x_Li rises with a_Li, a_Li
        falls with x_Li). With an interaction the curve is the equilibrium (lower-Ω) branch and ``plateaus``
        lists the two-phase plateaus (Maxwell construction) with the metastable (spinodal) ranges.
        """
        if not (math.isfinite(activity_exponent) and activity_exponent > 0):
            raise DualionUserError(f"activity_exponent must be > 0, got {activity_exponent!r}",
                                   field="activity_exponent")
        if finite_electrolyte is not None and self._interacting is not None:
            raise DualionUserError("a finite electrolyte with an ion-ion interaction is not supported; use an "
                                   "infinite reservoir (li_activity)", field="finite_electrolyte")
        V = np.atleast_1d(np.asarray(V_vs_Mg, dtype=float))
        if V.ndim != 1 or V.size == 0 or not np.all(np.isfinite(V)):
            raise DualionUserError("voltages must be a non-empty 1-D array of finite numbers (V vs Mg)",
                                   field="V_vs_Mg")
        if electrolyte is None:
            a0 = finite_electrolyte.licl_M if finite_electrolyte is not None else li_activity
            if not (isinstance(a0, (int, float)) and math.isfinite(a0) and a0 >= 0):
                raise DualionUserError(f"Li+ activity must be >= 0, got {a0!r}", field="li_activity")
            electrolyte = Electrolyte.licl(float(a0), delta_e_ref_V=delta_e_ref_V, T_K=self.T_K,
                                           activity_exponent=activity_exponent)
        has_li = "Li" in self.ions
        if finite_electrolyte is None or electrolyte.li_free or not has_li:
            dmu = electrolyte.delta_mu(V)
            u = self.uptake({ion: dmu[ion] if ion in dmu else np.full_like(V, -np.inf) for ion in self.ions})
            a = np.full_like(V, electrolyte.a_li if has_li else 0.0)
        else:
            if self.molar_mass_g_mol is None:
                raise DualionUserError("a finite electrolyte needs the molar mass of the host",
                                       field="molar_mass_g_mol")
            avail = finite_electrolyte.li_per_fu_available(self.molar_mass_g_mol)
            mu, a = self._solver.finite_li(V, electrolyte, avail)
            u = self.uptake({ion: mu[:, i] for i, ion in enumerate(self.ions)})
        Q = (capacity_mAh_g(u.x, self.charges, self.molar_mass_g_mol) if self.molar_mass_g_mol
             else np.full_like(V, np.nan))
        dqdv = -np.gradient(Q, V) if V.size > 1 else np.zeros_like(V)
        peaks = dqdv_peaks(V, dqdv)
        plateaus: list[dict[str, float]] = []
        if self._interacting is not None and not electrolyte.li_free and has_li:
            from dualion.model.selfconsistent import two_phase_plateaus

            plateaus = two_phase_plateaus(self, V, electrolyte)
        return EquilibriumCurve(V=V, li_activity=a, x=u.x, x_site=u.x_site, electrons=u.electrons,
                                eta_eV=u.eta_eV, Q_mAh_g=np.asarray(Q), dqdv=dqdv, peaks=peaks,
                                delta_e_ref_V=float(electrolyte.delta_e_ref_V), T_K=self.T_K, uptake=u,
                                plateaus=plateaus)

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        sites = ", ".join(f"{s.name}×{s.sites_per_fu:g}" for s in self.site_types)
        return (f"EquilibriumModel({self.name!r}: {sites}; ions={self.ions}; N_redox={self.n_redox_per_fu}; "
                f"T={self.T_K} K; {self.electron_statistics})")

