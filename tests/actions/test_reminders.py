"""The actions app's planned emails: milestone due and overdue reminders to a team's owners
and the coalition leads' weekly digest. Planned once, at the right local date, cancelled at
sending time when they no longer apply, in each recipient's language, with List-Unsubscribe."""

import zoneinfo
from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from freezegun import freeze_time

from actions import tasks
from actions.models import MilestoneStatus
from actions.selectors import progress as progress_selectors
from actions.services import progress as reminders
from dialogue_hub import outbox
from dialogue_hub.models import OutboxMessage, OutboxStatus
from initiatives.models import Phase, Role

from ..factories import (
    ActionTeamFactory,
    GoalFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    OutcomeFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
# Tuesday 10 March 2026, 10:00 in Chicago (15:00 UTC).
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=CHICAGO)
TODAY = date(2026, 3, 10)


def send_all(kind=None):
    queryset = OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
    if kind:
        queryset = queryset.filter(kind=kind)
    return outbox.send_batch(list(queryset.values_list("pk", flat=True)))


def kinds():
    return sorted(OutboxMessage.objects.values_list("kind", flat=True))


@pytest.fixture
def team(initiative):
    convener = ParticipantFactory(
        initiative=initiative,
        name="Rosa Convener",
        email="rosa@example.net",
        preferred_language="es",
    )
    facilitator = UserFactory(email="neutral@example.org", preferred_language="en")
    return ActionTeamFactory(
        initiative=initiative,
        name="Youth and Police League",
        convener=convener,
        facilitator=facilitator,
    )


def milestone_for(team, due_on, **overrides):
    return MilestoneFactory(goal=GoalFactory(team=team), due_on=due_on, **overrides)


# --- milestone due -------------------------------------------------------------------------------


def test_due_reminder_planned_three_days_before_for_both_owners_once(team):
    soon = milestone_for(team, TODAY + timedelta(days=3))
    milestone_for(team, TODAY + timedelta(days=4))  # too early
    milestone_for(team, None)  # no due date

    assert reminders.reminders_plan(now=NOW) == {"milestone_reminders": 2}
    assert reminders.reminders_plan(now=NOW) == {"milestone_reminders": 0}

    rows = {row.to_email: row for row in OutboxMessage.objects.all()}
    assert set(rows) == {"rosa@example.net", "neutral@example.org"}
    convener_row, facilitator_row = rows["rosa@example.net"], rows["neutral@example.org"]
    assert convener_row.kind == facilitator_row.kind == "milestone.due"
    assert convener_row.key == f"milestone.due:{soon.pk}:2026-03-13:p{team.convener.pk}"
    assert facilitator_row.key == f"milestone.due:{soon.pk}:2026-03-13:u{team.facilitator.pk}"
    assert convener_row.language == "es"
    assert facilitator_row.language == "en"
    assert convener_row.initiative_id == team.initiative_id


def test_due_reminder_waits_for_the_morning_in_the_initiatives_time_zone(team):
    milestone_for(team, TODAY + timedelta(days=3))
    just_after_midnight = datetime(2026, 3, 10, 0, 30, tzinfo=CHICAGO)

    reminders.reminders_plan(now=just_after_midnight)

    for row in OutboxMessage.objects.all():
        assert row.send_after == datetime(2026, 3, 10, 8, 0, tzinfo=CHICAGO)
        assert row.status == OutboxStatus.PENDING


def test_dates_are_the_initiatives_own():
    auckland = InitiativeFactory(timezone="Pacific/Auckland")
    chicago = InitiativeFactory(timezone="America/Chicago")
    due = date(2026, 3, 14)
    for initiative in (auckland, chicago):
        team = ActionTeamFactory(initiative=initiative, facilitator=UserFactory())
        milestone_for(team, due)
    # 20:00 UTC on 10 March: 11 March in Auckland (3 days before), 10 March in Chicago (4).
    now = datetime(2026, 3, 10, 20, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))

    assert reminders.reminders_plan(now=now) == {"milestone_reminders": 1}
    assert OutboxMessage.objects.get().initiative_id == auckland.pk


def test_no_reminders_for_done_dropped_or_closed_initiatives(team):
    milestone_for(team, TODAY + timedelta(days=2), status=MilestoneStatus.DONE)
    milestone_for(team, TODAY - timedelta(days=1), status=MilestoneStatus.DROPPED)
    closed = InitiativeFactory(phase=Phase.CLOSED)
    milestone_for(ActionTeamFactory(initiative=closed, facilitator=UserFactory()), TODAY)

    assert reminders.reminders_plan(now=NOW) == {"milestone_reminders": 0}


# --- milestone overdue ---------------------------------------------------------------------------


def test_overdue_reminder_the_day_after_the_due_date_once(team):
    due_today = milestone_for(team, TODAY)
    overdue = milestone_for(team, TODAY - timedelta(days=1), status=MilestoneStatus.BLOCKED)
    milestone_for(team, TODAY - timedelta(days=reminders.OVERDUE_GRACE_DAYS + 1))  # long ago

    assert reminders.reminders_plan(now=NOW)["milestone_reminders"] == 4
    assert reminders.reminders_plan(now=NOW)["milestone_reminders"] == 0

    by_milestone = {(row.params["milestone"], row.kind) for row in OutboxMessage.objects.all()}
    assert by_milestone == {(due_today.pk, "milestone.due"), (overdue.pk, "milestone.overdue")}
    keys = set(OutboxMessage.objects.filter(kind="milestone.overdue").values_list("key", flat=True))
    assert keys == {
        f"milestone.overdue:{overdue.pk}:2026-03-09:p{team.convener.pk}",
        f"milestone.overdue:{overdue.pk}:2026-03-09:u{team.facilitator.pk}",
    }


def test_overdue_reminder_is_sent_with_unsubscribe_header_in_each_language(
    team, django_capture_on_commit_callbacks
):
    milestone = milestone_for(team, TODAY - timedelta(days=1), title="Book the gym")

    with freeze_time(NOW), django_capture_on_commit_callbacks(execute=True):
        reminders.reminders_plan(now=NOW)

    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    by_to = {email.to[0]: email for email in mail.outbox}
    assert set(by_to) == {"rosa@example.net", "neutral@example.org"}
    for email in by_to.values():
        assert "Book the gym" in email.subject
        assert email.extra_headers["List-Unsubscribe"].startswith("<http")
        assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "Youth and Police League" in email.body
    assert '<html lang="es">' in by_to["rosa@example.net"].alternatives[0][0]
    assert '<html lang="en">' in by_to["neutral@example.org"].alternatives[0][0]
    # The facilitator gets the team page, the convener their own (private) teams page.
    slug = team.initiative.slug
    assert f"/manage/{slug}/teams/{team.pk}/" in by_to["neutral@example.org"].body
    assert "/registration/" in by_to["rosa@example.net"].body
    assert milestone.title in by_to["rosa@example.net"].body


# --- stale at sending time -----------------------------------------------------------------------


def test_reminder_cancelled_when_the_milestone_was_completed_before_sending(team):
    milestone = milestone_for(team, TODAY + timedelta(days=3))
    reminders.reminders_plan(now=NOW)
    milestone.status = MilestoneStatus.DONE
    milestone.save(update_fields=["status"])

    with freeze_time(NOW):
        outcome = send_all()

    assert outcome["cancelled"] == 2
    assert mail.outbox == []
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.CANCELLED}


def test_changed_due_date_gets_a_fresh_reminder_and_the_old_one_is_cancelled(team):
    milestone = milestone_for(team, TODAY + timedelta(days=3))
    reminders.reminders_plan(now=NOW)
    old_keys = set(OutboxMessage.objects.values_list("key", flat=True))

    milestone.due_on = TODAY + timedelta(days=2)
    milestone.save(update_fields=["due_on"])
    assert reminders.reminders_plan(now=NOW)["milestone_reminders"] == 2

    new = OutboxMessage.objects.exclude(key__in=old_keys)
    assert {row.params["due_on"] for row in new} == {"2026-03-12"}
    with freeze_time(NOW):
        outcome = send_all()
    assert outcome == {"sent": 2, "retry": 0, "failed": 0, "cancelled": 2, "skipped": 0}
    assert set(OutboxMessage.objects.filter(key__in=old_keys).values_list("status", flat=True)) == {
        OutboxStatus.CANCELLED
    }


def test_reminder_cancelled_when_the_facilitator_changed(team):
    milestone_for(team, TODAY + timedelta(days=3))
    reminders.reminders_plan(now=NOW)
    team.facilitator = UserFactory()
    team.save(update_fields=["facilitator"])

    with freeze_time(NOW):
        outcome = send_all()

    assert outcome["cancelled"] == 1
    assert outcome["sent"] == 1
    assert [email.to for email in mail.outbox] == [["rosa@example.net"]]


def test_opted_out_owner_is_skipped(team):
    milestone_for(team, TODAY + timedelta(days=1))
    reminders.reminders_plan(now=NOW)
    outbox.preferences_set(address="neutral@example.org", opted_out={"milestones"})

    with freeze_time(NOW):
        outcome = send_all()

    assert outcome["skipped"] == 1
    assert outcome["sent"] == 1
    assert OutboxMessage.objects.get(to_email="neutral@example.org").status == OutboxStatus.SKIPPED
    assert [email.to for email in mail.outbox] == [["rosa@example.net"]]


# --- weekly digest -------------------------------------------------------------------------------


@pytest.fixture
def led(db):
    """A lead of two initiatives (one with an overdue milestone, a silent team and a new
    outcome), and another initiative with its own lead."""
    lead = UserFactory(email="lead@example.org", preferred_language="es")
    first = InitiativeFactory(name="Riverton Dialogues", phase=Phase.ACTION)
    second = InitiativeFactory(name="Eastside Dialogues", phase=Phase.ACTION_FORUM)
    other = InitiativeFactory(name="Elsewhere Dialogues", phase=Phase.ACTION)
    for initiative in (first, second):
        MembershipFactory(user=lead, initiative=initiative, role=Role.COALITION_LEAD)
    other_lead = MembershipFactory(initiative=other, role=Role.COALITION_LEAD).user
    with freeze_time(NOW - timedelta(days=60)):
        convener = ParticipantFactory(
            initiative=first, name="Marisol Private", email="marisol.private@example.net"
        )
        busy = ActionTeamFactory(initiative=first, name="Safe Routes Team", convener=convener)
        silent = ActionTeamFactory(initiative=first, name="Quiet Team")
        ActionTeamFactory(initiative=other, name="Secret Other Team")
    with freeze_time(NOW - timedelta(days=1)):
        ProgressUpdateFactory(team=busy)
    goal = GoalFactory(team=busy)
    MilestoneFactory(goal=goal, title="Map the routes", status=MilestoneStatus.DONE)
    MilestoneFactory(goal=goal, title="Walk the routes", due_on=TODAY - timedelta(days=5))
    with freeze_time(NOW - timedelta(days=2)):
        OutcomeFactory(initiative=first, team=busy, title="Crossing guard program")
    with freeze_time(NOW - timedelta(days=20)):
        OutcomeFactory(initiative=first, title="An older outcome")
    return {"lead": lead, "other_lead": other_lead, "silent": silent}


def test_digest_planned_once_per_lead_and_week(led):
    assert reminders.digest_weekly(now=NOW) == 2  # the lead (two initiatives) and the other
    assert reminders.digest_weekly(now=NOW + timedelta(days=3)) == 0  # same ISO week

    lead_row = OutboxMessage.objects.get(to_email="lead@example.org")
    assert lead_row.kind == "digest.weekly"
    assert lead_row.key == f"digest.weekly:u{led['lead'].pk}:2026-W11"
    assert lead_row.language == "es"
    assert reminders.digest_weekly(now=NOW + timedelta(days=7)) == 2  # next week


def test_digest_covers_the_leads_initiatives_only_and_names_no_participant(
    led, django_capture_on_commit_callbacks
):
    with freeze_time(NOW), django_capture_on_commit_callbacks(execute=True):
        reminders.digest_weekly(now=NOW)

    by_to = {email.to[0]: email for email in mail.outbox}
    email = by_to["lead@example.org"]
    html = email.alternatives[0][0]
    for text in (email.body, html):
        assert "Riverton Dialogues" in text
        assert "Eastside Dialogues" in text
        assert "Safe Routes Team" in text
        assert "Quiet Team" in text
        assert "Walk the routes" in text  # overdue
        assert "Map the routes" not in text  # done milestones are not listed
        assert "Crossing guard program" in text  # recorded this week
        assert "An older outcome" not in text
        assert "Secret Other Team" not in text
        assert "Elsewhere Dialogues" not in text
        assert "Marisol" not in text
        assert "marisol.private@example.net" not in text
        assert "/progress/" in text
    assert "50%" in email.body  # one of two milestones done
    assert '<html lang="es">' in html
    assert email.extra_headers["List-Unsubscribe"].startswith("<http")
    assert "Secret Other Team" in by_to[led["other_lead"].email].body


def test_digest_silent_teams_follow_the_dashboard(led):
    with freeze_time(NOW):
        content = progress_selectors.digest_content(user=led["lead"], now=NOW)
    first = next(item for item in content if item.initiative.name == "Riverton Dialogues")
    assert [row.team.name for row in first.row.silent_teams] == ["Quiet Team"]
    assert [m.title for m in first.overdue_milestones] == ["Walk the routes"]


def test_digest_cancelled_for_someone_who_no_longer_leads(led):
    reminders.digest_weekly(now=NOW)
    led["lead"].memberships.all().delete()

    with freeze_time(NOW):
        outcome = send_all("digest.weekly")

    assert outcome["cancelled"] == 1
    assert outcome["sent"] == 1


def test_digest_skipped_for_a_lead_who_opted_out(led):
    reminders.digest_weekly(now=NOW)
    outbox.preferences_set(address="lead@example.org", opted_out={"digest"})

    with freeze_time(NOW):
        assert send_all("digest.weekly")["skipped"] == 1


# --- tasks and query counts ----------------------------------------------------------------------


def test_tasks_plan_reminders_and_digest(team):
    milestone_for(team, timezone.localdate(timezone=CHICAGO) + timedelta(days=1))
    MembershipFactory(initiative=team.initiative, role=Role.COALITION_LEAD)
    assert tasks.reminders_plan.delay().get() == {"milestone_reminders": 2}
    assert tasks.digest_weekly.delay().get() == 1


def _populate(n):
    for i in range(n):
        initiative = InitiativeFactory(timezone=["America/Chicago", "Europe/Madrid"][i % 2])
        MembershipFactory(initiative=initiative, role=Role.COALITION_LEAD)
        for _j in range(2):
            team = ActionTeamFactory(
                initiative=initiative,
                convener=ParticipantFactory(initiative=initiative),
                facilitator=UserFactory(),
            )
            milestone_for(team, TODAY + timedelta(days=2))
            milestone_for(team, TODAY - timedelta(days=2))


def test_planners_queries_do_not_grow_with_rows(django_assert_max_num_queries):
    _populate(2)
    with django_assert_max_num_queries(9) as small:
        reminders.reminders_plan(now=NOW)
    with django_assert_max_num_queries(7) as small_digest:
        reminders.digest_weekly(now=NOW)
    # Two and a half times as many (kept under one INSERT batch: SQLite splits bulk inserts by
    # its parameter limit, 999, some 40 outbox rows, which is not a query per row).
    _populate(5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert reminders.reminders_plan(now=NOW)["milestone_reminders"] == 5 * 2 * 2 * 2
    with django_assert_max_num_queries(len(small_digest.captured_queries)):
        assert reminders.digest_weekly(now=NOW + timedelta(days=7)) == 7
