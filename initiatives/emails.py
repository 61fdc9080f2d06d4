"""The invitation email, built at sending time (registered in InitiativesConfig.ready())."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dialogue_hub import outbox
from dialogue_hub.emails import absolute_url

from . import services
from .models import Invitation


def build_invitation(message) -> outbox.Built:
    invitation = (
        Invitation.objects.select_related("initiative", "invited_by")
        .filter(pk=message.params.get("invitation"))
        .first()
    )
    if invitation is None or services.invitation_problem(invitation):
        raise outbox.Stale("The invitation is no longer open.")
    if invitation.key != message.params.get("key"):
        raise outbox.Stale("A newer link replaced this one.")
    return outbox.Built(
        template="invitation",
        context={
            "invitation": invitation,
            "initiative": invitation.initiative,
            "inviter": invitation.invited_by,
            "accept_url": absolute_url(
                reverse("initiatives:invitation_accept", kwargs={"key": invitation.key})
            ),
        },
    )


def invitation_sent(message) -> None:
    services.invitation_mark_sent(
        invitation_id=message.params["invitation"], key=message.params["key"]
    )


def register_kinds() -> None:
    outbox.register(
        "invitation", label=_("Team invitation"), build=build_invitation, on_sent=invitation_sent
    )
