"""CLI commands of dualion.echem: ``dualion echem summary`` and ``dualion echem plot``.

The sub-app object is :data:`echem_app`; :mod:`dualion.echem.cli_analysis` adds its commands
(``dqdv``, ``gitt``) to the same object.
"""

from __future__ import annotations

from pathlib import Path

import typer
from dualion.cliutil import option_names
from dualion.cliutil import warnings_to_stderr as _warnings_to_stderr
from dualion.io.outputs import output_command, output_set

#: Library error fields → the options of these commands that set them (errors name the option).
OPTIONS = {"first": "--first", "cycles": "--cycles", "mass_mg": "--mass-mg", "fmt": "--format"}


echem_app = typer.Typer(help="Cycler data: read, segment into half-cycles, summarise, plot.",
                        no_args_is_help=True)

_MASS = typer.Option(None, "--mass-mg", help="Active mass in mg (overrides a mass stored in the file).")
_FIRST = typer.Option(None, "--first", help="Pairing: cycles start with a 'charge' or 'discharge' half-cycle "
                                            "(default: the cycler's cycle index, else discharge first).")
_FMT = typer.Option(None, "--format", help="Force the reader: biologic, arbin, neware, maccor, csv, table "
                                           "(default: from the file's content).")
_COLUMNS = typer.Option(None, "--columns", help="YAML map of an unknown text export's columns "
                                                "('name: quantity[unit]', docs/echem.md#columns).")


def register(app: typer.Typer) -> None:
    """Add the ``echem`` sub-app to the main ``dualion`` app."""
    app.add_typer(echem_app, name="echem")



def load_summary(file: Path, mass_mg: float | None, first: str | None, fmt: str | None = None,
                 require_cycles: bool = True, columns: Path | None = None):
    """Read + segment + summarise (library calls); a file without half-cycles is a user error."""
    from dualion.cliutil import positive
    from dualion.echem import cycles, read, segment
    from dualion.errors import DualionUserError

    positive(mass_mg, "--mass-mg")   # the option, not the file, is at fault
    import warnings

    with warnings.catch_warnings(record=True) as caught:  # held back: a refused file gets one line
        warnings.simplefilter("always")
        data = read(file, mass_mg=mass_mg, fmt=fmt, columns=columns)
        halves = segment.half_cycles(data, first=first)
        summary = cycles.summarise(data, halves, first=first)
    if not (require_cycles and not summary.half_cycles):
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if require_cycles and not summary.half_cycles:
        raise DualionUserError("not a cycling record: no galvanostatic half-cycles (only rest, OCV, CV or EIS "
                               "rows, or zero current everywhere)", file=file)
    return data, summary


def _print_table(summary) -> None:
    u = summary.capacity_unit
    spec = bool(summary.mass_mg)
    cv = any((c.cv_discharge_mAh or 0) > 0 or (c.cv_charge_mAh or 0) > 0 for c in summary.cycles)
    basis = "CC+CV" if cv else "CC"
    head = (f"{'cycle':>5} {'Q_dis':>10} {'Q_ch':>10} {'CE %':>7} {'<V>dis':>7} {'<V>ch':>7} {'ΔV':>6} {'ret %':>6}"
            f"   (Q and CE: {basis}; retention: CC)")
    typer.echo(f"{summary.source}: {len(summary.half_cycles)} half-cycles, {len(summary.cycles)} cycles "
               f"(pairing: {summary.pairing}; capacities in {u})")
    typer.echo(head)

    def f(x, fmt):
        if x is None:
            width = "".join(ch for ch in fmt.split(".")[0] if ch.isdigit())
            return "-".rjust(int(width or 1))
        return format(x, fmt)

    for c in summary.cycles:
        qd, qc = c.discharge_total_mAh, c.charge_total_mAh  # the basis of the CE beside them
        if spec:
            qd = None if qd is None else qd / (summary.mass_mg / 1000.0)
            qc = None if qc is None else qc / (summary.mass_mg / 1000.0)
        flag = "  partial" if c.partial else ""
        typer.echo(f"{c.number:>5} {f(qd, '10.4g')} {f(qc, '10.4g')} {f(c.coulombic_efficiency_pct, '7.2f')} "
                   f"{f(c.mean_discharge_V, '7.3f')} {f(c.mean_charge_V, '7.3f')} {f(c.polarization_V, '6.3f')} "
                   f"{f(c.retention_pct, '6.1f')}{flag}")
    if len(summary.rates) > 1:
        typer.echo("rate capability:")
        for b in summary.rates:
            typer.echo(f"  {b.rate:.4g} {b.rate_unit}: cycles {b.first_cycle}–{b.last_cycle}, "
                       f"discharge {f(b.discharge_mean, '.4g')} {b.capacity_unit}")


def write_summary(summary, out: Path) -> list[Path]:
    """Write half_cycles, cycles and rate_capability as CSV + JSON, and summary.json, into ``out``."""
    from dualion.core.records import dump, record_dict
    from dualion.plotting import write_table

    payload = record_dict(summary)          # the CycleSummary record, plain JSON data (one NaN policy)
    paths = []
    paths += write_table(summary.half_cycle_table(), out, "half_cycles", json_payload=payload["half_cycles"])
    paths += write_table(summary.table(), out, "cycles", json_payload=payload["cycles"])
    import pandas as pd

    paths += write_table(pd.DataFrame(payload["rate_capability"]), out, "rate_capability",
                         json_payload=payload["rate_capability"])
    paths.append(dump(summary, out / "summary.json"))
    return paths


@echem_app.command("summary")


@output_command()
@option_names(OPTIONS)
def summary_cmd(file: Path = typer.Argument(..., help="Cycler file (.mpr/.mpt, .res, .nda/.ndax, Maccor .txt, .csv)."),
                mass_mg: float = _MASS, first: str = _FIRST, fmt: str = _FMT, columns: Path = _COLUMNS,
                json_: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
                out: Path = typer.Option(None, "--out", help="Also write CSV/JSON tables into this folder.")) -> None:
    """Half-cycles and per-cycle capacity, Coulombic efficiency, voltages, polarization, energy, retention."""
    from dualion.io.atomic import to_json

    with _warnings_to_stderr():
        _data, summary = load_summary(file, mass_mg, first, fmt, columns=columns)
        if out is not None:
            write_summary(summary, out)
    if json_:
        typer.echo(to_json(summary.to_dict()))
    else:
        _print_table(summary)


@echem_app.command("plot")


@option_names(OPTIONS)
def plot_cmd(file: Path = typer.Argument(..., help="Cycler file."), mass_mg: float = _MASS, first: str = _FIRST,
             fmt: str = _FMT, columns: Path = _COLUMNS,
             cycles: str = typer.Option(None, "--cycles", help="Cycles to draw, e.g. 1,2,5 or 1-10 "
                                                               "(default: all up to 10, else 1,2,5,10,…,last)."),
             all_: bool = typer.Option(False, "--all", help="Draw every cycle."),
             out: Path = typer.Option(None, "--out", help="Output folder (default: ./<file stem>_echem).")) -> None:
    """Voltage vs capacity per cycle (Fig. 1a-like), capacity/CE/retention vs cycle, rate capability."""
    from dualion.echem import plots
    from dualion.plotting import figure_style, save_figure, write_table

    out = out if out is not None else Path(f"{file.stem}_echem")
    with _warnings_to_stderr(), output_set(out):
        data, summary = load_summary(file, mass_mg, first, fmt, columns=columns)
        chosen = plots.parse_cycles(cycles, summary, all_=all_)
        # compute every figure before writing anything
        curves = plots.curves(data, summary, chosen)
        figs = {"voltage_capacity": plots.plot_voltage_capacity(data, summary, chosen, title=file.name),
                "cycling": plots.plot_cycling(summary)}
        if len(summary.rates) > 1:
            figs["rate_capability"] = plots.plot_rate_capability(summary)
        written = []
        with figure_style():  # savefig.bbox = tight is read at save time
            for stem, fig in figs.items():
                written += save_figure(fig, out, stem)
        written += write_table(curves, out, "voltage_capacity")
        written += write_summary(summary, out)
    typer.echo(f"wrote {len(written)} files to {out}")
