"""Action teams, their members, goals and milestones: the reads, including the progress roll-up
from milestones that the team pages and the coalition dashboard share. The writes are in
actions/services/teams.py.

Progress roll-up (the one definition used everywhere)
-----------------------------------------------------
* A milestone *counts* unless its status is ``dropped``. Its weight is ``milestone.weight``
  when set, otherwise 1. So a goal whose milestones have no weights gets a plain average, and a
  goal where weights are set gets a weighted average (unweighted milestones next to weighted
  ones count as weight 1).
* **Goal progress** = Σ weight of its counted milestones that are ``done`` ÷ Σ weight of all its
  counted milestones. A goal with no counted milestone has no progress (None).
* **Team progress** = the plain average of the progress of its goals that have one (goals
  without counted milestones are left out, they are not 0). None when no goal has progress.
* **Initiative progress** = the plain average of the progress of its teams that have one.
* Every value is a ``Decimal`` share from 0 to 1, rounded half-up to 4 decimal places only at
  the end (goal values are averaged unrounded), so 2 of 3 milestones done is 0.6667.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from dialogue_hub import translated
from initiatives.models import CoalitionMembership, Initiative, Role
from participants.models import Participant, Status

from ..models import (
    ActionTeam,
    Goal,
    Idea,
    Milestone,
    MilestoneStatus,
    ProgressUpdate,
    TeamMember,
)

PLACES = Decimal("0.0001")

# --- progress roll-up ---------------------------------------------------------------------------


def rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(PLACES, rounding=ROUND_HALF_UP)


def _mean(values) -> Decimal | None:
    values = [value for value in values if value is not None]
    if not values:
        return None
    return sum(values, Decimal(0)) / len(values)


def _share(done_weight: int, total_weight: int) -> Decimal | None:
    return Decimal(done_weight) / Decimal(total_weight) if total_weight else None


def goal_share_rows(milestones: QuerySet, **per_goal):
    """The roll-up's one query: for each goal among `milestones`, a dict with its `goal_id`, its
    `goal__team_id` and its unrounded `share` (Decimal, or None; see the module docstring), plus
    any `per_goal` aggregates the caller adds (the dashboard's overdue count). Goals whose
    milestones are all dropped have no row. Serves the team pages and the coalition dashboard
    (actions/selectors/results.py), so both read progress by the same rule."""
    weight = Coalesce("weight", Value(1), output_field=IntegerField())
    rows = (
        milestones.exclude(status=MilestoneStatus.DROPPED)
        .values("goal_id", "goal__team_id")
        .annotate(
            total=Sum(weight),
            done=Sum(
                Case(
                    When(status=MilestoneStatus.DONE, then=weight),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            ),
            **per_goal,
        )
        .order_by()
    )
    for row in rows:
        row["share"] = _share(row.pop("done"), row.pop("total"))
        yield row


def _goal_shares(team_ids) -> dict[int, dict[int, Decimal | None]]:
    """{team_id: {goal_id: unrounded share}} for goals with counted milestones, in one query."""
    shares: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    for row in goal_share_rows(Milestone.objects.filter(goal__team_id__in=team_ids)):
        shares[row["goal__team_id"]][row["goal_id"]] = row["share"]
    return shares


def _team_ids(teams) -> list[int]:
    if isinstance(teams, QuerySet):
        return list(teams.values_list("pk", flat=True))
    return [team.pk for team in teams]


def teams_progress(teams) -> dict[int, Decimal | None]:
    """{team.pk: team progress} for every team in `teams` (a queryset or an iterable of
    ActionTeam), one query whatever the number of teams. See the module docstring."""
    ids = _team_ids(teams)
    shares = _goal_shares(ids)
    return {pk: rounded(_mean(shares.get(pk, {}).values())) for pk in ids}


def team_progress(team: ActionTeam) -> Decimal | None:
    """The team's progress: the plain average of its goals' milestone shares (dropped milestones
    left out, weight = milestone.weight or 1), a Decimal from 0 to 1 rounded to 4 places, or
    None when no goal has a milestone that counts. One query."""
    return teams_progress([team])[team.pk]


def initiative_progress(teams) -> Decimal | None:
    """The plain average of the progress of the `teams` that have one (teams without any
    counted milestone are left out), a Decimal from 0 to 1 rounded to 4 places, or None.
    Pass an initiative's teams, e.g. ``initiative.action_teams.all()``. One query (two if a
    queryset is passed)."""
    ids = _team_ids(teams)
    shares = _goal_shares(ids)
    return rounded(_mean(_mean(shares.get(pk, {}).values()) for pk in ids))


def goal_progress_from(milestones) -> Decimal | None:
    """A goal's progress from its already-loaded milestones (same rule, no query)."""
    counted = [m for m in milestones if m.status != MilestoneStatus.DROPPED]
    total = sum(m.weight or 1 for m in counted)
    done = sum(m.weight or 1 for m in counted if m.status == MilestoneStatus.DONE)
    return _share(done, total)


# --- selectors ----------------------------------------------------------------------------------


def teams_queryset(*, initiative: Initiative) -> QuerySet:
    """The initiative's teams with their member counts, for the list."""
    return (
        ActionTeam.objects.filter(initiative=initiative)
        .select_related("facilitator")
        .annotate(
            people_count=Count(
                "members", filter=Q(members__participant__isnull=False), distinct=True
            ),
            organization_count=Count(
                "members", filter=Q(members__organization__isnull=False), distinct=True
            ),
            goal_count=Count("goals", distinct=True),
        )
        .order_by(translated.ordering("name"), "pk")
    )


def team_for_initiative(*, initiative: Initiative, pk: int) -> ActionTeam:
    """One team of the initiative (404 for a team of another initiative)."""
    return get_object_or_404(
        ActionTeam.objects.filter(initiative=initiative, pk=pk).select_related(
            "convener", "facilitator", "initiative"
        )
    )


def goal_for_team(*, team: ActionTeam, pk: int) -> Goal:
    return get_object_or_404(Goal.objects.filter(team=team, pk=pk))


def milestone_for_team(*, team: ActionTeam, pk: int) -> Milestone:
    return get_object_or_404(
        Milestone.objects.filter(goal__team=team, pk=pk).select_related("goal")
    )


def member_for_team(*, team: ActionTeam, pk: int) -> TeamMember:
    return get_object_or_404(TeamMember.objects.filter(team=team, pk=pk))


@dataclass
class GoalView:
    goal: Goal
    milestones: list
    progress: Decimal | None


def team_goals(*, team: ActionTeam, today) -> list[GoalView]:
    """The team's goals with their milestones (two queries), each milestone flagged `is_overdue`
    (due before `today` and neither done nor dropped) and each goal with its progress."""
    goals = Goal.objects.filter(team=team).prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("due_on", "id"))
    )
    result = []
    for goal in goals:
        milestones = list(goal.milestones.all())
        for milestone in milestones:
            milestone.is_overdue = is_overdue(milestone, today)
        result.append(GoalView(goal, milestones, rounded(goal_progress_from(milestones))))
    return result


def is_overdue(milestone: Milestone, today) -> bool:
    return (
        milestone.due_on is not None
        and milestone.due_on < today
        and milestone.status not in (MilestoneStatus.DONE, MilestoneStatus.DROPPED)
    )


def team_members(*, team: ActionTeam) -> tuple[list, list]:
    """(participant members, partner organization members) of the team, one query."""
    rows = TeamMember.objects.filter(team=team).select_related(
        "participant", "organization__organization"
    )
    people = sorted(
        (row for row in rows if row.participant_id), key=lambda r: r.participant.name.lower()
    )
    organizations = sorted(
        (row for row in rows if row.organization_id),
        key=lambda r: r.organization.organization.name.lower(),
    )
    return people, organizations


def idea_choices(*, initiative: Initiative, team: ActionTeam | None = None) -> QuerySet:
    """Open ideas, plus any idea the team already has (even if merged away since)."""
    wanted = Q(initiative=initiative, merged_into__isnull=True)
    if team is not None:
        wanted |= Q(pk__in=team.ideas.values("pk"))
    return Idea.objects.filter(wanted).order_by("pk")


def convener_choices(*, initiative: Initiative, team: ActionTeam | None = None) -> QuerySet:
    """Participants who have not withdrawn, plus the team's current convener."""
    wanted = Q(initiative=initiative) & ~Q(status=Status.WITHDRAWN)
    if team is not None and team.convener_id:
        wanted |= Q(pk=team.convener_id)
    return Participant.objects.filter(wanted).order_by("name", "pk")


def facilitator_choices(*, initiative: Initiative) -> QuerySet:
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            memberships__initiative=initiative,
            memberships__role=Role.FACILITATOR,
            is_active=True,
        )
        .distinct()
        .order_by("display_name", "email")
    )


def partner_choices(*, initiative: Initiative) -> QuerySet:
    return (
        CoalitionMembership.objects.filter(initiative=initiative)
        .select_related("organization")
        .order_by("organization__name")
    )


def teams_for_participant(*, participant: Participant) -> list[ActionTeam]:
    """The participant's initiative's teams, each with `is_member` set. One query."""
    return list(
        ActionTeam.objects.filter(initiative_id=participant.initiative_id)
        .annotate(
            member_rows=Count("members", filter=Q(members__participant=participant)),
        )
        .order_by(translated.ordering("name"), "pk")
    )


def team_history_counts(team: ActionTeam) -> dict[str, int]:
    """What deleting the team would take with it (one query)."""
    counts = ActionTeam.objects.filter(pk=team.pk).aggregate(
        n_updates=Count("updates", distinct=True),
        n_goals=Count("goals", distinct=True),
        n_milestones=Count("goals__milestones", distinct=True),
        n_members=Count("members", distinct=True),
        n_outcomes=Count("outcomes", distinct=True),
    )
    return {key.removeprefix("n_"): value or 0 for key, value in counts.items()}


def team_has_updates(team: ActionTeam) -> bool:
    return ProgressUpdate.objects.filter(team=team).exists()


def participant_teams(participant) -> dict:
    """A person's action teams, for their own download: the teams they joined and convene."""
    return {
        "action_teams": [
            {"team": name, "joined_at": joined.isoformat()}
            for name, joined in TeamMember.objects.filter(participant=participant)
            .order_by("pk")
            .values_list("team__name", "created_at")
        ],
        "convenes": list(
            ActionTeam.objects.filter(convener=participant)
            .order_by("pk")
            .values_list("name", flat=True)
        ),
    }


def convener_bodies(initiative: Initiative) -> list:
    """participants' DECISION_BODIES: the action teams' conveners (each person once), for the
    inclusion dashboard's mix of decision-making bodies. The emails are read there, in one
    query; a convener is matched to their own registration, so a withdrawn one counts as not
    registered."""
    emails = (
        ActionTeam.objects.filter(initiative=initiative, convener__isnull=False)
        .values_list("convener__email", flat=True)
        .order_by()
        .distinct()
    )
    return [("conveners", gettext("Action-team conveners"), emails)]
