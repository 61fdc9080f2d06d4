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
from django.utils import timezone

from dialogue_hub import translated
from guides.models import CircleSession, MeetingStatus
from initiatives.models import ActivityLogEntry, Initiative
from participants.models import Participant

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


def _latest(queryset, field: str = "updated_at"):
    return Subquery(queryset.order_by(f"-{field}").values(field)[:1])


# What changes the open data without a public row's `updated_at` showing it: a public row made
# private or deleted, a goal or theme renamed (the milestones and ideas show their names), a
# session log approved (where ideas were raised, ideas raised), people placed in or taken out of
# circles, circles created or deleted, meetings cancelled or moved (the participation figures).
# Each of these services writes one of these entries to the activity log in its transaction.
# An edit of a private team or outcome moves `last_changed` too (one needless download for a
# poller, never a stale answer); reads written to the log (a roster viewed) never do.
PUBLIC_CHANGES = [
    "action_team.updated",
    "action_team.deleted",
    "goal.updated",
    "goal.deleted",
    "milestone.deleted",
    "outcome.updated",
    "outcome.deleted",
    "idea.updated",
    "idea.published",
    "ideas.merged",
    "ideas.themed",
    "theme.updated",
    "theme.deleted",
    "log.approved",
    "circles.assigned",
    "circle.created",
    "circle.deleted",
    "circle.member_placed",
    "circle.member_removed",
    "meeting.cancelled",
    "meeting.rescheduled",
    "participant.deleted",
    "participant.expired",
    "initiative.personal_data_purged",
]


def public_last_changed(*, initiative: Initiative):
    """When anything the open data shows last changed: the initiative, its public ideas, teams,
    their goals and milestones, public outcomes, the last change logged in PUBLIC_CHANGES, the
    last person who withdrew, and the start of the last meeting held (the participation figures
    count meetings held: one starting changes them with no write). One query."""
    now = timezone.now()
    public_teams = ActionTeam.objects.filter(initiative=OuterRef("pk"), is_public=True)
    moments = (
        Initiative.objects.filter(pk=initiative.pk)
        .annotate(
            latest_ideas=_latest(Idea.objects.filter(initiative=OuterRef("pk"), is_public=True)),
            latest_teams=_latest(public_teams),
            latest_goals=_latest(
                Goal.objects.filter(team__initiative=OuterRef("pk"), team__is_public=True)
            ),
            latest_milestones=_latest(
                Milestone.objects.filter(
                    goal__team__initiative=OuterRef("pk"), goal__team__is_public=True
                )
            ),
            latest_outcomes=_latest(
                Outcome.objects.filter(initiative=OuterRef("pk"), is_public=True)
            ),
            latest_logged=_latest(
                ActivityLogEntry.objects.filter(
                    initiative=OuterRef("pk"), action__in=PUBLIC_CHANGES, created_at__lte=now
                ),
                "created_at",
            ),
            latest_withdrawal=_latest(
                Participant.objects.filter(
                    initiative=OuterRef("pk"), withdrawn_at__isnull=False, withdrawn_at__lte=now
                ),
                "withdrawn_at",
            ),
            latest_meeting=_latest(
                CircleSession.objects.filter(
                    circle__initiative=OuterRef("pk"), starts_at__lte=now
                ).exclude(status=MeetingStatus.CANCELLED),
                "starts_at",
            ),
        )
        .values_list(
            "updated_at",
            "latest_ideas",
            "latest_teams",
            "latest_goals",
            "latest_milestones",
            "latest_outcomes",
            "latest_logged",
            "latest_withdrawal",
            "latest_meeting",
        )
        .first()
    )
    return max(moment for moment in moments if moment is not None)
