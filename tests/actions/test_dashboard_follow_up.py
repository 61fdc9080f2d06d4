"""The coalition lead's follow-up on the progress dashboard (issue 17, part 6): team rows link to
their team pages, ?show=overdue and ?show=silent keep only those teams (the dashboard's own
definitions), the filter survives pagination, an empty filter says so, and every milestone can
be downloaded as CSV beside the team CSV, for the same people, logged."""

import csv
import io
import zoneinfo
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from actions.models import Milestone, ProgressUpdate
from initiatives.models import ActivityLogEntry, Role

from ..factories import (
    ActionTeamFactory,
    GoalFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    OutcomeFactory,
    ProgressUpdateFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

URL = reverse("actions:dashboard")
MILESTONES_CSV = reverse("actions:dashboard_milestones_csv")


def today_in(initiative):
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(initiative.timezone)).date()


@pytest.fixture
def lead(initiative, member_of):
    return member_of(initiative, Role.COALITION_LEAD)


@pytest.fixture
def lead_client(client, lead):
    client.force_login(lead)
    return client


@pytest.fixture
def teams(initiative):
    """Late: an open milestone due yesterday, updates regularly. Quiet: nothing overdue, no
    update for 40 days on a 30-day cadence. Fine: neither."""
    today = today_in(initiative)
    now = timezone.now()
    late = ActionTeamFactory(initiative=initiative, name="Late Team", update_every_days=30)
    MilestoneFactory(goal__team=late, status="in_progress", due_on=today - timedelta(days=1))
    MilestoneFactory(goal__team=late, status="done", due_on=today - timedelta(days=5))
    ProgressUpdateFactory(team=late)
    quiet = ActionTeamFactory(initiative=initiative, name="Quiet Team", update_every_days=30)
    MilestoneFactory(goal__team=quiet, status="planned", due_on=today + timedelta(days=10))
    ProgressUpdateFactory(team=quiet)
    ProgressUpdate.objects.filter(team=quiet).update(created_at=now - timedelta(days=40))
    fine = ActionTeamFactory(initiative=initiative, name="Fine Team", update_every_days=30)
    MilestoneFactory(goal__team=fine, status="dropped", due_on=today - timedelta(days=3))
    ProgressUpdateFactory(team=fine)
    return {"late": late, "quiet": quiet, "fine": fine}


def _team_rows(page):
    return {int(chunk.split('"')[0]) for chunk in page.split('<tr data-team="')[1:]}


def test_team_rows_link_to_their_team_pages(lead_client, initiative, teams):
    page = lead_client.get(URL).content.decode()
    for team in teams.values():
        row = page.split(f'<tr data-team="{team.pk}"')[1].split("</tr>")[0]
        assert f'href="{reverse("actions:team_detail", args=[initiative.slug, team.pk])}"' in row


def test_overdue_filter_keeps_only_teams_with_an_overdue_milestone(lead_client, teams):
    page = lead_client.get(URL + "?show=overdue").content.decode()
    assert _team_rows(page) == {teams["late"].pk}
    assert 'aria-current="page"' in page.split('data-filter="overdue"')[1].split("</a>")[0]


def test_silent_filter_keeps_only_silent_teams(lead_client, teams):
    page = lead_client.get(URL + "?show=silent").content.decode()
    assert _team_rows(page) == {teams["quiet"].pk}


def test_without_a_filter_or_with_an_unknown_one_every_team_shows(lead_client, teams):
    every = {team.pk for team in teams.values()}
    assert _team_rows(lead_client.get(URL).content.decode()) == every
    assert _team_rows(lead_client.get(URL + "?show=<script>").content.decode()) == every


def test_a_filter_that_matches_no_team_says_so(lead_client, initiative):
    ActionTeamFactory(initiative=initiative, name="Brand New Team")
    overdue = lead_client.get(URL + "?show=overdue").content.decode()
    assert 'data-empty="overdue"' in overdue
    assert "No team has an overdue milestone." in overdue
    assert _team_rows(overdue) == set()
    silent = lead_client.get(URL + "?show=silent").content.decode()
    assert 'data-empty="silent"' in silent
    assert "No team is silent." in silent
    assert 'data-empty="' not in lead_client.get(URL).content.decode()


def test_an_initiative_without_a_matching_team_is_left_out(client, initiative, teams, member_of):
    other = InitiativeFactory(name="Calm Town")
    ActionTeamFactory(initiative=other, name="Calm Team")
    lead = member_of(initiative, Role.COALITION_LEAD)
    MembershipFactory(user=lead, initiative=other, role=Role.COALITION_LEAD)
    client.force_login(lead)
    page = client.get(URL + "?show=overdue").content.decode()
    assert "Calm Team" not in page
    assert f'id="initiative-{other.pk}"' not in page
    assert f'id="initiative-{other.pk}"' in client.get(URL).content.decode()


def test_the_filter_is_kept_in_the_timeline_pages(lead_client, initiative, teams):
    for day in range(25):
        OutcomeFactory(team=teams["late"], title=f"Outcome {day}")
    cache.clear()
    page = lead_client.get(URL + "?show=overdue").content.decode()
    assert "?show=overdue&amp;page=2" in page
    second = lead_client.get(URL + "?show=overdue&page=2").content.decode()
    assert _team_rows(second) == {teams["late"].pk}
    assert "?show=overdue&amp;page=1" in second


@pytest.mark.parametrize("show", ["overdue", "silent"])
def test_the_filtered_page_query_count_is_flat_at_ten_times_the_data(
    lead_client, initiative, lead, teams, show
):
    def add_rows():
        for n in range(27):
            team = ActionTeamFactory(initiative=initiative, name=f"More {n}")
            for m in range(5):
                MilestoneFactory(
                    goal=GoalFactory(team=team),
                    status="planned",
                    due_on=today_in(initiative) - timedelta(days=m),
                )
        for _n in range(9):
            more = InitiativeFactory()
            MembershipFactory(user=lead, initiative=more, role=Role.COALITION_LEAD)
            MilestoneFactory(goal__team__initiative=more, due_on=today_in(more) - timedelta(2))

    assert_queries_do_not_grow(lead_client, f"{URL}?show={show}", add_rows, limit=10)


# --- the milestone CSV ------------------------------------------------------------------------------


def _csv(client):
    response = client.get(MILESTONES_CSV)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_milestone_csv_has_one_row_per_milestone_with_its_values(
    lead_client, initiative, other_initiative
):
    today = today_in(initiative)
    team = ActionTeamFactory(initiative=initiative, name="Safe Streets")
    goal = GoalFactory(team=team, title="Better lighting", due_on=today + timedelta(days=60))
    MilestoneFactory(
        goal=goal, title="Map dark corners", weight=3, status="done", due_on=today - timedelta(2)
    )
    MilestoneFactory(goal=goal, title="Ask the city", weight=None, status="blocked", due_on=None)
    MilestoneFactory(goal__team__initiative=other_initiative, title="Someone else's milestone")
    Milestone.objects.filter(title="Map dark corners").update(
        updated_at=timezone.now() - timedelta(days=4)
    )

    rows = _csv(lead_client)
    assert rows[0] == [
        "initiative",
        "team",
        "goal",
        "milestone",
        "weight",
        "status",
        "due_date",
        "last_update",
    ]
    body = {row[3]: row for row in rows[1:]}
    assert set(body) == {"Map dark corners", "Ask the city"}
    four_days_ago = timezone.localdate(
        timezone.now() - timedelta(days=4), timezone=zoneinfo.ZoneInfo(initiative.timezone)
    )
    assert body["Map dark corners"] == [
        initiative.name,
        "Safe Streets",
        "Better lighting",
        "Map dark corners",
        "3",
        "Done",
        (today - timedelta(2)).isoformat(),
        four_days_ago.isoformat(),
    ]
    assert body["Ask the city"][4:7] == ["", "Blocked", ""]


def test_milestone_csv_is_injection_safe(lead_client, initiative):
    MilestoneFactory(
        goal__team__initiative=initiative, title='=HYPERLINK("http://evil.example","x")'
    )
    rows = _csv(lead_client)
    assert not any(cell.startswith("=") for row in rows[1:] for cell in row)


def test_milestone_csv_download_is_logged_in_each_initiative(client, initiative, member_of):
    other = InitiativeFactory()
    lead = member_of(initiative, Role.COALITION_LEAD)
    MembershipFactory(user=lead, initiative=other, role=Role.OBSERVER)
    client.force_login(lead)
    _csv(client)
    entries = ActivityLogEntry.objects.filter(action="progress.milestones_exported")
    assert {(entry.initiative_id, entry.actor_id) for entry in entries} == {
        (initiative.pk, lead.pk),
        (other.pk, lead.pk),
    }
    client.force_login(member_of(initiative, Role.ORGANIZER))
    log = client.get(reverse("initiatives:activity", args=[initiative.slug])).content.decode()
    assert "downloaded the action teams&#x27; milestones as CSV" in log


def test_milestone_csv_follows_the_team_csv_permission(client, initiative, member_of):
    MilestoneFactory(goal__team__initiative=initiative, title="Secret plan")
    for role, sees in (
        (Role.OBSERVER, True),
        (Role.FACILITATOR, False),
        (Role.DATA_STEWARD, False),
    ):
        client.force_login(member_of(initiative, role))
        rows = _csv(client)
        assert any(row[3] == "Secret plan" for row in rows[1:]) is sees, role
    client.force_login(UserFactory())
    assert _csv(client)[1:] == []
    client.logout()
    response = client.get(MILESTONES_CSV)
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_the_dashboard_links_to_both_downloads(lead_client, initiative):
    ActionTeamFactory(initiative=initiative)
    page = lead_client.get(URL).content.decode()
    assert reverse("actions:dashboard_csv") in page
    assert MILESTONES_CSV in page


def test_milestone_csv_query_count_is_flat_at_ten_times_the_data(lead_client, initiative, lead):
    MilestoneFactory(goal__team__initiative=initiative)

    def add_rows():
        for n in range(9):
            team = ActionTeamFactory(initiative=initiative, name=f"Team {n}")
            for _m in range(5):
                MilestoneFactory(goal=GoalFactory(team=team))
            more = InitiativeFactory()
            MembershipFactory(user=lead, initiative=more, role=Role.COALITION_LEAD)
            MilestoneFactory(goal__team__initiative=more)

    assert_queries_do_not_grow(lead_client, MILESTONES_CSV, add_rows, limit=8)


def test_the_kept_figures_list_teams_a_to_z_in_each_readers_language(lead_client, initiative):
    """The dashboard's figures are kept between visits: a Spanish reader after an English one
    must get the teams in the order of the names they read, not the English reader's."""
    initiative.languages = ["en", "es"]
    initiative.save(update_fields=["languages"])
    for english, spanish in (("Apple", None), ("Zoo", "Banco"), ("Zebra", None)):
        team = ActionTeamFactory(initiative=initiative, name=english)
        type(team).objects.filter(pk=team.pk).update(name_en=english, name_es=spanish)

    def order(language, names):
        page = lead_client.get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        return sorted(names, key=page.index)

    assert order("en", ["Apple", "Zebra", "Zoo"]) == ["Apple", "Zebra", "Zoo"]
    assert order("es", ["Banco", "Zebra", "Apple"]) == ["Apple", "Banco", "Zebra"]
