"""Adapter: VASP ``vasprun.xml`` through pymatgen → :class:`dualion.io.readers.Run`.

Energy: ``Vasprun.final_energy`` (eV, total energy of the cell). Title: the INCAR ``SYSTEM`` tag, or the
name of the folder holding the file when SYSTEM is unset. Status: ``finished`` when pymatgen
reports the run converged (electronic and ionic), else ``unconverged``.
"""

from __future__ import annotations

import os
from pathlib import Path

from dualion.errors import DualionUserError
from dualion.io.run import FINISHED, Run


def read_vasprun(path: str | os.PathLike) -> Run:
    p = Path(path)
    from pymatgen.io.vasp import Vasprun  # lazy: pymatgen is slow to import

    try:
        vr = Vasprun(str(p), parse_dos=False, parse_eigen=False, parse_projected_eigen=False,
                     parse_potcar_file=False)
    except Exception as exc:  # pymatgen raises many kinds on bad XML
        raise DualionUserError(f"cannot read vasprun.xml: {type(exc).__name__}: {exc}", file=p) from None
    comp = vr.final_structure.composition
    counts = {str(el): int(round(n)) for el, n in comp.get_el_amt_dict().items()}
    system = str(getattr(vr, "parameters", {}).get("SYSTEM", "") or "").strip()
    title = system if system and system.lower() != "unknown system" else (p.resolve().parent.name or p.stem)
    status = FINISHED if vr.converged else "unconverged"
    return Run(title=title, composition=counts, energy_eV=float(vr.final_energy), status=status,
               source=str(p), index=1)
