import logging

from celery import shared_task

from .services import imports, registration, reminders

logger = logging.getLogger(__name__)


@shared_task
def import_uploads_purge_stale() -> int:
    """Delete sign-in sheets uploaded for checking more than a day ago and never imported or
    cancelled (they hold personal data)."""
    return imports.import_uploads_purge_stale()


@shared_task
def registrations_expire_unconfirmed() -> int:
    """Delete sign-ups whose email was never confirmed (or whose guardian never answered)
    before the link expired; their seats go to the waiting list."""
    return registration.registrations_expire_unconfirmed()


@shared_task
def reminders_plan() -> dict:
    """Plan guardian consent reminders and "registration nearly full" alerts (beat: hourly)."""
    return reminders.reminders_plan()


@shared_task
def personal_data_purge_closed() -> int:
    """Delete the personal data of initiatives closed longer than the retention period
    (beat: daily). Returns how many initiatives were purged."""
    from .services import retention

    return len(retention.purge_closed_initiatives())
