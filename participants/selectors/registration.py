"""Reads about registrations that several features share: a participant's demographics and
active consents, who may be placed in a circle (guides), and how a message reaches a person
(email, text or both: `message_routing`)."""

from django.db.models import Exists, OuterRef, Q

from dialogue_hub import outbox

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


def message_routing(participant: Participant, kind: str) -> dict:
    """The outbox_add / outbox_add_many arguments that send message `kind` to `participant` by
    text too (`text_to`) or by text only (`by_email=False`), as they chose (Participant.
    text_routing); {} for email only. Every participant message goes through this one place.

    Only a kind with a text version is routed: for one without (a guardian's request, "already
    registered", a private link asked for by email) `by_email=False` would send nothing."""
    registered = outbox.KINDS.get(kind)
    if registered is None or not registered.text:
        return {}
    text_to, by_email = participant.text_routing()
    if not text_to:
        return {}
    return {"text_to": text_to, "by_email": by_email}
