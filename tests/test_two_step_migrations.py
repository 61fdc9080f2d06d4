"""No migration drops or renames a column or table in the release that stops using it
(tests/two_step_migrations.py says the rule; README: Upgrading)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader

from . import two_step_migrations as check

APP = "participants"


@pytest.fixture(scope="module")
def state():
    """The project's state after its last migration."""
    return MigrationLoader(None, ignore_no_migrations=True).project_state()


def problems(state, *operations, app=APP):
    migration = migrations.Migration("0999_new", app)
    migration.operations = list(operations)
    return check.migration_problems(migration, state)


def test_no_migration_drops_or_renames_what_the_release_before_reads():
    found = check.project_problems()
    assert check.unlisted(found) == [], (
        "A migration drops or renames a column or table: the release before this one still "
        "reads it. Stop using it in this release (the migration changes Django's state only: "
        "SeparateDatabaseAndState) and drop it in the next, listed in TWO_STEP_RELEASES in "
        "tests/two_step_migrations.py with the release that stopped using it (README: "
        f"Upgrading): {[str(p) for p in check.unlisted(found)]}"
    )


def test_each_listed_migration_exists_drops_something_and_says_when_it_stopped_being_used():
    on_disk = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    flagged = {(p.app_label, p.migration) for p in check.project_problems()}
    for key, reason in check.TWO_STEP_RELEASES.items():
        assert key in on_disk, f"{key}: no such migration"
        assert key in flagged, f"{key}: drops or renames nothing, needs no entry"
        assert len(reason.split()) >= 3, f"{key}: say which release stopped using it"


def test_the_walk_covers_our_apps_and_only_them():
    labels = set(check.project_app_labels())
    assert {"dialogue_hub", "initiatives", "participants", "guides", "actions"} <= labels
    assert {"evaluation", "api"} <= labels
    assert not labels & {"auth", "contenttypes", "sessions", "account", "admin"}


@pytest.mark.parametrize(
    ("operation", "says"),
    [
        (migrations.RemoveField("participant", "phone"), "drops its column"),
        (migrations.RemoveField("participant", "initiative"), "drops its column"),
        (migrations.DeleteModel("ImportUpload"), "drops its table"),
        (migrations.RenameModel("ImportUpload", "SheetUpload"), "renames its table"),
        (migrations.AlterModelTable("importupload", "sheets"), "renames its table"),
        (migrations.RenameField("participant", "phone", "mobile"), "renames its column"),
        (
            migrations.AlterField(
                "participant",
                "phone",
                models.CharField(blank=True, max_length=40, db_column="mobile"),
            ),
            "renames its column phone to mobile",
        ),
        (
            migrations.RunSQL("ALTER TABLE participants_participant DROP COLUMN phone"),
            "SQL: ALTER TABLE",
        ),
        (migrations.RunSQL("alter table participants_participant drop phone;"), "SQL:"),
        (
            migrations.RunSQL(
                ["SELECT 1", ("ALTER TABLE participants_participant RENAME phone TO mobile", [])]
            ),
            "SQL: ALTER TABLE participants_participant RENAME phone TO mobile",
        ),
        (
            migrations.RunSQL("ALTER TABLE participants_importupload RENAME TO sheets"),
            "SQL:",
        ),
        (migrations.RunSQL("DROP TABLE IF EXISTS participants_importupload"), "SQL: DROP"),
        (
            migrations.SeparateDatabaseAndState(
                database_operations=[migrations.RemoveField("participant", "phone")]
            ),
            "drops its column",
        ),
    ],
)
def test_a_new_migration_that_drops_or_renames_is_caught(state, operation, says):
    [problem] = problems(state, operation)
    assert (problem.app_label, problem.migration) == (APP, "0999_new")
    assert says in problem.what


def drop_the_phone_column(apps, schema_editor):
    schema_editor.execute("ALTER TABLE participants_participant DROP COLUMN phone")


def test_sql_a_run_python_runs_is_caught(state):
    [problem] = problems(state, migrations.RunPython(drop_the_phone_column))
    assert problem.what.startswith("drop_the_phone_column runs SQL: ALTER TABLE")


@pytest.mark.parametrize(
    "operation",
    [
        migrations.AddField("participant", "nickname", models.CharField(max_length=40, null=True)),
        # Step one of a removal: the column stays; the new code's inserts leave it NULL.
        migrations.AlterField("participant", "phone", models.CharField(max_length=40, null=True)),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField("participant", "phone")]
        ),
        # A rename in Python only: the column keeps its name.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    "participant",
                    "phone",
                    models.CharField(blank=True, max_length=40, db_column="phone"),
                ),
                migrations.RenameField("participant", "phone", "mobile"),
            ]
        ),
        migrations.RunSQL("CREATE INDEX x ON participants_participant (phone)", "DROP INDEX x"),
        migrations.RunSQL(
            "ALTER TABLE participants_participant DROP CONSTRAINT x; "
            "ALTER TABLE participants_participant ALTER COLUMN phone DROP NOT NULL; "
            "ALTER TABLE participants_participant ALTER COLUMN phone DROP DEFAULT"
        ),
        migrations.RunPython(migrations.RunPython.noop),
    ],
)
def test_what_keeps_the_old_release_working_passes(state, operation):
    assert problems(state, operation) == []


def test_a_rename_that_keeps_its_column_passes(state):
    keep_column = migrations.AlterField(
        "participant", "phone", models.CharField(blank=True, max_length=40, db_column="phone")
    )
    rename = migrations.RenameField("participant", "phone", "mobile")
    assert problems(state, keep_column, rename) == []
    assert [p.what for p in problems(state, rename)] == [
        "Rename field phone on participant to mobile: renames its column"
    ]


def test_a_new_migration_file_fails_the_walk_until_it_is_listed(tmp_path, settings, monkeypatch):
    """The whole path: a migration file on disk, after the app's last one, found by the walk."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    [last] = [name for app, name in loader.graph.leaf_nodes() if app == APP]
    package = f"two_step_{uuid.uuid4().hex}"
    source = Path(loader.migrations_module(APP)[0].replace(".", "/"))
    shutil.copytree(Path(__file__).resolve().parents[1] / source, tmp_path / package)
    (tmp_path / package / "0999_drop_phone.py").write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [({APP!r}, {last!r})]\n"
        "    operations = [migrations.RemoveField('participant', 'phone')]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.MIGRATION_MODULES = {APP: package}

    found = check.unlisted(check.project_problems())
    assert [str(p) for p in found] == [
        f"{APP}.0999_drop_phone: Remove field phone from participant: drops its column"
    ]
    listed = {(APP, "0999_drop_phone"): "release 1.4 stopped reading the phone column"}
    assert check.unlisted(check.project_problems(), {**check.TWO_STEP_RELEASES, **listed}) == []
