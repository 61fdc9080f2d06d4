"""A participant's self-service from their private link (issue 15, item 5): "I can't make it"
for a coming meeting (no reminder for it, excused on the attendance page, counted in the
staff's reminder, left out of the meeting's needs), and a request for another circle or time
that waits in the organizers' queue until accepted (moved by the rules of a move by hand) or
declined (a kind answer), each answer emailed in the person's language."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from dialogue_hub import outbox
from dialogue_hub.exceptions import DomainError
from dialogue_hub.models import OutboxMessage, OutboxStatus
from guides.models import (
    AttendanceStatus,
    CircleMember,
    MeetingExcusal,
    MeetingStatus,
    MoveRequest,
    MoveRequestStatus,
)
from guides.selectors import needs as need_selectors
from guides.services import participant as participant_services
from guides.services import reminders as reminder_services
from guides.services import requests as request_services
from initiatives.selectors import more_attention_items
from participants.models import Status
from participants.services import registration as registration_services

from ..factories import (
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    ConsentFactory,
    ParticipantFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


def token_for(participant):
    return registration_services.make_token(participant, registration_services.MANAGE_SALT)


def placed(circle, **kwargs):
    """A person placed in `circle` who may be moved (a seat, consent to take part)."""
    kwargs.setdefault("status", Status.ASSIGNED)
    kwargs.setdefault("seat_number", ParticipantFactory._meta.model.objects.count() + 1)
    person = ParticipantFactory(initiative=circle.initiative, **kwargs)
    ConsentFactory(participant=person)
    CircleMemberFactory(circle=circle, participant=person)
    return person


@pytest.fixture
def circle(initiative):
    return CircleFactory(initiative=initiative, name="Tuesday circle", min_size=1, max_size=3)


@pytest.fixture
def meeting(circle):
    return CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(hours=1))


# --- "I can't make it" ---------------------------------------------------------------------------


def test_excuse_and_take_it_back_before_the_meeting_only(circle, meeting):
    person = placed(circle)
    assert participant_services.meeting_excuse(participant=person, meeting=meeting)
    # Twice: nothing more.
    assert not participant_services.meeting_excuse(participant=person, meeting=meeting)
    assert MeetingExcusal.objects.filter(meeting=meeting, participant=person).count() == 1
    assert participant_services.meeting_excuse(participant=person, meeting=meeting, excused=False)
    assert not MeetingExcusal.objects.exists()

    past = CircleSessionFactory(circle=circle, starts_at=timezone.now() - timedelta(hours=1))
    cancelled = CircleSessionFactory(circle=circle, status=MeetingStatus.CANCELLED)
    other_circle = CircleSessionFactory(circle=CircleFactory(initiative=circle.initiative))
    for refused in (past, cancelled, other_circle):
        with pytest.raises(DomainError):
            participant_services.meeting_excuse(participant=person, meeting=refused)
    with pytest.raises(DomainError):  # not in a circle
        participant_services.meeting_excuse(
            participant=ParticipantFactory(initiative=circle.initiative), meeting=meeting
        )


def test_cant_make_it_from_the_private_link_drops_their_reminder_and_shows_them_excused(
    client, circle, meeting, member_of, django_capture_on_commit_callbacks
):
    """The Done-when: no reminder for that meeting reaches them (checked on the outbox), the
    others still get theirs, the staff's reminder counts them, and the attendance page shows
    them excused."""
    away, coming = placed(circle, name="Away Person"), placed(circle, name="Coming Person")
    facilitator = UserFactory()
    CircleStaffFactory(circle=circle, user=facilitator, role="facilitator")
    token = token_for(away)

    page = client.get(reverse("guides:participant_circle", args=[token])).content.decode()
    excuse_url = reverse("guides:participant_meeting_excuse", args=[token, meeting.pk])
    assert excuse_url in page
    response = client.post(excuse_url, {"excused": "1"})
    assert response.status_code == 302
    assert MeetingExcusal.objects.filter(meeting=meeting, participant=away).exists()
    page = client.get(reverse("guides:participant_circle", args=[token])).content.decode()
    assert "I can come after all" in page

    with django_capture_on_commit_callbacks(execute=True):
        reminder_services.reminders_plan()
    rows = {row.to_email: row for row in OutboxMessage.objects.filter(kind="meeting.reminder")}
    assert rows[away.email].status == OutboxStatus.CANCELLED
    assert rows[coming.email].status == OutboxStatus.SENT
    assert rows[facilitator.email].status == OutboxStatus.SENT
    sent_to = {address for message in mail.outbox for address in message.to}
    assert away.email not in sent_to
    assert coming.email in sent_to
    staff_mail = next(m for m in mail.outbox if m.to == [facilitator.email])
    assert "1 person said they can't make it" in staff_mail.body

    organizer = member_of(circle.initiative)
    client.force_login(organizer)
    attendance = client.get(
        reverse("guides:attendance", args=[circle.initiative.slug, meeting.pk])
    ).content.decode()
    assert "Excused in advance" in attendance
    assert is_checked(attendance, away, AttendanceStatus.EXCUSED)
    assert not is_checked(attendance, coming, AttendanceStatus.EXCUSED)


def is_checked(page: str, person, status: str) -> bool:
    """Whether the attendance page's button `status` of `person`'s row is selected."""
    button = page.split(f'id="p{person.pk}-{status}"')[1].split(">")[0]
    return "checked" in button


def test_the_attendance_page_shows_an_excusal_made_after_it_was_cached(
    client, circle, meeting, member_of
):
    person = placed(circle)
    client.force_login(member_of(circle.initiative))
    url = reverse("guides:attendance", args=[circle.initiative.slug, meeting.pk])
    assert "Excused in advance" not in client.get(url).content.decode()
    participant_services.meeting_excuse(participant=person, meeting=meeting)
    page = client.get(url).content.decode()
    assert "Excused in advance" in page
    assert is_checked(page, person, AttendanceStatus.EXCUSED)
    participant_services.meeting_excuse(participant=person, meeting=meeting, excused=False)
    page = client.get(url).content.decode()
    assert "Excused in advance" not in page
    assert not is_checked(page, person, AttendanceStatus.EXCUSED)


def test_taking_it_back_brings_the_reminder_back(
    circle, meeting, django_capture_on_commit_callbacks
):
    person = placed(circle)
    participant_services.meeting_excuse(participant=person, meeting=meeting)
    participant_services.meeting_excuse(participant=person, meeting=meeting, excused=False)
    with django_capture_on_commit_callbacks(execute=True):
        reminder_services.reminders_plan()
    assert [m.to for m in mail.outbox] == [[person.email]]


def test_someone_excused_leaves_that_meetings_needs_only(circle, meeting):
    later = CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(days=8))
    away = placed(circle, accessibility_needs=["childcare"])
    placed(circle, accessibility_needs=["childcare"])
    participant_services.meeting_excuse(participant=away, meeting=meeting)
    needs = need_selectors.meeting_needs([meeting, later])
    assert [(n.need, n.count) for n in needs[meeting.pk].needs] == [("childcare", 1)]
    assert [(n.need, n.count) for n in needs[later.pk].needs] == [("childcare", 2)]


# --- asking for another circle or time -----------------------------------------------------------


def test_a_request_with_a_reason_once_even_when_posted_twice(client, circle):
    person = placed(circle)
    CircleFactory(initiative=circle.initiative, time_slot="Saturday morning")
    url = reverse("guides:participant_move_request", args=[token_for(person)])
    page = client.get(url).content.decode()
    assert "Saturday morning" in page
    assert client.post(url, {"reason": ""}).status_code == 200  # a reason is needed
    data = {"reason": "I work on Tuesdays now.", "wanted_time_slot": "Saturday morning"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 200  # refused: one waits already
    request = MoveRequest.objects.get()
    assert (request.status, request.from_circle, request.wanted_time_slot) == (
        MoveRequestStatus.PENDING,
        circle,
        "Saturday morning",
    )
    assert (
        "I work on Tuesdays now."
        not in client.get(
            reverse("guides:participant_circle", args=[token_for(person)])
        ).content.decode()
    )  # their page says it waits, without echoing it
    with pytest.raises(DomainError):
        participant_services.move_request_add(participant=person, reason="Again")
    with pytest.raises(DomainError):
        participant_services.move_request_add(
            participant=ParticipantFactory(initiative=circle.initiative), reason="Not placed"
        )


def pending_request(circle, **kwargs):
    person = placed(circle, **kwargs)
    return participant_services.move_request_add(participant=person, reason="My shifts changed.")


def test_accepting_moves_them_and_tells_them_and_the_new_staff(
    circle, organizer, django_capture_on_commit_callbacks
):
    request = pending_request(circle, preferred_language="es")
    target = CircleFactory(initiative=circle.initiative, name="Saturday circle", language="es")
    staff = UserFactory()
    CircleStaffFactory(circle=target, user=staff, role="facilitator")
    CircleSessionFactory(circle=target, starts_at=timezone.now() + timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        request_services.move_request_accept(
            user=organizer, request=request, circle=target, answer="Bienvenida."
        )
    request.refresh_from_db()
    assert (request.status, request.to_circle, request.decided_by) == (
        MoveRequestStatus.ACCEPTED,
        target,
        organizer,
    )
    assert CircleMember.objects.get(participant=request.participant).circle == target
    person_mail = next(m for m in mail.outbox if m.to == [request.participant.email])
    assert "Saturday circle" in person_mail.subject
    assert "Ahora está en Saturday circle" in person_mail.body  # in Spanish, their language
    assert "Bienvenida." in person_mail.body
    assert person_mail.attachments[0][0] == f"circle-{target.pk}.ics"
    staff_mail = next(m for m in mail.outbox if m.to == [staff.email])
    assert request.participant.name in staff_mail.body
    with pytest.raises(DomainError):  # answered once
        request_services.move_request_decline(user=organizer, request=request)


def test_a_move_into_a_full_or_inaccessible_circle_is_refused_with_the_reason(
    organizer_client, circle, organizer
):
    request = pending_request(circle, accessibility_needs=["mobility"])
    circle.is_accessible = True
    circle.save()
    full = CircleFactory(
        initiative=circle.initiative, name="Full circle", min_size=1, max_size=1, is_accessible=True
    )
    placed(full)
    stairs = CircleFactory(initiative=circle.initiative, name="Upstairs circle")
    url = reverse("guides:move_request", args=[circle.initiative.slug, request.pk])
    page = organizer_client.post(url, {"circle": full.pk}).content.decode()
    assert "Full circle is full (1 of 1)" in page
    page = organizer_client.post(url, {"circle": stairs.pk}).content.decode()
    assert "Upstairs circle is not accessible" in page
    request.refresh_from_db()
    assert request.status == MoveRequestStatus.PENDING
    assert CircleMember.objects.get(participant=request.participant).circle == circle
    assert not OutboxMessage.objects.filter(kind=request_services.MOVE_ANSWER).exists()


def test_declining_sends_a_kind_answer_in_their_language(
    organizer_client, circle, django_capture_on_commit_callbacks
):
    request = pending_request(circle, preferred_language="es")
    url = reverse("guides:move_request_decline", args=[circle.initiative.slug, request.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer_client.post(url, {"answer": "Lo sentimos: no hay sitio."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == MoveRequestStatus.DECLINED
    assert CircleMember.objects.get(participant=request.participant).circle == circle
    (message,) = mail.outbox
    assert message.to == [request.participant.email]
    assert "Gracias" in message.body
    assert "Lo sentimos: no hay sitio." in message.body
    assert "/circle/" in message.body


def test_the_queue_and_the_organizers_home_count(organizer_client, circle, initiative):
    pending_request(circle)
    assert more_attention_items([initiative.pk])[initiative.pk][-1].startswith("1 request")
    page = organizer_client.get(reverse("guides:move_requests", args=[initiative.slug]))
    assert "My shifts changed." in page.content.decode()

    def more_requests():
        for n in range(10):
            other = CircleFactory(initiative=initiative, name=f"More {n}")
            pending_request(other)
            done = pending_request(other)
            done.status, done.decided_at = MoveRequestStatus.DECLINED, timezone.now()
            done.save()

    assert_queries_do_not_grow(
        organizer_client,
        reverse("guides:move_requests", args=[initiative.slug]),
        more_requests,
        limit=20,
    )


def test_a_stale_answer_is_not_sent(circle, organizer):
    request = pending_request(circle)
    target = CircleFactory(initiative=circle.initiative)
    request_services.move_request_accept(user=organizer, request=request, circle=target)
    CircleMember.objects.filter(participant=request.participant).delete()  # moved on since
    row = OutboxMessage.objects.get(kind=request_services.MOVE_ANSWER)
    outbox.send_batch([row.pk])
    row.refresh_from_db()
    assert row.status == OutboxStatus.CANCELLED
