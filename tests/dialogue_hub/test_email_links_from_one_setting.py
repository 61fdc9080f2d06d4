"""Every link in every email comes from one setting, DIALOGUE_HUB_BASE_URL, never from the
address a request happened to arrive on (its Host header).

Every kind of email is sent here: each of the app's email templates (templates/email/, read
from disk) and each of allauth's account emails (read from allauth's templates and ours), so a
new email without coverage fails the test. The app's emails come from the services and sweeps
that write them; the account emails from the public pages, requested with a foreign Host.
"""

import re
from datetime import timedelta
from pathlib import Path

import allauth
import pytest
from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import timezone

from actions.services import progress as action_reminders
from dialogue_hub import outbox
from dialogue_hub.emails import payload_to_message
from dialogue_hub.models import OutboxMessage
from evaluation.services import feedback as feedback_services
from evaluation.services import waves as wave_services
from guides.models import MeetingStatus
from guides.services import logs as log_services
from guides.services import participant as participant_self_service
from guides.services import reminders as reminder_services
from guides.services import requests as move_requests
from initiatives import services as initiative_services
from initiatives.models import Role
from participants.models import Source, Status
from participants.services import registration as participant_services
from participants.services import reminders as participant_reminders
from participants.services.public import manage_link_request, participant_confirm_email

from ..factories import (
    PASSWORD,
    ActionTeamFactory,
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    ConsentFactory,
    GoalFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BASE_URL = "https://hub.example.org"
FOREIGN_HOST = "wrong-host.example.net:8123"
URL = re.compile(r"https?://[^\s\"'<>]+")
ROOT = Path(settings.BASE_DIR)
ALLAUTH_TEMPLATES = Path(allauth.__file__).parent / "templates" / "account" / "email"


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.DIALOGUE_HUB_BASE_URL = BASE_URL
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, FOREIGN_HOST.split(":")[0]]


def texts_of(message) -> list[str]:
    """Subject, bodies, headers and text attachments of a message."""
    texts = [str(message.subject), str(message.body)]
    texts += [str(content) for content, _mimetype in getattr(message, "alternatives", [])]
    texts += [str(value) for value in message.extra_headers.values()]
    texts += [str(a[1]) for a in message.attachments if isinstance(a, tuple)]
    return texts


def wrong_links(message) -> list[str]:
    found = []
    for text in texts_of(message):
        found += [url for url in URL.findall(text) if not url.startswith(BASE_URL + "/")]
        if FOREIGN_HOST.split(":")[0] in text:
            found.append(f"the request's host in: {text[:80]!r}")
    return found


# --- the app's own emails (templates/email/) ---------------------------------------------------


def app_email_templates() -> set[str]:
    return {
        p.name.removesuffix("_subject.txt")
        for p in (ROOT / "templates/email").glob("*_subject.txt")
    }


def every_app_email():
    """Write one email of every kind the app sends, through the services and sweeps that do."""
    now = timezone.now()
    initiative = InitiativeFactory()
    RegistrationSettingsFactory(initiative=initiative, max_participants=10)
    organizer = UserFactory()
    MembershipFactory(user=organizer, initiative=initiative, role=Role.ORGANIZER)
    MembershipFactory(initiative=initiative, role=Role.COALITION_LEAD)

    # Registration: welcome (entered by staff), confirm and manage link (asked for again),
    # guardian request, guardian reminder (three days on), waiting list place, nearly full.
    participant_services.participant_register(
        initiative=initiative,
        data={
            "name": "Ana Torres",
            "email": "ana@example.net",
            "preferred_language": "es",
            "neighborhood": "Eastside",
            "role_category": "resident",
            "age_band": "25_34",
            "how_heard": "flyer",
        },
        consents={"participation"},
        source=Source.STAFF,
        registered_by=organizer,
    )
    unconfirmed = ParticipantFactory(
        initiative=initiative, status=Status.REGISTERED, email_confirmed_at=None
    )
    # Asked for childcare: the staff of their circle get a needs notice before its meetings.
    confirmed = ParticipantFactory(
        initiative=initiative, email_confirmed_at=now, accessibility_needs=["childcare"]
    )
    minor = ParticipantFactory(
        initiative=initiative,
        age_band="13_17",
        guardian_email="parent@example.org",
        status=Status.REGISTERED,
        created_at=now - timedelta(days=participant_reminders.guardian_reminder_days() + 1),
    )
    for email in (unconfirmed.email, confirmed.email, minor.guardian_email):
        manage_link_request(initiative=initiative, email=email)
    # One reached by text confirms their address: "you are confirmed" goes by text, its email
    # version only should the number be refused (rendered here as the fallback).
    texter = participant_services.participant_register(
        initiative=initiative,
        data={
            "name": "Leo Ruiz",
            "email": "leo@example.net",
            "phone": "201 555 0142",
            "contact_by": "text",
            "preferred_language": "en",
            "role_category": "resident",
            "age_band": "25_34",
        },
        consents={"participation", "texts"},
    ).participant
    participant_confirm_email(participant=texter)
    # Someone registers online with an address already registered: its owner is told.
    participant_services.participant_register_online(
        initiative=initiative,
        data={
            "name": "Someone Else",
            "email": confirmed.email,
            "preferred_language": "en",
            "neighborhood": "Eastside",
            "role_category": "resident",
            "age_band": "25_34",
            "how_heard": "flyer",
        },
        consents={"participation"},
    )
    ParticipantFactory(initiative=initiative, status=Status.WAITLISTED)
    participant_services.waitlist_promote(initiative=initiative)
    taken = set(initiative.participants.values_list("seat_number", flat=True))
    for seat in sorted(set(range(1, 11)) - taken)[:-1]:  # 9 of 10 seats: nearly full
        ParticipantFactory(initiative=initiative, seat_number=seat)
    participant_reminders.reminders_plan(now=now)

    # Circles and meetings: placement notice, reminders, a moved and a cancelled meeting, a
    # nudge to write up the notes, an alert about a circle without a facilitator, a notice of
    # what a meeting still needs.
    circle = CircleFactory(initiative=initiative)
    CircleMemberFactory(circle=circle, participant=confirmed)
    CircleStaffFactory(circle=circle, role="facilitator")
    reminder_services.placement_notices_send(user=organizer, initiative=initiative)
    CircleSessionFactory(circle=circle, starts_at=now + timedelta(hours=49))
    CircleSessionFactory(circle=circle, starts_at=now - timedelta(days=2))
    moved = CircleSessionFactory(circle=circle, starts_at=now + timedelta(days=9))
    reminder_services.meeting_notices_add(
        meeting=moved,
        kind=reminder_services.RESCHEDULED,
        params={"old_start": (now + timedelta(days=8)).isoformat(), "was_cancelled": False},
    )
    called_off = CircleSessionFactory(
        circle=circle, starts_at=now + timedelta(days=10), status=MeetingStatus.CANCELLED
    )
    reminder_services.meeting_notices_add(meeting=called_off, kind=reminder_services.CANCELLED)
    bare = CircleFactory(initiative=initiative)
    CircleSessionFactory(circle=bare, starts_at=now + timedelta(days=2))
    reminder_services.reminders_plan(now=now)

    # A session log submitted by one facilitator: the circle's other facilitator is asked to
    # approve it.
    author, approver = UserFactory(), UserFactory()
    for user in (author, approver):
        MembershipFactory(user=user, initiative=initiative, role=Role.FACILITATOR)
        CircleStaffFactory(circle=circle, user=user, role="facilitator")
    held = CircleSessionFactory(circle=circle, starts_at=now - timedelta(days=1))
    # Its safety concern opens a safety case: the organizers and the circle's staff are told.
    log = log_services.log_save(
        user=author,
        meeting=held,
        themes=[],
        action_ideas=["Youth council"],
        safety_concerns="Someone was afraid of what might happen after the meeting.",
        safety_category="retaliation",
        safety_severity="high",
    )
    log_services.log_submit(user=author, log=log)

    # After the meetings, the circle's people who agreed to evaluation surveys are asked how
    # the session was.
    ConsentFactory(participant=confirmed, kind="evaluation")
    feedback_services.feedback_requests_plan(now=now)

    # Action teams: a milestone due soon and one overdue; the coalition lead's weekly digest.
    team = ActionTeamFactory(initiative=initiative, convener=confirmed, facilitator=organizer)
    today = timezone.localdate(now)
    MilestoneFactory(goal=GoalFactory(team=team), due_on=today + timedelta(days=2))
    MilestoneFactory(goal=GoalFactory(team=team), due_on=today - timedelta(days=2))
    action_reminders.reminders_plan(now=now)
    action_reminders.digest_weekly(now=now)

    # Requests for another circle from the private link: one accepted (the person gets their
    # new circle, its staff the newcomer), one declined with a kind answer.
    elsewhere = CircleFactory(initiative=initiative)
    CircleStaffFactory(circle=elsewhere, role="facilitator")
    for seat, answer in ((91, "accept"), (92, "decline")):
        mover = ParticipantFactory(initiative=initiative, seat_number=seat, status=Status.ASSIGNED)
        ConsentFactory(participant=mover)
        CircleMemberFactory(circle=circle, participant=mover)
        request = participant_self_service.move_request_add(participant=mover, reason="Shifts.")
        if answer == "accept":
            move_requests.move_request_accept(user=organizer, request=request, circle=elsewhere)
        else:
            move_requests.move_request_decline(user=organizer, request=request, answer="Sorry.")

    # The trust survey's pre wave: the invitation, and a day later its reminder.
    wave_services.wave_set_up(initiative=initiative, kind="pre", actor=organizer, reminder_days=1)
    surveyed = ParticipantFactory(initiative=initiative, status=Status.ASSIGNED)
    ConsentFactory(participant=surveyed, kind="evaluation")
    later_circle = CircleFactory(initiative=initiative)
    CircleMemberFactory(circle=later_circle, participant=surveyed)
    CircleSessionFactory(circle=later_circle, starts_at=now + timedelta(days=30))
    wave_services.surveys_plan(now=now)
    wave_services.surveys_plan(now=now + timedelta(days=1, minutes=1))

    # A team invitation.
    initiative_services.invitation_create(
        user=organizer, initiative=initiative, email="invitee@example.org", role=Role.OBSERVER
    )


def test_every_app_email_links_only_to_the_base_url():
    every_app_email()
    kinds, templates, found = set(), set(), []
    for row in OutboxMessage.objects.exclude(kind="account"):
        kind = outbox.KINDS[row.kind]
        message = outbox.render(row, kind)
        kinds.add(row.kind)
        templates.add(kind.build(row).template)
        found += [(row.kind, link) for link in wrong_links(message)]
        assert BASE_URL + "/" in message.body, row.kind  # each kind has a link to check
    assert templates == app_email_templates(), "an email template this test does not send"
    assert set(outbox.KINDS) - {"account"} == kinds, "an email kind this test does not send"
    assert not found, found


# --- allauth's account emails -------------------------------------------------------------------


def allauth_emails() -> set[str]:
    """Every account email allauth (or our override of it) has a template for."""
    names = set()
    for folder in (ALLAUTH_TEMPLATES, ROOT / "templates/account/email"):
        names |= {p.name.removesuffix("_subject.txt") for p in folder.glob("*_subject.txt")}
    return names


def not_sent_here() -> dict[str, bool]:
    """Account emails our settings never send, each with the check that says so."""
    notifications = not allauth_settings.EMAIL_NOTIFICATIONS
    sources = "\n".join(
        p.read_text(encoding="utf-8") for p in Path(allauth.__file__).parent.rglob("*.py")
    )
    return {
        "email_changed": notifications,
        "email_deleted": notifications,
        "password_changed": notifications,
        "password_reset": notifications,
        "password_set": notifications,
        "login_code": not allauth_settings.LOGIN_BY_CODE_ENABLED,
        "password_reset_code": not allauth_settings.PASSWORD_RESET_BY_CODE_ENABLED,
        # A template allauth ships but no longer sends.
        "email_confirm": '"account/email/email_confirm"' not in sources,
    }


def post(client, path, data):
    response = client.post(path, data, HTTP_HOST=FOREIGN_HOST)
    assert response.status_code in (200, 302), (path, response.status_code)
    return response


def test_every_account_email_links_only_to_the_base_url(client):
    user = UserFactory(email="member@example.org")
    sent = {}

    def collect(name):
        rows = list(OutboxMessage.objects.filter(kind="account").order_by("pk"))
        assert rows, f"no email for {name}"
        sent[name] = [payload_to_message(row.payload) for row in rows]
        OutboxMessage.objects.filter(kind="account").delete()

    signup = {"email": "new@example.org", "password1": "a long pass phrase 42"}
    signup |= {"password2": signup["password1"], "display_name": "New Person"}
    post(client, "/accounts/signup/", signup)
    collect("email_confirmation_signup")
    post(client, "/accounts/signup/", {**signup, "email": user.email})
    collect("account_already_exists")
    post(client, "/accounts/password/reset/", {"email": user.email})
    collect("password_reset_key")
    post(client, "/accounts/password/reset/", {"email": "nobody@example.org"})
    collect("unknown_account")
    client.login(email=user.email, password=PASSWORD)
    post(client, "/accounts/email/", {"action_add": "", "email": "second@example.org"})
    assert EmailAddress.objects.filter(email="second@example.org").exists()
    collect("email_confirmation")

    skipped = not_sent_here()
    assert all(skipped.values()), f"an account email is sent now: {skipped}"
    assert set(sent) | set(skipped) == allauth_emails(), "an account email this test does not send"
    found = []
    for name, messages in sent.items():
        for message in messages:
            assert BASE_URL + "/" in message.body, name  # each has a link to check
            found += [(name, link) for link in wrong_links(message)]
    assert not found, found
