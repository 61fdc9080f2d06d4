"""The evaluation app's emails, built at sending time: the invitation to answer a survey wave
and its one reminder, each with the person's private link to the survey. A message whose
invitation is gone, answered or closed, or whose person withdrew their consent or no longer
takes part, is cancelled instead of sent (outbox.Stale). Registered in EvaluationConfig.ready().
"""

import zoneinfo

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from dialogue_hub import outbox
from dialogue_hub.emails import absolute_url
from participants.services import registration

from .models import Invitation
from .services import waves as wave_services
from .services.responses import may_be_asked


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
    if invitation.wave.closed_at is not None or invitation.closes_at <= timezone.now():
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
        wave_services.INVITE, label=_("Evaluation survey"), build=_builder("survey_invite")
    )
    outbox.register(
        wave_services.REMINDER,
        label=_("Evaluation survey reminder"),
        category="reminders",
        build=_builder("survey_reminder"),
    )
