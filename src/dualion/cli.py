"""The ``dualion`` command line: a thin layer over the library API.

Each domain registers its commands from its own ``<domain>/cli.py`` (a ``register(app)`` function).
User errors (:class:`dualion.errors.DualionUserError`) become one line on stderr and exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from dualion import __version__
from dualion.errors import DualionUserError, DualionWarning

app = typer.Typer(
    name="dualion",
    help="Design and analyse dual-ion (e.g. Li+/Mg2+) battery electrodes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dualion {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                        help="Print the version and exit.")) -> None:
    """dualion: site inventories, insertion thermodynamics, atomistic models and cycler data."""


@app.command()
def demo(out: Path = typer.Option(Path("dualion-demo"), "--out", help="Results folder to write."),
         fast: bool = typer.Option(False, "--fast", help="Skip the slowest parts (engine runs)."),
         only: str = typer.Option(None, "--only", help="Run only these parts, comma-separated (fig1 … "
                                  "fig7, model_checks).")) -> None:
    """Run the main job on the bundled example data and write a results folder with figures."""
    from dualion.demo import run_demo

    summary = run_demo(out, fast=fast, only=only.split(",") if only else None)   # manifest.json written last
    typer.echo(f"wrote {summary}")


def _register_domains() -> None:
    import importlib

    for name in ("thermo.cli", "composition.cli", "echem.cli", "echem.cli_analysis", "structures.cli",
                 "engines.cli", "model.cli", "cell.cli", "pdf.cli", "nmr.cli", "io.cli"):
        importlib.import_module(f"dualion.{name}").register(app)


_register_domains()

_CLICK = None


def _command():
    """The click command tree of :data:`app` (built once), float options refusing NaN/inf."""
    global _CLICK
    if _CLICK is None:
        from dualion.cliutil import finite_float_params

        _CLICK = finite_float_params(typer.main.get_command(app))
    return _CLICK


def _command_path(argv: list[str]) -> str:
    """``dualion echem summary`` for argv ``["echem", "summary", "x.csv"]`` (sub-commands only)."""
    cmd = typer.main.get_command(app)
    path = ["dualion"]
    for tok in argv:
        sub = getattr(cmd, "commands", {}).get(tok)
        if sub is None:
            break
        path.append(tok)
        cmd = sub
    return " ".join(path)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI; user errors print one line and return exit code 2."""
    from dualion.io.outputs import _COMMAND, set_command

    args = list(sys.argv[1:] if argv is None else argv)
    token = set_command(args)       # the command line recorded in manifest.json
    try:
        return _main(args)
    finally:
        _COMMAND.reset(token)


def _main(args: list[str]) -> int:
    from dualion.cliutil import format_warning_line, warnings_to_stderr
    from dualion.extras import MissingExtraError

    argv = args
    try:
        with warnings_to_stderr():  # every command: each distinct warning once, one line, after the work
            rv = _command().main(args=args, standalone_mode=False, prog_name="dualion")  # (none if it fails)
        if isinstance(rv, int) and not isinstance(rv, bool):   # typer.Exit(code): click returns the code
            return rv
    except MissingExtraError as exc:  # "error: dualion compute needs the 'engines' extra: pip install ..."
        exc.what = _command_path(args)
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    except DualionUserError as exc:
        print(f"error: {_with_option_name(exc, argv).one_line()}", file=sys.stderr)
        return 2
    except Warning as exc:  # a warning turned into an error by -W error / PYTHONWARNINGS=error::...
        import traceback

        frames = traceback.extract_tb(exc.__traceback__)
        where = (frames[-1].filename, frames[-1].lineno or 0) if frames else ("", 0)
        print("error: " + format_warning_line(type(exc), str(exc), *where).removeprefix("warning: "),
              file=sys.stderr)
        return 2 if isinstance(exc, DualionWarning) else 1
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # click's (vendored by typer) usage errors: one line + exit code 2
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            ctx = getattr(exc, "ctx", None)
            where = f"{ctx.command_path}: " if ctx is not None and getattr(ctx, "command_path", None) else ""
            msg = " ".join(str(exc.format_message()).split())
            print(f"error: {where}{msg} (see --help)", file=sys.stderr)
            return int(exc.exit_code)
        raise
    return 0


def _with_option_name(exc: DualionUserError, argv: list[str] | None) -> DualionUserError:
    """A library error naming a bare field (``ions``, ``format``) that is an option of the command run
    (``--ions``, ``--format``) names the option instead."""
    if exc.file is not None or not exc.field or exc.field.startswith("-"):
        return exc
    cmd = _command()
    for word in (argv if argv is not None else sys.argv[1:]):
        sub = (getattr(cmd, "commands", None) or {}).get(word)
        if sub is None:
            break
        cmd = sub
    opts = {o for p in getattr(cmd, "params", []) for o in (getattr(p, "opts", None) or [])}
    cand = "--" + exc.field.replace("_", "-")
    return DualionUserError(exc.message, field=cand) if cand in opts else exc


def entry() -> None:  # pragma: no cover - console-script shim
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
