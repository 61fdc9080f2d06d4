"""What the README's API section tells a new user to do, done literally: the schema as JSON
with `?format=json` (a browser cannot set Accept), and a city's web dashboard polling the open
data from another origin with conditional headers (its preflight must allow them); and a
coalition's spreadsheet reading meeting times as the pages show them (the initiative's zone)."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from initiatives.models import Role

from ..factories import (
    CircleFactory,
    CircleSessionFactory,
    InitiativeFactory,
    MembershipFactory,
    UserFactory,
)
from .helpers import api_client, token_for

pytestmark = pytest.mark.django_db


def test_the_schema_answers_json_for_format_json_as_the_readme_says():
    response = api_client().get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    assert "json" in response["Content-Type"]
    assert response.json()["openapi"].startswith("3.")
    # Without it: YAML, as the README says.
    assert (
        api_client()
        .get(reverse("api:schema"))["Content-Type"]
        .startswith("application/vnd.oai.openapi")
    )


@pytest.mark.parametrize("header", ["if-none-match", "if-modified-since"])
def test_a_dashboard_on_another_origin_may_send_conditional_headers(header):
    initiative = InitiativeFactory(is_published=True)
    preflight = api_client().options(
        reverse("api:open_results", kwargs={"slug": initiative.slug}),
        HTTP_ORIGIN="https://data.city.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=header,
    )
    assert preflight.status_code == 200
    allowed = [name.strip() for name in preflight["Access-Control-Allow-Headers"].split(",")]
    assert header in allowed


def test_a_coalition_reads_meeting_times_in_the_initiatives_time_zone():
    # The pages show a meeting at 10 a.m. in Riverton; the spreadsheet reading the API shows the
    # same hour, with its offset (still one exact moment).
    initiative = InitiativeFactory(timezone="America/Chicago")
    organizer = UserFactory()
    MembershipFactory(initiative=initiative, user=organizer, role=Role.ORGANIZER)
    circle = CircleFactory(initiative=initiative)
    CircleSessionFactory(circle=circle, starts_at=datetime(2026, 11, 14, 16, 0, tzinfo=UTC))
    client = api_client(token_for(organizer))
    meetings = client.get(reverse("api:meetings", kwargs={"slug": initiative.slug}))
    assert meetings.json()["results"][0]["starts_at"] == "2026-11-14T10:00:00-06:00"
    # A moment given without an offset in a filter is the initiative's local time too.
    at_ten = client.get(
        reverse("api:meetings", kwargs={"slug": initiative.slug}),
        {"starts_after": "2026-11-14T10:00:00"},
    )
    assert at_ten.json()["count"] == 1
    after_ten = client.get(
        reverse("api:meetings", kwargs={"slug": initiative.slug}),
        {"starts_after": "2026-11-14T10:01:00"},
    )
    assert after_ten.json()["count"] == 0
