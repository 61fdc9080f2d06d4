"""The text provider's webhook (/texts/inbound/) with Twilio set up: every role (signed in or
not, with or without a CSRF token) that posts without the provider's signature gets 403 and
changes nothing in the world; the provider's own signed STOP does its one job, and only it.
(The permission matrix covers it as the test settings have it: no provider, 404.)"""

import pytest
from django.core.cache import cache
from django.urls import reverse
from twilio.request_validator import RequestValidator

from dialogue_hub import texts
from dialogue_hub.models import OutboxChannel, OutboxMessage, OutboxStatus, TextOptOut

from .access import ROLES, client_for
from .world import changes, isolated, snapshot, world_fixture

pytestmark = pytest.mark.django_db

world = world_fixture()

SID = "AC" + "0" * 28 + "0d18"
TOKEN = "security-webhook-token"
NUMBER = "+12025550143"


@pytest.fixture(autouse=True)
def twilio_configured(settings):
    settings.DIALOGUE_HUB_SMS_URL = f"twilio+http://{SID}:{TOKEN}@127.0.0.1:9?from=%2B15005550006"


def _pending_text(world):
    return OutboxMessage.objects.create(
        key="text:security-webhook",
        channel=OutboxChannel.TEXT,
        kind="account",
        to_phone=NUMBER,
        initiative=world.a.initiative,
        language="en",
    )


def _signature(params, token=TOKEN):
    from django.conf import settings

    url = settings.DIALOGUE_HUB_BASE_URL.rstrip("/") + reverse("texts_inbound")
    return RequestValidator(token).compute_signature(url, params)


FORGERIES = {
    "unsigned": None,
    "empty": "",
    "garbage": "Zm9yZ2Vk",
    "other-token": "other-token",
}


@pytest.mark.parametrize("role", ROLES)
def test_a_post_without_the_providers_signature_changes_nothing(world, role):
    client = client_for(role, world, enforce_csrf_checks=True)
    params = {"From": NUMBER, "Body": "STOP", "AccountSid": SID}
    for name, forged in FORGERIES.items():
        cache.clear()
        with isolated():
            row = _pending_text(world)
            before = snapshot()
            headers = {}
            if name == "other-token":
                headers["HTTP_X_TWILIO_SIGNATURE"] = _signature(params, token=forged)
            elif forged is not None:
                headers["HTTP_X_TWILIO_SIGNATURE"] = forged
            response = client.post(reverse("texts_inbound"), params, **headers)
            after = snapshot()
            row.refresh_from_db()
            assert response.status_code == 403, (role, name, response.status_code)
            assert not changes(before, after), (role, name, changes(before, after))
            assert row.status == OutboxStatus.PENDING
            assert not TextOptOut.objects.exists()


def test_the_providers_signed_stop_changes_only_the_opt_out_and_that_numbers_texts(world):
    params = {"From": NUMBER, "Body": "STOP", "AccountSid": SID}
    client = client_for("anonymous", world, enforce_csrf_checks=True)
    with isolated():
        row = _pending_text(world)
        before = snapshot()
        response = client.post(
            reverse("texts_inbound"), params, HTTP_X_TWILIO_SIGNATURE=_signature(params)
        )
        after = snapshot()
        assert response.status_code == 200
        changed = {key.split(".")[0] for key in changes(before, after)}
        assert changed == {"TextOptOut", "OutboxMessage"}, changes(before, after)
        row.refresh_from_db()
        assert row.status == OutboxStatus.SKIPPED
        assert texts.stopped_numbers([NUMBER]) == {NUMBER}
