"""The emails the participants app sends, built at sending time from the participant's row.

Registered with the outbox in ParticipantsConfig.ready(). A message for a registration that
was deleted meanwhile is cancelled, not sent.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dialogue_hub import outbox
from dialogue_hub.emails import absolute_url

from . import services
from .models import Participant, Status

# kind -> (template, label, who receives it)
KINDS = {
    "participant.confirm": ("participant_confirm", _("Registration: confirm your email")),
    "participant.welcome": ("participant_welcome", _("Registration: welcome")),
    "participant.manage_link": ("participant_manage_link", _("Registration: private link")),
    "participant.guardian_request": ("guardian_request", _("Guardian consent request")),
    "participant.guardian_reminder": ("guardian_reminder", _("Guardian consent reminder")),
    "participant.promoted": ("participant_promoted", _("Waiting list: place offered")),
}


def links(participant: Participant) -> dict:
    def url(name, salt):
        return absolute_url(
            reverse(name, kwargs={"token": services.make_token(participant, salt)})
        )

    return {
        "manage_url": url("participants:manage", services.MANAGE_SALT),
        "confirm_url": url("participants:confirm", services.CONFIRM_SALT),
        "guardian_url": url("participants:guardian", services.GUARDIAN_SALT),
        "manage_days": settings.DIALOGUE_HUB_MANAGE_LINK_DAYS,
        "confirm_days": settings.DIALOGUE_HUB_CONFIRM_LINK_DAYS,
        "guardian_days": settings.DIALOGUE_HUB_GUARDIAN_LINK_DAYS,
    }


def participant_of(message) -> Participant:
    """The participant a message is about, or Stale when the registration is gone."""
    participant = (
        Participant.objects.select_related("initiative")
        .filter(pk=message.params.get("participant"))
        .first()
    )
    if participant is None:
        raise outbox.Stale("The registration was deleted.")
    return participant


def _builder(template: str):
    def build(message) -> outbox.Built:
        participant = participant_of(message)
        if message.kind == "participant.guardian_reminder" and (
            participant.guardian_consented_at is not None
            or participant.status == Status.WITHDRAWN
        ):
            raise outbox.Stale("The guardian has answered, or the registration was withdrawn.")
        return outbox.Built(
            template=template,
            context={
                "participant": participant,
                "initiative": participant.initiative,
                **links(participant),
            },
        )

    return build


def register_kinds() -> None:
    for kind, (template, label) in KINDS.items():
        outbox.register(kind, label=label, build=_builder(template))
