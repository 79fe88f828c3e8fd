"""Independent simulation: dualion's single particle against PyBaMM's SPM where both are the same physics.

One ion (Li; dualion's Mg channel reduced to 1e-7 sites per fu and j0 = 1e-12 mA cm-2, so that it carries
< 1e-6 of the charge), one Langmuir site type with the OCP U(θ) = U½ − (k_BT/e) ln(θ/(1−θ)) given to both,
the same particle radius, constant D, j0(θ) = j0·2√(θ(1−θ)) and symmetric Butler–Volmer (α = 1/2). PyBaMM's
negative electrode is made ideal (U = 0, j0 = 1e6 A m-2, a practically infinite reservoir), so its cell voltage
is the positive particle's potential, as dualion's is vs Mg. The currents map through the same interfacial
current density i = I_g R ρ / 3 (PyBaMM: I/(a L A) with a = 3ε/R and mass ρεLA). Skipped without pybamm.
"""

from __future__ import annotations

import numpy as np
import pytest

from dualion import cell
from dualion.cell import CellParameters, SingleParticleCell, Step
from dualion.core.constants import K_B_EV_PER_K

pybamm = pytest.importorskip("pybamm")

#: PyBaMM's electrode geometry (any: the interfacial current density is what both see)
L_M, EPS, W_M, H_M = 1e-4, 0.5, 0.1, 0.1


def _dualion(rate: float, D: float, n_shells: int = 20):
    eq = cell.LangmuirPair(n_sites={"Li": 0.56, "Mg": 1e-7}, eps_eV_per_charge={"Li": -1.67, "Mg": -0.6})
    p = CellParameters(licl_M=1.0, D_Li_cm2_s=D, j0_Li_mA_cm2=1e-4, j0_Mg_mA_cm2=1e-12, v_min_V=0.8, n_shells=n_shells)
    c = SingleParticleCell(p, eq)
    return c, c.run([Step(-rate)], solver="fast")


def _pybamm(c: SingleParticleCell, rate: float, r_p: int = 40):
    p = c.p
    kT = K_B_EV_PER_K * p.T_K
    U_half = c.potentials_logit(0.0, 0.0)["Li"]          # U_Li at θ = 1/2 (V vs Mg), 0.93 V here
    theta0 = c.surface_x(*c.equilibrium_state(p.v_max_V)[-2:])[0] / 0.56
    cmax = p.density_g_cm3 / p.molar_mass_g_mol * 0.56 * 1e6     # mol m-3
    mass_g = p.density_g_cm3 * 1e6 * EPS * L_M * W_M * H_M
    j0_SI = p.j0_Li_mA_cm2 * 10.0                                  # mA cm-2 → A m-2
    pv = pybamm.lithium_ion.SPM().default_parameter_values
    pv.update({
        "Positive particle radius [m]": p.radius_um * 1e-6,
        "Positive particle diffusivity [m2.s-1]": p.D_Li_cm2_s * 1e-4,
        "Maximum concentration in positive electrode [mol.m-3]": cmax,
        "Initial concentration in positive electrode [mol.m-3]": theta0 * cmax,
        "Positive electrode OCP [V]": lambda sto: U_half - kT * pybamm.log(sto / (1 - sto)),
        "Positive electrode exchange-current density [A.m-2]":
            lambda ce, cs, cm, T: j0_SI * 2 * (cs / cm) ** 0.5 * (1 - cs / cm) ** 0.5,
        "Positive electrode OCP entropic change [V.K-1]": 0.0,
        "Negative electrode OCP entropic change [V.K-1]": 0.0,
        "Positive electrode thickness [m]": L_M, "Positive electrode active material volume fraction": EPS,
        "Electrode width [m]": W_M, "Electrode height [m]": H_M,
        "Negative electrode OCP [V]": lambda sto: 0 * sto,
        "Negative electrode exchange-current density [A.m-2]": lambda ce, cs, cm, T: 1e6 + 0 * cs,
        "Negative particle diffusivity [m2.s-1]": 1e-10,
        "Maximum concentration in negative electrode [mol.m-3]": 1e9,
        "Initial concentration in negative electrode [mol.m-3]": 5e8,
        "Lower voltage cut-off [V]": p.v_min_V, "Upper voltage cut-off [V]": 3.0,
        "Open-circuit voltage at 0% SOC [V]": 0.0, "Open-circuit voltage at 100% SOC [V]": 3.0,
        "Ambient temperature [K]": p.T_K, "Initial temperature [K]": p.T_K, "Reference temperature [K]": p.T_K,
        "Current function [A]": rate * 1e-3 * mass_g,
        "Number of electrodes connected in parallel to make a cell": 1,
        "Number of cells connected in series to make a battery": 1,
    }, check_already_exists=False)
    t_end = 1.5 * 3.6e3 * 377.0 / rate
    sim = pybamm.Simulation(pybamm.lithium_ion.SPM(), parameter_values=pv,
                            var_pts={"x_n": 1, "x_s": 1, "x_p": 1, "r_n": 5, "r_p": r_p},
                            solver=pybamm.IDAKLUSolver(rtol=1e-8, atol=1e-10))
    sol = sim.solve([0.0, t_end], t_interp=np.linspace(0.0, t_end, 3001))
    assert "Minimum voltage" in str(sol.termination)
    return sol["Discharge capacity [A.h]"].entries * 1e3 / mass_g, sol["Voltage [V]"].entries


@pytest.mark.parametrize("rate,D", [(100.0, 1e-15), (1000.0, 1e-14)])
def test_single_ion_particle_matches_pybamm_spm(rate, D):
    """Capacity to the 0.8 V cutoff within 0.5 % and V(Q) within 3 mV over 3–97 % of it. Measured: 0.04 % / 0.35
    mV (100 mA g-1, D = 1e-15 cm2 s-1) and 0.08 % / 0.04 mV (1000 mA g-1, 1e-14); the capacity gap is the
    discretisation (dualion's 20 surface-refined shells vs PyBaMM's 40 uniform ones: with 80 / 160 shells it
    is 0.04 % → 0.02 %). Strongly diffusion-limited (1000 mA g-1 at 1e-15: R²/D = 3× the discharge time) the gap
    is 0.9 % at 20 shells, 0.24 % at 80 — a property of the shell model, not of the solver."""
    c, res = _dualion(rate, D)
    assert c._kernel("fast").n_failed == 0
    q_d, v_d = -res.charge_mAh_g, res.voltage_V
    assert np.ptp(res.x_Mg) < 1e-6 and abs(res.x_Li[-1] - res.x_Li[0]) > 0.1   # Li-only, a real discharge
    q_p, v_p = _pybamm(c, rate)
    assert q_d[-1] == pytest.approx(q_p[-1], rel=5e-3)
    q = np.linspace(0.03, 0.97, 300) * min(q_d[-1], q_p[-1])
    assert np.max(np.abs(np.interp(q, q_d, v_d) - np.interp(q, q_p, v_p))) < 3e-3
