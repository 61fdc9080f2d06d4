"""The Celery app. Each Django app keeps its own tasks in its tasks.py."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dialogue_hub.settings.local")

app = Celery("dialogue_hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Every day at 03:30 UTC: delete invitations that expired long ago without being accepted
    # (they hold an email address we no longer need).
    "purge-stale-invitations": {
        "task": "initiatives.tasks.invitations_purge_stale",
        "schedule": crontab(hour=3, minute=30),
    },
}
