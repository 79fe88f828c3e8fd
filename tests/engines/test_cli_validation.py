"""`compute` options validated before anything is created: --db, --engine, --engine-kwargs (one line, exit 2)."""

from __future__ import annotations

import json
import os

import pytest

from dualion.engines.calculators import clear_cache

LJ = "ase.calculators.lj:LennardJones"


@pytest.fixture(autouse=True)
def _fresh():
    clear_cache()
    yield
    clear_cache()


def _one_line_error(res, *words):
    line = res.stderr.strip()
    assert res.code == 2, res.stderr
    assert len(line.splitlines()) == 1 and line.startswith("error:") and "Traceback" not in line
    for w in words:
        assert w in line, (w, line)
    return line


def _compute(run_cli, tmp_path, *extra, db=None, engine=LJ):
    return run_cli("compute", "interstitial", "--engine", engine, "--steps", "2", "--out", tmp_path / "o" / "x.yaml",
                   "--db", db if db is not None else tmp_path / "r.db", *extra)


def _nothing_created(tmp_path, *keep):
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)


def test_db_that_is_a_folder(run_cli, tmp_path):
    (tmp_path / "dbdir").mkdir()
    _one_line_error(_compute(run_cli, tmp_path, db=tmp_path / "dbdir"), "--db", "folder")
    _nothing_created(tmp_path, "dbdir")


def test_db_that_is_not_sqlite(run_cli, tmp_path):
    (tmp_path / "notes.db").write_text("these are my notes, not a database\n")
    _one_line_error(_compute(run_cli, tmp_path, db=tmp_path / "notes.db"), "--db", "not an SQLite")
    assert (tmp_path / "notes.db").read_text().startswith("these are my notes")
    _nothing_created(tmp_path, "notes.db")


def test_db_below_a_file_and_bad_urls(run_cli, tmp_path):
    (tmp_path / "afile").write_text("x")
    _one_line_error(_compute(run_cli, tmp_path, db=tmp_path / "afile" / "r.db"), "--db", "is a file")
    _one_line_error(_compute(run_cli, tmp_path, db="mysql://u@h/db"), "--db", "unsupported")
    _one_line_error(_compute(run_cli, tmp_path, db="postgresql:/u@h/db"), "--db", "malformed")
    _nothing_created(tmp_path, "afile")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_db_in_an_unwritable_folder(run_cli, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        _one_line_error(_compute(run_cli, tmp_path, db=ro / "r.db"), "--db", "not writable")
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


def test_user_error_after_the_db_option_leaves_no_empty_database(run_cli, tmp_path):
    """A bad site model / supercell / ion found later still leaves no database file behind."""
    for model, *args in (["interstitial", "--supercell", "1x1x1"], ["interstitial", "--ions", "Li,Xx"],
                         ["single-vacancy", "--anions", "Q"], ["interstitial", "--host", "nosuchhost"],
                         ["no-such-model"], ["interstitial", "--lattice", "3.8"],
                         ["interstitial", "--calibrated", "--calibration", str(tmp_path / "nocal.yaml")]):
        res = run_cli("compute", model, "--engine", LJ, "--steps", "2", "--out", tmp_path / "o" / "x.yaml",
                      "--db", tmp_path / "r.db", *args)
        _one_line_error(res)
    _nothing_created(tmp_path)


@pytest.mark.parametrize("engine", ["os:system", "builtins:print", "json:loads", "dualion.errors:DualionWarning"])
def test_engine_must_be_an_ase_calculator_class(run_cli, tmp_path, engine):
    _one_line_error(_compute(run_cli, tmp_path, engine=engine), "--engine", "not an ASE calculator class")
    _nothing_created(tmp_path)


def test_engine_kwargs_a_constructor_refuses_name_the_option(run_cli, tmp_path):
    strict = "ase.calculators.mixing:SumCalculator"  # needs its `calcs`; takes no `sigmaa`
    line = _one_line_error(_compute(run_cli, tmp_path, "--engine-kwargs", json.dumps({"sigmaa": 1.0}),
                                    engine=strict), "--engine-kwargs", "SumCalculator")
    assert "sigmaa" in line
    _one_line_error(_compute(run_cli, tmp_path, "--engine-kwargs", "[1, 2]"), "--engine-kwargs")
    _nothing_created(tmp_path)


def test_threads_workers_and_lease_are_validated(run_cli, tmp_path):
    _one_line_error(_compute(run_cli, tmp_path, "--threads", "0"), "--threads")
    _one_line_error(_compute(run_cli, tmp_path, "--workers", "0"), "--workers")
    _one_line_error(_compute(run_cli, tmp_path, "--lease", "-5"), "--lease")
    _nothing_created(tmp_path)


def test_registered_and_class_engines_are_accepted():
    from dualion.engines.calculators import calculator_class, parse_engine

    assert calculator_class(LJ).__name__ == "LennardJones"
    assert parse_engine("chgnet").name == "chgnet" and parse_engine("SevenNet").name == "sevenn"
