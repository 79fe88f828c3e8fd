"""Demo part of dualion.echem: a synthetic Mg || Ti0.78□0.22O1.12F0.40(OH)0.48 cell written as plain
CSV, read back and analysed (summary table, Fig. 1a-like curves, Fig. 2a-like rate capability, Fig.
2b-like retention). The paper's raw files are not public; see :mod:`dualion.echem.synthetic`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def run(out: Path, fast: bool = False) -> list[str]:
    """Write this part's figures and tables into ``out``; return Markdown summary lines."""
    import warnings

    from dualion.echem import plots, read, synthetic
    from dualion.echem.cycles import summarise
    from dualion.echem.segment import half_cycles
    from dualion.errors import DualionWarning
    from dualion.plotting import figure_style, save_figure, write_table

    out = Path(out)
    cell = synthetic.SyntheticCell()
    rate_sched = synthetic.rate_schedule(synthetic.PAPER_RATES_MA_G, cycles_per_rate=5)
    n_long = 100 if fast else 400
    long_sched = [1000.0] * n_long

    # 1. the example files (plain dualion CSV), 2. read back and analyse
    rate_csv = synthetic.write_csv(out / "synthetic_rate_test.csv", cell, rate_sched, points_per_half=200)
    long_csv = synthetic.write_csv(out / "synthetic_long_cycling.csv", cell, long_sched, points_per_half=60,
                                   rest_points=2, rest_s=120.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DualionWarning)  # the example files must read cleanly
        rate = read(rate_csv)
        long = read(long_csv)
    s_rate = summarise(rate, half_cycles(rate))
    s_long = summarise(long, half_cycles(long))

    # 3. check against the generator's known capacities
    exp = synthetic.expected(cell, rate_sched)
    err_rate = max(max(abs(c.discharge_mAh_g - e["discharge_mAh_g"]), abs(c.charge_mAh_g - e["charge_mAh_g"]))
                   for c, e in zip(s_rate.cycles, exp))
    exp_l = synthetic.expected(cell, long_sched)
    err_long = max(abs(c.discharge_mAh_g - e["discharge_mAh_g"]) for c, e in zip(s_long.cycles, exp_l))

    # 4. figures: Fig. 1a-like curves at 20 mA g-1 after two activation cycles; Fig. 2a; Fig. 2b
    figs = {
        "fig1a_voltage_capacity": plots.plot_voltage_capacity(
            rate, s_rate, [3, 4, 5],
            title="Synthetic Mg || Ti$_{0.78}$□$_{0.22}$O$_{1.12}$F$_{0.40}$(OH)$_{0.48}$, 20 mA g$^{-1}$"),
        "fig2a_rate_capability": plots.plot_rate_capability(s_rate),
        "fig2b_long_cycling": plots.plot_cycling(s_long, title=f"1000 mA g$^{{-1}}$, {n_long} cycles"),
    }
    with figure_style():
        for stem, fig in figs.items():
            save_figure(fig, out, stem)
    write_table(s_rate.table(), out, "rate_test_cycles")
    write_table([r.to_dict() for r in s_rate.rates], out, "rate_capability")
    write_table(s_long.table(), out, "long_cycling_cycles")
    write_table(plots.curves(rate, s_rate, [3, 4, 5]), out, "fig1a_curves")

    last = s_long.cycles[-1]
    lines = [
        "Synthetic Mg || Ti0.78□0.22O1.12F0.40(OH)0.48 cell (documented bookkeeping model, "
        "`dualion.echem.synthetic`; the paper's raw data are not public), written as plain CSV and analysed "
        "with `dualion echem` (discharge-then-charge pairing, mass 1.6 mg from the file header).",
        "",
        "| current density (mA g-1) | cycles | discharge (mA h g-1) | charge (mA h g-1) | CE (%) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for b in s_rate.rates:
        ce = "–" if b.ce_mean_pct is None else f"{b.ce_mean_pct:.1f}"
        lines.append(f"| {b.rate:.0f} | {b.first_cycle}–{b.last_cycle} | {b.discharge_mean:.1f} | "
                     f"{b.charge_mean:.1f} | {ce} |")
    lines += [
        "",
        f"- Long cycling at 1000 mA g-1: retention {last.retention_pct:.1f} % after {last.number} cycles "
        f"(vs cycle {s_long.retention_reference_cycle}); paper: > 90 % after 400 cycles.",
        f"- Recovered vs prescribed capacities: max |Δ| = {err_rate:.2g} mA h g-1 (rate test), "
        f"{err_long:.2g} mA h g-1 (long cycling).",
        f"- Mean polarization at 20 mA g-1 (cycle 3): {s_rate.cycles[2].polarization_V:.3f} V; "
        f"at 1000 mA g-1 (cycle 26): {s_rate.cycles[25].polarization_V:.3f} V.",
        "- Figures: `fig1a_voltage_capacity`, `fig2a_rate_capability`, `fig2b_long_cycling` (PNG + SVG); "
        "tables: `rate_test_cycles`, `rate_capability`, `long_cycling_cycles`, `fig1a_curves` (CSV + JSON).",
    ]
    assert np.isfinite(err_rate)
    return lines
