"""Every list of the API costs the same number of queries whatever its number of rows: each
endpoint is read with N rows and again with 10×N, all on one page (page_size=200), so a query
per row (an N+1) shows as growth. Each row comes with what its serializer shows beyond its own
columns (a team's goals, milestones and updates; a circle's guide, staff, members and meetings;
a participant's demographics and consents; a public idea's sources and teams…).
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from guides.models import ActionIdea
from initiatives.models import Role

from ..factories import (
    ActionTeamFactory,
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    ConsentFactory,
    DemographicsFactory,
    DiscussionGuideFactory,
    GoalFactory,
    GuideSessionFactory,
    IdeaFactory,
    IdeaSourceFactory,
    InclusionTargetFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    OutcomeFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
    RegistrationSettingsFactory,
    SessionLogFactory,
    ThemeFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow
from .helpers import api_client, token_for

pytestmark = pytest.mark.django_db

N = 2
ALL_ON_ONE_PAGE = "?page_size=200"


@pytest.fixture
def initiative():
    initiative = InitiativeFactory(is_published=True, languages=["en", "es"])
    RegistrationSettingsFactory(initiative=initiative)
    return initiative


@pytest.fixture
def steward(initiative):
    """The data steward reads every token endpoint of the initiative (participants included)."""
    user = UserFactory()
    MembershipFactory(initiative=initiative, user=user, role=Role.DATA_STEWARD)
    return user


def action_row(initiative):
    """A public team with two goals, each with milestones (one overdue), an update and a
    public outcome: what the teams, goals, milestones, updates and outcomes lists show."""
    team = ActionTeamFactory(initiative=initiative, is_public=True, update_every_days=7)
    for _n in range(2):
        goal = GoalFactory(team=team, due_on=timezone.localdate() + timedelta(days=30))
        MilestoneFactory(goal=goal, weight=2, status="done")
        MilestoneFactory(goal=goal, due_on=timezone.localdate() - timedelta(days=3))
    ProgressUpdateFactory(team=team, evidence_links=["https://example.org/minutes"])
    OutcomeFactory(team=team, is_public=True, evidence_url="https://example.org/policy")
    return team


def circle_row(initiative):
    """A circle with a guide, staff, members and meetings (one from a guide session)."""
    guide = DiscussionGuideFactory(initiative=initiative)
    session = GuideSessionFactory(guide=guide)
    circle = CircleFactory(initiative=initiative, guide=guide)
    CircleStaffFactory(circle=circle)
    for _n in range(2):
        CircleMemberFactory(circle=circle)
    CircleSessionFactory(circle=circle, guide_session=session)
    CircleSessionFactory(circle=circle, title="Extra meeting", venue_name="Town hall")
    return circle


def participant_row(initiative):
    """A participant with demographic answers and consents (what the steward's list shows)."""
    person = ParticipantFactory(initiative=initiative, status="assigned")
    DemographicsFactory(participant=person, lived_experience=["Immigrant"])
    ConsentFactory(participant=person)
    ConsentFactory(participant=person, kind="evaluation")
    return person


def results_row(initiative):
    """A public idea raised in an approved log of a held meeting, themed, in a public team with
    a public outcome: a row in each section of the results."""
    team = action_row(initiative)
    meeting = CircleSessionFactory(
        circle=CircleFactory(initiative=initiative),
        starts_at=timezone.now() - timedelta(days=2),
    )
    now = timezone.now()
    log = SessionLogFactory(meeting=meeting, status="approved", submitted_at=now, approved_at=now)
    action_idea = ActionIdea.objects.create(log=log, text="A league", position=0)
    idea = IdeaFactory(
        initiative=initiative, is_public=True, theme=ThemeFactory(initiative=initiative)
    )
    IdeaSourceFactory(idea=idea, action_idea=action_idea)
    team.ideas.add(idea)
    return idea


def initiative_row(user):
    """Another published initiative where `user` has a role."""
    other = InitiativeFactory(is_published=True)
    MembershipFactory(initiative=other, user=user, role=Role.OBSERVER)
    MembershipFactory(initiative=other, user=user, role=Role.COALITION_LEAD)
    return other


def rows(make, *args):
    def add():
        for _n in range(10 * N - N):
            make(*args)
        cache.clear()  # factories skip the services, which make kept lists stale

    for _n in range(N):
        make(*args)
    return add


def check(client, url, add_rows, *, limit, listed=True):
    client.get(url)  # the token's first use notes it (one UPDATE a minute): not a row's cost
    cache.clear()
    assert_queries_do_not_grow(client, url, add_rows, limit=limit)
    if not listed:
        return  # a fixed set of figures: no rows to count
    # The 10×N rows were all serialized, on the one page.
    response = client.get(url)
    if response["Content-Type"].startswith("text/csv"):
        assert len(response.content.decode("utf-8-sig").splitlines()) > 10 * N, url
        return
    body = response.json()
    if isinstance(body, dict) and "results" in body:
        assert len(body["results"]) == body["count"] >= 10 * N, (url, body["count"])
    for section in ("ideas", "teams", "outcomes"):  # the results
        if isinstance(body, dict) and section in body:
            assert len(body[section]) >= 10 * N, (url, section)


TOKEN_LISTS = {
    # URL name: (rows, most queries)
    "teams": (action_row, 5),
    "goals": (action_row, 5),
    "milestones": (action_row, 4),
    "updates": (action_row, 4),
    "outcomes": (action_row, 4),
    "circles": (circle_row, 4),
    "meetings": (circle_row, 4),
    # One more: the read is written to the activity log (personal data).
    "participants": (participant_row, 8),
    "inclusion": (participant_row, 12),
}


@pytest.mark.parametrize("name", TOKEN_LISTS)
def test_token_lists_cost_the_same_whatever_their_rows(initiative, steward, name):
    make, limit = TOKEN_LISTS[name]
    url = reverse(f"api:{name}", kwargs={"slug": initiative.slug})
    if name != "inclusion":
        url += ALL_ON_ONE_PAGE
    if name == "inclusion":
        InclusionTargetFactory(initiative=initiative, target_count=12)
    check(api_client(token_for(steward)), url, rows(make, initiative), limit=limit)


def test_the_initiatives_list_costs_the_same_whatever_its_rows(steward):
    url = reverse("api:initiatives") + ALL_ON_ONE_PAGE
    check(api_client(token_for(steward)), url, rows(initiative_row, steward), limit=4)


OPEN_LISTS = {
    # URL name: (rows, most queries)
    "open_milestones": (action_row, 4),
    "open_milestones_csv": (action_row, 3),
    "open_results": (results_row, 13),
    "open_results_csv": (results_row, 13),
    "open_figures": (results_row, 6),
    "open_figures_csv": (results_row, 6),
    "open_initiative": (results_row, 6),
}


@pytest.mark.parametrize("name", OPEN_LISTS)
def test_open_data_costs_the_same_whatever_its_rows(initiative, name):
    make, limit = OPEN_LISTS[name]
    url = reverse(f"api:{name}", kwargs={"slug": initiative.slug})
    if name == "open_milestones":
        url += ALL_ON_ONE_PAGE
    check(api_client(), url, rows(make, initiative), limit=limit, listed="figures" not in name)


@pytest.mark.parametrize("name", ["open_initiatives", "open_initiatives_csv"])
def test_the_published_initiatives_cost_the_same_whatever_their_number(name):
    url = reverse(f"api:{name}") + (ALL_ON_ONE_PAGE if name == "open_initiatives" else "")

    def make():
        InitiativeFactory(is_published=True, languages=["en", "es"])

    check(api_client(), url, rows(make), limit=3)


def test_a_list_that_grows_with_its_rows_is_caught(initiative, steward, monkeypatch):
    """The check itself: a serializer reading a team's goals row by row fails it."""
    from api.serializers import staff

    monkeypatch.setattr(
        staff.TeamSerializer, "get_progress", lambda self, team: float(team.goals.count())
    )
    url = reverse("api:teams", kwargs={"slug": initiative.slug}) + ALL_ON_ONE_PAGE
    with pytest.raises(AssertionError, match="N\\+1"):
        check(api_client(token_for(steward)), url, rows(action_row, initiative), limit=100)
