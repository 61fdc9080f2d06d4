"""The Twilio backend (the official `twilio` package, real HTTP requests) against the local
server that speaks Twilio's Messages API (tests/twilio_server.py), and what the outbox does
with each answer: sent with the provider's id and the segments; a refused number failed with
the provider's reason and the email sent instead; a carrier unsubscribe stops the number;
rate limited, provider down or unreachable: tried again later, never lost.

The texts are the project's own: "a place freed up and it is yours" (participant.promoted,
participants/emails.py) to people of an initiative where it is daytime now (no quiet hours)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.urls import resolve
from django.utils import timezone

from dialogue_hub import texts
from dialogue_hub.models import OutboxChannel, OutboxMessage, OutboxStatus, TextOptOut
from dialogue_hub.outbox import outbox_add, send_batch
from participants.services.registration import MANAGE_SALT, resolve_token

from ..factories import InitiativeFactory, ParticipantFactory
from ..helpers import daytime_zone, text_link_target
from ..smtp_sink import free_port
from ..twilio_server import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    INVALID_NUMBER,
    RATE_LIMITED_NUMBER,
    UNSUBSCRIBED_NUMBER,
    TwilioServer,
)

pytestmark = pytest.mark.django_db

NUMBER = "+12025550143"


@pytest.fixture
def kind():
    """A kind of the project with a text version: the waiting list's "your place" message."""
    return "participant.promoted"


@pytest.fixture
def server(settings):
    with TwilioServer() as running:
        settings.DIALOGUE_HUB_SMS_URL = running.sms_url()
        yield running


@pytest.fixture
def person(db):
    initiative = InitiativeFactory(name="Eastside Talks", timezone=daytime_zone())
    return ParticipantFactory(initiative=initiative, name="Ana Torres", email="ana@example.net")


def add_text(kind, person, number=NUMBER, *, by_email=False) -> OutboxMessage:
    """A text (and, with `by_email`, its email) for `person`; the text's row."""
    outbox_add(
        kind=kind,
        to=person.email,
        key=f"test:{person.pk}:{number}",
        initiative=person.initiative,
        language="en",
        params={"participant": person.pk},
        text_to=number,
        by_email=by_email,
    )
    return OutboxMessage.objects.get(
        channel=OutboxChannel.TEXT, key=f"text:test:{person.pk}:{number}"
    )


def send(*rows) -> dict:
    outcome = send_batch([row.pk for row in rows])
    for row in rows:
        row.refresh_from_db()
    return outcome


def emails_to(address):
    return OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL, to_email=address)


# --- the server itself ------------------------------------------------------------------------


def test_the_server_checks_basic_auth_and_answers_in_twilios_shape_over_one_connection():
    with TwilioServer() as server:
        url = f"http://127.0.0.1:{server.port}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
        session = requests.Session()
        wrong = session.post(url, data={"To": NUMBER, "From": FROM_NUMBER, "Body": "hi"})
        assert wrong.status_code == 401
        assert wrong.json()["code"] == 20003
        session.auth = (ACCOUNT_SID, AUTH_TOKEN)
        for n in range(3):
            ok = session.post(url, data={"To": NUMBER, "From": FROM_NUMBER, "Body": f"hi {n}"})
            assert ok.status_code == 201
        answer = ok.json()
        assert answer["sid"].startswith("SM")
        assert answer["status"] == "queued"
        assert (answer["to"], answer["from"], answer["body"]) == (NUMBER, FROM_NUMBER, "hi 2")
        bad = session.post(url, data={"To": INVALID_NUMBER, "From": FROM_NUMBER, "Body": "x"})
        assert bad.status_code == 400
        assert set(bad.json()) == {"code", "message", "more_info", "status"}
        assert bad.json()["code"] == 21211
        assert server.connections == 1  # keep-alive: one connection for every request
        assert [m.body for m in server.messages] == ["hi 0", "hi 1", "hi 2"]


# --- sent ---------------------------------------------------------------------------------------


def test_a_text_goes_to_the_provider_and_its_id_and_segments_are_kept(kind, server, person):
    row = add_text(kind, person)

    assert send(row)["sent"] == 1

    [received] = server.messages
    assert received.to == NUMBER
    assert received.from_ == FROM_NUMBER
    assert received.body.startswith("Dialogue Hub: Good news: a place freed up in Eastside Talks")
    opened = resolve(text_link_target(received.body))  # the link opens the person's own page
    assert opened.view_name == "participants:manage"
    assert resolve_token(opened.kwargs["token"], MANAGE_SALT, max_age_days=1) == person
    assert row.status == OutboxStatus.SENT
    assert row.provider_ref == received.sid
    assert (row.segments, row.encoding) == (1, "GSM-7")
    assert not emails_to(person.email).exists()  # a text-only person gets no email too


def test_an_accent_is_counted_as_ucs2(kind, server, person):
    person.initiative.name = "Diálogos de Peñasco"
    person.initiative.save()
    row = add_text(kind, person)

    send(row)

    assert "Diálogos de Peñasco" in server.messages[0].body
    assert row.encoding == "UCS-2"
    assert row.segments == texts.segments(server.messages[0].body).count


def test_a_messaging_service_sends_instead_of_a_number(kind, settings, person):
    with TwilioServer() as server:
        settings.DIALOGUE_HUB_SMS_URL = server.sms_url(service="MG" + "1" * 32)
        row = add_text(kind, person)
        send(row)
        [received] = server.messages
    assert received.messaging_service_sid == "MG" + "1" * 32
    assert received.from_ == ""
    assert row.status == OutboxStatus.SENT


# --- refused for good ---------------------------------------------------------------------------


def test_an_invalid_number_fails_with_the_providers_reason_and_the_email_goes_instead(
    kind, server, person
):
    row = add_text(kind, person, INVALID_NUMBER)

    assert send(row)["failed"] == 1

    assert row.status == OutboxStatus.FAILED
    assert "21211" in row.last_error
    assert "is not a valid phone number" in row.last_error
    assert server.count == 0
    [email] = emails_to(person.email)
    assert email.kind == kind
    assert email.status == OutboxStatus.PENDING
    assert email.key == row.key.removeprefix("text:")

    assert send(email)["sent"] == 1  # and it is a real email of that kind
    assert email.status == OutboxStatus.SENT


def test_an_invalid_number_of_someone_who_gets_the_email_anyway_adds_no_second_email(
    kind, server, person
):
    row = add_text(kind, person, INVALID_NUMBER, by_email=True)
    assert emails_to(person.email).count() == 1

    send(row)

    assert row.status == OutboxStatus.FAILED
    assert emails_to(person.email).count() == 1


def test_a_carrier_unsubscribe_stops_the_number_and_the_email_goes_instead(kind, server, person):
    row = add_text(kind, person, UNSUBSCRIBED_NUMBER)

    assert send(row)["skipped"] == 1

    assert row.status == OutboxStatus.SKIPPED
    assert "21610" in row.last_error
    assert texts.stopped_numbers([UNSUBSCRIBED_NUMBER]) == {UNSUBSCRIBED_NUMBER}
    assert TextOptOut.objects.get().keyword == "carrier"
    assert emails_to(person.email).count() == 1

    # The next text to that number is not even offered to the provider.
    server.fail(UNSUBSCRIBED_NUMBER, None)
    other = ParticipantFactory(initiative=person.initiative)
    later = add_text(kind, other, UNSUBSCRIBED_NUMBER)
    send(later)
    assert later.status == OutboxStatus.SKIPPED
    assert server.count == 0


# --- tried again later ----------------------------------------------------------------------------


def due_again(row):
    OutboxMessage.objects.filter(pk=row.pk).update(send_after=timezone.now())


def assert_waits_for_a_retry(row, error: str):
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1
    assert row.send_after > timezone.now() + timedelta(seconds=30)
    assert row.enqueued_at is None  # the relay hands it over again when due
    assert error in row.last_error


def test_rate_limited_is_tried_again_later_and_then_sent_once(kind, server, person):
    row = add_text(kind, person, RATE_LIMITED_NUMBER)

    assert send(row)["retry"] == 1
    assert_waits_for_a_retry(row, "20429")
    assert server.count == 0
    assert not emails_to(person.email).exists()

    server.fail(RATE_LIMITED_NUMBER, None)
    due_again(row)
    assert send(row)["sent"] == 1
    assert row.status == OutboxStatus.SENT
    assert server.by_recipient() == {RATE_LIMITED_NUMBER: 1}


def test_provider_down_is_tried_again_later_for_every_text_of_the_batch(kind, server, person):
    other = ParticipantFactory(initiative=person.initiative)
    rows = [add_text(kind, person), add_text(kind, other, "+12025550144")]
    server.mode = "down"

    assert send(*rows)["retry"] == 2
    for row in rows:
        assert_waits_for_a_retry(row, "20503")
    assert not OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL).exists()

    server.mode = None
    for row in rows:
        due_again(row)
    assert send(*rows)["sent"] == 2
    assert server.by_recipient() == {NUMBER: 1, "+12025550144": 1}


def test_a_provider_that_refuses_connections_is_tried_again_later(kind, settings, person):
    settings.DIALOGUE_HUB_SMS_URL = TwilioServer(port=free_port()).sms_url()  # not started
    row = add_text(kind, person)

    assert send(row)["retry"] == 1

    assert_waits_for_a_retry(row, "ConnectionError")
    assert not emails_to(person.email).exists()


def test_a_rate_limit_on_one_number_does_not_hold_up_the_rest_of_the_batch(kind, server, person):
    other = ParticipantFactory(initiative=person.initiative)
    limited = add_text(kind, person, RATE_LIMITED_NUMBER)
    fine = add_text(kind, other)

    outcome = send(limited, fine)

    assert (outcome["retry"], outcome["sent"]) == (1, 1)
    assert limited.status == OutboxStatus.PENDING
    assert fine.status == OutboxStatus.SENT
    assert server.by_recipient() == {NUMBER: 1}
    assert server.connections == 1  # the batch kept its one connection through the error


@pytest.mark.postgres
def test_a_batch_records_with_asynchronous_commit_and_gives_the_connection_back_as_it_was(
    kind, server, person, monkeypatch
):
    """Outcomes commit without waiting for the disk while the batch runs (a database crash can
    only repeat a text); the connection, kept for the next task, is back to the default."""
    from django.db import connection

    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    seen = []
    real_send = texts.TwilioBackend.send

    def send_and_look(self, **kwargs):
        seen.append(setting())
        return real_send(self, **kwargs)

    monkeypatch.setattr(texts.TwilioBackend, "send", send_and_look)
    row = add_text(kind, person)

    assert send(row)["sent"] == 1

    assert seen == ["off"]
    assert setting() == "on"
    assert row.status == OutboxStatus.SENT
