"""Scheduling and attendance reads: a circle's schedule, clashes of venues and facilitators,
attendance rows and the retention they add up to, and what the calendar feeds list.
"""

import bisect
import uuid
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from initiatives.models import Initiative, Membership
from participants.models import Participant, Status

from ..calendars import PARTICIPANT_FEED_SALT, STAFF_FEED_SALT, load_token
from ..models import (
    Attendance,
    AttendanceStatus,
    Circle,
    CircleMember,
    CircleSession,
    CircleStaff,
    MeetingExcusal,
    MeetingStatus,
    SessionLog,
)
from .circles import facilitators
from .library import untrained_facilitators

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


def meeting_end(meeting) -> datetime:
    return meeting.starts_at + timedelta(minutes=meeting.duration_minutes)


def meeting_has_started(meeting, now=None) -> bool:
    return meeting.starts_at <= (now or timezone.now())


# --- schedule, clashes, attendance --------------------------------------------------------------


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


def has_records(meetings_qs):
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
        for row in facilitators(circle=circle)
        .select_related("user")
        .order_by("user__display_name", "user_id")
    ]
    untrained = untrained_facilitators(initiative=circle.initiative, users=staff)
    return [str(user) for user in staff if user in untrained]


@dataclass
class AttendanceRow:
    participant: object
    status: str  # "" when not marked yet
    excused_in_advance: bool = False  # they said they can't make it, from their private link


def attendance_rows(*, meeting) -> list[AttendanceRow]:
    """The circle's members (withdrawn people left out), by name, with their mark at this
    meeting and whether they said in advance they can't make it. One query; only the
    participants' id and name are loaded."""
    mark = Attendance.objects.filter(meeting=meeting, participant=OuterRef("pk")).values("status")
    excused = MeetingExcusal.objects.filter(meeting=meeting, participant=OuterRef("pk"))
    people = (
        Participant.objects.filter(circle_membership__circle_id=meeting.circle_id)
        .exclude(status=Status.WITHDRAWN)
        .only("pk", "name")
        .annotate(mark=Subquery(mark), excused_in_advance=Exists(excused))
        .order_by("name", "pk")
    )
    return [
        AttendanceRow(
            participant=person,
            status=person.mark or "",
            excused_in_advance=person.excused_in_advance,
        )
        for person in people
    ]


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


# --- calendar feeds (the signed link names who) ------------------------------------------------


def participant_for_feed(token: str) -> Participant:
    """The participant a feed token names; 404 when tampered, of another kind, withdrawn or gone."""
    data = load_token(token, PARTICIPANT_FEED_SALT)
    try:
        public_id = uuid.UUID(str(data.get("p")))
    except ValueError as exc:
        raise Http404 from exc
    participant = (
        Participant.objects.filter(public_id=public_id)
        .exclude(status=Status.WITHDRAWN)
        .select_related("initiative")
        .first()
    )
    if participant is None:
        raise Http404
    return participant


def staff_for_feed(token: str):
    """(user, initiative) a staff feed token names; 404 unless the user is still active and on
    the initiative's team."""
    data = load_token(token, STAFF_FEED_SALT)
    user_id, initiative_id = data.get("u"), data.get("i")
    if not isinstance(user_id, int) or not isinstance(initiative_id, int):
        raise Http404
    membership = (
        Membership.objects.select_related("user", "initiative")
        .filter(user_id=user_id, initiative_id=initiative_id, user__is_active=True)
        .first()
    )
    if membership is None:
        raise Http404
    return membership.user, membership.initiative


def _meetings():
    return CircleSession.objects.select_related("circle", "circle__initiative").order_by(
        "starts_at", "number"
    )


def meetings_for_participant(participant: Participant):
    return _meetings().filter(circle__members__participant=participant)


def meetings_for_staff(user, initiative: Initiative):
    return _meetings().filter(circle__initiative=initiative, circle__staff__user=user).distinct()


# --- retention across circles (the evaluation report) ------------------------------------------


@dataclass
class MeetingNumberRetention:
    """Retention at the n-th meeting, added up over the circles that held it: `present` and
    `base` are the sums of the circles' `MeetingRetention` figures (the same definitions)."""

    number: int
    circles: int  # circles that held their n-th meeting
    present: int
    base: int

    @property
    def share(self) -> float | None:
        return self.present / self.base if self.base else None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)


def initiative_meeting_retention(*, initiative) -> dict[int, list[MeetingRetention]]:
    """`circle_retention(...).meetings` of every circle of the initiative, by circle id, in
    three queries whatever the number of circles and people: the same held meetings, the same
    present counts and the same base (max(current members, people marked))."""
    member_counts = dict(
        CircleMember.objects.filter(circle__initiative=initiative)
        .exclude(participant__status=Status.WITHDRAWN)
        .values("circle_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("circle_id", "n")
    )
    meetings = list(
        CircleSession.objects.filter(circle__initiative=initiative)
        .exclude(status=MeetingStatus.CANCELLED)
        .filter(Exists(Attendance.objects.filter(meeting=OuterRef("pk"))))
        .order_by("circle_id", "starts_at", "number")
    )
    by_meeting = defaultdict(lambda: defaultdict(int))
    for row in (
        Attendance.objects.filter(meeting__in=[m.pk for m in meetings])
        .values("meeting_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_meeting[row["meeting_id"]][row["status"]] = row["n"]
    result: dict[int, list[MeetingRetention]] = defaultdict(list)
    for meeting in meetings:
        counts = by_meeting[meeting.pk]
        result[meeting.circle_id].append(
            MeetingRetention(
                meeting=meeting,
                present=counts[AttendanceStatus.PRESENT],
                absent=counts[AttendanceStatus.ABSENT],
                excused=counts[AttendanceStatus.EXCUSED],
                base=max(member_counts.get(meeting.circle_id, 0), sum(counts.values())),
            )
        )
    return dict(result)


def retention_by_meeting_number(*, initiative) -> list[MeetingNumberRetention]:
    """Across the initiative's circles, per meeting number (a circle's first, second…
    meeting), the people present out of those expected, over the circles that held that
    meeting. Three queries."""
    rows: dict[int, MeetingNumberRetention] = {}
    for circle_meetings in initiative_meeting_retention(initiative=initiative).values():
        for held in circle_meetings:
            number = held.meeting.number
            row = rows.setdefault(
                number, MeetingNumberRetention(number=number, circles=0, present=0, base=0)
            )
            row.circles += 1
            row.present += held.present
            row.base += held.base
    return [rows[number] for number in sorted(rows)]
