r"""Compute a site model with an ML engine: structures → relaxations (database) → site-model file.

For a named site model (``interstitial``, ``single-vacancy``, ``paired-vacancy``, built by
:func:`dualion.structures.models.build_site_model`):

1. every symmetry-distinct placement of every configuration is relaxed at fixed cell, plus the bulk
   metal of each working ion with its cell relaxed (:func:`reference_tasks`);
2. per configuration label the **lowest-energy placement** is kept, with its multiplicity;
3. the energies go into a :class:`~dualion.thermo.sitemodel.SiteModel` whose provenance records the
   engine, model version, fmax, date and (``calibrated=True``) the DFT calibration applied.

Calibrated energies: the calibration (:mod:`dualion.engines.calibration`) corrects insertion
energies, :math:`\Delta E^\text{cal}_c = \Delta E^\text{ML}_c + \sum_{k\in c}\delta(\text{ion}_k,
\text{site}_k)`; the file keeps the ML host and metal energies and shifts each configuration's total
energy by :math:`\sum_k \delta_k`, so that :func:`dualion.thermo.grand.insertion_energy_eV` returns
the calibrated :math:`\Delta E_c`.

With ``cross_check`` (e.g. SevenNet) every structure is also relaxed with the second engine and the
uncertainty of each configuration is :math:`|\Delta E_c^{(1)} - \Delta E_c^{(2)}|` (eV).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ase import Atoms

from dualion.engines.calculators import EngineSpec, parse_engine
from dualion.engines.db import ResultsDB
from dualion.engines.relax import RelaxSettings
from dualion.engines.runner import Record, Task, run_tasks
from dualion.engines.tasks import (REFERENCES_MODEL, EngineResult, reference_tasks, references_from_records,  # noqa: F401
                                   run_engine, site_type, tasks_from_models, to_atoms)
from dualion.errors import DualionUserError
from dualion.thermo.sitemodel import Configuration, SiteModel

#: Site model name of the anatase lattice relaxation rows in the database.
LATTICE_MODEL = "anatase-lattice"


def _lowest(records: Sequence[Record]) -> dict[tuple[str, str], Record]:
    best: dict[tuple[str, str], Record] = {}
    for r in records:
        k = (r.task.host, r.task.label)
        if k not in best or r.energy_eV < best[k].energy_eV:
            best[k] = r
    return best


def insertion_energies(result: EngineResult) -> dict[tuple[str, str], float]:
    """ΔE_c = E(c) − E(host) − Σ n_i μ_i (eV) for each (host, label) — lowest-energy placements."""
    best = _lowest(result.records)
    out = {}
    for (host, label), r in best.items():
        if not r.task.counts:
            continue
        e_host = best[(host, host)].energy_eV
        out[(host, label)] = r.energy_eV - e_host - sum(n * result.references_eV_per_atom[i]
                                                        for i, n in r.task.counts.items())
    return out


def assemble_site_model(name: str, result: EngineResult, ions: Sequence[str], settings: RelaxSettings,
                        host: str | None = None, calibration: Any | None = None,
                        cross: EngineResult | None = None, extra_provenance: Mapping[str, Any] | None = None
                        ) -> SiteModel:
    """One :class:`SiteModel` for ``host`` (default: the only / first host) from engine records.

    Configuration status is ``finished`` when its relaxation converged, ``unconverged`` otherwise.
    """
    best = _lowest(result.records)
    hosts = [r.task.label for r in result.records if not r.task.counts]
    if not hosts:
        raise DualionUserError(f"site model {name!r} has no host structure", field="SITE_MODEL")
    host = host or hosts[0]
    if (host, host) not in best:
        raise DualionUserError(f"host {host!r} not in site model (hosts: {sorted(set(hosts))})", field="--host")
    h = best[(host, host)]
    dE_cross = insertion_energies(cross) if cross is not None else {}
    dE_main = insertion_energies(result)
    confs = []
    cal_shifts = {}
    for (hh, label), r in best.items():
        if hh != host or not r.task.counts:
            continue
        energy = r.energy_eV
        if calibration is not None:
            shift = calibration.correction_for(r.task)
            cal_shifts[label] = round(shift, 6)
            energy += shift
        unc = abs(dE_main[(hh, label)] - dE_cross[(hh, label)]) if (hh, label) in dE_cross else None
        confs.append(Configuration(label=label, counts=dict(r.task.counts), energy_eV=energy,
                                   status="finished" if r.converged else "unconverged",
                                   title=f"{label} ({r.task.placement})", source=result.engine.short,
                                   site=r.task.site, multiplicity=int(r.task.multiplicity), uncertainty_eV=unc))
    if not confs:
        raise DualionUserError(f"site model {name!r} has no configurations for host {host!r}", field="SITE_MODEL")
    prov: dict[str, Any] = {
        "engine": result.engine.name, "model_version": result.model_version, "fmax_eV_per_A": settings.fmax,
        "max_steps": settings.steps, "optimizer": settings.optimizer,
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "energies": "total energies of the relaxed cells (eV); references: relaxed bulk metals (eV/atom)",
        "placement": "lowest-energy symmetry-distinct placement per configuration label",
        "host_converged": bool(h.converged),
        "unconverged": sorted(c.label for c in confs if c.status != "finished") + ([] if h.converged else [host]),
        "calibration": (calibration.provenance_summary(cal_shifts) if calibration is not None else "none (raw ML)"),
    }
    if cross is not None:
        prov["cross_check"] = {"engine": cross.engine.name, "model_version": cross.model_version,
                               "uncertainty": "|ΔE(engine) − ΔE(cross-check engine)| per configuration, eV"}
    prov.update(dict(extra_provenance or {}))
    return SiteModel(name=name, ions=tuple(ions), references_eV_per_atom=dict(result.references_eV_per_atom),
                     host=Configuration(label=host, counts={}, energy_eV=h.energy_eV,
                                        status="finished" if h.converged else "unconverged",
                                        title=f"{host}", source=result.engine.short),
                     configurations=tuple(confs), provenance=prov)


def relax_anatase(engine: EngineSpec | str, settings: RelaxSettings | None = None, db: ResultsDB | str | None = None,
                  start: Sequence[float] | None = None, progress: bool | str | None = None,
                  run_options: Mapping[str, Any] | None = None) -> tuple[tuple[float, float, float], Record]:
    """Relax the conventional anatase cell Ti4O8 (positions and cell) with ``engine``.

    Returns ``((a, c, u), record)``: the engine's own lattice parameters (Å, Å, fractional O
    coordinate; :func:`dualion.structures.anatase.lattice_parameters`) and the relaxation record
    (a database row of site model ``anatase-lattice``, reused on reruns). ``start``: (a, c, u) of
    the starting cell (default: experimental).
    """
    from dualion.structures.anatase import anatase, lattice_parameters

    settings = settings or RelaxSettings()
    engine = parse_engine(engine)
    st = anatase(*start) if start is not None else anatase()
    task = Task(atoms=to_atoms(st), site_model=LATTICE_MODEL, label="anatase TiO2", host="", placement="Ti4O8",
                counts={}, kind="structure", relax_cell=True, meta={"start_lattice": list(st.lattice.abc)})
    (rec,) = run_tasks([task], engine, settings, db=db, progress=progress, description="anatase lattice",
                       **dict(run_options or {}))
    return lattice_parameters(rec.atoms), rec


def compute_site_model(name: str, supercell: Sequence[int] | str = (2, 2, 1), ions: Sequence[str] = ("Li", "Mg"),
                       anions: str = "F", engine: EngineSpec | str = "chgnet", settings: RelaxSettings | None = None,
                       db: ResultsDB | str | None = None, workers: int = 1, scheduler: str | None = None,
                       calibrated: bool = False, cross_check: EngineSpec | str | None = None,
                       calibration_file: str | None = None, progress: bool | None = None,
                       models: Sequence[Any] | None = None, host: str | None = None,
                       force_dask: bool = False, lattice: Sequence[float] | str | None = None,
                       relax_lattice: bool = False, run_options: Mapping[str, Any] | None = None
                       ) -> tuple[SiteModel, EngineResult]:
    """Build, relax and assemble a site model; returns the model and the engine records.

    ``models`` may be given directly (a list of ModelStructure) instead of building ``name``.
    ``lattice``: anatase (a, c[, u]) to build on (default: experimental, Horn et al. 1972);
    ``relax_lattice``: first relax the anatase cell with ``engine`` and build on its lattice
    (the paper's protocol with its own DFT). The lattice used is recorded in the provenance.
    ``run_options``: passed to :func:`~dualion.engines.runner.run_tasks` (threads, lease, ...).
    """
    from dualion.structures.anatase import A_ANATASE_A, C_ANATASE_A, U_ANATASE, parse_lattice

    settings = settings or RelaxSettings()
    engine = parse_engine(engine)
    if isinstance(db, str) or (db is not None and not isinstance(db, ResultsDB)):
        db = ResultsDB(db)
    if lattice is not None and relax_lattice:
        raise DualionUserError("give either a lattice or relax it with the engine, not both", field="--lattice")
    if models is not None:
        lattice_prov: dict[str, Any] = {"source": "structures given"}
    elif relax_lattice:
        (a, c, u), rec = relax_anatase(engine, settings, db, progress=progress, run_options=run_options)
        if not rec.converged:
            import warnings

            from dualion.errors import DualionWarning

            warnings.warn(f"anatase lattice relaxation with {engine.short} did not converge "
                          f"(max force {rec.fmax_final:.3f} eV/Å)", DualionWarning, stacklevel=2)
        lattice_prov = {"a_A": a, "c_A": c, "u": u, "source": f"relaxed with {rec.model_version}",
                        "converged": bool(rec.converged)}
    else:
        a, c, u = parse_lattice(lattice) if lattice is not None else (A_ANATASE_A, C_ANATASE_A, U_ANATASE)
        lattice_prov = {"a_A": a, "c_A": c, "u": u,
                        "source": "given" if lattice is not None else "experimental (Horn et al. 1972)"}
    calibration = None
    if calibrated:
        from dualion.engines.calibration import load_calibration

        calibration = load_calibration(calibration_file)
        calibration.check_engine(engine)
    if models is None:
        from dualion.structures.models import build_site_model

        models = build_site_model(name, supercell=supercell, ions=tuple(ions), anions=anions, a=a, c=c, u=u)
    tasks = tasks_from_models(models, site_model=name)
    hosts = sorted({t.label for t in tasks if not t.counts})
    if host is not None and host not in hosts:  # before any relaxation or database exists
        raise DualionUserError(f"host {host!r} not in site model (hosts: {hosts})", field="--host")
    run_options = dict(run_options or {})
    result = run_engine(tasks, ions, engine, settings, db, workers, scheduler, progress, force_dask,
                        description=f"{name} · {engine.short}", **run_options)
    cross = None
    if cross_check:
        cross_engine = parse_engine(cross_check)
        cross = run_engine(tasks, ions, cross_engine, settings, db, workers, scheduler, progress, force_dask,
                           description=f"{name} · {cross_engine.short}", **run_options)
    sm = assemble_site_model(name, result, ions, settings, host=host, calibration=calibration, cross=cross,
                             extra_provenance={"supercell": "x".join(map(str, _dims(supercell))),
                                               "anions": anions, "lattice": lattice_prov})
    return sm, result


def _dims(supercell: Sequence[int] | str) -> tuple[int, ...]:
    if isinstance(supercell, str):
        from dualion.structures.anatase import parse_supercell

        return tuple(parse_supercell(supercell))
    return tuple(int(x) for x in supercell)


def write_structures(result: EngineResult, out_dir: str | Path, host: str | None = None) -> list[Path]:
    """Write the relaxed lowest-energy placement of each configuration (and the host) as extxyz.

    File names: ``<label>.extxyz`` (``+`` kept); the comment line carries energy (eV), labels and
    the builder's vacancy sites (``vacancies="x,y,z;x,y,z"``, fractional; V1 first).
    """
    from ase.io import write

    from dualion.io.atomic import atomic_path, ensure_dir

    out = ensure_dir(out_dir, field="--structures")
    paths = []
    for (hh, label), r in sorted(_lowest(result.records).items()):
        if host is not None and hh != host:
            continue
        a = r.atoms.copy()
        a.calc = None
        a.info.update({"energy_eV": r.energy_eV, "label": label, "host": hh, "placement": r.task.placement,
                       "engine": result.engine.name, "model_version": r.model_version,
                       "converged": bool(r.converged), "fmax_final_eV_per_A": r.fmax_final})
        vac = r.task.meta.get("vacancies")
        if vac:  # the builder's V1, V2 (fractional): `dualion distortion` reads them back
            a.info["vacancies"] = ";".join(",".join(f"{x:.6f}" for x in v) for v in vac)
        safe = "".join(ch if ch.isalnum() or ch in "+-_." else "_" for ch in label)
        path = out / f"{safe}.extxyz"
        with atomic_path(path) as tmp:
            write(tmp, a, format="extxyz")
        paths.append(path)
    return paths
