"""The emails the evaluation app sends, built at sending time from the database (see
dialogue_hub/outbox.py). Registered in EvaluationConfig.ready().

After-session feedback ("meeting.feedback", `register_feedback_kinds`): "How was today's
session?", planned by evaluation/services/feedback.py's sweep. The builder checks that the
request still applies (the meeting was not cancelled or moved, the person is still in the
circle, still may be asked, has not answered, and the form is still open) and raises
`outbox.Stale` otherwise.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dialogue_hub import outbox
from dialogue_hub.emails import absolute_url
from guides.emails import local_when
from guides.models import CircleMember, CircleSession, MeetingStatus
from guides.selectors.reminders import SILENT_STATUSES
from participants.services import registration as participant_services

from .models import FeedbackReceipt
from .selectors.feedback import FEEDBACK_WINDOW, feedback_window_open
from .services.feedback import FEEDBACK_REQUEST
from .services.responses import may_be_asked


def _id(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def feedback_url(participant, meeting) -> str:
    """The feedback form of one meeting, reached with the person's private manage link."""
    token = participant_services.make_token(participant, participant_services.MANAGE_SALT)
    return absolute_url(
        reverse("evaluation:participant_feedback", kwargs={"token": token, "pk": meeting.pk})
    )


def build_feedback_request(message) -> outbox.Built:
    meeting = (
        CircleSession.objects.select_related("circle", "circle__initiative", "guide_session")
        .order_by()
        .filter(pk=_id(message.params.get("meeting")))
        .first()
    )
    if meeting is None:
        raise outbox.Stale("The meeting was removed from the schedule.")
    if meeting.status == MeetingStatus.CANCELLED:
        raise outbox.Stale("The meeting was cancelled.")
    if message.scheduled_for is not None and meeting.starts_at != message.scheduled_for:
        raise outbox.Stale("The meeting was moved to another time.")
    if not feedback_window_open(meeting):
        raise outbox.Stale("The meeting's feedback form is closed.")
    membership = (
        CircleMember.objects.select_related("participant", "participant__initiative")
        .order_by()
        .filter(participant_id=_id(message.params.get("participant")), circle_id=meeting.circle_id)
        .first()
    )
    if membership is None or membership.participant.status in SILENT_STATUSES:
        raise outbox.Stale("The person is no longer in this circle.")
    participant = membership.participant
    if not may_be_asked(participant):
        raise outbox.Stale("The person may no longer be asked for feedback.")
    if FeedbackReceipt.objects.filter(meeting=meeting, participant=participant).exists():
        raise outbox.Stale("The person already gave feedback on this meeting.")
    initiative = meeting.circle.initiative
    closes = local_when(
        meeting.starts_at + FEEDBACK_WINDOW, initiative=initiative, language=message.language
    )
    return outbox.Built(
        template="meeting_feedback",
        context={
            "name": participant.name,
            "initiative": initiative,
            "circle": meeting.circle,
            "meeting_title": meeting.title
            or (meeting.guide_session.title if meeting.guide_session else ""),
            "when": local_when(meeting.starts_at, initiative=initiative, language=message.language),
            "closes": closes,
            "feedback_url": feedback_url(participant, meeting),
        },
    )


def register_feedback_kinds() -> None:
    outbox.register(
        FEEDBACK_REQUEST,
        label=_("After-session feedback request"),
        category="reminders",
        build=build_feedback_request,
    )
