"""Notices the meeting services send (moved, cancelled: essential, to members and staff, with
the reminders for the old time cancelled and new ones planned), and the circle placement
notices organizers send from the circles overview (once per person and circle, with the
circle's meetings as an .ics), plus the .ics added to the welcome email of a placed person."""

import zoneinfo
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from dialogue_hub import outbox
from dialogue_hub.models import OutboxMessage, OutboxStatus
from guides.models import CircleMember, CircleSession, MeetingStatus
from guides.services import meetings as meeting_services
from guides.services import reminders as reminder_services
from initiatives.models import ActivityLogEntry, Role

from ..factories import (
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    InitiativeFactory,
)

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def circle_with_people(initiative, *, members=2, **kwargs):
    circle = CircleFactory(initiative=initiative, **kwargs)
    for _n in range(members):
        CircleMemberFactory(circle=circle)
    CircleStaffFactory(circle=circle, role="facilitator")
    CircleStaffFactory(circle=circle, role="recorder")
    return circle


def everyone(circle):
    return {m.participant.email for m in circle.members.all()} | {
        s.user.email for s in circle.staff.all()
    }


def later_local(hours):
    local = (timezone.now() + timedelta(hours=hours)).astimezone(CHICAGO)
    # Not on the hour: "11 p.m." has no ":00" for the body assertions to find.
    return local.date(), local.time().replace(minute=17, second=0, microsecond=0)


# --- moved ---------------------------------------------------------------------------------------


def test_reschedule_cancels_old_reminders_plans_new_ones_and_tells_everyone(
    initiative, organizer, django_capture_on_commit_callbacks
):
    circle = circle_with_people(initiative)
    starts_at = (timezone.now() + timedelta(hours=40)).replace(minute=23, second=0, microsecond=0)
    meeting = CircleSessionFactory(circle=circle, starts_at=starts_at)
    reminder_services.reminders_plan()
    old_start = meeting.starts_at
    old_rows = list(OutboxMessage.objects.filter(kind=reminder_services.REMINDER))
    assert len(old_rows) == 8
    day, at = later_local(30)

    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_reschedule(user=organizer, meeting=meeting, day=day, at=at)

    meeting.refresh_from_db()
    for row in old_rows:
        row.refresh_from_db()
        # The 48 h one (due at once) may already have gone out; the 2 h one had not.
        assert row.status in {OutboxStatus.CANCELLED, OutboxStatus.SENT}
    assert {r.status for r in old_rows if r.params["hours"] == 2} == {OutboxStatus.CANCELLED}
    new_rows = OutboxMessage.objects.filter(
        kind=reminder_services.REMINDER, scheduled_for=meeting.starts_at
    )
    assert new_rows.count() == 8
    assert all(meeting.starts_at.isoformat() in row.key for row in new_rows)
    notices = [
        m for m in mail.outbox if m.extra_headers["X-Dialogue-Hub-Kind"] == "meeting.rescheduled"
    ]
    assert {m.to[0] for m in notices} == everyone(circle)
    body = notices[0].body
    assert at.strftime("%-I:%M") in body
    assert old_start.astimezone(CHICAGO).strftime("%-I:%M") in body
    assert "List-Unsubscribe" not in notices[0].extra_headers  # essential
    assert notices[0].attachments[0][0] == f"meeting-{meeting.pk}.ics"


def test_rescheduled_notice_goes_even_to_people_who_turned_reminders_off(
    initiative, organizer, django_capture_on_commit_callbacks
):
    circle = circle_with_people(initiative, members=1)
    member = circle.members.get().participant
    outbox.preferences_set(address=member.email, opted_out=list(outbox.CATEGORIES))
    meeting = CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(days=5))
    day, at = later_local(24 * 6)

    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_reschedule(user=organizer, meeting=meeting, day=day, at=at)

    assert member.email in {m.to[0] for m in mail.outbox}


def test_a_notice_for_a_time_the_meeting_no_longer_has_is_cancelled(initiative, organizer):
    circle = circle_with_people(initiative, members=1)
    meeting = CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(days=5))
    meeting_services.meeting_reschedule(user=organizer, meeting=meeting, day=later_local(24 * 6)[0],
                                at=later_local(24 * 6)[1])  # fmt: skip
    first = set(
        OutboxMessage.objects.filter(kind=reminder_services.RESCHEDULED).values_list(
            "pk", flat=True
        )
    )
    meeting.refresh_from_db()
    meeting_services.meeting_reschedule(user=organizer, meeting=meeting, day=later_local(24 * 8)[0],
                                at=later_local(24 * 8)[1])  # fmt: skip

    outcome = outbox.send_batch(
        list(
            OutboxMessage.objects.filter(kind=reminder_services.RESCHEDULED).values_list(
                "pk", flat=True
            )
        )
    )

    assert outcome["cancelled"] == len(first) == 3
    assert outcome["sent"] == 3
    assert set(
        OutboxMessage.objects.filter(status=OutboxStatus.CANCELLED, kind=reminder_services.RESCHEDULED)
        .values_list("pk", flat=True)
    ) == first  # fmt: skip


def test_moving_a_meeting_back_to_its_old_time_plans_its_reminders_again(initiative, organizer):
    circle = circle_with_people(initiative, members=1)
    meeting = CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(hours=30))
    meeting.starts_at = meeting.starts_at.replace(second=0, microsecond=0)
    meeting.save(update_fields=["starts_at"])
    original = meeting.starts_at.astimezone(CHICAGO)
    reminder_services.reminders_plan()
    meeting_services.meeting_reschedule(user=organizer, meeting=meeting, day=later_local(40)[0],
                                at=later_local(40)[1])  # fmt: skip
    meeting.refresh_from_db()

    meeting_services.meeting_reschedule(
        user=organizer, meeting=meeting, day=original.date(), at=original.time()
    )

    meeting.refresh_from_db()
    pending = OutboxMessage.objects.filter(
        kind=reminder_services.REMINDER,
        status=OutboxStatus.PENDING,
        scheduled_for=meeting.starts_at,
    )
    assert pending.count() == 6  # 3 people x (48 h, 2 h)


def test_correcting_the_time_of_a_past_meeting_tells_nobody(initiative, organizer):
    circle = circle_with_people(initiative)
    meeting = CircleSessionFactory(circle=circle, starts_at=timezone.now() - timedelta(days=3))
    day, at = later_local(-24 * 2)

    meeting_services.meeting_reschedule(user=organizer, meeting=meeting, day=day, at=at)

    assert not OutboxMessage.objects.exists()


# --- cancelled -----------------------------------------------------------------------------------


def test_cancel_tells_members_and_staff_and_cancels_reminders(
    initiative, organizer, django_capture_on_commit_callbacks
):
    circle = circle_with_people(initiative)
    spanish = CircleMemberFactory(circle=circle, participant__preferred_language="es")
    meeting = CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(hours=30))
    reminder_services.reminders_plan()

    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_cancel(user=organizer, meeting=meeting)

    assert not OutboxMessage.objects.filter(
        kind=reminder_services.REMINDER, params__hours=2
    ).exclude(status=OutboxStatus.CANCELLED).exists()  # fmt: skip
    notices = [
        m for m in mail.outbox if m.extra_headers["X-Dialogue-Hub-Kind"] == "meeting.cancelled"
    ]
    assert {m.to[0] for m in notices} == everyone(circle)
    english = next(m for m in notices if m.to[0] != spanish.participant.email)
    assert circle.name in english.subject
    assert "STATUS:CANCELLED" in english.attachments[0][1]
    in_spanish = next(m for m in notices if m.to[0] == spanish.participant.email)
    assert '<html lang="es">' in in_spanish.alternatives[0][0]
    assert OutboxMessage.objects.get(to_email=spanish.participant.email,
                                     kind=reminder_services.CANCELLED).language == "es"  # fmt: skip


def test_cancel_notice_is_dropped_when_the_meeting_is_back_on(initiative, organizer):
    circle = circle_with_people(initiative, members=1)
    meeting = CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(days=3))
    meeting_services.meeting_cancel(user=organizer, meeting=meeting)
    CircleSession.objects.filter(pk=meeting.pk).update(status=MeetingStatus.SCHEDULED)

    outcome = outbox.send_batch(
        list(
            OutboxMessage.objects.filter(kind=reminder_services.CANCELLED).values_list(
                "pk", flat=True
            )
        )
    )

    assert outcome["cancelled"] == 3
    assert mail.outbox == []


def test_reinstating_a_cancelled_meeting_says_it_is_back_on(
    initiative, organizer, django_capture_on_commit_callbacks
):
    circle = circle_with_people(initiative, members=1)
    meeting = CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(days=3))
    meeting_services.meeting_cancel(user=organizer, meeting=meeting)
    meeting.refresh_from_db()
    day, at = later_local(24 * 10)

    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_reschedule(user=organizer, meeting=meeting, day=day, at=at)

    moved = [
        m for m in mail.outbox if m.extra_headers["X-Dialogue-Hub-Kind"] == "meeting.rescheduled"
    ]
    assert len(moved) == 3
    assert "back on" in moved[0].subject


def test_cancelling_a_past_meeting_tells_nobody(initiative, organizer):
    circle = circle_with_people(initiative)
    meeting = CircleSessionFactory(circle=circle, starts_at=timezone.now() - timedelta(days=1))

    meeting_services.meeting_cancel(user=organizer, meeting=meeting)

    assert not OutboxMessage.objects.filter(kind=reminder_services.CANCELLED).exists()


# --- placement notices -------------------------------------------------------------------------


def notices_url(initiative):
    return reverse("guides:circle_placement_notices", kwargs={"slug": initiative.slug})


def test_a_refused_placement_notice_run_says_why(client, initiative, organizer, monkeypatch):
    from dialogue_hub.exceptions import DomainError
    from guides.services import reminders as reminder_services

    def refuse(**kwargs):
        raise DomainError("The circles are locked for a moment; try again.")

    monkeypatch.setattr(reminder_services, "placement_notices_send", refuse)
    client.force_login(organizer)

    response = client.post(notices_url(initiative), follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "The circles are locked for a moment; try again." in page
    assert "No placement notices were sent" not in page


def placement_rows(initiative):
    """This initiative's placement notices in the outbox (never another test's: the database
    and the process are shared with whatever ran before in the same worker)."""
    return OutboxMessage.objects.filter(initiative=initiative, kind=reminder_services.ASSIGNED)


def outbox_state(initiative) -> str:
    """What the outbox holds and sent, for an assertion's message: a failure says why."""
    rows = placement_rows(initiative).order_by("pk").values_list("key", "status", "last_error")
    sent = [(m.to, m.extra_headers.get("X-Dialogue-Hub-Kind"), m.subject) for m in mail.outbox]
    return f"rows: {list(rows)}; mail.outbox: {sent}"


def test_organizer_emails_placement_notices_once_per_person_and_circle(
    client, initiative, organizer, django_capture_on_commit_callbacks
):
    first = circle_with_people(initiative, members=2, venue_address="12 Elm St")
    second = circle_with_people(initiative, members=1)
    # Never on the hour: the email writes 8 p.m. as "8 p.m.", and the test looks for "8:00".
    start = timezone.now().replace(minute=31, second=0, microsecond=0)
    meeting = CircleSessionFactory(circle=first, starts_at=start + timedelta(days=4))
    CircleSessionFactory(circle=first, starts_at=start + timedelta(days=11))
    CircleSessionFactory(
        circle=first, starts_at=start + timedelta(days=18), status=MeetingStatus.CANCELLED
    )
    members = list(
        CircleMember.objects.filter(circle__in=[first, second])
        .select_related("participant")
        .order_by("pk")
    )
    client.force_login(organizer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(notices_url(initiative), follow=True)

    assert response.redirect_chain[-1][0] == reverse("guides:circles", args=[initiative.slug])
    assert "3 placement notices are on their way." in response.content.decode()
    # One email to each placed person and none to anyone else of this test (the staff, the
    # organizer): the addresses are this test's own, so mail another test's thread might
    # still deliver into the process-wide outbox cannot count here.
    ours = everyone(first) | everyone(second) | {organizer.email}
    received = sorted(to for m in mail.outbox for to in m.to if to in ours)
    assert received == sorted(m.participant.email for m in members), outbox_state(initiative)
    assert set(placement_rows(initiative).values_list("key", "status")) == {
        (f"circle.assigned:{m.circle_id}:{m.participant_id}", OutboxStatus.SENT) for m in members
    }, outbox_state(initiative)
    placed_first = members[0]
    assert placed_first.circle_id == first.pk
    message = next(m for m in mail.outbox if m.to == [placed_first.participant.email])
    assert first.name in message.subject
    assert "12 Elm St" in message.body
    assert meeting.starts_at.astimezone(CHICAGO).strftime("%-I:%M") in message.body
    assert "/calendar/p/" in message.body
    assert "/circle/" in message.body
    filename, content, _mimetype = message.attachments[0]
    assert filename == f"circle-{first.pk}.ics"
    assert content.count("BEGIN:VEVENT") == 2  # the scheduled meetings, not the cancelled one
    notices_logged = ActivityLogEntry.objects.filter(
        initiative=initiative, action="circle.placement_notices_sent"
    )
    assert notices_logged.count() == 1

    # Again: nobody new. Then one person placed, one moved: only they get one.
    response = client.post(notices_url(initiative), follow=True)
    assert "No placement notices were sent" in response.content.decode()
    newcomer = CircleMemberFactory(circle=second)
    moved = placed_first
    moved.circle = second
    moved.save(update_fields=["circle"])
    response = client.post(notices_url(initiative), follow=True)
    assert "2 placement notices are on their way." in response.content.decode()
    latest = placement_rows(initiative).order_by("-pk")[:2]
    assert {row.key for row in latest} == {
        f"circle.assigned:{second.pk}:{newcomer.participant_id}",
        f"circle.assigned:{second.pk}:{moved.participant_id}",
    }, outbox_state(initiative)
    assert placement_rows(initiative).count() == 5
    assert notices_logged.count() == 2


def test_placement_notice_for_someone_moved_before_sending_is_cancelled(initiative, organizer):
    first = circle_with_people(initiative, members=1)
    second = circle_with_people(initiative, members=0)
    reminder_services.placement_notices_send(user=organizer, initiative=initiative)
    CircleMember.objects.filter(circle=first).update(circle=second)

    outcome = outbox.send_batch(list(OutboxMessage.objects.values_list("pk", flat=True)))

    assert outcome["cancelled"] == 1


def test_placement_notice_in_the_participants_language(client, initiative, organizer):
    circle = circle_with_people(initiative, members=0)
    CircleMemberFactory(circle=circle, participant__preferred_language="es")

    reminder_services.placement_notices_send(user=organizer, initiative=initiative)
    outbox.send_batch(list(OutboxMessage.objects.values_list("pk", flat=True)))

    assert '<html lang="es">' in mail.outbox[0].alternatives[0][0]
    assert mail.outbox[0].attachments == []  # no meetings yet


def test_overview_shows_the_button_to_organizers_only(client, initiative, organizer, member_of):
    circle_with_people(initiative, members=1)
    client.force_login(organizer)
    assert (
        notices_url(initiative)
        in client.get(reverse("guides:circles", args=[initiative.slug])).content.decode()
    )
    steward = member_of(initiative, Role.DATA_STEWARD)
    client.force_login(steward)
    page = client.get(reverse("guides:circles", args=[initiative.slug]))
    assert page.status_code == 200
    assert notices_url(initiative) not in page.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.FACILITATOR, 403), (Role.OBSERVER, 403), (Role.DATA_STEWARD, 403), (None, 404)],
)
def test_placement_notices_are_refused_to_other_roles(client, initiative, member_of, role, status):
    circle_with_people(initiative, members=1)
    if role is None:
        user = member_of(InitiativeFactory(), Role.ORGANIZER)  # another initiative's organizer
    else:
        user = member_of(initiative, role)
    client.force_login(user)

    response = client.post(notices_url(initiative))

    assert response.status_code == status
    assert not OutboxMessage.objects.exists()


def test_placement_notices_answer_get_with_405(organizer_client, initiative):
    assert organizer_client.get(notices_url(initiative)).status_code == 405


# --- the welcome email of someone already placed ----------------------------------------------


def test_welcome_email_of_a_placed_person_carries_their_circle_calendar(initiative):
    circle = circle_with_people(initiative, members=1)
    participant = circle.members.get().participant
    CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(days=4))
    unplaced = CircleMemberFactory(circle=circle).participant
    CircleMember.objects.filter(participant=unplaced).delete()
    for person in (participant, unplaced):
        outbox.outbox_add(
            kind="participant.welcome",
            to=person.email,
            initiative=initiative,
            params={"participant": person.pk},
        )

    outbox.send_batch(list(OutboxMessage.objects.values_list("pk", flat=True)))

    by_address = {m.to[0]: m for m in mail.outbox}
    placed_mail = by_address[participant.email]
    assert placed_mail.attachments[0][0] == f"circle-{circle.pk}.ics"
    assert "BEGIN:VEVENT" in placed_mail.attachments[0][1]
    assert by_address[unplaced.email].attachments == []


def test_staff_reminder_is_dropped_when_they_left_the_circle(initiative):
    circle = circle_with_people(initiative, members=0)
    CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(hours=1))
    reminder_services.reminders_plan()
    circle.staff.all().delete()

    outcome = outbox.send_batch(list(OutboxMessage.objects.values_list("pk", flat=True)))

    # Each of the two staff had a reminder planned: none is sent.
    assert outcome["cancelled"] == 2
    assert outcome["sent"] == 0
