r"""dualion.cell: galvanostatic dual-ion (Li+/Mg2+) cell: one spherical particle, Fick diffusion per ion, Butler–Volmer per ion.

Model (single-particle, method of lines; full equations in ``docs/cell.md``)
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
  monotone scalar equation, safeguarded Newton) — an index-1 DAE reduced to an ODE, integrated by the
  compiled RODAS4 of :mod:`~dualion.cell.fast` (numba, analytic Jacobian; the default where numba is installed) or
  LSODA (``solver="lsoda"``, the reference; banded Jacobian), the voltage cutoffs located by bisection.
* Optional Li⁺ transport in the electrolyte (``electrolyte_transport``; on in the paper set): 1-D diffusion of Li⁺
  across the separator to a bulk reservoir (:mod:`~dualion.cell.electrolyte`); the Li⁺ concentration next to the
  electrode sets the Li Nernst term and exchange current. Off, the model is exactly the one without it.
* Mg metal counter electrode at 0 V vs Mg²⁺/Mg. The paper measures in a three-electrode cell (Mg reference),
  so by default the counter overpotential is excluded; ``counter_i0_mA`` adds a symmetric Butler–Volmer
  (z = 2) counter overpotential to the reported cell voltage.
* Current sign (team convention): current > 0 = charge (oxidation, ions leave), < 0 = discharge.

The equilibrium enters only through :class:`EquilibriumSource` (``chemical_potentials`` and ``uptake``). The
default source is ``dualion.model.builders.paper_model(width_factor=4)`` (errors propagate); the documented
closed-form stand-in :class:`LangmuirPair` is used only when passed explicitly.

Modules: :mod:`~dualion.cell.params` (parameters, steps, result), :mod:`~dualion.cell.source` (equilibrium
source), :mod:`~dualion.cell.kinetics` (Butler–Volmer), :mod:`~dualion.cell.electrolyte` (Li⁺ transport), :mod:`~dualion.cell.tables` (tabulated Δμ(x)),
:mod:`~dualion.cell.particle` (the model and the LSODA integrator), :mod:`~dualion.cell.fast` /
:mod:`~dualion.cell.fast_kernel` / :mod:`~dualion.cell.rosenbrock` (the compiled solver), :mod:`~dualion.cell.experiments` (protocols),
:mod:`~dualion.cell.plots`, :mod:`~dualion.cell.cli`.
"""


from dualion.cell.experiments import (PAPER_RATES_MA_G, GittPoint, RatePoint, cycler_data, discharge,
                                      discharge_charge, gitt_analysis, gitt_points, gitt_protocol, rate_capability, simulate_gitt,
                                      summarize, with_params, write_cycler_csv)
from dualion.cell.electrolyte import ElectrolyteGrid, limiting_current_A_cm2
from dualion.cell.kinetics import (butler_volmer_A_cm2, charge_transfer_resistance_ohm_cm2,
                                   solve_electrode_potential_V, thermal_f)
from dualion.cell.params import (DENSITY_PAPER_G_CM3, IONS, MOLAR_MASS_PAPER_G_MOL, V_WINDOW_V, Z, CellParameters,
                                 CellResult, Step, validate_parameters)
from dualion.cell.particle import EXHAUSTED_LOGIT, SATURATION_LOGIT, SingleParticleCell
from dualion.cell.source import (DEFAULT_WIDTH_FACTOR, EquilibriumSource, LangmuirPair, default_equilibrium,
                                 equilibrium_potentials_V, equilibrium_uptake)

__all__ = ["CellParameters", "CellResult", "DEFAULT_WIDTH_FACTOR", "DENSITY_PAPER_G_CM3", "EXHAUSTED_LOGIT",
           "ElectrolyteGrid", "limiting_current_A_cm2",
           "EquilibriumSource", "GittPoint", "IONS", "LangmuirPair", "MOLAR_MASS_PAPER_G_MOL", "PAPER_RATES_MA_G",
           "RatePoint", "SATURATION_LOGIT", "SingleParticleCell", "Step", "V_WINDOW_V", "Z", "butler_volmer_A_cm2",
           "charge_transfer_resistance_ohm_cm2", "cycler_data", "gitt_analysis", "default_equilibrium", "discharge",
           "discharge_charge", "equilibrium_potentials_V", "equilibrium_uptake", "gitt_points", "gitt_protocol",
           "rate_capability", "simulate_gitt", "solve_electrode_potential_V", "summarize", "thermal_f",
           "validate_parameters", "with_params", "write_cycler_csv"]
