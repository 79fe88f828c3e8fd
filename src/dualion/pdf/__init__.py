"""Pair distribution function refinement (diffpy.pdffit2, extra ``dualion[pdf]``) and Vegard's law.

* :func:`read_pdf_data` — PDFgetX2 / PDFgetX3 / xPDFsuite / plain G(r) files;
* :func:`load_structure` — CIF, ``.stru``, pymatgen / ASE objects, ``anatase[:...]``, ``defect-anatase``;
* :func:`refine` — one fit (symmetry constraints automatic, staged release) → :class:`PDFFitResult`;
* :func:`refine_series` — many files, each in its own Dask worker → :class:`PDFSeriesResult`;
* :func:`vegard` — x_Li from a and c → :class:`VegardResult`.

The engine is imported only when a refinement runs; equations in ``docs/pdf.md``.
"""

from dualion.pdf.data import PDFData, read_pdf_data
from dualion.pdf.engine import Settings, parse_free, refine
from dualion.pdf.model import PDFAtom, PDFStructure, anatase_model, load_structure
from dualion.pdf.results import PDFFitResult, PDFSeriesResult, VegardResult
from dualion.pdf.series import refine_series
from dualion.pdf.vegard import vegard

__all__ = ["PDFAtom", "PDFData", "PDFFitResult", "PDFSeriesResult", "PDFStructure", "Settings", "VegardResult",
           "anatase_model", "load_structure", "parse_free", "read_pdf_data", "refine", "refine_series", "vegard"]
