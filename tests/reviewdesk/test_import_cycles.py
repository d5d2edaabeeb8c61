"""The project's modules import one way: no module reaches itself again through module-level imports.

The graph is built from the source with ``ast`` (no module is imported): every ``.py`` under the project's
packages, the imports at module level only (an import inside a function runs on call, one under
``if TYPE_CHECKING:`` never), each edge from a module to the project module it names — ``from a.b import c``
reaches ``a.b.c`` when that is a module, else ``a.b``. A package's ``__init__`` counts as the package."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("cases", "policies", "incentives", "insights", "training", "reviewdesk")


@pytest.fixture(scope="module", autouse=True)
def migration_rows_for_the_module():
    """No database here (the conftest's replay of the data migrations needs one)."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            modules[module_name(path)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(tree: ast.Module, *, deferred: bool = False):
    """The import statements run when the module is imported: the top level and its if/try/with blocks
    and class bodies, not functions, not ``if TYPE_CHECKING:``. With ``deferred`` the imports inside
    functions too (those run on the first call)."""
    if deferred:
        yield from (node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom))
        return
    pending = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                pending.extend(node.body)
            pending.extend(node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                pending.extend(handler.body)
        elif isinstance(node, ast.With | ast.ClassDef):
            pending.extend(node.body)


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module a dotted name lands in (itself, or the nearest enclosing module)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph(*, deferred: bool = False) -> dict[str, set[str]]:
    modules = project_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in imports_of(tree, deferred=deferred):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")
                    if not is_package:
                        anchor = anchor[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{alias.name}" if base else alias.name for alias in node.names]
                targets = [t if t in modules else base for t in targets]
            for target in targets:
                resolved = _resolve(target, modules)
                if resolved is not None and resolved != name:
                    graph[name].add(resolved)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle path per strongly connected component with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(component)
    return [_cycle_path(graph, component) for component in components]


def _cycle_path(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest way from the component's first module back to itself, e.g. ``a -> b -> a``."""
    start = min(component)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & component):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous and child != start:
                    previous[child] = node
                    following.append(child)
        frontier = following
    return sorted(component)


def test_the_walker_reads_module_level_imports_only():
    tree = ast.parse(
        "import a\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import b\n"
        "try:\n    import c\nexcept ImportError:\n    import d\n"
        "class K:\n    import e\n    def f(self):\n        import g\n"
        "def h():\n    import i\n"
    )
    names = lambda nodes: sorted(a.name for n in nodes for a in n.names)  # noqa: E731
    assert names(imports_of(tree)) == ["TYPE_CHECKING", "a", "c", "d", "e"]
    assert names(imports_of(tree, deferred=True)) == ["TYPE_CHECKING", "a", "b", "c", "d", "e", "g", "i"]


def test_the_graph_names_project_modules():
    graph = import_graph()
    assert len(graph) > 200
    # ``from policies.models.base import PolicyBase`` reaches the module; ``from policies import models``
    # the package; a relative or outside import (django) adds no edge.
    assert "policies.models.base" in graph["policies.models.messaging"]
    assert all(t.split(".")[0] in PACKAGES for targets in graph.values() for t in targets)
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}) == [["a", "b", "c", "a"]]


def test_no_import_cycles():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_import_cycles_even_through_imports_inside_functions():
    """A deferred import only hides a cycle: the models must not reach the loader and the engine (they
    read the models), the users' model not the roles (which read the access rules, which read the users),
    the period lock not the payouts (which read the periods)."""
    cycles = find_cycles(import_graph(deferred=True))
    assert not cycles, "import cycles through deferred imports:\n" + "\n".join(" -> ".join(c) for c in cycles)
