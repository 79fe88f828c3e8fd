"""Demo part "Cycler-data analysis: dQ/dV and GITT" (see :mod:`dualion.demo`).

The paper's raw cycler files are not public, so this part analyses documented synthetic files
written here in the team's plain CSV format (answers known by construction):

* ``synthetic_cycling.csv`` – 5 galvanostatic cycles at 20 mA g⁻¹ (1.6 mg) of an electrode whose
  equilibrium capacity is the sum of two logistic insertion steps centred at 0.77 V and 1.00 V vs
  Mg²⁺/Mg (the dQ/dV peak positions of Fig. 1d; widths 25 mV, 110 and 170 mA h g⁻¹), with a
  ±50 mV polarisation (discharge below, charge above equilibrium), 5 % capacity fade per cycle and
  1 mV Gaussian voltage noise. Expected dQ/dV peaks: discharge ≈ 0.72 V and 0.95 V, charge ≈ 0.82 V
  and 1.05 V.
* ``synthetic_gitt_li.csv`` / ``synthetic_gitt_noli.csv`` – GITT first discharges with the paper's
  protocol (−10 mA g⁻¹ for 1 h, 10 h rest, 1.6 mg) built by :func:`dualion.echem.gitt.synthetic_gitt`:
  "APC + LiCl" (28 pulses, D = 2·10⁻¹¹ cm² s⁻¹, R = 800 Ω) and "APC" (15 pulses, D falling from
  2·10⁻¹¹ to 10⁻¹² cm² s⁻¹ with depth, R = 2 kΩ, so η grows as for Mg²⁺ in Fig. 3a);
  spherical particles of radius 10 µm (τ D / r² ≤ 0.072, inside Weppner–Huggins' range). The recovered D, η and E_eq are compared with the inputs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: Ti0.78□0.22O1.12F0.40(OH)0.48: 0.78 Ti + 1.12 O + 0.40 F + 0.48 (O + H), g/mol (IUPAC masses).
MOLAR_MASS_G_MOL = 0.78 * 47.867 + 1.12 * 15.999 + 0.40 * 18.998 + 0.48 * (15.999 + 1.008)
MASS_MG = 1.6
#: Particle radius of the synthetic GITT records (µm).
RADIUS_UM = 10.0


def synthetic_cycling(n_cycles: int = 5, n_per_half: int = 2000, mass_mg: float = MASS_MG,
                      rate_mA_g: float = 20.0, peaks_V=(0.77, 1.00), caps_mAh_g=(110.0, 170.0),
                      width_V: float = 0.025, polarisation_V: float = 0.05, fade: float = 0.05,
                      noise_V: float = 0.001, seed: int = 1):
    """(time_s, voltage_V, current_mA, cycle) of a synthetic cell (see the module docstring).

    Equilibrium capacity ``q(V) = Σ_k Q_k / (1 + exp((V − V_k)/w))`` (mA h g⁻¹ inserted at voltage
    V); each half-cycle samples ``n_per_half`` equal capacity steps of the (faded) total.
    """
    rng = np.random.default_rng(seed)
    g = mass_mg / 1000.0
    v_fine = np.linspace(0.3, 1.6, 20001)
    q_fine = sum(Q / (1.0 + np.exp((v_fine - V0) / width_V)) for V0, Q in zip(peaks_V, caps_mAh_g))
    # q decreases with V: invert on the fine grid
    order = np.argsort(q_fine)
    q_sorted, v_sorted = q_fine[order], v_fine[order]
    qtot = float(q_fine.max() - q_fine.min())
    I = rate_mA_g * g
    ts, vs, cs, cyc = [], [], [], []
    t0 = 0.0
    for c in range(1, n_cycles + 1):
        cap = qtot * (1.0 - fade) ** (c - 1)
        frac = np.linspace(0.0, 1.0, n_per_half)
        q_dis = q_fine.min() + 0.001 * qtot + frac * (cap - 0.002 * qtot)
        v_eq = np.interp(q_dis, q_sorted, v_sorted)
        dt = (cap / rate_mA_g) * 3600.0 / (n_per_half - 1)
        for direction, sign in (("discharge", -1.0), ("charge", 1.0)):
            veq = v_eq if direction == "discharge" else v_eq[::-1]
            v = veq + sign * polarisation_V + rng.normal(0.0, noise_V, n_per_half)
            t = t0 + np.arange(n_per_half) * dt
            ts.append(t)
            vs.append(v)
            cs.append(np.full(n_per_half, sign * I))
            cyc.append(np.full(n_per_half, c))
            t0 = t[-1] + dt
    return np.concatenate(ts), np.concatenate(vs), np.concatenate(cs), np.concatenate(cyc)


def run(out: Path, fast: bool = False) -> list[str]:
    """Write the dQ/dV and GITT figures and tables into ``out``; return Markdown summary lines."""
    from dualion.echem.cli_analysis import dqdv_outputs, gitt_outputs, half_cycles_of, read_table
    from dualion.echem.dqdv import dqdv
    from dualion.echem.gitt import GITTGeometry, analyse_gitt_data, synthetic_gitt, write_plain_csv

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []

    # ---- dQ/dV -------------------------------------------------------------------------------
    t, v, i, cyc = synthetic_cycling(n_cycles=3 if fast else 5)
    cyc_csv = out / "synthetic_cycling.csv"
    write_plain_csv(cyc_csv, t, v, i, header=[f"mass_mg={MASS_MG}", "reference=Mg",
                                              "source=dualion.echem.demo_analysis.synthetic_cycling",
                                              "synthetic cell with dQ/dV features at 0.77 V and 1.00 V vs Mg "
                                              "and 50 mV polarisation"],
                    step=cyc)
    data = read_table(cyc_csv)
    hcs = half_cycles_of(data)
    res = dqdv(data, hcs, step_V=0.002, smooth_V=0.01)
    dqdv_outputs(res, out, "synthetic_cycling", voltage_label="Voltage vs Mg$^{2+}$/Mg (V)")
    lines += ["Synthetic cell (features at 0.77 and 1.00 V vs Mg²⁺/Mg, ±50 mV polarisation, 1 mV noise); "
              "dQ/dV with σ = 10 mV on a 2 mV grid. Expected peaks: discharge 0.72 / 0.95 V, charge 0.82 / 1.05 V.",
              "", "| half-cycle | cycle | direction | peak V | dQ/dV height (mA h g⁻¹ V⁻¹) |", "|---|---|---|---|---|"]
    for p in res.peaks:
        if p.cycle in (1, 2):
            lines.append(f"| {p.half_cycle} | {p.cycle} | {p.direction} | {p.voltage_V:.3f} | "
                         f"{p.height_mAh_per_g_V:.0f} |")
    area = res.capacity_mAh
    lines += ["", f"Area under each dQ/dV curve = half-cycle capacity: max relative difference to the "
                  f"segmenter's ∫|I|dt {max(abs(a - h.capacity_mAh) / h.capacity_mAh for a, h in zip(area, hcs)):.1e}.",
              ""]

    # ---- GITT ----------------------------------------------------------------------------------
    n_li, n_noli = 28, 15          # cheap (~14k rows): the same in --fast
    d_noli = np.geomspace(2e-11, 1e-12, n_noli)
    li = synthetic_gitt(n_pulses=n_li, mass_mg=MASS_MG, E0_V=1.65, E_end_V=0.35, R_ohm=800.0, D_cm2_s=2e-11,
                        radius_um=RADIUS_UM, noise_V=0.0002, seed=2)
    noli = synthetic_gitt(n_pulses=n_noli, mass_mg=MASS_MG, E0_V=1.55, E_end_V=0.45, R_ohm=2000.0,
                          D_cm2_s=d_noli, radius_um=RADIUS_UM, noise_V=0.0002, seed=3)
    recs = []
    for name, s, lab in (("synthetic_gitt_li.csv", li, "APC + LiCl (synthetic)"),
                         ("synthetic_gitt_noli.csv", noli, "APC (synthetic)")):
        write_plain_csv(out / name, s.time_s, s.voltage_V, s.current_mA,
                        header=[f"mass_mg={MASS_MG}", "reference=Mg",
                                "source=dualion.echem.gitt.synthetic_gitt",
                                f"synthetic GITT: -10 mA/g for 1 h then 10 h rest; spheres of radius {RADIUS_UM:g} um"])
        d = read_table(out / name)
        geom = GITTGeometry(mass_mg=MASS_MG, molar_mass_g_mol=MOLAR_MASS_G_MOL, radius_um=RADIUS_UM)
        recs.append((analyse_gitt_data(d, geom, label=lab, source=name), s))
    gitt_outputs([r for r, _ in recs], out, "synthetic_gitt_li_vs_noli", voltage_label="Voltage vs Mg (V)")
    lines += ["GITT (synthetic, the paper's protocol: −10 mA g⁻¹ for 1 h, 10 h rest), with and without Li:", "",
              "| record | pulses | x at end | max abs(η) (mV) | D recovered / D input (median) | pulses with D valid |",
              "|---|---|---|---|---|---|"]
    for r, s in recs:
        D = np.array([p.D_cm2_s for p in r.pulses], dtype=float)
        ratio = float(np.median(D / s.D_cm2_s[:D.size]))
        lines.append(f"| {r.label} | {len(r.pulses)} | {r.pulses[-1].x_per_fu:.3f} | "
                     f"{max(abs(p.eta_V) for p in r.pulses) * 1000:.0f} | {ratio:.3f} | "
                     f"{sum(p.D_valid for p in r.pulses)}/{len(r.pulses)} |")
    # ---- GITT of the cell model's simulated files (written by the `cell` demo part) -----------
    sim = [(out.parent / "cell" / f, lab) for f, lab in (("gitt_0.2M_LiCl.csv", "APC + 0.2 M LiCl (model)"),
                                                          ("gitt_Li-free.csv", "APC (model)"))]
    if all(f.is_file() for f, _ in sim):
        from dualion.cell import CellParameters

        geom = GITTGeometry(mass_mg=CellParameters().mass_mg, molar_mass_g_mol=MOLAR_MASS_G_MOL,
                            radius_um=CellParameters().radius_um)
        sim_recs = [analyse_gitt_data(read_table(f), geom, label=lab, source=str(f.name)) for f, lab in sim]
        gitt_outputs(sim_recs, out, "model_gitt_li_vs_noli", voltage_label="Voltage vs Mg (V)")
        lines += ["", "GITT of the simulated files of the galvanostatic cell model (`cell/gitt_*.csv`), analysed "
                      "exactly like measured data:", "",
                  "| record | pulses (truncated) | x at end | max abs(η), full pulses (mV) | E_eq first → last (V vs Mg) |",
                  "|---|---|---|---|---|"]
        for r in sim_recs:
            full = [p for p in r.pulses if not p.truncated] or list(r.pulses)
            lines.append(f"| {r.label} | {len(r.pulses)} ({sum(p.truncated for p in r.pulses)}) | "
                         f"{r.pulses[-1].x_per_fu:.3f} | {max(abs(p.eta_V) for p in full) * 1000:.0f} | "
                         f"{r.pulses[0].E_eq_V:.3f} → {r.pulses[-1].E_eq_V:.3f} |")
        lines += ["", "Figure: `model_gitt_li_vs_noli_gitt.png` (Fig. 3a analogue)."]
    lines += ["", "Files: `synthetic_cycling_dqdv.png`, `synthetic_cycling_dqdv_peaks.csv`, "
                  "`synthetic_gitt_li_vs_noli_gitt.png`, `synthetic_gitt_li_vs_noli_gitt.csv` "
                  "(x = electrons per formula unit of Ti0.78□0.22O1.12F0.40(OH)0.48, "
                  f"M = {MOLAR_MASS_G_MOL:.2f} g/mol)."]
    return lines
