"""Coverage of Bio-Logic .mpr readers on the real files in ../shared/data/echem*/ (which library to adopt).

    python benchmarks/galvani_coverage.py [--lib NAME=DIR ...]

Each ``--lib`` is a folder holding one installation of a reader package (``pip install --target DIR
galvani==0.5.0``, ``pip install --target DIR datalab-org-galvani==0.6.0``); without it, the galvani
importable in this venv is measured. Each is run in a subprocess with DIR first on ``sys.path``; the
table says per file whether ``BioLogic.MPRfile`` reads it (rows, columns) or what it raises.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("DUALION_SHARED", HERE.parent.parent / "shared")) / "data"

PROBE = r"""
import json, sys, warnings
if sys.argv[1] != "-":
    sys.path.insert(0, sys.argv[1])
from galvani import BioLogic
out = {"__file__": BioLogic.__file__}
for f in sys.argv[2:]:
    try:
        with open(f, "rb") as fh, warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m = BioLogic.MPRfile(fh)
        unk = sorted({str(x.message).split(" --")[0] for x in w if "Unknown column" in str(x.message)})
        out[f] = f"read: {len(m.data)} rows, {len(m.data.dtype.names)} columns" + (f" ({'; '.join(unk)})" if unk else "")
    except Exception as e:
        out[f] = f"refused: {type(e).__name__}: {str(e).splitlines()[0][:80]}"
print(json.dumps(out))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lib", action="append", default=[], help="NAME=DIR of one installation")
    args = ap.parse_args()
    files = sorted(str(p) for d in ("echem", "echem-real") for p in (SHARED / d).glob("*.mpr"))
    libs = [tuple(x.split("=", 1)) for x in args.lib] or [("this venv", "-")]
    results = {}
    for name, path in libs:
        p = subprocess.run([sys.executable, "-c", PROBE, path, *files], capture_output=True, text=True)
        results[name] = json.loads(p.stdout) if p.returncode == 0 else {"error": p.stderr.strip()[-200:]}
    print("| file | " + " | ".join(n for n, _ in libs) + " |")
    print("|---|" + "---|" * len(libs))
    for f in files:
        print(f"| {Path(f).name} | " + " | ".join(results[n].get(f, "?") for n, _ in libs) + " |")
    print("| **read** | " + " | ".join(
        f"**{sum(str(results[n].get(f, '')).startswith('read') for f in files)}/{len(files)}**" for n, _ in libs) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
