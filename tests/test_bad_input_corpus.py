"""A corpus of bad inputs over every command of the CLI (issue 8).

Every case must: exit with code 2, print exactly one line on stderr (``error: ...``) naming the file
and/or the option at fault, no ``Traceback``, and leave nothing behind (the temporary working folder
holds exactly the files the case set up). Cases are built programmatically: file corruptions
(garbage, binary, empty, truncated, a folder, missing, wrong types, NaN/inf, duplicate keys, the same
defects in UTF-16 / UTF-8-BOM / Latin-1 files) for every file argument, unwritable outputs for every
output option, and bad values for numeric and choice options. The command list comes from the CLI
itself: a new command without cases fails :func:`test_every_command_has_cases`.

Most cases run in-process (``dualion.cli.main``); :data:`SUBPROCESS_IDS` also run in a subprocess.
"""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "src" / "dualion" / "data"

# ------------------------------------------------------------------------------------------------
# good inputs (the corruptions start from these)
# ------------------------------------------------------------------------------------------------


def good_csv(n: int = 30) -> str:
    rows, t = [], 0
    for cyc in (1, 2):
        for k in range(n):
            rows.append(f"{t},{2.0 - 1.5 * k / n:.4f},-0.5,{cyc}")
            t += 60
        for k in range(n):
            rows.append(f"{t},{0.5 + 1.5 * k / n:.4f},0.5,{cyc}")
            t += 60
    return "# mass_mg=1.6\ntime_s,voltage_V,current_mA,cycle\n" + "\n".join(rows) + "\n"


GOOD = {
    "csv": good_csv(),
    "site": (DATA / "site_models" / "paired_vacancy_paper.yaml").read_text(encoding="utf-8"),
    "vasppy": (DATA / "f-tio2-dft" / "vacancy_intercalation.yaml").read_text(encoding="utf-8"),
    "targets": (DATA / "fit" / "paper_targets.yaml").read_text(encoding="utf-8"),
    "refs": "Li: -1.9577\nMg: -1.7245\n",
    "cif": ("data_x\n_cell_length_a 3.78\n_cell_length_b 3.78\n_cell_length_c 9.51\n_cell_angle_alpha 90\n"
            "_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P 1'\nloop_\n"
            "_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
            "Ti1 Ti 0 0 0\nO1 O 0 0 0.2081\n"),
}

GARBAGE = bytes(range(256)) * 8
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)


def dup_key_yaml(text: str) -> str:
    """The first top-level ``key:`` line repeated (a duplicate key), kept valid YAML otherwise."""
    import re

    lines = text.splitlines()
    k = next(i for i, ln in enumerate(lines) if re.match(r"^[A-Za-z_][\w ]*:", ln))
    return "\n".join(lines[: k + 1] + [lines[k]] + lines[k + 1:]) + "\n"


def nan_csv() -> str:
    lines = good_csv().splitlines()
    parts = lines[5].split(",")
    parts[1] = "nan"
    lines[5] = ",".join(parts)
    return "\n".join(lines) + "\n"


def enc(text: str, how: str) -> bytes:
    if how == "utf16":
        return text.encode("utf-16")
    if how == "bom":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    if how == "latin1":
        return ("# opérateur=Müller\n" + text if text.startswith("#") else text).encode("latin-1")
    return text.encode("utf-8")


# ------------------------------------------------------------------------------------------------
# cases
# ------------------------------------------------------------------------------------------------


@dataclass
class Case:
    id: str
    argv: list[str]                      # "{d}" is replaced by the case folder
    files: dict[str, bytes | None] = field(default_factory=dict)   # None: a folder
    names: tuple[str, ...] = ()          # one of these must appear in the error line
    setup: Callable[[Path], None] | None = None


def _file_corruptions(kind: str, name: str) -> list[tuple[str, bytes | None, tuple[str, ...]]]:
    """(tag, content, extra names) for a file of ``kind`` (csv, site, vasppy, targets, refs, cif)."""
    good = GOOD[kind]
    out: list[tuple[str, bytes | None, tuple[str, ...]]] = [
        ("garbage", GARBAGE, ()),
        ("png", PNG, ()),
        ("empty", b"", ()),
        ("folder", None, ()),
        ("truncated", good.encode()[: good.find("\n", 60) if len(good) > 120 else len(good) // 2 + 1], ()),
    ]
    if kind == "csv":
        bad = nan_csv()
        out += [("nan", bad.encode(), ("voltage_V",)),
                ("nan-utf16", enc(bad, "utf16"), ("voltage_V",)),
                ("nan-bom", enc(bad, "bom"), ("voltage_V",)),
                ("nan-latin1", enc(bad, "latin1"), ("voltage_V",)),
                ("inf-current", good_csv().replace(",-0.5,1\n", ",-inf,1\n", 1).encode(), ("current_mA",)),
                ("text-in-numbers", good_csv().replace(",-0.5,1\n", ",abc,1\n", 1).encode(), ()),
                ("time-backwards", good_csv().replace("\n60,", "\n-60,", 1).encode(), ("time",)),
                ("only-rests", ("time_s,voltage_V,current_mA\n" + "\n".join(f"{60 * k},2.1,0" for k in range(20))
                                + "\n").encode(), ())]
    elif kind == "cif":
        out += [("no-atoms", good.split("loop_")[0].encode(), ()),
                ("cell-nan", good.replace("_cell_length_a 3.78", "_cell_length_a nan").encode(), ()),
                ("truncated-utf16", enc(good[:150], "utf16"), ())]
    else:
        dup = dup_key_yaml(good)
        out += [("dupkey", dup.encode(), ("duplicate key",)),
                ("dupkey-utf16", enc(dup, "utf16"), ("duplicate key",)),
                ("dupkey-bom", enc(dup, "bom"), ("duplicate key",)),
                ("yaml-syntax", (good + "\n  - [unclosed\n").encode(), ("line",)),
                ("not-a-mapping", b"- 1\n- 2\n", ())]
        if kind == "site":
            out += [("energy-text", good.replace("energy: -4.907713425", "energy: abc").encode(), ("energy",)),
                    ("energy-nan", good.replace("energy: -4.907713425", "energy: .nan").encode(), ("energy",)),
                    ("energy-inf", good.replace("energy: -4.907713425", "energy: .inf").encode(), ("energy",)),
                    ("latin1-dupkey", dup.replace("(paper thresholds)", "(paper thresholds é)").encode("latin-1", errors="replace"),
                     ("duplicate key",))]
        if kind == "vasppy":
            out += [("energy-unit", good.replace("-900.8203782 eV", "-900.8203782 kJ", 1).encode(), ("energy",)),
                    ("energy-nan", good.replace("-900.8203782 eV", ".nan", 1).encode(), ("energy",))]
        if kind == "targets":
            out += [("value-text", good.replace("value: 150", "value: many", 1).encode(), ("value",)),
                    ("sigma-negative", good.replace("sigma: 10", "sigma: -10", 1).encode(), ("sigma",))]
        if kind == "refs":
            out += [("ref-text", b"Li: lots\nMg: -1.7\n", ())]
    return out


def _out_cases(prefix: list[str], tail: list[str], cid: str, opt: str = "--out") -> list[Case]:
    """Unwritable outputs for one command: a file in the way, under a file, a folder nobody can write."""
    return [
        Case(f"{cid}:{opt}-is-a-file", prefix + [opt, "{d}/taken"] + tail, {"taken": b"x"}, (opt,)),
        Case(f"{cid}:{opt}-under-a-file", prefix + [opt, "{d}/taken/sub"] + tail, {"taken": b"x"}, (opt,)),
        Case(f"{cid}:{opt}-unwritable", prefix + [opt, "/proc/dualion-corpus/out"] + tail, {}, (opt,)),
    ]


def _file_cases(cid: str, kind: str, name: str, build: Callable[[str], list[str]]) -> list[Case]:
    cases = []
    for tag, content, extra in _file_corruptions(kind, name):
        cases.append(Case(f"{cid}:{tag}", build("{d}/" + name), {name: content}, (name, *extra)))
    cases.append(Case(f"{cid}:missing", build("{d}/nope_" + name), {}, ("nope_" + name,)))
    return cases


def _option_cases(cid: str, base: list[str], files: dict, bad: list[tuple[str, str]]) -> list[Case]:
    return [Case(f"{cid}:{opt}={val}", base + [opt, val], dict(files), (opt,)) for opt, val in bad]


def build_cases() -> list[Case]:
    c: list[Case] = []
    csv = {"cell.csv": GOOD["csv"].encode()}
    site = {"site.yaml": GOOD["site"].encode()}
    # --- thermo --------------------------------------------------------------------------------
    c += _file_cases("energies", "site", "site.yaml", lambda f: ["energies", f])
    c += _file_cases("energies-vasppy", "vasppy", "runs.yaml", lambda f: ["energies", f, "--ions", "Li,Mg"])
    c += _file_cases("diagram", "site", "site.yaml", lambda f: ["diagram", f, "--out", "{d}/o"])
    c += _file_cases("query", "site", "site.yaml", lambda f: ["query", f, "--mu", "Li=-2.8", "--mu", "Mg=-2.5"])
    c += _file_cases("path", "site", "site.yaml", lambda f: ["path", f, "--out", "{d}/o"])
    c += _out_cases(["diagram", "paired-vacancy"], [], "diagram")
    c += _out_cases(["path", "paired-vacancy"], [], "path")
    c += _option_cases("energies", ["energies", "paired-vacancy"], {}, [("--ions", "Li,Xx"), ("--ref", "Li=abc"),
                                                                        ("--ref", "Li=nan")])
    c += _option_cases("diagram", ["diagram", "paired-vacancy", "--out", "{d}/o"], {},
                       [("--per", "mole"), ("--window", "nan 0 -2 0"), ("--ions", "Li")])
    c += _option_cases("query", ["query", "paired-vacancy", "--mu", "Li=-2.8"], {},
                       [("--mu", "Mg=inf"), ("--mu", "Mg"), ("--per", "volt")])
    c += _option_cases("path", ["path", "paired-vacancy", "--out", "{d}/o"], {},
                       [("--licl", "0.1,abc"), ("--licl", "nan"), ("--T", "-5"), ("--T", "inf"),
                        ("--activity", "0.1,x")])
    # --- composition ---------------------------------------------------------------------------
    c += _option_cases("capacity", ["capacity", "Ti0.78□0.22O1.12F0.40(OH)0.48"], {},
                       [("--inserted", "Li=abc"), ("--inserted", "Li=nan"), ("--inserted", "Li=-1"),
                        ("--redox", "Ti:4"), ("--basis", "moon"), ("--measured-capacity", "nan"),
                        ("--average-voltage", "inf"), ("--voltage-reference", "Zn"), ("--oxidation", "Fe=x")])
    c += [Case("capacity:bad-formula", ["capacity", "Ti0.78Qq0.22O2"], {}, ("Qq", "formula")),
          Case("capacity:unbalanced", ["capacity", "TiO3"], {}, ("charge", "formula"))]
    c += _option_cases("formula", ["formula", "--y", "0.12"], {}, [("--x", "nan"), ("--x", "-0.1"), ("--x", "abc"),
                                                                   ("--x", "0.9")])
    c += [Case("convert-voltage:--to=Zn", ["convert-voltage", "0.93", "--from", "Mg", "--to", "Zn"], {}, ("--to",))]
    c += _option_cases("convert-voltage", ["convert-voltage", "0.93", "--from", "Mg", "--to", "Li"], {},
                       [("--temperature", "-1"), ("--li-activity", "0"), ("--li-activity", "nan"),
                        ("--delta-e-ref", "inf")])
    c += [Case("convert-voltage:VOLTAGE=nan", ["convert-voltage", "nan", "--from", "Mg", "--to", "Li"], {},
               ("VOLTAGE",)),
          Case("convert-voltage:VOLTAGE=inf", ["convert-voltage", "inf", "--from", "Mg", "--to", "Li"], {},
               ("VOLTAGE",))]
    # --- structures ----------------------------------------------------------------------------
    c += _out_cases(["build", "interstitial"], [], "build")
    c += _option_cases("build", ["build", "interstitial", "--out", "{d}/o"], {},
                       [("--supercell", "2x2"), ("--supercell", "0x1x1"), ("--ions", "Li,Qq"),
                        ("--format", "pdb"), ("--lattice", "nan,9.5")])
    c += _option_cases("build-sv", ["build", "single-vacancy", "--out", "{d}/o"], {},
                       [("--anions", "Cl"), ("--anion-sites", "everywhere")])
    c += [Case("build:unknown-model", ["build", "octahedral", "--out", "{d}/o"], {}, ("SITE_MODEL",))]
    c += _out_cases(["vasp-inputs", "interstitial"], [], "vasp-inputs")
    c += _option_cases("vasp-inputs", ["vasp-inputs", "interstitial", "--out", "{d}/o"], {},
                       [("--potcars", "mine"), ("--supercell", "axbxc")])
    c += _file_cases("distortion", "cif", "v.cif", lambda f: ["distortion", f, "--out", "{d}/o"])
    c += _out_cases(["distortion", "{d}/v.cif"], [], "distortion")
    for c_ in c[-3:]:
        c_.files["v.cif"] = GOOD["cif"].encode()
    c += _option_cases("distortion", ["distortion", "{d}/v.cif", "--out", "{d}/o"], {"v.cif": GOOD["cif"].encode()},
                       [("--stem", "../../escape"), ("--stem", "/tmp/abs"), ("--stem", ".hidden"),
                        ("--stem", "a/b"), ("--site", "0.5,0.5"), ("--site", "x,y,z")])
    c += [Case("vasp-collect:missing-dir", ["vasp-collect", "{d}/nope", "--out", "{d}/p.yaml"], {}, ("nope",)),
          Case("vasp-collect:dir-is-a-file", ["vasp-collect", "{d}/f.txt", "--out", "{d}/p.yaml"], {"f.txt": b"x"},
               ("f.txt",)),
          Case("vasp-collect:empty-dir", ["vasp-collect", "{d}/runs", "--out", "{d}/p.yaml"], {"runs": None},
               ("runs",)),
          Case("vasp-collect:--out-is-a-folder", ["vasp-collect", "{d}/runs", "--out", "{d}/o.yaml"],
               {"runs": None, "o.yaml": None}, ("--out",)),
          Case("vasp-collect:--out-suffix", ["vasp-collect", "{d}/runs", "--out", "{d}/o.txt"], {"runs": None},
               ("--out",)),
          Case("vasp-collect:--out-unwritable", ["vasp-collect", "{d}/runs", "--out", "/proc/dualion-corpus/p.yaml"],
               {"runs": None}, ("--out",))]
    c += _file_cases("vasp-collect-refs", "refs", "refs.yaml",
                     lambda f: ["vasp-collect", "{d}/runs", "--references", f, "--out", "{d}/p.yaml"])
    for c_ in c:
        if c_.id.startswith("vasp-collect-refs"):
            c_.files.setdefault("runs", None)
    # --- engines (validation before any relaxation) ---------------------------------------------
    c += [Case("compute:--out-suffix", ["compute", "interstitial", "--out", "{d}/x.txt"], {}, ("--out",)),
          Case("compute:--out-is-a-folder", ["compute", "interstitial", "--out", "{d}/x.yaml"], {"x.yaml": None},
               ("--out",)),
          Case("compute:--fmax=nan", ["compute", "interstitial", "--fmax", "nan", "--out", "{d}/x.yaml"], {},
               ("--fmax",)),
          Case("calibrate:--out-suffix", ["calibrate", "--out", "{d}/c.txt"], {}, ("--out",)),
          Case("calibrate:--fmax=inf", ["calibrate", "--fmax", "inf", "--out", "{d}/c.yaml"], {}, ("--fmax",)),
          Case("calibrate:--optimizer", ["calibrate", "--optimizer", "NOPE", "--out", "{d}/c.yaml"], {},
               ("--optimizer",))]
    # --- model ---------------------------------------------------------------------------------
    c += _file_cases("model-curve-site", "site", "site.yaml",
                     lambda f: ["model", "curve", "--site-model", f + "=1", "--out", "{d}/o"])
    c += _out_cases(["model", "curve", "--licl", "0.2", "--n", "20"], [], "model-curve")
    c += _option_cases("model-curve", ["model", "curve", "--n", "20", "--out", "{d}/o"], {},
                       [("--licl", "abc"), ("--licl", "-1"), ("--T", "nan"), ("--T", "-1"), ("--pairs", "2"),
                        ("--electron-statistics", "bose"), ("--width", "0"), ("--site-model", "paired-vacancy"),
                        ("--formula", "Qq2O")])
    c += [Case("model-curve:--electrolyte-uL=-5", ["model", "curve", "--n", "20", "--mass-mg", "1.26", "--electrolyte-uL",
                                                   "-5", "--out", "{d}/o"], {}, ("--electrolyte-uL",))]
    c += _option_cases("model-mc", ["model", "mc", "--sweeps", "20"], {},
                       [("--mu", "Li=abc"), ("--mu", "Zn=-1"), ("--T", "inf"), ("--size", "0"), ("--j", "Li-Li=nan"),
                        ("--e-li", "nan")])
    c += _file_cases("fit", "targets", "targets.yaml", lambda f: ["fit", f, "--out", "{d}/o"])
    c += _out_cases(["fit", "{d}/targets.yaml"], [], "fit")
    for c_ in c[-3:]:
        c_.files["targets.yaml"] = GOOD["targets"].encode()
    # --- cell ----------------------------------------------------------------------------------
    for sub in ("discharge", "rate", "gitt"):
        c += _out_cases(["cell", sub], [], f"cell-{sub}")
        c += _option_cases(f"cell-{sub}", ["cell", sub, "--out", "{d}/o"], {},
                           [("--licl", "-1"), ("--licl", "nan"), ("--radius-um", "0"), ("--D-Li", "-1e-14"),
                            ("--mass-mg", "0"), ("--v-min", "3"), ("--j0-Mg", "inf")])
    c += _option_cases("cell-rate", ["cell", "rate", "--out", "{d}/o"], {},
                       [("--rate-mA-g", "20,abc"), ("--rate-mA-g", "0"), ("--v-max", "5")])
    c += _option_cases("cell-gitt", ["cell", "gitt", "--out", "{d}/o"], {},
                       [("--rest-s", "-1"), ("--pulse-s", "0"), ("--pulse-mA-g", "nan"), ("--max-pulses", "0")])
    # --- echem ---------------------------------------------------------------------------------
    c += _file_cases("echem-summary", "csv", "cell.csv", lambda f: ["echem", "summary", f, "--out", "{d}/o"])
    c += _file_cases("echem-plot", "csv", "cell.csv", lambda f: ["echem", "plot", f, "--out", "{d}/o"])
    c += _file_cases("echem-dqdv", "csv", "cell.csv", lambda f: ["echem", "dqdv", f, "--out", "{d}/o"])
    c += _file_cases("echem-gitt", "csv", "cell.csv", lambda f: ["echem", "gitt", f, "--out", "{d}/o"])
    for sub in ("summary", "plot", "dqdv", "gitt"):
        c += _out_cases(["echem", sub, "{d}/cell.csv"], [], f"echem-{sub}")
        for c_ in c[-3:]:
            c_.files.update(csv)
    c += _option_cases("echem-summary", ["echem", "summary", "{d}/cell.csv"], csv,
                       [("--mass-mg", "0"), ("--mass-mg", "-1"), ("--mass-mg", "nan"), ("--first", "sideways"),
                        ("--format", "xyz")])
    c += _option_cases("echem-plot", ["echem", "plot", "{d}/cell.csv", "--out", "{d}/o"], csv,
                       [("--cycles", "5-1"), ("--cycles", "7"), ("--cycles", "a,b"), ("--cycles", "0"),
                        ("--mass-mg", "inf")])
    c += _option_cases("echem-dqdv", ["echem", "dqdv", "{d}/cell.csv", "--out", "{d}/o"], csv,
                       [("--cycles", "3-2"), ("--smooth-V", "-0.01"), ("--step-V", "0"), ("--prominence", "1.5"),
                        ("--smooth-V", "nan"), ("--mass-mg", "0")])
    c += _option_cases("echem-gitt", ["echem", "gitt", "{d}/cell.csv", "--out", "{d}/o"], csv,
                       [("--radius-um", "-1"), ("--molar-mass", "0"), ("--area-cm2", "nan"), ("--direction", "up")])
    c += [Case("echem-gitt:--label-count", ["echem", "gitt", "{d}/cell.csv", "--label", "a", "--label", "b",
                                            "--out", "{d}/o"], dict(csv), ("--label",))]
    # --- commands added later (pdf, nmr, vegard): generic file corruptions and outputs -----------
    generic = [("garbage", GARBAGE), ("png", PNG), ("empty", b""), ("folder", None)]
    for cid, name, build in (
            ("pdf-refine", "g.gr", lambda f: ["pdf", "refine", f, "--structure", "anatase", "--out", "{d}/o"]),
            ("pdf-series", "g.gr", lambda f: ["pdf", "series", f, f, "--structure", "anatase", "--workers", "1",
                                              "--out", "{d}/o"]),
            ("nmr-fit", "s.txt", lambda f: ["nmr", "fit", f, "--out", "{d}/o"]),
            ("nmr-series", "s.txt", lambda f: ["nmr", "series", f, f, "--out", "{d}/o"]),
            ("nmr-integrate", "s.txt", lambda f: ["nmr", "integrate", f, "--window", "-50,50", "--out", "{d}/o"]),
            ("vegard-slopes", "slopes.yaml", lambda f: ["vegard", "--a", "3.80", "--c", "9.6", "--a0", "3.78",
                                                        "--c0", "9.51", "--slopes", f])):
        c += [Case(f"{cid}:{tag}", build("{d}/" + name), {name: content}, (name,)) for tag, content in generic]
        c += [Case(f"{cid}:missing", build("{d}/nope_" + name), {}, ("nope_" + name,))]
    c += [Case("vegard-slopes:dupkey", ["vegard", "--a", "3.80", "--c", "9.6", "--a0", "3.78", "--c0", "9.51",
                                        "--slopes", "{d}/slopes.yaml"],
               {"slopes.yaml": b"da_dx_A: 0.1\nda_dx_A: 0.2\ndc_dx_A: 0.3\ncitation: x\n"}, ("duplicate key",))]
    c += _option_cases("vegard", ["vegard", "--a", "3.80", "--c", "9.6", "--a0", "3.78", "--da-dx", "0.1",
                                  "--dc-dx", "0.2"], {}, [("--c0", "abc"), ("--c0", "nan"), ("--c0", "-1")])
    c += _out_cases(["vegard", "--a", "3.80", "--c", "9.6", "--a0", "3.78", "--c0", "9.51", "--da-dx", "0.1",
                     "--dc-dx", "0.2"], [], "vegard")
    # --- verify / demo -------------------------------------------------------------------------
    c += [Case("verify:missing", ["verify", "{d}/nope"], {}, ("nope",)),
          Case("verify:a-file", ["verify", "{d}/f.txt"], {"f.txt": b"x"}, ("f.txt",)),
          Case("verify:no-manifest", ["verify", "{d}/o"], {"o": None, "o/a.csv": b"1\n"}, ("manifest.json",)),
          Case("verify:garbage-manifest", ["verify", "{d}/o"], {"o": None, "o/manifest.json": GARBAGE},
               ("manifest.json",)),
          Case("verify:wrong-kind", ["verify", "{d}/o"], {"o": None, "o/manifest.json": b'{"kind": "x"}'},
               ("manifest.json",))]
    c += _out_cases(["demo", "--fast"], [], "demo")
    c += [Case("demo:--only=nope", ["demo", "--fast", "--only", "thermo,nope", "--out", "{d}/o"], {}, ("--only",)),
          Case("demo:--only=empty", ["demo", "--fast", "--only", ",", "--out", "{d}/o"], {}, ("--only",))]
    # --- usage errors (click) on a few commands -------------------------------------------------
    c += [Case("usage:unknown-option", ["echem", "summary", "{d}/cell.csv", "--nope"], csv, ("--nope",)),
          Case("usage:unknown-command", ["frobnicate"], {}, ("frobnicate",)),
          Case("usage:float-text", ["cell", "rate", "--licl", "lots", "--out", "{d}/o"], {}, ("--licl",)),
          Case("usage:int-text", ["model", "curve", "--n", "many", "--out", "{d}/o"], {}, ("--n",))]
    return c


CASES = build_cases()

#: Cases also run in a subprocess (the real entry point, a fresh interpreter).
SUBPROCESS_IDS = ["echem-dqdv:garbage", "echem-summary:nan-utf16", "energies:dupkey", "distortion:--stem=../../escape",
                  "convert-voltage:VOLTAGE=nan", "echem-plot:--cycles=5-1", "vasp-collect:--out-unwritable",
                  "demo:--out-is-a-file", "fit:png", "echem-summary:only-rests"]


def _materialise(case: Case, d: Path) -> tuple[list[str], set[str]]:
    for name, content in case.files.items():
        p = d / name
        if content is None:
            p.mkdir(parents=True, exist_ok=True)
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(content)
    if case.setup:
        case.setup(d)
    argv = [a.replace("{d}", str(d)) for a in case.argv]
    return argv, _snapshot(d)


def _snapshot(d: Path) -> set[str]:
    return {p.relative_to(d).as_posix() + ("/" if p.is_dir() else "") for p in d.rglob("*")}


def _check(case: Case, d: Path, before: set[str], code: int, err: str) -> None:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2, f"{case.id}: exit {code}; stderr: {err[-2000:]}"
    assert "Traceback" not in err, f"{case.id}: {err[-3000:]}"
    assert len(lines) == 1, f"{case.id}: {len(lines)} stderr lines: {err}"
    assert lines[0].startswith("error: "), f"{case.id}: {lines[0]}"
    assert any(n in lines[0] for n in case.names), f"{case.id}: names none of {case.names}: {lines[0]}"
    after = _snapshot(d)
    assert after == before, f"{case.id}: left behind {sorted(after - before)}, removed {sorted(before - after)}"


@pytest.fixture
def case_dir(tmp_path, monkeypatch):
    d = tmp_path / "case"
    d.mkdir()
    monkeypatch.chdir(d)            # default output folders (".", dualion-cell, ...) land here
    monkeypatch.setenv("COLUMNS", "200")
    return d


#: Known failures, owned elsewhere (strict: the test fails once they are fixed, so the entry is removed).
KNOWN: dict[str, str] = {}


def _params():
    return [pytest.param(c, id=c.id, marks=pytest.mark.xfail(reason=KNOWN[c.id], strict=True)) if c.id in KNOWN
            else pytest.param(c, id=c.id) for c in CASES]


@pytest.mark.parametrize("case", _params())
def test_bad_input_in_process(case, case_dir, capsys):
    from dualion.cli import main

    argv, before = _materialise(case, case_dir)
    capsys.readouterr()
    code = main(argv)
    cap = capsys.readouterr()
    _check(case, case_dir, before, code, cap.err)


@pytest.mark.parametrize("cid", SUBPROCESS_IDS)
def test_bad_input_subprocess(cid, case_dir):
    case = next(c for c in CASES if c.id == cid)
    argv, before = _materialise(case, case_dir)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "PYTHONWARNINGS": "always"}
    res = subprocess.run([sys.executable, "-m", "dualion.cli", *argv], capture_output=True, text=True,
                         timeout=120, cwd=case_dir, env=env)
    _check(case, case_dir, before, res.returncode, res.stderr)


def _leaf_commands() -> list[str]:
    import typer

    from dualion.cli import app

    def walk(c, pre=()):
        subs = getattr(c, "commands", None)
        if subs:
            for n, s in subs.items():
                yield from walk(s, (*pre, n))
        else:
            yield " ".join(pre)

    return list(walk(typer.main.get_command(app)))


def test_every_command_has_cases():
    have: dict[str, int] = {}
    for case in CASES:
        words = [a for a in case.argv if not a.startswith("-") and "{d}" not in a]
        for cmd in _leaf_commands():
            if words[: len(cmd.split())] == cmd.split():
                have[cmd] = have.get(cmd, 0) + 1
    missing = [cmd for cmd in _leaf_commands() if have.get(cmd, 0) < 3]
    assert not missing, f"add bad-input corpus cases for: {missing}"
    assert len(CASES) >= 150
