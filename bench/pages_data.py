"""The page benchmark's data (bench/pages.py): a large community built with bulk inserts, its
staff, and a 100× copy of the largest initiative's people for the inclusion dashboard's cold
figure at 200,000 participants.

Everything is written below the services (bulk inserts, set-based SQL): building through the
services would take hours at this size. What the pages read is what the services would have
written (the factories' field conventions, tests/factories.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from api_rows import add_public_results, create_token, profile_token
from reminders import log

ROLES = ("organizer", "lead", "facilitator", "steward")


@dataclass
class Community:
    """The users and objects of one measured initiative."""

    initiative: object
    organizer: object
    lead: object
    facilitator: object
    steward: object  # the initiative's data steward
    meeting: object
    participants: int = 0
    counts: dict = field(default_factory=dict)
    token: str = ""  # the coalition lead's personal API token


def password() -> str:
    """The factories' password (tests/factories.py; imported once Django is set up)."""
    from tests.factories import PASSWORD

    return PASSWORD


def make_user(email: str, name: str, password_hash: str):
    from allauth.account.models import EmailAddress

    from dialogue_hub.models import User

    user = User.objects.create(email=email, display_name=name, password=password_hash)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def build_initiative(n: int, *, participants: int, slug: str, name: str, open_registration=False):
    """One initiative with `participants` people, circles of 10, 6 meetings each (the first a
    week ago, attended), ideas and milestones (1/8 of the participant count each). Factory
    field conventions (tests/factories.py), bulk inserts."""
    from django.utils import timezone

    from actions.models import ActionTeam, Goal, Idea, Level, Milestone, MilestoneStatus
    from guides.models import Attendance, Circle, CircleMember, CircleSession
    from initiatives.models import Initiative, Phase
    from participants.models import (
        Demographics,
        Participant,
        RegistrationSettings,
        RoleCategory,
        Status,
    )

    now = timezone.now()
    initiative = Initiative.objects.create(
        name=name,
        slug=slug,
        community="Riverton",
        description="Residents and police talking in small circles.",
        languages=["en", "es"],
        timezone="America/Chicago",
        phase=Phase.DIALOGUE,
        is_published=True,
        published_at=now,
    )
    RegistrationSettings.objects.create(
        initiative=initiative,
        is_open=open_registration,
        neighborhoods=["Eastside", "Northgate", "Southbank", "Downtown"],
        time_slots=["Tuesday evening", "Thursday evening", "Saturday morning"],
        lived_experience_groups=["Immigrant", "LGBTQ+", "Disability"],
    )
    roles = [RoleCategory.RESIDENT] * 6 + [c for c in RoleCategory.values if c != "resident"]
    hoods = ["Eastside", "Northgate", "Southbank", "Downtown"]
    slots = ["Tuesday evening", "Thursday evening", "Saturday morning"]
    ages = ["18_24", "25_34", "35_44", "45_54", "55_64", "65_plus"]
    people = Participant.objects.bulk_create(
        [
            Participant(
                initiative=initiative,
                name=f"Participant {i:05d}",
                email=f"p{i:05d}@{slug}.example.net",
                preferred_language="es" if i % 4 == 3 else "en",
                neighborhood=hoods[i % 4],
                role_category=roles[i % len(roles)],
                age_band=ages[i % len(ages)],
                status=Status.CONFIRMED,
                seat_number=i + 1,
                availability=[slots[i % 3]],
            )
            for i in range(participants)
        ],
        batch_size=2000,
    )
    races = ["hispanic", "black", "white", "asian", "mena", "american_indian"]
    genders = ["woman", "man", "nonbinary", "prefer_not"]
    Demographics.objects.bulk_create(
        [
            Demographics(participant=p, race_ethnicity=[races[i % 6]], gender=genders[i % 4])
            for i, p in enumerate(people)
            if i % 5  # 80 % answered
        ],
        batch_size=2000,
    )
    circles = Circle.objects.bulk_create(
        [
            Circle(
                initiative=initiative,
                name=f"Circle {c:04d}",
                time_slot=slots[c % 3],
                venue_name="Eastside Library",
                is_neutral_venue=True,
            )
            for c in range(participants // 10)
        ],
        batch_size=2000,
    )
    CircleMember.objects.bulk_create(
        [CircleMember(circle=circles[i // 10], participant=p) for i, p in enumerate(people)],
        batch_size=2000,
    )
    first = now - timedelta(days=7)
    meetings = CircleSession.objects.bulk_create(
        [
            CircleSession(
                circle=c,
                number=k + 1,
                starts_at=first + timedelta(days=7 * k),
                status="held" if k == 0 else "scheduled",
            )
            for c in circles
            for k in range(6)
        ],
        batch_size=2000,
    )
    Attendance.objects.bulk_create(
        [
            Attendance(
                meeting=meetings[(i // 10) * 6],
                participant=p,
                status="present" if i % 7 else "absent",
            )
            for i, p in enumerate(people)
        ],
        batch_size=2000,
    )
    items = participants // 8
    Idea.objects.bulk_create(
        [
            Idea(initiative=initiative, text=f"Idea {i}: a youth–police basketball league")
            for i in range(items)
        ],
        batch_size=2000,
    )
    teams = ActionTeam.objects.bulk_create(
        [
            ActionTeam(initiative=initiative, name=f"Team {t:03d}", level=Level.COMMUNITY)
            for t in range(max(1, participants // 1000))
        ]
    )
    goals = Goal.objects.bulk_create(
        [Goal(team=t, title=f"Goal {t.pk}-{g}") for t in teams for g in range(5)]
    )
    statuses = [s for s in MilestoneStatus.values]
    Milestone.objects.bulk_create(
        [
            Milestone(
                goal=goals[m % len(goals)],
                title=f"Milestone {m}",
                status=statuses[m % len(statuses)],
                due_on=(now + timedelta(days=m % 90 - 30)).date(),
            )
            for m in range(items)
        ],
        batch_size=2000,
    )
    counts = {
        "participants": participants,
        "circles": len(circles),
        "meetings": len(meetings),
        "ideas": items,
        "milestones": items,
    }
    return initiative, circles, meetings, counts


def staff(initiative, circles, meetings, *, prefix: str, password_hash: str) -> dict:
    from guides.models import CircleStaff
    from initiatives.models import Membership, Role

    organizer = make_user(f"organizer-{prefix}@bench.example.org", "Olga Organizer", password_hash)
    lead = make_user(f"lead-{prefix}@bench.example.org", "Lee Lead", password_hash)
    facilitator = make_user(f"facilitator-{prefix}@bench.example.org", "Fay Facil", password_hash)
    steward = make_user(f"steward-{prefix}@bench.example.org", "Dana Steward", password_hash)
    Membership.objects.bulk_create(
        [
            Membership(user=organizer, initiative=initiative, role=Role.ORGANIZER),
            Membership(user=lead, initiative=initiative, role=Role.COALITION_LEAD),
            Membership(user=facilitator, initiative=initiative, role=Role.FACILITATOR),
            Membership(user=steward, initiative=initiative, role=Role.DATA_STEWARD),
        ]
    )
    CircleStaff.objects.bulk_create(
        [CircleStaff(circle=c, user=facilitator, role="facilitator") for c in circles[:20]]
    )
    return {
        "organizer": organizer,
        "lead": lead,
        "facilitator": facilitator,
        "steward": steward,
        "meeting": meetings[0],
    }


def build(*, large: int, small: int, smalls: int) -> tuple[Community, Community]:
    from django.contrib.auth.hashers import make_password

    password_hash = make_password(password())
    communities = []
    for label, size in (("10x", large), ("1x", large // 10)):
        initiative, circles, meetings, counts = build_initiative(
            0,
            participants=size,
            slug=f"riverton-{label}",
            name=f"Riverton Dialogues ({label})",
            open_registration=True,  # both: the register page is compared at 1× and 10×
        )
        people = staff(initiative, circles, meetings, prefix=label, password_hash=password_hash)
        counts.update(add_public_results(initiative, author=people["organizer"]))
        token = create_token(people["lead"])
        communities.append(Community(initiative=initiative, counts=counts, token=token, **people))
        log(f"  {label}: {counts}")
    for i in range(smalls):
        build_initiative(i, participants=small, slug=f"town-{i:03d}", name=f"Town {i:03d}")
    return communities[0], communities[1]


def existing(label: str) -> Community:
    """A measured initiative built by an earlier run (for --profile-only)."""
    from dialogue_hub.models import User
    from guides.models import CircleSession
    from initiatives.models import Initiative

    initiative = Initiative.objects.get(slug=f"riverton-{label}")
    people = {role: User.objects.get(email=f"{role}-{label}@bench.example.org") for role in ROLES}
    meeting = (
        CircleSession.objects.filter(circle__staff__user=people["facilitator"])
        .order_by("pk")
        .first()
    )
    token = profile_token(people["lead"])
    return Community(initiative=initiative, meeting=meeting, token=token, **people)


def build_copies(source: Community, *, copies: int, password_hash: str | None = None) -> Community:
    """A third measured initiative ("100×") whose people are `source`'s, `copies` times over
    (new emails, seats and public ids; the same answers, so 80 % with demographics), open for
    registration, with an organizer and a data steward. Only what the inclusion dashboard reads:
    no circles, meetings or results. Two INSERT … SELECT statements per copy, in the database:
    200,000 rows in seconds where bulk_create would take minutes."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from initiatives.models import Initiative, Membership, Role
    from participants.models import Demographics, Participant, RegistrationSettings

    password_hash = password_hash or make_password(password())
    original = source.initiative
    initiative = Initiative.objects.create(
        name="Riverton Dialogues (100x)",
        slug="riverton-100x",
        community=original.community,
        description=original.description,
        languages=original.languages,
        timezone=original.timezone,
        phase=original.phase,
        is_published=True,
        published_at=original.published_at,
    )
    settings_row = RegistrationSettings.objects.get(initiative=original)
    settings_row.pk = None
    settings_row.initiative = initiative
    settings_row.is_open = True
    settings_row.save()
    organizer = make_user("organizer-100x@bench.example.org", "Olga Organizer", password_hash)
    steward = make_user("steward-100x@bench.example.org", "Dana Steward", password_hash)
    Membership.objects.bulk_create(
        [
            Membership(user=organizer, initiative=initiative, role=Role.ORGANIZER),
            Membership(user=steward, initiative=initiative, role=Role.DATA_STEWARD),
        ]
    )

    def columns(model, replaced: dict[str, str]) -> tuple[str, str]:
        names = [f.column for f in model._meta.concrete_fields if not f.primary_key]
        return (
            ", ".join(connection.ops.quote_name(n) for n in names),
            ", ".join(replaced.get(n, f"o.{connection.ops.quote_name(n)}") for n in names),
        )

    # Our tables and columns, from the models; every value a parameter.
    people, answers = Participant._meta.db_table, Demographics._meta.db_table
    copy_people = "INSERT INTO {} ({}) SELECT {} FROM {} o WHERE o.initiative_id = %(old)s"
    copy_answers = (
        "INSERT INTO {} ({}) SELECT {} FROM {} o "
        "JOIN {} p ON p.id = o.participant_id AND p.initiative_id = %(old)s "
        "JOIN {} n ON n.initiative_id = %(new)s AND n.email = %(prefix)s || p.email"
    )
    seats = Participant.objects.filter(initiative=original).count()
    with connection.cursor() as cursor:
        for k in range(copies):
            params = {"new": initiative.pk, "old": original.pk, "prefix": f"c{k}-"}
            into, select = columns(
                Participant,
                {
                    "initiative_id": "%(new)s",
                    "email": "%(prefix)s || o.email",
                    "public_id": "gen_random_uuid()",
                    "seat_number": "o.seat_number + %(offset)s",
                },
            )
            cursor.execute(
                copy_people.format(people, into, select, people), {**params, "offset": k * seats}
            )
            # Statistics for the join below: without them the planner expects a handful of
            # rows and matches every answer by a scan of the new rows (minutes, not seconds).
            cursor.execute(f"ANALYZE {people}")
            into, select = columns(Demographics, {"participant_id": "n.id"})
            cursor.execute(
                copy_answers.format(answers, into, select, answers, people, people), params
            )
    counts = {"participants": Participant.objects.filter(initiative=initiative).count()}
    counts["demographics"] = Demographics.objects.filter(participant__initiative=initiative).count()
    log(f"  100x: {counts}")
    return Community(
        initiative=initiative,
        organizer=organizer,
        lead=None,
        facilitator=None,
        steward=steward,
        meeting=None,
        counts=counts,
    )
