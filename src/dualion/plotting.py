"""Publication-quality figures and their data: every analysis writes PNG + SVG + CSV/JSON.

Plot functions return a :class:`matplotlib.figure.Figure`; :func:`save` is the one helper that writes
it (PNG at 300 dpi + SVG) together with its data (CSV + JSON), atomically. Use :func:`figure_style`
around plotting code, :func:`panel_letters` for (a), (b), ... labels, :func:`format_label` for defect
names (``V_Ti+4F_O`` → V$_{Ti}$ + 4F$_O$), :func:`mark_synthetic` on figures of synthetic data and
:func:`legend_outside` to keep keys off the data.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import sys

import matplotlib

if "ipykernel" not in sys.modules and "MPLBACKEND" not in os.environ:
    matplotlib.use("Agg")   # scripts and the CLI: no display needed; notebooks keep their inline backend
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from dualion.io.atomic import atomic_path, atomic_write_json, ensure_dir  # noqa: E402

#: Colour-blind-safe palette (Okabe & Ito) used across dualion figures.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

#: Colours for working ions, so that Li and Mg look the same in every figure.
ION_COLOURS = {"Li": "#0072B2", "Mg": "#D55E00", "Na": "#009E73", "Ca": "#CC79A7", "Al": "#E69F00",
               "K": "#56B4E9", "Zn": "#000000"}

_STYLE = {
    "font.size": 9,
    "axes.labelsize": 9,
    "axes.titlesize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": True,
    "ytick.right": True,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.4,
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "svg.fonttype": "none",
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "legend.frameon": False,
}


@contextlib.contextmanager
def figure_style() -> Iterator[None]:
    """Matplotlib rc settings for single-column journal figures (3.3–7 in wide, 9 pt text)."""
    with matplotlib.rc_context(_STYLE):
        yield


#: Resolution of every saved raster figure (dots per inch).
DPI = 300

#: ``gid`` of the text artists drawn by :func:`panel_letters` (tests and tools find them by it).
PANEL_LETTER_GID = "panel-letter"


def save_figure(fig: matplotlib.figure.Figure, out_dir: str | os.PathLike, stem: str,
                formats: Sequence[str] = ("png", "svg"), close: bool = True) -> list[Path]:
    """Save ``fig`` as ``out_dir/stem.{png,svg}`` (300 dpi, tight bbox) atomically and return the paths.

    The resolution and bbox are passed explicitly, so the result does not depend on whether the caller
    is still inside :func:`figure_style`.
    """
    out_dir = ensure_dir(out_dir)
    paths = []
    for ext in formats:
        path = out_dir / f"{stem}.{ext}"
        with atomic_path(path) as tmp, matplotlib.rc_context({"svg.fonttype": "none"}):
            fig.savefig(tmp, format=ext, dpi=DPI, bbox_inches="tight")
        paths.append(path)
    if close:
        plt.close(fig)
    return paths


def write_table(data: pd.DataFrame | Sequence[Mapping[str, Any]], out_dir: str | os.PathLike, stem: str,
                json_payload: Any | None = None) -> list[Path]:
    """Write a table as ``stem.csv`` and ``stem.json`` (records, or ``json_payload`` if given; JSON under the
    one NaN policy of :func:`dualion.core.records.jsonable`)."""
    out_dir = ensure_dir(out_dir)
    df = data if isinstance(data, pd.DataFrame) else pd.DataFrame(list(data))
    csv_path = out_dir / f"{stem}.csv"
    with atomic_path(csv_path) as tmp:
        df.to_csv(tmp, index=False)
    from dualion.core.records import jsonable      # the one JSON policy: NaN → null, ±inf → "inf"/"-inf"

    payload = jsonable(json_payload if json_payload is not None else df.to_dict(orient="records"))
    json_path = atomic_write_json(out_dir / f"{stem}.json", payload)
    return [csv_path, json_path]


def save(fig: matplotlib.figure.Figure, out_dir: str | os.PathLike, stem: str,
         data: pd.DataFrame | Sequence[Mapping[str, Any]] | None = None, json_payload: Any | None = None,
         close: bool = True) -> list[Path]:
    """The one way dualion writes a figure: ``stem.png`` (300 dpi) + ``stem.svg``, and, when ``data`` is
    given, the plotted data as ``stem.csv`` + ``stem.json`` (``json_payload`` replaces the JSON records).

    CSV files never start with ``#`` lines: metadata (units, provenance) belongs in ``json_payload``.
    """
    paths = save_figure(fig, out_dir, stem, close=close)
    if data is not None:
        paths += write_table(data, out_dir, stem, json_payload=json_payload)
    return paths


def panel_letters(axes: Iterable[Any], letters: str = "abcdefghijklmnop", x: float = -0.1, y: float = 1.02,
                  **kw: Any) -> list[Any]:
    """Bold ``(a)``, ``(b)``, ... above the top-left corner of each axes; returns the text artists."""
    out = []
    for letter, ax in zip(letters, axes):
        t = ax.text(x, y, f"({letter})", transform=ax.transAxes, ha="right", va="bottom", fontweight="bold",
                    fontsize=kw.pop("fontsize", 9), **kw)
        t.set_gid(PANEL_LETTER_GID)
        out.append(t)
    return out


_SUB = re.compile(r"([A-Za-z\d\)\]])_\{?([A-Za-z]{1,3}|i)\}?(?=$|[^A-Za-z])")


def format_label(name: str) -> str:
    """Mathtext for defect and site names: ``V_Ti+4F_O`` → ``V$_{\\mathrm{Ti}}$ + 4F$_{\\mathrm{O}}$``.

    Every ``X_Y`` subscript (Y = 1–3 letters) becomes a roman subscript and ``+`` gets spaces, so no raw
    underscore reaches a title, tick or legend. Text already containing ``$`` is returned unchanged.
    """
    if "$" in name:
        return name
    text = _SUB.sub(lambda m: f"{m.group(1)}$_{{\\mathrm{{{m.group(2)}}}}}$", str(name))
    return re.sub(r"\s*\+\s*", " + ", text)


def mark_synthetic(fig: matplotlib.figure.Figure, text: str = "synthetic data") -> Any:
    """Stamp ``fig`` as made from synthetic (simulated or generated) data, bottom right, in grey italics."""
    t = fig.text(0.995, 0.003, text, ha="right", va="bottom", fontsize=6.5, style="italic", color="0.35")
    t.set_gid("synthetic-label")
    return t


def legend_outside(ax: Any, where: str = "right", **kw: Any) -> Any:
    """A legend beside (``right``) or below (``below``) the axes, never over the data."""
    if where == "right":
        opts = dict(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    elif where == "above":
        opts = dict(loc="lower center", bbox_to_anchor=(0.5, 1.02), borderaxespad=0.0)
    else:
        opts = dict(loc="upper center", bbox_to_anchor=(0.5, -0.22), borderaxespad=0.0)
    opts.update(kw)
    return ax.legend(**opts)


def legend_data_overlap(fig: matplotlib.figure.Figure) -> list[str]:
    """Legends that hide data: ``"legend of axes k covers N points of LABEL"`` for each overlap (display
    coordinates, after a draw). An empty list means every legend is clear of every line and marker."""
    import numpy as np

    fig.canvas.draw()
    problems = []
    legends = [(k, ax.get_legend()) for k, ax in enumerate(fig.axes)] + [(-1, lg) for lg in fig.legends]
    for k, lg in legends:
        if lg is None:
            continue
        box = lg.get_window_extent()
        for ax in fig.axes:
            for line in ax.get_lines():
                if not line.get_visible():
                    continue
                xy = line.get_xydata()
                if len(xy) == 0:
                    continue
                pts = line.get_transform().transform(np.asarray(xy, dtype=float))
                n = _covered(pts, ax, box)
                if n:
                    problems.append(f"legend of axes {k} covers {n} points of {line.get_label()!r}")
            for coll in ax.collections:
                offs = np.asarray(coll.get_offsets(), dtype=float)
                if offs.ndim != 2 or len(offs) == 0 or not coll.get_visible():
                    continue
                n = _covered(coll.get_offset_transform().transform(offs), ax, box)
                if n:
                    problems.append(f"legend of axes {k} covers {n} markers of {coll.get_label()!r}")
    return problems


def _covered(pts, ax, box) -> int:
    """How many display points ``pts`` lie inside both the axes and the legend box."""
    import numpy as np

    pts = pts[np.isfinite(pts).all(axis=1)]
    return int(sum(ax.bbox.contains(*p) and box.contains(*p) for p in pts))


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in df.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and v != v else v) for k, v in rec.items()})
    return out
