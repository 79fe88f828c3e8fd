"""Every CLI command with PYTHONWARNINGS=always finishes (a warning replayed while recording used to loop
forever), exits 0 (or 2 for a deliberate error), and prints each warning once, as one line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "src" / "dualion" / "data"
MPR = SHARED / "data" / "echem" / "jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"
PDF = SHARED / "data" / "pdf"
CSDF = SHARED / "data" / "nmr" / "Na2SiO3_O17.csdf"
LJ = "ase.calculators.lj:LennardJones"

# one smallest invocation per command ({t} = a temp folder); expected exit code. A new command must be added here.
SMALLEST: dict[str, tuple[list[str], int]] = {
    # the full demo takes 1-2 min (`make demo`; it finishes with PYTHONWARNINGS=always, one warning line)
    "demo": (["demo", "--fast", "--no-such-option"], 2),
    "energies": (["energies", "single-vacancy", "interstitial"], 0),
    "diagram": (["diagram", "paired-vacancy", "--out", "{t}/diagram"], 0),
    "query": (["query", "paired-vacancy", "--mu", "Li=-2.8", "--mu", "Mg=-2.5"], 0),
    "path": (["path", "paired-vacancy", "--licl", "0.1", "--out", "{t}/path"], 0),
    "capacity": (["capacity", "V2O5", "--redox", "V:5:3"], 0),
    "formula": (["formula", "--x", "0.10", "--y", "0.12"], 0),
    "convert-voltage": (["convert-voltage", "0.93", "--from", "Mg", "--to", "Li"], 0),
    "build": (["build", "interstitial", "--supercell", "2x2x1", "--out", "{t}/build"], 0),
    "vasp-inputs": (["vasp-inputs", "interstitial", "--supercell", "2x2x1", "--out", "{t}/vasp"], 0),
    "vasp-collect": (["vasp-collect", "{t}/empty", "--out", "{t}/vc.yaml"], 2),  # nothing to collect
    "distortion": (["distortion", str(DATA / "engines" / "paired_vacancy_4x4x2_structures" / "Li.extxyz"),
                    "--out", "{t}/distortion"], 0),
    "compute": (["compute", "interstitial", "--engine", LJ, "--steps", "2", "--db", "{t}/r.db", "--out",
                 "{t}/c.yaml"], 0),
    "calibrate": (["calibrate", "--engine", "os:system", "--out", "{t}/cal.yaml"], 2),  # hours when real
    # the full paper fit takes minutes (tests/test_readme.py runs a reduced real fit): a targets file that is
    # not a mapping stops it after the model stack is imported
    "fit": (["fit", "{t}/afile", "--out", "{t}/fit"], 2),
    "echem summary": (["echem", "summary", str(MPR)], 0),
    "echem plot": (["echem", "plot", str(MPR), "--out", "{t}/plot"], 0),
    "echem dqdv": (["echem", "dqdv", str(MPR), "--out", "{t}/dqdv"], 0),
    "echem gitt": (["echem", "gitt", str(MPR), "--out", "{t}/gitt"], 2),  # a cycling file holds no GITT pulses
    "model curve": (["model", "curve", "--licl", "0.2", "--out", "{t}/curve"], 0),
    "model mc": (["model", "mc", "--size", "4", "--sweeps", "50"], 0),
    "cell discharge": (["cell", "discharge", "--rate-mA-g", "200", "--out", "{t}/dis"], 0),
    "cell rate": (["cell", "rate", "--rate-mA-g", "200,500", "--out", "{t}/rate"], 0),
    "cell gitt": (["cell", "gitt", "--max-pulses", "2", "--out", "{t}/cgitt"], 0),
    # PDF: PDFgui's Ni fit is ~1 s; a series starts a Dask cluster, so a garbage file (checked first)
    "pdf refine": (["pdf", "refine", str(PDF / "Ni_2-8.chi.gr"), "--structure", str(PDF / "Ni.stru"), "--qdamp",
                    "0.001", "--rmin", "1.5", "--rmax", "10", "--rcut", "3", "--free", "a,scale,Uiso,sratio",
                    "--out", "{t}/pdf"], 0),
    "pdf series": (["pdf", "series", "{t}/afile", "--structure", "anatase"], 2),
    "vegard": (["vegard", "--a", "3.875", "--c", "9.325", "--a0", "3.7991", "--c0", "9.475", "--da-dx", "0.16",
                "--dc-dx", "-0.30"], 0),
    "verify": (["verify", "{t}/empty"], 2),                       # no manifest: an incomplete set
    # NMR fits take seconds to minutes: the commands import their stack and stop at a bad option value
    "nmr fit": (["nmr", "fit", str(CSDF), "--lines", "x"], 2),
    "nmr series": (["nmr", "series", str(CSDF), "--lines", "x"], 2),
    "nmr integrate": (["nmr", "integrate", str(CSDF), "--window", "x"], 2),
}

SLOW_FIRST = ["cell rate", "cell gitt", "cell discharge", "fit", "compute", "vasp-inputs", "diagram", "path",
              "model curve"]

_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]), "PYTHONWARNINGS": "always",
        "COLUMNS": "200", "OMP_NUM_THREADS": "1", "DUALION_TORCH_THREADS": "1", "MPLBACKEND": "Agg"}


def all_commands() -> list[str]:
    """Every leaf command of the ``dualion`` click tree (``"cell rate"`` for sub-commands), hidden ones excluded;
    read in-process from the same tree ``dualion --help`` prints (tests/test_cli_root.py runs the help pages)."""
    from dualion.cli import _command

    def walk(cmd, prefix: str) -> list[str]:
        out = []
        for name, sub in sorted(cmd.commands.items()):
            if getattr(sub, "hidden", False):
                continue
            out += walk(sub, f"{prefix}{name} ") if hasattr(sub, "commands") else [prefix + name]
        return out

    return walk(_command(), "")


def test_every_command_has_a_smallest_invocation():
    cmds = all_commands()
    assert len(cmds) >= 20 and "compute" in cmds and "echem dqdv" in cmds
    missing = sorted(set(cmds) - set(SMALLEST))
    assert not missing, f"add a smallest invocation for {missing} to SMALLEST"


def _run(name: str, tmp: Path) -> tuple[str, int, int, str]:
    args, code = SMALLEST[name]
    t = tmp / name.replace(" ", "_")
    t.mkdir()
    (t / "empty").mkdir()
    (t / "afile").write_text("in the way")
    argv = [a.replace("{t}", str(t)) for a in args]
    try:
        res = subprocess.run([sys.executable, "-m", "dualion.cli", *argv], capture_output=True, text=True,
                             timeout=180, env=_ENV, cwd=t)
    except subprocess.TimeoutExpired:
        return name, code, -1, "timed out (warning loop?)"
    return name, code, res.returncode, res.stderr


@pytest.mark.parametrize("name", SLOW_FIRST + sorted(set(SMALLEST) - set(SLOW_FIRST)))
def test_every_command_with_all_warnings_shown_finishes_and_repeats_no_line(tmp_path, name):
    if not MPR.exists():
        pytest.skip(f"shared data not present: {MPR}")
    _, want, got, err = _run(name, tmp_path)
    lines = err.strip().splitlines()
    warn = [ln for ln in lines if ln.startswith("warning:")]
    raw = [ln for ln in lines if re.match(r"^\S+\.py:\d+: \w*Warning", ln)]  # Python's own 2-line format
    assert got == want and len(warn) == len(set(warn)) and not raw and "Traceback" not in err, (
        f"{name}: exit {got} (want {want}); {len(warn)} warning lines, {len(set(warn))} distinct; "
        f"{len(raw)} raw; {err.strip()[-300:]}")
    if want == 2:
        assert len([ln for ln in lines if ln.startswith("error:")]) == 1, \
            f"{name}: a deliberate error must be one error line: {err.strip()[-300:]}"


_LOOP = """
import warnings
from dualion.cliutil import warnings_to_stderr
from dualion.errors import DualionWarning
with warnings_to_stderr():
    for i in range(20000):
        warnings.warn("from a library", UserWarning)
        warnings.warn(f"project note {i % 2}", DualionWarning)
    warnings.warn("second\\nline", RuntimeWarning)
print("done")
"""


@pytest.mark.parametrize("setting", ["always", "default", "ignore::UserWarning", "error::RuntimeWarning"])
def test_mechanism_dedups_and_respects_filters(setting):
    res = subprocess.run([sys.executable, "-c", _LOOP], capture_output=True, text=True, timeout=60,
                         env={**_ENV, "PYTHONWARNINGS": setting})
    lines = res.stderr.strip().splitlines()
    if setting.startswith("error"):
        assert res.returncode != 0 and "RuntimeWarning: second" in res.stderr
        return
    assert res.returncode == 0 and res.stdout.strip() == "done"
    hidden = setting.startswith("ignore")  # ignore::UserWarning also hides DualionWarning (a UserWarning)
    lib = [ln for ln in lines if "from a library" in ln]
    assert lib == ([] if hidden else ["warning: UserWarning: from a library (<string>:7)"])
    assert [ln for ln in lines if "project note" in ln] == (
        [] if hidden else ["warning: project note 0", "warning: project note 1"])
    assert "warning: RuntimeWarning: second line (<string>:9)" in lines


def test_a_warning_turned_into_an_error_is_one_line(tmp_path):
    """PYTHONWARNINGS=error::...DualionWarning makes a project warning a one-line error, exit 2."""
    res = subprocess.run([sys.executable, "-m", "dualion.cli", "energies", str(SHARED / "data" / "f-tio2-dft" /
                          "vacancy_intercalation.yaml"), str(SHARED / "data" / "f-tio2-dft" /
                          "elemental_reference.yaml"), "--ions", "Li,Mg"], capture_output=True, text=True, timeout=120,
                         env={**_ENV, "PYTHONWARNINGS": "error::dualion.errors.DualionWarning"})
    if not (SHARED / "data" / "f-tio2-dft").exists():
        pytest.skip("shared DFT data not present")
    assert res.returncode == 2, res.stderr
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith("error: --ions Li,Mg leaves out")
