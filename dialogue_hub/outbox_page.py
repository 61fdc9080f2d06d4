"""What the organizer's Messages page reads from the outbox (dialogue_hub/outbox.py): how many
messages are in each state, the messages of one tab, and what texting costs per month.

Every read takes the initiative and an optional channel ("email", "text" or "" for both), so the
page's counts, tabs and list always describe the same messages. Texts are paid per provider
segment, so their monthly figures count segments as well as messages, by calendar month in the
initiative's own time zone (a text sent at 23:30 on the 31st in Chicago belongs to that month).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from .models import OutboxChannel, OutboxMessage, OutboxStatus

# How many calendar months of text figures the page shows (this one and the ones before it).
TEXT_MONTHS = 6


def status_counts(*, initiative, now: datetime | None = None, channel: str = "") -> dict[str, int]:
    """How many messages of the initiative (of one channel, when given) are scheduled (not yet
    due), waiting (due), sending, sent, failed, cancelled and skipped, in one query; plus `texts`,
    the initiative's text messages in any state whatever the channel asked for (does it text at
    all?)."""
    now = now or timezone.now()
    chosen = Q(channel=channel) if channel else Q()
    pending = chosen & Q(status=OutboxStatus.PENDING)
    return OutboxMessage.objects.filter(initiative=initiative).aggregate(
        scheduled=Count("pk", filter=pending & Q(send_after__gt=now)),
        waiting=Count("pk", filter=pending & Q(send_after__lte=now)),
        sending=Count("pk", filter=chosen & Q(status=OutboxStatus.SENDING)),
        sent=Count("pk", filter=chosen & Q(status=OutboxStatus.SENT)),
        failed=Count("pk", filter=chosen & Q(status=OutboxStatus.FAILED)),
        cancelled=Count("pk", filter=chosen & Q(status=OutboxStatus.CANCELLED)),
        skipped=Count("pk", filter=chosen & Q(status=OutboxStatus.SKIPPED)),
        texts=Count("pk", filter=Q(channel=OutboxChannel.TEXT)),
    )


def failed_count(*, initiative) -> int:
    return OutboxMessage.objects.filter(initiative=initiative, status=OutboxStatus.FAILED).count()


def messages_for(
    *,
    initiative,
    show: str,
    now: datetime | None = None,
    kind: str = "",
    channel: str = "",
):
    now = now or timezone.now()
    queryset = OutboxMessage.objects.filter(initiative=initiative).defer("payload", "params")
    filters = {
        "scheduled": Q(status=OutboxStatus.PENDING, send_after__gt=now),
        "waiting": Q(status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING], send_after__lte=now),
        "sent": Q(status=OutboxStatus.SENT),
        "failed": Q(status=OutboxStatus.FAILED),
        "cancelled": Q(status__in=[OutboxStatus.CANCELLED, OutboxStatus.SKIPPED]),
    }
    if show in filters:
        queryset = queryset.filter(filters[show])
    if kind:
        queryset = queryset.filter(kind=kind)
    if channel:
        queryset = queryset.filter(channel=channel)
    if show == "scheduled":
        return queryset.order_by("send_after", "pk")
    return queryset.order_by("-created_at", "-pk")


@dataclass(frozen=True)
class TextMonth:
    """The texts of one calendar month: how many were sent, and how many provider segments
    they took (what the provider bills)."""

    month: date  # its first day
    texts: int
    segments: int


def _month_starts(today: date, months: int) -> list[date]:
    """The first day of this month and of the `months - 1` before it, newest first."""
    starts = [today.replace(day=1)]
    while len(starts) < months:
        starts.append((starts[-1] - timedelta(days=1)).replace(day=1))
    return starts


def _local_date(value, zone) -> date:
    """A truncated month as the date of its first day (backends return a datetime in `zone`)."""
    if isinstance(value, datetime):
        return (timezone.localtime(value, zone) if timezone.is_aware(value) else value).date()
    return value


def text_months(*, initiative, now: datetime | None = None, months: int = TEXT_MONTHS):
    """The initiative's texts sent in each of the last `months` calendar months (this one
    first), counted in the initiative's time zone, in one grouped query over the index on
    (initiative, channel, sent_at). A month with no text is listed with zeros."""
    zone = ZoneInfo(initiative.timezone)
    starts = _month_starts(timezone.localtime(now or timezone.now(), zone).date(), months)
    since = timezone.make_aware(datetime.combine(starts[-1], datetime.min.time()), zone)
    rows = (
        OutboxMessage.objects.filter(
            initiative=initiative, channel=OutboxChannel.TEXT, sent_at__gte=since
        )  # sent_at is set only when the provider took the text
        .annotate(month=TruncMonth("sent_at", tzinfo=zone))
        .values("month")
        .annotate(texts=Count("pk"), segments=Coalesce(Sum("segments"), 0))
        .order_by()
    )
    found = {_local_date(row["month"], zone): row for row in rows}
    return [
        TextMonth(
            month=start,
            texts=found.get(start, {}).get("texts", 0),
            segments=found.get(start, {}).get("segments", 0),
        )
        for start in starts
    ]
