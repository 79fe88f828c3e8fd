"""Figure faults a journal would reject, each checked on the figure the library draws: 300 dpi, panel
letters, legends clear of the data, no raw underscores, no axis offset, synthetic data labelled,
CSV files without '#' lines, no install paths in tables, unrelaxed structures warned about."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from dualion.plotting import PANEL_LETTER_GID, figure_style, legend_data_overlap, save


def _letters(fig):
    return sorted(t.get_text() for t in fig.findobj(lambda a: getattr(a, "get_gid", lambda: None)() == PANEL_LETTER_GID))


def _texts(fig):
    fig.canvas.draw()
    out = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels()]
    return out + [ax.get_title() for ax in fig.axes]


@pytest.fixture(scope="module")
def composition_figs():
    from dualion.composition import PAPER_FORMULA, parse_formula, theoretical_electrons
    from dualion.composition.plots import family_figure, paper_figure
    from dualion.composition.report import family_table, paper_table

    with figure_style():
        return (family_figure(family_table(step=0.1)),
                paper_figure(paper_table(), theoretical_electrons(PAPER_FORMULA),
                             parse_formula(PAPER_FORMULA).molar_mass_g_mol, PAPER_FORMULA))


@pytest.fixture(scope="module")
def cycling():
    from dualion import echem
    from dualion.echem import synthetic

    def make(tmp, sched):
        f = synthetic.write_csv(tmp / "c.csv", synthetic.SyntheticCell(), sched, points_per_half=40)
        d = echem.read(f)
        return d, echem.cycles.summarise(d, echem.segment.half_cycles(d))
    return make


def test_saved_png_is_300_dpi_outside_figure_style(tmp_path, composition_figs):
    from PIL import Image

    (png, svg, csv, js) = save(composition_figs[0], tmp_path, "fam", data=[{"a": 1}], close=False)
    assert Image.open(png).info["dpi"] == pytest.approx((300, 300), abs=0.01)   # was 100 for composition
    assert svg.read_text().lstrip().startswith("<?xml") and csv.read_text().splitlines()[0] == "a"


def test_composition_figures_letters_and_clear_legends(composition_figs):
    fam, pap = composition_figs
    assert _letters(fam) == ["(a)", "(b)", "(c)"] and _letters(pap) == ["(a)", "(b)"]
    assert legend_data_overlap(fam) == [] and legend_data_overlap(pap) == []
    # every dashed/dotted line is explained in a legend
    labels = [t.get_text() for lg in [ax.get_legend() for ax in pap.axes] if lg for t in lg.get_texts()]
    assert any("limit" in s for s in labels) and any("measured" in s for s in labels)


def test_overlap_check_can_fail():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot(np.linspace(0, 1, 50), np.linspace(0, 1, 50), label="data")
    ax.legend(loc="center")                   # right over the line
    assert legend_data_overlap(fig)


def test_echem_figures_legends_off_data_and_retention_axis(tmp_path, cycling):
    from dualion.echem import plots

    d, s = cycling(tmp_path, [1000.0] * 30)
    with figure_style():
        figs = [plots.plot_cycling(s), plots.plot_rate_capability(s), plots.plot_voltage_capacity(d, s, [1, 2, 3])]
    for fig in figs:
        assert legend_data_overlap(fig) == []
    ret_ax = figs[0].axes[1]
    figs[0].canvas.draw()
    assert ret_ax.yaxis.get_offset_text().get_text() == ""          # no "+9.9999e1"
    assert not any("e1" in t.get_text() for t in ret_ax.get_yticklabels())
    assert _letters(figs[0]) == ["(a)", "(b)"]


def test_gitt_and_dqdv_legends_off_data(tmp_path):
    from dualion.echem.dqdv import dqdv_from_segments, plot_dqdv
    from dualion.echem.gitt import GITTGeometry, analyse_gitt_data, plot_gitt, synthetic_gitt
    from dualion.echem.synthetic import synthetic_cycling
    from dualion.echem.table import make_cycler_data

    recs = []
    for seed, R in ((2, 800.0), (3, 2000.0)):
        s = synthetic_gitt(n_pulses=6, mass_mg=1.6, E0_V=1.6, E_end_V=0.5, R_ohm=R, D_cm2_s=2e-11, radius_um=10.0,
                           seed=seed)
        d = make_cycler_data(s.time_s, s.voltage_V, s.current_mA, mass_mg=1.6, source="t")
        recs.append(analyse_gitt_data(d, GITTGeometry(mass_mg=1.6, molar_mass_g_mol=71.02, radius_um=10.0),
                                      label=f"R = {R:g}"))
    t, v, i, c = synthetic_cycling(n_cycles=2, n_per_half=400)
    edges = np.flatnonzero(np.diff(np.sign(i))) + 1
    bounds = list(zip(np.r_[0, edges], np.r_[edges, len(t)]))
    res = dqdv_from_segments(t, v, i, bounds, step_V=0.005, smooth_V=0.01)
    with figure_style():
        for fig in (plot_gitt(recs), plot_dqdv(res)):
            assert legend_data_overlap(fig) == []


def test_format_label_and_distortion_ticks(tmp_path):
    from dualion.plotting import format_label
    from dualion.structures import build_site_model
    from dualion.structures.distortion import distortion_table, plot_distortion

    assert format_label("V_Ti+4F_O") == "V$_{\\mathrm{Ti}}$ + 4F$_{\\mathrm{O}}$"
    models = build_site_model("paired-vacancy", (2, 2, 1), ions=("Li", "Mg"))
    rows = distortion_table([(m.label, m.structure) for m in models], models[0].meta["vacancies"], source="unrelaxed")
    with figure_style():
        fig = plot_distortion(rows, reference={"axial_A": 3.96, "equatorial_A": 3.78}, note="unrelaxed")
    texts = _texts(fig)
    assert any("2V" in t for t in texts) and not [t for t in texts if "_" in t.replace("$_", "")]
    legend = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    assert "axial" in legend and "ideal anatase" in legend
    assert _letters(fig) == ["(a)", "(b)"]


def test_distortion_warns_on_unrelaxed_models_only():
    from dualion.errors import DualionWarning
    from dualion.structures import build_site_model
    from dualion.structures.distortion import distortion_table
    from dualion.structures.relaxed import bundled_relaxed_structures

    models = build_site_model("paired-vacancy", (4, 4, 2), ions=("Li", "Mg"))
    pairs = [(m.label, m.structure) for m in models[:2]]
    with pytest.warns(DualionWarning, match="unrelaxed"):
        distortion_table(pairs, models[0].meta["vacancies"])
    relaxed, src = bundled_relaxed_structures(models[0].structure.lattice)
    if not relaxed:
        pytest.skip("no bundled relaxed structures")
    assert "chgnet" in src.lower()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DualionWarning)
        rows = distortion_table([(k, relaxed[k]) for k in ("Li", "Mg")], models[0].meta["vacancies"])
    assert rows and all(not math.isclose(r["equatorial_a_A"], r["equatorial_b_A"], abs_tol=1e-4) for r in rows)


def test_insertion_table_sources_are_package_relative(tmp_path):
    from dualion.plotting import write_table
    from dualion.thermo.energies import insertion_table
    from dualion.thermo.models import public_dft_models

    recs = [r.to_dict() for r in insertion_table(public_dft_models())]
    assert recs and all(r["source"].startswith("dualion/data/f-tio2-dft/") for r in recs)
    for r in recs:
        r["counts"] = str(r["counts"])
    csv, _ = write_table(recs, tmp_path, "insertion_energies")
    text = csv.read_text()
    assert not text.startswith("#") and "/work/" not in text and "site-packages" not in text


def test_live_check_quotes_no_energy_when_unconverged(tmp_path, monkeypatch):
    from types import SimpleNamespace

    import dualion.engines.compute as compute
    import dualion.thermo.sitemodel as sitemodel
    from dualion.engines import bundled

    conf = SimpleNamespace(finished=False)
    sm = SimpleNamespace(configurations=[conf], host=SimpleNamespace(finished=True),
                         provenance={"model_version": "fake"})
    res = SimpleNamespace(records=[SimpleNamespace(skipped=False)])
    monkeypatch.setattr(compute, "compute_site_model", lambda *a, **k: (sm, res))
    monkeypatch.setattr(sitemodel, "dump_site_model", lambda *a, **k: None)
    line = bundled.live_check(tmp_path)
    assert "NOT converged" in line and "ΔE" not in line and "eV raw" not in line


def test_model_help_does_not_list_cell():
    from typer.main import get_command

    from dualion.cli import app

    root = get_command(app)
    assert "cell" in root.commands and "cell" not in root.commands["model"].commands


@pytest.fixture(scope="module")
def cell_runs():
    from dualion import cell

    p = cell.CellParameters(licl_M=0.2)
    curves = [cell.discharge_charge(p, rate_mA_g=r) for r in (100.0, 1000.0)]
    gitt = {"0.2 M LiCl": cell.simulate_gitt(p, max_pulses=4)}
    return curves, gitt


def test_cell_figures_letters_and_clear_legends(cell_runs):
    from dualion.cell import experiments, plots

    curves, gitt = cell_runs
    with figure_style():
        rate = plots.plot_rate_curves(curves)
        cap = plots.plot_capacity_vs_rate({"0.2 M": [experiments.summarize(r) for r in curves]})
        gt = plots.plot_gitt(gitt, {k: experiments.gitt_points(v) for k, v in gitt.items()})
    assert _letters(cap) == ["(a)", "(b)"] and _letters(gt) == ["(a)", "(b)"]
    for fig in (rate, cap, gt):
        assert legend_data_overlap(fig) == []
        assert not any("_" in t and "$" not in t for t in _texts(fig))
    # both rates and both half-cycles are drawn and named in the key
    labels = [t.get_text() for t in rate.axes[0].get_legend().get_texts()]
    assert labels[:2] == ["100 mA g$^{-1}$", "1000 mA g$^{-1}$"] and "discharge" in labels and "charge" in labels
