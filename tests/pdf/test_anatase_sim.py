"""Simulated anatase with known parameters and noise (truth written in the test, pdffit2 called
directly): every refined parameter within 3σ, Rw at the noise floor, Li at 4b recovered or ~0."""

from __future__ import annotations

import numpy as np
import pytest

from tests.pdf.helpers import anatase_stru, raw_calc, write_noisy

from dualion.pdf.data import read_pdf_data  # noqa: E402
from dualion.pdf.engine import Settings, refine  # noqa: E402
from dualion.pdf.model import anatase_model  # noqa: E402

UISO = {"Ti": 0.006, "O": 0.011, "Li": 0.015}
SIGMA = 0.05  # Å⁻², ~0.7 % of the G(r) maximum
RMIN, RMAX = 1.5, 9.0


def _start(li: float):
    s = anatase_model(3.78, 9.50, 0.2081, {"Li@4b": li} if li else None)
    for at in s.atoms:
        at.uiso = 0.008 if at.element != "Li" else UISO["Li"]
    return s


def _simulate(tmp_path, a, c, u, li, seed, scale=0.9, delta2=2.0, spd=0.0):
    r, g = raw_calc(anatase_stru(a, c, u, UISO, li), RMIN, RMAX, qmax=22.0, qdamp=0.04, scale=scale,
                    delta2=delta2, spdiameter=spd)
    obs = write_noisy(tmp_path / f"sim{seed}.gr", r, g, SIGMA, seed)
    return read_pdf_data(tmp_path / f"sim{seed}.gr"), obs


def _within(fit, truth: dict[str, float], k: float = 3.0):
    for name, true in truth.items():
        p = fit.parameters[name]
        assert p["free"] and p["sigma"] > 0, name
        assert abs(p["value"] - true) < k * p["sigma"], (name, p, true)


def test_pristine_every_parameter_within_3_sigma(tmp_path):
    truth = {"scale": 0.9, "a": 3.7991, "c": 9.475, "z(O@8e)": 0.2085, "Uiso(Ti)": UISO["Ti"], "Uiso(O)": UISO["O"],
             "delta2": 2.0}
    data, obs = _simulate(tmp_path, 3.7991, 9.475, 0.2085, 0.0, seed=3)
    fit = refine(data, _start(0.0), Settings(qdamp=0.04, delta2=1.0,
                                             free=("scale", "lattice", "xyz", "Uiso", "delta2")))
    assert fit.settings["stages"] == [1, 2, 3, 4]
    _within(fit, truth)
    floor = np.sqrt(obs.size * SIGMA ** 2 / np.sum(obs ** 2))  # perfect model: residual = noise
    n = obs.size
    assert fit.Rw == pytest.approx(floor, rel=0.05)
    assert abs(fit.chi2_red - 1) < 4 * np.sqrt(2 / n)


@pytest.mark.parametrize("li", [0.3, 0.0])
def test_li_occupancy_at_4b(tmp_path, li):
    data, _ = _simulate(tmp_path, 3.875, 9.325, 0.2081, li, seed=7 if li else 8)
    fit = refine(data, _start(0.1), Settings(qdamp=0.04, delta2=1.0,
                                             free=("scale", "lattice", "xyz", "Uiso:Ti", "Uiso:O", "delta2",
                                                   "occ:Li@4b")))
    occ = fit.parameters["occ(Li@4b)"]
    assert occ["value"] == pytest.approx(li, abs=0.05)
    assert abs(occ["value"] - li) < 3 * occ["sigma"]
    assert fit.parameters["Uiso(Li)"]["free"] is False  # asked for Ti and O only


def test_spdiameter_of_nanoparticles(tmp_path):
    data, _ = _simulate(tmp_path, 3.7991, 9.475, 0.2081, 0.0, seed=5, spd=45.0)
    fit = refine(data, _start(0.0), Settings(qdamp=0.04, delta2=2.0, spdiameter=70.0,
                                             free=("scale", "lattice", "Uiso", "spdiameter")))
    p = fit.parameters["spdiameter"]
    assert abs(p["value"] - 45.0) < 3 * p["sigma"] and p["value"] == pytest.approx(45.0, rel=0.05)
