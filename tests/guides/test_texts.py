"""Meeting messages by text (issue 18): session reminders, a meeting moved or cancelled, the
circle placement and the staff's "write up your notes" nudge go by text to people who chose
texts (participant.contact_by) and to staff who opted in (user.texts_wanted), through the same
outbox rows, refused by the same builders when they no longer apply, held through quiet hours.

Time is frozen at midday in Chicago (the initiatives' zone here), outside quiet hours."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from dialogue_hub import outbox, texts
from dialogue_hub.models import OutboxChannel, OutboxMessage, OutboxStatus
from dialogue_hub.outbox_texts import render_text
from guides.models import CircleSession
from guides.services import meetings as meeting_services
from guides.services import reminders as reminder_services
from participants.models import ContactBy

from ..factories import (
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    ParticipantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
NOW = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)  # 12:00 in Chicago
STARTS = datetime(2026, 3, 11, 23, 17, tzinfo=UTC)  # Wednesday 6:17 p.m. in Chicago
PHONE = "+13125550142"
STAFF_PHONE = "+13125551234"


@pytest.fixture(autouse=True)
def midday():
    with freeze_time(NOW):
        yield


def texter(circle, *, contact_by=ContactBy.BOTH, language="en", phone=PHONE, **kwargs):
    participant = ParticipantFactory(
        initiative=circle.initiative,
        phone=phone,
        contact_by=contact_by,
        preferred_language=language,
        **kwargs,
    )
    CircleMemberFactory(circle=circle, participant=participant)
    return participant


def a_circle(initiative, **kwargs):
    return CircleFactory(initiative=initiative, name="Northside", venue_name="Library", **kwargs)


def send_due(**filters):
    """What a worker does with the due rows: one batch."""
    ids = list(
        OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING, send_after__lte=datetime.now(UTC), **filters
        ).values_list("pk", flat=True)
    )
    return outbox.send_batch(ids)


def texts_to(number):
    return [text["body"] for text in texts.sent if text["to"] == number]


def destination(body):
    """Where the text's link (its last word, a short link) leads: the path it redirects to."""
    link = body.split()[-1]
    assert link.startswith("http://127.0.0.1:8000/t/"), body
    response = Client().get(link.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 302, body
    return response["Location"]


def emails_to(address):
    return [message for message in mail.outbox if address in message.to]


# --- session reminders -------------------------------------------------------------------------


def test_both_gets_the_reminder_email_and_a_spanish_reminder_text(initiative):
    circle = a_circle(initiative)
    person = texter(circle, language="es")
    CircleSessionFactory(circle=circle, starts_at=STARTS)

    reminder_services.reminders_plan()
    outcome = send_due()

    assert outcome["sent"] == 2  # the 48 h reminder is due: its email and its text
    assert len(emails_to(person.email)) == 1
    [body] = texts_to(PHONE)
    assert body.startswith("Dialogue Hub: recordatorio, Northside se reúne")
    assert "11 de marzo, 18:17" in body  # Chicago's wall clock, in Spanish
    assert "Lugar: Library" in body
    assert "/circle/" in destination(body)
    assert body.split()[-1].startswith("http")
    # The link opens the person's own circle page.
    page = Client().get(destination(body))
    assert page.status_code == 200
    assert "Northside" in page.text
    text_row = OutboxMessage.objects.get(channel=OutboxChannel.TEXT, params__hours=48)
    assert (text_row.to_phone, text_row.to_email, text_row.status) == (PHONE, "", "sent")
    assert text_row.segments == texts.segments(body).count


def test_text_only_gets_the_text_and_no_email(initiative):
    circle = a_circle(initiative)
    person = texter(circle, contact_by=ContactBy.TEXT)
    CircleSessionFactory(circle=circle, starts_at=STARTS)

    reminder_services.reminders_plan()
    send_due()

    assert emails_to(person.email) == []
    [body] = texts_to(PHONE)
    assert body.startswith("Dialogue Hub: reminder, Northside meets Wednesday March 11")
    assert "6:17 p.m." in body
    assert "Where: Library" in body
    # Its address is kept only as the fallback if the provider refuses the number.
    row = OutboxMessage.objects.get(kind=reminder_services.REMINDER, params__hours=48)
    assert (row.channel, row.to_email) == (OutboxChannel.TEXT, person.email)
    assert not OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL).exists()


def test_a_guardian_addressed_minor_who_chose_texts_still_gets_them(initiative):
    """No email of their own (their guardian's address is their contact): the text still goes."""
    circle = a_circle(initiative)
    texter(circle, contact_by=ContactBy.TEXT, email="", guardian_email="mum@example.net")
    CircleSessionFactory(circle=circle, starts_at=STARTS)

    reminder_services.reminders_plan()
    send_due()

    assert len(texts_to(PHONE)) == 1
    assert mail.outbox == []


def test_email_only_people_get_no_text(initiative):
    circle = a_circle(initiative)
    texter(circle, contact_by=ContactBy.EMAIL)
    CircleSessionFactory(circle=circle, starts_at=STARTS)

    reminder_services.reminders_plan()
    send_due()

    assert texts.sent == []
    assert len(mail.outbox) == 1


def test_a_reminder_text_for_a_meeting_moved_behind_the_planners_back_is_not_sent(initiative):
    circle = a_circle(initiative)
    texter(circle)
    meeting = CircleSessionFactory(circle=circle, starts_at=STARTS)
    reminder_services.reminders_plan()
    CircleSession.objects.filter(pk=meeting.pk).update(starts_at=STARTS + timedelta(days=1))

    send_due()

    assert texts.sent == []
    row = OutboxMessage.objects.get(channel=OutboxChannel.TEXT, params__hours=48)
    assert (row.status, row.last_error) == (
        OutboxStatus.CANCELLED,
        "The meeting was moved to another time.",
    )


def test_quiet_hours_hold_the_reminder_text_until_eight_then_it_goes(initiative):
    circle = a_circle(initiative)
    person = texter(circle)
    late = datetime(2026, 3, 10, 22, 30, tzinfo=CHICAGO)
    CircleSessionFactory(circle=circle, starts_at=late + timedelta(hours=30))

    with freeze_time(late):
        reminder_services.reminders_plan()
        outcome = send_due(params__hours=48)
    # The email goes at once; the text waits for the morning, its attempt not counted.
    assert (outcome["sent"], outcome["held"]) == (1, 1)
    assert len(emails_to(person.email)) == 1
    assert texts.sent == []
    row = OutboxMessage.objects.get(channel=OutboxChannel.TEXT, params__hours=48)
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 0
    assert row.send_after == datetime(2026, 3, 11, 8, 0, tzinfo=CHICAGO)

    with freeze_time(datetime(2026, 3, 11, 7, 59, tzinfo=CHICAGO)):
        assert send_due(pk=row.pk)["sent"] == 0
    with freeze_time(datetime(2026, 3, 11, 8, 0, tzinfo=CHICAGO)):
        assert send_due(pk=row.pk)["sent"] == 1
    assert len(texts_to(PHONE)) == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT


# --- moved and cancelled -----------------------------------------------------------------------


def test_a_moved_meeting_cancels_the_old_reminder_texts_and_the_new_ones_say_the_new_time(
    initiative, organizer, django_capture_on_commit_callbacks
):
    circle = a_circle(initiative)
    texter(circle, contact_by=ContactBy.TEXT)
    meeting = CircleSessionFactory(circle=circle, starts_at=STARTS + timedelta(hours=12))
    reminder_services.reminders_plan()
    old_texts = list(OutboxMessage.objects.filter(channel=OutboxChannel.TEXT))
    assert {row.params["hours"] for row in old_texts} == {48, 2}

    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_reschedule(
            user=organizer,
            meeting=meeting,
            day=STARTS.astimezone(CHICAGO).date(),
            at=STARTS.astimezone(CHICAGO).time(),
        )

    for row in old_texts:
        row.refresh_from_db()
        assert row.status == OutboxStatus.CANCELLED
    # The notice went at once (essential), then the new time's 48 h reminder (due at once).
    [notice, reminder] = texts_to(PHONE)
    assert notice.startswith("Dialogue Hub: Northside meeting moved to Wednesday March 11")
    assert "6:17 p.m." in notice
    assert "/circle/" in destination(notice)
    assert "reminder, Northside meets Wednesday March 11, 6:17 p.m." in reminder
    new = OutboxMessage.objects.filter(
        channel=OutboxChannel.TEXT, kind=reminder_services.REMINDER, scheduled_for=STARTS
    )
    assert {row.params["hours"] for row in new} == {48, 2}


def test_a_cancelled_meeting_is_told_by_text_and_its_reminder_texts_are_cancelled(
    initiative, organizer, django_capture_on_commit_callbacks
):
    circle = a_circle(initiative)
    texter(circle, language="es")
    meeting = CircleSessionFactory(circle=circle, starts_at=STARTS + timedelta(hours=12))
    reminder_services.reminders_plan()

    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_cancel(user=organizer, meeting=meeting)

    reminders = OutboxMessage.objects.filter(
        channel=OutboxChannel.TEXT, kind=reminder_services.REMINDER
    )
    assert {row.status for row in reminders} == {OutboxStatus.CANCELLED}
    [body] = texts_to(PHONE)
    assert body.startswith("Dialogue Hub: se canceló la reunión de Northside del jueves")
    assert "12 de marzo, 06:17" in body
    assert "/circle/" in destination(body)


def test_a_cancellation_text_is_not_sent_once_the_meeting_is_on_again(
    initiative, organizer, django_capture_on_commit_callbacks
):
    circle = a_circle(initiative)
    texter(circle)
    meeting = CircleSessionFactory(circle=circle, starts_at=STARTS)
    meeting_services.meeting_cancel(user=organizer, meeting=meeting)  # notices not sent yet
    CircleSession.objects.filter(pk=meeting.pk).update(status="scheduled")

    send_due(kind=reminder_services.CANCELLED)

    assert texts.sent == []
    row = OutboxMessage.objects.get(channel=OutboxChannel.TEXT, kind=reminder_services.CANCELLED)
    assert row.status == OutboxStatus.CANCELLED


# --- placement ---------------------------------------------------------------------------------


def test_the_placement_text_carries_the_link_to_the_circle_page(
    initiative, organizer, django_capture_on_commit_callbacks
):
    circle = a_circle(initiative)
    texter(circle, contact_by=ContactBy.TEXT)
    CircleSessionFactory(circle=circle, starts_at=STARTS)

    with django_capture_on_commit_callbacks(execute=True):
        queued = reminder_services.placement_notices_send(user=organizer, initiative=initiative)

    assert queued == 1
    [body] = texts_to(PHONE)
    assert body.startswith("Dialogue Hub: your circle is Northside.")
    assert "First meeting: Wednesday March 11, 6:17 p.m." in body
    link = destination(body)
    assert "/circle/" in link
    page = Client().get(link)
    assert page.status_code == 200
    assert "Northside" in page.text
    # Clicking again sends nothing more.
    assert reminder_services.placement_notices_send(user=organizer, initiative=initiative) == 0


# --- staff -------------------------------------------------------------------------------------


def test_opted_in_staff_get_the_nudge_by_text_and_others_by_email_only(initiative):
    circle = a_circle(initiative)
    wants = UserFactory(mobile_phone=STAFF_PHONE, texts_wanted=True)
    number_only = UserFactory(mobile_phone="+13125559876", texts_wanted=False)
    CircleStaffFactory(circle=circle, user=wants, role="facilitator")
    CircleStaffFactory(circle=circle, user=number_only, role="recorder")
    meeting = CircleSessionFactory(circle=circle, starts_at=NOW - timedelta(hours=30))

    reminder_services.reminders_plan()
    send_due(kind=reminder_services.NUDGE)

    [body] = [text["body"] for text in texts.sent]
    assert texts.sent[0]["to"] == STAFF_PHONE
    assert body.startswith("Dialogue Hub: please write up the notes of Northside meeting #")
    assert destination(body) == reverse(
        "guides:log_edit", kwargs={"slug": initiative.slug, "pk": meeting.pk}
    )
    # Staff keep their emails: both got the nudge by email.
    assert len(emails_to(wants.email)) == 1
    assert len(emails_to(number_only.email)) == 1


def test_opted_in_staff_get_their_meeting_reminders_by_text_too(initiative):
    circle = a_circle(initiative)
    staff = UserFactory(mobile_phone=STAFF_PHONE, texts_wanted=True, preferred_language="es")
    CircleStaffFactory(circle=circle, user=staff)
    meeting = CircleSessionFactory(circle=circle, starts_at=STARTS)

    reminder_services.reminders_plan()
    send_due()

    [body] = texts_to(STAFF_PHONE)
    assert body.startswith("Dialogue Hub: recordatorio, Northside se reúne")
    assert destination(body) == reverse(
        "guides:attendance", kwargs={"slug": initiative.slug, "pk": meeting.pk}
    )
    assert len(emails_to(staff.email)) == 1


def test_staff_who_opt_in_later_get_texts_for_reminders_already_planned(initiative):
    circle = a_circle(initiative)
    staff = UserFactory()
    CircleStaffFactory(circle=circle, user=staff)
    CircleSessionFactory(circle=circle, starts_at=STARTS)
    reminder_services.reminders_plan()
    assert not OutboxMessage.objects.filter(channel=OutboxChannel.TEXT).exists()

    staff.mobile_phone, staff.texts_wanted = STAFF_PHONE, True
    staff.save()
    reminder_services.reminders_plan(now=NOW + timedelta(minutes=5))

    texts_rows = OutboxMessage.objects.filter(channel=OutboxChannel.TEXT)
    assert {row.params["hours"] for row in texts_rows} == {48, 2}
    assert reminder_services.reminders_plan(now=NOW + timedelta(minutes=10))["reminders"] == 0


def test_staff_who_change_their_number_get_the_planned_reminders_at_the_new_one(initiative):
    from dialogue_hub.texts import account_texts_set

    circle = a_circle(initiative)
    staff = UserFactory(mobile_phone=STAFF_PHONE, texts_wanted=True)
    CircleStaffFactory(circle=circle, user=staff)
    CircleSessionFactory(circle=circle, starts_at=STARTS)
    reminder_services.reminders_plan()
    assert OutboxMessage.objects.filter(channel=OutboxChannel.TEXT, to_phone=STAFF_PHONE).exists()

    account_texts_set(user=staff, mobile_phone="+13125559876", texts_wanted=True)
    reminder_services.reminders_plan(now=NOW + timedelta(minutes=5))

    pending = OutboxMessage.objects.filter(channel=OutboxChannel.TEXT, status=OutboxStatus.PENDING)
    assert set(pending.values_list("to_phone", flat=True)) == {"+13125559876"}
    send_due()
    assert texts_to("+13125559876")
    assert not texts_to(STAFF_PHONE)


# --- the texts themselves ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_meeting_text_names_the_sender_carries_its_link_and_is_short(
    initiative, organizer, language
):
    """Each text renders in both languages; segments: English fits one (GSM-7, 160), Spanish's
    accents make it UCS-2 (70 a segment), so two or three (links are short: /t/<code>/)."""
    circle = a_circle(initiative)
    person = texter(circle, language=language)
    staff = UserFactory(mobile_phone=STAFF_PHONE, texts_wanted=True, preferred_language=language)
    CircleStaffFactory(circle=circle, user=staff)
    meeting = CircleSessionFactory(circle=circle, starts_at=STARTS)
    held = CircleSessionFactory(circle=circle, starts_at=NOW - timedelta(hours=30), number=2)
    member = {"participant": person.pk}
    cases = [
        (reminder_services.REMINDER, {"meeting": meeting.pk, **member, "hours": 2}, STARTS),
        (
            reminder_services.RESCHEDULED,
            {"meeting": meeting.pk, **member, "old_start": NOW.isoformat()},
            STARTS,
        ),
        (reminder_services.ASSIGNED, {"circle": circle.pk, **member}, None),
        (reminder_services.NUDGE, {"meeting": held.pk, "user": staff.pk}, held.starts_at),
    ]
    sizes = {}
    for kind, params, scheduled_for in cases:
        row = OutboxMessage(
            kind=kind,
            params=params,
            scheduled_for=scheduled_for,
            language=language,
            channel=OutboxChannel.TEXT,
            to_phone=PHONE,
            initiative=initiative,
        )
        body = render_text(row, outbox.KINDS[kind])
        assert body.startswith("Dialogue Hub: "), body
        assert "http://127.0.0.1:8000/" in body, body
        assert ".." not in body, body  # "6:17 p.m." ends a sentence once
        size = texts.segments(body)
        sizes[kind] = (size.encoding, size.count, size.length)
    print(language, sizes)  # the segment counts, for the record (pytest -s)
    if language == "en":
        # English stays GSM-7, and with a short link every text fits one segment.
        assert all(encoding == "GSM-7" for encoding, _c, _l in sizes.values()), sizes
        assert all(count == 1 for _e, count, _l in sizes.values()), sizes
    else:
        # Spanish accents make it UCS-2 (70 a segment): two or three.
        assert all(count <= 3 for _e, count, _l in sizes.values()), sizes


def test_a_site_without_a_text_provider_plans_no_texts(initiative, settings):
    settings.DIALOGUE_HUB_SMS_URL = ""
    circle = a_circle(initiative)
    person = texter(circle)
    CircleStaffFactory(circle=circle, user=UserFactory(mobile_phone=STAFF_PHONE, texts_wanted=True))
    CircleSessionFactory(circle=circle, starts_at=STARTS)

    assert reminder_services.reminders_plan()["reminders"] == 4
    send_due()

    assert not OutboxMessage.objects.filter(channel=OutboxChannel.TEXT).exists()
    assert texts.sent == []
    assert len(emails_to(person.email)) == 1
    # Nothing waits to be added: the next sweep finds every row there.
    assert reminder_services.reminders_plan(now=NOW + timedelta(minutes=5))["reminders"] == 0


def test_people_reached_by_text_are_not_counted_as_unreachable(initiative):
    from guides.selectors import reminders as reminder_selectors

    circle = a_circle(initiative)
    texter(circle, contact_by=ContactBy.TEXT, email="", guardian_email="mum@example.net")
    CircleMemberFactory(circle=circle, participant__email="", participant__guardian_email="x@y.z")

    assert reminder_selectors.placed_without_email(initiative=initiative) == 1


# --- nobody misses a message for their choice of channel ------------------------------------------


def test_without_a_text_provider_a_texts_only_person_gets_the_reminder_by_email(
    initiative, settings
):
    settings.DIALOGUE_HUB_SMS_URL = ""
    circle = a_circle(initiative)
    person = texter(circle, contact_by=ContactBy.TEXT)
    CircleSessionFactory(circle=circle, starts_at=STARTS)

    assert reminder_services.reminders_plan()["reminders"] == 2
    send_due()

    assert texts.sent == []
    assert len(emails_to(person.email)) == 1
    assert reminder_services.reminders_plan(now=NOW + timedelta(minutes=5))["reminders"] == 0


def test_texts_waiting_when_the_provider_is_removed_go_by_email_instead(initiative, settings):
    circle = a_circle(initiative)
    person = texter(circle, contact_by=ContactBy.TEXT)
    CircleSessionFactory(circle=circle, starts_at=STARTS)
    reminder_services.reminders_plan()
    settings.DIALOGUE_HUB_SMS_URL = ""

    outcome = send_due(channel=OutboxChannel.TEXT)

    assert outcome["failed"] == 1
    failed = OutboxMessage.objects.get(channel=OutboxChannel.TEXT, status=OutboxStatus.FAILED)
    assert failed.last_error == "No text message provider is set up."
    send_due(channel=OutboxChannel.EMAIL)
    assert len(emails_to(person.email)) == 1


def test_after_stop_a_texts_only_person_gets_their_reminders_by_email(initiative):
    circle = a_circle(initiative)
    person = texter(circle, contact_by=ContactBy.TEXT)
    CircleSessionFactory(circle=circle, starts_at=STARTS)
    later = CircleSessionFactory(circle=circle, starts_at=STARTS + timedelta(days=7), number=2)
    reminder_services.reminders_plan()
    waiting = OutboxMessage.objects.filter(channel=OutboxChannel.TEXT, status=OutboxStatus.PENDING)
    assert waiting.exists()

    texts.set_stopped(PHONE, stopped=True, keyword="ALTO")  # the waiting texts: emails now
    send_due()
    assert texts.sent == []
    assert len(emails_to(person.email)) == 1
    # A reminder planned after the STOP: its text is skipped when sent, its email goes.
    with freeze_time(later.starts_at - timedelta(hours=47)):
        reminder_services.reminders_plan()
        assert send_due(channel=OutboxChannel.TEXT)["skipped"] == 1
        send_due(channel=OutboxChannel.EMAIL)
    assert texts.sent == []
    assert len(emails_to(person.email)) == 2
    assert "Wednesday March 18" in emails_to(person.email)[-1].body


def test_a_minor_without_a_guardians_consent_gets_no_meeting_texts(initiative):
    circle = a_circle(initiative)
    minor = texter(
        circle,
        contact_by=ContactBy.TEXT,
        age_band="13_17",
        guardian_email="mum@example.net",
        guardian_consented_at=None,
    )
    CircleSessionFactory(circle=circle, starts_at=STARTS)

    reminder_services.reminders_plan()
    send_due()

    assert texts.sent == []
    assert len(emails_to(minor.email)) == 1  # the reminder by email instead
    # Once the guardian consented, the texts come.
    minor.guardian_consented_at = NOW
    minor.save(update_fields=["guardian_consented_at"])
    CircleSessionFactory(circle=circle, starts_at=STARTS + timedelta(hours=1), number=2)
    reminder_services.reminders_plan()
    send_due()
    assert texts_to(PHONE)


def test_a_text_the_provider_never_takes_ends_failed_and_its_email_goes_instead(
    initiative, settings
):
    circle = a_circle(initiative)
    person = texter(circle, contact_by=ContactBy.TEXT)
    CircleSessionFactory(circle=circle, starts_at=STARTS)
    reminder_services.reminders_plan()
    text = OutboxMessage.objects.get(channel=OutboxChannel.TEXT, params__hours=48)
    OutboxMessage.objects.filter(pk=text.pk).update(
        attempts=settings.DIALOGUE_HUB_OUTBOX_MAX_ATTEMPTS - 1
    )
    # Nothing listens there: the provider is unreachable, a transient error, the last try.
    settings.DIALOGUE_HUB_SMS_URL = "twilio+http://AC1:secret@127.0.0.1:9?from=%2B15005550006"

    assert outbox.send_batch([text.pk])["failed"] == 1

    text.refresh_from_db()
    assert text.status == OutboxStatus.FAILED
    assert "ConnectionError" in text.last_error or "Connection" in text.last_error
    send_due(channel=OutboxChannel.EMAIL)
    assert len(emails_to(person.email)) == 1
