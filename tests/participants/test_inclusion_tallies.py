"""The inclusion dashboard's tallies kept by PostgreSQL triggers (participants migration 0009):
exact figures after each kind of change, through the real services where there is one, and
under concurrent registrations. (After every test of the suite on PostgreSQL, tests/conftest.py
also checks the tallies against the counts computed from the rows.)"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import close_old_connections, connection, transaction
from django.test.utils import CaptureQueriesContext

from initiatives.models import Initiative
from participants.models import Demographics, InclusionTally, Participant, Source, Status
from participants.selectors import tallies as selectors
from participants.selectors.inclusion import inclusion_dashboard
from participants.services import public
from participants.services import registration as services

from ..factories import (
    CoalitionMembershipFactory,
    DemographicsFactory,
    InitiativeFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
)
from ..inclusion_tallies import computed, kept
from ..test_postgres import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_registrations_and_their_answers_are_tallied_per_group():
    initiative = InitiativeFactory()
    two = DemographicsFactory(
        participant__initiative=initiative,
        race_ethnicity=["black", "hispanic", "black"],
        lived_experience=["Immigrant"],
    ).participant
    DemographicsFactory(participant__initiative=initiative, race_ethnicity=["prefer_not", "white"])
    ParticipantFactory(initiative=initiative, role_category="young_person", age_band="13_17")
    tally = selectors.tallies(initiative)
    assert tally["role_category"] == {"resident": 2, "young_person": 1}
    assert tally["race"] == {"black": 1, "hispanic": 1, "": 2}  # prefer_not and no answers
    assert tally["lived"] == {"Immigrant": 1, "": 2}
    assert tally["partner"] == {"": 3}
    assert sum(tally["week"].values()) == 3

    Demographics.objects.filter(participant=two).update(race_ethnicity=["asian"])
    assert selectors.tallies(initiative)["race"] == {"asian": 1, "": 2}
    Demographics.objects.filter(participant=two).delete()
    assert selectors.tallies(initiative)["race"] == {"": 3}
    assert selectors.tallies(initiative)["lived"] == {"": 3}


def test_withdrawing_removes_a_person_from_every_tally_and_reinstating_counts_them_again():
    initiative = InitiativeFactory()
    RegistrationSettingsFactory(initiative=initiative)
    person = DemographicsFactory(
        participant__initiative=initiative, race_ethnicity=["white"]
    ).participant
    ParticipantFactory(initiative=initiative)
    public.participant_withdraw(participant=person)
    tally = selectors.tallies(initiative)
    assert tally["role_category"] == {"resident": 1}
    assert tally["race"] == {"": 1}
    # Withdrawing deleted their answers: back, they count as not answered.
    Participant.objects.filter(pk=person.pk).update(status=Status.CONFIRMED)
    assert selectors.tallies(initiative)["role_category"] == {"resident": 2}
    assert selectors.tallies(initiative)["race"] == {"": 2}


def test_a_partner_removed_from_the_coalition_leaves_its_people_without_a_partner():
    initiative = InitiativeFactory()
    partner = CoalitionMembershipFactory(initiative=initiative)
    ParticipantFactory.create_batch(3, initiative=initiative, partner=partner)
    assert selectors.tallies(initiative)["partner"] == {str(partner.pk): 3}
    partner.delete()  # SET NULL on the registrations
    assert selectors.tallies(initiative)["partner"] == {"": 3}


def test_a_new_time_zone_moves_the_weeks_and_a_deleted_initiative_leaves_no_tally():
    initiative = InitiativeFactory(timezone="UTC")
    # Monday 00:30 UTC is still Sunday in Chicago: the week before.
    ParticipantFactory(initiative=initiative, created_at=datetime(2026, 11, 30, 0, 30, tzinfo=UTC))
    assert selectors.tallies(initiative)["week"] == {"2026-11-30": 1}
    Initiative.objects.filter(pk=initiative.pk).update(timezone="America/Chicago")
    assert selectors.tallies(initiative)["week"] == {"2026-11-23": 1}
    pk = initiative.pk
    initiative.delete()
    assert not InclusionTally.objects.filter(initiative_id=pk).exists()


def test_a_bulk_insert_and_a_bulk_update_are_tallied_in_one_go():
    initiative = InitiativeFactory()
    Participant.objects.bulk_create(
        [
            Participant(
                initiative=initiative, email=f"bulk{i}@example.net", neighborhood="Eastside"
            )
            for i in range(40)
        ]
    )
    Participant.objects.filter(initiative=initiative, email__startswith="bulk1").update(
        neighborhood="Northgate"
    )
    # bulk1, bulk10–bulk19: 11 people moved.
    assert selectors.tallies(initiative)["neighborhood"] == {"Eastside": 29, "Northgate": 11}
    assert kept(initiative.pk) == computed(initiative)


def test_the_tallies_are_read_in_one_query_and_give_the_dashboard_the_computed_figures(
    monkeypatch,
):
    initiative = InitiativeFactory()
    RegistrationSettingsFactory(initiative=initiative, lived_experience_groups=["Immigrant"])
    for i in range(30):
        DemographicsFactory(
            participant__initiative=initiative,
            participant__age_band=["18_24", "25_34", "65_plus"][i % 3],
            race_ethnicity=[["black"], ["hispanic", "white"], []][i % 3],
            lived_experience=["Immigrant"] if i % 2 else [],
        )
    with CaptureQueriesContext(connection) as read:
        selectors.tallies(initiative)
    assert len(read) == 1
    from_tallies = inclusion_dashboard(initiative=initiative)
    monkeypatch.setattr(selectors, "tallies", selectors.counted)  # the same, from the rows
    from_rows = inclusion_dashboard(initiative=initiative)
    assert from_tallies.total == from_rows.total == 30
    for mine, theirs in zip(from_tallies.dimensions, from_rows.dimensions, strict=True):
        assert [(r.key, r.value) for r in mine.rows] == [(r.key, r.value) for r in theirs.rows]
    tables = {table.key: table for table in from_tallies.dimensions}
    race = {row.key: row.value for row in tables["race_ethnicity"].rows}
    assert (race["black"], race["hispanic"], race["white"]) == (10, 10, 10)


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_are_all_counted():
    initiative = InitiativeFactory()
    RegistrationSettingsFactory(initiative=initiative)

    def register(i):
        return services.participant_register(
            initiative=initiative,
            data={
                "name": "Racer",
                "email": f"racer{i}@example.net",
                "preferred_language": "es" if i % 2 else "en",
                "neighborhood": "Eastside",
                "role_category": "resident",
                "age_band": "25_34",
                "availability": [],
                "accessibility_needs": [],
            },
            consents={"participation"},
            demographics={"race_ethnicity": ["black"]} if i % 3 == 0 else None,
        )

    results = race(register, n=24)
    assert [r for r in results if isinstance(r, Exception)] == []
    tally = selectors.tallies(initiative)
    assert tally["role_category"] == {"resident": 24}
    assert tally["language"] == {"en": 12, "es": 12}
    assert tally["race"] == {"black": 8, "": 16}
    assert kept(initiative.pk) == computed(initiative)


@pytest.mark.django_db(transaction=True)
def test_the_nightly_expiry_and_registrations_at_the_same_time_neither_deadlock_nor_drift():
    """The expiry job deletes people one statement at a time (each taking the busiest tally
    rows) while registrations arrive: without the initiative's tally lock taken first, the two
    deadlocked (found in review)."""
    initiative = InitiativeFactory()
    RegistrationSettingsFactory(initiative=initiative, is_open=True)
    ages = ["18_24", "25_34", "35_44", "45_54", "55_64", "65_plus"]
    for i in range(60):
        DemographicsFactory(
            participant__initiative=initiative,
            participant__age_band=ages[i % 6],
            participant__status=Status.REGISTERED,
            participant__created_at=datetime.now(UTC) - timedelta(days=60),
            participant__source=Source.ONLINE,
            participant__email_confirmed_at=None,
            race_ethnicity=[["white"], ["black"], []][i % 3],
        )
    errors, started = [], threading.Event()

    def expire():
        started.set()
        try:
            services.registrations_expire_unconfirmed()
        except Exception as error:  # collected and asserted on below
            errors.append(error)
        finally:
            connection.close()

    def register():
        started.wait(10)
        try:
            for i in range(20):
                services.participant_register(
                    initiative=initiative,
                    data={
                        "name": "New",
                        "email": f"new{i}@example.net",
                        "preferred_language": "en",
                        "neighborhood": "Eastside",
                        "role_category": "resident",
                        "age_band": ages[(i * 5) % 6],
                        "availability": [],
                        "accessibility_needs": [],
                    },
                    consents={"participation"},
                )
        except Exception as error:  # collected and asserted on below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=expire), threading.Thread(target=register)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    close_old_connections()
    assert errors == []
    assert Participant.objects.filter(initiative=initiative).count() == 20
    assert kept(initiative.pk) == computed(initiative)


@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_while_the_person_edits_their_answers_leaves_the_tallies_right():
    """The answers' trigger read the registration as it was before a withdrawal waiting to
    commit, and the counts drifted for good (found in review)."""
    initiative = InitiativeFactory()
    RegistrationSettingsFactory(initiative=initiative)
    person = DemographicsFactory(
        participant__initiative=initiative, race_ethnicity=["black"]
    ).participant
    ParticipantFactory(initiative=initiative)
    edited, release = threading.Event(), threading.Event()

    def edit_answers():
        try:
            with transaction.atomic():
                Demographics.objects.filter(participant_id=person.pk).update(
                    race_ethnicity=["white"]
                )
                edited.set()
                release.wait(10)
        finally:
            connection.close()

    def withdraw():
        edited.wait(10)
        try:
            public.participant_withdraw(participant=Participant.objects.get(pk=person.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=edit_answers), threading.Thread(target=withdraw)]
    for thread in threads:
        thread.start()
    threading.Event().wait(1.0)  # the withdrawal now waits for the edit
    release.set()
    for thread in threads:
        thread.join(30)
    close_old_connections()
    assert selectors.tallies(initiative)["race"] == {"": 1}
    assert kept(initiative.pk) == computed(initiative)
