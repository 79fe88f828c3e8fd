"""``dualion cell …``: galvanostatic single-particle dual-ion cell (thin layer over :mod:`dualion.cell`)."""

from __future__ import annotations

from pathlib import Path

import typer

from dualion.cliutil import option_names
from dualion.core import paper

from dualion.errors import DualionUserError
from dualion.io.atomic import ensure_dir
from dualion.io.outputs import output_command

#: Library error fields → the options of these commands that set them (errors name the option).
OPTIONS = {"radius_um": "--radius-um", "D_Li_cm2_s": "--D-Li", "D_Mg_cm2_s": "--D-Mg", "j0_Li_mA_cm2": "--j0-Li",
           "j0_Mg_mA_cm2": "--j0-Mg", "mass_mg": "--mass-mg", "licl_M": "--licl", "v_min_V": "--v-min",
           "v_max_V": "--v-max", "cutoff_V": "--v-min/--v-max", "rate_mA_g": "--rate-mA-g", "rates_mA_g": "--rate-mA-g",
           "current_mA_g": "--rate-mA-g", "pulse_mA_g": "--pulse-mA-g", "pulse_s/rest_s": "--pulse-s/--rest-s",
           "n_pulses": "--max-pulses", "D_Li_electrolyte_cm2_s": "--D-electrolyte",
           "electrolyte_transport": "--electrolyte-transport"}


cell_app = typer.Typer(help="Galvanostatic dual-ion (Li+/Mg2+) cell: discharge curves, rate capability, GITT.",
                       no_args_is_help=True)

_OUT = typer.Option(Path("dualion-cell"), "--out", help="Results folder (PNG + SVG + CSV/JSON).")
_LICL = typer.Option(0.2, "--licl", help="LiCl concentration (M); 0 = Li-free electrolyte.")
_R = typer.Option(None, "--radius-um", help="Particle radius (µm; default: the --params set's, 0.01).")
_DLI = typer.Option(None, "--D-Li", help="Li diffusion coefficient (cm2 s-1; default: the --params set's).")
_DMG = typer.Option(None, "--D-Mg", help="Mg diffusion coefficient (cm2 s-1; default: the --params set's).")
_J0LI = typer.Option(None, "--j0-Li", help="Li exchange current density at half filling (mA cm-2; default: the "
                                           "--params set's).")
_J0MG = typer.Option(None, "--j0-Mg", help="Mg exchange current density at half filling (mA cm-2; default: the "
                                           "--params set's).")
_TRANSPORT = typer.Option(None, "--electrolyte-transport/--no-electrolyte-transport",
                          help="Li+ diffusion across the separator (dualion.cell.electrolyte); default: on with "
                               "--params paper, off with dft.")
_DEL = typer.Option(None, "--D-electrolyte", help="D(Li+) in the electrolyte (cm2 s-1; default: the --params set's).")
_MASS = typer.Option(paper.ACTIVE_MASS_MG, "--mass-mg", help="Active mass (mg), for currents in mA.")
_VMIN = typer.Option(paper.V_WINDOW_V[0], "--v-min", help="Lower cutoff (V vs Mg2+/Mg), within 0.05–2.3 V.")
_VMAX = typer.Option(paper.V_WINDOW_V[1], "--v-max", help="Upper cutoff (V vs Mg2+/Mg), within 0.05–2.3 V.")
_PARAMS = typer.Option("paper", "--params",
                       help="Equilibrium model and electrolyte: 'paper' (the fitted paper set, dualion.model.paper_set) "
                            "or 'dft' (bare DFT site energies, ideal Li+ activity, ΔE_ref = 0.74 V).")


def _params(licl, radius_um, D_Li, D_Mg, j0_Li, j0_Mg, mass_mg, v_min, v_max, params="dft", transport=None,
            D_el=None):
    """Cell parameters of the --params set; options left at None keep the set's value."""
    from dualion.cell import CellParameters

    if params not in ("paper", "dft"):
        raise DualionUserError(f"--params must be 'paper' or 'dft', got {params!r}", field="--params")
    kw = dict(radius_um=radius_um, D_Li_cm2_s=D_Li, D_Mg_cm2_s=D_Mg, j0_Li_mA_cm2=j0_Li, j0_Mg_mA_cm2=j0_Mg,
              licl_M=licl, mass_mg=mass_mg, v_min_V=v_min, v_max_V=v_max, electrolyte_transport=transport,
              D_Li_electrolyte_cm2_s=D_el)
    kw = {k: v for k, v in kw.items() if v is not None}
    return CellParameters.paper(**kw) if params == "paper" else CellParameters(**kw)


def _equilibrium(params: str):
    """The cell's equilibrium source: the paper set's defective host, or None (the cell's DFT default)."""
    if params == "paper":
        from dualion.model.paper_set import defective_model

        return defective_model()
    return None


def _parse_rates(text: str) -> list[float]:
    try:
        rates = [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise DualionUserError(f"rates must be comma-separated numbers (mA g-1), got {text!r}",
                               field="--rate-mA-g") from None
    if not rates:
        raise DualionUserError("give at least one rate", field="--rate-mA-g")
    return rates


@cell_app.command("discharge")


@output_command()
@option_names(OPTIONS)
def discharge_cmd(rate_mA_g: float = typer.Option(20.0, "--rate-mA-g", help="Current density magnitude (mA g-1)."),
                  licl: float = _LICL, radius_um: float = _R, D_Li: float = _DLI, D_Mg: float = _DMG,
                  j0_Li: float = _J0LI, j0_Mg: float = _J0MG, mass_mg: float = _MASS, v_min: float = _VMIN,
                  transport: bool = _TRANSPORT, D_el: float = _DEL,
                  v_max: float = _VMAX, params: str = _PARAMS, out: Path = _OUT) -> None:
    """One discharge–charge at one rate; writes the curve as a plain cycler CSV plus figure and summary."""
    from dualion.core.records import dump
    from dualion import cell
    from dualion.cell.plots import plot_rate_curves
    from dualion.plotting import figure_style, save

    p = _params(licl, radius_um, D_Li, D_Mg, j0_Li, j0_Mg, mass_mg, v_min, v_max, params, transport, D_el)
    res = cell.discharge_charge(p, rate_mA_g, equilibrium=_equilibrium(params))
    pt = cell.summarize(res)
    ensure_dir(out)
    cell.write_cycler_csv(res, out / "cell_discharge_charge.csv")
    with figure_style():
        save(plot_rate_curves([res], title=f"{licl:g} M LiCl"), out, "cell_discharge_charge")
    dump(pt, out / "cell_summary.json", extra={"stop_reasons": res.stop_reasons,
                                                "units": "capacity mA h g-1; x per formula unit; V vs Mg2+/Mg"})
    dump(res, out / "cell_run.json")
    typer.echo(f"discharge {pt.discharge_capacity_mAh_g:.1f} mA h g-1 (x_Li {pt.x_Li_discharged:.3f}, "
               f"x_Mg {pt.x_Mg_discharged:.3f}); charge {pt.charge_capacity_mAh_g:.1f} mA h g-1; wrote {out}")


@cell_app.command("rate")


@output_command()
@option_names(OPTIONS)
def rate_cmd(rate_mA_g: str = typer.Option("20,50,100,200,500,1000", "--rate-mA-g",
                                           help="Comma-separated current densities (mA g-1)."),
             licl: float = _LICL, radius_um: float = _R, D_Li: float = _DLI, D_Mg: float = _DMG,
             j0_Li: float = _J0LI, j0_Mg: float = _J0MG, mass_mg: float = _MASS, v_min: float = _VMIN,
                  transport: bool = _TRANSPORT, D_el: float = _DEL,
             v_max: float = _VMAX, params: str = _PARAMS, out: Path = _OUT) -> None:
    """Rate capability (Fig. 2a): discharge–charge at each rate; capacity and inserted Li/Mg vs rate; every curve
    in cell_rate_curves.csv (rate, step, time, current, voltage, capacity, x_Li, x_Mg, c_Li+ at the electrode in M)."""
    from dualion import cell
    from dualion.cell.plots import plot_capacity_vs_rate, plot_rate_curves, rate_curve_records, rate_records
    from dualion.plotting import figure_style, save, write_table
    from dualion.progress import make_progress

    rates = _parse_rates(rate_mA_g)
    p = _params(licl, radius_um, D_Li, D_Mg, j0_Li, j0_Mg, mass_mg, v_min, v_max, params, transport, D_el)
    eq = _equilibrium(params)
    with make_progress() as prog:
        task = prog.add_task("rates", total=len(rates))
        pts, results = cell.rate_capability(p, rates, equilibrium=eq, progress=lambda r: prog.advance(task))
    ensure_dir(out)
    rec, payload = rate_records(pts)
    with figure_style():
        save(plot_rate_curves(results, title=f"{licl:g} M LiCl"), out, "cell_rate_curves")
        save(plot_capacity_vs_rate({f"{licl:g} M LiCl": pts}), out, "cell_capacity_vs_rate")
    write_table(rec, out, "cell_rate", json_payload=payload)
    write_table(rate_curve_records(results), out, "cell_rate_curves")
    for pt in pts:
        typer.echo(f"{pt.rate_mA_g:8g} mA g-1: {pt.discharge_capacity_mAh_g:6.1f} mA h g-1  "
                   f"x_Li {pt.x_Li_discharged:.3f}  x_Mg {pt.x_Mg_discharged:.3f}")
    typer.echo(f"wrote {out}")


@cell_app.command("gitt")


@output_command()
@option_names(OPTIONS)
def gitt_cmd(pulse_mA_g: float = typer.Option(paper.GITT_PULSE_MA_G, "--pulse-mA-g", help="Pulse current density (mA g-1)."),
             pulse_s: float = typer.Option(paper.GITT_PULSE_S, "--pulse-s", help="Pulse duration (s)."),
             rest_s: float = typer.Option(paper.GITT_REST_S, "--rest-s", help="Rest duration (s)."),
             max_pulses: int = typer.Option(60, "--max-pulses", help="Stop after this many pulses."),
             licl: float = _LICL, radius_um: float = _R, D_Li: float = _DLI, D_Mg: float = _DMG,
             j0_Li: float = _J0LI, j0_Mg: float = _J0MG, mass_mg: float = _MASS, v_min: float = _VMIN,
                  transport: bool = _TRANSPORT, D_el: float = _DEL,
             params: str = _PARAMS, out: Path = _OUT) -> None:
    """Simulated first-discharge GITT (the paper's 10 mA g-1 × 1 h, 10 h rest, to 0.05 V) → plain cycler CSV."""
    from dualion import cell
    from dualion.cell.plots import gitt_records, plot_gitt
    from dualion.plotting import figure_style, save

    for opt, v in (("--pulse-s", pulse_s), ("--rest-s", rest_s), ("--pulse-mA-g", pulse_mA_g)):
        if not v > 0:
            raise DualionUserError(f"must be a positive number, got {v!r}", field=opt)
    p = _params(licl, radius_um, D_Li, D_Mg, j0_Li, j0_Mg, mass_mg, v_min, paper.V_WINDOW_V[1], params, transport,
                D_el)
    res = cell.simulate_gitt(p, equilibrium=_equilibrium(params), pulse_mA_g=pulse_mA_g, pulse_s=pulse_s,
                             rest_s=rest_s, max_pulses=max_pulses)
    pts = cell.gitt_points(res)
    ensure_dir(out)
    label = f"{licl:g} M LiCl" if licl > 0 else "Li-free"
    cell.write_cycler_csv(res, out / "cell_gitt.csv")
    rec, payload = gitt_records(pts)
    with figure_style():
        save(plot_gitt({label: res}, {label: pts}), out, "cell_gitt")
    from dualion.plotting import write_table

    write_table(rec, out, "cell_gitt_points", json_payload=payload)
    typer.echo(f"{len(pts)} pulses; wrote {out / 'cell_gitt.csv'} (analyse with: dualion echem gitt)")


def register(app: typer.Typer) -> None:
    """Add ``dualion cell …`` to the main app."""
    app.add_typer(cell_app, name="cell")
