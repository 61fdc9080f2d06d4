"""The status page's figures in plain words: the outbox, the heartbeats, the versions, the
database's size, the last backup, and for each problem found a warning saying what to do.

Thresholds: a due message waiting over 15 minutes, no outbox sweep for 5 minutes (beat runs it
every minute), no worker heartbeat for 2 minutes (a worker writes one every 30 seconds) and a
last backup over two days old; any failed message in the last hour, and Redis not answering.
The commands are docker compose's (docker-compose.yml's service names).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import backups
from ..models import OutboxChannel, OutboxStatus
from . import heartbeats, selectors

OLDEST_DUE_LIMIT = timedelta(minutes=15)
SWEEP_LIMIT = timedelta(minutes=5)
WORKER_LIMIT = timedelta(minutes=2)
BACKUP_LIMIT = timedelta(days=2)

WORKER_COMMANDS = (
    "docker compose ps worker",
    "docker compose logs --tail=100 worker",
    "docker compose up -d worker",
)
BEAT_COMMANDS = (
    "docker compose ps beat",
    "docker compose logs --tail=100 beat",
    "docker compose up -d beat",
)
REDIS_COMMANDS = (
    "docker compose ps redis",
    "docker compose logs --tail=100 redis",
    "docker compose up -d redis",
)


@dataclass(frozen=True)
class Advice:
    """A problem and what to do about it."""

    title: str
    explanation: str
    commands: tuple[str, ...] = ()


@dataclass(frozen=True)
class Seen:
    """A heartbeat: what it means, when it was last written, and whether that is too long ago."""

    label: str
    at: datetime | None
    late: bool


@dataclass(frozen=True)
class OutboxRow:
    label: str
    email: int
    text: int

    @property
    def total(self) -> int:
        return self.email + self.text


@dataclass(frozen=True)
class Status:
    now: datetime
    outbox: selectors.OutboxFigures
    rows: list[OutboxRow]
    seen: list[Seen]
    last_backup: datetime | None
    versions: selectors.Versions
    database_size: int | None
    advice: list[Advice]


def _late(at: datetime | None, now: datetime, limit: timedelta) -> bool:
    return at is None or now - at > limit


def _advice(
    figures: selectors.OutboxFigures,
    beats: dict,
    versions: selectors.Versions,
    last_backup: datetime | None,
    now: datetime,
) -> list[Advice]:
    advice = []
    if figures.oldest_due_at is not None and now - figures.oldest_due_at > OLDEST_DUE_LIMIT:
        advice.append(
            Advice(
                _("Messages are waiting: the oldest has waited %(age)s.")
                % {"age": timesince(figures.oldest_due_at, now)},
                _(
                    "Emails and text messages are sent by the Celery worker: it is probably "
                    "stopped, or cannot keep up. Check that it runs and read its last lines; "
                    "start it again if it stopped."
                ),
                WORKER_COMMANDS,
            )
        )
    worker = beats.get("worker")
    if _late(worker, now, WORKER_LIMIT):
        advice.append(
            Advice(
                _("No Celery worker has been seen running.")
                if worker is None
                else _("No Celery worker has shown it is running for %(age)s.")
                % {"age": timesince(worker, now)},
                _("Without a worker, no email or text message is sent."),
                WORKER_COMMANDS,
            )
        )
    sweep, beat = beats.get("sweep"), beats.get("beat")
    if _late(sweep, now, SWEEP_LIMIT):
        since = (
            _("The outbox sweep has never run.")
            if sweep is None
            else _("The outbox sweep last ran %(age)s ago.") % {"age": timesince(sweep, now)}
        )
        if not _late(beat, now, SWEEP_LIMIT):
            advice.append(
                Advice(
                    since,
                    _(
                        "Celery beat hands the sweep over every minute, but no worker runs it: "
                        "the worker is stopped or stuck."
                    ),
                    WORKER_COMMANDS,
                )
            )
        else:
            advice.append(
                Advice(
                    since,
                    _(
                        "Celery beat is probably stopped: it starts the reminders and, every "
                        "minute, the sweep that sends what the broker missed. Exactly one beat "
                        "process must run."
                    ),
                    BEAT_COMMANDS,
                )
            )
    if figures.failed_last_hour:
        advice.append(
            Advice(
                ngettext(
                    "%(count)d message failed in the last hour.",
                    "%(count)d messages failed in the last hour.",
                    figures.failed_last_hour,
                )
                % {"count": figures.failed_last_hour},
                _(
                    "The mail server or the text provider refused them at every try. Each "
                    "initiative's Messages page gives the reason and can send them again; check "
                    "EMAIL_URL (or DIALOGUE_HUB_SMS_URL) and the worker's log."
                ),
                ("docker compose logs --tail=200 worker",),
            )
        )
    if versions.redis_reachable is False:
        advice.append(
            Advice(
                _("Redis does not answer."),
                _(
                    "Messages wait in the database until it is back (none is lost), and the "
                    "rate limits count per web process meanwhile."
                ),
                REDIS_COMMANDS,
            )
        )
    if last_backup is not None and now - last_backup > BACKUP_LIMIT:
        advice.append(
            Advice(
                _("The last backup was written %(age)s ago.")
                % {"age": timesince(last_backup, now)},
                _("Check the backup job and its log (README, Backups)."),
            )
        )
    return advice


def status_read(*, now: datetime | None = None) -> Status:
    """Everything the status page shows (a few queries; Redis asked once, briefly)."""
    now = now or timezone.now()
    figures = selectors.outbox_figures(now=now)
    beats = heartbeats.heartbeats()
    versions = selectors.versions()
    backup = backups.last_backup()
    last_backup = backup["time"] if backup else None
    rows = [
        OutboxRow(
            label=str(label),
            email=figures.counts[(status, OutboxChannel.EMAIL.value)],
            text=figures.counts[(status, OutboxChannel.TEXT.value)],
        )
        for status, label in OutboxStatus.choices
    ]
    seen = [
        Seen(
            _("Last outbox sweep (run by a worker, every minute)"),
            beats.get("sweep"),
            _late(beats.get("sweep"), now, SWEEP_LIMIT),
        ),
        Seen(
            _("Celery beat last handed the sweep over"),
            beats.get("beat"),
            _late(beats.get("beat"), now, SWEEP_LIMIT),
        ),
        Seen(
            _("A Celery worker last showed it is running"),
            beats.get("worker"),
            _late(beats.get("worker"), now, WORKER_LIMIT),
        ),
    ]
    return Status(
        now=now,
        outbox=figures,
        rows=rows,
        seen=seen,
        last_backup=last_backup,
        versions=versions,
        database_size=selectors.database_size(),
        advice=_advice(figures, beats, versions, last_backup, now),
    )
