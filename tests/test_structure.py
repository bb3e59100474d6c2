"""The package's shape: imports flow one way through the layers, modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "terreinen"

# Bottom to top: a module may import from its own layer's modules and those below.
LAYERS = [
    ["", "settings", "schema"],  # "": the package's __init__
    ["report", "_errors", "datasets"],
    ["_parse", "_checks", "_geometry", "validation"],
    ["figures", "ibis", "loading", "tables"],
    ["capacity"],
    [
        "agreements",
        "matching",
        "distributed",
        "_store",
        "_versions",
        "_changes",
        "register",
        "demand",
        "changes",
    ],
    ["_io", "export", "_mapdata", "maps"],
    ["_screen", "_cli", "cli_register", "cli_find", "cli", "__main__"],
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts) if parts != ("__init__",) else ""


def _imports() -> dict[str, set[str]]:
    """Every module's imports of the package's own modules, function-level ones included."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                module = node.module if not node.level else f"terreinen.{node.module}"
                if module == "terreinen":  # from terreinen import settings, schema
                    # runs the package's __init__ first: its imports count too
                    targets |= {"", *(alias.name for alias in node.names)}
                elif module.startswith("terreinen."):
                    targets.add(module.removeprefix("terreinen."))
            elif isinstance(node, ast.Import):
                targets |= {
                    a.name.removeprefix("terreinen.")
                    for a in node.names
                    if a.name.startswith("terreinen.")
                }
        graph[name] = {
            t
            for t in targets - {name}
            if t == "" or (PACKAGE / f"{t.replace('.', '/')}.py").exists()
        }
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target] if target in path else [target]
            if target not in state and (found := visit(target, [*path, target])):
                return found
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module, [module])):
            return found
    return None


def test_no_import_cycles():
    assert _cycle(_imports()) is None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_imports_flow_down_the_layers():
    layer_of = {module: n for n, modules in enumerate(LAYERS) for module in modules}
    graph = _imports()
    unplaced = sorted(m for m in graph if m not in layer_of)
    assert not unplaced, f"place these modules in LAYERS: {unplaced}"
    upward = [
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        if layer_of[target] > layer_of[module]
    ]
    assert not upward


def test_modules_stay_small():
    long = {p.name: n for p in PACKAGE.glob("*.py") if (n := len(p.read_text().splitlines())) > 500}
    assert not long
