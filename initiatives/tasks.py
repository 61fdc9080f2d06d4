import logging

from celery import shared_task
from django.urls import reverse

from dialogue_hub.emails import TRANSIENT_EMAIL_ERRORS, absolute_url, send_templated_email

from . import services
from .models import Invitation

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=TRANSIENT_EMAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def invitation_send(invitation_id: int, key: str) -> None:
    """Email one invitation link, once.

    Skips the invitation if it is no longer open, if a newer link replaced `key`, or if this
    link was already sent (a redelivered task, say).
    """
    invitation = (
        Invitation.objects.select_related("initiative", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or services.invitation_problem(invitation):
        logger.info("Invitation %s is no longer open; not sending.", invitation_id)
        return
    if invitation.key != key or invitation.sent_at is not None:
        logger.info("Invitation %s: this link was replaced or already sent.", invitation_id)
        return
    send_templated_email(
        template="invitation",
        to=invitation.email,
        context={
            "invitation": invitation,
            "initiative": invitation.initiative,
            "inviter": invitation.invited_by,
            "accept_url": absolute_url(
                reverse("initiatives:invitation_accept", kwargs={"key": invitation.key})
            ),
        },
    )
    services.invitation_mark_sent(invitation_id=invitation.pk, key=key)


@shared_task
def invitations_purge_stale() -> int:
    return services.invitations_purge_stale()
