r"""Results that load back: the record protocol, its JSON policy and :func:`load`.

Protocol. A result class has a ``kind`` (``"<subpackage>.<name>"``, e.g. ``"thermo.diagram"``), ``to_dict()``
(plain data) and a classmethod ``from_dict(d)``; decorate it with :func:`register`::

    @register("pdf.fit")
    @dataclass(frozen=True, eq=False)
    class PDFFit(Record):
        ...
        def to_dict(self): return {...}
        @classmethod
        def from_dict(cls, d): return cls(...)

:func:`dump` writes ``{"kind": ..., "dualion_version": ..., **to_dict()}`` atomically, :func:`load` reads
any such file back into its object. To find a class that is not imported yet, :func:`load` imports
``dualion.<subpackage>`` and then ``dualion.<subpackage>.<name>``: put the class in that module or import
it from the subpackage's ``__init__``. Inheriting :class:`Record` is optional (it adds ``to_json``,
``save`` and value equality); any class with ``kind``, ``to_dict`` and ``from_dict`` can be registered.

JSON policy (one, for every writer): NumPy arrays and scalars become lists and numbers, tuples lists, enums
their value, paths strings; **NaN becomes ``null``, +∞ / −∞ the strings ``"inf"`` / ``"-inf"``**. Readers
turn them back with :func:`floats` (arrays) and :func:`num` (scalars).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import math
import os
from collections.abc import Callable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from dualion.errors import DualionUserError

__all__ = ["Record", "register", "registered_kinds", "jsonable", "floats", "num", "to_json", "dump", "load",
           "from_dict", "records_equal"]

_REGISTRY: dict[str, type] = {}


def register(kind: str) -> Callable[[type], type]:
    """Class decorator: register a result class under ``kind`` (``"<subpackage>.<name>"``) for :func:`load`."""
    if not isinstance(kind, str) or "." not in kind:
        raise ValueError(f"a record kind is '<subpackage>.<name>', got {kind!r}")

    def deco(cls: type) -> type:
        if not callable(getattr(cls, "from_dict", None)) or not callable(getattr(cls, "to_dict", None)):
            raise TypeError(f"{cls.__name__} needs to_dict() and a classmethod from_dict() to be a record")
        prev = _REGISTRY.get(kind)
        if prev is not None and prev.__qualname__ != cls.__qualname__:
            raise ValueError(f"record kind {kind!r} is already {prev.__module__}.{prev.__qualname__}")
        cls.kind = kind
        _REGISTRY[kind] = cls
        return cls

    return deco


def registered_kinds() -> dict[str, type]:
    """The kinds registered so far (import a subpackage to register its kinds)."""
    return dict(_REGISTRY)


# ---------------------------------------------------------------------------------------------- JSON policy
def jsonable(obj: Any) -> Any:
    """Plain JSON data for ``obj`` under the one NaN policy (NaN → null, ±inf → "inf"/"-inf")."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, Enum):
        return jsonable(obj.value)
    if isinstance(obj, (int, np.integer)) and not isinstance(obj, np.bool_):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        if math.isnan(v):
            return None
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(obj, np.ndarray):
        return [jsonable(v) for v in obj.tolist()] if obj.ndim else jsonable(obj.item())
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if hasattr(obj, "to_dict") and getattr(obj, "kind", None):
        return {"kind": obj.kind, **jsonable(obj.to_dict())}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable(dataclasses.asdict(obj))
    if hasattr(obj, "model_dump"):
        return jsonable(obj.model_dump())
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def num(v: Any) -> float:
    """A float back from the JSON policy: null → NaN, "inf"/"-inf" → ±inf."""
    if v is None:
        return math.nan
    if isinstance(v, str):
        return {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}[v.strip().lower()]
    return float(v)


def floats(v: Any) -> np.ndarray:
    """A float array back from the JSON policy (nested lists allowed)."""
    if isinstance(v, (list, tuple)):
        return np.array([floats(x) for x in v], dtype=float) if v and isinstance(v[0], (list, tuple)) \
            else np.array([num(x) for x in v], dtype=float)
    return np.asarray(num(v), dtype=float)


def to_json(obj: Any, indent: int | None = 2) -> str:
    """JSON text of a record (with its ``kind``) or of plain data, under the one NaN policy."""
    data = record_dict(obj) if getattr(obj, "kind", None) and hasattr(obj, "to_dict") else jsonable(obj)
    return json.dumps(data, indent=indent, allow_nan=False)


def record_dict(obj: Any) -> dict[str, Any]:
    """``{"kind", "dualion_version", **to_dict()}`` in plain JSON data."""
    from dualion import __version__

    return {"kind": obj.kind, "dualion_version": __version__, **jsonable(obj.to_dict())}


def dump(obj: Any, path: str | os.PathLike) -> Path:
    """Write a record as JSON atomically; returns the path."""
    from dualion.io.atomic import atomic_write_text

    return atomic_write_text(path, to_json(obj) + "\n")


# ---------------------------------------------------------------------------------------------- loading
def _lookup(kind: str) -> type:
    cls = _REGISTRY.get(kind)
    if cls is not None:
        return cls
    pkg, _, name = kind.partition(".")
    for mod in (f"dualion.{pkg}", f"dualion.{pkg}.{name}"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name is None or not mod.startswith(exc.name):
                raise
        if kind in _REGISTRY:
            return _REGISTRY[kind]
    raise DualionUserError(f"unknown result kind {kind!r} (known: {', '.join(sorted(_REGISTRY)) or 'none'})",
                           field="kind")


def from_dict(d: Mapping[str, Any], source: str | None = None) -> Any:
    """The object a record dict (with ``kind``) describes."""
    if not isinstance(d, Mapping) or "kind" not in d:
        raise DualionUserError("not a dualion result: no 'kind' key at the top level", file=source, field="kind")
    cls = _lookup(str(d["kind"]))
    body = {k: v for k, v in d.items() if k not in ("kind", "dualion_version")}
    try:
        return cls.from_dict(body)
    except DualionUserError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise DualionUserError(f"malformed {d['kind']} record: {type(exc).__name__}: {exc}", file=source,
                               field="kind") from None


def load(path: str | os.PathLike) -> Any:
    """Read any result JSON dualion writes (it has a ``kind``) back into its object."""
    p = Path(path)
    if not p.is_file():
        raise DualionUserError("file not found", file=p)
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DualionUserError(f"not JSON: {exc}", file=p) from None
    return from_dict(d, source=str(p))


def records_equal(a: Any, b: Any) -> bool:
    """Value equality of two records: same kind and the same JSON data (so NaN equals NaN)."""
    return (getattr(a, "kind", None) == getattr(b, "kind", None)
            and jsonable(a.to_dict()) == jsonable(b.to_dict()))


class Record:
    """Mixin for result classes: ``to_json``, ``save`` and value equality from ``to_dict``.

    Subclasses define ``to_dict()`` and ``from_dict()`` and are decorated with :func:`register`.
    Dataclasses using it should pass ``eq=False`` so that this ``__eq__`` (array- and NaN-safe) is used.
    """

    kind: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_json(self, indent: int | None = 2) -> str:
        """JSON text with ``kind`` (the one NaN policy)."""
        return to_json(self, indent)

    def save(self, path: str | os.PathLike) -> Path:
        """Write as JSON atomically (read back with :func:`dualion.load`)."""
        return dump(self, path)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return records_equal(self, other)

    __hash__ = None  # type: ignore[assignment]
