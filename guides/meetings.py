"""Scheduling and attendance: a circle's meetings generated from its guide, rescheduled or
cancelled one at a time, clashes of venues and facilitators, attendance taken on a phone and
the retention it adds up to.

Selectors (reads) first, then services (writes: keyword-only, atomic, logged).
"""

import bisect
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from initiatives.services import activity_record
from participants.models import Participant, Status

from . import reminders
from .library import untrained_facilitators
from .models import (
    Attendance,
    AttendanceStatus,
    Circle,
    CircleMember,
    CircleRole,
    CircleSession,
    CircleStaff,
    MeetingStatus,
    SessionLog,
)

INTERVAL_CHOICES = (7, 14)


# --- time helpers -------------------------------------------------------------------------------


def initiative_zone(initiative) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(initiative.timezone)


def local_to_utc(*, day: date, at: time, zone: zoneinfo.ZoneInfo) -> datetime:
    """A wall-clock date and time in `zone` as an aware UTC datetime.

    The wall-clock time is what stays fixed: 6 pm is 6 pm before and after a DST change.
    A time that does not exist (inside the spring-forward gap) moves forward by the gap.
    """
    local = datetime.combine(day, at.replace(tzinfo=None)).replace(tzinfo=zone)
    # Round-trip through UTC to normalise a non-existent wall-clock time.
    return local.astimezone(zoneinfo.ZoneInfo("UTC"))


# Dates a meeting can be planned on, around today: typos like year 9999 are refused, not
# scheduled (and never overflow the date arithmetic).
PLANNING_WINDOW_PAST = timedelta(days=25 * 365)
PLANNING_WINDOW_FUTURE = timedelta(days=10 * 365)


def check_planning_day(day: date, *, field: str, span_days: int = 0) -> None:
    """Refuse a day (or a series of `span_days` from it) outside the planning window, which is
    counted from the real today (the services' `now` argument may be moved for seeding)."""
    today = timezone.now().date()
    earliest, latest = today - PLANNING_WINDOW_PAST, today + PLANNING_WINDOW_FUTURE
    if not (earliest <= day <= latest) or (latest - day).days < span_days:
        raise DomainError(
            _("Choose a realistic date: this one is decades away from today."), field=field
        )


def meeting_end(meeting) -> datetime:
    return meeting.starts_at + timedelta(minutes=meeting.duration_minutes)


def meeting_has_started(meeting, now=None) -> bool:
    return meeting.starts_at <= (now or timezone.now())


# --- selectors ----------------------------------------------------------------------------------


def circle_for_initiative(*, initiative, pk) -> Circle:
    """The circle `pk` of this initiative (404 otherwise), with its guide; `circle.initiative`
    is the `initiative` given (not loaded again)."""
    try:
        circle = Circle.objects.select_related("guide").get(initiative=initiative, pk=pk)
    except Circle.DoesNotExist as exc:
        raise Http404 from exc
    circle.initiative = initiative
    return circle


def meeting_for_initiative(*, initiative, pk) -> CircleSession:
    """The meeting `pk` of one of this initiative's circles (404 otherwise), with its circle;
    `meeting.circle.initiative` is the `initiative` given (not loaded again)."""
    # get(), not first(): no ORDER BY by the meetings' (and circles') default ordering.
    try:
        meeting = CircleSession.objects.select_related("circle").get(
            circle__initiative=initiative, pk=pk
        )
    except CircleSession.DoesNotExist as exc:
        raise Http404 from exc
    meeting.circle.initiative = initiative
    return meeting


def schedule_of(*, circle):
    """The circle's meetings in order, each with how many were marked, how many were present
    and whether a session log exists. One query."""
    return (
        CircleSession.objects.filter(circle=circle)
        .select_related("guide_session")
        .annotate(
            marked_count=Count("attendance"),
            present_count=Count(
                "attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)
            ),
            has_log=Exists(SessionLog.objects.filter(meeting=OuterRef("pk"))),
        )
        .order_by("starts_at", "number")
    )


def meeting_is_held(meeting, now=None) -> bool:
    """Held = already started and has a session log or someone marked present."""
    if not meeting_has_started(meeting, now):
        return False
    if Attendance.objects.filter(meeting=meeting, status=AttendanceStatus.PRESENT).exists():
        return True
    return SessionLog.objects.filter(meeting=meeting).exists()


def held_in_schedule(meeting, now=None) -> bool:
    """`meeting_is_held` for a meeting of `schedule_of` (read from its annotations)."""
    return meeting_has_started(meeting, now) and bool(meeting.present_count or meeting.has_log)


def _has_records(meetings_qs):
    """Meetings (of the queryset) that have any attendance or a log."""
    return meetings_qs.filter(
        Q(Exists(Attendance.objects.filter(meeting=OuterRef("pk"))))
        | Q(Exists(SessionLog.objects.filter(meeting=OuterRef("pk"))))
    )


@dataclass(frozen=True)
class Conflict:
    """One clash of `meeting_id` with another meeting.

    kind: "venue" (same venue, another circle), "staff" (the same facilitator or recorder) or
    "circle" (the same circle already meets then).
    """

    kind: str
    meeting_id: int
    other_meeting_id: int
    other_circle: str
    other_starts_at: datetime
    venue: str = ""
    person: str = ""

    def message(self) -> str:
        when = date_format(timezone.localtime(self.other_starts_at), "SHORT_DATETIME_FORMAT")
        if self.kind == "venue":
            return _("%(venue)s is already booked by %(circle)s (meeting at %(when)s).") % {
                "venue": self.venue,
                "circle": self.other_circle,
                "when": when,
            }
        if self.kind == "staff":
            return _(
                "%(person)s is also on %(circle)s, which meets at the same time (%(when)s)."
            ) % {
                "person": self.person,
                "circle": self.other_circle,
                "when": when,
            }
        return _("This circle already has a meeting at that time (%(when)s).") % {"when": when}


@dataclass
class _Slot:
    id: int
    circle_id: int
    circle_name: str
    starts_at: datetime
    ends_at: datetime
    venue_key: str
    venue: str
    staff: dict = field(default_factory=dict)  # user_id -> display name


def _venue_of(meeting_venue: str, circle_venue: str) -> str:
    return (meeting_venue or circle_venue or "").strip()


def _slots(initiative, *, exclude_ids=()) -> list[_Slot]:
    """Every scheduled meeting of the initiative with its venue and staff. Two queries."""
    rows = (
        CircleSession.objects.filter(circle__initiative=initiative, status=MeetingStatus.SCHEDULED)
        .exclude(pk__in=list(exclude_ids))
        .values(
            "id", "circle_id", "circle__name", "starts_at", "duration_minutes", "venue_name",
            "circle__venue_name",
        )
    )  # fmt: skip
    staff = defaultdict(dict)
    for circle_id, user_id, name, email in CircleStaff.objects.filter(
        circle__initiative=initiative
    ).values_list("circle_id", "user_id", "user__display_name", "user__email"):
        staff[circle_id][user_id] = name or email
    slots = []
    for row in rows:
        venue = _venue_of(row["venue_name"], row["circle__venue_name"])
        slots.append(
            _Slot(
                id=row["id"],
                circle_id=row["circle_id"],
                circle_name=row["circle__name"],
                starts_at=row["starts_at"],
                ends_at=row["starts_at"] + timedelta(minutes=row["duration_minutes"]),
                venue_key=venue.casefold(),
                venue=venue,
                staff=staff.get(row["circle_id"], {}),
            )
        )
    return slots


def _clashes(slot: _Slot, other: _Slot) -> list[Conflict]:
    if not (slot.starts_at < other.ends_at and other.starts_at < slot.ends_at):
        return []
    found = []
    common = dict(
        meeting_id=slot.id,
        other_meeting_id=other.id,
        other_circle=other.circle_name,
        other_starts_at=other.starts_at,
    )
    if other.circle_id == slot.circle_id:
        return [Conflict(kind="circle", **common)]
    if slot.venue_key and slot.venue_key == other.venue_key:
        found.append(Conflict(kind="venue", venue=slot.venue, **common))
    for user_id in sorted(set(slot.staff) & set(other.staff)):
        found.append(Conflict(kind="staff", person=slot.staff[user_id], **common))
    return found


def _sweep(targets: list[_Slot], others: list[_Slot]) -> dict[int, list[Conflict]]:
    """Clashes of each target with the others (sorted sweep, not all pairs)."""
    result: dict[int, list[Conflict]] = defaultdict(list)
    others = sorted(others, key=lambda s: s.starts_at)
    longest = max((o.ends_at - o.starts_at for o in others), default=timedelta(0))
    starts = [o.starts_at for o in others]
    for slot in targets:
        low = bisect.bisect_left(starts, slot.starts_at - longest)
        for other in others[low:]:
            if other.starts_at >= slot.ends_at:
                break
            if other.id == slot.id:
                continue
            result[slot.id].extend(_clashes(slot, other))
    return result


def schedule_conflicts(*, initiative, circle) -> dict[int, list[Conflict]]:
    """Clashes of each scheduled meeting of `circle` with other meetings of the initiative:
    {meeting id: [Conflict, …]}. Three queries whatever the number of meetings."""
    slots = _slots(initiative)
    targets = [s for s in slots if s.circle_id == circle.pk]
    return dict(_sweep(targets, slots))


def conflicts_for_time(
    *, meeting, starts_at: datetime, duration_minutes: int | None = None, venue_name=None
) -> list[Conflict]:
    """What would clash if `meeting` met at `starts_at` (used when rescheduling)."""
    circle = meeting.circle
    slots = _slots(circle.initiative, exclude_ids=[meeting.pk])
    venue = _venue_of(meeting.venue_name if venue_name is None else venue_name, circle.venue_name)
    staff = {}
    for user_id, name, email in CircleStaff.objects.filter(circle=circle).values_list(
        "user_id", "user__display_name", "user__email"
    ):
        staff[user_id] = name or email
    target = _Slot(
        id=meeting.pk,
        circle_id=circle.pk,
        circle_name=circle.name,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=duration_minutes or meeting.duration_minutes),
        venue_key=venue.casefold(),
        venue=venue,
        staff=staff,
    )
    return _sweep([target], slots).get(meeting.pk, [])


def untrained_facilitator_names(*, circle) -> list[str]:
    """Names of the circle's facilitators with no training record in the initiative (scheduling
    such a circle shows a warning). Two queries."""
    staff = [
        row.user
        for row in CircleStaff.objects.filter(circle=circle, role=CircleRole.FACILITATOR)
        .select_related("user")
        .order_by("user__display_name", "user_id")
    ]
    untrained = untrained_facilitators(initiative=circle.initiative, users=staff)
    return [str(user) for user in staff if user in untrained]


@dataclass
class AttendanceRow:
    participant: object
    status: str  # "" when not marked yet


def attendance_rows(*, meeting) -> list[AttendanceRow]:
    """The circle's members (withdrawn people left out), by name, with their mark at this
    meeting. One query; only the participants' id and name are loaded."""
    mark = Attendance.objects.filter(meeting=meeting, participant=OuterRef("pk")).values("status")
    people = (
        Participant.objects.filter(circle_membership__circle_id=meeting.circle_id)
        .exclude(status=Status.WITHDRAWN)
        .only("pk", "name")
        .annotate(mark=Subquery(mark))
        .order_by("name", "pk")
    )
    return [AttendanceRow(participant=person, status=person.mark or "") for person in people]


@dataclass
class MeetingRetention:
    meeting: CircleSession
    present: int
    absent: int
    excused: int
    base: int  # members expected: max(current members, people marked)

    @property
    def share(self) -> float | None:
        return self.present / self.base if self.base else None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)


@dataclass
class PersonRetention:
    participant: object
    attended: int
    excused: int
    held: int

    @property
    def percent(self) -> int | None:
        return round(self.attended * 100 / self.held) if self.held else None


@dataclass
class CircleRetention:
    meetings: list[MeetingRetention]
    people: list[PersonRetention]
    held: int

    @property
    def average_percent(self) -> int | None:
        shares = [m.share for m in self.meetings if m.share is not None]
        return round(sum(shares) * 100 / len(shares)) if shares else None


def circle_retention(*, circle) -> CircleRetention:
    """Retention of one circle: per held meeting the share of members present, per person the
    meetings attended out of those held. A meeting counts as held once attendance was taken
    (it is not cancelled and somebody was marked). Four queries."""
    members = list(
        CircleMember.objects.filter(circle=circle)
        .exclude(participant__status=Status.WITHDRAWN)
        .select_related("participant")
        .order_by("participant__name", "participant_id")
    )
    member_count = len(members)
    meetings = list(
        CircleSession.objects.filter(circle=circle)
        .exclude(status=MeetingStatus.CANCELLED)
        .filter(Exists(Attendance.objects.filter(meeting=OuterRef("pk"))))
        .order_by("starts_at", "number")
    )
    held_ids = [m.pk for m in meetings]
    by_meeting = defaultdict(lambda: defaultdict(int))
    for row in (
        Attendance.objects.filter(meeting_id__in=held_ids)
        .values("meeting_id", "status")
        .annotate(n=Count("id"))
    ):
        by_meeting[row["meeting_id"]][row["status"]] = row["n"]
    by_person = defaultdict(lambda: defaultdict(int))
    for row in (
        Attendance.objects.filter(
            meeting_id__in=held_ids, participant_id__in=[m.participant_id for m in members]
        )
        .values("participant_id", "status")
        .annotate(n=Count("id"))
    ):
        by_person[row["participant_id"]][row["status"]] = row["n"]
    meeting_rows = []
    for meeting in meetings:
        counts = by_meeting[meeting.pk]
        marked = sum(counts.values())
        meeting_rows.append(
            MeetingRetention(
                meeting=meeting,
                present=counts[AttendanceStatus.PRESENT],
                absent=counts[AttendanceStatus.ABSENT],
                excused=counts[AttendanceStatus.EXCUSED],
                base=max(member_count, marked),
            )
        )
    people = [
        PersonRetention(
            participant=m.participant,
            attended=by_person[m.participant_id][AttendanceStatus.PRESENT],
            excused=by_person[m.participant_id][AttendanceStatus.EXCUSED],
            held=len(meetings),
        )
        for m in members
    ]
    return CircleRetention(meetings=meeting_rows, people=people, held=len(meetings))


# --- services -----------------------------------------------------------------------------------


@transaction.atomic
def circle_schedule_generate(
    *,
    user,
    circle: Circle,
    first_day: date,
    start_time: time,
    interval_days: int = 7,
    replace_future: bool = False,
    now: datetime | None = None,
) -> list[CircleSession]:
    """One meeting per session of the circle's guide, every `interval_days` days from
    `first_day` at `start_time` (wall-clock time in the initiative's time zone).

    A circle that already has meetings is refused unless `replace_future`: then meetings that
    have not started and have no attendance or log are deleted and the guide's sessions not
    covered by the meetings kept are scheduled again.
    """
    now = now or timezone.now()
    check_planning_day(
        first_day,
        field="first_day",
        span_days=min(max(int(interval_days), 1), 31) * 12,
    )
    circle = (
        Circle.objects.select_for_update(of=("self",))
        .select_related("initiative", "guide")
        .get(pk=circle.pk)
    )
    if circle.guide_id is None:
        raise DomainError(_("Choose a discussion guide for this circle first."))
    sessions = list(circle.guide.sessions.order_by("position"))
    if not sessions:
        raise DomainError(_("The circle's guide has no sessions yet. Add sessions to the guide."))
    if interval_days not in INTERVAL_CHOICES:
        raise DomainError(_("Meet every week or every two weeks."), field="interval_days")
    zone = initiative_zone(circle.initiative)
    first_start = local_to_utc(day=first_day, at=start_time, zone=zone)
    if first_start <= now:
        raise DomainError(_("The first meeting must be in the future."), field="first_day")

    existing = CircleSession.objects.filter(circle=circle)
    kept_numbers: set[int] = set()
    if existing.exists():
        if not replace_future:
            raise DomainError(
                _(
                    "This circle already has meetings. Reschedule them one by one, or regenerate "
                    "the future meetings that have no attendance or log yet."
                ),
                field="replace_future",
            )
        removable = existing.filter(starts_at__gt=now).exclude(
            pk__in=_has_records(existing).values("pk")
        )
        reminders.meetings_removed(meeting_ids=removable.values_list("pk", flat=True))
        removable.delete()
        kept = list(existing.values_list("number", "starts_at"))
        kept_numbers = {number for number, _start in kept}
        last_kept = max((start for _number, start in kept), default=None)
        if last_kept is not None and first_start <= last_kept:
            raise DomainError(
                _("The first new meeting must come after the last meeting kept (%(when)s).")
                % {
                    "when": date_format(
                        timezone.localtime(last_kept, zone), "SHORT_DATETIME_FORMAT"
                    )
                },
                field="first_day",
            )
    to_schedule = [s for s in sessions if s.position not in kept_numbers]
    if not to_schedule:
        raise DomainError(_("Every session of the guide already has a meeting that was kept."))

    created = []
    for index, session in enumerate(to_schedule):
        day = first_day + timedelta(days=index * interval_days)
        meeting = CircleSession(
            circle=circle,
            guide_session=session,
            number=session.position,
            title=session.title,
            starts_at=local_to_utc(day=day, at=start_time, zone=zone),
            duration_minutes=session.duration_minutes,
        )
        meeting.full_clean(exclude=["circle", "guide_session"])
        created.append(meeting)
    CircleSession.objects.bulk_create(created)
    activity_record(
        initiative=circle.initiative,
        actor=user,
        action="circle.meetings_scheduled",
        target=circle,
        details={"meetings": len(created), "interval_days": interval_days},
    )
    return created


def _refresh_for_update(meeting) -> CircleSession:
    return (
        CircleSession.objects.select_for_update(of=("self",))
        .select_related("circle", "circle__initiative")
        .get(pk=meeting.pk)
    )


@dataclass
class RescheduleResult:
    meeting: CircleSession
    conflicts: list[Conflict]


@transaction.atomic
def meeting_reschedule(
    *,
    user,
    meeting: CircleSession,
    day: date,
    at: time,
    venue_name: str | None = None,
    now: datetime | None = None,
) -> RescheduleResult:
    """Move one meeting to a new date and time (wall-clock, initiative time zone).

    Rules: a meeting is never moved into the past unless it has already started (correcting
    when a held meeting really took place); a meeting that was held (started, with someone
    marked present or a log) cannot be moved into the future. Attendance and logs always stay.
    A cancelled meeting moved to a new time is scheduled again (a make-up meeting).
    Clashes are returned as warnings, not refused.
    """
    now = now or timezone.now()
    check_planning_day(day, field="day")
    meeting = _refresh_for_update(meeting)
    zone = initiative_zone(meeting.circle.initiative)
    new_start = local_to_utc(day=day, at=at, zone=zone)
    started = meeting_has_started(meeting, now)
    if new_start <= now and not started:
        raise DomainError(
            _("A meeting that has not happened yet cannot be moved into the past."), field="day"
        )
    if new_start > now and meeting_is_held(meeting, now):
        raise DomainError(
            _(
                "This meeting was held (attendance or a log is recorded), so it cannot be moved "
                "into the future. Schedule an extra meeting instead."
            ),
            field="day",
        )
    fields = ["starts_at", "updated_at"]
    old_start = meeting.starts_at
    was_cancelled = meeting.status == MeetingStatus.CANCELLED
    meeting.starts_at = new_start
    if venue_name is not None and venue_name.strip() != meeting.venue_name:
        meeting.venue_name = venue_name.strip()
        fields.append("venue_name")
    if meeting.status == MeetingStatus.CANCELLED:
        meeting.status = MeetingStatus.SCHEDULED
        fields.append("status")
    if len(fields) == 2 and old_start == new_start:
        raise DomainError(_("That is the meeting's current date and time."), field="day")
    meeting.full_clean(exclude=["circle", "guide_session"])
    meeting.save(update_fields=fields)
    activity_record(
        initiative=meeting.circle.initiative,
        actor=user,
        action="meeting.rescheduled",
        target=meeting,
    )
    # Cancel the reminders for the old time, plan the new ones, tell the circle.
    reminders.meeting_moved(
        meeting=meeting, old_start=old_start, was_cancelled=was_cancelled, now=now
    )
    return RescheduleResult(
        meeting=meeting, conflicts=conflicts_for_time(meeting=meeting, starts_at=new_start)
    )


@transaction.atomic
def meeting_cancel(*, user, meeting: CircleSession, now: datetime | None = None) -> CircleSession:
    """Cancel one meeting; it stays in the schedule (and calendars) as cancelled."""
    now = now or timezone.now()
    meeting = _refresh_for_update(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError(_("This meeting is already cancelled."))
    if meeting_is_held(meeting, now):
        raise DomainError(
            _("This meeting was held (attendance or a log is recorded); it cannot be cancelled.")
        )
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status", "updated_at"])
    activity_record(
        initiative=meeting.circle.initiative,
        actor=user,
        action="meeting.cancelled",
        target=meeting,
    )
    reminders.meeting_called_off(meeting=meeting, now=now)
    return meeting


@transaction.atomic
def attendance_save(*, user, meeting: CircleSession, marks: dict[int, str]) -> dict[str, int]:
    """Save the marks {participant id: status} for one meeting (insert or update each row).

    Only members of the meeting's circle can be marked; unmarked people keep what they had.
    Saving the same marks twice changes nothing. Returns the counts per status.
    """
    meeting = _refresh_for_update(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError(_("This meeting was cancelled: there is no attendance to take."))
    valid = set(AttendanceStatus.values)
    if any(status not in valid for status in marks.values()):
        raise DomainError(_("Choose present, absent or excused for each person."))
    members = set(
        CircleMember.objects.filter(circle_id=meeting.circle_id)
        .exclude(participant__status=Status.WITHDRAWN)
        .values_list("participant_id", flat=True)
    )
    if set(marks) - members:
        raise DomainError(_("Only members of this circle can be marked. Reload the page."))
    # A mark that is already stored stays as it is, with who recorded it.
    stored = dict(
        Attendance.objects.filter(meeting=meeting).values_list("participant_id", "status")
    )
    marks = {pid: status for pid, status in marks.items() if stored.get(pid) != status}
    if marks:
        stamp = timezone.now()
        Attendance.objects.bulk_create(
            [
                Attendance(
                    meeting=meeting,
                    participant_id=participant_id,
                    status=status,
                    recorded_by=user,
                    created_at=stamp,
                    updated_at=stamp,
                )
                for participant_id, status in sorted(marks.items())
            ],
            update_conflicts=True,
            unique_fields=["meeting", "participant"],
            update_fields=["status", "recorded_by", "updated_at"],
        )
    counts = {status: 0 for status in AttendanceStatus.values}
    for status, n in (
        Attendance.objects.filter(meeting=meeting).values_list("status").annotate(n=Count("id"))
    ):
        counts[status] = n
    activity_record(
        initiative=meeting.circle.initiative,
        actor=user,
        action="meeting.attendance_taken",
        target=meeting,
        details={"counts": counts},
    )
    return counts
