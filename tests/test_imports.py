"""How backcalc's modules import one another: no cycles, and lean where it matters.

The graph is read from the source (every ``import`` and ``from … import`` of a
backcalc module, at module level, inside functions and under ``TYPE_CHECKING``
alike), so an import that would only run later still counts.  The document model
and the renderers must not reach NumPy or the engine: drawing a document needs
neither.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import backcalc

PACKAGE = Path(backcalc.__file__).parent
MODULES = sorted(path.stem for path in PACKAGE.glob("*.py"))

DOCUMENT_SIDE = ["document", "layout", "render_rich", "render_markdown", "render_latex",
                 "render_html", "rich_adapter", "curve"]
"""The document model and what draws it."""

HEAVY = {"numpy", "engine"}


def imports_of(module: str) -> set[str]:
    """The backcalc modules (by name) and the outside packages (as "!name") ``module``
    imports anywhere in its source."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:              # from .x import y, from . import x
                names = [node.module] if node.module else [a.name for a in node.names]
                found.update(name.split(".")[0] for name in names)
            elif node.level == 0 and node.module:
                parts = node.module.split(".")
                if parts[0] == "backcalc":
                    found.update([parts[1]] if len(parts) > 1 else
                                 [a.name for a in node.names if a.name in MODULES])
                else:
                    found.add("!" + parts[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                found.add(parts[1] if parts[0] == "backcalc" and len(parts) > 1
                          else "!" + parts[0])
    return found


GRAPH = {module: {name for name in imports_of(module) if name in MODULES}
         for module in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each cycle found by a depth-first search, as the modules along it."""
    found, state, path = [], {}, []

    def visit(module: str) -> None:
        state[module] = "open"
        path.append(module)
        for other in sorted(graph[module]):
            if state.get(other) == "open":
                found.append(path[path.index(other):] + [other])
            elif other not in state:
                visit(other)
        path.pop()
        state[module] = "done"
    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def reachable(module: str) -> set[str]:
    """Every backcalc module and outside package ``module`` leads to."""
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        for name in imports_of(current):
            if name not in seen:
                seen.add(name)
                if name in MODULES:
                    todo.append(name)
    return seen


def test_the_graph_is_read_from_every_module():
    assert {"document", "report", "render_latex", "formats", "layout"} <= set(MODULES)
    assert "report" in GRAPH["drawing"] and "document" in GRAPH["render_latex"]
    # function-local imports count: formats imports each renderer inside a function
    assert {"render_rich", "render_latex", "jsonout"} <= GRAPH["formats"]


def test_no_module_imports_itself_through_others():
    assert cycles(GRAPH) == []


def test_cycles_are_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"a"}}) == [["a", "a"]]


def test_the_document_and_the_renderers_never_reach_numpy_or_the_engine():
    for module in DOCUMENT_SIDE:
        reached = {name.lstrip("!") for name in reachable(module)}
        assert not reached & HEAVY, (module, sorted(reached & HEAVY))
        assert "report" not in reached, module


def test_importing_them_loads_neither_numpy_nor_the_engine():
    names = ", ".join(f"backcalc.{module}" for module in DOCUMENT_SIDE)
    code = (f"import sys, {names}\n"
            "print(sorted(m for m in ('numpy', 'backcalc.engine', 'backcalc.report') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_help_imports_no_numpy():
    code = ("import sys\nfrom backcalc.cli import cli\n"
            "try:\n    cli(['--help'], prog_name='backcalc')\nexcept SystemExit:\n    pass\n"
            "print('numpy' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stderr.strip() == "False"


def test_rich_private_api_is_used_in_the_adapter_only():
    for module in MODULES:
        if module == "rich_adapter":
            continue
        tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rich"):
                private = [part for part in node.module.split(".") if part.startswith("_")]
                private += [a.name for a in node.names if a.name.startswith("_")]
                assert not private, (module, node.module, private)
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and \
                    not node.attr.startswith("__") and isinstance(node.value, ast.Name) and \
                    node.value.id in _rich_names(tree):
                raise AssertionError(f"{module} uses {node.value.id}.{node.attr}")


def _rich_names(tree: ast.AST) -> set[str]:
    """The names a module binds to things imported from rich."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rich"):
            names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.asname or a.name for a in node.names if a.name.startswith("rich"))
    return names


def test_every_subpackage_is_installed():
    """A non-editable install copies only the packages pyproject.toml lists: a new
    subpackage left out installs a backcalc that cannot start (backcalc.app once was)."""
    root = Path(__file__).parent.parent
    listed = re.search(r"^packages = \[(.*)\]$", (root / "pyproject.toml").read_text(), re.M)
    assert listed, "pyproject.toml lists backcalc's packages"
    packages = set(re.findall(r'"([^"]+)"', listed.group(1)))
    found = {".".join(init.parent.relative_to(root).parts)
             for init in (root / "backcalc").rglob("__init__.py")}
    assert packages == found
