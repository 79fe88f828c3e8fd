"""Monte Carlo cross-check of the independent-site model: grand-canonical lattice MC occupancies on one
site type with Li and Mg, without (J = 0, must agree) and with nearest-neighbour repulsion."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dualion.model.equilibrium import EquilibriumModel, SiteType
from dualion.model.montecarlo import run_gcmc

#: The test site: Li at −1.5 eV, Mg at −2.2 eV (per ion), one of each per site.
SITE = SiteType("site", 1.0, (("Li", {"Li": 1}, -1.5, 1), ("Mg", {"Mg": 1}, -2.2, 1)))
MU_MG = -1.12          # eV per charge, held fixed


def crosscheck_table(mus: Sequence[float] = tuple(np.linspace(-1.62, -1.38, 7)), couplings=(0.0, 0.03),
                     shape=(8, 8, 8), n_sweeps: int = 300, n_equil: int = 80, seed: int = 7) -> list[dict]:
    """Rows: Δμ_Li, J, MC x_Li/x_Mg ± standard error, and the independent-site occupancies."""
    model = EquilibriumModel([SITE], n_redox_per_fu=None)
    rows = []
    for J in couplings:
        for m in mus:
            dmu = {"Li": float(m), "Mg": MU_MG}
            r = run_gcmc(SITE, dmu, shape=shape, interactions={"Li-Li": J, "Li-Mg": J, "Mg-Mg": J},
                         n_sweeps=n_sweeps, n_equil=n_equil, seed=seed)
            u = model.uptake(dmu)
            rows.append({"J_eV": J, "dmu_Li_eV_per_charge": float(m), "dmu_Mg_eV_per_charge": MU_MG,
                         "mc_x_Li": r.x["Li"], "mc_x_Li_stderr": r.stderr["Li"], "mc_x_Mg": r.x["Mg"],
                         "mc_x_Mg_stderr": r.stderr["Mg"], "independent_x_Li": float(u["Li"]),
                         "independent_x_Mg": float(u["Mg"]), "sweeps_per_s": r.sweeps_per_s})
    return rows


def plot_crosscheck(rows: Sequence[dict]):
    """Occupancy vs Δμ_Li: independent-site lines, MC points (±2 standard errors) per coupling J."""
    import matplotlib.pyplot as plt

    from dualion.plotting import ION_COLOURS, legend_outside

    model = EquilibriumModel([SITE], n_redox_per_fu=None)
    mus = sorted({r["dmu_Li_eV_per_charge"] for r in rows})
    fig, ax = plt.subplots(figsize=(3.4, 2.6), layout="constrained")
    grid = np.linspace(mus[0], mus[-1], 200)
    u = model.uptake({"Li": grid, "Mg": np.full_like(grid, MU_MG)})
    for ion in ("Li", "Mg"):
        ax.plot(grid, u[ion], color=ION_COLOURS[ion], label=f"{ion}, independent sites")
        for J, mk in zip(sorted({r["J_eV"] for r in rows}), "osd^"):
            sel = [r for r in rows if r["J_eV"] == J]
            ax.errorbar([r["dmu_Li_eV_per_charge"] for r in sel], [r[f"mc_x_{ion}"] for r in sel],
                        yerr=[2 * r[f"mc_x_{ion}_stderr"] for r in sel], fmt=mk, ms=3.5, mfc="white",
                        color=ION_COLOURS[ion], label=f"{ion}, MC J = {J:g} eV (±2σ)")
    ax.set_xlabel(f"Δμ$_\\mathrm{{Li}}$ (eV per charge; Δμ$_\\mathrm{{Mg}}$ = {MU_MG:g})")
    ax.set_ylabel("Occupancy (per site)")
    legend_outside(ax, "right", fontsize=6.5)
    return fig
