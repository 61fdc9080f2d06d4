"""The public results page: only opted-in items, 404 unless published, an idea followed from its
circle to a team and an outcome, small participation figures hidden."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from actions.models import Level
from actions.selectors import results as public
from guides.models import ActionIdea, LogStatus
from participants.models import Status

from ..factories import (
    ActionTeamFactory,
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    IdeaFactory,
    IdeaSourceFactory,
    InitiativeFactory,
    OutcomeFactory,
    SessionLogFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

# 03:00 UTC on 10 March is still 9 March in Chicago (the factories' initiative time zone).
MEETING_AT = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


def url(initiative):
    return reverse("actions:results", kwargs={"slug": initiative.slug})


def approved_log(circle, *, starts_at=MEETING_AT, status=LogStatus.APPROVED):
    meeting = CircleSessionFactory(circle=circle, starts_at=starts_at)
    return SessionLogFactory(
        meeting=meeting,
        status=status,
        approved_at=timezone.now() if status == LogStatus.APPROVED else None,
        agreements="Secret agreement text Nu",
    )


def raised_idea(initiative, *, circle, text, raw="Raw wording Xi", log=None, **idea_kwargs):
    log = log or approved_log(circle)
    action_idea = ActionIdea.objects.create(log=log, text=raw)
    idea = IdeaFactory(initiative=initiative, text=text, **idea_kwargs)
    IdeaSourceFactory(idea=idea, action_idea=action_idea)
    return idea


@pytest.fixture
def published():
    return InitiativeFactory(is_published=True)


@pytest.fixture
def story(published):
    """One idea from Eastside Circle, taken up by a public and a private team, with outcomes."""
    circle = CircleFactory(initiative=published, name="Eastside Circle")
    CircleMemberFactory(circle=circle, participant__name="Rosalind Quetzal")
    idea = raised_idea(
        published, circle=circle, text="Start a youth-police basketball league", is_public=True
    )
    hidden_idea = raised_idea(published, circle=circle, text="Private idea Kappa")
    hoops = ActionTeamFactory(
        initiative=published, name="Hoops Team", is_public=True, level=Level.COMMUNITY
    )
    hoops.ideas.add(idea, hidden_idea)
    secret_team = ActionTeamFactory(initiative=published, name="Hidden Team Lambda")
    secret_team.ideas.add(idea)
    launched = OutcomeFactory(team=hoops, title="League launched", is_public=True)
    OutcomeFactory(team=hoops, title="Private outcome Mu")
    orphan = OutcomeFactory(
        team=secret_team, title="Officers trained", is_public=True, evidence_url="https://x.test/"
    )
    return {
        "circle": circle,
        "idea": idea,
        "team": hoops,
        "outcome": launched,
        "orphan": orphan,
    }


def test_anonymous_visitor_can_read_a_published_initiatives_results(client, published, story):
    response = client.get(url(published))
    assert response.status_code == 200


def test_unpublished_or_unknown_initiative_is_404(client, initiative, organizer):
    assert client.get(url(initiative)).status_code == 404
    client.force_login(organizer)  # even its own organizer: this is the public page
    assert client.get(url(initiative)).status_code == 404
    assert client.get("/initiatives/no-such-thing/results/").status_code == 404


def test_only_opted_in_items_appear(client, published, story):
    page = client.get(url(published)).content.decode()
    for shown in ("Start a youth-police basketball league", "Hoops Team", "League launched"):
        assert shown in page
    for hidden in ("Private idea Kappa", "Hidden Team Lambda", "Private outcome Mu"):
        assert hidden not in page
    # A public outcome of a private team is shown without naming the team.
    assert "Officers trained" in page
    assert f'href="#team-{story["orphan"].team.pk}"' not in page


def test_follow_one_idea_from_its_circle_to_a_team_and_an_outcome(client, published, story):
    page = client.get(url(published)).content.decode()
    idea, team, outcome = story["idea"], story["team"], story["outcome"]
    idea_block = page.split(f'id="idea-{idea.pk}"')[1].split("</li>")[0]
    meeting_day = formats.date_format(
        timezone.localtime(MEETING_AT, zoneinfo.ZoneInfo(published.timezone)), "DATE_FORMAT"
    )
    assert "Eastside Circle" in idea_block
    assert meeting_day in idea_block  # in the initiative's time zone (9 March, not 10)
    assert f'href="#team-{team.pk}"' in idea_block
    team_block = page.split(f'id="team-{team.pk}"')[1].split('id="outcomes"')[0]
    assert f'href="#idea-{idea.pk}"' in team_block
    assert f'href="#outcome-{outcome.pk}"' in team_block
    assert f'id="outcome-{outcome.pk}"' in page


def test_no_participant_names_and_no_log_text(client, published, story):
    page = client.get(url(published)).content.decode()
    assert "Rosalind Quetzal" not in page
    assert "Secret agreement text Nu" not in page
    assert "Raw wording Xi" not in page  # only the idea as the oversight group worded it


def test_sources_from_unapproved_logs_are_not_shown(client, published):
    circle = CircleFactory(initiative=published, name="Draft Circle Omicron")
    draft = approved_log(circle, status=LogStatus.DRAFT)
    raised_idea(
        published, circle=circle, text="Idea with a draft source", log=draft, is_public=True
    )
    page = client.get(url(published)).content.decode()
    assert "Idea with a draft source" in page
    assert "Draft Circle Omicron" not in page


def test_merged_duplicates_are_not_listed_twice(client, published, story):
    IdeaFactory(
        initiative=published,
        text="Duplicate Pi",
        is_public=True,
        merged_into=story["idea"],
    )
    assert "Duplicate Pi" not in client.get(url(published)).content.decode()


def test_empty_state_when_nothing_is_published(client, published):
    page = client.get(url(published)).content.decode()
    assert "No results have been published yet" in page


def test_small_participation_figures_are_hidden(client, published):
    circle = CircleFactory(initiative=published)
    for _n in range(3):
        CircleMemberFactory(circle=circle)
    CircleMemberFactory(circle=circle, participant__status=Status.WITHDRAWN)
    log = approved_log(circle, starts_at=timezone.now() - timedelta(days=1))
    for n in range(12):
        ActionIdea.objects.create(log=log, text=f"idea {n}")
    page = client.get(url(published)).content.decode()
    assert 'data-figure="people" data-count="suppressed"' in page
    assert 'data-figure="circles" data-count="suppressed"' in page
    assert 'data-figure="meetings" data-count="suppressed"' in page
    assert 'data-figure="ideas" data-count="12"' in page
    assert "fewer than 10" in page


def test_participation_figures_count_what_they_say():
    initiative = InitiativeFactory(is_published=True)
    circles = [CircleFactory(initiative=initiative) for _n in range(10)]
    for circle in circles:
        CircleMemberFactory(circle=circle)
        CircleSessionFactory(circle=circle, starts_at=timezone.now() - timedelta(days=2))
        CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(days=2))
    CircleMemberFactory(circle=circles[0], participant__status=Status.WITHDRAWN)
    CircleSessionFactory(
        circle=circles[0], starts_at=timezone.now() - timedelta(days=1), status="cancelled"
    )
    figures = {
        figure.key: figure.count for figure in public.participation_figures(initiative=initiative)
    }
    assert figures == {"people": 10, "circles": 10, "meetings": 10, "ideas": 0}


def test_page_is_translatable_to_spanish(client, published, story):
    response = client.get(url(published), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert '<html lang="es">' in response.content.decode()


def test_public_landing_page_links_to_the_results(client, published):
    page = client.get(reverse("initiatives:public", kwargs={"slug": published.slug}))
    assert url(published) in page.content.decode()


def test_query_count_is_flat_at_ten_times_the_data(client, published, story):
    def add_rows():
        for n in range(10):
            circle = CircleFactory(initiative=published)
            idea = raised_idea(published, circle=circle, text=f"More idea {n}", is_public=True)
            team = ActionTeamFactory(initiative=published, is_public=True)
            team.ideas.add(idea)
            OutcomeFactory(team=team, is_public=True)
            OutcomeFactory(team=team)

    assert_queries_do_not_grow(client, url(published), add_rows, limit=14)
