"""The meeting sweep (guides/services/reminders.py) and the emails it plans (guides/emails.py): session
reminders per offset, once, in the recipient's language with an .ics and an unsubscribe
header; nudges to write up session notes; alerts about circles without a facilitator; and a
fixed number of queries whatever the number of meetings."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from dialogue_hub import outbox, texts
from dialogue_hub.models import OutboxChannel, OutboxMessage, OutboxStatus
from guides.models import CircleMember, CircleSession, MeetingStatus
from guides.services import reminders as reminder_services
from guides.tasks import reminders_plan as reminders_plan_task
from initiatives.models import Role
from participants.models import ContactBy, Participant, Status

from ..factories import (
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    InitiativeFactory,
    SessionLogFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def circle_with_people(initiative, *, members=2, staff=True, **kwargs):
    circle = CircleFactory(initiative=initiative, **kwargs)
    for _n in range(members):
        CircleMemberFactory(circle=circle)
    if staff:
        CircleStaffFactory(circle=circle, role="facilitator")
        CircleStaffFactory(circle=circle, role="recorder")
    return circle


def reminder_rows(meeting=None):
    rows = OutboxMessage.objects.filter(kind=reminder_services.REMINDER)
    if meeting is not None:
        rows = rows.filter(params__meeting=meeting.pk)
    return rows


def offsets(meeting):
    return sorted({row.params["hours"] for row in reminder_rows(meeting)})


# --- session reminders: when -------------------------------------------------------------------


def test_reminders_are_planned_per_offset_for_members_and_staff(initiative):
    now = timezone.now()
    circle = circle_with_people(initiative)
    meeting = CircleSessionFactory(circle=circle, starts_at=now + timedelta(hours=49))

    result = reminder_services.reminders_plan(now=now)

    rows = list(reminder_rows(meeting))
    assert result["reminders"] == 8 == len(rows)  # (2 members + 2 staff) x (48 h, 2 h)
    for row in rows:
        assert row.scheduled_for == meeting.starts_at
        assert row.send_after == meeting.starts_at - timedelta(hours=row.params["hours"])
        assert row.key.startswith(f"meeting.reminder:{meeting.pk}:")
        assert row.key.endswith(f":{row.params['hours']}h:{meeting.starts_at.isoformat()}")
        assert row.initiative == initiative
        assert row.status == OutboxStatus.PENDING
    emails = {row.to_email for row in rows}
    expected = {m.participant.email for m in circle.members.all()} | {
        s.user.email for s in circle.staff.all()
    }
    assert emails == expected


def test_offsets_follow_the_initiatives_own_reminder_hours(initiative):
    now = timezone.now()
    initiative.reminder_hours = [72, 24]
    initiative.save(update_fields=["reminder_hours"])
    other = InitiativeFactory(reminder_hours=[2])
    mine = CircleSessionFactory(
        circle=circle_with_people(initiative), starts_at=now + timedelta(hours=72, minutes=30)
    )
    theirs = CircleSessionFactory(
        circle=circle_with_people(other), starts_at=now + timedelta(hours=72, minutes=30)
    )

    reminder_services.reminders_plan(now=now)

    assert offsets(mine) == [24, 72]
    assert offsets(theirs) == []  # beyond 2 h + the margin: planned in a later sweep


def test_meetings_beyond_the_first_reminder_get_none_yet(initiative):
    now = timezone.now()
    meeting = CircleSessionFactory(
        circle=circle_with_people(initiative), starts_at=now + timedelta(hours=50)
    )

    assert reminder_services.reminders_plan(now=now)["reminders"] == 0

    later = now + timedelta(hours=2)
    assert reminder_services.reminders_plan(now=later)["reminders"] == 8
    assert offsets(meeting) == [2, 48]


def test_running_the_planner_twice_adds_nothing(initiative):
    now = timezone.now()
    CircleSessionFactory(circle=circle_with_people(initiative), starts_at=now + timedelta(hours=30))

    first = reminder_services.reminders_plan(now=now)
    second = reminder_services.reminders_plan(now=now + timedelta(minutes=5))
    reminders_plan_task.delay()  # the beat task: the same, with the real clock

    assert first["reminders"] == 8
    assert second == {"reminders": 0, "nudges": 0, "alerts": 0, "needs": 0}
    assert reminder_rows().count() == 8


def test_short_notice_meeting_gets_only_the_smallest_missed_reminder(initiative):
    now = timezone.now()
    initiative.reminder_hours = [48, 24, 2]
    initiative.save(update_fields=["reminder_hours"])
    circle = circle_with_people(initiative, members=1, staff=False)
    in_ten_hours = CircleSessionFactory(circle=circle, starts_at=now + timedelta(hours=10))
    in_one_hour = CircleSessionFactory(circle=circle, starts_at=now + timedelta(hours=1))

    reminder_services.reminders_plan(now=now)

    assert offsets(in_ten_hours) == [2, 24]  # 24 h goes now (not 48 h too), 2 h later
    assert offsets(in_one_hour) == [2]
    due_now = reminder_rows(in_ten_hours).get(params__hours=24)
    assert due_now.send_after <= now
    # An hour later nothing new: the 48 h reminder is never added afterwards.
    reminder_services.reminders_plan(now=now + timedelta(hours=1))
    assert offsets(in_ten_hours) == [2, 24]


def test_offsets_to_plan_rule():
    start = datetime(2031, 5, 1, 18, tzinfo=UTC)
    plan = reminder_services.offsets_to_plan

    assert plan([48, 2], starts_at=start, now=start - timedelta(hours=49)) == [2, 48]
    assert plan([48, 2], starts_at=start, now=start - timedelta(hours=47)) == [2, 48]
    assert plan([48, 24, 2], starts_at=start, now=start - timedelta(hours=1)) == [2]
    assert plan([48, 2], starts_at=start, now=start) == []
    assert plan([], starts_at=start, now=start - timedelta(hours=1)) == []


def test_withdrawn_and_no_show_people_and_cancelled_meetings_get_no_reminder(initiative):
    now = timezone.now()
    circle = circle_with_people(initiative, members=1, staff=False)
    withdrawn = CircleMemberFactory(circle=circle, participant__status=Status.WITHDRAWN)
    no_show = CircleMemberFactory(circle=circle, participant__status=Status.NO_SHOW)
    no_email = CircleMemberFactory(  # a minor reached through their guardian
        circle=circle, participant__email="", participant__guardian_email="parent@example.org"
    )
    meeting = CircleSessionFactory(circle=circle, starts_at=now + timedelta(hours=30))
    cancelled = CircleSessionFactory(
        circle=circle, starts_at=now + timedelta(hours=20), status=MeetingStatus.CANCELLED
    )
    CircleSessionFactory(circle=circle, starts_at=now - timedelta(hours=1))  # started

    reminder_services.reminders_plan(now=now)

    emails = set(reminder_rows().values_list("to_email", flat=True))
    assert emails == {
        circle.members.exclude(pk__in=[withdrawn.pk, no_show.pk, no_email.pk])
        .get()
        .participant.email
    }
    assert not reminder_rows(cancelled).exists()
    assert {row.params["meeting"] for row in reminder_rows()} == {meeting.pk}


def test_staff_reminder_once_even_when_facilitator_and_recorder(initiative):
    now = timezone.now()
    circle = circle_with_people(initiative, members=0, staff=False)
    user = UserFactory(preferred_language="es")
    CircleStaffFactory(circle=circle, user=user, role="facilitator")
    CircleStaffFactory(circle=circle, user=user, role="recorder")
    CircleSessionFactory(circle=circle, starts_at=now + timedelta(hours=1))

    reminder_services.reminders_plan(now=now)

    row = reminder_rows().get()
    assert row.to_email == user.email
    assert row.language == "es"
    assert row.params["user"] == user.pk


# --- session reminders: the email ------------------------------------------------------------


def test_reminder_email_has_local_time_links_ics_and_unsubscribe_header(
    initiative, django_capture_on_commit_callbacks
):
    circle = circle_with_people(
        initiative, members=1, staff=False, venue_name="Eastside Library",
        venue_address="12 Elm St",
    )  # fmt: skip
    member = circle.members.get().participant
    starts = (timezone.now() + timedelta(minutes=90)).replace(second=0, microsecond=0)
    starts += timedelta(minutes=1) if starts.minute == 0 else timedelta()  # "8 p.m." has no ":00"
    meeting = CircleSessionFactory(circle=circle, starts_at=starts, title="Our stories")

    with django_capture_on_commit_callbacks(execute=True):
        reminder_services.reminders_plan()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.email]
    local = starts.astimezone(CHICAGO)
    assert circle.name in message.subject
    assert "Our stories" in message.body
    assert "America/Chicago" in message.body
    assert local.strftime("%-I:%M") in message.body
    assert "Eastside Library, 12 Elm St" in message.body
    assert "/registration/" in message.body
    assert "/circle/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    filename, content, mimetype = message.attachments[0]
    assert filename == f"meeting-{meeting.pk}.ics"
    assert mimetype.startswith("text/calendar")
    assert "BEGIN:VEVENT" in content
    assert f"circle-meeting-{meeting.pk}@" in content
    html = message.alternatives[0][0]
    assert 'lang="en"' in html
    assert reminder_rows().get().status == OutboxStatus.SENT


def test_reminder_shows_the_time_in_the_initiatives_own_zone(
    django_capture_on_commit_callbacks,
):
    initiative = InitiativeFactory(timezone="Asia/Tokyo")
    circle = circle_with_people(initiative, members=1, staff=False)
    starts = (timezone.now() + timedelta(minutes=90)).replace(second=0, microsecond=0)
    starts += timedelta(minutes=1) if starts.minute == 0 else timedelta()  # "8 p.m." has no ":00"
    CircleSessionFactory(circle=circle, starts_at=starts)

    with django_capture_on_commit_callbacks(execute=True):
        reminder_services.reminders_plan()

    tokyo = starts.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    body = mail.outbox[0].body
    assert "Asia/Tokyo" in body
    assert tokyo.strftime("%-I:%M") in body


def test_staff_reminder_links_to_attendance_in_their_language(
    initiative, django_capture_on_commit_callbacks
):
    circle = circle_with_people(initiative, members=0, staff=False)
    user = UserFactory(preferred_language="es")
    CircleStaffFactory(circle=circle, user=user)
    meeting = CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        reminder_services.reminders_plan()

    message = mail.outbox[0]
    assert f"/meetings/{meeting.pk}/attendance/" in message.body
    assert 'lang="es"' in message.alternatives[0][0]


def test_spanish_participant_gets_the_reminder_rendered_in_spanish(
    initiative, django_capture_on_commit_callbacks
):
    circle = circle_with_people(initiative, members=0, staff=False)
    CircleMemberFactory(circle=circle, participant__preferred_language="es")
    CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        reminder_services.reminders_plan()

    assert reminder_rows().get().language == "es"
    assert '<html lang="es">' in mail.outbox[0].alternatives[0][0]


def test_a_batch_words_a_meetings_facts_once_per_language(initiative, monkeypatch):
    from dialogue_hub import outbox
    from guides import emails as guide_emails

    circle = circle_with_people(initiative, members=0, staff=False)
    for language in ["en", "es", "en", "es", "en"]:
        CircleMemberFactory(circle=circle, participant__preferred_language=language)
    meeting = CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(hours=1))
    reminder_services.reminders_plan()
    worded = []
    real_local_when = guide_emails.local_when

    def counting_local_when(starts_at, *, initiative, language):
        worded.append(language)
        return real_local_when(starts_at, initiative=initiative, language=language)

    monkeypatch.setattr(guide_emails, "local_when", counting_local_when)
    assert outbox.send_batch(list(reminder_rows().values_list("pk", flat=True)))["sent"] == 5
    assert sorted(worded) == ["en", "es"]
    # …and each reader still gets their own language's wording of it.
    for message in mail.outbox:
        language = "es" if '<html lang="es">' in message.alternatives[0][0] else "en"
        when = real_local_when(meeting.starts_at, initiative=initiative, language=language)
        assert when["date"] in message.body
    assert sum('<html lang="es">' in m.alternatives[0][0] for m in mail.outbox) == 2


def test_opted_out_of_reminders_the_row_is_skipped(initiative, django_capture_on_commit_callbacks):
    circle = circle_with_people(initiative, members=1, staff=False)
    member = circle.members.get().participant
    outbox.preferences_set(address=member.email, opted_out=["reminders"])
    CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        reminder_services.reminders_plan()

    assert mail.outbox == []
    assert reminder_rows().get().status == OutboxStatus.SKIPPED


def test_a_reminder_for_a_meeting_moved_behind_the_planners_back_is_cancelled(initiative):
    circle = circle_with_people(initiative, members=1, staff=False)
    meeting = CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(hours=1))
    reminder_services.reminders_plan()
    row = reminder_rows().get()
    CircleSession.objects.filter(pk=meeting.pk).update(
        starts_at=meeting.starts_at + timedelta(days=1)
    )

    outcome = outbox.send_batch([row.pk])

    row.refresh_from_db()
    assert outcome["cancelled"] == 1
    assert row.status == OutboxStatus.CANCELLED
    assert "moved" in row.last_error
    assert mail.outbox == []


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda m, p: CircleSession.objects.filter(pk=m.pk).update(
            status=MeetingStatus.CANCELLED), id="cancelled"),
        pytest.param(lambda m, p: Participant.objects.filter(pk=p.pk).update(
            status=Status.WITHDRAWN), id="withdrawn"),
        pytest.param(lambda m, p: CircleMember.objects.filter(participant=p).delete(),
                     id="left-the-circle"),
        pytest.param(lambda m, p: CircleSession.objects.filter(pk=m.pk).delete(), id="deleted"),
    ],
)  # fmt: skip
def test_reminder_that_no_longer_applies_is_cancelled_not_sent(initiative, change):
    circle = circle_with_people(initiative, members=1, staff=False)
    participant = circle.members.get().participant
    meeting = CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(hours=1))
    reminder_services.reminders_plan()
    row = reminder_rows().get()
    change(meeting, participant)

    outbox.send_batch([row.pk])

    row.refresh_from_db()
    assert row.status == OutboxStatus.CANCELLED
    assert mail.outbox == []


# --- nudges ----------------------------------------------------------------------------------


def test_nudge_to_staff_of_a_meeting_without_notes_once(initiative):
    now = timezone.now()
    circle = circle_with_people(initiative, members=2)
    meeting = CircleSessionFactory(
        circle=circle, starts_at=now - timedelta(hours=30), duration_minutes=120
    )
    SessionLogFactory(meeting=meeting, status="draft")  # a draft still needs writing up

    first = reminder_services.reminders_plan(now=now)
    second = reminder_services.reminders_plan(now=now + timedelta(hours=5))

    rows = OutboxMessage.objects.filter(kind=reminder_services.NUDGE)
    assert first["nudges"] == 2
    assert second["nudges"] == 0
    assert {row.to_email for row in rows} == {s.user.email for s in circle.staff.all()}
    assert {row.key for row in rows} == {
        f"log.nudge:{meeting.pk}:u{s.user_id}" for s in circle.staff.all()
    }


@pytest.mark.parametrize(
    ("started_hours_ago", "log_status", "status"),
    [
        (20, None, MeetingStatus.SCHEDULED),  # ended less than a day ago
        (8 * 24, None, MeetingStatus.SCHEDULED),  # more than a week ago
        (30, "submitted", MeetingStatus.SCHEDULED),
        (30, "approved", MeetingStatus.SCHEDULED),
        (30, None, MeetingStatus.CANCELLED),
    ],
)
def test_no_nudge_when_notes_are_in_or_out_of_the_window(
    initiative, started_hours_ago, log_status, status
):
    now = timezone.now()
    meeting = CircleSessionFactory(
        circle=circle_with_people(initiative),
        starts_at=now - timedelta(hours=started_hours_ago),
        status=status,
    )
    if log_status:
        SessionLogFactory(meeting=meeting, status=log_status, approved_at=now)

    assert reminder_services.reminders_plan(now=now)["nudges"] == 0


def test_nudge_is_sent_with_the_log_link_and_dropped_once_notes_are_submitted(
    initiative, django_capture_on_commit_callbacks
):
    circle = circle_with_people(initiative, members=1)
    meeting = CircleSessionFactory(circle=circle, starts_at=timezone.now() - timedelta(days=2))
    reminder_services.reminders_plan()
    first, second = OutboxMessage.objects.filter(kind=reminder_services.NUDGE).order_by("pk")

    outbox.send_batch([first.pk])
    SessionLogFactory(meeting=meeting, status="submitted")
    outbox.send_batch([second.pk])

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == OutboxStatus.SENT
    assert second.status == OutboxStatus.CANCELLED
    assert f"/meetings/{meeting.pk}/log/edit/" in mail.outbox[0].body
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers


# --- alerts ------------------------------------------------------------------------------------


def test_organizers_are_alerted_about_a_circle_meeting_without_a_facilitator(
    initiative, organizer, member_of
):
    now = timezone.now()
    second_organizer = member_of(initiative, Role.ORGANIZER)
    member_of(initiative, Role.OBSERVER)
    bare = circle_with_people(initiative, staff=False)
    CircleStaffFactory(circle=bare, role="recorder")  # a recorder is not a facilitator
    first = CircleSessionFactory(circle=bare, starts_at=now + timedelta(days=3))
    CircleSessionFactory(circle=bare, starts_at=now + timedelta(days=6))
    staffed = circle_with_people(initiative)
    CircleSessionFactory(circle=staffed, starts_at=now + timedelta(days=3))
    far = circle_with_people(initiative, staff=False)
    CircleSessionFactory(circle=far, starts_at=now + timedelta(days=9))

    result = reminder_services.reminders_plan(now=now)
    again = reminder_services.reminders_plan(now=now + timedelta(hours=1))

    rows = OutboxMessage.objects.filter(kind=reminder_services.NO_FACILITATOR)
    assert result["alerts"] == 2
    assert again["alerts"] == 0
    assert {row.to_email for row in rows} == {organizer.email, second_organizer.email}
    assert {row.params["circle"] for row in rows} == {bare.pk}
    assert {row.scheduled_for for row in rows} == {first.starts_at}
    assert rows.first().key == (
        f"alert.no_facilitator:{bare.pk}:u{rows.first().params['user']}:"
        f"{first.starts_at.isoformat()}"
    )


def test_alert_is_dropped_when_a_facilitator_was_added_meanwhile(
    initiative, organizer, django_capture_on_commit_callbacks
):
    circle = circle_with_people(initiative, staff=False)
    CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(days=2))
    reminder_services.reminders_plan()
    row = OutboxMessage.objects.get(kind=reminder_services.NO_FACILITATOR)
    CircleStaffFactory(circle=circle, role="facilitator")

    outbox.send_batch([row.pk])

    row.refresh_from_db()
    assert row.status == OutboxStatus.CANCELLED


def test_alert_email_links_to_the_circle(initiative, organizer):
    circle = circle_with_people(initiative, staff=False)
    CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(days=2))
    reminder_services.reminders_plan()

    outbox.send_batch(list(OutboxMessage.objects.values_list("pk", flat=True)))

    alert = next(m for m in mail.outbox if m.to == [organizer.email])
    assert circle.name in alert.subject
    assert f"/circles/{circle.pk}/edit/" in alert.body


# --- queries and volume ------------------------------------------------------------------------


def _texter(circle, contact_by=ContactBy.BOTH):
    """A member who chose texts (the number and choice are read with the addresses)."""
    CircleMemberFactory(
        circle=circle, participant__phone="+13125550142", participant__contact_by=contact_by
    )


def _add_meetings(initiative, now, n):
    # Members who get texts (both, or texts only) and staff who opted in: texts cost no query
    # per row (their number and choice are read with the addresses).
    for i in range(n):
        circle = circle_with_people(initiative, members=1, staff=False)
        _texter(circle, ContactBy.TEXT if i % 2 else ContactBy.BOTH)
        CircleStaffFactory(
            circle=circle, user__mobile_phone="+13125551234", user__texts_wanted=True
        )
        CircleSessionFactory(circle=circle, starts_at=now + timedelta(hours=20 + i))
        circle = circle_with_people(initiative, members=1, staff=False)
        CircleStaffFactory(circle=circle)
        CircleStaffFactory(
            circle=circle, user__mobile_phone="+13125551234", user__texts_wanted=True
        )
        CircleSessionFactory(circle=circle, starts_at=now - timedelta(hours=30 + i))
        CircleSessionFactory(
            circle=circle_with_people(initiative, staff=False),
            starts_at=now + timedelta(days=2, hours=i),
        )


INSERT = "INSERT OR IGNORE"


def _statements(ctx, *, inserts: bool):
    return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(INSERT) == inserts]


def test_planner_queries_do_not_grow_with_meetings(
    initiative, organizer, django_assert_max_num_queries
):
    now = timezone.now()
    _add_meetings(initiative, now, 1)
    with CaptureQueriesContext(connection) as few:
        reminder_services.reminders_plan(now=now)
    _add_meetings(initiative, now, 12)
    before = OutboxMessage.objects.count()
    with CaptureQueriesContext(connection) as many:
        reminder_services.reminders_plan(now=now)
    added = OutboxMessage.objects.count() - before

    # Every read and write but the bulk inserts is the same whatever the number of meetings;
    # the inserts are batched (SQLite takes 999 parameters: a few dozen rows an INSERT).
    assert len(_statements(many, inserts=False)) == len(_statements(few, inserts=False))
    assert len(_statements(many, inserts=True)) <= len(_statements(few, inserts=True)) + added // 30
    with django_assert_max_num_queries(len(few.captured_queries)):
        reminder_services.reminders_plan(now=now + timedelta(minutes=5))
    # The texts were planned with the emails: reminders and nudges.
    text_kinds = set(
        OutboxMessage.objects.filter(channel=OutboxChannel.TEXT).values_list("kind", flat=True)
    )
    assert text_kinds == {reminder_services.REMINDER, reminder_services.NUDGE}


def test_ten_thousand_reminders_are_planned_in_one_bulk_path(initiative):
    """250 circles of 20 people meeting within the day: 10,000 reminders (2 offsets)."""
    now = timezone.now()
    circles = [CircleFactory.build(initiative=initiative, name=f"C{i}") for i in range(250)]
    circles = CircleFactory._meta.model.objects.bulk_create(circles)
    people = Participant.objects.bulk_create(
        [
            Participant(initiative=initiative, name=f"P{i}", email=f"p{i}@example.net")
            for i in range(5000)
        ]
    )
    CircleMember.objects.bulk_create(
        [CircleMember(circle=circles[i // 20], participant=p) for i, p in enumerate(people)]
    )
    CircleSession.objects.bulk_create(
        [
            CircleSession(circle=c, number=1, starts_at=now + timedelta(hours=3, minutes=i))
            for i, c in enumerate(circles)
        ]
    )

    with CaptureQueriesContext(connection) as ctx:
        result = reminder_services.reminders_plan(now=now)

    assert result["reminders"] == 10_000
    assert reminder_rows().count() == 10_000
    # Batched reads and inserts (500 rows a chunk, fewer per insert on SQLite), nothing per
    # row or per meeting: 10,000 rows in a few hundred queries at most.
    assert len(ctx.captured_queries) <= 10_000 // 25
    assert reminder_services.reminders_plan(now=now)["reminders"] == 0


def test_sending_a_batch_of_reminders_reads_in_a_few_queries_and_writes_a_few_per_message(
    initiative, settings
):
    """Each text is marked sent on its own, the emails a few at a time (so a killed worker
    resends at most the text in flight, or the emails sent since the last record: see
    dialogue_hub/outbox_email.py); everything the builder reads is loaded once per batch, and
    the texts' short links are written together."""
    from dialogue_hub import outbox

    now = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)  # midday in Chicago: texts go too
    with freeze_time(now):
        for _n in range(6):
            circle = circle_with_people(initiative, members=4)
            _texter(circle)
            _texter(circle, ContactBy.TEXT)
            CircleSessionFactory(circle=circle, starts_at=now + timedelta(hours=1))
        reminder_services.reminders_plan(now=now)
        ids = list(reminder_rows().values_list("pk", flat=True))
        assert len(ids) >= 24 + 12 + 6
        with CaptureQueriesContext(connection) as ctx:
            outcome = outbox.send_batch(ids)
    assert outcome["sent"] == len(ids)
    assert len(texts.sent) == 12
    emails = len(ids) - 12
    # One write per text, one per DIALOGUE_HUB_OUTBOX_RECORD_EVERY emails; a fixed 18 besides: the batch's prefetch (meetings, places, staff,
    # who is excused in advance, the needs less the excused, what is arranged), the outbox's own
    # reads and, for the texts, which numbers answered STOP, their short links (one upsert) and,
    # on PostgreSQL, the asynchronous commit set and reset.
    records = -(-emails // settings.DIALOGUE_HUB_OUTBOX_RECORD_EVERY)
    assert len(ctx.captured_queries) <= 12 + records + 18
