"""G(r) readers: the three layouts, header values, weights rule, and every bad-input case."""

from __future__ import annotations

import numpy as np
import pytest

from dualion.errors import DualionUserError
from dualion.pdf.data import check_fit_range, read_pdf_data
from tests.conftest import shared_path


def test_pdfgetx2_file():
    d = read_pdf_data(shared_path("data", "pdf", "Ni_2-8.chi.gr"))
    assert d.fmt == "pdfgetx2" and d.r.size == 2000 and d.r[0] == pytest.approx(0.01) and d.r[-1] == 20.0
    assert d.qmax == 40.0 and d.wavelength == pytest.approx(0.126514)
    assert d.weighted  # 4th column dG, all > 0
    # row 284 of the file: 1.5 -1.428952 -2.071755 0.08358812 (r, G, dr, dG)
    k = int(np.argmin(abs(d.r - 1.5)))
    assert d.G[k] == pytest.approx(-1.428952) and d.dG[k] == pytest.approx(0.08358812)


def test_xpdfsuite_drops_r0():
    d = read_pdf_data(shared_path("data", "pdf", "Ni_xpdfsuite.gr"))
    assert d.fmt == "pdfgetx3" and d.dropped == 1 and d.r[0] == pytest.approx(0.01)
    assert d.qmax == 25.0 and d.wavelength == pytest.approx(0.1836) and not d.weighted


def _write(path, text, enc="utf-8"):
    path.write_bytes(text.encode(enc))
    return path


def test_plain_columns_and_weights(tmp_path):
    r = np.arange(1, 31) * 0.1
    two = _write(tmp_path / "a.dat", "\n".join(f"{x} {np.sin(x)}" for x in r))
    d = read_pdf_data(two)
    assert d.fmt == "plain" and d.dG is None and not d.weighted and d.qmax is None
    three = _write(tmp_path / "b.dat", "# r G dG\n" + "\n".join(f"{x},{np.sin(x)},0.01" for x in r))
    assert read_pdf_data(three).weighted
    zero = _write(tmp_path / "c.dat", "\n".join(f"{x} {np.sin(x)} {0.01 if k else 0.0}" for k, x in enumerate(r)))
    d = read_pdf_data(zero)
    assert d.dG is not None and not d.weighted  # one dG = 0: unweighted, as PDFgui


def test_latin1_header(tmp_path):
    r = np.arange(1, 31) * 0.1
    p = _write(tmp_path / "l.gr", "# Probe: température 300 K, Å\n# qmax = 23.5\n" +
               "\n".join(f"{x} {np.cos(x)}" for x in r), enc="latin-1")
    d = read_pdf_data(p)
    assert d.qmax == 23.5 and d.r.size == 30


@pytest.mark.parametrize("body, field, words", [
    ("1 2\n2 nan\n" + "\n".join(f"{k} 1" for k in range(3, 20)), "G", "non-finite"),
    ("\n".join(f"{k} 1" for k in (1, 2, 3, 2.5, 4, 5, 6, 7, 8, 9, 10, 11)), "r", "strictly increasing"),
    ("1 2\n2 3\n3 4\n", "r", "too few"),
    ("1 2\n2 3 4\n" + "\n".join(f"{k} 1" for k in range(3, 20)), None, "columns"),
    ("# nothing\n", None, "no data rows"),
])
def test_bad_files(tmp_path, body, field, words):
    p = _write(tmp_path / "bad.gr", body)
    with pytest.raises(DualionUserError) as e:
        read_pdf_data(p)
    assert words in e.value.message and e.value.file == str(p) and (field is None or e.value.field == field)
    assert "\n" not in e.value.one_line()


def test_missing_file(tmp_path):
    with pytest.raises(DualionUserError, match="file not found"):
        read_pdf_data(tmp_path / "nope.gr")


def test_fit_range_checks(tmp_path):
    p = _write(tmp_path / "ok.gr", "\n".join(f"{x:.2f} 1" for x in np.arange(1, 201) * 0.05))  # 0.05–10 Å
    d = read_pdf_data(p)
    assert check_fit_range(d, 1.5, 9.0) == (1.5, 9.0)
    assert check_fit_range(d, None, None) == (0.05, 10.0)
    for lo, hi, field in ((0.0, 5.0, "--rmin"), (1.0, 30.0, "--rmax"), (5.0, 2.0, "--rmin"), (5.0, 5.2, "--rmax")):
        with pytest.raises(DualionUserError) as e:
            check_fit_range(d, lo, hi)
        assert e.value.field == field
