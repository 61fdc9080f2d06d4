"""After-session feedback: answering a meeting's feedback form, and the sweep that asks the
circle's members after each meeting.

Anonymity by construction: `feedback_submit` writes a `FeedbackReceipt` (person × meeting, no
answer) and, separately, a `Feedback` with its answers that names nobody (random id, no
timestamp). The receipt's unique constraint allows one answer per person per meeting, also
when the same form is posted twice at once (`create_once`). Nothing is written to the activity
log: a log entry's time could be lined up with the answer.

`feedback_requests_plan()` (Celery beat, evaluation/tasks.py) plans "How was today's session?"
emails ("meeting.feedback", built in evaluation/emails.py) for meetings that ended within the
last `ASK_WITHIN`, to the circle's members who may be asked (the evaluation consent, as for the
surveys), who were not excused or marked absent and have not answered yet. Every row has a
unique key (kind, meeting, person), so running the sweep twice adds nothing; a fixed number of
queries whatever the number of meetings.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from dialogue_hub.models import create_once
from guides.models import Attendance, AttendanceStatus, CircleMember, CircleSession, MeetingStatus
from guides.selectors.participant import excused_by_meeting
from guides.selectors.reminders import SILENT_STATUSES, member_addresses
from guides.services.reminders import add_rows
from initiatives import cache as initiative_cache
from participants.models import Participant

from ..models import Feedback, FeedbackAnswer, FeedbackReceipt
from ..selectors.feedback import (
    FEEDBACK_WINDOW,
    feedback_instrument,
    feedback_window_open,
)
from .responses import audience_of, clean_answers, evaluation_consents, items_for, may_be_asked

FEEDBACK_REQUEST = "meeting.feedback"
# Ask after meetings that ended at most this long ago (a sweep that was down catches up).
ASK_WITHIN = timedelta(days=2)
# Longest meeting the sweep allows for when it turns "ended" into "started" bounds.
LONGEST_MEETING = timedelta(hours=24)


def _refuse_closed():
    raise DomainError(
        _(
            "Feedback on this meeting is closed: we take it from the start of the meeting "
            "until 14 days after it. Thank you all the same."
        )
    )


@transaction.atomic
def feedback_submit(
    *, meeting: CircleSession, participant: Participant, data: dict, now: datetime | None = None
) -> Feedback:
    """Store a person's anonymous feedback on one meeting of their circle. Refused for someone
    outside the circle, without the evaluation consent, before the meeting, more than 14 days
    after it, for a cancelled meeting, and a second time for the same meeting."""
    now = now or timezone.now()
    if not CircleMember.objects.filter(
        circle_id=meeting.circle_id, participant=participant
    ).exists():
        raise DomainError(_("Only the people of this circle give feedback on its meetings."))
    if participant.status in SILENT_STATUSES:
        raise DomainError(_("Only the people of this circle give feedback on its meetings."))
    if not may_be_asked(participant):
        raise DomainError(
            _("Only people who agreed to answer evaluation surveys are asked for feedback.")
        )
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError(_("This meeting was cancelled, so there is nothing to give feedback on."))
    if meeting.starts_at > now:
        raise DomainError(_("You can give feedback once the meeting has started."))
    if not feedback_window_open(meeting, now):
        _refuse_closed()
    instrument = feedback_instrument(meeting.circle.initiative)
    if instrument is None:
        raise DomainError(_("There is no feedback form for this initiative."))
    items = items_for(instrument, audience_of(participant))
    values, comments = clean_answers(items, data)
    if not values and not comments:
        raise DomainError(_("Answer at least one question, or choose “prefer not to answer”."))
    if not create_once(FeedbackReceipt(meeting=meeting, participant=participant)):
        raise DomainError(
            _("You already gave your feedback on this meeting. Thank you: it is counted once.")
        )
    feedback = Feedback.objects.create(
        meeting=meeting, instrument=instrument, comment="\n\n".join(comments.values())
    )
    FeedbackAnswer.objects.bulk_create(
        [FeedbackAnswer(feedback=feedback, key=key, value=value) for key, value in values.items()]
    )
    # Anonymous, so not in the activity log; but the figures kept from feedback (the home's
    # "did not feel safe to speak") changed.
    initiative_cache.changed(meeting.circle.initiative_id)
    return feedback


# --- asking after each meeting -------------------------------------------------------------------


def feedback_request_key(meeting_id: int, participant_id: int) -> str:
    return f"{FEEDBACK_REQUEST}:{meeting_id}:p{participant_id}"


def _ended_meetings(now: datetime) -> list[CircleSession]:
    """Meetings (not cancelled) that ended within ASK_WITHIN and whose form is open. One query."""
    return [
        meeting
        for meeting in CircleSession.objects.filter(
            status=MeetingStatus.SCHEDULED,
            starts_at__gte=now - ASK_WITHIN - LONGEST_MEETING,
            starts_at__lte=now,
        )
        .select_related("circle", "circle__initiative")
        .order_by("starts_at", "pk")
        if now - ASK_WITHIN
        <= meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
        <= now
        and meeting.starts_at + FEEDBACK_WINDOW > now
    ]


def _askable(participant_ids) -> set[int]:
    """Of these people, those who may be asked (the evaluation consent; a minor's in their
    guardian's). One query, the consents prefetched in a second."""
    people = Participant.objects.filter(pk__in=list(participant_ids)).prefetch_related(
        evaluation_consents()
    )
    return {person.pk for person in people if may_be_asked(person, person.active_consents)}


def _request_rows(now: datetime) -> list[dict]:
    meetings = _ended_meetings(now)
    if not meetings:
        return []
    meeting_ids = [m.pk for m in meetings]
    members = defaultdict(list)
    for circle_id, participant_id, email, language, *_texts in member_addresses(
        circle_id__in={m.circle_id for m in meetings}
    ):
        members[circle_id].append((participant_id, email, language))
    everyone = {pk for people in members.values() for pk, _email, _language in people}
    askable = _askable(everyone)
    answered = set(
        FeedbackReceipt.objects.filter(meeting_id__in=meeting_ids).values_list(
            "meeting_id", "participant_id"
        )
    )
    away = set(
        Attendance.objects.filter(
            meeting_id__in=meeting_ids,
            status__in=[AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED],
        ).values_list("meeting_id", "participant_id")
    )
    excused = excused_by_meeting(meeting_ids)
    rows = []
    for meeting in meetings:
        for participant_id, email, language in members.get(meeting.circle_id, ()):
            if (
                participant_id not in askable
                or (meeting.pk, participant_id) in answered
                or (meeting.pk, participant_id) in away
                or participant_id in excused.get(meeting.pk, ())
            ):
                continue
            rows.append(
                dict(
                    kind=FEEDBACK_REQUEST,
                    to=email,
                    key=feedback_request_key(meeting.pk, participant_id),
                    initiative=meeting.circle.initiative,
                    language=language,
                    params={"meeting": meeting.pk, "participant": participant_id},
                    scheduled_for=meeting.starts_at,
                    send_after=now,
                )
            )
    return rows


def feedback_requests_plan(*, now: datetime | None = None) -> int:
    """The sweep: plan the "How was today's session?" emails. Returns how many new rows."""
    now = now or timezone.now()
    with transaction.atomic():
        return add_rows(_request_rows(now))
