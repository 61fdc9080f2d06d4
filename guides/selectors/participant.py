"""Reads of a participant's self-service (their private link): the meetings they said they
can't make, their request for another circle, the times they may ask for; and who is excused
in advance from which meetings, for the attendance page, the reminders and the needs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F, Q

from dialogue_hub.translated import Translated, reader_language
from participants.models import Participant, RegistrationSettings

from ..models import (
    Attendance,
    Circle,
    CircleMember,
    KeepTogether,
    MeetingExcusal,
    MoveRequest,
    MoveRequestStatus,
    SafetyCase,
    SafetySource,
)
from .reminders import SILENT_STATUSES


def time_slot_labels(initiative, language: str | None = None) -> dict[str, Translated]:
    """{stored time slot: its label for a reader of `language`} (the registration's lists are
    in the initiative's first language and may be worded per language). One query."""
    row = RegistrationSettings.objects.filter(initiative=initiative).first()
    if row is None:
        return {}
    row.initiative = initiative
    return dict(row.option_choices("time_slots", initiative.default_language, language))


def time_slot_label(circle, language: str | None = None, labels=None) -> Translated:
    """When `circle` meets, as its participants read it (`labels`: time_slot_labels, if the
    caller has them); a slot no longer listed shows as stored, marked for other readers."""
    language = language or reader_language()
    first = circle.initiative.default_language
    if not circle.time_slot:
        return Translated("", language)
    if labels is None:
        labels = time_slot_labels(circle.initiative, language)
    return labels.get(circle.time_slot) or Translated(circle.time_slot, first, language != first)


def offered_time_slots(initiative) -> list[str]:
    """The times the initiative's circles meet (what a person may ask to move to)."""
    slots = Circle.objects.filter(initiative=initiative).exclude(time_slot="")
    return sorted(set(slots.values_list("time_slot", flat=True)))


def excused_meeting_ids(participant: Participant) -> set[int]:
    return set(
        MeetingExcusal.objects.filter(participant=participant).values_list("meeting_id", flat=True)
    )


def pending_move_request(participant: Participant) -> MoveRequest | None:
    return MoveRequest.objects.filter(
        participant=participant, status=MoveRequestStatus.PENDING
    ).first()


def counting_excusals(meeting_ids: Iterable[int]):
    """The excusals of these meetings that count: their person is still a member of the
    meeting's circle and still takes part (a person who moved or withdrew is not "excused")."""
    return MeetingExcusal.objects.filter(
        meeting_id__in=list(meeting_ids),
        participant__circle_membership__circle_id=F("meeting__circle_id"),
    ).exclude(participant__status__in=SILENT_STATUSES)


def excused_by_meeting(meeting_ids: Iterable[int]) -> dict[int, set[int]]:
    """meeting id -> the participant ids excused in advance (that count). One query."""
    found: dict[int, set[int]] = defaultdict(set)
    ids = list(meeting_ids)
    if ids:
        pairs = counting_excusals(ids).values_list("meeting_id", "participant_id")
        for meeting_id, participant_id in pairs:
            found[meeting_id].add(participant_id)
    return found


def _when(value):
    return value.isoformat() if value else None


def participant_data(participant: Participant) -> dict:
    """What the guides app holds about a person, for their own download: their circle, their
    attendance, the meetings they said they can't make, their requests for another circle and
    the safety concerns they raised with their name (an anonymous one is tied to nobody)."""
    membership = (
        CircleMember.objects.filter(participant=participant).select_related("circle").first()
    )
    return {
        "circle": {
            "name": membership.circle.name,
            "placed_by": membership.placed_by,
            "since": _when(membership.created_at),
        }
        if membership
        else None,
        "attendance": [
            {"meeting": number, "starts_at": _when(starts_at), "status": status}
            for number, starts_at, status in Attendance.objects.filter(participant=participant)
            .order_by("meeting__starts_at")
            .values_list("meeting__number", "meeting__starts_at", "status")
        ],
        "excused_in_advance": [
            {"meeting": number, "starts_at": _when(starts_at)}
            for number, starts_at in MeetingExcusal.objects.filter(participant=participant)
            .order_by("meeting__starts_at")
            .values_list("meeting__number", "meeting__starts_at")
        ],
        "requests_for_another_circle": [
            {
                "asked_at": _when(request.created_at),
                "reason": request.reason,
                "wanted_time_slot": request.wanted_time_slot,
                "status": request.status,
                "answer": request.answer,
            }
            for request in MoveRequest.objects.filter(participant=participant).order_by("pk")
        ],
        # Who they asked to stay with is another person's name: only how many such requests.
        "asked_to_stay_together_with": KeepTogether.objects.filter(
            Q(first=participant) | Q(second=participant)
        ).count(),
        "safety_concerns_raised": [
            {
                "raised_at": _when(case.created_at),
                "category": case.category,
                "what_happened": case.description,
                "status": case.status,
            }
            for case in SafetyCase.objects.filter(
                participant=participant, source=SafetySource.PARTICIPANT
            ).order_by("pk")
        ],
    }
