"""CLI commands of dualion.structures (registered on the main app by :func:`register`).

``dualion build``, ``dualion vasp-inputs``, ``dualion vasp-collect``, ``dualion distortion``.
Heavy imports (pymatgen) happen inside the commands.
"""

from __future__ import annotations

from pathlib import Path

import typer

from dualion.cliutil import option_names

from dualion.errors import DualionUserError
from dualion.io.outputs import check_stem, output_command

#: Library error fields → the options of these commands that set them (errors name the option).
OPTIONS = {"supercell": "--supercell", "ions": "--ions", "anions": "--anions", "anion_sites": "--anion-sites",
           "lattice": "--lattice", "fmt": "--format", "host": "--host"}


MODEL_NAMES = ("interstitial", "single-vacancy", "paired-vacancy", "calibration", "anion-location")


_LATTICE_HELP = "Anatase a,c[,u] (Å, Å, O coordinate); default: experimental 3.7842,9.5146,0.2081."


def _models(name: str, supercell: str | None, ions: str | None, anions: str, anion_sites: str, first_only: bool,
            lattice: str | None = None):
    from dualion.ions import parse_ions
    from dualion.structures import build_anion_location_set, build_calibration_set, build_site_model
    from dualion.structures.anatase import A_ANATASE_A, C_ANATASE_A, U_ANATASE, parse_lattice

    if name not in MODEL_NAMES:
        raise DualionUserError(f"unknown site model {name!r}; choose one of {', '.join(MODEL_NAMES)}",
                               field="SITE_MODEL")
    a, c, u = parse_lattice(lattice) if lattice else (A_ANATASE_A, C_ANATASE_A, U_ANATASE)
    if name == "calibration":
        return build_calibration_set(supercell or "3x3x1", parse_ions(ions) if ions else ("Li", "Na", "Mg", "Ca", "Al"),
                                     a=a, c=c, u=u)
    if name == "anion-location":
        return build_anion_location_set(supercell or "4x4x2", a=a, c=c, u=u)
    return build_site_model(name, supercell or "2x2x1", parse_ions(ions), anions=anions,
                            distinct=not first_only, anion_sites=anion_sites, a=a, c=c, u=u)


def _parse_site(text: str) -> list[float]:
    try:
        vals = [float(x) for x in text.replace(",", " ").split()]
    except ValueError:
        vals = []
    if len(vals) != 3:
        raise DualionUserError(f"expected fractional coordinates x,y,z, got {text!r}", field="--site")
    return vals


def _references(path: Path) -> dict[str, float]:
    """``--references`` read through :mod:`dualion.io.text` (encoding detected, duplicate keys refused),
    then parsed by :func:`dualion.engines.vasp.load_references`; errors name the file."""
    from dualion.engines.vasp import load_references
    from dualion.io.text import read_yaml_all, utf8_copy

    if not [d for d in read_yaml_all(path) if d is not None]:
        raise DualionUserError("empty references file", file=path, field="--references")
    with utf8_copy(path) as src:
        try:
            return load_references(src)
        except DualionUserError as exc:
            raise DualionUserError(exc.message, file=str(path), field=exc.field) from None


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the main ``dualion`` app."""

    @app.command("build")

    @output_command()
    @option_names(OPTIONS)
    def build(
        site_model: str = typer.Argument(..., help="interstitial | single-vacancy | paired-vacancy | calibration "
                                                   "| anion-location"),
        out: Path = typer.Option(..., "--out", help="Folder for the structure files and manifest.yaml."),
        supercell: str = typer.Option(None, "--supercell", help="nx x ny x nz, e.g. 4x4x2 (default 2x2x1; "
                                                                  "calibration 3x3x1; anion-location 4x4x2)."),
        ions: str = typer.Option(None, "--ions", help="Working ions, e.g. Li,Mg."),
        anions: str = typer.Option("F", "--anions", help="Compensating anions: F, OH, 3F+1OH, 2F+2OH-cis, ..."),
        anion_sites: str = typer.Option("equatorial", "--anion-sites",
                                        help="equatorial (paper) or adjacent (enumerate eq/ax choices)."),
        fmt: str = typer.Option("cif", "--format", help="cif or poscar."),
        first_only: bool = typer.Option(False, "--first-only", help="Only one placement per configuration."),
        lattice: str = typer.Option(None, "--lattice", help=_LATTICE_HELP),
    ) -> None:
        """Write the structures of a site model (CIF/POSCAR) and a manifest with labels, counts, multiplicities."""
        from dualion.structures.writers import write_structures

        models = _models(site_model, supercell, ions, anions, anion_sites, first_only, lattice)
        path = write_structures(models, out, fmt, site_model=site_model)
        for m in models:
            typer.echo(f"{m.host:28s} {m.label:28s} {m.formula:22s} x{m.multiplicity}")
        typer.echo(f"wrote {len(models)} structures and {path}")

    @app.command("vasp-inputs")

    @output_command()
    @option_names(OPTIONS)
    def vasp_inputs(
        site_model: str = typer.Argument(..., help="interstitial | single-vacancy | paired-vacancy | calibration "
                                                   "| anion-location"),
        out: Path = typer.Option(..., "--out", help="Folder: one VASP input folder per structure + manifest.yaml."),
        supercell: str = typer.Option(None, "--supercell", help="nx x ny x nz (paper: 4x4x2)."),
        ions: str = typer.Option(None, "--ions", help="Working ions, e.g. Li,Mg."),
        anions: str = typer.Option("F", "--anions", help="Compensating anions: F, OH, 3F+1OH, ..."),
        anion_sites: str = typer.Option("equatorial", "--anion-sites", help="equatorial or adjacent."),
        potcars: str = typer.Option("paper", "--potcars", help="POTCAR symbol set: paper or f-tio2-dft."),
        no_references: bool = typer.Option(False, "--no-references", help="Skip the metal reference folders."),
        first_only: bool = typer.Option(False, "--first-only", help="Only one placement per configuration."),
        lattice: str = typer.Option(None, "--lattice", help=_LATTICE_HELP + " The paper: its PBEsol+U lattice."),
    ) -> None:
        """Write VASP inputs (INCAR, KPOINTS, POSCAR, POTCAR.spec) with the paper's PBEsol+U settings."""
        from dualion.engines.vasp import write_vasp_inputs

        models = _models(site_model, supercell, ions, anions, anion_sites, first_only, lattice)
        path = write_vasp_inputs(models, out, potcars=potcars, references=[] if no_references else None,
                                 site_model=site_model)
        typer.echo(f"wrote {len(models)} model folders and {path} (POTCAR.spec lists the PAW symbols; "
                   "build POTCAR on the VASP machine)")

    @app.command("vasp-collect")

    @option_names(OPTIONS)
    def vasp_collect(
        run_dir: Path = typer.Argument(..., help="Folder written by `dualion vasp-inputs`, with finished runs."),
        out: Path = typer.Option(..., "--out", help="Site-model YAML to write (read by `dualion diagram`)."),
        references: Path = typer.Option(None, "--references",
                                        help="Metal references: YAML {ion: eV per atom} or vasppy summaries."),
        host: str = typer.Option(None, "--host", help="Host label when the folder holds several hosts."),
        name: str = typer.Option(None, "--name", help="Name of the site model."),
    ) -> None:
        """Read vasprun.xml files into a site-model file; unconverged runs are kept as status: incomplete."""
        from dualion.engines.vasp import collect_vasp_runs
        from dualion.io.atomic import check_out_file
        from dualion.thermo.sitemodel import dump_site_model

        check_out_file(out, (".yaml", ".yml"))
        refs = _references(references) if references is not None else None   # validated before the runs
        model = collect_vasp_runs(run_dir, references=refs, host=host, name=name)
        path = dump_site_model(model, out)
        for c in (model.host, *model.configurations):
            typer.echo(f"{c.label:28s} {c.energy_eV:16.6f} eV  {c.status}")
        for c in (model.host, *model.configurations):
            if c.status != "finished":  # flagged: kept in the file, excluded by `diagram` unless --allow-incomplete
                typer.echo(f"warning: {Path(c.source) / 'vasprun.xml'}: {c.label} not converged (status: {c.status}; "
                           "kept in the file, excluded from diagrams unless --allow-incomplete)", err=True)
        for item in model.provenance.get("not_collected", []):
            typer.echo(f"not collected: {item['dir']} ({item['status']}: {item['message']})", err=True)
        typer.echo(f"wrote {path}")

    @app.command("distortion")

    @output_command()
    @option_names(OPTIONS)
    def distortion(
        structures: list[Path] = typer.Argument(..., help="Structure files (CIF, POSCAR, ...)."),
        out: Path = typer.Option(Path("distortion"), "--out", help="Folder for table (CSV+JSON) and figure."),
        site: list[str] = typer.Option(None, "--site", help="Fractional x,y,z of a V_Ti site (repeatable); "
                                                            "default: from manifest.yaml or detected."),
        stem: str = typer.Option("distortion", "--stem", help="File stem of the outputs."),
    ) -> None:
        """Fig. 7 table and figure: anion–anion distances across opposite vertices of each V_Ti octahedron."""
        from dualion.cliutil import warnings_to_stderr
        from dualion.plotting import save
        from dualion.structures.distortion import distortion_table, plot_distortion
        from dualion.structures.writers import read_info_vacancies, read_manifest_vacancies, read_structure

        check_stem(stem)
        sites = [_parse_site(s) for s in site] if site else None
        stems = [p.stem for p in structures]
        names = [p.stem if stems.count(p.stem) == 1 else f"{p.parent.name}/{p.stem}" for p in structures]
        known = None if sites else [read_manifest_vacancies(p.parent).get(p.name) or read_info_vacancies(p)
                                    for p in structures]
        try:
            with warnings_to_stderr():   # unrelaxed structures are reported, not silent
                rows = distortion_table([(n, read_structure(p)) for n, p in zip(names, structures)], sites,
                                        sites_per_structure=known)
        except DualionUserError as exc:   # the table names structures; the error names the file
            if exc.file in names:
                raise DualionUserError(exc.message, file=str(structures[names.index(exc.file)]),
                                       field=exc.field) from None
            raise
        save(plot_distortion(rows), out, stem, data=rows,
             json_payload={"units": "Å", "definition": "anion–anion distance across opposite vertices of the "
                                                       "V_Ti octahedron", "rows": rows})
        for r in rows:
            typer.echo(f"{r['structure']:36s} {r['vacancy']:3s} {r['occupant']:6s} eq {r['equatorial_a_A']:.3f} "
                       f"{r['equatorial_b_A']:.3f}  ax {r['axial_A']:.3f} Å")
        typer.echo(f"wrote {out / stem}.csv/.json/.png/.svg")
