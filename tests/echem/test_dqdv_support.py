"""Shared helpers (no tests here) for the dQ/dV and GITT tests: synthetic curves with known answers, a CLI runner."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np


def logistic_capacity(v: np.ndarray, centres=(0.77, 1.0), caps=(0.3, 0.5), width: float = 0.02) -> np.ndarray:
    """Capacity (mA h) inserted on discharge down to voltage v: Σ Q_k / (1 + exp((v − V_k)/w)).

    Its derivative |dQ/dV| = Σ Q_k/(4w) · sech²((v − V_k)/(2w)) peaks at V_k with height Q_k/(4w).
    """
    return sum(q / (1.0 + np.exp((v - c) / width)) for c, q in zip(centres, caps))


def discharge_curve(n: int = 2000, v_hi: float = 1.4, v_lo: float = 0.4, **kw):
    """(V, Q) samples of a discharge from v_hi to v_lo, Q = 0 at the start (mA h)."""
    v = np.linspace(v_hi, v_lo, n)
    q = logistic_capacity(v, **kw)
    return v, q - q[0]


@dataclass
class Res:
    code: int
    stdout: str
    stderr: str


def make_cli_runner(capsys):
    """Run ``dualion echem ...``: the real CLI when ``echem_app`` carries our commands, else a local
    typer app with the same commands and the same error handling as :func:`dualion.cli.main`."""
    import typer

    from dualion.errors import DualionUserError

    use_main = False
    try:
        from dualion.echem.cli import echem_app  # noqa: F401
        import dualion.cli  # noqa: F401  (registers the domains)

        names = {c.name or c.callback.__name__ for c in echem_app.registered_commands}
        use_main = "dqdv" in names and "gitt" in names
    except ImportError:
        pass
    if use_main:
        from dualion.cli import main

        def run(*args):
            capsys.readouterr()
            code = main([str(a) for a in args])
            cap = capsys.readouterr()
            return Res(code, cap.out, cap.err)
        return run

    from dualion.echem.cli_analysis import add_commands

    app = typer.Typer(pretty_exceptions_enable=False)
    sub = typer.Typer()
    add_commands(sub)
    app.add_typer(sub, name="echem")

    def run(*args):
        capsys.readouterr()
        try:
            app(args=[str(a) for a in args], standalone_mode=False)
            code = 0
        except DualionUserError as exc:
            print(f"error: {exc.one_line()}", file=sys.stderr)
            code = 2
        except Exception as exc:
            if hasattr(exc, "show") and hasattr(exc, "exit_code"):
                exc.show()
                code = int(exc.exit_code)
            else:
                raise
        cap = capsys.readouterr()
        return Res(code, cap.out, cap.err)
    return run
