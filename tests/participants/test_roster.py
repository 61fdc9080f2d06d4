"""The participant list (roster), its CSV export, one participant's page, staff entry,
staff withdrawal and registration settings: who may see what, the activity log entries that
every look at personal data leaves, query counts, and CSV injection."""

import csv
import io

import pytest
from django.urls import reverse

from initiatives.models import ActivityLogEntry, Role
from participants.exports import csv_safe
from participants.models import (
    Consent,
    ConsentGiver,
    Participant,
    RegistrationSettings,
    RoleCap,
    Source,
    Status,
)
from participants.services import registration as services
from participants.services.public import participant_withdraw
from participants.services.staff import registration_settings_update
from participants.urls import staff as staff_urls

from ..factories import (
    CoalitionMembershipFactory,
    ConsentFactory,
    DemographicsFactory,
    InitiativeFactory,
    MembershipFactory,
    OrganizationFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

ROSTER_BLOCKED = [
    Role.POLICE_LIAISON,
    Role.OBSERVER,
    Role.COALITION_LEAD,
    Role.FACILITATOR,
    Role.RECORDER,
]

# url name -> (method, permission, needs a participant pk)
URL_PERMISSIONS = {
    "roster": ("get", "participants.view", False),
    "roster_export": ("get", "participants.export", False),
    "participant": ("get", "participants.view", True),
    "participant_add": ("post", "participants.manage", False),
    "participant_withdraw": ("post", "participants.manage", True),
    "registration_settings": ("post", "participants.manage", False),
    "import": ("get", "participants.manage", False),
    "import_review": ("get", "participants.manage", False),
    "import_template": ("get", "participants.manage", False),
}


def new_person(**overrides):
    data = {
        "name": "Rosa Díaz",
        "email": "rosa@example.net",
        "phone": "",
        "preferred_language": "es",
        "neighborhood": "Eastside",
        "role_category": "resident",
        "age_band": "25_34",
        "availability": ["Tuesday evening"],
        "accessibility_needs": ["childcare"],
        "accessibility_other": "",
        "how_heard": "flyer",
        "guardian_name": "",
        "guardian_email": "",
        "consent_participation": "on",
        "consent_contact": "on",
    }
    return {**data, **overrides}


POST_DATA = {
    "participant_add": new_person(),
    "registration_settings": {
        "is_open": "on",
        "neighborhoods": "Eastside\nNorthgate",
        "policy_version": "2026-2",
    },
}


@pytest.fixture
def setup(initiative):
    RegistrationSettingsFactory(initiative=initiative)
    return initiative


def url(name, initiative, *args, query=""):
    return reverse(f"participants:{name}", args=[initiative.slug, *args]) + query


def login(client, initiative, role):
    user = UserFactory()
    MembershipFactory(user=user, initiative=initiative, role=role)
    client.force_login(user)
    return user


def snapshot(initiative):
    settings_row = RegistrationSettings.objects.filter(initiative=initiative).first()
    return (
        sorted(Participant.objects.filter(initiative=initiative).values_list("email", "status")),
        settings_row.policy_version if settings_row else None,
        sorted(RoleCap.objects.filter(initiative=initiative).values_list("role_category", "seats")),
    )


def test_every_staff_url_is_listed():
    assert {pattern.name for pattern in staff_urls.urlpatterns} == set(URL_PERMISSIONS)


@pytest.mark.parametrize("role", ROSTER_BLOCKED)
@pytest.mark.parametrize("url_name", ["roster", "roster_export", "participant"])
def test_police_officials_and_circle_roles_never_see_the_roster(client, setup, role, url_name):
    person = ParticipantFactory(initiative=setup)
    login(client, setup, role)

    response = client.get(url(url_name, setup, *([person.pk] if url_name == "participant" else [])))

    assert response.status_code == 403
    assert person.email.encode() not in response.content


@pytest.mark.parametrize("url_name", sorted(URL_PERMISSIONS))
def test_a_member_of_another_initiative_gets_404(client, setup, url_name):
    method, _permission, needs_pk = URL_PERMISSIONS[url_name]
    person = ParticipantFactory(initiative=setup)
    other = InitiativeFactory()
    login(client, other, Role.ORGANIZER)
    before = snapshot(setup)

    response = getattr(client, method)(
        url(url_name, setup, *([person.pk] if needs_pk else [])), POST_DATA.get(url_name, {})
    )

    assert response.status_code == 404
    assert snapshot(setup) == before


def test_a_participant_of_another_initiative_is_404_even_for_an_organizer(client, setup):
    stranger = ParticipantFactory(initiative=InitiativeFactory())
    login(client, setup, Role.ORGANIZER)

    assert client.get(url("participant", setup, stranger.pk)).status_code == 404
    assert client.post(url("participant_withdraw", setup, stranger.pk)).status_code == 404
    stranger.refresh_from_db()
    assert stranger.status == Status.CONFIRMED


def test_police_liaison_and_coalition_lead_pages_never_show_a_participant_email(client, setup):
    person = ParticipantFactory(initiative=setup, email="hidden.person@example.net")
    for role in (Role.POLICE_LIAISON, Role.COALITION_LEAD):
        login(client, setup, role)
        for path in (
            reverse("initiatives:detail", args=[setup.slug]),
            reverse("initiatives:activity", args=[setup.slug]),
            url("roster", setup),
            url("roster_export", setup),
            url("participant", setup, person.pk),
        ):
            response = client.get(path)
            assert b"hidden.person@example.net" not in response.content, (role, path)


# --- roster ---------------------------------------------------------------------------------------


def test_roster_lists_people_with_badges_and_filters(client, setup):
    ParticipantFactory(initiative=setup, name="Ana Waiting", status=Status.WAITLISTED)
    ParticipantFactory(
        initiative=setup,
        name="Teo Young",
        age_band="13_17",
        guardian_email="mum@example.net",
        role_category="young_person",
        neighborhood="Northgate",
    )
    ParticipantFactory(initiative=setup, name="Bea Officer", role_category="sworn_officer")
    login(client, setup, Role.ORGANIZER)

    page = client.get(url("roster", setup)).content.decode()
    assert "Ana Waiting" in page
    assert "Waiting list" in page
    assert "Awaiting guardian consent" in page

    only_young = client.get(url("roster", setup, query="?role_category=young_person")).content
    assert b"Teo Young" in only_young
    assert b"Bea Officer" not in only_young

    waiting = client.get(url("roster", setup, query="?status=waitlisted")).content
    assert b"Ana Waiting" in waiting
    assert b"Teo Young" not in waiting

    guardian = client.get(url("roster", setup, query="?status=awaiting_guardian")).content
    assert b"Teo Young" in guardian
    assert b"Ana Waiting" not in guardian

    north = client.get(url("roster", setup, query="?neighborhood=Northgate")).content
    assert b"Teo Young" in north
    assert b"Bea Officer" not in north


def test_roster_search_matches_part_of_a_name_or_email_case_insensitively(client, setup):
    ParticipantFactory(initiative=setup, name="María López", email="maria@example.net")
    ParticipantFactory(initiative=setup, name="John Smith", email="jsmith@example.org")
    login(client, setup, Role.ORGANIZER)

    by_name = client.get(url("roster", setup, query="?q=lóp")).content.decode()
    by_email = client.get(url("roster", setup, query="?q=EXAMPLE.ORG")).content.decode()

    assert "María López" in by_name
    assert "John Smith" not in by_name
    assert "John Smith" in by_email
    assert "María López" not in by_email


def test_roster_filters_by_source_partner_and_age(client, setup):
    partner = CoalitionMembershipFactory(
        initiative=setup, organization=OrganizationFactory(name="Eastside Church")
    )
    ParticipantFactory(initiative=setup, name="Via Partner", partner=partner, age_band="65_plus")
    ParticipantFactory(initiative=setup, name="From Paper", source=Source.IMPORT)
    login(client, setup, Role.ORGANIZER)

    by_partner = client.get(url("roster", setup, query=f"?partner={partner.pk}")).content
    by_source = client.get(url("roster", setup, query="?source=import")).content
    by_age = client.get(url("roster", setup, query="?age_band=65_plus")).content

    assert b"Via Partner" in by_partner
    assert b"From Paper" not in by_partner
    assert b"From Paper" in by_source
    assert b"Via Partner" not in by_source
    assert b"Via Partner" in by_age


def test_roster_bad_filter_values_are_ignored_not_errors(client, setup):
    ParticipantFactory(initiative=setup, name="Still Listed")
    login(client, setup, Role.ORGANIZER)

    response = client.get(
        url("roster", setup, query="?status=nonsense&partner=abc&sort=drop_table&page=zzz")
    )

    assert response.status_code == 200
    assert b"Still Listed" in response.content


def test_roster_sorts_and_paginates_keeping_the_filters(client, setup):
    ParticipantFactory.create_batch(55, initiative=setup, role_category="resident")
    ParticipantFactory(initiative=setup, name="Aaron First", role_category="resident")
    login(client, setup, Role.ORGANIZER)

    first = client.get(url("roster", setup, query="?role_category=resident&sort=name"))
    page = first.content.decode()

    assert page.index("Aaron First") > 0
    assert "Page 1 of 2" in page
    assert "role_category=resident" in page.split("Next")[0].rsplit("href=", 1)[1]
    second = client.get(url("roster", setup, query="?role_category=resident&sort=name&page=2"))
    assert second.status_code == 200
    assert b"Aaron First" not in second.content


def test_roster_empty_state_says_what_to_do_next(client, setup):
    login(client, setup, Role.ORGANIZER)

    page = client.get(url("roster", setup)).content.decode()

    assert "Nobody has registered yet." in page
    assert reverse("participants:import", args=[setup.slug]) in page


def test_roster_hides_a_small_total_from_non_stewards(client, setup):
    ParticipantFactory.create_batch(3, initiative=setup)
    login(client, setup, Role.ORGANIZER)

    page = client.get(url("roster", setup)).content.decode()

    assert "Fewer than 10 people match." in page
    assert "3 people match" not in page


def test_every_roster_view_writes_a_log_entry_without_names(client, setup):
    ParticipantFactory(initiative=setup, name="Secret Name", email="secret@example.net")
    user = login(client, setup, Role.ORGANIZER)

    client.get(url("roster", setup))
    client.get(url("roster", setup, query="?q=secret&status=confirmed"))

    entries = ActivityLogEntry.objects.filter(action="participants.roster_viewed", actor=user)
    assert entries.count() == 2
    filtered = entries.order_by("id").last()
    assert filtered.details["filters"] == {"status": "confirmed", "search": True}
    for entry in entries:
        assert "secret" not in str(entry.details).lower()
        assert "secret" not in entry.target_label.lower()


def test_roster_query_count_does_not_grow(client, setup):
    partner = CoalitionMembershipFactory(initiative=setup)
    ParticipantFactory.create_batch(5, initiative=setup, partner=partner)
    login(client, setup, Role.ORGANIZER)

    assert_queries_do_not_grow(
        client,
        url("roster", setup),
        lambda: ParticipantFactory.create_batch(45, initiative=setup, partner=partner),
        limit=15,
    )


def test_export_query_count_does_not_grow_even_with_demographics(client, setup):
    partner = CoalitionMembershipFactory(initiative=setup)

    def add(count):
        for person in ParticipantFactory.create_batch(count, initiative=setup, partner=partner):
            DemographicsFactory(participant=person)
            ConsentFactory(participant=person)

    add(5)
    login(client, setup, Role.DATA_STEWARD)

    assert_queries_do_not_grow(client, url("roster_export", setup), lambda: add(45), limit=15)


# --- participant page -----------------------------------------------------------------------------


def test_steward_sees_demographics_and_consents_organizer_does_not(client, setup):
    person = ParticipantFactory(initiative=setup)
    DemographicsFactory(participant=person, race_ethnicity=["mena"], gender="nonbinary")
    ConsentFactory(participant=person, kind="media")

    login(client, setup, Role.DATA_STEWARD)
    steward_page = client.get(url("participant", setup, person.pk)).content.decode()
    login(client, setup, Role.ORGANIZER)
    organizer_page = client.get(url("participant", setup, person.pk)).content.decode()

    assert "Middle Eastern or North African" in steward_page
    assert "Non-binary" in steward_page
    assert "Be quoted or photographed" in steward_page
    assert person.email in organizer_page
    assert "Middle Eastern or North African" not in organizer_page
    assert "Non-binary" not in organizer_page
    assert "Be quoted or photographed" not in organizer_page


def test_viewing_a_participant_is_logged_by_short_id_only(client, setup):
    person = ParticipantFactory(initiative=setup, name="Private Person")
    user = login(client, setup, Role.DATA_STEWARD)

    client.get(url("participant", setup, person.pk))

    entry = ActivityLogEntry.objects.get(action="participant.viewed", actor=user)
    assert entry.target_id == str(person.pk)
    assert "Private" not in entry.target_label
    assert person.email not in str(entry.details)


# --- export ---------------------------------------------------------------------------------------


def read_csv(response):
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))


def test_export_is_utf8_with_bom_and_has_the_filtered_rows(client, setup):
    ParticipantFactory(initiative=setup, name="José Núñez", role_category="resident")
    ParticipantFactory(initiative=setup, name="Officer Kay", role_category="sworn_officer")
    login(client, setup, Role.ORGANIZER)

    response = client.get(url("roster_export", setup, query="?role_category=resident"))

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:2] == ["name", "email"]
    names = [row[0] for row in rows[1:]]
    assert names == ["José Núñez"]


def test_export_has_demographics_only_for_the_steward(client, setup):
    person = ParticipantFactory(initiative=setup)
    DemographicsFactory(participant=person, race_ethnicity=["asian"], gender="woman")
    ConsentFactory(participant=person, kind="evaluation")

    login(client, setup, Role.ORGANIZER)
    organizer_rows = read_csv(client.get(url("roster_export", setup)))
    login(client, setup, Role.DATA_STEWARD)
    steward_rows = read_csv(client.get(url("roster_export", setup)))

    assert "race_ethnicity" not in organizer_rows[0]
    assert "consents" not in organizer_rows[0]
    assert "Asian" not in str(organizer_rows)
    header = steward_rows[0]
    row = dict(zip(header, steward_rows[1], strict=True))
    assert row["race_ethnicity"] == "Asian"
    assert row["gender"] == "Woman"
    assert "Answer evaluation surveys" in row["consents"]


def test_export_neutralizes_csv_formula_injection(client, setup):
    ParticipantFactory(
        initiative=setup,
        name='=HYPERLINK("http://evil.example","click")',
        phone="+1 555 0100",
    )
    ParticipantFactory(initiative=setup, name="@SUM(A1:A9)", phone="-2+3")
    login(client, setup, Role.ORGANIZER)

    rows = read_csv(client.get(url("roster_export", setup)))

    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert '\'=HYPERLINK("http://evil.example","click")' in cells
    assert "'@SUM(A1:A9)" in cells
    assert "'+1 555 0100" in cells


def test_csv_safe_leaves_ordinary_text_alone():
    assert csv_safe("Ana") == "Ana"
    assert csv_safe("") == ""
    assert csv_safe(None) == ""
    assert csv_safe("=1+1") == "'=1+1"


def test_every_export_writes_a_log_entry_with_the_filters(client, setup):
    ParticipantFactory(initiative=setup, email="someone@example.net")
    user = login(client, setup, Role.ORGANIZER)

    client.get(url("roster_export", setup, query="?neighborhood=Eastside&q=someone"))
    client.get(url("roster_export", setup))

    entries = ActivityLogEntry.objects.filter(action="participants.exported", actor=user)
    assert entries.count() == 2
    first = entries.order_by("id").first()
    assert first.details["filters"] == {"neighborhood": "Eastside", "search": True}
    assert first.details["demographics"] is False
    assert "someone" not in str(first.details)


# --- staff entry and withdrawal --------------------------------------------------------------------


def test_staff_entry_registers_confirmed_with_paper_consents(
    client, setup, django_capture_on_commit_callbacks
):
    user = login(client, setup, Role.ORGANIZER)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("participant_add", setup), new_person())

    person = Participant.objects.get(email="rosa@example.net")
    assert response.status_code == 302
    assert response["Location"] == url("participant", setup, person.pk)
    assert person.source == Source.STAFF
    assert person.registered_by == user
    assert person.status == Status.CONFIRMED
    kinds = set(Consent.objects.filter(participant=person).values_list("kind", flat=True))
    assert kinds == {"participation", "contact"}
    assert set(Consent.objects.filter(participant=person).values_list("given_by", flat=True)) == {
        ConsentGiver.PAPER
    }


def test_staff_entry_of_a_duplicate_is_a_field_error_with_a_link(client, setup):
    existing = ParticipantFactory(initiative=setup, email="rosa@example.net")
    login(client, setup, Role.ORGANIZER)

    response = client.post(url("participant_add", setup), new_person(email="ROSA@example.net"))

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert url("participant", setup, existing.pk) in response.content.decode()
    assert Participant.objects.filter(initiative=setup).count() == 1


def test_staff_entry_beyond_the_cap_says_waiting_list(client, setup):
    RegistrationSettings.objects.filter(initiative=setup).update(max_participants=0)
    login(client, setup, Role.ORGANIZER)

    response = client.post(url("participant_add", setup), new_person(), follow=True)

    assert Participant.objects.get(email="rosa@example.net").status == Status.WAITLISTED
    assert "waiting list" in response.content.decode()


def test_staff_entry_bad_input_gives_field_errors_and_keeps_what_was_typed(client, setup):
    login(client, setup, Role.ORGANIZER)

    response = client.post(
        url("participant_add", setup),
        new_person(email="not-an-email", age_band="13_17", consent_participation=""),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "email" in errors
    assert "guardian_email" in errors
    assert "consent_participation" in errors
    assert b"Rosa D" in response.content
    assert not Participant.objects.exists()


def test_staff_withdraw_frees_the_seat_for_the_waiting_list(client, setup):
    RegistrationSettings.objects.filter(initiative=setup).update(max_participants=1)
    seated = services.participant_register(
        initiative=setup,
        data={**new_person(email="a@example.net"), "availability": []},
        consents={"participation"},
        source=Source.STAFF,
    ).participant
    waiting = services.participant_register(
        initiative=setup,
        data={**new_person(email="b@example.net"), "availability": []},
        consents={"participation"},
        source=Source.STAFF,
    ).participant
    assert waiting.status == Status.WAITLISTED
    user = login(client, setup, Role.ORGANIZER)

    response = client.post(url("participant_withdraw", setup, seated.pk))

    assert response.status_code == 302
    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert seated.status == Status.WITHDRAWN
    assert waiting.status == Status.CONFIRMED
    assert ActivityLogEntry.objects.filter(action="participant.withdrawn", actor=user).exists()


def test_withdraw_by_get_is_not_allowed(client, setup):
    person = ParticipantFactory(initiative=setup)
    login(client, setup, Role.ORGANIZER)

    assert client.get(url("participant_withdraw", setup, person.pk)).status_code == 405


# --- registration settings -------------------------------------------------------------------------


def test_settings_save_lists_without_blanks_or_repeats_and_caps(client, setup):
    user = login(client, setup, Role.ORGANIZER)

    response = client.post(
        url("registration_settings", setup),
        {
            "is_open": "on",
            "closes_on": "2030-05-01",
            "neighborhoods": "Eastside\n\n  Northgate \neastside\nRiverside",
            "time_slots": "Tuesday evening\nTuesday evening",
            "lived_experience_groups": "",
            "max_participants": "120",
            "policy_version": "2026-2",
            "cap_sworn_officer": "15",
            "cap_young_person": "",
        },
    )

    assert response.status_code == 302
    row = RegistrationSettings.objects.get(initiative=setup)
    assert row.neighborhoods == ["Eastside", "Northgate", "Riverside"]
    assert row.time_slots == ["Tuesday evening"]
    assert row.lived_experience_groups == []
    assert row.max_participants == 120
    assert row.policy_version == "2026-2"
    assert str(row.closes_on) == "2030-05-01"
    assert dict(RoleCap.objects.filter(initiative=setup).values_list("role_category", "seats")) == {
        "sworn_officer": 15
    }
    entry = ActivityLogEntry.objects.get(action="registration.settings_changed", actor=user)
    assert "neighborhoods" in entry.details["fields"]
    assert entry.details["caps"] == ["sworn_officer"]


def test_settings_form_shows_current_values(client, setup):
    RoleCap.objects.create(initiative=setup, role_category="sworn_officer", seats=12)
    login(client, setup, Role.ORGANIZER)

    form = client.get(url("registration_settings", setup)).context["form"]

    assert form.initial["neighborhoods"].splitlines()[0] == "Eastside"
    assert form.initial["cap_sworn_officer"] == 12


def test_settings_negative_cap_is_a_field_error(client, setup):
    login(client, setup, Role.ORGANIZER)

    response = client.post(
        url("registration_settings", setup),
        {"policy_version": "x", "cap_sworn_officer": "-3", "max_participants": "abc"},
    )

    assert response.status_code == 200
    assert "cap_sworn_officer" in response.context["form"].errors
    assert "max_participants" in response.context["form"].errors
    assert not RoleCap.objects.exists()


def test_lowering_a_cap_below_seats_taken_warns_and_removes_nobody(client, setup):
    officers = ParticipantFactory.create_batch(
        3, initiative=setup, role_category="sworn_officer", status=Status.CONFIRMED
    )
    for number, person in enumerate(officers, start=1):
        Participant.objects.filter(pk=person.pk).update(seat_number=number)
    login(client, setup, Role.ORGANIZER)

    response = client.post(
        url("registration_settings", setup),
        {"policy_version": "2026-1", "cap_sworn_officer": "1"},
        follow=True,
    )

    assert "Nobody was removed" in response.content.decode()
    assert (
        Participant.objects.filter(
            initiative=setup, role_category="sworn_officer", seat_number__isnull=False
        ).count()
        == 3
    )


def test_raising_a_cap_promotes_from_the_waiting_list(setup, organizer):
    RoleCap.objects.create(initiative=setup, role_category="sworn_officer", seats=0)
    people = [
        services.participant_register(
            initiative=setup,
            data={**new_person(email=f"cop{n}@example.net", role_category="sworn_officer")},
            consents={"participation"},
            source=Source.STAFF,
        ).participant
        for n in range(3)
    ]
    assert {p.status for p in people} == {Status.WAITLISTED}

    outcome = registration_settings_update(
        user=organizer,
        initiative=setup,
        data={"is_open": True, "policy_version": "2026-1", "neighborhoods": ["Eastside"]},
        caps={"sworn_officer": 2},
    )

    assert outcome.promoted == 2
    statuses = [Participant.objects.get(pk=p.pk).status for p in people]
    assert statuses == [Status.CONFIRMED, Status.CONFIRMED, Status.WAITLISTED]


# --- cached figures and fragments (initiatives/cache.py) ------------------------------------------


def _roster_queries(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return response, [q["sql"] for q in captured.captured_queries]


def test_a_repeat_view_of_the_roster_reads_no_participant_but_is_still_logged(client, setup):
    ParticipantFactory.create_batch(12, initiative=setup, name="Ana Cached")
    login(client, setup, Role.ORGANIZER)
    first, cold = _roster_queries(client, url("roster", setup))
    second, warm = _roster_queries(client, url("roster", setup))
    assert first.content.count(b"Ana Cached") == second.content.count(b"Ana Cached") == 12
    assert any("participants_participant" in sql for sql in cold)
    assert not any('FROM "participants_participant"' in sql for sql in warm), warm
    assert len(warm) < len(cold)
    assert (
        ActivityLogEntry.objects.filter(
            initiative=setup, action="participants.roster_viewed"
        ).count()
        == 2
    )


def test_the_roster_shows_a_change_made_through_a_service_at_once(
    client, setup, django_capture_on_commit_callbacks
):
    person = ParticipantFactory(initiative=setup, name="Berta Changes", status=Status.CONFIRMED)
    user = login(client, setup, Role.ORGANIZER)
    before = client.get(url("roster", setup)).content.decode()
    assert "<td>Confirmed " in before
    assert "<td>Withdrawn " not in before
    with django_capture_on_commit_callbacks(execute=True):
        participant_withdraw(participant=person, actor=user)
    after = client.get(url("roster", setup)).content.decode()
    assert "<td>Withdrawn " in after
    assert "<td>Confirmed " not in after


def test_cached_rosters_are_kept_apart_by_initiative_filters_and_language(client, setup):
    other = InitiativeFactory()
    RegistrationSettingsFactory(initiative=other)
    ParticipantFactory.create_batch(11, initiative=setup, name="Here Person")
    ParticipantFactory.create_batch(11, initiative=other, name="Elsewhere Person")
    user = login(client, setup, Role.ORGANIZER)
    MembershipFactory(user=user, initiative=other, role=Role.ORGANIZER)
    mine = client.get(url("roster", setup)).content.decode()
    theirs = client.get(url("roster", other)).content.decode()
    assert "Here Person" in mine
    assert "Elsewhere Person" not in mine
    assert "Elsewhere Person" in theirs
    assert "Here Person" not in theirs
    searched = client.get(url("roster", setup, query="?q=nobody-matches")).content.decode()
    assert "Here Person" not in searched
    assert "Nobody matches these filters." in searched
    english = client.get(url("roster", setup)).content.decode()
    spanish = client.get(url("roster", setup), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<td>Confirmed " in english
    assert "<td>Confirmed " not in spanish
    assert "<td>Confirmad" in spanish
