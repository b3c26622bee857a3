"""The layout's rules, checked on every run (docs/architecture.md explains them).

The layer contracts themselves (who may import whom) are import-linter's, in ``.importlinter``
and run by ``make lint``; these tests add what it does not check.
"""

from __future__ import annotations

import re

import pytest

from tests.architecture.imports import PACKAGE, cycles, import_graph, modules

MAX_LINES = 400
SQL = re.compile(
    r"\.execute(many|script)?\(|\b(SELECT\s+[\w*(]|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b"
)
REPO = PACKAGE.parent


def _source(path):
    return path.read_text(encoding="utf-8")


def test_no_import_circles_among_modules():
    assert cycles(import_graph()) == []


def test_the_circle_check_finds_a_circle(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.b import x\n")
    (pkg / "b.py").write_text("def f():\n    from pkg import a\n")
    (pkg / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n"
    )
    graph = import_graph(pkg)
    assert cycles(graph) == [["pkg.a", "pkg.b"]]
    assert graph["pkg.c"] == set()


@pytest.mark.parametrize("name", sorted(modules()))
def test_module_stays_under_the_size_limit(name):
    lines = len(_source(modules()[name]).splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines: split out the second idea it holds"


def test_sql_lives_only_in_the_store_package():
    outside = [
        f"{name}: {m.group(0)!r}"
        for name, path in modules().items()
        if not name.startswith("coachkit.store")
        for m in [SQL.search(_source(path))]
        if m
    ]
    assert outside == []


def test_no_line_packing_markers():
    packed = [name for name, path in modules().items() if "fmt: skip" in _source(path)]
    assert packed == []


def test_every_design_reference_points_into_the_repo():
    """Code, help texts and docs cite only documents the repo holds: no bare reference to the
    original design contract (kept outside the repo), and every ``docs/<name>.md`` exists."""
    paths = [*PACKAGE.rglob("*.py"), REPO / "README.md", REPO / "data" / "README.md"]
    paths += [*REPO.glob("docs/*.md"), *REPO.glob("notebooks/*.ipynb")]
    bare = re.compile("DESIGN" + r"(\.md)?\s*§")
    cited = re.compile(r"docs/([\w-]+\.md)")
    stale = [str(p.relative_to(REPO)) for p in paths if bare.search(_source(p))]
    missing = {
        f"{p.relative_to(REPO)} -> docs/{name}"
        for p in paths
        for name in cited.findall(_source(p))
        if not (REPO / "docs" / name).exists()
    }
    assert stale == []
    assert missing == set()


def test_every_import_of_a_coachkit_name_resolves():
    """Imports inside functions run late: a name moved to another module must not wait for the
    one code path that imports it to fail. Checks the package, the tests and the notebooks."""
    import ast
    import importlib
    import json

    def statements(source):
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("coachkit"):
                yield node

    sources = [(p, _source(p)) for p in [*PACKAGE.rglob("*.py"), *(REPO / "tests").rglob("*.py")]]
    for nb in (REPO / "notebooks").glob("*.ipynb"):
        cells = json.loads(_source(nb))["cells"]
        sources += [(nb, "".join(c["source"])) for c in cells if c["cell_type"] == "code"]
    missing = []
    for path, source in sources:
        for node in statements(source):
            module = importlib.import_module(node.module)
            for alias in node.names:
                if not hasattr(module, alias.name):
                    try:
                        importlib.import_module(f"{node.module}.{alias.name}")
                    except ImportError:
                        missing.append(f"{path.relative_to(REPO)}:{node.lineno} {alias.name}")
    assert missing == []
