"""What people need to take part reaches their circle (issue 15, items 2 and 3): totals per
circle and meeting counted from the registration answers, the printable meeting sheet, marking a
need arranged, the staff's reminder and needs notice that list only what is not arranged, the
organizer's "needs attention", and who sees individuals versus suppressed totals."""

import random
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dialogue_hub import outbox
from dialogue_hub.models import OutboxMessage, OutboxStatus
from guides.models import CircleSession, MeetingExcusal, MeetingStatus, NeedArrangement
from guides.selectors import needs as need_selectors
from guides.services import reminders as reminder_services
from initiatives.models import ActivityLogEntry, Role
from participants.models import Participant, Status

from ..factories import (
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    ParticipantFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


def member(circle, *needs, language="en", **kwargs):
    kwargs.setdefault("status", Status.ASSIGNED)
    person = ParticipantFactory(
        initiative=circle.initiative,
        accessibility_needs=list(needs),
        preferred_language=language,
        **kwargs,
    )
    CircleMemberFactory(circle=circle, participant=person)
    return person


@pytest.fixture
def circle(initiative):
    circle = CircleFactory(initiative=initiative, language="en", is_accessible=True)
    member(circle, "childcare")
    member(circle, "childcare", "transport")
    member(circle, "interpretation", language="es")  # an interpreter into Spanish
    member(circle, "interpretation")  # an English speaker in an English circle: nothing
    member(circle, "mobility")
    member(circle, "other", accessibility_other="A quiet corner")
    member(circle, "childcare", status=Status.WITHDRAWN)  # left: not counted
    member(circle)
    return circle


@pytest.fixture
def meeting(circle):
    return CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(days=2))


def labels(needs):
    return {need.label: need.count for need in needs}


def sheet_url(meeting):
    return reverse(
        "guides:meeting_sheet", kwargs={"slug": meeting.circle.initiative.slug, "pk": meeting.pk}
    )


def arrange(client, meeting, need, language="", note="", action="need_arrange"):
    url = reverse(
        f"guides:{action}", kwargs={"slug": meeting.circle.initiative.slug, "pk": meeting.pk}
    )
    return client.post(url, {"need": need, "language": language, "note": note}, follow=True)


# --- counting -----------------------------------------------------------------------------------


def test_a_circle_counts_its_members_needs(circle):
    assert labels(need_selectors.circle_needs([circle.pk])[circle.pk]) == {
        "Interpreter: Spanish": 1,
        "Childcare": 2,
        "Transportation": 1,
        "Mobility access": 1,
        "Something else": 1,
    }


def test_a_need_answered_after_placement_or_a_withdrawal_shows_at_once(circle):
    newcomer = member(circle)
    newcomer.accessibility_needs = ["childcare"]
    newcomer.save()
    (leaver,) = [
        m.participant
        for m in circle.members.all()
        if "transport" in m.participant.accessibility_needs
    ]
    leaver.status = Status.WITHDRAWN
    leaver.save()
    needs = labels(need_selectors.circle_needs([circle.pk])[circle.pk])
    assert needs["Childcare"] == 2  # one joined, one left
    assert "Transportation" not in needs


# --- pages --------------------------------------------------------------------------------------


def test_the_meeting_sheet_lists_needs_people_and_is_logged(organizer_client, meeting):
    page = organizer_client.get(sheet_url(meeting)).content.decode()
    assert "Interpreter: Spanish" in page
    assert "Childcare" in page
    assert "not arranged yet" in page
    assert "A quiet corner" in page  # who needs what, for organizers and staff
    assert "Met by the venue (accessible)" in page  # mobility: nothing to arrange
    assert ActivityLogEntry.objects.filter(action="meeting.sheet_viewed").count() == 1
    # The sign-in sheet lists who is expected: not who withdrew.
    withdrawn = meeting.circle.members.get(participant__status=Status.WITHDRAWN).participant
    assert "Sign-in sheet (7 members)" in page
    assert withdrawn.name not in page
    assert "Excused in advance" not in page


def test_the_sheet_marks_who_said_they_cannot_make_it(organizer_client, circle, meeting):
    from guides.models import MeetingExcusal

    away = circle.members.filter(participant__status=Status.ASSIGNED).first().participant
    MeetingExcusal.objects.create(meeting=meeting, participant=away)
    page = organizer_client.get(sheet_url(meeting)).content.decode()
    sign_in = page.split('id="sign-in-heading"')[1]
    (row,) = [r for r in sign_in.split("<tr>") if away.name in r]
    assert "Excused in advance" in row
    assert page.count("Excused in advance") == 1


def test_mobility_access_the_venue_does_not_give_is_not_met_and_needs_doing(
    organizer_client, initiative, circle, meeting
):
    # Someone asked for mobility access after placement, or the venue changed since.
    type(circle).objects.filter(pk=circle.pk).update(is_accessible=False)
    needs = need_selectors.meeting_needs([meeting])[meeting.pk]
    assert "Mobility access" in [need.label for need in needs.unarranged]
    page = organizer_client.get(sheet_url(meeting)).content.decode()
    assert "not met" in page
    assert "Met by the venue" not in page
    home = organizer_client.get(reverse("home")).content.decode()
    assert "5 needs of meetings in the next 7 days are not arranged yet" in home


def test_circle_staff_see_individual_needs_and_the_steward_only_suppressed_totals(
    client, member_of, initiative, circle, meeting
):
    facilitator = member_of(initiative, Role.FACILITATOR)
    CircleStaffFactory(circle=circle, user=facilitator)
    url = reverse("guides:circle_detail", kwargs={"slug": initiative.slug, "pk": circle.pk})
    client.force_login(facilitator)
    page = client.get(url).content.decode()
    assert "Childcare 2" in page
    assert "4 needs not arranged" in page  # interpreter, childcare, transport, other
    client.force_login(member_of(initiative, Role.DATA_STEWARD))
    page = client.get(url).content.decode()
    assert "Childcare 2" not in page
    assert "(fewer than 10)" in page
    assert client.get(sheet_url(meeting)).status_code == 403
    client.force_login(member_of(initiative, Role.POLICE_LIAISON))
    assert client.get(sheet_url(meeting)).status_code == 403


def test_marking_arranged_and_back(organizer_client, organizer, meeting):
    response = arrange(organizer_client, meeting, "childcare", note="Rosa's daycare, room 2")
    assert "Marked arranged." in response.content.decode()
    arrangement = NeedArrangement.objects.get(meeting=meeting)
    assert (arrangement.need, arrangement.arranged_by) == ("childcare", organizer)
    page = organizer_client.get(sheet_url(meeting)).content.decode()
    assert "Rosa&#x27;s daycare, room 2" in page
    assert need_selectors.meeting_needs([meeting])[meeting.pk].unarranged[0].label != "Childcare"

    arrange(organizer_client, meeting, "childcare", action="need_unarrange")
    assert not NeedArrangement.objects.exists()
    assert (
        ActivityLogEntry.objects.filter(
            action__in=["meeting.need_arranged", "meeting.need_unarranged"]
        ).count()
        == 2
    )


@pytest.mark.parametrize(
    ("need", "language", "note", "refusal"),
    [
        ("mobility", "", "", "That need could not be found"),
        ("interpretation", "en", "", "Nobody in this circle has that need any more"),
        ("childcare", "", "x" * 301, "Ensure this value has at most 300 characters"),
        ("nonsense", "", "", "That need could not be found"),
    ],
)
def test_a_need_that_is_not_there_or_a_long_note_is_refused_and_nothing_saved(
    organizer_client, meeting, need, language, note, refusal
):
    response = arrange(organizer_client, meeting, need, language, note)
    assert refusal in response.content.decode()
    assert not NeedArrangement.objects.exists()


def test_nothing_is_arranged_for_a_cancelled_meeting(organizer_client, meeting):
    meeting.status = MeetingStatus.CANCELLED
    meeting.save()
    response = arrange(organizer_client, meeting, "childcare")
    assert "This meeting is cancelled" in response.content.decode()
    assert not NeedArrangement.objects.exists()


# --- emails -------------------------------------------------------------------------------------


def send_all():
    outbox.send_batch(list(OutboxMessage.objects.values_list("pk", flat=True)))


def test_the_staff_needs_notice_lists_what_is_not_arranged_and_is_dropped_once_all_is(
    organizer_client, circle, meeting
):
    staff = CircleStaffFactory(circle=circle, role="facilitator").user
    reminder_services.reminders_plan()
    notice = OutboxMessage.objects.get(kind=reminder_services.NEEDS)
    assert notice.to_email == staff.email
    assert notice.send_after <= timezone.now()  # the meeting is less than three days away
    send_all()
    (sent,) = [m for m in mail.outbox if m.to == [staff.email] and "Not arranged" in m.subject]
    assert "- Childcare: 2 people" in sent.body
    assert "- Interpreter: Spanish: 1 person" in sent.body
    assert sheet_url(meeting) in sent.body

    # Everything arranged after the notice was planned: it is not sent at all.
    later = CircleSessionFactory(
        circle=circle, starts_at=timezone.now() + timedelta(days=2, hours=1)
    )
    reminder_services.reminders_plan()
    later_notice = OutboxMessage.objects.get(kind=reminder_services.NEEDS, params__meeting=later.pk)
    for need, language in (
        ("childcare", ""),
        ("transport", ""),
        ("interpretation", "es"),
        ("other", ""),
    ):
        arrange(organizer_client, later, need, language)
    send_all()
    later_notice.refresh_from_db()
    assert later_notice.status == OutboxStatus.CANCELLED
    # And a sweep after that plans nothing more for it.
    assert reminder_services.reminders_plan()["needs"] == 0


def test_no_needs_notice_is_planned_for_a_meeting_whose_people_need_nothing(initiative):
    quiet = CircleFactory(initiative=initiative)
    member(quiet)
    CircleStaffFactory(circle=quiet, role="facilitator")
    CircleSessionFactory(circle=quiet, starts_at=timezone.now() + timedelta(days=2))
    assert reminder_services.reminders_plan()["needs"] == 0
    assert not OutboxMessage.objects.filter(kind=reminder_services.NEEDS).exists()


def test_the_staff_reminder_drops_a_need_once_it_is_arranged(organizer_client, circle, meeting):
    staff = CircleStaffFactory(circle=circle, role="facilitator").user
    arrange(organizer_client, meeting, "childcare", note="Booked")
    reminder_services.reminders_plan()
    mail.outbox.clear()
    send_all()
    (reminder,) = [m for m in mail.outbox if m.to == [staff.email] and "Reminder" in m.subject]
    assert "Not arranged yet for the people coming:" in reminder.body
    assert "- Transportation: 1 person" in reminder.body
    assert "Childcare" not in reminder.body
    members_reminders = [m for m in mail.outbox if m.to != [staff.email]]
    assert members_reminders
    assert not any("Not arranged" in m.body for m in members_reminders)


# --- the organizer's home -----------------------------------------------------------------------


def test_the_organizers_home_counts_needs_not_arranged_in_the_next_7_days(
    organizer_client, initiative, meeting
):
    CircleSessionFactory(circle=meeting.circle, starts_at=timezone.now() + timedelta(days=9))
    expected = "4 needs of meetings in the next 7 days are not arranged yet"
    assert expected in organizer_client.get(reverse("home")).content.decode()
    detail = reverse("initiatives:detail", kwargs={"slug": initiative.slug})
    assert expected in organizer_client.get(detail).content.decode()


def counted(initiative, now):
    """The number `needs_attention` reports for the initiative (0 when it says nothing)."""
    items = need_selectors.needs_attention([initiative.pk], now=now).get(initiative.pk, [])
    return int(items[0].split()[0]) if items else 0


def listed(initiative, now):
    """What the meeting sheets leave to arrange over the meetings in the next 7 days
    (`meeting_needs`, read person by person): what `needs_attention` must count."""
    meetings = CircleSession.objects.filter(
        circle__initiative=initiative,
        status=MeetingStatus.SCHEDULED,
        starts_at__gt=now,
        starts_at__lte=now + timedelta(days=7),
    )
    return sum(len(item.unarranged) for item in need_selectors.meeting_needs(meetings).values())


def test_the_home_counts_what_the_meeting_sheets_leave_to_arrange(initiative):
    """Many people, answers and meetings drawn at random: the count in SQL is the sheets'."""
    rng = random.Random(15)
    now = timezone.now()
    venues = [  # accessible, not, online only (accessible), online with a venue (not marked)
        {"is_accessible": True},
        {"venue_name": "Hall"},
        {"online_link": "https://meet.example.net/a"},
        {"online_link": "https://meet.example.net/b", "venue_name": "Hall"},
    ]
    answers = [
        [],
        ["childcare"],
        ["childcare", "childcare", "transport"],  # twice: still one person's need
        ["interpretation"],
        ["interpretation", "mobility"],
        ["mobility"],
        ["other", "nonsense"],
        {"childcare": True},  # not a list: nothing
        "childcare",
    ]
    statuses = [Status.ASSIGNED, Status.ASSIGNED, Status.CONFIRMED, Status.WITHDRAWN]
    meetings = []
    for index in range(12):
        circle = CircleFactory(
            initiative=initiative, language=("en", "es")[index % 2], **venues[index % 4]
        )
        people = [
            member(
                circle,
                language=rng.choice(["en", "es", "fr"]),
                status=rng.choice(statuses),
            )
            for _ in range(rng.randint(0, 7))
        ]
        Participant.objects.filter(pk__in=[p.pk for p in people[:1]]).update(
            preferred_language=""  # no language said: no interpreter
        )
        for person in people:
            Participant.objects.filter(pk=person.pk).update(accessibility_needs=rng.choice(answers))
        for days in (-1, 2, 6, 9):  # past, in the window twice, after it
            meeting = CircleSessionFactory(
                circle=circle,
                starts_at=now + timedelta(days=days, hours=index),
                status=MeetingStatus.CANCELLED if rng.random() < 0.1 else MeetingStatus.SCHEDULED,
            )
            meetings.append(meeting)
            for person in people:
                if rng.random() < 0.3:
                    MeetingExcusal.objects.create(meeting=meeting, participant=person)
            for need, language in rng.sample(ARRANGEABLE, 3):
                NeedArrangement.objects.create(meeting=meeting, need=need, language=language)
    elsewhere = CircleFactory(language="en")  # another initiative's circle: not counted
    member(elsewhere, "childcare")
    CircleSessionFactory(circle=elsewhere, starts_at=now + timedelta(days=1))

    expected = listed(initiative, now)
    assert expected > 10  # the draw gives something to count
    assert counted(initiative, now) == expected
    # A moment later, a meeting has left the window (days=2 at index 0 is in it, -1 is not):
    later = now + timedelta(days=3)
    assert counted(initiative, later) == listed(initiative, later)


ARRANGEABLE = [
    ("childcare", ""),
    ("transport", ""),
    ("other", ""),
    ("interpretation", "es"),
    ("interpretation", "fr"),
    ("interpretation", "en"),
    ("mobility", ""),
]


def test_the_count_is_kept_until_the_data_changes_or_a_meeting_leaves_or_enters_the_7_days(
    organizer_client, initiative, meeting, django_capture_on_commit_callbacks
):
    now = timezone.now()
    # Childcare, transport, interpreter into Spanish and "something else" (tests above).
    later = CircleSessionFactory(circle=meeting.circle, starts_at=now + timedelta(days=8))
    with CaptureQueriesContext(connection) as cold:
        assert counted(initiative, now) == 4
    assert len(cold) == 2
    with CaptureQueriesContext(connection) as warm:
        assert counted(initiative, now + timedelta(minutes=1)) == 4
    assert len(warm) == 0  # kept
    # Nothing changed in the data, but time went on: the next meeting is within 7 days,
    NeedArrangement.objects.create(meeting=later, need="childcare")  # (factory: no change logged)
    assert counted(initiative, later.starts_at - timedelta(days=7)) == 4 + 3
    # and once the first meeting has started it is no longer counted.
    assert counted(initiative, meeting.starts_at) == 3
    # A change made through the services is counted at once.
    with django_capture_on_commit_callbacks(execute=True):
        arrange(organizer_client, meeting, "transport")
    assert counted(initiative, now) == 3
    assert (
        "3 needs of meetings in the next 7 days"
        in organizer_client.get(reverse("home")).content.decode()
    )


# --- query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["sheet", "circle", "overview"])
def test_needs_pages_do_not_grow_with_people_or_needs(
    organizer_client, initiative, circle, meeting, page
):
    url = {
        "sheet": sheet_url(meeting),
        "circle": reverse(
            "guides:circle_detail", kwargs={"slug": initiative.slug, "pk": circle.pk}
        ),
        "overview": reverse("guides:circles", kwargs={"slug": initiative.slug}),
    }[page]

    def more_people():
        for index in range(80):  # ten times the 8 people the circle starts with
            member(circle, "childcare", "transport", language=("es", "en")[index % 2])
            if index % 10 == 0:
                other = CircleFactory(initiative=initiative, name=f"More {index}")
                member(other, "interpretation", language="es")

    assert_queries_do_not_grow(organizer_client, url, more_people, limit=30)


def test_needs_attention_takes_the_same_queries_for_ten_times_the_meetings_and_people(
    initiative, other_initiative
):
    now = timezone.now()

    def circles(count):
        for index in range(count):
            for target in (initiative, other_initiative):
                circle = CircleFactory(initiative=target, is_accessible=index % 2 == 0)
                member(circle, "childcare", "mobility")
                member(circle, "interpretation", language="es")
                member(circle, "transport", status=Status.WITHDRAWN)
                for days in (1, 3, 10):
                    CircleSessionFactory(circle=circle, starts_at=now + timedelta(days=days))

    def queries():
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            found = need_selectors.needs_attention([initiative.pk, other_initiative.pk], now=now)
        with CaptureQueriesContext(connection) as warm:
            assert (
                need_selectors.needs_attention([initiative.pk, other_initiative.pk], now=now)
                == found
            )
        return found, len(cold), len(warm)

    circles(2)
    found, cold, warm = queries()
    # Per meeting in the 7 days: childcare, an interpreter and, in every other circle, mobility.
    assert found[initiative.pk][0].startswith("10 needs")
    circles(18)
    found, cold_10x, warm_10x = queries()
    assert found[other_initiative.pk][0].startswith("100 needs")
    assert (cold_10x, warm_10x) == (cold, warm) == (2, 0)


def test_the_organizers_home_takes_the_same_queries_for_ten_times_the_meetings(
    organizer_client, initiative, circle, meeting
):
    def more_meetings():
        for index in range(10):
            other = CircleFactory(initiative=initiative, name=f"More {index}")
            for _ in range(8):
                member(other, "childcare", "interpretation", language="es")
            for days in range(1, 7):
                CircleSessionFactory(circle=other, starts_at=timezone.now() + timedelta(days=days))

    assert_queries_do_not_grow(organizer_client, reverse("home"), more_meetings, limit=15)
