import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from dialogue_hub.models import User
from initiatives.demo import DEMO_PASSWORD, DEMO_USERS
from initiatives.models import ActivityLogEntry, Initiative, Membership, Phase, Role, Sector

pytestmark = pytest.mark.django_db


def test_demo_has_a_realistic_coalition_and_one_account_per_role(client, demo, demo_world):
    main = demo
    assert main.phase == Phase.RECRUITING
    assert main.is_published
    sectors = set(main.coalition_memberships.values_list("organization__sector", flat=True))
    assert {
        Sector.POLICE,
        Sector.LOCAL_GOVERNMENT,
        Sector.YOUTH,
        Sector.FAITH,
        Sector.CIVIL_RIGHTS,
        Sector.NEIGHBORHOOD,
    } <= sectors
    assert main.coalition_memberships.filter(organization__is_bridge_builder=True).exists()
    assert set(Membership.objects.filter(initiative=main).values_list("role", flat=True)) == set(
        Role.values
    )
    assert ActivityLogEntry.objects.filter(initiative=main).count() > 20
    output = demo_world  # what `seed_demo --if-empty` printed on the empty database
    for email, _name, role in DEMO_USERS:
        assert email in output
        assert Membership.objects.filter(initiative=main, user__email=email, role=role).exists()
        assert client.login(email=email, password=DEMO_PASSWORD)


def test_demo_loads_once_with_if_empty(demo):
    # `demo` ran `seed_demo --if-empty` on the empty database; once more changes nothing.
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "already loaded" in out.getvalue()
    assert Initiative.objects.filter(name__startswith="Riverton Community").count() == 1
    assert User.objects.filter(email="organizer@demo.dialoguehub.org").count() == 1


def test_demo_has_circles_formed_by_the_assignment_with_meetings_attendance_and_logs(demo):
    from guides.models import (
        ActionIdea,
        Attendance,
        Circle,
        CircleMember,
        CircleSession,
        SessionLog,
    )

    main = demo
    circles = Circle.objects.filter(initiative=main)
    assert circles.count() >= 15
    assert all(c.guide is not None and c.guide.initiative_id == main.pk for c in circles)
    members = CircleMember.objects.filter(circle__initiative=main)
    assert members.count() > 200
    assert not members.exclude(placed_by="assignment").exists()
    for circle in circles:
        assert circle.members.count() <= circle.max_size
        assert circle.staff.filter(role="facilitator").exists()
    assert CircleSession.objects.filter(circle__initiative=main).count() == 5 * circles.count()
    assert Attendance.objects.filter(meeting__circle__initiative=main).count() > 500
    approved = SessionLog.objects.filter(meeting__circle__initiative=main, status="approved")
    assert approved.count() >= circles.count()
    held = CircleSession.objects.filter(
        circle__initiative=main, starts_at__lt=timezone.now(), status="scheduled"
    )
    assert held.filter(log__isnull=True).exists()  # some logs are still to be written
    assert ActionIdea.objects.filter(log__in=approved).count() == 2 * approved.count()


def test_each_demo_account_holds_exactly_its_own_role(demo):
    main = demo
    for email, _name, role in DEMO_USERS:
        assert list(
            Membership.objects.filter(initiative=main, user__email=email).values_list(
                "role", flat=True
            )
        ) == [role]


def test_demo_turns_logged_ideas_into_themes_a_forum_teams_and_outcomes(demo):
    from actions.models import ActionTeam, BallotResponse, Idea, IdeaSource, Outcome
    from guides.models import ActionIdea

    main = demo
    logged = ActionIdea.objects.filter(
        log__meeting__circle__initiative=main, log__status="approved"
    ).count()
    assert IdeaSource.objects.filter(idea__initiative=main).count() == logged  # every source kept
    assert Idea.objects.filter(initiative=main).count() < logged  # duplicates merged
    assert BallotResponse.objects.filter(ballot__initiative=main).count() > 50
    teams = ActionTeam.objects.filter(initiative=main)
    assert teams.count() == 3
    assert all(team.ideas.exists() for team in teams)
    assert Outcome.objects.filter(initiative=main, is_public=True).exists()


def test_demo_emails_page_shows_sent_notices_a_bounce_and_planned_reminders(client, demo):
    from dialogue_hub.models import OutboxMessage, OutboxStatus

    main = demo
    rows = OutboxMessage.objects.filter(initiative=main)
    assert rows.filter(kind="circle.assigned", status=OutboxStatus.SENT).count() > 100
    assert rows.filter(status=OutboxStatus.FAILED).count() == 1
    upcoming = rows.filter(kind="meeting.reminder", status=OutboxStatus.PENDING)
    assert upcoming.filter(send_after__gt=timezone.now()).exists()
    # Every planned reminder is for a meeting that has not started yet.
    assert not upcoming.filter(scheduled_for__lte=timezone.now()).exists()
    organizer = User.objects.get(email="organizer@demo.dialoguehub.org")
    client.force_login(organizer)
    page = client.get(f"/manage/{main.slug}/outbox/")
    assert page.status_code == 200
    assert "550 5.1.1" in page.content.decode()


def test_demo_shows_needs_reaching_the_circles(demo):
    from guides.models import CircleMember, NeedArrangement
    from guides.selectors.needs import meeting_needs

    wheelchair = CircleMember.objects.filter(
        circle__initiative=demo, participant__accessibility_needs=["mobility"]
    ).select_related("circle")
    assert wheelchair.count() == 2
    assert all(member.circle.is_accessible for member in wheelchair)
    # Childcare arranged for one circle's next meeting, not yet for the meeting after it.
    arranged = NeedArrangement.objects.get(meeting__circle__initiative=demo, need="childcare")
    meetings = list(
        arranged.meeting.circle.meetings.filter(starts_at__gte=arranged.meeting.starts_at).order_by(
            "starts_at"
        )[:2]
    )
    needs = meeting_needs(meetings)
    assert "childcare" not in [n.need for n in needs[meetings[0].pk].unarranged]
    assert "childcare" in [n.need for n in needs[meetings[1].pk].unarranged]


def test_demo_shows_a_cant_make_it_and_a_move_request_waiting(client, demo):
    from guides.models import MeetingExcusal, MoveRequest, MoveRequestStatus

    excusal = MeetingExcusal.objects.select_related("meeting").get(meeting__circle__initiative=demo)
    assert excusal.meeting.starts_at > timezone.now()
    waiting = MoveRequest.objects.get(initiative=demo, status=MoveRequestStatus.PENDING)
    assert waiting.reason
    assert waiting.wanted_time_slot != waiting.from_circle.time_slot
    organizer = User.objects.get(email="organizer@demo.dialoguehub.org")
    client.force_login(organizer)
    page = client.get(f"/manage/{demo.slug}/assignment/requests/").content.decode()
    assert "My shifts changed" in page


def test_demo_has_one_open_safety_case(demo, client):
    from django.urls import reverse

    from guides.models import SafetyCase
    from initiatives.models import Membership, Role

    case = SafetyCase.objects.get(initiative=demo)
    assert (case.status, case.source, case.category) == ("open", "log", "retaliation")
    organizer = Membership.objects.filter(initiative=demo, role=Role.ORGANIZER).first().user
    client.force_login(organizer)
    page = client.get(reverse("guides:safety_case", args=[demo.slug, case.pk]))
    assert "arrest" in page.content.decode()
