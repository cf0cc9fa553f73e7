"""The house rules of the package: no import cycles, small rooms, a docstring on every door.

import-linter (in ``make test``) keeps the layers and who may speak SQL; these
are the rules it does not check.
"""

from __future__ import annotations

import ast
import statistics
from pathlib import Path

import grimp

PACKAGE = Path(__file__).resolve().parents[1] / "gui"  # imported as photofinish
MAX_LINES = 600
MEDIAN_LINES = 200
MODULES = sorted(PACKAGE.rglob("*.py"))


def _cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph.find_modules_directly_imported_by(module):
            if not other.startswith(package):
                continue
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                group.append(other)
                if other == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module.startswith(package) and module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_back():
    """Every import counts, those inside functions and under TYPE_CHECKING too."""
    graph = grimp.build_graph("photofinish")
    assert _cycles(graph, "photofinish") == []


def test_the_cycle_check_finds_a_cycle(tmp_path, monkeypatch):
    pkg = tmp_path / "loop_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from . import b\n")
    (pkg / "b.py").write_text("from . import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("loop_pkg", cache_dir=None)
    assert _cycles(graph, "loop_pkg") == [["loop_pkg.a", "loop_pkg.b"]]


def test_modules_are_small_rooms():
    sizes = {p.relative_to(PACKAGE).as_posix(): len(p.read_text().splitlines()) for p in MODULES}
    big = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert big == {}, f"split these by what they hold: {big}"
    assert statistics.median(sizes.values()) < MEDIAN_LINES


def test_every_module_opens_with_a_line_that_says_what_it_is_for():
    missing = []
    for path in MODULES:
        doc = ast.get_docstring(ast.parse(path.read_text()), clean=False) or ""
        first = doc.splitlines()[0] if doc else ""
        if not first.strip() or len(first) > 97:  # one line of 100 with its quotes
            missing.append(path.relative_to(PACKAGE).as_posix())
    assert missing == []


def test_the_package_imports_itself_by_relative_names_only():
    """Inside the package, ``photofinish`` and ``gui`` are never imported by name.

    The folder is gui/ but the package is photofinish: an absolute import of
    either would load a second copy of a module under the other name.
    """
    found = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.split(".")[0] in ("photofinish", "gui"):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {name}")
    assert found == []
