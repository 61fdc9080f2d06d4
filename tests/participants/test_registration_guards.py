"""Guards of registration whose silent loss hurts people (issue 22, item 3): each test here
kills a mutant of participants/services that the rest of the suite let live.

- A child under 13 entered by staff or from a paper sheet waits for the guardian
  (`_register`: "online or under 13" stay registered; staff entry and paper sheets are
  otherwise confirmed in person): registered, not confirmed, no consent recorded, nobody
  placeable, and the guardian asked.
- A freed seat goes to the first person waiting who can take it: someone waiting for a full
  role category does not stop the promotion of a later person of another category
  (`waitlist_promote` skips, it does not stop).
- The guardian's form submitted twice (two requests at once, on two PostgreSQL connections;
  or one after the other) records the consent once (`guardian_consent` locks the row).
"""

import threading
import time

import pytest
from django.db import connection, transaction
from django.urls import reverse

from dialogue_hub.models import OutboxMessage
from initiatives.models import ActivityLogEntry, Role
from participants.models import (
    AgeBand,
    Consent,
    Participant,
    RoleCap,
    RoleCategory,
    Source,
    Status,
)
from participants.selectors.registration import eligible_for_placement
from participants.services import imports
from participants.services import registration as services
from participants.services.public import guardian_consent, participant_withdraw

from ..factories import (
    InitiativeFactory,
    MembershipFactory,
    RegistrationSettingsFactory,
    UserFactory,
)

GUARDIAN = "marta@example.net"


def person(email, *, role=RoleCategory.RESIDENT, age_band=AgeBand.AGE_25_34, **extra):
    return {
        "name": "Someone",
        "email": email,
        "preferred_language": "en",
        "neighborhood": "",
        "role_category": role,
        "age_band": age_band,
        "availability": [],
        "accessibility_needs": [],
        **extra,
    }


def assert_waits_for_the_guardian(child):
    """Registered (not confirmed), no consent of any kind, nobody may place them, and only the
    guardian was written to: the consent request."""
    child.refresh_from_db()
    assert child.age_band == AgeBand.UNDER_13
    assert child.seat_number is not None  # holds a seat while the guardian is asked
    assert child.status == Status.REGISTERED
    assert child.guardian_consented_at is None
    assert child.needs_guardian_consent
    assert not Consent.objects.filter(participant=child).exists()
    assert not eligible_for_placement(initiative=child.initiative_id).filter(pk=child.pk).exists()
    sent = OutboxMessage.objects.filter(params__participant=child.pk)
    assert list(sent.values_list("kind", "to_email")) == [
        ("participant.guardian_request", GUARDIAN)
    ]


# --- 1. a child under 13 entered by staff or from a paper sheet ---------------------------------


@pytest.mark.django_db
def test_a_child_under_13_entered_by_staff_waits_for_the_guardian(client, initiative):
    RegistrationSettingsFactory(initiative=initiative)
    user = UserFactory()
    MembershipFactory(user=user, initiative=initiative, role=Role.ORGANIZER)
    client.force_login(user)

    response = client.post(
        reverse("participants:participant_add", args=[initiative.slug]),
        {
            "name": "Little One",
            "email": "",
            "phone": "",
            "preferred_language": "en",
            "neighborhood": "",
            "role_category": "resident",
            "age_band": AgeBand.UNDER_13,
            "accessibility_other": "",
            "how_heard": "",
            "guardian_name": "Marta",
            "guardian_email": GUARDIAN,
            "consent_participation": "on",  # the staff member ticked it: not the guardian
            "consent_evaluation": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    child = Participant.objects.get(initiative=initiative)
    assert child.source == Source.STAFF
    assert_waits_for_the_guardian(child)


@pytest.mark.django_db
def test_a_child_under_13_from_a_paper_sheet_waits_for_the_guardian(initiative):
    RegistrationSettingsFactory(initiative=initiative)
    user = UserFactory()
    MembershipFactory(user=user, initiative=initiative, role=Role.ORGANIZER)
    values = {
        "name": "Little One",
        "email": "",
        "role_category": "resident",
        "age_band": "9",
        "neighborhood": "",
        "guardian_name": "Marta",
        "guardian_email": GUARDIAN,
        "consent_evaluation": "yes",
    }
    text = "\r\n".join(
        [",".join(imports.COLUMNS), ",".join(values.get(c, "") for c in imports.COLUMNS)]
    )
    report = imports.check_text(initiative=initiative, text=text)
    assert len(report.valid_rows) == 1, [r.errors for r in report.rows]

    result = imports.import_valid_rows(initiative=initiative, user=user, report=report)

    assert result.imported == 1
    child = Participant.objects.get(initiative=initiative)
    assert child.source == Source.IMPORT
    assert_waits_for_the_guardian(child)


@pytest.mark.django_db
@pytest.mark.parametrize("source", [Source.STAFF, Source.IMPORT])
def test_staff_and_paper_children_under_13_are_confirmed_by_the_guardian_only(initiative, source):
    """The same through the service, both sources; and the guardian's consent is what confirms."""
    RegistrationSettingsFactory(initiative=initiative)
    result = services.participant_register(
        initiative=initiative,
        data=person("", age_band=AgeBand.UNDER_13, guardian_email=GUARDIAN),
        consents={"participation", "evaluation", "media", "contact"},
        source=source,
    )
    assert result.emails == ["guardian_request"]
    assert_waits_for_the_guardian(result.participant)

    guardian_consent(
        participant=result.participant, consents={"participation"}, child_data={"name": "Ana"}
    )

    child = Participant.objects.get(pk=result.participant.pk)
    assert child.status == Status.CONFIRMED
    assert eligible_for_placement(initiative=initiative).filter(pk=child.pk).exists()


# --- 2. promotion from the waiting list -----------------------------------------------------------


@pytest.mark.django_db
def test_a_freed_seat_skips_someone_waiting_for_a_full_role_and_goes_to_the_next_one(initiative):
    """Two seats; officers capped at one. The officer who registered second waits for the
    officers' cap, the resident who registered third for a seat. A resident withdraws: the
    free seat goes to the resident waiting, though the officer waits longer."""
    RegistrationSettingsFactory(initiative=initiative, max_participants=2)
    RoleCap.objects.create(initiative=initiative, role_category=RoleCategory.SWORN_OFFICER, seats=1)

    def register(email, role):
        return services.participant_register(
            initiative=initiative,
            data=person(email, role=role),
            consents={"participation"},
            source=Source.STAFF,
        ).participant

    register("officer1@example.net", RoleCategory.SWORN_OFFICER)
    resident = register("resident1@example.net", RoleCategory.RESIDENT)
    officer_waiting = register("officer2@example.net", RoleCategory.SWORN_OFFICER)
    resident_waiting = register("resident2@example.net", RoleCategory.RESIDENT)
    assert officer_waiting.status == resident_waiting.status == Status.WAITLISTED

    participant_withdraw(participant=resident)

    officer_waiting.refresh_from_db()
    resident_waiting.refresh_from_db()
    assert officer_waiting.status == Status.WAITLISTED
    assert officer_waiting.seat_number is None
    assert resident_waiting.status == Status.CONFIRMED
    assert resident_waiting.seat_number is not None
    assert OutboxMessage.objects.filter(
        kind="participant.promoted", to_email="resident2@example.net"
    ).exists()


@pytest.mark.django_db
def test_promotion_goes_past_several_people_waiting_for_full_roles_without_a_total_cap(initiative):
    """No total cap, only role caps: both officers wait for the full officers' cap and the
    resident behind them gets the resident seat raising the residents' cap frees."""
    RegistrationSettingsFactory(initiative=initiative, max_participants=None)
    RoleCap.objects.create(initiative=initiative, role_category=RoleCategory.SWORN_OFFICER, seats=1)
    RoleCap.objects.create(initiative=initiative, role_category=RoleCategory.RESIDENT, seats=1)

    def register(email, role):
        return services.participant_register(
            initiative=initiative, data=person(email, role=role), consents={"participation"}
        ).participant

    register("officer1@example.net", RoleCategory.SWORN_OFFICER)
    register("resident1@example.net", RoleCategory.RESIDENT)
    waiting = [
        register("officer2@example.net", RoleCategory.SWORN_OFFICER),
        register("officer3@example.net", RoleCategory.SWORN_OFFICER),
        register("resident2@example.net", RoleCategory.RESIDENT),
    ]
    assert {p.status for p in waiting} == {Status.WAITLISTED}
    RoleCap.objects.filter(role_category=RoleCategory.RESIDENT).update(seats=2)

    promoted = services.waitlist_promote(initiative=initiative)

    assert [p.email for p in promoted] == ["resident2@example.net"]
    assert set(
        Participant.objects.filter(status=Status.WAITLISTED).values_list("email", flat=True)
    ) == {"officer2@example.net", "officer3@example.net"}


# --- 3. the guardian's form submitted twice ---------------------------------------------------------


def _teen(initiative):
    return services.participant_register(
        initiative=initiative,
        data=person("teen@example.net", age_band=AgeBand.AGE_13_17, guardian_email=GUARDIAN),
        consents={"participation"},
    ).participant


def _consents_recorded(participant):
    return Consent.objects.filter(participant=participant, given_by="guardian")


def _waiting_for_a_lock(timeout=10.0) -> bool:
    """True once another connection to this database waits for a row lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_guardian_submissions_at_once_record_the_consent_once():
    """Two submissions of the guardian's form overlap, each on its own connection: the first
    has recorded the consent but not committed when the second reads the registration. The
    second must wait for the first and then find the consent given: one set of consents, one
    log entry, and the first submission's time kept."""
    assert connection.vendor == "postgresql"
    initiative = InitiativeFactory()
    RegistrationSettingsFactory(initiative=initiative)
    teen = _teen(initiative)
    outbox_before = OutboxMessage.objects.count()
    first_done, release = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():  # the request's transaction, held open a moment
                guardian_consent(
                    participant=Participant.objects.get(pk=teen.pk),
                    consents={"participation", "evaluation"},
                )
                first_done.set()
                release.wait(timeout=20)
        except Exception as exc:  # asserted on below
            errors.append(exc)
            first_done.set()
        finally:
            connection.close()

    def second():
        try:
            guardian_consent(
                participant=Participant.objects.get(pk=teen.pk),
                consents={"participation", "evaluation"},
            )
        except Exception as exc:  # asserted on below
            errors.append(exc)
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert first_done.wait(timeout=20)
    two = threading.Thread(target=second)
    two.start()
    try:
        # Whatever it waits on (the lock, or the row's update), the second blocks on the first.
        assert _waiting_for_a_lock(), "the second submission never waited for the first"
    finally:
        release.set()
        one.join(timeout=30)
        two.join(timeout=30)

    assert errors == []
    teen.refresh_from_db()
    assert teen.guardian_consented_at is not None
    recorded = _consents_recorded(teen)
    assert sorted(recorded.values_list("kind", flat=True)) == ["evaluation", "participation"]
    assert not recorded.filter(withdrawn_at__isnull=False).exists()
    assert set(recorded.values_list("given_at", flat=True)) == {teen.guardian_consented_at}
    assert ActivityLogEntry.objects.filter(action="participant.guardian_consented").count() == 1
    # Consenting sends nothing (the page says thank you): neither submission queued a message.
    assert OutboxMessage.objects.count() == outbox_before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_guardian_submissions_racing_record_the_consent_once():
    from ..test_postgres import race

    for _round in range(5):
        initiative = InitiativeFactory()
        RegistrationSettingsFactory(initiative=initiative)
        teen = _teen(initiative)

        def submit(_i, pk=teen.pk):
            return guardian_consent(
                participant=Participant.objects.get(pk=pk), consents={"participation"}
            )

        results = race(submit, n=6)
        assert all(isinstance(r, Participant) for r in results), results
        assert _consents_recorded(teen).count() == 1
        assert (
            ActivityLogEntry.objects.filter(
                initiative=initiative, action="participant.guardian_consented"
            ).count()
            == 1
        )


@pytest.mark.django_db
def test_the_guardian_form_posted_twice_answers_cleanly_and_records_once(client, initiative):
    RegistrationSettingsFactory(initiative=initiative)
    teen = _teen(initiative)
    url = reverse(
        "participants:guardian", kwargs={"token": services.make_token(teen, services.GUARDIAN_SALT)}
    )
    form = {"consent_participation": "on", "consent_media": "on"}

    first = client.post(url, form)
    teen.refresh_from_db()
    consented_at = teen.guardian_consented_at
    second = client.post(url, form)

    assert first.status_code == 302
    assert second.status_code in (200, 302)
    teen.refresh_from_db()
    assert teen.guardian_consented_at == consented_at is not None
    assert sorted(_consents_recorded(teen).values_list("kind", flat=True)) == [
        "media",
        "participation",
    ]
    assert ActivityLogEntry.objects.filter(action="participant.guardian_consented").count() == 1
