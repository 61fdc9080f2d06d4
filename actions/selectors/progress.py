"""The progress feature's reads: a team's progress updates and the silent-team check the
dashboard uses, outcomes, the community assets inventory (what partners and participants
already offer, and which action teams' goals build on it), and the weekly digest's content.
Reads join and aggregate in SQL. Who may post an update: roles with `progress.update`, and the
team's own neutral facilitator (checked per team by `can_post_update`). The writes are in
actions/services/progress.py.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue_hub import translated
from initiatives.models import Initiative, Phase, Role
from initiatives.permissions import has_perm
from participants.models import Participant, Status

from ..models import (
    ActionTeam,
    AssetKind,
    CommunityAsset,
    Goal,
    Level,
    Milestone,
    MilestoneStatus,
    Outcome,
    OutcomeKind,
    ProgressUpdate,
)
from .results import InitiativeRow, is_silent, overdue_condition, progress_overview


def initiative_today(initiative: Initiative) -> date:
    """Today's date where the initiative is."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(initiative.timezone))


# --- teams and milestones: selectors -------------------------------------------------------------


def team_for_initiative(*, initiative: Initiative, pk) -> ActionTeam:
    return get_object_or_404(
        ActionTeam.objects.filter(initiative=initiative, pk=pk)
        .select_related("facilitator", "initiative")
        .annotate(last_update_at=Max("updates__created_at"))
    )


def can_post_update(*, user, initiative: Initiative, team: ActionTeam) -> bool:
    """Roles with `progress.update`, or the team's own neutral facilitator."""
    if has_perm(initiative.roles, "progress.update"):
        return True
    return user.is_authenticated and team.facilitator_id == user.pk


def team_milestones(*, team: ActionTeam) -> QuerySet[Milestone]:
    return (
        Milestone.objects.filter(goal__team=team)
        .select_related("goal")
        .order_by("goal__due_on", "goal_id", "due_on", "pk")
    )


# --- progress updates: selectors -----------------------------------------------------------------


def team_updates(*, team: ActionTeam) -> QuerySet[ProgressUpdate]:
    return ProgressUpdate.objects.filter(team=team).select_related("author")


def attach_milestone_titles(updates, *, team: ActionTeam) -> None:
    """Give each update's status changes readable titles and labels (one query for the page)."""
    titles = dict(Milestone.objects.filter(goal__team=team).values_list("pk", "title"))
    labels = dict(MilestoneStatus.choices)
    for update in updates:
        update.changes = [
            {
                "title": titles.get(change.get("milestone"), _("(a deleted milestone)")),
                "from": labels.get(change.get("from"), change.get("from")),
                "to": labels.get(change.get("to"), change.get("to")),
            }
            for change in (update.status_changes or [])
            if isinstance(change, dict)
        ]


def teams_with_last_update(*, initiative: Initiative) -> QuerySet[ActionTeam]:
    """The initiative's teams, each with `last_update_at` (None before the first update)."""
    return ActionTeam.objects.filter(initiative=initiative).annotate(
        last_update_at=Max("updates__created_at")
    )


def last_update_at(team: ActionTeam) -> datetime | None:
    """When the team last posted an update (uses the annotation when the team carries it)."""
    if hasattr(team, "last_update_at"):
        return team.last_update_at
    return ProgressUpdate.objects.filter(team=team).aggregate(last=Max("created_at"))["last"]


def silent_teams(*, initiative: Initiative, today: date) -> set[int]:
    """Ids of the initiative's teams that missed their update cadence (one query)."""
    tz = zoneinfo.ZoneInfo(initiative.timezone)
    rows = (
        ActionTeam.objects.filter(initiative=initiative)
        .annotate(last=Coalesce(Max("updates__created_at"), "created_at"))
        .values_list("pk", "update_every_days", "last")
    )
    return {
        pk
        for pk, every_days, last in rows
        if is_silent(last_activity=last, every_days=every_days, today=today, tz=tz)
    }


def team_is_silent(team: ActionTeam, *, today: date) -> bool:
    """The same rule as `silent_teams`, for one team already loaded."""
    return is_silent(
        last_activity=last_update_at(team) or team.created_at,
        every_days=team.update_every_days,
        today=today,
        tz=zoneinfo.ZoneInfo(team.initiative.timezone),
    )


def next_update_due(team: ActionTeam) -> date:
    """The last day an update can come before the team counts as silent."""
    tz = zoneinfo.ZoneInfo(team.initiative.timezone)
    last = last_update_at(team) or team.created_at
    return timezone.localdate(last, timezone=tz) + timedelta(days=team.update_every_days)


# --- outcomes: selectors -------------------------------------------------------------------------


def outcomes(*, initiative: Initiative, level: str = "", kind: str = "") -> QuerySet[Outcome]:
    queryset = Outcome.objects.filter(initiative=initiative).select_related("team")
    if level in Level.values:
        queryset = queryset.filter(level=level)
    if kind in OutcomeKind.values:
        queryset = queryset.filter(kind=kind)
    return queryset


def outcome_for_initiative(*, initiative: Initiative, pk) -> Outcome:
    return get_object_or_404(
        outcomes(initiative=initiative).filter(pk=pk).select_related("initiative")
    )


def outcomes_by_level(*, initiative: Initiative) -> list[dict]:
    """Every level with its number of outcomes, zeros included, in the levels' order."""
    counts = dict(
        Outcome.objects.filter(initiative=initiative)
        .order_by()
        .values("level")
        .annotate(n=Count("pk"))
        .values_list("level", "n")
    )
    return [
        {"level": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Level.choices
    ]


# --- community assets -------------------------------------------------------------------------


def assets(*, initiative: Initiative, kind: str = "") -> QuerySet[CommunityAsset]:
    queryset = (
        CommunityAsset.objects.filter(initiative=initiative)
        .select_related("partner__organization", "offered_by")
        .annotate(goal_count=Count("goals"))
        .order_by("kind", "name", "pk")
    )
    if kind in AssetKind.values:
        queryset = queryset.filter(kind=kind)
    return queryset


def asset_for_initiative(*, initiative: Initiative, pk) -> CommunityAsset:
    return get_object_or_404(
        CommunityAsset.objects.filter(initiative=initiative, pk=pk)
        .select_related("partner__organization", "offered_by", "initiative")
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.select_related("team").order_by("team__name"))
        )
    )


def initiative_goals(*, initiative: Initiative) -> QuerySet[Goal]:
    """Goals of this initiative's action teams, to link assets to."""
    return (
        Goal.objects.filter(team__initiative=initiative)
        .select_related("team")
        .order_by("team__name", "due_on", "pk")
    )


def participant_offers(*, initiative: Initiative) -> QuerySet[Participant]:
    """Participants who answered the 'what could you offer' question (roster roles only)."""
    return (
        Participant.objects.filter(initiative=initiative)
        .exclude(offers="")
        .exclude(status=Status.WITHDRAWN)
        .annotate(has_asset=Exists(CommunityAsset.objects.filter(offered_by=OuterRef("pk"))))
        .order_by("created_at", "pk")
    )


def participant_with_offer(*, initiative: Initiative, pk) -> Participant:
    return get_object_or_404(participant_offers(initiative=initiative).filter(pk=pk))


def offering_participants(*, initiative: Initiative) -> QuerySet[Participant]:
    """Who may be named as offering an asset: this initiative's participants, not withdrawn."""
    return (
        Participant.objects.filter(initiative=initiative)
        .exclude(status=Status.WITHDRAWN)
        .order_by("name", "pk")
    )


DIGEST_OUTCOME_DAYS = 7


def lead_initiatives(*, user) -> list[Initiative]:
    """The initiatives (not closed) where the user is a coalition lead, by name."""
    return list(
        Initiative.objects.filter(memberships__user=user, memberships__role=Role.COALITION_LEAD)
        .exclude(phase=Phase.CLOSED)
        .distinct()
        .order_by(translated.ordering("name"), "pk")
    )


@dataclass
class DigestInitiative:
    """One initiative's part of a digest: the dashboard's row, plus what changed this week.
    Team, goal, milestone and outcome names only: never a participant, never a count of people."""

    row: InitiativeRow
    overdue_milestones: list = field(default_factory=list)
    recent_outcomes: list = field(default_factory=list)

    @property
    def initiative(self) -> Initiative:
        return self.row.initiative


def digest_content(*, user, now: datetime | None = None) -> list[DigestInitiative]:
    """The digest of one coalition lead: every initiative they lead, with its phase, its teams'
    weighted progress, overdue milestones, silent teams and the outcomes recorded in the last
    DIGEST_OUTCOME_DAYS days. The figures are the progress dashboard's (same selectors)."""
    now = now or timezone.now()
    led = {initiative.pk for initiative in lead_initiatives(user=user)}
    if not led:
        return []
    rows = [row for row in progress_overview(user=user) if row.initiative.pk in led]
    if not rows:
        return []
    initiatives = [row.initiative for row in rows]
    by_pk = {row.initiative.pk: DigestInitiative(row=row) for row in rows}
    overdue = (
        Milestone.objects.filter(overdue_condition(initiatives))
        .select_related("goal__team")
        .order_by("due_on", "pk")
    )
    for milestone in overdue:
        by_pk[milestone.goal.team.initiative_id].overdue_milestones.append(milestone)
    outcomes = (
        Outcome.objects.filter(
            initiative__in=list(by_pk), created_at__gte=now - timedelta(days=DIGEST_OUTCOME_DAYS)
        )
        .select_related("team")
        .order_by("-happened_on", "-pk")
    )
    for outcome in outcomes:
        by_pk[outcome.initiative_id].recent_outcomes.append(outcome)
    return list(by_pk.values())


def participant_assets(participant) -> dict:
    """What a person offered the action teams (skills, space, time), for their own download."""
    return {
        "offered_to_the_action_teams": [
            {"kind": kind, "name": name, "description": description}
            for kind, name, description in CommunityAsset.objects.filter(offered_by=participant)
            .order_by("pk")
            .values_list("kind", "name", "description")
        ]
    }
