"""Sending the text messages of an outbox batch (dialogue_hub/outbox.py claims them with the
emails; dialogue_hub/texts.py has the providers, STOP, quiet hours and segments).

The batch's texts are rendered first and their short links saved together (two queries for
the batch, dialogue_hub/shortlinks.py); then each goes to the provider over one connection and
its outcome is recorded as soon as the provider answers, so a worker killed mid-batch repeats
only the text in flight."""

from __future__ import annotations

import functools
import logging
from contextlib import contextmanager
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import F
from django.template import engines
from django.utils import timezone, translation

from . import shortlinks, texts
from .models import OutboxMessage, OutboxStatus
from .outbox import (
    KINDS,
    Kind,
    Stale,
    _after_sent,
    _finish,
    _retry_later,
    email_key,
    outbox_add,
)
from .text import neutralize

logger = logging.getLogger("dialogue_hub.outbox")


def render_text(row: OutboxMessage, kind: Kind) -> str:
    """The text message for one row, in its language (raises Stale when it no longer applies):
    the kind's text template with its builder's context, blank lines dropped."""
    built = kind.build(row)
    context = {**built.context, "sender": texts.sender_label(), "LANGUAGE_CODE": row.language}
    with translation.override(row.language):
        body = engines["text"].get_template(f"texts/{kind.text}.txt").render(context)
    lines = (" ".join(line.split()) for line in body.splitlines())
    return neutralize("\n".join(line for line in lines if line))


def email_instead(row: OutboxMessage) -> None:
    """A text that will not go (the number refused, stopped, or the text failed): its email
    goes to the person's address instead, if the row keeps one (a person who chose texts only;
    one who gets the email anyway has none here, and an email key already taken adds nothing)."""
    if row.to_email:
        outbox_add(
            kind=row.kind,
            to=row.to_email,
            key=email_key(row.key),
            initiative=row.initiative,
            language=row.language,
            params=row.params,
            scheduled_for=row.scheduled_for,
            send_after=row.send_after,  # a reminder still ahead keeps its time
        )


def _fail(row: OutboxMessage, error: str, outcome: dict[str, int]) -> None:
    """A text that cannot go ends failed (shown on the Messages page), and its email goes
    instead where the person gets no email version already."""
    _finish(row, OutboxStatus.FAILED, error=error)
    outcome["failed"] += 1
    email_instead(row)


def _hold_until(row: OutboxMessage, when: datetime) -> None:
    """Put a claimed text back until `when` (quiet hours), without counting the attempt."""
    OutboxMessage.objects.filter(
        pk=row.pk, status=OutboxStatus.SENDING, claimed_at=row.claimed_at
    ).update(
        status=OutboxStatus.PENDING,
        send_after=when,
        enqueued_at=None,
        attempts=F("attempts") - 1,
        updated_at=timezone.now(),
    )


@contextmanager
def _asynchronous_commit():
    """On PostgreSQL, what the batch records commits without waiting for the disk (about 0.8
    ms a row instead of 4 here; a provider answers in about one). What this risks: if the
    database server itself crashes, its last fraction of a second of commits is lost, all of
    them and in order, so the rows go back to how they were before (claimed, then taken back by
    the relay) and those texts go again: a duplicate, like a text in flight when a worker dies,
    never a lost one. A worker killed at any point loses nothing: its commits are the
    server's. Pages and planners that add rows keep the default (the row must exist once the
    page answered)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        except DatabaseError:  # the connection broke: the next query opens a fresh one
            connection.close()


def _prepare(row: OutboxMessage, stopped: set, outcome: dict[str, int], now: datetime):
    """(kind, the text to send) for a claimed row, or (kind, None) once its outcome is recorded
    (no text version, the number answered STOP, quiet hours, no longer applies, a bug); a text
    that will not go has its email sent instead where the person gets no email version."""
    kind = KINDS.get(row.kind)
    if kind is None or not kind.text:
        _fail(row, f"{row.kind} has no text version", outcome)
        return kind, None
    if row.to_phone in stopped:
        _finish(row, OutboxStatus.SKIPPED, error="The number answered STOP.")
        outcome["skipped"] += 1
        email_instead(row)
        return kind, None
    zone = row.initiative.timezone if row.initiative_id else settings.TIME_ZONE
    morning = texts.quiet_until(now, zone)
    if morning is not None:
        _hold_until(row, morning)
        outcome["held"] += 1
        return kind, None
    try:
        return kind, render_text(row, kind)
    except Stale as exc:
        _finish(row, OutboxStatus.CANCELLED, error=str(exc))
        outcome["cancelled"] += 1
    except Exception as exc:  # a bug in a builder or template: fail it, show it
        logger.exception("Outbox: text %s could not be built", row)
        _fail(row, f"Could not be built: {exc}", outcome)
    return kind, None


def _send_one(backend, row: OutboxMessage, kind: Kind, body: str, outcome: dict[str, int]) -> None:
    """One text to the provider, its outcome recorded at once: sent (with its segments and the
    provider's id), tried again later, or refused (the email instead)."""
    try:
        reference = backend.send(to=row.to_phone, body=body, reference=row.key)
    except texts.TextError as exc:
        if exc.transient:
            _retry_later(row, exc)
            if row.attempts >= settings.DIALOGUE_HUB_OUTBOX_MAX_ATTEMPTS:
                email_instead(row)  # it ended failed: the email goes instead
                outcome["failed"] += 1
            else:
                outcome["retry"] += 1
            return
        if exc.unsubscribed:
            texts.set_stopped(row.to_phone, stopped=True, keyword="carrier")
            _finish(row, OutboxStatus.SKIPPED, error=exc.reason)
            outcome["skipped"] += 1
        else:
            _finish(row, OutboxStatus.FAILED, error=exc.reason)
            outcome["failed"] += 1
        email_instead(row)
        return
    _record_sent(row, texts.segments(body), reference or "")
    outcome["sent"] += 1
    _after_sent(row, kind)


@functools.cache
def _sent_statement() -> str:
    """What `_finish(row, SENT, …)` writes for a text, as one statement built once: the hot
    path of a batch, where the ORM would compile the same UPDATE again for every text."""
    quote = connection.ops.quote_name
    columns = ["status", "last_error", "updated_at", "sent_at", "segments", "encoding"]
    assignments = ", ".join(f"{quote(c)} = %s" for c in [*columns, "provider_ref"])
    return (
        f"UPDATE {quote(OutboxMessage._meta.db_table)} SET {assignments} "  # noqa: S608 — names from the model, values bound
        f"WHERE {quote('id')} = %s AND {quote('status')} = %s AND {quote('claimed_at')} = %s"
    )


def _record_sent(row: OutboxMessage, size: texts.Segments, reference: str) -> None:
    """Mark a claimed text sent, with its segments and the provider's id (as _finish does: only
    while the row is still under this worker's claim)."""
    adapt = connection.ops.adapt_datetimefield_value
    now = adapt(timezone.now())
    params = [OutboxStatus.SENT, "", now, now, size.count, size.encoding, reference[:64]]
    claim = [row.pk, OutboxStatus.SENDING, adapt(row.claimed_at)]
    with connection.cursor() as cursor:
        cursor.execute(_sent_statement(), [*params, *claim])


def send_texts(rows: list[OutboxMessage], outcome: dict[str, int], now: datetime) -> None:
    """Send claimed text messages over one provider connection: held through quiet hours,
    skipped for numbers that answered STOP, the email sent instead of a refused number."""
    with _asynchronous_commit():
        _send_texts(rows, outcome, now)


def _send_texts(rows: list[OutboxMessage], outcome: dict[str, int], now: datetime) -> None:
    outcome.setdefault("held", 0)
    try:
        backend = texts.get_backend() if texts.enabled() else None
    except ValueError as exc:  # DIALOGUE_HUB_SMS_URL is malformed
        logger.error("Outbox: no text provider (%s)", exc)
        backend = None
    if backend is None:  # the provider was removed since these were written: email instead
        for row in rows:
            _fail(row, "No text message provider is set up.", outcome)
        return
    stopped = texts.stopped_numbers(row.to_phone for row in rows)
    # First every text of the batch is rendered (or its outcome recorded: no text version,
    # STOP, quiet hours, no longer applies), its short links collected and then saved at once;
    # then each goes to the provider, its outcome recorded as soon as the provider answers.
    ready = []
    with shortlinks.collected() as links:
        for row in rows:
            kind, body = _prepare(row, stopped, outcome, now)
            if body is not None:
                ready.append((row, kind, body))
    links.save()
    try:
        for row, kind, body in ready:
            _send_one(backend, row, kind, body, outcome)
    finally:
        try:
            backend.close()
        except Exception:  # closing a connection the provider already dropped
            logger.debug("Outbox: text provider connection was already closed")
