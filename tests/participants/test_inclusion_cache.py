"""The inclusion dashboard's cached HTML (initiatives/cache.py): a repeat view runs no aggregate
query, and every change made through the services shows on the next view after it commits.

Rows are seeded with factories *before* the first view; every change after it goes through a
service (the factories make the figures stale themselves, see tests/factories.py).
"""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from initiatives import services as initiative_services
from initiatives.models import Role, Sector
from participants.models import Participant, Status
from participants.services import inclusion as services_inclusion
from participants.services import registration as services
from participants.services.public import participant_withdraw
from participants.services.staff import registration_settings_update

from ..factories import (
    DemographicsFactory,
    MembershipFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Tables the dashboard aggregates: none of them may be read on a cached view.
AGGREGATED = (
    "participants_participant",
    "participants_demographics",
    "participants_inclusiontarget",
    "participants_registrationsettings",
    "initiatives_coalitionmembership",
)
NO_BENCHMARKS = "No community benchmarks or targets yet."


def dashboard_url(initiative):
    return reverse("participants:inclusion", args=[initiative.slug])


def seed(initiative, n, *, prefix="p"):
    RegistrationSettingsFactory(initiative=initiative)
    for i in range(n):
        p = ParticipantFactory(
            initiative=initiative,
            email=f"{prefix}{i}@example.net",
            role_category=["resident", "young_person"][i % 2],
            neighborhood=["Eastside", "Northgate", ""][i % 3],
            how_heard=["flyer", ""][i % 2],
        )
        if i % 4:
            DemographicsFactory(
                participant=p, race_ethnicity=[["black"], ["white", "asian"]][i % 2]
            )


def sign_in(client, initiative, role=Role.ORGANIZER):
    user = UserFactory()
    MembershipFactory(user=user, initiative=initiative, role=role)
    client.force_login(user)
    return user


def page(client, initiative, **headers) -> str:
    response = client.get(dashboard_url(initiative), **headers)
    assert response.status_code == 200
    return response.content.decode()


def shown_total(html) -> int:
    """The summary card's participant count."""
    return int(re.search(r'<p class="stat mb-0" data-total="(\d+)">', html).group(1))


def without_csrf(html) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def register(initiative, email):
    return services.participant_register(
        initiative=initiative,
        data={
            "name": "Ana Torres",
            "email": email,
            "preferred_language": "es",
            "neighborhood": "Eastside",
            "role_category": "resident",
            "age_band": "25_34",
            "how_heard": "flyer",
        },
        consents={"participation"},
    ).participant


# --- queries ------------------------------------------------------------------------------------


def test_a_repeat_view_runs_no_aggregate_query_and_shows_the_same_page(client, initiative):
    seed(initiative, 60)
    sign_in(client, initiative)
    with CaptureQueriesContext(connection) as cold:
        first = page(client, initiative)
    assert len(cold) <= 15
    assert any("participants_participant" in q["sql"] for q in cold.captured_queries)
    with CaptureQueriesContext(connection) as warm:
        second = page(client, initiative)
    read = [q["sql"] for q in warm.captured_queries if any(t in q["sql"] for t in AGGREGATED)]
    assert read == []
    assert len(warm) <= 4  # session, user, initiative, roles
    assert shown_total(first) == 60
    assert without_csrf(second) == without_csrf(first)


def test_cold_query_count_is_the_same_for_20_and_200_participants(
    client, initiative, other_initiative, django_assert_num_queries
):
    seed(initiative, 20)
    seed(other_initiative, 200, prefix="o")
    for target in (initiative, other_initiative):
        MembershipFactory(initiative=target, role=Role.FACILITATOR)
    user = sign_in(client, initiative)
    MembershipFactory(user=user, initiative=other_initiative, role=Role.ORGANIZER)
    with CaptureQueriesContext(connection) as small:
        page(client, initiative)
    with django_assert_num_queries(len(small)):
        assert shown_total(page(client, other_initiative)) == 200


# --- changes through the services ---------------------------------------------------------------


def test_a_registration_and_a_withdrawal_show_after_commit(
    client, initiative, django_capture_on_commit_callbacks
):
    seed(initiative, 12)
    sign_in(client, initiative)
    assert shown_total(page(client, initiative)) == 12
    with django_capture_on_commit_callbacks(execute=True):
        person = register(initiative, "new.person@example.net")
    assert shown_total(page(client, initiative)) == 13
    with django_capture_on_commit_callbacks(execute=True):
        participant_withdraw(participant=person)
    assert shown_total(page(client, initiative)) == 12


def test_a_change_that_does_not_log_is_not_seen_until_one_that_does(
    client, initiative, django_capture_on_commit_callbacks
):
    """The page really is served from the cache: a write behind the services' back (here an
    UPDATE) is not seen; the next logged change makes the page current again."""
    seed(initiative, 12)
    sign_in(client, initiative)
    assert shown_total(page(client, initiative)) == 12
    Participant.objects.filter(email="p0@example.net").update(status=Status.WITHDRAWN)
    assert shown_total(page(client, initiative)) == 12
    with django_capture_on_commit_callbacks(execute=True):
        register(initiative, "new.person@example.net")
    assert shown_total(page(client, initiative)) == 12  # 12 - 1 + 1, computed afresh


def test_a_target_change_shows_after_commit(client, initiative, django_capture_on_commit_callbacks):
    seed(initiative, 12)
    user = sign_in(client, initiative)
    assert NO_BENCHMARKS in page(client, initiative)
    with django_capture_on_commit_callbacks(execute=True):
        target = services_inclusion.inclusion_target_create(
            user=user,
            initiative=initiative,
            dimension="role_category",
            group="resident",
            community_share=Decimal("0.2500"),
        )
    html = page(client, initiative)
    assert NO_BENCHMARKS not in html
    assert "25.0%" in html
    with django_capture_on_commit_callbacks(execute=True):
        services_inclusion.inclusion_target_delete(user=user, target=target)
    assert NO_BENCHMARKS in page(client, initiative)


def test_registration_settings_partners_and_team_changes_show_after_commit(
    client, initiative, django_capture_on_commit_callbacks
):
    seed(initiative, 12)
    user = sign_in(client, initiative)
    assert "Riverside Youth Alliance" not in page(client, initiative)
    assert "Westend" not in page(client, initiative)
    with django_capture_on_commit_callbacks(execute=True):
        initiative_services.coalition_member_add(
            user=user,
            initiative=initiative,
            organization=None,
            organization_data={"name": "Riverside Youth Alliance", "sector": Sector.YOUTH},
        )
    assert "Riverside Youth Alliance" in page(client, initiative)
    with django_capture_on_commit_callbacks(execute=True):
        registration_settings_update(
            user=user,
            initiative=initiative,
            data={"is_open": True, "neighborhoods": ["Eastside", "Northgate", "Westend"]},
            caps={},
        )
    assert "Westend" in page(client, initiative)
    # The team (the viewer so far) has fewer than 10 people; with 10 its size is shown.
    assert 'data-total="suppressed">fewer than 10 people' in page(client, initiative)
    for _ in range(9):
        member = UserFactory()
        invitation = initiative_services.invitation_create(
            user=user, initiative=initiative, email=member.email, role=Role.OBSERVER
        )
        with django_capture_on_commit_callbacks(execute=True):
            initiative_services.invitation_accept(invitation=invitation, user=member)
    assert '<span data-total="10">10 people</span>' in page(client, initiative)


# --- what the cached HTML is kept apart by ------------------------------------------------------


def test_two_initiatives_never_share_a_cached_dashboard(client, initiative, other_initiative):
    seed(initiative, 12)
    seed(other_initiative, 30, prefix="o")
    user = sign_in(client, initiative)
    MembershipFactory(user=user, initiative=other_initiative, role=Role.ORGANIZER)
    for _ in range(2):  # cold, then warm
        assert shown_total(page(client, initiative)) == 12
        assert shown_total(page(client, other_initiative)) == 30


def test_spanish_and_english_are_cached_apart(client, initiative):
    seed(initiative, 12)
    sign_in(client, initiative)
    for _ in range(2):  # cold, then warm
        english = page(client, initiative, HTTP_ACCEPT_LANGUAGE="en")
        spanish = page(client, initiative, HTTP_ACCEPT_LANGUAGE="es")
        assert "Who has signed up" in english
        assert "Quiénes se han inscrito" not in english
        assert "Quiénes se han inscrito" in spanish
        assert "Who has signed up" not in spanish


def test_the_add_benchmarks_link_follows_the_viewer_not_the_cache(client, initiative):
    """Only roles that manage targets get the link; the police liaison sees the same figures
    with a request to ask an organizer, whoever viewed the page first."""
    seed(initiative, 12)
    organizer = sign_in(client, initiative, Role.ORGANIZER)
    liaison = sign_in(client, initiative, Role.POLICE_LIAISON)  # the team is complete now
    add_link = reverse("participants:inclusion_target_add", args=[initiative.slug])
    for order in [(organizer, liaison, organizer), (liaison, organizer, liaison)]:
        for user in order:
            client.force_login(user)
            html = page(client, initiative)
            assert (add_link in html) == (user == organizer)
            assert ("Ask an organizer" in html) == (user == liaison)
