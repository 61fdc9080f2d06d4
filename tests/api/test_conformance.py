"""The published schema is valid OpenAPI 3 generated without a warning, and what the
schema-driven fuzzer (test_schema_fuzz.py) found stays fixed, each pinned by a plain test."""

from datetime import timedelta

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.drainage import reset_generator_stats
from drf_spectacular.validation import validate_schema

from actions.models import MilestoneStatus
from api.pagination import MAX_PAGE_SIZE
from initiatives.models import Role

from ..factories import (
    ActionTeamFactory,
    GoalFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    ProgressUpdateFactory,
    UserFactory,
)
from .helpers import api_client, token_for

pytestmark = pytest.mark.django_db


def test_the_schema_is_generated_without_warnings_and_is_valid_openapi(tmp_path):
    # What CI runs (`manage.py spectacular --validate --fail-on-warn`): a warning (a view
    # whose serializer or parameter types drf-spectacular has to guess) fails the command.
    reset_generator_stats()
    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    generated = yaml.safe_load(path.read_text())
    assert generated["openapi"].startswith("3.")
    assert "/api/v1/open/initiatives/{slug}/results/" in generated["paths"]


def test_the_published_schema_is_valid_openapi():
    response = api_client().get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    published = response.json()
    validate_schema(published)  # raises on an invalid document
    # Every operation documents the error answers in the one error shape.
    operation = published["paths"]["/api/v1/initiatives/{slug}/milestones/"]["get"]
    assert {"200", "400", "401", "403", "404", "406", "429"} <= set(operation["responses"])
    assert "304" not in operation["responses"]
    bounds = {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "query"}
    assert bounds["page"]["minimum"] == bounds["page_size"]["minimum"] == 1
    assert bounds["page_size"]["maximum"] == MAX_PAGE_SIZE
    assert bounds["goal"]["minimum"] == 1
    # The open data answers conditional requests on the ETag: 304 and its header documented.
    operation = published["paths"]["/api/v1/open/initiatives/{slug}/results/"]["get"]
    assert "304" in operation["responses"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert headers == {"If-None-Match"}


def test_the_documented_bounds_of_pages_are_the_ones_enforced():
    url = reverse("api:open_initiatives")
    client = api_client()
    assert client.get(url, {"page_size": MAX_PAGE_SIZE}).status_code == 200
    assert client.get(url, {"page": 1, "page_size": 1}).status_code == 200
    for refused in [{"page_size": MAX_PAGE_SIZE + 1}, {"page_size": 0}, {"page": 0}]:
        response = client.get(url, refused)
        assert response.status_code == 400
        assert list(response.json()["errors"]) == list(refused)


@pytest.fixture
def published():
    return InitiativeFactory(is_published=True)


def test_options_on_a_csv_endpoint_describes_it_in_json(published):
    # Found by the fuzzer: the CSV renderer was handed DRF's OPTIONS description (a dict)
    # and raised (500).
    for name in ["open_results_csv", "open_figures_csv", "open_milestones_csv"]:
        response = api_client().options(reverse(f"api:{name}", kwargs={"slug": published.slug}))
        assert response.status_code == 200, (name, response.content)
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["name"]
    response = api_client().options(reverse("api:open_initiatives_csv"))
    assert response.status_code == 200
    # GET still answers CSV.
    response = api_client().get(reverse("api:open_figures_csv", kwargs={"slug": published.slug}))
    assert response["Content-Type"].startswith("text/csv")


def test_head_answers_as_get_without_a_body(published):
    for name in ["open_results", "open_results_csv", "open_milestones"]:
        url = reverse(f"api:{name}", kwargs={"slug": published.slug})
        got, head = api_client().get(url), api_client().head(url)
        assert head.status_code == 200
        assert head.content == b""
        assert head["Content-Type"] == got["Content-Type"]
        assert head["ETag"] == got["ETag"]


def test_a_milestone_without_a_due_day_is_not_overdue(published):
    # Found by the fuzzer: `is_overdue` was SQL NULL for a milestone without a due day, so the
    # API answered `"is_overdue": null` (the schema says boolean) and `overdue=false` left the
    # milestone out.
    team = ActionTeamFactory(initiative=published, is_public=True)
    goal = GoalFactory(team=team)
    undated = MilestoneFactory(goal=goal, title="Some day", due_on=None)
    late = MilestoneFactory(
        goal=goal,
        title="Late",
        due_on=timezone.localdate() - timedelta(days=9),
        status=MilestoneStatus.IN_PROGRESS,
    )
    organizer = UserFactory()
    MembershipFactory(initiative=published, user=organizer, role=Role.ORGANIZER)
    for client, name in [
        (api_client(), "open_milestones"),
        (api_client(token_for(organizer)), "milestones"),
    ]:
        url = reverse(f"api:{name}", kwargs={"slug": published.slug})
        rows = {row["id"]: row for row in client.get(url).json()["results"]}
        assert rows[undated.pk]["is_overdue"] is False
        assert rows[late.pk]["is_overdue"] is True
        not_overdue = client.get(url, {"overdue": "false"}).json()["results"]
        assert [row["id"] for row in not_overdue] == [undated.pk]
        overdue = client.get(url, {"overdue": "true"}).json()["results"]
        assert [row["id"] for row in overdue] == [late.pk]


@pytest.mark.parametrize(
    ("since", "status"),
    [
        # No UTC equivalent (before year 1, after 9999): the database adapter raised (500).
        ("0001-01-01T00:00:00+01:00", 400),
        ("9999-12-31T23:59:59-01:00", 400),
        # An offset Python takes and PostgreSQL does not (beyond ±15:59) was a 500 there.
        ("2420-09-08T02:44:27.1-20:54", 200),
        ("2026-01-01T00:00:00+23:59", 200),
        ("2026-02-30T00:00:00Z", 400),
    ],
)
def test_moments_at_the_edges_are_answered_not_a_server_error(since, status):
    initiative = InitiativeFactory()
    organizer = UserFactory()
    MembershipFactory(initiative=initiative, user=organizer, role=Role.ORGANIZER)
    client = api_client(token_for(organizer))
    for name, parameter in [("updates", "since"), ("meetings", "starts_before")]:
        url = reverse(f"api:{name}", kwargs={"slug": initiative.slug})
        response = client.get(url, {parameter: since})
        assert response.status_code == status, (name, response.content)
        if status == 400:
            assert list(response.json()["errors"]) == [parameter]


def test_a_moment_with_an_offset_filters_as_the_same_moment_in_utc():
    initiative = InitiativeFactory()
    organizer = UserFactory()
    MembershipFactory(initiative=initiative, user=organizer, role=Role.ORGANIZER)
    team = ActionTeamFactory(initiative=initiative)
    update = ProgressUpdateFactory(team=team)
    posted = update.created_at
    client = api_client(token_for(organizer))
    url = reverse("api:updates", kwargs={"slug": initiative.slug})
    # The same instant written at -20:00: the update is at or after it; a second later, not.
    at = (posted - timedelta(hours=20)).replace(tzinfo=None).isoformat() + "-20:00"
    assert [row["id"] for row in client.get(url, {"since": at}).json()["results"]] == [update.pk]
    later = (posted - timedelta(hours=20) + timedelta(seconds=1)).replace(tzinfo=None)
    response = client.get(url, {"since": later.isoformat() + "-20:00"})
    assert response.json()["results"] == []
