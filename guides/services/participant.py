"""What a participant does from their private link, without an account: "I can't make it" for
a coming meeting (and taking it back), and asking for another circle or time. Keyword-only,
atomic and logged (the log names the meeting or the request, never the person)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from dialogue_hub.models import create_once
from initiatives.services import activity_record
from participants.models import Participant

from ..models import (
    CircleMember,
    CircleSession,
    MeetingExcusal,
    MeetingStatus,
    MoveRequest,
)
from ..selectors.participant import offered_time_slots
from ..selectors.reminders import SILENT_STATUSES


def _member_of(participant: Participant) -> CircleMember:
    membership = (
        CircleMember.objects.select_related("circle", "circle__initiative")
        .filter(participant=participant)
        .first()
    )
    if membership is None or participant.status in SILENT_STATUSES:
        raise DomainError(_("You are not in a circle at the moment."))
    return membership


@transaction.atomic
def meeting_excuse(
    *,
    participant: Participant,
    meeting: CircleSession,
    excused: bool = True,
    now: datetime | None = None,
) -> bool:
    """Say "I can't make it" to a coming meeting of the person's circle (or, with
    `excused=False`, take it back). Only before the meeting starts. Saying it twice changes
    nothing. Returns whether anything changed."""
    now = now or timezone.now()
    membership = _member_of(participant)
    if meeting.circle_id != membership.circle_id:
        raise DomainError(_("This meeting is not one of your circle's."))
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError(_("This meeting was cancelled."))
    if meeting.starts_at <= now:
        raise DomainError(_("This meeting has already started."))
    if excused:
        # A double click: the first one counts.
        if not create_once(MeetingExcusal(meeting=meeting, participant=participant)):
            return False
        action = "meeting.excused_in_advance"
    else:
        if not MeetingExcusal.objects.filter(meeting=meeting, participant=participant).delete()[0]:
            return False
        action = "meeting.excusal_withdrawn"
    activity_record(
        initiative=membership.circle.initiative, actor=None, action=action, target=meeting
    )
    return True


@transaction.atomic
def move_request_add(
    *, participant: Participant, reason: str, wanted_time_slot: str = ""
) -> MoveRequest:
    """Ask the organizers for another circle or time, with a reason. One request waits at a
    time: asking again while one waits is refused (a double POST makes one request)."""
    membership = _member_of(participant)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Tell the organizers why, so they can find what suits you."), field="reason"
        )
    slots = offered_time_slots(membership.circle.initiative)
    wanted_time_slot = (wanted_time_slot or "").strip()
    if wanted_time_slot and wanted_time_slot not in slots:
        raise DomainError(_("Choose one of the times offered."), field="wanted_time_slot")
    request = MoveRequest(
        initiative=membership.circle.initiative,
        participant=participant,
        from_circle=membership.circle,
        reason=reason,
        wanted_time_slot=wanted_time_slot,
    )
    request.full_clean(exclude=["initiative", "participant", "from_circle"])
    if not create_once(request):  # one request waits already (or this one was posted twice)
        raise DomainError(_("You have already asked. The organizers will answer you by email."))
    activity_record(
        initiative=request.initiative,
        actor=None,
        action="move_request.added",
        target=request,
        label=f"#{request.pk}",
    )
    return request
