"""A sign-up table: one browser, one person after another.

A Spanish speaker registers in Spanish, then the next person registers in English on the same
browser: each registration is recorded in its own language, and the Spanish one does not
switch the browser (the next page is English with English preselected). A child under 13
sees only the guardian's part of the form, with JavaScript and without it.

In sign-up table mode (participants/views/table.py) an organizer hands a tablet over: three
people register in a row and none of them leaves a trace for the next.
"""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from initiatives.models import Role
from participants.models import OutreachActivity, Participant
from participants.selectors.outreach import activity_signup_cells

from ..factories import (
    PASSWORD,
    InitiativeFactory,
    MembershipFactory,
    RegistrationSettingsFactory,
    UserFactory,
)

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


# --- sign-up table mode ----------------------------------------------------------------------

TABLET = {"width": 820, "height": 1180}

FIELD_VALUES = """() => [...document.querySelectorAll(
    'form.dh-registration input:not([type=hidden]):not([type=submit]), '
    + 'form.dh-registration select, '
    + 'form.dh-registration textarea')].map((field) => [
        field.name, field.type, (field.type === 'checkbox' || field.type === 'radio')
            ? String(field.checked) : field.value])"""


def test_three_people_register_in_a_row_at_a_sign_up_table(journey, initiative):
    """A tablet at a community event: the organizer starts table mode (and is signed out), three
    people register one after another (one in Spanish), and after each one nothing of them is
    left: not in the form, the page, the cookies, the storage, nor a step back in history."""
    # A short name: at 820 px the signed-in menu of the site's navbar is just wide enough for
    # it (a "Team Member 653" from a long run overflows: a known limit of the shared navbar).
    organizer = UserFactory(display_name="Organizer")
    MembershipFactory(user=organizer, initiative=initiative, role=Role.ORGANIZER)
    j = journey("sign-up-table-mode", viewport=TABLET)
    page = j.page
    register_url = reverse("participants:register", args=[initiative.slug])

    # The organizer starts the table from the registration pages.
    j.sign_in(organizer.email, PASSWORD)
    j.go(reverse("participants:registration_settings", args=[initiative.slug]))
    page.get_by_role("link", name="Sign-up table").click()
    expect(page.get_by_role("heading", name="Start a sign-up table")).to_be_visible()
    j.check("table-start")
    page.fill("input[name=event_name]", "Eastside block party")
    with page.expect_navigation():
        page.get_by_role("button", name="Start the sign-up table").click()
    expect(page.get_by_text("Sign-up table mode is on")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    j.check("table-form")
    # The organizer's pages are behind a sign-in now, a step back in history included.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    j.go(register_url)
    expect(page.locator("form.dh-registration")).to_have_attribute("autocomplete", "off")
    blank = page.evaluate(FIELD_VALUES)
    assert ["preferred_language", "select-one", "en"] in blank

    def no_trace_of(name, email):
        traces = [name, name.split()[0], email, email.replace("@", "%40")]
        text = page.locator("body").inner_text()
        html = page.content()
        for trace in traces:
            assert trace not in text, trace
            assert trace not in html, trace
        cookies = " ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
        for trace in traces:
            assert trace.lower() not in cookies.lower(), trace
        assert settings.LANGUAGE_COOKIE_NAME not in {c["name"] for c in page.context.cookies()}
        # Nor in the page's storage (htmx keeps its history cache there).
        stored = page.evaluate("JSON.stringify([{...localStorage}, {...sessionStorage}])")
        for trace in traces:
            assert trace not in stored, trace

    def the_form_is_blank():
        expect(page.locator("form.dh-registration")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert page.evaluate(FIELD_VALUES) == blank

    people = [
        ("Ana Torres", "ana@example.net", "en", None),
        ("Rosa Gutiérrez", "rosa@example.net", "es", "Español"),
        ("Sam Lee", "sam@example.net", "en", None),
    ]
    for number, (name, email, language, button) in enumerate(people, start=1):
        if button:  # she reads the form in Spanish: the table's button, not a cookie
            page.get_by_role("link", name=button).click()
            expect(page.locator("html")).to_have_attribute("lang", "es")
            j.check(f"person-{number}-form-es")
        register(page, name=name, email=email, language=language)
        heading = "Gracias por inscribirse" if language == "es" else "Thank you for registering"
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        no_trace_of(name, email)
        j.check(f"person-{number}-thanks")
        assert Participant.objects.count() == number
        # A step back: the form again, empty, and nothing sent twice.
        page.go_back()
        expect(page.locator("form.dh-registration")).to_be_visible()
        values = page.evaluate(FIELD_VALUES)
        filled = [
            (field, value)
            for field, kind, value in values
            # The defaults (the form_is_blank check compares them with a fresh form's).
            if value not in ("", "false")
            and field not in ("preferred_language", "role_category", "contact_by")
        ]
        assert not filled, filled
        # "How should we reach you?" is back at its default, email.
        assert [value for field, _k, value in values if field == "contact_by"] == [
            "true",
            "false",
            "false",
        ]
        no_trace_of(name, email)
        assert Participant.objects.count() == number
        # Forward again: the thank-you is shown once, then it is the next person's form.
        page.go_forward()
        the_form_is_blank()
        no_trace_of(name, email)
        j.go(register_url)  # "Next person"
        the_form_is_blank()

    recorded = dict(Participant.objects.values_list("email", "preferred_language"))
    assert recorded == {"ana@example.net": "en", "rosa@example.net": "es", "sam@example.net": "en"}
    event = OutreachActivity.objects.get()
    assert (event.segment, event.channel) == ("Eastside block party", "event")
    assert activity_signup_cells(initiative=initiative)[event.pk].count == 3

    # Leaving the table needs the password again: a wrong one is refused next to the field.
    page.get_by_role("link", name="Team: leave sign-up table mode").click()
    page.fill("input[name=email]", organizer.email)
    page.fill("input[name=password]", "not-the-password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in and leave").click()
    expect(page.locator("input[name=password]")).to_have_class(re.compile("is-invalid"))
    expect(page.get_by_text("That email and password do not match")).to_be_visible()
    j.check("leave-refused")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in and leave").click()
    expect(page.get_by_text("sign-up table mode has ended")).to_be_visible()
    # The outreach page credits the event (three is a small number: shown as hidden).
    expect(page.get_by_role("heading", name="Eastside block party")).to_be_visible()
    expect(page.get_by_text("Signed up at its sign-up table: hidden")).to_be_visible()
    j.check("outreach")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_required_question_does_not_block_a_child_under_13(journey, initiative, javascript):
    """The initiative's own required question sits in the part hidden for a child under 13:
    the browser must not refuse to send the guardian's part because of it (with JavaScript the
    hidden part is disabled; without it, only CSS hides it)."""
    from participants.services import questions as question_services

    organizer = UserFactory()
    question_services.question_create(
        user=organizer,
        initiative=initiative,
        data={"kind": "yes_no", "label_en": "Do you need a meal?", "required": True},
    )
    j = journey(
        f"under-13-required-{'js' if javascript else 'nojs'}", java_script_enabled=javascript
    )
    page = j.page
    j.go(reverse("participants:register", args=[initiative.slug]))
    page.select_option("select[name=age_band]", "under_13")
    page.fill("input[name=guardian_name]", "Rosa")
    page.fill("input[name=guardian_email]", "rosa@example.net")
    page.check("input[name=consent_participation]")
    with page.expect_navigation(timeout=5000):
        page.locator("form.dh-registration [type=submit][name=submit]").click()
    expect(page.get_by_role("heading", name="Thank you for registering")).to_be_visible()
    child = Participant.objects.get()
    assert (child.age_band, child.guardian_email) == ("under_13", "rosa@example.net")


def test_a_step_back_never_sends_the_previous_persons_answers_again(journey, initiative):
    """At a sign-up table a person's first try is sent back with an error (the page answers
    their post), then they register. The next person steps back: the page they reach is an
    empty form loaded afresh, not the browser's offer to send the previous person's answers
    again."""
    organizer = UserFactory()
    MembershipFactory(user=organizer, initiative=initiative, role=Role.ORGANIZER)
    j = journey("sign-up-table-back", viewport=TABLET)
    page = j.page
    j.sign_in(organizer.email, PASSWORD)
    j.go(reverse("participants:table_start", args=[initiative.slug]))
    page.fill("input[name=event_name]", "Eastside block party")
    with page.expect_navigation():
        page.get_by_role("button", name="Start the sign-up table").click()
    page.fill("input[name=name]", "Rosa Gutiérrez")
    page.fill("input[name=email]", "rosa@example.net")
    page.select_option("select[name=age_band]", "35_44")
    with page.expect_navigation():  # no consent yet: sent back with the error
        page.locator("form.dh-registration [type=submit][name=submit]").click()
    expect(page.locator("input[name=name]")).to_have_value("Rosa Gutiérrez")
    page.check("input[name=consent_participation]")
    with page.expect_navigation():
        page.locator("form.dh-registration [type=submit][name=submit]").click()
    expect(page.get_by_role("heading", name="Thank you for registering")).to_be_visible()

    page.go_back()  # to the page that answered Rosa's first try
    expect(page.locator("form.dh-registration")).to_be_visible()
    expect(page.locator("input[name=name]")).to_have_value("")
    assert "rosa@example.net" not in page.content()
    assert Participant.objects.count() == 1

    # A team member mistypes the password on the leave page, then goes back to the form.
    page.get_by_role("link", name="Team: leave sign-up table mode").click()
    page.fill("input[name=email]", organizer.email)
    page.fill("input[name=password]", "close-to-the-password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in and leave").click()
    expect(page.get_by_text("That email and password do not match")).to_be_visible()
    page.get_by_role("link", name="Back to the registration form").click()
    page.go_back()  # the leave page again, afresh: nothing of the attempt is sent again
    expect(page.locator("input[name=email]")).to_have_value("")
    assert organizer.email not in page.content()


def test_the_team_members_other_tabs_are_cleared_when_the_table_starts(journey, initiative):
    """The organizer has the participant list open in another tab when they start the table
    and hand the tablet over: that tab no longer shows anyone (it goes to the sign-in page)."""
    organizer = UserFactory()
    MembershipFactory(user=organizer, initiative=initiative, role=Role.ORGANIZER)
    Participant.objects.create(
        initiative=initiative, name="Previous Person", email="previous@example.net"
    )
    j = journey("sign-up-table-other-tab", viewport=TABLET)
    page = j.page
    j.sign_in(organizer.email, PASSWORD)
    roster = page.context.new_page()
    roster.goto(j.url(reverse("participants:roster", args=[initiative.slug])))
    expect(roster.get_by_text("Previous Person")).to_be_visible()

    j.go(reverse("participants:table_start", args=[initiative.slug]))
    page.fill("input[name=event_name]", "Eastside block party")
    with page.expect_navigation():
        page.get_by_role("button", name="Start the sign-up table").click()
    expect(page.locator("form.dh-registration")).to_be_visible()

    expect(roster).to_have_url(re.compile(r"/accounts/login/"))
    assert "Previous Person" not in roster.content()
