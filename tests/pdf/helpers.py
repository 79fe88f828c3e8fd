"""Independent test inputs: anatase written out from the International Tables (not dualion's builder)
and pdffit2's forward calculation called directly (not through dualion's wrapper)."""

from __future__ import annotations

import numpy as np
import pytest

pdffit2 = pytest.importorskip("diffpy.pdffit2")


def anatase_stru(a: float, c: float, u: float, uiso: dict[str, float], li: float = 0.0) -> str:
    """P1 listing of anatase I4_1/amd origin choice 1 (ITA): Ti 4a, O 8e (0,0,±u)..., Li 4b."""
    ti = [(0, 0, 0), (0, .5, .25), (.5, .5, .5), (.5, 0, .75)]
    o = [(0, 0, u), (0, 0, -u), (0, .5, .25 + u), (0, .5, .25 - u)]
    o += [(x + .5, y + .5, z + .5) for x, y, z in o]
    lis = [(0, 0, .5), (0, .5, .75), (.5, .5, 0), (.5, 0, .25)]
    atoms = [("TI", p, 1.0) for p in ti] + [("O", p, 1.0) for p in o] + ([("LI", p, li) for p in lis] if li else [])
    lines = ["title anatase truth", "format pdffit", "scale 1.0", "sharp 0, 0, 1, 0", "spcgr P1",
             f"cell {a}, {a}, {c}, 90, 90, 90", "dcell 0, 0, 0, 0, 0, 0", f"ncell 1, 1, 1, {len(atoms)}", "atoms"]
    for el, (x, y, z), occ in atoms:
        uu = uiso[el.capitalize()]
        lines += [f"{el} {x % 1:.8f} {y % 1:.8f} {z % 1:.8f} {occ}", "0 0 0 0", f"{uu} {uu} {uu}", "0 0 0",
                  "0 0 0", "0 0 0"]
    return "\n".join(lines) + "\n"


def raw_calc(stru: str, rmin: float, rmax: float, rstep: float = 0.01, qmax: float = 22.0, qdamp: float = 0.04,
             scale: float = 1.0, delta2: float = 0.0, spdiameter: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """pdffit2 alloc + calc, nothing from dualion."""
    import io

    from diffpy.pdffit2 import PdfFit, redirect_stdout

    redirect_stdout(io.StringIO())
    pf = PdfFit(create_intro=False)
    pf.read_struct_string(stru)
    pf.setvar("delta2", delta2)
    pf.setvar("spdiameter", spdiameter)
    n = int(round((rmax - rmin) / rstep)) + 1
    pf.alloc("X", qmax, qdamp, rmin, rmin + (n - 1) * rstep, n)
    pf.setvar("dscale", scale)
    pf.calc()
    r, g = np.array(pf.getR()), np.array(pf.getpdf_fit())
    pf.reset()
    import sys

    redirect_stdout(sys.stdout)
    return r, g


def write_noisy(path, r, g, sigma: float, seed: int, qmax: float = 22.0):
    rng = np.random.default_rng(seed)
    obs = g + rng.normal(0, sigma, g.size)
    with open(path, "w") as fh:
        fh.write(f"# test data\n# qmax={qmax}\n#L r G dr dG\n")
        for x, y in zip(r, obs):
            fh.write(f"{x:.4f} {y:.8g} 0 {sigma}\n")
    return obs
