"""Action teams, their members, goals and milestones: the writes (creating, editing and deleting
a team, adding and removing members, a participant joining or leaving, goals and milestones).

Services take keyword-only arguments, run in one transaction and write the activity log in
it; a participant appears in the log only as str(participant), never by name. The reads,
including the progress roll-up, are in actions/selectors/teams.py.
"""

from contextlib import contextmanager
from datetime import date

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dialogue_hub.exceptions import DomainError
from dialogue_hub.exceptions import full_clean_or_raise as _validate
from dialogue_hub.services import save_values
from dialogue_hub.translated import column_names
from dialogue_hub.translated_columns import (
    column_values,
    first_column,
    refuse_taken_names,
    unknown_columns,
)
from initiatives.models import CoalitionMembership, Initiative, Membership, Role
from initiatives.services import activity_record
from participants.models import Participant, Status

from ..models import (
    ActionTeam,
    Goal,
    Level,
    Milestone,
    MilestoneStatus,
    TeamMember,
)
from ..selectors.ideas import open_ideas
from ..selectors.progress import initiative_today
from ..selectors.teams import team_history_counts

LONGEST_CADENCE_DAYS = 365
# What a team shows publicly, given per language (actions/translation.py).
TEAM_TEXTS = ("name", "description")
# A team's name is checked for uniqueness before saving (the check gives a field error).
NAME_COLUMNS = ["name", *column_names(["name"])]
HEAVIEST_WEIGHT = 100


# --- team services ------------------------------------------------------------------------------


def _team_values(
    *,
    initiative: Initiative,
    team: ActionTeam | None,
    name: str = "",
    level: str,
    description: str = "",
    ideas=(),
    convener: Participant | None = None,
    facilitator=None,
    update_every_days: int = 30,
    is_public: bool = False,
    **texts,
) -> tuple[dict, list]:
    """Check a team's fields for team_create (`team` None) and team_update; return the values
    the team stores (name and description stripped) and its ideas. `name` and `description`
    are in the initiative's first language; `texts` gives them per language (`name_es`, …:
    dialogue_hub/translated_columns.py)."""
    ideas = list(ideas)
    unknown = unknown_columns(texts, TEAM_TEXTS)
    if unknown:
        raise TypeError(f"unexpected team fields {unknown}")
    words = column_values(
        {"name": name, "description": description, **texts},
        TEAM_TEXTS,
        initiative.default_language,
    )
    first = first_column("name", initiative.default_language)
    if not words[first]:
        raise DomainError(_("Give the team a name."), field=first)
    refuse_taken_names(
        ActionTeam.objects.filter(initiative=initiative),
        words,
        "name",
        instance=team,
        message=_("Another team already has this name."),
    )
    if level not in Level.values:
        raise DomainError(_("Choose a level of change."), field="level")
    if not 1 <= update_every_days <= LONGEST_CADENCE_DAYS:
        raise DomainError(
            _("Give a number of days from 1 to %(n)d.") % {"n": LONGEST_CADENCE_DAYS},
            field="update_every_days",
        )
    idea_ids = {idea.pk for idea in ideas}
    if idea_ids:
        allowed = set(
            open_ideas(initiative=initiative).filter(pk__in=idea_ids).values_list("pk", flat=True)
        )
        if team is not None:  # an idea merged away after it was linked may stay linked
            allowed |= set(team.ideas.filter(pk__in=idea_ids).values_list("pk", flat=True))
        if idea_ids - allowed:
            raise DomainError(_("Choose open ideas of this initiative."), field="ideas")
    if convener is not None and convener.initiative_id != initiative.pk:
        raise DomainError(_("Choose a participant of this initiative."), field="convener")
    if (
        convener is not None
        and convener.status == Status.WITHDRAWN
        and (team is None or team.convener_id != convener.pk)
    ):
        raise DomainError(_("This participant has withdrawn."), field="convener")
    if (
        facilitator is not None
        and not Membership.objects.filter(
            initiative=initiative, user=facilitator, role=Role.FACILITATOR
        ).exists()
    ):
        raise DomainError(
            _("Choose a team member with the facilitator role in this initiative."),
            field="facilitator",
        )
    values = {
        **words,
        "level": level,
        "convener": convener,
        "facilitator": facilitator,
        "update_every_days": update_every_days,
        "is_public": is_public,
    }
    return values, ideas


@contextmanager
def _name_not_taken():
    """Around a team's save: a concurrent request that took the name a moment ago (the unique
    constraint) becomes the same refusal as the check before it."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise DomainError(_("Another team already has this name."), field="name") from exc


@transaction.atomic
def team_create(*, user, initiative: Initiative, **fields) -> ActionTeam:
    """Create a team. `fields`: its fields and ideas, as `_team_values` takes them."""
    values, ideas = _team_values(initiative=initiative, team=None, **fields)
    team = ActionTeam(initiative=initiative, **values)
    _validate(team, exclude=NAME_COLUMNS)
    with _name_not_taken():
        team.save()
    team.ideas.set(ideas)
    activity_record(initiative=initiative, actor=user, action="action_team.created", target=team)
    return team


@transaction.atomic
def team_update(*, user, team: ActionTeam, **fields) -> ActionTeam:
    """Change a team. `fields`: all its fields and ideas, as `_team_values` takes them (one
    left out takes its default)."""
    values, ideas = _team_values(initiative=team.initiative, team=team, **fields)
    with _name_not_taken():
        save_values(team, values, exclude=NAME_COLUMNS)
    team.ideas.set(ideas)
    activity_record(
        initiative=team.initiative, actor=user, action="action_team.updated", target=team
    )
    return team


class TeamHasHistory(DomainError):
    """The team has progress updates: deleting it needs an explicit confirmation."""

    def __init__(self, updates: int):
        super().__init__(
            ngettext(
                "This team has %(n)d progress update. Deleting it deletes it too; "
                "confirm to go ahead.",
                "This team has %(n)d progress updates. Deleting it deletes them too; "
                "confirm to go ahead.",
                updates,
            )
            % {"n": updates}
        )
        self.updates = updates


@transaction.atomic
def team_delete(*, user, team: ActionTeam, confirm: bool = False) -> dict[str, int]:
    """Delete the team. With progress updates, refuses (TeamHasHistory) unless `confirm`.
    The log entry keeps the team's name and what went with it (counts); outcomes stay, unlinked."""
    counts = team_history_counts(team)
    if counts["updates"] and not confirm:
        raise TeamHasHistory(counts["updates"])
    activity_record(
        initiative=team.initiative,
        actor=user,
        action="action_team.deleted",
        target=team,
        details={"name": team.name, "level": team.level, **counts},
    )
    team.delete()
    return counts


# --- members -----------------------------------------------------------------------------------


def _record_for_team(team: ActionTeam, *, actor, action: str, target, label: str | None = None):
    """Log a change to the team's members or goals: the entry names the team (its name and id)
    in its details."""
    activity_record(
        initiative=team.initiative,
        actor=actor,
        action=action,
        target=target,
        label=label,
        details={"team": team.name, "team_id": team.pk},
    )


def _record_member_change(
    team: ActionTeam, *, user, action: str, member: Participant | CoalitionMembership
):
    """Log a member added or removed: a participant named as str(participant), never by name; a
    partner by its organization's name."""
    label = str(member) if isinstance(member, Participant) else member.organization.name
    _record_for_team(team, actor=user, action=action, target=member, label=label)


@transaction.atomic
def team_member_add(
    *,
    user,
    team: ActionTeam,
    participant: Participant | None = None,
    organization: CoalitionMembership | None = None,
) -> TeamMember:
    if (participant is None) == (organization is None):
        raise DomainError(_("Choose a participant or a partner organization."))
    if participant is not None:
        if participant.initiative_id != team.initiative_id:
            raise DomainError(_("Choose a participant of this initiative."), field="participant")
        if participant.status == Status.WITHDRAWN:
            raise DomainError(_("This participant has withdrawn."), field="participant")
        if TeamMember.objects.filter(team=team, participant=participant).exists():
            raise DomainError(_("This person is already on the team."), field="participant")
    else:
        if organization.initiative_id != team.initiative_id:
            raise DomainError(
                _("Choose an organization in this initiative's coalition."), field="organization"
            )
        if TeamMember.objects.filter(team=team, organization=organization).exists():
            raise DomainError(_("This organization is already on the team."), field="organization")
    member = TeamMember(team=team, participant=participant, organization=organization)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        raise DomainError(_("Already on the team.")) from exc
    added = participant if participant is not None else organization
    _record_member_change(team, user=user, action="action_team.member_added", member=added)
    return member


@transaction.atomic
def team_member_remove(*, user, member: TeamMember) -> None:
    _record_member_change(
        member.team,
        user=user,
        action="action_team.member_removed",
        member=member.participant or member.organization,
    )
    member.delete()


@transaction.atomic
def team_join(*, participant: Participant, team: ActionTeam) -> TeamMember:
    """A participant joins a team from their manage link (no account)."""
    if team.initiative_id != participant.initiative_id:
        raise Http404
    if participant.status == Status.WITHDRAWN:
        raise DomainError(_("You have withdrawn, so you can't join a team."))
    existing = TeamMember.objects.filter(team=team, participant=participant).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            member = TeamMember.objects.create(team=team, participant=participant)
    except IntegrityError:  # a double click: already a member
        return TeamMember.objects.get(team=team, participant=participant)
    _record_for_team(team, actor=None, action="action_team.joined", target=participant)
    return member


@transaction.atomic
def team_leave(*, participant: Participant, team: ActionTeam) -> bool:
    if team.initiative_id != participant.initiative_id:
        raise Http404
    deleted, _rows = TeamMember.objects.filter(team=team, participant=participant).delete()
    if deleted:
        _record_for_team(team, actor=None, action="action_team.left", target=participant)
    return bool(deleted)


# --- goals and milestones ------------------------------------------------------------------------


GOAL_FIELDS = ["title", "indicator", "baseline", "target", "due_on", "owner"]


def _goal_values(
    *,
    title: str,
    indicator: str = "",
    baseline: str = "",
    target: str = "",
    due_on=None,
    owner: str = "",
) -> dict:
    """The goal's GOAL_FIELDS as goal_create and goal_update store them (texts stripped);
    refuses a goal without a title."""
    if not title.strip():
        raise DomainError(_("Give the goal a title."), field="title")
    return {
        "title": title.strip(),
        "indicator": (indicator or "").strip(),
        "baseline": (baseline or "").strip(),
        "target": (target or "").strip(),
        "due_on": due_on,
        "owner": (owner or "").strip(),
    }


@transaction.atomic
def goal_create(*, user, team: ActionTeam, **fields) -> Goal:
    """Add a goal to the team. `fields`: the goal's GOAL_FIELDS, as `_goal_values` takes them."""
    goal = Goal(team=team, **_goal_values(**fields))
    _validate(goal)
    goal.save()
    _record_for_team(team, actor=user, action="goal.created", target=goal)
    return goal


@transaction.atomic
def goal_update(*, user, goal: Goal, **fields) -> Goal:
    """Change a goal. `fields`: all its GOAL_FIELDS, as `_goal_values` takes them (one left out
    is cleared)."""
    save_values(goal, _goal_values(**fields))
    activity_record(initiative=goal.team.initiative, actor=user, action="goal.updated", target=goal)
    return goal


@transaction.atomic
def goal_delete(*, user, goal: Goal) -> None:
    activity_record(
        initiative=goal.team.initiative,
        actor=user,
        action="goal.deleted",
        target=goal,
        details={"team": goal.team.name, "milestones": goal.milestones.count()},
    )
    goal.delete()


def _milestone_values(*, title: str, due_on, status: str, weight: int | None) -> dict:
    if not title.strip():
        raise DomainError(_("Give the milestone a title."), field="title")
    if status not in MilestoneStatus.values:
        raise DomainError(_("Choose a status."), field="status")
    if weight is not None and not 1 <= weight <= HEAVIEST_WEIGHT:
        raise DomainError(
            _("Give a weight from 1 to %(n)d, or leave it empty.") % {"n": HEAVIEST_WEIGHT},
            field="weight",
        )
    return {"title": title.strip(), "due_on": due_on, "status": status, "weight": weight}


def milestone_completed_on(milestone: Milestone | None, *, status: str, today: date) -> date | None:
    """The completed_on a milestone (as stored; None for a new one) has once given `status`:
    becoming done, `today` (the initiative's date); staying done, the day it was done; not
    done, None. The one rule for milestone_create, milestone_update and the status changes of
    a progress update (actions/services/progress.py)."""
    if status != MilestoneStatus.DONE:
        return None
    if milestone is not None and milestone.status == MilestoneStatus.DONE:
        return milestone.completed_on
    return today


@transaction.atomic
def milestone_create(
    *,
    user,
    goal: Goal,
    title: str,
    due_on=None,
    status: str = MilestoneStatus.PLANNED,
    weight: int | None = None,
) -> Milestone:
    values = _milestone_values(title=title, due_on=due_on, status=status, weight=weight)
    today = initiative_today(goal.team.initiative)
    completed_on = milestone_completed_on(None, status=status, today=today)
    milestone = Milestone(goal=goal, **values, completed_on=completed_on)
    _validate(milestone)
    milestone.save()
    activity_record(
        initiative=goal.team.initiative,
        actor=user,
        action="milestone.created",
        target=milestone,
        details={"team": goal.team.name, "goal_id": goal.pk},
    )
    return milestone


@transaction.atomic
def milestone_update(
    *,
    user,
    milestone: Milestone,
    title: str,
    due_on=None,
    status: str,
    weight: int | None = None,
) -> Milestone:
    """Edit a milestone. Becoming done sets completed_on to today (initiative's time zone);
    leaving done clears it."""
    values = _milestone_values(title=title, due_on=due_on, status=status, weight=weight)
    before = milestone.status
    initiative = milestone.goal.team.initiative
    values["completed_on"] = milestone_completed_on(
        milestone, status=status, today=initiative_today(initiative)
    )
    save_values(milestone, values)
    activity_record(
        initiative=initiative,
        actor=user,
        action="milestone.updated",
        target=milestone,
        details={"from": before, "to": status} if before != status else {},
    )
    return milestone


@transaction.atomic
def milestone_delete(*, user, milestone: Milestone) -> None:
    activity_record(
        initiative=milestone.goal.team.initiative,
        actor=user,
        action="milestone.deleted",
        target=milestone,
    )
    milestone.delete()
