"""Meeting emails planned by a sweep (Celery beat, every 5 minutes) and by the meeting services.

`reminders_plan()` writes outbox rows, in bulk, for:

- session reminders ("meeting.reminder") to a circle's members and staff, one per offset of
  the initiative's `reminder_hours`, due `offset` hours before the meeting;
- "write up your session notes" nudges ("log.nudge") to the staff of a meeting that ended a
  day ago or more and still has no submitted or approved log;
- alerts to organizers ("alert.no_facilitator") about a circle that meets within a week and
  has no facilitator;
- "what this meeting still needs" notices ("meeting.needs") to a circle's staff three days
  before each meeting: sent only if, by then, some need of its people (interpretation,
  childcare, transport, another) is still not arranged (guides/emails.py decides at sending).

Every row has a unique key (kind, object, recipient and, for reminders, the offset and the
meeting's time), so running the sweep twice adds nothing, and a rescheduled meeting gets
fresh reminders while the old ones are cancelled (and refused by the builder at sending time,
see guides/emails.py). A fixed number of queries whatever the number of meetings.

Each row also says where its text version goes (`text_to`, `by_email`: the recipient's
`routing()`, guides/selectors/reminders.py): members who chose texts, staff who opted in. The
outbox writes the text's row beside (or instead of) the email's, keyed "text:" + its key; a
planned row counts as there only when both are, and cancelling a meeting's reminders cancels
both.

Meeting notices (rescheduled, cancelled), circle placement notices and "a log waits for your
approval" requests are written by `meeting_notices_add()`, `placement_notices_send()` and
`log_approval_requests_add()` below, called by the services.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from dialogue_hub import outbox
from dialogue_hub.models import OutboxMessage, OutboxStatus
from initiatives.models import Initiative, Membership, Role
from initiatives.services import activity_record

from ..models import CircleSession, MeetingStatus, SessionLog
from ..permissions import log_approvers
from ..selectors.circles import facilitators
from ..selectors.needs import meeting_needs
from ..selectors.reminders import (
    Recipient,
    circle_recipients,
    member_addresses,
    staff_addresses,
    written_logs,
)

REMINDER = "meeting.reminder"
NUDGE = "log.nudge"
NO_FACILITATOR = "alert.no_facilitator"
RESCHEDULED = "meeting.rescheduled"
CANCELLED = "meeting.cancelled"
ASSIGNED = "circle.assigned"
LOG_TO_APPROVE = "log.to_approve"
NEEDS = "meeting.needs"

# Reminders are planned for meetings starting within max(reminder_hours) + this margin.
PLANNING_MARGIN = timedelta(hours=1)
# Nudges: meetings that ended at least NUDGE_AFTER ago and at most NUDGE_WITHIN ago.
NUDGE_AFTER = timedelta(hours=24)
NUDGE_WITHIN = timedelta(days=7)
# Longest meeting the nudge query allows for when it turns "ended" into "started" bounds.
LONGEST_MEETING = timedelta(hours=24)
# Alerts: circles meeting within this period without a facilitator.
ALERT_WITHIN = timedelta(days=7)
# Needs notices: this long before each meeting, to its circle's staff.
NEEDS_NOTICE_BEFORE = timedelta(days=3)


# Rows handed to the outbox at once: keeps every `key IN (...)` under SQLite's variable limit.
CHUNK = 5000


def add_rows(rows: list[dict]) -> int:
    """Hand planned rows to the outbox, leaving out (cheaply, before any model is built) the
    ones already there: a sweep every 5 minutes mostly re-plans rows that exist. A row is
    there when its email and its text are (someone who asked for texts since gets them)."""
    added = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        existing = set(
            OutboxMessage.objects.filter(
                key__in=[key for row in chunk for key in outbox.row_keys(row)]
            ).values_list("key", flat=True)
        )
        fresh = [row for row in chunk if any(key not in existing for key in outbox.row_keys(row))]
        if fresh:
            added += outbox.outbox_add_many(fresh)
    return added


def reminder_key(meeting_id: int, recipient: Recipient, hours: int, starts_at: datetime) -> str:
    return f"{REMINDER}:{meeting_id}:{recipient.tag}:{hours}h:{starts_at.isoformat()}"


def offsets_to_plan(hours, *, starts_at: datetime, now: datetime) -> list[int]:
    """The offsets (hours before the meeting) to plan a reminder for: every offset still
    ahead, and of those already past only the smallest (a meeting planned at short notice
    gets one reminder now, not one per missed offset). None once the meeting has started."""
    if starts_at <= now:
        return []
    wanted = sorted({h for h in hours or [] if isinstance(h, int) and h > 0})
    ahead = [h for h in wanted if starts_at - timedelta(hours=h) > now]
    past = [h for h in wanted if starts_at - timedelta(hours=h) <= now]
    return ahead + past[:1]


def _reminder_rows(meetings: list[CircleSession], now: datetime) -> list[dict]:
    recipients = circle_recipients(m.circle_id for m in meetings)
    rows = []
    for meeting in meetings:
        initiative = meeting.circle.initiative
        offsets = offsets_to_plan(initiative.reminder_hours, starts_at=meeting.starts_at, now=now)
        if not offsets:
            continue
        for recipient in recipients.get(meeting.circle_id, ()):
            params = {"meeting": meeting.pk, **recipient.params()}
            for hours in offsets:
                rows.append(
                    dict(
                        kind=REMINDER,
                        key=reminder_key(meeting.pk, recipient, hours, meeting.starts_at),
                        initiative=initiative,
                        **recipient.routing(),
                        params={**params, "hours": hours},
                        scheduled_for=meeting.starts_at,
                        send_after=meeting.starts_at - timedelta(hours=hours),
                    )
                )
    return rows


def _upcoming_meetings(now: datetime, *, meeting_ids=None) -> list[CircleSession]:
    """Scheduled meetings close enough for their initiative's first reminder. Two queries."""
    longest = {
        pk: max((h for h in hours if isinstance(h, int)), default=0)
        for pk, hours in Initiative.objects.values_list("pk", "reminder_hours")
        if isinstance(hours, list)
    }
    horizon = max(longest.values(), default=0)
    if horizon <= 0:
        return []
    queryset = CircleSession.objects.filter(
        status=MeetingStatus.SCHEDULED,
        starts_at__gt=now,
        starts_at__lte=now + timedelta(hours=horizon) + PLANNING_MARGIN,
    )
    if meeting_ids is not None:
        queryset = queryset.filter(pk__in=list(meeting_ids))
    meetings = queryset.select_related("circle", "circle__initiative").order_by("starts_at", "pk")
    return [
        m
        for m in meetings
        if m.starts_at
        <= now + timedelta(hours=longest.get(m.circle.initiative_id, 0)) + PLANNING_MARGIN
        and longest.get(m.circle.initiative_id, 0) > 0
    ]


def meeting_reminders_plan(*, meeting_ids, now: datetime | None = None) -> int:
    """Plan the reminders of these meetings now (after a reschedule). Returns how many."""
    now = now or timezone.now()
    return add_rows(_reminder_rows(_upcoming_meetings(now, meeting_ids=meeting_ids), now))


def _nudge_rows(now: datetime) -> list[dict]:
    meetings = [
        m
        for m in CircleSession.objects.filter(
            status=MeetingStatus.SCHEDULED,
            starts_at__gte=now - NUDGE_WITHIN - LONGEST_MEETING,
            starts_at__lte=now - NUDGE_AFTER,
        )
        .exclude(Exists(written_logs(meeting=OuterRef("pk"))))
        .select_related("circle", "circle__initiative")
        .order_by("starts_at", "pk")
        if now - NUDGE_WITHIN
        <= m.starts_at + timedelta(minutes=m.duration_minutes)
        <= now - NUDGE_AFTER
    ]
    if not meetings:
        return []
    return _staff_rows(
        meetings,
        kind=NUDGE,
        key=lambda meeting, user_id: f"{NUDGE}:{meeting.pk}:u{user_id}",
        send_after=lambda meeting: now,
    )


def _staff_rows(meetings, *, kind: str, key, send_after) -> list[dict]:
    """One outbox row of `kind` for each staff member of each meeting's circle (one query);
    `key(meeting, user_id)` and `send_after(meeting)` are what differs between kinds."""
    staff = _staff_by_circle({m.circle_id for m in meetings})
    return [
        dict(
            kind=kind,
            key=key(meeting, recipient.pk),
            initiative=meeting.circle.initiative,
            **recipient.routing(),
            params={"meeting": meeting.pk, "user": recipient.pk},
            scheduled_for=meeting.starts_at,
            send_after=send_after(meeting),
        )
        for meeting in meetings
        for recipient in staff.get(meeting.circle_id, {}).values()
    ]


def _staff_by_circle(circle_ids) -> dict[int, dict[int, Recipient]]:
    """circle id -> {user id: Recipient} of its staff who get emails (one query); kinds with a
    text version also go by text to those who opted in."""
    staff = defaultdict(dict)
    for circle_id, *columns in staff_addresses(circle_id__in=list(circle_ids)):
        staff[circle_id][columns[0]] = Recipient.staff(*columns)
    return staff


def _needs_rows(now: datetime) -> list[dict]:
    """A needs notice to each staff member of every meeting within three days whose people
    need something not arranged yet (due three days before it, or now for a meeting planned at
    shorter notice, or a need answered later). The builder checks again at sending time."""
    meetings = list(
        CircleSession.objects.filter(
            status=MeetingStatus.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + NEEDS_NOTICE_BEFORE + PLANNING_MARGIN,
        )
        .select_related("circle", "circle__initiative")
        .order_by("starts_at", "pk")
    )
    pending = meeting_needs(meetings)
    meetings = [m for m in meetings if pending[m.pk].unarranged]
    if not meetings:
        return []
    return _staff_rows(
        meetings,
        kind=NEEDS,
        key=lambda meeting, user_id: (
            f"{NEEDS}:{meeting.pk}:u{user_id}:{meeting.starts_at.isoformat()}"
        ),
        send_after=lambda meeting: max(now, meeting.starts_at - NEEDS_NOTICE_BEFORE),
    )


def _alert_rows(now: datetime) -> list[dict]:
    first_meeting = {}
    for meeting in (
        CircleSession.objects.filter(
            status=MeetingStatus.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + ALERT_WITHIN,
        )
        .exclude(Exists(facilitators(circle_id=OuterRef("circle_id"))))
        .select_related("circle", "circle__initiative")
        .order_by("starts_at", "pk")
    ):
        first_meeting.setdefault(meeting.circle_id, meeting)
    if not first_meeting:
        return []
    organizers = defaultdict(list)
    for initiative_id, pk, email, language in (
        Membership.objects.filter(
            initiative_id__in={m.circle.initiative_id for m in first_meeting.values()},
            role=Role.ORGANIZER,
            user__is_active=True,
        )
        .exclude(user__email="")
        .order_by("initiative_id", "user_id")
        .values_list("initiative_id", "user_id", "user__email", "user__preferred_language")
    ):
        organizers[initiative_id].append((pk, email, language))
    rows = []
    for circle_id, meeting in first_meeting.items():
        initiative = meeting.circle.initiative
        for user_id, email, language in organizers.get(initiative.pk, ()):
            rows.append(
                dict(
                    kind=NO_FACILITATOR,
                    to=email,
                    key=f"{NO_FACILITATOR}:{circle_id}:u{user_id}:{meeting.starts_at.isoformat()}",
                    initiative=initiative,
                    language=language,
                    params={"circle": circle_id, "meeting": meeting.pk, "user": user_id},
                    scheduled_for=meeting.starts_at,
                    send_after=now,
                )
            )
    return rows


def reminders_plan(*, now: datetime | None = None) -> dict[str, int]:
    """The sweep: plan reminders, nudges, alerts and needs notices. Returns how many new rows of
    each."""
    now = now or timezone.now()
    with transaction.atomic():
        reminders = add_rows(_reminder_rows(_upcoming_meetings(now), now))
        nudges = add_rows(_nudge_rows(now))
        alerts = add_rows(_alert_rows(now))
        needs = add_rows(_needs_rows(now))
    return {"reminders": reminders, "nudges": nudges, "alerts": alerts, "needs": needs}


# --- notices written by the services ------------------------------------------------------------


def log_approval_requests_add(*, log: SessionLog, submitted_by) -> int:
    """Ask whoever may approve a just-submitted log to do it ("log.to_approve"), one email
    each (not to the person who submitted it). Sent after the submission commits; the key
    carries the submission time, so a log sent back and submitted again asks again."""
    stamp = log.submitted_at.isoformat()
    added = 0
    for user in log_approvers(log):
        if user.pk == submitted_by.pk or not user.is_active or not user.email:
            continue
        row = outbox.outbox_add(
            kind=LOG_TO_APPROVE,
            to=user.email,
            key=f"{LOG_TO_APPROVE}:{log.pk}:u{user.pk}:{stamp}",
            initiative=log.meeting.circle.initiative,
            language=user.preferred_language,
            params={"log": log.pk, "user": user.pk, "submitted_at": stamp},
        )
        added += row is not None
    return added


def log_approval_requests_cancel(*, log: SessionLog, reason: str) -> int:
    """Withdraw the approval requests of a log that was approved or sent back, before they go."""
    queryset = OutboxMessage.objects.filter(key__startswith=f"{LOG_TO_APPROVE}:{log.pk}:")
    return outbox.outbox_cancel(queryset=queryset, reason=reason)


def _reminder_keys(meeting: CircleSession) -> Q:
    """The keys of a meeting's reminders: emails and their text versions."""
    prefix = f"{REMINDER}:{meeting.pk}:"
    return Q(key__startswith=prefix) | Q(key__startswith=outbox.text_key(prefix))


def reminders_cancel(
    *, meeting: CircleSession, keep_for: datetime | None = None, reason: str
) -> int:
    """Cancel the meeting's pending reminders, emails and texts (all, or all but those for
    `keep_for`)."""
    queryset = OutboxMessage.objects.filter(_reminder_keys(meeting))
    if keep_for is not None:
        queryset = queryset.exclude(scheduled_for=keep_for)
    return outbox.outbox_cancel(queryset=queryset, reason=reason)


def meeting_notices_add(*, meeting: CircleSession, kind: str, params: dict | None = None) -> int:
    """One rescheduled or cancelled notice per member and staff member of the meeting's
    circle. The key carries the moment of the change, so every change is announced once."""
    stamp = meeting.updated_at.isoformat()
    rows = [
        dict(
            kind=kind,
            key=f"{kind}:{meeting.pk}:{recipient.tag}:{stamp}",
            initiative=meeting.circle.initiative,
            **recipient.routing(),
            params={"meeting": meeting.pk, **recipient.params(), **(params or {})},
            scheduled_for=meeting.starts_at,
        )
        for recipient in circle_recipients([meeting.circle_id]).get(meeting.circle_id, ())
    ]
    return add_rows(rows)


def meeting_moved(
    *, meeting: CircleSession, old_start: datetime, was_cancelled: bool, now: datetime
) -> int:
    """After a reschedule: cancel the reminders for the old time, plan the new ones and
    tell the circle (when the meeting is or was still ahead). Returns the notices queued."""
    reminders_cancel(meeting=meeting, keep_for=meeting.starts_at, reason="The meeting was moved.")
    # Moved back to a time it had before: its reminders for that time were cancelled, and
    # their keys would keep the new ones out.
    OutboxMessage.objects.filter(
        _reminder_keys(meeting),
        scheduled_for=meeting.starts_at,
        status=OutboxStatus.CANCELLED,
    ).delete()
    queued = 0
    if meeting.starts_at > now or old_start > now:
        queued = meeting_notices_add(
            meeting=meeting,
            kind=RESCHEDULED,
            params={"old_start": old_start.isoformat(), "was_cancelled": was_cancelled},
        )
    meeting_reminders_plan(meeting_ids=[meeting.pk], now=now)
    return queued


def meeting_called_off(*, meeting: CircleSession, now: datetime) -> int:
    """After a cancellation: cancel its reminders and tell the circle if it was still ahead."""
    reminders_cancel(meeting=meeting, reason="The meeting was cancelled.")
    if meeting.starts_at <= now:
        return 0
    return meeting_notices_add(meeting=meeting, kind=CANCELLED)


def meetings_removed(*, meeting_ids) -> int:
    """Meetings about to be deleted (a regenerated schedule): cancel their pending emails."""
    ids = list(meeting_ids)
    if not ids:
        return 0
    return outbox.outbox_cancel(
        queryset=OutboxMessage.objects.filter(
            kind__in=[REMINDER, RESCHEDULED], params__meeting__in=ids
        ),
        reason="The meeting was removed from the schedule.",
    )


def placement_key(circle_id: int, participant_id: int) -> str:
    return f"{ASSIGNED}:{circle_id}:{participant_id}"


@transaction.atomic
def placement_notices_send(*, user, initiative) -> int:
    """Email every person placed in one of the initiative's circles that their circle is
    ready. Once per person and circle: clicking again only reaches people placed since (or
    moved to another circle). Returns how many were queued."""
    members = member_addresses(circle__initiative=initiative)
    rows = []
    for circle_id, *columns in members:
        recipient = Recipient.member(*columns)
        rows.append(
            dict(
                kind=ASSIGNED,
                key=placement_key(circle_id, recipient.pk),
                initiative=initiative,
                **recipient.routing(),
                params={"circle": circle_id, "participant": recipient.pk},
            )
        )
    queued = add_rows(rows)
    if queued:
        activity_record(
            initiative=initiative,
            actor=user,
            action="circle.placement_notices_sent",
            details={"queued": queued},
        )
    return queued
