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
from initiatives.models import Role

from ..factories import (
    ActionTeamFactory,
    GoalFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
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
