"""Optional extras: one helper that imports a module of an optional extra or says what to install.

The core install (``pip install dualion``) covers composition, thermodynamics, structures, the
equilibrium model, the cell and plain-CSV cycler data. Backends live in extras:

======== ==================================================== ===================================
extra    packages                                             needed by
======== ==================================================== ===================================
engines  torch, chgnet, sevenn, dask[distributed], psycopg2   ``dualion compute`` / ``calibrate``
cyclers  datalab-org-galvani (GPL-3.0), NewareNDA             Bio-Logic .mpr, Neware files
pdf      diffpy.pdffit2, diffpy.structure                     PDF refinements
nmr      nmrglue, lmfit, csdmpy, mrsimulator                  NMR spectra
======== ==================================================== ===================================

``require("engines", "chgnet")`` returns the imported module or raises :class:`MissingExtraError`,
which the CLI prints as one line, e.g. ``error: dualion compute needs the 'engines' extra: pip install
'dualion[engines]'`` (exit code 2).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from dualion.errors import DualionUserError

#: extra -> top-level modules it provides (import names).
EXTRAS: dict[str, tuple[str, ...]] = {
    "engines": ("torch", "chgnet", "sevenn", "dask", "distributed", "psycopg2"),
    "cyclers": ("galvani", "NewareNDA"),
    "pdf": ("diffpy.pdffit2", "diffpy.structure"),
    "nmr": ("nmrglue", "lmfit", "csdmpy", "mrsimulator"),
}


class MissingExtraError(DualionUserError):
    """A module of an optional extra is not installed; :meth:`one_line` says what to install."""

    def __init__(self, extra: str, module: str, what: str | None = None):
        self.extra, self.module, self.what = extra, module, what
        super().__init__(f"{module} is not installed")

    def one_line(self) -> str:
        what = self.what or f"this feature ({self.module})"
        return f"{what} needs the '{self.extra}' extra: pip install 'dualion[{self.extra}]'"


def require(extra: str, *modules: str, what: str | None = None) -> ModuleType:
    """Import ``modules`` (default: every module of ``extra``) and return the last one.

    Raises :class:`MissingExtraError` naming ``extra`` when one cannot be imported.
    """
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}; known: {', '.join(EXTRAS)}")
    mod: ModuleType | None = None
    for name in modules or EXTRAS[extra]:
        try:
            mod = importlib.import_module(name)
        except ImportError:
            raise MissingExtraError(extra, name, what) from None
    assert mod is not None
    return mod


def available(extra: str) -> bool:
    """True when every module of ``extra`` imports."""
    try:
        require(extra)
    except MissingExtraError:
        return False
    return True
