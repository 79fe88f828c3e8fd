"""``dualion nmr fit | series | integrate`` (thin layer over :mod:`dualion.nmr`).

Heavy dependencies (nmrglue, lmfit, csdmpy) are imported when a command runs; without them the command
stops with one line: ``dualion nmr fit needs the 'nmr' extra: pip install 'dualion[nmr]'``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from dualion.cliutil import parse_floats
from dualion.cliutil import warnings_to_stderr as _warnings_to_stderr
from dualion.errors import DualionUserError

nmr_app = typer.Typer(help="Solid-state NMR: deconvolution with spinning sidebands, environments, integrals.",
                      no_args_is_help=True)

_LINES = typer.Option(None, "--lines", help="Starting shifts in ppm, e.g. 98,-4,-88 (one line each).")
_NUC = typer.Option(None, "--nucleus", help="Nucleus, e.g. 19F (default: from the data set).")
_MAS = typer.Option(None, "--mas-khz", help="MAS rate in kHz (default: MASR from the data set; 0 = no sidebands).")
_MODEL = typer.Option(None, "--model", help="Model YAML: lines with bounds, fixed and linked parameters.")
_ASSIGN = typer.Option(None, "--assign", help="Assignment table YAML (default: the bundled table for the nucleus).")
_JSON = typer.Option(False, "--json", help="Print the result as JSON on stdout.")
_OUT = typer.Option(None, "--out", help="Write figures (PNG+SVG) and tables (CSV+JSON) into this folder.")
_FMT = typer.Option(None, "--format", help="Force the reader: bruker-1r, bruker-fid, jcamp, csdm, text.")
_WIN = typer.Option(None, "--window", help="Fit only A,B ppm.")
_SB = typer.Option("free", "--sidebands", help="Sideband amplitudes with --lines: free (per order), csa (mrsimulator), none.")
_LARMOR = typer.Option(None, "--larmor-mhz", help="Reference frequency ν0 in MHz (default: from the data set).")


def register(app: typer.Typer) -> None:
    """Add the ``nmr`` sub-app to the main ``dualion`` app."""
    app.add_typer(nmr_app, name="nmr")


def require_extra(what: str = "dualion nmr") -> None:
    """One-line user error when the ``nmr`` extra (nmrglue, lmfit, csdmpy) is not installed; mrsimulator is
    needed only by ``--sidebands csa``."""
    from dualion.extras import require

    require("nmr", "nmrglue", "lmfit", "csdmpy", what=what)


def _window(text: str | None, opt: str) -> tuple[float, float] | None:
    if text is None:
        return None
    v = parse_floats(text, opt)
    if len(v) != 2 or v[0] == v[1]:
        raise DualionUserError(f"expected two different numbers A,B in ppm, got {text!r}", field=opt)
    return (min(v), max(v))


def load_inputs(datasets: list[Path], lines: str | None, nucleus: str | None, mas_khz: float | None,
                model_path: Path | None, assign: Path | None, fmt: str | None, window: str | None,
                sidebands: str = "free", larmor_mhz: float | None = None, masses: list[float] | None = None):
    """Read and validate everything before anything is computed or written: (spectra, model, table)."""
    from dualion.nmr.assign import load_table
    from dualion.nmr.model import SIDEBAND_MODES, load_model, model_from_shifts
    from dualion.nmr.readers import read_spectrum

    if sidebands not in SIDEBAND_MODES:
        raise DualionUserError(f"choose one of {', '.join(SIDEBAND_MODES)}, got {sidebands!r}", field="--sidebands")
    if mas_khz is not None and not (mas_khz >= 0):
        raise DualionUserError(f"must be ≥ 0, got {mas_khz}", field="--mas-khz")
    spectra = []
    for i, ds in enumerate(datasets):
        s = read_spectrum(ds, fmt=fmt, mass_mg=masses[i] if masses else None)
        s = s.with_overrides(nucleus=nucleus, larmor_MHz=larmor_mhz)
        if mas_khz is not None:
            s.mas_Hz = mas_khz * 1e3 if mas_khz > 0 else None
        spectra.append(s)
    shifts = parse_floats(lines, "--lines") if lines is not None else None
    if model_path is not None:
        model = load_model(model_path)
        if shifts is not None:
            if len(shifts) != len(model.lines):
                raise DualionUserError(f"--lines gives {len(shifts)} shifts but the model has {len(model.lines)} lines",
                                       file=model_path, field="--lines")
            for ln, d in zip(model.lines, shifts):
                ln.delta.value = d
    elif shifts is not None:
        model = model_from_shifts(shifts, sidebands=sidebands)
    else:
        raise DualionUserError("give --lines (starting shifts in ppm) or --model", field="--lines")
    win = _window(window, "--window")
    if win is not None:
        model.window_ppm = win
    table = load_table(assign, nucleus=spectra[0].nucleus) if (assign or spectra[0].nucleus) else None
    return spectra, model, table


def _print_fit(res) -> None:
    typer.echo(f"{res.source}: {res.nucleus or '?'} at {res.larmor_MHz or float('nan'):.4g} MHz, MAS "
               f"{(res.mas_Hz or 0) / 1e3:.4g} kHz; {len(res.lines)} lines; rms residual "
               f"{100 * res.residual['rms_relative']:.2f} % of max")
    typer.echo(f"{'line':>6} {'δ ppm':>9} {'±':>6} {'FWHM':>7} {'η_L':>5} {'fraction':>9} {'±':>6}  assignment")

    def f(v, fmt):
        return format(v, fmt) if v is not None else "-"

    for ln in res.lines:
        flag = "" if ln.well_determined else "  (not well determined)"
        typer.echo(f"{ln.name:>6} {ln.delta_ppm:9.2f} {f(ln.delta_sigma, '6.2f'):>6} {ln.fwhm_ppm:7.2f} "
                   f"{ln.lorentz_fraction:5.2f} {ln.intensity_fraction:9.4f} {f(ln.intensity_fraction_sigma, '6.4f'):>6}  "
                   f"{ln.assignment}{flag}")
    typer.echo(f"<δiso> = {res.mean_delta_iso_ppm:.2f} ± {f(res.mean_delta_iso_sigma, '.2f')} ppm")
    for e in res.environments:
        typer.echo(f"  {e['environment']}: {e['fraction']:.4f} ± {f(e['fraction_sigma'], '.4f')}")


@nmr_app.command("fit")
def fit_cmd(dataset: Path = typer.Argument(..., help="Bruker folder (pdata/N/1r or fid), .jdx, .csdf or text file."),
            lines: str = _LINES, nucleus: str = _NUC, mas_khz: float = _MAS, model: Path = _MODEL,
            assign: Path = _ASSIGN, json_: bool = _JSON, out: Path = _OUT, fmt: str = _FMT, window: str = _WIN,
            sidebands: str = _SB, larmor_mhz: float = _LARMOR) -> None:
    """Deconvolve one spectrum: pseudo-Voigt lines with their spinning sidebands, ⟨δiso⟩, environments."""
    require_extra("dualion nmr fit")
    from dualion.io.atomic import check_out_dir, to_json
    from dualion.nmr.fit import fit_spectrum
    from dualion.nmr.plots import fit_outputs

    with _warnings_to_stderr():
        if out is not None:
            check_out_dir(out)
        (spec,), mdl, table = load_inputs([dataset], lines, nucleus, mas_khz, model, assign, fmt, window, sidebands,
                                          larmor_mhz)
        res = fit_spectrum(spec, mdl, table, label=dataset.name)
        if out is not None:
            fit_outputs(res, out)
    if json_:
        typer.echo(to_json(res.to_dict()))
    else:
        _print_fit(res)


@nmr_app.command("series")
def series_cmd(datasets: list[Path] = typer.Argument(..., help="Data sets in order (e.g. pristine, EoD, EoC)."),
               lines: str = _LINES, labels: str = typer.Option(None, "--labels", help="Sample labels, comma-separated."),
               nucleus: str = _NUC, mas_khz: float = _MAS, model: Path = _MODEL, assign: Path = _ASSIGN,
               json_: bool = _JSON, out: Path = _OUT, fmt: str = _FMT, window: str = _WIN,
               sidebands: str = _SB) -> None:
    """Fit several spectra with the same lines; ⟨δiso⟩ and environment fractions side by side."""
    require_extra("dualion nmr series")
    import copy

    from dualion.io.atomic import check_out_dir, to_json
    from dualion.nmr.fit import fit_spectrum
    from dualion.nmr.plots import series_outputs
    from dualion.nmr.results import NMRSeriesResult

    labs = _labels(labels, datasets)
    with _warnings_to_stderr():
        if out is not None:
            check_out_dir(out)
        spectra, mdl, table = load_inputs(datasets, lines, nucleus, mas_khz, model, assign, fmt, window, sidebands)
        fits = [fit_spectrum(s, copy.deepcopy(mdl), table, label=lab) for s, lab in zip(spectra, labs)]
        series = NMRSeriesResult(labels=labs, fits=fits)
        if out is not None:
            series_outputs(series, out)
    if json_:
        typer.echo(to_json(series.to_dict()))
    else:
        for row in series.table():
            sig = row["mean_delta_iso_sigma"]
            envs = ", ".join(f"{k[5:]} {v:.3f}" for k, v in row.items() if k.startswith("frac:"))
            typer.echo(f"{row['sample']}: <δiso> = {row['mean_delta_iso_ppm']:.2f} ± "
                       f"{'-' if sig is None else format(sig, '.2f')} ppm; {envs}")


@nmr_app.command("integrate")
def integrate_cmd(datasets: list[Path] = typer.Argument(..., help="Data sets to compare (the first is the reference)."),
                  window: str = typer.Option(..., "--window", help="Centre-band window A,B in ppm."),
                  mass_mg: str = typer.Option(None, "--mass-mg", help="Sample masses in mg, one per data set."),
                  labels: str = typer.Option(None, "--labels", help="Labels, comma-separated."),
                  nucleus: str = _NUC, mas_khz: float = _MAS, json_: bool = _JSON, out: Path = _OUT,
                  fmt: str = _FMT) -> None:
    """Integrate centre band + sidebands, normalise by NS, RG and mass; ratios to the first data set."""
    require_extra("dualion nmr integrate")
    from dualion.io.atomic import check_out_dir, to_json
    from dualion.nmr.integrate import integrate
    from dualion.nmr.plots import integrals_outputs

    win = _window(window, "--window")
    masses = parse_floats(mass_mg, "--mass-mg") if mass_mg is not None else None
    if masses is not None and (len(masses) != len(datasets) or min(masses) <= 0):
        raise DualionUserError(f"give one positive mass per data set ({len(datasets)}), got {mass_mg!r}",
                               field="--mass-mg")
    labs = _labels(labels, datasets)
    with _warnings_to_stderr():
        if out is not None:
            check_out_dir(out)
        from dualion.nmr.readers import read_spectrum

        spectra = []
        for i, ds in enumerate(datasets):
            s = read_spectrum(ds, fmt=fmt, mass_mg=masses[i] if masses else None).with_overrides(nucleus=nucleus)
            if mas_khz is not None:
                s.mas_Hz = mas_khz * 1e3 if mas_khz > 0 else None
            spectra.append(s)
        res = integrate(spectra, win, labs)
        if out is not None:
            integrals_outputs(res, out)
    if json_:
        typer.echo(to_json(res.to_dict()))
    else:
        for r in res.rows:
            typer.echo(f"{r['label']}: total {r['total']:.6g} (centre {r['centre']:.6g} + {len(r['orders'])} sidebands "
                       f"{r['sidebands']:.6g}) / {'·'.join(r['divisor_factors']) or '1'} = {r['normalised']:.6g}; "
                       f"ratio {r['ratio']:.4f}")


def _labels(text: str | None, datasets: list[Path]) -> list[str]:
    if text is None:
        return [Path(d).name for d in datasets]
    labs = [t.strip() for t in text.split(",")]
    if len(labs) != len(datasets):
        raise DualionUserError(f"{len(labs)} labels for {len(datasets)} data sets", field="--labels")
    return labs
