"""CLI commands of dualion.engines: ``compute`` (site model with an ML engine) and ``calibrate``.

Thin layer: parse options, call :mod:`dualion.engines.compute` / :mod:`dualion.engines.calibration`,
write outputs. Heavy imports (torch, chgnet, pymatgen, dask) happen inside the commands.
"""

from __future__ import annotations

from pathlib import Path

import typer

from dualion.errors import DualionUserError

_ENGINE = typer.Option("chgnet", "--engine", help="chgnet | sevenn | 'package.module:ClassName' (any ASE calculator).")
_MODEL = typer.Option(None, "--model", help="Model version/name (chgnet: 0.3.0 default; sevenn: 7net-0 default).")
_KWARGS = typer.Option(None, "--engine-kwargs", help="JSON object of calculator constructor kwargs.")
_DB = typer.Option("results.db", "--db", help="Results database: SQLite file or ase.db URL "
                   "(postgresql://user:pw@host:port/db). Finished structures are skipped on rerun; runs sharing "
                   "it never relax the same structure twice (claims with a lease).")
_WORKERS = typer.Option(1, "--workers", help="Dask LocalCluster workers (1 = run in this process; fewer when "
                                              "memory is short).")
_THREADS = typer.Option(None, "--threads", help="Torch threads per relaxation process (default: cores // workers).")
_LEASE = typer.Option(None, "--lease", help="Claim lease (s): a claim whose heartbeat is older is taken over "
                                            "(default 120, or DUALION_LEASE_S).")
_SCHED = typer.Option(None, "--scheduler", help="Address of a running Dask scheduler (tcp://host:8786).")
_FMAX = typer.Option(0.05, "--fmax", help="Force convergence threshold (eV/Å).")
_STEPS = typer.Option(500, "--steps", help="Maximum optimizer steps per relaxation (non-convergence is recorded).")
_OPT = typer.Option("FIRE", "--optimizer", help="FIRE or BFGS.")


def _settings(fmax: float, steps: int, optimizer: str):
    from dualion.engines.relax import RelaxSettings

    return RelaxSettings(fmax=fmax, steps=steps, optimizer=optimizer)


def _db_target(db: str) -> str:
    """``--db`` validated before anything is computed or created (folder, non-SQLite, unwritable: exit 2)."""
    from dualion.engines.db import check_db_target

    return check_db_target(db)


def _run_options(threads: int | None, lease: float | None) -> dict:
    from dualion.engines.claims import ClaimStore
    from dualion.engines.resources import torch_threads

    opts: dict = {}
    if threads is not None:
        opts["threads_per_worker"] = torch_threads(1, threads)  # validates ≥ 1
    if lease is not None:
        ClaimStore(":memory:", lease)  # validates > 0
        opts["lease_s"] = float(lease)
    return opts


def _summary_line(records, failed: int = 0) -> str:
    from dualion.engines.runner import tasks_summary

    s = tasks_summary(records, failed)
    return (f"{s['total']} relaxations: done now {s['computed']}, from the database {s['database']}, "
            f"from other runs {s['other_run']}, failed {s['failed']}, unconverged {s['unconverged']}")


def _cleanup_temps(*targets: Path | None) -> None:
    """Remove hidden temp files a killed earlier run left next to the outputs (``.stem.PID-XXXX.tmp.ext``
    whose writer is gone; see :func:`dualion.io.atomic.clean_stale_temps`)."""
    from dualion.io.atomic import clean_stale_temps

    for t in targets:
        if t is not None:
            clean_stale_temps(t.parent if t.suffix else t)


def _require_engine(*names: str | None) -> None:
    """Fail fast, before any work, when a named ML engine's extra is not installed."""
    from dualion.extras import require

    for name in names:
        if name in ("chgnet", "sevenn"):
            require("engines", "torch", name)


def _check_out(out: Path, suffixes: tuple[str, ...]) -> None:
    """Suffix, not a folder, and a parent folder that can be created and written — before any work."""
    from dualion.io.atomic import check_out_file

    check_out_file(out, suffixes)


def compute(site_model: str = typer.Argument(..., help="interstitial | single-vacancy | paired-vacancy"),
            engine: str = _ENGINE, model: str | None = _MODEL, engine_kwargs: str | None = _KWARGS,
            supercell: str = typer.Option("2x2x1", "--supercell", help="Supercell NXxNYxNZ (paper: 4x4x2)."),
            ions: str = typer.Option("Li,Mg", "--ions", help="Working ions, comma-separated."),
            anions: str = typer.Option("F", "--anions", help="Compensating anions: F, OH, 3F+1OH, 2F+2OH-cis ..."),
            host: str | None = typer.Option(None, "--host", help="Host label when the model has several hosts."),
            db: str = _DB, workers: int = _WORKERS, scheduler: str | None = _SCHED,
            calibrated: bool = typer.Option(False, "--calibrated", help="Apply the DFT calibration (bundled for "
                                                                         "CHGNet 0.3.0, or --calibration FILE)."),
            calibration: Path | None = typer.Option(None, "--calibration", help="Calibration YAML (from `dualion calibrate`)."),
            cross_check: str | None = typer.Option(None, "--cross-check", help="Second engine (e.g. sevenn): "
                                                   "uncertainty = |ΔE(engine) − ΔE(second)| per configuration."),
            fmax: float = _FMAX, steps: int = _STEPS, optimizer: str = _OPT,
            structures: Path | None = typer.Option(None, "--structures", help="Folder for the relaxed structures "
                                                   "(extxyz, lowest placement per configuration)."),
            lattice: str | None = typer.Option(None, "--lattice", help="Anatase a,c[,u] (Å, Å, O coordinate); "
                                               "default: experimental 3.7842,9.5146,0.2081."),
            relax_lattice: bool = typer.Option(False, "--relax-lattice", help="First relax the anatase cell with "
                                               "the engine and build the supercell on its lattice."),
            threads: int | None = _THREADS, lease: float | None = _LEASE,
            out: Path = typer.Option(..., "--out", help="Site-model YAML to write (read by `dualion diagram`)."),
            ) -> None:
    """Relax a site model's structures with an ML engine and write its site-model file.

    Shows a progress bar per relaxation on a terminal (one line per finished relaxation otherwise) and
    ends with a summary: done now / from the database / from other runs / failed / unconverged."""
    from dualion.engines.calculators import check_engine, parse_engine
    from dualion.engines.compute import compute_site_model, write_structures
    from dualion.engines.runner import RelaxationsFailed
    from dualion.ions import parse_ions
    from dualion.progress import console
    from dualion.thermo.sitemodel import dump_site_model

    # every option is validated before the database (or any output) is created
    _check_out(out, (".yaml", ".yml"))
    target = _db_target(db)
    spec = parse_engine(engine, model, engine_kwargs)
    _require_engine(spec.name, cross_check)
    settings = _settings(fmax, steps, optimizer)
    run_options = _run_options(threads, lease)
    ion_list = parse_ions(ions)
    if workers < 1:
        raise DualionUserError(f"must be ≥ 1, got {workers}", field="--workers")
    check_engine(spec)
    _cleanup_temps(out, structures)
    try:
        sm, result = compute_site_model(site_model, supercell=supercell, ions=ion_list, anions=anions,
                                        engine=spec, settings=settings, db=target, workers=workers,
                                        scheduler=scheduler, calibrated=calibrated,
                                        calibration_file=str(calibration) if calibration else None,
                                        cross_check=cross_check, host=host, lattice=lattice,
                                        relax_lattice=relax_lattice, run_options=run_options)
    except RelaxationsFailed as exc:
        console.print(f"{site_model}: " + _summary_line(exc.records, len(exc.failures)), soft_wrap=True,
                      markup=False, highlight=False)
        console.print(f"error: {exc}", soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(1) from None
    if structures is not None:
        write_structures(result, structures, host=sm.host.label)
    dump_site_model(sm, out)
    bad = sm.provenance.get("unconverged") or []
    console.print(f"{site_model}: {_summary_line(result.all_records)}"
                  + (f" ({', '.join(bad)})" if bad else "") + f"; wrote {out} ({len(sm.configurations)} "
                  f"configurations; database {target})", soft_wrap=True, markup=False, highlight=False)


def calibrate(engine: str = _ENGINE, model: str | None = _MODEL,
              dft: Path | None = typer.Option(None, "--dft", help="Public DFT folder (default ../shared/data/f-tio2-dft)."),
              db: str = _DB, workers: int = _WORKERS, scheduler: str | None = _SCHED,
              fmax: float = _FMAX, steps: int = _STEPS, optimizer: str = _OPT,
              anion_location: bool = typer.Option(True, "--anion-location/--no-anion-location",
                                                  help="Also rank the 4x4x2 F/OH arrangements (14 relaxations of 383 atoms)."),
              plots: Path | None = typer.Option(None, "--plots", help="Folder for the parity plot (PNG+SVG+CSV)."),
              out: Path = typer.Option(..., "--out", help="Calibration YAML to write (use with --calibration)."),
              ) -> None:
    """Fit the correction mapping ML insertion energies onto the public DFT set (LOO-selected)."""
    from dualion.engines.calculators import check_engine, parse_engine
    from dualion.engines.calibration import dump_calibration, run_calibration
    from dualion.engines.plots import parity_plot
    from dualion.progress import console

    _check_out(out, (".yaml", ".yml"))
    target = _db_target(db)
    spec = parse_engine(engine, model)
    settings = _settings(fmax, steps, optimizer)
    if workers < 1:
        raise DualionUserError(f"must be ≥ 1, got {workers}", field="--workers")
    check_engine(spec)
    _cleanup_temps(out, plots)
    cal, _ = run_calibration(spec, db=target, dft_dir=dft, workers=workers, scheduler=scheduler,
                             settings=settings, anion_location=anion_location)
    if plots is not None:
        from dualion.plotting import save

        pts = [dict(p) for p in cal.metrics["points"]]
        save(parity_plot(pts, engine_label=spec.short), plots, "calibration_parity", data=pts)
    dump_calibration(cal, out)
    ch = cal.metrics["chosen"]
    console.print(f"wrote {out}: model {ch['name']}, raw MAE {cal.metrics['raw']['mae_eV']:.3f} eV → "
                  f"LOO MAE {ch['loo']['mae_eV']:.3f} eV (max {ch['loo']['max_abs_eV']:.3f} eV), "
                  f"{cal.metrics['n_points']} points, excluded {len(cal.metrics['excluded'])}")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the main ``dualion`` app."""
    app.command("compute")(compute)
    app.command("calibrate")(calibrate)
