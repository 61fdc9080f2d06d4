"""The public text pages with PostgreSQL unreachable (a real failed connection: the connection's
port points nowhere): a short link and a signed STOP answer 503, never 500. PostgreSQL only:
the tests' in-memory SQLite cannot be disconnected."""

import contextlib

import pytest
from django.db import connection
from django.urls import reverse
from twilio.request_validator import RequestValidator

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TOKEN = "secret-token"


@contextlib.contextmanager
def database_down():
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def test_a_short_link_answers_503_while_the_database_is_down(client):
    with database_down():
        response = client.get("/t/abcdefghijkm/")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "This link cannot be opened right now" in response.text


def test_a_signed_stop_answers_503_while_the_database_is_down(client, settings):
    settings.DIALOGUE_HUB_SMS_URL = f"twilio://AC1:{TOKEN}@api.twilio.com?from=%2B15005550006"
    path = reverse("texts_inbound")
    params = {"From": "+12025550143", "To": "+15005550006", "Body": "STOP"}
    signature = RequestValidator(TOKEN).compute_signature(
        settings.DIALOGUE_HUB_BASE_URL.rstrip("/") + path, params
    )
    with database_down():
        response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 503
    # Back up: the same STOP is recorded.
    response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200
    from dialogue_hub import texts

    assert texts.stopped_numbers(["+12025550143"]) == {"+12025550143"}
