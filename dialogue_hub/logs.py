"""Logging for Django, gunicorn and Celery: one configuration, every line redacted.

- `logging_config()` is the LOGGING of the settings: production writes one JSON object a line
  (python-json-logger) — `time`, `level`, `logger`, `message`, `request_id`, in a worker
  `task_name`/`task_id`, and what the record carries (`status_code`, an `exc_info` traceback…);
  `make run` and the tests write plain text. Either way each line goes through
  dialogue_hub/redaction.py, and each record gets its request id (dialogue_hub/request_ids.py).
- `gunicorn_config()` is gunicorn's `logconfig_dict` (dialogue_hub/gunicorn_conf.py): its own
  lines and its access log as JSON; an access line is `method`, `path` (its secrets redacted),
  `query`, `status`, `duration_ms`, `bytes`, `referer`, `user_agent` and the request id the
  app returned. No client address, no cookie, no header besides these.
- Celery workers and beat take the same LOGGING (`celery_setup_logging`, connected in
  dialogue_hub/celery.py), at the level of their `--loglevel`.
"""

from __future__ import annotations

import logging
import logging.config
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import unquote_plus

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

from .redaction import redact

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(message)s"
RENAMED = {"levelname": "level", "name": "logger"}
# Attributes a record may carry that are not worth a field (Django's HttpRequest: its path is in
# the message already).
DROPPED = ("request",)


def _clean(value):
    """A JSON-ready copy of `value` with every string redacted."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(item) for item in value]
    return redact(str(value))


class JsonFormatter(_BaseJsonFormatter):
    """One JSON object a line, every value redacted."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", RENAMED)
        kwargs.setdefault("timestamp", "time")
        if not args and "fmt" not in kwargs:
            kwargs["fmt"] = JSON_FIELDS
        super().__init__(*args, **kwargs)

    def process_log_record(self, log_data):
        for name in DROPPED:
            log_data.pop(name, None)
        return {key: _clean(value) for key, value in log_data.items()}


class AccessJsonFormatter(JsonFormatter):
    """gunicorn's access log: the record's arguments are its "atoms" (gunicorn.glogging)."""

    def add_fields(self, log_data, record, message_dict):
        super().add_fields(log_data, record, message_dict)
        atoms = record.args if isinstance(record.args, Mapping) else {}
        if not atoms:
            return

        def atom(key: str) -> str:
            value = atoms[key] if key in atoms or key.startswith("{") else "-"
            return "" if value in (None, "-") else str(value)

        path, query, status = atom("U"), unquote_plus(atom("q")), atom("s")
        log_data.update(
            {
                "message": f"{atom('m')} {path}{'?' + query if query else ''} {status}",
                "method": atom("m"),
                "path": path,
                "query": query,
                "status": int(status) if status.isdigit() else status,
                "duration_ms": atoms.get("M"),
                "bytes": atoms.get("B"),
                "referer": atom("f"),
                "user_agent": atom("a"),
                "request_id": atom("{x-request-id}o") or None,
            }
        )


class PlainFormatter(logging.Formatter):
    """The usual one-line text, redacted (`make run`, the tests)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _filters() -> dict:
    return {"request_id": {"()": "dialogue_hub.request_ids.RequestIdFilter"}}


def _formatters() -> dict:
    return {
        "json": {"()": "dialogue_hub.logs.JsonFormatter"},
        "plain": {"()": "dialogue_hub.logs.PlainFormatter", "fmt": PLAIN_FORMAT},
        "access": {"()": "dialogue_hub.logs.AccessJsonFormatter"},
    }


def _handler(formatter: str) -> dict:
    return {
        "class": "logging.StreamHandler",
        "formatter": formatter,
        "filters": ["request_id"],
        # The console of docker compose: standard error, unbuffered, as gunicorn and Celery.
        "stream": "ext://sys.stderr",
    }


def logging_config(*, json: bool, level: str = "INFO") -> dict:
    """Django's LOGGING: every logger through one redacting console handler."""
    formatter = "json" if json else "plain"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": _filters(),
        "formatters": _formatters(),
        "handlers": {"console": _handler(formatter)},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own handlers (the console when DEBUG is on, mail to ADMINS, which we do
            # not set; runserver's request lines) would write past the redaction: through ours.
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.server": {"handlers": [], "level": "INFO", "propagate": True},
            # SQL with its parameters (invitation keys, addresses) only ever at DEBUG: never.
            "django.db.backends": {"level": "INFO"},
            # The twilio package logs every request's headers at INFO: ten lines per text message.
            "twilio.http_client": {"level": "WARNING"},
        },
    }


def gunicorn_config(*, level: str = "INFO") -> dict:
    """gunicorn's logconfig_dict: its error log (start, stop, worker timeouts) and its access log
    as JSON, through the same redaction. The app's own lines follow Django's LOGGING."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": _filters(),
        "formatters": _formatters(),
        "handlers": {"console": _handler("json"), "access": _handler("access")},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }


def celery_setup_logging(loglevel=None, **_kwargs) -> None:
    """Celery's `setup_logging` signal: the settings' LOGGING instead of Celery's own format,
    at the worker's (or beat's) --loglevel."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
