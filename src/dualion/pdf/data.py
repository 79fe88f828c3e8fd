"""Reading measured pair distribution functions G(r) (Å⁻²) against r (Å).

One adapter for the three text layouts PDF software writes:

* **PDFgetX2** ``.gr``: a long ``#`` header (``qmax=40.000000`` in ``## S(q)``, ``lambda=...``), then
  ``#L r G(r) d_r d_Gr`` and four columns;
* **PDFgetX3 / xPDFsuite** ``.gr``: an ini-style header (``[PDF]``, ``wavelength = 0.1836``,
  ``qmax = 25.0``), ``#### start data`` and data from r = 0 — rows with r ≤ 0 are dropped (pdffit2
  cannot use them: G(0) carries no information and its 1/r terms diverge);
* plain 2–4 column text (r, G[, dG][, dr] — or r, G, dr, dG when a ``#L`` line names the columns).

dG is used as weights (w = 1/dG²) only when *every* value in the file is > 0, as PDFgui does;
otherwise the fit is unweighted and ``PDFData.weighted`` is False.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dualion.errors import DualionUserError

#: Fewest data points a fit range may hold.
MIN_POINTS = 10

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


@dataclass
class PDFData:
    """A measured (or simulated) G(r): ``r`` in Å, ``G`` in Å⁻², ``dG`` (Å⁻²) or None.

    ``qmax`` (Å⁻¹) and ``wavelength`` (Å) come from the file header when it has them (None otherwise);
    ``fmt`` names the layout that was recognised; ``dropped`` counts rows removed (r ≤ 0).
    """

    r: np.ndarray
    G: np.ndarray
    dG: np.ndarray | None = None
    qmax: float | None = None
    wavelength: float | None = None
    stype: str = "X"
    fmt: str = "plain"
    source: str = ""
    dropped: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def weighted(self) -> bool:
        """True when dG is present and every value is > 0 (then w = 1/dG²)."""
        return self.dG is not None and bool(np.all(self.dG > 0))

    def summary(self) -> dict[str, Any]:
        """JSON-ready description (no arrays)."""
        return {"file": self.source, "format": self.fmt, "n_points": int(self.r.size),
                "r_min_A": float(self.r[0]), "r_max_A": float(self.r[-1]),
                "r_step_A": float(np.median(np.diff(self.r))), "weighted": self.weighted,
                "qmax_header_A-1": self.qmax, "wavelength_A": self.wavelength, "stype": self.stype,
                "dropped_r_le_0": self.dropped}


def read_text(path: str | os.PathLike) -> str:
    """File text: UTF-8 (BOM allowed), else Latin-1 (never fails on old instrument headers)."""
    p = Path(path)
    if not p.is_file():
        raise DualionUserError("file not found", file=p)
    raw = p.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _header_float(header: str, *keys: str) -> float | None:
    for key in keys:
        m = re.search(rf"(?i)(?<![\w.]){re.escape(key)}[ \t]*[=:][ \t]*({_NUM})", header)
        if m:
            val = float(m.group(1))
            if np.isfinite(val) and val > 0:
                return val
    return None


_MARKER = re.compile(r"(?im)^[ \t]*#+[ \t]*start data.*$")
_NUMROW = re.compile(rf"(?m)^[ \t]*{_NUM}([ \t]*[,;\s][ \t]*{_NUM})+[ \t]*$")
_COMMENT = re.compile(r"(?m)^[ \t]*#.*$")
_NONBLANK = re.compile(r"(?m)^[ \t]*\S")


def _split_header(text: str) -> tuple[str, str, int, str]:
    """(header text, data text, line number of the first data-text line, layout name)."""
    m = _MARKER.search(text)
    if m:
        head = text[:m.end()]
        fmt = "pdfgetx3" if re.search(r"(?m)^\s*\[PDF\]", head) else "pdfgetx2"
    else:  # no marker: everything before the first all-numeric row is the header
        n = _NUMROW.search(text)
        head = text[:n.start()] if n else text
        fmt = "plain"
    i = len(head)
    while i < len(text):  # comment / blank lines right after the marker (#F, #D, #L ...) belong to the header
        j = text.find("\n", i)
        j = len(text) if j < 0 else j
        line = text[i:j].strip()
        if line and not line.startswith("#"):
            break
        i = j + 1
    head = text[:i]
    return head, text[i:], head.count("\n") + 1, fmt


def _columns(head: list[str]) -> list[str] | None:
    for line in reversed(head):
        m = re.match(r"^\s*#L\s+(.*)$", line)
        if m:
            return [c.lower() for c in m.group(1).split()]
    return None


def _locate_bad_row(body: str, first: int, p: Path) -> None:
    """Slow path for a malformed table: name the first bad line (ragged or not a number)."""
    rows = [(n, ln.split()) for n, ln in enumerate(body.split("\n"), start=first) if ln.strip()]
    ncol = sorted({len(t) for _, t in rows})
    if len(ncol) != 1 or not 2 <= ncol[0] <= 4:
        raise DualionUserError(f"rows must all have 2–4 columns (r, G, dr, dG), found {ncol}", file=p)
    for n, toks in rows:
        try:
            [float(t) for t in toks]
        except ValueError:
            raise DualionUserError(f"not a number row: {' '.join(toks)[:40]!r}", file=p, field=f"line {n}") from None
    raise DualionUserError("cannot parse the data table", file=p)  # pragma: no cover


def read_pdf_data(path: str | os.PathLike, stype: str = "X") -> PDFData:
    """Read a ``.gr`` / plain G(r) file; every malformed input is a one-line :class:`DualionUserError`."""
    p = Path(path)
    header, body, first, fmt = _split_header(read_text(p))
    head = header.splitlines()
    body = _COMMENT.sub("", body) if "#" in body else body
    if "," in body or ";" in body:
        body = body.replace(",", " ").replace(";", " ")
    stripped = body.strip()
    n_lines = stripped.count("\n") + 1 if "\n\n" not in stripped and "\n \n" not in stripped \
        else len(_NONBLANK.findall(body))  # fast path: no blank lines inside the table
    first_row = re.search(r"(?m)^[ \t]*\S.*$", body)
    if first_row is None:
        raise DualionUserError("no data rows (expected columns r G [dr dG])", file=p)
    width = len(first_row.group(0).split())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # text-mode fromstring: C-speed parsing
        flat = np.fromstring(body, dtype=float, sep=" ")
    if not 2 <= width <= 4 or flat.size != n_lines * width:  # ragged, or a token that is not a number
        _locate_bad_row(body, first, p)
    arr = flat.reshape(n_lines, width)
    cols = _columns(head)
    r, G = arr[:, 0], arr[:, 1]
    dG = None
    if arr.shape[1] >= 4:
        dG = arr[:, 3]  # PDFgetX2 / PDFgui order r, G, dr, dG
    elif arr.shape[1] == 3:
        dG = arr[:, 2] if not (cols and len(cols) >= 3 and cols[2] in ("dr", "d_r")) else None
    if cols and arr.shape[1] >= 4 and len(cols) >= 4 and cols[2] in ("dg", "d_gr", "dgr"):
        dG = arr[:, 2]  # r, G, dG, dr
    for name, col in (("r", r), ("G", G)) + ((("dG", dG),) if dG is not None else ()):
        bad = np.flatnonzero(~np.isfinite(col))
        if bad.size:
            raise DualionUserError(f"{bad.size} non-finite value(s) (NaN/inf), first at data row {bad[0] + 1}",
                                   file=p, field=name)
    keep = r > 0
    dropped = int((~keep).sum())
    r, G = r[keep], G[keep]
    dG = dG[keep] if dG is not None else None
    if r.size < MIN_POINTS:
        raise DualionUserError(f"too few points with r > 0: {r.size} (need at least {MIN_POINTS})", file=p,
                               field="r")
    step = np.diff(r)
    if np.any(step <= 0):
        k = int(np.flatnonzero(step <= 0)[0])
        raise DualionUserError(f"r is not strictly increasing (r = {r[k]:g} then {r[k + 1]:g} Å)", file=p, field="r")
    qmax = _header_float(header, "qmax")
    wavelength = _header_float(header, "wavelength", "lambda")
    if ("neutron" in header or "stype" in header) and re.search(r"(?im)^\s*mode\s*=\s*neutron|stype\s*=\s*N\b",
                                                                header):
        stype = "N"
    return PDFData(r=r, G=G, dG=dG, qmax=qmax, wavelength=wavelength, stype=stype, fmt=fmt, source=str(p),
                   dropped=dropped)


def check_fit_range(data: PDFData, rmin: float | None, rmax: float | None) -> tuple[float, float]:
    """Resolve ``--rmin`` / ``--rmax`` (Å) against the data; outside the data or too few points → error."""
    lo = float(data.r[0]) if rmin is None else float(rmin)
    hi = float(data.r[-1]) if rmax is None else float(rmax)
    for name, val in (("--rmin", lo), ("--rmax", hi)):
        if not np.isfinite(val):
            raise DualionUserError(f"must be a finite distance in Å, got {val!r}", file=data.source, field=name)
    if lo >= hi:
        raise DualionUserError(f"fit range {lo:g}–{hi:g} Å is empty (rmin must be < rmax)", file=data.source,
                               field="--rmin")
    tol = 1e-9 + 0.5 * float(np.median(np.diff(data.r)))
    if lo < data.r[0] - tol or hi > data.r[-1] + tol:
        raise DualionUserError(f"fit range {lo:g}–{hi:g} Å lies outside the data ({data.r[0]:g}–{data.r[-1]:g} Å)",
                               file=data.source, field="--rmin" if lo < data.r[0] - tol else "--rmax")
    n = int(((data.r >= lo - tol) & (data.r <= hi + tol)).sum())
    if n < MIN_POINTS:
        raise DualionUserError(f"only {n} points in the fit range {lo:g}–{hi:g} Å (need {MIN_POINTS})",
                               file=data.source, field="--rmax")
    return lo, hi
