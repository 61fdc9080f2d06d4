"""Reads about survey waves: the organizers' overview (how many were asked and answered, small
numbers hidden), a person's own surveys, and who may answer a paper survey."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from dialogue_hub.privacy import suppress
from participants.models import Participant

from ..models import WAVE_ORDER, Answer, Invitation, Response, Wave, WaveKind
from ..services.responses import (
    dialogues_begun,
    evaluation_consents,
    known_pseudonym,
    may_be_asked,
)
from ..services.waves import NOT_ASKED_STATUSES


def waves_overview(*, initiative) -> list[dict]:
    """Each kind of wave in order: the wave (or None when not set up) with how many were asked
    and answered, 1–9 shown as None ("fewer than 10"). One query."""
    waves = {
        wave.kind: wave
        for wave in Wave.objects.filter(initiative=initiative)
        .select_related("instrument")
        .annotate(
            invited=Count("invitations"),
            answered=Count("invitations", filter=Q(invitations__answered=True)),
        )
    }
    rows = []
    for kind in WAVE_ORDER:
        wave = waves.get(kind)
        rows.append(
            {
                "kind": kind,
                "label": WaveKind(kind).label,
                "wave": wave,
                **(
                    _asked_and_answered(wave.invited, wave.answered)
                    if wave
                    else {"invited": 0, "answered": 0}
                ),
            }
        )
    return rows


def _asked_and_answered(invited: int, answered: int) -> dict:
    """How many were asked and answered, as anyone may see them: the people who answered and
    those who did not partition those asked, so both go through `suppress` (a shown "asked 23,
    answered 17" would say 6 did not answer)."""
    table = suppress([("answered", answered), ("not_answered", invited - answered)])
    return {"invited": table.total_value, "answered": table.get("answered").value}


def wave_of(*, initiative, kind: str) -> Wave | None:
    return (
        Wave.objects.filter(initiative=initiative, kind=kind)
        .select_related("initiative", "instrument")
        .first()
    )


def is_open(invitation: Invitation, now=None) -> bool:
    now = now or timezone.now()
    return (
        invitation.wave.closed_at is None
        and invitation.opens_at <= now < invitation.closes_at
        and not (
            invitation.wave.kind == WaveKind.PRE
            and dialogues_begun(invitation.participant, invitation, now)
        )
    )


def my_surveys(participant: Participant, now=None) -> list[Invitation]:
    """The person's survey invitations (waves in order), each with `is_open`. One query."""
    now = now or timezone.now()
    invitations = list(
        Invitation.objects.filter(participant=participant, opens_at__lte=now).select_related("wave")
    )
    for invitation in invitations:
        invitation.is_open = is_open(invitation, now)
    order = {kind: n for n, kind in enumerate(WAVE_ORDER)}
    return sorted(invitations, key=lambda i: order.get(i.wave.kind, 9))


def my_invitation(participant: Participant, kind: str) -> Invitation | None:
    return (
        Invitation.objects.filter(participant=participant, wave__kind=kind)
        .select_related("wave", "wave__initiative")
        .first()
    )


def earlier_answers(participant: Participant, wave: Wave) -> dict[str, str]:
    """What the person answered to this wave before (found by their pseudonym), as the survey
    form's initial values: only ever shown to the person, through their private link."""
    respondent = known_pseudonym(participant)  # a read never creates the secret
    response = (
        Response.objects.filter(wave=wave, respondent=respondent).first() if respondent else None
    )
    if response is None:
        return {}
    return {
        key: comment or ("prefer_not" if value is None else str(value))
        for key, value, comment in Answer.objects.filter(response=response).values_list(
            "key", "value", "comment"
        )
    }


def paper_people(*, initiative):
    """The people of the initiative who may answer a paper survey: still taking part and with
    the evaluation consent (a minor's in the guardian's consent). Two queries."""
    people = (
        Participant.objects.filter(initiative=initiative)
        .exclude(status__in=NOT_ASKED_STATUSES)
        .prefetch_related(evaluation_consents())
        .order_by("name", "pk")
    )
    return [person for person in people if may_be_asked(person, person.active_consents)]
