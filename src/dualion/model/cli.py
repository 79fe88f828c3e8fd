"""CLI of the equilibrium model: ``dualion model curve``, ``dualion model mc`` and ``dualion fit``.

The ``model`` sub-group is :data:`model_app`. Thin layer: parse, call the library, write; library errors name
library fields, mapped to this module's options by :data:`OPTIONS`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from dualion.errors import DualionUserError
from dualion.cliutil import option_names, parse_floats as _floats
from dualion.core import paper
from dualion.io.outputs import output_command

model_app = typer.Typer(help="Finite-temperature dual-ion insertion model: equilibrium curves and Monte Carlo "
                        "(the galvanostatic cell is the top-level `dualion cell`).",
                        no_args_is_help=True)

_SITE = typer.Option(None, "--site-model",
                     help="SPEC=N: a site-model YAML file or bundled name (interstitial, single-vacancy, "
                          "paired-vacancy) with N sites per formula unit; repeatable. Default: the paper's model "
                          "(interstitial 4b + single vacancies of the formula).")



#: Library error fields → the options of ``dualion model curve/mc`` and ``dualion fit`` (errors name the option).
OPTIONS = {"T_K": "--T", "volume_uL": "--electrolyte-uL", "mass_mg": "--mass-mg", "width_factor": "--width",
           "electron_statistics": "--electron-statistics", "pair_fraction": "--pairs", "formula": "--formula",
           "shape": "--size", "n_sweeps": "--sweeps", "V_min/V_max": "--v-min/--v-max", "n": "--n",
           "licl_M": "--licl", "per": "--per", "delta_e_ref_V": "--delta-e-ref"}


def _build(site_model: list[str] | None, formula: str, T: float, pairs: float, split_anions: bool,
           statistics: str, width: float, allow_incomplete: bool):
    from dualion.model.builders import from_site_models, paper_model

    if not site_model:
        return paper_model(formula=formula, T_K=T, pair_fraction=pairs, split_anions=split_anions,
                           include_incomplete=allow_incomplete, electron_statistics=statistics, width_factor=width)
    from dualion.composition.sites import site_inventory

    inv = site_inventory(formula)
    specs, counts = [], []
    for item in site_model:
        spec, sep, n = str(item).rpartition("=")
        try:
            val = float(n)
        except ValueError:
            val = math.nan
        if not sep or not spec or not (math.isfinite(val) and val >= 0):
            raise DualionUserError(f"expected SPEC=N (sites per formula unit), got {item!r}", field="--site-model")
        specs.append(spec)
        counts.append(val)
    names = [Path(s).stem if Path(s).suffix else s for s in specs]
    return from_site_models(specs, counts, n_redox_per_fu=inv.ti, molar_mass_g_mol=inv.molar_mass_g_mol,
                            names=names, T_K=T, include_incomplete=allow_incomplete, electron_statistics=statistics,
                            width_factor=width)


def _paper_build(T: float, statistics: str, width: float):
    """The paper set's defective host (:mod:`dualion.model.paper_set`) at temperature T."""
    from dualion.model.paper_set import defective_model

    return defective_model({"T_K": T}, electron_statistics=statistics, width_factor=width)


@model_app.command("curve")
@output_command()
def curve(
    site_model: list[str] | None = _SITE,
    params: str = typer.Option("paper", "--params",
                               help="'paper': the fitted paper set (anion environments, disorder, pairs, Li+ "
                                    "activity, ΔE_ref, 400 µL electrolyte; dualion.model.paper_set); 'dft': the bare "
                                    "DFT model shaped by --pairs/--split-anions (also implied by --site-model, --pairs "
                                    "or --split-anions)."),
    licl: str = typer.Option("0,0.05,0.1,0.2,1.0", "--licl", help="LiCl concentrations, mol L-1 (0 = Li-free)."),
    T: float = typer.Option(paper.T_K, "--T", help="Temperature, K."),
    delta_e_ref: float | None = typer.Option(None, "--delta-e-ref",
                                             help="E(Mg2+/Mg) − E(Li+/Li), V (default: the paper set's fit, or "
                                                  f"{paper.DELTA_E_REF_V} with --params dft)."),
    electrolyte_uL: float | None = typer.Option(None, "--electrolyte-uL", help="Finite electrolyte volume, µL "
                                                "(--params paper: 400 µL unless given)."),
    mass_mg: float | None = typer.Option(None, "--mass-mg", help="Active-material mass, mg (with --electrolyte-uL)."),
    formula: str = typer.Option(paper.FORMULA, "--formula",
                                help="Host formula: site counts, Ti4+/Ti3+ limit and molar mass."),
    pairs: float | None = typer.Option(None, "--pairs", help="Fraction of vacancies in adjacent pairs, 0–1 "
                                       "(the DFT model; default 0)."),
    split_anions: bool = typer.Option(False, "--split-anions", help="Split single vacancies by F/OH environment."),
    statistics: str = typer.Option("availability", "--electron-statistics",
                                   help="Electron-limit model: availability, fermi or none."),
    width: float = typer.Option(1.0, "--width", help="Width factor ω multiplying kT in the occupancies."),
    allow_incomplete: bool = typer.Option(False, "--allow-incomplete", help="Use runs not marked finished."),
    v_min: float = typer.Option(paper.V_WINDOW_V[0], "--v-min", help="Lower voltage, V vs Mg2+/Mg."),
    v_max: float = typer.Option(paper.V_WINDOW_V[1], "--v-max", help="Upper voltage, V vs Mg2+/Mg."),
    n: int = typer.Option(461, "--n", help="Number of voltages."),
    out: Path = typer.Option(Path("model-curve"), "--out", help="Output folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the end-of-discharge table as JSON."),
) -> None:
    """Equilibrium discharge curves x_Li(V), x_Mg(V) per site type, Q(V), dQ/dV for several LiCl concentrations."""
    from dualion.core.records import jsonable
    from dualion.model.report import compute_curves, write_curve_outputs

    if params not in ("paper", "dft"):
        raise DualionUserError(f"--params must be 'paper' or 'dft', got {params!r}", field="--params")
    # --pairs / --split-anions shape the bare DFT model: giving either selects it (never silently ignored)
    use_paper = (params == "paper" and not site_model and formula == paper.FORMULA and pairs is None
                 and not split_anions)
    nu = 1.0
    with option_names(OPTIONS):
        if use_paper:
            from dualion.model.paper_set import value

            model = _paper_build(T, statistics, width)
            delta_e_ref = value("delta_e_ref_V") if delta_e_ref is None else delta_e_ref
            nu = value("activity_exponent")
            if electrolyte_uL is None and mass_mg is None:
                electrolyte_uL, mass_mg = value("electrolyte_volume_uL"), value("active_mass_mg")
        else:
            model = _build(site_model, formula, T, 0.0 if pairs is None else pairs, split_anions, statistics, width,
                           allow_incomplete)
            delta_e_ref = paper.DELTA_E_REF_V if delta_e_ref is None else delta_e_ref
        cs = compute_curves(model, _floats(licl, "--licl"), V_min=v_min, V_max=v_max, n=n,
                            delta_e_ref_V=delta_e_ref, electrolyte_uL=electrolyte_uL, mass_mg=mass_mg,
                            activity_exponent=nu)
    paths = write_curve_outputs(cs, out)
    rows = cs.endpoints()
    if as_json:
        typer.echo(json.dumps(jsonable(rows), indent=2))
    else:
        typer.echo("LiCl (M)  x_Li    x_Mg    e-/fu   Q (mA h g-1)  main dQ/dV peak (V vs Mg)")
        for r in rows:
            typer.echo(f"{r['licl_M']:<9g} {r.get('x_Li', 0.0):.4f}  {r.get('x_Mg', 0.0):.4f}  "
                       f"{r['electrons_per_fu']:.4f}  {r['Q_mAh_g']:<12.1f}  {r['main_peak_V']:.3f}")
        typer.echo(f"wrote {len(paths)} files to {out}")


@model_app.command("mc")
def mc(
    e_li: float = typer.Option(-1.5, "--e-li", help="Insertion energy of Li on a site, eV."),
    e_mg: float = typer.Option(-2.2, "--e-mg", help="Insertion energy of Mg on a site, eV."),
    mu: list[str] = typer.Option(["Li=-1.5", "Mg=-1.15"], "--mu", help="ION=Δμ in eV per charge (repeatable)."),
    j: list[str] = typer.Option([], "--j", help="Nearest-neighbour interaction ION-ION=eV, e.g. Li-Li=0.02."),
    size: int = typer.Option(12, "--size", help="Simple-cubic lattice edge (even)."),
    sweeps: int = typer.Option(2000, "--sweeps", help="Production sweeps."),
    T: float = typer.Option(paper.T_K, "--T", help="Temperature, K."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Grand-canonical lattice Monte Carlo of one site type vs the independent-site model (JSON on stdout)."""
    from dualion.model.equilibrium import EquilibriumModel, SiteType
    from dualion.model.montecarlo import run_gcmc

    def pairs(items: list[str], opt: str) -> dict[str, float]:
        outd = {}
        for it in items:
            k, sep, v = it.partition("=")
            try:
                val = float(v)
            except ValueError:
                val = math.nan
            if not sep or not math.isfinite(val):
                raise DualionUserError(f"expected KEY=NUMBER, got {it!r}", field=opt)
            outd[k.strip()] = val
        return outd

    site = SiteType("site", 1.0, (("Li", {"Li": 1}, e_li, 1), ("Mg", {"Mg": 1}, e_mg, 1)))
    dmu = pairs(mu, "--mu")
    unknown = sorted(set(dmu) - set(site.ions))
    if unknown:
        raise DualionUserError(f"unknown ion(s) {', '.join(unknown)}; give Δμ for {', '.join(site.ions)}",
                               field="--mu")
    with option_names(OPTIONS):
        exact = EquilibriumModel([site], n_redox_per_fu=None, T_K=T).uptake(dmu)
        res = run_gcmc(site, dmu, T_K=T, shape=(size, size, size), interactions=pairs(j, "--j"), n_sweeps=sweeps,
                       n_equil=max(sweeps // 4, 10), seed=seed)
    typer.echo(json.dumps({**res.to_dict(), "independent_site_x": {k: float(v) for k, v in exact.x.items()},
                           "dmu_eV_per_charge": dmu}, indent=2))


@output_command()
def fit(
    targets: Path = typer.Argument(..., help="Targets YAML file (see docs/model.md; bundled example: "
                                              "src/dualion/data/fit/paper_targets.yaml). Use 'paper' for it."),
    out: Path = typer.Option(Path("model-fit"), "--out", help="Output folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Fit equilibrium-model parameters (site offsets, ΔE_ref, width, pair fraction) to measured targets."""
    from dualion.model.fit import fit_targets, load_targets, paper_targets_path, write_fit_outputs

    path = paper_targets_path() if str(targets) == "paper" and not targets.exists() else targets
    spec = load_targets(path)
    try:
        result = fit_targets(spec)
    except DualionUserError as exc:            # problems found once the model is built: name the targets file
        if exc.file is None:
            raise DualionUserError(exc.message, file=str(path), field=exc.field) from None
        raise
    write_fit_outputs(result, spec, out)
    if as_json:
        from dualion.core.records import to_json

        typer.echo(to_json(result))
    else:
        from dualion.model.fit import residual_table_markdown

        typer.echo("\n".join(residual_table_markdown(result)))
        for note in result.notes:
            typer.echo(note)
        typer.echo(f"wrote results to {out}")


def register(app: typer.Typer) -> None:
    """Add ``dualion model ...`` and ``dualion fit`` to the main app."""
    app.add_typer(model_app, name="model")
    app.command("fit")(fit)
