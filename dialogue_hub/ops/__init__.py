"""What the person who hosts Dialogue Hub reads to know it is running: the Prometheus endpoint
(/metrics) and the superusers' status page (/ops/status/).

- `heartbeats`: when beat, the outbox sweep and a worker last showed they ran (one database row
  each); the last backup comes from dialogue_hub/backups.py (the backup job's latest.json).
- `celery_signals`: the Celery hooks that record beat's and the workers' heartbeats.
- `selectors`: the figures, read in SQL: the outbox by status and channel, its oldest due
  message, failures in the last hour; the versions running, the database's size, Redis.
- `status`: those figures for the status page, with a warning and what to do for each problem.
- `metrics`: the Prometheus side: the app's gauges (a collector run at scrape time), the
  per-process counts of django-prometheus (added up across gunicorn workers), who may scrape.
- `middleware`, `views`: the two pages.

`celery_signals` and `heartbeats` import no model at import time: dialogue_hub/celery.py imports
them before Django is set up.
"""
