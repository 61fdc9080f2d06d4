"""Heartbeats: when something that runs on its own last showed it is alive, one row per name
(dialogue_hub.models.Heartbeat), its time overwritten in one statement (an upsert).

- "beat": Celery beat handed the outbox sweep (dialogue_hub.tasks.outbox_relay, every minute)
  to the broker. Written by the beat process (celery_signals.py): beat is running.
- "sweep": a worker ran that sweep to its end (dialogue_hub/tasks.py). Beat and a worker are
  both running, and the messages the broker missed are being handed over.
- "worker": a Celery worker's main process is running and connected to the broker; written
  when it is ready and every WORKER_SECONDS from its event loop (celery_signals.py), whether or
  not it has tasks to run.

The last backup is not a heartbeat: deploy/backup.sh writes its time next to the dumps, and
dialogue_hub/backups.py `last_backup()` reads it (README: Backups).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

# How often a worker's main process writes its heartbeat.
WORKER_SECONDS = 30


def heartbeat_record(name: str, *, at: datetime | None = None) -> None:
    """Set heartbeat `name` (a HeartbeatName) to `at` (now), in one INSERT … ON CONFLICT."""
    from ..models import Heartbeat  # noqa: PLC0415 — imported by celery.py before Django is set up

    Heartbeat.objects.bulk_create(
        [Heartbeat(name=name, at=at or timezone.now())],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["at"],
    )


def heartbeats() -> dict[str, datetime]:
    """{name: time} of every heartbeat recorded so far (one query)."""
    from ..models import Heartbeat  # noqa: PLC0415

    return dict(Heartbeat.objects.values_list("name", "at"))
