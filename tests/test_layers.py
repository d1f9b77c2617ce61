"""The layers point one way: read from the source's import statements (every one, at any depth of a function), not
from what happens to be imported at run time.

Components are the first-level packages and modules of ``aligner`` (``reading``, ``translation``, ``alignment``,
``scoring``, ``results``, ``qa``, ``store``, ``pipeline``, ``batch``, ``review``, ``cli``, …). The package root
``aligner/__init__.py`` only re-exports (the public API) and is left out: nothing may import it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "src" / "aligner"
LOWER = ("reading", "translation", "alignment", "scoring", "results", "qa", "quality", "store", "terms")
UPPER = ("review", "batch", "cli")


def _component(module: str) -> str:
    """``aligner.review.server`` → ``review``; ``aligner`` → ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    """(imported aligner module, line) for every import in ``path``; relative imports resolved."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.split(".")[0] == "aligner"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "aligner":
                continue
            if node.module is None or target in ("aligner",):  # `from . import x` / `from aligner import x`
                found += [(f"{target}.{a.name}", node.lineno) for a in node.names]
            else:
                found.append((target, node.lineno))
    return found


def import_graph() -> dict[str, dict[str, list[str]]]:
    """component → imported component → the places (``file:line``) that import it."""
    graph: dict[str, dict[str, list[str]]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        here = _component(_module_name(path))
        for target, line in _imports(path):
            there = _component(target)
            if there != here:
                graph.setdefault(here, {}).setdefault(there, []).append(f"{path.relative_to(ROOT)}:{line}")
        graph.setdefault(here, {})
    return graph


def _cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_is_read_from_every_import() -> None:
    graph = import_graph()
    # known edges, one per kind of import statement: a top-level relative import, one inside a function, and a
    # parent-relative one: a reader that missed any of them would make the tests below vacuous
    assert "results" in graph["pipeline"]  # from .results import RunResult
    assert "store" in graph["review"]  # from ..store import …
    assert "translation" in graph["batch"]  # from ..translation import make_translator (inside a function)
    assert set(LOWER) <= set(graph)


def test_no_cycle_between_packages() -> None:
    graph = import_graph()
    cycles = _cycles(graph)
    detail = [" → ".join(c) + ": " + "; ".join(f"{a}→{b} at {graph[a][b][0]}" for a in c for b in c if b in graph[a])
              for c in cycles]  # fmt: skip
    assert not cycles, detail


@pytest.mark.parametrize("lower", LOWER)
def test_nothing_below_imports_the_application(lower: str) -> None:
    imported = import_graph()[lower]
    bad = {upper: imported[upper] for upper in UPPER if upper in imported}
    assert not bad, f"{lower} imports {bad}"


def test_nothing_imports_the_package_root() -> None:
    graph = import_graph()
    importers = {
        here: places for here, edges in graph.items() for there, places in edges.items() if there == "__init__"
    }
    assert not importers, importers


def test_a_cycle_is_found() -> None:
    graph = {"a": {"b": ["a.py:1"]}, "b": {"c": ["b.py:1"]}, "c": {"a": ["c.py:1"]}, "d": {"a": ["d.py:1"]}}
    assert _cycles(graph) == [["a", "b", "c"]]
