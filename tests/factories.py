from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.core.cache import cache as django_cache
from django.utils import timezone

from dialogue_hub.models import User
from initiatives import cache as initiative_cache
from initiatives.models import (
    CoalitionMembership,
    CoalitionRole,
    Initiative,
    Invitation,
    Membership,
    Organization,
    Role,
    Sector,
)

PASSWORD = "correct-horse-battery-9"


class InitiativeDataFactory(factory.django.DjangoModelFactory):
    """A row an initiative's cached figures depend on (initiatives/cache.py). The services log
    every change, which makes those figures stale once the transaction commits; a factory
    writes the row directly, inside the test's transaction, so it makes them stale itself, at
    once. Tests of that invalidation go through the services instead."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        instance = super()._create(model_class, *args, **kwargs)
        initiative_id = getattr(instance, "initiative_id", None)
        if initiative_id is None and getattr(instance, "participant_id", None) is not None:
            initiative_id = instance.participant.initiative_id
        if initiative_id is not None:
            django_cache.delete(initiative_cache._version_key(initiative_id))
        return instance


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    # Not a made-up person's name: a team member's name is on every page they see (the menu),
    # and a test that a participant's name is absent must not trip over a namesake
    # ("Kimberly Ramos MD" signed in, "Kimberly Ramos" registered).
    display_name = factory.Sequence(lambda n: f"Team Member {n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        # allauth refuses to sign in unverified addresses (verification is mandatory).
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative

    name = factory.Sequence(lambda n: f"Community Dialogues {n}")
    slug = factory.Sequence(lambda n: f"community-dialogues-{n}")
    community = "Riverton"
    description = "Residents and police talking in small circles."
    languages = factory.LazyFunction(lambda: ["en"])
    timezone = "America/Chicago"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    sector = Sector.NEIGHBORHOOD


class CoalitionMembershipFactory(InitiativeDataFactory):
    class Meta:
        model = CoalitionMembership

    initiative = factory.SubFactory(InitiativeFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = CoalitionRole.PARTNER


class MembershipFactory(InitiativeDataFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    initiative = factory.SubFactory(InitiativeFactory)
    role = Role.ORGANIZER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    initiative = factory.SubFactory(InitiativeFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.FACILITATOR
    key = factory.Sequence(lambda n: f"invitation-key-{n:08d}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


# --- participants -------------------------------------------------------------------------------

from participants.models import (  # noqa: E402 - grouped with their factories
    Consent,
    ConsentKind,
    Demographics,
    InclusionTarget,
    OutreachActivity,
    Participant,
    ReferralLink,
    RegistrationSettings,
    RoleCategory,
    Status,
)


class RegistrationSettingsFactory(InitiativeDataFactory):
    class Meta:
        model = RegistrationSettings
        django_get_or_create = ("initiative",)

    initiative = factory.SubFactory(InitiativeFactory)
    is_open = True
    neighborhoods = factory.LazyFunction(lambda: ["Eastside", "Northgate", "Southbank", "Downtown"])
    time_slots = factory.LazyFunction(
        lambda: ["Tuesday evening", "Thursday evening", "Saturday morning"]
    )
    lived_experience_groups = factory.LazyFunction(lambda: ["Immigrant", "LGBTQ+", "Disability"])


class ParticipantFactory(InitiativeDataFactory):
    class Meta:
        model = Participant

    initiative = factory.SubFactory(InitiativeFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"participant{n}@example.net")
    neighborhood = "Eastside"
    role_category = RoleCategory.RESIDENT
    age_band = "35_44"
    status = Status.CONFIRMED
    availability = factory.LazyFunction(lambda: ["Tuesday evening"])


class DemographicsFactory(InitiativeDataFactory):
    class Meta:
        model = Demographics

    participant = factory.SubFactory(ParticipantFactory)
    race_ethnicity = factory.LazyFunction(lambda: ["hispanic"])
    gender = "woman"


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    participant = factory.SubFactory(ParticipantFactory)
    kind = ConsentKind.PARTICIPATION
    policy_version = "2026-1"
    given_at = factory.LazyFunction(timezone.now)


class ReferralLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferralLink

    partner = factory.SubFactory(CoalitionMembershipFactory)
    initiative = factory.SelfAttribute("partner.initiative")
    code = factory.Sequence(lambda n: f"ref-{n:05d}")


class OutreachActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutreachActivity

    initiative = factory.SubFactory(InitiativeFactory)
    channel = "door_to_door"
    segment = "Spanish-speaking parents in Eastside"
    people_reached = 40
    # Yesterday: a past day in every time zone (at 01:00 UTC "today" is tomorrow in Chicago).
    happened_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))


class InclusionTargetFactory(InitiativeDataFactory):
    class Meta:
        model = InclusionTarget

    initiative = factory.SubFactory(InitiativeFactory)
    dimension = "role_category"
    group = "young_person"
    community_share = "0.2000"
    source = "US Census ACS 5-year"
    source_year = 2023


# --- guides and circles -------------------------------------------------------------------------

from guides.models import (  # noqa: E402 - grouped with their factories
    Attendance,
    Circle,
    CircleMember,
    CircleSession,
    CircleStaff,
    DiscussionGuide,
    FacilitatorTraining,
    GuideSession,
    SessionLog,
)


class DiscussionGuideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DiscussionGuide

    initiative = factory.SubFactory(InitiativeFactory)
    title = factory.Sequence(lambda n: f"Guide {n}")
    languages = factory.LazyFunction(lambda: ["en"])


class GuideSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuideSession

    guide = factory.SubFactory(DiscussionGuideFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Session {n + 1}")
    agenda = factory.LazyFunction(
        lambda: [{"title": "Welcome", "minutes": 15}, {"title": "Talk", "minutes": 105}]
    )
    questions = factory.LazyFunction(lambda: ["What brought you here?"])


class CircleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Circle

    initiative = factory.SubFactory(InitiativeFactory)
    name = factory.Sequence(lambda n: f"Circle {n}")
    time_slot = "Tuesday evening"
    venue_name = "Eastside Library"
    is_neutral_venue = True


class CircleStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CircleStaff

    circle = factory.SubFactory(CircleFactory)
    user = factory.SubFactory(UserFactory)
    role = "facilitator"


class CircleMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CircleMember

    circle = factory.SubFactory(CircleFactory)
    participant = factory.SubFactory(
        ParticipantFactory, initiative=factory.SelfAttribute("..circle.initiative")
    )


class CircleSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CircleSession

    circle = factory.SubFactory(CircleFactory)
    number = factory.Sequence(lambda n: n + 1)
    # Never on the hour: a time like 5 p.m. is written "5 p.m.", and tests look for "5:00".
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=7)).replace(minute=31, second=0, microsecond=0)
    )


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    meeting = factory.SubFactory(CircleSessionFactory)
    participant = factory.SubFactory(ParticipantFactory)
    status = "present"


class SessionLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionLog

    meeting = factory.SubFactory(CircleSessionFactory)


class FacilitatorTrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FacilitatorTraining

    initiative = factory.SubFactory(InitiativeFactory)
    user = factory.SubFactory(UserFactory)
    curriculum = "Everyday Democracy facilitator training"
    completed_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))


# --- from dialogue to action --------------------------------------------------------------------

from actions.models import (  # noqa: E402 - grouped with their factories
    ActionTeam,
    AssetKind,
    Ballot,
    BallotKind,
    CommunityAsset,
    Goal,
    Idea,
    IdeaSource,
    Level,
    Milestone,
    MilestoneStatus,
    Outcome,
    OutcomeKind,
    ProgressUpdate,
    Theme,
)


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    initiative = factory.SubFactory(InitiativeFactory)
    name = factory.Sequence(lambda n: f"Theme {n}")


class IdeaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Idea

    initiative = factory.SubFactory(InitiativeFactory)
    text = factory.Sequence(lambda n: f"Idea {n}: a youth–police basketball league")


class IdeaSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdeaSource

    idea = factory.SubFactory(IdeaFactory)
    action_idea = None  # pass one: it belongs to a session log


class BallotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ballot

    initiative = factory.SubFactory(InitiativeFactory)
    title = factory.Sequence(lambda n: f"Forum ballot {n}")
    kind = BallotKind.IDEAS
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    dots_per_person = 3


class ActionTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionTeam

    initiative = factory.SubFactory(InitiativeFactory)
    name = factory.Sequence(lambda n: f"Team {n:03d}")
    level = Level.COMMUNITY


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    team = factory.SubFactory(ActionTeamFactory)
    title = factory.Sequence(lambda n: f"Goal {n}")


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    goal = factory.SubFactory(GoalFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    status = MilestoneStatus.PLANNED


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    team = factory.SubFactory(ActionTeamFactory)
    narrative = "We met with the school board."


class OutcomeFactory(factory.django.DjangoModelFactory):
    """Pass `team` (the initiative follows it) or `initiative` (an outcome without a team)."""

    class Meta:
        model = Outcome

    team = None
    initiative = factory.LazyAttribute(
        lambda o: o.team.initiative if o.team else InitiativeFactory()
    )
    kind = OutcomeKind.PROGRAM
    level = Level.COMMUNITY
    title = factory.Sequence(lambda n: f"Outcome {n}")
    happened_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))


class CommunityAssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommunityAsset

    initiative = factory.SubFactory(InitiativeFactory)
    kind = AssetKind.PLACE
    name = factory.Sequence(lambda n: f"Asset {n}")
