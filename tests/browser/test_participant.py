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


def _daytime_zone() -> str:
    """A time zone where it is between 10:00 and 18:00 now: texts are not held for the night."""
    import zoneinfo
    from datetime import datetime

    zones = [
        "Pacific/Honolulu", "America/Los_Angeles", "America/Chicago", "America/Sao_Paulo",
        "Atlantic/Azores", "Europe/Madrid", "Europe/Athens", "Asia/Dubai", "Asia/Kolkata",
        "Asia/Bangkok", "Asia/Tokyo", "Pacific/Auckland",
    ]  # fmt: skip
    return next(z for z in zones if 10 <= datetime.now(zoneinfo.ZoneInfo(z)).hour < 18)


def test_a_young_person_on_a_phone_in_spanish_registers_to_be_reached_by_text(journey):
    """Register with a mobile number and "text me": a bad number is refused next to the field
    with everything kept; the confirmation link comes by email (it proves the address), and
    once it is followed a Spanish text says they are confirmed, its short link opening their
    private page."""
    from dialogue_hub import texts

    initiative = InitiativeFactory(
        name="Diálogos de Riverton",
        is_published=True,
        languages=["en", "es"],
        timezone=_daytime_zone(),
    )
    RegistrationSettingsFactory(initiative=initiative, is_open=True)
    j = journey("participant-texts", viewport=PHONE, is_mobile=True, has_touch=True, locale="es-US")
    page = j.page

    j.go(reverse("participants:register", args=[initiative.slug]))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.fill("input[name=name]", "Maya Ortiz")
    page.fill("input[name=email]", "maya@example.net")
    page.select_option("select[name=preferred_language]", "es")
    page.select_option("select[name=age_band]", "18_24")
    page.fill("input[name=phone]", "12345")
    page.check("input[name=contact_by][value=text]")
    page.check("input[name=consent_participation]")
    page.check("input[name=consent_texts]")
    with page.expect_navigation():
        page.locator("form [type=submit][name=submit]").click()

    phone = page.locator("input[name=phone]")
    expect(phone).to_have_value("12345")  # what was typed is kept
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_phone_error, .invalid-feedback").first).to_contain_text("número")
    expect(page.locator("input[name=name]")).to_have_value("Maya Ortiz")
    expect(page.locator("input[name=contact_by][value=text]")).to_be_checked()
    assert not Participant.objects.exists()
    j.check("register-texts-refused")

    phone.fill("(201) 555-0188")
    with page.expect_navigation():
        page.locator("form [type=submit][name=submit]").click()
    expect(page.locator("main")).to_contain_text(
        "Le enviamos por correo electrónico un enlace para confirmar su dirección"
    )
    expect(page.locator("main")).to_contain_text("le escribiremos por mensaje de texto")
    j.check("registered-by-text")
    participant = Participant.objects.get(email="maya@example.net")
    assert (participant.phone, participant.contact_by) == ("+12015550188", "text")

    assert texts.sent == []  # nothing to the phone before the address is confirmed
    [email] = mail.outbox
    assert email.to == ["maya@example.net"]
    j.go(email_path(email.body, r"/registration/\S+/confirm/"))
    expect(page.locator("h1")).to_have_text("Confirme su dirección de correo electrónico")
    j.check("confirm-from-email")
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    expect(page.locator("main")).to_contain_text("Gracias: su correo electrónico está confirmado.")
    participant.refresh_from_db()
    assert participant.status == "confirmed"

    [text] = texts.sent
    assert text["to"] == "+12015550188"
    assert text["body"].startswith("Dialogue Hub: Gracias por confirmar: ya participa en Diálogos")
    assert "Responda ALTO" in text["body"]
    assert len(mail.outbox) == 1  # the confirmed message went by text only
    link = re.search(r"https?://[^/\s]+(/t/[^/\s]+/)", text["body"]).group(1)
    j.go(link)
    expect(page.locator("input[name=name]")).to_have_value("Maya Ortiz")  # their private page
    j.check("private-page-from-text")
