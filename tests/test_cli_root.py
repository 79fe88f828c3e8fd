import pytest

def test_version(run_cli):
    from dualion import __version__

    res = run_cli("--version")
    assert res.code == 0
    assert res.stdout.strip() == f"dualion {__version__}"


def test_unknown_command_is_usage_error(run_cli):
    res = run_cli("no-such-command")
    assert res.code == 2
    assert "no-such-command" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_option_arity_error_is_one_line_naming_the_option(run_cli):
    res = run_cli("diagram", "paired-vacancy", "--window", "1", "2", "3")
    assert res.code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "--window" in lines[0] and "Traceback" not in res.stderr


def test_bad_option_value_is_one_line(run_cli):
    res = run_cli("query", "paired-vacancy", "--mu", "Li=-2", "--per", "furlong")
    assert res.code == 2
    assert len(res.stderr.strip().splitlines()) == 1 and "--per" in res.stderr


def _cycling_csv(tmp_path):
    from dualion.echem.synthetic import synthetic_cycling
    from dualion.echem.gitt import write_plain_csv

    t, v, i, c = synthetic_cycling(n_cycles=1, n_per_half=200)
    f = tmp_path / "cell.csv"
    write_plain_csv(f, t, v, i, step=c)
    return str(f)


@pytest.mark.parametrize("args", [
    ("diagram", "paired-vacancy"),                   # thermo: checked before anything is computed
    ("model", "curve", "--licl", "0.1"),             # shared writers (plotting.save_figure / write_table)
    ("cell", "discharge", "--rate-mA-g", "1000"),    # explicit ensure_dir
    ("echem", "dqdv", "CSV"),
])
def test_out_blocked_by_a_file_is_one_line_for_every_command(tmp_path, run_cli, args):
    args = tuple(_cycling_csv(tmp_path) if a == "CSV" else a for a in args)
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    res = run_cli(*args, "--out", blocker / "sub")
    assert res.code == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "--out" in lines[0] and "is a file" in lines[0] and str(blocker) in lines[0]
    assert blocker.read_text() == "not a folder"
