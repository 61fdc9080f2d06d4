"""The public registration page: few queries, the blank form's fields from the cache (rebuilt when
the registration settings change, one copy per language, never a form with someone's answers),
a fresh CSRF token for every visitor, and a thank-you page without a session."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import reverse

from initiatives.models import Role
from participants.forms import public as forms
from participants.models import Participant, RegistrationSettings
from participants.services.staff import registration_settings_update
from participants.views import public

from ..factories import InitiativeFactory, RegistrationSettingsFactory
from ..helpers import registration_answers as answers

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def initiative(db):
    initiative = InitiativeFactory(is_published=True, languages=["en", "es"])
    RegistrationSettingsFactory(initiative=initiative)
    return initiative


@pytest.fixture
def url(initiative):
    return reverse("participants:register", args=[initiative.slug])


@pytest.fixture
def renders(monkeypatch):
    """How many times the blank form was rendered by crispy-forms (not served from the cache)."""
    calls = []
    real = forms.render_crispy_form

    def counting(form, *args, **kwargs):
        calls.append(form)
        return real(form, *args, **kwargs)

    monkeypatch.setattr(forms, "render_crispy_form", counting)
    return calls


def in_spanish(client):
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    return client


class TestQueries:
    def test_a_cold_get_takes_two_queries_and_a_warm_one_one(
        self, client, url, initiative, renders, django_assert_max_num_queries
    ):
        # Cold: the settings with the initiative, then its own questions (none: no choices to
        # read). Warm: the settings only (tests/participants/test_questions.py: with questions).
        with django_assert_max_num_queries(2):
            cold = client.get(url)
        with django_assert_max_num_queries(1):
            warm = client.get(url)
        assert len(renders) == 1  # the second visitor's fields came from the cache
        assert cold.status_code == warm.status_code == 200
        # The page's form and the language switcher each hold the visitor's token; the cached
        # fields hold none.
        assert len(CSRF_INPUT.findall(warm.content.decode())) == 2
        row = RegistrationSettings.objects.get(initiative=initiative)
        cached = forms.blank_registration_form_html(registration_settings=row, language="en")
        assert 'name="consent_participation"' in cached
        assert "csrfmiddlewaretoken" not in cached
        assert len(renders) == 1
        strip = lambda page: CSRF_INPUT.sub("", page.content.decode())  # noqa: E731
        assert strip(cold) == strip(warm)

    def test_a_registration_takes_few_queries(self, client, url, django_assert_max_num_queries):
        client.get(url)
        # Settings + initiative; the initiative's own questions (none here); the lock; cap and
        # top seat; the participant, its consents, its answers, the activity entry and the
        # email's outbox row (SQLite shows no BEGIN/COMMIT; the test's own transaction makes
        # the service's atomic a savepoint: 2 more). On PostgreSQL one more: the initiative's
        # tally lock, taken before the settings row (participants/selectors/tallies.py).
        with django_assert_max_num_queries(11 + (connection.vendor == "postgresql")):
            response = client.post(url, answers())
        assert response.status_code == 302
        assert Participant.objects.filter(email="ana@example.net").exists()

    def test_an_initiative_without_settings_yet_still_answers(self, client):
        initiative = InitiativeFactory(is_published=True)
        page = client.get(reverse("participants:register", args=[initiative.slug]))
        assert page.status_code == 200
        assert "Registration is not open right now." in page.content.decode()
        assert RegistrationSettings.objects.filter(initiative=initiative).exists()


class TestCachedForm:
    def test_the_form_is_rebuilt_when_the_registration_settings_change(
        self, client, url, initiative, member_of, renders
    ):
        assert "Northgate" in client.get(url).content.decode()
        client.get(url)
        assert len(renders) == 1
        registration_settings_update(
            user=member_of(initiative, Role.ORGANIZER),
            initiative=initiative,
            data={
                "is_open": True,
                "neighborhoods": ["Riverside"],
                "time_slots": ["Sunday noon"],
                "lived_experience_groups": [],
                "policy_version": "2026-1",
            },
            caps={},
        )
        page = client.get(url).content.decode()
        assert len(renders) == 2
        assert "Riverside" in page
        assert "Sunday noon" in page
        assert "Northgate" not in page
        assert "Tuesday evening" not in page

    def test_a_registration_does_not_rebuild_the_form(self, client, url, renders):
        client.get(url)
        assert client.post(url, answers()).status_code == 302
        client.get(url)
        assert len(renders) == 1

    def test_closing_registration_hides_the_cached_form(self, client, url, initiative):
        assert 'name="consent_participation"' in client.get(url).content.decode()
        row = RegistrationSettings.objects.get(initiative=initiative)
        row.is_open = False
        row.save(update_fields=["is_open", "updated_at"])
        page = client.get(url).content.decode()
        assert "Registration is not open right now." in page
        assert 'name="consent_participation"' not in page

    def test_english_and_spanish_are_kept_apart(self, url, renders):
        english, spanish = Client(), in_spanish(Client())
        for _ in range(2):
            en = english.get(url).content.decode()
            es = spanish.get(url).content.decode()
            assert "Your name" in en
            assert "Su nombre" not in en
            assert "Su nombre" in es
            assert "Your name" not in es
            # Each visitor's own language is the preferred one already chosen.
            assert re.search(r'<option value="en"[^>]*selected', en)
            assert re.search(r'<option value="es"[^>]*selected', es)
        assert len(renders) == 2  # one copy per language, each rendered once

    def test_a_form_with_errors_keeps_what_was_typed_and_is_not_cached(self, client, url):
        client.get(url)  # the blank form is cached
        response = client.post(
            url, answers(email="not-an-email", name="Kept Name", consent_participation="")
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert 'value="Kept Name"' in page
        assert 'value="not-an-email"' in page
        assert "Please check the answers marked below." in page
        assert len(CSRF_INPUT.findall(page)) == 2  # the page's form and the language switcher
        assert page.count("<form") == 2  # no form nested in another
        other = Client().get(url).content.decode()
        assert "Kept Name" not in other
        assert "not-an-email" not in other


class TestCsrf:
    def test_every_visitor_gets_a_working_token_of_their_own(self, url):
        first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
        tokens = {}
        for name, client in (("first", first), ("second", second)):
            page = client.get(url).content.decode()
            tokens[name] = CSRF_INPUT.search(page).group(1)
        assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
        assert tokens["first"] != tokens["second"]
        # A token only works with its own visitor's cookie.
        swapped = first.post(
            url, {**answers("x@example.net"), "csrfmiddlewaretoken": tokens["second"]}
        )
        assert swapped.status_code == 403
        for name, client in (("first", first), ("second", second)):
            response = client.post(
                url, {**answers(f"{name}@example.net"), "csrfmiddlewaretoken": tokens[name]}
            )
            assert response.status_code == 302
        assert (
            Participant.objects.filter(
                email__in=["first@example.net", "second@example.net"]
            ).count()
            == 2
        )


class TestThankYouPage:
    def test_the_outcome_is_shown_once_and_no_session_is_created(self, client, url):
        response = client.post(url, answers())
        assert response.status_code == 302
        assert "sessionid" not in response.cookies
        assert not Session.objects.exists()
        cookie = response.cookies[public.REGISTERED_COOKIE]
        assert cookie["httponly"]
        assert cookie["path"] == response.url
        page = client.get(response.url)
        assert "Thank you for registering" in page.content.decode()
        assert "no-store" in page["Cache-Control"]  # never from a shared cache
        assert "waiting list" not in page.content.decode()
        again = client.get(response.url)
        assert again.status_code == 302
        assert again.url == url

    def test_a_waitlisted_minor_sees_both_notes(self, client, url, initiative):
        RegistrationSettings.objects.filter(initiative=initiative).update(max_participants=0)
        response = client.post(url, answers(age_band="13_17", guardian_email="parent@example.net"))
        page = client.get(response.url).content.decode()
        assert "you are on the waiting list" in page
        assert "emailed your parent or guardian" in page

    def test_a_tampered_outcome_goes_back_to_the_form(self, client, url, initiative):
        thanks = reverse("participants:registered", args=[initiative.slug])
        forged = signing.dumps({"waitlisted": True}, salt="another.salt")
        client.cookies[public.REGISTERED_COOKIE] = forged
        response = client.get(thanks)
        assert response.status_code == 302
        assert response.url == url
        assert client.get(thanks).url == url  # and without any cookie

    def test_an_outcome_copied_to_another_initiative_goes_back_to_its_form(
        self, client, url, initiative
    ):
        response = client.post(url, answers())
        value = response.cookies[public.REGISTERED_COOKIE].value
        other = InitiativeFactory(is_published=True)
        RegistrationSettingsFactory(initiative=other, is_open=True)
        thanks = reverse("participants:registered", args=[other.slug])
        client.cookies[public.REGISTERED_COOKIE] = value
        response = client.get(thanks)
        assert response.status_code == 302
        assert response.url == reverse("participants:register", args=[other.slug])
