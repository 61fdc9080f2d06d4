"""Reads for participants."""

from django.core import signing
from django.db.models import Count, Exists, OuterRef, Q

from .models import MINOR_AGE_BANDS, Consent, ConsentKind, Demographics, Participant, Status


def demographics_of(participant: Participant) -> Demographics | None:
    return Demographics.objects.filter(participant=participant).first()


def active_consent_kinds(participant: Participant) -> set[str]:
    return set(
        Consent.objects.filter(participant=participant, withdrawn_at__isnull=True).values_list(
            "kind", flat=True
        )
    )


def initiative_for_expired_token(token: str, salt: str):
    """For an expired (but genuine) link: the initiative, so the page can offer a new link."""
    try:
        data = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None
    participant = (
        Participant.objects.select_related("initiative").filter(public_id=data.get("p")).first()
    )
    return participant.initiative if participant else None


# Confirmed people wait for a circle; assigned people are in one and may be moved again.
PLACEABLE_STATUSES = (Status.CONFIRMED, Status.ASSIGNED)


def eligible_for_placement(*, initiative):
    """People who may be placed in a circle: confirmed, holding a seat, consenting to take part,
    and — for minors — with a guardian's consent on record."""
    participation = Consent.objects.filter(
        participant=OuterRef("pk"), kind=ConsentKind.PARTICIPATION, withdrawn_at__isnull=True
    )
    return (
        Participant.objects.filter(
            initiative=initiative,
            status__in=PLACEABLE_STATUSES,
            seat_number__isnull=False,
        )
        .filter(Exists(participation))
        .exclude(Q(age_band__in=MINOR_AGE_BANDS) & Q(guardian_consented_at__isnull=True))
    )


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
