"""CLI commands of dualion.thermo: ``energies``, ``diagram``, ``query``, ``path``.

FILES may be vasppy YAML / vasprun.xml / ASE-readable files, site-model YAML files, or the bundled model
names ``interstitial``, ``single-vacancy``, ``paired-vacancy``. Thin layer: parse, call the library, write.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from dualion.errors import DualionUserError
from dualion.cliutil import option_names, parse_floats as _floats
from dualion.core import paper
from dualion.io.atomic import check_out_dir
from dualion.io.outputs import output_command

#: Library error fields → the options of these commands that set them (errors name the option).
OPTIONS = {"ions": "--ions", "host": "--host", "per": "--per", "window": "--window", "mu": "--mu",
           "licl_M": "--licl", "li_activity": "--activity", "V_range": "--vmin/--vmax", "delta_e_ref_V": "--delta-e-ref",
           "T_K": "--T"}


_FILES = typer.Argument(..., help="Input files (vasppy YAML, vasprun.xml, ASE files, site-model YAML) or bundled "
                                  "model names: interstitial, single-vacancy, paired-vacancy.")
_IONS = typer.Option(None, "--ions", help="Working ions, comma-separated (formal charges from dualion.ions); "
                                          "default Li,Mg for calculation files, the file's own ions for site-model "
                                          "files.")
_HOST = typer.Option(None, "--host", help="Host title (or model name) when the files hold several hosts.")
_PER = typer.Option("charge", "--per", help="Chemical-potential convention: 'charge' (eV per e-, default) or 'atom'.")
_REF = typer.Option(None, "--ref", help="Metal reference ION=EV_PER_ATOM (repeatable); overrides elemental runs.")
_INC = typer.Option(False, "--allow-incomplete", help="Include runs whose status is not 'finished' (flagged).")


def _pairs(items: list[str] | None, opt: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for it in items or []:
        key, sep, val = str(it).partition("=")
        key = key.strip()
        try:
            v = float(val)
        except ValueError:
            v = math.nan
        if not sep or not key or not math.isfinite(v):
            raise DualionUserError(f"expected ION=NUMBER, got {it!r}", field=opt)
        if key in out:
            raise DualionUserError(f"{key} given twice", field=opt)
        out[key] = v
    return out



def _excluded_note(excluded) -> str | None:
    """One line listing the configurations left out of a diagram/path (status, missing axis...)."""
    if not excluded:
        return None
    return "excluded: " + "; ".join(f"{x['label']}: {x['reason']}" for x in excluded)


def _load(files: list[str], ions: str | None, host: str | None, ref: list[str] | None):
    from dualion.ions import parse_ions
    from dualion.thermo.models import load_site_models

    return load_site_models(files, parse_ions(ions), host, _pairs(ref, "--ref"))


def _energies_ions(files: list[str], ions: str | None) -> str | None:
    """``--ions`` for `energies`: when not given, the ions inserted in the calculation files (host vs
    configurations); when given, one warning naming the configurations of ions it leaves out."""
    import warnings

    from dualion.errors import DualionWarning
    from dualion.ions import parse_ions
    from dualion.thermo.energies import ions_from_files

    found = ions_from_files(files)
    if ions is None:
        return ",".join(sorted(found, key=lambda el: (found[el] == 0, el))) if found else None
    left = {el: n for el, n in found.items() if el not in parse_ions(ions)}
    if left:
        what = ", ".join(f"{n} {el}" for el, n in sorted(left.items()))
        warnings.warn(f"--ions {ions} leaves out {sum(left.values())} configurations of other ions found in the "
                      f"files ({what}); omit --ions to include every inserted ion", DualionWarning, stacklevel=2)
    return ions


def energies(files: list[str] = _FILES, ions: str = _IONS, host: str | None = _HOST,
             ref: list[str] | None = _REF, as_json: bool = typer.Option(False, "--json", help="Print JSON records.")) -> None:
    """Insertion energies of every configuration (total, per ion, per transferred charge, voltage)."""
    from dualion.thermo.energies import insertion_table

    recs = insertion_table(_load(files, _energies_ions(files, ions), host, ref))
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in recs], indent=1, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title="Insertion energies vs the metals (eV); V̄ = −ΔE per charge (V vs the metal)")
    for col in ("host", "config", "status", "ΔE total", "per ion", "per charge", "V̄ (V)"):
        t.add_column(col, justify="right" if col.startswith(("ΔE", "per", "V")) else "left",
                     overflow="fold", no_wrap=col in ("ΔE total", "per ion", "per charge", "V̄ (V)"))
    for r in recs:
        st = r.status if not r.flag else f"[bold red]{r.status} ⚠[/]"
        t.add_row(r.host, r.label, st, f"{r.total_eV:.3f}", f"{r.per_ion_eV:.3f}", f"{r.per_charge_eV:.3f}",
                  f"{r.average_voltage_V:.3f}")
    console = Console()
    if not console.is_terminal:  # piped/redirected: do not squeeze host titles into 80 columns
        console = Console(width=120)
    console.print(t)
    if any(r.flag for r in recs):
        console.print("[red]⚠[/] run status is not 'finished': kept but flagged; excluded from diagrams unless "
                        "--allow-incomplete")


@output_command()
def diagram(files: list[str] = _FILES, host: str | None = _HOST, ions: str = _IONS, per: str = _PER,
            window: tuple[float, float, float, float] | None = typer.Option(
                None, "--window", help="XMIN XMAX YMIN YMAX of (Δμ_x, Δμ_y), eV in the chosen convention."),
            allow_incomplete: bool = _INC, ref: list[str] | None = _REF,
            out: Path = typer.Option(Path("."), "--out", help="Output folder for diagram.{png,svg,json}.")) -> None:
    """Exact phase diagram (stable product over the Δμ plane): figure + diagram.json (regions, thresholds)."""
    from dualion.plotting import figure_style, save_figure
    from dualion.reference import check_convention
    from dualion.thermo.diagram import convention_text, phase_diagram
    from dualion.thermo.pairing import select_model
    from dualion.thermo.plot import diagram_figure

    check_convention(per)
    check_out_dir(out)
    model = select_model(_load(files, ions, host, ref), host)
    d = phase_diagram(model, ions=_two(ions), per=per, window=window, allow_incomplete=allow_incomplete)
    from dualion.core.records import dump

    provenance = {k: v for k, v in dict(model.provenance).items()}
    with figure_style():
        fig = diagram_figure([d], None, charges={i: model.charge(i) for i in model.ions},
                             footnote=_footnote(model))
        save_figure(fig, out, "diagram")
    dump(d, Path(out) / "diagram.json", extra={"provenance": provenance})
    typer.echo(f"wrote {Path(out) / 'diagram.png'}, .svg, diagram.json ({len(d.regions)} regions; "
               f"{convention_text(d.per, d.ions)})")
    note = _excluded_note(d.excluded)
    if note:
        typer.echo(note)
    flagged = [r.label for r in d.regions if r.status != "finished"]
    if flagged:
        typer.echo(f"flagged (status ≠ finished, included by --allow-incomplete): {', '.join(flagged)}")


def _footnote(model) -> str | None:
    prov = dict(model.provenance)
    parts = [str(prov["kind"])] if "not DFT" in str(prov.get("kind", "")) else []
    if prov.get("citation"):
        parts.append(str(prov["citation"]))
    return "; ".join(parts) or None


def _two(ions: str | None) -> tuple[str, ...] | None:
    """Diagram axes from ``--ions``; None (not given) = the model's own working ions."""
    from dualion.ions import parse_ions

    return parse_ions(ions) if ions else None


def query(files: list[str] = _FILES, host: str | None = _HOST, ions: str = _IONS,
          mu: list[str] = typer.Option(..., "--mu", help="ION=Δμ in eV (repeat for each ion), e.g. --mu Li=-2.8."),
          per: str = _PER, allow_incomplete: bool = _INC, ref: list[str] | None = _REF) -> None:
    """Stable product at given chemical potentials: prints JSON {label, counts, omega_eV}."""
    from dualion.thermo.diagram import query as q
    from dualion.thermo.pairing import select_model

    mus = _pairs(mu, "--mu")
    model = select_model(_load(files, ions, host, ref), host)
    res = q(model, mus, per=per, allow_incomplete=allow_incomplete)
    typer.echo(json.dumps(res, ensure_ascii=False))


@output_command()
def path(files: list[str] = _FILES, host: str | None = _HOST,
         licl: str = typer.Option("0.05,0.1,0.2,1.0", "--licl", help="LiCl concentrations (M), comma-separated; "
                                  "0 = Li-free electrolyte (Li configurations excluded)."),
         activity: str | None = typer.Option(None, "--activity", help="Li+ activities, one per concentration "
                                             "(default: c / 1 M)."),
         delta_e_ref: float = typer.Option(paper.DELTA_E_REF_V, "--delta-e-ref", help="E(Mg2+/Mg) − E(Li+/Li), V."),
         T: float = typer.Option(paper.T_K, "--T", help="Temperature, K."),
         vmin: float = typer.Option(0.0, "--vmin", help="Lowest voltage, V vs Mg2+/Mg."),
         vmax: float = typer.Option(3.0, "--vmax", help="Highest voltage, V vs Mg2+/Mg."),
         per: str = _PER, window: tuple[float, float, float, float] | None = typer.Option(None, "--window"),
         allow_incomplete: bool = _INC, ref: list[str] | None = _REF,
         out: Path = typer.Option(Path("."), "--out", help="Output folder for path.{csv,json,png,svg}.")) -> None:
    """Discharge paths at fixed LiCl concentration: sequence of stable products vs voltage (table + figure)."""
    from dualion.core.records import records_payload
    from dualion.plotting import figure_style, save_figure, write_table
    from dualion.reference import check_convention
    from dualion.thermo.pairing import select_model
    from dualion.thermo.paths import discharge_paths, path_rows
    from dualion.thermo.plot import path_figure

    check_convention(per)
    check_out_dir(out)
    conc = _floats(licl, "--licl")
    acts = _floats(activity, "--activity") if activity else None
    if not (T > 0 and math.isfinite(T)):
        raise DualionUserError(f"temperature must be > 0 K, got {T}", field="--T")
    model = select_model(_load(files, "Li,Mg", host, ref), host)
    paths = discharge_paths(model, conc, acts, V_range=(vmin, vmax), delta_e_ref_V=delta_e_ref, T_K=T,
                            allow_incomplete=allow_incomplete)
    from dualion.thermo.diagram import phase_diagram

    d = phase_diagram(model, ions=("Li", "Mg"), per=per, window=window, allow_incomplete=allow_incomplete)
    payload = {"model": model.name, "reference": "V vs Mg2+/Mg", "delta_e_ref_V": delta_e_ref, "T_K": T,
               "activity": "given" if acts else "c / 1 M (ideal)", "convention": d.to_dict()["convention"],
               "note_zero": "0 M LiCl = Li-free electrolyte: Li-containing configurations excluded",
               "paths": [p.to_dict() for p in paths], **records_payload(paths)}     # loads back: list of paths
    rows = path_rows(paths)
    with figure_style():
        fig = path_figure(d, paths, model, footnote=_footnote(model))
        save_figure(fig, out, "path")
    write_table(rows, out, "path", json_payload=payload)
    for p in paths:
        seq = " → ".join(s.label + ("*" if s.status != "finished" else "") for s in p.segments)
        tr = ", ".join(f"{t['V_vs_Mg']:.3f} V" for t in p.transitions)
        where = f"transitions at {tr} vs Mg2+/Mg" if tr else f"no transition between {vmin:g} and {vmax:g} V vs Mg2+/Mg"
        typer.echo(f"{p.licl_M:g} M LiCl (a={p.li_activity:g}): {seq}  [{where}]")
    typer.echo(f"wrote {Path(out) / 'path.csv'}, path.json, path.png, path.svg")
    note = _excluded_note(d.excluded)
    if note:
        typer.echo(note)
    if any(s.status != "finished" for p in paths for s in p.segments):
        typer.echo("* status ≠ finished (included by --allow-incomplete)")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the main ``dualion`` app."""
    app.command("energies")(option_names(OPTIONS)(energies))
    app.command("diagram")(option_names(OPTIONS)(diagram))
    app.command("query")(option_names(OPTIONS)(query))
    app.command("path")(option_names(OPTIONS)(path))
