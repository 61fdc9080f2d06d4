"""A team member's own preferences page (dialogue_hub/views_account.py): a mobile number and
"send my reminders by text too". The number is read with the country of their first initiative
and stored in E.164; asking for texts without a number, or a number that is not one, is a field
error with what was typed kept; removing the number turns texts off and deletes texts still
waiting for it."""

import re

import pytest
from django.urls import reverse

from dialogue_hub.models import OutboxChannel, OutboxMessage
from initiatives.models import Role

from ..factories import InitiativeFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("my_email_preferences")


def post(client, **data):
    return client.post(URL, {"language": "en", "wanted": ["reminders", "nudges"], **data})


@pytest.fixture
def user(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_a_local_number_is_stored_in_e164_with_texts_on(client, user):
    response = post(client, mobile_phone="(312) 555-0199", texts_wanted="on")

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.mobile_phone, user.texts_wanted) == ("+13125550199", True)
    page = client.get(URL).text
    assert 'value="+1 312-555-0199"' in page
    assert "Send my reminders by text too" in page


def test_the_number_is_read_with_the_country_of_the_users_initiative(client, user):
    MembershipFactory(user=user, initiative=InitiativeFactory(country="MX"), role=Role.ORGANIZER)

    post(client, mobile_phone="55 1234 5678", texts_wanted="on")

    user.refresh_from_db()
    assert user.mobile_phone == "+525512345678"


def test_asking_for_texts_without_a_number_is_a_field_error_and_keeps_the_input(client, user):
    response = post(client, mobile_phone="", texts_wanted="on", language="es")

    assert response.status_code == 200
    assert response.context["form"].errors["mobile_phone"] == [
        "Give your mobile number to get your reminders by text."
    ]
    # What was chosen is kept: the box ticked, the other choices as posted.
    assert re.search(r'<input[^>]*name="texts_wanted"[^>]*checked', response.text)
    assert re.search(r'<option value="es"[^>]*selected', response.text)
    user.refresh_from_db()
    assert (user.mobile_phone, user.texts_wanted, user.preferred_language) == ("", False, "en")


def test_a_number_that_is_not_one_is_a_field_error_and_keeps_the_input(client, user):
    response = post(client, mobile_phone="555-CALL-ME", texts_wanted="on")

    assert response.status_code == 200
    assert "not a mobile number" in response.context["form"].errors["mobile_phone"][0]
    assert 'value="555-CALL-ME"' in response.text
    user.refresh_from_db()
    assert user.mobile_phone == ""


def test_spanish_page_says_it_in_spanish(client, user):
    user.preferred_language = "es"
    user.save()
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="es")
    assert "Enviarme también los recordatorios por mensaje de texto" in response.text


def test_removing_the_number_turns_texts_off_and_deletes_waiting_texts(client, user):
    user.mobile_phone, user.texts_wanted = "+13125550199", True
    user.save()
    waiting = OutboxMessage.objects.create(
        kind="meeting.reminder",
        key="text:meeting.reminder:1:u1:48h",
        channel=OutboxChannel.TEXT,
        to_phone="+13125550199",
        params={"meeting": 1, "user": user.pk, "hours": 48},
    )

    response = post(client, mobile_phone="", texts_wanted="on")

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.mobile_phone, user.texts_wanted) == ("", False)
    assert not OutboxMessage.objects.filter(pk=waiting.pk).exists()


def test_unticking_keeps_the_number_and_stops_the_texts(client, user):
    user.mobile_phone, user.texts_wanted = "+13125550199", True
    user.save()

    post(client, mobile_phone="+1 312-555-0199")

    user.refresh_from_db()
    assert (user.mobile_phone, user.texts_wanted) == ("+13125550199", False)


def test_a_site_without_a_text_provider_offers_no_texts(client, user, settings):
    settings.DIALOGUE_HUB_SMS_URL = ""

    page = client.get(URL).text
    assert 'name="mobile_phone"' not in page
    response = post(client, mobile_phone="(312) 555-0199", texts_wanted="on")

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.mobile_phone, user.texts_wanted) == ("", False)
