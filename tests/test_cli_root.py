def test_version(run_cli):
    from dualion import __version__

    res = run_cli("--version")
    assert res.code == 0
    assert res.stdout.strip() == f"dualion {__version__}"


def test_unknown_command_is_usage_error(run_cli):
    res = run_cli("no-such-command")
    assert res.code == 2
