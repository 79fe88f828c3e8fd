"""Every command and Python example of README.md runs (issue 8): the README cannot drift from the code.

The fenced ``bash`` / ``console`` blocks are split into commands (``$ `` lines of console blocks;
comments and output lines dropped) and run in order, each in a subprocess with a timeout, in one
temporary folder (so ``models/`` written by ``dualion build`` feeds ``dualion distortion models/*.cif``).
Placeholder input files (``cell.mpr``, ``my_runs.yaml``, ...) are made by :data:`PLACEHOLDERS`
(shared example files or files generated here); a README command naming an input file that is neither
a placeholder nor written by an earlier command fails with a message saying where to add it.
Commands that need hours run in a reduced form (:data:`REDUCED`) or are skipped with a reason
(:data:`SKIPPED`). The ``python`` blocks run as scripts in the same folder, in README order.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DATA = REPO / "src" / "dualion" / "data"
SHARED = Path(os.environ.get("DUALION_SHARED", REPO.parent / "shared")).resolve()
ECHEM = SHARED / "data" / "echem"
TIMEOUT_S = 600


# ------------------------------------------------------------------------------------------------
# placeholders: README file name -> function(work folder) that makes it (raise pytest.skip when it cannot)
# ------------------------------------------------------------------------------------------------

def _copy(src: Path) -> Callable[[Path, str], None]:
    def make(work: Path, name: str) -> None:
        if not src.exists():
            pytest.skip(f"shared example file not present: {src}")
        shutil.copyfile(src, work / name)
    return make


def _synthetic_csv(work: Path, name: str) -> None:
    from dualion.echem import synthetic

    synthetic.write_csv(work / name, synthetic.SyntheticCell(), synthetic.rate_schedule((20, 100), cycles_per_rate=3),
                        points_per_half=60)


def _gitt_csv(licl_M: float) -> Callable[[Path, str], None]:
    def make(work: Path, name: str) -> None:
        from dualion import cell

        res = cell.simulate_gitt(cell.CellParameters(licl_M=licl_M), max_pulses=12)
        cell.write_cycler_csv(res, work / name)
    return make


def _needs_mdbtools(inner: Callable[[Path, str], None]) -> Callable[[Path, str], None]:
    def make(work: Path, name: str) -> None:
        if shutil.which("mdb-export") is None:
            pytest.skip("Arbin .res needs Debian's mdbtools (mdb-export)")
        inner(work, name)
    return make


def _text(content: str) -> Callable[[Path, str], None]:
    def make(work: Path, name: str) -> None:
        (work / name).write_text(content, encoding="utf-8")
    return make


def _simulated_gr(spec: str) -> Callable[[Path, str], None]:
    def make(work: Path, name: str) -> None:
        pytest.importorskip("diffpy.pdffit2", reason="the pdf extra (diffpy.pdffit2) is not installed")
        from dualion.pdf.model import load_structure
        from dualion.pdf.simulate import simulate_pdf, write_gr

        write_gr(work / name, simulate_pdf(load_structure(spec), seed=len(name), rmax=8.0),
                 comment="simulated for the README test (rmax 8 Å: short fits)")
    return make


def _bruker(shifts: tuple[float, ...]) -> Callable[[Path, str], None]:
    def make(work: Path, name: str) -> None:
        pytest.importorskip("nmrglue", reason="the nmr extra (nmrglue) is not installed")
        from dualion.nmr.simulate import TrueLine, write_bruker_processed

        lines = [TrueLine(d, 12.0, 0.5, 1.0 + 0.3 * k, {-1: 0.2, 1: 0.15}) for k, d in enumerate(shifts)]
        # 7Li at 116.6 MHz, 60 kHz MAS: sidebands 515 ppm apart (the README's ±150 ppm window fits); small SI
        write_bruker_processed(work / name.rstrip("/"), lines, nucleus="7Li", larmor_MHz=116.6, si=1024,
                               seed=len(name))
    return make


def _quick_targets(work: Path, name: str) -> None:
    """The bundled paper targets with one free parameter (ΔE_ref) and two targets: the full fit (7
    parameters, 9 targets) takes minutes on 2 cores; this exercises the same reader, model and solver."""
    import yaml

    doc = yaml.safe_load((DATA / "fit" / "paper_targets.yaml").read_text(encoding="utf-8"))
    doc["parameters"] = {"delta_e_ref_V": doc["parameters"]["delta_e_ref_V"]}
    doc["targets"] = [t for t in doc["targets"] if (t["kind"], t["licl_M"], t.get("ion")) in
                      {("capacity", 0.0, None), ("uptake", 0.2, "Li")}]
    doc["n_voltages"] = 101
    (work / name).write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


#: Input files the README names, and how this test makes them. Add new README inputs here.
PLACEHOLDERS: dict[str, Callable[[Path, str], None]] = {
    "cell.mpr": _copy(ECHEM / "jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"),
    "cell.res": _needs_mdbtools(_copy(ECHEM / "arbin_example.res")),
    "cell.csv": _synthetic_csv,
    "li.csv": _gitt_csv(0.2),
    "noli.csv": _gitt_csv(0.0),
    "gitt.csv": _gitt_csv(0.2),
    "my_runs.yaml": _copy(DATA / "f-tio2-dft" / "vacancy_intercalation.yaml"),
    "runs.yaml": _copy(DATA / "f-tio2-dft" / "vacancy_intercalation.yaml"),
    "elemental_reference.yaml": _copy(DATA / "f-tio2-dft" / "elemental_reference.yaml"),
    "refs.yaml": _copy(DATA / "f-tio2-dft" / "elemental_reference.yaml"),
    "my_targets.yaml": _quick_targets,
    "paper_quick.yaml": _quick_targets,
    "Ni_2-8.chi.gr": _copy(SHARED / "data" / "pdf" / "Ni_2-8.chi.gr"),
    "Ni.stru": _copy(SHARED / "data" / "pdf" / "Ni.stru"),
    "electrode.gr": _simulated_gr("anatase:Li@4b=0.1"),
    "pristine.gr": _simulated_gr("anatase"),
    "discharged.gr": _simulated_gr("anatase:Li@4b=0.3"),
    "charged.gr": _simulated_gr("anatase:Li@4b=0.1"),
    "slopes.yaml": _text("da_dx_A: 0.16\ndc_dx_A: -0.30\ncitation: test values for the README test, not measured\n"),
    "expno/": _bruker((98.0, -4.0, -88.0)),
    "pristine/": _bruker((98.0, -4.0, -88.0)),
    "eod/": _bruker((-145.0, -197.0, -204.0)),
    "eoc/": _bruker((98.0, -4.0, -145.0)),
}

#: Commands that need hours, run in a reduced form (README text → what runs), with the reason.
REDUCED: dict[str, tuple[str, str]] = {
    "make demo": ("dualion demo --fast --only fig6 --out dualion-demo",
                  "make demo builds a fresh venv first; the demo itself runs (one part, --fast)"),
    "dualion compute paired-vacancy --supercell 4x4x2 --engine chgnet --db results.db --workers 2 --out paired.yaml":
        ("dualion compute interstitial --supercell 2x2x1 --engine chgnet --steps 2 --db results.db --out paired.yaml",
         "the 4x4x2 paired-vacancy CHGNet run takes hours on 2 cores: interstitial 2x2x1, 2 optimizer steps"),
    "dualion compute paired-vacancy --supercell 4x4x2 --calibrated --out paired_cal.yaml":
        ("dualion compute interstitial --supercell 2x2x1 --steps 2 --db results.db --calibrated --out paired_cal.yaml",
         "reuses the rows of the reduced run above"),
    "dualion compute single-vacancy --supercell 2x2x1 --relax-lattice --out sv.yaml":
        ("dualion compute interstitial --supercell 2x2x1 --steps 2 --db results.db --relax-lattice --out sv.yaml",
         "single-vacancy 2x2x1 relaxations take minutes each"),
    "dualion fit paper --out fit/":
        ("dualion fit paper_quick.yaml --out fit/",
         "the full paper fit (7 parameters, 9 targets) takes minutes on 2 cores: ΔE_ref free, Li-free capacity + x_Li at 0.2 M"),
    "dualion diagram paired.yaml":
        ("dualion diagram paired.yaml --allow-incomplete",
         "the reduced compute run above stops after 2 optimizer steps (status: unconverged)"),
}

#: Commands that are not run, with the reason (matched by prefix).
SKIPPED: dict[str, str] = {
    "make test": "runs the whole test suite, which includes this test",
    "dualion compute single-vacancy --cross-check sevenn": "two engines on 2x2x1 single-vacancy models: tens of "
                                                           "minutes on 2 cores",
    'dualion compute interstitial --engine "mypkg.calc:MyCalculator"': "placeholder for the user's own "
                                                                       "calculator class",
    "dualion calibrate": "14 relaxations of 383 atoms plus the public DFT set: hours on 2 cores",
    "dualion vasp-collect vasp/": "needs finished VASP runs (vasprun.xml) from a cluster",
}

#: Python blocks: README text → what runs (reduced), with the reason.
PY_REDUCED: dict[str, tuple[str, str]] = {
    'sm, result = compute_site_model("paired-vacancy", (4, 4, 2), ("Li", "Mg"), engine="chgnet", db="results.db")':
        ('from dualion.engines.relax import RelaxSettings\n'
         'sm, result = compute_site_model("interstitial", (2, 2, 1), ("Li", "Mg"), engine="chgnet", db="results.db", '
         'settings=RelaxSettings(steps=2))',
         "the 4x4x2 paired-vacancy run takes hours: interstitial 2x2x1, 2 optimizer steps"),
}

_OUTPUT_OPTS = {"--out", "--db", "--plots", "--structures"}
_INPUT_SUFFIXES = (".mpr", ".mpt", ".res", ".csv", ".yaml", ".yml", ".cif", ".txt", ".nda", ".ndax", ".xml")


def readme_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced block."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^```(\w+)\n(.*?)^```", text, re.S | re.M)]


def _strip_comment(line: str) -> str:
    out, quote = [], None
    for ch in line:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            break
        out.append(ch)
    return "".join(out).strip()


SHELL = ("bash", "console", "sh", "shell")


def readme_commands(text: str) -> list[str]:
    """Shell commands of the bash/console blocks, in order (comments and console output dropped)."""
    return block_commands(readme_blocks(text))


def block_commands(blocks: list[tuple[str, str]]) -> list[str]:
    """Shell commands of the bash/console blocks among ``blocks``, in order."""
    cmds = []
    for lang, body in blocks:
        if lang not in SHELL:
            continue
        lines, buf = [], ""
        for line in body.splitlines():                 # join "\\"-continued lines
            if line.rstrip().endswith("\\"):
                buf += line.rstrip()[:-1] + " "
                continue
            lines.append(buf + line)
            buf = ""
        for line in lines:
            if lang == "console":
                if not line.startswith("$ "):
                    continue
                line = line[2:]
            cmd = _strip_comment(line)
            if cmd:
                cmds.append(cmd)
    return cmds


def readme_python(text: str) -> list[str]:
    return [body for lang, body in readme_blocks(text) if lang == "python"]


def _heading(line: str) -> str:
    return re.sub(r"[`*]", "", line.lstrip("#").strip())


def readme_sections(text: str) -> dict[str, list[tuple[str, str]]]:
    """Heading (without markup) → its fenced blocks (language, body), in README order; text before the first
    heading is the section ``""``."""
    out: dict[str, list[tuple[str, str]]] = {"": []}
    heading = ""
    for m in re.finditer(r"^(#{2,4} [^\n]*)$|^```(\w+)\n(.*?)^```", text, re.S | re.M):
        if m.group(1):
            heading = _heading(m.group(1))
            out.setdefault(heading, [])
        else:
            out[heading].append((m.group(2), m.group(3)))
    return {h: b for h, b in out.items() if b}


#: Sections that use what another section's commands write run in that section's folder, after it
#: (e.g. ``dualion verify fig6c`` checks the folder ``dualion diagram ... --out fig6c`` wrote). Matched by the
#: start of the heading.
RUNS_AFTER: dict[str, str] = {"Conventions": "Insertion thermodynamics",
                              "The shared core": "Insertion thermodynamics"}


def readme_groups(text: str) -> dict[str, list[tuple[str, str]]]:
    """Independent groups of README blocks: one per section, with :data:`RUNS_AFTER` sections appended to the
    section they depend on. Each group runs in its own folder, so the groups can run in parallel."""
    secs = readme_sections(text)
    groups: dict[str, list[tuple[str, str]]] = {}
    for h, blocks in secs.items():
        host = next((dep for key, dep in RUNS_AFTER.items() if h.startswith(key)), None)
        target = next((g for g in groups if host and g.startswith(host)), h)
        if host and target == h:
            raise AssertionError(f"README section {h!r} depends on {host!r}, which is missing or comes later")
        groups.setdefault(target, []).extend(blocks)
    return groups


def plan(cmd: str) -> tuple[str | None, str]:
    """(command to run or None, note) for a README command."""
    for prefix, why in SKIPPED.items():
        if cmd.startswith(prefix):
            return None, f"skipped: {why}"
    if cmd in REDUCED:
        run, why = REDUCED[cmd]
        return run, f"reduced: {why}"
    return cmd, "as written"


def input_files(cmd: str) -> list[str]:
    """Positional file arguments of a command (not option values for outputs, no globs)."""
    words = shlex.split(cmd)
    files, skip = [], False
    for k, w in enumerate(words):
        if skip:
            skip = False
            continue
        if w in _OUTPUT_OPTS:
            skip = True
            continue
        if w.startswith("-") or "*" in w:
            continue
        if w.endswith("/") and w in PLACEHOLDERS:
            files.append(w)
            continue
        if w.lower().endswith(_INPUT_SUFFIXES + (".gr", ".stru")) and not (k and words[k - 1].startswith("--") and
                                                         words[k - 1] in _OUTPUT_OPTS):
            files.append(w)
    return files


def _provide(work: Path, name: str, where: str) -> None:
    if (work / name).exists():
        return
    if name not in PLACEHOLDERS:
        pytest.fail(f"README {where} uses input file {name!r}, which no earlier README command writes: add it to "
                    "PLACEHOLDERS in tests/test_readme.py (a shared example file or a generated one)")
    PLACEHOLDERS[name](work, name)


def _workdir(d: Path) -> Path:
    bindir = d / ".bin"
    bindir.mkdir()
    shim = bindir / "dualion"
    shim.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m dualion.cli \"$@\"\n")
    shim.chmod(0o755)
    return d


def _env(work: Path) -> dict[str, str]:
    return {**os.environ, "PATH": f"{work / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg", "DUALION_SHARED": str(SHARED), "COLUMNS": "120"}


TEXT = README.read_text(encoding="utf-8")
COMMANDS = readme_commands(TEXT)
PYTHON = readme_python(TEXT)


def test_readme_has_commands_and_every_skip_is_still_in_the_readme():
    assert len(COMMANDS) >= 20 and len(PYTHON) >= 5
    assert not [c for c in COMMANDS if c.rstrip().endswith("\\")], "continued lines not joined"
    for key in list(SKIPPED) + list(REDUCED):
        assert any(c.startswith(key) for c in COMMANDS), f"stale entry (no longer in README.md): {key}"
    for key in PY_REDUCED:
        assert any(key in b for b in PYTHON), f"stale entry (no longer in README.md): {key}"


def test_unknown_placeholder_fails_clearly(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="add it to PLACEHOLDERS"):
        _provide(tmp_path, "mystery.csv", "command `dualion echem summary mystery.csv`")


GROUPS = readme_groups(TEXT)


def test_readme_groups_cover_every_block_once():
    """The section groups hold every fenced block of the README exactly once (none lost, none run twice)."""
    assert sorted(b for blocks in GROUPS.values() for b in blocks) == sorted(readme_blocks(TEXT))
    assert len(GROUPS) >= 8 and any(g.startswith("Insertion thermodynamics") for g in GROUPS)


def _run_command(work: Path, cmd: str, report: list[str]) -> None:
    run, note = plan(cmd)
    if run is None:
        report.append(f"SKIP {cmd} — {note}")
        return
    for name in input_files(run):
        try:
            _provide(work, name, f"command `{cmd}`")
        except pytest.skip.Exception as exc:
            report.append(f"SKIP {cmd} — {exc}")
            return
    t0 = time.perf_counter()
    res = subprocess.run(["bash", "-c", run], cwd=work, env=_env(work), capture_output=True, text=True,
                         timeout=TIMEOUT_S)
    note = f"{note} [{time.perf_counter() - t0:.1f} s]"
    assert res.returncode == 0, f"README command failed ({note}): {run}\n{res.stderr[-3000:]}"
    assert "Traceback" not in res.stderr, f"{run}\n{res.stderr[-3000:]}"
    report.append(f"RAN  {cmd} — {note}")


def _run_python(work: Path, k: int, body: str) -> None:
    code = body
    for old, (new, _why) in PY_REDUCED.items():
        code = code.replace(old, new)
    for name in re.findall(r"""["']([\w./-]+\.(?:mpr|res|csv|yaml|yml|cif|gr|stru))["']""", code):
        if any(name in ln and "write" in ln for ln in code.splitlines()):
            continue                            # written by the block itself
        _provide(work, name, f"python block {k}")
    script = work / f"readme_block_{k}.py"
    script.write_text(code, encoding="utf-8")
    res = subprocess.run([sys.executable, str(script)], cwd=work, env=_env(work), capture_output=True,
                         text=True, timeout=TIMEOUT_S)
    assert res.returncode == 0, f"README python block {k} failed:\n{body}\n{res.stderr[-3000:]}"


@pytest.mark.slow
@pytest.mark.parametrize("group", list(GROUPS), ids=lambda g: "-".join(re.findall(r"[A-Za-z0-9]+", g)[:3]))
def test_readme_section_runs(tmp_path, group):
    """Run every command and python block of one README section (with the sections that use its outputs), in
    README order, in one folder; report what ran, reduced or skipped. A skip is only one listed in SKIPPED or a
    placeholder whose shared file or system tool is absent."""
    work = _workdir(tmp_path)
    report = []
    for k, (lang, body) in enumerate(GROUPS[group], start=1):
        if lang in SHELL:
            for cmd in block_commands([(lang, body)]):
                _run_command(work, cmd, report)
        elif lang == "python":
            _run_python(work, k, body)
    print(f"[{group}]\n" + "\n".join(report))
    for line in report:
        if line.startswith("SKIP"):
            cmd = line[5:].split(" — ")[0]
            assert any(cmd.startswith(key) for key in SKIPPED) or "not present" in line or "mdbtools" in line, line
