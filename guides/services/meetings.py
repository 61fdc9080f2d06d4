"""Scheduling and attendance writes: a circle's meetings generated from its guide, rescheduled
or cancelled one at a time, attendance taken on a phone. Keyword-only, atomic and logged.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from dialogue_hub.translated_columns import (
    changed_columns,
    column_values,
    copy_columns,
    unknown_columns,
    with_originals,
)
from initiatives.services import activity_record
from participants.models import Status

from ..models import (
    Attendance,
    AttendanceStatus,
    Circle,
    CircleMember,
    CircleSession,
    MeetingStatus,
)
from ..selectors.meetings import (
    INTERVAL_CHOICES,
    Conflict,
    conflicts_for_time,
    has_records,
    initiative_zone,
    local_to_utc,
    meeting_has_started,
    meeting_is_held,
)
from . import reminders

# Dates a meeting can be planned on, around today: typos like year 9999 are refused, not
# scheduled (and never overflow the date arithmetic).
# What an organizer may give a single meeting per language (its title comes from the guide).
MEETING_TEXTS = ("venue_name",)
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
            pk__in=has_records(existing).values("pk")
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
            # The session's title in every language it is given in.
            **copy_columns(session, ("title",)),
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
    **venue_names,
) -> RescheduleResult:
    """Move one meeting to a new date and time (wall-clock, initiative time zone).

    Rules: a meeting is never moved into the past unless it has already started (correcting
    when a held meeting really took place); a meeting that was held (started, with someone
    marked present or a log) cannot be moved into the future. Attendance and logs always stay.
    A cancelled meeting moved to a new time is scheduled again (a make-up meeting).
    Clashes are returned as warnings, not refused.
    `venue_name` (the initiative's first language) or `venue_names` (`venue_name_en`, …, see
    dialogue_hub/translated_columns.py) give the meeting its own venue; blank: the circle's.
    """
    unknown = unknown_columns(venue_names, MEETING_TEXTS)
    if unknown:
        raise TypeError(f"unexpected meeting fields {unknown}")
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
    given = {**({"venue_name": venue_name} if venue_name is not None else {}), **venue_names}
    if given:
        venues = column_values(given, MEETING_TEXTS, meeting.circle.initiative.default_language)
        for column in changed_columns(meeting, venues):
            setattr(meeting, column, venues[column])
            fields.append(column)
    if meeting.status == MeetingStatus.CANCELLED:
        meeting.status = MeetingStatus.SCHEDULED
        fields.append("status")
    if len(fields) == 2 and old_start == new_start:
        raise DomainError(_("That is the meeting's current date and time."), field="day")
    meeting.full_clean(exclude=["circle", "guide_session"])
    meeting.save(update_fields=with_originals(meeting, fields))
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
