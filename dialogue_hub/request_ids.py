"""A request id on every log line of a request, and of the Celery tasks the request queued.

- `RequestIdMiddleware` (first in MIDDLEWARE) takes a well-formed `X-Request-ID` from the
  request (a proxy's or a client's), or makes one, keeps it for the request's log lines and
  returns it in the response's `X-Request-ID` header. It stays set until Django's
  `request_finished`, so the lines Django writes after the middleware returned (`django.request`'s
  "Not Found: …") and gunicorn's access line carry it too.
- A task published while a request runs (the outbox's after-commit publish included, which runs
  when the request's transaction commits) carries it in a message header (`before_task_publish`);
  the worker sets it for the task's run (`task_prerun`/`task_postrun`), with the task's name
  and id, so the worker's lines of that task carry it.
- `RequestIdFilter` (dialogue_hub/logs.py puts it on every handler) writes them on each record.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.core.signals import request_finished
from django.dispatch import receiver

HEADER = "X-Request-ID"
# The task message header that carries it.
TASK_HEADER = "request_id"
# Letters, digits, "-", "_" and ".", 8 to 64 of them (a UUID, nginx's $request_id…): anything
# else (a signed link, a long string, a line break) is replaced by an id of our own.
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_task: ContextVar[tuple[str, str] | None] = ContextVar("task", default=None)
# task id -> the context tokens task_prerun set, for task_postrun to undo.
_task_tokens: dict[str, tuple] = {}


def new() -> str:
    return uuid.uuid4().hex


def well_formed(value) -> bool:
    return isinstance(value, str) and WELL_FORMED.fullmatch(value) is not None


def current() -> str | None:
    """The id of the request (or of the request that queued the task) being handled now."""
    return _request_id.get()


def current_task() -> tuple[str, str] | None:
    """(name, id) of the Celery task running now in this process, or None."""
    return _task.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if well_formed(incoming) else new()
        request.request_id = request_id
        _request_id.set(request_id)
        response = self.get_response(request)
        response.headers[HEADER] = request_id
        return response


@receiver(request_finished, dispatch_uid="dialogue_hub.request_ids.forget")
def _forget(**_kwargs) -> None:
    _request_id.set(None)


@before_task_publish.connect(dispatch_uid="dialogue_hub.request_ids.carry")
def _carry(headers=None, **_kwargs) -> None:
    request_id = current()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


def _from_task(task) -> str | None:
    request = getattr(task, "request", None)
    value = getattr(request, TASK_HEADER, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    return value if well_formed(value) else None


@task_prerun.connect(dispatch_uid="dialogue_hub.request_ids.adopt")
def _adopt(task_id=None, task=None, **_kwargs) -> None:
    request_id = _from_task(task)
    # A task run eagerly (tests) has no header: it keeps the id of the request around it.
    id_token = _request_id.set(request_id) if request_id else None
    task_token = _task.set((getattr(task, "name", "?"), task_id or "?"))
    _task_tokens[task_id] = (id_token, task_token)


@task_postrun.connect(dispatch_uid="dialogue_hub.request_ids.drop")
def _drop(task_id=None, **_kwargs) -> None:
    id_token, task_token = _task_tokens.pop(task_id, (None, None))
    if task_token is not None:
        _task.reset(task_token)
    if id_token is not None:
        _request_id.reset(id_token)


class RequestIdFilter(logging.Filter):
    """Puts `request_id` (and, in a worker, `task_name`/`task_id`) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current()
        task = current_task()
        if task is not None and not hasattr(record, "task_id"):
            record.task_name, record.task_id = task
        return True
