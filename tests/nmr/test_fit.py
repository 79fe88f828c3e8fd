"""Deconvolution against spectra simulated independently (tests/nmr/sim.py) and written as Bruker data sets."""

import numpy as np
import pytest

from dualion.nmr.assign import load_table
from dualion.nmr.fit import fit_spectrum
from dualion.nmr.model import model_from_shifts
from dualion.nmr.readers import read_spectrum
from tests.nmr import cases, sim


def _check(res, lines, d_tol=0.5, f_tol=0.01, m_tol=1.0):
    _, frac, mean = sim.truth(lines)
    for ln, true, f in zip(res.lines, lines, frac):
        assert abs(ln.delta_ppm - true["delta"]) < d_tol, (ln.name, ln.delta_ppm, true["delta"])
        assert abs(ln.intensity_fraction - f) < f_tol, (ln.name, ln.intensity_fraction, f)
        assert ln.delta_sigma is not None and ln.intensity_fraction_sigma is not None
    assert abs(res.mean_delta_iso_ppm - mean) < m_tol
    assert res.mean_delta_iso_sigma is not None and abs(res.mean_delta_iso_ppm - mean) < 5 * res.mean_delta_iso_sigma + 0.05


@pytest.mark.parametrize("truth,mas,starts", [
    (cases.PRISTINE_60K, 60000.0, [95, 0, -85]),
    (cases.DISCHARGED_64K, 64000.0, [75, -140, -195, -206]),
])
def test_processed_bruker_recovers_truth(tmp_path, truth, mas, starts):
    sim.write_processed(tmp_path / "1", truth, mas_Hz=mas, si=4096, noise=0.002, seed=3, **cases.F19)
    spec = read_spectrum(tmp_path / "1")
    assert spec.fmt == "bruker-1r" and spec.mas_Hz == mas and spec.nucleus == "19F"
    res = fit_spectrum(spec, model_from_shifts(starts), load_table())
    _check(res, truth)
    assert res.lines[0].sidebands and all(ln.sideband_mode == "free" for ln in res.lines)


def test_raw_fid_recovers_truth(tmp_path):
    """fid + acqus: fractional group delay, 35° zero-order phase error, noise."""
    sim.write_raw(tmp_path / "2", cases.DISCHARGED_64K, mas_Hz=64000.0, n=4096, noise=2e-4, seed=5,
                  phase0_deg=35.0, **cases.F19)
    spec = read_spectrum(tmp_path / "2")
    assert spec.fmt == "bruker-fid" and spec.ns == 64 and spec.rg == 101.0
    res = fit_spectrum(spec, model_from_shifts([75, -140, -195, -206]), load_table())
    _check(res, cases.DISCHARGED_64K)


def test_assignment_and_environments(tmp_path):
    sim.write_processed(tmp_path / "1", cases.DISCHARGED_64K, mas_Hz=64000.0, si=4096, noise=0.001, **cases.F19)
    res = fit_spectrum(read_spectrum(tmp_path / "1"), model_from_shifts([75, -140, -195, -206]), load_table())
    assert [ln.assignment for ln in res.lines] == ["F-TiIV□2", "F-TiIII2 (TiF3)", "F-Mg3 (MgF2)", "F-Li6 (LiF)"]
    assert sum(e["fraction"] for e in res.environments) == pytest.approx(1.0)
    assert all(e["source"] for e in res.environments)


def test_degenerate_li7_centre_band_is_not_a_confident_split(tmp_path):
    """Two 7Li components 0.3 ppm apart with the same width: the split is undetermined, the sum is not."""
    truth = [dict(delta=0.0, fwhm=9.0, eta=0.5, area=1.0, sb={-1: 0.3, 1: 0.3}),
             dict(delta=0.3, fwhm=9.0, eta=0.5, area=1.0, sb={-1: 0.3, 1: 0.3})]
    sim.write_processed(tmp_path / "li", truth, mas_Hz=44000.0, si=4096, noise=0.003, seed=1, **cases.LI7)
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit_spectrum(read_spectrum(tmp_path / "li"), model_from_shifts([-2.0, 2.0]))
    assert not any(ln.well_determined for ln in res.lines)
    for ln in res.lines:
        assert ln.intensity_fraction_sigma is None or ln.intensity_fraction_sigma > 0.05
    assert any("not" in str(w.message) for w in caught)
    total = sum(ln.intensity for ln in res.lines)
    true_total = sim.truth(truth)[0].sum()
    assert total == pytest.approx(true_total, rel=0.01)


def test_fixed_bounded_and_linked_parameters(tmp_path):
    from dualion.nmr.model import load_model

    sim.write_processed(tmp_path / "1", cases.PRISTINE_60K, mas_Hz=60000.0, si=4096, noise=0.001, **cases.F19)
    yml = tmp_path / "m.yaml"
    yml.write_text("baseline: linear\nlines:\n"
                   "  - {name: A, delta_ppm: {value: 95, min: 90, max: 96}}\n"
                   "  - {name: B, delta_ppm: 0, lorentz_fraction: {value: 0.5, vary: false}}\n"
                   "  - {name: C, delta_ppm: -85, fwhm_ppm: {expr: 'B_fwhm * 40 / 35'}}\n")
    res = fit_spectrum(read_spectrum(tmp_path / "1"), load_model(yml))
    a, b, c = res.lines
    assert a.delta_ppm == pytest.approx(96.0, abs=1e-6)  # true 98 is outside the bounds: pinned at max
    assert b.lorentz_fraction == 0.5 and res.parameters["B_eta"]["vary"] is False
    assert c.fwhm_ppm == pytest.approx(b.fwhm_ppm * 40 / 35)


def test_csa_tied_sidebands_recover_shift_fraction_and_anisotropy(tmp_path):
    """Sidebands from the tests' own powder average (η = 0) at 20 kHz, fitted with the mrsimulator model."""
    pytest.importorskip("mrsimulator")
    from dualion.nmr.model import load_model

    truth = [dict(delta=-20.0, fwhm=12.0, eta=0.3, area=1.0, sb=sim.csa_sidebands(100.0, 20000.0, 282.4, 9)),
             dict(delta=-120.0, fwhm=15.0, eta=0.3, area=1.5, sb=sim.csa_sidebands(-80.0, 20000.0, 282.4, 9))]
    sim.write_processed(tmp_path / "c", truth, mas_Hz=20000.0, si=4096, noise=0.002, **cases.F19)
    yml = tmp_path / "csa.yaml"
    yml.write_text("sidebands: csa\nlines:\n"
                   "  - {name: A, delta_ppm: -18, csa: {zeta_ppm: 70, eta: {value: 0, vary: false}}}\n"
                   "  - {name: B, delta_ppm: -117, csa: {zeta_ppm: -60, eta: {value: 0, vary: false}}}\n")
    res = fit_spectrum(read_spectrum(tmp_path / "c"), load_model(yml))
    _check(res, truth)
    assert res.parameters["A_zeta"]["value"] == pytest.approx(100.0, rel=0.03)
    assert res.parameters["B_zeta"]["value"] == pytest.approx(-80.0, rel=0.03)
    assert all(ln.sideband_mode == "csa" for ln in res.lines)
