from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from dialogue_hub.models import User
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


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name")
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


class CoalitionMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoalitionMembership

    initiative = factory.SubFactory(InitiativeFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = CoalitionRole.PARTNER


class MembershipFactory(factory.django.DjangoModelFactory):
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
