"""Invariants the database itself enforces, whatever code path writes the row."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from initiatives.models import Initiative, Membership

from ..factories import (
    CoalitionMembershipFactory,
    InitiativeFactory,
    InvitationFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


def refused(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_membership_role_is_unique_per_user_and_initiative():
    membership = MembershipFactory()
    refused(
        lambda: Membership.objects.create(
            user=membership.user, initiative=membership.initiative, role=membership.role
        )
    )


def test_invalid_role_phase_and_sector_are_refused_by_the_database():
    membership = MembershipFactory()
    refused(lambda: Membership.objects.filter(pk=membership.pk).update(role="emperor"))
    refused(lambda: Initiative.objects.filter(pk=membership.initiative_id).update(phase="party"))
    member = CoalitionMembershipFactory()
    refused(
        lambda: (
            type(member.organization)
            .objects.filter(pk=member.organization_id)
            .update(sector="aliens")
        )
    )


def test_end_date_before_start_is_refused_by_the_database():
    initiative = InitiativeFactory()
    refused(
        lambda: Initiative.objects.filter(pk=initiative.pk).update(
            starts_on=timezone.now().date(), ends_on=timezone.now().date().replace(year=2000)
        )
    )


def test_organization_joins_a_coalition_once():
    member = CoalitionMembershipFactory()
    refused(
        lambda: CoalitionMembershipFactory(
            initiative=member.initiative, organization=member.organization
        )
    )


def test_only_one_open_invitation_per_email_and_role():
    invitation = InvitationFactory()
    refused(
        lambda: InvitationFactory(
            initiative=invitation.initiative, email=invitation.email, role=invitation.role
        )
    )
    # Once accepted, a new invitation for the same role may be created (e.g. after removal).
    type(invitation).objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    InvitationFactory(
        initiative=invitation.initiative, email=invitation.email, role=invitation.role
    )


def test_invitation_cannot_be_both_accepted_and_revoked():
    invitation = InvitationFactory(accepted_at=timezone.now())
    refused(
        lambda: type(invitation).objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    )
