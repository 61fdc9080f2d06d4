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
    # Every hour at 15 minutes past: delete paper sign-in sheets uploaded for checking more
    # than 24 hours ago and never imported or cancelled (they hold personal data).
    "purge-stale-import-uploads": {
        "task": "participants.tasks.import_uploads_purge_stale",
        "schedule": crontab(minute=15),
    },
    # Every day at 04:00 UTC: delete sign-ups never confirmed before their link expired (and
    # under-13 sign-ups no guardian answered); their seats go to the waiting list.
    "expire-unconfirmed-registrations": {
        "task": "participants.tasks.registrations_expire_unconfirmed",
        "schedule": crontab(hour=4, minute=0),
    },
}
