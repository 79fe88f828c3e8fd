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


# ------------------------------------------------------------------ the interacting / multi-site validation
K_B_T_298 = 8.617333262e-5 * 298.15          #: k_BT at 298.15 K, eV


def _combine(runs: Sequence) -> tuple[float, float]:
    """Mean of independent runs (different graphs / seeds) and its standard error from their block errors."""
    xs = np.array([r[0] for r in runs])
    es = np.array([r[1] for r in runs])
    return float(xs.mean()), float(np.sqrt(np.sum(es ** 2)) / len(runs))


def interaction_rows(couplings_kT: Sequence[float] = (1.2, 0.6, -0.6, -1.2), graphs=("random-regular", "square"),
                     n_sites: int = 4096, n_sweeps: int = 2000, n_equil: int = 300, seeds: Sequence[int] = (0, 1, 2),
                     offset_eV: float = 0.03) -> list[dict]:
    """One Li site type, nearest-neighbour Li–Li energy J = ``couplings_kT`` × k_BT, coordination 4: lattice MC on a
    random 4-regular graph (locally tree-like: the quasi-chemical approximation is exact there as n → ∞) and on the
    periodic square lattice (loops: its approximation error), vs the quasi-chemical (Bethe) and mean-field models,
    at Δμ = ΔE + 2J + ``offset_eV`` (off half filling, where every approximation is exact by symmetry).
    Rows: graph, J_kT, mc ± stderr (mean of independent graphs/seeds), bethe, mean_field, z-scores."""
    from dualion.model.interactions import LatticeInteraction
    from dualion.model.lattice_mc import build_system, run_lattice_mc

    site = SiteType("4b", 1.0, (("Li", {"Li": 1}, -1.5, 1.0),))
    rows = []
    for graph in graphs:
        for jk in couplings_kT:
            J = jk * K_B_T_298
            bethe = EquilibriumModel([site], interaction=LatticeInteraction("4b", J))
            mf = EquilibriumModel([site], interaction=LatticeInteraction("4b", J, approximation="mean-field"))
            mu = {"Li": -1.5 + 2 * J + offset_eV}
            runs, secs = [], 0.0
            for s in seeds:
                sysm = build_system(bethe, n_sites, graph=graph, seed=s)
                r = run_lattice_mc(sysm, mu, n_sweeps=n_sweeps, n_equil=n_equil, seed=100 + s, moves=(1.0, 0.0, 0.0))
                runs.append((r.x_per_fu["Li"], r.stderr_per_fu["Li"]))
                secs += r.seconds
            x, e = _combine(runs)
            xb, xm = float(bethe.uptake(mu)["Li"]), float(mf.uptake(mu)["Li"])
            rows.append({"case": "one site type, Li-Li", "graph": graph, "J_kT": jk, "quantity": "x_Li per site",
                         "mc": x, "stderr": e, "model": xb, "z": (xb - x) / e, "mean_field": xm,
                         "z_mean_field": (xm - x) / e, "n_sites": n_sites, "runs": len(seeds), "seconds": secs})
    return rows


def paper_set_rows(voltages: Sequence[float] = (1.2, 0.8, 0.4, 0.05), licl: Sequence[float] = (0.2, 1.0),
                   n_fu: int = 10000, n_sweeps: int = 500, n_equil: int = 300, seeds: Sequence[int] = (0, 1),
                   interacting_J_kT: float | None = -1.2) -> list[dict]:
    """The default paper parameter set (seven site types, vacancy pairs with Li+Li / Mg+Mg / Li+Mg states, fitted
    disorder, the 0.78 e- electron limit) at V vs Mg and LiCl molarities (infinite reservoir): MC x_Li, x_Mg and
    electrons per fu vs the model of the same sample (:func:`~dualion.model.lattice_mc.model_prediction`), and the
    stratification error against the Gaussian quadrature. ``interacting_J_kT``: also a variant with a sub-critical
    4b Li–Li interaction J (k_BT units) on a random 4-regular graph (4b disorder off there: the quasi-chemical field
    is uniform over a site type)."""
    from dualion.model import paper_set as ps
    from dualion.model.lattice_mc import build_system, model_prediction, run_lattice_mc

    variants = [("paper set", ps.defective_model())]
    if interacting_J_kT is not None:
        variants.append((f"paper set, 4b J = {interacting_J_kT:+g} kT, no 4b disorder",
                         ps.defective_model({"J_LiLi_eV": interacting_J_kT * K_B_T_298, "interaction_suppression": 1.0,
                                             "disorder_interstitial_eV": 0.0})))
    rows = []
    for label, model in variants:
        systems = [build_system(model, n_fu, seed=s) for s in seeds]
        for c in licl:
            el = ps.electrolyte(c)
            for V in voltages:
                d = el.delta_mu(np.array([float(V)]))
                dmu = {k: float(np.asarray(v).reshape(-1)[0]) for k, v in d.items()}
                res = [run_lattice_mc(sy, dmu, n_sweeps=n_sweeps, n_equil=n_equil, seed=200 + q)
                       for q, sy in enumerate(systems)]
                for q_name, get_mc, get_m in (
                        ("x_Li per fu", lambda r: (r.x_per_fu["Li"], r.stderr_per_fu["Li"]), lambda p: p["x_per_fu"]["Li"]),
                        ("x_Mg per fu", lambda r: (r.x_per_fu["Mg"], r.stderr_per_fu["Mg"]), lambda p: p["x_per_fu"]["Mg"]),
                        ("e- per fu", lambda r: (r.electrons_per_fu, r.electrons_stderr), lambda p: p["electrons_per_fu"])):
                    x, e = _combine([get_mc(r) for r in res])
                    pm = float(np.mean([get_m(model_prediction(sy, dmu)) for sy in systems]))
                    pg = float(np.mean([get_m(model_prediction(sy, dmu, gaussian=True)) for sy in systems]))
                    e_eff = max(e, 1e-12)
                    rows.append({"case": label, "graph": "random-regular" if model.interaction else "none",
                                 "licl_M": c, "V": float(V), "quantity": q_name, "mc": x, "stderr": e, "model": pm,
                                 "z": (pm - x) / e_eff if e > 0 else (0.0 if abs(pm - x) < 1e-9 else float("inf")),
                                 "gaussian_model": pg, "stratification_error": pg - pm,
                                 "n_sites": int(systems[0].site_type.size), "runs": len(seeds),
                                 "seconds": sum(r.seconds for r in res)})
    return rows


def two_phase_rows(offsets_eV: Sequence[float] = (-0.01, -0.005, 0.005, 0.01), n_sites: int = 4096,
                   n_sweeps: int = 1000, n_equil: int = 300, seeds: Sequence[int] = (0, 1)) -> list[dict]:
    """The fitted TiO2 4b Li–Li attraction (paper set J, super-critical: two stable branches over a range of μ)
    on a random 4-regular graph, at Δμ = ΔE + 2J + offset (coexistence at offset 0): MC started empty follows the
    low branch, started full the high branch — each compared with the model's branch of that start (the
    equilibrium one on the stable side, the metastable one on the other: hysteresis)."""
    from dualion.model import paper_set as ps
    from dualion.model.interactions import LatticeInteraction
    from dualion.model.lattice_mc import build_system, run_lattice_mc

    J = ps.value("J_LiLi_eV")
    site = SiteType("4b", 1.0, (("Li", {"Li": 1}, -1.5, 1.0),))
    model = EquilibriumModel([site], interaction=LatticeInteraction("4b", J))
    rows = []
    for off in offsets_eV:
        mu = -1.5 + 2 * J + off
        br = model._interacting.branches(np.array([[mu]]))
        for init, th in (("empty", float(br.theta_low[0])), ("full", float(br.theta_high[0]))):
            runs, secs = [], 0.0
            for s in seeds:
                r = run_lattice_mc(build_system(model, n_sites, seed=s), {"Li": mu}, n_sweeps=n_sweeps, n_equil=n_equil,
                                   seed=300 + s, init=init, moves=(1.0, 0.0, 0.0))
                runs.append((r.x_per_fu["Li"], r.stderr_per_fu["Li"]))
                secs += r.seconds
            x, e = _combine(runs)
            stable = th == float(br.theta[0])
            rows.append({"case": "TiO2 fitted J, two branches", "offset_eV": off, "init": init,
                         "branch": "equilibrium" if stable else "metastable", "J_kT": J / K_B_T_298, "mc": x,
                         "stderr": e, "model": th, "z": (th - x) / e if e > 0 else 0.0, "n_sites": n_sites,
                         "seconds": secs})
    return rows
