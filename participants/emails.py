"""The emails the participants app sends, built at sending time from the participant's row.

Registered with the outbox in ParticipantsConfig.ready(). A message for a registration that
was deleted meanwhile is cancelled, not sent.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dialogue_hub import outbox
from dialogue_hub.emails import absolute_url
from initiatives.models import Initiative, Membership, Role

from .models import Participant, RegistrationSettings, RoleCap, RoleCategory, Status
from .services import registration, reminders

# kind -> (template, label, who receives it)
KINDS = {
    "participant.confirm": ("participant_confirm", _("Registration: confirm your email")),
    "participant.welcome": ("participant_welcome", _("Registration: welcome")),
    "participant.manage_link": ("participant_manage_link", _("Registration: private link")),
    "participant.already_registered": (
        "participant_already_registered",
        _("Registration: already registered"),
    ),
    "participant.guardian_request": ("guardian_request", _("Guardian consent request")),
    "participant.guardian_reminder": ("guardian_reminder", _("Guardian consent reminder")),
    "participant.promoted": ("participant_promoted", _("Waiting list: place offered")),
    "participant.confirmed": ("participant_confirmed", _("Registration: confirmed")),
}


def links(participant: Participant) -> dict:
    def url(name, salt):
        return absolute_url(
            reverse(name, kwargs={"token": registration.make_token(participant, salt)})
        )

    return {
        "manage_url": url("participants:manage", registration.MANAGE_SALT),
        "confirm_url": url("participants:confirm", registration.CONFIRM_SALT),
        "guardian_url": url("participants:guardian", registration.GUARDIAN_SALT),
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


def _check_guardian_reminder(message, participant: Participant) -> None:
    """A reminder goes only while the guardian still has to answer, to the guardian it was
    planned for (a changed guardian email got its own request)."""
    if participant.guardian_consented_at is not None or participant.status == Status.WITHDRAWN:
        raise outbox.Stale("The guardian has answered, or the registration was withdrawn.")
    if not participant.is_minor:
        raise outbox.Stale("The participant is no longer registered as a minor.")
    if outbox.normalize(participant.guardian_email) != message.to_email:
        raise outbox.Stale("The guardian's email address changed.")


def _builder(template: str):
    def build(message) -> outbox.Built:
        participant = participant_of(message)
        if message.kind == "participant.guardian_reminder":
            _check_guardian_reminder(message, participant)
        if message.kind == "participant.confirmed" and participant.status == Status.WITHDRAWN:
            raise outbox.Stale("The participant withdrew.")
        return outbox.Built(
            template=template,
            context={
                "participant": participant,
                "initiative": participant.initiative,
                **links(participant),
            },
        )

    return build


def build_nearly_full(message) -> outbox.Built:
    """To one organizer: a cap of seats is nearly reached. Cancelled when the person is no
    longer an organizer, the cap changed (its own alert follows) or seats were freed since."""
    params = message.params
    initiative = Initiative.objects.filter(pk=params.get("initiative")).first()
    if initiative is None:
        raise outbox.Stale("The initiative was deleted.")
    if not Membership.objects.filter(
        initiative=initiative, user_id=params.get("user"), role=Role.ORGANIZER
    ).exists():
        raise outbox.Stale("The recipient is no longer an organizer.")
    cap = params.get("cap")
    seated = Participant.objects.filter(initiative=initiative, seat_number__isnull=False)
    if cap == reminders.TOTAL_CAP:
        seats = (
            RegistrationSettings.objects.filter(initiative=initiative)
            .values_list("max_participants", flat=True)
            .first()
        )
        role_label = ""
    else:
        seats = (
            RoleCap.objects.filter(initiative=initiative, role_category=cap)
            .values_list("seats", flat=True)
            .first()
        )
        seated = seated.filter(role_category=cap)
        role_label = dict(RoleCategory.choices).get(cap, cap)
    if seats is None or seats != params.get("seats"):
        raise outbox.Stale("The cap changed since the alert was planned.")
    taken = seated.count()
    if not reminders.is_nearly_full(seated=taken, seats=seats):
        raise outbox.Stale("Seats were freed since the alert was planned.")
    return outbox.Built(
        template="nearly_full",
        context={
            "initiative": initiative,
            "role_label": role_label,
            "seats": seats,
            "taken": taken,
            "seats_left": max(seats - taken, 0),
            "settings_url": absolute_url(
                reverse("participants:registration_settings", kwargs={"slug": initiative.slug})
            ),
        },
    )


# Kinds a person may get by text too (templates/texts/<name>.txt), as they chose at
# registration. Never a guardian's message, "already registered" (it must not tell whoever
# holds a phone that an address is registered), a private link asked for by email, nor the
# confirmation link: it proves the email address, so it goes to that address whatever the
# person chose (by text, whoever typed the number would confirm someone else's address and
# learn, from the text that did or did not come, whether it was registered). Once the address
# is confirmed, a person reached by text gets "participant.confirmed" by text only
# (services.public.participant_confirm_email; an email-only person gets no such message).
TEXTS = {
    "participant.welcome": "participant_welcome",
    "participant.promoted": "participant_promoted",
    "participant.confirmed": "participant_confirmed",
}


def register_kinds() -> None:
    for kind, (template, label) in KINDS.items():
        outbox.register(kind, label=label, build=_builder(template), text=TEXTS.get(kind))
    outbox.register(
        "alert.nearly_full",
        label=_("Alert: registration nearly full"),
        category="alerts",
        build=build_nearly_full,
    )
