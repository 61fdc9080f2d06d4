"""The two-step rule for migrations (README: Upgrading), checked over every migration of our apps
by tests/test_two_step_migrations.py.

During an upgrade the old release keeps running while `migrate` runs (web replicas and workers
are restarted after it), and an upgrade that goes wrong is undone by starting the old release
again. Both need every column and table the old release reads. So a migration never drops or
renames a column or table in the same release as the code that stops using it:

- release N stops using it: the field leaves the model, and its migration removes it from
  Django's state only, `SeparateDatabaseAndState(state_operations=[RemoveField(…)])`, after an
  `AlterField` to `null=True` (or a `db_default`) so that the new code's inserts, which leave it
  out, still work. The column stays in the database.
- release N+1 drops it: `RunSQL("ALTER TABLE … DROP COLUMN …")`, and that migration is listed
  in TWO_STEP_RELEASES below with the release that stopped using it.

A rename is an add, a copy and a drop done the same way, or no database change at all: rename
the field and keep its column with `db_column="old_name"`.

What counts as dropping or renaming: RemoveField, DeleteModel, RenameModel, AlterModelTable, a
RenameField or AlterField that changes the column's name, and SQL that drops or renames a table
or a column (RunSQL, and the forward function of a RunPython as written), including the
database side of SeparateDatabaseAndState. Unmanaged and proxy models have no table of ours.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import migrations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState

# (app label, migration name) -> the release that stopped using what it drops or renames.
# None so far: every migration up to now only adds, or changes a column in place.
TWO_STEP_RELEASES: dict[tuple[str, str], str] = {}

# SQL that drops or renames a table or a column. In PostgreSQL `ALTER TABLE t DROP c` and
# `ALTER TABLE t RENAME c TO d` need no COLUMN keyword; dropping a constraint, a default, an
# index or NOT NULL leaves the old code's reads working.
DROP_TABLE = re.compile(r"\bDROP\s+TABLE\b", re.IGNORECASE)
ALTER_TABLE = re.compile(r"\bALTER\s+TABLE\b(?P<rest>.*)", re.IGNORECASE | re.DOTALL)
HARMLESS_DROP = r"CONSTRAINT|DEFAULT|NOT\s+NULL|EXPRESSION|IDENTITY"
DROP_OR_RENAME = re.compile(
    rf"\b(DROP\b(?!\s+(?:{HARMLESS_DROP})\b)|RENAME\b(?!\s+CONSTRAINT\b))", re.IGNORECASE
)


@dataclass(frozen=True)
class Problem:
    app_label: str
    migration: str
    what: str

    def __str__(self) -> str:
        return f"{self.app_label}.{self.migration}: {self.what}"


def project_app_labels() -> list[str]:
    """Our apps: those in this repository, not in an installed package."""
    root = Path(settings.BASE_DIR).resolve()
    return [
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(root)
        and "site-packages" not in Path(config.path).parts
    ]


def sql_drops_or_renames(text: str) -> list[str]:
    """The statements of `text` that drop or rename a table or a column."""
    found = []
    for statement in text.split(";"):
        statement = " ".join(statement.split())
        dropped, altered = DROP_TABLE.search(statement), ALTER_TABLE.search(statement)
        if altered and not DROP_OR_RENAME.search(altered["rest"]):
            altered = None
        starts = [match.start() for match in (dropped, altered) if match]
        if starts:
            found.append(statement[min(starts) :][:200])  # from its keyword, not a def's line
    return found


def _sql_texts(sql) -> Iterable[str]:
    """RunSQL's sql: a string, or a list of strings and (sql, params) pairs."""
    if isinstance(sql, str):
        yield sql
        return
    for item in sql:
        yield item[0] if isinstance(item, list | tuple) else item


def _column(name: str, field) -> str | None:
    """The column a field of a model state has (None for a many-to-many: a table)."""
    if field.many_to_many:
        return None
    if field.db_column:
        return field.db_column
    return f"{name}_id" if field.many_to_one or field.one_to_one else name


def _has_table(state: ProjectState, app_label: str, model_name: str) -> bool:
    model = state.models[app_label, model_name.lower()]
    return model.options.get("managed", True) and not model.options.get("proxy", False)


def operation_problems(operation, app_label: str, state: ProjectState) -> list[str]:
    """What `operation`, run on a database in `state`, drops or renames (nothing: [])."""
    if isinstance(operation, migrations.SeparateDatabaseAndState):
        # Only the database side touches the database; it runs on a copy of the state.
        found, database_state = [], state.clone()
        for inner in operation.database_operations:
            found += operation_problems(inner, app_label, database_state)
            inner.state_forwards(app_label, database_state)
        return found
    if isinstance(operation, migrations.RunSQL):
        return [
            f"SQL: {s}" for text in _sql_texts(operation.sql) for s in sql_drops_or_renames(text)
        ]
    if isinstance(operation, migrations.RunPython):
        try:
            source = inspect.getsource(operation.code)
        except (OSError, TypeError):
            return []
        return [f"{operation.code.__name__} runs SQL: {s}" for s in sql_drops_or_renames(source)]
    if isinstance(operation, migrations.DeleteModel | migrations.RenameModel):
        name = getattr(operation, "old_name", None) or operation.name
        if not _has_table(state, app_label, name):
            return []
        verb = "drops" if isinstance(operation, migrations.DeleteModel) else "renames"
        return [f"{operation.describe()}: {verb} its table"]
    if isinstance(operation, migrations.AlterModelTable):
        old = state.models[app_label, operation.name_lower].options.get("db_table")
        if old == operation.table or not _has_table(state, app_label, operation.name):
            return []
        return [f"{operation.describe()}: renames its table"]
    if isinstance(operation, migrations.RemoveField):
        return [f"{operation.describe()}: drops its column"]
    if isinstance(operation, migrations.RenameField):
        field = state.models[app_label, operation.model_name_lower].fields[operation.old_name]
        old, new = _column(operation.old_name, field), _column(operation.new_name, field)
        if old is not None and old == new:
            return []
        return [f"{operation.describe()}: renames its {'column' if old else 'table'}"]
    if isinstance(operation, migrations.AlterField):
        before = state.models[app_label, operation.model_name_lower].fields[operation.name]
        old, new = _column(operation.name, before), _column(operation.name, operation.field)
        if old == new:
            return []
        return [f"{operation.describe()}: renames its column {old} to {new}"]
    return []


def migration_problems(migration, state: ProjectState) -> list[Problem]:
    """What `migration` drops or renames, run on a database in `state` (left unchanged)."""
    found, state = [], state.clone()
    for operation in migration.operations:
        for what in operation_problems(operation, migration.app_label, state):
            found.append(Problem(migration.app_label, migration.name, what))
        operation.state_forwards(migration.app_label, state)
    return found


def project_problems() -> list[Problem]:
    """Every drop or rename in the migrations of our apps, whether listed or not."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = set(project_app_labels())
    found = []
    for key in sorted(loader.disk_migrations):
        if key[0] in ours:
            before = loader.project_state(key, at_end=False)
            found += migration_problems(loader.graph.nodes[key], before)
    return found


def unlisted(problems: Iterable[Problem], allowed=None) -> list[Problem]:
    allowed = TWO_STEP_RELEASES if allowed is None else allowed
    return [p for p in problems if (p.app_label, p.migration) not in allowed]
