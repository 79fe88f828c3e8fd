"""Fig. 5 — 7Li MAS NMR central lines of discharged and charged electrodes.

Needs dualion's NMR analysis (`dualion.nmr`, extra `dualion[nmr]`) and measured spectra; until that
module is part of this build the script only reports that it is missing.
Run: python examples/paper/fig5.py --out fig5
"""

import importlib.util
from pathlib import Path


def main(out: Path, fast: bool = False) -> list[str]:
    if importlib.util.find_spec("dualion.nmr") is None:
        return ["Not reproduced in this build: `dualion.nmr` (NMR spectra, extra `dualion[nmr]`) is not installed."]
    return ["`dualion.nmr` is present but this script has not been written for it yet."]


if __name__ == "__main__":
    from dualion.demo import script_main

    script_main(main, __doc__, "fig5")
