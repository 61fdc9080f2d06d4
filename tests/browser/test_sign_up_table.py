"""A sign-up table: one browser, one person after another.

A Spanish speaker registers in Spanish, then the next person registers in English on the same
browser: each registration is recorded in its own language, and the Spanish one does not
switch the browser (the next page is English with English preselected). A child under 13
sees only the guardian's part of the form, with JavaScript and without it.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from participants.models import Participant

from ..factories import InitiativeFactory, RegistrationSettingsFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def initiative(db):
    initiative = InitiativeFactory(
        name="Riverton Dialogues", is_published=True, languages=["en", "es"]
    )
    RegistrationSettingsFactory(initiative=initiative, is_open=True)
    return initiative


def register(page, *, name, email, language, age="35_44"):
    page.select_option("select[name=preferred_language]", language)
    page.select_option("select[name=age_band]", age)
    page.fill("input[name=name]", name)
    page.fill("input[name=email]", email)
    page.select_option("select[name=neighborhood]", "Eastside")
    page.check("input[name=consent_participation]")
    with page.expect_navigation():
        page.locator("form.dh-registration [type=submit][name=submit]").click()


def test_a_spanish_then_an_english_registration_on_one_browser(journey, initiative):
    j = journey("sign-up-table")
    page = j.page
    url = reverse("participants:register", args=[initiative.slug])

    j.go(url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    j.check("first-person")
    register(page, name="Rosa Gutiérrez", email="rosa@example.net", language="es")
    # Rosa's thank-you page speaks her language …
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Gracias por inscribirse")).to_be_visible()
    j.check("first-thanks")

    # … and the next person at the table gets the site's language, English preselected.
    j.go(url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("select[name=preferred_language]")).to_have_value("en")
    j.check("second-person")
    register(page, name="Sam Lee", email="sam@example.net", language="en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Thank you for registering")).to_be_visible()
    j.check("second-thanks")

    recorded = dict(Participant.objects.values_list("email", "preferred_language"))
    assert recorded == {"rosa@example.net": "es", "sam@example.net": "en"}


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_under_13_sees_only_the_guardians_part(journey, initiative, javascript):
    j = journey(f"under-13-{'js' if javascript else 'nojs'}", java_script_enabled=javascript)
    page = j.page

    def check(step):
        # axe is JavaScript: without it the same pages are checked by the run with it.
        if javascript:
            j.check(step)

    j.go(reverse("participants:register", args=[initiative.slug]))
    name = page.locator("input[name=name]")
    expect(name).to_be_visible()
    page.select_option("select[name=age_band]", "under_13")
    for hidden in ("input[name=name]", "input[name=email]", "select[name=role_category]"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator("input[name=consent_media]")).to_be_hidden()
    expect(page.locator("input[name=guardian_email]")).to_be_visible()
    expect(page.locator("input[name=consent_participation]")).to_be_visible()
    expect(page.get_by_role("note")).to_be_visible()
    check("guardian-part")
    page.fill("input[name=guardian_name]", "Rosa")
    page.fill("input[name=guardian_email]", "rosa@example.net")
    page.check("input[name=consent_participation]")
    with page.expect_navigation():
        page.locator("form.dh-registration [type=submit][name=submit]").click()
    expect(page.get_by_role("heading", name="Thank you for registering")).to_be_visible()
    expect(page.get_by_role("link", name="Email me my link")).to_have_count(0)
    check("thanks")
    child = Participant.objects.get()
    assert (child.age_band, child.name, child.email) == ("under_13", "", "")
    assert child.guardian_email == "rosa@example.net"
