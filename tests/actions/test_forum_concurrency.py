"""On the real PostgreSQL: one person submitting their dots many times at once (double
clicks, several tabs, a paper vote entered while they vote online) is counted once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from actions.models import Ballot, BallotDot, BallotItem, BallotResponse, Idea, VoteChannel
from actions.services import forum
from dialogue_hub.exceptions import DomainError
from participants.models import Participant

from ..factories import InitiativeFactory, MembershipFactory, ParticipantFactory
from ..test_postgres import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16
ROUNDS = 3


def _ballot(initiative):
    now = timezone.now()
    ballot = Ballot.objects.create(
        initiative=initiative,
        title="Which ideas first?",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        dots_per_person=3,
    )
    for position in range(3):
        idea = Idea.objects.create(initiative=initiative, text=f"Idea {position}")
        BallotItem.objects.create(ballot=ballot, idea=idea, position=position)
    return ballot


def test_concurrent_votes_from_one_person_count_once():
    for _ in range(ROUNDS):
        initiative = InitiativeFactory()
        ballot = _ballot(initiative)
        items = list(BallotItem.objects.filter(ballot=ballot).order_by("position"))
        person = ParticipantFactory(initiative=initiative)

        def vote(i, ballot=ballot, items=items, person=person):
            fresh_ballot = Ballot.objects.get(pk=ballot.pk)
            fresh_person = Participant.objects.get(pk=person.pk)
            return forum.vote_submit(
                ballot=fresh_ballot,
                participant=fresh_person,
                dots={items[i % 3].pk: 1 + i % 3},
            )

        results = race(vote, n=THREADS)
        assert all(isinstance(r, (BallotResponse, DomainError)) for r in results), results
        assert any(isinstance(r, BallotResponse) for r in results), results
        assert BallotResponse.objects.filter(ballot=ballot).count() == 1
        response = BallotResponse.objects.get(ballot=ballot)
        # The dots are exactly one submission's, never a mix of several.
        dots = list(BallotDot.objects.filter(response=response).values_list("item_id", "dots"))
        assert len(dots) == 1
        assert dots[0][1] == 1 + [item.pk for item in items].index(dots[0][0])


def test_paper_entry_racing_an_online_vote_counts_once():
    initiative = InitiativeFactory()
    organizer = MembershipFactory(initiative=initiative).user
    ballot = _ballot(initiative)
    items = list(BallotItem.objects.filter(ballot=ballot).order_by("position"))
    person = ParticipantFactory(initiative=initiative)

    def vote(i):
        paper = i % 2 == 0
        return forum.vote_submit(
            ballot=Ballot.objects.get(pk=ballot.pk),
            participant=Participant.objects.get(pk=person.pk),
            dots={items[0].pk: 2},
            channel=VoteChannel.PAPER if paper else VoteChannel.ONLINE,
            entered_by=organizer if paper else None,
        )

    results = race(vote, n=THREADS)
    assert all(isinstance(r, (BallotResponse, DomainError)) for r in results), results
    assert BallotResponse.objects.filter(ballot=ballot).count() == 1
    assert BallotDot.objects.filter(response__ballot=ballot).count() == 1
