"""dualion.engines has no import cycle (module-level or inside functions): calibration ↔ compute was one."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "src" / "dualion" / "engines"


def _graph() -> dict[str, set[str]]:
    g: dict[str, set[str]] = {}
    for f in PKG.glob("*.py"):
        mod = f"dualion.engines.{f.stem}"
        deps = set()
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "dualion.engines":
                    deps |= {f"dualion.engines.{a.name}" for a in node.names}
                elif node.module.startswith("dualion.engines."):
                    deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("dualion.engines.")}
        g[mod] = deps - {mod}
    return g


def _cycle(g: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(g.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state and (c := visit(m)):
                return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(g):
        if n not in state and (c := visit(n)):
            return c
    return None


def test_finder_sees_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_engines():
    g = _graph()
    assert "dualion.engines.compute" in g["dualion.engines.cli"]  # the graph is read (lazy imports too)
    assert _cycle(g) is None, " -> ".join(_cycle(g) or [])
