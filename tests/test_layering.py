"""The package is layered: a module imports only from its own layer or the ones below, and no two
modules import each other, directly or round a cycle. Walked from the source, so a new module
that breaks the order fails here before anyone has to untangle it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hil"

# Lowest first. A module belongs to the layer of its longest matching prefix.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("hil.version", "hil.errors", "hil.data", "hil.extras", "hil.logs")),
    ("vocabulary", ("hil.config.schema", "hil.config.units", "hil.models.enums")),  # typed config; enum values
    ("bus", ("hil.bus",)),
    ("models", ("hil.models",)),
    ("config", ("hil.config", "hil.mqtt.config")),
    ("stage", ("hil.stage", "hil.results.trace")),
    ("runtime core", ("hil.runtime.clock", "hil.runtime.timerfd", "hil.runtime.realtime", "hil.runtime.node",
                      "hil.runtime.replay", "hil.runtime.session", "hil.runtime.outcome",
                      "hil.runtime.stop", "hil.nodes")),
    ("results", ("hil.results",)),
    ("prepare", ("hil.runtime.prepare",)),
    ("services", ("hil.mqtt", "hil.diag")),
    ("rig", ("hil.runtime.rig", "hil.runtime.ending")),
    ("orchestration", ("hil.runtime.suite", "hil.sweep", "hil.api", "hil.testing")),
    ("commands", ("hil.commands",)),
    ("entry points", ("hil.cli", "hil.__main__")),
    ("facade", ("hil",)),  # the package itself re-exports hil.api (lazily); only its exact name, not a prefix
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    best, rank = -1, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or (prefix != "hil" and module.startswith(prefix + "."))) and len(prefix) > best:
                best, rank = len(prefix), i
    assert rank >= 0, f"{module} belongs to no layer: add it to LAYERS"
    return rank


def _imports(tree: ast.Module, modules: set[str]) -> set[str]:
    """hil modules imported anywhere in the file (inside functions and `if TYPE_CHECKING:` too);
    `from pkg import mod` imports `mod`, not all of `pkg`."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph() -> dict[str, set[str]]:
    trees = {_module_name(p): ast.parse(p.read_text(), str(p)) for p in PACKAGE.rglob("*.py")}
    modules = set(trees)
    return {mod: {m for m in _imports(tree, modules) if m in modules and m != mod}
            for mod, tree in trees.items()}


def test_no_module_imports_from_a_layer_above_it() -> None:
    wrong = [f"{mod} ({LAYERS[_layer(mod)][0]}) imports {dep} ({LAYERS[_layer(dep)][0]})"
             for mod, deps in sorted(_graph().items()) for dep in sorted(deps)
             if _layer(dep) > _layer(mod)]
    assert not wrong, "\n".join(wrong)


def test_there_are_no_import_cycles_not_even_through_type_checking_imports() -> None:
    graph = _graph()
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(mod: str) -> None:
        state[mod] = 1
        path.append(mod)
        for dep in sorted(graph[mod]):
            if state.get(dep) == 1:
                pytest.fail("import cycle: " + " -> ".join([*path[path.index(dep):], dep]))
            if dep not in state:
                visit(dep)
        path.pop()
        state[mod] = 2

    for mod in sorted(graph):
        if mod not in state:
            visit(mod)


def test_parent_packages_count_as_their_own_layer() -> None:
    assert _layer("hil.runtime.rig") > _layer("hil.results.folder") > _layer("hil.runtime.session")
    assert _layer("hil.models.plant") < _layer("hil.config.calibration")
