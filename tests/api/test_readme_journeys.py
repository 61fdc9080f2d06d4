"""What the README's API section tells a new user to do, done literally: the schema as JSON
with `?format=json` (a browser cannot set Accept), and a city's web dashboard polling the open
data from another origin with conditional headers (its preflight must allow them)."""

import pytest
from django.urls import reverse

from ..factories import InitiativeFactory
from .helpers import api_client

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
