"""Calendars: the .ics content (stable UIDs, growing SEQUENCE, cancelled meetings, places, no
names) and the private feeds for participants and staff (signed links, no login)."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import signing
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from icalendar import Calendar

from guides import calendars
from guides.models import MeetingStatus
from guides.services import meetings as meeting_services
from initiatives.models import Membership, Role
from participants.models import Status
from participants.services import registration as participant_services

from ..factories import (
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    MembershipFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


def events(content: bytes) -> dict:
    """{uid: event} of an iCalendar document."""
    return {str(e["UID"]): e for e in Calendar.from_ical(content).walk("VEVENT")}


def one_event(meeting):
    [event] = events(calendars.build_calendar([meeting], name="Test")).values()
    return event


@pytest.fixture
def circle(initiative):
    return CircleFactory(
        initiative=initiative,
        name="Circle A",
        venue_name="Eastside Library",
        venue_address="12 Main St",
    )


@pytest.fixture
def meeting(circle):
    return CircleSessionFactory(
        circle=circle,
        number=2,
        title="The nature of the problem",
        starts_at=datetime(2030, 3, 5, 0, 0, tzinfo=UTC),
        duration_minutes=120,
    )


# --- content ---------------------------------------------------------------------------------------


def test_event_has_times_in_utc_title_and_place(meeting):
    event = one_event(meeting)
    assert event.decoded("dtstart") == datetime(2030, 3, 5, 0, 0, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2030, 3, 5, 2, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Circle A: The nature of the problem"
    assert str(event["LOCATION"]) == "Eastside Library, 12 Main St"
    assert str(event["STATUS"]) == "CONFIRMED"


def test_online_circle_gives_its_link_as_location(initiative):
    online = CircleFactory(
        initiative=initiative, venue_name="", online_link="https://meet.example/x"
    )
    event = one_event(CircleSessionFactory(circle=online))
    assert str(event["LOCATION"]) == "https://meet.example/x"
    assert str(event["URL"]) == "https://meet.example/x"


def test_uid_is_stable_and_sequence_grows_when_rescheduled(meeting, organizer):
    before = one_event(meeting)

    with freeze_time(timezone.now() + timedelta(minutes=5)):
        meeting_services.meeting_reschedule(
            user=organizer,
            meeting=meeting,
            day=(meeting.starts_at + timedelta(days=2)).date(),
            at=time(19, 0),
            now=datetime(2029, 1, 1, tzinfo=UTC),
        )
    meeting.refresh_from_db()
    after = one_event(meeting)

    assert str(after["UID"]) == str(before["UID"]) == calendars.meeting_uid(meeting)
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("dtstart") != before.decoded("dtstart")


def test_cancelled_meeting_is_marked_cancelled_with_a_higher_sequence(meeting, organizer):
    before = one_event(meeting)
    with freeze_time(timezone.now() + timedelta(minutes=5)):
        meeting_services.meeting_cancel(user=organizer, meeting=meeting)
    meeting.refresh_from_db()
    after = one_event(meeting)
    assert str(after["STATUS"]) == "CANCELLED"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert str(after["UID"]) == str(before["UID"])


def test_feeds_never_contain_participant_names(client, circle, meeting):
    people = [CircleMemberFactory(circle=circle).participant for _ in range(3)]
    facilitator = CircleStaffFactory(circle=circle).user
    MembershipFactory(user=facilitator, initiative=circle.initiative, role=Role.FACILITATOR)
    meeting_services.attendance_save(
        user=facilitator, meeting=meeting, marks={people[0].pk: "present"}
    )

    for url in (
        calendars.participant_feed_url(people[0]),
        calendars.staff_feed_url(facilitator, circle.initiative),
    ):
        content = client.get(url).content.decode()
        assert "BEGIN:VEVENT" in content
        for person in people:
            assert person.name not in content
            assert person.email not in content


# --- participant feeds -------------------------------------------------------------------------------


def test_participant_feed_lists_their_circles_meetings_only(client, circle, meeting):
    person = CircleMemberFactory(circle=circle).participant
    cancelled = CircleSessionFactory(circle=circle, status=MeetingStatus.CANCELLED)
    elsewhere = CircleSessionFactory(circle=CircleFactory(initiative=circle.initiative))

    response = client.get(calendars.participant_feed_url(person))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    found = events(response.content)
    assert set(found) == {calendars.meeting_uid(meeting), calendars.meeting_uid(cancelled)}
    assert str(found[calendars.meeting_uid(cancelled)]["STATUS"]) == "CANCELLED"
    assert calendars.meeting_uid(elsewhere) not in found


def test_participant_not_yet_placed_gets_an_empty_calendar(client, initiative):
    from ..factories import ParticipantFactory

    person = ParticipantFactory(initiative=initiative)
    response = client.get(calendars.participant_feed_url(person))
    assert response.status_code == 200
    assert events(response.content) == {}


def test_feed_url_is_absolute_and_has_a_webcal_twin(circle):
    person = CircleMemberFactory(circle=circle).participant
    with override_settings(DIALOGUE_HUB_BASE_URL="https://hub.example.org"):
        url = calendars.participant_feed_url(person)
    assert url.startswith("https://hub.example.org/calendar/p/")
    assert calendars.webcal_url(url).startswith("webcal://hub.example.org/calendar/p/")


def test_feed_addresses_are_stable(circle, initiative):
    person = CircleMemberFactory(circle=circle).participant
    user = UserFactory()
    with freeze_time(timezone.now() + timedelta(days=30)):
        later = (calendars.participant_feed_url(person), calendars.staff_feed_url(user, initiative))
    assert later == (
        calendars.participant_feed_url(person),
        calendars.staff_feed_url(user, initiative),
    )


def test_tampered_participant_token_is_404(client, circle):
    person = CircleMemberFactory(circle=circle).participant
    token = calendars.participant_feed_token(person)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(reverse("guides:participant_feed", args=[tampered]))
    assert response.status_code == 404


def test_tokens_of_another_kind_are_404(client, circle):
    person = CircleMemberFactory(circle=circle).participant
    staff = CircleStaffFactory(circle=circle).user
    MembershipFactory(user=staff, initiative=circle.initiative, role=Role.FACILITATOR)
    manage_token = participant_services.make_token(person, participant_services.MANAGE_SALT)
    other_salt = signing.Signer(salt="something.else").sign_object({"p": person.public_id.hex})
    staff_token = calendars.staff_feed_token(staff, circle.initiative)
    participant_token = calendars.participant_feed_token(person)

    for token in (manage_token, other_salt, staff_token):
        assert client.get(reverse("guides:participant_feed", args=[token])).status_code == 404
    assert client.get(reverse("guides:staff_feed", args=[participant_token])).status_code == 404


def test_withdrawn_participant_feed_is_404(client, circle):
    person = CircleMemberFactory(circle=circle).participant
    url = calendars.participant_feed_url(person)
    person.status = Status.WITHDRAWN
    person.seat_number = None
    person.save(update_fields=["status", "seat_number"])
    assert client.get(url).status_code == 404


# --- staff feeds ---------------------------------------------------------------------------------------


def test_staff_feed_lists_all_meetings_of_their_circles(client, initiative, circle, meeting):
    facilitator = CircleStaffFactory(circle=circle).user
    MembershipFactory(user=facilitator, initiative=initiative, role=Role.FACILITATOR)
    second = CircleFactory(initiative=initiative)
    CircleStaffFactory(circle=second, user=facilitator, role="recorder")
    theirs = CircleSessionFactory(circle=second)
    not_mine = CircleSessionFactory(circle=CircleFactory(initiative=initiative))

    response = client.get(calendars.staff_feed_url(facilitator, initiative))

    found = events(response.content)
    assert set(found) == {calendars.meeting_uid(meeting), calendars.meeting_uid(theirs)}
    assert calendars.meeting_uid(not_mine) not in found


def test_staff_feed_stops_when_they_leave_the_team(client, initiative, circle):
    facilitator = CircleStaffFactory(circle=circle).user
    MembershipFactory(user=facilitator, initiative=initiative, role=Role.FACILITATOR)
    url = calendars.staff_feed_url(facilitator, initiative)
    assert client.get(url).status_code == 200
    Membership.objects.filter(user=facilitator).delete()
    assert client.get(url).status_code == 404


def test_tampered_staff_token_is_404(client, initiative):
    user = UserFactory()
    MembershipFactory(user=user, initiative=initiative, role=Role.FACILITATOR)
    token = calendars.staff_feed_token(user, initiative)
    assert client.get(reverse("guides:staff_feed", args=[token + "x"])).status_code == 404
    assert client.get(reverse("guides:staff_feed", args=["garbage"])).status_code == 404


def test_schedule_page_offers_the_staff_feed_to_the_circles_staff(client, initiative, circle):
    facilitator = CircleStaffFactory(circle=circle).user
    MembershipFactory(user=facilitator, initiative=initiative, role=Role.FACILITATOR)
    client.force_login(facilitator)
    response = client.get(reverse("guides:circle_schedule", args=[initiative.slug, circle.pk]))
    assert "webcal://" in response.content.decode()


# --- query counts ---------------------------------------------------------------------------------------


def test_participant_feed_queries_do_not_grow(client, circle, meeting):
    person = CircleMemberFactory(circle=circle).participant

    def add_rows():
        for n in range(10):
            CircleSessionFactory(circle=circle, number=50 + n)

    assert_queries_do_not_grow(client, calendars.participant_feed_url(person), add_rows, limit=4)


def test_staff_feed_queries_do_not_grow(client, initiative, circle, meeting):
    facilitator = CircleStaffFactory(circle=circle).user
    MembershipFactory(user=facilitator, initiative=initiative, role=Role.FACILITATOR)

    def add_rows():
        for _ in range(10):
            other = CircleFactory(initiative=initiative)
            CircleStaffFactory(circle=other, user=facilitator)
            CircleSessionFactory(circle=other)
            CircleSessionFactory(circle=other)

    assert_queries_do_not_grow(
        client, calendars.staff_feed_url(facilitator, initiative), add_rows, limit=4
    )
