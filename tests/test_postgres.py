"""Races on the real PostgreSQL: many threads, real transactions, no mocks."""

import threading

import pytest
from django.db import close_old_connections, connection

from dialogue_hub.exceptions import DomainError
from initiatives import services
from initiatives.models import Initiative, Invitation, Membership, Phase
from initiatives.selectors import initiatives_with_counts

from .factories import (
    CoalitionMembershipFactory,
    InitiativeFactory,
    InvitationFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
ROUNDS = 10


def race(worker, n=THREADS):
    """Start n threads at the same moment; return what each one returned or raised."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = worker(i)
        except Exception as exc:  # collected and asserted on by the caller
            results[i] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_runs_on_postgresql():
    assert connection.vendor == "postgresql"


def test_invitation_link_is_single_use_under_concurrent_clicks():
    for _ in range(ROUNDS):
        invitation = InvitationFactory()
        invitee = UserFactory(email=invitation.email)  # clicking "accept" in several tabs at once

        def accept(_i, invitation=invitation, invitee=invitee):
            fresh = Invitation.objects.get(pk=invitation.pk)
            return services.invitation_accept(invitation=fresh, user=invitee)

        results = race(accept)
        successes = [r for r in results if isinstance(r, Membership)]
        refusals = [r for r in results if isinstance(r, DomainError)]
        assert len(successes) == 1, results
        assert len(refusals) == THREADS - 1, results
        assert Membership.objects.filter(initiative=invitation.initiative).count() == 1


def test_concurrent_phase_changes_move_one_step_only():
    for _ in range(ROUNDS):
        initiative = InitiativeFactory()
        CoalitionMembershipFactory(initiative=initiative)
        organizer = MembershipFactory(initiative=initiative).user

        def advance(_i, initiative=initiative, organizer=organizer):
            stale = initiatives_with_counts().get(pk=initiative.pk)
            return services.initiative_change_phase(
                user=organizer, initiative=stale, to_phase=Phase.RECRUITING
            )

        results = race(advance)
        assert sum(isinstance(r, Initiative) for r in results) == 1, results
        assert Initiative.objects.get(pk=initiative.pk).phase == Phase.RECRUITING


def test_concurrent_invitations_to_the_same_person_create_one():
    for _ in range(ROUNDS):
        initiative = InitiativeFactory()
        organizer = MembershipFactory(initiative=initiative).user

        def invite(_i, initiative=initiative, organizer=organizer):
            return services.invitation_create(
                user=organizer, initiative=initiative, email="same@example.org", role="facilitator"
            )

        results = race(invite)
        assert sum(isinstance(r, Invitation) for r in results) == 1, results
        assert all(isinstance(r, (Invitation, DomainError)) for r in results), results
        assert Invitation.objects.filter(initiative=initiative).count() == 1


def test_same_link_submitted_twice_at_once_creates_one_account():
    from dialogue_hub.models import User

    for round_number in range(ROUNDS):
        invitation = InvitationFactory(email=f"new{round_number}@example.org")

        def create_account(_i, invitation=invitation):
            fresh = Invitation.objects.get(pk=invitation.pk)
            return services.invitation_accept_with_new_account(
                invitation=fresh, display_name="Nia", password="a-long-passphrase-7"
            )

        results = race(create_account)
        assert sum(isinstance(r, tuple) for r in results) == 1, results
        assert all(isinstance(r, (tuple, DomainError)) for r in results), results
        assert User.objects.filter(email=invitation.email).count() == 1
        assert Membership.objects.filter(initiative=invitation.initiative).count() == 1


def test_nul_byte_in_an_invitation_link_is_a_clear_400(client):
    """Refused before the view looks the key up (dialogue_hub.middleware)."""
    response = client.get("/invitations/abc%00def/")
    assert response.status_code == 400
    assert "This link cannot be opened" in response.content.decode()
