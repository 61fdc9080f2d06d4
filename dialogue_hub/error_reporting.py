"""Error reporting, optional: with SENTRY_DSN set, the errors of the web app and of the Celery
workers go to Sentry, or to a service that speaks its protocol (self-hosted Sentry, GlitchTip),
through sentry-sdk and its Django and Celery integrations. Without SENTRY_DSN nothing here runs
and sentry-sdk is never imported.

No personal data leaves the server. The SDK is started without what identifies people
(send_default_pii off and its successor `data_collection` closed: no user, cookies, query
strings, request bodies, local variables, SQL parameters or task arguments),
and every event passes `scrub_event` before it is sent (breadcrumbs lose their data as they are
recorded, `scrub_breadcrumb`), so that a changed option or a new integration lets none through:

- the request keeps its method, its address without the query string, and a few technical
  headers (SAFE_HEADERS; the Referer without its query). Never its body, cookies, query string,
  Authorization, CSRF token or forwarded client address;
- private links: every path segment that a route of the URL conf captures as anything but an id
  number, a slug or a kind (PUBLIC_KWARGS) becomes [Filtered] wherever a path appears: the
  request, the Referer, messages, breadcrumbs. That covers the manage, guardian and survey links,
  email preference and unsubscribe links, calendar feeds, short links, invitations, allauth's
  confirmation and password-reset keys, and every route added later (the routes are read from
  the URL conf, not listed here: the walk of dialogue_hub/redaction.py, given this broader rule
  than the logs' one, `is_secret`);
- stack frames keep their file, function, line and source, never their local variables;
- messages: email addresses, phone numbers, signed tokens (django.core.signing), API tokens and
  passwords in URLs are replaced; in exception messages quoted values too ('Jane Doe'), keeping
  lowercase identifiers and type names ('id', 'NoneType'); PostgreSQL's "Key (…)=(…)" values;
- a log message (an event or a breadcrumb) is sent as its template ("Sent %s to %s"), never
  with its arguments or its `extra`;
- SQL breadcrumbs keep the statement with its placeholders, never its parameters or literals;
- the user: its numeric id at most; a task: its name, never its arguments.

A person's name written into the text of an exception or a log template, unquoted, cannot be
recognised: never write one there (Participant.__str__ holds no name for that reason).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from .redaction import path_rules

FILTERED = "[Filtered]"
BASE_DIR = Path(__file__).resolve().parent.parent

# URL kwargs that never hold a secret: id numbers (any `int` converter), public slugs and a
# survey's kind. Every other kwarg a route captures (token, key, code, uidb36, and whatever a
# route added later names) is taken for a secret.
PUBLIC_KWARGS = frozenset({"slug", "pk", "id", "kind"})

# Request headers an event keeps (compared without case); every other one is dropped.
SAFE_HEADERS = frozenset(
    {
        "host",
        "user-agent",
        "accept",
        "accept-language",
        "accept-encoding",
        "content-type",
        "content-length",
        "referer",
        "x-forwarded-proto",
        "x-request-id",
        "hx-request",
    }
)

# Breadcrumb data kept (the rest may hold values: a log record's extra, SQL parameters…).
SAFE_BREADCRUMB_DATA = frozenset(
    {
        "url",
        "method",
        "http.method",
        "http.request.method",
        "status_code",
        "http.response.status_code",
        "reason",
        "db.system",
        "db.operation",
        "redis.command",
        "thread.id",
        "thread.name",
    }
)

# Keys whose values are identifiers, timestamps or source code, never scrubbed as text: a trace
# id is not a token, a timestamp not a phone number, a source line holds no person's data.
STRUCTURAL_KEYS = frozenset(
    {
        "event_id",
        "trace_id",
        "span_id",
        "parent_span_id",
        "timestamp",
        "start_timestamp",
        "platform",
        "level",
        "release",
        "environment",
        "sdk",
        "modules",
        "type",
        "module",
        "function",
        "filename",
        "abs_path",
        "lineno",
        "colno",
        "pre_context",
        "context_line",
        "post_context",
        "in_app",
        "mechanism",
        "op",
        "status",
        "origin",
        "transaction_info",
    }
)

# Keys dropped wherever they appear (frames' local variables, SQL parameters, query strings).
DROPPED_KEYS = frozenset(
    {"vars", "db.params", "http.query", "http.fragment", "cookies", "query_string"}
)

EMAIL = re.compile(
    r"[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", re.IGNORECASE
)
# Digits with the separators phone numbers are written with; `_phone` decides (7-15 digits,
# neither a date nor an IP address nor a decimal number).
PHONE_LIKE = re.compile(r"(?<![\w+])\+?\(?\d[\d ().\-]{5,}\d(?![\w])")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
DECIMAL = re.compile(r"^\d+\.\d+$")
# django.core.signing: payload:signature, or payload:timestamp:signature (manage, guardian,
# unsubscribe and feed links, allauth's keys).
SIGNED = re.compile(r"\.?[\w-]{6,}(?::[\w-]{4,})?:[\w-]{27,}")
API_TOKEN = re.compile(r"\bdh_[\w-]{16,}")
AUTH_VALUE = re.compile(r"\b(?P<scheme>bearer|token|basic)\s+[\w.~+/=-]{8,}", re.IGNORECASE)
# The password of a URL with credentials (scheme://user:password@host): DIALOGUE_HUB_SMS_URL
# carries the text provider's auth token, REDIS_URL or CELERY_BROKER_URL may carry a password
# (also hidden from Django's error reports by dialogue_hub/debug.py).
URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]*(?=@)", re.IGNORECASE)
# A query string after a path or an address: its values are whatever someone typed.
QUERY = re.compile(
    r"(?P<path>(?:[a-z][a-z0-9+.-]*://[^\s/?#]+)?/[^\s?#\"'<>]*)\?[^\s#\"'<>]*", re.IGNORECASE
)


# --- start-up ----------------------------------------------------------------------------------


def project_version() -> str:
    """The version in pyproject.toml ("" when the file is not there)."""
    try:
        data = tomllib.loads((BASE_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return ""
    return str(data.get("project", {}).get("version", ""))


def error_reporting_init(env) -> bool:
    """Start sentry-sdk when SENTRY_DSN is set (production.py calls this with its django-environ
    `env`). Every variable is read either way, so that a typo is caught at start-up. Returns
    whether reporting is on."""
    dsn = env("SENTRY_DSN", default="")
    environment = env("SENTRY_ENVIRONMENT", default="production")
    release = env("SENTRY_RELEASE", default="")
    traces_sample_rate = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
    if not dsn:
        return False

    import sentry_sdk  # noqa: PLC0415 (only when reporting is on)
    from sentry_sdk.integrations.celery import CeleryIntegration  # noqa: PLC0415
    from sentry_sdk.integrations.django import DjangoIntegration  # noqa: PLC0415

    version = project_version()
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or (f"dialogue-hub@{version}" if version else None),
        # 0: errors only, no performance traces.
        traces_sample_rate=traces_sample_rate or None,
        # What the integrations collect at all: nothing about people. (sentry-sdk 2.75 replaced
        # send_default_pii with this option; with it unset, send_default_pii counts as off.)
        # https://docs.sentry.io/platforms/python/configuration/options/#data_collection
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": sorted(SAFE_HEADERS)}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "graphql": {"document": False, "variables": False},
            "gen_ai": {"inputs": False, "outputs": False},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
        },
        max_request_body_size="never",
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        integrations=[
            # Transactions named after the route (/registration/{token}/), never the path.
            DjangoIntegration(
                transaction_style="url",
                middleware_spans=False,
                signals_spans=False,
                cache_spans=False,
            ),
            CeleryIntegration(monitor_beat_tasks=False),
        ],
    )
    return True


# --- private links: read from the URL conf ------------------------------------------------------


# A route's placeholder ({token}, <token>) where a secret would stand: not a value.
PLACEHOLDER = re.compile(r"^(?:\{\w+\}|<(?:\w+:)?\w+>|\[Filtered\])$")
# When the URL conf cannot be read (the error is in it): every segment after the first.
ANY_PRIVATE_PATH = re.compile(r"(?P<head>(?<![\w.~%-])/[\w.-]+/)(?P<rest>[^\s?#\"'<>]+)")


def is_secret(name: str, converter: object = None) -> bool:
    """Sentry's rule, broader than the logs' one: every kwarg but PUBLIC_KWARGS and numbers."""
    from django.urls.converters import IntConverter  # noqa: PLC0415

    return name not in PUBLIC_KWARGS and not isinstance(converter, IntConverter)


def _blank(match: re.Match) -> str:
    secret = match[2]
    return match[1] + (secret if PLACEHOLDER.match(secret) else FILTERED)


def scrub_paths(text: str) -> str:
    """Replace the secret segments of every private link in `text`."""
    if "/" not in text:
        return text
    try:
        from django.conf import settings  # noqa: PLC0415

        rules = path_rules(settings.ROOT_URLCONF, is_secret)
    except Exception:  # the URL conf itself is broken: keep only first segments  # noqa: BLE001
        return ANY_PRIVATE_PATH.sub(lambda m: m["head"] + FILTERED, text)
    for rule in rules:
        text = rule.sub(_blank, text)
    return text


# --- text ---------------------------------------------------------------------------------------


def _phone(match: re.Match) -> str:
    found = match.group(0)
    digits = sum(char.isdigit() for char in found)
    if not 7 <= digits <= 15 or ISO_DATE.match(found) or IPV4.match(found) or DECIMAL.match(found):
        return found
    return FILTERED


def scrub_text(text: str) -> str:
    """`text` without private-link secrets, query strings, tokens, addresses or phone numbers."""
    if not text:
        return text
    text = URL_PASSWORD.sub(lambda m: m["head"] + FILTERED, text)
    text = QUERY.sub(lambda m: m["path"] + "?" + FILTERED, text)
    text = scrub_paths(text)
    text = SIGNED.sub(FILTERED, text)
    text = API_TOKEN.sub(FILTERED, text)
    text = AUTH_VALUE.sub(lambda m: f"{m['scheme']} {FILTERED}", text)
    text = EMAIL.sub(FILTERED, text)
    return PHONE_LIKE.sub(_phone, text)


# Quoted values in exception messages, and the identifiers and type names that stay.
QUOTED = re.compile(r"'(?P<single>[^'\n]*)'|\"(?P<double>[^\"\n]*)\"")
IDENTIFIER = re.compile(r"^(?:[a-z_][a-z0-9_]*|(?:[A-Z][a-z0-9]+){2,}|[A-Z_][A-Z0-9_]*)$")
PG_KEY_DETAIL = re.compile(r"(?P<head>Key \(.*?\)=\()[^\n]*(?=\) )")
SQL_LITERAL = re.compile(r"(?<![\w'])[EeNn]?'(?:[^']|'')*'")


def _quoted(match: re.Match) -> str:
    quote = "'" if match["single"] is not None else '"'
    value = match["single"] if match["single"] is not None else match["double"]
    if IDENTIFIER.match(value) or value == FILTERED:
        return match.group(0)
    return f"{quote}{FILTERED}{quote}"


def scrub_exception_message(text: str) -> str:
    """An exception's message: as scrub_text, and quoted values and PostgreSQL's key values."""
    if not text:
        return text
    text = PG_KEY_DETAIL.sub(lambda m: m["head"] + FILTERED, text)
    return QUOTED.sub(_quoted, scrub_text(text))


def scrub_sql(sql: str) -> str:
    """A statement without its literals (placeholders stay: the values are not in them)."""
    return scrub_text(SQL_LITERAL.sub("'" + FILTERED + "'", sql or ""))


def scrub_url(url: str) -> str:
    return scrub_text(str(url).split("?", 1)[0].split("#", 1)[0])


# --- events and breadcrumbs ---------------------------------------------------------------------


def _scrub_tree(node, key: str | None = None):
    if key in STRUCTURAL_KEYS:
        return node
    if isinstance(node, dict):
        return {k: _scrub_tree(v, k) for k, v in node.items() if k not in DROPPED_KEYS}
    if isinstance(node, list | tuple):
        return [_scrub_tree(item) for item in node]
    if isinstance(node, str):
        return scrub_text(node)
    if type(node).__name__ == "AnnotatedValue":  # sentry-sdk's value with metadata
        node.value = _scrub_tree(node.value)
    return node


def _scrub_request(request: dict) -> dict:
    kept = {"method": request.get("method")} if request.get("method") else {}
    if request.get("url"):
        kept["url"] = scrub_url(request["url"])
    headers = request.get("headers")
    if isinstance(headers, dict):
        kept["headers"] = {
            name: scrub_url(value) if name.lower() == "referer" else scrub_text(str(value))
            for name, value in headers.items()
            if name.lower() in SAFE_HEADERS
        }
    return kept


def _log_template(record, fallback) -> str:
    """A log record's message as written in the code, without its arguments, scrubbed."""
    message = record.msg if record is not None else fallback
    return scrub_text(message if isinstance(message, str) else "")


def scrub_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    """before_breadcrumb, run on every log line and SQL query, sent or not: only what costs
    nothing here (a log line becomes its template, data is dropped); the text is scrubbed by
    scrub_event when an event carries the breadcrumb."""
    record = (hint or {}).get("log_record")
    if record is not None:
        crumb["message"] = record.msg if isinstance(record.msg, str) else ""
        crumb.pop("data", None)  # the record's `extra`
    elif crumb.get("category") == "query":
        crumb.pop("data", None)  # the parameters
    elif isinstance(crumb.get("data"), dict):
        crumb["data"] = {
            name: value for name, value in crumb["data"].items() if name in SAFE_BREADCRUMB_DATA
        }
    return crumb


def _scrub_breadcrumb_text(crumb: dict) -> dict:
    crumb = scrub_breadcrumb(crumb)
    message = crumb.get("message")
    if isinstance(message, str):
        query = crumb.get("category") == "query"
        crumb["message"] = scrub_sql(message) if query else scrub_text(message)
    if isinstance(crumb.get("data"), dict):
        crumb["data"] = {
            name: scrub_url(value) if name == "url" else _scrub_tree(value)
            for name, value in crumb["data"].items()
        }
    return crumb


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """before_send (and before_send_transaction): the event without personal data."""
    hint = hint or {}
    if isinstance(event.get("request"), dict):
        event["request"] = _scrub_request(event["request"])
    user = event.pop("user", None)
    if isinstance(user, dict) and str(user.get("id", "")).isdigit():
        event["user"] = {"id": user["id"]}
    if isinstance(event.get("logentry"), dict):
        template = _log_template(hint.get("log_record"), event["logentry"].get("message"))
        event["logentry"] = {"message": template, "formatted": template, "params": []}
    extra = event.pop("extra", None)
    if isinstance(extra, dict):
        kept = {}
        if isinstance(extra.get("celery-job"), dict):
            kept["celery-job"] = {"task_name": extra["celery-job"].get("task_name")}
        if "sys.argv" in extra:
            kept["sys.argv"] = extra["sys.argv"]
        event["extra"] = kept
    for section in ("exception", "threads"):
        values = (event.get(section) or {}).get("values") or []
        for value in values:
            if isinstance(value, dict) and isinstance(value.get("value"), str):
                value["value"] = scrub_exception_message(value["value"])
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict) and isinstance(breadcrumbs.get("values"), list):
        breadcrumbs["values"] = [
            _scrub_breadcrumb_text(crumb)
            for crumb in breadcrumbs["values"]
            if isinstance(crumb, dict)
        ]
    for span in event.get("spans") or []:
        if isinstance(span, dict) and str(span.get("op") or "").startswith("db"):
            span["description"] = scrub_sql(span.get("description") or "")
    return _scrub_tree(event)
