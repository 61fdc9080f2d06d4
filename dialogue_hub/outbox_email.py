"""Sending the emails of an outbox batch (dialogue_hub/outbox.py claims and loads them with the
batch's texts, which go through dialogue_hub/outbox_texts.py).

Two things keep a batch cheap without weakening what the outbox promises:

- The mail connection. In a Celery worker process it is opened once and held across batches
  (closed when the process ends: worker_process_shutdown in dialogue_hub/tasks.py). A NOOP
  before each batch finds a connection the server dropped while the worker was idle, and it
  is opened again; after an error mid-batch the next message opens a fresh one, as before.
  Anywhere else (eager tasks, a shell) a batch opens its own connection and closes it.
- Recording. The messages the server accepted are marked sent by one UPDATE for every
  DIALOGUE_HUB_OUTBOX_RECORD_EVERY of them, and at the batch's end, rather than one UPDATE
  (one commit, which waits for the disk: about 4 ms here) each. Those sent since the last
  record are still claimed ("sending"), like the message on its way to the server, and a
  worker killed now leaves them so: the relay takes them back after the lease and they go
  again, with the same Message-ID. So a killed worker repeats at most the messages in flight
  (claimed and not yet recorded: RECORD_EVERY of them) and never loses one. They wait at most
  RECORD_WITHIN_SECONDS: before the next message goes, older ones are recorded first, so a
  slow server cannot widen the window. Every other outcome (a retry, a failure, a skip) is
  recorded at once, as are messages whose kind has an after-send step.
"""

from __future__ import annotations

import logging
import os
import smtplib
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.mail import get_connection
from django.db.models import Case, DateTimeField, TextField, Value, When
from django.utils import timezone

from .emails import EMAIL_ERRORS, is_transient
from .models import EmailPreference, OutboxMessage, OutboxStatus
from .outbox import KINDS, Kind, Stale, _after_sent, _finish, _retry_later, address_hash, render

logger = logging.getLogger("dialogue_hub.outbox")

# Recorded sent messages wait no longer than this for the next UPDATE (see the docstring).
RECORD_WITHIN_SECONDS = 1.0


# --- the worker process's mail connection --------------------------------------------------------


@dataclass
class _Held:
    """The mail connection this process holds across batches (a Celery worker process)."""

    enabled: bool = False
    connection: object | None = None
    settings_key: tuple | None = None
    pid: int | None = None


_held = _Held()


def hold_connection() -> None:
    """From now on this process keeps one mail connection open across batches (called as a
    Celery worker process starts: worker_process_init)."""
    _held.enabled = True


def release_connection() -> None:
    """Close the held connection (a worker process ending: worker_process_shutdown)."""
    connection, _held.connection = _held.connection, None
    if connection is not None and _held.pid == os.getpid():
        _close_quietly(connection)


def _settings_key() -> tuple:
    """What the held connection was opened with: other settings (a test's) need another one."""
    return tuple(
        getattr(settings, name, None)
        for name in (
            "EMAIL_BACKEND",
            "EMAIL_HOST",
            "EMAIL_PORT",
            "EMAIL_HOST_USER",
            "EMAIL_USE_TLS",
            "EMAIL_USE_SSL",
        )
    )


def _batch_connection():
    """(a mail connection for this batch, whether it is held across batches)."""
    if not _held.enabled:
        return get_connection(), False
    key = _settings_key()
    if _held.connection is not None and (_held.pid != os.getpid() or _held.settings_key != key):
        # Another process's (inherited at fork: never ours to close) or other settings'.
        if _held.pid == os.getpid():
            _close_quietly(_held.connection)
        _held.connection = None
    if _held.connection is None:
        _held.connection, _held.settings_key, _held.pid = get_connection(), key, os.getpid()
    elif not _answers(_held.connection):
        _close_quietly(_held.connection)  # the first message opens it again
    return _held.connection, True


def _answers(connection) -> bool:
    """False for an SMTP connection the server dropped (idle too long, restarted); other
    backends and connections not open yet have nothing to check."""
    client = getattr(connection, "connection", None)
    if not isinstance(client, smtplib.SMTP):
        return True
    try:
        return client.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # closing a connection the server already dropped
        logger.debug("Outbox: mail connection was already closed")


# --- recording what was sent ---------------------------------------------------------------------


@dataclass
class _Accepted:
    """Messages the server accepted, not yet recorded as sent (still claimed)."""

    rows: list[tuple[OutboxMessage, str, datetime]] = field(default_factory=list)
    since: float = 0.0  # time.monotonic() of the oldest

    def add(self, row: OutboxMessage, subject: str) -> None:
        if not self.rows:
            self.since = time.monotonic()
        self.rows.append((row, subject[:300], timezone.now()))

    def due(self) -> bool:
        return bool(self.rows) and (
            len(self.rows) >= settings.DIALOGUE_HUB_OUTBOX_RECORD_EVERY
            or time.monotonic() - self.since >= RECORD_WITHIN_SECONDS
        )

    def record(self) -> None:
        """Mark them sent with one UPDATE (each with its own subject and time)."""
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        # Only rows still under this worker's claim (a batch's rows share one claimed_at): one
        # the relay took back after the lease, or another worker claimed since, stays as is.
        OutboxMessage.objects.filter(
            pk__in=[row.pk for row, _subject, _at in rows],
            status=OutboxStatus.SENDING,
            claimed_at__in={row.claimed_at for row, _subject, _at in rows},
        ).update(
            status=OutboxStatus.SENT,
            last_error="",
            payload=None,
            updated_at=timezone.now(),
            sent_at=Case(
                *(When(pk=row.pk, then=Value(at)) for row, _subject, at in rows),
                output_field=DateTimeField(),
            ),
            subject=Case(
                *(When(pk=row.pk, then=Value(subject)) for row, subject, _at in rows),
                output_field=TextField(),
            ),
        )


# --- sending -------------------------------------------------------------------------------------


def send_emails(rows: list[OutboxMessage], outcome: dict[str, int]) -> None:
    """Send claimed email rows over one mail connection (the process's held one in a worker)."""
    hashes = {row.pk: address_hash(row.to_email) for row in rows}
    opted = {
        pref.address_hash: set(pref.opted_out)
        for pref in EmailPreference.objects.filter(address_hash__in=set(hashes.values()))
    }
    connection, held = _batch_connection()
    accepted = _Accepted()
    try:
        for row in rows:
            kind = KINDS.get(row.kind)
            message = _message_for(row, kind, opted.get(hashes[row.pk], ()), outcome)
            if message is None:
                continue
            if accepted.due():
                accepted.record()
            message.connection = connection
            try:
                connection.open()
                message.send()
            except EMAIL_ERRORS as exc:
                if is_transient(exc):
                    _retry_later(row, exc)
                    outcome["retry"] += 1
                else:
                    _finish(row, OutboxStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
                    outcome["failed"] += 1
                _close_quietly(connection)  # start the next message on a fresh connection
                continue
            outcome["sent"] += 1
            if kind.on_sent is None:
                accepted.add(row, str(message.subject))
            else:  # its after-send step reads the row as sent
                accepted.record()
                _finish(
                    row,
                    OutboxStatus.SENT,
                    sent_at=timezone.now(),
                    subject=str(message.subject)[:300],
                    payload=None,
                )
                _after_sent(row, kind)
    finally:
        accepted.record()
        if not held:
            _close_quietly(connection)


def _message_for(row: OutboxMessage, kind: Kind | None, opted_out, outcome: dict[str, int]):
    """The message to send for a claimed row, or None once its outcome is recorded (an unknown
    kind, a category the person turned off, no longer applies, cannot be built)."""
    if kind is None:
        _finish(row, OutboxStatus.FAILED, error=f"Unknown kind {row.kind}")
        outcome["failed"] += 1
        return None
    if kind.category and kind.category in opted_out:
        _finish(row, OutboxStatus.SKIPPED, payload=None)
        outcome["skipped"] += 1
        return None
    try:
        return render(row, kind)
    except Stale as exc:
        _finish(row, OutboxStatus.CANCELLED, error=str(exc), payload=None)
        outcome["cancelled"] += 1
    except Exception as exc:  # a bug in a builder or template: fail it, show it
        logger.exception("Outbox: %s could not be built", row)
        _finish(row, OutboxStatus.FAILED, error=f"Could not be built: {exc}")
        outcome["failed"] += 1
    return None
