"""``dualion echem dqdv`` and ``dualion echem gitt`` (thin layer over :mod:`.dqdv` and :mod:`.gitt`).

:func:`register` adds the commands to the ``echem`` sub-app defined in :mod:`dualion.echem.cli`
(``echem_app``); if that sub-app does not exist, nothing is registered. :func:`add_commands` adds
them to any typer app (used by the tests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from dualion.errors import DualionUserError
from dualion.cliutil import option_names
from dualion.cliutil import warnings_to_stderr as _warnings_to_stderr
from dualion.io.outputs import output_command

#: Library error fields → the options of these commands that set them (errors name the option).
OPTIONS = {"first": "--first", "cycles": "--cycles", "mass_mg": "--mass-mg", "area_cm2": "--area-cm2",
           "radius_um": "--radius-um", "area_cm2/radius_um": "--area-cm2/--radius-um",
           "thickness_um": "--thickness-um",
           "area_cm2/radius_um/thickness_um": "--area-cm2/--radius-um/--thickness-um",
           "molar_mass_g_mol": "--molar-mass", "molar_volume_cm3_mol": "--molar-volume", "direction": "--direction"}



def register(app: typer.Typer) -> None:
    """Add ``dqdv`` and ``gitt`` to ``dualion.echem.cli.echem_app`` (if it exists)."""
    try:
        from dualion.echem.cli import echem_app
    except ImportError:
        return
    add_commands(echem_app)


# ----------------------------------------------------------------------------------------------
# helpers (also used by the demo)
# ----------------------------------------------------------------------------------------------

def read_table(path: Path, mass_mg: float | None = None):
    """Read a cycler file with the team reader (``dualion.echem.read``)."""
    try:
        from dualion.echem import read
    except ImportError:
        from dualion.echem.readers import read
    return read(path, mass_mg=mass_mg)


def half_cycles_of(data, first: str | None = None):
    """Galvanostatic half-cycles of ``data`` (``dualion.echem.segment.half_cycles``); ``first`` overrides
    the pairing into cycles (``charge`` / ``discharge``), as in ``dualion echem summary``."""
    try:
        from dualion.echem.segment import half_cycles
    except ImportError as exc:  # pragma: no cover - only while the segmenter is missing
        raise DualionUserError("half-cycle segmentation (dualion.echem.segment) is not available") from exc
    return half_cycles(data, first=first)


def parse_cycles(text: str | None) -> list[int] | None:
    """``"1,2,5-7"`` → ``[1, 2, 5, 6, 7]``; ``None`` → ``None``
    (:func:`dualion.echem.cycles.parse_cycle_list`)."""
    from dualion.echem.cycles import parse_cycle_list

    return None if text is None else parse_cycle_list(text, "--cycles")


def _positive(x: float | None, name: str) -> float | None:
    from dualion.cliutil import positive

    return positive(x, name)


def dqdv_outputs(result, out: Path, stem: str, voltage_label: str = "Voltage (V)") -> list[Path]:
    """Write figure (PNG+SVG), curves and peaks (CSV+JSON) for a :class:`~.dqdv.DQDVResult`."""
    from dualion.core.records import record_dict
    from dualion.echem.dqdv import plot_dqdv
    from dualion.plotting import figure_style, save_figure, write_table

    curves = result.to_frame()
    peaks = result.peaks_frame()
    conv = {"dqdv": "|dQ/dV| >= 0 for both directions (mA h V-1; mA h g-1 V-1 with a mass); figures draw "
                    "discharge negative", "smooth_V": result.smooth_V, "step_V": result.step_V,
            "mass_mg": result.mass_mg}
    paths = []
    # the DQDVResult record (dualion.load reads it back), with the per-half-cycle view and conventions
    rec = record_dict(result)
    paths += write_table(curves, out, f"{stem}_dqdv_curves",
                         json_payload={**rec, "conventions": conv,
                                       "half_cycles": [{"half_cycle": h, "direction": d, "cycle": c,
                                                        "capacity_mAh": float(q),
                                                        "dqdv_mAh_per_V": result.dqdv_mAh_per_V[r]}
                                                       for r, (h, d, c, q) in enumerate(zip(
                                                           result.half_cycles, result.directions,
                                                           result.cycles, result.capacity_mAh))]})
    paths += write_table(peaks, out, f"{stem}_dqdv_peaks",
                         json_payload={"conventions": conv, "peaks": [p.as_dict() for p in result.peaks]})
    with figure_style():
        fig = plot_dqdv(result, voltage_label=voltage_label)
        paths += save_figure(fig, out, f"{stem}_dqdv")
    return paths


def gitt_outputs(results: list, out: Path, stem: str, voltage_label: str = "Voltage (V)") -> list[Path]:
    """Write the Fig. 3a-style figure and per-pulse tables for one or more GITT results."""
    import pandas as pd

    from dualion.core.records import records_payload
    from dualion.echem.gitt import plot_gitt
    from dualion.plotting import figure_style, save_figure, write_table

    frames = []
    for r in results:
        df = r.to_frame()
        df.insert(0, "record", r.label or r.source)
        frames.append(df)
    paths = write_table(pd.concat(frames, ignore_index=True), out, f"{stem}_gitt",
                        json_payload=records_payload(results))
    with figure_style():
        fig = plot_gitt(results, voltage_label=voltage_label)
        paths += save_figure(fig, out, f"{stem}_gitt")
    return paths


# ----------------------------------------------------------------------------------------------
# commands
# ----------------------------------------------------------------------------------------------

def add_commands(app: typer.Typer) -> None:
    """Define ``dqdv`` and ``gitt`` on ``app``."""

    @app.command("dqdv")

    @output_command()
    @option_names(OPTIONS)
    def dqdv_cmd(
        file: Path = typer.Argument(..., help="Cycler file (.mpr, .mpt, .res, .nda/.ndax, Maccor .txt, plain .csv)."),
        cycles: str = typer.Option(None, "--cycles", help="Cycles to analyse, e.g. 1,2 or 1-5 (default: 1-5)."),
        all_cycles: bool = typer.Option(False, "--all", help="Analyse every cycle."),
        mass_mg: float = typer.Option(None, "--mass-mg", help="Active mass (mg) for mA h g-1 V-1."),
        smooth_V: float = typer.Option(0.01, "--smooth-V", help="Gaussian smoothing σ in volts."),
        step_V: float = typer.Option(0.002, "--step-V", help="Voltage grid step in volts."),
        prominence: float = typer.Option(0.05, "--prominence",
                                         help="Peak prominence threshold, fraction of the curve maximum."),
        out: Path = typer.Option(Path("."), "--out", help="Output folder."),
        json_out: bool = typer.Option(False, "--json", help="Print the peaks as JSON on stdout."),
        first: str = typer.Option(None, "--first", help="Pairing: cycles start with a 'charge' or 'discharge' "
                                  "half-cycle (default: the cycler's cycle index, else discharge first)."),
    ) -> None:
        """dQ/dV per half-cycle on a uniform voltage grid, with peak voltages (figure + CSV/JSON)."""
        with _warnings_to_stderr():
            from dualion.echem.dqdv import dqdv
            from dualion.io.atomic import to_json

            _positive(mass_mg, "--mass-mg")
            _positive(smooth_V, "--smooth-V")
            _positive(step_V, "--step-V")
            if not 0 <= prominence < 1:
                raise DualionUserError(f"must be in [0, 1), got {prominence}", field="--prominence")
            if all_cycles and cycles is not None:
                raise DualionUserError("give either --cycles or --all", field="--cycles")
            sel = None if all_cycles else (parse_cycles(cycles) if cycles is not None else list(range(1, 6)))
            data = read_table(file, mass_mg=mass_mg)
            hcs = half_cycles_of(data, first=first)
            if not hcs:
                raise DualionUserError("no galvanostatic half-cycles found (rest, OCV, CV and EIS steps are not "
                                       "half-cycles)", file=file)
            if sel is not None and cycles is None:        # default 1-5: keep what exists
                have = {h.cycle for h in hcs}
                sel = [c for c in sel if c in have] or sorted(have)[:5]
            result = dqdv(data, hcs, cycles=sel, step_V=step_V, smooth_V=smooth_V, prominence_frac=prominence)
            ref = (getattr(data, "meta", {}) or {}).get("reference")
            vlabel = f"Voltage vs {ref} (V)" if ref else "Voltage (V)"
            paths = dqdv_outputs(result, out, Path(file).stem, voltage_label=vlabel)
            if json_out:
                typer.echo(to_json({"file": str(file), "smooth_V": smooth_V, "step_V": step_V,
                                    "convention": "|dQ/dV| >= 0 for both directions",
                                    "half_cycles": [{"half_cycle": h, "direction": d, "cycle": c, "capacity_mAh": float(q)}
                                                    for h, d, c, q in zip(result.half_cycles, result.directions,
                                                                          result.cycles, result.capacity_mAh)],
                                    "peaks": [p.as_dict() for p in result.peaks]}))
            else:
                _print_peaks(result)
                typer.echo(f"wrote {len(paths)} files to {out}")

    @app.command("gitt")

    @output_command()
    @option_names(OPTIONS)
    def gitt_cmd(
        file: Path = typer.Argument(..., help="GITT record (any supported cycler format)."),
        file2: Path = typer.Argument(None, help="Optional second record to compare (e.g. without Li)."),
        mass_mg: float = typer.Option(None, "--mass-mg", help="Active mass (mg); both files."),
        molar_mass: float = typer.Option(None, "--molar-mass", help="Molar mass of the host (g/mol) for x."),
        molar_volume: float = typer.Option(None, "--molar-volume", help="Molar volume (cm3/mol) for D."),
        area_cm2: float = typer.Option(None, "--area-cm2", help="Electrode/electrolyte contact area (cm2) for D."),
        radius_um: float = typer.Option(None, "--radius-um", help="Particle radius (µm) for D (spheres: fit of "
                                                                  "the exact spherical response)."),
        thickness_um: float = typer.Option(None, "--thickness-um", help="Dense film thickness (µm) for D "
                                                                        "(planar: Weppner–Huggins)."),
        direction: str = typer.Option(None, "--direction", help="discharge|charge (default: first pulse)."),
        label: list[str] = typer.Option(None, "--label", help="Legend label per file (repeat)."),
        out: Path = typer.Option(Path("."), "--out", help="Output folder."),
        json_out: bool = typer.Option(False, "--json", help="Print the per-pulse results as JSON on stdout."),
    ) -> None:
        """GITT: E_eq, overpotential η, IR drop and D per pulse (spheres: exact response; films: Weppner–Huggins)."""
        with _warnings_to_stderr():
            from dualion.echem.gitt import GITTGeometry, analyse_gitt_data
            from dualion.core.records import records_payload, to_json

            for v, n in ((mass_mg, "--mass-mg"), (molar_mass, "--molar-mass"), (molar_volume, "--molar-volume"),
                         (area_cm2, "--area-cm2"), (radius_um, "--radius-um"), (thickness_um, "--thickness-um")):
                _positive(v, n)
            files = [file] + ([file2] if file2 is not None else [])
            labels = list(label or [])
            if labels and len(labels) != len(files):
                raise DualionUserError(f"{len(labels)} label(s) for {len(files)} file(s)", field="--label")
            results = []
            refs = set()
            for k, f in enumerate(files):
                data = read_table(f, mass_mg=mass_mg)
                refs.add((getattr(data, "meta", {}) or {}).get("reference"))
                geom = GITTGeometry(mass_mg=mass_mg if mass_mg is not None else data.mass_mg,
                                    molar_mass_g_mol=molar_mass, molar_volume_cm3_mol=molar_volume,
                                    area_cm2=area_cm2, radius_um=radius_um, thickness_um=thickness_um)
                results.append(analyse_gitt_data(data, geom, direction=direction,
                                                 label=labels[k] if labels else Path(f).stem, source=str(f)))
            stem = Path(file).stem if file2 is None else f"{Path(file).stem}_vs_{Path(file2).stem}"
            ref = refs.pop() if len(refs) == 1 else None      # one shared, stated reference electrode
            paths = gitt_outputs(results, out, stem, voltage_label=f"Voltage vs {ref} (V)" if ref else "Voltage (V)")
            if json_out:
                typer.echo(to_json(records_payload(results)))
            else:
                for r in results:
                    _print_gitt(r)
                typer.echo(f"wrote {len(paths)} files to {out}")



def _print_peaks(result: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"dQ/dV peaks (σ = {result.smooth_V} V, grid {result.step_V} V)")
    for c in ("half-cycle", "cycle", "direction", "V", "|dQ/dV| (mA h V-1)", "prominence"):
        t.add_column(c)
    for p in result.peaks:
        t.add_row(str(p.half_cycle), str(p.cycle), p.direction, f"{p.voltage_V:.3f}",
                  f"{p.height_mAh_per_V:.4g}", f"{p.prominence_mAh_per_V:.3g}")
    Console().print(t)


def _print_gitt(result: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"GITT {result.label or result.source}: {len(result.pulses)} pulses")
    for c in ("#", "state", "E_eq (V)", "η (mV)", "IR (mV)", "D (cm2/s)", "ok", "notes"):
        t.add_column(c)
    for p in result.pulses:
        state = (f"x={p.x_per_fu:.3f}" if p.x_per_fu is not None else
                 f"{p.q_mAh_g:.1f} mAh/g" if p.q_mAh_g is not None else f"{p.q_mAh:.4f} mAh")
        t.add_row(str(p.index), state, f"{p.E_eq_V:.4f}", f"{p.eta_V * 1000:.1f}", f"{p.ir_start_V * 1000:.1f}",
                  "-" if p.D_cm2_s is None else f"{p.D_cm2_s:.3g}", "yes" if p.D_valid else "no", p.notes)
    Console().print(t)
