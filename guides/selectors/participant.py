"""Reads of a participant's self-service (their private link): the meetings they said they
can't make, their request for another circle, the times they may ask for; and who is excused
in advance from which meetings, for the attendance page, the reminders and the needs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F

from participants.models import Participant

from ..models import Circle, MeetingExcusal, MoveRequest, MoveRequestStatus
from .reminders import SILENT_STATUSES


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
