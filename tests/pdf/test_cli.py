"""End-to-end: ``dualion pdf refine / series`` and ``dualion vegard`` in a subprocess; series on Dask."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO, shared_path
from tests.pdf.helpers import raw_calc, write_noisy

from dualion.pdf.engine import Settings  # noqa: E402
from dualion.pdf.model import load_structure  # noqa: E402
from dualion.pdf.results import PDFFitResult  # noqa: E402
from dualion.pdf.series import refine_series  # noqa: E402

NI_ARGS = ["--qdamp", "0.001", "--rmin", "1.5", "--rmax", "10", "--rcut", "3.0", "--free", "a,scale,Uiso,sratio"]


def _cli(*args, timeout=120):
    env = {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "dualion.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_refine_json_contract():
    p = _cli("pdf", "refine", shared_path("data", "pdf", "Ni_2-8.chi.gr"), "--structure",
             shared_path("data", "pdf", "Ni.stru"), *NI_ARGS, "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert {"Rw", "parameters", "data", "structure", "engine"} <= set(d) and d["kind"] == "pdf_fit"
    assert d["engine"] == "diffpy.pdffit2 1.5.1" and d["Rw"] == pytest.approx(0.0961, abs=1e-4)
    assert {"a", "scale", "Uiso(Ni)", "sratio", "occ(Ni@4a)", "delta2", "spdiameter", "qdamp"} <= set(d["parameters"])
    assert set(d["parameters"]["a"]) == {"value", "sigma", "free"} and d["parameters"]["a"]["free"]
    assert d["parameters"]["qdamp"] == {"value": 0.001, "sigma": None, "free": False}


def test_refine_out_folder_round_trip(tmp_path):
    out = tmp_path / "fit"
    p = _cli("pdf", "refine", shared_path("data", "pdf", "Ni_2-8.chi.gr"), "--structure",
             shared_path("data", "pdf", "Ni.cif"), *NI_ARGS, "--out", out)
    assert p.returncode == 0, p.stderr
    assert "a " in p.stdout and "3.5317" in p.stdout
    for name in ("pdf_fit.png", "pdf_fit.svg", "pdf_fit.csv", "pdf_fit.json", "pdf_parameters.csv"):
        assert (out / name).stat().st_size > 0, name
    import dualion

    fit = dualion.load(out / "pdf_fit.json")  # the shared loader finds the registered kind
    assert isinstance(fit, PDFFitResult)
    assert fit.Rw == pytest.approx(0.0961, abs=1e-4) and fit.r.size == 851


def test_bad_inputs_one_line(tmp_path, run_cli):
    bad = tmp_path / "nan.gr"
    bad.write_text("# qmax=20\n" + "\n".join(f"{k * 0.1:.1f} {'nan' if k == 5 else 1.0}" for k in range(1, 40)))
    out = tmp_path / "never"
    p = _cli("pdf", "refine", bad, "--structure", "anatase", "--out", out)  # one real subprocess
    assert p.returncode == 2 and p.stderr.startswith(f"error: {bad}: G: ") and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not out.exists()
    ni = shared_path("data", "pdf", "Ni_2-8.chi.gr")
    for args, words in (([ni, "--structure", "anatase", "--free", "bogus"], "unknown parameter"),
                        ([ni, "--structure", "anatase", "--rmax", "50"], "outside the data"),
                        ([ni, "--structure", "anatase:Li@9z=1"], "unknown anatase site"),
                        ([ni, "--structure", "anatase", "--free", "sratio", "--out", out], "--rcut"),
                        ([ni, "--structure", tmp_path / "missing.cif"], "not a structure file")):
        res = run_cli("pdf", "refine", *args)
        lines = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
        assert res.code == 2 and len(lines) == 1 and words in lines[0], res.stderr
    assert not out.exists()


def test_missing_extra_is_one_line(run_cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "diffpy.pdffit2", None)
    res = run_cli("pdf", "refine", "x.gr", "--structure", "anatase")
    assert res.code == 2
    assert res.stderr.strip() == "error: dualion pdf refine needs the 'pdf' extra: pip install 'dualion[pdf]'"


def test_vegard_cli(tmp_path):
    p = _cli("vegard", "--a", "3.875(2)", "--c", "9.325(6)", "--a0", "3.7991(7)", "--c0", "9.475(2)")
    assert p.returncode == 2 and "no default slopes" in p.stderr
    slopes = tmp_path / "s.yaml"
    slopes.write_text("da_dx_A: 0.25\ndc_dx_A: -0.45\ncitation: test values\n")
    p = _cli("vegard", "--a", "3.875(2)", "--c", "9.325(6)", "--a0", "3.7991(7)", "--c0", "9.475(2)",
             "--slopes", slopes, "--json")
    d = json.loads(p.stdout)
    assert d["kind"] == "vegard" and d["x_from_a"] == pytest.approx(0.3036) and d["citation"] == "test values"


def _ni_series(tmp_path, lattice):
    stru = Path(shared_path("data", "pdf", "Ni.stru")).read_text()
    files = []
    for k, a in enumerate(lattice):
        r, g = raw_calc(stru.replace("3.520000", f"{a:.6f}"), 1.5, 8.0, qmax=30.0, qdamp=0.02, scale=0.8)
        write_noisy(tmp_path / f"ni{k}.gr", r, g, 0.02, seed=k, qmax=30.0)
        files.append(tmp_path / f"ni{k}.gr")
    return files


def test_series_dask_equals_serial(tmp_path):
    lattice = (3.52, 3.55)
    files = _ni_series(tmp_path, lattice)
    model, settings = load_structure(shared_path("data", "pdf", "Ni.stru")), Settings(qdamp=0.02)
    from dualion.engines.resources import dask_client

    serial = refine_series(files, model, settings, workers=1, progress=False)
    with dask_client(2) as client:  # a running cluster, reached through --scheduler ADDRESS
        address = client.scheduler.address
        dask = refine_series(files, model, settings, scheduler=address, progress=False)
    assert [f.parameters for f in dask.fits] == [f.parameters for f in serial.fits]
    assert dask.scheduler == address
    rows = serial.rows()
    assert [r["a_A"] for r in rows] == [pytest.approx(a, abs=3 * r["a_sigma_A"]) for a, r in zip(lattice, rows)]
    assert rows[1]["dV_over_V0"] == pytest.approx((3.55 / 3.52) ** 3 - 1, abs=1e-3) and rows[0]["dV_over_V0"] == 0


def test_series_cli(tmp_path):
    files = _ni_series(tmp_path, (3.52, 3.53))
    out = tmp_path / "series"
    p = _cli("pdf", "series", *files, "--structure", shared_path("data", "pdf", "Ni.stru"), "--qdamp", "0.02",
             "--workers", "1", "--out", out)
    assert p.returncode == 0, p.stderr
    assert len(p.stdout.strip().splitlines()) == 2 and "ΔV/V0" in p.stdout
    d = json.loads((out / "pdf_series.json").read_text())
    assert d["kind"] == "pdf_series" and len(d["rows"]) == 2
    assert all((out / f"{s}.{e}").exists() for s in ("pdf_series", "pdf_series_fits") for e in ("png", "svg"))
    assert np.isfinite(d["rows"][1]["V_A3"])
