"""Retention: a closed initiative's personal data is deleted DIALOGUE_HUB_RETENTION_DAYS after
it closed (`python manage.py purge_closed_initiatives`, and tasks.py).

Deleted: every participant with their demographics, consents and, through the database's
cascades, their circle places, attendance, keep-together requests, forum votes, action-team
places and offered assets; every email of the initiative in the outbox (they hold addresses);
paper sign-in sheets still waiting to be imported. Kept: everything that names nobody: the
initiative, its coalition and team, guides, circles and meetings, approved session logs, ideas,
themes, action teams and their progress, targets, outreach records and the activity log (which
names participants only by an anonymous short id). What is due is read in selectors/retention.py."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dialogue_hub.models import OutboxMessage
from initiatives.models import Initiative
from initiatives.services import activity_record

from ..models import ImportUpload, Participant
from ..selectors.retention import (
    PurgeCounts,
    closed_initiatives,
    initiatives_due_for_purge,
    purge_counts,
)


@transaction.atomic
def initiative_purge_personal_data(*, initiative: Initiative, now: datetime | None = None):
    """Delete the personal data of one closed initiative past the retention period and log it.
    Returns what was deleted, or None when the initiative is no longer due (reopened since)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DIALOGUE_HUB_RETENTION_DAYS)
    Initiative.objects.select_for_update().filter(pk=initiative.pk).first()
    locked = closed_initiatives().filter(pk=initiative.pk, closed_at__lt=cutoff).first()
    if locked is None:
        return None
    counts = purge_counts(locked)
    if not counts.anything:
        return counts
    OutboxMessage.objects.filter(initiative=locked).delete()
    ImportUpload.objects.filter(initiative=locked).delete()
    Participant.objects.filter(initiative=locked).delete()
    activity_record(
        initiative=locked,
        actor=None,
        action="initiative.personal_data_purged",
        details={
            "participants": counts.participants,
            "emails": counts.emails,
            "sign_in_sheets": counts.sign_in_sheets,
            "retention_days": settings.DIALOGUE_HUB_RETENTION_DAYS,
        },
    )
    return counts


def purge_closed_initiatives(*, now: datetime | None = None) -> list[PurgeCounts]:
    """Purge every initiative that is due, one transaction each."""
    done = []
    for due in initiatives_due_for_purge(now=now):
        counts = initiative_purge_personal_data(initiative=due.initiative, now=now)
        if counts is not None and counts.anything:
            done.append(counts)
    return done
