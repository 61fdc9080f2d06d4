"""Error reporting (dialogue_hub/error_reporting.py): with SENTRY_DSN set, errors of the web app
and of the Celery workers reach a Sentry-compatible service, and no personal data does.

The SDK is the real sentry-sdk, started by the function production.py calls, sending over real
HTTP to a local server that records every byte it receives (tests/sentry_server.py):

- a staff page showing a participant fails after loading the person, in the live server, with
  the person's manage link in the Referer and the address, cookies, a CSRF token and an API
  token in the request, and their name, email and phone in the exception, a log line and an
  SQL query: the event arrives with the exception and the route, and none of those;
- a task fails in a real Celery worker process started with the production settings, its
  payload holding a person's name, email and phone: the event arrives, without them;
- the private links are read from the URL conf: every known one is scrubbed, ids and slugs
  stay, and a route added later is covered without a change here.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import environ
import pytest
from django.conf import settings as django_settings
from django.urls import include, path, reverse
from django.utils.crypto import get_random_string

from api.models import new_token_value
from dialogue_hub import error_reporting
from dialogue_hub.error_reporting import (
    FILTERED,
    error_reporting_init,
    scrub_breadcrumb,
    scrub_event,
    scrub_exception_message,
    scrub_sql,
    scrub_text,
)
from dialogue_hub.redaction import REDACTED, redact
from dialogue_hub.tasks import outbox_send
from initiatives.models import Role
from participants.models import Participant
from participants.services import staff as staff_services
from participants.services.registration import MANAGE_SALT, make_token

from ..factories import InitiativeFactory, ParticipantFactory
from ..security import stats
from ..sentry_server import SentryServer
from ..test_outbox_worker import (  # noqa: F401 (fixtures)
    Worker,
    real_broker,
    smtp_sink,
)

ROOT = Path(__file__).resolve().parents[2]

NAME = "Quillon Marzipanova"
EMAIL = "q.marzipanova@example.org"
PHONE = "+15417543010"
# The person's data as it may be written anywhere (lower-cased comparisons).
PERSON = [NAME, "Marzipanova", EMAIL, "q.marzipanova", quote(EMAIL), PHONE, "5417543010"]


def leaked(server: SentryServer, secrets: list[str]) -> list[str]:
    text = server.received_text().lower()
    return [secret for secret in secrets if secret.lower() in text]


# --- the SDK, started as production starts it ---------------------------------------------------


def _switch_off() -> None:
    import sentry_sdk

    sentry_sdk.get_client().close(timeout=5)
    sentry_sdk.get_global_scope().set_client(None)


@pytest.fixture(params=["0", "1"], ids=["errors-only", "traced"])
def reporting(request, monkeypatch):
    """sentry-sdk on, started by error_reporting_init from the environment as production.py
    does, sending to a local recording server; off again afterwards. Twice: errors only (the
    default), and with every request traced (its transaction and spans are sent too)."""
    with SentryServer() as server:
        monkeypatch.setenv("SENTRY_DSN", server.dsn)
        monkeypatch.setenv("SENTRY_ENVIRONMENT", "test")
        monkeypatch.delenv("SENTRY_RELEASE", raising=False)
        monkeypatch.setenv("SENTRY_TRACES_SAMPLE_RATE", request.param)
        assert error_reporting_init(environ.Env()) is True
        try:
            yield server
        finally:
            _switch_off()


def test_without_a_dsn_production_loads_no_sentry_sdk():
    code = "import sys, django; django.setup(); print('sentry_sdk' in sys.modules)"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SENTRY_", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="dialogue_hub.settings.production",
        DJANGO_SECRET_KEY="a-very-long-random-production-secret-key-0123456789-abcdefghij",
        DJANGO_ALLOWED_HOSTS="dialogue.example.org",
        DATABASE_URL="postgres://dialogue:secret@db:5432/dialogue",
        REDIS_URL="redis://redis:6379/0",
        EMAIL_URL="smtp://mail:1025",
        DIALOGUE_HUB_BASE_URL="https://dialogue.example.org",
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter, fixed code)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


# --- an error on a staff page showing a participant ---------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_error_on_a_participant_page_arrives_without_their_data(
    reporting, live_server, client, member_of, monkeypatch
):
    initiative = InitiativeFactory()
    organizer = member_of(initiative, Role.ORGANIZER)
    person = ParticipantFactory(initiative=initiative, name=NAME, email=EMAIL, phone=PHONE)
    manage_url = reverse("participants:manage", kwargs={"token": make_token(person, MANAGE_SALT)})
    manage_token = manage_url.strip("/").split("/")[-1]
    client.force_login(organizer)
    session_id = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    csrf_token = get_random_string(32)
    api_token = new_token_value()

    def fail_after_loading_the_person(*, target, **_kwargs):
        # What a bug on this page could do with the person in hand: log them, query by their
        # address, and fail with their details in the message (and their name in a KeyError).
        logging.getLogger("participants.views.staff").info(
            "Showing %s <%s>", target.name, target.email
        )
        Participant.objects.filter(email=target.email, phone=target.phone).exists()
        answer_sheets: dict[str, list] = {}
        try:
            answer_sheets[target.name]
        except KeyError as missing:
            raise RuntimeError(
                f"No answer sheet for {target.email} ({target.phone}), see {manage_url}"
            ) from missing

    monkeypatch.setattr(
        staff_services, "personal_data_access_record", fail_after_loading_the_person
    )
    page = reverse("participants:participant", kwargs={"slug": initiative.slug, "pk": person.pk})
    request = urllib.request.Request(  # noqa: S310 (the live server)
        f"{live_server.url}{page}?q={quote(EMAIL)}&next={quote(manage_url)}",
        headers={
            "Cookie": f"{django_settings.SESSION_COOKIE_NAME}={session_id}; "
            f"{django_settings.CSRF_COOKIE_NAME}={csrf_token}",
            "X-CSRFToken": csrf_token,
            "Authorization": f"Bearer {api_token}",
            "Referer": f"{live_server.url}{manage_url}consents/?email={quote(EMAIL)}",
            "User-Agent": "error-reporting-test",
        },
    )
    with stats.expected_server_errors(), pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=30)  # noqa: S310
    assert answer.value.code == 500

    import sentry_sdk

    sentry_sdk.flush(timeout=10)
    # (one event: the same exception logged by django.request is not sent twice)
    errors = [e for e in reporting.wait_for_events(1, timeout=30) if e.get("exception")]
    assert errors, reporting.events()
    event = errors[0]

    # It arrived, with what fixing the bug needs.
    exceptions = {value["type"]: value for value in event["exception"]["values"]}
    assert {"RuntimeError", "KeyError"} <= set(exceptions)
    assert exceptions["RuntimeError"]["value"].startswith("No answer sheet for ")
    assert "/registration/[Filtered]/" in exceptions["RuntimeError"]["value"]
    assert event["transaction"] == "/manage/{slug}/participants/{pk}/"
    assert event["environment"] == "test"
    assert event["request"]["method"] == "GET"
    assert event["request"]["url"].endswith(page)
    headers = {name.lower(): value for name, value in event["request"]["headers"].items()}
    assert headers["referer"].endswith("/registration/[Filtered]/consents/")
    assert headers["user-agent"] == "error-reporting-test"
    assert not {"cookie", "authorization", "x-csrftoken"} & set(headers)
    frames = [
        frame for value in event["exception"]["values"] for frame in value["stacktrace"]["frames"]
    ]
    assert any(frame["function"] == "fail_after_loading_the_person" for frame in frames)
    assert not any("vars" in frame for frame in frames)
    crumbs = event["breadcrumbs"]["values"]
    assert any(crumb.get("message") == "Showing %s <%s>" for crumb in crumbs)
    assert any(
        crumb.get("category") == "query" and "participants_participant" in crumb["message"]
        for crumb in crumbs
    )

    if os.environ["SENTRY_TRACES_SAMPLE_RATE"] == "1":
        deadline = time.monotonic() + 30
        while not reporting.payloads("transaction") and time.monotonic() < deadline:
            time.sleep(0.05)
        [transaction] = reporting.payloads("transaction")
        assert transaction["transaction"] == "/manage/{slug}/participants/{pk}/"
        assert any(span.get("op") == "db" for span in transaction["spans"])

    # And nothing of the person, their link or the session.
    secrets = [*PERSON, manage_token, session_id, csrf_token, api_token]
    assert leaked(reporting, secrets) == []


# --- an error in a real Celery worker (production settings) -------------------------------------


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("real_broker")
def test_a_task_failing_in_a_worker_arrives_without_its_payload(smtp_sink, tmp_path):  # noqa: F811
    with SentryServer() as server:
        worker = Worker(
            smtp_port=smtp_sink.port,
            log_dir=tmp_path,
            env={
                "DJANGO_SETTINGS_MODULE": "dialogue_hub.settings.production",
                "DJANGO_SECRET_KEY": get_random_string(50),
                "DJANGO_ALLOWED_HOSTS": "dialogue.example.org",
                "DIALOGUE_HUB_BASE_URL": "https://dialogue.example.org",
                "EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
                "SENTRY_DSN": server.dsn,
                "SENTRY_ENVIRONMENT": "worker-test",
            },
        )
        worker.start()
        try:
            # A message whose payload holds a person's contact details instead of ids.
            outbox_send.delay([f"{NAME} <{EMAIL}> {PHONE}"])
            errors = [e for e in server.wait_for_events(1, timeout=60) if e.get("exception")]
            assert errors, server.events()
            event = errors[0]
        finally:
            worker.stop()
        assert [value["type"] for value in event["exception"]["values"]] == ["ValueError"]
        assert event["exception"]["values"][0]["value"].startswith("invalid literal for int()")
        assert event["extra"]["celery-job"] == {"task_name": "dialogue_hub.tasks.outbox_send"}
        assert event["environment"] == "worker-test"
        assert event["release"] == f"dialogue-hub@{error_reporting.project_version()}"
        frames = event["exception"]["values"][0]["stacktrace"]["frames"]
        assert any(frame["function"] == "outbox_send" for frame in frames)
        assert not any("vars" in frame for frame in frames)
        assert leaked(server, PERSON) == []


# --- the scrubbers ------------------------------------------------------------------------------


def _view(request, **kwargs):  # pragma: no cover (never served)
    raise AssertionError


urlpatterns = [
    path("", include("dialogue_hub.urls")),
    path("later/<str:secret>/<int:pk>/", _view, name="added_later"),
    path("reference/<str:reference>/", _view, name="added_later_reference"),
]

TOKEN = ".eJyrVipQslIqSE1OTS4tSU0tUqoFADZZBdA:1tJxyz:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg"


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("participants:manage", {"token": "T"}),
        ("participants:manage_consents", {"token": "T"}),
        ("participants:guardian", {"token": "T"}),
        ("guides:participant_circle", {"token": "T"}),
        ("guides:participant_meeting_ics", {"token": "T", "pk": 7}),
        ("guides:participant_feed", {"token": "T"}),
        ("guides:staff_feed", {"token": "T"}),
        ("evaluation:surveys", {"token": "T"}),
        ("evaluation:survey", {"token": "T", "kind": "before"}),
        ("actions:participant_teams", {"token": "T"}),
        ("email_preferences", {"token": "T"}),
        ("email_unsubscribe", {"token": "T"}),
        ("short_link", {"code": "T"}),
        ("initiatives:invitation_accept", {"key": "T"}),
        ("account_confirm_email", {"key": "T"}),
        ("account_reset_password_from_key", {"uidb36": "T", "key": "T"}),
    ],
)
def test_every_private_link_loses_its_secret(name, kwargs):
    secret = "Zq9" + get_random_string(20)
    address = reverse(name, kwargs={k: (secret if v == "T" else v) for k, v in kwargs.items()})
    for text in (address, f"https://dialogue.example.org{address}", f"GET {address} failed"):
        scrubbed = scrub_text(text)
        assert secret not in scrubbed, (name, scrubbed)
        assert FILTERED in scrubbed
    if "pk" in kwargs:
        assert "/7" in scrub_text(address)  # ids stay
    if "kind" in kwargs:
        assert "/before/" in scrub_text(address)


def test_ids_slugs_and_route_names_stay():
    page = "/manage/riverton-dialogues/participants/42/"
    assert scrub_text(page) == page
    assert scrub_text("/registration/{token}/surveys/{kind}/") == (
        "/registration/{token}/surveys/{kind}/"
    )


def test_a_route_added_later_is_covered_without_listing_it(settings):
    settings.ROOT_URLCONF = __name__
    address = reverse("added_later", kwargs={"secret": "Zq9-added-later-secret", "pk": 5})
    assert scrub_text(address) == f"/later/{FILTERED}/5/"
    # the project's own routes are still read through the include
    assert "Zq9abc" not in scrub_text("/registration/Zq9abc/")


def test_events_hide_every_kwarg_where_logs_hide_only_secret_names(settings):
    """One walk of the URL conf (dialogue_hub/redaction.py), two rules: an event loses whatever a
    route captures but ids, slugs and kinds; a log line only what is named like a secret."""
    settings.ROOT_URLCONF = __name__
    address = reverse("added_later_reference", kwargs={"reference": "Zq9-reference"})
    assert scrub_text(address) == f"/reference/{FILTERED}/"
    assert redact(address) == address
    assert redact("/later/Zq9-added/5/") == f"/later/{REDACTED}/5/"


def test_text_loses_addresses_phones_tokens_and_query_strings():
    text = (
        f"mail {EMAIL} or {quote(EMAIL)}, call {PHONE} or (541) 754-3010 or 541.754.3010; "
        f"token {TOKEN}; Authorization: Bearer {new_token_value()}; "
        "redis://:hunter2secret@redis:6379/0; see /roster/?q=marzipanova"
    )
    scrubbed = scrub_text(text)
    for secret in (EMAIL, quote(EMAIL), PHONE, "754-3010", "754.3010", TOKEN, "dh_", "hunter2"):
        assert secret not in scrubbed, secret
    assert "marzipanova" not in scrubbed
    assert "/roster/?" in scrubbed
    # what is not personal stays: dates, times, addresses of machines, versions
    kept = "at 2026-12-05 19:08:00.123456 from 127.0.0.1 running 3.11.4, 12 rows"
    assert scrub_text(kept) == kept


def test_exception_messages_lose_quoted_values_and_key_details():
    assert scrub_exception_message(f"KeyError: '{NAME}'") == f"KeyError: '{FILTERED}'"
    assert scrub_exception_message('"O\'Brien"') == f'"{FILTERED}"'
    kept = "'NoneType' object has no attribute 'email_confirmed_at'"
    assert scrub_exception_message(kept) == kept
    duplicate = (
        'duplicate key value violates unique constraint "participant_email_lower_idx"\n'
        f"DETAIL:  Key (initiative_id, lower(email::text))=(3, {EMAIL}) already exists."
    )
    scrubbed = scrub_exception_message(duplicate)
    assert EMAIL not in scrubbed
    assert '"participant_email_lower_idx"' in scrubbed


def test_sql_loses_literals_and_log_breadcrumbs_their_arguments():
    # (statements as a breadcrumb shows them, never run)
    where = "SELECT 1 FROM participants_participant WHERE email = "
    sql = f"{where}'{EMAIL}' AND id = %s"
    assert scrub_sql(sql) == f"{where}'{FILTERED}' AND id = %s"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "Sent %s to %s", (NAME, EMAIL), None)
    crumb = scrub_breadcrumb(
        {"category": "x", "message": f"Sent {NAME} to {EMAIL}", "data": {"who": NAME}},
        {"log_record": record},
    )
    assert crumb == {"category": "x", "message": "Sent %s to %s"}
    query = scrub_breadcrumb(
        {"category": "query", "message": sql, "data": {"db.params": [EMAIL]}}, {}
    )
    assert "data" not in query
    # the statement's literals go when an event carries it (not on every query)
    [sent] = scrub_event({"breadcrumbs": {"values": [query]}}, {})["breadcrumbs"]["values"]
    assert sent["message"] == scrub_sql(sql)


def test_an_event_keeps_the_request_route_and_user_id_only():
    event = scrub_event(
        {
            "request": {
                "method": "POST",
                "url": f"https://dialogue.example.org/registration/{TOKEN}/?email={EMAIL}",
                "query_string": f"email={EMAIL}",
                "data": {"name": NAME},
                "cookies": {"sessionid": "abc"},
                "env": {"REMOTE_ADDR": "203.0.113.9"},
                "headers": {
                    "Cookie": "sessionid=abc",
                    "Authorization": "Bearer x",
                    "X-Forwarded-For": "203.0.113.9",
                    "Content-Type": "text/html",
                },
            },
            "user": {"id": "12", "email": EMAIL, "ip_address": "203.0.113.9"},
            "extra": {"celery-job": {"task_name": "t", "args": [EMAIL]}, "who": NAME},
            "logentry": {"message": "Hello %s", "formatted": f"Hello {NAME}", "params": [NAME]},
            "exception": {"values": [{"type": "KeyError", "value": f"'{NAME}'"}]},
        },
        {},
    )
    assert event["request"] == {
        "method": "POST",
        "url": f"https://dialogue.example.org/registration/{FILTERED}/",
        "headers": {"Content-Type": "text/html"},
    }
    assert event["user"] == {"id": "12"}
    assert event["extra"] == {"celery-job": {"task_name": "t"}}
    assert event["logentry"] == {"message": "Hello %s", "formatted": "Hello %s", "params": []}
    for secret in (NAME, EMAIL, TOKEN):
        assert secret not in repr(event)
