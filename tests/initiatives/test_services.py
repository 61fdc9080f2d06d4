from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from dialogue_hub.exceptions import DomainError
from initiatives import services
from initiatives.models import (
    ActivityLogEntry,
    Initiative,
    Invitation,
    Membership,
    Phase,
    Role,
    Sector,
)
from initiatives.selectors import initiatives_with_counts

from ..factories import (
    CoalitionMembershipFactory,
    InitiativeFactory,
    InvitationFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def counted(initiative):
    return initiatives_with_counts().get(pk=initiative.pk)


class TestInitiativeCreate:
    def test_creator_becomes_organizer_and_creation_is_logged(self):
        user = UserFactory()
        initiative = services.initiative_create(
            user=user, name="Riverton Dialogues", community="Riverton", languages=["en", "es"]
        )
        assert initiative.slug == "riverton-dialogues"
        assert initiative.phase == Phase.ORGANIZING
        assert Membership.objects.filter(
            user=user, initiative=initiative, role=Role.ORGANIZER
        ).exists()
        entry = ActivityLogEntry.objects.get(initiative=initiative)
        assert (entry.actor, entry.action) == (user, "initiative.created")

    def test_same_name_gets_a_distinct_slug(self):
        user = UserFactory()
        first = services.initiative_create(user=user, name="Riverton Dialogues", community="R")
        second = services.initiative_create(user=user, name="Riverton Dialogues", community="R")
        assert (first.slug, second.slug) == ("riverton-dialogues", "riverton-dialogues-2")

    def test_reserved_slug_is_avoided(self):
        initiative = services.initiative_create(user=UserFactory(), name="New", community="R")
        assert initiative.slug == "new-initiative"

    def test_end_before_start_is_refused_and_nothing_is_saved(self):
        with pytest.raises(DomainError):
            services.initiative_create(
                user=UserFactory(),
                name="Backwards",
                community="R",
                starts_on=date(2027, 5, 1),
                ends_on=date(2027, 4, 1),
            )
        assert not Initiative.objects.exists()
        assert not Membership.objects.exists()

    def test_unknown_language_is_refused(self):
        with pytest.raises(DomainError):
            services.initiative_create(
                user=UserFactory(), name="X", community="R", languages=["xx"]
            )


class TestInitiativeUpdate:
    def test_logs_changed_fields_only(self, initiative, organizer):
        services.initiative_update(
            user=organizer,
            initiative=initiative,
            data={"name": "Renamed", "community": initiative.community},
        )
        initiative.refresh_from_db()
        assert initiative.name == "Renamed"
        entry = ActivityLogEntry.objects.get(action="initiative.updated")
        assert entry.details == {"fields": ["name_en"]}

    def test_no_change_writes_nothing(self, initiative, organizer):
        services.initiative_update(
            user=organizer, initiative=initiative, data={"name": initiative.name}
        )
        assert not ActivityLogEntry.objects.exists()


class TestPhaseChange:
    def test_cannot_skip_a_phase_and_says_what_comes_next(self, initiative, organizer):
        with pytest.raises(DomainError, match="one step at a time.*Recruiting"):
            services.initiative_change_phase(
                user=organizer, initiative=counted(initiative), to_phase=Phase.DIALOGUE
            )
        initiative.refresh_from_db()
        assert initiative.phase == Phase.ORGANIZING

    def test_recruiting_needs_a_coalition_and_a_description(self, organizer):
        initiative = InitiativeFactory(description="")
        MembershipFactory(user=organizer, initiative=initiative)
        with pytest.raises(DomainError) as exc:
            services.initiative_change_phase(
                user=organizer, initiative=counted(initiative), to_phase=Phase.RECRUITING
            )
        assert "coalition" in str(exc.value)
        assert "description" in str(exc.value)

    def test_recruiting_allowed_with_coalition(self, initiative, organizer):
        CoalitionMembershipFactory(initiative=initiative)
        services.initiative_change_phase(
            user=organizer, initiative=counted(initiative), to_phase=Phase.RECRUITING
        )
        initiative.refresh_from_db()
        assert initiative.phase == Phase.RECRUITING
        entry = ActivityLogEntry.objects.get(action="initiative.phase_changed")
        assert entry.details == {"from": "organizing", "to": "recruiting"}
        assert entry.describe() == "moved the initiative from Organizing to Recruiting"

    def test_dialogue_needs_a_facilitator(self, organizer):
        initiative = InitiativeFactory(phase=Phase.RECRUITING)
        with pytest.raises(DomainError, match="facilitator"):
            services.initiative_change_phase(
                user=organizer, initiative=counted(initiative), to_phase=Phase.DIALOGUE
            )
        MembershipFactory(initiative=initiative, role=Role.FACILITATOR)
        services.initiative_change_phase(
            user=organizer, initiative=counted(initiative), to_phase=Phase.DIALOGUE
        )
        initiative.refresh_from_db()
        assert initiative.phase == Phase.DIALOGUE

    def test_one_step_back_is_allowed(self, organizer):
        initiative = InitiativeFactory(phase=Phase.ACTION)
        services.initiative_change_phase(
            user=organizer, initiative=counted(initiative), to_phase=Phase.ACTION_FORUM
        )
        initiative.refresh_from_db()
        assert initiative.phase == Phase.ACTION_FORUM

    def test_same_phase_and_unknown_phase_are_refused(self, initiative, organizer):
        with pytest.raises(DomainError, match="already"):
            services.initiative_change_phase(
                user=organizer, initiative=counted(initiative), to_phase=Phase.ORGANIZING
            )
        with pytest.raises(DomainError, match="not a phase"):
            services.initiative_change_phase(
                user=organizer, initiative=counted(initiative), to_phase="party"
            )

    def test_stale_page_is_refused(self, initiative, organizer):
        stale = counted(initiative)
        Initiative.objects.filter(pk=initiative.pk).update(phase=Phase.RECRUITING)
        with pytest.raises(DomainError, match="Someone else"):
            services.initiative_change_phase(
                user=organizer, initiative=stale, to_phase=Phase.RECRUITING
            )


class TestPublish:
    def test_publish_needs_a_description(self, organizer):
        initiative = InitiativeFactory(description=" ")
        with pytest.raises(DomainError, match="description"):
            services.initiative_set_published(user=organizer, initiative=initiative, published=True)

    def test_publish_and_unpublish_are_logged(self, initiative, organizer):
        services.initiative_set_published(user=organizer, initiative=initiative, published=True)
        assert initiative.is_published
        assert initiative.published_at
        services.initiative_set_published(user=organizer, initiative=initiative, published=False)
        assert list(ActivityLogEntry.objects.order_by("id").values_list("action", flat=True)) == [
            "initiative.published",
            "initiative.unpublished",
        ]


class TestCoalition:
    def test_add_new_organization(self, initiative, organizer):
        member = services.coalition_member_add(
            user=organizer,
            initiative=initiative,
            organization_data={
                "name": "Riverton PD",
                "sector": Sector.POLICE,
                "is_bridge_builder": False,
            },
            membership_data={"role": "convener", "commitment": "Officers in every circle"},
        )
        assert member.organization.sector == Sector.POLICE
        assert ActivityLogEntry.objects.filter(
            action="coalition.added", target_label="Riverton PD"
        ).exists()

    def test_adding_the_same_organization_twice_is_refused(self, initiative, organizer):
        organization = CoalitionMembershipFactory(initiative=initiative).organization
        with pytest.raises(DomainError, match="already in this coalition"):
            services.coalition_member_add(
                user=organizer, initiative=initiative, organization=organization
            )

    def test_invalid_sector_is_refused_and_no_organization_saved(self, initiative, organizer):
        with pytest.raises(DomainError):
            services.coalition_member_add(
                user=organizer,
                initiative=initiative,
                organization_data={"name": "X", "sector": "aliens"},
            )
        assert not initiative.coalition_memberships.exists()

    def test_only_organizations_from_my_initiatives_can_be_reused(self, initiative, organizer):
        stranger = CoalitionMembershipFactory().organization
        with pytest.raises(DomainError, match="other initiatives") as exc:
            services.coalition_member_add(
                user=organizer, initiative=initiative, organization=stranger
            )
        assert exc.value.field == "existing"
        assert not initiative.coalition_memberships.exists()

    def test_a_refused_coalition_edit_leaves_the_callers_object_as_stored(
        self, initiative, organizer
    ):
        # The edit page shows its object in the heading: a refused change must not be in it.
        member = CoalitionMembershipFactory(initiative=initiative, organization__name="Old Name")
        with pytest.raises(DomainError):
            services.coalition_member_update(
                user=organizer,
                member=member,
                organization_data={
                    "name": "Typed Name",
                    "sector": member.organization.sector,
                    "website": "https://example.org/" + "x" * 300,
                },
                membership_data={},
            )
        assert member.organization.name == "Old Name"

    def test_editing_a_shared_organization_changes_only_this_coalition(self, initiative, organizer):
        other = CoalitionMembershipFactory(
            organization__name="Riverton PD", organization__sector=Sector.POLICE
        )
        shared = other.organization
        mine = CoalitionMembershipFactory(initiative=initiative, organization=shared)
        services.coalition_member_update(
            user=organizer,
            member=mine,
            organization_data={
                "name": "Renamed here",
                "sector": Sector.POLICE,
                "is_bridge_builder": True,
            },
            membership_data={},
        )
        mine.refresh_from_db()
        shared.refresh_from_db()
        assert (mine.organization.name, mine.organization.is_bridge_builder) == (
            "Renamed here",
            True,
        )
        assert mine.organization_id != shared.pk
        assert (shared.name, shared.is_bridge_builder) == ("Riverton PD", False)
        assert other.organization_id == shared.pk

    def test_update_and_remove(self, initiative, organizer):
        member = CoalitionMembershipFactory(initiative=initiative)
        services.coalition_member_update(
            user=organizer,
            member=member,
            organization_data={"name": "Renamed Org", "is_bridge_builder": True},
            membership_data={"commitment": "Host two circles"},
        )
        member.refresh_from_db()
        assert member.organization.name == "Renamed Org"
        assert member.organization.is_bridge_builder
        assert member.commitment == "Host two circles"
        services.coalition_member_remove(user=organizer, member=member)
        assert not initiative.coalition_memberships.exists()
        assert ActivityLogEntry.objects.filter(action="coalition.removed").exists()


class TestInvitations:
    def test_invitation_is_emailed_after_commit(
        self, initiative, organizer, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = services.invitation_create(
                user=organizer,
                initiative=initiative,
                email="New.Person@Example.org ",
                role=Role.FACILITATOR,
            )
        assert invitation.email == "new.person@example.org"
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["new.person@example.org"]
        assert initiative.name in message.subject
        assert f"/invitations/{invitation.key}/" in message.body
        assert "Facilitator" in message.body
        invitation.refresh_from_db()
        assert invitation.sent_at is not None

    def test_email_waits_for_commit_and_is_not_sent_inside_the_transaction(
        self, initiative, organizer, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.invitation_create(
                user=organizer, initiative=initiative, email="a@example.org", role=Role.RECORDER
            )
        assert callbacks  # queued for after commit, not sent inside the transaction
        assert mail.outbox == []
        for callback in callbacks:
            callback()
        assert len(mail.outbox) == 1

    def test_second_open_invitation_for_same_role_is_refused(self, initiative, organizer):
        services.invitation_create(
            user=organizer, initiative=initiative, email="a@example.org", role=Role.RECORDER
        )
        with pytest.raises(DomainError, match="open invitation") as exc:
            services.invitation_create(
                user=organizer, initiative=initiative, email="A@example.org", role=Role.RECORDER
            )
        assert exc.value.field == "email"

    def test_expired_invitation_is_replaced(self, initiative, organizer):
        old = InvitationFactory(
            initiative=initiative,
            email="a@example.org",
            expires_at=timezone.now() - timedelta(days=1),
        )
        new = services.invitation_create(
            user=organizer, initiative=initiative, email="a@example.org", role=old.role
        )
        old.refresh_from_db()
        assert old.revoked_at is not None
        assert new.key != old.key

    def test_existing_member_in_role_is_refused(self, initiative, organizer, member_of):
        facilitator = member_of(initiative, Role.FACILITATOR)
        with pytest.raises(DomainError, match="already on the team"):
            services.invitation_create(
                user=organizer,
                initiative=initiative,
                email=facilitator.email.upper(),
                role=Role.FACILITATOR,
            )

    def test_accept_creates_membership_once(self, initiative):
        invitation = InvitationFactory(initiative=initiative, role=Role.FACILITATOR)
        user = UserFactory(email=invitation.email)
        membership = services.invitation_accept(invitation=invitation, user=user)
        assert (membership.user, membership.role) == (user, Role.FACILITATOR)
        invitation.refresh_from_db()
        assert invitation.accepted_by == user
        with pytest.raises(DomainError):
            services.invitation_accept(invitation=invitation, user=user)
        assert Membership.objects.filter(initiative=initiative).count() == 1

    def test_stale_copy_of_a_used_invitation_cannot_be_used_again(self, initiative):
        invitation = InvitationFactory(initiative=initiative)
        stale_copy = Invitation.objects.get(pk=invitation.pk)
        user = UserFactory(email=invitation.email)
        services.invitation_accept(invitation=invitation, user=user)
        with pytest.raises(DomainError):
            services.invitation_accept(invitation=stale_copy, user=user)
        assert Membership.objects.filter(initiative=initiative).count() == 1

    def test_expired_and_revoked_invitations_cannot_be_accepted(self, initiative, organizer):
        expired = InvitationFactory(
            initiative=initiative, expires_at=timezone.now() - timedelta(minutes=1)
        )
        assert services.invitation_problem(expired) == "expired"
        with pytest.raises(DomainError):
            services.invitation_accept(invitation=expired, user=UserFactory())
        revoked = services.invitation_revoke(
            user=organizer, invitation=InvitationFactory(initiative=initiative)
        )
        assert services.invitation_problem(revoked) == "revoked"
        with pytest.raises(DomainError):
            services.invitation_accept(invitation=revoked, user=UserFactory())
        assert not Membership.objects.filter(initiative=initiative).exclude(user=organizer).exists()

    def test_someone_else_signed_in_cannot_take_the_invitation(self, initiative):
        invitation = InvitationFactory(
            initiative=initiative, email="intended@example.org", role=Role.DATA_STEWARD
        )
        with pytest.raises(DomainError, match="sent to intended@example.org"):
            services.invitation_accept(
                invitation=invitation, user=UserFactory(email="other@example.org")
            )
        invitation.refresh_from_db()
        assert invitation.accepted_at is None
        assert not Membership.objects.filter(initiative=initiative).exists()

    def test_unverified_address_cannot_accept(self, initiative):
        invitation = InvitationFactory(initiative=initiative, email="intended@example.org")
        user = UserFactory(email="intended@example.org", verified=False)
        with pytest.raises(DomainError):
            services.invitation_accept(invitation=invitation, user=user)

    def test_accept_with_new_account_creates_verified_login(self, initiative):
        invitation = InvitationFactory(initiative=initiative, email="new@example.org")
        user, membership = services.invitation_accept_with_new_account(
            invitation=invitation, display_name="Nia Brooks", password="a-long-enough-passphrase"
        )
        assert user.check_password("a-long-enough-passphrase")
        assert user.emailaddress_set.get().verified
        assert membership.initiative == initiative

    def test_weak_password_is_refused_and_nothing_is_created(self, initiative):
        invitation = InvitationFactory(initiative=initiative, email="new@example.org")
        with pytest.raises(DomainError) as exc:
            services.invitation_accept_with_new_account(
                invitation=invitation, display_name="Nia", password="short"
            )
        assert exc.value.field == "password1"
        invitation.refresh_from_db()
        assert invitation.accepted_at is None
        assert not UserFactory._meta.model.objects.filter(email="new@example.org").exists()

    def test_resend_rotates_the_link(
        self, initiative, organizer, django_capture_on_commit_callbacks
    ):
        invitation = InvitationFactory(
            initiative=initiative, expires_at=timezone.now() - timedelta(days=1)
        )
        old_key = invitation.key
        with django_capture_on_commit_callbacks(execute=True):
            services.invitation_resend(user=organizer, invitation=invitation)
        assert invitation.key != old_key
        assert not invitation.is_expired
        assert invitation.key in mail.outbox[0].body

    def test_purge_deletes_only_long_expired_unaccepted(self, initiative):
        old = InvitationFactory(
            initiative=initiative, expires_at=timezone.now() - timedelta(days=200)
        )
        recent = InvitationFactory(
            initiative=initiative, expires_at=timezone.now() - timedelta(days=5)
        )
        accepted = InvitationFactory(
            initiative=initiative,
            expires_at=timezone.now() - timedelta(days=200),
            accepted_at=timezone.now(),
        )
        assert services.invitations_purge_stale() == 1
        remaining = set(Invitation.objects.values_list("pk", flat=True))
        assert remaining == {recent.pk, accepted.pk}
        assert old.pk not in remaining


class TestMembershipRemove:
    def test_last_organizer_cannot_be_removed(self, initiative, organizer):
        membership = Membership.objects.get(user=organizer)
        with pytest.raises(DomainError, match="at least one organizer"):
            services.membership_remove(user=organizer, membership=membership)
        assert Membership.objects.filter(pk=membership.pk).exists()

    def test_remove_a_role(self, initiative, organizer, member_of):
        facilitator = member_of(initiative, Role.FACILITATOR)
        membership = Membership.objects.get(user=facilitator)
        services.membership_remove(user=organizer, membership=membership)
        assert not Membership.objects.filter(user=facilitator).exists()
        entry = ActivityLogEntry.objects.get(action="membership.removed")
        assert entry.details == {"role": "facilitator"}
