"""A new organizer on a phone, in a real browser: creates an initiative and opens registration
by following the overview's setup checklist alone — its links and its publish button — from the
coalition to the published landing page, where the sign-up button then shows. Every page is
checked at 360 px (nothing wider than the screen) and with axe. The whole checklist, to its
last step, is walked through the Django client in tests/test_setup_checklist_journey.py."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from initiatives.models import Initiative

from ..factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def step(page, key):
    return page.locator(f"#setup-checklist li[data-step={key}]")


def follow(j, key, name):
    """Tap the checklist's link of step `key` on the overview."""
    page = j.page
    expect(step(page, key)).to_have_attribute("data-status", "not_yet")
    with page.expect_navigation():
        step(page, key).locator("a, button").first.click()
    j.check(name)


def save(page):
    with page.expect_navigation():
        page.locator("main form [type=submit]").last.click()


def back_to_overview(j, initiative):
    j.go(initiative.get_absolute_url())


def test_a_new_organizer_opens_registration_by_following_the_checklist(journey):
    UserFactory(email="dana@example.org", display_name="Dana Whitfield")
    j = journey("setup-checklist", viewport=PHONE)
    page = j.page
    j.sign_in("dana@example.org", PASSWORD)

    j.go(reverse("initiatives:create"))
    page.fill("input[name=name_en]", "Riverton Dialogues")
    page.fill("input[name=community]", "City of Riverton")
    page.fill("textarea[name=description_en]", "Residents and police in small circles.")
    save(page)
    initiative = Initiative.objects.get(name="Riverton Dialogues")
    expect(page.locator("#setup-checklist")).to_contain_text("0 of 13 steps done")
    j.check("overview-new")

    for name, sector in [
        ("Riverton Police Department", "police"),
        ("City of Riverton", "local_government"),
        ("Youth Forward", "youth"),
    ]:
        follow(j, "coalition", f"coalition-{sector}")
        page.fill("input[name=name]", name)
        page.select_option("select[name=sector]", sector)
        save(page)
        back_to_overview(j, initiative)
    expect(step(page, "coalition")).to_have_attribute("data-status", "done")
    expect(step(page, "coalition").locator("a")).to_have_count(0)

    follow(j, "team", "invite-facilitator")
    expect(page.locator("select[name=role]")).to_have_value("facilitator")
    page.fill("input[name=email]", "lucia@example.org")
    save(page)
    assert "lucia@example.org" in mail.outbox[-1].to
    back_to_overview(j, initiative)
    # The invitation is not accepted yet: the team step still asks for a facilitator.
    expect(step(page, "team")).to_have_attribute("data-status", "not_yet")

    follow(j, "targets", "target-dimension")
    page.select_option("select[name=dimension]", "role_category")
    save(page)
    page.select_option("select[name=group]", "young_person")
    page.fill("input[name=community_percent]", "20")
    page.fill("input[name=target_count]", "12")
    save(page)
    back_to_overview(j, initiative)
    expect(step(page, "targets")).to_have_attribute("data-status", "done")

    # Registration: the settings page says what sign-ups need, and offers the publish button
    # once registration is open.
    follow(j, "registration", "registration-settings")
    expect(page.locator("#signup-path")).to_contain_text("Next: tick “Registration is open”")
    page.check("input[name=is_open]")
    save(page)
    expect(page.locator("#signup-path")).to_contain_text("Next: publish the landing page")
    j.check("registration-settings-open")
    with page.expect_navigation():
        page.locator("#signup-path button", has_text="Publish landing page").click()
    # The publish button leads back to the overview: both steps are done.
    assert page.url.endswith(initiative.get_absolute_url())
    expect(step(page, "registration")).to_have_attribute("data-status", "done")
    expect(step(page, "publish")).to_have_attribute("data-status", "done")
    expect(page.locator("#setup-checklist")).to_contain_text("4 of 13 steps done")
    j.check("overview-registration-open")

    j.go(initiative.get_public_url())
    expect(page.get_by_role("link", name="Register to take part")).to_be_visible()
    j.check("landing-page")

    # The overview in Spanish, on the phone.
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": j.base_url}])
    back_to_overview(j, initiative)
    expect(page.locator("#setup-checklist")).to_contain_text(
        re.compile("Lista de pasos para poner en marcha.*4 de 13 pasos cumplidos", re.S)
    )
    j.check("overview-es")
