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
