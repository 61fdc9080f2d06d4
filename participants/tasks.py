import logging

from celery import shared_task
from django.conf import settings
from django.urls import reverse

from dialogue_hub.emails import TRANSIENT_EMAIL_ERRORS, absolute_url, send_templated_email

from . import imports, services
from .models import Participant

logger = logging.getLogger(__name__)

# kind -> (template, who receives it)
EMAILS = {
    "confirm": ("participant_confirm", "participant"),
    "welcome": ("participant_welcome", "participant"),
    "manage_link": ("participant_manage_link", "participant"),
    "guardian_request": ("guardian_request", "guardian"),
    "promoted": ("participant_promoted", "participant"),
}


def _links(participant):
    return {
        "manage_url": absolute_url(
            reverse(
                "participants:manage",
                kwargs={"token": services.make_token(participant, services.MANAGE_SALT)},
            )
        ),
        "confirm_url": absolute_url(
            reverse(
                "participants:confirm",
                kwargs={"token": services.make_token(participant, services.CONFIRM_SALT)},
            )
        ),
        "guardian_url": absolute_url(
            reverse(
                "participants:guardian",
                kwargs={"token": services.make_token(participant, services.GUARDIAN_SALT)},
            )
        ),
        "manage_days": settings.DIALOGUE_HUB_MANAGE_LINK_DAYS,
        "confirm_days": settings.DIALOGUE_HUB_CONFIRM_LINK_DAYS,
        "guardian_days": settings.DIALOGUE_HUB_GUARDIAN_LINK_DAYS,
    }


@shared_task(
    autoretry_for=TRANSIENT_EMAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def participant_email(participant_id: int, kind: str) -> None:
    """Send one participant-facing email in the person's language. Skips deleted registrations."""
    participant = Participant.objects.select_related("initiative").filter(pk=participant_id).first()
    if participant is None:
        logger.info("Participant %s no longer exists; %s email not sent.", participant_id, kind)
        return
    template, recipient = EMAILS[kind]
    to = (
        participant.guardian_email
        if recipient == "guardian"
        else (participant.email or participant.guardian_email)
    )
    if not to:
        return
    send_templated_email(
        template=template,
        to=to,
        language=participant.preferred_language,
        context={
            "participant": participant,
            "initiative": participant.initiative,
            **_links(participant),
        },
    )


@shared_task
def import_uploads_purge_stale() -> int:
    """Delete sign-in sheets uploaded for checking more than a day ago and never imported or
    cancelled (they hold personal data)."""
    return imports.import_uploads_purge_stale()


@shared_task
def registrations_expire_unconfirmed() -> int:
    """Delete sign-ups whose email was never confirmed (or whose guardian never answered)
    before the link expired; their seats go to the waiting list."""
    return services.registrations_expire_unconfirmed()
