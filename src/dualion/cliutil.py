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
    """Show :class:`DualionWarning` s as one ``warning:`` line each on stderr (deduplicated)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DualionWarning)
        try:
            yield
        finally:
            seen = set()
            for w in caught:
                if issubclass(w.category, DualionWarning):
                    msg = " ".join(str(w.message).split())
                    if msg not in seen:
                        seen.add(msg)
                        typer.echo(f"warning: {msg}", err=True)
                else:  # pass other warnings on unchanged
                    warnings.showwarning(w.message, w.category, w.filename, w.lineno)


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
