"""Small helpers shared by the domain CLIs and file loaders (one implementation each)."""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import typer
import yaml

from dualion.errors import DualionUserError, DualionWarning


def parse_floats(text: str, opt: str) -> list[float]:
    """Parse ``"0,0.05,0.1"`` into finite floats; errors name the option ``opt``."""
    try:
        vals = [float(t) for t in str(text).split(",") if t.strip()]
    except ValueError:
        raise DualionUserError(f"expected comma-separated numbers, got {text!r}", field=opt) from None
    if not vals or not all(math.isfinite(v) for v in vals):
        raise DualionUserError(f"expected comma-separated finite numbers, got {text!r}", field=opt)
    return vals


@contextlib.contextmanager
def warnings_to_stderr() -> Iterator[None]:
    """Collect the warnings of the work inside, then print each distinct one once, as one line, on stderr.

    * :class:`DualionWarning`: ``warning: <message>``;
    * any other warning: ``warning: <Category>: <message> (<package/file.py>:<line>)``.

    Distinct = same category and message (whitespace collapsed); a warning repeated a million times
    costs one dict entry. The interpreter's filters are respected (``PYTHONWARNINGS`` / ``-W``:
    ``ignore`` hides, ``error`` raises, as usual); ``DualionWarning`` is always shown unless a filter
    says otherwise. Lines are printed after leaving the ``catch_warnings`` context, so printing can
    never record (and replay) a warning again. Nested use: the innermost context prints.
    """
    seen: dict[tuple[type, str], tuple[str, int]] = {}

    def collect(message, category, filename, lineno, file=None, line=None):  # noqa: ARG001 - showwarning API
        key = (category, " ".join(str(message).split()))
        if key not in seen:
            seen[key] = (str(filename), int(lineno or 0))

    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("always", category=DualionWarning, append=True)
            warnings.showwarning = collect
            yield
    finally:
        for (category, msg), (filename, lineno) in seen.items():
            typer.echo(format_warning_line(category, msg, filename, lineno), err=True)


def format_warning_line(category: type, message: str, filename: str = "", lineno: int = 0) -> str:
    """One ``warning:`` line (see :func:`warnings_to_stderr`)."""
    msg = " ".join(str(message).split())
    if issubclass(category, DualionWarning):
        return f"warning: {msg}"
    where = f" ({_short_source(filename)}:{lineno})" if filename else ""
    return f"warning: {category.__name__}: {msg}{where}"


def _short_source(filename: str) -> str:
    """``torch/nn/modules/module.py`` for a file in site-packages, ``dualion/...`` for ours, else the name."""
    parts = Path(filename).parts
    for anchor in ("site-packages", "dist-packages", "src"):
        if anchor in parts:
            i = len(parts) - 1 - parts[::-1].index(anchor)
            if i + 1 < len(parts):
                return "/".join(parts[i + 1:])
    return Path(filename).name or "?"


@contextlib.contextmanager
def option_names(table: Mapping[str, str]) -> Iterator[None]:
    """Name CLI options in errors: a :class:`DualionUserError` raised by the library with a *library* field
    (``"rate_mA_g"``) is re-raised with the option that sets it (``"--rate-mA-g"``), per ``table``
    ({field: option}, one table per CLI module). Errors about a file (``file`` set) keep their field (a
    key or column of that file). Use as ``with option_names(T):`` or as a decorator ``@option_names(T)``.
    """
    try:
        yield
    except DualionUserError as exc:
        opt = table.get(exc.field) if exc.field and exc.file is None else None
        if opt is not None:
            exc.field = opt
            exc.args = (exc.one_line(),)
        raise


def read_yaml(path: str | os.PathLike) -> Any:
    """Parse a YAML file; a missing file or malformed YAML is a :class:`DualionUserError` (file + line)."""
    p = Path(path)
    if not p.is_file():
        raise DualionUserError("file not found", file=p)
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(yaml)"
        raise DualionUserError(f"malformed YAML: {getattr(exc, 'problem', exc)}", file=p, field=where) from None
