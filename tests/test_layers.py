"""The package's layers, read from its imports (every import, those inside functions too):

    CLI (cli/, launch.py) → build spine (build.py; fast/ behind it) → features (check, diff,
    impact, sign-off, handbook) → pipeline.py → core

No import cycle; only the CLI imports the build spine, only the spine and the launcher open the
fast/ door; and no module grows past MAX_LINES."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import PROJECT

PACKAGE = PROJECT / "scripts" / "clausier"
MAX_LINES = 400
# Modules allowed over MAX_LINES, each until it is split (the list only shrinks; redline.py, the
# last one, was split into the redline package by the change that wrote this test's first version).
OVER_MAX_LINES: set[str] = set()
# A registry package whose rule modules import the `Rule` class its __init__ defines before
# importing them: a cycle by construction, kept inside the package.
REGISTRY_CYCLES = [{"clausier.lint.rules", *(f"clausier.lint.rules.{p.stem}" for p in
                                             (PACKAGE / "lint" / "rules").glob("*.py") if p.stem != "__init__")}]
MAY_IMPORT_BUILD = {"clausier.cli.build"}
# The preview renders like a build, with the build's renderers (CLAUSIER_SIMPLE=1 turns them off there too).
MAY_OPEN_FAST = {"clausier.build", "clausier.launch", "clausier.cli", "clausier.cli.build", "clausier.preview.session"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The package's modules that `name` imports, anywhere in it (`from . import x` names module x)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                found.add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
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
                        found.append(component)
    return found


def test_the_import_graph_is_read():
    """(What the other tests rely on.)"""
    assert "clausier.fast.parallel" in GRAPH["clausier.build"]
    assert "clausier.pipeline" in GRAPH["clausier.lint.rules.signed"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def test_no_import_cycle():
    assert [c for c in _cycles(GRAPH) if c not in REGISTRY_CYCLES] == []


def test_only_the_cli_imports_the_build_spine():
    importers = {name for name, imported in GRAPH.items() if "clausier.build" in imported}
    assert importers <= MAY_IMPORT_BUILD


def test_only_the_spine_and_the_launcher_open_the_fast_door():
    """Features (check, diff, impact, sign-off, handbook), the pipeline and the core never use the
    speed-ups: `CLAUSIER_SIMPLE=1` turns off everything there is in fast/."""
    outside = {name: sorted(m for m in imported if m.startswith("clausier.fast"))
               for name, imported in GRAPH.items() if not name.startswith("clausier.fast")}
    assert {name: fast for name, fast in outside.items() if fast and name not in MAY_OPEN_FAST} == {}


def test_the_pipeline_renders_without_the_build_or_the_checks():
    """pipeline.py is called by the checks (a signed agreement rebuilt): the build's gate is passed in."""
    assert not {m for m in GRAPH["clausier.pipeline"] if m.startswith(("clausier.lint", "clausier.build",
                                                                        "clausier.fast", "clausier.cli"))}


def test_no_module_over_the_size_limit():
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in MODULES.items()}
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES and name not in OVER_MAX_LINES} == {}
    # an allowed module split since leaves the list
    assert [name for name in OVER_MAX_LINES if name in sizes and sizes[name] <= MAX_LINES] == []


def test_the_cache_key_covers_every_module_the_pipeline_runs():
    """A change to any module one agreement's rendering runs (pipeline.py and all it imports) must
    make its outputs stale: otherwise a changed default in models.py would leave old PDFs marked
    up to date."""
    from clausier import incremental

    closure, todo = set(), ["clausier.pipeline"]
    while todo:
        name = todo.pop()
        if name not in closure:
            closure.add(name)
            todo.extend(GRAPH[name])
    keyed = {*incremental.CODE, *incremental.CHECK_CODE,
             *(f"{folder}/{p.name}" for folder in incremental.CHECK_CODE_FOLDERS
               for p in (PACKAGE / folder).glob("*.py"))}
    files = {str(MODULES[name].relative_to(PACKAGE)) for name in closure}
    assert sorted(files - keyed) == []
