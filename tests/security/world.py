"""One seeded "world" for the security suite: two initiatives, A and B, each with a team member
in every role, a coalition, participants (one a minor with a guardian), demographics, circles
with staff, meetings, attendance, session logs, ideas, a ballot, action teams, outcomes,
assets, outreach, targets, invitations, outbox messages and the organizer's API token.

Every text a person typed is a unique marker, ``MARK-{A|B}-{model}-{field}-{n}`` (email
addresses ``mark-{a|b}-{what}-{n}@example.net``), so a test can prove that a page of A never
shows anything of B, or that a role never sees a resident's name.

Build it once per test module with the `world` fixture of a module (see `world_fixture`): the
rows live in one transaction that is rolled back when the module is done, and every request a
test makes runs in a savepoint of its own (`isolated`), so even a POST that deletes the
initiative leaves the world as it was for the next check.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from actions.models import BallotDot, BallotItem, BallotResponse, TeamMember
from api.services import token_create
from dialogue_hub import outbox, shortlinks
from dialogue_hub.emails import absolute_url
from dialogue_hub.models import OutboxMessage, ShortLink
from evaluation.library import TRUST_SLUG, library_instrument
from evaluation.models import EvaluationReportSharing, Instrument, Invitation, Item, Wave
from evaluation.services.instruments import instrument_copy
from evaluation.services.responses import group_of, response_submit
from guides import calendars
from guides.models import ActionIdea, KeepTogether, MeetingExcusal, MoveRequest, SafetyCase
from guides.services.reminders import placement_notices_send
from initiatives import services as initiative_services
from initiatives.models import Role
from participants.models import QuestionAnswer, RegistrationSettings, RoleCap, RoleCategory
from participants.services import questions as question_services
from participants.services import registration as participant_services
from participants.services.public import manage_link_request

from ..factories import (
    ActionTeamFactory,
    AttendanceFactory,
    BallotFactory,
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    CoalitionMembershipFactory,
    CommunityAssetFactory,
    ConsentFactory,
    DemographicsFactory,
    DiscussionGuideFactory,
    FacilitatorTrainingFactory,
    GoalFactory,
    GuideSessionFactory,
    IdeaFactory,
    IdeaSourceFactory,
    InclusionTargetFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    OrganizationFactory,
    OutcomeFactory,
    OutreachActivityFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
    ReferralLinkFactory,
    RegistrationSettingsFactory,
    SessionLogFactory,
    ThemeFactory,
    UserFactory,
)

LETTERS = ("A", "B")
# What a page of A must never contain: any marker of B.
B_MARKERS = ("MARK-B", "mark-b-")

# The apps whose tables are "the main tables" a denied request must not change.
APP_LABELS = ("dialogue_hub", "initiatives", "participants", "guides", "actions", "evaluation")


@dataclass
class Side:
    """Everything of one initiative (A or B) a test needs by name."""

    letter: str
    initiative: object = None
    users: dict = field(default_factory=dict)  # role -> user
    objects: dict = field(default_factory=dict)  # "circle", "meeting", ... -> the one URLs use
    participant_names: list = field(default_factory=list)
    participant_emails: list = field(default_factory=list)
    demographic_markers: list = field(default_factory=list)
    answer_markers: list = field(
        default_factory=list
    )  # answers to a question that is not sensitive
    circle2_markers: list = field(default_factory=list)  # member names and log texts of circle 2
    tokens: dict = field(default_factory=dict)


@dataclass
class World:
    a: Side
    b: Side
    site_staff: object = None

    def side(self, letter):
        return self.a if letter == "A" else self.b


def _marker(letter):
    def mark(model, field_name, n=1):
        return f"MARK-{letter}-{model}-{field_name}-{n}"

    return mark


def _plain_marker(letter):
    """Markers of the texts that make objects fully filled for the edit-form round trip: not
    through `_marker`, so the hostile world's order of payloads (test_hostile.py) is kept."""

    def mark(model, field_name, n=1):
        return f"MARK-{letter}-{model}-{field_name}-{n}"

    return mark


def _email(letter, what, n=1):
    return f"mark-{letter.lower()}-{what}-{n}@example.net"


def _build_side(letter) -> Side:
    mark, filled = _marker(letter), _plain_marker(letter)
    side = Side(letter=letter)
    # To the minute, as a person types times into a form.
    now = timezone.now().replace(second=0, microsecond=0)
    today = timezone.localdate()
    initiative = InitiativeFactory(
        name=mark("initiative", "name"),
        slug=f"mark-{letter.lower()}-dialogues",
        community=mark("initiative", "community"),
        description=mark("initiative", "description"),
        impact_goals=mark("initiative", "impact_goals"),
        process_goals=mark("initiative", "process_goals"),
        name_es=mark("initiative", "name_es"),
        description_es=mark("initiative", "description_es"),
        impact_goals_es=mark("initiative", "impact_goals_es"),
        process_goals_es=mark("initiative", "process_goals_es"),
        is_published=True,
        published_at=now,
        phase="action",
        languages=["en", "es"],
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=120),
        reminder_hours=[72, 3],
    )
    side.initiative = initiative
    RegistrationSettingsFactory(
        initiative=initiative,
        neighborhoods=[mark("settings", "neighborhood"), "Eastside"],
        time_slots=["Tuesday evening", mark("settings", "time_slot")],
        lived_experience_groups=["Immigrant", mark("settings", "lived_experience")],
        option_labels_es={
            "neighborhoods": [mark("settings", "neighborhood_es"), "Eastside"],
            "time_slots": ["Martes por la tarde", mark("settings", "time_slot_es")],
            "lived_experience_groups": ["Inmigrante", mark("settings", "lived_experience_es")],
        },
        consent_note_en=mark("settings", "consent_note"),
        consent_note_es=mark("settings", "consent_note_es"),
        is_open=True,
        closes_on=today + timedelta(days=30),
        max_participants=240,
        policy_version="2026-2",
    )
    # A seat cap for every role category (each a different number).
    for n, role_category in enumerate(RoleCategory.values, start=1):
        RoleCap.objects.create(initiative=initiative, role_category=role_category, seats=10 + n)

    # --- the team: one user per role, and a second facilitator for circle 2 ---
    for role in Role.values:
        user = UserFactory(
            email=_email(letter, f"user-{role.replace('_', '')}"),
            display_name=mark("user", role),
        )
        MembershipFactory(user=user, initiative=initiative, role=role)
        side.users[role] = user
    organizer = side.users[Role.ORGANIZER]
    initiative.created_by = organizer
    initiative.save(update_fields=["created_by"])
    # Reminders by text too (their preferences page: a number and the box ticked).
    organizer.mobile_phone, organizer.texts_wanted = f"+1312555{1000 + ord(letter) % 100}", True
    organizer.save(update_fields=["mobile_phone", "texts_wanted"])
    other_facilitator = UserFactory(
        email=_email(letter, "user-facilitator", 2), display_name=mark("user", "facilitator", 2)
    )
    MembershipFactory(user=other_facilitator, initiative=initiative, role=Role.FACILITATOR)
    side.users["facilitator2"] = other_facilitator

    # --- coalition ---
    organization = OrganizationFactory(
        name=mark("organization", "name"),
        description=mark("organization", "description"),
        website=f"https://mark-{letter.lower()}-org.example.net/",
    )
    coalition = CoalitionMembershipFactory(
        initiative=initiative,
        organization=organization,
        commitment=mark("coalition", "commitment"),
        contact_name=mark("coalition", "contact_name"),
        contact_email=_email(letter, "coalition-contact"),
    )
    # A second coalition row the matrix may remove/edit (keeps the first for referral links).
    coalition2 = CoalitionMembershipFactory(
        initiative=initiative,
        organization=OrganizationFactory(
            name=mark("organization", "name", 2),
            sector="faith",
            is_bridge_builder=True,
            website=f"https://mark-{letter.lower()}-org-2.example.net/",
            description=filled("organization", "description", 2),
        ),
        role="steering",
        commitment=mark("coalition", "commitment", 2),
        contact_name=filled("coalition", "contact_name", 2),
        contact_email=_email(letter, "coalition-contact", 2),
    )
    referral = ReferralLinkFactory(
        partner=coalition,
        initiative=initiative,
        code=f"mark-{letter.lower()}-ref-1",
        label=mark("referral", "label"),
    )
    outreach = OutreachActivityFactory(
        initiative=initiative,
        partner=coalition,
        segment=mark("outreach", "segment"),
        notes=mark("outreach", "notes"),
    )
    target = InclusionTargetFactory(
        initiative=initiative, source=mark("target", "source"), target_count=9
    )

    # --- participants: four adults and a minor with a guardian ---
    people = []
    for n in range(1, 5):
        person = ParticipantFactory(
            initiative=initiative,
            name=mark("participant", "name", n),
            email=_email(letter, "participant", n),
            phone=f"555-01{n}{'7' if letter == 'A' else '8'}",
            neighborhood=mark("settings", "neighborhood"),
            accessibility_other=mark("participant", "accessibility_other", n),
            offers=mark("participant", "offers", n),
            referral_link=referral,
            partner=coalition,
            status="assigned",
            email_confirmed_at=now,
        )
        ConsentFactory(participant=person, policy_version="2026-2")
        DemographicsFactory(
            participant=person,
            race_ethnicity=["hispanic", "white"],
            race_ethnicity_detail=mark("demographics", "race_ethnicity_detail", n),
            gender="self_describe",
            gender_self_description=mark("demographics", "gender_self_description", n),
            lived_experience=["Immigrant"],
        )
        side.participant_names.append(person.name)
        side.participant_emails.append(person.email)
        side.demographic_markers += [
            mark("demographics", "race_ethnicity_detail", n),
            mark("demographics", "gender_self_description", n),
        ]
        people.append(person)
    minor = ParticipantFactory(
        initiative=initiative,
        name=mark("participant", "name", 5),
        email="",
        age_band="13_17",
        guardian_name=mark("participant", "guardian_name", 5),
        guardian_email=_email(letter, "guardian", 5),
        status="registered",
    )
    # The first participant, whose private link the URLs use, answered every question.
    first = people[0]
    first.preferred_language = "es"
    first.role_category = "educator"
    first.accessibility_needs = ["interpretation", "childcare"]
    first.how_heard = "partner"
    # A mobile number in E.164, email and texts both, with the texts consent (the others keep
    # a number typed as free text before texts existed).
    first.phone = f"+1201555011{'7' if letter == 'A' else '8'}"
    first.contact_by = "both"
    first.save(
        update_fields=[
            "preferred_language",
            "role_category",
            "accessibility_needs",
            "how_heard",
            "phone",
            "contact_by",
        ]
    )
    for kind in ("evaluation", "media", "contact", "texts"):
        ConsentFactory(participant=first, kind=kind, policy_version="2026-2")
    side.participant_names += [minor.name, minor.guardian_name]
    side.participant_emails.append(minor.guardian_email)

    # --- guide, circles, staff, meetings, attendance, logs ---
    guide = DiscussionGuideFactory(
        initiative=initiative,
        title=mark("guide", "title"),
        description=mark("guide", "description"),
        based_on=mark("guide", "based_on"),
    )
    guide_sessions = [
        GuideSessionFactory(
            guide=guide,
            position=n,
            title=mark("guidesession", "title", n),
            goals=mark("guidesession", "goals", n),
            duration_minutes=90,
            questions=[mark("guidesession", "question", n), filled("guidesession", "question2", n)],
        )
        for n in (1, 2)
    ]
    facilitator, recorder = side.users[Role.FACILITATOR], side.users[Role.RECORDER]
    # Circle 1's second facilitator: on the team, in no role the access tests act as.
    co_facilitator = UserFactory(
        email=_email(letter, "user-facilitator", 3), display_name=filled("user", "facilitator", 3)
    )
    MembershipFactory(user=co_facilitator, initiative=initiative, role=Role.FACILITATOR)
    circles, meetings_by_circle, logs_by_circle = [], [], []
    for c in (1, 2):
        circle = CircleFactory(
            initiative=initiative,
            guide=guide,
            name=mark("circle", "name", c),
            venue_name=mark("circle", "venue_name", c),
            venue_address=mark("circle", "venue_address", c),
            first_meeting_at=now - timedelta(days=14),
        )
        if c == 1:
            circle.language = "es"
            circle.min_size, circle.max_size = 6, 10
            circle.is_accessible = True
            circle.online_link = f"https://mark-{letter.lower()}-meet.example.net/circle-1"
            circle.rules = {
                "min_per_role": {
                    "sworn_officer": 1,
                    "young_person": 2,
                    "resident": 3,
                    "elected_official": 1,
                },
                "max_share_per_role": 0.5,
            }
            circle.save()
            CircleStaffFactory(circle=circle, user=facilitator, role="facilitator")
            CircleStaffFactory(circle=circle, user=co_facilitator, role="facilitator")
            CircleStaffFactory(circle=circle, user=recorder, role="recorder")
        else:
            CircleStaffFactory(circle=circle, user=other_facilitator, role="facilitator")
        members = [
            CircleMemberFactory(circle=circle, participant=p) for p in people[2 * c - 2 : 2 * c]
        ]
        meetings = [
            CircleSessionFactory(
                circle=circle,
                guide_session=guide_sessions[0],
                number=1,
                title=mark("meeting", "title", f"{c}1"),
                starts_at=now - timedelta(days=7),
                venue_name=mark("meeting", "venue_name", f"{c}1"),
            ),
            CircleSessionFactory(
                circle=circle,
                guide_session=guide_sessions[1],
                number=2,
                title=mark("meeting", "title", f"{c}2"),
                starts_at=now - timedelta(days=1),
                venue_name=mark("meeting", "venue_name", f"{c}2"),
            ),
            CircleSessionFactory(
                circle=circle,
                number=3,
                title=mark("meeting", "title", f"{c}3"),
                starts_at=now + timedelta(days=6),
                venue_name=mark("meeting", "venue_name", f"{c}3"),
            ),
        ]
        for meeting in meetings[:2]:
            for member, status in zip(members, ("present", "absent"), strict=True):
                AttendanceFactory(
                    meeting=meeting,
                    participant=member.participant,
                    status=status,
                    recorded_by=facilitator if c == 1 else other_facilitator,
                )
        staff = facilitator if c == 1 else other_facilitator
        approved = SessionLogFactory(
            meeting=meetings[0],
            status="approved",
            themes=[mark("log", "theme", f"{c}1")],
            agreements=mark("log", "agreements", f"{c}1"),
            disagreements=mark("log", "disagreements", f"{c}1"),
            open_questions=mark("log", "open_questions", f"{c}1"),
            group_dynamics=mark("log", "group_dynamics", f"{c}1"),
            safety_concerns=mark("log", "safety_concerns", f"{c}1"),
            drafted_by=recorder if c == 1 else staff,
            approved_by=staff,
            submitted_at=now - timedelta(days=6),
            approved_at=now - timedelta(days=5),
        )
        draft = SessionLogFactory(
            meeting=meetings[1],
            status="draft",
            themes=[mark("log", "theme", f"{c}2")],
            agreements=mark("log", "agreements", f"{c}2"),
            disagreements=mark("log", "disagreements", f"{c}2"),
            open_questions=mark("log", "open_questions", f"{c}2"),
            group_dynamics=mark("log", "group_dynamics", f"{c}2"),
            safety_concerns=mark("log", "safety_concerns", f"{c}2"),
            drafted_by=recorder if c == 1 else staff,
        )
        for log in (approved, draft):
            ActionIdea.objects.create(
                log=log, text=mark("actionidea", "text", f"{c}{log.meeting.number}"), position=0
            )
        ActionIdea.objects.create(
            log=draft, text=filled("actionidea", "text", f"{c}{draft.meeting.number}b"), position=1
        )
        if c == 2:
            side.circle2_markers += [p.name for p in people[2:4]]
            side.circle2_markers += [
                mark("log", f, f"{c}{n}")
                for f in ("agreements", "disagreements", "open_questions", "group_dynamics")
                for n in (1, 2)
            ] + [mark("log", "safety_concerns", "21"), mark("log", "safety_concerns", "22")]
        circles.append(circle)
        meetings_by_circle.append(meetings)
        logs_by_circle.append((approved, draft))
    pair = KeepTogether.objects.create(initiative=initiative, first=people[0], second=people[1])
    training = FacilitatorTrainingFactory(
        initiative=initiative,
        user=facilitator,
        curriculum=mark("training", "curriculum"),
        trainer=mark("training", "trainer"),
    )

    # --- from dialogue to action ---
    theme = ThemeFactory(
        initiative=initiative, name=mark("theme", "name"), description=mark("theme", "description")
    )
    idea = IdeaFactory(
        initiative=initiative, text=mark("idea", "text"), theme=theme, level="community"
    )
    IdeaSourceFactory(idea=idea, action_idea=logs_by_circle[0][0].action_ideas.first())
    idea2 = IdeaFactory(initiative=initiative, text=mark("idea", "text", 2), level="policy")
    ballot = BallotFactory(
        initiative=initiative,
        title=mark("ballot", "title"),
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=2),
        dots_per_person=5,
    )
    item = BallotItem.objects.create(ballot=ballot, idea=idea, position=1)
    response = BallotResponse.objects.create(ballot=ballot, participant=people[0])
    # A ballot still being prepared: voting opens next week.
    upcoming_ballot = BallotFactory(
        initiative=initiative,
        title=filled("ballot", "title", 2),
        opens_at=now + timedelta(days=7),
        closes_at=now + timedelta(days=9),
        dots_per_person=4,
    )
    for position, item_idea in enumerate((idea, idea2)):
        BallotItem.objects.create(ballot=upcoming_ballot, idea=item_idea, position=position)
    BallotDot.objects.create(response=response, item=item, dots=2)
    team = ActionTeamFactory(
        initiative=initiative,
        name=mark("team", "name"),
        description=mark("team", "description"),
        convener=people[0],
        facilitator=side.users[Role.FACILITATOR],  # the team's neutral facilitator
        update_every_days=14,
        is_public=True,
    )
    team.ideas.add(idea)
    team_member = TeamMember.objects.create(team=team, participant=people[1])
    TeamMember.objects.create(team=team, organization=coalition)
    asset = CommunityAssetFactory(
        initiative=initiative,
        name=mark("asset", "name"),
        description=mark("asset", "description"),
        offered_by=people[0],  # a participant's offer (a partner's asset has no participant)
    )
    goal = GoalFactory(
        team=team,
        title=mark("goal", "title"),
        indicator=mark("goal", "indicator"),
        baseline=mark("goal", "baseline"),
        target=mark("goal", "target"),
        owner=mark("goal", "owner"),
        due_on=today + timedelta(days=90),
    )
    goal.assets.add(asset)
    milestone = MilestoneFactory(
        goal=goal,
        title=mark("milestone", "title"),
        due_on=today + timedelta(days=45),
        status="in_progress",
        weight=3,
    )
    ProgressUpdateFactory(
        team=team,
        author=organizer,
        narrative=mark("progressupdate", "narrative"),
        blockers=mark("progressupdate", "blockers"),
    )
    outcome = OutcomeFactory(
        team=team,
        initiative=initiative,
        title=mark("outcome", "title"),
        description=mark("outcome", "description"),
        evidence_url=f"https://mark-{letter.lower()}-evidence.example.net/1",
        is_public=True,
    )
    # The evaluation report's public version is shared (its public page is walked too).
    EvaluationReportSharing.objects.create(initiative=initiative, published_at=timezone.now())

    # --- invitations and email (through the services that write the outbox) ---
    invitation = initiative_services.invitation_create(
        user=organizer,
        initiative=initiative,
        email=_email(letter, "invitee"),
        role=Role.OBSERVER,
        message=mark("invitation", "message"),
    )
    # Email choices: each has turned one kind of email off.
    outbox.preferences_set(address=organizer.email, opted_out={"digest"})
    outbox.preferences_set(address=people[0].email, opted_out={"nudges"})
    manage_link_request(initiative=initiative, email=people[0].email)
    manage_link_request(initiative=initiative, email=minor.guardian_email)
    placement_notices_send(user=organizer, initiative=initiative)
    failed = OutboxMessage.objects.filter(initiative=initiative).order_by("pk").first()
    failed.status = "failed"
    failed.last_error = "550 mailbox unavailable"
    failed.save(update_fields=["status", "last_error"])
    # Text messages (the Messages page lists both channels and each month's texts): one sent,
    # one the provider refused, whose email version goes to the person's address instead.
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            initiative=initiative,
            kind="participant.promoted",
            key=f"text:world-{letter}-{status}",
            channel="text",
            to_phone=f"+1555010{n}{'7' if letter == 'A' else '8'}",
            to_email=_email(letter, "texted", n),
            params={"participant": people[0].pk},
            status=status,
            sent_at=timezone.now() if status == "sent" else None,
            segments=2 if status == "sent" else None,
            encoding="UCS-2" if status == "sent" else "",
            last_error="" if status == "sent" else "21211: invalid 'To' number",
        )
        for n, status in enumerate(["sent", "failed"], start=1)
    )

    # Self-service from the private link: the second person of circle 1 can't make its next
    # meeting and asked for another circle (the first, whose link the URLs use, may still ask).
    MeetingExcusal.objects.create(meeting=meetings_by_circle[0][2], participant=people[1])
    move_request = MoveRequest.objects.create(
        initiative=initiative,
        participant=people[1],
        from_circle=circles[0],
        wanted_time_slot=circles[1].time_slot,
        reason=mark("moverequest", "reason"),
    )

    # The initiative's own survey: a resident question and its police mirror.
    instrument = Instrument.objects.create(
        initiative=initiative,
        kind="trust",
        title=filled("instrument", "title"),
        description=filled("instrument", "description"),
    )
    for position, audience in enumerate(("community", "police"), start=1):
        Item.objects.create(
            instrument=instrument,
            position=position,
            key="fair",
            audience=audience,
            kind="agreement",
            scale="trust",
            text_en=filled("item", "text_en", position),
            text_es=filled("item", "text_es", position),
            compared=True,
        )

    side.objects = {
        "instrument": instrument,
        "participant": people[0],
        "minor": minor,
        "coalition": coalition2,
        "coalition_main": coalition,
        "invitation": invitation,
        "membership": side.users[Role.OBSERVER].memberships.get(initiative=initiative),
        "referral": referral,
        "outreach": outreach,
        "target": target,
        "guide": guide,
        "guide_session": guide_sessions[1],
        "training": training,
        "circle": circles[0],
        "circle2": circles[1],
        "circle_member": circles[0].members.first(),
        "pair": pair,
        "meeting": meetings_by_circle[0][0],  # past, approved log
        "draft_meeting": meetings_by_circle[0][1],
        "future_meeting": meetings_by_circle[0][2],
        "meeting2": meetings_by_circle[1][0],
        "draft_meeting2": meetings_by_circle[1][1],
        "theme": theme,
        "idea": idea,
        "ballot": ballot,
        "upcoming_ballot": upcoming_ballot,
        "team": team,
        "team_member": team_member,
        "goal": goal,
        "milestone": milestone,
        "outcome": outcome,
        "asset": asset,
        "move_request": move_request,
    }
    # Each draft log's safety concern is a safety case (last: the hostile world's order of
    # payloads above is kept).
    for c, (circle, (_approved, draft)) in enumerate(
        zip(circles, logs_by_circle, strict=True), start=1
    ):
        case = SafetyCase.objects.create(
            initiative=initiative,
            circle=circle,
            circle_name=circle.name,
            log=draft,
            source="log",
            category="retaliation",
            severity="high",
            description=draft.safety_concerns,
            reported_by=draft.drafted_by,
        )
        side.objects["safety_case" if c == 1 else "safety_case2"] = case
    # --- evaluation: the post wave, open; the first participant asked, and answered ---
    trust = instrument_copy(
        instrument=library_instrument(TRUST_SLUG),
        initiative=initiative,
        actor=organizer,
    )
    wave = Wave.objects.create(
        initiative=initiative,
        kind="post",  # the circles have met: the pre survey is over for them
        instrument=trust,
        answer_days=14,
        reminder_days=4,
        follow_up_days=45,
    )
    Invitation.objects.create(
        wave=wave,
        participant=first,
        group=group_of(first),
        circle=circles[0],
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=10),
    )
    response_submit(
        wave=wave,
        participant=first,
        data={
            "fair": "4",
            "listen": "prefer_not",
            "respect": "5",
            "explain": "2",
            "trustworthy": "3",
            "confidence": "4",
            "work_together": "5",
            "comment": filled("answer", "comment"),
        },
        now=now,
    )
    side.objects["wave"] = wave
    _fill_other_languages(side, filled, circles, meetings_by_circle, guide_sessions, idea2)
    person = people[0]
    side.tokens = {
        "manage": participant_services.make_token(person, participant_services.MANAGE_SALT),
        "confirm": participant_services.make_token(person, participant_services.CONFIRM_SALT),
        "guardian": participant_services.make_token(minor, participant_services.GUARDIAN_SALT),
        "participant_feed": calendars.participant_feed_token(person),
        "staff_feed": calendars.staff_feed_token(facilitator, initiative),
        "email": outbox.unsubscribe_token(email=person.email, category="reminders", language="en"),
    }
    _add_questions(side, mark, people)
    # A text message's short link to the person's private page (/t/<code>/).
    manage = absolute_url(reverse("participants:manage", kwargs={"token": side.tokens["manage"]}))
    code = shortlinks.shorten(manage).rstrip("/").rsplit("/", 1)[-1]
    side.objects["short_link"] = ShortLink.objects.get(code=code)
    # The organizer's personal API token (their tokens page lists it; revoking it is
    # api:token_revoke, which answers 404 to everyone else). Marked last, so the hostile
    # world's order of payloads above stays the same.
    side.objects["api_token"], _value = token_create(
        user=side.users[Role.ORGANIZER], name=mark("api_token", "name")
    )
    return side


def _set(obj, **columns):
    """Write columns as they are (modeltranslation's per-language ones) and keep `obj` in step."""
    type(obj).objects.filter(pk=obj.pk).update(**columns)
    for name, value in columns.items():
        setattr(obj, name, value)


def _fill_other_languages(side, filled, circles, meetings_by_circle, guide_sessions, idea2):
    """The organizers' texts in Spanish too (the initiative is run in English and Spanish), so
    every per-language field of the edit forms is filled (tests/security/test_edit_forms_…)."""
    initiative, objects = side.initiative, side.objects
    _set(
        initiative,
        **{
            f"{name}_es": filled("initiative", f"{name}_es")
            for name in ("name", "description", "impact_goals", "process_goals")
        },
    )
    settings_row = RegistrationSettings.objects.get(initiative=initiative)
    _set(
        settings_row,
        option_labels_es={
            name: [filled("settings", f"{name}_es", n) for n in range(len(values))]
            for name, values in (
                ("neighborhoods", settings_row.neighborhoods),
                ("time_slots", settings_row.time_slots),
                ("lived_experience_groups", settings_row.lived_experience_groups),
            )
        },
        consent_note_en=filled("settings", "consent_note_en"),
        consent_note_es=filled("settings", "consent_note_es"),
    )
    guide = objects["guide"]
    _set(
        guide,
        title_es=filled("guide", "title_es"),
        description_es=filled("guide", "description_es"),
    )
    for n, session in enumerate(guide_sessions, start=1):
        _set(
            session,
            title_es=filled("guidesession", "title_es", n),
            goals_es=filled("guidesession", "goals_es", n),
            agenda_es=[
                {"title": filled("guidesession", f"agenda_es{i}", n), "minutes": item["minutes"]}
                for i, item in enumerate(session.agenda_en or [])
            ],
            questions_es=[filled("guidesession", "question_es", n)],
        )
    for c, circle in enumerate(circles, start=1):
        _set(
            circle,
            venue_name_es=filled("circle", "venue_name_es", c),
            notes_en=filled("circle", "notes_en", c),
            notes_es=filled("circle", "notes_es", c),
        )
    for meetings in meetings_by_circle:
        for meeting in meetings:
            _set(
                meeting,
                title_es=filled("meeting", "title_es", meeting.pk),
                venue_name_es=filled("meeting", "venue_name_es", meeting.pk),
            )
    _set(
        objects["theme"],
        name_es=filled("theme", "name_es"),
        description_es=filled("theme", "description_es"),
    )
    _set(objects["idea"], text_es=filled("idea", "text_es"))
    _set(idea2, text_es=filled("idea", "text_es", 2))
    for n, ballot in enumerate((objects["ballot"], objects["upcoming_ballot"]), start=1):
        _set(ballot, title_es=filled("ballot", "title_es", n))
    _set(
        objects["team"],
        name_es=filled("team", "name_es"),
        description_es=filled("team", "description_es"),
    )


def _add_questions(side, mark, people):
    """The initiative's own registration questions, each answered by the first participant: a
    short text (not sensitive), a sensitive short text, and a sensitive, required one-choice
    question with every text in both languages (the one the URLs name). The answers are planted
    markers: the sensitive one is seen by the data steward only (`demographic_markers`), the
    other by whoever sees the roster (`answer_markers`)."""
    organizer = side.users[Role.ORGANIZER]
    initiative = side.initiative
    person, second = people[0], people[1]

    def create(kind, n, **extra):
        data = {
            "kind": kind,
            "label_en": mark("question", "label_en", n),
            "label_es": mark("question", "label_es", n),
            "help_text_en": mark("question", "help_text_en", n),
            "help_text_es": mark("question", "help_text_es", n),
            **extra,
        }
        return question_services.question_create(user=organizer, initiative=initiative, data=data)

    open_question = create("short_text", 1)
    secret = create("short_text", 2, sensitive=True)
    choice = create(
        "one_choice",
        3,
        sensitive=True,
        required=True,
        choices_en=[mark("choice", "label_en", 1), mark("choice", "label_en", 2)],
        choices_es=[mark("choice", "label_es", 1), mark("choice", "label_es", 2)],
    )
    first_choice = choice.choices.order_by("position").first()
    for question, value in (
        (open_question, mark("answer", "open", 1)),
        (secret, mark("answer", "sensitive", 1)),
        (choice, first_choice.pk),
    ):
        QuestionAnswer.objects.create(
            participant=person,
            question=question,
            value=value,
            keys=question_services.filter_keys(value),
        )
    QuestionAnswer.objects.create(
        participant=second,
        question=choice,
        value=first_choice.pk,
        keys=question_services.filter_keys(first_choice.pk),
    )
    side.answer_markers.append(mark("answer", "open", 1))
    side.demographic_markers.append(mark("answer", "sensitive", 1))
    side.objects.update(
        question=choice, question_open=open_question, question_sensitive_text=secret
    )


def build_world() -> World:
    a = _build_side("A")
    b = _build_side("B")
    staff = UserFactory(
        email="mark-a-sitestaff-1@example.net", display_name="Site Staff", is_staff=True
    )
    return World(a=a, b=b, site_staff=staff)


def world_fixture():
    """A module-scoped `world` fixture: `world = world_fixture()` in a test module."""

    @pytest.fixture(scope="module")
    def world(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock(), transaction.atomic():
            built = build_world()
            yield built
            transaction.set_rollback(True)

    return world


@contextmanager
def isolated():
    """Run a block in a savepoint that is always rolled back: the world stays as it was."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- what a request may change ------------------------------------------------------------------


def main_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in APP_LABELS and not model._meta.proxy
    ]


def _snapshot_sql(exclude=()):
    parts, labels = [], []
    for model in main_models():
        if model in exclude:
            continue
        table = connection.ops.quote_name(model._meta.db_table)
        labels.append(f"{model.__name__}.count")
        parts.append(f"(SELECT COUNT(*) FROM {table})")  # noqa: S608 - our own table names
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            labels.append(f"{model.__name__}.updated_at")
            parts.append(f"(SELECT MAX(updated_at) FROM {table})")  # noqa: S608
    return labels, "SELECT " + ", ".join(parts)


def snapshot(exclude=()) -> dict:
    """What a request may have written to the tables of the project's apps.

    On PostgreSQL: the rows inserted, updated and deleted in each table so far in this
    transaction (pg_stat_xact_user_tables), so any write shows, an update that changes nothing
    and one rolled back with its savepoint included, in one cheap query. Elsewhere: each
    table's row count and newest updated_at, in one query."""
    if connection.vendor == "postgresql":
        return _write_counts(exclude)
    labels, sql = _snapshot_sql(exclude)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        values = cursor.fetchone()
    return dict(zip(labels, values, strict=True))


def _write_counts(exclude=()) -> dict:
    tables = {
        model._meta.db_table: model.__name__ for model in main_models() if model not in exclude
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE relname = ANY(%s)",
            [list(tables)],
        )
        rows = cursor.fetchall()
    counts = {f"{name}.written": 0 for name in tables.values()}
    for table, inserted, updated, deleted in rows:
        counts[f"{tables[table]}.written"] = (inserted, updated, deleted)
    return counts


def changes(before: dict, after: dict) -> dict:
    return {key: (before[key], after[key]) for key in before if before[key] != after[key]}
