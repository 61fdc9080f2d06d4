"""The actions app's beat tasks: they only plan outbox rows (see actions/services/progress.py); the
outbox's own tasks send them."""

from celery import shared_task

from .services import progress as reminders


@shared_task
def reminders_plan() -> dict:
    """Plan milestone due and overdue reminders (beat: hourly)."""
    return reminders.reminders_plan()


@shared_task
def digest_weekly() -> int:
    """Plan this week's digest for every coalition lead (beat: Mondays)."""
    return reminders.digest_weekly()
