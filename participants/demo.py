"""Demo participants for Riverton: registration settings, ~300 sign-ups with a realistic (and
imperfect) mix, optional demographics, consents, referral links, outreach and community
benchmarks. Written with bulk inserts: a demo should not send 300 confirmation emails."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from initiatives.models import CoalitionMembership

from .models import (
    Consent,
    ConsentKind,
    ContactBy,
    Demographics,
    InclusionTarget,
    OutreachActivity,
    Participant,
    ReferralLink,
    RegistrationSettings,
    RoleCap,
    Source,
    Status,
)

NEIGHBORHOODS = [
    ("Eastside", "0.16"),
    ("Northgate", "0.14"),
    ("Southbank", "0.13"),
    ("Downtown", "0.09"),
    ("Riverside Heights", "0.12"),
    ("Millbrook", "0.10"),
    ("West End", "0.11"),
    ("Oak Park", "0.08"),
    ("Harbor District", "0.07"),
]
TIME_SLOTS = [
    "Tuesday evening 6–8 pm",
    "Thursday evening 6–8 pm",
    "Saturday morning 10–12",
    "Sunday afternoon 2–4 pm",
]
LIVED_EXPERIENCE = [
    "Immigrant or refugee",
    "LGBTQ+",
    "Disability",
    "Formerly incarcerated",
    "Experienced homelessness",
]
# The same lists as Spanish readers see them, line for line (proper names stay).
SPANISH_LABELS = {
    "neighborhoods": [
        "Eastside",
        "Northgate",
        "Southbank",
        "Centro",
        "Riverside Heights",
        "Millbrook",
        "West End",
        "Oak Park",
        "Distrito del Puerto",
    ],
    "time_slots": [
        "Martes por la tarde, 6–8 pm",
        "Jueves por la tarde, 6–8 pm",
        "Sábado por la mañana, 10–12",
        "Domingo por la tarde, 2–4 pm",
    ],
    "lived_experience_groups": [
        "Inmigrante o refugiado",
        "LGBTQ+",
        "Discapacidad",
        "Estuvo encarcelado",
        "Vivió sin hogar",
    ],
}
CONSENT_NOTE = {
    "en": (
        "Only the organizing team sees your name and contact details. Answers about yourself "
        "are optional and only ever shown as totals. We delete everything a year after the "
        "last dialogue."
    ),
    "es": (
        "Solo el equipo organizador ve su nombre y sus datos de contacto. Las preguntas sobre "
        "usted son opcionales y solo se muestran como totales. Borramos todo un año después "
        "del último diálogo."
    ),
}
# (role category, weight in the demo sign-ups)
ROLES = [
    ("resident", 52),
    ("young_person", 14),
    ("sworn_officer", 9),
    ("police_staff", 2),
    ("elected_official", 1),
    ("government_staff", 3),
    ("faith_leader", 4),
    ("community_org", 6),
    ("educator", 4),
    ("business", 3),
    ("other", 2),
]
AGES = [
    ("13_17", 5),
    ("18_24", 11),
    ("25_34", 18),
    ("35_44", 20),
    ("45_54", 18),
    ("55_64", 15),
    ("65_plus", 9),
    ("prefer_not", 4),
]
# Community shares from a fictional census (American Community Survey style), and sign-up weights.
CENSUS_SOURCE = "American Community Survey 5-year (fictional demo figures)"
RACE = [
    ("white", "0.46", 52),
    ("black", "0.26", 18),
    ("hispanic", "0.18", 13),
    ("asian", "0.06", 6),
    ("mena", "0.02", 2),
    ("american_indian", "0.01", 1),
    ("pacific_islander", "0.01", 1),
]
FIRST = [
    "Ana",
    "Marcus",
    "Lucía",
    "James",
    "Aisha",
    "Tom",
    "Mei",
    "Carlos",
    "Grace",
    "Omar",
    "Keisha",
    "Liam",
    "Sofia",
    "DeShawn",
    "Priya",
    "Noah",
    "Fatima",
    "Ethan",
    "Rosa",
    "Malik",
    "Hannah",
    "Diego",
    "Amara",
    "Ben",
]
LAST = [
    "Torres",
    "Johnson",
    "Nguyen",
    "Williams",
    "Hassan",
    "Brennan",
    "Chen",
    "Garcia",
    "Okafor",
    "Smith",
    "Patel",
    "Brown",
    "Lopez",
    "Davis",
    "Kim",
    "Moore",
    "Ali",
    "Martin",
    "Reyes",
    "Clark",
    "Jackson",
    "Lee",
]


def _pick(rng, weighted):
    values, weights = zip(*[(item[0], item[-1]) for item in weighted], strict=True)
    return rng.choices(values, weights=weights)[0]


def seed_participants(initiative, *, team=(), count=300) -> int:
    """`team`: (email, name) of team members, who register as participants too (that is how
    the dashboard can show the mix of the people who decide)."""
    rng = random.Random(2027)
    RegistrationSettings.objects.update_or_create(
        initiative=initiative,
        defaults={
            "is_open": True,
            "neighborhoods": [name for name, _share in NEIGHBORHOODS],
            "time_slots": TIME_SLOTS,
            "lived_experience_groups": LIVED_EXPERIENCE,
            "option_labels_es": SPANISH_LABELS,
            "consent_note_en": CONSENT_NOTE["en"],
            "consent_note_es": CONSENT_NOTE["es"],
            "max_participants": 400,
            "policy_version": "2027-1",
        },
    )
    RoleCap.objects.update_or_create(
        initiative=initiative, role_category="sworn_officer", defaults={"seats": 40}
    )

    partners = {
        m.organization.name: m
        for m in CoalitionMembership.objects.filter(initiative=initiative).select_related(
            "organization"
        )
    }
    links = []
    for name, channel, code in [
        ("Youth Forward Riverton", "social_media", "youth-forward"),
        ("Riverton Interfaith Alliance", "faith", "interfaith"),
        ("Eastside Neighborhood Association", "door_to_door", "eastside"),
        ("Riverton Police Department", "police", "rpd"),
    ]:
        if name in partners:
            links.append(
                ReferralLink.objects.create(
                    initiative=initiative,
                    partner=partners[name],
                    channel=channel,
                    code=code,
                    label=f"{name} sign-up link",
                )
            )
    today = timezone.localdate()
    for days_ago, partner, channel, segment, reached in [
        (
            40,
            "Youth Forward Riverton",
            "social_media",
            "Students at Riverton High and City College",
            600,
        ),
        (
            35,
            "Eastside Neighborhood Association",
            "door_to_door",
            "Spanish-speaking families in Eastside",
            220,
        ),
        (
            30,
            "Riverton Interfaith Alliance",
            "faith",
            "Congregations in Northgate and Southbank",
            450,
        ),
        (26, "Riverton Police Department", "email", "Officers in all three districts", 310),
        (
            20,
            "Riverton Civil Rights Coalition",
            "event",
            "Community meeting at the Southbank library",
            85,
        ),
        (14, None, "flyer", "Laundromats and corner stores in Harbor District", 300),
        (9, "Common Ground Mediation Center", "event", "Re-entry support group", 25),
    ]:
        OutreachActivity.objects.create(
            initiative=initiative,
            partner=partners.get(partner) if partner else None,
            channel=channel,
            segment=segment,
            people_reached=reached,
            happened_on=today - timedelta(days=days_ago),
        )

    def target(dimension, group, *, source=CENSUS_SOURCE, source_year=2023, **figures):
        """One inclusion target of the demo (census figures of 2023 unless told)."""
        InclusionTarget.objects.create(
            initiative=initiative,
            dimension=dimension,
            group=group,
            source=source,
            source_year=source_year,
            **figures,
        )

    for dimension, rows in [
        ("neighborhood", NEIGHBORHOODS),
        ("race_ethnicity", [(code, share) for code, share, _w in RACE]),
    ]:
        for group, share in rows:
            target(dimension, group, community_share=Decimal(share))
    target(
        "role_category",
        "young_person",
        source="Process goal",
        source_year=2027,
        community_share=Decimal("0.15"),
        target_share=Decimal("0.25"),
    )
    target(
        "role_category",
        "sworn_officer",
        source="Process goal: one officer per circle",
        source_year=2027,
        target_count=40,
    )
    target("age_band", "18_24", community_share=Decimal("0.12"), target_share=Decimal("0.15"))

    now = timezone.now()
    people = []
    team_names = dict(team)
    emails = list(team_names) + [f"demo.participant{n}@example.org" for n in range(count)]
    for index, email in enumerate(emails):
        role = _pick(rng, ROLES)
        age = _pick(rng, AGES)
        if role == "young_person":
            age = rng.choice(["13_17", "18_24", "18_24"])
        minor = age == "13_17"
        link = rng.choice(links) if links and rng.random() < 0.3 else None
        status = rng.choices(
            [Status.CONFIRMED, Status.REGISTERED, Status.WITHDRAWN], weights=[85, 10, 5]
        )[0]
        people.append(
            Participant(
                initiative=initiative,
                name=team_names.get(email) or f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                email=email,
                preferred_language=rng.choices(["en", "es"], weights=[78, 22])[0],
                neighborhood=_pick(rng, [(n, float(s)) for n, s in NEIGHBORHOODS]),
                role_category=role,
                age_band=age,
                availability=rng.sample(TIME_SLOTS, k=rng.randint(1, 3)),
                accessibility_needs=rng.sample(
                    ["interpretation", "childcare", "transport"], k=rng.choice([0, 0, 0, 1])
                ),
                how_heard=link.channel
                if link
                else rng.choice(["word_of_mouth", "social_media", "flyer", "email", "event"]),
                referral_link=link,
                partner=link.partner if link else None,
                status=status,
                seat_number=None if status == Status.WITHDRAWN else index + 1,
                email_confirmed_at=now if status != Status.REGISTERED else None,
                withdrawn_at=now if status == Status.WITHDRAWN else None,
                guardian_name="Parent of demo participant" if minor else "",
                guardian_email=f"guardian{index}@example.org" if minor else "",
                guardian_consented_at=now if minor and rng.random() < 0.6 else None,
                source=rng.choices(
                    [Source.ONLINE, Source.STAFF, Source.IMPORT], weights=[80, 8, 12]
                )[0],
                created_at=now - timedelta(days=rng.randint(0, 45), hours=rng.randint(0, 23)),
            )
        )
    _choose_texts(people)
    Participant.objects.bulk_create(people, batch_size=500)
    people = list(Participant.objects.filter(initiative=initiative).order_by("id"))
    consents, answers = [], []
    for person in people:
        given_by = "guardian" if person.guardian_consented_at else "self"
        for kind in [
            ConsentKind.PARTICIPATION,
            ConsentKind.EVALUATION,
            ConsentKind.CONTACT,
            ConsentKind.MEDIA,
        ]:
            if kind == ConsentKind.PARTICIPATION or rng.random() < 0.6:
                consents.append(
                    Consent(
                        participant=person,
                        kind=kind,
                        given_by=given_by,
                        policy_version="2027-1",
                        given_at=person.created_at,
                        withdrawn_at=person.withdrawn_at
                        if kind == ConsentKind.PARTICIPATION
                        else None,
                    )
                )
        if rng.random() < 0.8:  # about one in five skip the optional questions
            race = [_pick(rng, RACE)]
            if rng.random() < 0.07:
                race.append(_pick(rng, RACE))
            if rng.random() < 0.06:
                race = ["prefer_not"]
            answers.append(
                Demographics(
                    participant=person,
                    race_ethnicity=sorted(set(race)),
                    gender=rng.choices(
                        ["woman", "man", "nonbinary", "prefer_not"], weights=[50, 44, 3, 3]
                    )[0],
                    lived_experience=rng.sample(LIVED_EXPERIENCE, k=rng.choice([0, 0, 0, 1, 1, 2])),
                )
            )
        if person.contact_by != ContactBy.EMAIL:
            consents.append(
                Consent(
                    participant=person,
                    kind=ConsentKind.TEXTS,
                    given_by=given_by,
                    policy_version="2027-1",
                    given_at=person.created_at,
                )
            )
    Consent.objects.bulk_create(consents, batch_size=1000)
    Demographics.objects.bulk_create(answers, batch_size=1000)
    return len(people)


def _choose_texts(people) -> None:
    """Some people choose texts (young people most): a mobile number and "text" or "both", with
    the texts consent (written with the other consents). Not those who withdrew, nor minors
    whose guardian has not consented yet. Its own random sequence: the rest of the demo stays
    as it was."""
    rng = random.Random(18)
    for index, person in enumerate(people):
        if person.status == Status.WITHDRAWN or (
            person.guardian_email and person.guardian_consented_at is None
        ):
            continue
        share = 0.45 if person.role_category == "young_person" else 0.2
        if rng.random() < share:
            # 202-555-01xx style numbers: valid in form, reserved for fiction.
            person.phone = f"+1202555{1000 + index:04d}"
            person.contact_by = rng.choice([ContactBy.BOTH, ContactBy.BOTH, ContactBy.TEXT])
