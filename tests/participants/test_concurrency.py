"""Registration races on the real PostgreSQL: no overbooking, no duplicates, no errors."""

import pytest
from django.db import connection

from participants import services
from participants.models import Participant, Status

from ..factories import InitiativeFactory, ParticipantFactory, RegistrationSettingsFactory
from ..test_postgres import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def data(email):
    return {
        "name": "Racer",
        "email": email,
        "preferred_language": "en",
        "neighborhood": "Eastside",
        "role_category": "resident",
        "age_band": "25_34",
        "availability": [],
        "accessibility_needs": [],
    }


def test_50_concurrent_registrations_for_10_remaining_seats():
    assert connection.vendor == "postgresql"
    initiative = InitiativeFactory()
    RegistrationSettingsFactory(initiative=initiative, max_participants=30)
    for number in range(1, 21):  # 20 seats already taken
        ParticipantFactory(initiative=initiative, seat_number=number, status=Status.CONFIRMED)

    def register(i):
        return services.participant_register(
            initiative=initiative, data=data(f"racer{i}@example.net"), consents={"participation"}
        )

    results = race(register, n=50)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert sum(not r.waitlisted for r in results) == 10
    assert sum(r.waitlisted for r in results) == 40
    seated = Participant.objects.filter(initiative=initiative, seat_number__isnull=False)
    assert seated.count() == 30
    assert sorted(seated.values_list("seat_number", flat=True)) == list(range(1, 31))
    assert Participant.objects.filter(initiative=initiative, status=Status.WAITLISTED).count() == 40


def test_20_identical_concurrent_submissions_make_one_registration():
    initiative = InitiativeFactory()
    RegistrationSettingsFactory(initiative=initiative)

    def register(_i):
        return services.participant_register(
            initiative=initiative, data=data("Same.Person@example.net"), consents={"participation"}
        )

    results = race(register, n=20)
    assert sum(isinstance(r, services.RegistrationResult) for r in results) == 1
    assert all(
        isinstance(r, (services.RegistrationResult, services.DuplicateRegistration))
        for r in results
    ), results
    assert Participant.objects.filter(initiative=initiative).count() == 1
