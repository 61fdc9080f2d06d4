"""Celery tasks of the guides app (the beat schedule is in dialogue_hub/celery.py)."""

from celery import shared_task

from .services import reminders as reminder_services


@shared_task
def reminders_plan() -> dict[str, int]:
    """Plan meeting reminders, session-notes nudges and no-facilitator alerts (every 5 min)."""
    return reminder_services.reminders_plan()
