"""The inclusion dashboard's decision-making bodies in full (issue 17, part 7): the initiative
team, the coalition's convening partners and the action teams' conveners, each suppressed like
the team. The conveners come from the actions app through participants' DECISION_BODIES
registry (participants never imports actions)."""

import csv
import io

import pytest
from django.urls import reverse

from actions.selectors.teams import convener_bodies
from initiatives.models import CoalitionRole, Role
from participants.models import Status
from participants.selectors import decision_bodies, inclusion

from ..factories import (
    ActionTeamFactory,
    CoalitionMembershipFactory,
    DemographicsFactory,
    MembershipFactory,
    ParticipantFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


def _bodies(initiative):
    return {
        body.key: body
        for body in inclusion.inclusion_dashboard(initiative=initiative).decision_bodies
    }


def _values(body, dimension):
    table = next(t for t in body.tables if t.key == f"{body.key}-{dimension}")
    return {row.key: row.value for row in table.rows}


def test_the_actions_app_registers_the_conveners():
    assert convener_bodies in decision_bodies.DECISION_BODIES


def test_every_body_is_listed_team_first(initiative):
    assert list(_bodies(initiative)) == ["team", "convening", "conveners"]


def test_conveners_mix_counts_each_convener_once_from_their_registration(initiative):
    ParticipantFactory.create_batch(40, initiative=initiative, role_category="resident")
    conveners = []
    for n in range(30):
        person = ParticipantFactory(
            initiative=initiative,
            role_category="young_person" if n < 12 else "resident",
            age_band="18_24" if n < 12 else "35_44",
        )
        DemographicsFactory(participant=person, race_ethnicity=["black"])
        conveners.append(person)
    for n, person in enumerate(conveners):
        ActionTeamFactory(initiative=initiative, name=f"Team {n}", convener=person)
    # Convening two teams counts once; a team without a convener adds no one.
    ActionTeamFactory(initiative=initiative, name="Second team", convener=conveners[0])
    ActionTeamFactory(initiative=initiative, name="No convener yet", convener=None)
    ActionTeamFactory(convener=ParticipantFactory())  # another initiative's

    body = _bodies(initiative)["conveners"]
    assert body.label == "Action-team conveners"
    assert body.total == 30
    roles = _values(body, "role_category")
    # 18 residents shown; 12 young people hidden with the zeros (the identifiable rule: the
    # zeros alone hold fewer than 10 people, so the smallest shown row goes with them).
    assert roles["resident"] == 18
    assert roles["young_person"] is None
    assert roles[inclusion.NOT_REGISTERED] is None
    ages = _values(body, "age_band")
    assert ages["35_44"] == 18
    # Every convener is black: 30 of 30 is within 9 of the body's size, so it is hidden.
    assert _values(body, "race_ethnicity")["black"] is None


def test_a_withdrawn_convener_counts_as_not_registered(initiative):
    people = []
    for role, age, race, n in (
        ("resident", "35_44", "black", 20),
        ("young_person", "18_24", "white", 12),
    ):
        for _ in range(n):
            person = ParticipantFactory(initiative=initiative, role_category=role, age_band=age)
            DemographicsFactory(participant=person, race_ethnicity=[race])
            people.append(person)
    people += ParticipantFactory.create_batch(
        15, initiative=initiative, role_category="resident", status=Status.WITHDRAWN
    )
    for n, person in enumerate(people):
        ActionTeamFactory(initiative=initiative, name=f"Team {n}", convener=person)
    body = _bodies(initiative)["conveners"]
    assert body.total == 47
    roles = _values(body, "role_category")
    assert roles["resident"] == 20  # the 15 withdrawn residents are not counted as residents
    assert roles[inclusion.NOT_REGISTERED] == 15
    assert roles["young_person"] is None  # the smallest shown row, hidden with the zeros


def test_convening_partners_are_matched_by_their_contact_email(initiative):
    for n in range(11):
        ParticipantFactory(
            initiative=initiative,
            email=f"Contact{n}@Partner.org",
            role_category="faith_leader" if n < 6 else "community_org",
        )
    for n in range(11):
        CoalitionMembershipFactory(
            initiative=initiative,
            role=CoalitionRole.CONVENER,
            contact_email=f"contact{n}@partner.org",
        )
    CoalitionMembershipFactory(initiative=initiative, role=CoalitionRole.CONVENER, contact_email="")
    for n in range(5):  # partners, not convening: not in this body
        CoalitionMembershipFactory(
            initiative=initiative, role=CoalitionRole.PARTNER, contact_email=f"p{n}@partner.org"
        )
    body = _bodies(initiative)["convening"]
    assert body.label == "Convening partners"
    assert body.total == 11
    # 6 and 5 of 11: each within 9 of the body's size, so hidden, like the team's cells.
    assert all(value is None for value in _values(body, "role_category").values())


def test_a_body_of_fewer_than_ten_shows_nothing_but_that(client, initiative):
    ParticipantFactory.create_batch(30, initiative=initiative, role_category="resident")
    for n in range(4):
        ActionTeamFactory(
            initiative=initiative,
            name=f"Small {n}",
            convener=ParticipantFactory(initiative=initiative, role_category="young_person"),
        )
    body = _bodies(initiative)["conveners"]
    assert body.total is None
    assert body.total_suppressed
    assert all(row.value is None for table in body.tables for row in table.rows)

    user = UserFactory()
    MembershipFactory(user=user, initiative=initiative, role=Role.POLICE_LIAISON)
    client.force_login(user)
    page = client.get(reverse("participants:inclusion", args=[initiative.slug])).content.decode()
    card = page.split('data-body-key="conveners"')[1].split("</section>")[0]
    assert "Action-team conveners" in card
    assert 'data-total="suppressed"' in card
    assert "data-count=" not in card  # no table at all

    exported = client.get(reverse("participants:inclusion_export", args=[initiative.slug]))
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row for row in rows if row[0] == "Action-team conveners"] == [
        ["Action-team conveners", "", "Total", "suppressed", *[""] * 8]
    ]


def test_the_page_shows_the_conveners_mix(client, initiative):
    ParticipantFactory.create_batch(40, initiative=initiative, role_category="resident")
    for n in range(30):
        ActionTeamFactory(
            initiative=initiative,
            name=f"Team {n}",
            convener=ParticipantFactory(
                initiative=initiative, role_category="young_person" if n < 12 else "resident"
            ),
        )
    user = UserFactory()
    MembershipFactory(user=user, initiative=initiative, role=Role.COALITION_LEAD)
    client.force_login(user)
    page = client.get(reverse("participants:inclusion", args=[initiative.slug])).content.decode()
    card = page.split('data-body-key="conveners"')[1].split("</section>")[0]
    assert 'data-total="30"' in card
    assert 'data-table="conveners-role_category"' in card
    assert 'data-count="18"' in card


def _add_teams(initiative, n, start):
    for i in range(start, start + n):
        ActionTeamFactory(
            initiative=initiative,
            name=f"Team {i}",
            convener=ParticipantFactory(initiative=initiative, role_category="young_person"),
        )
        CoalitionMembershipFactory(
            initiative=initiative, role=CoalitionRole.CONVENER, contact_email=f"c{i}@example.org"
        )


def test_query_count_stays_flat_at_ten_times_the_teams_and_partners(client, initiative):
    _add_teams(initiative, 3, 0)
    user = UserFactory()
    MembershipFactory(user=user, initiative=initiative, role=Role.ORGANIZER)
    client.force_login(user)
    url = reverse("participants:inclusion", args=[initiative.slug])
    assert_queries_do_not_grow(client, url, lambda: _add_teams(initiative, 27, 3), limit=16)


def test_a_group_hidden_among_participants_is_hidden_among_conveners_too(initiative):
    """12 young people, all conveners: the participants' table hides them (next to 3 faith
    leaders). Showing "12 young conveners" would say the hidden count is at least 12, and the
    page says it is at most 14 (15 hidden in two rows, the faith leaders at least 1)."""
    young = ParticipantFactory.create_batch(12, initiative=initiative, role_category="young_person")
    residents = ParticipantFactory.create_batch(
        100, initiative=initiative, role_category="resident"
    )
    ParticipantFactory.create_batch(3, initiative=initiative, role_category="faith_leader")
    for n, person in enumerate(young + residents[:11]):
        ActionTeamFactory(initiative=initiative, name=f"Team {n}", convener=person)
    dashboard = inclusion.inclusion_dashboard(initiative=initiative)
    roles = next(t for t in dashboard.dimensions if t.key == "role_category")
    assert {row.key: row.value for row in roles.rows}["young_person"] is None
    body = next(b for b in dashboard.decision_bodies if b.key == "conveners")
    assert body.total == 23
    assert _values(body, "role_category")["young_person"] is None
