"""The pdffit2 wrapper on real data (PDFgui's stored Ni fit), silence, state, and the G(r) physics."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import shared_path
from tests.pdf.helpers import raw_calc

from dualion.pdf.data import read_pdf_data  # noqa: E402
from dualion.pdf.engine import Settings, refine  # noqa: E402
from dualion.pdf.model import load_structure  # noqa: E402

NI = Settings(qdamp=0.001, rmin=1.5, rmax=10.0, rcut=3.0, free=("a", "scale", "Uiso", "sratio"))


def _ni_fit():
    return refine(read_pdf_data(shared_path("data", "pdf", "Ni_2-8.chi.gr")),
                  load_structure(shared_path("data", "pdf", "Ni.stru")), NI)


def test_reproduces_pdfgui_ni_fit():
    """ni.ddp's stored result: Rw 0.0961, a 3.5318 Å, sratio 0.787 (rcut 3, 1.5–10 Å, Qmax 40, Qdamp 0.001)."""
    fit = _ni_fit()
    assert fit.Rw == pytest.approx(0.0961085, abs=5e-6)
    assert fit.value("a") == pytest.approx(3.53175, abs=5e-5)
    assert fit.value("sratio") == pytest.approx(0.787, abs=1e-3)
    assert fit.value("scale") == pytest.approx(0.6697, abs=2e-4) and fit.value("Uiso(Ni)") == pytest.approx(
        0.005195, abs=2e-6)
    assert fit.sigma("a") == pytest.approx(3.5e-5, rel=0.2)  # PDFgui: 3.53175(4)
    assert fit.chi2_red == pytest.approx(24.0992, rel=1e-4)  # same weights as pdffit2's own file reader
    assert fit.engine == "diffpy.pdffit2 1.5.1" and fit.settings["qmax"] == 40.0  # Qmax from the header
    assert fit.structure["spacegroup"] == "Fm-3m" and set(fit.structure["refined"]["lattice"][:3]) == {fit.value("a")}


def test_rw_definition_from_curves():
    """Rw = sqrt(Σ w (Gobs − Gcalc)² / Σ w Gobs²), w = 1/dG², recomputed from the returned curves."""
    fit = _ni_fit()
    d = read_pdf_data(shared_path("data", "pdf", "Ni_2-8.chi.gr"))
    m = (d.r > 1.5 - 1e-9) & (d.r < 10 + 1e-9)
    assert np.allclose(fit.r, d.r[m]) and np.allclose(fit.Gobs, d.G[m])
    w = 1 / d.dG[m] ** 2
    assert np.sqrt(np.sum(w * fit.Gdiff ** 2) / np.sum(w * fit.Gobs ** 2)) == pytest.approx(fit.Rw, rel=1e-6)


def test_xpdfsuite_refines_with_qdamp_free():
    d = read_pdf_data(shared_path("data", "pdf", "Ni_xpdfsuite.gr"))
    fit = refine(d, load_structure(shared_path("data", "pdf", "Ni.cif")),
                 Settings(qdamp=0.03, rmin=1.5, rmax=20.0, free=("a", "scale", "Uiso", "qdamp", "delta2")))
    assert fit.settings["qmax"] == 25.0 and fit.data["dropped_r_le_0"] == 1
    assert 3.50 < fit.value("a") < 3.54 and fit.Rw < 0.08
    assert 0.0 < fit.value("qdamp") < 0.1 and fit.sigma("qdamp") > 0 and fit.value("qdamp") != 0.03


def test_silent_and_stateless(capfd):
    first = _ni_fit()
    anatase = refine(read_pdf_data(shared_path("data", "pdf", "Ni_2-8.chi.gr")), load_structure("anatase"),
                     Settings(qdamp=0.001, rmin=1.5, rmax=6.0, staged=False))
    again = _ni_fit()
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # nothing from pdffit2's C++ core on fd 1 or 2
    assert anatase.Rw > 0.3  # a wrong model fits badly, and leaves nothing behind:
    assert again.Rw == first.Rw and again.parameters == first.parameters


def test_g_of_r_physics():
    """First Ni shell: R(r) = r (G(r) + 4πρ0 r) integrates to 12 neighbours at a/√2 (no Qmax, no damping)."""
    a = 3.52
    stru = open(shared_path("data", "pdf", "Ni.stru")).read().replace("3.520000", f"{a:.6f}")
    r, g = raw_calc(stru, 0.5, 3.2, 0.001, qmax=0.0, qdamp=0.0)
    rho0 = 4 / a ** 3
    R = r * (g + 4 * np.pi * rho0 * r)
    m = (r > 2.0) & (r < 3.0)
    assert np.trapezoid(R[m], r[m]) == pytest.approx(12.0, rel=2e-3)
    assert r[m][np.argmax(R[m])] == pytest.approx(a / np.sqrt(2), abs=0.01)


def test_envelopes():
    """Qdamp multiplies G by exp(−(Qdamp r)²/2); spdiameter d by 1 − 3r/2d + r³/2d³ (r ≤ d)."""
    stru = open(shared_path("data", "pdf", "Ni.stru")).read()
    r, g0 = raw_calc(stru, 1.0, 20.0, 0.01, qmax=0.0, qdamp=0.0)
    _, gq = raw_calc(stru, 1.0, 20.0, 0.01, qmax=0.0, qdamp=0.05)
    _, gs = raw_calc(stru, 1.0, 20.0, 0.01, qmax=0.0, qdamp=0.0, spdiameter=30.0)
    big = np.abs(g0) > 0.3 * np.abs(g0).max()
    assert np.allclose(gq[big] / g0[big], np.exp(-(0.05 * r[big]) ** 2 / 2), rtol=2e-3)
    x = r[big] / 30.0
    assert np.allclose(gs[big] / g0[big], 1 - 1.5 * x + 0.5 * x ** 3, rtol=2e-3, atol=1e-4)
