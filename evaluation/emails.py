"""The evaluation app's emails, built at sending time from the database (see
dialogue_hub/outbox.py). Registered in EvaluationConfig.ready().

Survey waves ("survey.invite" and its one "survey.reminder", `register_kinds`): each with the
person's private link to the survey. A message whose invitation is gone, answered or closed, or
whose person withdrew their consent or no longer takes part, is cancelled (outbox.Stale).

After-session feedback ("meeting.feedback", `register_feedback_kinds`): "How was today's
session?", planned by evaluation/services/feedback.py's sweep. The builder checks that the
request still applies (the meeting was not cancelled or moved, the person is still in the
circle, still may be asked, has not answered, and the form is still open).
"""

from __future__ import annotations

import zoneinfo

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from dialogue_hub import outbox
from dialogue_hub.emails import absolute_url
from guides.emails import local_when
from guides.models import CircleMember, CircleSession, MeetingStatus
from guides.selectors.reminders import SILENT_STATUSES
from participants.services import registration

from .models import FeedbackReceipt, Invitation
from .selectors.feedback import FEEDBACK_WINDOW, feedback_window_open
from .services import waves as wave_services
from .services.feedback import FEEDBACK_REQUEST
from .services.responses import dialogues_begun, may_be_asked


def survey_url(participant, kind: str) -> str:
    """The person's private link to one wave's survey (their manage link's token)."""
    token = registration.make_token(participant, registration.MANAGE_SALT)
    return absolute_url(reverse("evaluation:survey", kwargs={"token": token, "kind": kind}))


def invitation_of(message) -> Invitation:
    """The invitation a message is about, while it still applies."""
    invitation = (
        Invitation.objects.select_related("wave", "wave__initiative", "participant")
        .filter(
            wave_id=message.params.get("wave"), participant_id=message.params.get("participant")
        )
        .first()
    )
    if invitation is None:
        raise outbox.Stale("The invitation is gone.")
    if invitation.answered:
        raise outbox.Stale("The person has answered.")
    now = timezone.now()
    if (
        invitation.wave.closed_at is not None
        or invitation.closes_at <= now
        or (
            invitation.wave.kind == "pre"
            and dialogues_begun(invitation.participant, invitation, now)
        )
    ):
        raise outbox.Stale("The wave is closed.")
    participant = invitation.participant
    if participant.status in wave_services.NOT_ASKED_STATUSES:
        raise outbox.Stale("The person no longer takes part.")
    if not may_be_asked(participant):
        raise outbox.Stale("The person may not be asked (consent withdrawn).")
    return invitation


def _builder(template: str):
    def build(message) -> outbox.Built:
        invitation = invitation_of(message)
        participant = invitation.participant
        initiative = invitation.wave.initiative
        local = timezone.localtime(invitation.closes_at, zoneinfo.ZoneInfo(initiative.timezone))
        with translation.override(message.language):
            closes = date_format(local, "DATE_FORMAT")
        return outbox.Built(
            template=template,
            context={
                "participant": participant,
                "name": participant.name,
                "initiative": initiative,
                "wave": invitation.wave,
                "is_pre": invitation.wave.kind == "pre",
                "closes": closes,
                "survey_url": survey_url(participant, invitation.wave.kind),
                "for_guardian": not participant.email,
            },
        )

    return build


def register_kinds() -> None:
    outbox.register(
        wave_services.INVITE,
        label=_("Evaluation survey"),
        build=_builder("survey_invite"),
        text="survey_invite",
    )
    outbox.register(
        wave_services.REMINDER,
        label=_("Evaluation survey reminder"),
        category="surveys",
        build=_builder("survey_reminder"),
        text="survey_reminder",
    )


def _id(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def feedback_url(participant, meeting) -> str:
    """The feedback form of one meeting, reached with the person's private manage link."""
    token = registration.make_token(participant, registration.MANAGE_SALT)
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
        category="surveys",
        build=build_feedback_request,
    )
