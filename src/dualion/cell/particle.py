"""The single-particle model: method of lines on spherical shells, LSODA with voltage-cutoff events."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from dualion.cell.kinetics import _expit, _expit_arr, butler_volmer_A_cm2, solve_electrode_potential_V, thermal_f
from dualion.cell.params import IONS, V_WINDOW_V, Z, CellParameters, CellResult, Step
from dualion.cell.steps import EXHAUSTED_LOGIT, SATURATION_LOGIT, STALL_NEAR_CUTOFF_V, _Sol  # shared with fast
from dualion.cell.source import EquilibriumSource, default_equilibrium, equilibrium_uptake
from dualion.errors import DualionUserError


def _integrate(rhs: Callable, voltage: Callable, y0: np.ndarray, T: float, cut: float | None, direction: int,
               rtol: float, atol: float, first_step: float | None, active: Sequence[int] = (-2, -1),
               rhs_for: Callable[[frozenset], Callable] | None = None, lband: int = 3) -> _Sol:
    """LSODA (banded finite-difference Jacobian: lower bandwidth 3, upper 2) from 0 to T, stopping where the
    voltage crosses ``cut`` in ``direction`` (−1 falling, +1 rising); the crossing is located by bisection on
    the step's interpolant (kept inside the step even if the interpolant does not bracket it exactly). Also stops
    (status 2) when the surface logits of all ``active`` state entries pass ±SATURATION_LOGIT in the direction of
    the current: the surface cannot take (give) more ions and V falls (rises) to the cutoff at once.

    With ``rhs_for(pinned)`` (pinned: the ``active`` entries whose surface is exhausted, EXHAUSTED_LOGIT) the
    right-hand side is chosen per segment: when an accepted step exhausts another ion, the integrator is restarted
    there with that ion pinned (an event, so LSODA never integrates across the switch of the right-hand side).
    ``lband``: lower bandwidth of the Jacobian (4 with the electrolyte block appended after the surface logits)."""
    from scipy.integrate import LSODA, OdeSolution

    def exhausted(y: np.ndarray) -> frozenset:
        return frozenset(j for j in active if direction and -direction * y[j] > EXHAUSTED_LOGIT)

    pinned = exhausted(np.asarray(y0, float)) if rhs_for is not None else frozenset()
    if rhs_for is not None:
        rhs = rhs_for(pinned)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        solver = LSODA(rhs, 0.0, y0, T, first_step=first_step, rtol=rtol, atol=atol, lband=lband, uband=2)
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
                    gap = direction * (cut - voltage(ts[-1], ys[-1])) if cut is not None else math.inf
                    if interps and gap <= STALL_NEAR_CUTOFF_V:
                        # the step size collapses within a few mV of the cutoff (a surface exhausted in the
                        # direction of the current, V diving to the cutoff): end the step here, saying so
                        return _Sol(np.array(ts), np.array(ys).T, OdeSolution(np.array(ts), interps), 2,
                                    f"stalled {1e3 * gap:.0f} mV before the cutoff (surface exhausted)")
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
                solver = LSODA(rhs_for(pinned), t_new, y_new, T, rtol=rtol, atol=atol, lband=lband, uband=2)
    return _Sol(np.array(ts), np.array(ys).T, OdeSolution(np.array(ts), interps), status, message)


SOLVERS = ("auto", "fast", "lsoda")


def _check_solver(solver: str) -> str:
    if solver not in SOLVERS:
        raise DualionUserError(f"solver must be one of {', '.join(SOLVERS)}, got {solver!r}", field="solver")
    return solver


class SingleParticleCell:
    """Method-of-lines model of one spherical particle.

    State y = [x_Mg,0, x_Li,0, x_Mg,1, x_Li,1, …, x_Mg,n−2, x_Li,n−2, p, q] (interleaved so that the Jacobian is
    banded: lower bandwidth 3, upper 2): interior shells as site fractions (linear Fick diffusion), the surface
    shell as logits p = logit(x_Mg/c_Mg), q = logit(x_Li/c_Li(x_Mg))
    (:class:`~dualion.cell.tables.SurfaceThermo`). The logits keep the surface composition inside its
    physical range and let the stiff integrator resolve the last 10⁻¹⁰ of an almost empty or almost full surface,
    where the voltage depends on ln θ; the conservation law is still written for x (finite volumes).

    With Li+ transport in the electrolyte (``params.electrolyte_transport``) the state continues with the Li+
    concentrations c_0 … c_{N−1} (M) of the electrolyte block (:class:`~dualion.cell.electrolyte.ElectrolyteGrid`;
    c_0 next to the electrode): y = [..., p, q, c_0, …, c_{N−1}], a tridiagonal block coupled to (p, q) through
    the Li current only, so the Jacobian stays banded (lower bandwidth 4, upper 2). c_0 sets the Li Nernst term,
    U_Li += ν (k_BT/e) ln(c_0/c_b), and the exchange current, i0_Li ∝ (a_0/a_b)^α with a = (c/1 M)^ν (the
    cathodic rate is then first order in a_0).
    """

    def __init__(self, params: CellParameters | None = None, equilibrium: EquilibriumSource | None = None,
                 solver: str = "auto"):
        from dualion.cell.tables import SurfaceThermo

        #: "lsoda" (the reference below), "fast" (compiled Rosenbrock, :mod:`dualion.cell.fast`) or "auto"
        #: (fast where it applies, else LSODA); :meth:`run` takes the same as an override
        self.solver = _check_solver(solver)
        self._y_eq: dict[float, np.ndarray] = {}

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
        self._src = {i: -4.0 * np.pi * R ** 2 / self.vol_cm3[-1] / (Z[i] * p.charge_density_C_cm3()) for i in IONS}
        self._i0 = p.i0_A_cm2()
        self.electrolyte = p.electrolyte
        self._li_free = self.electrolyte.li_free
        # U_i = U0_i − Δμ_i (per charge): the electrolyte's voltage ↔ Δμ mapping at Δμ = 0 (affine, slope −1)
        self._U0 = self.electrolyte.potentials_V({"Li": 0.0, "Mg": 0.0})
        self._V_guess: float | None = None
        self.surface = SurfaceThermo(self.eq, li_free=self._li_free)
        # electrolyte block (None: the electrode sees the bulk; the model is then exactly the one without it)
        self.grid = p.electrolyte_grid()
        self.n_el = 0 if self.grid is None else self.grid.n
        # particle area per geometric electrode area (cm2 cm-2): specific area × active loading
        self._geo = p.specific_area_cm2_g * p.loading_mg_cm2 * 1e-3
        self._kT = 1.0 / thermal_f(p.T_K)

    # -- state <-> composition -----------------------------------------------------------------------------------
    @staticmethod
    def _logit(theta: float) -> float:
        th = min(max(theta, 1e-300), 1.0 - 1e-15)
        return max(math.log(th) - math.log1p(-th), -300.0)

    def state_from_x(self, x_li: np.ndarray, x_mg: np.ndarray, c_li_M: np.ndarray | None = None) -> np.ndarray:
        """Pack per-shell site fractions (n each) into the state vector (and, with electrolyte transport, the
        Li+ concentrations of the electrolyte cells, M; default: the bulk everywhere)."""
        m = self.n - 1
        sf = self.surface
        p_ = self._logit(float(x_mg[-1]) / sf.cap_mg)
        c_li = float(sf.cap_li(float(x_mg[-1])))
        q_ = self._logit(float(x_li[-1]) / c_li) if c_li > 0 else -690.0
        y = np.empty(2 * m + 2 + self.n_el)
        y[0:2 * m:2] = np.asarray(x_mg[:m], float)
        y[1:2 * m:2] = np.asarray(x_li[:m], float)
        y[2 * m], y[2 * m + 1] = p_, q_
        if self.n_el:
            y[2 * m + 2:] = self.grid.c_bulk_M if c_li_M is None else np.asarray(c_li_M, float)
        return y

    def c_li_electrode_M(self, y: np.ndarray) -> Any:
        """Li+ concentration (M) in the electrolyte next to the electrode (the bulk when transport is off); (N,) or
        (N, T) states."""
        if not self.n_el:
            return np.full(np.shape(y)[1:], self.p.licl_M) if np.ndim(y) > 1 else self.p.licl_M
        return y[2 * (self.n - 1) + 2]

    def _c_ratio(self, c0_M: float) -> float:
        """c_0/c_b, floored at 1e-12 (a numerically negative c_0 switches the Li channel off, not the model)."""
        return max(c0_M / self.grid.c_bulk_M, 1e-12)

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
        x = equilibrium_uptake(self.eq, V_vs_Mg, self.electrolyte)
        xm = max(x["Mg"], theta_floor * self.surface.cap_mg)
        xl = 0.0 if self._li_free else max(x["Li"], theta_floor * float(self.surface.cap_li(xm)))
        return self.state_from_x(np.full(self.n, xl), np.full(self.n, xm))

    def mean_x(self, y: np.ndarray) -> tuple[float, float]:
        """Particle-average x_Li, x_Mg (volume-weighted)."""
        xl, xm = self.x_profiles(y)
        return float(self.vol_frac @ xl), float(self.vol_frac @ xm)

    # -- kinetics ------------------------------------------------------------------------------------------------
    def current_density_A_cm2(self, current_mA_g: float) -> float:
        """i = I_g/(specific area) = I_g·Rρ/3 (A cm-2) for a specific current I_g in mA g-1."""
        return current_mA_g * 1e-3 / self.p.specific_area_cm2_g

    def potentials_logit(self, p_: float, q_: float, c_ratio: float | None = None) -> dict[str, float]:
        """U_i (V vs Mg2+/Mg) at surface logits: U_Mg = −Δμ_Mg, U_Li = −Δμ_Li − ΔE_ref + (k_BT/e) ln a_Li;
        ``c_ratio`` = c_0/c_b (electrolyte transport) adds ν (k_BT/e) ln(c_0/c_b) to U_Li."""
        mu_li, mu_mg = self.surface.mu(q_, p_)
        U_li = -math.inf if self._li_free else self._U0["Li"] - mu_li
        if c_ratio is not None and not self._li_free:
            U_li += self.p.activity_exponent * self._kT * math.log(c_ratio)
        return {"Mg": self._U0["Mg"] - mu_mg, "Li": U_li}

    def exchange_currents_logit(self, p_: float, q_: float, c_ratio: float | None = None) -> dict[str, float]:
        """i0_i = j0_i·2√(θ_i(1−θ_i)) (A cm-2): j0_i is the value at half filling θ_i = 1/2; with U_i ∝ ln θ_i the
        cathodic rate of a Langmuir site stays finite as θ_i → 0 (∝ 1 − θ_i) and the anodic one ∝ θ_i.
        ``c_ratio`` = c_0/c_b multiplies i0_Li by (c_0/c_b)^(να): with U_Li ∝ ν ln c_0 the cathodic Li rate is then
        ∝ a_0 = (c_0/1 M)^ν and the anodic one independent of c_0 (j0_Li is the value at the bulk concentration)."""
        th = {"Mg": p_, "Li": q_}
        out = {i: self._i0[i] * 2.0 * math.sqrt(_expit(th[i]) * _expit(-th[i])) for i in IONS}
        if c_ratio is not None:
            out["Li"] *= c_ratio ** (self.p.activity_exponent * self.p.alpha)
        return out

    def surface_currents_logit(self, p_: float, q_: float, i_A_cm2: float,
                               fixed_A_cm2: Mapping[str, float] | None = None,
                               c_ratio: float | None = None) -> tuple[float, dict[str, float]]:
        """Electrode potential V (vs Mg) and partial current densities i_i (A cm-2) at the surface state.

        ``fixed_A_cm2`` gives ions whose partial current is imposed (an exhausted surface passing on exactly the
        diffusive supply, see :meth:`rhs_factory`); V is then solved from the other ions' Butler–Volmer currents
        carrying the rest of the applied current. ``c_ratio``: c_0/c_b at the electrode (electrolyte transport)."""
        fixed = dict(fixed_A_cm2 or {})
        U = self.potentials_logit(p_, q_, c_ratio)
        i0 = self.exchange_currents_logit(p_, q_, c_ratio)
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
        li_off = self._li_free
        xl_full = np.empty(n)
        lim = EXHAUSTED_LOGIT
        grid, n_el, geo = self.grid, self.n_el, self._geo
        if n_el:
            el_sub, el_diag, el_sup = grid.tridiagonal()
            el_sink, el_bulk = grid.sink_coefficient() * geo, grid.bulk_source()

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
            V, ii = self.surface_currents_logit(p_, q_, i_app, fixed,
                                                self._c_ratio(y[2 * m + 2]) if n_el else None)
            Fm[m] = 0.0 if "Mg" in fixed else Fm[m] + src_mg * ii["Mg"]
            Fl[m] = 0.0 if "Li" in fixed else Fl[m] + src_li * ii["Li"]
            return V, ii, Fm, Fl, p_, q_, sq, c_li

        def rhs(t: float, y: np.ndarray) -> np.ndarray:
            _, ii, Fm, Fl, p_, q_, sq, c_li = surface(y)
            sp = _expit(p_)
            xm_s = cap_mg * sp
            dp = Fm[m] / (cap_mg * sp * _expit(-p_))
            if li_off or c_li <= 0:
                dq = 0.0   # Li-free electrolyte: the (empty) Li surface logit is frozen
            else:
                dq = (Fl[m] - sq * sf.dcap_li(xm_s) * Fm[m]) / (c_li * sq * _expit(-q_))
            out = np.empty(2 * m + 2 + n_el)
            out[0:2 * m:2] = Fm[:m]
            out[1:2 * m:2] = Fl[:m]
            out[2 * m] = dp
            out[2 * m + 1] = dq
            if n_el:   # Li+ in the electrolyte: dc/dt = A c + s (tridiagonal; the Li current is the sink at c_0)
                c = y[2 * m + 2:]
                dc = el_diag * c
                dc[1:] += el_sub * c[:-1]
                dc[:-1] += el_sup * c[1:]
                dc[0] += el_sink * ii["Li"]
                dc[-1] += el_bulk
                out[2 * m + 2:] = dc
            return out

        def voltage(t: float, y: np.ndarray) -> float:
            return self.cell_voltage_V(surface(y)[0], current_mA_g)

        return rhs, voltage

    def _kernel(self, solver: str) -> Any:
        """The compiled kernel (:mod:`dualion.cell.fast`) for ``solver`` "fast"/"auto", None for LSODA."""
        if solver == "lsoda":
            return None
        if not hasattr(self, "_fast"):
            from dualion.cell.fast import fast_kernel_for

            self._fast = fast_kernel_for(self)
        if self._fast is None and solver == "fast":
            from dualion.errors import DualionWarning

            warnings.warn("solver 'fast' does not apply here (numba missing, or an "
                          "equilibrium source the compiled kernel does not cover): using LSODA", DualionWarning,
                          stacklevel=3)
        return self._fast

    # -- protocol ------------------------------------------------------------------------------------------------
    def run(self, steps: Sequence[Step], y0: np.ndarray | None = None, record_dt_s: float | None = None,
            rtol: float = 1e-6, atol: float = 1e-9, max_steps: int | None = None,
            solver: str | None = None) -> CellResult:
        """Simulate ``steps`` in order from state ``y0`` (default: equilibrium at the upper cutoff).

        A step ends at its duration or when the voltage crosses its cutoff (discharge: lower cutoff; charge: upper
        cutoff). With ``max_steps`` the protocol stops after that many executed steps. Records a uniform grid of
        ``record_dt_s`` (default: 1/300 of the time to pass 300 mA h g-1, at most 60 s), the step end and a
        log-spaced grid from 1 s (to resolve relaxation). ``solver`` overrides the cell's (a step the compiled
        solver cannot finish is redone by LSODA).
        """
        p = self.p
        kern = self._kernel(_check_solver(solver or self.solver))
        if not steps:
            raise DualionUserError("empty protocol: give at least one step", field="protocol")
        for s in steps:
            if not math.isfinite(s.current_mA_g):
                raise DualionUserError(f"current must be finite, got {s.current_mA_g!r} mA g-1", field="current_mA_g")
            if s.current_mA_g == 0 and not math.isfinite(s.duration_s):
                raise DualionUserError("a rest step needs a finite duration", field="protocol")
            if not s.duration_s > 0:
                raise DualionUserError(f"step duration must be > 0 s, got {s.duration_s!r}", field="protocol")
            if s.cutoff_V is not None and not (V_WINDOW_V[0] - 1e-12 <= s.cutoff_V <= V_WINDOW_V[1] + 1e-12):
                raise DualionUserError(f"cutoff {s.cutoff_V} V is outside the window {V_WINDOW_V[0]}–{V_WINDOW_V[1]} V",
                                       field="cutoff_V")
        if y0 is None and p.v_max_V not in self._y_eq:   # the start state, solved once per cell
            self._y_eq[p.v_max_V] = self.equilibrium_state(p.v_max_V)
        y = (self._y_eq[p.v_max_V] if y0 is None else np.asarray(y0, dtype=float)).copy()
        t0 = 0.0
        q = 0.0
        cols: dict[str, list[np.ndarray]] = {k: [] for k in ("t", "V", "I", "step", "xl", "xm", "sl", "sm", "q", "ce")}
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
                v0 = kern.voltages(s.current_mA_g, y[:, None])[0] if kern is not None else voltage(0.0, y)
                if direction * (v0 - cut) >= 0:
                    reasons.append(f"step {k}: at cutoff {cut} V before start")
                    break
            T = s.duration_s
            if not math.isfinite(T):
                # longest possible: time to pass 2 electrons per formula unit at this current, ×3
                T = 3.0 * 3.6 * p.capacity_mAh_g(2.0) / abs(s.current_mA_g) * 1e3
            sol = kern.integrate(s.current_mA_g, y, T, cut, rtol, atol) if kern is not None else None
            for rt, at, h0 in ((rtol, atol, None), (rtol, atol, 1e-8), (rtol * 1e-2, atol * 1e-3, 1e-8),
                               (rtol * 1e-2, atol * 1e-3, None)):
                if sol is not None and sol.status >= 0:
                    break
                jm, jl = (-2, -1) if not self.n_el else (2 * self.n - 2, 2 * self.n - 1)
                sol = _integrate(rhs, voltage, y, T, cut, direction, rt, at, h0,
                                 active=(jm,) if self._li_free else (jm, jl),
                                 rhs_for=lambda pin, _I=s.current_mA_g, _m={jm: "Mg", jl: "Li"}: self.rhs_factory(
                                     _I, [_m[j] for j in pin])[0], lband=4 if self.n_el else 3)
                if sol.status >= 0:
                    break
            if sol is None or sol.status < 0:
                raise DualionUserError(
                    f"the cell model cannot be integrated in step {k} ({s.current_mA_g:g} mA g-1; solver: "
                    f"{sol.message if sol else 'no result'}) for rate {abs(s.current_mA_g):g} mA g-1 with "
                    f"D_Li={p.D_Li_cm2_s:g}, D_Mg={p.D_Mg_cm2_s:g} cm2 s-1, j0_Li={p.j0_Li_mA_cm2:g}, "
                    f"j0_Mg={p.j0_Mg_mA_cm2:g} mA cm-2, {p.n_shells} shells: lower the rate or raise D/j0",
                    field="current_mA_g")
            t_end = float(sol.t[-1])
            # nominal step length: 300 mA h g-1 at this current (rests: the duration)
            T_nom = T if s.current_mA_g == 0 else min(T, 3.6e3 * 300.0 / abs(s.current_mA_g))
            dt = record_dt_s if record_dt_s is not None else min(60.0, T_nom / 300.0)
            grid = np.concatenate([np.arange(0.0, t_end, dt),
                                   np.geomspace(1.0, max(t_end, 1.0), 30) if t_end > 1.0 else [], [t_end]])
            grid = np.unique(np.clip(grid, 0.0, t_end))
            Y = sol.sol(grid)
            Y[:, -1] = sol.y[:, -1]
            Vs = kern.voltages(s.current_mA_g, Y) if kern is not None else \
                np.array([voltage(tt, Y[:, j]) for j, tt in enumerate(grid)])
            cols["t"].append(t0 + grid)
            cols["V"].append(Vs)
            cols["I"].append(np.full(grid.size, s.current_mA_g))
            cols["step"].append(np.full(grid.size, k))
            XL, XM = self.x_profiles(Y)
            cols["xl"].append(self.vol_frac @ XL)
            cols["xm"].append(self.vol_frac @ XM)
            cols["sl"].append(XL[-1])
            cols["sm"].append(XM[-1])
            cols["ce"].append(np.asarray(self.c_li_electrode_M(Y), float))
            cols["q"].append(q + s.current_mA_g * grid / 3600.0)
            q += s.current_mA_g * t_end / 3600.0
            t0 += t_end
            y = sol.y[:, -1].copy()
            if sol.status == 1:
                reasons.append(f"step {k}: voltage cutoff at {t_end:.1f} s")
            elif sol.status == 2:
                reasons.append(f"step {k}: voltage cutoff at {t_end:.1f} s ({sol.message})")
            else:
                reasons.append(f"step {k}: duration {t_end:.1f} s")
        cat = {k: np.concatenate(v) if v else np.zeros(0) for k, v in cols.items()}
        I = cat["I"]
        return CellResult(time_s=cat["t"], voltage_V=cat["V"], current_mA=I * p.mass_mg * 1e-3, current_mA_g=I,
                          step=cat["step"].astype(int), x_Li=cat["xl"], x_Mg=cat["xm"], xs_Li=cat["sl"],
                          xs_Mg=cat["sm"], charge_mAh_g=cat["q"], params=p, stop_reasons=reasons, final_state=y,
                          c_Li_electrode_M=cat["ce"])
