"""The core imports no app: apps depend one way only (actions → guides → participants →
initiatives → dialogue_hub, DESIGN.md); the root urls.py names the apps' URL modules in include()
strings and imports none of them.

Every module under dialogue_hub/ is parsed (not imported), so an import inside a function
counts as much as one at the top.
"""

import ast
from pathlib import Path

from django.apps import apps

CORE = Path(__file__).resolve().parents[2] / "dialogue_hub"
ALLOWED = set()  # the root URL conf includes the apps' URL modules by name, imports none


def project_apps() -> set[str]:
    """The top-level packages of the project's own apps (every installed app beside the core)."""
    root = CORE.parent
    return {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).parent == root and config.name.split(".")[0] != "dialogue_hub"
    }


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and getattr(node.func, "id", getattr(node.func, "attr", None))
            in ("import_module", "import_string", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def test_the_project_apps_are_found():
    assert {"initiatives", "participants", "guides", "actions", "evaluation"} <= project_apps()


def test_no_module_of_the_core_imports_an_app():
    higher = project_apps()
    offences = [
        f"{path.relative_to(CORE.parent)}:{line} imports {module}"
        for path in sorted(CORE.rglob("*.py"))
        if path not in ALLOWED
        for line, module in imported_modules(path)
        if module.split(".")[0] in higher
    ]
    assert offences == []


# The apps from the lowest to the highest (DESIGN.md): each may import only those before it.
ORDER = ["dialogue_hub", "initiatives", "participants", "guides", "actions", "evaluation", "api"]


def test_every_project_app_has_a_place_in_the_order():
    assert project_apps() | {"dialogue_hub"} == set(ORDER)


def test_apps_depend_one_way_only():
    """No app imports one above it: the API reads every app, no app knows the API. The core's
    root urls.py is the one module that names the apps (in include() strings and the error
    handlers' dotted paths, which are not imports)."""
    offences = []
    for rank, app in enumerate(ORDER):
        higher = set(ORDER[rank + 1 :])
        for path in sorted((CORE.parent / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            offences += [
                f"{path.relative_to(CORE.parent)}:{line} imports {module}"
                for line, module in imported_modules(path)
                if module.split(".")[0] in higher
            ]
    assert offences == []
