"""Backups that restore (README: Backups): the round trip an operator would make, on the real
PostgreSQL with the real pg_dump and pg_restore.

A database of the test's own is migrated and loaded with the Riverton demo as `make run` loads
it (`migrate`, then `seed_demo --if-empty`), on the production settings; deploy/backup.sh dumps
it (writing under a temporary name, then renaming, recording latest.json, keeping the newest
BACKUP_KEEP); the database is dropped, as if lost; the dump is restored with pg_restore into a
fresh one. Against the restored database: `check --deploy` passes, no migration is unapplied,
every table holds the rows it held, and gunicorn on the production settings serves the demo's
public page and, signed in as its organizer, the participant list with its count. There is no
Redis at all (its address refuses connections): nothing needed to restore lives there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils.html import escape
from psycopg import sql

from dialogue_hub.backups import last_backup

from . import processes as procs
from .conftest import DEMO_SLUG, IN_CI
from .processes import HOST, Process, http_request
from .smtp_sink import free_port

pytestmark = [pytest.mark.postgres]

SCRIPT = procs.BASE_DIR / "deploy" / "backup.sh"
DEMO_ORGANIZER = "organizer@demo.dialoguehub.org"
DEMO_PASSWORD = "riverton-demo-2026"  # noqa: S105 - the documented demo password
KEEP = 3


# --- the databases ------------------------------------------------------------------------------


def server_settings() -> dict:
    db = django_settings.DATABASES["default"]
    return {
        "host": db["HOST"] or HOST,
        "port": db["PORT"] or 5432,
        "user": db["USER"] or "postgres",
        "password": db["PASSWORD"] or None,
    }


def maintenance(statement: sql.Composable) -> None:
    """CREATE or DROP DATABASE, which run outside a transaction, from the `postgres` database."""
    with psycopg.connect(dbname="postgres", autocommit=True, **server_settings()) as conn:
        conn.execute(statement)


def database_url(name: str) -> str:
    server = server_settings()
    password = f":{quote(server['password'], safe='')}" if server["password"] else ""
    user = quote(server["user"], safe="")
    return f"postgres://{user}{password}@{server['host']}:{server['port']}/{name}"


def query(name: str, statement: str, *params):
    with psycopg.connect(dbname=name, **server_settings()) as conn:
        return conn.execute(statement, params).fetchall()


def row_counts(name: str) -> dict[str, int]:
    """Every table of the database and its number of rows."""
    with psycopg.connect(dbname=name, **server_settings()) as conn:
        tables = [
            table
            for (table,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            table: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in tables
        }


@pytest.fixture
def databases():
    """Two database names of the test's own (the lost one and the restored one), dropped after
    the test whatever happened."""
    base = django_settings.DATABASES["default"]["NAME"][:30]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    names = [f"{base}_backup_{worker}_{os.getpid()}_{which}" for which in ("lost", "restored")]
    for name in names:
        maintenance(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    yield names
    for name in names:
        maintenance(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# --- the app, as production runs it ---------------------------------------------------------------


def environment(database: str, static_root: Path) -> dict:
    """The production settings on `database`, with no Redis at all: a free port refuses
    connections (the cache and the broker fall back)."""
    env = procs.production_environment(
        free_port(),  # nothing listens there
        static_root,
        redis_url=f"redis://{HOST}:{free_port()}/0",
        db_url=database_url(database),
        DJANGO_SECRET_KEY="backup-round-trip-" + "k" * 40,  # `check --deploy` accepts it
        DJANGO_LOG_LEVEL="ERROR",  # Redis's absence is logged at WARNING on every start
    )
    # `check --deploy` passes with production's own SSL redirect.
    del env["DJANGO_SECURE_SSL_REDIRECT"]
    return env


def run(argv: list[str], env: dict, *, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter, scripts and the PostgreSQL tools
        argv,
        cwd=procs.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def manage(*args, env: dict) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], env)


def succeeded(result: subprocess.CompletedProcess) -> bool:
    return result.returncode == 0


def output(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def pg_tools() -> dict[str, str]:
    tools = {name: shutil.which(name) for name in ("pg_dump", "pg_restore")}
    if not all(tools.values()):
        message = "needs PostgreSQL's client programs pg_dump and pg_restore (postgresql-client)"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    return tools


def serve(env: dict, log_dir: Path) -> tuple[Process, int]:
    """gunicorn (one worker) on the production settings, once it answers."""
    port = free_port()
    web = Process("gunicorn", procs.gunicorn_argv(port), env, log_dir)
    deadline = time.monotonic() + 60
    try:
        while True:
            assert web.alive(), web.log_tail()
            answer = procs.health(port)
            if answer is not None:
                # Redis is absent (503 for the broker and the cache); the database is there.
                assert json.loads(answer.body)["database"] == "ok", answer.body
                return web, port
            assert time.monotonic() < deadline, f"gunicorn did not answer\n{web.log_tail()}"
            time.sleep(0.2)
    except BaseException:
        web.stop()
        raise


# --- the round trip -------------------------------------------------------------------------------


def test_a_dump_of_the_demo_restores_into_a_fresh_database_that_serves_the_site(
    databases, tmp_path, settings
):
    tools = pg_tools()
    lost, restored = databases
    env = environment(lost, tmp_path / "static")
    # The static files' manifest (production's storage needs it) is collected meanwhile.
    collecting = procs.start_collect_static(env)
    try:
        # A database loaded as `make run` loads one.
        maintenance(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(lost)))
        migrated = manage("migrate", "--noinput", env=env)
        assert succeeded(migrated), output(migrated)
        seeded = manage("seed_demo", "--if-empty", env=env)
        assert succeeded(seeded), output(seeded)
        [(initiative_id, name)] = query(
            lost, "SELECT id, name_en FROM initiatives_initiative WHERE slug = %s", DEMO_SLUG
        )
        [(participants,)] = query(
            lost,
            "SELECT count(*) FROM participants_participant WHERE initiative_id = %s",
            initiative_id,
        )
        assert participants >= 100, participants
        before = row_counts(lost)

        # The script: a dump, the marker, the newest KEEP kept (older dumps were there).
        backups = tmp_path / "backups"
        backups.mkdir()
        older = [f"dialogue-2020010{day}T030000Z.dump" for day in range(1, 5)]
        for old in older:
            (backups / old).write_bytes(b"an older dump")
        (backups / "README.txt").write_text("not a dump: left alone")
        started = datetime.now(UTC).replace(microsecond=0)
        dumped = run(
            [str(SCRIPT)],
            {
                **env,
                "BACKUP_DIR": str(backups),
                "BACKUP_KEEP": str(KEEP),
                "PATH": f"{Path(tools['pg_dump']).parent}:{os.environ.get('PATH', '')}",
            },
        )
        assert succeeded(dumped), output(dumped)
        [dump] = sorted(set(os.listdir(backups)) - {*older, "README.txt", "latest.json"})
        assert re.fullmatch(r"dialogue-\d{8}T\d{6}Z\.dump", dump), dump
        assert sorted(p.name for p in backups.glob("dialogue-*.dump")) == [*older[-2:], dump]
        assert (backups / "README.txt").exists()
        assert not list(backups.glob(".*")), "a temporary file was left behind"
        marker = json.loads((backups / "latest.json").read_text())
        assert marker["file"] == dump
        assert marker["size"] == (backups / dump).stat().st_size > 10_000
        settings.DIALOGUE_HUB_BACKUP_DIR = str(backups)
        recorded = last_backup()
        assert recorded["file"] == dump
        assert started <= recorded["time"] <= datetime.now(UTC) + timedelta(seconds=1)

        # The database is lost; a fresh one gets the dump.
        maintenance(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(lost)))
        maintenance(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(restored)))
        restoring = run(
            [
                tools["pg_restore"],
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                f"--dbname={database_url(restored)}",
                str(backups / dump),
            ],
            env,
        )
        assert succeeded(restoring), output(restoring)
        assert row_counts(restored) == before

        # The app's own checks on the restored database.
        env = {**env, "DATABASE_URL": database_url(restored)}
        checked = manage(
            "check", "--deploy", "--database", "default", "--fail-level", "WARNING", env=env
        )
        assert succeeded(checked), output(checked)
        unapplied = manage("migrate", "--check", env=env)
        assert succeeded(unapplied), output(unapplied)
        listed = manage("showmigrations", env=env)
        assert succeeded(listed), output(listed)
        assert "[X]" in listed.stdout
        assert "[ ]" not in listed.stdout, listed.stdout

        # It serves the site: the public page, and a staff page after signing in.
        assert collecting.wait(timeout=120) == 0, collecting.stdout.read().decode()
        web, port = serve(env, tmp_path)
        try:
            public = http_request(port, "GET", reverse("initiatives:public", args=[DEMO_SLUG]))
            assert public.status == 200, public.body[:500]
            assert escape(name).encode() in public.body
            signed_in = http_request(
                port,
                "POST",
                reverse("account_login"),
                {"login": DEMO_ORGANIZER, "password": DEMO_PASSWORD},
            )
            assert signed_in.status == 302, signed_in.body[:2000]
            session = {"sessionid": signed_in.cookies["sessionid"]}
            roster_url = reverse("participants:roster", args=[DEMO_SLUG])
            roster = http_request(port, "GET", roster_url, cookies=session)
            assert roster.status == 200, roster.body[:500]
            assert f"{participants} people match.".encode() in roster.body
        finally:
            web.stop()
    finally:
        if collecting.poll() is None:
            collecting.kill()
        collecting.wait(timeout=30)
        collecting.stdout.close()
