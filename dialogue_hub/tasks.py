from celery import shared_task

from .emails import TRANSIENT_EMAIL_ERRORS, payload_to_message


@shared_task(
    autoretry_for=TRANSIENT_EMAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def email_send(payload: dict) -> None:
    """Send one message rendered earlier (see emails.send_after_commit)."""
    payload_to_message(payload).send()
