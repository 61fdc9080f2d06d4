"""Demo data for initiatives: a fictional mid-sized city, Riverton, and its coalition and team.

Built through the services, so the activity log reads like real use. Called by the
`seed_demo` command (in the `evaluation` app, the highest, which can reach every app's demo module).
"""

from dataclasses import dataclass
from datetime import date

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from . import services
from .models import CoalitionRole, Initiative, Organization, Phase, Role, Sector
from .selectors import initiatives_with_counts

DEMO_PASSWORD = "riverton-demo-2026"  # noqa: S105 - documented demo password, local use only

DEMO_USERS = [
    # (email, display name, role in the main initiative)
    ("organizer@demo.dialoguehub.org", "Dana Whitfield", Role.ORGANIZER),
    ("lead@demo.dialoguehub.org", "Rev. Marcus Hale", Role.COALITION_LEAD),
    ("facilitator@demo.dialoguehub.org", "Lucía Moreno", Role.FACILITATOR),
    ("recorder@demo.dialoguehub.org", "Sam Okafor", Role.RECORDER),
    ("steward@demo.dialoguehub.org", "Priya Raman", Role.DATA_STEWARD),
    ("police@demo.dialoguehub.org", "Lt. Jordan Beck", Role.POLICE_LIAISON),
    ("observer@demo.dialoguehub.org", "Council Member Ana Ruiz", Role.OBSERVER),
]

EXTRA_FACILITATORS = [
    ("facilitator2@demo.dialoguehub.org", "Tom Brennan"),
    ("facilitator3@demo.dialoguehub.org", "Keisha Grant"),
]

COALITION = [
    # name, sector, bridge-builder, role, commitment
    (
        "Riverton Police Department",
        Sector.POLICE,
        False,
        CoalitionRole.CONVENER,
        "Officers from every district take part as participants; the chief attends the action forum.",
    ),
    (
        "Riverton City Council",
        Sector.LOCAL_GOVERNMENT,
        False,
        CoalitionRole.STEERING,
        "Two council members join circles; the council receives the action forum's report.",
    ),
    (
        "Youth Forward Riverton",
        Sector.YOUTH,
        False,
        CoalitionRole.STEERING,
        "Recruits 60 young people aged 16–24 and co-facilitates two youth-heavy circles.",
    ),
    (
        "Riverton Interfaith Alliance",
        Sector.FAITH,
        True,
        CoalitionRole.PARTNER,
        "Hosts circles in three congregations and provides childcare.",
    ),
    (
        "Riverton Civil Rights Coalition",
        Sector.CIVIL_RIGHTS,
        False,
        CoalitionRole.PARTNER,
        "Recruits in the Eastside and Southbank neighborhoods; reviews the discussion guide.",
    ),
    (
        "Eastside Neighborhood Association",
        Sector.NEIGHBORHOOD,
        False,
        CoalitionRole.PARTNER,
        "Door-to-door outreach and a meeting room at the Eastside community center.",
    ),
    (
        "Northgate Neighbors United",
        Sector.NEIGHBORHOOD,
        False,
        CoalitionRole.SUPPORTER,
        "Shares the registration link with its 900-member mailing list.",
    ),
    (
        "Common Ground Mediation Center",
        Sector.SOCIAL_SERVICES,
        True,
        CoalitionRole.STEERING,
        "Trains the facilitators and provides neutral venues.",
    ),
    (
        "Riverton Unified School District",
        Sector.SCHOOL,
        False,
        CoalitionRole.SUPPORTER,
        "Promotes the dialogues to families and high-school students.",
    ),
]


@dataclass
class DemoInitiatives:
    main: Initiative
    previous: Initiative
    users: dict


def _user(email, name):
    User = get_user_model()
    user, created = User.objects.get_or_create(email=email, defaults={"display_name": name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _with_counts(initiative):
    return initiatives_with_counts().get(pk=initiative.pk)


def _join(initiative, organizer, user, role):
    invitation = services.invitation_create(
        user=organizer, initiative=initiative, email=user.email, role=role
    )
    services.invitation_accept(invitation=invitation, user=user)


def seed_initiatives() -> DemoInitiatives:
    users = {role: _user(email, name) for email, name, role in DEMO_USERS}
    organizer = users[Role.ORGANIZER]

    main = services.initiative_create(
        user=organizer,
        name="Riverton Community & Police Dialogues 2027",
        community="City of Riverton",
        description=(
            "After a year of tension, residents, young people, police officers and city officials are "
            "meeting in small circles of 8–12 people, five times over six weeks, to talk honestly about "
            "policing in Riverton and decide together what to change. Everyone who lives or works in "
            "Riverton is welcome; sessions are offered in English and Spanish, with childcare."
        ),
        impact_goals=(
            "A youth seat on the police advisory board.\n"
            "A joint community–police training on de-escalation, co-designed with residents.\n"
            "Regular neighborhood walks with district officers."
        ),
        process_goals=(
            "400 participants from all nine neighborhoods, at least a quarter under 25.\n"
            "At least one officer in every circle.\n"
            "Every circle has a trained facilitator pair and a recorder."
        ),
        name_es="Diálogos entre la comunidad y la policía de Riverton 2027",
        description_es=(
            "Después de un año de tensiones, vecinos, jóvenes, policías y funcionarios de la ciudad "
            "se reúnen en círculos pequeños de 8 a 12 personas, cinco veces en seis semanas, para "
            "hablar con franqueza sobre la policía en Riverton y decidir juntos qué cambiar. Todas "
            "las personas que viven o trabajan en Riverton son bienvenidas; hay sesiones en inglés "
            "y en español, con cuidado de niños."
        ),
        impact_goals_es=(
            "Un puesto para jóvenes en el consejo asesor de la policía.\n"
            "Una capacitación conjunta de la comunidad y la policía sobre desescalada, diseñada con "
            "los vecinos.\n"
            "Caminatas regulares por los vecindarios con los agentes del distrito."
        ),
        languages=["en", "es"],
        timezone_name="America/Chicago",
        starts_on=date(2027, 2, 1),
        ends_on=date(2027, 11, 30),
    )
    for name, sector, bridge, role, commitment in COALITION:
        services.coalition_member_add(
            user=organizer,
            initiative=main,
            organization_data={"name": name, "sector": sector, "is_bridge_builder": bridge},
            membership_data={"role": role, "commitment": commitment},
        )
    for role, user in users.items():
        if role != Role.ORGANIZER:
            _join(main, organizer, user, role)
    for email, name in EXTRA_FACILITATORS:
        _join(main, organizer, _user(email, name), Role.FACILITATOR)
    # Each demo account holds exactly one role, so trying an account shows what that role sees.
    services.invitation_create(
        user=organizer,
        initiative=main,
        email="volunteer.recorder@example.org",
        role=Role.RECORDER,
        message="We'd love you to record for the Northgate circle.",
    )
    services.initiative_set_published(user=organizer, initiative=main, published=True)
    services.initiative_change_phase(
        user=organizer, initiative=_with_counts(main), to_phase=Phase.RECRUITING
    )

    previous = services.initiative_create(
        user=organizer,
        name="Riverton Youth & Police Circles 2025",
        community="City of Riverton — Eastside",
        description="A pilot round: 30 high-school students and 30 officers in six circles.",
        impact_goals="A youth–police basketball league and a student advisory group to the chief.",
        process_goals="30 students and 30 officers; six circles; three sessions each.",
        languages=["en"],
        timezone_name="America/Chicago",
        starts_on=date(2025, 3, 1),
        ends_on=date(2025, 9, 30),
    )
    for name, _sector, _bridge, role, commitment in COALITION[:3]:
        organization = Organization.objects.get(name=name)
        services.coalition_member_add(
            user=organizer,
            initiative=previous,
            organization=organization,
            membership_data={"role": role, "commitment": commitment},
        )
    _join(previous, organizer, users[Role.FACILITATOR], Role.FACILITATOR)
    for phase in Phase.values[1:]:
        services.initiative_change_phase(
            user=organizer, initiative=_with_counts(previous), to_phase=phase
        )
    return DemoInitiatives(main=main, previous=previous, users=users)
