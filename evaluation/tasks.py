"""Celery tasks of the evaluation app (the beat schedule is in dialogue_hub/celery.py)."""

from celery import shared_task

from .services import feedback as feedback_services


@shared_task
def feedback_requests_plan() -> int:
    """Plan the "How was today's session?" emails after meetings (every 15 minutes)."""
    return feedback_services.feedback_requests_plan()
