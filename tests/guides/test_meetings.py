"""Scheduling and attendance: a circle's meetings generated from its guide (DST-safe), moving and
cancelling one meeting, venue and facilitator clashes, attendance on one phone screen, retention,
and who may open which page."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from dialogue_hub.exceptions import DomainError
from guides.models import Attendance, CircleSession, MeetingStatus, SessionLog
from guides.selectors import meetings as meeting_selectors
from guides.services import meetings as meeting_services
from initiatives.models import ActivityLogEntry, Role
from participants.models import Status

from ..factories import (
    AttendanceFactory,
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    DiscussionGuideFactory,
    FacilitatorTrainingFactory,
    GuideSessionFactory,
    InitiativeFactory,
    MembershipFactory,
    SessionLogFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow, count_queries

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def guide_with(initiative, sessions=5, minutes=120):
    guide = DiscussionGuideFactory(initiative=initiative)
    for position in range(1, sessions + 1):
        GuideSessionFactory(
            guide=guide, position=position, title=f"Part {position}", duration_minutes=minutes
        )
    return guide


def circle_with_guide(initiative, sessions=5, **kwargs):
    return CircleFactory(initiative=initiative, guide=guide_with(initiative, sessions), **kwargs)


def local(dt):
    return dt.astimezone(CHICAGO)


def soon(days=7, hour=18):
    """A future wall-clock date in the initiative's zone (Chicago)."""
    return (timezone.now().astimezone(CHICAGO) + timedelta(days=days)).date(), time(hour, 0)


def meeting_at(circle, start, minutes=120, **kwargs):
    return CircleSessionFactory(circle=circle, starts_at=start, duration_minutes=minutes, **kwargs)


# --- generating the series ---------------------------------------------------------------------


def test_generate_makes_one_meeting_per_guide_session_weekly(initiative, organizer):
    circle = circle_with_guide(initiative, sessions=5)

    created = meeting_services.circle_schedule_generate(
        user=organizer,
        circle=circle,
        first_day=date(2030, 9, 3),
        start_time=time(18, 30),
        now=LONG_AGO,
    )

    assert len(created) == 5
    rows = list(CircleSession.objects.filter(circle=circle).order_by("number"))
    assert [m.number for m in rows] == [1, 2, 3, 4, 5]
    assert [m.title for m in rows] == [f"Part {n}" for n in range(1, 6)]
    assert all(m.duration_minutes == 120 and m.guide_session_id for m in rows)
    days = [local(m.starts_at).date() for m in rows]
    assert all((b - a).days == 7 for a, b in zip(days, days[1:], strict=False))
    assert ActivityLogEntry.objects.filter(action="circle.meetings_scheduled").count() == 1


def test_generate_keeps_the_wall_clock_time_across_a_dst_change_in_chicago(initiative, organizer):
    # US daylight saving time ends on Sunday 3 November 2030.
    circle = circle_with_guide(initiative, sessions=4)

    meeting_services.circle_schedule_generate(
        user=organizer,
        circle=circle,
        first_day=date(2030, 10, 22),
        start_time=time(18, 0),
        now=LONG_AGO,
    )

    rows = list(CircleSession.objects.filter(circle=circle).order_by("number"))
    assert [local(m.starts_at).time() for m in rows] == [time(18, 0)] * 4
    assert [local(m.starts_at).date() for m in rows] == [
        date(2030, 10, 22),
        date(2030, 10, 29),
        date(2030, 11, 5),
        date(2030, 11, 12),
    ]
    # Stored in UTC: 23:00 under CDT, midnight under CST.
    utc_hours = [m.starts_at.astimezone(UTC).hour for m in rows]
    assert utc_hours == [23, 23, 0, 0]


def test_generate_every_two_weeks(initiative, organizer):
    circle = circle_with_guide(initiative, sessions=3)
    meeting_services.circle_schedule_generate(
        user=organizer,
        circle=circle,
        first_day=date(2030, 9, 3),
        start_time=time(10, 0),
        interval_days=14,
        now=LONG_AGO,
    )
    days = [local(m.starts_at).date() for m in CircleSession.objects.filter(circle=circle)]
    assert sorted(days) == [date(2030, 9, 3), date(2030, 9, 17), date(2030, 10, 1)]


@pytest.mark.parametrize(
    ("setup", "kwargs", "field"),
    [
        ("no_guide", {}, None),
        ("empty_guide", {}, None),
        ("ok", {"interval_days": 3}, "interval_days"),
        ("ok", {"first_day": date(2019, 1, 1)}, "first_day"),
    ],
)
def test_generate_refuses_bad_input_and_changes_nothing(
    initiative, organizer, setup, kwargs, field
):
    if setup == "no_guide":
        circle = CircleFactory(initiative=initiative)
    elif setup == "empty_guide":
        circle = CircleFactory(initiative=initiative, guide=DiscussionGuideFactory())
    else:
        circle = circle_with_guide(initiative)
    arguments = {"first_day": date(2030, 9, 3), "start_time": time(18, 0), **kwargs}

    with pytest.raises(DomainError) as error:
        meeting_services.circle_schedule_generate(
            user=organizer, circle=circle, now=datetime(2025, 1, 1, tzinfo=UTC), **arguments
        )

    assert error.value.field == field
    assert not CircleSession.objects.filter(circle=circle).exists()


def test_generate_refuses_a_circle_that_already_has_meetings(initiative, organizer):
    circle = circle_with_guide(initiative)
    meeting_at(circle, timezone.now() + timedelta(days=3), number=1)

    with pytest.raises(DomainError) as error:
        meeting_services.circle_schedule_generate(
            user=organizer, circle=circle, first_day=date(2030, 9, 3), start_time=time(18, 0)
        )

    assert error.value.field == "replace_future"
    assert CircleSession.objects.filter(circle=circle).count() == 1


def test_regenerate_replaces_only_future_meetings_without_records(initiative, organizer):
    circle = circle_with_guide(initiative, sessions=4)
    member = CircleMemberFactory(circle=circle)
    now = timezone.now()
    held = meeting_at(circle, now - timedelta(days=7), number=1)
    AttendanceFactory(meeting=held, participant=member.participant)
    with_log = meeting_at(circle, now + timedelta(days=1), number=2)
    SessionLogFactory(meeting=with_log)
    plain = meeting_at(circle, now + timedelta(days=8), number=3)
    first_day, at = soon(days=20)

    created = meeting_services.circle_schedule_generate(
        user=organizer, circle=circle, first_day=first_day, start_time=at, replace_future=True
    )

    assert sorted(m.number for m in created) == [3, 4]
    assert not CircleSession.objects.filter(pk=plain.pk).exists()
    assert CircleSession.objects.filter(pk__in=[held.pk, with_log.pk]).count() == 2
    assert Attendance.objects.filter(meeting=held).count() == 1
    assert SessionLog.objects.filter(meeting=with_log).exists()


def test_regenerate_must_start_after_the_last_meeting_kept(initiative, organizer):
    circle = circle_with_guide(initiative, sessions=3)
    meeting_at(circle, timezone.now() - timedelta(days=1), number=1)
    kept_future = meeting_at(circle, timezone.now() + timedelta(days=10), number=2)
    SessionLogFactory(meeting=kept_future)
    first_day, at = soon(days=3)

    with pytest.raises(DomainError) as error:
        meeting_services.circle_schedule_generate(
            user=organizer, circle=circle, first_day=first_day, start_time=at, replace_future=True
        )
    assert error.value.field == "first_day"


# --- rescheduling and cancelling ----------------------------------------------------------------


def test_reschedule_moves_a_future_meeting_and_keeps_its_attendance(initiative, organizer):
    circle = CircleFactory(initiative=initiative)
    member = CircleMemberFactory(circle=circle)
    meeting = meeting_at(circle, timezone.now() + timedelta(days=2))
    AttendanceFactory(meeting=meeting, participant=member.participant, status="excused")
    day, at = soon(days=9, hour=19)

    result = meeting_services.meeting_reschedule(user=organizer, meeting=meeting, day=day, at=at)

    meeting.refresh_from_db()
    assert local(meeting.starts_at).date() == day
    assert local(meeting.starts_at).time() == time(19, 0)
    assert result.conflicts == []
    assert Attendance.objects.get(meeting=meeting).status == "excused"
    assert ActivityLogEntry.objects.filter(action="meeting.rescheduled").count() == 1


def test_reschedule_corrects_when_a_held_meeting_took_place_and_keeps_attendance_and_log(
    initiative, organizer
):
    circle = CircleFactory(initiative=initiative)
    member = CircleMemberFactory(circle=circle)
    meeting = meeting_at(circle, timezone.now() - timedelta(days=3))
    AttendanceFactory(meeting=meeting, participant=member.participant, status="present")
    SessionLogFactory(meeting=meeting)
    day = (timezone.now() - timedelta(days=2)).astimezone(CHICAGO).date()

    meeting_services.meeting_reschedule(user=organizer, meeting=meeting, day=day, at=time(9, 0))

    meeting.refresh_from_db()
    assert local(meeting.starts_at).date() == day
    assert Attendance.objects.filter(meeting=meeting, status="present").count() == 1
    assert SessionLog.objects.filter(meeting=meeting).exists()


def test_reschedule_refuses_moving_a_future_meeting_into_the_past(initiative, organizer):
    meeting = meeting_at(CircleFactory(initiative=initiative), timezone.now() + timedelta(days=2))
    before = meeting.starts_at
    with pytest.raises(DomainError):
        meeting_services.meeting_reschedule(
            user=organizer, meeting=meeting, day=date(2021, 5, 4), at=time(18, 0)
        )
    meeting.refresh_from_db()
    assert meeting.starts_at == before


def test_reschedule_refuses_moving_a_held_meeting_into_the_future(initiative, organizer):
    circle = CircleFactory(initiative=initiative)
    member = CircleMemberFactory(circle=circle)
    meeting = meeting_at(circle, timezone.now() - timedelta(days=3))
    AttendanceFactory(meeting=meeting, participant=member.participant, status="present")
    day, at = soon()
    with pytest.raises(DomainError):
        meeting_services.meeting_reschedule(user=organizer, meeting=meeting, day=day, at=at)


def test_a_past_meeting_that_never_happened_can_be_moved_to_the_future(initiative, organizer):
    meeting = meeting_at(CircleFactory(initiative=initiative), timezone.now() - timedelta(days=3))
    day, at = soon()
    meeting_services.meeting_reschedule(user=organizer, meeting=meeting, day=day, at=at)
    meeting.refresh_from_db()
    assert meeting.starts_at > timezone.now()


def test_rescheduling_a_cancelled_meeting_schedules_it_again(initiative, organizer):
    meeting = meeting_at(
        CircleFactory(initiative=initiative),
        timezone.now() + timedelta(days=2),
        status=MeetingStatus.CANCELLED,
    )
    day, at = soon(days=12)
    meeting_services.meeting_reschedule(user=organizer, meeting=meeting, day=day, at=at)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED


def test_cancel_keeps_the_meeting_as_cancelled(initiative, organizer):
    meeting = meeting_at(CircleFactory(initiative=initiative), timezone.now() + timedelta(days=2))

    meeting_services.meeting_cancel(user=organizer, meeting=meeting)

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    with pytest.raises(DomainError):
        meeting_services.meeting_cancel(user=organizer, meeting=meeting)
    assert ActivityLogEntry.objects.filter(action="meeting.cancelled").count() == 1


def test_a_held_meeting_cannot_be_cancelled(initiative, organizer):
    meeting = meeting_at(CircleFactory(initiative=initiative), timezone.now() - timedelta(days=1))
    SessionLogFactory(meeting=meeting)
    with pytest.raises(DomainError):
        meeting_services.meeting_cancel(user=organizer, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED


# --- clashes -------------------------------------------------------------------------------------


def test_double_booked_venue_is_reported_with_the_other_circle(initiative):
    start = timezone.now() + timedelta(days=5)
    ours = CircleFactory(initiative=initiative, name="Circle A", venue_name="Eastside Library")
    theirs = CircleFactory(initiative=initiative, name="Circle B", venue_name="eastside library ")
    mine = meeting_at(ours, start)
    meeting_at(theirs, start + timedelta(minutes=60))
    meeting_at(theirs, start + timedelta(minutes=120))  # starts as ours ends: no clash
    meeting_at(theirs, start, status=MeetingStatus.CANCELLED)  # cancelled: no clash
    other_place = CircleFactory(initiative=initiative, venue_name="Town Hall")
    meeting_at(other_place, start)

    conflicts = meeting_selectors.schedule_conflicts(initiative=initiative, circle=ours)

    assert list(conflicts) == [mine.pk]
    [conflict] = conflicts[mine.pk]
    assert conflict.kind == "venue"
    assert conflict.other_circle == "Circle B"
    assert "Circle B" in conflict.message()


def test_venue_clash_only_within_the_same_initiative(initiative):
    start = timezone.now() + timedelta(days=5)
    ours = CircleFactory(initiative=initiative, venue_name="Eastside Library")
    elsewhere = CircleFactory(venue_name="Eastside Library")
    meeting_at(ours, start)
    meeting_at(elsewhere, start)
    assert meeting_selectors.schedule_conflicts(initiative=initiative, circle=ours) == {}


def test_double_booked_facilitator_is_reported(initiative):
    start = timezone.now() + timedelta(days=5)
    facilitator = UserFactory(display_name="Dana Reyes")
    ours = CircleFactory(initiative=initiative, venue_name="Library")
    theirs = CircleFactory(initiative=initiative, name="Circle Z", venue_name="Church hall")
    CircleStaffFactory(circle=ours, user=facilitator)
    CircleStaffFactory(circle=theirs, user=facilitator, role="recorder")
    mine = meeting_at(ours, start)
    meeting_at(theirs, start + timedelta(minutes=30))

    conflicts = meeting_selectors.schedule_conflicts(initiative=initiative, circle=ours)

    [conflict] = conflicts[mine.pk]
    assert conflict.kind == "staff"
    assert conflict.person == "Dana Reyes"
    assert conflict.other_circle == "Circle Z"


def test_rescheduling_into_a_clash_warns_but_moves(initiative, organizer):
    day, at = soon(days=10)
    ours = CircleFactory(initiative=initiative, venue_name="Library")
    theirs = CircleFactory(initiative=initiative, name="Circle Q", venue_name="Library")
    meeting_at(theirs, meeting_selectors.local_to_utc(day=day, at=at, zone=CHICAGO))
    meeting = meeting_at(ours, timezone.now() + timedelta(days=3))

    result = meeting_services.meeting_reschedule(user=organizer, meeting=meeting, day=day, at=at)

    assert [c.other_circle for c in result.conflicts] == ["Circle Q"]
    meeting.refresh_from_db()
    assert local(meeting.starts_at).date() == day


# --- attendance ----------------------------------------------------------------------------------


def test_attendance_save_upserts_and_is_idempotent(initiative):
    circle = CircleFactory(initiative=initiative)
    facilitator = CircleStaffFactory(circle=circle).user
    a, b, c = (CircleMemberFactory(circle=circle).participant for _ in range(3))
    meeting = meeting_at(circle, timezone.now())
    marks = {a.pk: "present", b.pk: "absent", c.pk: "excused"}

    first = meeting_services.attendance_save(user=facilitator, meeting=meeting, marks=marks)
    second = meeting_services.attendance_save(user=facilitator, meeting=meeting, marks=marks)

    assert first == second == {"present": 1, "absent": 1, "excused": 1}
    assert Attendance.objects.filter(meeting=meeting).count() == 3
    meeting_services.attendance_save(user=facilitator, meeting=meeting, marks={b.pk: "present"})
    assert dict(
        Attendance.objects.filter(meeting=meeting).values_list("participant_id", "status")
    ) == {
        a.pk: "present",
        b.pk: "present",
        c.pk: "excused",
    }
    entry = ActivityLogEntry.objects.filter(action="meeting.attendance_taken").first()
    assert entry.details == {"counts": {"present": 2, "absent": 0, "excused": 1}}
    assert a.name not in str(entry.details) + entry.target_label


def test_saving_the_same_marks_again_keeps_who_recorded_them(initiative):
    circle = CircleFactory(initiative=initiative)
    facilitator = CircleStaffFactory(circle=circle).user
    organizer = UserFactory()
    a, b = (CircleMemberFactory(circle=circle).participant for _ in range(2))
    meeting = meeting_at(circle, timezone.now())
    meeting_services.attendance_save(
        user=facilitator, meeting=meeting, marks={a.pk: "present", b.pk: "absent"}
    )

    meeting_services.attendance_save(
        user=organizer, meeting=meeting, marks={a.pk: "present", b.pk: "excused"}
    )

    recorded = dict(
        Attendance.objects.filter(meeting=meeting).values_list("participant_id", "recorded_by")
    )
    assert recorded == {a.pk: facilitator.pk, b.pk: organizer.pk}


def test_attendance_only_for_members_of_that_circle(initiative):
    circle = CircleFactory(initiative=initiative)
    meeting = meeting_at(circle, timezone.now())
    outsider = CircleMemberFactory(circle=CircleFactory(initiative=initiative)).participant
    with pytest.raises(DomainError):
        meeting_services.attendance_save(user=None, meeting=meeting, marks={outsider.pk: "present"})
    assert not Attendance.objects.exists()


def test_attendance_refused_for_a_cancelled_meeting_or_unknown_status(initiative):
    circle = CircleFactory(initiative=initiative)
    person = CircleMemberFactory(circle=circle).participant
    cancelled = meeting_at(circle, timezone.now(), status=MeetingStatus.CANCELLED)
    with pytest.raises(DomainError):
        meeting_services.attendance_save(user=None, meeting=cancelled, marks={person.pk: "present"})
    ok = meeting_at(circle, timezone.now() - timedelta(days=7))
    with pytest.raises(DomainError):
        meeting_services.attendance_save(user=None, meeting=ok, marks={person.pk: "late"})
    assert not Attendance.objects.exists()


def test_retention_per_meeting_and_per_person(initiative):
    circle = CircleFactory(initiative=initiative)
    people = [CircleMemberFactory(circle=circle).participant for _ in range(4)]
    p1, p2, p3, p4 = people
    now = timezone.now()
    m1 = meeting_at(circle, now - timedelta(days=14), number=1)
    m2 = meeting_at(circle, now - timedelta(days=7), number=2)
    meeting_at(circle, now + timedelta(days=7), number=3)  # not held yet
    gone = meeting_at(circle, now - timedelta(days=3), number=4, status=MeetingStatus.CANCELLED)
    meeting_services.attendance_save(
        user=None,
        meeting=m1,
        marks={p1.pk: "present", p2.pk: "present", p3.pk: "present", p4.pk: "absent"},
    )
    meeting_services.attendance_save(
        user=None,
        meeting=m2,
        marks={p1.pk: "present", p2.pk: "excused", p3.pk: "absent", p4.pk: "absent"},
    )
    Attendance.objects.create(meeting=gone, participant=p4, status="present")  # ignored

    retention = meeting_selectors.circle_retention(circle=circle)

    assert retention.held == 2
    assert [(r.meeting.number, r.present, r.percent) for r in retention.meetings] == [
        (1, 3, 75),
        (2, 1, 25),
    ]
    assert retention.average_percent == 50
    by_person = {
        r.participant.pk: (r.attended, r.excused, r.held, r.percent) for r in retention.people
    }
    assert by_person == {
        p1.pk: (2, 0, 2, 100),
        p2.pk: (1, 1, 2, 50),
        p3.pk: (1, 0, 2, 50),
        p4.pk: (0, 0, 2, 0),
    }


# --- pages: who may open what -------------------------------------------------------------------

# url name -> (method, who: "open" | "staff" | "manage", object the pk names)
URLS = {
    "circle_schedule": ("get", "open", "circle"),
    "circle_schedule_generate": ("get", "manage", "circle"),
    "circle_attendance": ("get", "staff", "circle"),
    "meeting_reschedule": ("get", "manage", "meeting"),
    "meeting_cancel": ("post", "manage", "meeting"),
    "meeting_ics": ("get", "staff", "meeting"),
    "attendance": ("get", "staff", "meeting"),
}
PUBLIC_FEEDS = {"participant_feed", "staff_feed"}


def test_every_meetings_url_is_listed():
    from guides.urls import meetings as meeting_urls

    assert {p.name for p in meeting_urls.urlpatterns} == set(URLS) | PUBLIC_FEEDS


@pytest.fixture
def scene(initiative):
    circle = circle_with_guide(initiative, sessions=3, name="Circle A")
    facilitator = CircleStaffFactory(circle=circle).user
    MembershipFactory(user=facilitator, initiative=initiative, role=Role.FACILITATOR)
    CircleMemberFactory(circle=circle)
    meeting = meeting_at(circle, timezone.now() + timedelta(days=3), number=1)
    return {"circle": circle, "meeting": meeting, "facilitator": facilitator}


def url_for(name, initiative, scene):
    target = URLS[name][2]
    return reverse(f"guides:{name}", args=[initiative.slug, scene[target].pk])


@pytest.mark.parametrize("url_name", sorted(URLS))
def test_the_circles_own_facilitator_gets_staff_pages_but_not_organizer_ones(
    client, initiative, scene, url_name
):
    client.force_login(scene["facilitator"])
    method, who, _target = URLS[url_name]
    response = getattr(client, method)(url_for(url_name, initiative, scene))
    expected = (200, 302) if who in ("open", "staff") else (403,)
    assert response.status_code in expected, (url_name, response.status_code)


@pytest.mark.parametrize("url_name", sorted(URLS))
def test_a_facilitator_of_another_circle_is_refused(client, initiative, scene, url_name):
    other = CircleStaffFactory(circle=CircleFactory(initiative=initiative)).user
    MembershipFactory(user=other, initiative=initiative, role=Role.FACILITATOR)
    client.force_login(other)
    method, _who, _target = URLS[url_name]
    response = getattr(client, method)(url_for(url_name, initiative, scene))
    assert response.status_code == 403


@pytest.mark.parametrize("url_name", sorted(URLS))
def test_a_member_of_another_initiative_gets_404(client, initiative, scene, url_name):
    stranger = UserFactory()
    MembershipFactory(user=stranger, initiative=InitiativeFactory(), role=Role.ORGANIZER)
    client.force_login(stranger)
    method, _who, _target = URLS[url_name]
    response = getattr(client, method)(url_for(url_name, initiative, scene))
    assert response.status_code == 404


def test_a_circle_of_another_initiative_is_404_even_for_an_organizer(client, organizer):
    foreign = CircleFactory()
    client.force_login(organizer)
    slug = organizer.memberships.first().initiative.slug
    response = client.get(reverse("guides:circle_schedule", args=[slug, foreign.pk]))
    assert response.status_code == 404


# --- pages: behaviour ----------------------------------------------------------------------------


def test_schedule_page_lists_meetings_and_warns_about_clashes(client, initiative, organizer):
    start = timezone.now() + timedelta(days=4)
    ours = CircleFactory(initiative=initiative, name="Circle A", venue_name="Library")
    meeting_at(ours, start, title="Sharing our experiences")
    meeting_at(CircleFactory(initiative=initiative, name="Circle B", venue_name="Library"), start)
    client.force_login(organizer)

    response = client.get(reverse("guides:circle_schedule", args=[initiative.slug, ours.pk]))

    content = response.content.decode()
    assert "Sharing our experiences" in content
    assert "Circle B" in content
    assert "alert-warning" in content


def test_schedule_page_without_meetings_says_what_to_do(client, initiative, organizer):
    circle = circle_with_guide(initiative)
    client.force_login(organizer)
    response = client.get(reverse("guides:circle_schedule", args=[initiative.slug, circle.pk]))
    assert "Schedule the meetings from the guide" in response.content.decode()


def test_generate_page_schedules_the_series(client, initiative, organizer):
    circle = circle_with_guide(initiative, sessions=5)
    day, _at = soon(days=6)
    client.force_login(organizer)

    response = client.post(
        reverse("guides:circle_schedule_generate", args=[initiative.slug, circle.pk]),
        {"first_day": day.isoformat(), "start_time": "18:00", "interval_days": "7"},
    )

    assert response.status_code == 302
    assert CircleSession.objects.filter(circle=circle).count() == 5


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"first_day": "not a date", "start_time": "18:00", "interval_days": "7"},
        {"first_day": "2030-09-03", "start_time": "25:99", "interval_days": "7"},
        {"first_day": "2030-09-03", "start_time": "18:00", "interval_days": "3"},
        {"first_day": "2019-09-03", "start_time": "18:00", "interval_days": "7"},
    ],
)
def test_generate_page_bad_input_shows_errors_and_keeps_input(client, initiative, organizer, data):
    circle = circle_with_guide(initiative)
    client.force_login(organizer)
    url = reverse("guides:circle_schedule_generate", args=[initiative.slug, circle.pk])

    response = client.post(url, data)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not CircleSession.objects.filter(circle=circle).exists()


def test_generate_and_schedule_pages_warn_about_an_untrained_facilitator(
    client, initiative, organizer
):
    circle = circle_with_guide(initiative)
    CircleStaffFactory(circle=circle, user=UserFactory(display_name="Untrained Uma"))
    trained = CircleStaffFactory(circle=circle, user=UserFactory(display_name="Trained Tom")).user
    FacilitatorTrainingFactory(initiative=initiative, user=trained)
    client.force_login(organizer)

    for name in ("circle_schedule_generate", "circle_schedule"):
        page = client.get(reverse(f"guides:{name}", args=[initiative.slug, circle.pk]))
        content = page.content.decode()
        assert "Untrained Uma facilitates this circle but has no facilitator training" in content
        assert "Trained Tom" not in content


def test_generate_page_for_a_circle_without_guide_explains(client, initiative, organizer):
    circle = CircleFactory(initiative=initiative)
    client.force_login(organizer)
    url = reverse("guides:circle_schedule_generate", args=[initiative.slug, circle.pk])
    assert "has no discussion guide" in client.get(url).content.decode()
    day, _at = soon()
    response = client.post(
        url, {"first_day": day.isoformat(), "start_time": "18:00", "interval_days": "7"}
    )
    assert response.status_code == 200
    assert "has no discussion guide" in response.content.decode()
    assert not CircleSession.objects.filter(circle=circle).exists()


def test_reschedule_page_moves_and_warns_naming_the_clashing_circle(client, initiative, organizer):
    day, at = soon(days=10)
    ours = CircleFactory(initiative=initiative, venue_name="Library")
    theirs = CircleFactory(initiative=initiative, name="Circle Q", venue_name="Library")
    meeting_at(theirs, meeting_selectors.local_to_utc(day=day, at=at, zone=CHICAGO))
    meeting = meeting_at(ours, timezone.now() + timedelta(days=3))
    client.force_login(organizer)

    response = client.post(
        reverse("guides:meeting_reschedule", args=[initiative.slug, meeting.pk]),
        {"day": day.isoformat(), "at": "18:00", "venue_name": ""},
        follow=True,
    )

    assert response.status_code == 200
    assert "Circle Q" in response.content.decode()
    meeting.refresh_from_db()
    assert local(meeting.starts_at).date() == day


def test_reschedule_page_refusal_is_a_field_error(client, initiative, organizer):
    meeting = meeting_at(CircleFactory(initiative=initiative), timezone.now() + timedelta(days=3))
    client.force_login(organizer)
    response = client.post(
        reverse("guides:meeting_reschedule", args=[initiative.slug, meeting.pk]),
        {"day": "2021-01-05", "at": "18:00"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["day"]


def test_cancel_page(client, initiative, organizer):
    meeting = meeting_at(CircleFactory(initiative=initiative), timezone.now() + timedelta(days=3))
    client.force_login(organizer)
    url = reverse("guides:meeting_cancel", args=[initiative.slug, meeting.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED


def test_facilitator_takes_attendance_on_the_page(client, initiative, scene):
    circle, meeting = scene["circle"], scene["meeting"]
    second = CircleMemberFactory(circle=circle).participant
    first = circle.members.exclude(participant=second).get().participant
    outsider = CircleMemberFactory(circle=CircleFactory(initiative=initiative)).participant
    client.force_login(scene["facilitator"])
    url = reverse("guides:attendance", args=[initiative.slug, meeting.pk])

    page = client.get(url).content.decode()
    assert first.name in page
    assert second.name in page
    assert outsider.name not in page

    data = {f"p{first.pk}": "present", f"p{second.pk}": "excused", f"p{outsider.pk}": "present"}
    response = client.post(url, data)
    assert response.status_code == 302
    client.post(url, data)  # the same again: no duplicates

    assert dict(Attendance.objects.values_list("participant_id", "status")) == {
        first.pk: "present",
        second.pk: "excused",
    }
    page = client.get(url).content.decode()
    assert f'id="p{first.pk}-present" value="present" autocomplete="off" checked' in page


def test_attendance_page_refuses_an_unknown_status(client, initiative, scene):
    person = scene["circle"].members.get().participant
    client.force_login(scene["facilitator"])
    url = reverse("guides:attendance", args=[initiative.slug, scene["meeting"].pk])
    response = client.post(url, {f"p{person.pk}": "asleep"})
    assert response.status_code == 200
    assert not Attendance.objects.exists()


def test_attendance_page_for_a_cancelled_meeting(client, initiative, scene):
    meeting = scene["meeting"]
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status"])
    person = scene["circle"].members.get().participant
    client.force_login(scene["facilitator"])
    url = reverse("guides:attendance", args=[initiative.slug, meeting.pk])
    assert "was cancelled" in client.get(url).content.decode()
    response = client.post(url, {f"p{person.pk}": "present"})
    assert response.status_code == 200
    assert not Attendance.objects.exists()


def test_a_facilitator_of_another_circle_cannot_post_attendance(client, initiative, scene):
    person = scene["circle"].members.get().participant
    other = CircleStaffFactory(circle=CircleFactory(initiative=initiative)).user
    MembershipFactory(user=other, initiative=initiative, role=Role.FACILITATOR)
    client.force_login(other)
    url = reverse("guides:attendance", args=[initiative.slug, scene["meeting"].pk])
    assert client.post(url, {f"p{person.pk}": "present"}).status_code == 403
    assert not Attendance.objects.exists()


def test_retention_page_shows_figures(client, initiative, organizer):
    circle = CircleFactory(initiative=initiative)
    person = CircleMemberFactory(circle=circle).participant
    meeting = meeting_at(circle, timezone.now() - timedelta(days=1))
    meeting_services.attendance_save(user=None, meeting=meeting, marks={person.pk: "present"})
    client.force_login(organizer)
    response = client.get(reverse("guides:circle_attendance", args=[initiative.slug, circle.pk]))
    content = response.content.decode()
    assert person.name in content
    assert "1 / 1" in content
    assert "100%" in content


def test_meeting_ics_download_for_staff(client, initiative, scene):
    client.force_login(scene["facilitator"])
    response = client.get(
        reverse("guides:meeting_ics", args=[initiative.slug, scene["meeting"].pk])
    )
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content
    assert f"circle-meeting-{scene['meeting'].pk}@".encode() in response.content


# --- query counts ---------------------------------------------------------------------------------


def test_schedule_page_queries_do_not_grow(client, initiative, organizer):
    circle = circle_with_guide(initiative, name="Circle A", venue_name="Library")
    start = timezone.now() + timedelta(days=1)
    meeting_at(circle, start, number=1)
    meeting_at(CircleFactory(initiative=initiative, venue_name="Library"), start)
    client.force_login(organizer)

    def add_rows():
        for n in range(2, 12):
            m = meeting_at(circle, start + timedelta(days=7 * n), number=n)
            person = CircleMemberFactory(circle=circle).participant
            AttendanceFactory(meeting=m, participant=person)
            other = CircleFactory(initiative=initiative, venue_name="Library")
            CircleStaffFactory(circle=other)
            meeting_at(other, m.starts_at)

    assert_queries_do_not_grow(
        client,
        reverse("guides:circle_schedule", args=[initiative.slug, circle.pk]),
        add_rows,
        limit=15,
    )


def test_attendance_page_queries_do_not_grow(client, initiative, scene):
    client.force_login(scene["facilitator"])
    circle, meeting = scene["circle"], scene["meeting"]

    def add_rows():
        for _ in range(10):
            person = CircleMemberFactory(circle=circle).participant
            AttendanceFactory(meeting=meeting, participant=person)

    assert_queries_do_not_grow(
        client, reverse("guides:attendance", args=[initiative.slug, meeting.pk]), add_rows, limit=15
    )


def test_attendance_page_queries_are_few_for_a_full_circle_first_view_and_again(
    client, initiative, scene
):
    circle, meeting = scene["circle"], scene["meeting"]
    for index in range(11):  # a full circle of 12, most of them marked
        person = CircleMemberFactory(circle=circle).participant
        if index % 3:
            AttendanceFactory(meeting=meeting, participant=person, status="absent")
    client.force_login(scene["facilitator"])
    url = reverse("guides:attendance", args=[initiative.slug, meeting.pk])

    cache.clear()
    first, again = count_queries(client, url), count_queries(client, url)

    # The session, the user, the initiative with the roles, the meeting with its circle, the
    # user's roles in the circle, and the members with their marks; on a repeat view the
    # members' rows come from the cache.
    assert first <= 7
    assert again == first - 1
    page = client.get(url).content.decode()
    assert page.count('type="radio"') == 12 * 3


def test_attendance_rows_are_one_query_with_marks_and_without_withdrawn_people(
    initiative, scene, django_assert_num_queries
):
    circle, meeting = scene["circle"], scene["meeting"]
    later = circle.members.get().participant
    later.name = "Bea Later"
    later.save(update_fields=["name"])
    early = CircleMemberFactory(circle=circle, participant__name="Ann Early").participant
    AttendanceFactory(meeting=meeting, participant=early, status="excused")
    AttendanceFactory(meeting=meeting_at(circle, timezone.now(), number=2), participant=later)
    CircleMemberFactory(circle=circle, participant__status=Status.WITHDRAWN)

    with django_assert_num_queries(1):
        rows = [
            (row.participant.pk, row.participant.display_name, row.status)
            for row in meeting_selectors.attendance_rows(meeting=meeting)
        ]

    assert rows == [(early.pk, "Ann Early", "excused"), (later.pk, "Bea Later", "")]


def test_a_meetings_circle_comes_with_the_initiative_already_loaded(
    initiative, scene, django_assert_num_queries
):
    with django_assert_num_queries(1):
        meeting = meeting_selectors.meeting_for_initiative(
            initiative=initiative, pk=scene["meeting"].pk
        )
        assert meeting.circle.initiative is initiative
        assert meeting.circle.name == "Circle A"


def test_retention_page_queries_do_not_grow(client, initiative, scene):
    client.force_login(scene["facilitator"])
    circle = scene["circle"]
    held = meeting_at(circle, timezone.now() - timedelta(days=1), number=99)
    AttendanceFactory(meeting=held, participant=circle.members.get().participant)

    def add_rows():
        people = [CircleMemberFactory(circle=circle).participant for _ in range(10)]
        for n in range(10):
            m = meeting_at(circle, timezone.now() - timedelta(days=7 * (n + 1)), number=100 + n)
            for person in people:
                AttendanceFactory(meeting=m, participant=person)

    assert_queries_do_not_grow(
        client,
        reverse("guides:circle_attendance", args=[initiative.slug, circle.pk]),
        add_rows,
        limit=15,
    )


@pytest.mark.parametrize("year", [9999, 2000])
def test_dates_far_from_today_are_refused_not_a_500(client, year):
    from datetime import date, time

    from dialogue_hub.exceptions import DomainError
    from guides.services import meetings as meeting_services

    from ..factories import (
        CircleFactory,
        DiscussionGuideFactory,
        GuideSessionFactory,
        MembershipFactory,
    )

    circle = CircleFactory(guide=DiscussionGuideFactory())
    GuideSessionFactory(guide=circle.guide)
    organizer = MembershipFactory(initiative=circle.initiative).user
    with pytest.raises(DomainError) as exc:
        meeting_services.circle_schedule_generate(
            user=organizer, circle=circle, first_day=date(year, 12, 28), start_time=time(18, 0)
        )
    assert exc.value.field == "first_day"
    meeting = CircleSessionFactory(circle=circle)
    with pytest.raises(DomainError):
        meeting_services.meeting_reschedule(
            user=organizer, meeting=meeting, day=date(year, 12, 31), at=time(23, 30)
        )
    client.force_login(organizer)
    url = reverse("guides:meeting_reschedule", args=[circle.initiative.slug, meeting.pk])
    response = client.post(url, {"day": f"{year}-12-31", "at": "23:30"})
    assert response.status_code == 200
