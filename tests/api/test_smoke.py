"""First checks of the API's shape: open data answers, tokens act with their owner's roles."""

import pytest
from django.urls import reverse

from initiatives.models import Role

from ..factories import (
    ActionTeamFactory,
    GoalFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    ParticipantFactory,
    UserFactory,
)
from .helpers import api_client, token_for

pytestmark = pytest.mark.django_db


def test_open_results_json_and_csv():
    initiative = InitiativeFactory(is_published=True)
    team = ActionTeamFactory(initiative=initiative, name="Hoops", is_public=True)
    MilestoneFactory(goal=GoalFactory(team=team), title="Gym booked")
    client = api_client()
    response = client.get(reverse("api:open_results", kwargs={"slug": initiative.slug}))
    assert response.status_code == 200, response.content
    body = response.json()
    assert [t["name"] for t in body["teams"]] == ["Hoops"]
    assert response["ETag"]
    again = client.get(
        reverse("api:open_results", kwargs={"slug": initiative.slug}),
        HTTP_IF_NONE_MATCH=response["ETag"],
    )
    assert again.status_code == 304
    csv = client.get(reverse("api:open_results_csv", kwargs={"slug": initiative.slug}))
    assert csv.status_code == 200, csv.content
    assert csv["Content-Type"].startswith("text/csv")
    assert "Hoops" in csv.content.decode()
    milestones = client.get(reverse("api:open_milestones", kwargs={"slug": initiative.slug}))
    assert milestones.json()["results"][0]["title"] == "Gym booked"


def test_unpublished_is_404_and_token_needed_elsewhere():
    initiative = InitiativeFactory(is_published=False)
    client = api_client()
    response = client.get(reverse("api:open_results", kwargs={"slug": initiative.slug}))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    response = client.get(reverse("api:teams", kwargs={"slug": initiative.slug}))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_token_reads_with_roles():
    initiative = InitiativeFactory()
    liaison = UserFactory()
    MembershipFactory(initiative=initiative, user=liaison, role=Role.POLICE_LIAISON)
    steward = UserFactory()
    MembershipFactory(initiative=initiative, user=steward, role=Role.DATA_STEWARD)
    ParticipantFactory(initiative=initiative, name="Rosalind Quetzal")
    ActionTeamFactory(initiative=initiative, name="Hoops")
    url = reverse("api:participants", kwargs={"slug": initiative.slug})
    assert api_client(token_for(liaison)).get(url).status_code == 403
    response = api_client(token_for(steward)).get(url)
    assert response.status_code == 200, response.content
    assert response.json()["results"][0]["name"] == "Rosalind Quetzal"
    teams = api_client(token_for(liaison)).get(
        reverse("api:teams", kwargs={"slug": initiative.slug})
    )
    assert teams.json()["results"][0]["name"] == "Hoops"
    outsider = api_client(token_for(UserFactory())).get(
        reverse("api:teams", kwargs={"slug": initiative.slug})
    )
    assert outsider.status_code == 404
    bad = api_client(token_for(steward, "x")).get(url, {"colour": "red", "status": "nope"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"colour"}
    for name in ["me", "initiatives"]:
        assert api_client(token_for(steward, name)).get(reverse(f"api:{name}")).status_code == 200
    for name in [
        "initiative",
        "goals",
        "milestones",
        "updates",
        "outcomes",
        "circles",
        "meetings",
        "inclusion",
    ]:
        response = api_client(token_for(steward, "t" + name)).get(
            reverse(f"api:{name}", kwargs={"slug": initiative.slug})
        )
        assert response.status_code == 200, (name, response.content)
