"""Integrated intensities (7Li EoD/EoC), result round trips, line-shape invariants and the CSA model."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualion.nmr.integrate import integrate
from dualion.nmr.lineshape import orders_in_window, pseudo_voigt, pseudo_voigt_peak_height, sideband_positions
from dualion.nmr.readers import read_spectrum
from tests.nmr import cases, sim

#: 7Li at 44 kHz (377 ppm spacing): EoD has stronger sidebands than EoC (the paper's trend)
EOD = [dict(delta=1.0, fwhm=12.0, eta=0.1, area=3.0, sb={-2: 0.1, -1: 0.45, 1: 0.40, 2: 0.08}),
       dict(delta=-1.5, fwhm=25.0, eta=0.1, area=1.0, sb={-1: 0.3, 1: 0.3})]
EOC = [dict(delta=0.5, fwhm=10.0, eta=0.1, area=1.2, sb={-1: 0.20, 1: 0.18}),
       dict(delta=-1.0, fwhm=22.0, eta=0.1, area=0.5, sb={-1: 0.1, 1: 0.1})]


def test_integral_ratio_eoc_eod_within_one_percent(tmp_path):
    li = dict(cases.LI7, sw_Hz=400000.0)
    sim.write_processed(tmp_path / "eod", EOD, mas_Hz=44000.0, si=8192, ns=128, rg=57.0, noise=0.001, **li)
    sim.write_processed(tmp_path / "eoc", EOC, mas_Hz=44000.0, si=8192, ns=256, rg=90.5, noise=0.001, seed=2, **li)
    eod = read_spectrum(tmp_path / "eod", mass_mg=2.0)
    eoc = read_spectrum(tmp_path / "eoc", mass_mg=1.5)
    res = integrate([eod, eoc], (-150.0, 150.0), ["EoD", "EoC"])
    true = [sim.truth(t)[0].sum() / (ns * rg * m) for t, ns, rg, m in ((EOD, 128, 57.0, 2.0), (EOC, 256, 90.5, 1.5))]
    assert res.rows[1]["ratio"] == pytest.approx(true[1] / true[0], rel=0.01)
    assert res.rows[0]["ratio"] == 1.0 and {-2, -1, 1, 2} <= set(res.rows[0]["orders"])
    assert res.rows[0]["divisor_factors"] == ["NS", "RG", "mass_mg"]
    # the centre band alone would be wrong by far more than 1 %
    centre_ratio = (res.rows[1]["centre"] / res.rows[1]["divisor"]) / (res.rows[0]["centre"] / res.rows[0]["divisor"])
    assert abs(centre_ratio / (true[1] / true[0]) - 1) > 0.05


def test_round_trips(tmp_path):
    from dualion.nmr.fit import fit_spectrum
    from dualion.nmr.model import NMRModel, model_from_shifts
    from dualion.nmr.results import KINDS, NMRFitResult, NMRIntegrals, NMRSeriesResult

    sim.write_processed(tmp_path / "e", cases.PRISTINE_60K, si=2048, mas_Hz=60000.0, noise=0.002, **cases.F19)
    spec = read_spectrum(tmp_path / "e")
    fit = fit_spectrum(spec, model_from_shifts([95, 0, -85]))
    d = fit.to_dict()
    assert d["kind"] == "nmr_fit" and {"nucleus", "larmor_MHz", "mas_Hz", "lines", "mean_delta_iso_ppm"} <= set(d)
    assert {"delta_ppm", "delta_sigma", "fwhm_ppm", "lorentz_fraction", "intensity", "intensity_fraction",
            "assignment"} <= set(d["lines"][0])
    assert NMRFitResult.from_dict(d).to_dict() == d
    ser = NMRSeriesResult(labels=["a", "b"], fits=[fit, fit])
    assert NMRSeriesResult.from_dict(ser.to_dict()).to_dict() == ser.to_dict()
    integ = integrate([spec], (-100, 100))
    assert NMRIntegrals.from_dict(integ.to_dict()).to_dict() == integ.to_dict()
    assert set(KINDS) == {"nmr_fit", "nmr_series", "nmr_integrals"}
    m = model_from_shifts([1, 2])
    assert NMRModel.from_dict(m.to_dict()) == m
    with pytest.raises(ValueError):
        NMRFitResult.from_dict(integ.to_dict())
    import dualion
    from dualion.io.atomic import atomic_write_json

    for obj in (fit, ser, integ):  # the shared loader finds every nmr kind
        path = atomic_write_json(tmp_path / f"{obj.kind}.json", obj.to_dict())
        assert dualion.load(path).to_dict() == obj.to_dict()


@settings(max_examples=40, deadline=None)
@given(c=st.floats(-50, 50), w=st.floats(0.5, 20), eta=st.floats(0, 1), area=st.floats(0.1, 10))
def test_pseudo_voigt_area_and_height(c, w, eta, area):
    x = np.linspace(c - 4000 * w, c + 4000 * w, 400001)
    y = pseudo_voigt(x, c, w, eta, area)
    inside = 1 - eta * (1 - 2 / math.pi * math.atan(4000 * w / (w / 2)))  # Lorentzian tail beyond the grid
    assert np.trapezoid(y, x) == pytest.approx(area * inside, rel=1e-4)
    assert pseudo_voigt(np.array([c]), c, w, eta, area)[0] == pytest.approx(pseudo_voigt_peak_height(w, eta, area))
    half = pseudo_voigt(np.array([c + w / 2]), c, w, eta, area)[0]
    assert half == pytest.approx(0.5 * pseudo_voigt_peak_height(w, eta, area), rel=1e-9)


def test_sideband_positions_and_orders():
    s = 64000.0 / 282.4  # ppm, by hand: 226.63 ppm
    np.testing.assert_allclose(sideband_positions(-145.0, [-1, 1], 64000.0, 282.4), [-145 - s, -145 + s])
    assert orders_in_window(0.0, -500, 500, 64000.0, 282.4) == [-2, -1, 1, 2]
    assert orders_in_window(0.0, -500, 500, None, 282.4) == []


def test_csa_manifold_matches_an_independent_powder_average():
    """mrsimulator through dualion vs the tests' own Maricq–Waugh powder average (η = 0), δ-scale ζ."""
    pytest.importorskip("mrsimulator")
    from dualion.nmr.csa import sideband_fractions

    iso = sideband_fractions(0.0, 0.0, 60000.0, 282.4, "19F", 4)
    assert iso[0] == pytest.approx(1.0)
    for zeta in (100.0, -150.0):
        f = sideband_fractions(zeta, 0.0, 20000.0, 282.4, "19F", 4)
        ref = sim.csa_sidebands(zeta, 20000.0, 282.4, 4)
        assert sum(f.values()) == pytest.approx(1.0)
        for n in (-3, -2, -1, 1, 2, 3):
            assert f[n] / f[0] == pytest.approx(ref[n], rel=0.02, abs=2e-4), (zeta, n)
    # positive ζ (δ_zz above δ_iso): the intense β = 90° edge lies at lower δ, so do the strong sidebands
    assert ref[-1] > ref[1] if zeta > 0 else ref[1] > ref[-1]
