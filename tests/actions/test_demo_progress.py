"""Issue 5 on the Riverton demo, as a coalition lead would try it: roll-ups recomputed here
independently, the late teams, and one idea followed from its session log to a team and an
outcome on the public results page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import ActionTeam, Milestone, Outcome
from actions.selectors.results import progress_overview

pytestmark = pytest.mark.django_db


def expected_team_progress(team):
    """Goal = done weight ÷ counted weight (dropped excluded; weight 1 when unset), team = mean of goals."""
    shares = []
    for goal in team.goals.all():
        counted = [m for m in goal.milestones.all() if m.status != "dropped"]
        if not counted:
            continue
        weight = sum(m.weight or 1 for m in counted)
        done = sum(m.weight or 1 for m in counted if m.status == "done")
        shares.append(done / weight)
    return sum(shares) / len(shares) if shares else None


def test_lead_sees_rollups_late_and_silent_teams(client, demo):
    from django.contrib.auth import get_user_model

    lead = get_user_model().objects.get(email="lead@demo.dialoguehub.org")
    overview = progress_overview(user=lead)
    rows = {row.initiative.pk: row for row in overview}
    assert demo.pk in rows
    initiative_row = rows[demo.pk]
    teams = {row.team.name: row for row in initiative_row.teams}
    assert len(teams) == ActionTeam.objects.filter(initiative=demo).count() == 3

    today = timezone.localdate()
    per_team = {}
    for team in ActionTeam.objects.filter(initiative=demo).prefetch_related("goals__milestones"):
        per_team[team.name] = expected_team_progress(team)
        assert teams[team.name].progress == pytest.approx(per_team[team.name])
        overdue = (
            Milestone.objects.filter(goal__team=team, due_on__lt=today)
            .exclude(status__in=["done", "dropped"])
            .count()
        )
        assert teams[team.name].overdue == overdue
    values = [v for v in per_team.values() if v is not None]
    assert initiative_row.progress == pytest.approx(sum(values) / len(values))
    assert [row.team.name for row in initiative_row.silent_teams] == ["Open data on stops"]
    assert teams["Open data on stops"].overdue >= 1

    client.force_login(lead)
    page = client.get(reverse("actions:dashboard")).content.decode()
    assert "Open data on stops" in page
    assert client.get(reverse("actions:dashboard_csv")).status_code == 200


def test_follow_one_idea_from_its_session_log_to_a_team_and_an_outcome_in_public(client, demo):
    outcome = Outcome.objects.filter(initiative=demo, is_public=True, team__isnull=False).first()
    team = outcome.team
    idea = team.ideas.first()
    source = idea.sources.select_related("action_idea__log__meeting__circle").first()
    circle = source.action_idea.log.meeting.circle
    assert source.action_idea.log.status == "approved"

    page = client.get(reverse("actions:results", args=[demo.slug])).content.decode()
    assert idea.text in page
    assert circle.name in page
    assert team.name in page
    assert outcome.title in page
