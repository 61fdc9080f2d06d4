import json
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.core import mail, signing
from django.db import connection
from django.urls import reverse
from freezegun import freeze_time

from dialogue_hub.exceptions import DomainError
from initiatives.models import ActivityLogEntry
from participants.models import Consent, Demographics, Participant, RoleCap, Status
from participants.selectors import registration as selectors
from participants.services import registration as services
from participants.services.public import (
    consent_set,
    guardian_consent,
    participant_confirm_email,
    participant_update,
    participant_withdraw,
)

from ..factories import InitiativeFactory, ParticipantFactory, RegistrationSettingsFactory
from ..helpers import registration_answers

pytestmark = pytest.mark.django_db


def person(**overrides):
    data = {
        "name": "Ana Torres",
        "email": "Ana.Torres@Example.net ",
        "phone": "201-555-0100",
        "preferred_language": "es",
        "neighborhood": "Eastside",
        "role_category": "resident",
        "age_band": "25_34",
        "availability": ["Tuesday evening"],
        "accessibility_needs": ["childcare"],
        "accessibility_other": "",
        "how_heard": "flyer",
        "guardian_name": "",
        "guardian_email": "",
    }
    return {**data, **overrides}


@pytest.fixture
def open_initiative(db):
    initiative = InitiativeFactory(is_published=True, languages=["en", "es"])
    RegistrationSettingsFactory(initiative=initiative)
    return initiative


def register(initiative, **overrides):
    consents = overrides.pop("consents", {"participation", "evaluation", "contact"})
    demographics = overrides.pop("demographics", None)
    return services.participant_register(
        initiative=initiative,
        data=person(**overrides),
        consents=consents,
        demographics=demographics,
    )


class TestRegisterService:
    def test_registration_is_stored_with_consents_and_separate_demographics(
        self, open_initiative, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            result = register(
                open_initiative,
                demographics={"race_ethnicity": ["hispanic", "white"], "gender": "woman"},
            )
        participant = result.participant
        assert participant.email == "ana.torres@example.net"
        assert participant.status == Status.REGISTERED
        assert participant.seat_number == 1
        assert set(participant.consents.values_list("kind", flat=True)) == {
            "participation",
            "evaluation",
            "contact",
        }
        assert participant.consents.first().policy_version == "2026-1"
        assert Demographics.objects.get(participant=participant).race_ethnicity == [
            "hispanic",
            "white",
        ]
        assert [m.to for m in mail.outbox] == [["ana.torres@example.net"]]
        entry = ActivityLogEntry.objects.get(action="participant.registered")
        assert "ana" not in json.dumps(entry.details).lower()
        assert "Ana" not in entry.target_label

    def test_skipped_demographics_store_nothing(self, open_initiative):
        result = register(open_initiative, demographics={"race_ethnicity": [], "gender": ""})
        assert not Demographics.objects.filter(participant=result.participant).exists()

    def test_prefer_not_to_say_overrides_other_race_choices(self, open_initiative):
        result = register(open_initiative, demographics={"race_ethnicity": ["asian", "prefer_not"]})
        assert result.participant.demographics.race_ethnicity == ["prefer_not"]

    def test_same_email_again_is_a_duplicate_not_a_crash(self, open_initiative):
        first = register(open_initiative).participant
        with pytest.raises(services.DuplicateRegistration) as exc:
            register(open_initiative, email="ANA.torres@example.net")
        assert exc.value.participant == first
        assert Participant.objects.count() == 1

    def test_participation_consent_is_required(self, open_initiative):
        with pytest.raises(DomainError, match="agree to take part"):
            register(open_initiative, consents={"evaluation"})
        assert not Participant.objects.exists()

    def test_closed_registration_is_refused_online(self, open_initiative):
        open_initiative.registration_settings.is_open = False
        open_initiative.registration_settings.save()
        with pytest.raises(DomainError, match="closed"):
            register(open_initiative)

    def test_unknown_neighborhood_and_slot_are_refused(self, open_initiative):
        with pytest.raises(DomainError, match="neighborhood"):
            register(open_initiative, neighborhood="Atlantis")
        with pytest.raises(DomainError):
            register(open_initiative, availability=["Midnight"])
        assert not Participant.objects.exists()

    def test_beyond_the_cap_people_wait_and_are_promoted_first_come(
        self, open_initiative, django_capture_on_commit_callbacks
    ):
        open_initiative.registration_settings.max_participants = 2
        open_initiative.registration_settings.save()
        a = register(open_initiative, email="a@example.net").participant
        register(open_initiative, email="b@example.net")
        c = register(open_initiative, email="c@example.net")
        d = register(open_initiative, email="d@example.net")
        assert c.waitlisted
        assert d.waitlisted
        assert c.participant.seat_number is None
        with django_capture_on_commit_callbacks(execute=True):
            participant_withdraw(participant=a)
        c.participant.refresh_from_db()
        d.participant.refresh_from_db()
        assert c.participant.status == Status.REGISTERED
        assert c.participant.seat_number == 1
        assert d.participant.status == Status.WAITLISTED
        assert any(m.to == ["c@example.net"] for m in mail.outbox)

    def test_role_cap_waitlists_only_that_role(self, open_initiative):
        RoleCap.objects.create(initiative=open_initiative, role_category="sworn_officer", seats=1)
        register(open_initiative, email="o1@example.net", role_category="sworn_officer")
        second = register(open_initiative, email="o2@example.net", role_category="sworn_officer")
        resident = register(open_initiative, email="r@example.net")
        assert second.waitlisted
        assert not resident.waitlisted

    def test_confirm_email_makes_it_count(self, open_initiative):
        participant = register(open_initiative).participant
        participant_confirm_email(participant=participant)
        assert participant.status == Status.CONFIRMED
        assert participant.email_confirmed_at is not None
        assert list(selectors.eligible_for_placement(initiative=open_initiative)) == [participant]

    def test_withdrawing_contact_consent_removes_the_phone(self, open_initiative):
        participant = register(open_initiative).participant
        consent_set(participant=participant, kind="contact", given=False)
        participant.refresh_from_db()
        assert participant.phone == ""
        assert Consent.objects.get(participant=participant, kind="contact").withdrawn_at is not None


class TestMinors:
    def test_a_15_year_old_waits_for_the_guardian(
        self, open_initiative, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            teen = register(
                open_initiative,
                email="teen@example.net",
                age_band="13_17",
                role_category="young_person",
                guardian_name="Rosa",
                guardian_email="rosa@example.net",
            ).participant
        assert {tuple(m.to) for m in mail.outbox} == {("teen@example.net",), ("rosa@example.net",)}
        participant_confirm_email(participant=teen)
        assert teen.needs_guardian_consent
        assert teen not in selectors.eligible_for_placement(initiative=open_initiative)
        guardian_consent(participant=teen, consents={"participation", "evaluation"})
        assert not teen.needs_guardian_consent
        assert teen in selectors.eligible_for_placement(initiative=open_initiative)
        kinds = dict(
            teen.consents.filter(withdrawn_at__isnull=True).values_list("kind", "given_by")
        )
        assert kinds == {"participation": "guardian", "evaluation": "guardian"}

    def test_minor_without_guardian_email_is_refused(self, open_initiative):
        with pytest.raises(DomainError, match="guardian") as exc:
            register(open_initiative, age_band="13_17")
        assert exc.value.field == "guardian_email"

    def test_under_13_stores_nothing_but_the_guardian_contact(self, open_initiative):
        child = register(
            open_initiative,
            age_band="under_13",
            guardian_name="Rosa",
            guardian_email="rosa@example.net",
            demographics={"race_ethnicity": ["asian"]},
        ).participant
        child.refresh_from_db()
        assert (child.name, child.email, child.phone, child.neighborhood) == ("", "", "", "")
        assert child.availability == []
        assert child.accessibility_needs == []
        assert child.guardian_email == "rosa@example.net"
        assert not Demographics.objects.filter(participant=child).exists()
        assert not child.consents.exists()
        guardian_consent(
            participant=child,
            consents={"participation"},
            child_data={
                "name": "Leo",
                "neighborhood": "Eastside",
                "role_category": "young_person",
                "preferred_language": "es",
                "availability": ["Saturday morning"],
            },
        )
        child.refresh_from_db()
        assert (child.name, child.status) == ("Leo", Status.CONFIRMED)
        assert child in selectors.eligible_for_placement(initiative=open_initiative)


class TestSignedLinks:
    def test_tampered_token_is_refused(self, open_initiative):
        participant = register(open_initiative).participant
        token = services.make_token(participant, services.MANAGE_SALT)
        with pytest.raises(signing.BadSignature):
            services.resolve_token(token[:-2] + "xx", services.MANAGE_SALT, 30)
        with pytest.raises(signing.BadSignature):
            services.resolve_token(token, services.GUARDIAN_SALT, 30)  # wrong kind of link

    def test_expired_token_is_refused(self, open_initiative):
        participant = register(open_initiative).participant
        with freeze_time() as frozen:
            token = services.make_token(participant, services.MANAGE_SALT)
            frozen.tick(timedelta(days=31))
            with pytest.raises(signing.SignatureExpired):
                services.resolve_token(token, services.MANAGE_SALT, 30)


def manage_url(participant, name="participants:manage"):
    return reverse(name, kwargs={"token": services.make_token(participant, services.MANAGE_SALT)})


def link_in(message, path_prefix):
    return re.search(rf"https?://[^/]+({path_prefix}[^\s\"<]+/)", message.body).group(1)


class TestPublicPages:
    def test_landing_page_offers_registration_when_open(self, client, open_initiative):
        page = client.get(open_initiative.get_public_url()).content.decode()
        assert reverse("participants:register", args=[open_initiative.slug]) in page

    def test_register_confirm_update_withdraw_delete(
        self, client, open_initiative, django_capture_on_commit_callbacks
    ):
        url = reverse("participants:register", args=[open_initiative.slug])
        assert client.get(url).status_code == 200
        form = registration_answers(phone="201-555-0100")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, form)
        assert response.status_code == 302
        assert "Thank you for registering" in client.get(response.url).content.decode()
        participant = Participant.objects.get()
        assert participant.demographics.race_ethnicity == ["hispanic"]

        confirm = link_in(mail.outbox[0], "/registration/")
        confirm = re.search(r"(/registration/[^\s]+/confirm/)", mail.outbox[0].body).group(1)
        assert client.get(confirm).status_code == 200
        response = client.post(confirm)
        participant.refresh_from_db()
        assert participant.status == Status.CONFIRMED

        manage = response.url
        page = client.get(manage).content.decode()
        assert "ana@example.net" in page
        response = client.post(
            manage, {**form, "neighborhood": "Northgate", "email": "ignored@example.net"}
        )
        assert response.status_code == 302
        participant.refresh_from_db()
        assert participant.neighborhood == "Northgate"
        assert participant.email == "ana@example.net"

        download = client.get(
            reverse("participants:manage_download", kwargs={"token": manage.split("/")[2]})
        )
        data = json.loads(download.content)
        assert data["profile"]["email"] == "ana@example.net"
        assert data["demographics"]["race_ethnicity"] == ["hispanic"]

        token = manage.split("/")[2]
        client.post(reverse("participants:manage_withdraw", kwargs={"token": token}))
        participant.refresh_from_db()
        assert participant.status == Status.WITHDRAWN

        response = client.post(reverse("participants:manage_delete", kwargs={"token": token}))
        assert response.status_code == 302
        assert not Participant.objects.exists()
        assert_email_nowhere("ana@example.net")
        assert client.get(manage).status_code == 404

    def test_field_errors_keep_what_was_typed(self, client, open_initiative):
        response = client.post(
            reverse("participants:register", args=[open_initiative.slug]),
            {
                "name": "Kept Name",
                "email": "not-an-email",
                "age_band": "13_17",
                "role_category": "resident",
                "preferred_language": "es",
            },
        )
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert {"email", "guardian_email", "consent_participation"} <= set(errors)
        assert 'value="Kept Name"' in response.content.decode()
        assert not Participant.objects.exists()

    def test_duplicate_registration_answers_as_a_new_one_and_emails_the_link(
        self, client, open_initiative, django_capture_on_commit_callbacks
    ):
        ParticipantFactory(initiative=open_initiative, email="ana@example.net")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("participants:register", args=[open_initiative.slug]),
                {
                    "name": "Ana",
                    "email": "ANA@example.net",
                    "age_band": "25_34",
                    "role_category": "resident",
                    "preferred_language": "en",
                    "neighborhood": "Eastside",
                    "consent_participation": "on",
                },
            )
        # Nothing on the page says the address was registered (issue 13): only its owner is told.
        assert response.status_code == 302
        assert response.url == reverse("participants:registered", args=[open_initiative.slug])
        assert [m.to for m in mail.outbox] == [["ana@example.net"]]
        assert "already registered" in mail.outbox[0].subject
        assert "/registration/" in mail.outbox[0].body
        assert Participant.objects.count() == 1

    def test_link_request_answers_the_same_either_way(
        self, client, open_initiative, django_capture_on_commit_callbacks
    ):
        ParticipantFactory(initiative=open_initiative, email="ana@example.net")
        url = reverse("participants:link_request", args=[open_initiative.slug])
        with django_capture_on_commit_callbacks(execute=True):
            known = client.post(url, {"email": "ana@example.net"}, follow=True)
            unknown = client.post(url, {"email": "nobody@example.net"}, follow=True)
        assert (
            known.content.decode().count("we have just emailed")
            == unknown.content.decode().count("we have just emailed")
            == 1
        )
        assert [m.to for m in mail.outbox] == [["ana@example.net"]]

    @pytest.mark.parametrize("token", ["garbage", "a" * 300, "x:y:z"])
    def test_tampered_links_give_a_clear_page(self, client, token):
        response = client.get(reverse("participants:manage", kwargs={"token": token}))
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()

    def test_expired_link_offers_a_new_one(self, client, open_initiative):
        participant = ParticipantFactory(initiative=open_initiative)
        with freeze_time() as frozen:
            url = manage_url(participant)
            frozen.tick(timedelta(days=40))
            response = client.get(url)
        assert response.status_code == 410
        assert (
            reverse("participants:link_request", args=[open_initiative.slug])
            in response.content.decode()
        )

    def test_guardian_consents_through_the_emailed_link(
        self, client, open_initiative, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            teen = register(
                open_initiative,
                email="teen@example.net",
                age_band="13_17",
                guardian_email="rosa@example.net",
            ).participant
        guardian_mail = next(m for m in mail.outbox if m.to == ["rosa@example.net"])
        url = re.search(r"(/guardian/[^\s]+/)", guardian_mail.body).group(1)
        assert "Parent or guardian consent" in client.get(url).content.decode()
        response = client.post(url, {})
        assert "consent_participation" in response.context["consent_form"].errors
        client.post(url, {"consent_participation": "on"})
        teen.refresh_from_db()
        assert teen.guardian_consented_at is not None

    def test_registration_page_is_404_for_unpublished_initiative(self, client):
        initiative = InitiativeFactory(is_published=False)
        assert (
            client.get(reverse("participants:register", args=[initiative.slug])).status_code == 404
        )


def assert_email_nowhere(email):
    """Scan every text-like column of every table for the address, and every session's
    decoded data (sessions are stored encoded, so a SQL LIKE alone would miss it)."""
    from django.contrib.sessions.models import Session

    for session in Session.objects.all():
        assert email not in json.dumps(session.get_decoded(), default=str), (
            "email left in a session"
        )
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            for field in model._meta.concrete_fields:
                if field.get_internal_type() in (
                    "CharField",
                    "TextField",
                    "EmailField",
                    "JSONField",
                    "SlugField",
                ):
                    column = connection.ops.quote_name(field.column)
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)} WHERE CAST({column} AS TEXT) LIKE %s",  # noqa: S608
                        [f"%{email}%"],
                    )
                    assert cursor.fetchone()[0] == 0, f"{email} still in {table}.{field.column}"


class TestReviewFixes:
    def test_manage_link_cannot_take_a_full_role(self, open_initiative):
        RoleCap.objects.create(initiative=open_initiative, role_category="sworn_officer", seats=1)
        register(open_initiative, email="o1@example.net", role_category="sworn_officer")
        resident = register(open_initiative, email="r@example.net").participant
        with pytest.raises(DomainError, match="seats for that role") as exc:
            participant_update(
                participant=resident,
                data=person(email="r@example.net", role_category="sworn_officer"),
                demographics=None,
            )
        assert exc.value.field == "role_category"
        resident.refresh_from_db()
        assert resident.role_category == "resident"

    def test_a_minor_cannot_skip_the_guardian_by_changing_age(self, open_initiative):
        teen = register(
            open_initiative,
            email="teen@example.net",
            age_band="13_17",
            guardian_email="rosa@example.net",
        ).participant
        with pytest.raises(DomainError, match="organizers"):
            participant_update(
                participant=teen,
                data=person(
                    email="teen@example.net", age_band="18_24", guardian_email="rosa@example.net"
                ),
                demographics=None,
            )
        teen.refresh_from_db()
        assert teen.needs_guardian_consent

    def test_becoming_a_minor_asks_the_guardian(
        self, open_initiative, django_capture_on_commit_callbacks
    ):
        adult = register(open_initiative, email="a@example.net").participant
        with pytest.raises(DomainError, match="guardian"):
            participant_update(
                participant=adult,
                data=person(email="a@example.net", age_band="13_17"),
                demographics=None,
            )
        with django_capture_on_commit_callbacks(execute=True):
            participant_update(
                participant=adult,
                data=person(
                    email="a@example.net", age_band="13_17", guardian_email="mom@example.net"
                ),
                demographics=None,
            )
        assert [m.to for m in mail.outbox] == [["mom@example.net"]]
        assert adult.needs_guardian_consent

    def test_guardian_email_must_not_be_the_persons_own(self, open_initiative):
        with pytest.raises(DomainError, match="not yours") as exc:
            register(
                open_initiative,
                email="teen@example.net",
                age_band="13_17",
                guardian_email="TEEN@example.net",
            )
        assert exc.value.field == "guardian_email"

    def test_overlong_email_is_a_field_error_not_a_500(self, client, open_initiative):
        long_email = "a" * 250 + "@example.net"
        response = client.post(
            reverse("participants:register", args=[open_initiative.slug]),
            {
                "name": "A",
                "email": long_email,
                "age_band": "25_34",
                "role_category": "resident",
                "preferred_language": "en",
                "consent_participation": "on",
                "guardian_email": long_email,
            },
        )
        assert response.status_code == 200
        assert "email" in response.context["form"].errors
        with pytest.raises(DomainError):
            register(open_initiative, email="b" * 250 + "@example.net")

    def test_withdrawing_removes_what_participation_covered(self, open_initiative):
        participant = register(
            open_initiative, demographics={"race_ethnicity": ["asian"]}
        ).participant
        participant_withdraw(participant=participant)
        participant.refresh_from_db()
        assert (participant.phone, participant.availability, participant.accessibility_needs) == (
            "",
            [],
            [],
        )
        assert not Demographics.objects.filter(participant=participant).exists()
        assert participant.email == "ana.torres@example.net"  # kept to honor the withdrawal

    def test_waitlisted_child_with_guardian_consent_is_confirmed_when_promoted(
        self, open_initiative
    ):
        open_initiative.registration_settings.max_participants = 1
        open_initiative.registration_settings.save()
        first = register(open_initiative, email="first@example.net").participant
        child = register(open_initiative, age_band="under_13", guardian_email="rosa@example.net")
        assert child.waitlisted
        guardian_consent(
            participant=child.participant,
            consents={"participation"},
            child_data={"name": "Leo", "role_category": "young_person", "preferred_language": "es"},
        )
        participant_withdraw(participant=first)
        child.participant.refresh_from_db()
        assert child.participant.status == Status.CONFIRMED
        assert child.participant in selectors.eligible_for_placement(initiative=open_initiative)

    def test_unconfirmed_and_unanswered_sign_ups_expire_and_free_their_seats(self, open_initiative):
        open_initiative.registration_settings.max_participants = 2
        open_initiative.registration_settings.save()
        with freeze_time() as frozen:
            stale = register(open_initiative, email="stale@example.net").participant
            child = register(
                open_initiative, age_band="under_13", guardian_email="g@example.net"
            ).participant
            waiting = register(open_initiative, email="waiting@example.net").participant
            frozen.tick(timedelta(days=10))
            fresh = register(open_initiative, email="fresh@example.net").participant
            participant_confirm_email(participant=waiting)
            frozen.tick(timedelta(days=13))
            assert services.registrations_expire_unconfirmed() == 2
        assert not Participant.objects.filter(pk__in=[stale.pk, child.pk]).exists()
        waiting.refresh_from_db()
        assert waiting.seat_number is not None
        assert Participant.objects.filter(pk=fresh.pk).exists()  # its link has not expired yet
        assert ActivityLogEntry.objects.filter(action="participant.expired").count() == 2

    def test_link_request_resends_confirmation_and_guardian_links(
        self, client, open_initiative, django_capture_on_commit_callbacks
    ):
        register(
            open_initiative,
            email="teen@example.net",
            age_band="13_17",
            guardian_email="rosa@example.net",
        )
        url = reverse("participants:link_request", args=[open_initiative.slug])
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, {"email": "teen@example.net"})
            client.post(url, {"email": "rosa@example.net"})
        teen_mail, guardian_mail = mail.outbox
        assert "/confirm/" in teen_mail.body
        assert guardian_mail.to == ["rosa@example.net"]
        assert "/guardian/" in guardian_mail.body

    def test_repeated_requests_do_not_mail_bomb_a_person(
        self, client, open_initiative, django_capture_on_commit_callbacks
    ):
        from django.core.cache import cache

        cache.clear()
        ParticipantFactory(
            initiative=open_initiative,
            email="ana@example.net",
            email_confirmed_at="2026-01-01T00:00Z",
        )
        url = reverse("participants:link_request", args=[open_initiative.slug])
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(6):
                client.post(url, {"email": "ana@example.net"})
        assert len(mail.outbox) == 3
        for _ in range(10):
            client.post(url, {"email": "other@example.net"})
        assert client.post(url, {"email": "x@example.net"}).status_code == 429
        cache.clear()


def test_saving_the_manage_page_keeps_answers_to_questions_no_longer_on_the_form(
    client, django_capture_on_commit_callbacks
):
    """The organizers emptied the neighborhoods, time slots and lived-experience lists after Ana
    registered: her page no longer asks those questions, and saving it keeps her answers."""
    initiative = InitiativeFactory()
    settings_row = RegistrationSettingsFactory(initiative=initiative)
    with django_capture_on_commit_callbacks(execute=True):
        ana = services.participant_register(
            initiative=initiative,
            data={
                "name": "Ana Torres",
                "email": "ana@example.net",
                "preferred_language": "en",
                "age_band": "25_34",
                "role_category": "resident",
                "neighborhood": "Eastside",
                "availability": ["Tuesday evening"],
            },
            demographics={"lived_experience": ["Immigrant"], "gender": "woman"},
            consents={"participation"},
        ).participant
    settings_row.neighborhoods, settings_row.time_slots = [], []
    settings_row.lived_experience_groups = []
    settings_row.save()
    url = manage_url(ana)
    page = client.get(url).content.decode()
    assert 'name="neighborhood"' not in page
    assert 'name="lived_experience"' not in page

    answers = registration_answers("ana@example.net", name="Ana T.")
    for hidden in ("neighborhood", "availability", "consent_participation", "consent_contact"):
        answers.pop(hidden)
    response = client.post(url, {**answers, "gender": "woman"})

    assert response.status_code == 302
    ana.refresh_from_db()
    assert (ana.name, ana.neighborhood, ana.availability) == (
        "Ana T.",
        "Eastside",
        ["Tuesday evening"],
    )
    demographics = Demographics.objects.get(participant=ana)
    assert demographics.lived_experience == ["Immigrant"]
    assert demographics.race_ethnicity == ["hispanic"]
