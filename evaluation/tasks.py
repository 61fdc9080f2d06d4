"""Celery tasks of the evaluation app (the beat schedule is in dialogue_hub/celery.py)."""

from celery import shared_task

from .services import feedback as feedback_services
from .services import waves as wave_services


@shared_task
def surveys_plan() -> dict[str, int]:
    """Ask people to answer the survey waves and remind them once (every 15 minutes)."""
    return wave_services.surveys_plan()


@shared_task
def feedback_requests_plan() -> int:
    """Plan the "How was today's session?" emails after meetings (every 15 minutes)."""
    return feedback_services.feedback_requests_plan()
