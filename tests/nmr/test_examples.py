"""The Fig. 4 / Fig. 5 example scripts (simulated Bruker data sets fitted back) and the NMR figures' form."""

import re

import pytest

from dualion.demo import load_script
from dualion.plotting import PANEL_LETTER_GID, figure_style, legend_data_overlap


def _letters(fig):
    return sorted(t.get_text() for t in fig.findobj(lambda a: getattr(a, "get_gid", lambda: None)() == PANEL_LETTER_GID))


def test_fig4_recovers_the_simulated_series(tmp_path):
    text = "\n".join(load_script("fig4")["main"](tmp_path, fast=True))
    assert "Simulated" in text
    rows = {m.group(1): (float(m.group(2)), float(m.group(3)), float(m.group(4)))
            for m in re.finditer(r"\| (\w+) \| \d+ \| (-?[\d.]+) \| (-?[\d.]+) ± [\d.]+ \| ([\d.]+) \|", text)}
    assert set(rows) == {"pristine", "EoD", "EoC"}
    assert abs(rows["pristine"][0] - 25.0) < 0.5 and abs(rows["EoD"][0] + 150.0) < 0.5  # the paper's values
    for true, fitted, dfrac in rows.values():
        assert abs(true - fitted) < 1.0 and dfrac < 0.01
    for name in ("fig4_nmr_series.png", "fig4_nmr_series.svg", "fig4_nmr_series.csv", "nmr_fit_EoD.png"):
        assert (tmp_path / name).is_file()
    assert (tmp_path / "simulated_bruker" / "EoD" / "1" / "pdata" / "1" / "1r").is_file()


def test_fig5_integral_ratio(tmp_path):
    text = "\n".join(load_script("fig5")["main"](tmp_path, fast=True))
    m = re.search(r"EoC/EoD = \*\*([\d.]+)\*\* \(truth ([\d.]+), error ([\d.]+) %\)", text)
    assert m and float(m.group(3)) < 1.0 and float(m.group(1)) < 1.0
    assert (tmp_path / "fig5_integrals.png").is_file() and (tmp_path / "fig5_central_line_EoC.svg").is_file()


def test_nmr_figures_letters_and_legends_clear(tmp_path):
    from dualion.nmr.fit import fit_spectrum
    from dualion.nmr.model import model_from_shifts
    from dualion.nmr.plots import plot_fit, plot_series
    from dualion.nmr.readers import read_spectrum
    from dualion.nmr.results import NMRSeriesResult
    from tests.nmr import cases, sim

    sim.write_processed(tmp_path / "e", cases.PRISTINE_60K, si=2048, mas_Hz=60000.0, noise=0.002, **cases.F19)
    res = fit_spectrum(read_spectrum(tmp_path / "e"), model_from_shifts([95, 0, -85]))
    with figure_style():
        f1 = plot_fit(res)
        f2 = plot_series(NMRSeriesResult(labels=["a", "b"], fits=[res, res]))
    assert _letters(f1) == ["(a)", "(b)"] and _letters(f2) == ["(a)", "(b)", "(c)"]
    assert legend_data_overlap(f1) == [] and legend_data_overlap(f2) == []
    pytest.importorskip("PIL")
