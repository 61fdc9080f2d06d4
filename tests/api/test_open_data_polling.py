"""A portal polling the open data reads `last_changed` and Last-Modified as "when this last
changed": they move forward when what the open data shows changes through the pages' services
— a public team made private, a public outcome deleted, a goal renamed, a meeting held since,
an initiative unpublished — and stay put when nothing changed (reads written to the activity
log included). 304 itself is answered on the ETag (test_open_data_retraction.py)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_http_date
from freezegun import freeze_time

from actions.services.progress import outcome_delete
from actions.services.teams import goal_update, team_update
from initiatives.models import Role

from ..factories import (
    ActionTeamFactory,
    CircleFactory,
    CircleSessionFactory,
    GoalFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    OutcomeFactory,
    ParticipantFactory,
    UserFactory,
)
from .helpers import api_client, token_for

pytestmark = pytest.mark.django_db

START = timezone.now() - timedelta(days=10)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def world():
    with freeze_time(START):
        initiative = InitiativeFactory(is_published=True, timezone="America/Chicago")
        organizer = UserFactory()
        MembershipFactory(initiative=initiative, user=organizer, role=Role.ORGANIZER)
        team = ActionTeamFactory(initiative=initiative, name="Hoops", is_public=True)
        goal = GoalFactory(team=team, title="A weekly league")
        MilestoneFactory(goal=goal, title="Find a gym")
        outcome = OutcomeFactory(initiative=initiative, is_public=True, title="City funds it")
    return initiative, organizer, team, goal, outcome


def poll(initiative, name):
    return api_client().get(reverse(f"api:{name}", kwargs={"slug": initiative.slug}))


def moved(before, after) -> bool:
    """Last-Modified went forward from `before` to `after`."""
    return parse_http_date(after["Last-Modified"]) > parse_http_date(before["Last-Modified"])


def test_a_public_team_made_private_moves_last_changed(world):
    initiative, organizer, team, _goal, _outcome = world
    before = poll(initiative, "open_results")
    milestones = poll(initiative, "open_milestones")
    assert [t["name"] for t in before.json()["teams"]] == ["Hoops"]
    with freeze_time(START + timedelta(days=1)):
        team_update(user=organizer, team=team, name="Hoops", level=team.level, is_public=False)
    after = poll(initiative, "open_results")
    assert after.json()["teams"] == []
    assert after.json()["last_changed"] > before.json()["last_changed"]
    assert moved(before, after)
    assert moved(milestones, poll(initiative, "open_milestones"))


def test_a_public_outcome_deleted_moves_last_changed(world):
    initiative, organizer, _team, _goal, outcome = world
    before = poll(initiative, "open_results_csv")
    with freeze_time(START + timedelta(days=1)):
        outcome_delete(user=organizer, outcome=outcome)
    after = poll(initiative, "open_results_csv")
    assert "City funds it" not in after.content.decode()
    assert moved(before, after)


def test_a_goal_renamed_moves_the_milestones_last_changed(world):
    initiative, organizer, _team, goal, _outcome = world
    before = poll(initiative, "open_milestones_csv")
    with freeze_time(START + timedelta(days=1)):
        goal_update(user=organizer, goal=goal, title="Two weekly games")
    after = poll(initiative, "open_milestones_csv")
    assert "Two weekly games" in after.content.decode()
    assert moved(before, after)


def test_a_meeting_held_since_moves_the_figures_last_changed(world):
    initiative, *_ = world
    with freeze_time(START):
        circle = CircleFactory(initiative=initiative)
        CircleSessionFactory(circle=circle, starts_at=START + timedelta(days=2))
    with freeze_time(START + timedelta(days=1)):
        before = poll(initiative, "open_figures")
    assert {row["key"]: row["count"] for row in before.json()}["meetings"] == 0
    with freeze_time(START + timedelta(days=3)):
        cache.clear()  # the figures are cached two minutes at most
        after = poll(initiative, "open_figures")
    assert after.json() != before.json()
    assert moved(before, after)


def test_nothing_changed_keeps_last_changed_and_answers_304(world):
    initiative, organizer, *_ = world
    before = poll(initiative, "open_results")
    steward = UserFactory()
    MembershipFactory(initiative=initiative, user=steward, role=Role.DATA_STEWARD)
    ParticipantFactory(initiative=initiative)
    with freeze_time(START + timedelta(days=1)):
        # Reads written to the activity log (the steward's roster) change nothing public.
        roster = api_client(token_for(steward)).get(
            reverse("api:participants", kwargs={"slug": initiative.slug})
        )
        assert roster.status_code == 200
    cache.clear()
    again = api_client().get(
        reverse("api:open_results", kwargs={"slug": initiative.slug}),
        HTTP_IF_NONE_MATCH=before["ETag"],
    )
    assert again.status_code == 304
    assert again["Last-Modified"] == before["Last-Modified"]


def test_an_initiative_unpublished_moves_the_lists_last_modified(world):
    from initiatives.services import initiative_set_published

    _initiative, organizer, *_ = world
    with freeze_time(START):
        leaving = InitiativeFactory(is_published=False, description="Circles in Riverton.")
        MembershipFactory(initiative=leaving, user=organizer, role=Role.ORGANIZER)
        initiative_set_published(user=organizer, initiative=leaving, published=True)
    url = reverse("api:open_initiatives_csv")
    before = api_client().get(url)
    assert leaving.slug in before.content.decode()
    with freeze_time(START + timedelta(days=1)):
        initiative_set_published(user=organizer, initiative=leaving, published=False)
    after = api_client().get(url)
    assert leaving.slug not in after.content.decode()
    assert moved(before, after)


def test_every_public_change_names_a_logged_action():
    """A misspelt name in PUBLIC_CHANGES would silently never move `last_changed`."""
    from actions.selectors.records import PUBLIC_CHANGES
    from initiatives.models import ACTIVITY_DESCRIPTIONS, READ_ACTIONS

    assert set(PUBLIC_CHANGES) <= set(ACTIVITY_DESCRIPTIONS)
    assert not set(PUBLIC_CHANGES) & READ_ACTIONS
