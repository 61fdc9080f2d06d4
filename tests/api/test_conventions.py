"""The API's conventions as a client meets them: tokens refused with a reason (401), filters and
pages checked (400 naming the parameter, 404 past the last page), limits (429 with
Retry-After), CORS for the open data only, ETag / Last-Modified and 304, JSON errors wherever
they come from, and the steward's reads of people written to the activity log."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.services import token_create, token_revoke
from initiatives.models import ActivityLogEntry, Role

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


@pytest.fixture
def initiative():
    return InitiativeFactory(is_published=True, timezone="America/Chicago")


def member(initiative, role=Role.ORGANIZER):
    user = UserFactory()
    MembershipFactory(initiative=initiative, user=user, role=role)
    return user


def milestones_url(initiative):
    return reverse("api:milestones", kwargs={"slug": initiative.slug})


# --- tokens -------------------------------------------------------------------------------------


def test_a_revoked_or_expired_token_answers_401_saying_which(initiative):
    user = member(initiative)
    token, value = token_create(user=user, name="Dashboard")
    client = api_client(value)
    assert client.get(milestones_url(initiative)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = client.get(milestones_url(initiative))
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]
    assert expired["WWW-Authenticate"].startswith("Bearer")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    token_revoke(user=user, token=token)
    revoked = client.get(milestones_url(initiative))
    assert revoked.status_code == 401
    assert "revoked" in revoked.json()["detail"]
    wrong = api_client(value[:-2] + "xx").get(milestones_url(initiative))
    assert wrong.status_code == 401
    assert "not valid" in wrong.json()["detail"]


def test_a_token_acts_with_its_owners_roles_of_now(initiative):
    user = member(initiative, Role.OBSERVER)
    client = api_client(token_for(user))
    url = reverse("api:inclusion", kwargs={"slug": initiative.slug})
    assert client.get(url).status_code == 403  # observers do not see the inclusion dashboard
    MembershipFactory(initiative=initiative, user=user, role=Role.COALITION_LEAD)
    assert client.get(url).status_code == 200
    user.memberships.all().delete()
    assert client.get(url).status_code == 404  # no role left: the initiative is not confirmed


def test_another_initiatives_staff_get_404_never_403(initiative):
    other = InitiativeFactory()
    client = api_client(token_for(member(other)))
    for name in ("initiative", "teams", "milestones", "participants", "inclusion", "circles"):
        response = client.get(reverse(f"api:{name}", kwargs={"slug": initiative.slug}))
        assert response.status_code == 404, name
        assert response.json() == {
            "status": 404,
            "code": "not_found",
            "detail": response.json()["detail"],
        }


def test_last_used_is_recorded(initiative):
    user = member(initiative)
    token, value = token_create(user=user, name="Sheet")
    assert token.last_used_at is None
    api_client(value).get(reverse("api:me"))
    token.refresh_from_db()
    assert token.last_used_at is not None


# --- filters and pages --------------------------------------------------------------------------


def test_filters_select_and_bad_values_name_the_parameter(initiative):
    team = ActionTeamFactory(initiative=initiative)
    goal = GoalFactory(team=team)
    today = timezone.localdate()
    late = MilestoneFactory(goal=goal, title="Late one", due_on=today - timedelta(days=3))
    MilestoneFactory(goal=goal, title="Done one", due_on=today - timedelta(days=3), status="done")
    MilestoneFactory(goal=goal, title="Later one", due_on=today + timedelta(days=30))
    client = api_client(token_for(member(initiative)))
    url = milestones_url(initiative)
    overdue = client.get(url, {"overdue": "true"}).json()
    assert [row["title"] for row in overdue["results"]] == [late.title]
    assert overdue["results"][0]["is_overdue"] is True
    due = client.get(url, {"due_after": str(today)}).json()
    assert [row["title"] for row in due["results"]] == ["Later one"]
    done = client.get(url, {"status": "done"}).json()
    assert [row["title"] for row in done["results"]] == ["Done one"]
    for params, name in [
        ({"status": "finished"}, "status"),
        ({"due_before": "next tuesday"}, "due_before"),
        ({"overdue": "yes"}, "overdue"),
        ({"team": "1.5"}, "team"),
        ({"team": "9" * 30}, "team"),
        ({"colour": "red"}, "colour"),
        ({"page": "two"}, "page"),
        ({"page_size": "100000"}, "page_size"),
    ]:
        response = client.get(url, params)
        assert response.status_code == 400, params
        body = response.json()
        assert body["code"] == "invalid"
        assert list(body["errors"]) == [name], params
    past_the_end = client.get(url, {"page": "9"})
    assert past_the_end.status_code == 404
    assert "last is 1" in past_the_end.json()["detail"]


def test_pages_link_to_the_next(initiative):
    team = ActionTeamFactory(initiative=initiative)
    goal = GoalFactory(team=team)
    for _ in range(3):
        MilestoneFactory(goal=goal)
    client = api_client(token_for(member(initiative)))
    first = client.get(milestones_url(initiative), {"page_size": "2"}).json()
    assert first["count"] == 3
    assert len(first["results"]) == 2
    second = client.get(first["next"].replace("http://testserver", "")).json()
    assert len(second["results"]) == 1
    assert second["next"] is None


# --- limits, CORS, caching ---------------------------------------------------------------------


@override_settings(DIALOGUE_HUB_API_TOKEN_RATE=3)
def test_over_the_token_limit_answers_429_with_retry_after(initiative):
    client = api_client(token_for(member(initiative)))
    statuses = [client.get(reverse("api:me")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get(reverse("api:me"))
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["code"] == "throttled"
    # Another token of the same person has its own count.
    assert api_client(token_for(member(initiative))).get(reverse("api:me")).status_code == 200


@override_settings(DIALOGUE_HUB_API_CLIENT_RATE=2)
def test_the_client_limit_counts_wrong_tokens_and_open_data_too(initiative):
    url = reverse("api:open_results", kwargs={"slug": initiative.slug})
    assert api_client().get(url).status_code == 200
    assert api_client("dh_wrong").get(reverse("api:me")).status_code == 401
    limited = api_client("dh_wrong").get(reverse("api:me"))
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1


def test_cors_only_for_the_open_data(initiative):
    origin = {"HTTP_ORIGIN": "https://data.city.example"}
    client = api_client()
    open_data = client.get(reverse("api:open_results", kwargs={"slug": initiative.slug}), **origin)
    assert open_data["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in open_data["Access-Control-Expose-Headers"]
    preflight = client.options(
        reverse("api:open_results", kwargs={"slug": initiative.slug}),
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        **origin,
    )
    assert preflight["Access-Control-Allow-Origin"] == "*"
    token_api = api_client(token_for(member(initiative))).get(reverse("api:me"), **origin)
    assert token_api.status_code == 200
    assert "Access-Control-Allow-Origin" not in token_api


def test_etag_and_last_modified_let_a_portal_poll_cheaply(initiative):
    team = ActionTeamFactory(initiative=initiative, name="Hoops", is_public=True)
    client = api_client()
    url = reverse("api:open_results", kwargs={"slug": initiative.slug})
    first = client.get(url)
    assert first.status_code == 200
    assert first["Last-Modified"]
    unchanged = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    # The date alone proves nothing (tests/api/test_open_data_retraction.py): a full answer.
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 200
    # A change: the team becomes private (through its service, which logs and refreshes).
    team.is_public = False
    team.save()
    cache.clear()
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert changed.json()["teams"] == []
    assert changed.json()["license"]["name"]


# --- errors ------------------------------------------------------------------------------------


def test_errors_under_api_are_json_wherever_they_come_from():
    client = api_client()
    missing = client.get("/api/v1/no-such-endpoint/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    control = client.get("/api/v1/open/initiatives/", {"page": "1\x00"})
    assert control.status_code == 400
    assert control.json()["code"] == "control_characters"
    post = client.post("/api/v1/open/initiatives/")
    assert post.status_code == 405
    assert post.json()["code"] == "method_not_allowed"


# --- personal data -------------------------------------------------------------------------------


def test_the_stewards_reads_of_people_are_logged(initiative):
    steward = member(initiative, Role.DATA_STEWARD)
    token, value = token_create(user=steward, name="Research export")
    ParticipantFactory(initiative=initiative, name="Rosalind Quetzal")
    response = api_client(value).get(
        reverse("api:participants", kwargs={"slug": initiative.slug}), {"status": "registered"}
    )
    assert response.status_code == 200
    entry = ActivityLogEntry.objects.get(initiative=initiative, action="participants.roster_viewed")
    assert entry.actor == steward
    assert entry.details == {
        "filters": {"status": "registered"},
        "page": 1,
        "api_token": token.prefix,
    }
    assert "Rosalind" not in str(entry.details)


def test_texts_follow_accept_language(initiative):
    client = api_client()
    url = reverse("api:open_figures", kwargs={"slug": initiative.slug})
    english = {row["key"]: row["label"] for row in client.get(url).json()}
    spanish = {
        row["key"]: row["label"] for row in client.get(url, HTTP_ACCEPT_LANGUAGE="es").json()
    }
    assert english["people"] == "People taking part"
    assert spanish["people"] != english["people"]
    missing = client.get("/api/v1/open/initiatives/nope/results/", HTTP_ACCEPT_LANGUAGE="es")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No encontrado."  # DRF's own catalogue
    bad = api_client().get(
        reverse("api:open_milestones", kwargs={"slug": initiative.slug}),
        {"colour": "red"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert bad.json()["errors"]["colour"][0].startswith("Parámetro desconocido")


def test_the_public_results_page_offers_its_data(initiative):
    page = api_client().get(reverse("actions:results", kwargs={"slug": initiative.slug}))
    csv_url = reverse("api:open_results_csv", kwargs={"slug": initiative.slug})
    assert f'href="{csv_url}"' in page.content.decode()
    assert api_client().get(csv_url).status_code == 200


def test_a_token_expiring_past_ten_years_is_refused_by_the_service_too(initiative):
    from dialogue_hub.exceptions import DomainError

    with pytest.raises(DomainError) as refused:
        token_create(
            user=member(initiative),
            name="Forever",
            expires_on=timezone.localdate().replace(year=9999),
        )
    assert refused.value.field == "expires_on"
