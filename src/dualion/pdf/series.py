"""Refine many PDFs with one model, each refinement in its own process (Dask).

``workers > 1`` or a ``scheduler`` address: every file is a Dask task on a ``LocalCluster`` (or the
running cluster), started by dualion's shared :func:`dualion.engines.resources.dask_client`, so that
pdffit2's process-wide state never crosses fits. ``workers = 1`` and no scheduler refine in this
process, one fresh engine per file. Inputs are validated (files read, fit range checked) before any
refinement starts.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from dualion.errors import DualionUserError
from dualion.pdf.data import PDFData, check_fit_range, read_pdf_data
from dualion.pdf.engine import Settings, refine
from dualion.pdf.model import PDFStructure
from dualion.pdf.results import PDFFitResult, PDFSeriesResult


def _refine_payload(path: str, structure: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """Worker side: read, refine, return plain data (a user error comes back as data, not a traceback)."""
    import warnings

    from dualion.errors import DualionWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DualionWarning)  # recorded in the result's "warnings"
            fit = refine(read_pdf_data(path), PDFStructure.from_dict(structure), Settings.from_dict(settings))
        return fit.to_dict()
    except DualionUserError as exc:
        return {"user_error": {"message": exc.message, "file": exc.file, "field": exc.field}}


def refine_series(files: Sequence[str | os.PathLike], structure: PDFStructure, settings: Settings | None = None,
                  workers: int = 2, scheduler: str | None = None, progress: bool | None = None) -> PDFSeriesResult:
    """Refine every file of ``files`` (in order) with ``structure``; ΔV/V0 is relative to the first."""
    from dualion.progress import make_progress

    settings = settings or Settings()
    if workers < 1:
        raise DualionUserError(f"must be ≥ 1, got {workers}", field="--workers")
    if not files:
        raise DualionUserError("no data files given", field="FILES")
    paths = [os.fspath(f) for f in files]
    datas: list[PDFData] = [read_pdf_data(p) for p in paths]  # validate everything first
    for d in datas:
        check_fit_range(d, settings.rmin, settings.rmax)
        if settings.qmax is None and d.qmax is None:
            raise DualionUserError("Qmax is not in the file header: give --qmax (Å⁻¹)", file=d.source, field="--qmax")
    fits: dict[int, PDFFitResult] = {}
    with make_progress(disable=None if progress is None else not progress) as bar:
        tid = bar.add_task("refining PDFs", total=len(paths))
        if scheduler is None and (workers == 1 or len(paths) == 1):
            for i, d in enumerate(datas):
                fits[i] = refine(d, structure, settings)
                bar.advance(tid)
        else:
            from dualion.extras import require

            require("pdf", "dask", "distributed", what="dualion pdf series with --workers > 1")
            from distributed import as_completed

            from dualion.engines.resources import dask_client

            sdict, setd = structure.to_dict(), settings.to_dict()
            with dask_client(min(workers, len(paths)), scheduler) as client:
                futs = {client.submit(_refine_payload, p, sdict, setd, pure=False): i for i, p in enumerate(paths)}
                try:
                    for fut in as_completed(list(futs)):
                        out = fut.result()
                        if "user_error" in out:
                            raise DualionUserError(**out["user_error"])
                        fits[futs[fut]] = PDFFitResult.from_dict(out)
                        bar.advance(tid)
                except BaseException:
                    for f in futs:
                        f.cancel()
                    raise
    return PDFSeriesResult([fits[i] for i in range(len(paths))], workers=workers, scheduler=scheduler)
