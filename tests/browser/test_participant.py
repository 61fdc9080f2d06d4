"""A participant on a phone, in Spanish, with the keyboard alone: register on the public page,
confirm from the emailed link, then change an answer from the private manage link."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from participants.models import Participant

from ..factories import InitiativeFactory, RegistrationSettingsFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def tab_to(page, selector: str, limit: int = 120):
    """Press Tab until the focused element matches `selector` (keyboard only, no clicks)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def choose_with_arrows(page, value: str, limit: int = 20):
    """On the focused <select>, press ArrowDown until it holds `value`."""
    for _ in range(limit):
        if page.evaluate("() => document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"ArrowDown never reached {value!r}")


def email_path(body: str, pattern: str) -> str:
    return re.search(rf"https?://[^/\s]+({pattern})(?=\s|$)", body, re.MULTILINE).group(1)


def test_participant_registers_in_spanish_on_a_phone_with_the_keyboard(journey):
    initiative = InitiativeFactory(
        name="Diálogos de Riverton", is_published=True, languages=["en", "es"]
    )
    RegistrationSettingsFactory(initiative=initiative, is_open=True)
    j = journey("participant", viewport=PHONE, is_mobile=True, has_touch=True)
    page = j.page

    j.go(reverse("participants:register", args=[initiative.slug]))
    j.check("register-en")
    # On a phone the language switcher sits in the collapsed menu.
    page.get_by_role("button", name="Menu").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    j.check("register-es")

    tab_to(page, "input[name=name]")
    page.keyboard.type("Rosa Gutiérrez")
    tab_to(page, "input[name=email]")
    page.keyboard.type("rosa@example.net")
    tab_to(page, "select[name=preferred_language]")
    choose_with_arrows(page, "es")
    tab_to(page, "select[name=age_band]")
    choose_with_arrows(page, "35_44")
    tab_to(page, "select[name=neighborhood]")
    choose_with_arrows(page, "Eastside")
    tab_to(page, "input[name=availability][value='Thursday evening']")
    page.keyboard.press("Space")
    tab_to(page, "input[name=consent_participation]")
    page.keyboard.press("Space")
    tab_to(page, "form [type=submit][name=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    participant = Participant.objects.get(email="rosa@example.net")
    assert participant.availability == ["Thursday evening"]
    assert page.url.endswith(reverse("participants:registered", args=[initiative.slug]))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    j.check("registered")

    body = mail.outbox[-1].body
    j.go(email_path(body, r"/registration/[^/\s]+/confirm/"))
    j.check("confirm")
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    j.check("confirmed")

    j.go(email_path(body, r"/registration/[^/\s]+/"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    j.check("manage")
    page.fill("input[name=phone]", "201-555-0134")
    with page.expect_navigation():
        page.get_by_role("button", name="Guardar cambios").click()
    participant.refresh_from_db()
    assert participant.phone == "+12015550134"
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("main")).to_contain_text("Su nombre")
    j.check("manage-saved")
