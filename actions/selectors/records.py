"""The action phase as plain records, for programs (the read-only API, api/): teams, goals,
milestones, progress updates and outcomes of one initiative, and what of them is public.

Querysets, so that the caller filters and pages them in SQL; each is ordered for a stable
page order and carries in annotations what its rows show (counts, overdue, last update), so a
page of any length costs the same few queries. Names of teams, goals and milestones only: never
a participant's (conveners and members are people; they are not here).
"""

import zoneinfo

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from dialogue_hub import translated
from initiatives.models import Initiative

from ..models import ActionTeam, Goal, Idea, Milestone, MilestoneStatus, Outcome, ProgressUpdate
from .results import CLOSED_STATUSES, is_silent, overdue_condition, today_in
from .teams import goal_share_rows, rounded, teams_progress

__all__ = ["teams_progress"]  # a team's progress, for the callers of this module


def _overdue(initiative: Initiative):
    return ExpressionWrapper(overdue_condition([initiative]), output_field=BooleanField())


def team_records(*, initiative: Initiative) -> QuerySet[ActionTeam]:
    """The initiative's teams with `goal_count`, `milestone_count`, `overdue_count` (see
    `milestone_records`) and `last_update_at` (None before the first update). Progress:
    `progress_of`."""
    open_statuses = [value for value in MilestoneStatus.values if value not in CLOSED_STATUSES]
    overdue = Q(
        goals__milestones__due_on__lt=today_in(initiative.timezone),
        goals__milestones__status__in=open_statuses,
    )
    return (
        ActionTeam.objects.filter(initiative=initiative)
        .annotate(
            goal_count=Count("goals", distinct=True),
            milestone_count=Count("goals__milestones", distinct=True),
            overdue_count=Count("goals__milestones", filter=overdue, distinct=True),
            last_update_at=Subquery(
                ProgressUpdate.objects.filter(team=OuterRef("pk"))
                .order_by("-created_at")
                .values("created_at")[:1]
            ),
        )
        .order_by(translated.ordering("name"), "pk")
    )


def team_silent(team: ActionTeam, *, initiative: Initiative) -> bool:
    """No update within the team's `update_every_days` (the dashboard's rule)."""
    return is_silent(
        last_activity=team.last_update_at or team.created_at,
        every_days=team.update_every_days,
        today=today_in(initiative.timezone),
        tz=zoneinfo.ZoneInfo(initiative.timezone),
    )


def goal_progress(goal_ids) -> dict:
    """{goal id: share of its milestones done (Decimal 0–1, rounded to 4 places) or None}, by
    the team pages' rule (actions/selectors/teams.py). One query. A team's: `teams_progress`."""
    rows = goal_share_rows(Milestone.objects.filter(goal_id__in=list(goal_ids)))
    return {row["goal_id"]: rounded(row["share"]) for row in rows}


def goal_records(*, initiative: Initiative) -> QuerySet[Goal]:
    return (
        Goal.objects.filter(team__initiative=initiative)
        .select_related("team")
        .order_by(F("due_on").asc(nulls_last=True), "team_id", "pk")
    )


def milestone_records(*, initiative: Initiative, public_only: bool = False) -> QuerySet[Milestone]:
    """Every milestone of the initiative's teams (only public teams' with `public_only`), with
    its goal and team and `is_overdue`: due before today in the initiative's time zone, neither
    done nor dropped."""
    queryset = Milestone.objects.filter(goal__team__initiative=initiative)
    if public_only:
        queryset = queryset.filter(goal__team__is_public=True)
    return (
        queryset.select_related("goal__team")
        .annotate(is_overdue=_overdue(initiative))
        .order_by(F("due_on").asc(nulls_last=True), "goal__team_id", "goal_id", "pk")
    )


def update_records(*, initiative: Initiative) -> QuerySet[ProgressUpdate]:
    return (
        ProgressUpdate.objects.filter(team__initiative=initiative)
        .select_related("team")
        .order_by("-created_at", "-pk")
    )


def outcome_records(*, initiative: Initiative) -> QuerySet[Outcome]:
    return (
        Outcome.objects.filter(initiative=initiative)
        .select_related("team")
        .order_by("-happened_on", "-pk")
    )


def _latest(queryset):
    return Subquery(queryset.order_by("-updated_at").values("updated_at")[:1])


def public_last_changed(*, initiative: Initiative):
    """When anything the public results show last changed: the initiative, its public ideas,
    teams, their goals' milestones, and public outcomes. One query."""
    moments = (
        Initiative.objects.filter(pk=initiative.pk)
        .annotate(
            latest_ideas=_latest(Idea.objects.filter(initiative=OuterRef("pk"), is_public=True)),
            latest_teams=_latest(
                ActionTeam.objects.filter(initiative=OuterRef("pk"), is_public=True)
            ),
            latest_milestones=_latest(
                Milestone.objects.filter(
                    goal__team__initiative=OuterRef("pk"), goal__team__is_public=True
                )
            ),
            latest_outcomes=_latest(
                Outcome.objects.filter(initiative=OuterRef("pk"), is_public=True)
            ),
        )
        .values_list(
            "updated_at", "latest_ideas", "latest_teams", "latest_milestones", "latest_outcomes"
        )
        .first()
    )
    return max(moment for moment in moments if moment is not None)
