"""A public form must answer the same whether or not someone with that email exists.

A community–police dialogue must not tell a neighbour, an employer or an officer whether a
person signed up. Every public form that takes an email address is posted twice, from two
fresh browsers, once with a registered address and once with an unknown one: the status, the
redirect, the cookies set (names and attributes), the page shown and the page after the
redirect must be the same (CSRF tokens aside). Only the owner of the address hears about it,
by email.

`test_every_public_form_that_takes_an_email_is_covered` finds those forms in the URL conf
(every public page whose form has an email input), so a new one fails until it is listed.
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core import mail
from django.test import Client
from django.urls import get_resolver, reverse

from participants.models import Participant

from ..dialogue_hub.test_urls import PUBLIC, sample_path, walk
from ..factories import ParticipantFactory, UserFactory
from ..helpers import registration_answers

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')
EMAIL_INPUT = re.compile(
    r'<input[^>]+type="email"[^>]*name="([^"]+)"|<input[^>]+name="([^"]+)"[^>]*type="email"'
)
KNOWN = "known.person@example.net"
UNKNOWN = "nobody.here@example.net"


@dataclass
class PublicEmailForm:
    """A public form that takes an email: its URL, what it posts, and who is 'known'."""

    url: Callable  # (site) -> path
    data: Callable  # (email) -> POST data
    make_known: Callable  # (site, email) -> None


def _registration_data(email):
    return registration_answers(email=email, name="Same Name", phone="201-555-0199")


def _known_participant(site, email):
    ParticipantFactory(
        initiative=site.initiative,
        email=email,
        name="Stored Name",
        phone="555-0100",
        preferred_language="es",
        email_confirmed_at="2026-01-01T00:00Z",
    )


def _signup_data(email):
    return {
        "display_name": "Someone",
        "email": email,
        "password1": "a-long-passphrase-42",
        "password2": "a-long-passphrase-42",
    }


FORMS = {
    "participants:register": PublicEmailForm(
        url=lambda site: reverse("participants:register", args=[site.initiative.slug]),
        data=_registration_data,
        make_known=_known_participant,
    ),
    "participants:link_request": PublicEmailForm(
        url=lambda site: reverse("participants:link_request", args=[site.initiative.slug]),
        data=lambda email: {"email": email},
        make_known=_known_participant,
    ),
    "account_signup": PublicEmailForm(
        url=lambda site: reverse("account_signup"),
        data=_signup_data,
        make_known=lambda site, email: UserFactory(email=email),
    ),
    "account_reset_password": PublicEmailForm(
        url=lambda site: reverse("account_reset_password"),
        data=lambda email: {"email": email},
        make_known=lambda site, email: UserFactory(email=email),
    ),
}


def page(response, email) -> str:
    """The page as another person would compare it: no CSRF token, the address typed masked."""
    return CSRF.sub(r"\1\2", response.content.decode()).replace(email, "EMAIL")


def cookie_shape(response) -> dict:
    """The cookies a response sets, by name, with their attributes (not their values or the
    second they expire at)."""
    return {
        name: {key: value for key, value in morsel.items() if key != "expires"}
        for name, morsel in response.cookies.items()
    }


def visit(url, data, email):
    """A fresh browser opens the form, posts it, and follows the answer to its end."""
    browser = Client()
    browser.get(url)
    first = browser.post(url, data)
    steps = [(first.status_code, first.get("Location"), cookie_shape(first), page(first, email))]
    response = first
    while response.status_code in (301, 302, 303) and len(steps) < 5:
        response = browser.get(response["Location"])
        steps.append(
            (
                response.status_code,
                response.get("Location"),
                cookie_shape(response),
                page(response, email),
            )
        )
    return steps


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_known_and_an_unknown_address_get_the_same_answer(
    name, site, django_capture_on_commit_callbacks
):
    form = FORMS[name]
    form.make_known(site, KNOWN)
    url = form.url(site)
    with django_capture_on_commit_callbacks(execute=True):
        known = visit(url, form.data(KNOWN), KNOWN)
        unknown = visit(url, form.data(UNKNOWN), UNKNOWN)
    # Status, redirect and cookies of every step, then each page.
    assert [step[:3] for step in known] == [step[:3] for step in unknown]
    assert [step[3] for step in known] == [step[3] for step in unknown]


def test_every_public_form_that_takes_an_email_is_covered(site):
    values = {
        "slug": site.initiative.slug,
        "token": site.manage_token,
        "key": "no-such-key",
        "code": "no-such-code",
        "uidb36": "1",
        "kind": "post",
    }
    found = set()
    for route, name in walk(get_resolver().url_patterns):
        if name not in PUBLIC or name in {"admin:login", "account_login"}:
            continue  # signing in with a password says nothing until the password is right
        if "<str:token>" in route or "<str:key>" in route:
            continue  # a private link's page belongs to whoever holds the link
        try:
            path = sample_path(route, values)
        except KeyError:
            continue
        response = Client().get(path)
        if response.status_code == 200 and EMAIL_INPUT.search(response.content.decode()):
            found.add(name)
    assert "participants:register" in found  # the detector works
    assert found <= set(FORMS), (
        f"public forms taking an email, not covered here: {found - set(FORMS)}"
    )


class TestDuplicateRegistration:
    """A second registration with a registered address: same page, nothing changed, and the
    owner of the address gets one email saying they are registered, with their private link."""

    def test_the_stored_registration_is_unchanged(self, site, django_capture_on_commit_callbacks):
        _known_participant(site, KNOWN)
        stored = Participant.objects.get(email=KNOWN)
        url = reverse("participants:register", args=[site.initiative.slug])
        with django_capture_on_commit_callbacks(execute=True):
            Client().post(url, _registration_data(KNOWN.upper()))
        after = Participant.objects.get(email=KNOWN)
        for field in ("name", "phone", "preferred_language", "status", "updated_at", "seat_number"):
            assert getattr(after, field) == getattr(stored, field), field
        assert Participant.objects.filter(initiative=site.initiative, email=KNOWN).count() == 1

    def test_the_owner_gets_one_already_registered_email_in_their_language(
        self, site, django_capture_on_commit_callbacks
    ):
        _known_participant(site, KNOWN)  # registered in Spanish
        url = reverse("participants:register", args=[site.initiative.slug])
        with django_capture_on_commit_callbacks(execute=True):
            Client().post(url, _registration_data(KNOWN))
        assert [m.to for m in mail.outbox] == [[KNOWN]]
        message = mail.outbox[0]
        assert "Ya tiene una inscripción" in message.subject
        assert re.search(r"https?://[^/]+/registration/[^/\s]+/", message.body)

    def test_an_english_registrant_gets_it_in_english(
        self, site, django_capture_on_commit_callbacks
    ):
        ParticipantFactory(initiative=site.initiative, email=KNOWN, preferred_language="en")
        url = reverse("participants:register", args=[site.initiative.slug])
        with django_capture_on_commit_callbacks(execute=True):
            Client().post(url, _registration_data(KNOWN))
        (message,) = mail.outbox
        assert "already registered" in message.subject
        assert "/registration/" in message.body

    def test_repeated_duplicates_send_at_most_three_emails(
        self, site, django_capture_on_commit_callbacks
    ):
        _known_participant(site, KNOWN)
        url = reverse("participants:register", args=[site.initiative.slug])
        seconds_left = 3600 - time.time() % 3600
        if seconds_left < 30:  # all six posts in one clock hour (the cap is per clock hour)
            time.sleep(seconds_left + 0.1)
        with django_capture_on_commit_callbacks(execute=True):
            answers = [Client().post(url, _registration_data(KNOWN)) for _ in range(6)]
        assert {a.status_code for a in answers} == {302}
        assert len([m for m in mail.outbox if m.to == [KNOWN]]) == 3
