"""The Celery hooks behind the "beat" and "worker" heartbeats (heartbeats.py). Connected by
dialogue_hub/celery.py, so every Celery process (worker, beat) has them.

Beat firing and a worker running are different facts, and either can stop alone:
- beat: right after the beat process handed the outbox sweep to the broker (after_task_publish
  in a process that beat_init marked as beat's). A worker or a web process publishing the
  same task records nothing.
- worker: when a worker's consumer is ready, then every WORKER_SECONDS from a timer on the
  worker's own event loop: it stops when the worker stops or its loop is stuck, whether or not
  beat gives it anything to do.
A failed write (the database unreachable) is logged and tried again next time; it never stops
beat or the worker.
"""

import logging

from celery.signals import after_task_publish, beat_embedded_init, beat_init, worker_ready

from .heartbeats import WORKER_SECONDS

logger = logging.getLogger(__name__)

SWEEP_TASK = "dialogue_hub.tasks.outbox_relay"
_state = {"beat": False, "worker_timer": False}


def record(name: str) -> None:
    """Write heartbeat `name`, from outside any request: a connection that broke (the database
    restarted) is dropped and made again next time."""
    from django.db import close_old_connections, connection  # noqa: PLC0415

    from .heartbeats import heartbeat_record  # noqa: PLC0415

    try:
        if not connection.in_atomic_block:  # never in beat or a worker; a test's transaction
            close_old_connections()
        heartbeat_record(name)
    except Exception as exc:  # the database is down: beat and the worker go on regardless
        logger.warning("Could not record the %s heartbeat: %s", name, exc)
        if not connection.in_atomic_block:
            connection.close()


@beat_init.connect
@beat_embedded_init.connect
def _in_beat(**_kwargs) -> None:
    _state["beat"] = True


@after_task_publish.connect
def _beat_handed_over_sweep(sender=None, **_kwargs) -> None:
    if _state["beat"] and sender == SWEEP_TASK:
        record("beat")


@worker_ready.connect
def _worker_heartbeat(sender=None, **_kwargs) -> None:
    record("worker")
    timer = getattr(sender, "timer", None)
    if timer is not None and not _state["worker_timer"]:
        _state["worker_timer"] = True
        timer.call_repeatedly(WORKER_SECONDS, record, ("worker",))
