"""Closed initiatives whose personal data is due for purging, and what a purge would delete
(services/retention.py purges)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from dialogue_hub.models import OutboxMessage
from initiatives.models import ActivityLogEntry, Initiative, Phase

from ..models import ImportUpload, Participant


@dataclass(frozen=True)
class PurgeCounts:
    initiative: Initiative
    closed_at: datetime
    participants: int
    emails: int
    sign_in_sheets: int

    @property
    def anything(self) -> bool:
        return bool(self.participants or self.emails or self.sign_in_sheets)


def closed_initiatives():
    """Closed initiatives annotated with when they closed: the last move to "closed" in the
    activity log (a phase can be moved back and closed again), else their last change."""
    closed_on = (
        ActivityLogEntry.objects.filter(
            initiative=OuterRef("pk"), action="initiative.phase_changed", details__to=Phase.CLOSED
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return Initiative.objects.filter(phase=Phase.CLOSED).annotate(
        closed_at=Coalesce(Subquery(closed_on), F("updated_at"))
    )


def purge_counts(initiative) -> PurgeCounts:
    return PurgeCounts(
        initiative=initiative,
        closed_at=initiative.closed_at,
        participants=Participant.objects.filter(initiative=initiative).count(),
        emails=OutboxMessage.objects.filter(initiative=initiative).count(),
        sign_in_sheets=ImportUpload.objects.filter(initiative=initiative).count(),
    )


def initiatives_due_for_purge(*, now: datetime | None = None) -> list[PurgeCounts]:
    """Closed initiatives past the retention period that still hold personal data."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DIALOGUE_HUB_RETENTION_DAYS)
    due = closed_initiatives().filter(closed_at__lt=cutoff).order_by("closed_at", "pk")
    return [counts for counts in map(purge_counts, due) if counts.anything]
