"""Vegard's law by hand, esd notation, no hidden slopes; JSON round trips of every result kind."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dualion.errors import DualionUserError
from dualion.pdf.results import PDFFitResult, PDFSeriesResult, VegardResult, format_esd
from dualion.pdf.vegard import load_slopes, parse_esd, vegard


def test_parse_esd():
    assert parse_esd("3.7991(7)", "--a") == (3.7991, pytest.approx(0.0007))
    assert parse_esd("9.325(6)", "--c") == (9.325, pytest.approx(0.006))
    assert parse_esd("12(3)", "--c") == (12.0, 3.0) and parse_esd("3.8", "--a") == (3.8, None)
    with pytest.raises(DualionUserError) as e:
        parse_esd("3.8(x)", "--a0")
    assert e.value.field == "--a0"


def test_vegard_by_hand():
    # a = a0 + 0.25 x, c = c0 − 0.45 x: paper cells (discharged vs pristine)
    res = vegard("3.875(2)", "9.325(6)", "3.7991(7)", "9.475(2)", 0.25, -0.45)
    assert res.x_from_a == pytest.approx((3.875 - 3.7991) / 0.25)
    assert res.x_from_c == pytest.approx((9.325 - 9.475) / -0.45)
    assert res.x_from_a_sigma == pytest.approx(np.hypot(0.002, 0.0007) / 0.25)
    assert res.x_range == (pytest.approx(0.3036), pytest.approx(0.3333, abs=1e-4))
    assert res.slopes_source == "user" and res.citation is None


def test_slopes_file_needs_a_citation(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("da_dx_A: 0.2\ndc_dx_A: -0.4\n")
    with pytest.raises(DualionUserError) as e:
        load_slopes(p)
    assert e.value.field == "citation"
    p.write_text("da_dx_A: 0.2\ndc_dx_A: -0.4\ncitation: Someone et al., J. Test 1, 1 (2000)\n")
    assert load_slopes(p) == (0.2, -0.4, "Someone et al., J. Test 1, 1 (2000)")
    with pytest.raises(DualionUserError):
        vegard(3.8, 9.4, 3.79, 9.47, 0.0, -0.4)


def test_no_slopes_are_bundled():
    from importlib.resources import files

    pdf_data = files("dualion") / "data" / "pdf"
    assert not [p for p in pdf_data.iterdir() if p.name.endswith((".yaml", ".yml"))]


def test_format_esd():
    assert format_esd(3.5317537, 3.5e-5) == "3.53175(4)"
    assert format_esd(0.787417, 0.0014) == "0.7874(14)"
    assert format_esd(1.0, None) == "1"


def _fake_fit(a: float, c: float) -> PDFFitResult:
    r = np.linspace(1, 2, 5)
    return PDFFitResult(Rw=0.1, chi2_red=1.0, parameters={"a": {"value": a, "sigma": 0.001, "free": True},
                                                          "c": {"value": c, "sigma": 0.002, "free": True}},
                        data={"file": f"f{a}.gr"}, structure={"refined": {"lattice": [a, a, c, 90, 90, 90],
                                                                          "atoms": []},
                                                             "lattice_groups": {"a": [0, 1], "c": [2]}},
                        engine="diffpy.pdffit2 1.5.1", settings={}, r=r, Gobs=np.sin(r), Gcalc=np.cos(r))


def test_round_trips():
    f = _fake_fit(3.8, 9.5)
    g = PDFFitResult.from_dict(json.loads(json.dumps(f.to_dict())))
    assert g.to_dict() == f.to_dict() and g.to_dict()["kind"] == "pdf_fit"
    s = PDFSeriesResult([f, _fake_fit(3.9, 9.3)], workers=2)
    d = json.loads(json.dumps(s.to_dict()))
    assert d["kind"] == "pdf_series" and PDFSeriesResult.from_dict(d).to_dict() == s.to_dict()
    rows = s.rows()
    assert rows[1]["dV_over_V0"] == pytest.approx((3.9 ** 2 * 9.3 - 3.8 ** 2 * 9.5) / (3.8 ** 2 * 9.5))
    # σ_V of V = a²c from σ_a, σ_c (tetragonal a drives two cell edges)
    assert rows[0]["V_sigma_A3"] == pytest.approx(np.hypot(2 * 3.8 * 9.5 * 0.001, 3.8 ** 2 * 0.002), rel=1e-4)
    v = vegard(3.9, 9.3, 3.8, 9.5, 0.25, -0.5, slopes_source="file.yaml", citation="X")
    w = VegardResult.from_dict(json.loads(json.dumps(v.to_dict())))
    assert w == v and v.to_dict()["kind"] == "vegard"


def test_figures_letters_legend_clear_synthetic_mark(tmp_path):
    from dualion.pdf.plots import plot_fits, plot_series
    from dualion.plotting import PANEL_LETTER_GID, figure_style, legend_data_overlap, save

    fits = [_fake_fit(3.8, 9.5), _fake_fit(3.9, 9.3)]
    with figure_style():
        fig = plot_fits(fits, labels=["pristine", "discharged"], synthetic="simulated")
        letters = sorted(t.get_text() for t in fig.findobj(lambda a: getattr(a, "get_gid", lambda: None)()
                                                             == PANEL_LETTER_GID))
        assert letters == ["(a)", "(b)"] and legend_data_overlap(fig) == []
        assert any(t.get_text() == "simulated" for t in fig.texts)
        paths = save(fig, tmp_path, "fits")
        assert [p.suffix for p in paths] == [".png", ".svg"]
        fig2 = plot_series(PDFSeriesResult(fits))
        assert len(fig2.axes) == 3 and legend_data_overlap(fig2) == []


def test_shared_loader_reads_every_kind(tmp_path):
    import dualion
    from dualion.core.records import dump

    s = PDFSeriesResult([_fake_fit(3.8, 9.5)])
    for obj in (_fake_fit(3.8, 9.5), s, vegard(3.9, 9.3, 3.8, 9.5, 0.25, -0.5)):
        back = dualion.load(dump(obj, tmp_path / "r.json"))
        assert type(back) is type(obj) and back == obj
