"""What a Python file imports, read with ``ast``: the independence and layering checks share it."""

from __future__ import annotations

import ast
from pathlib import Path

_IMPORTERS = ("importlib.import_module", "import_module", "__import__")


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (a function's lazy import too), statically
    or through importlib with a literal; ``from m import n`` gives both ``m`` and ``m.n``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and node.args:
            argument = node.args[0]
            if ast.unparse(node.func) in _IMPORTERS and isinstance(argument, ast.Constant):
                found.add(str(argument.value))
    return found


def module_name(path: Path, root: Path) -> str:
    """``root/a/b.py`` -> ``a.b``; ``root/a/__init__.py`` -> ``a``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _edges(path: Path, modules: set[str]) -> set[str]:
    """The modules of ``modules`` that ``path`` imports: ``from p import n`` is an edge to
    the module ``p.n`` where there is one, else to ``p``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in modules else node.module)
        elif isinstance(node, ast.Call) and node.args:
            argument = node.args[0]
            if ast.unparse(node.func) in _IMPORTERS and isinstance(argument, ast.Constant):
                found.add(str(argument.value))
    return found & modules


def module_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports, at any depth (``package``'s
    parent is the import root). A module is not an edge to its parent packages: Python
    imports those first, and no module can make that circular."""
    root = package.parent
    files = {module_name(p, root): p for p in sorted(package.rglob("*.py"))}
    return {name: _edges(path, set(files)) - {name} for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)
