"""The account pages where a person creates and revokes their personal API tokens (issue 19):
the value shown once and never kept, field errors with what was typed, revoking (their own
tokens only), the states and dates each token shows, in English and Spanish."""

import logging
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone

from api.models import ApiToken, token_hash
from api.selectors import tokens_of
from api.services import MAX_ACTIVE_TOKENS, token_create, token_revoke

from ..factories import UserFactory
from .helpers import api_client

pytestmark = pytest.mark.django_db

LIST = reverse("api:tokens")
ME = reverse("api:me")
VALUE = re.compile(r"dh_[A-Za-z0-9_-]{43}")


def revoke_url(token):
    return reverse("api:token_revoke", kwargs={"pk": token.pk})


@pytest.fixture
def person(client):
    user = UserFactory()
    client.force_login(user)
    return user


def create(client, **data):
    return client.post(LIST, {"name": "Monthly report", "expires_on": "", **data})


def value_on(response) -> str:
    found = set(VALUE.findall(response.content.decode()))
    assert len(found) == 1, found
    return found.pop()


def stored_values(token) -> list[str]:
    token.refresh_from_db()
    return [str(getattr(token, f.attname)) for f in token._meta.concrete_fields]


def test_a_created_token_is_shown_once_stored_hashed_and_works(client, person, caplog):
    caplog.set_level(logging.DEBUG)
    response = create(client)
    assert response.status_code == 200
    assert "api/token_created.html" in [t.name for t in response.templates]
    assert "no-store" in response["Cache-Control"]
    value = value_on(response)
    body = response.content.decode()
    assert f'curl -H "Authorization: Bearer {value}" http://testserver{ME}' in body
    token = ApiToken.objects.get(user=person)
    assert (token.name, token.prefix) == ("Monthly report", value[:10])
    assert token.key_hash == token_hash(value)
    assert not any(value in stored for stored in stored_values(token))
    # Nothing keeps the value for a later page: not the session, not a message.
    assert not any(value in str(v) for v in client.session.values())
    assert value not in caplog.text
    me = api_client(value).get(ME)
    assert me.status_code == 200, me.content
    assert me.json()["token"]["name"] == "Monthly report"


def test_the_value_is_not_shown_again(client, person):
    value = value_on(create(client))
    for _ in range(2):
        page = client.get(LIST)
        assert page.status_code == 200
        assert value not in page.content.decode()
        assert f"{value[:10]}…" in page.content.decode()  # the first characters only
    # Posting the same form again (a reload) makes no second token and shows no value.
    again = create(client)
    assert not VALUE.search(again.content.decode())
    assert ApiToken.objects.filter(user=person).count() == 1


def test_a_name_already_used_is_a_field_error_with_what_was_typed_kept(client, person):
    token_create(user=person, name="Monthly report")
    later = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = create(client, expires_on=later)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"name": ["You already have a token with this name."]}
    body = response.content.decode()
    assert 'id="error_1_id_name"' in body  # next to its field
    assert 'value="Monthly report"' in body
    assert f'value="{later}"' in body
    assert ApiToken.objects.filter(user=person).count() == 1


def test_a_revoked_token_s_name_can_be_used_again(client, person):
    old, _value = token_create(user=person, name="Monthly report")
    token_revoke(user=person, token=old)
    assert create(client).status_code == 200
    assert ApiToken.objects.filter(user=person, revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize("days", [0, -1])
def test_an_expiry_not_after_today_is_a_field_error(client, person, days):
    day = (timezone.localdate() + timedelta(days=days)).isoformat()
    response = create(client, name="Dashboard", expires_on=day)
    assert response.status_code == 200
    assert response.context["form"].errors == {"expires_on": ["Choose a day after today."]}
    body = response.content.decode()
    assert 'id="error_1_id_expires_on"' in body
    assert 'value="Dashboard"' in body
    assert f'value="{day}"' in body
    assert not ApiToken.objects.exists()


def test_an_expiry_centuries_away_is_a_field_error_not_a_server_error(client, person):
    response = create(client, expires_on="9999-12-31")
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["expires_on"]
    assert not ApiToken.objects.exists()


def test_a_token_with_an_expiry_works_through_its_last_day_and_is_listed_with_it(client, person):
    last = timezone.localdate() + timedelta(days=3)
    response = create(client, expires_on=last.isoformat())
    written = formats.date_format(last, "DATE_FORMAT")
    assert f"It works until the end of {written}." in response.content.decode()
    token = ApiToken.objects.get(user=person)
    assert timezone.localdate(token.expires_at) == last + timedelta(days=1)  # its midnight
    page = client.get(LIST).content.decode()
    assert written in page
    assert formats.date_format(last + timedelta(days=1), "DATE_FORMAT") not in page


def test_a_twenty_first_working_token_is_refused_on_the_form(client, person):
    for n in range(MAX_ACTIVE_TOKENS):
        token_create(user=person, name=f"Token {n}")
    response = create(client, name="One more")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"You have {MAX_ACTIVE_TOKENS} tokens. Revoke one you no longer use first."
    ]
    assert 'value="One more"' in response.content.decode()
    assert ApiToken.objects.filter(user=person).count() == MAX_ACTIVE_TOKENS


def test_revoking_a_token_stops_it_at_once(client, person):
    token, value = token_create(user=person, name="Script")
    assert api_client(value).get(ME).status_code == 200
    response = client.post(revoke_url(token))
    assert response.status_code == 302
    assert response.url == LIST
    token.refresh_from_db()
    assert token.revoked_at is not None
    refused = api_client(value).get(ME)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    page = client.get(LIST).content.decode()
    assert "The token “Script” is revoked: it no longer works." in page
    assert "Revoked" in page
    assert revoke_url(token) not in page  # no button for what is already revoked


def test_revoke_is_a_post(client, person):
    token, _value = token_create(user=person, name="Script")
    assert client.get(revoke_url(token)).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_someone_else_s_token_cannot_be_revoked_or_seen(client, person):
    other = UserFactory()
    token, value = token_create(user=other, name="Their secret script")
    response = client.post(revoke_url(token))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api_client(value).get(ME).status_code == 200
    page = client.get(LIST).content.decode()
    assert "Their secret script" not in page
    assert token.prefix not in page


def test_signed_out_visitors_sign_in_first(client):
    token, _value = token_create(user=UserFactory(), name="Script")
    for response in (client.get(LIST), client.post(LIST, {"name": "x"})):
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    assert client.post(revoke_url(token)).url.startswith(reverse("account_login"))
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiToken.objects.count() == 1


def test_an_expired_token_answers_401_saying_it_expired_and_is_listed_as_expired(client, person):
    token, value = token_create(user=person, name="Old script")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    response = api_client(value).get(ME)
    assert response.status_code == 401
    assert response.json()["detail"] == "This token has expired."
    page = client.get(LIST).content.decode()
    assert "Expired" in page
    assert "Working" not in page
    # Still revocable: that frees its name and its place among the twenty.
    assert revoke_url(token) in page


def test_the_last_use_is_shown(client, person):
    token, value = token_create(user=person, name="Dashboard")
    page = client.get(LIST).content.decode()
    assert "Not used yet" in page
    assert api_client(value).get(ME).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    used = formats.date_format(timezone.localtime(token.last_used_at), "DATETIME_FORMAT")
    page = client.get(LIST).content.decode()
    assert used in page
    assert "Not used yet" not in page


def test_the_empty_page_says_what_tokens_are_for_and_links_to_the_docs(client, person):
    page = client.get(LIST).content.decode()
    assert "You have no API tokens." in page
    assert "The API documentation explains how" in page
    assert f'href="{reverse("api:docs")}"' in page
    assert "<table" not in page


def test_the_user_menu_links_to_the_tokens_page(client, person):
    assert f'href="{LIST}"' in client.get(reverse("my_email_preferences")).content.decode()


def test_tokens_are_listed_working_first_then_revoked(person):
    first, _v = token_create(user=person, name="First")
    second, _v = token_create(user=person, name="Second")
    third, _v = token_create(user=person, name="Third")
    token_revoke(user=person, token=second)
    assert list(tokens_of(user=person)) == [third, first, second]


@pytest.mark.postgres
def test_tokens_are_listed_working_first_on_postgresql(person):
    """PostgreSQL sorts NULLs last in an ascending order: the selector says where they go."""
    test_tokens_are_listed_working_first_then_revoked(person)


def test_the_list_costs_the_same_queries_however_many_tokens(
    client, person, django_assert_max_num_queries
):
    for n in range(12):
        token, _value = token_create(user=person, name=f"Token {n}")
        if n % 3 == 0:
            token_revoke(user=person, token=token)
    client.get(LIST)  # the session and the user, loaded once
    with django_assert_max_num_queries(6):
        page = client.get(LIST)
    assert page.content.decode().count("<code>dh_") == 12


def test_the_pages_speak_spanish(client, person):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    empty = client.get(LIST).content.decode()
    assert "Tokens de API" in empty
    assert "Usted no tiene tokens de API." in empty
    created = create(client, name="Hoja de cálculo")
    body = created.content.decode()
    assert "Cópielo ahora" in body
    value = value_on(created)
    token = ApiToken.objects.get(user=person)
    duplicate = create(client, name="Hoja de cálculo")
    assert "Ya tiene un token con este nombre." in duplicate.content.decode()
    page = client.get(LIST).content.decode()
    assert "Revocar" in page
    assert "Aún no se ha usado" in page
    assert value not in page
    client.post(revoke_url(token))
    assert "El token «Hoja de cálculo» está revocado" in client.get(LIST).content.decode()
