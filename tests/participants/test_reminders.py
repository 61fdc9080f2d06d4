"""The participants app's planned emails: guardian consent reminders and the organizers'
"registration nearly full" alert. Planned once at the right time, cancelled at sending time
when they no longer apply, in the recipient's language, with or without List-Unsubscribe."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from dialogue_hub import outbox
from dialogue_hub.models import OutboxMessage, OutboxStatus
from initiatives.models import Role
from participants import tasks
from participants.models import RoleCap, Status
from participants.services import reminders

from ..factories import (
    InitiativeFactory,
    MembershipFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

GUARDIAN = "participant.guardian_reminder"
NEARLY_FULL = "alert.nearly_full"


def minor(initiative, *, days_ago, **overrides):
    data = {
        "initiative": initiative,
        "age_band": "13_17",
        "guardian_email": "parent@example.org",
        "status": Status.REGISTERED,
        "created_at": timezone.now() - timedelta(days=days_ago),
    }
    data.update(overrides)
    return ParticipantFactory(**data)


def send_all(kind=None):
    """Send every pending message (of one kind) now, as the worker would."""
    queryset = OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
    if kind:
        queryset = queryset.filter(kind=kind)
    return outbox.send_batch(list(queryset.values_list("pk", flat=True)))


def rows(kind):
    return OutboxMessage.objects.filter(kind=kind)


def seat(initiative, n, **overrides):
    """n seated participants (seat numbers after the ones taken)."""
    start = initiative.participants.filter(seat_number__isnull=False).count()
    return [
        ParticipantFactory(initiative=initiative, seat_number=start + i + 1, **overrides)
        for i in range(n)
    ]


# --- guardian consent reminder -------------------------------------------------------------------


def test_guardian_reminder_planned_after_three_days_and_only_once(initiative):
    child = minor(initiative, days_ago=3.1)
    minor(initiative, days_ago=2.5, guardian_email="early@example.org")

    assert reminders.reminders_plan()["guardian_reminders"] == 1
    assert reminders.reminders_plan()["guardian_reminders"] == 0

    message = rows(GUARDIAN).get()
    assert message.key == f"participant.guardian_reminder:{child.pk}"
    assert message.to_email == "parent@example.org"
    assert message.initiative_id == initiative.pk


def test_guardian_reminder_skips_consented_withdrawn_adults_and_expired_links(initiative, settings):
    minor(initiative, days_ago=5, guardian_consented_at=timezone.now())
    minor(
        initiative,
        days_ago=5,
        status=Status.WITHDRAWN,
        guardian_email="withdrawn@example.org",
        email="kid2@example.net",
    )
    ParticipantFactory(
        initiative=initiative,
        age_band="25_34",
        guardian_email="",
        created_at=timezone.now() - timedelta(days=5),
    )
    minor(
        initiative,
        days_ago=settings.DIALOGUE_HUB_GUARDIAN_LINK_DAYS + 1,
        guardian_email="late@example.org",
        email="kid3@example.net",
    )

    assert reminders.reminders_plan()["guardian_reminders"] == 0


def test_guardian_reminder_is_sent_essential_in_the_participants_language(
    initiative, django_capture_on_commit_callbacks
):
    minor(initiative, days_ago=4, preferred_language="es")
    # Even someone who opted out of every category gets an essential email.
    outbox.preferences_set(address="parent@example.org", opted_out=set(outbox.CATEGORIES))

    with django_capture_on_commit_callbacks(execute=True):
        reminders.reminders_plan()

    assert rows(GUARDIAN).get().status == OutboxStatus.SENT
    (email,) = mail.outbox
    assert email.to == ["parent@example.org"]
    assert "List-Unsubscribe" not in email.extra_headers
    assert '<html lang="es">' in email.alternatives[0][0]
    assert "/guardian/" in email.body


def test_guardian_reminder_cancelled_when_the_guardian_consented_meanwhile(initiative):
    child = minor(initiative, days_ago=4)
    reminders.reminders_plan()  # no on-commit here: the message waits

    child.guardian_consented_at = timezone.now()
    child.save(update_fields=["guardian_consented_at"])

    assert send_all(GUARDIAN)["cancelled"] == 1
    assert rows(GUARDIAN).get().status == OutboxStatus.CANCELLED
    assert mail.outbox == []


def test_guardian_reminder_cancelled_when_the_guardian_email_changed(initiative):
    child = minor(initiative, days_ago=4)
    reminders.reminders_plan()
    child.guardian_email = "other.parent@example.org"
    child.save(update_fields=["guardian_email"])

    assert send_all(GUARDIAN)["cancelled"] == 1


# --- registration nearly full --------------------------------------------------------------------


@pytest.fixture
def open_initiative(db):
    initiative = InitiativeFactory()
    RegistrationSettingsFactory(initiative=initiative, max_participants=20)
    return initiative


def test_nearly_full_alert_at_ninety_percent_once_per_organizer(open_initiative):
    first = UserFactory(preferred_language="es")
    second = UserFactory()
    MembershipFactory(user=first, initiative=open_initiative, role=Role.ORGANIZER)
    MembershipFactory(user=second, initiative=open_initiative, role=Role.ORGANIZER)
    MembershipFactory(initiative=open_initiative, role=Role.FACILITATOR)
    seat(open_initiative, 17)

    assert reminders.reminders_plan()["nearly_full_alerts"] == 0

    seat(open_initiative, 1)  # 18 of 20 = 90%
    assert reminders.reminders_plan()["nearly_full_alerts"] == 2
    assert reminders.reminders_plan()["nearly_full_alerts"] == 0

    by_user = {row.params["user"]: row for row in rows(NEARLY_FULL)}
    assert set(by_user) == {first.pk, second.pk}
    assert by_user[first.pk].language == "es"
    assert by_user[first.pk].key == f"alert.nearly_full:{open_initiative.pk}:total:20:u{first.pk}"


def test_nearly_full_alert_ignores_waiting_list_and_closed_registration(open_initiative, organizer):
    MembershipFactory(user=organizer, initiative=open_initiative, role=Role.ORGANIZER)
    seat(open_initiative, 10)
    ParticipantFactory.create_batch(10, initiative=open_initiative, status=Status.WAITLISTED)
    closed = InitiativeFactory()
    RegistrationSettingsFactory(initiative=closed, is_open=False, max_participants=10)
    MembershipFactory(user=organizer, initiative=closed, role=Role.ORGANIZER)
    seat(closed, 10)

    assert reminders.reminders_plan()["nearly_full_alerts"] == 0


def test_raising_the_cap_can_alert_again(open_initiative, organizer):
    MembershipFactory(user=organizer, initiative=open_initiative, role=Role.ORGANIZER)
    seat(open_initiative, 18)
    assert reminders.reminders_plan()["nearly_full_alerts"] == 1

    open_initiative.registration_settings.max_participants = 30
    open_initiative.registration_settings.save(update_fields=["max_participants"])
    seat(open_initiative, 9)  # 27 of 30
    assert reminders.reminders_plan()["nearly_full_alerts"] == 1

    keys = set(rows(NEARLY_FULL).values_list("key", flat=True))
    assert keys == {
        f"alert.nearly_full:{open_initiative.pk}:total:20:u{organizer.pk}",
        f"alert.nearly_full:{open_initiative.pk}:total:30:u{organizer.pk}",
    }
    # The alert about the old cap no longer applies: it is cancelled, the new one goes.
    outcome = send_all(NEARLY_FULL)
    assert outcome == {"sent": 1, "retry": 0, "failed": 0, "cancelled": 1, "skipped": 0}


def test_role_cap_alert_says_which_role_and_how_many_seats_are_left(
    organizer, django_capture_on_commit_callbacks
):
    initiative = organizer.memberships.get().initiative
    RegistrationSettingsFactory(initiative=initiative, max_participants=None)
    RoleCap.objects.create(initiative=initiative, role_category="sworn_officer", seats=10)
    seat(initiative, 9, role_category="sworn_officer")
    seat(initiative, 30)  # residents: no cap

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.reminders_plan()["nearly_full_alerts"] == 1

    message = rows(NEARLY_FULL).get()
    assert message.key == f"alert.nearly_full:{initiative.pk}:sworn_officer:10:u{organizer.pk}"
    assert message.status == OutboxStatus.SENT
    (email,) = mail.outbox
    assert email.to == [organizer.email]
    assert "Sworn police officer" in email.body
    assert "9 of 10" in email.body
    assert "1 seat is left" in email.body
    assert f"/manage/{initiative.slug}/participants/settings/" in email.body
    assert email.extra_headers["List-Unsubscribe"].startswith("<http")
    assert "List-Unsubscribe-Post" in email.extra_headers


def test_nearly_full_alert_cancelled_when_seats_were_freed(open_initiative, organizer):
    MembershipFactory(user=organizer, initiative=open_initiative, role=Role.ORGANIZER)
    seated = seat(open_initiative, 18)
    reminders.reminders_plan()
    for participant in seated[:3]:
        participant.status = Status.WITHDRAWN
        participant.seat_number = None
        participant.save(update_fields=["status", "seat_number"])

    assert send_all(NEARLY_FULL)["cancelled"] == 1


def test_nearly_full_alert_skipped_for_an_organizer_who_opted_out(open_initiative, organizer):
    MembershipFactory(user=organizer, initiative=open_initiative, role=Role.ORGANIZER)
    seat(open_initiative, 19)
    reminders.reminders_plan()
    outbox.preferences_set(address=organizer.email, opted_out={"alerts"})

    assert send_all(NEARLY_FULL)["skipped"] == 1
    assert rows(NEARLY_FULL).get().status == OutboxStatus.SKIPPED
    assert mail.outbox == []


# --- the task and query counts -------------------------------------------------------------------


def test_task_plans_the_reminders(initiative):
    minor(initiative, days_ago=4)
    assert tasks.reminders_plan.delay().get()["guardian_reminders"] == 1


def _populate(n):
    for i in range(n):
        initiative = InitiativeFactory()
        RegistrationSettingsFactory(initiative=initiative, max_participants=10)
        RoleCap.objects.create(initiative=initiative, role_category="resident", seats=10)
        MembershipFactory(initiative=initiative, role=Role.ORGANIZER)
        MembershipFactory(initiative=initiative, role=Role.ORGANIZER)
        seat(initiative, 9)
        for j in range(2):
            minor(
                initiative,
                days_ago=4,
                guardian_email=f"parent{i}-{j}@example.org",
                email=f"kid{i}-{j}@example.net",
            )


def test_planner_queries_do_not_grow_with_rows(django_assert_max_num_queries):
    _populate(2)
    with django_assert_max_num_queries(17) as small:
        reminders.reminders_plan()
    _populate(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        result = reminders.reminders_plan()
    assert result == {"guardian_reminders": 16, "nearly_full_alerts": 32}
