"""Logs without secrets or people (dialogue_hub/logs.py, redaction.py, request_ids.py).

The real processes (gunicorn, a Celery worker) under the production configuration are in
tests/test_logs_production.py; here the pieces, in this process.
"""

import io
import json
import logging
import re

import pytest
from django.http import HttpResponse
from django.urls import include, path, reverse
from gunicorn.glogging import SafeAtoms

from dialogue_hub import outbox
from dialogue_hub.logs import AccessJsonFormatter, JsonFormatter, PlainFormatter, logging_config
from dialogue_hub.redaction import REDACTED, redact, secret_routes
from dialogue_hub.request_ids import RequestIdFilter
from guides.calendars import staff_feed_token
from participants.services.registration import GUARDIAN_SALT, MANAGE_SALT, make_token

from ..factories import ParticipantFactory, UserFactory

# This module doubles as a URL conf: the project's routes plus a private link nobody listed.
urlpatterns = [
    path("brandnew/<str:access_token>/page/", lambda request, access_token: HttpResponse()),
    path("", include("dialogue_hub.urls")),
]

# The private links the walk must find (their URL names), each with a secret parameter.
PRIVATE_LINKS = {
    "participants:manage",
    "participants:confirm",
    "participants:manage_consents",
    "participants:guardian",
    "email_unsubscribe",
    "email_preferences",
    "short_link",
    "guides:participant_feed",
    "guides:staff_feed",
    "initiatives:invitation_accept",
    "account_confirm_email",
    "account_reset_password_from_key",
}


def _sample_kwargs(route) -> dict:
    """A value for each parameter of `route`: a distinct secret-looking one for each secret."""
    names = re.findall(r"\(\?P<(\w+)>", route.route)
    return {
        name: (f"S3cret{name.replace('_', '')}Q9" if name in route.secrets else "7")
        for name in names
    }


def _reverse(route) -> str:
    kwargs = _sample_kwargs(route)
    for filler in ("7", "some-slug"):
        try:
            return reverse(
                route.name,
                kwargs={k: (v if k in route.secrets else filler) for k, v in kwargs.items()},
            )
        except Exception:  # noqa: BLE001, S112 (the other filler may fit)
            continue
    raise AssertionError(f"cannot build a path for {route}")


def test_the_walk_finds_every_private_link_of_the_url_conf():
    found = {route.name for route in secret_routes()}
    assert found >= PRIVATE_LINKS, PRIVATE_LINKS - found
    surveys = [r for r in secret_routes() if "surveys" in r.route]
    assert surveys
    assert all("token" in r.secrets for r in surveys)


def test_every_private_link_the_walk_finds_is_logged_with_its_secret_redacted():
    routes = [route for route in secret_routes() if route.name]
    assert len(routes) > 20  # the participant's pages, feeds, allauth's keys…
    for route in routes:
        url = _reverse(route)
        secrets = [v for k, v in _sample_kwargs(route).items() if k in route.secrets]
        for line in (
            f"GET {url} 404",
            f"Not Found: {url}",
            f"referer https://dialogue.example.org{url}?page=2",
            f'"{url}"',
        ):
            logged = redact(line)
            assert not any(secret in logged for secret in secrets), (route, logged)
            assert REDACTED in logged


def test_the_route_stays_readable_around_the_redacted_secret():
    participant_path = reverse("participants:manage_consents", args=["tok3n:abc:defghijk"])
    assert redact(participant_path) == "/registration/[redacted]/consents/"
    feed = reverse(
        "guides:staff_feed", args=["eyJ1IjoxfQ:s1gnatureABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"]
    )
    assert redact(feed) == "/calendar/s/[redacted].ics"
    reset = reverse("account_reset_password_from_key", kwargs={"uidb36": "4k", "key": "set-pw9"})
    assert redact(reset) == "/accounts/password/reset/key/[redacted]-[redacted]/"
    assert redact("/t/Ab3dEf6hJk9m/") == "/t/[redacted]/"
    assert redact("/t/Ab3dEf6hJk9m") == "/t/[redacted]"
    # Percent-encoded, as in a query string or a referer.
    assert (
        redact("https://example.org/accounts/login/?next=%2Fguardian%2Fa1b2c3d4e5%2F")
        == "https://example.org/accounts/login/?next=/guardian/[redacted]/"
    )
    # Nothing else is touched.
    assert (
        redact("/initiatives/riverton/register/thanks/") == "/initiatives/riverton/register/thanks/"
    )


@pytest.mark.urls("tests.dialogue_hub.test_logs")
def test_a_new_route_with_a_token_is_redacted_without_being_listed():
    assert any(route.secrets == ("access_token",) for route in secret_routes())
    assert redact("GET /brandnew/n3wS3cretValue/page/ 200") == f"GET /brandnew/{REDACTED}/page/ 200"


@pytest.mark.django_db
def test_signed_links_api_tokens_sessions_and_contact_details_are_redacted():
    participant = ParticipantFactory()
    manage = make_token(participant, MANAGE_SALT)
    unsubscribe = outbox.unsubscribe_token(
        email="ana@example.net", category="reminders", language="en"
    )
    lines = {
        f"Participant link {manage} refused": manage,
        f"unsubscribe token={unsubscribe}": unsubscribe,
        f"feed {staff_feed_token(UserFactory(), participant.initiative)}": None,
        "Authorization: Bearer dh_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG": "dh_abcdefghij",
        "Authorization: Token 0123456789abcdef": "0123456789abcdef",
        "Cookie: sessionid=abcd1234efgh5678; csrftoken=zyxw9876": "abcd1234efgh5678",
        "csrfmiddlewaretoken=Qwerty123456&x=1": "Qwerty123456",
        "{'sessionid': 'abcd1234efgh5678'}": "abcd1234efgh5678",
        "SMTPRecipientsRefused: {'ana.torres+x@example.net': (550, b'no')}": "ana.torres",
        "The 'To' number +1 (555) 201-3344 is not valid": "201-3344",
        "To +15552013344 failed": "5552013344",
    }
    for line, secret in lines.items():
        logged = redact(line)
        if secret:
            assert secret not in logged, logged
        assert logged != line, line
    assert "csrftoken=zyxw9876" not in redact(
        "Cookie: sessionid=abcd1234efgh5678; csrftoken=zyxw9876"
    )


def _json_line(formatter, message, *args, **extra) -> dict:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    try:
        logger.warning(message, *args, **extra)
    finally:
        logger.removeHandler(handler)
    [line] = stream.getvalue().splitlines()
    return json.loads(line)


@pytest.mark.django_db
def test_a_json_line_has_its_fields_and_no_secret_even_in_a_traceback():
    token = make_token(ParticipantFactory(), GUARDIAN_SALT)
    try:
        raise ValueError(f"bad link /guardian/{token}/ for ana@example.net")
    except ValueError:
        entry = _json_line(
            JsonFormatter(),
            "Failed on /guardian/%s/",
            token,
            exc_info=True,
            extra={"status_code": 500, "request": object()},
        )
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "tests.logs"
    assert entry["message"] == f"Failed on /guardian/{REDACTED}/"
    assert entry["status_code"] == 500
    assert "request" not in entry  # Django's HttpRequest: the path is in the message
    assert "time" in entry
    assert "request_id" in entry
    assert "ValueError" in entry["exc_info"]
    assert token not in json.dumps(entry)
    assert "ana@example.net" not in json.dumps(entry)


def test_gunicorns_access_line_shows_the_route_with_the_secret_replaced():
    atoms = SafeAtoms(
        {
            "m": "GET",
            "U": "/registration/.eJxSecretToken:1vAbCd:SignatureSignatureSignature12/consents/",
            "q": "next=%2Fregistration%2F.eJxOther%3A1v%3ASig%2F&page=2",
            "s": "200",
            "M": 12,
            "B": 3456,
            "f": "https://dialogue.example.org/registration/.eJxRef:1vX:RefSignature/",
            "a": "Mozilla/5.0",
            "h": "203.0.113.9",
            "{x-request-id}o": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            "{cookie}i": "sessionid=secretsession",
        }
    )
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(m)s %(U)s %(s)s", (atoms,), None
    )
    entry = json.loads(AccessJsonFormatter().format(record))
    assert entry["path"] == "/registration/[redacted]/consents/"
    assert entry["query"] == "next=/registration/[redacted]/&page=2"
    assert entry["referer"] == "https://dialogue.example.org/registration/[redacted]/"
    assert entry["status"] == 200
    assert entry["duration_ms"] == 12
    assert entry["bytes"] == 3456
    assert entry["request_id"] == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    assert (
        entry["message"]
        == "GET /registration/[redacted]/consents/?next=/registration/[redacted]/&page=2 200"
    )
    text = json.dumps(entry)
    for secret in ("SecretToken", "eJxOther", "RefSignature", "203.0.113.9", "secretsession"):
        assert secret not in text


def test_production_logs_json_and_development_plain_text_both_redacted():
    production_logging = _production_logging()
    assert production_logging["handlers"]["console"]["formatter"] == "json"
    assert production_logging["formatters"]["json"]["()"] == "dialogue_hub.logs.JsonFormatter"
    assert logging_config(json=False)["handlers"]["console"]["formatter"] == "plain"
    line = PlainFormatter("%(message)s").format(
        logging.LogRecord(
            "x",
            logging.INFO,
            __file__,
            1,
            "GET /guardian/%s/",
            ("tok:en:abcdefghijklmnopqrstuvwxyz",),
            None,
        )
    )
    assert line == f"GET /guardian/{REDACTED}/"


def _production_logging() -> dict:
    import importlib
    import os

    names = (
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DIALOGUE_HUB_BASE_URL",
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_URL",
    )
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="example.org",
        DIALOGUE_HUB_BASE_URL="https://example.org",
        DATABASE_URL="sqlite:////tmp/unused.sqlite3",
        REDIS_URL="redis://127.0.0.1:1/0",
        EMAIL_URL="consolemail://",
    )
    try:
        from dialogue_hub.settings import production

        return importlib.reload(production).LOGGING
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# --- the request id ---------------------------------------------------------------------------


@pytest.fixture
def captured():
    """What the root logger writes, as production writes it (JSON, with the request id)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


@pytest.mark.django_db
def test_a_well_formed_request_id_is_kept_and_on_the_requests_log_lines(client, captured):
    token = make_token(ParticipantFactory(), MANAGE_SALT)
    response = client.get(f"/registration/{token}/nowhere/", HTTP_X_REQUEST_ID="edge-7f3a9c21")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "edge-7f3a9c21"
    [not_found] = [e for e in captured() if e["logger"] == "django.request"]
    # Written by Django after the middleware returned: it still carries the id.
    assert not_found["request_id"] == "edge-7f3a9c21"
    assert not_found["message"] == f"Not Found: /registration/{REDACTED}/nowhere/"


@pytest.mark.parametrize(
    "incoming",
    ["", "short", "has space in it", "tok:en:signaturesignature", "x" * 65, "a\nb-cdefghij"],
)
def test_a_missing_or_malformed_request_id_is_replaced_by_a_new_one(client, incoming):
    response = client.get("/favicon.ico", HTTP_X_REQUEST_ID=incoming)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert response["X-Request-ID"] != incoming
    again = client.get("/favicon.ico")
    assert again["X-Request-ID"] != response["X-Request-ID"]


def test_no_request_id_is_left_over_after_the_request(client, captured):
    client.get("/favicon.ico", HTTP_X_REQUEST_ID="edge-7f3a9c21")
    logging.getLogger("tests.logs").warning("between requests")
    [entry] = [e for e in captured() if e["message"] == "between requests"]
    assert entry["request_id"] is None


def test_the_proxy_writes_no_request_line_of_its_own():
    """compose's nginx would write every private link whole: gunicorn's access log is the one."""
    from django.conf import settings

    conf = " ".join((settings.BASE_DIR / "deploy" / "nginx.conf").read_text().split())
    assert "access_log off;" in conf
    assert "error_log /dev/stderr crit;" in conf
