"""The coalition lead's progress dashboard: roll-ups recomputed independently on a hand-made set,
overdue and silent detection, who sees which initiative, the CSV and flat query counts."""

import csv
import io
import zoneinfo
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from actions.models import (
    ActionTeam,
    Level,
    Milestone,
    ProgressUpdate,
)
from actions.selectors import results as dashboard
from initiatives.models import Membership, Role

from ..factories import (
    ActionTeamFactory,
    GoalFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    OutcomeFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

URL = reverse("actions:dashboard")
CSV_URL = reverse("actions:dashboard_csv")


# --- factories (local to the actions tests) ------------------------------------------------------


# --- independent recomputation -------------------------------------------------------------------


def expected_goal(milestones):
    """milestones: [(status, weight or None)] -> the goal's share, computed by hand."""
    kept = [(status, weight) for status, weight in milestones if status != "dropped"]
    if not kept:
        return None
    if any(weight is not None for _status, weight in kept):
        total = sum(weight or 1 for _status, weight in kept)
        done = sum(weight or 1 for status, weight in kept if status == "done")
    else:
        total = len(kept)
        done = sum(1 for status, _weight in kept if status == "done")
    return done / total


def mean(values):
    values = [value for value in values if value is not None]
    return sum(values) / len(values) if values else None


def today_in(initiative):
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(initiative.timezone)).date()


# The hand-made set: team -> goal -> [(status, weight, days from today the milestone is due)].
PLAN = {
    "Safe Streets": {
        "Weighted goal": [("done", 3, -5), ("planned", None, -1), ("dropped", 5, -9)],
        "Plain goal": [("done", None, -1), ("in_progress", None, -1), ("blocked", None, 0)],
        "Only dropped": [("dropped", 2, -3)],
        "No milestones yet": [],
    },
    "Youth Voice": {
        "All done": [("done", 2, -2), ("done", None, 4)],
        "Dropped excluded": [("planned", 4, 10), ("done", 1, 3), ("dropped", None, -20)],
    },
    "Quiet Team": {},
}


def build(initiative):
    teams = {}
    for team_name, goals in PLAN.items():
        team = ActionTeamFactory(initiative=initiative, name=team_name)
        teams[team_name] = team
        for goal_title, milestones in goals.items():
            goal = GoalFactory(team=team, title=goal_title)
            for status, weight, days in milestones:
                MilestoneFactory(
                    goal=goal,
                    status=status,
                    weight=weight,
                    due_on=today_in(initiative) + timedelta(days=days),
                    completed_on=today_in(initiative) if status == "done" else None,
                )
    return teams


def expected_team(team_name):
    goals = PLAN[team_name]
    return mean(
        expected_goal([(status, weight) for status, weight, _days in milestones])
        for milestones in goals.values()
    )


def expected_overdue(team_name):
    return sum(
        1
        for milestones in PLAN[team_name].values()
        for status, _weight, days in milestones
        if days < 0 and status not in ("done", "dropped")
    )


@pytest.fixture
def lead(initiative, member_of):
    return member_of(initiative, Role.COALITION_LEAD)


@pytest.fixture
def lead_client(client, lead):
    client.force_login(lead)
    return client


# --- roll-ups ------------------------------------------------------------------------------------


def test_rollups_match_an_independent_computation(initiative, lead):
    build(initiative)
    [row] = dashboard.progress_overview(user=lead)
    by_name = {team_row.team.name: team_row for team_row in row.teams}
    for team_name in PLAN:
        assert by_name[team_name].progress == pytest.approx(expected_team(team_name), abs=1e-9)
        assert by_name[team_name].overdue == expected_overdue(team_name)
    assert by_name["Quiet Team"].progress is None
    expected_initiative = mean(expected_team(name) for name in PLAN)
    assert row.progress == pytest.approx(expected_initiative, abs=1e-9)
    assert row.overdue == sum(expected_overdue(name) for name in PLAN)
    assert row.team_count == 3
    # Spelled out, so a wrong definition in both places would still be caught:
    # weighted goal 3/(3+1); plain goal 1/3; Youth Voice: 1 and 1/(4+1).
    assert by_name["Safe Streets"].progress == pytest.approx((0.75 + 1 / 3) / 2)
    assert by_name["Youth Voice"].progress == pytest.approx((1 + 0.2) / 2)
    assert row.progress_percent == round(((0.75 + 1 / 3) / 2 + 0.6) / 2 * 100)


def test_weights_only_matter_when_set(initiative, lead):
    plain = GoalFactory(team__initiative=initiative)
    for status in ("done", "done", "planned"):
        MilestoneFactory(goal=plain, status=status)
    [row] = dashboard.progress_overview(user=lead)
    assert row.teams[0].progress == pytest.approx(2 / 3)
    Milestone.objects.filter(goal=plain, status="planned").update(weight=4)
    [row] = dashboard.progress_overview(user=lead)
    assert row.teams[0].progress == pytest.approx(2 / 6)


def test_overdue_uses_the_initiative_time_zone(lead, member_of):
    # Far apart time zones: "today" differs between them for most of the day.
    east = InitiativeFactory(timezone="Pacific/Kiritimati")
    west = InitiativeFactory(timezone="Pacific/Pago_Pago")
    for place in (east, west):
        MembershipFactory(user=lead, initiative=place, role=Role.ORGANIZER)
        goal = GoalFactory(team__initiative=place)
        MilestoneFactory(goal=goal, due_on=today_in(place))  # due today: not late
        MilestoneFactory(goal=goal, due_on=today_in(place) - timedelta(days=1))  # late
        MilestoneFactory(
            goal=goal, due_on=today_in(place) - timedelta(days=1), status="done"
        )  # done: not late
    rows = {row.initiative.pk: row for row in dashboard.progress_overview(user=lead)}
    assert rows[east.pk].overdue == 1
    assert rows[west.pk].overdue == 1


def test_silent_teams_are_flagged(initiative, lead):
    now = timezone.now()
    talking = ActionTeamFactory(initiative=initiative, name="Talking", update_every_days=30)
    ProgressUpdateFactory(team=talking)
    ProgressUpdate.objects.filter(team=talking).update(created_at=now - timedelta(days=5))
    lapsed = ActionTeamFactory(initiative=initiative, name="Lapsed", update_every_days=30)
    ProgressUpdateFactory(team=lapsed)
    ProgressUpdate.objects.filter(team=lapsed).update(created_at=now - timedelta(days=40))
    never = ActionTeamFactory(initiative=initiative, name="Never", update_every_days=7)
    ActionTeam.objects.filter(pk=never.pk).update(created_at=now - timedelta(days=10))
    ActionTeamFactory(initiative=initiative, name="Brand new", update_every_days=7)

    [row] = dashboard.progress_overview(user=lead)
    flags = {team_row.team.name: team_row.silent for team_row in row.teams}
    assert flags == {"Talking": False, "Lapsed": True, "Never": True, "Brand new": False}
    assert {team_row.team.name for team_row in row.silent_teams} == {"Lapsed", "Never"}
    last = {team_row.team.name: team_row.last_update_date for team_row in row.teams}
    assert last["Never"] is None
    assert (
        last["Talking"]
        == timezone.localtime(
            now - timedelta(days=5), zoneinfo.ZoneInfo(initiative.timezone)
        ).date()
    )


def test_outcomes_by_level(initiative, lead):
    team = ActionTeamFactory(initiative=initiative)
    OutcomeFactory(team=team, level=Level.POLICY)
    OutcomeFactory(team=team, level=Level.POLICY)
    OutcomeFactory(team=team, level=Level.INDIVIDUAL)
    OutcomeFactory(team=ActionTeamFactory(), level=Level.POLICY)  # another initiative
    [row] = dashboard.progress_overview(user=lead)
    assert dict(row.outcomes_by_level) == {
        Level.INDIVIDUAL.label: 1,
        Level.COMMUNITY.label: 0,
        Level.INSTITUTIONAL.label: 0,
        Level.POLICY.label: 2,
    }
    assert row.outcome_total == 3


# --- who sees what -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.ORGANIZER, True),
        (Role.COALITION_LEAD, True),
        (Role.OBSERVER, True),
        (Role.POLICE_LIAISON, True),
        (Role.FACILITATOR, False),
        (Role.RECORDER, False),
        (Role.DATA_STEWARD, False),
    ],
)
def test_dashboard_lists_only_initiatives_with_progress_view(
    client, initiative, member_of, role, sees
):
    ActionTeamFactory(initiative=initiative, name="Visible Team Alpha")
    client.force_login(member_of(initiative, role))
    response = client.get(URL)
    assert response.status_code == 200
    assert ("Visible Team Alpha" in response.content.decode()) is sees
    assert (initiative.name in response.content.decode()) is sees


def test_organizer_of_another_initiative_sees_nothing_of_it(client, initiative, other_initiative):
    ActionTeamFactory(initiative=initiative, name="Their Team Beta")
    OutcomeFactory(team=ActionTeamFactory(initiative=initiative), title="Their Outcome Gamma")
    ActionTeamFactory(initiative=other_initiative, name="My Team Delta")
    outsider = UserFactory()
    MembershipFactory(user=outsider, initiative=other_initiative, role=Role.ORGANIZER)
    client.force_login(outsider)
    page = client.get(URL).content.decode()
    assert "My Team Delta" in page
    for secret in (initiative.name, "Their Team Beta", "Their Outcome Gamma"):
        assert secret not in page
    exported = client.get(CSV_URL).content.decode("utf-8-sig")
    assert "My Team Delta" in exported
    assert "Their Team Beta" not in exported


def test_without_any_initiative_the_page_says_what_to_do(client):
    client.force_login(UserFactory())
    response = client.get(URL)
    assert response.status_code == 200
    assert "Ask an organizer" in response.content.decode()


def test_anonymous_is_sent_to_sign_in(client):
    for url in (URL, CSV_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response.url


def test_page_shows_team_table_and_no_participant_names(lead_client, initiative):
    teams = build(initiative)
    convener = ParticipantFactory(initiative=initiative, name="Rosalind Quetzal")
    ActionTeam.objects.filter(pk=teams["Youth Voice"].pk).update(convener=convener)
    response = lead_client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-team="{teams["Safe Streets"].pk}"' in page
    assert f'data-progress="{round(expected_team("Safe Streets") * 100)}"' in page
    assert f'data-overdue="{expected_overdue("Safe Streets")}"' in page
    assert "Rosalind Quetzal" not in page


# --- timeline ------------------------------------------------------------------------------------


def test_timeline_is_newest_first_and_paginated(lead_client, initiative, lead):
    team = ActionTeamFactory(initiative=initiative, name="Timeline Team")
    today = today_in(initiative)
    MilestoneFactory(
        goal__team=team, title="Milestone old", status="done", completed_on=today - timedelta(3)
    )
    MilestoneFactory(goal__team=team, title="Still planned", status="planned")
    OutcomeFactory(team=team, title="Outcome newest", happened_on=today + timedelta(days=1))
    ProgressUpdateFactory(team=team, narrative="Secret narrative Zeta")
    ProgressUpdate.objects.filter(team=team).update(created_at=timezone.now() - timedelta(days=1))
    entries = dashboard.timeline_entries(
        dashboard.timeline(dashboard.initiatives_with_progress_view(user=lead))
    )
    assert [entry["kind"] for entry in entries] == ["outcome", "update", "milestone"]
    assert entries[0]["label"] == "Outcome newest"
    assert entries[2]["label"] == "Milestone old"
    assert all(entry["team_name"] == "Timeline Team" for entry in entries)
    page = lead_client.get(URL).content.decode()
    assert "Outcome newest" in page
    assert "Still planned" not in page.split('id="timeline"')[1]
    assert "Secret narrative Zeta" not in page  # updates' free text is never shown here

    for day in range(25):
        OutcomeFactory(team=team, title=f"Bulk outcome {day}", happened_on=today - timedelta(30))
    cache.clear()  # factories skip the services: nothing marked the kept dashboard stale
    first = lead_client.get(URL).content.decode()
    second = lead_client.get(URL + "?page=2").content.decode()
    assert "Outcome newest" in first
    assert "Outcome newest" not in second
    # 28 entries, 20 a page: the 8 oldest (bulk outcomes, 30 days ago) are on page 2.
    assert first.count("data-kind=") == 20
    assert second.count('data-kind="outcome"') == 8
    assert "Milestone old" in first
    assert lead_client.get(URL + "?page=999").status_code == 200
    assert lead_client.get(URL + "?page=nonsense").status_code == 200


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_export_has_the_team_table_and_is_injection_safe(lead_client, initiative):
    build(initiative)
    ActionTeamFactory(initiative=initiative, name='=HYPERLINK("http://evil.example","x")')
    response = lead_client.get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["initiative", "team", "level", "progress_percent"]
    by_team = {row[1]: row for row in body}
    assert by_team["Safe Streets"][3] == str(round(expected_team("Safe Streets") * 100))
    assert by_team["Safe Streets"][4] == str(expected_overdue("Safe Streets"))
    assert by_team["Quiet Team"][3] == ""
    assert by_team["Quiet Team"][6] == "no"  # created just now: not silent yet
    assert '\'=HYPERLINK("http://evil.example","x")' in by_team
    assert not any(cell.startswith("=") for row in body for cell in row)


# --- query counts --------------------------------------------------------------------------------


def _populate(initiative, *, teams=2, goals=2, milestones=3):
    today = today_in(initiative)
    for t in range(teams):
        team = ActionTeamFactory(initiative=initiative)
        ProgressUpdateFactory(team=team)
        OutcomeFactory(team=team, level=Level.POLICY if t % 2 else Level.COMMUNITY)
        for _g in range(goals):
            goal = GoalFactory(team=team)
            for m in range(milestones):
                MilestoneFactory(
                    goal=goal,
                    status=["done", "planned", "dropped"][m % 3],
                    weight=m or None,
                    due_on=today - timedelta(days=m),
                    completed_on=today,
                )


def test_query_count_is_flat_at_ten_times_the_data(lead_client, initiative, lead):
    _populate(initiative)

    def add_rows():
        _populate(initiative, teams=18, goals=4, milestones=6)
        for _n in range(9):
            more = InitiativeFactory()
            MembershipFactory(user=lead, initiative=more, role=Role.COALITION_LEAD)
            _populate(more)

    assert_queries_do_not_grow(lead_client, URL, add_rows, limit=10)


def test_csv_query_count_is_flat(lead_client, initiative, lead):
    _populate(initiative)

    def add_rows():
        for _n in range(9):
            more = InitiativeFactory()
            MembershipFactory(user=lead, initiative=more, role=Role.OBSERVER)
            _populate(more, teams=3)

    assert_queries_do_not_grow(lead_client, CSV_URL, add_rows, limit=12)


# --- kept figures (initiatives/cache.py) ----------------------------------------------------------


def test_a_repeat_view_is_served_without_the_rollup_and_follows_a_logged_change(
    lead_client, initiative, lead, member_of, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from actions.models import Level, OutcomeKind
    from actions.services import progress

    team = ActionTeamFactory(initiative=initiative, name="Cached Team")
    MilestoneFactory(goal__team=team, title="Cached milestone", status="planned")
    first = lead_client.get(URL).content.decode()
    with CaptureQueriesContext(connection) as captured:
        second = lead_client.get(URL).content.decode()
    assert second.split('id="main"')[1] == first.split('id="main"')[1]
    assert "Cached Team" in second
    assert not any("actions_" in query["sql"] for query in captured.captured_queries)
    organizer = member_of(initiative, Role.ORGANIZER)
    with django_capture_on_commit_callbacks(execute=True):
        progress.outcome_create(
            user=organizer,
            initiative=initiative,
            kind=OutcomeKind.PROGRAM,
            level=Level.COMMUNITY,
            title="Fresh outcome Omega",
            happened_on=today_in(initiative),
            team=team,
        )
    assert "Fresh outcome Omega" in lead_client.get(URL).content.decode()


def test_users_following_different_initiatives_never_share_a_kept_dashboard(
    client, initiative, member_of
):
    other = InitiativeFactory(name="Other Town Dialogues")
    ActionTeamFactory(initiative=initiative, name="Team Here")
    ActionTeamFactory(initiative=other, name="Team Elsewhere")
    here = member_of(initiative, Role.COALITION_LEAD)
    both = member_of(initiative, Role.COALITION_LEAD)
    Membership.objects.create(user=both, initiative=other, role=Role.COALITION_LEAD)
    client.force_login(both)
    assert "Team Elsewhere" in client.get(URL).content.decode()
    client.force_login(here)
    page = client.get(URL).content.decode()
    assert "Team Here" in page
    assert "Team Elsewhere" not in page
