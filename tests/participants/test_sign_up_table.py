"""Sign-up table mode: a team member who may manage registration starts it, which signs them
out on that device; people then register one after another, each on an empty form in the
initiative's language, with nothing about them kept in the browser; the sign-ups are credited
to the event; leaving needs the team member's password again.

The browser side (autofill, history, cookies on a real tablet-sized screen) is
tests/browser/test_sign_up_table.py.
"""

import re

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.urls import reverse

from initiatives.models import ActivityLogEntry, Role
from participants.forms.table import LEAVE_ATTEMPTS_PER_TABLE
from participants.models import Channel, OutreachActivity, Participant, RegistrationSettings
from participants.selectors.outreach import activity_signup_cells, attribution
from participants.views import public, table

from ..factories import (
    PASSWORD,
    CoalitionMembershipFactory,
    InitiativeFactory,
    OutreachActivityFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
)
from ..helpers import registration_answers

pytestmark = pytest.mark.django_db

LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME


@pytest.fixture
def initiative(db):
    initiative = InitiativeFactory(
        name="Riverton Dialogues", is_published=True, languages=["en", "es"]
    )
    RegistrationSettingsFactory(initiative=initiative)
    return initiative


def start_url(initiative):
    return reverse("participants:table_start", args=[initiative.slug])


def register_url(initiative):
    return reverse("participants:register", args=[initiative.slug])


def thanks_url(initiative):
    return reverse("participants:registered", args=[initiative.slug])


def leave_url(initiative):
    return reverse("participants:table_leave", args=[initiative.slug])


def start_table(client, initiative, **data):
    data = data or {"event_name": "Eastside block party", "happened_on": "2026-12-05"}
    return client.post(start_url(initiative), data)


@pytest.fixture
def table_client(client, initiative, organizer):
    client.force_login(organizer)
    response = start_table(client, initiative)
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def language_cookie(client) -> str:
    """The browser's language cookie ("" once deleted: the test client keeps it empty)."""
    cookie = client.cookies.get(LANGUAGE_COOKIE)
    return cookie.value if cookie else ""


def text_of(response) -> str:
    return response.content.decode()


# --- starting it -------------------------------------------------------------------------------


def test_the_registration_pages_offer_the_table_to_organizers(client, initiative, organizer):
    client.force_login(organizer)
    page = text_of(
        client.get(reverse("participants:registration_settings", args=[initiative.slug]))
    )
    assert start_url(initiative) in page
    page = text_of(client.get(start_url(initiative)))
    assert "Start the sign-up table" in page
    assert "signs you out on this device" in page


@pytest.mark.parametrize("role", [role for role in Role.values if role != Role.ORGANIZER], ids=str)
def test_only_those_who_manage_registration_may_start_a_table(client, initiative, member_of, role):
    client.force_login(member_of(initiative, role))
    assert client.get(start_url(initiative)).status_code == 403
    assert start_table(client, initiative).status_code == 403
    assert not OutreachActivity.objects.exists()
    # Still signed in as themselves: nothing happened.
    assert client.session.get("_auth_user_id")
    assert table.SESSION_KEY not in client.session


def test_signed_out_visitors_and_other_initiatives_organizers_cannot_start_one(
    client, initiative, other_initiative, member_of
):
    response = start_table(client, initiative)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    client.force_login(member_of(other_initiative, Role.ORGANIZER))
    assert start_table(client, initiative).status_code == 404
    assert not OutreachActivity.objects.exists()


def test_starting_signs_the_organizer_out_and_opens_the_form(client, initiative, organizer):
    client.force_login(organizer)
    client.cookies[LANGUAGE_COOKIE] = "es"  # the organizer's own language on this device
    response = start_table(client, initiative)
    assert response.status_code == 302
    assert response.url == register_url(initiative)
    # Signed out: the session holds the table's signed marker and nothing else of theirs.
    assert "_auth_user_id" not in client.session
    assert set(client.session.keys()) <= {table.SESSION_KEY, "_messages"}
    assert response.cookies[LANGUAGE_COOKIE]["max-age"] == 0  # the device's language is reset
    event = OutreachActivity.objects.get()
    assert (event.segment, event.channel, str(event.happened_on)) == (
        "Eastside block party",
        Channel.EVENT,
        "2026-12-05",
    )
    assert ActivityLogEntry.objects.filter(
        action="registration.table_started", actor=organizer
    ).exists()
    page = client.get(register_url(initiative))
    assert "Sign-up table mode is on" in text_of(page)


def test_a_table_can_be_credited_to_an_event_already_logged(client, initiative, organizer):
    partner = CoalitionMembershipFactory(initiative=initiative)
    fair = OutreachActivityFactory(
        initiative=initiative, channel=Channel.EVENT, segment="Health fair", partner=partner
    )
    client.force_login(organizer)
    assert start_table(client, initiative, activity=fair.pk).status_code == 302
    client.post(register_url(initiative), registration_answers("ana@example.net"))
    person = Participant.objects.get()
    assert person.outreach_activity == fair
    assert person.partner == partner
    assert OutreachActivity.objects.count() == 1


def test_the_start_form_says_what_is_missing(client, initiative, organizer):
    client.force_login(organizer)
    response = start_table(client, initiative, event_name="  ", happened_on="")
    assert response.status_code == 200
    form = response.context["form"]
    assert (
        "Choose the event from the list, or give the name of a new one."
        in form.errors["event_name"]
    )
    assert form.errors["happened_on"]
    assert client.session.get("_auth_user_id")  # still signed in


def test_a_table_cannot_start_while_registration_is_closed(client, initiative, organizer):
    RegistrationSettings.objects.filter(initiative=initiative).update(is_open=False)
    client.force_login(organizer)
    response = start_table(client, initiative)
    assert response.status_code == 200
    assert "Registration is closed" in text_of(response)
    assert not OutreachActivity.objects.exists()
    assert client.session.get("_auth_user_id")


def test_the_start_page_in_spanish(client, initiative, organizer):
    client.force_login(organizer)
    client.cookies[LANGUAGE_COOKIE] = "es"
    page = text_of(client.get(start_url(initiative)))
    assert "Iniciar la mesa de inscripción" in page


# --- while it runs -----------------------------------------------------------------------------


def test_staff_pages_ask_for_a_sign_in_while_the_table_runs(table_client, initiative):
    person = ParticipantFactory(initiative=initiative)
    for name, args in [
        ("participants:roster", [initiative.slug]),
        ("participants:participant", [initiative.slug, person.pk]),
        ("participants:roster_export", [initiative.slug]),
        ("participants:outreach", [initiative.slug]),
        ("participants:table_start", [initiative.slug]),
        ("initiatives:detail", [initiative.slug]),
    ]:
        response = table_client.get(reverse(name, args=args))
        assert response.status_code == 302, name
        assert response.url.startswith("/accounts/login/"), name
    # The form page shows no way into the site but the team's sign-in to leave.
    page = text_of(table_client.get(register_url(initiative)))
    assert reverse("participants:roster", args=[initiative.slug]) not in page
    assert leave_url(initiative) in page
    assert reverse("set_language") not in page


def test_the_form_is_empty_and_in_the_initiatives_language_after_each_person(
    table_client, initiative
):
    url = register_url(initiative)
    response = table_client.post(
        url,
        registration_answers("rosa@example.net", name="Rosa Gutiérrez", preferred_language="es"),
    )
    assert response.status_code == 302
    assert response.url == thanks_url(initiative)
    assert LANGUAGE_COOKIE not in response.cookies
    assert public.REGISTERED_COOKIE not in response.cookies  # the outcome stays on the server
    thanks = table_client.get(thanks_url(initiative))
    assert "Gracias por inscribirse" in text_of(thanks)  # in her language
    page = table_client.get(url)
    html = text_of(page)
    assert '<html lang="en">' in html
    assert re.search(r'<option value="en"[^>]*selected', html)
    assert "Rosa" not in html
    assert "rosa@example.net" not in html
    assert "no-store" in page["Cache-Control"]
    # No autofill: the form and each personal field.
    assert re.search(r'<form method="post" class="dh-registration" autocomplete="off"', html)
    for field in ("name", "email", "phone", "guardian_name", "guardian_email"):
        tag = re.search(rf'<input[^>]*name="{field}"[^>]*>', html).group(0)
        assert 'autocomplete="off"' in tag, field
    assert 'name="how_heard"' not in html  # the event is how they heard
    assert not language_cookie(table_client)
    person = Participant.objects.get()
    assert (person.preferred_language, person.how_heard) == ("es", Channel.EVENT)


def test_the_tables_language_buttons_set_no_cookie(table_client, initiative):
    page = table_client.get(register_url(initiative) + "?lang=es")
    assert '<html lang="es">' in text_of(page)
    assert "Inscríbase en los diálogos" in text_of(page) or "Su nombre" in text_of(page)
    assert LANGUAGE_COOKIE not in page.cookies
    response = table_client.post(
        register_url(initiative) + "?lang=es",
        registration_answers("lia@example.net", preferred_language="es"),
    )
    assert response.status_code == 302
    # The next person starts in the initiative's own language again.
    assert '<html lang="en">' in text_of(table_client.get(register_url(initiative)))


def test_the_form_starts_in_the_initiatives_first_language_whatever_the_browser(
    client, organizer, member_of
):
    spanish_first = InitiativeFactory(is_published=True, languages=["es", "en"])
    RegistrationSettingsFactory(initiative=spanish_first)
    client.force_login(member_of(spanish_first, Role.ORGANIZER))
    start_table(client, spanish_first)
    client.cookies[LANGUAGE_COOKIE] = "en"
    page = client.get(register_url(spanish_first), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="es">' in text_of(page)
    assert page["Content-Language"] == "es"


def test_the_thank_you_page_shows_nothing_personal_and_only_once(table_client, initiative):
    table_client.post(
        register_url(initiative),
        registration_answers("sam@example.net", name="Sam Lee", phone="201-555-0101"),
    )
    thanks = table_client.get(thanks_url(initiative))
    html = text_of(thanks)
    assert thanks.status_code == 200
    assert "Thank you for registering" in html
    assert "Next person" in html
    assert f'href="{register_url(initiative)}"' in html  # "Next person": an empty form
    for personal in ("Sam", "sam@example.net", "201-555-0101", "We have sent you an email"):
        assert personal not in html
    assert "Email me my link" not in html  # it would mail the previous person's address
    assert "no-store" in thanks["Cache-Control"]
    # Shown once: "back" or a reload goes to the empty form.
    again = table_client.get(thanks_url(initiative))
    assert again.status_code == 302
    assert again.url == register_url(initiative)


def test_nothing_about_the_people_is_kept_in_the_browser(table_client, initiative):
    people = [("Rosa Gutiérrez", "rosa@example.net"), ("Sam Lee", "sam@example.net")]
    for name, email in people:
        table_client.post(register_url(initiative), registration_answers(email, name=name))
        table_client.get(thanks_url(initiative))
    cookies = " ".join(f"{key}={morsel.value}" for key, morsel in table_client.cookies.items())
    session = repr(dict(table_client.session.items()))
    for name, email in people:
        for trace in (name, email, name.split()[0]):
            assert trace not in cookies
            assert trace not in session
    assert not language_cookie(table_client)
    assert (
        public.REGISTERED_COOKIE not in table_client.cookies
        or not table_client.cookies[public.REGISTERED_COOKIE].value
    )


def test_a_minor_and_a_child_under_13_register_at_the_table(table_client, initiative):
    teen = table_client.post(
        register_url(initiative),
        registration_answers(
            "teen@example.net",
            name="Leo",
            age_band="13_17",
            guardian_name="Marta",
            guardian_email="marta@example.net",
        ),
    )
    assert teen.status_code == 302
    html = text_of(table_client.get(thanks_url(initiative)))
    assert "Leo" not in html
    assert "marta@example.net" not in html
    child = table_client.post(
        register_url(initiative),
        {
            "age_band": "under_13",
            "preferred_language": "es",
            "guardian_name": "Rosa",
            "guardian_email": "rosa@example.net",
            "consent_participation": "on",
        },
    )
    assert child.status_code == 302
    assert "Gracias" in text_of(table_client.get(thanks_url(initiative)))
    # A minor without a guardian's email is asked for it, on the table's form.
    missing = table_client.post(
        register_url(initiative), registration_answers("kid@example.net", age_band="13_17")
    )
    assert missing.status_code == 200
    assert "People under 18 need a parent or guardian" in text_of(missing)
    assert 'autocomplete="off"' in text_of(missing)
    event = OutreachActivity.objects.get()
    rows = {p.age_band: p for p in Participant.objects.all()}
    assert set(rows) == {"13_17", "under_13"}
    assert rows["13_17"].guardian_email == "marta@example.net"
    assert (rows["under_13"].name, rows["under_13"].email) == ("", "")
    assert all(p.outreach_activity == event for p in rows.values())
    # The person's own download says where they signed up.
    from participants.selectors.public import participant_export

    assert participant_export(rows["13_17"])["signed_up_at_event"] == "Eastside block party"


def test_the_table_is_credited_to_the_event_on_the_outreach_pages(
    table_client, initiative, organizer, django_assert_max_num_queries
):
    for n in range(12):
        table_client.post(register_url(initiative), registration_answers(f"p{n}@example.net"))
    ParticipantFactory.create_batch(10, initiative=initiative)  # people who registered elsewhere
    event = OutreachActivity.objects.get()
    assert activity_signup_cells(initiative=initiative)[event.pk].count == 12
    by_channel = {row.key: row.signups for row in attribution(initiative=initiative).by_channel}
    assert by_channel[Channel.EVENT].count == 12
    staff = Client()
    staff.force_login(organizer)
    page = text_of(staff.get(reverse("participants:outreach", args=[initiative.slug])))
    assert "12 people signed up at its sign-up table" in page


def test_a_few_sign_ups_at_a_table_are_hidden_on_the_outreach_page(
    table_client, initiative, organizer
):
    for n in range(3):
        table_client.post(register_url(initiative), registration_answers(f"p{n}@example.net"))
    event = OutreachActivity.objects.get()
    assert activity_signup_cells(initiative=initiative)[event.pk].count == 3
    staff = Client()
    staff.force_login(organizer)
    page = text_of(staff.get(reverse("participants:outreach", args=[initiative.slug])))
    assert "Signed up at its sign-up table: hidden" in page
    assert "3 people signed up" not in page


def test_the_outreach_page_queries_stay_flat(
    client, initiative, organizer, django_assert_max_num_queries
):
    client.force_login(organizer)
    url = reverse("participants:outreach", args=[initiative.slug])

    def fill(n):
        for _ in range(n):
            event = OutreachActivityFactory(initiative=initiative, channel=Channel.EVENT)
            ParticipantFactory(initiative=initiative, outreach_activity=event)

    fill(2)
    client.get(url)
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    fill(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


# --- rate limits -------------------------------------------------------------------------------


def test_a_busy_table_is_not_blocked_by_the_per_connection_limit(
    table_client, initiative, monkeypatch
):
    monkeypatch.setattr(public, "REGISTRATIONS_PER_IP_PER_HOUR", 2)
    for n in range(6):
        response = table_client.post(
            register_url(initiative), registration_answers(f"p{n}@example.net")
        )
        assert response.status_code == 302, n
    assert Participant.objects.count() == 6


def test_a_table_has_its_own_limit(table_client, initiative, monkeypatch):
    monkeypatch.setattr(table, "REGISTRATIONS_PER_TABLE_PER_HOUR", 3)
    codes = [
        table_client.post(
            register_url(initiative), registration_answers(f"p{n}@example.net")
        ).status_code
        for n in range(4)
    ]
    assert codes == [302, 302, 302, 429]
    refused = table_client.post(register_url(initiative), registration_answers("x@example.net"))
    assert "data-table-mode" in text_of(refused)  # still the table's page, autofill off
    assert "Too many attempts from your connection" in text_of(refused)


def test_a_made_up_table_marker_does_not_lift_the_limit(initiative, organizer, monkeypatch):
    monkeypatch.setattr(public, "REGISTRATIONS_PER_IP_PER_HOUR", 2)
    stranger = Client()
    session = stranger.session
    # A marker not signed by the server (or for another initiative) is no table.
    session[table.SESSION_KEY] = signing.dumps(
        {"i": initiative.pk, "a": 1, "u": organizer.pk, "t": "x"}, salt="not-the-salt"
    )
    session.save()
    codes = [
        stranger.post(
            register_url(initiative), registration_answers(f"s{n}@example.net")
        ).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]
    assert 'autocomplete="off"' not in text_of(stranger.get(register_url(initiative)))


def test_a_marker_for_another_initiative_is_no_table_here(
    client, initiative, other_initiative, member_of
):
    RegistrationSettingsFactory(initiative=other_initiative)
    other_initiative.is_published = True
    other_initiative.save(update_fields=["is_published"])
    client.force_login(member_of(other_initiative, Role.ORGANIZER))
    start_table(client, other_initiative)
    page = text_of(client.get(register_url(initiative)))
    assert "data-table-mode" not in page
    assert text_of(client.get(leave_url(initiative))) == ""  # a redirect to the form


# --- leaving it --------------------------------------------------------------------------------


def test_leaving_refuses_a_wrong_password_next_to_the_field(table_client, initiative, organizer):
    response = table_client.post(
        leave_url(initiative), {"email": organizer.email, "password": "wrong-password-1"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["password"] == ["That email and password do not match. Try again."]
    html = text_of(response)
    assert f'value="{organizer.email}"' in html  # the email is kept
    assert 'id="error_1_id_password"' in html or "invalid-feedback" in html
    assert "_auth_user_id" not in table_client.session
    assert table.SESSION_KEY in table_client.session
    roster = table_client.get(reverse("participants:roster", args=[initiative.slug]))
    assert roster.url.startswith("/accounts/login/")


def test_leaving_in_spanish(table_client, initiative, organizer):
    response = table_client.post(
        leave_url(initiative) + "?lang=es", {"email": organizer.email, "password": "nope-nope-1"}
    )
    assert "Ese correo electrónico y esa contraseña no coinciden" in text_of(response)


def test_leaving_with_the_password_signs_the_organizer_in_again(
    table_client, initiative, organizer
):
    page = table_client.get(leave_url(initiative))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    response = table_client.post(
        leave_url(initiative), {"email": organizer.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("participants:outreach", args=[initiative.slug])
    assert table_client.session["_auth_user_id"] == str(organizer.pk)
    assert table.SESSION_KEY not in table_client.session
    assert "sign-up table mode has ended" in text_of(table_client.get(response.url))
    assert ActivityLogEntry.objects.filter(action="registration.table_ended").exists()
    # The public form is the ordinary one again.
    assert "data-table-mode" not in text_of(table_client.get(register_url(initiative)))


def test_another_organizer_may_end_the_table_but_not_a_police_liaison(
    table_client, initiative, member_of
):
    liaison = member_of(initiative, Role.POLICE_LIAISON)
    refused = table_client.post(
        leave_url(initiative), {"email": liaison.email, "password": PASSWORD}
    )
    assert refused.status_code == 200
    assert (
        "cannot end this initiative's sign-up table"
        in refused.context["form"].errors["password"][0]
    )
    assert "_auth_user_id" not in table_client.session
    colleague = member_of(initiative, Role.ORGANIZER)
    response = table_client.post(
        leave_url(initiative), {"email": colleague.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert table_client.session["_auth_user_id"] == str(colleague.pk)


def test_guessing_the_password_at_the_table_is_limited(table_client, initiative, organizer):
    for _ in range(LEAVE_ATTEMPTS_PER_TABLE):
        table_client.post(leave_url(initiative), {"email": organizer.email, "password": "guess-1"})
    response = table_client.post(
        leave_url(initiative), {"email": organizer.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Too many attempts" in response.context["form"].errors["password"][0]
    assert "_auth_user_id" not in table_client.session


def test_without_a_table_the_leave_page_goes_to_the_form(client, initiative):
    response = client.get(leave_url(initiative))
    assert response.status_code == 302
    assert response.url == register_url(initiative)
    response = client.post(leave_url(initiative), {"email": "a@example.net", "password": "x"})
    assert response.status_code == 302
