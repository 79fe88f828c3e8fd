"""Model vs paper (issue 13): the target report's verdicts follow its numbers, the comparison figures pass the
figure checks, and the demo script runs (its cell simulations replaced by a hand-made study to stay fast)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from dualion.cell.experiments import GittPoint, RatePoint
from dualion.core import paper
from dualion.model.targets_report import (RateStudy, TargetReport, TargetRow, equilibrium_rows, rate_rows,
                                          reversibility_rows)
from dualion.plotting import PANEL_LETTER_GID, figure_style, legend_data_overlap

F_MAH_MOL = 96485.33212 / 3.6          # mA h per mol of electrons


def _letters(fig):
    return sorted(t.get_text() for t in fig.findobj(lambda a: getattr(a, "get_gid", lambda: None)() == PANEL_LETTER_GID))


def _result(qd, qc, v0=2.0):
    """A discharge (step 1) to qd then a charge (step 2) of qc, mA h g-1, with a falling then rising voltage."""
    n = 20
    q = np.r_[-np.linspace(0, qd, n), -qd + np.linspace(0, qc, n)]
    v = np.r_[np.linspace(v0, 0.05, n), np.linspace(0.05, v0 - 0.1, n)]
    return SimpleNamespace(step=np.r_[np.ones(n, int), 2 * np.ones(n, int)], charge_mAh_g=q, voltage_V=v,
                           c_Li_electrode_M=np.full(2 * n, 0.1))


def fake_study(charge_1M_1000=150.0, charge_02_20=255.0):
    rates = (20.0, 50.0, 1000.0)
    cap = {(0.2, 20.0): (270.0, charge_02_20), (0.2, 50.0): (262.0, 250.0), (0.2, 1000.0): (160.0, 110.0),
           (1.0, 20.0): (276.0, 240.0), (1.0, 50.0): (270.0, 268.0), (1.0, 1000.0): (190.0, charge_1M_1000)}
    fli = {20.0: 0.75, 50.0: 0.8, 1000.0: 0.9}
    pts, res = {}, {}
    for (c, r), (qd, qc) in cap.items():
        x_tot = 0.6
        pts[c, r] = RatePoint(rate_mA_g=r, discharge_capacity_mAh_g=qd, charge_capacity_mAh_g=qc,
                              x_Li_discharged=x_tot * fli[r], x_Mg_discharged=x_tot * (1 - fli[r]),
                              mean_discharge_voltage_V=1.0, licl_M=c)
        res[c, r] = _result(qd, qc)
    g = {c: [GittPoint(k, 10.0 * k, 1.0 - 0.01 * k, 1.1 - 0.01 * k, -(eta + 0.01 * k), 0.01 * k, 0.0)
             for k in range(1, 9)] for c, eta in ((0.0, 0.3), (0.2, 0.1))}
    return RateStudy(rates, pts, res, {k: -1e-3 for k in pts}, {k: 0.05 for k in pts}, g, {}, 0.0)


def test_rate_and_reversibility_verdicts_follow_the_numbers():
    rep = TargetReport()
    rate_rows(rep, fake_study())
    reversibility_rows(rep, fake_study())
    assert all(r.consistent() for r in rep.rows)
    rev = {r.target.split(":")[0]: r for r in rep.rows if r.group == "4 reversibility"}
    assert set(rev) == {"0.2 M, 20 mA g-1", "0.2 M, 50 mA g-1", "1 M, 20 mA g-1", "1 M, 50 mA g-1",
                        "1 M, 1000 mA g-1"}
    assert rev["1 M, 1000 mA g-1"].met is False and rev["1 M, 1000 mA g-1"].model == 150.0   # 150 vs 200 ± 20
    assert rev["0.2 M, 20 mA g-1"].met is True                                                  # 255 vs 260
    assert rev["1 M, 20 mA g-1"].met is False                                                   # 240 vs 275
    rep2 = TargetReport()
    reversibility_rows(rep2, fake_study(charge_1M_1000=185.0))
    assert [r.met for r in rep2.rows if r.target.startswith("1 M, 1000")] == [True]
    gitt = [r for r in rep.rows if r.group == "4 GITT"]
    assert [r.met for r in gitt] == [True, True]           # 0.1 < 0.3 V; η rises by 10 mV per pulse
    n_met, n_all = rep.counts()
    assert rep.markdown()[-1] == f"{n_met} of {n_all} met." and n_all == len(rep.rows)
    assert rep.to_dict()["kind"] == "targets_report"


def test_consistency_check_can_fail():
    assert not TargetRow("g", "t", "v", True, model=150.0, measured=200.0, tol=20.0, check="abs").consistent()
    assert not TargetRow("g", "t", "v", False, model=2.0, measured=1.0, check="gt").consistent()
    assert TargetRow("g", "t", "v", None, model=2.0, measured=1.0, check="lt").consistent()


@pytest.fixture(scope="module")
def eq():
    rep = TargetReport()
    st, cs = equilibrium_rows(rep, n_V=231)
    return rep, st, cs


def test_equilibrium_rows_agree_with_the_curves(eq):
    from dualion.composition import PAPER_FORMULA, parse_formula

    rep, st, cs = eq
    assert all(r.consistent() for r in rep.rows)
    rows = {r.target: r for r in rep.rows}
    m = parse_formula(PAPER_FORMULA).molar_mass_g_mol
    x0 = float(cs[0.0].x["Mg"][-1])
    # Li-free capacity = 2 e- per Mg × F / M, computed here from the composition, not from the report
    assert rows["Li-free ≈ 150 mA h g-1"].model == pytest.approx(2 * x0 * F_MAH_MOL / m, rel=2e-3)
    assert rows["Li-free 0.22 Mg (ICP)"].model == pytest.approx(x0)
    assert rows["Li-free 0.22 Mg (ICP)"].measured == paper.ICP_UPTAKE[0.0]["Mg"]
    li = float(cs[0.2].x["Li"][-1])
    assert rows["0.2 M: x_Li near 0.47 (within the 0.78 e- limit)"].met == (abs(li - 0.47) <= 0.05)


def test_comparison_figures_pass_the_figure_checks(eq):
    from dualion.model.compare_plots import plot_equilibrium_vs_paper, plot_gitt_vs_paper, plot_rate_vs_paper

    _, st, cs = eq
    comp = {c: (float(cv.x["Li"][-1]), float(cv.x["Mg"][-1])) for c, cv in cs.items()}
    with figure_style():
        figs = {"eq": plot_equilibrium_vs_paper(st, cs), "rate": plot_rate_vs_paper(fake_study(), comp),
                "gitt": plot_gitt_vs_paper(fake_study())}
    assert _letters(figs["eq"]) == ["(a)", "(b)"] and _letters(figs["rate"]) == ["(a)", "(b)", "(c)"]
    assert _letters(figs["gitt"]) == ["(a)", "(b)"]
    for name, fig in figs.items():
        assert legend_data_overlap(fig) == [], name
    labels = [t.get_text() for ax in figs["rate"].axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert sum(s.startswith("measured (paper)") for s in labels) == 4          # 0.2 / 1 M reversible, Li / Mg ICP
    # the measured markers sit at the paper's numbers
    ax = figs["rate"].axes[0]
    meas = {ln.get_label(): ln.get_xydata() for ln in ax.get_lines() if ln.get_label().startswith("measured")}
    assert [200.0] == [y for x, y in meas["measured (paper): 1 M reversible"] if x == 1000.0]


def test_model_vs_paper_script_runs(tmp_path, eq):
    from PIL import Image

    from dualion.demo import load_script

    ns = load_script("model_vs_paper")
    main = ns["main"]
    main.__globals__["rate_study"] = lambda rates, gitt_pulses=40: fake_study()      # no cell runs (seconds)
    eq_rep, st, cs = eq                                                                 # the fixture's curves
    main.__globals__["equilibrium_rows"] = lambda rep, n_V, licl: (rep.rows.extend(eq_rep.rows), (st, cs))[1]
    text = "\n".join(main(tmp_path, fast=True))
    assert "of" in text and "Where model and measurement disagree" in text and "| 4 reversibility |" in text
    for stem in ("fig1_model_vs_paper", "fig2_model_vs_paper", "fig3a_model_vs_paper"):
        assert Image.open(tmp_path / f"{stem}.png").info["dpi"] == pytest.approx((300, 300), abs=0.01)
        assert (tmp_path / f"{stem}.svg").is_file()
    assert (tmp_path / "targets.csv").read_text().splitlines()[0].startswith("group,")
