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

from dualion.errors import DualionUserError, DualionWarning


def finite_float_params(cmd: Any) -> Any:
    """Make every command of a click/typer command tree refuse NaN and ±inf in its float options and
    arguments (they parse ``nan``/``inf`` as floats): a one-line error naming the option. Returns ``cmd``."""
    import functools

    def check(params, kwargs):
        for p in params:
            v = kwargs.get(p.name)
            vals = v if isinstance(v, (list, tuple)) else [v]
            for x in vals:
                if isinstance(x, float) and not math.isfinite(x):
                    opt = max(p.opts, key=len) if getattr(p, "param_type_name", "") == "option" and p.opts \
                        else str(p.name).upper()
                    raise DualionUserError(f"must be a finite number, got {x!r}", field=opt)

    def wrap(c):
        cb = getattr(c, "callback", None)
        if cb is not None and not getattr(cb, "_finite_checked", False):
            params = list(c.params)

            @functools.wraps(cb)
            def checked(*args, **kwargs):
                check(params, kwargs)
                return cb(*args, **kwargs)

            checked._finite_checked = True
            c.callback = checked
        for sub in (getattr(c, "commands", None) or {}).values():
            wrap(sub)

    wrap(cmd)
    return cmd


def positive(value: float | None, opt: str) -> float | None:
    """``value`` when None or a positive finite number; else a one-line error naming option ``opt``."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise DualionUserError(f"must be a positive number, got {value!r}", field=opt)
    return value


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

    When the work ends in an exception (a :class:`DualionUserError`, a usage error), the collected warnings are dropped: the error's one
    line is all that is printed.

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
    except Exception:
        seen.clear()  # an error is ONE line (user error, usage error, warning-as-error): warnings would blur it
        raise
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
    """Parse a YAML file: encoding detected, duplicate keys refused; a missing file, a binary file or
    malformed YAML is a :class:`DualionUserError` (file + line), see :mod:`dualion.io.text`."""
    from dualion.io.text import read_yaml as _read_yaml

    return _read_yaml(path)
