"""The Celery app. Each Django app keeps its own tasks in its tasks.py."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import setup_logging

from .logs import celery_setup_logging

# Beat's and the workers' heartbeats, read by /metrics and the status page (dialogue_hub/ops/).
from .ops import celery_signals  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dialogue_hub.settings.local")

app = Celery("dialogue_hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Workers and beat log through the settings' LOGGING (JSON in production, redacted, with the
# request id of the request that queued a task: dialogue_hub/logs.py), not Celery's own format.
setup_logging.connect(celery_setup_logging, weak=False)

app.conf.beat_schedule = {
    # Every day at 02:30 UTC: delete the personal data of initiatives closed longer than
    # DIALOGUE_HUB_RETENTION_DAYS (participants/services/retention.py).
    "purge-closed-initiatives": {
        "task": "participants.tasks.personal_data_purge_closed",
        "schedule": crontab(hour=2, minute=30),
    },
    # Every minute: hand due emails to workers (those the broker missed while it was down,
    # and those a stopped worker had claimed). See dialogue_hub/outbox.py.
    "outbox-relay": {
        "task": "dialogue_hub.tasks.outbox_relay",
        "schedule": crontab(),
    },
    # Every day at 03:45 UTC: delete sent and cancelled emails past their retention period.
    "purge-old-outbox": {
        "task": "dialogue_hub.tasks.outbox_purge_old",
        "schedule": crontab(hour=3, minute=45),
    },
    # Every 5 minutes: plan meeting reminders (participants and staff), "write your session
    # notes" nudges and alerts about circles without a facilitator.
    "plan-meeting-reminders": {
        "task": "guides.tasks.reminders_plan",
        "schedule": crontab(minute="*/5"),
    },
    # Every hour at 5 past: guardian consent reminders and "registration nearly full" alerts.
    "plan-participant-reminders": {
        "task": "participants.tasks.reminders_plan",
        "schedule": crontab(minute=5),
    },
    # Every hour at 10 past: milestone due (3 days before) and overdue reminders.
    "plan-milestone-reminders": {
        "task": "actions.tasks.reminders_plan",
        "schedule": crontab(minute=10),
    },
    # Mondays at 12:00 UTC (early morning in the Americas): the coalition leads' digest.
    "weekly-digest": {
        "task": "actions.tasks.digest_weekly",
        "schedule": crontab(day_of_week=1, hour=12, minute=0),
    },
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
    # Every 15 minutes: survey waves: ask the people each open wave asks now (placed before
    # their circle's first meeting, after its last one, the follow-up later) and remind them
    # once (evaluation/services/waves.py).
    "plan-survey-waves": {
        "task": "evaluation.tasks.surveys_plan",
        "schedule": crontab(minute="*/15"),
    },
    # Every day at 04:00 UTC: delete sign-ups never confirmed before their link expired (and
    # under-13 sign-ups no guardian answered); their seats go to the waiting list.
    "expire-unconfirmed-registrations": {
        "task": "participants.tasks.registrations_expire_unconfirmed",
        "schedule": crontab(hour=4, minute=0),
    },
    # Every 15 minutes: after each meeting, ask the circle's members (those who agreed to
    # evaluation surveys) "How was today's session?" (evaluation/services/feedback.py).
    "plan-feedback-requests": {
        "task": "evaluation.tasks.feedback_requests_plan",
        "schedule": crontab(minute="*/15"),
    },
}
