"""VASP adapter: the paper's input set (pymatgen) and collection of finished runs into a site model.

Settings (paper, Computational section; the public F/OH-TiO2 set uses the same):

* PBEsol (``GGA = PS``), PAW, ``ENCUT = 500`` eV, ``PREC = Accurate``, ``LREAL = False``;
* Dudarev GGA+U (``LDAUTYPE = 2``) with U_eff(Ti d) = 4.2 eV (``LDAUL = 2`` on Ti, −1 elsewhere);
* spin polarised (``ISPIN = 2``; initial moments 1 μB on Ti, 0 elsewhere; ``LMAXMIX = 4``);
* positions relaxed at fixed cell (``ISIF = 2``, ``IBRION = 1``, ``NSW = 200``) until all
  forces < 0.01 eV/Å (``EDIFFG = -0.01``), ``EDIFF = 1e-6`` eV; Gaussian smearing σ = 0.05 eV;
* 2×2×2 Monkhorst–Pack mesh for supercells; metals in 2-atom cells (bcc Li, hcp Mg, ...) fully
  relaxed (``ISIF = 3``, Methfessel–Paxton σ = 0.1 eV) with 16³ (Li) / 18³ (Mg) meshes.

POTCARs: pymatgen needs ``PMG_VASP_PSP_DIR`` to write a POTCAR, which dualion never requires: it
writes ``POTCAR.spec`` (one symbol per line, in POSCAR species order); build the POTCAR on the
VASP machine by concatenating those files from your licensed PAW set. Two symbol sets:
``"paper"`` (Ti_pv, O, F, H, Li_sv, Mg_pv: the cores stated in the paper) and
``"f-tio2-dft"`` (Ti_pv, O, F, H, Li, Na, Mg, Ca_sv, Al: those of the public data set).
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dualion.errors import DualionUserError
from dualion.io.atomic import atomic_write_text
from dualion.thermo.sitemodel import Configuration, SiteModel

MANIFEST = "manifest.yaml"
MANIFEST_FORMAT = "dualion-vasp-inputs/1"

#: INCAR of the supercell relaxations (paper settings).
INCAR_SUPERCELL: dict[str, Any] = {
    "SYSTEM": "dualion", "GGA": "PS", "ENCUT": 500, "PREC": "Accurate", "LREAL": False, "ALGO": "Normal",
    "EDIFF": 1e-6, "EDIFFG": -0.01, "IBRION": 1, "ISIF": 2, "NSW": 200, "NELM": 200,
    "ISPIN": 2, "LMAXMIX": 4, "ISMEAR": 0, "SIGMA": 0.05,
    "LDAU": True, "LDAUTYPE": 2, "LDAUPRINT": 1,
    "LCHARG": False, "LWAVE": False, "LORBIT": 11,
}
#: Changes for the metal references (cell relaxed, metallic smearing).
INCAR_METAL: dict[str, Any] = {"ISIF": 3, "IBRION": 2, "ISMEAR": 1, "SIGMA": 0.1}
#: Hubbard U_eff (eV) on d states (Dudarev).
U_VALUES_EV: dict[str, float] = {"Ti": 4.2}
#: Initial magnetic moments (μB); unlisted elements start at 0.
MAGMOM_INIT: dict[str, float] = {"Ti": 1.0}
#: Monkhorst–Pack mesh of the supercells.
KPOINTS_SUPERCELL = (2, 2, 2)
#: Monkhorst–Pack mesh per metal reference (paper: Li 16³, Mg 18³; others as the public set, 16³).
KPOINTS_METAL: dict[str, int] = {"Li": 16, "Mg": 18, "Na": 16, "Ca": 16, "Al": 16}

POTCAR_SETS: dict[str, dict[str, str]] = {
    "paper": {"Ti": "Ti_pv", "O": "O", "F": "F", "H": "H", "Li": "Li_sv", "Mg": "Mg_pv",
              "Na": "Na_pv", "Ca": "Ca_sv", "Al": "Al", "K": "K_sv", "Zn": "Zn"},
    "f-tio2-dft": {"Ti": "Ti_pv", "O": "O", "F": "F", "H": "H", "Li": "Li", "Mg": "Mg",
                   "Na": "Na", "Ca": "Ca_sv", "Al": "Al"},
}

#: Metal reference cells: (structure type, a in Å, c in Å or None) — starting guesses, relaxed by VASP.
METAL_CELLS: dict[str, tuple[str, float, float | None]] = {
    "Li": ("bcc", 3.44, None), "Na": ("bcc", 4.23, None), "K": ("bcc", 5.23, None),
    "Mg": ("hcp", 3.21, 5.21), "Zn": ("hcp", 2.66, 4.95), "Ca": ("fcc", 5.58, None), "Al": ("fcc", 4.04, None),
}


def metal_reference_structure(ion: str):
    """Starting cell of metal ``ion`` for its reference calculation (2-atom bcc/hcp; fcc primitive)."""
    from pymatgen.core import Lattice, Structure

    if ion not in METAL_CELLS:
        raise DualionUserError(f"no metal reference cell for {ion!r} (known: {', '.join(METAL_CELLS)})",
                               field="references")
    kind, a, c = METAL_CELLS[ion]
    if kind == "bcc":
        return Structure(Lattice.cubic(a), [ion, ion], [[0, 0, 0], [0.5, 0.5, 0.5]])
    if kind == "hcp":
        return Structure(Lattice.hexagonal(a, c), [ion, ion], [[1 / 3, 2 / 3, 0.25], [2 / 3, 1 / 3, 0.75]])
    return Structure(Lattice.cubic(a), [ion], [[0, 0, 0]]).get_primitive_structure()


_ALL_ELEMENTS = sorted({el for table in POTCAR_SETS.values() for el in table})


def _input_set_class():
    from pymatgen.io.vasp.sets import VaspInputSet

    @dataclass
    class DualionRelaxSet(VaspInputSet):
        """pymatgen input set with the dual-ion paper's settings (see module docstring)."""

        kmesh: tuple[int, int, int] = KPOINTS_SUPERCELL
        potcar_set: str = "paper"
        metal: bool = False

        CONFIG = {"INCAR": {**INCAR_SUPERCELL,
                            "LDAUU": {el: U_VALUES_EV.get(el, 0.0) for el in _ALL_ELEMENTS},
                            "LDAUJ": {el: 0.0 for el in _ALL_ELEMENTS},
                            "LDAUL": {el: (2 if el in U_VALUES_EV else -1) for el in _ALL_ELEMENTS},
                            "MAGMOM": {el: MAGMOM_INIT.get(el, 0.0) for el in _ALL_ELEMENTS}},
                  "KPOINTS": {"grid_density": 100}, "POTCAR_FUNCTIONAL": "PBE", "POTCAR": dict(POTCAR_SETS["paper"])}

        def __post_init__(self):
            if self.metal:
                self.user_incar_settings = {**INCAR_METAL, "LDAU": False, **dict(self.user_incar_settings or {})}
            super().__post_init__()
            self.config_dict = {**self.config_dict, "POTCAR": dict(POTCAR_SETS[self.potcar_set])}

        @property
        def kpoints_updates(self):
            from pymatgen.io.vasp.inputs import Kpoints

            return Kpoints.monkhorst_automatic(tuple(self.kmesh))

    return DualionRelaxSet


def vasp_input_set(structure, metal: bool = False, potcars: str = "paper", kmesh: Sequence[int] | None = None,
                   user_incar_settings: Mapping[str, Any] | None = None):
    """The paper's pymatgen ``VaspInputSet`` for ``structure`` (supercell, or a metal reference)."""
    if potcars not in POTCAR_SETS:
        raise DualionUserError(f"unknown POTCAR set {potcars!r}; choose {', '.join(POTCAR_SETS)}", field="--potcars")
    missing = [el.symbol for el in structure.composition.elements if el.symbol not in POTCAR_SETS[potcars]]
    if missing:
        raise DualionUserError(f"no POTCAR symbol for {missing} in set {potcars!r}", field="--potcars")
    if kmesh is None:
        if metal:
            n = KPOINTS_METAL.get(structure.composition.elements[0].symbol, 16)
            kmesh = (n, n, n)
        else:
            kmesh = KPOINTS_SUPERCELL
    cls = _input_set_class()
    return cls(structure, kmesh=tuple(int(k) for k in kmesh), potcar_set=potcars, metal=metal,
               user_incar_settings=dict(user_incar_settings or {}), sort_structure=False)


def _input_texts(input_set) -> dict[str, str]:
    """INCAR/KPOINTS/POSCAR/POTCAR.spec contents (no POTCAR files needed)."""
    from pymatgen.io.vasp.inputs import Poscar

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LASPH advice: not set by the paper; add via user_incar_settings
        incar = input_set.incar
        kpoints = input_set.kpoints
        poscar = Poscar(input_set.structure)
    symbols = [input_set.config_dict["POTCAR"][el] for el in poscar.site_symbols]
    return {"INCAR": str(incar), "KPOINTS": str(kpoints), "POSCAR": poscar.get_str(),
            "POTCAR.spec": "\n".join(symbols) + "\n"}


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", text).strip("_")


def write_vasp_inputs(model_structures: Sequence[Any], out_dir: str | os.PathLike, potcars: str = "paper",
                      references: Sequence[str] | None = None, site_model: str = "",
                      user_incar_settings: Mapping[str, Any] | None = None) -> Path:
    """Write one VASP input folder per structure and ``manifest.yaml``; return the manifest path.

    ``model_structures``: :class:`dualion.structures.ModelStructure` items (hosts and configurations).
    ``references``: metals whose reference calculation folders to add (default: every inserted ion).
    Each folder holds INCAR, KPOINTS, POSCAR, POTCAR.spec. All inputs are generated before any file
    is written; every file is written atomically.
    """
    models = list(model_structures)
    if not models:
        raise DualionUserError("no structures to write", field="model_structures")
    ions = sorted({ion for m in models for ion in m.counts})
    refs = list(ions if references is None else references)
    runs: list[dict[str, Any]] = []
    texts: list[dict[str, str]] = []
    used: set[str] = set()
    for k, m in enumerate(models):
        iset = vasp_input_set(m.structure, potcars=potcars, user_incar_settings=user_incar_settings)
        name = f"{k:03d}_{_safe(m.host)}" + ("" if m.is_host else f"__{_safe(m.label)}")
        while name in used:
            name += "_"
        used.add(name)
        entry: dict[str, Any] = {"dir": name, "kind": "model", "label": m.label, "host": m.host,
                                 "counts": dict(m.counts), "site": m.site, "multiplicity": int(m.multiplicity),
                                 "formula": m.formula, "natoms": len(m.structure)}
        if m.meta.get("dft_title"):
            entry["dft_title"] = m.meta["dft_title"]
        runs.append(entry)
        texts.append(_input_texts(iset))
    for ion in refs:
        st = metal_reference_structure(ion)
        iset = vasp_input_set(st, metal=True, potcars=potcars, user_incar_settings=user_incar_settings)
        runs.append({"dir": f"ref_{ion}", "kind": "reference", "ion": ion, "formula": st.composition.formula,
                     "natoms": len(st)})
        texts.append(_input_texts(iset))
    manifest = {"format": MANIFEST_FORMAT, "site_model": site_model, "ions": ions,
                "settings": {"potcars": potcars, "functional": "PBEsol (GGA=PS)", "encut_eV": 500,
                             "U_eV": dict(U_VALUES_EV), "kpoints_supercell": list(KPOINTS_SUPERCELL),
                             "ediffg_eV_per_A": -0.01, "user_incar_settings": dict(user_incar_settings or {})},
                "runs": runs}
    out = Path(out_dir)
    for entry, files in zip(runs, texts):
        for fname, text in files.items():
            atomic_write_text(out / entry["dir"] / fname, text)
    return atomic_write_text(out / MANIFEST, yaml.safe_dump(manifest, sort_keys=False, width=120))


# --- collection ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunResult:
    """What was read from one run folder."""

    dir: str
    status: str  # finished | incomplete | missing | unreadable
    energy_eV: float | None
    natoms: int | None
    message: str = ""
    symbols: tuple[str, ...] | None = None  # atom species in vasprun.xml order
    path: str = ""  # the vasprun.xml read


def read_vasp_run(run_dir: str | os.PathLike) -> RunResult:
    """Read ``run_dir/vasprun.xml``: energy (eV, σ→0, last ionic step) and convergence status.

    ``finished``: electronically and ionically converged; ``incomplete``: readable but not converged
    (or truncated: the last complete ionic step is used); ``missing`` / ``unreadable``: no energy.
    """
    from pymatgen.io.vasp.outputs import Vasprun

    d = Path(run_dir)
    path = d / "vasprun.xml"
    if not path.is_file():
        gz = d / "vasprun.xml.gz"
        path = gz if gz.is_file() else path
    if not path.is_file():
        return RunResult(str(d), "missing", None, None, "no vasprun.xml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            vr = Vasprun(str(path), parse_dos=False, parse_eigen=False, parse_projected_eigen=False,
                         parse_potcar_file=False, exception_on_bad_xml=False)
        except Exception as exc:  # noqa: BLE001 - any parse failure is an unusable run
            return RunResult(str(d), "unreadable", None, None, f"{type(exc).__name__}: {exc}".splitlines()[0])
        if not vr.ionic_steps:
            return RunResult(str(d), "unreadable", None, None, "no ionic step")
        energy = float(vr.final_energy)
        try:
            converged = bool(vr.converged)
        except Exception:  # noqa: BLE001 - truncated runs may lack parameters
            converged = False
    if not math.isfinite(energy):
        return RunResult(str(d), "unreadable", None, None, "no finite energy")
    natoms = len(vr.ionic_steps[-1]["structure"]) if vr.ionic_steps[-1].get("structure") else None
    symbols = tuple(str(x).strip() for x in (vr.atomic_symbols or ())) or None
    if not _complete_xml(path):
        return RunResult(str(d), "incomplete", energy, natoms, "vasprun.xml truncated (run killed?)", symbols,
                         str(path))
    return RunResult(str(d), "finished" if converged else "incomplete", energy, natoms,
                     "" if converged else "not converged", symbols, str(path))


def check_run_atoms(res: RunResult, entry: Mapping[str, Any]) -> None:
    """Refuse a vasprun.xml whose atoms are not those of its run folder: the species, in order, must be the
    POSCAR's; the composition and atom count must be the manifest's (``formula``, ``natoms``)."""
    from collections import Counter

    from pymatgen.core import Composition

    if res.symbols is None:
        return
    got = list(res.symbols)

    def formula(symbols) -> str:
        return Composition(dict(Counter(symbols))).formula.replace(" ", "")

    poscar = Path(res.dir) / "POSCAR"
    if poscar.is_file():
        from pymatgen.io.vasp.inputs import Poscar

        try:
            expected = [site.specie.symbol for site in Poscar.from_file(str(poscar)).structure]
        except Exception as exc:  # noqa: BLE001 - a damaged POSCAR
            raise DualionUserError(f"cannot read the run's POSCAR: {type(exc).__name__}: {exc}".splitlines()[0],
                                   file=poscar, field="POSCAR") from None
        if Counter(got) != Counter(expected):
            raise DualionUserError(f"atoms do not match the run folder's POSCAR: vasprun.xml has {formula(got)}, "
                                   f"POSCAR has {formula(expected)}", file=res.path, field="composition")
        if got != expected:
            k = next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b)
            raise DualionUserError(f"atom order differs from the run folder's POSCAR (first at atom {k + 1}: "
                                   f"{got[k]} vs {expected[k]})", file=res.path, field="atom order")
    if entry.get("formula") and Composition(str(entry["formula"])) != Composition(dict(Counter(got))):
        raise DualionUserError(f"atoms do not match the manifest: vasprun.xml has {formula(got)}, manifest "
                               f"{entry['formula']}", file=res.path, field="composition")
    if entry.get("natoms") is not None and int(entry["natoms"]) != len(got):
        raise DualionUserError(f"{len(got)} atoms in vasprun.xml, manifest says {entry['natoms']}", file=res.path,
                               field="natoms")


def _complete_xml(path: Path) -> bool:
    """True when the file ends with ``</modeling>`` (VASP writes it only at a normal exit)."""
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        if path.suffix == ".gz":
            tail = fh.read()[-512:]
        else:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 512))
            tail = fh.read()
    return tail.rstrip().endswith(b"</modeling>")


def load_references(references: str | os.PathLike | Mapping[str, Any]) -> dict[str, float]:
    """Metal reference energies in eV per atom.

    Accepts ``{ion: eV_per_atom}`` (numbers or ``"-1.9 eV"`` strings), or a path to a YAML file with
    that mapping, or to a vasppy-style multi-document summary (``title: elemental Li``,
    ``stoichiometry``, ``energy`` of the whole cell), as in the public ``elemental_reference.yaml``.
    """
    src = "references"
    if not isinstance(references, Mapping):
        p = Path(references)
        src = str(p)
        if not p.is_file():
            raise DualionUserError("file not found", file=p)
        from dualion.io.text import read_yaml_all

        docs = [d for d in read_yaml_all(p) if d]   # encoding detected, duplicate keys refused
        if len(docs) == 1 and isinstance(docs[0], Mapping) and "title" not in docs[0]:
            references = docs[0].get("references", docs[0])
        else:
            out = {}
            for d in docs:
                if not isinstance(d, Mapping) or "stoichiometry" not in d or "energy" not in d:
                    raise DualionUserError("expected vasppy summaries with title, stoichiometry, energy", file=p)
                stoich = {k: v for item in d["stoichiometry"] for k, v in item.items()}
                if len(stoich) != 1:
                    continue
                (el, n), = stoich.items()
                out[el] = _energy(d["energy"], src, f"{d.get('title', el)}.energy") / int(n)
            return out
    if not isinstance(references, Mapping):
        raise DualionUserError("expected a mapping {ion: eV per atom}", file=src)
    return {str(k): _energy(v, src, f"references.{k}") for k, v in references.items()}


def _energy(v: Any, src: str, fld: str) -> float:
    try:
        x = float(str(v).strip().removesuffix("eV").strip())
    except ValueError:
        raise DualionUserError(f"expected an energy in eV, got {v!r}", file=src, field=fld) from None
    if not math.isfinite(x):
        raise DualionUserError("energy is not finite", file=src, field=fld)
    return x


def read_manifest(run_root: str | os.PathLike) -> dict[str, Any]:
    root = Path(run_root)
    path = root / MANIFEST
    if not root.is_dir():
        raise DualionUserError("folder not found", file=root)
    if not path.is_file():
        raise DualionUserError(f"no {MANIFEST} here: not a folder written by `dualion vasp-inputs`", file=root)
    from dualion.io.text import read_yaml

    doc = read_yaml(path)
    if not isinstance(doc, Mapping) or not isinstance(doc.get("runs"), list):
        raise DualionUserError("expected a mapping with a 'runs' list", file=path, field="runs")
    return dict(doc)


def collect_vasp_runs(run_root: str | os.PathLike, references: str | os.PathLike | Mapping[str, Any] | None = None,
                      host: str | None = None, name: str | None = None) -> SiteModel:
    """Read the finished runs under ``run_root`` (written by :func:`write_vasp_inputs`) into a SiteModel.

    Energies: total energy (eV) of each cell. Unconverged or truncated runs are kept with
    ``status: incomplete``; missing/unreadable runs are left out and listed in
    ``provenance["not_collected"]``. ``references`` (eV per atom of each metal) default to the
    ``ref_<ion>`` runs in the folder. When the folder holds several hosts, pick one with ``host``.
    Raises :class:`DualionUserError` when nothing usable is there (no host energy or no configuration).
    """
    root = Path(run_root)
    manifest = read_manifest(root)
    runs = manifest["runs"]
    models = [r for r in runs if r.get("kind", "model") == "model"]
    hosts = list(dict.fromkeys(r["host"] for r in models))
    if not hosts:
        raise DualionUserError("manifest lists no model structures", file=root / MANIFEST, field="runs")
    if host is None:
        if len(hosts) > 1:
            raise DualionUserError(f"several hosts here ({', '.join(hosts)}); choose one with --host", file=root)
        host = hosts[0]
    if host not in hosts:
        raise DualionUserError(f"host {host!r} not in this folder (hosts: {', '.join(hosts)})", file=root,
                               field="--host")
    results = {r["dir"]: read_vasp_run(root / r["dir"]) for r in runs
               if r.get("kind") == "reference" or r.get("host") == host}
    for r in runs:  # every run's atoms are its folder's (a copied or swapped vasprun.xml is refused)
        if r["dir"] in results:
            check_run_atoms(results[r["dir"]], r)
    not_collected = [{"dir": d, "status": res.status, "message": res.message}
                     for d, res in results.items() if res.energy_eV is None]
    # references
    if references is not None:
        refs = load_references(references)
    else:
        refs = {}
        for r in runs:
            if r.get("kind") == "reference":
                res = results[r["dir"]]
                if res.energy_eV is not None and res.natoms:
                    refs[r["ion"]] = res.energy_eV / res.natoms
    host_entry = next((r for r in models if r["host"] == host and not r.get("counts")), None)
    if host_entry is None or results[host_entry["dir"]].energy_eV is None:
        why = "not in the manifest" if host_entry is None else results[host_entry["dir"]].status
        raise DualionUserError(f"no usable host calculation for {host!r} ({why})", file=root)
    confs = []
    for r in models:
        if r["host"] != host or not r.get("counts"):
            continue
        res = results[r["dir"]]
        if res.energy_eV is None:
            continue
        confs.append(Configuration(label=str(r["label"]), counts={k: int(v) for k, v in r["counts"].items()},
                                   energy_eV=res.energy_eV, status=res.status,
                                   title=str(r.get("dft_title", r["label"])), source=str(root / r["dir"]),
                                   site=r.get("site"), multiplicity=int(r.get("multiplicity", 1))))
    if not confs:
        raise DualionUserError(f"no usable configuration calculations for host {host!r}", file=root)
    ions = tuple(dict.fromkeys(ion for c in confs for ion in c.counts))
    missing = [ion for ion in ions if ion not in refs]
    if missing:
        raise DualionUserError(f"no reference energy for {missing}: finish the ref_<ion> runs or pass --references",
                               file=root, field="references")
    hres = results[host_entry["dir"]]
    host_conf = Configuration(label=host, counts={}, energy_eV=hres.energy_eV, status=hres.status,
                              title=str(host_entry.get("dft_title", host)), source=str(root / host_entry["dir"]))
    provenance = {"engine": "VASP", "collected_from": str(root), "settings": manifest.get("settings", {}),
                  "references": "given" if references is not None else "ref_<ion> runs",
                  "energies": "total energy of the cell (eV), sigma->0, last ionic step"}
    incomplete = [c.label for c in confs if c.status != "finished"] + ([host] if hres.status != "finished" else [])
    if incomplete:
        provenance["incomplete"] = incomplete
    if not_collected:
        provenance["not_collected"] = not_collected
    return SiteModel(name=name or str(manifest.get("site_model") or host), ions=ions,
                     references_eV_per_atom={ion: refs[ion] for ion in ions}, host=host_conf,
                     configurations=tuple(confs), provenance=provenance, source=str(root))
