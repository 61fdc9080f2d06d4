"""The actions app's planned emails, swept by Celery beat (actions.tasks).

- Milestone due (category milestones): MILESTONE_DUE_DAYS (3) days before a milestone's due
  date, to the team's owners: its convener (a participant) and its neutral facilitator (a user).
- Milestone overdue (category milestones): the day after the due date, while the milestone is
  neither done nor dropped. A sweep that missed days (beat stopped) still sends it within
  OVERDUE_GRACE_DAYS; older overdue milestones are left alone rather than flooding inboxes.
- Weekly digest (category digest): one email per coalition lead covering every initiative they
  lead, built at sending time from the progress dashboard's selectors (actions/dashboard.py).

Dates are the initiative's own (its time zone); emails are planned for SEND_HOUR o'clock there.
Each key names the milestone, its due date and the recipient (or the lead and the ISO week), so
a second sweep adds nothing and a changed due date gets a fresh reminder; the builders in
actions/emails.py cancel what no longer applies. A constant number of queries per sweep.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from dialogue_hub import outbox
from initiatives.models import Initiative, Membership, Phase, Role
from participants.models import Status

from . import dashboard
from .models import Milestone, Outcome

MILESTONE_DUE_DAYS = 3
OVERDUE_GRACE_DAYS = 7
SEND_HOUR = 8  # local time of the initiative
DIGEST_OUTCOME_DAYS = 7


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
        .exclude(status__in=dashboard.CLOSED_STATUSES)
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


def lead_initiatives(*, user) -> list[Initiative]:
    """The initiatives (not closed) where the user is a coalition lead, by name."""
    return list(
        Initiative.objects.filter(memberships__user=user, memberships__role=Role.COALITION_LEAD)
        .exclude(phase=Phase.CLOSED)
        .distinct()
        .order_by("name", "pk")
    )


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


@dataclass
class DigestInitiative:
    """One initiative's part of a digest: the dashboard's row, plus what changed this week.
    Team, goal, milestone and outcome names only: never a participant, never a count of people."""

    row: dashboard.InitiativeRow
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
    rows = [row for row in dashboard.progress_overview(user=user) if row.initiative.pk in led]
    if not rows:
        return []
    initiatives = [row.initiative for row in rows]
    by_pk = {row.initiative.pk: DigestInitiative(row=row) for row in rows}
    overdue = (
        Milestone.objects.filter(dashboard._overdue_condition(initiatives))
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
