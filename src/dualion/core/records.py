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
it from the subpackage's ``__init__`` (a class there with a matching ``kind`` attribute and ``from_dict`` is
found even without the decorator; kinds of another form are listed in :data:`KIND_MODULES`). Inheriting :class:`Record` is optional (it adds ``to_json``,
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
           "from_dict", "records_equal", "dataclass_from_dict", "record_dict", "RecordList", "records_payload", "DataRecord"]

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


def to_json(obj: Any, indent: int | None = 2, extra: Mapping[str, Any] | None = None) -> str:
    """JSON text of a record (with its ``kind``; ``extra`` top-level keys added, e.g. provenance, ignored on
    loading) or of plain data, under the one NaN policy."""
    data = record_dict(obj) if getattr(obj, "kind", None) and hasattr(obj, "to_dict") else jsonable(obj)
    if extra:
        data = {**data, **jsonable(dict(extra))}
    return json.dumps(data, indent=indent, allow_nan=False)


def record_dict(obj: Any) -> dict[str, Any]:
    """``{"kind", "dualion_version", **to_dict()}`` in plain JSON data."""
    from dualion._version import __version__

    return {"kind": obj.kind, "dualion_version": __version__, **jsonable(obj.to_dict())}


def dump(obj: Any, path: str | os.PathLike, extra: Mapping[str, Any] | None = None) -> Path:
    """Write a record (or plain data) as JSON atomically under the one NaN policy; returns the path."""
    from dualion.io.atomic import atomic_write_text

    return atomic_write_text(path, to_json(obj, extra=extra) + "\n")


# ---------------------------------------------------------------------------------------------- loading
#: Kinds without the ``<subpackage>.<name>`` form, and the module that defines each: a class there with that
#: ``kind`` attribute and a ``from_dict`` is found without a decorator.
KIND_MODULES: dict[str, str] = {"pdf_fit": "dualion.pdf.results", "pdf_series": "dualion.pdf.results",
                                "vegard": "dualion.pdf.results", "nmr_fit": "dualion.nmr.results",
                                "nmr_series": "dualion.nmr.results", "nmr_integrals": "dualion.nmr.results"}


def _discover(kind: str, module: Any) -> type | None:
    """A class in ``module`` whose ``kind`` is ``kind`` and that has ``from_dict`` (registered on the way)."""
    for obj in vars(module).values():
        if isinstance(obj, type) and getattr(obj, "kind", None) == kind and callable(getattr(obj, "from_dict", None)):
            _REGISTRY[kind] = obj
            return obj
    return None


def _lookup(kind: str) -> type:
    cls = _REGISTRY.get(kind)
    if cls is not None:
        return cls
    pkg, _, name = kind.partition(".")
    mods = [KIND_MODULES[kind]] if kind in KIND_MODULES else [f"dualion.{pkg}", f"dualion.{pkg}.{name}"]
    for mod in mods:
        try:
            m = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name is None or not mod.startswith(exc.name):
                raise
            continue
        if kind in _REGISTRY or _discover(kind, m) is not None:
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
    """Read any result dualion writes (it has a ``kind``) back into its object: JSON, or YAML for the
    files dualion writes as YAML (``.yaml`` / ``.yml``, e.g. a calibration from ``dualion calibrate``)."""
    p = Path(path)
    if not p.is_file():
        raise DualionUserError("file not found", file=p)
    if p.suffix.lower() in (".yaml", ".yml"):
        from dualion.io.text import read_yaml

        return from_dict(read_yaml(p), source=str(p))   # encoding detected, duplicate keys refused
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DualionUserError(f"not JSON: {exc}", file=p) from None
    return from_dict(d, source=str(p))


def dataclass_from_dict(cls: type, d: Mapping[str, Any]) -> Any:
    """A dataclass instance from plain data: unknown keys are ignored, ``null`` in a ``float`` field is NaN
    (the JSON policy), ``"inf"``/``"-inf"`` are ±inf, lists become tuples in ``tuple`` fields."""
    kw = {}
    for f in dataclasses.fields(cls):
        if f.name not in d:
            continue
        v, t = d[f.name], str(f.type)
        if t == "float" or (t.startswith("float") and v is not None):
            v = num(v)
        elif t.startswith("tuple") and isinstance(v, list):
            v = tuple(v)
        kw[f.name] = v
    return cls(**kw)


def records_equal(a: Any, b: Any) -> bool:
    """Value equality of two records: same kind and the same JSON data (so NaN equals NaN)."""
    return (getattr(a, "kind", None) == getattr(b, "kind", None)
            and jsonable(a.to_dict()) == jsonable(b.to_dict()))


def records_payload(objs: Any) -> dict[str, Any]:
    """``{"kind": "core.records", "records": [...]}``: several records in one file (loads back as a list)."""
    from dualion._version import __version__

    return {"kind": "core.records", "dualion_version": __version__, "records": [record_dict(o) for o in objs]}


class RecordList(list):
    """Several records in one file (kind ``core.records``); :func:`load` returns it as a list."""

    kind: ClassVar[str] = "core.records"

    def to_dict(self) -> dict[str, Any]:
        return {"records": [record_dict(o) for o in self]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RecordList:
        return cls(from_dict(r) for r in d["records"])


_REGISTRY["core.records"] = RecordList


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


class DataRecord(Record):
    """:class:`Record` for a flat dataclass: ``to_dict`` is :func:`dataclasses.asdict`, ``from_dict`` is
    :func:`dataclass_from_dict` (null → NaN in float fields)."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Any:
        return dataclass_from_dict(cls, d)
