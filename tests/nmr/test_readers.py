"""Readers: the procs ppm axis, metadata, other formats, the real 17O CSDM file, and clear errors."""

import math

import numpy as np
import pytest

from dualion.errors import DualionUserError
from dualion.nmr.readers import detect_format, read_spectrum
from tests.nmr import cases, sim

LINE = [dict(delta=-20.0, fwhm=10.0, eta=0.5, area=1.0)]


def test_ppm_axis_is_the_procs_formula(tmp_path):
    import nmrglue as ng

    sim.write_processed(tmp_path / "e", LINE, si=2048, mas_Hz=60000.0, **cases.F19)
    spec = read_spectrum(tmp_path / "e")
    dic = ng.bruker.read_procs_file(str(tmp_path / "e" / "pdata" / "1"))
    p = dic["procs"]
    i = np.arange(p["SI"])
    expected = p["OFFSET"] - i * p["SW_p"] / (p["SF"] * p["SI"])  # written here from the TopSpin definition
    np.testing.assert_allclose(spec.ppm, expected, rtol=0, atol=1e-9)
    # the simulated line's maximum sits at its true shift on this axis (within half a point)
    assert abs(spec.ppm[np.argmax(spec.intensity)] - (-20.0)) <= 0.5 * spec.step_ppm + 1e-9
    assert spec.larmor_MHz == 282.4 and spec.nucleus == "19F" and spec.mas_Hz == 60000.0
    assert (spec.ns, spec.rg) == (64, 101.0)


def test_processed_intensity_scale_kept(tmp_path):
    """NC_proc scaling applied: the 1r integral equals the simulated area × gain."""
    gaussian = [dict(delta=-20.0, fwhm=10.0, eta=0.0, area=1.0)]  # no tails outside the window
    sim.write_processed(tmp_path / "e", gaussian, si=4096, gain=1e5, **cases.F19)
    spec = read_spectrum(tmp_path / "e")
    area = -np.trapezoid(spec.intensity, spec.ppm)  # axis decreasing
    assert area == pytest.approx(1e5, rel=2e-3)


def test_text_jcamp_and_formats(tmp_path):
    x = np.linspace(100, -100, 401)
    y = sim.pv(x, 5.0, 8.0, 0.5, 1.0)
    txt = tmp_path / "s.txt"
    txt.write_text("# nucleus: 7Li\n# larmor_MHz: 116.7\n# mas_Hz: 44000\n# ns: 16\nppm intensity\n" +
                   "\n".join(f"{a} {b}" for a, b in zip(x, y)))
    s = read_spectrum(txt)
    assert (s.fmt, s.nucleus, s.larmor_MHz, s.mas_Hz, s.ns) == ("text", "7Li", 116.7, 44000.0, 16.0)
    jdx = tmp_path / "s.jdx"
    hz = x * 116.7
    jdx.write_text("##TITLE= t\n##JCAMP-DX= 5.01\n##DATA TYPE= NMR SPECTRUM\n##.OBSERVE FREQUENCY= 116.7\n"
                   "##.OBSERVE NUCLEUS= ^7Li\n##XUNITS= HZ\n##YUNITS= ARBITRARY UNITS\n"
                   f"##FIRSTX= {hz[0]}\n##LASTX= {hz[-1]}\n##NPOINTS= {len(x)}\n##XFACTOR= 1.0\n##YFACTOR= 1e-9\n"
                   "##$MASR= 44000\n##XYDATA= (X++(Y..Y))\n" +
                   "\n".join(f"{hz[i]} {round(y[i] * 1e9)}" for i in range(len(x))) + "\n##END=\n")
    j = read_spectrum(jdx)
    assert j.fmt == "jcamp" and j.nucleus == "7Li" and j.mas_Hz == 44000.0
    np.testing.assert_allclose(j.ppm, x, atol=1e-9)
    np.testing.assert_allclose(j.intensity, y, atol=2e-9)
    assert detect_format(tmp_path / "s.txt") == "text"


def test_real_17o_csdm_reads_and_fits(shared_nmr):
    from dualion.nmr.fit import fit_spectrum
    from dualion.nmr.model import model_from_shifts

    s = read_spectrum(shared_nmr / "Na2SiO3_O17.csdf")
    assert s.fmt == "csdm" and len(s.ppm) == 4096
    assert s.larmor_MHz == pytest.approx(54.23708, abs=1e-5)
    assert -170 < s.ppm.min() < -150 and 200 < s.ppm.max() < 215
    assert 25 < s.ppm[np.argmax(s.intensity)] < 40  # the non-bridging O maximum near 33 ppm
    res = fit_spectrum(s.with_overrides(nucleus="17O"), model_from_shifts([35, 22, 0], sidebands="none"))
    assert res.success and all(-20 < ln.delta_ppm < 60 for ln in res.lines)
    assert res.residual["rms_relative"] < 0.05
    assert math.isfinite(res.mean_delta_iso_ppm) and 5 < res.mean_delta_iso_ppm < 40


def _processed(tmp_path):
    sim.write_processed(tmp_path / "e", LINE, si=1024, **cases.F19)
    return tmp_path / "e"


@pytest.mark.parametrize("breakage,field", [
    (lambda e: (e / "pdata" / "1" / "procs").unlink(), "procs"),
    (lambda e: (e / "pdata" / "1" / "1r").write_bytes(b"\0" * 400), "SI"),
    (lambda e: (e / "pdata" / "1" / "procs").write_text(
        (e / "pdata" / "1" / "procs").read_text().replace("##$SF=", "##$XSF=")), "SF"),
])
def test_broken_bruker_is_one_line_error(tmp_path, breakage, field):
    e = _processed(tmp_path)
    breakage(e)
    with pytest.raises(DualionUserError) as exc:
        read_spectrum(e)
    assert exc.value.field == field and "\n" not in exc.value.one_line()


def test_raw_without_acqus_and_nan_text(tmp_path):
    sim.write_raw(tmp_path / "r", LINE, n=512, **cases.F19)
    (tmp_path / "r" / "acqus").unlink()
    with pytest.raises(DualionUserError) as exc:
        read_spectrum(tmp_path / "r")
    assert exc.value.field == "acqus"
    bad = tmp_path / "nan.txt"
    bad.write_text("".join(f"{i} {'nan' if i == 5 else 1.0}\n" for i in range(20)))
    with pytest.raises(DualionUserError) as exc:
        read_spectrum(bad)
    assert exc.value.field == "intensity" and "NaN" in exc.value.message
    one = tmp_path / "one.txt"
    one.write_text("1\n2\n3\n")
    with pytest.raises(DualionUserError) as exc:
        read_spectrum(one)
    assert exc.value.field == "line 1"
    with pytest.raises(DualionUserError):
        read_spectrum(tmp_path / "nothing.csdf")
