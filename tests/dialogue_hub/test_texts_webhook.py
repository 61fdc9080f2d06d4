"""The provider's inbound webhook (/texts/inbound/): STOP, START and HELP in English and Spanish,
answered with TwiML in the keyword's language; the signature checked with Twilio's own
validator against the site's base URL; a bad or missing signature changes nothing."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from twilio.request_validator import RequestValidator

from dialogue_hub import texts
from dialogue_hub.models import OutboxChannel, OutboxMessage, OutboxStatus, TextOptOut
from dialogue_hub.views_texts import REPLIES_PER_NUMBER_PER_HOUR

from ..factories import InitiativeFactory

pytestmark = pytest.mark.django_db

SID = "AC" + "0" * 28 + "0d18"
TOKEN = "webhook-test-auth-token"
BASE_URL = "https://hub.example.org"
NUMBER = "+12025550143"
OTHER = "+12025550177"


@pytest.fixture(autouse=True)
def twilio_configured(settings):
    settings.DIALOGUE_HUB_SMS_URL = f"twilio+http://{SID}:{TOKEN}@127.0.0.1:9?from=%2B15005550006"
    settings.DIALOGUE_HUB_BASE_URL = BASE_URL
    settings.DIALOGUE_HUB_SMS_SENDER_NAME = "Riverton Dialogues"


def url():
    return reverse("texts_inbound")


def twilio_post(client, body, *, number=NUMBER, signed_url=None, token=TOKEN, signature=None):
    """POST as Twilio does: its form fields, signed over the URL it was configured with."""
    params = {
        "MessageSid": "SM" + "a" * 32,
        "AccountSid": SID,
        "From": number,
        "To": "+15005550006",
        "Body": body,
        "NumMedia": "0",
    }
    if signature is None:
        signature = RequestValidator(token).compute_signature(
            signed_url or BASE_URL + url(), params
        )
    headers = {"HTTP_X_TWILIO_SIGNATURE": signature} if signature else {}
    return client.post(url(), params, **headers)


def reply_of(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own answer)
    assert root.tag == "Response"
    return " ".join(m.text or "" for m in root.iter("Message"))


def pending_text(number, initiative, n=0):
    return OutboxMessage.objects.create(
        key=f"text:webhook-test:{initiative.pk}:{number}:{n}",
        channel=OutboxChannel.TEXT,
        kind="account",
        to_phone=number,
        initiative=initiative,
        language="en",
    )


def stopped(number) -> bool:
    return texts.stopped_numbers([number]) == {number}


# --- STOP -------------------------------------------------------------------------------------


def test_stop_ends_texting_at_once_across_initiatives_and_says_so(client):
    rows = [pending_text(NUMBER, InitiativeFactory()) for _ in range(2)]
    untouched = pending_text(OTHER, rows[0].initiative)

    reply = reply_of(twilio_post(client, "Stop"))

    assert stopped(NUMBER)
    assert TextOptOut.objects.get().keyword == "STOP"
    for row in rows:
        row.refresh_from_db()
        assert row.status == OutboxStatus.SKIPPED
    untouched.refresh_from_db()
    assert untouched.status == OutboxStatus.PENDING
    assert reply == (
        "Riverton Dialogues: you will get no more texts from us. Reply START to get them again."
    )


def test_alto_stops_and_answers_in_spanish(client):
    reply = reply_of(twilio_post(client, "ALTO por favor"))

    assert stopped(NUMBER)
    assert reply.startswith("Riverton Dialogues: ya no recibirá mensajes de texto nuestros.")
    assert "Responda COMENZAR" in reply


def test_the_number_is_read_as_e164(client):
    row = pending_text(NUMBER, InitiativeFactory())

    reply_of(twilio_post(client, "STOP", number="+1 (202) 555-0143"))

    assert stopped(NUMBER)
    row.refresh_from_db()
    assert row.status == OutboxStatus.SKIPPED


# --- START --------------------------------------------------------------------------------------


def test_start_after_stop_texts_again(client):
    reply_of(twilio_post(client, "STOP"))

    reply = reply_of(twilio_post(client, "start"))

    assert not stopped(NUMBER)
    assert TextOptOut.objects.get().keyword == "START"
    assert reply == "Riverton Dialogues: you will get our texts again. Reply STOP to end them."


def test_comenzar_answers_in_spanish(client):
    reply_of(twilio_post(client, "ALTO"))

    reply = reply_of(twilio_post(client, "Comenzar"))

    assert not stopped(NUMBER)
    assert reply.startswith("Riverton Dialogues: volverá a recibir nuestros mensajes de texto.")
    assert "Responda ALTO" in reply


# --- HELP ---------------------------------------------------------------------------------------


def test_help_says_who_writes_and_how_to_stop(client):
    reply = reply_of(twilio_post(client, "HELP"))

    assert reply.startswith("Riverton Dialogues (https://hub.example.org) texts you about")
    assert reply.endswith("Reply STOP to end these texts.")
    assert not TextOptOut.objects.exists()


def test_ayuda_answers_in_spanish(client):
    reply = reply_of(twilio_post(client, "ayuda"))

    assert reply.startswith("Riverton Dialogues (https://hub.example.org) le escribe")
    assert "Responda ALTO" in reply


def test_anything_else_gets_an_empty_answer_and_changes_nothing(client):
    row = pending_text(NUMBER, InitiativeFactory())

    response = twilio_post(client, "Thanks, see you Tuesday!")

    assert reply_of(response) == ""
    assert "<Message" not in response.content.decode()
    assert not TextOptOut.objects.exists()
    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING


def test_replies_are_throttled_per_number_but_a_stop_always_counts(client):
    for _ in range(REPLIES_PER_NUMBER_PER_HOUR):
        assert reply_of(twilio_post(client, "HELP"))

    assert reply_of(twilio_post(client, "HELP")) == ""
    assert reply_of(twilio_post(client, "STOP")) == ""  # no reply, but…
    assert stopped(NUMBER)  # …the number is stopped
    assert reply_of(twilio_post(client, "HELP", number=OTHER))  # other numbers still answered


# --- signatures -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"signature": ""}, id="missing"),
        pytest.param({"signature": "bm90IGEgc2lnbmF0dXJl"}, id="garbage"),
        pytest.param({"token": "someone-elses-token"}, id="other-token"),
        # Signed over the host the request arrived with, not the site's address.
        pytest.param({"signed_url": "http://testserver/texts/inbound/"}, id="other-url"),
    ],
)
def test_a_bad_signature_is_refused_and_changes_nothing(client, bad):
    row = pending_text(NUMBER, InitiativeFactory())

    response = twilio_post(client, "STOP", **bad)

    assert response.status_code == 403
    assert not TextOptOut.objects.exists()
    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING


def test_a_signature_over_other_fields_is_refused(client):
    """The signature covers the POST fields: changing the Body after signing breaks it."""
    params = {"From": NUMBER, "Body": "HELP"}
    signature = RequestValidator(TOKEN).compute_signature(BASE_URL + url(), params)

    response = client.post(
        url(), {"From": NUMBER, "Body": "STOP"}, HTTP_X_TWILIO_SIGNATURE=signature
    )

    assert response.status_code == 403
    assert not TextOptOut.objects.exists()


def test_forged_requests_from_one_client_are_throttled_but_signed_ones_still_count(client):
    statuses = [twilio_post(client, "STOP", signature="forged").status_code for _ in range(31)]

    assert statuses[:30] == [403] * 30
    assert statuses[30] == 429
    assert not TextOptOut.objects.exists()
    assert reply_of(twilio_post(client, "STOP"))  # Twilio itself is never locked out
    assert stopped(NUMBER)


@pytest.mark.parametrize("sms_url", ["locmem://", "file:///tmp/sms", ""])
def test_without_a_provider_that_sends_webhooks_there_is_no_webhook(client, settings, sms_url):
    settings.DIALOGUE_HUB_SMS_URL = sms_url  # "": production without texts

    assert twilio_post(client, "STOP").status_code == 404
    assert not TextOptOut.objects.exists()


def test_only_post(client):
    assert client.get(url()).status_code == 405


def test_the_log_names_the_keyword_but_not_the_number(client, caplog):
    with caplog.at_level("INFO", logger="dialogue_hub.views_texts"):
        reply_of(twilio_post(client, "STOP texting me, Ana here"))

    assert "STOP" in caplog.text
    assert NUMBER not in caplog.text
    assert NUMBER.lstrip("+") not in caplog.text
    assert "Ana" not in caplog.text
