"""The progress feature's writes: progress updates (narrative, blockers, evidence links, milestone
status changes), outcomes, the community assets inventory, and the planned reminder emails.
Writes are keyword-only, atomic and logged; the reads are in actions/selectors/progress.py.

Privacy: an asset offered by a participant names the participant only to roles with
`participants.view`; everyone else sees "a participant". The log never holds a name.

The planned emails, swept by Celery beat (actions.tasks):

- Milestone due (category milestones): MILESTONE_DUE_DAYS (3) days before a milestone's due
  date, to the team's owners: its convener (a participant) and its neutral facilitator (a user).
- Milestone overdue (category milestones): the day after the due date, while the milestone is
  neither done nor dropped. A sweep that missed days (beat stopped) still sends it within
  OVERDUE_GRACE_DAYS; older overdue milestones are left alone rather than flooding inboxes.
- Weekly digest (category digest): one email per coalition lead covering every initiative they
  lead, built at sending time (`digest_content` in actions/selectors/progress.py) from the
  progress dashboard's selectors (actions/selectors/results.py).

Dates are the initiative's own (its time zone); emails are planned for SEND_HOUR o'clock there.
Each key names the milestone, its due date and the recipient (or the lead and the ISO week), so
a second sweep adds nothing and a changed due date gets a fresh reminder; the builders in
actions/emails.py cancel what no longer applies. A constant number of queries per sweep.
"""

import zoneinfo
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue_hub import outbox
from dialogue_hub.exceptions import DomainError
from dialogue_hub.exceptions import full_clean_or_raise as _validate
from dialogue_hub.services import save_values
from initiatives.models import CoalitionMembership, Initiative, Membership, Phase, Role
from initiatives.services import activity_record, delete_recorded, reading_record
from participants.models import Participant, Status

from ..models import (
    ActionTeam,
    AssetKind,
    CommunityAsset,
    Level,
    Milestone,
    MilestoneStatus,
    Outcome,
    OutcomeKind,
    ProgressUpdate,
)
from ..selectors.progress import initiative_today
from ..selectors.results import CLOSED_STATUSES
from .teams import milestone_completed_on

MAX_EVIDENCE_LINKS = 20
MAX_LINK_LENGTH = 500
_url_validator = URLValidator(schemes=["http", "https"])


# --- evidence links ------------------------------------------------------------------------------


@transaction.atomic
def milestones_export_record(*, user, initiatives) -> None:
    """Log a download of the dashboard's milestone CSV in every initiative it covers (names
    and dates only, but downloads are always logged). One INSERT whatever their number."""
    reading_record(initiatives=initiatives, actor=user, action="progress.milestones_exported")


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
        milestone.completed_on = milestone_completed_on(milestone, status=new, today=today)
        milestone.status = new
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


# --- outcomes: services --------------------------------------------------------------------------


def _stripped(data: dict, fields: list[str]) -> dict:
    """`fields` of `data` (one left out is None), texts stripped: what the outcome and asset
    services store."""
    values = {}
    for name in fields:
        value = data.get(name)
        values[name] = value.strip() if isinstance(value, str) else value
    return values


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
    outcome = Outcome(initiative=initiative, **_stripped(data, OUTCOME_FIELDS))
    _validate(outcome)
    outcome.save()
    activity_record(initiative=initiative, actor=user, action="outcome.recorded", target=outcome)
    return outcome


@transaction.atomic
def outcome_update(*, user, outcome: Outcome, data: dict) -> Outcome:
    _check_outcome(initiative=outcome.initiative, data=data)
    save_values(outcome, _stripped(data, OUTCOME_FIELDS))
    activity_record(
        initiative=outcome.initiative, actor=user, action="outcome.updated", target=outcome
    )
    return outcome


@transaction.atomic
def outcome_delete(*, user, outcome: Outcome) -> None:
    delete_recorded(outcome, actor=user, action="outcome.deleted")


# --- community assets -------------------------------------------------------------------------


ASSET_FIELDS = ["kind", "name", "description", "partner", "offered_by"]


def _check_asset(*, initiative: Initiative, data: dict) -> None:
    if data.get("kind") not in AssetKind.values:
        raise DomainError(_("Choose a kind of asset from the list."), field="kind")
    if not (data.get("name") or "").strip():
        raise DomainError(_("Give the asset a short name."), field="name")
    partner: CoalitionMembership | None = data.get("partner")
    offered_by: Participant | None = data.get("offered_by")
    if partner is not None and partner.initiative_id != initiative.pk:
        raise DomainError(
            _("Choose an organization from this initiative's coalition."), field="partner"
        )
    if offered_by is not None and offered_by.initiative_id != initiative.pk:
        raise DomainError(_("Choose a participant of this initiative."), field="offered_by")
    if partner is not None and offered_by is not None:
        raise DomainError(
            _("An asset is offered by a partner or by a participant, not both."), field="partner"
        )


@transaction.atomic
def asset_create(
    *,
    user,
    initiative: Initiative,
    kind: str,
    name: str,
    description: str = "",
    partner: CoalitionMembership | None = None,
    offered_by: Participant | None = None,
) -> CommunityAsset:
    data = {
        "kind": kind,
        "name": name,
        "description": description,
        "partner": partner,
        "offered_by": offered_by,
    }
    _check_asset(initiative=initiative, data=data)
    asset = CommunityAsset(initiative=initiative, **_stripped(data, ASSET_FIELDS))
    _validate(asset)
    asset.save()
    activity_record(initiative=initiative, actor=user, action="asset.added", target=asset)
    return asset


@transaction.atomic
def asset_update(*, user, asset: CommunityAsset, data: dict) -> CommunityAsset:
    """Change an asset. `data` may leave out `offered_by` (staff who cannot see participants'
    names cannot change who offered it): the asset keeps its participant then."""
    data = {"offered_by": asset.offered_by, **data}
    _check_asset(initiative=asset.initiative, data=data)
    save_values(asset, _stripped(data, ASSET_FIELDS))
    activity_record(initiative=asset.initiative, actor=user, action="asset.updated", target=asset)
    return asset


@transaction.atomic
def asset_delete(*, user, asset: CommunityAsset) -> None:
    delete_recorded(asset, actor=user, action="asset.deleted")


@transaction.atomic
def asset_set_goals(*, user, asset: CommunityAsset, goals) -> None:
    """Link the asset to exactly these goals (all of this initiative's teams)."""
    goals = list(goals)
    if any(goal.team.initiative_id != asset.initiative_id for goal in goals):
        raise DomainError(_("Choose goals of this initiative's action teams."), field="goals")
    asset.goals.set(goals)
    activity_record(
        initiative=asset.initiative,
        actor=user,
        action="asset.goals_linked",
        target=asset,
        details={"goals": len(goals)},
    )


# --- milestone reminders -----------------------------------------------------------------------

MILESTONE_DUE_DAYS = 3
OVERDUE_GRACE_DAYS = 7
SEND_HOUR = 8  # local time of the initiative


def _initiative_ref(pk: int) -> Initiative:
    """An initiative to hang a message on when a sweep has only its id (no query needed)."""
    return Initiative(pk=pk)


def send_time(day: date, tz: zoneinfo.ZoneInfo, now: datetime) -> datetime:
    """SEND_HOUR o'clock on `day` in the initiative's time zone, or now if that has passed."""
    return max(now, datetime.combine(day, time(SEND_HOUR), tzinfo=tz))


def milestone_key(kind: str, *, milestone_id: int, due_on: date, recipient: str) -> str:
    return f"{kind}:{milestone_id}:{due_on.isoformat()}:{recipient}"


def _windows(now: datetime) -> Q:
    """Milestones due within the reminder window or overdue within the grace period, each
    initiative judged by today's date in its own time zone. One query for the time zones."""
    condition = Q(pk__in=[])
    zones = (
        Initiative.objects.exclude(phase=Phase.CLOSED)
        .order_by()
        .values_list("timezone", flat=True)
        .distinct()
    )
    for tz_name in zones:
        today = timezone.localdate(now, timezone=zoneinfo.ZoneInfo(tz_name))
        condition |= Q(
            goal__team__initiative__timezone=tz_name,
            due_on__gte=today - timedelta(days=OVERDUE_GRACE_DAYS),
            due_on__lte=today + timedelta(days=MILESTONE_DUE_DAYS),
        )
    return condition


def milestone_reminders_plan(*, now: datetime) -> int:
    """Add the due and overdue reminders of every open milestone. Two queries plus the outbox's."""
    milestones = (
        Milestone.objects.filter(due_on__isnull=False)
        .filter(_windows(now))
        .exclude(status__in=CLOSED_STATUSES)
        .exclude(goal__team__initiative__phase=Phase.CLOSED)
        .values(
            "pk",
            "due_on",
            "goal__team__initiative_id",
            "goal__team__initiative__timezone",
            "goal__team__convener_id",
            "goal__team__convener__email",
            "goal__team__convener__preferred_language",
            "goal__team__convener__status",
            "goal__team__facilitator_id",
            "goal__team__facilitator__email",
            "goal__team__facilitator__preferred_language",
            "goal__team__facilitator__is_active",
        )
        .order_by()
    )
    rows = []
    for m in milestones:
        tz = zoneinfo.ZoneInfo(m["goal__team__initiative__timezone"])
        today = timezone.localdate(now, timezone=tz)
        due_on = m["due_on"]
        if due_on >= today:
            kind = "milestone.due"
            day = max(due_on - timedelta(days=MILESTONE_DUE_DAYS), today)
        else:
            kind = "milestone.overdue"
            day = max(due_on + timedelta(days=1), today)
        recipients = []
        if m["goal__team__convener_id"] and m["goal__team__convener__status"] != Status.WITHDRAWN:
            recipients.append(
                (
                    f"p{m['goal__team__convener_id']}",
                    {"participant": m["goal__team__convener_id"]},
                    m["goal__team__convener__email"],
                    m["goal__team__convener__preferred_language"],
                )
            )
        if m["goal__team__facilitator_id"] and m["goal__team__facilitator__is_active"]:
            recipients.append(
                (
                    f"u{m['goal__team__facilitator_id']}",
                    {"user": m["goal__team__facilitator_id"]},
                    m["goal__team__facilitator__email"],
                    m["goal__team__facilitator__preferred_language"],
                )
            )
        for recipient, who, email, language in recipients:
            rows.append(
                {
                    "kind": kind,
                    "to": email or "",
                    "key": milestone_key(
                        kind, milestone_id=m["pk"], due_on=due_on, recipient=recipient
                    ),
                    "initiative": _initiative_ref(m["goal__team__initiative_id"]),
                    "language": language or "",
                    "params": {"milestone": m["pk"], "due_on": due_on.isoformat(), **who},
                    "send_after": send_time(day, tz, now),
                }
            )
    return outbox.outbox_add_many(rows)


def reminders_plan(*, now: datetime | None = None) -> dict:
    """Plan the milestone reminders that are due (beat: hourly)."""
    now = now or timezone.now()
    return {"milestone_reminders": milestone_reminders_plan(now=now)}


# --- the weekly digest ---------------------------------------------------------------------------


def iso_week(now: datetime) -> str:
    year, week, _weekday = now.isocalendar()
    return f"{year}-W{week:02d}"


def digest_key(*, user_id: int, week: str) -> str:
    return f"digest.weekly:u{user_id}:{week}"


def digest_weekly(*, now: datetime | None = None) -> int:
    """Add this ISO week's digest for every active coalition lead of an initiative that is not
    closed: one email per person, whatever the number of initiatives they lead. One query plus
    the outbox's."""
    now = now or timezone.now()
    week = iso_week(now)
    leads = (
        Membership.objects.filter(role=Role.COALITION_LEAD, user__is_active=True)
        .exclude(initiative__phase=Phase.CLOSED)
        .order_by()
        .values_list("user_id", "user__email", "user__preferred_language")
        .distinct()
    )
    rows = [
        {
            "kind": "digest.weekly",
            "to": email,
            "key": digest_key(user_id=user_id, week=week),
            "language": language,
            "params": {"user": user_id, "week": week},
            "send_after": now,
        }
        for user_id, email, language in leads
    ]
    return outbox.outbox_add_many(rows)
