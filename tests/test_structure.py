"""The package's shape: imports flow one way through the layers the README describes, none
is hidden inside a function, and every module has its place."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "terreinen"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def readme_layers() -> list[list[str]]:
    """The layer table of the README's "Layout" section, bottom to top: module names, and
    subpackages as ``name/``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("| layer | modules |") :].split("\n\n")[0]
    rows = [row for row in table.splitlines()[2:] if row.startswith("|")]
    return [re.findall(r"`([^`]+)`", row.split("|")[2]) for row in rows]


def layer_of(module: str, layers: list[list[str]]) -> int | None:
    """The layer that places ``module`` (``"."``-separated; ``""`` is the package's
    ``__init__``): its own name, or the subpackage it is in."""
    for number, names in enumerate(layers):
        for name in names:
            if name == "__init__" and module == "":
                return number
            if name.endswith("/") and (module + ".").startswith(name[:-1].replace("/", ".") + "."):
                return number
            if name == module:
                return number
    return None


def _imports() -> tuple[dict[str, set[str]], list[str]]:
    """Every module's imports of the package's own modules, and the places of function-level
    imports (of anything)."""
    graph: dict[str, set[str]] = {}
    hidden: list[str] = []
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = {id(node) for node in tree.body}
        targets: set[str] = set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if id(node) not in top_level and not _under_type_checking(tree, node):
                hidden.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and node.module:
                module = node.module
                if module == "terreinen":  # from terreinen import settings
                    targets |= {"", *(alias.name for alias in node.names)}
                elif module.startswith("terreinen."):
                    targets.add(module.removeprefix("terreinen."))
            elif isinstance(node, ast.Import):
                targets |= {
                    a.name.removeprefix("terreinen.")
                    for a in node.names
                    if a.name.startswith("terreinen.")
                }
        graph[name] = {t for t in targets - {name} if _is_module(t)}
    return graph, hidden


def _under_type_checking(tree: ast.Module, node: ast.stmt) -> bool:
    return any(
        isinstance(top, ast.If)
        and isinstance(top.test, ast.Name)
        and top.test.id == "TYPE_CHECKING"
        and node in list(ast.walk(top))
        for top in tree.body
    )


def _is_module(name: str) -> bool:
    if name == "":
        return True
    path = PACKAGE / name.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


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
    assert _cycle(_imports()[0]) is None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_is_hidden_inside_a_function():
    assert _imports()[1] == []


def test_the_readme_places_every_module():
    layers = readme_layers()
    unplaced = sorted(m for m in _imports()[0] if layer_of(m, layers) is None)
    assert not unplaced, f"place these modules in the README's layer table: {unplaced}"


def test_imports_flow_down_the_readme_layers():
    layers = readme_layers()
    graph = _imports()[0]
    upward = [
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        if (layer_of(target, layers) or 0) > (layer_of(module, layers) or 0)
    ]
    assert not upward


def test_the_layer_reader_places_subpackages_and_modules():
    layers = [["__init__", "settings"], ["io/"], ["cli/", "__main__"]]
    assert layer_of("", layers) == 0
    assert layer_of("io.files", layers) == 1
    assert layer_of("io", layers) == 1
    assert layer_of("cli.app", layers) == 2
    assert layer_of("iox", layers) is None
    assert layer_of("capacity", layers) is None


def test_every_folder_is_a_subpackage_the_readme_names():
    folders = {
        p.relative_to(PACKAGE).parts[0] for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE
    }
    named = {name[:-1] for row in readme_layers() for name in row if name.endswith("/")}
    assert folders == named
