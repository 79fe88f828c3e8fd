"""Assignment of fitted lines to environments from an editable YAML table of reference shifts.

Each environment has a reference shift ``delta_ppm``, a ``tolerance_ppm`` and its ``source``. A line is
assigned to the environment with the nearest reference shift within that tolerance, else
``"unassigned"`` (an assignment written in the model file wins). The fraction of an environment is the
sum of the intensity fractions of its lines, with σ from the correlated line intensities.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from dualion.errors import DualionUserError

UNASSIGNED = "unassigned"


@dataclass
class Environment:
    """A reference environment: name, shift (ppm), tolerance (ppm) and where the shift comes from."""

    name: str
    delta_ppm: float
    tolerance_ppm: float
    source: str


@dataclass
class AssignmentTable:
    """The environments for one nucleus."""

    nucleus: str | None
    environments: list[Environment]
    path: str = ""

    def assign(self, delta_ppm: float) -> str:
        """Name of the nearest environment within its tolerance, else ``"unassigned"``."""
        best, dist = UNASSIGNED, math.inf
        for env in self.environments:
            d = abs(delta_ppm - env.delta_ppm)
            if d <= env.tolerance_ppm and d < dist:
                best, dist = env.name, d
        return best

    def to_dict(self) -> dict:
        """Plain data (YAML/JSON)."""
        return {"nucleus": self.nucleus, "path": self.path, "environments": [asdict(e) for e in self.environments]}


def bundled_table_path(nucleus: str = "19F") -> Path | None:
    """Path of the bundled table for ``nucleus`` (``src/dualion/data/nmr/assignments_<nucleus>.yaml``) or ``None``."""
    p = resources.files("dualion") / "data" / "nmr" / f"assignments_{nucleus}.yaml"
    return Path(str(p)) if p.is_file() else None


def load_table(path: str | Path | None = None, nucleus: str | None = "19F") -> AssignmentTable | None:
    """Read a table (``path``), or the bundled one for ``nucleus``; ``None`` when neither exists."""
    from dualion.cliutil import read_yaml

    if path is None:
        path = bundled_table_path(nucleus) if nucleus else None
        if path is None:
            return None
    path = Path(path)
    doc = read_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("environments"), list):
        raise DualionUserError("expected a mapping with an 'environments' list", file=path, field="environments")
    envs = []
    for i, e in enumerate(doc["environments"]):
        where = f"environments[{i}]"
        if not isinstance(e, dict):
            raise DualionUserError("expected a mapping", file=path, field=where)
        for key in ("name", "delta_ppm", "source"):
            if key not in e:
                raise DualionUserError(f"missing '{key}' (every reference shift needs its source)", file=path,
                                       field=f"{where}.{key}")
        try:
            d = float(e["delta_ppm"])
            tol = float(e.get("tolerance_ppm", 10.0))
        except (TypeError, ValueError):
            raise DualionUserError("delta_ppm and tolerance_ppm must be numbers", file=path, field=where) from None
        if not (math.isfinite(d) and math.isfinite(tol) and tol >= 0):
            raise DualionUserError("delta_ppm must be finite and tolerance_ppm ≥ 0", file=path, field=where)
        envs.append(Environment(str(e["name"]), d, tol, str(e["source"])))
    return AssignmentTable(nucleus=doc.get("nucleus"), environments=envs, path=str(path))
