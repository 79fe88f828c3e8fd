"""A core-only install: with the optional backends made unimportable, the core packages, the CSV echem
path and the CLI still work, and a command that needs an extra says in one line what to install."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

BLOCKED = ("torch", "chgnet", "sevenn", "dask", "distributed", "galvani", "NewareNDA", "psycopg2")

# installed before anything else in the child interpreter: these modules cannot be imported
BLOCKER = textwrap.dedent(f"""
    import sys
    BLOCKED = {BLOCKED!r}
    class _Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {{name!r}} (blocked by the test)", name=name)
            return None
    sys.meta_path.insert(0, _Block())
""")


def _run(body: str, tmp_path, timeout: int = 240) -> subprocess.CompletedProcess:
    script = tmp_path / "child.py"
    script.write_text(BLOCKER + textwrap.dedent(body))
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=timeout,
                          cwd=tmp_path)


def test_blocker_really_blocks(tmp_path):
    r = _run("import torch\n", tmp_path)
    assert r.returncode != 0 and "blocked by the test" in r.stderr


def test_core_imports_csv_summary_and_help_without_backends(tmp_path):
    r = _run("""
        import json, numpy as np
        import dualion.thermo, dualion.composition, dualion.echem, dualion.cli
        from dualion import echem
        from dualion.echem.readers import csv as csvr
        # a two-cycle galvanostatic record at 1 mA, 1 h per half-cycle, written as plain CSV
        t, v, i = [], [], []
        for k, (cur, v0, v1) in enumerate([(-1, 2.0, 0.5), (1, 0.5, 2.0)] * 2):
            tt = k * 3700 + np.linspace(0, 3600, 61)
            t += list(tt); v += list(np.linspace(v0, v1, 61)); i += [cur] * 61
        csvr.write("cell.csv", time_s=np.array(t), voltage_V=np.array(v), current_mA=np.array(i))
        data = echem.read("cell.csv")
        s = echem.cycles.summarise(data, echem.segment.half_cycles(data))
        from dualion.cli import main
        rc = main(["--help"])
        loaded = sorted({m.split(".")[0] for m in sys.modules} & set(BLOCKED))
        print(json.dumps({"rc": rc, "n": len(s.cycles), "q": s.cycles[0].discharge_mAh, "loaded": loaded}))
    """, tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["rc"] == 0 and out["loaded"] == []
    assert out["n"] == 2
    assert abs(out["q"] - 1.0) < 1e-6          # 1 mA for 1 h, by construction


def test_compute_without_engines_extra_is_one_line(tmp_path):
    r = _run("""
        from dualion.cli import main
        sys.exit(main(["compute", "interstitial", "--supercell", "2x2x1", "--ions", "Li", "--db", "r.db",
                       "--out", "x.yaml"]))
    """, tmp_path)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines == ["error: dualion compute needs the 'engines' extra: pip install 'dualion[engines]'"], r.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_biologic_without_cyclers_extra(tmp_path):
    (tmp_path / "cell.mpr").write_bytes(b"BIO-LOGIC MODULAR FILE\x1a" + b"\0" * 64)
    r = _run("""
        from dualion.cli import main
        sys.exit(main(["echem", "summary", "cell.mpr"]))
    """, tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == ("error: dualion echem summary needs the 'cyclers' extra: "
                                "pip install 'dualion[cyclers]'")
