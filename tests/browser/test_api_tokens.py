"""A coalition lead, on a phone and in Spanish, makes a personal API token from the menu,
copies it from the one page that shows it, and a program reads the team's overdue milestones
with it; the token list no longer shows the value, and revoking it stops the program."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from initiatives.models import Role

from ..factories import (
    PASSWORD,
    ActionTeamFactory,
    GoalFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_makes_a_token_on_a_phone_and_a_program_uses_it(journey):
    initiative = InitiativeFactory(name="Riverton Dialogues", languages=["en", "es"])
    lead = UserFactory(email="lead@example.org", display_name="Marisol Vega")
    MembershipFactory(initiative=initiative, user=lead, role=Role.COALITION_LEAD)
    team = ActionTeamFactory(initiative=initiative, name="Open data on stops")
    goal = GoalFactory(team=team, title="Quarterly stop data")
    MilestoneFactory(
        goal=goal, title="Agree the data fields", due_on=timezone.localdate() - timedelta(days=9)
    )
    MilestoneFactory(
        goal=goal, title="First report", due_on=timezone.localdate() + timedelta(days=9)
    )

    phone = journey(
        "api-token",
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        locale="es-US",
    )
    page = phone.page
    phone.sign_in(lead.email, PASSWORD)
    phone.go(reverse("api:tokens"))
    phone.check("empty")
    page.fill("input[name=name]", "Informe al concejo")
    with page.expect_navigation():
        page.get_by_role("button", name="Crear token").click()
    phone.check("created")
    value = page.locator("input[readonly]").first.input_value()
    assert value.startswith("dh_")

    # A program (here Django's test client, as curl would) lists the overdue milestones.
    program = Client(HTTP_AUTHORIZATION=f"Bearer {value}")
    url = reverse("api:milestones", kwargs={"slug": initiative.slug})
    answer = program.get(url, {"team": team.pk, "overdue": "true"})
    assert answer.status_code == 200
    assert [row["title"] for row in answer.json()["results"]] == ["Agree the data fields"]

    phone.go(reverse("api:tokens"))
    phone.check("list")
    assert value not in page.content()
    assert "Informe al concejo" in page.content()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Revocar").first.click()
    phone.check("revoked")
    assert program.get(url).status_code == 401
