"""Progress updates (narrative, blockers, evidence links, milestone status changes), the
silent-team check the dashboard uses, and outcomes.

Writes (services) are keyword-only, atomic and logged; reads (selectors) join and aggregate in
SQL. Who may post an update: roles with `progress.update`, and the team's own neutral
facilitator (checked per team by `can_post_update`).
"""

import zoneinfo
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from dialogue_hub.exceptions import full_clean_or_raise as _validate
from initiatives.models import Initiative
from initiatives.permissions import has_perm
from initiatives.services import activity_record

from .models import (
    ActionTeam,
    Level,
    Milestone,
    MilestoneStatus,
    Outcome,
    OutcomeKind,
    ProgressUpdate,
)

MAX_EVIDENCE_LINKS = 20
MAX_LINK_LENGTH = 500
_url_validator = URLValidator(schemes=["http", "https"])


def initiative_today(initiative: Initiative) -> date:
    """Today's date where the initiative is."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(initiative.timezone))


# --- teams and milestones: selectors -------------------------------------------------------------


def team_for_initiative(*, initiative: Initiative, pk) -> ActionTeam:
    team = (
        ActionTeam.objects.filter(initiative=initiative, pk=pk)
        .select_related("facilitator", "initiative")
        .annotate(last_update_at=Max("updates__created_at"))
        .first()
    )
    if team is None:
        raise Http404
    return team


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


# --- evidence links ------------------------------------------------------------------------------


def parse_evidence_links(text: str) -> list[str]:
    """One URL per line; blank lines are ignored. Refuses anything that is not an http(s) URL."""
    links = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if len(line) > MAX_LINK_LENGTH:
            raise DomainError(
                _("Line %(n)s is too long to be a link.") % {"n": number}, field="evidence_links"
            )
        try:
            _url_validator(line)
        except ValidationError as exc:
            raise DomainError(
                _("Line %(n)s is not a web address (it should start with https://).")
                % {"n": number},
                field="evidence_links",
            ) from exc
        if line not in links:
            links.append(line)
    if len(links) > MAX_EVIDENCE_LINKS:
        raise DomainError(
            _("Give at most %(max)s links.") % {"max": MAX_EVIDENCE_LINKS}, field="evidence_links"
        )
    return links


# --- progress updates: services ------------------------------------------------------------------


@transaction.atomic
def progress_update_create(
    *,
    user,
    team: ActionTeam,
    narrative: str,
    blockers: str = "",
    evidence_links: list[str] | None = None,
    statuses: dict[int, str] | None = None,
) -> ProgressUpdate:
    """Post an update. `statuses` maps milestone ids (of this team's goals) to their new status;
    milestones whose status really changes are updated and recorded in `status_changes`."""
    narrative = (narrative or "").strip()
    if not narrative:
        raise DomainError(_("Say what happened since the last update."), field="narrative")
    links = parse_evidence_links("\n".join(evidence_links or []))
    statuses = statuses or {}
    for status in statuses.values():
        if status not in MilestoneStatus.values:
            raise DomainError(_("Choose a status from the list."))
    milestones = {
        milestone.pk: milestone
        for milestone in Milestone.objects.select_for_update().filter(
            goal__team=team, pk__in=list(statuses)
        )
    }
    if set(milestones) != {int(pk) for pk in statuses}:
        raise DomainError(_("Only milestones of this team's goals can be changed."))
    today = initiative_today(team.initiative)
    changes = []
    for pk in sorted(milestones):
        milestone, new = milestones[pk], statuses[pk]
        if milestone.status == new:
            continue
        changes.append({"milestone": pk, "from": milestone.status, "to": new})
        milestone.status = new
        if new == MilestoneStatus.DONE:
            milestone.completed_on = today
        elif milestone.completed_on is not None:
            milestone.completed_on = None
        milestone.save(update_fields=["status", "completed_on", "updated_at"])
    update = ProgressUpdate(
        team=team,
        author=user if user is not None and user.is_authenticated else None,
        narrative=narrative,
        blockers=(blockers or "").strip(),
        evidence_links=links,
        status_changes=changes,
    )
    _validate(update, exclude=["author"])
    update.save()
    activity_record(
        initiative=team.initiative,
        actor=user,
        action="progress.updated",
        target=update,
        label=team.name,
        details={"status_changes": len(changes)},
    )
    return update


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


def is_silent(*, last_activity: datetime, every_days: int, today: date, tz) -> bool:
    """Silent: the last update (or the team's creation) is more than `every_days` days old."""
    return (today - timezone.localdate(last_activity, timezone=tz)).days > every_days


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


# --- outcomes: services --------------------------------------------------------------------------

OUTCOME_FIELDS = [
    "kind",
    "level",
    "title",
    "description",
    "happened_on",
    "evidence_url",
    "team",
    "is_public",
]


def _check_outcome(*, initiative: Initiative, data: dict) -> None:
    if data.get("kind") not in OutcomeKind.values:
        raise DomainError(_("Choose a kind of outcome from the list."), field="kind")
    if data.get("level") not in Level.values:
        raise DomainError(_("Choose a level of change from the list."), field="level")
    if not (data.get("title") or "").strip():
        raise DomainError(_("Give the outcome a short title."), field="title")
    happened_on = data.get("happened_on")
    if happened_on is None:
        raise DomainError(_("Give the date it happened."), field="happened_on")
    if happened_on > initiative_today(initiative):
        raise DomainError(
            _("Record an outcome once it has happened: this date is in the future."),
            field="happened_on",
        )
    team = data.get("team")
    if team is not None and team.initiative_id != initiative.pk:
        raise DomainError(_("Choose one of this initiative's action teams."), field="team")


@transaction.atomic
def outcome_create(
    *,
    user,
    initiative: Initiative,
    kind: str,
    level: str,
    title: str,
    happened_on: date,
    description: str = "",
    evidence_url: str = "",
    team: ActionTeam | None = None,
    is_public: bool = False,
) -> Outcome:
    data = {
        "kind": kind,
        "level": level,
        "title": title,
        "description": description,
        "happened_on": happened_on,
        "evidence_url": evidence_url,
        "team": team,
        "is_public": is_public,
    }
    _check_outcome(initiative=initiative, data=data)
    outcome = Outcome(
        initiative=initiative,
        team=team,
        kind=kind,
        level=level,
        title=title.strip(),
        description=(description or "").strip(),
        happened_on=happened_on,
        evidence_url=(evidence_url or "").strip(),
        is_public=is_public,
    )
    _validate(outcome)
    outcome.save()
    activity_record(initiative=initiative, actor=user, action="outcome.recorded", target=outcome)
    return outcome


@transaction.atomic
def outcome_update(*, user, outcome: Outcome, data: dict) -> Outcome:
    _check_outcome(initiative=outcome.initiative, data=data)
    for name in OUTCOME_FIELDS:
        value = data[name]
        setattr(outcome, name, value.strip() if isinstance(value, str) else value)
    _validate(outcome)
    outcome.save(update_fields=[*OUTCOME_FIELDS, "updated_at"])
    activity_record(
        initiative=outcome.initiative, actor=user, action="outcome.updated", target=outcome
    )
    return outcome


@transaction.atomic
def outcome_delete(*, user, outcome: Outcome) -> None:
    initiative, label, pk = outcome.initiative, str(outcome), outcome.pk
    outcome.delete()
    outcome.pk = pk
    activity_record(
        initiative=initiative, actor=user, action="outcome.deleted", target=outcome, label=label
    )


# --- outcomes: selectors -------------------------------------------------------------------------


def outcomes(*, initiative: Initiative, level: str = "", kind: str = "") -> QuerySet[Outcome]:
    queryset = Outcome.objects.filter(initiative=initiative).select_related("team")
    if level in Level.values:
        queryset = queryset.filter(level=level)
    if kind in OutcomeKind.values:
        queryset = queryset.filter(kind=kind)
    return queryset


def outcome_for_initiative(*, initiative: Initiative, pk) -> Outcome:
    outcome = outcomes(initiative=initiative).filter(pk=pk).select_related("initiative").first()
    if outcome is None:
        raise Http404
    return outcome


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
