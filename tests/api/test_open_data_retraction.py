"""Taking something off the public results (a team made private, an outcome deleted) takes it
off the open data at once, for a portal that polls with the conditional headers too.

`Last-Modified` is when the published items last changed: an item withdrawn from publication
or deleted leaves no later moment behind (it is no longer among them), so the date can stand
still or go back. It cannot prove an answer unchanged: 304 Not Modified is answered on the
ETag (a hash of the body) only, and the answers tell caches to check it each time
(`Cache-Control: no-cache`) rather than keep the body as long as an old date suggests."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.services.progress import outcome_delete
from actions.services.teams import team_update
from initiatives.models import Initiative, Role

from ..factories import (
    ActionTeamFactory,
    InitiativeFactory,
    MembershipFactory,
    OutcomeFactory,
    UserFactory,
)
from .helpers import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def initiative():
    initiative = InitiativeFactory(is_published=True)
    # Published long ago: the initiative's own row is the oldest moment.
    Initiative.objects.filter(pk=initiative.pk).update(
        updated_at=timezone.now() - timedelta(days=30)
    )
    return initiative


@pytest.fixture
def organizer(initiative):
    user = UserFactory()
    MembershipFactory(initiative=initiative, user=user, role=Role.ORGANIZER)
    return user


def results_url(initiative):
    return reverse("api:open_results", kwargs={"slug": initiative.slug})


def test_a_team_made_private_is_not_answered_as_not_modified(initiative, organizer):
    team = ActionTeamFactory(initiative=initiative, name="Hoops", is_public=True)
    client = api_client()
    first = client.get(results_url(initiative))
    assert [row["name"] for row in first.json()["teams"]] == ["Hoops"]

    team_update(user=organizer, team=team, name="Hoops", level=team.level, is_public=False)

    since = client.get(results_url(initiative), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 200
    assert since.json()["teams"] == []
    etag = client.get(results_url(initiative), HTTP_IF_NONE_MATCH=first["ETag"])
    assert etag.status_code == 200


def test_a_deleted_outcome_is_not_answered_as_not_modified(initiative, organizer):
    outcome = OutcomeFactory(initiative=initiative, title="Curfew program", is_public=True)
    client = api_client()
    url = reverse("api:open_results_csv", kwargs={"slug": initiative.slug})
    first = client.get(url)
    assert "Curfew program" in first.content.decode()

    outcome_delete(user=organizer, outcome=outcome)

    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 200
    assert "Curfew program" not in since.content.decode()


def test_an_unchanged_answer_is_still_304_on_its_etag_and_caches_revalidate(initiative):
    ActionTeamFactory(initiative=initiative, is_public=True)
    client = api_client()
    for name in ("open_results", "open_results_csv", "open_figures", "open_initiative"):
        url = reverse(f"api:{name}", kwargs={"slug": initiative.slug})
        first = client.get(url)
        assert first.status_code == 200
        assert "no-cache" in first["Cache-Control"], name
        assert "no-store" not in first["Cache-Control"], name  # open data stays cacheable
        assert first["Last-Modified"]
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304, name
