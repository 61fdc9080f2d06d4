"""Outbox tasks. Sending is idempotent (rows are claimed atomically), so a task delivered
twice, or re-published by the relay, never sends a message twice."""

from celery import shared_task
from celery.signals import worker_process_init, worker_process_shutdown

from . import outbox, outbox_email
from .ops.heartbeats import heartbeat_record


@worker_process_init.connect
def _hold_mail_connection(**_kwargs) -> None:
    """Each worker process keeps one mail connection open across its batches."""
    outbox_email.hold_connection()


@worker_process_shutdown.connect
def _close_mail_connection(**_kwargs) -> None:
    outbox_email.release_connection()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def outbox_send(ids: list[int]) -> dict:
    """Send these outbox messages. Transient mail errors are retried by the outbox itself
    (the row goes back with a growing delay), not by re-running this task."""
    return outbox.send_batch([int(i) for i in ids])


@shared_task(acks_late=True, reject_on_worker_lost=True)
def outbox_relay() -> int:
    """Hand due, forgotten or abandoned messages to workers (beat: every minute), then record
    the sweep (the "last beat sweep" of /metrics and the status page)."""
    handed = outbox.outbox_relay()
    heartbeat_record("sweep")
    return handed


@shared_task
def outbox_purge_old() -> int:
    """Delete finished messages past the retention period, and expired short links of texts
    (beat: daily)."""
    from . import shortlinks  # noqa: PLC0415

    return outbox.outbox_purge_old() + shortlinks.purge_expired()
