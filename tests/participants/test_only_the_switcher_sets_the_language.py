"""Only the language switcher changes the site's language for a browser.

At a sign-up table one browser serves many people. A registration's preferred language is
that registration's own: it is stored with it (and its thank-you page and emails use it), but
the browser's language (the django_language cookie, the session) stays as it was, so the next
person gets the page in the site's language with that language preselected.

`test_no_public_page_but_the_switcher_sets_the_language` walks every public URL pattern and
posts to it, so a page that starts remembering a language is caught wherever it is.
"""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver, reverse

from participants.models import Participant
from participants.services import registration as services

from ..dialogue_hub.test_urls import PUBLIC, sample_path, walk
from ..factories import InitiativeFactory, ParticipantFactory, RegistrationSettingsFactory
from ..helpers import registration_answers

pytestmark = pytest.mark.django_db

LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME


@pytest.fixture
def initiative(db):
    initiative = InitiativeFactory(is_published=True, languages=["en", "es"])
    RegistrationSettingsFactory(initiative=initiative)
    return initiative


def selected_language(page: str) -> str:
    select = re.search(r'<select name="preferred_language".*?</select>', page, re.S).group(0)
    return re.search(r'<option value="(\w+)"[^>]*selected', select).group(1)


def test_a_spanish_registration_leaves_the_next_person_in_english(client, initiative):
    url = reverse("participants:register", args=[initiative.slug])
    client.get(url)
    first = client.post(url, registration_answers("rosa@example.net", preferred_language="es"))
    assert first.status_code == 302
    assert LANGUAGE_COOKIE not in first.cookies
    # Rosa's thank-you page is in her language …
    thanks = client.get(first.url)
    assert 'lang="es"' in thanks.content.decode()
    assert "Gracias por inscribirse" in thanks.content.decode()
    # … and the next person at the table gets the site's language, English preselected.
    page = client.get(url)
    assert page.content.decode().count('lang="en"') >= 1
    assert '<html lang="en">' in page.content.decode()
    assert "Your name" in page.content.decode()
    assert selected_language(page.content.decode()) == "en"
    second = client.post(url, registration_answers("sam@example.net"))
    assert second.status_code == 302
    recorded = dict(Participant.objects.values_list("email", "preferred_language"))
    assert recorded == {"rosa@example.net": "es", "sam@example.net": "en"}
    assert LANGUAGE_COOKIE not in client.cookies


def test_the_preferred_language_default_follows_the_page(client, initiative):
    url = reverse("participants:register", args=[initiative.slug])
    client.post(reverse("set_language"), {"language": "es", "next": url})
    assert selected_language(client.get(url).content.decode()) == "es"
    # A registration in English on the Spanish page leaves the page Spanish.
    client.post(url, registration_answers("ann@example.net", preferred_language="en"))
    assert client.cookies[LANGUAGE_COOKIE].value == "es"
    assert selected_language(client.get(url).content.decode()) == "es"
    client.post(reverse("set_language"), {"language": "en", "next": url})
    assert selected_language(client.get(url).content.decode()) == "en"


def test_no_public_page_but_the_switcher_sets_the_language(initiative):
    """Every public page, opened and posted to (the registration form and the guardian's
    form with a valid answer in Spanish): none sets the language cookie but set_language."""
    person = ParticipantFactory(initiative=initiative, preferred_language="es")
    child = ParticipantFactory(
        initiative=initiative,
        email="",
        name="",
        age_band="under_13",
        preferred_language="es",
        guardian_email="parent@example.net",
    )
    tokens = {
        "participants:guardian": services.make_token(child, services.GUARDIAN_SALT),
        "participants:confirm": services.make_token(person, services.CONFIRM_SALT),
    }
    manage = services.make_token(person, services.MANAGE_SALT)
    valid_posts = {
        "participants:register": registration_answers("new@example.net", preferred_language="es"),
        "participants:guardian": {
            "name": "Leo",
            "preferred_language": "es",
            "role_category": "young_person",
            "consent_participation": "on",
        },
        "participants:manage": registration_answers(person.email, preferred_language="en"),
    }
    checked = set()
    for route, name in walk(get_resolver().url_patterns):
        if name not in PUBLIC or name == "set_language" or name.startswith("admin:"):
            continue
        values = {
            "slug": initiative.slug,
            "token": tokens.get(name, manage),
            "key": "no-such-key",
            "code": "no-such-code",
            "uidb36": "1",
            "kind": "pre",
            "pk": 1,
        }
        path = sample_path(route, values)
        browser = Client()
        for response in (browser.get(path), browser.post(path, valid_posts.get(name, {}))):
            assert LANGUAGE_COOKIE not in response.cookies, (name, response.status_code)
        checked.add(name)
    assert {"participants:register", "participants:guardian", "participants:manage"} <= checked
    child.refresh_from_db()
    assert child.guardian_consented_at is not None  # the guardian's post really went through
    assert Participant.objects.filter(email="new@example.net", preferred_language="es").exists()
