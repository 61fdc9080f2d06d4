"""Outbox rows in chosen states and ages, for the operators' figures (test_ops_*.py)."""

import uuid
from datetime import timedelta

from django.core.mail import EmailMessage
from django.utils import timezone

from dialogue_hub.emails import message_to_payload
from dialogue_hub.models import OutboxMessage

MINUTE = timedelta(minutes=1)


def message(
    *, status="pending", channel="email", due=0 * MINUTE, updated=None, attempts=0, **extra
):
    """One outbox row: due `due` ago (negative: in the future), last changed `updated` ago."""
    now = timezone.now()
    fields = {
        "kind": "account",
        "key": f"test:{uuid.uuid4()}",
        "channel": channel,
        "status": status,
        "send_after": now - due,
        "attempts": attempts,
        "payload": message_to_payload(EmailMessage("Hello", "Body", to=["someone@example.org"])),
        **extra,
    }
    if channel == "email":
        fields["to_email"] = "someone@example.org"
    else:
        fields["to_phone"] = "+15551234567"
    if status == "sent":
        fields["sent_at"] = now
    row = OutboxMessage.objects.create(**fields)
    if updated is not None:
        OutboxMessage.objects.filter(pk=row.pk).update(updated_at=now - updated)
    return row


def mixed_outbox():
    """Rows in every state: 4 due pending (the oldest 40 minutes, one a text retried twice),
    1 scheduled for tomorrow, 1 sending, 3 sent (1 text), 3 failed (2 within the hour, 1 a
    text), 1 cancelled, 1 skipped."""
    message(due=40 * MINUTE)
    message(due=5 * MINUTE)
    message(due=1 * MINUTE)
    message(channel="text", due=10 * MINUTE, attempts=2)
    message(due=-24 * 60 * MINUTE)
    message(status="sending", due=2 * MINUTE)
    message(status="sent", due=60 * MINUTE)
    message(status="sent", due=60 * MINUTE)
    message(status="sent", channel="text", due=60 * MINUTE)
    message(status="failed", due=90 * MINUTE, updated=10 * MINUTE, attempts=6)
    message(status="failed", due=200 * MINUTE, updated=120 * MINUTE, attempts=6)
    message(status="failed", channel="text", due=30 * MINUTE, updated=0 * MINUTE, attempts=6)
    message(status="cancelled", due=60 * MINUTE)
    message(status="skipped", due=60 * MINUTE)
