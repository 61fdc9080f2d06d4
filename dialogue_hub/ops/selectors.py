"""The operators' figures, read in SQL when asked (a scrape of /metrics, the status page): the
outbox by status and channel, its oldest due message, the failures of the last hour; the
versions running, the database's size and Redis's version.

The outbox figures take two queries over indexes: the counts from outbox_status_channel_idx
alone, the rest from the pending and failed rows through outbox_due_idx (status, send_after).
"""

from __future__ import annotations

import platform
import sqlite3
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import django
import redis
from django.conf import settings
from django.db import connection
from django.db.models import Count, Min, Q
from django.utils import timezone

from ..models import OutboxChannel, OutboxMessage, OutboxStatus

FAILED_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class OutboxFigures:
    # Every (status, channel) pair, those with no message at 0.
    counts: dict[tuple[str, str], int]
    # Pending messages whose time has come (the rest wait for their time: reminders).
    due: int
    # The send time of the oldest of those; None when none is due.
    oldest_due_at: datetime | None
    oldest_due_seconds: float
    # Messages that ended failed in the last hour (no more tries; organizers may resend them).
    failed_last_hour: int
    # Pending messages waiting to be tried again after a failed try (the mail server refused
    # them for now, or the worker stopped while sending).
    retrying: int

    def total(self, status: str) -> int:
        return sum(n for (s, _channel), n in self.counts.items() if s == status)


def outbox_figures(*, now: datetime | None = None) -> OutboxFigures:
    """The whole outbox's figures, in two queries."""
    now = now or timezone.now()
    counts = {
        (status, channel): 0 for status in OutboxStatus.values for channel in OutboxChannel.values
    }
    rows = OutboxMessage.objects.values_list("status", "channel").annotate(n=Count("pk")).order_by()
    for status, channel, n in rows:
        counts[(status, channel)] = n
    due = Q(status=OutboxStatus.PENDING, send_after__lte=now)
    found = OutboxMessage.objects.filter(
        status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED]
    ).aggregate(
        due=Count("pk", filter=due),
        oldest=Min("send_after", filter=due),
        failed=Count(
            "pk", filter=Q(status=OutboxStatus.FAILED, updated_at__gte=now - FAILED_WINDOW)
        ),
        retrying=Count("pk", filter=Q(status=OutboxStatus.PENDING, attempts__gt=0)),
    )
    oldest = found["oldest"]
    return OutboxFigures(
        counts=counts,
        due=found["due"],
        oldest_due_at=oldest,
        oldest_due_seconds=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
        failed_last_hour=found["failed"],
        retrying=found["retrying"],
    )


@lru_cache(maxsize=1)
def app_version() -> str:
    """The project's version (pyproject.toml, which the image carries)."""
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as file:
            return tomllib.load(file)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return ""


@dataclass(frozen=True)
class Versions:
    app: str
    django: str
    python: str
    database: str  # "PostgreSQL 15.4" or "SQLite 3.40.1"
    redis: str | None  # None: Redis is not used, or did not answer (see redis_reachable)
    redis_reachable: bool | None  # None: no Redis configured


def _database_version() -> str:
    if connection.vendor == "postgresql":
        number = connection.pg_version  # e.g. 150004 (from the connection, no query)
        return f"PostgreSQL {number // 10000}.{number % 10000}"
    if connection.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    return connection.display_name


def redis_version() -> tuple[bool | None, str | None]:
    """(reachable, version) of the Redis in REDIS_URL; (None, None) without one. A stopped or
    hung Redis costs at most half a second, and is an answer, not an error."""
    url = settings.REDIS_URL
    if not url:
        return None, None
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return True, str(client.info("server").get("redis_version", ""))
    except (redis.RedisError, OSError):
        return False, None
    finally:
        client.close()


def versions() -> Versions:
    reachable, redis_server = redis_version()
    return Versions(
        app=app_version(),
        django=django.get_version(),
        python=platform.python_version(),
        database=_database_version(),
        redis=redis_server,
        redis_reachable=reachable,
    )


def database_size() -> int | None:
    """The database's size in bytes: pg_database_size on PostgreSQL (one query), the file's
    (and its write-ahead log's) on SQLite; None when unknown (an in-memory database)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        path = Path(name)
        if name.startswith("file:") or ":memory:" in name or not path.is_file():
            return None
        wal = path.with_name(path.name + "-wal")
        return path.stat().st_size + (wal.stat().st_size if wal.is_file() else 0)
    return None
