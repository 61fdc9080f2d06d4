"""Reads for the home page: participant counts per initiative."""

from django.db.models import Count, Q

from ..models import MINOR_AGE_BANDS, Participant, Status


def participant_counts(initiative_ids) -> dict[int, dict[str, int]]:
    """Per initiative: people taking part (not withdrawn), on the waiting list, and minors
    awaiting a guardian's consent. One query for any number of initiatives."""
    rows = (
        Participant.objects.filter(initiative_id__in=list(initiative_ids))
        .values("initiative_id")
        .annotate(
            active=Count("pk", filter=~Q(status=Status.WITHDRAWN)),
            waitlisted=Count("pk", filter=Q(status=Status.WAITLISTED)),
            awaiting_guardian=Count(
                "pk",
                filter=Q(age_band__in=MINOR_AGE_BANDS, guardian_consented_at__isnull=True)
                & ~Q(status=Status.WITHDRAWN),
            ),
        )
        .order_by()
    )
    return {row.pop("initiative_id"): row for row in rows}
