"""The token API's lists of shared records keep each page per initiative version: a repeat
read costs no query of the records, and a change through a service shows on the next read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import MilestoneStatus
from actions.services import teams as team_services
from initiatives.models import Role

from ..factories import InitiativeFactory, MembershipFactory, MilestoneFactory
from .helpers import api_client, token_for

pytestmark = pytest.mark.django_db


def test_a_repeat_read_costs_no_query_of_the_records_and_a_change_shows_at_once():
    initiative = InitiativeFactory()
    lead = MembershipFactory(initiative=initiative, role=Role.ORGANIZER).user
    milestone = MilestoneFactory(goal__team__initiative=initiative, status=MilestoneStatus.PLANNED)
    client = api_client(token_for(lead))
    url = reverse("api:milestones", kwargs={"slug": initiative.slug})
    first = client.get(url)
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as repeat:
        again = client.get(url)
    assert again.json() == first.json()
    assert not [q for q in repeat.captured_queries if "actions_milestone" in q["sql"]]

    team_services.milestone_update(
        user=lead, milestone=milestone, title="Renamed", status=MilestoneStatus.DONE
    )
    row = client.get(url).json()["results"][0]
    assert (row["title"], row["status"]) == ("Renamed", MilestoneStatus.DONE)


def test_each_filter_and_page_is_kept_apart():
    initiative = InitiativeFactory()
    lead = MembershipFactory(initiative=initiative, role=Role.ORGANIZER).user
    MilestoneFactory.create_batch(3, goal__team__initiative=initiative)
    client = api_client(token_for(lead))
    url = reverse("api:milestones", kwargs={"slug": initiative.slug})
    assert client.get(url).json()["count"] == 3
    assert len(client.get(url + "?page_size=1").json()["results"]) == 1
    assert client.get(url + "?page_size=1&page=3").status_code == 200
    assert client.get(url + "?page_size=1&page=4").status_code == 404
    assert client.get(url + "?status=nonsense").status_code == 400
