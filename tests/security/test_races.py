"""Races on the real PostgreSQL, many rounds each: threads start together at a barrier, each in
its own connection and real transactions (no mocks), and the invariants hold every time.

- the last seats of a capped initiative, and of a capped role, are never overbooked, and the
  waiting list is in the order people registered;
- the same person registering from many tabs (their address spelled differently) is one;
- several people voting at once, each from several tabs, are each counted once;
- the same outbox rows sent by several workers at once go out once each (one Message-ID once);
- several reminder planners running at once write each reminder once, and none fails.

These extend tests/test_postgres.py, tests/participants/test_concurrency.py and
tests/actions/test_forum_concurrency.py (single-round versions of the first three) with many
rounds and the shapes those don't cover.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from actions.models import Ballot, BallotDot, BallotItem, BallotResponse, Idea
from actions.services import forum
from dialogue_hub import outbox
from dialogue_hub.exceptions import DomainError
from dialogue_hub.models import OutboxMessage, OutboxStatus
from guides.services import reminders as reminder_services
from participants.models import Participant, RoleCap, RoleCategory, Status
from participants.services import registration as services

from ..factories import (
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    InitiativeFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
)
from ..test_postgres import race
from . import stats

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 15
THREADS = 12


def registration(email, role=RoleCategory.RESIDENT):
    return {
        "name": "Racer",
        "email": email,
        "preferred_language": "en",
        "neighborhood": "Eastside",
        "role_category": role,
        "age_band": "25_34",
        "availability": [],
        "accessibility_needs": [],
    }


def register(initiative, email, role=RoleCategory.RESIDENT):
    return services.participant_register(
        initiative=initiative, data=registration(email, role), consents={"participation"}
    )


def assert_seats_and_waiting_list(initiative, *, seats, role=None):
    people = Participant.objects.filter(initiative=initiative)
    if role is not None:
        people = people.filter(role_category=role)
    seated = people.filter(seat_number__isnull=False)
    waiting = people.filter(status=Status.WAITLISTED)
    assert seated.count() == seats, (seated.count(), seats)
    numbers = list(seated.values_list("seat_number", flat=True))
    assert len(set(numbers)) == len(numbers), numbers
    assert not waiting.filter(seat_number__isnull=False).exists()
    # The waiting list is in registration order: everyone seated registered (got their row)
    # before everyone waiting, and the order by time is the order by id.
    newest_seated = max(seated.values_list("pk", flat=True))
    assert not waiting.filter(pk__lt=newest_seated).exclude(email__startswith="old").exists()
    by_time = list(waiting.order_by("created_at", "pk").values_list("pk", flat=True))
    assert by_time == sorted(by_time)


def test_last_seats_of_a_capped_initiative_and_of_a_capped_role_are_never_overbooked():
    for round_number in range(ROUNDS):
        capped = InitiativeFactory()
        RegistrationSettingsFactory(initiative=capped, max_participants=10)
        for number in range(1, 8):  # 3 seats left
            ParticipantFactory(
                initiative=capped, seat_number=number, email=f"old{number}@example.net"
            )
        by_role = InitiativeFactory()
        RegistrationSettingsFactory(initiative=by_role, max_participants=None)
        RoleCap.objects.create(
            initiative=by_role, role_category=RoleCategory.SWORN_OFFICER, seats=3
        )
        ParticipantFactory(
            initiative=by_role,
            seat_number=1,
            role_category=RoleCategory.SWORN_OFFICER,
            email="old-officer@example.net",
        )  # 2 officer seats left, residents unlimited

        def sign_up(i, capped=capped, by_role=by_role, r=round_number):
            if i % 2:
                return register(capped, f"c{r}-{i}@example.net")
            role = RoleCategory.SWORN_OFFICER if i % 4 == 0 else RoleCategory.RESIDENT
            return register(by_role, f"r{r}-{i}@example.net", role)

        results = race(sign_up, n=THREADS)
        assert all(isinstance(r, services.RegistrationResult) for r in results), results
        assert_seats_and_waiting_list(capped, seats=10)
        assert_seats_and_waiting_list(by_role, seats=3, role=RoleCategory.SWORN_OFFICER)
        residents = Participant.objects.filter(
            initiative=by_role, role_category=RoleCategory.RESIDENT
        )
        assert residents.filter(seat_number__isnull=False).count() == THREADS // 4
        assert not residents.filter(status=Status.WAITLISTED).exists()
        seat_numbers = Participant.objects.filter(
            initiative=by_role, seat_number__isnull=False
        ).values_list("seat_number", flat=True)
        assert len(set(seat_numbers)) == len(seat_numbers)
    stats.add("races", ROUNDS)


def test_one_person_registering_from_many_tabs_is_one_participant():
    spellings = ["same@example.net", "Same@Example.net", " SAME@example.NET ", "same@EXAMPLE.net"]
    for round_number in range(ROUNDS):
        initiative = InitiativeFactory()
        RegistrationSettingsFactory(initiative=initiative, max_participants=None)

        def sign_up(i, initiative=initiative):
            return register(initiative, spellings[i % len(spellings)])

        results = race(sign_up, n=8)
        done = [r for r in results if isinstance(r, services.RegistrationResult)]
        assert len(done) == 1, (round_number, results)
        assert all(
            isinstance(r, (services.RegistrationResult, services.DuplicateRegistration))
            for r in results
        ), results
        assert Participant.objects.filter(initiative=initiative).count() == 1
    stats.add("races", ROUNDS)


def test_several_people_voting_from_several_tabs_are_each_counted_once():
    """tests/actions/test_forum_concurrency.py races one person; here four at once, so a lock
    too wide (everyone refused) or too narrow (someone twice) shows."""
    people_per_round, tabs = 4, 3
    for _round in range(ROUNDS):
        initiative = InitiativeFactory()
        now = timezone.now()
        ballot = Ballot.objects.create(
            initiative=initiative,
            title="Which first?",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=1),
            dots_per_person=3,
        )
        items = [
            BallotItem.objects.create(
                ballot=ballot,
                idea=Idea.objects.create(initiative=initiative, text=f"Idea {n}"),
                position=n,
            )
            for n in range(3)
        ]
        people = [ParticipantFactory(initiative=initiative) for _ in range(people_per_round)]

        def vote(i, ballot=ballot, items=items, people=people):
            return forum.vote_submit(
                ballot=Ballot.objects.get(pk=ballot.pk),
                participant=Participant.objects.get(pk=people[i % people_per_round].pk),
                dots={items[i % 3].pk: 1 + i % 3},
            )

        results = race(vote, n=people_per_round * tabs)
        assert all(isinstance(r, (BallotResponse, DomainError)) for r in results), results
        responses = BallotResponse.objects.filter(ballot=ballot)
        assert responses.count() == people_per_round
        assert sorted(responses.values_list("participant_id", flat=True)) == sorted(
            p.pk for p in people
        )
        for response in responses:
            dots = BallotDot.objects.filter(response=response)
            assert dots.count() == 1  # one tab's submission, never a mix
            assert sum(dots.values_list("dots", flat=True)) <= ballot.dots_per_person
    stats.add("races", ROUNDS)


def _circle_with_meeting(initiative, *, starts_in):
    circle = CircleFactory(initiative=initiative)
    for _n in range(3):
        CircleMemberFactory(circle=circle)
    CircleStaffFactory(circle=circle, role="facilitator")
    return CircleSessionFactory(circle=circle, starts_at=timezone.now() + starts_in)


def test_the_same_outbox_rows_sent_by_eight_workers_go_out_once_each():
    for _round in range(ROUNDS):
        initiative = InitiativeFactory()
        # 49 h ahead: the 48 h and 2 h reminders are planned but not due, so nothing is sent yet.
        for _n in range(3):
            _circle_with_meeting(initiative, starts_in=timedelta(hours=49))
        reminder_services.reminders_plan()
        rows = OutboxMessage.objects.filter(initiative=initiative, kind=reminder_services.REMINDER)
        ids = list(rows.values_list("pk", flat=True))
        assert len(ids) == 3 * 4 * 2  # 3 meetings × (3 members + 1 facilitator) × 2 offsets
        rows.update(send_after=timezone.now() - timedelta(minutes=1))
        mail.outbox = []

        results = race(lambda _i, ids=ids: outbox.send_batch(ids), n=8)

        assert all(isinstance(r, dict) for r in results), results
        assert sum(r["sent"] for r in results) == len(ids), results
        message_ids = Counter(m.extra_headers["Message-ID"] for m in mail.outbox)
        assert len(message_ids) == len(ids)
        assert set(message_ids.values()) == {1}, message_ids.most_common(3)
        assert set(rows.values_list("status", flat=True)) == {OutboxStatus.SENT}
    stats.add("races", ROUNDS)


def test_eight_reminder_planners_at_once_write_each_reminder_once():
    for _round in range(ROUNDS):
        initiative = InitiativeFactory()
        for _n in range(4):
            _circle_with_meeting(initiative, starts_in=timedelta(hours=49))
        now = timezone.now()

        results = race(lambda _i, now=now: reminder_services.reminders_plan(now=now), n=8)

        assert all(isinstance(r, dict) for r in results), results
        rows = OutboxMessage.objects.filter(initiative=initiative, kind=reminder_services.REMINDER)
        keys = list(rows.values_list("key", flat=True))
        assert len(keys) == len(set(keys)) == 4 * 4 * 2
    stats.add("races", ROUNDS)


def test_concurrent_planners_report_only_the_rows_they_wrote():
    for _round in range(8):
        initiative = InitiativeFactory()
        for _n in range(4):
            _circle_with_meeting(initiative, starts_in=timedelta(hours=49))
        now = timezone.now()

        results = race(lambda _i, now=now: reminder_services.reminders_plan(now=now), n=8)

        rows = OutboxMessage.objects.filter(initiative=initiative, kind=reminder_services.REMINDER)
        assert sum(r["reminders"] for r in results) == rows.count(), results
