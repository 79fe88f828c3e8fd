"""Publication-quality figures and their data: every analysis writes PNG + SVG + CSV/JSON.

Use :func:`figure_style` as a context manager around plotting code, and :func:`save_figure` /
:func:`write_table` to write outputs atomically.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
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


def save_figure(fig: matplotlib.figure.Figure, out_dir: str | os.PathLike, stem: str,
                formats: Sequence[str] = ("png", "svg"), close: bool = True) -> list[Path]:
    """Save ``fig`` as ``out_dir/stem.{png,svg}`` atomically and return the paths."""
    out_dir = ensure_dir(out_dir)
    paths = []
    for ext in formats:
        path = out_dir / f"{stem}.{ext}"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=ext)
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
