"""deploy/backup.sh's own promises, apart from PostgreSQL (tests/test_backup_restore.py dumps and
restores a real database with it): a failure is loud and leaves no file with a dump's name and
the previous backup's record as it was; the nightly loop of the compose `backup` service makes
one at once, then one at BACKUP_AT, and stops at once on SIGTERM.

Here `pg_dump` and `pg_restore` are small stand-ins on PATH, so that each failure can be made to
happen at the step it names."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from dialogue_hub.backups import last_backup

from .conftest import IN_CI
from .smtp_sink import free_port

SCRIPT = Path(settings.BASE_DIR) / "deploy" / "backup.sh"

# A pg_dump that writes FAKE_DUMP_BYTES to its --file, then exits with FAKE_DUMP_EXIT.
FAKE_PG_DUMP = """#!/bin/sh
for arg in "$@"; do case "$arg" in --file=*) file="${arg#--file=}" ;; esac; done
printf '%s' "${FAKE_DUMP_BYTES:-PGDMP a whole dump}" >"$file"
exit "${FAKE_DUMP_EXIT:-0}"
"""
# A pg_restore --list that reads a dump back, or not (FAKE_RESTORE_EXIT).
FAKE_PG_RESTORE = """#!/bin/sh
exit "${FAKE_RESTORE_EXIT:-0}"
"""

EARLIER = {"time": "2020-12-01T03:00:02Z", "file": "dialogue-20201201T030000Z.dump", "size": 20}


@pytest.fixture
def backups(tmp_path):
    """A backups folder holding one earlier dump and its latest.json."""
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / EARLIER["file"]).write_text("PGDMP an earlier one")
    (folder / "latest.json").write_text(json.dumps(EARLIER))
    return folder


@pytest.fixture
def env(tmp_path, backups):
    tools = tmp_path / "bin"
    tools.mkdir()
    for name, text in (("pg_dump", FAKE_PG_DUMP), ("pg_restore", FAKE_PG_RESTORE)):
        (tools / name).write_text(text)
        (tools / name).chmod(0o755)
    return {
        "PATH": f"{tools}:{os.environ['PATH']}",
        "BACKUP_DIR": str(backups),
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nothing",
    }


def backup(env, *args, **more) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own script
        [str(SCRIPT), *args],
        env={**env, **more},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def dumps(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name != "latest.json")


def test_a_backup_is_renamed_when_whole_and_recorded(env, backups):
    done = backup(env)
    assert done.returncode == 0, done.stderr
    [earlier, new] = dumps(backups)
    assert earlier == EARLIER["file"]
    assert (backups / new).read_text() == "PGDMP a whole dump"
    assert (backups / new).stat().st_mode & 0o077 == 0  # personal data: the owner's only
    marker = json.loads((backups / "latest.json").read_text())
    assert marker["file"] == new
    assert marker["size"] == len("PGDMP a whole dump")
    assert (backups / "latest.json").stat().st_mode & 0o044 == 0o044  # the web app reads it
    assert f"wrote {backups / new}" in done.stdout


@pytest.mark.parametrize(
    ("failure", "says"),
    [
        ({"FAKE_DUMP_EXIT": "1", "FAKE_DUMP_BYTES": "PGDMP half a du"}, "pg_dump failed"),
        ({"FAKE_RESTORE_EXIT": "1"}, "does not read back"),
        ({"BACKUP_KEEP": "many"}, "BACKUP_KEEP must be a whole number"),
        ({"BACKUP_KEEP": "0"}, "BACKUP_KEEP must be at least 1"),
    ],
)
def test_a_failure_is_loud_and_leaves_the_backups_as_they_were(env, backups, failure, says):
    failed = backup(env, **failure)
    assert failed.returncode != 0
    assert says in failed.stderr
    assert dumps(backups) == [EARLIER["file"]]  # no half-written file, under any name
    assert json.loads((backups / "latest.json").read_text()) == EARLIER


def test_the_real_pg_dump_failing_to_connect_fails_the_backup(backups):
    """The same with PostgreSQL's own pg_dump, pointed at a port nobody listens on."""
    if not shutil.which("pg_dump"):
        message = "needs PostgreSQL's pg_dump (postgresql-client)"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    failed = backup(
        {"PATH": os.environ["PATH"], "BACKUP_DIR": str(backups)},
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/dialogue",
    )
    assert failed.returncode != 0
    assert "pg_dump failed; no dump was written" in failed.stderr
    assert dumps(backups) == [EARLIER["file"]]


def test_only_the_newest_are_kept(env, backups):
    for day in range(2, 6):
        (backups / f"dialogue-2020120{day}T030000Z.dump").write_text("PGDMP")
    (backups / "notes.txt").write_text("not a dump")
    done = backup(env, BACKUP_KEEP="2")
    assert done.returncode == 0, done.stderr
    new = json.loads((backups / "latest.json").read_text())["file"]
    assert dumps(backups) == ["dialogue-20201205T030000Z.dump", new, "notes.txt"]


def test_the_nightly_loop_backs_up_at_once_then_at_its_time_and_stops_on_sigterm(env, backups):
    (backups / "latest.json").unlink()  # a first start: one at once
    soon = datetime.now(UTC) + timedelta(seconds=3)
    if soon.date() != datetime.now(UTC).date():  # just before midnight: "today" has passed
        time.sleep(4)
        soon = datetime.now(UTC) + timedelta(seconds=3)
    loop = subprocess.Popen(  # noqa: S603 - our own script
        [str(SCRIPT), "--nightly"],
        env={**env, "BACKUP_AT": soon.strftime("%H:%M:%S"), "BACKUP_KEEP": "5"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        # The earlier one, one at once, one at BACKUP_AT, recorded.
        while len(dumps(backups)) < 3 or recorded(backups) != dumps(backups)[-1]:
            assert loop.poll() is None, loop.stdout.read()
            assert time.monotonic() < deadline, dumps(backups)
            time.sleep(0.1)
        first = dumps(backups)[1]
        assert first[len("dialogue-") : -len("Z.dump")] < soon.strftime("%Y%m%dT%H%M%S")
        started = time.monotonic()
        loop.send_signal(signal.SIGTERM)  # `docker compose stop` while it sleeps till tomorrow
        assert loop.wait(timeout=5) == 0
        assert time.monotonic() - started < 3
        assert "next at" in loop.stdout.read()
    finally:
        if loop.poll() is None:
            loop.kill()
            loop.wait()
        loop.stdout.close()


def recorded(folder: Path) -> str | None:
    """The dump last_backup() names, with DIALOGUE_HUB_BACKUP_DIR at `folder`."""
    from django.test import override_settings

    with override_settings(DIALOGUE_HUB_BACKUP_DIR=str(folder)):
        backup = last_backup()
    return backup and backup["file"]


def test_compose_runs_the_script_nightly_into_a_volume_the_web_app_reads():
    """The optional `backup` service (`docker compose --profile backup up -d`): the `db` image
    (pg_dump of the server's version), this script on its PATH, the dumps in the `backups`
    volume, which `web` mounts read-only where DIALOGUE_HUB_BACKUP_DIR says."""
    import yaml

    compose = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
    services = compose["services"]
    backup_service, web = services["backup"], services["web"]
    assert backup_service["profiles"] == ["backup"]  # only when asked for
    assert backup_service["image"] == services["db"]["image"]
    assert backup_service["command"] == ["dialogue-backup", "--nightly"]
    assert "./deploy/backup.sh:/usr/local/bin/dialogue-backup:ro" in backup_service["volumes"]
    assert os.access(SCRIPT, os.X_OK)
    environment = backup_service["environment"]
    assert f"backups:{environment['BACKUP_DIR']}" in backup_service["volumes"]
    assert environment["BACKUP_KEEP"] == "${BACKUP_KEEP:-14}"
    assert environment["BACKUP_AT"] == "${BACKUP_AT:-03:00}"
    assert (environment["PGHOST"], environment["PGDATABASE"]) == ("db", "dialogue")
    assert "backups" in compose["volumes"]
    backup_dir = compose["x-app"]["environment"]["DIALOGUE_HUB_BACKUP_DIR"]
    assert f"backups:{backup_dir}:ro" in web["volumes"]
