"""The package's import structure, read from the source with ast (nothing is imported, so no import-time effects).

Layers: web -> reporting -> services -> db -> analysis -> instruments; a module may import its own layer and the
layers below it, never above. Inside a layer, and inside reporting in particular, modules import no one in a circle,
so any module can be read (and imported) on its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "surveyapp"
LAYERS = ("instruments", "analysis", "db", "services", "reporting", "web")
#: imports against the layers that predate this test; remove an entry when its import is gone
KNOWN_UPWARD = frozenset(
    {
        "surveyapp.services.delphi_definition imports surveyapp.reporting.job_definition",
        "surveyapp.services.delphi_definition imports surveyapp.reporting.job_definition.labels",
    }
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every surveyapp module ``path`` imports, at any depth of the file (lazy imports inside functions count)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("surveyapp"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            elif node.module and node.module.startswith("surveyapp"):
                target = node.module
            else:
                continue
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)  # `from . import formats`
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]], inside: str) -> list[str] | None:
    """One import cycle among the modules under ``inside``, or None."""
    nodes = {n for n in graph if n == inside or n.startswith(inside + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node] & nodes):
            if nxt == inside and node.startswith(inside + "."):
                continue  # a package's modules reading its __init__ is Python's own order, not a cycle we wrote
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(nodes):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_reader_finds_a_cycle() -> None:
    graph = {"p": set(), "p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": {"p.a"}, "p.d": {"p.a"}}
    assert _cycle(graph, "p") == ["p.a", "p.b", "p.c", "p.a"]
    assert _cycle({"p": set(), "p.a": {"p.b"}, "p.b": set()}, "p") is None


def test_the_reader_resolves_relative_imports() -> None:
    imports = _imports(PACKAGE / "reporting" / "exports.py")
    assert "surveyapp.reporting.export_format" in imports
    assert "surveyapp.reporting.spss" in imports


@pytest.mark.parametrize("package", ["surveyapp.reporting", "surveyapp.instruments", "surveyapp.analysis"])
def test_no_import_cycle(package: str) -> None:
    assert _cycle(_graph(), package) is None


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_no_module_imports_a_layer_above_its_own() -> None:
    wrong = []
    for module, imported in _graph().items():
        own = _layer(module)
        if own is None:
            continue
        for target in imported:
            theirs = _layer(target)
            if theirs is not None and LAYERS.index(theirs) > LAYERS.index(own):
                wrong.append(f"{module} imports {target}")
    assert sorted(set(wrong) - KNOWN_UPWARD) == []


def test_services_export_does_not_read_the_reporting_layer() -> None:
    """The wide file's columns are a pure description (instruments.wide_columns) both layers read."""
    assert not {m for m in _imports(PACKAGE / "services" / "export.py") if m.startswith("surveyapp.reporting")}
