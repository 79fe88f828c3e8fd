"""CLI of dualion.pdf: ``dualion pdf refine``, ``dualion pdf series``, ``dualion vegard``.

The engine (diffpy.pdffit2, the ``pdf`` extra) is imported inside the commands; without it they
stop with one line naming the extra. ``vegard`` needs no extra.
"""

from __future__ import annotations

import math
from pathlib import Path

import typer

from dualion.errors import DualionUserError

_STRUCT = typer.Option(..., "--structure", help="CIF / .stru / pymatgen-readable file, or anatase[:a=..,c=..,"
                                                "Li@4b=0.3,...] / defect-anatase.")
_QMAX = typer.Option(None, "--qmax", help="Qmax (Å⁻¹) of the Fourier transform; default: from the file header.")
_QDAMP = typer.Option(None, "--qdamp", help="Instrumental Qdamp (Å⁻¹), start value if free (default 0: none).")
_QBROAD = typer.Option(0.0, "--qbroad", help="Qbroad (Å⁻¹), start value if free.")
_RMIN = typer.Option(None, "--rmin", help="Fit range start (Å); default: first data point.")
_RMAX = typer.Option(None, "--rmax", help="Fit range end (Å); default: last data point.")
_FREE = typer.Option(None, "--free", help="Refined parameters: a,b,c,alpha,beta,gamma,lattice,xyz,scale,Uiso,"
                                          "sratio,delta1,delta2,spdiameter,qdamp,qbroad,occ, occ:Li@4b, "
                                          "Uiso:Ti (default scale,lattice,Uiso).")
_RCUT = typer.Option(0.0, "--rcut", help="r (Å) below which sratio scales the peak width (0: off).")
_SPD = typer.Option(0.0, "--spdiameter", help="Particle diameter (Å) for the spherical envelope (0: bulk); "
                                            "start value if free.")
_DELTA2 = typer.Option(0.0, "--delta2", help="delta2 (Å²), correlated-motion sharpening; start value if free.")
_STYPE = typer.Option(None, "--stype", help="Radiation: X (default, or from the header) or N.")
_JSON = typer.Option(False, "--json", help="Print the result as JSON on stdout.")
_OUT = typer.Option(None, "--out", help="Folder for figures (PNG+SVG) and tables (CSV+JSON).")


def _settings(qmax, qdamp, qbroad, rmin, rmax, free, rcut, spdiameter, delta2, stype):
    from dualion.pdf.engine import Settings, parse_free

    names = parse_free(free)
    for name, val in (("--qmax", qmax), ("--qdamp", qdamp), ("--qbroad", qbroad), ("--rcut", rcut),
                      ("--spdiameter", spdiameter)):
        if val is not None and (not math.isfinite(val) or val < 0):
            raise DualionUserError(f"must be a finite number ≥ 0, got {val!r}", field=name)
    if stype is not None and stype.upper() not in ("X", "N"):
        raise DualionUserError(f"expected X (X-rays) or N (neutrons), got {stype!r}", field="--stype")
    return Settings(qmax=qmax, qdamp=qdamp or 0.0, qbroad=qbroad, rmin=rmin, rmax=rmax, rcut=rcut,
                    spdiameter=spdiameter, delta2=delta2, stype=stype.upper() if stype else None, free=names)


def _warn_qdamp(qdamp, settings) -> None:
    if qdamp is None and "qdamp" not in settings.free:
        import warnings

        from dualion.errors import DualionWarning

        warnings.warn("no --qdamp given: no instrumental damping (Qdamp = 0); the paper fixed 0.04 (11-ID-B)",
                      DualionWarning, stacklevel=2)


def _print_fit(fit) -> None:
    from dualion.pdf.results import format_esd

    typer.echo(f"{fit.data['file']}: Rw = {fit.Rw:.5f}, reduced chi2 = {fit.chi2_red}  [{fit.engine}, "
               f"{fit.structure['spacegroup']}, fit {fit.data['fit_rmin_A']:g}–{fit.data['fit_rmax_A']:g} Å]")
    for name, p in fit.parameters.items():
        if p["free"]:
            typer.echo(f"  {name:<14} {format_esd(p['value'], p['sigma'])}")


def _write_fit(fit, out: Path, label: str) -> None:
    import pandas as pd

    from dualion.pdf.plots import plot_fits
    from dualion.plotting import save, write_table

    curves = pd.DataFrame({"r_A": fit.r, "Gobs_A-2": fit.Gobs, "Gcalc_A-2": fit.Gcalc, "Gdiff_A-2": fit.Gdiff})
    save(plot_fits([fit], labels=[label]), out, "pdf_fit", data=curves, json_payload=fit.to_dict())
    params = [{"parameter": n, "value": p["value"], "sigma": p["sigma"], "free": p["free"]}
              for n, p in fit.parameters.items()]
    write_table(params, out, "pdf_parameters")


def _prepare(what: str, out, structure: str, data, *options):
    """Checks shared by the commands, before anything is computed: the extra, the output folder, the
    options, the data file (if one) and the structure; returns (settings, structure model, data or None)."""
    from dualion.extras import require
    from dualion.io.atomic import check_out_dir

    require("pdf", what=what)
    from dualion.pdf.data import read_pdf_data
    from dualion.pdf.model import load_structure

    if out is not None:
        check_out_dir(out)
    settings = _settings(*options)
    pdf = read_pdf_data(data) if data is not None else None
    model = load_structure(structure)
    _warn_qdamp(options[1], settings)
    return settings, model, pdf


def register(app: typer.Typer) -> None:
    """Add ``dualion pdf ...`` and ``dualion vegard`` to the main app."""
    pdf_app = typer.Typer(help="Pair distribution function refinement (diffpy.pdffit2, the 'pdf' extra).",
                          no_args_is_help=True)
    app.add_typer(pdf_app, name="pdf")

    @pdf_app.command("refine")
    def refine_cmd(data: Path = typer.Argument(..., help="G(r) file: PDFgetX2/X3/xPDFsuite .gr or 2–4 columns."),
                   structure: str = _STRUCT, qmax: float = _QMAX, qdamp: float = _QDAMP, qbroad: float = _QBROAD,
                   rmin: float = _RMIN, rmax: float = _RMAX, free: str = _FREE, rcut: float = _RCUT,
                   spdiameter: float = _SPD, delta2: float = _DELTA2, stype: str = _STYPE,
                   as_json: bool = _JSON, out: Path = _OUT) -> None:
        """Refine one PDF against a structure model (symmetry constraints automatic)."""
        from dualion.cliutil import warnings_to_stderr
        from dualion.core.records import to_json

        with warnings_to_stderr():
            settings, model, pdf = _prepare("dualion pdf refine", out, structure, data, qmax, qdamp, qbroad, rmin,
                                            rmax, free, rcut, spdiameter, delta2, stype)
            from dualion.pdf.engine import refine

            fit = refine(pdf, model, settings)
            if out is not None:
                _write_fit(fit, out, data.stem)
            if as_json:
                typer.echo(to_json(fit))
            else:
                _print_fit(fit)
                if out is not None:
                    typer.echo(f"wrote {out}/pdf_fit.{{png,svg,csv,json}}, pdf_parameters.{{csv,json}}")

    @pdf_app.command("series")
    def series_cmd(files: list[Path] = typer.Argument(..., help="G(r) files, in series order (first = reference)."),
                   structure: str = _STRUCT, qmax: float = _QMAX, qdamp: float = _QDAMP, qbroad: float = _QBROAD,
                   rmin: float = _RMIN, rmax: float = _RMAX, free: str = _FREE, rcut: float = _RCUT,
                   spdiameter: float = _SPD, delta2: float = _DELTA2, stype: str = _STYPE,
                   workers: int = typer.Option(2, "--workers", help="Dask worker processes (1: in this process)."),
                   scheduler: str = typer.Option(None, "--scheduler", help="Running Dask scheduler (tcp://host:8786)."),
                   as_json: bool = _JSON, out: Path = _OUT) -> None:
        """Refine every file with one model: Rw, a, c, V and ΔV/V0 per file, with figures."""
        from dualion.cliutil import warnings_to_stderr
        from dualion.core.records import to_json

        with warnings_to_stderr():
            settings, model, _ = _prepare("dualion pdf series", out, structure, None, qmax, qdamp, qbroad, rmin,
                                          rmax, free, rcut, spdiameter, delta2, stype)
            from dualion.pdf.series import refine_series

            series = refine_series(files, model, settings, workers=workers, scheduler=scheduler)
            if out is not None:
                from dualion.pdf.plots import plot_fits, plot_series
                from dualion.plotting import save

                save(plot_series(series), out, "pdf_series", data=series.rows(), json_payload=series.to_dict())
                save(plot_fits(series.fits, labels=[f.stem for f in files]), out, "pdf_series_fits")
            if as_json:
                typer.echo(to_json(series))
            else:
                from dualion.pdf.results import format_esd

                for row in series.rows():
                    typer.echo(f"{Path(row['file']).name}: Rw {row['Rw']:.4f}  a {format_esd(row['a_A'], row['a_sigma_A'])}"
                               f"  c {format_esd(row['c_A'], row['c_sigma_A'])}  V {row['V_A3']:.3f} Å3"
                               f"  ΔV/V0 {100 * row['dV_over_V0']:+.3f} %")

    @app.command("vegard")
    def vegard_cmd(a: str = typer.Option(..., "--a", help="Lattice parameter a (Å), e.g. 3.875 or 3.875(2)."),
                   c: str = typer.Option(..., "--c", help="Lattice parameter c (Å)."),
                   a0: str = typer.Option(..., "--a0", help="a (Å) of the Li-free reference."),
                   c0: str = typer.Option(..., "--c0", help="c (Å) of the Li-free reference."),
                   slopes: Path = typer.Option(None, "--slopes", help="YAML with da_dx_A, dc_dx_A and citation."),
                   da_dx: float = typer.Option(None, "--da-dx", help="da/dx (Å per Li per formula unit)."),
                   dc_dx: float = typer.Option(None, "--dc-dx", help="dc/dx (Å per Li per formula unit)."),
                   as_json: bool = _JSON, out: Path = _OUT) -> None:
        """Li content at 4b from a and c by Vegard's law (slopes from a cited file or given)."""
        from dualion.core.records import to_json
        from dualion.io.atomic import check_out_dir
        from dualion.pdf.vegard import load_slopes, vegard

        if slopes is not None and (da_dx is not None or dc_dx is not None):
            raise DualionUserError("give either --slopes FILE or --da-dx and --dc-dx, not both", field="--slopes")
        if slopes is not None:
            sa, sc, cite = load_slopes(slopes)
            source = str(slopes)
        elif da_dx is not None and dc_dx is not None:
            sa, sc, cite, source = da_dx, dc_dx, None, "user"
        else:
            raise DualionUserError("Vegard slopes are needed: --slopes FILE (with its citation) or --da-dx X "
                                   "--dc-dx Y; dualion has no default slopes", field="--slopes")
        if out is not None:
            check_out_dir(out)
        res = vegard(a, c, a0, c0, sa, sc, slopes_source=source, citation=cite)
        if out is not None:
            from dualion.plotting import write_table

            write_table([res.to_dict()], out, "vegard", json_payload=res.to_dict())
        if as_json:
            typer.echo(to_json(res))
        else:
            from dualion.pdf.results import format_esd

            lo, hi = res.x_range
            typer.echo(f"x_Li from a: {format_esd(res.x_from_a, res.x_from_a_sigma)}  from c: "
                       f"{format_esd(res.x_from_c, res.x_from_c_sigma)}  range {lo:.3f}–{hi:.3f}  "
                       f"(slopes: {source}{'; ' + cite if cite else ''})")
