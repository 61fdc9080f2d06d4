"""The layout of the assignment package: one module per concern, each of a readable size, and the
algorithm's modules free of the database (they work on plain dataclasses only)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "guides" / "assignment"
PURE = ("model.py", "algorithm.py", "reporting.py")
MAX_LINES = 800


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_each_assignment_module_stays_under_800_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) < MAX_LINES


@pytest.mark.parametrize("name", PURE)
def test_the_algorithm_modules_do_not_touch_the_database(name):
    imports = imported_modules(PACKAGE / name)
    assert imports, name
    database = {
        module
        for module in imports
        if module.startswith(("django.db", "django.http", "..", "guides"))
        or module in (".loading", ".services", ".selectors")
    }
    assert not database, f"{name} imports {sorted(database)}"
