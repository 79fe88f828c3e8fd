"""Engines: which ASE calculator computes energies and forces, and which model version it is.

An engine is named by a short string:

* ``chgnet`` — CHGNet (pretrained weights ship in the ``chgnet`` wheel; loaded offline). The model
  version defaults to :data:`CHGNET_DEFAULT_MODEL` and is recorded in every result.
* ``sevenn`` — SevenNet (pretrained ``7net-0`` ships in the ``sevenn`` wheel; loaded offline).
* ``package.module:ClassName`` — any ASE calculator class, constructed with ``kwargs``.

Calculators are cached per process (one model load per Dask worker, not per structure).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dualion.errors import DualionUserError

#: CHGNet pretrained model loaded by default (bundled in the chgnet wheel).
CHGNET_DEFAULT_MODEL = "0.3.0"
#: SevenNet pretrained model loaded by default (bundled in the sevenn wheel).
SEVENN_DEFAULT_MODEL = "7net-0"

_CACHE: dict[str, tuple[Any, str]] = {}


@dataclass(frozen=True)
class EngineSpec:
    """An engine: ``name`` (chgnet | sevenn | module:Class), optional ``model`` and constructor kwargs."""

    name: str
    model: str | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Stable text identifying the engine and its settings (part of the database skip key)."""
        return json.dumps({"name": self.name, "model": self.model, "kwargs": dict(self.kwargs)},
                          sort_keys=True, default=str)

    @property
    def short(self) -> str:
        """``chgnet-0.3.0``, ``sevenn-7net-0`` or the class name: for file names and labels."""
        if ":" in self.name:
            return self.name.rsplit(":", 1)[1]
        return f"{self.name}-{self.model}" if self.model else self.name

    def __hash__(self) -> int:  # kwargs is a dict: hash the key instead
        return hash(self.key)


def parse_engine(text: str | EngineSpec, model: str | None = None,
                 kwargs: Mapping[str, Any] | str | None = None) -> EngineSpec:
    """Parse ``--engine`` (``chgnet``, ``sevenn`` or ``package.module:Class``) into an :class:`EngineSpec`.

    ``kwargs`` may be a mapping or a JSON object string (from the command line).
    """
    if isinstance(text, EngineSpec):
        return text
    name = str(text).strip()
    if isinstance(kwargs, str):
        try:
            kwargs = json.loads(kwargs) if kwargs.strip() else {}
        except json.JSONDecodeError as exc:
            raise DualionUserError(f"engine kwargs are not a JSON object: {exc}", field="--engine-kwargs") from None
        if not isinstance(kwargs, dict):
            raise DualionUserError("engine kwargs must be a JSON object", field="--engine-kwargs")
    kwargs = dict(kwargs or {})
    low = name.lower()
    if low == "chgnet":
        return EngineSpec("chgnet", model or CHGNET_DEFAULT_MODEL, kwargs)
    if low in ("sevenn", "sevennet", "7net"):
        return EngineSpec("sevenn", model or SEVENN_DEFAULT_MODEL, kwargs)
    if ":" in name:
        mod, _, cls = name.partition(":")
        if not mod or not cls or not all(p.isidentifier() for p in mod.split(".")) or not cls.isidentifier():
            raise DualionUserError(f"expected 'package.module:ClassName', got {name!r}", field="--engine")
        return EngineSpec(name, model, kwargs)
    raise DualionUserError(f"unknown engine {name!r}; use chgnet, sevenn or 'package.module:ClassName'",
                           field="--engine")


def limit_threads(n: int | None) -> None:
    """Limit torch's intra-op threads (one per Dask worker by default, so workers don't oversubscribe)."""
    if not n:
        return
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return
    if torch.get_num_threads() != n:
        torch.set_num_threads(int(n))


def _load(spec: EngineSpec) -> tuple[Any, str]:
    if spec.name == "chgnet":
        from dualion.extras import require

        require("engines", "torch", "chgnet")
        import chgnet
        from chgnet.model import CHGNet
        from chgnet.model.dynamics import CHGNetCalculator

        try:
            model = CHGNet.load(model_name=spec.model, use_device="cpu", verbose=False)
        except Exception as exc:  # unknown model name etc.
            raise DualionUserError(f"cannot load CHGNet model {spec.model!r}: {exc}", field="--model") from None
        kw = {"use_device": "cpu", **dict(spec.kwargs)}
        calc = _construct(_chgnet_calculator_class(CHGNetCalculator), "CHGNetCalculator", spec.kwargs,
                          model=model, **kw)
        return calc, f"chgnet {chgnet.__version__} model {model.version or spec.model}"
    if spec.name == "sevenn":
        from dualion.extras import require

        require("engines", "torch", "sevenn")
        import sevenn
        from sevenn.calculator import SevenNetCalculator

        kw = {"device": "cpu", **dict(spec.kwargs)}
        try:
            calc = SevenNetCalculator(spec.model, **kw)
        except TypeError as exc:
            raise DualionUserError(f"cannot construct SevenNetCalculator: {exc}", field="--engine-kwargs") from None
        except Exception as exc:  # noqa: BLE001 - unknown model name etc.
            raise DualionUserError(f"cannot load SevenNet model {spec.model!r}: {exc}", field="--model") from None
        return calc, f"sevenn {sevenn.__version__} model {spec.model}"
    cls = calculator_class(spec.name)
    kw = dict(spec.kwargs)
    if spec.model is not None:
        kw.setdefault("model", spec.model)
    calc = _construct(cls, spec.name, kw, **kw)
    return calc, f"{spec.name} ({_package_version(type(calc))})"


def calculator_class(name: str) -> type:
    """Import ``package.module:ClassName`` and check that it is an ASE calculator class (a subclass of
    ``ase.calculators.calculator.BaseCalculator``) — before anything calls it."""
    from ase.calculators.calculator import BaseCalculator

    mod_name, _, cls_name = name.partition(":")
    try:
        mod = importlib.import_module(mod_name)
        cls = getattr(mod, cls_name)
    except (ImportError, AttributeError) as exc:
        raise DualionUserError(f"cannot import calculator {name!r}: {exc}", field="--engine") from None
    except Exception as exc:  # noqa: BLE001 - the module itself failed on import
        raise DualionUserError(f"importing {mod_name!r} failed: {type(exc).__name__}: {exc}",
                               field="--engine") from None
    if not (isinstance(cls, type) and issubclass(cls, BaseCalculator)):
        raise DualionUserError(f"{name!r} is not an ASE calculator class (it is a {type(cls).__name__}); use "
                               "chgnet, sevenn or 'package.module:ClassName' of an ase Calculator subclass",
                               field="--engine")
    return cls


def _construct(cls: type, label: str, shown: Mapping[str, Any], **kwargs: Any) -> Any:
    """``cls(**kwargs)``; a constructor that refuses its arguments is a one-line ``--engine-kwargs`` error
    (``shown``: the user's kwargs, for the message)."""
    try:
        return cls(**kwargs)
    except (TypeError, ValueError, KeyError) as exc:
        text = " ".join(str(exc).split()) or type(exc).__name__
        raise DualionUserError(f"cannot construct {label} with {json.dumps(dict(shown), default=str)}: {text}",
                               field="--engine-kwargs") from None


def check_engine(spec: EngineSpec) -> None:
    """Validate an engine before any work or database exists: a ``module:Class`` must be an ASE
    calculator class that accepts the kwargs (it is constructed once, then cached); ``chgnet`` /
    ``sevenn`` with kwargs are constructed too (without kwargs they load lazily, where they run)."""
    if ":" in spec.name or spec.kwargs:
        get_calculator(spec, threads=None)


def _package_version(cls: type) -> str:
    """``package version`` of the first class in ``cls``'s MRO whose top-level package has a version."""
    for c in cls.__mro__:
        top = c.__module__.split(".")[0]
        try:
            version = getattr(importlib.import_module(top), "__version__", None)
        except ImportError:  # pragma: no cover
            version = None
        if version:
            return f"{top} {version}"
    return "version unknown"


def _chgnet_calculator_class(base: type) -> type:
    """CHGNetCalculator that skips the stress (a second autograd pass) unless stress is requested.

    Fixed-cell relaxations only need energy and forces; ``task="ef"`` gives the same energy and
    forces as ``"efsm"`` at about half the backward-pass cost.
    """

    class CHGNetCalculatorNoStress(base):  # type: ignore[misc, valid-type]
        def calculate(self, atoms=None, properties=None, system_changes=None, task=None):
            if task is None:
                task = "efsm" if (properties is None or "stress" in properties) else "ef"
            super().calculate(atoms=atoms, properties=properties, system_changes=system_changes, task=task)

    return CHGNetCalculatorNoStress


def get_calculator(spec: EngineSpec, threads: int | None = None, cache: bool = True) -> tuple[Any, str]:
    """Return ``(ase_calculator, model_version_text)`` for ``spec``, cached per process.

    ``threads`` limits torch intra-op threads first (``None`` leaves torch's setting alone).
    """
    limit_threads(threads if threads is not None else _env_threads())
    if cache and spec.key in _CACHE:
        return _CACHE[spec.key]
    out = _load(spec)
    if cache:
        _CACHE[spec.key] = out
    return out


def clear_cache() -> None:
    """Forget cached calculators (tests)."""
    _CACHE.clear()


def _env_threads() -> int | None:
    val = os.environ.get("DUALION_TORCH_THREADS")
    return int(val) if val and val.isdigit() else None


def settings_hash(*parts: Any) -> str:
    """sha256 (hex, first 16 chars) of JSON-dumped ``parts``."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
