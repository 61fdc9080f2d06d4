"""Reads about registrations that several features share: a participant's demographics and
active consents, and who may be placed in a circle (guides)."""

from django.db.models import Exists, OuterRef, Q

from ..models import MINOR_AGE_BANDS, Consent, ConsentKind, Demographics, Participant, Status


def demographics_of(participant: Participant) -> Demographics | None:
    return Demographics.objects.filter(participant=participant).first()


def active_consent_kinds(participant: Participant) -> set[str]:
    return set(
        Consent.objects.filter(participant=participant, withdrawn_at__isnull=True).values_list(
            "kind", flat=True
        )
    )


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
