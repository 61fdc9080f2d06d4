"""The rules registration applies, one by one (participants/services/registration.py): what each
refused answer says and on which field, how numbers and ways of contact are read, what the
optional demographic questions keep, how seats and role caps are counted (per initiative, only
seated people), the waiting list, duplicates, the signed links and the emails registration
queues."""

from datetime import timedelta

import pytest
from django.core import signing
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from dialogue_hub.exceptions import DomainError
from dialogue_hub.models import OutboxMessage
from participants.models import (
    Demographics,
    Participant,
    Question,
    QuestionAnswer,
    RegistrationSettings,
    RoleCap,
    Status,
)
from participants.services import registration as services
from participants.services.public import participant_withdraw

from ..factories import (
    InitiativeFactory,
    OutreachActivityFactory,
    ParticipantFactory,
    ReferralLinkFactory,
    RegistrationSettingsFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def initiative(db):
    initiative = InitiativeFactory(is_published=True, languages=["en", "es"])
    RegistrationSettingsFactory(initiative=initiative)
    return initiative


def adult(**overrides):
    return {
        "name": "Ana Torres",
        "email": "ana@example.net",
        "preferred_language": "en",
        "neighborhood": "Eastside",
        "role_category": "resident",
        "age_band": "25_34",
        "availability": ["Tuesday evening"],
        **overrides,
    }


def register(initiative, *, consents=("participation",), demographics=None, **overrides):
    return services.participant_register(
        initiative=initiative,
        data=adult(**overrides),
        consents=consents,
        demographics=demographics,
    )


def set_cap(initiative, total):
    RegistrationSettings.objects.filter(initiative=initiative).update(max_participants=total)


# --- what a refused answer says, and where ---------------------------------------------------

TEXTS = ("participation", "texts")

REFUSALS = {
    "unknown role": (
        {"role_category": "mayor"},
        (),
        "role_category",
        "Choose a role from the list.",
    ),
    "unknown age range": (
        {"age_band": "forties"},
        (),
        "age_band",
        "Choose an age range from the list.",
    ),
    "unknown language": (
        {"preferred_language": "fr"},
        (),
        "preferred_language",
        "Choose a language from the list.",
    ),
    "unknown neighborhood": (
        {"neighborhood": "Atlantis"},
        (),
        "neighborhood",
        "Choose a neighborhood from the list.",
    ),
    "unknown channel": (
        {"how_heard": "pigeon"},
        (),
        "how_heard",
        "Choose an answer from the list.",
    ),
    "unknown way of contact": (
        {"contact_by": "fax"},
        (),
        "contact_by",
        "Choose an answer from the list.",
    ),
    "texts without a number": (
        {"contact_by": "text", "phone": ""},
        TEXTS,
        "phone",
        "Give your mobile number to get text messages.",
    ),
    "not a number": (
        {"phone": "12"},
        (),
        "phone",
        "Enter a valid mobile number, with its area code (for example 201 555 0123).",
    ),
    "texts without their consent": (
        {"contact_by": "text", "phone": "201-555-0142"},
        (),
        "consent_texts",
        "Tick this box to get text messages, or choose email.",
    ),
    "the minor's own address as the guardian's": (
        {"age_band": "13_17", "guardian_email": "ANA@example.net"},
        (),
        "guardian_email",
        "Give your parent or guardian's own email address, not yours.",
    ),
    "a minor without a guardian": (
        {"age_band": "13_17"},
        (),
        "guardian_email",
        "People under 18 need a parent or guardian's email: we ask them for consent.",
    ),
    "no email": ({"email": "  "}, (), "email", "Enter your email address."),
    "letters for a number": (
        {"phone": "XXXX"},
        (),
        "phone",
        "Enter a valid mobile number, with its area code (for example 201 555 0123).",
    ),
    "no name": ({"name": "   "}, (), "name", "Enter your name."),
    "unknown time slot": (
        {"availability": ["Midnight"]},
        (),
        None,
        "Unknown choice for availability.",
    ),
    "unknown need": (
        {"accessibility_needs": ["jetpack"]},
        (),
        None,
        "Unknown choice for accessibility needs.",
    ),
    "a name too long": (
        {"name": "A" * 151},
        (),
        "name",
        "Ensure this value has at most 150 characters (it has 151).",
    ),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_each_refused_answer_says_why_on_its_field(initiative, case):
    overrides, extra_consents, field, message = REFUSALS[case]
    with pytest.raises(DomainError) as refused:
        register(initiative, consents=("participation", *extra_consents), **overrides)
    assert (refused.value.field, str(refused.value)) == (field, message)
    assert not Participant.objects.exists()


DEMOGRAPHIC_REFUSALS = {
    "unknown race": ({"race_ethnicity": ["martian"]}, None, "Unknown choice for race."),
    "unknown gender": ({"gender": "robot"}, "gender", "Choose an answer from the list."),
    "unknown group": (
        {"lived_experience": ["Pirates"]},
        None,
        "Unknown choice for lived experience.",
    ),
}


@pytest.mark.parametrize("case", DEMOGRAPHIC_REFUSALS, ids=list(DEMOGRAPHIC_REFUSALS))
def test_each_refused_demographic_answer_says_why(initiative, case):
    answers, field, message = DEMOGRAPHIC_REFUSALS[case]
    with pytest.raises(DomainError) as refused:
        register(initiative, demographics=answers)
    assert (refused.value.field, str(refused.value)) == (field, message)
    assert not Participant.objects.exists()


def test_a_registration_with_only_a_name_and_an_email_is_taken(initiative):
    """Staff entry and paper sheets may leave out every other answer: the defaults stand."""
    person = services.participant_register(
        initiative=initiative,
        data={"name": "Ana Torres", "email": "Ana@Example.net"},
        consents={"participation"},
        source="import",
    ).participant
    person.refresh_from_db()
    assert (person.email, person.role_category, person.age_band, person.status) == (
        "ana@example.net",
        "resident",
        "prefer_not",
        Status.CONFIRMED,
    )


def test_a_registration_without_an_email_field_asks_for_one(initiative):
    with pytest.raises(DomainError) as refused:
        services.participant_register(
            initiative=initiative, data={"name": "Ana Torres"}, consents={"participation"}
        )
    assert (refused.value.field, str(refused.value)) == ("email", "Enter your email address.")


def test_an_under_13_registration_checks_only_the_guardians_part(initiative):
    """What else a browser sent for a child under 13 is dropped unread, not refused."""
    child = register(
        initiative,
        email="",
        name="",
        age_band="under_13",
        guardian_name="Rosa",
        guardian_email="rosa@example.net",
        role_category="mayor",
        neighborhood="Atlantis",
        phone="12",
        contact_by="fax",
        availability=["Midnight"],
        accessibility_needs=["jetpack"],
    ).participant
    child.refresh_from_db()
    assert (child.age_band, child.guardian_email, child.guardian_name) == (
        "under_13",
        "rosa@example.net",
        "Rosa",
    )
    assert (child.role_category, child.neighborhood, child.phone, child.contact_by) == (
        "resident",
        "",
        "",
        "email",
    )
    assert (child.availability, child.accessibility_needs) == ([], [])


# --- what the thank-you page is told ------------------------------------------------------


@pytest.mark.parametrize(
    ("contact_by", "by_text"), [("text", True), ("both", False), ("email", False)]
)
def test_the_outcome_says_whether_only_texts_follow(initiative, contact_by, by_text):
    consents = TEXTS if contact_by != "email" else ("participation",)
    result = register(initiative, phone="201-555-0142", contact_by=contact_by, consents=consents)
    assert result.outcome == services.RegistrationOutcome(
        waitlisted=False, minor=False, under_13=False, language="en", by_text=by_text
    )


def test_the_outcome_of_a_waiting_child(initiative):
    set_cap(initiative, 0)
    result = register(
        initiative,
        email="",
        name="",
        age_band="under_13",
        preferred_language="es",
        guardian_email="rosa@example.net",
    )
    assert result.outcome == services.RegistrationOutcome(
        waitlisted=True, minor=True, under_13=True, language="es", by_text=False
    )


# --- numbers and ways of contact -----------------------------------------------------------


def test_a_number_is_stored_in_e164_read_with_the_initiatives_country(initiative):
    initiative.country = "GB"
    initiative.save()
    person = register(
        initiative, phone="07911 123456", contact_by="text", consents=TEXTS
    ).participant
    person.refresh_from_db()
    assert (person.phone, person.contact_by) == ("+447911123456", "text")


def test_no_number_is_fine_for_email(initiative):
    person = register(initiative, phone="", contact_by="").participant
    person.refresh_from_db()
    assert (person.phone, person.contact_by) == ("", "email")


@pytest.mark.parametrize("junk", ["12", "XXXX", "call me maybe"])
def test_what_is_not_a_number_is_refused(junk):
    with pytest.raises(DomainError) as refused:
        services.phone_clean(junk, region="US")
    assert refused.value.field == "phone"


def test_a_number_given_back_as_stored_is_kept_and_a_new_one_is_read(initiative):
    settings_row = services.lock_settings(initiative)
    kept = services.validate_profile(
        adult(phone="evenings only, 201 555 0100"),
        settings_row,
        stored_phone="evenings only, 201 555 0100",
    )
    assert kept["phone"] == "evenings only, 201 555 0100"
    changed = services.validate_profile(
        adult(phone="201 555 0199"), settings_row, stored_phone="+12015550100"
    )
    assert changed["phone"] == "+12015550199"


def test_choosing_texts_reads_a_number_kept_from_before(initiative):
    """A number typed as free text before texts existed is kept while email is the way of
    contact, and read as a mobile number once texts are chosen."""
    settings_row = services.lock_settings(initiative)
    cleaned = services.validate_profile(
        adult(phone="201 555 0100", contact_by="text"),
        settings_row,
        stored_phone="201 555 0100",
    )
    assert (cleaned["phone"], cleaned["contact_by"]) == ("+12015550100", "text")
    with pytest.raises(DomainError) as refused:
        services.validate_profile(
            adult(phone="evenings only", contact_by="both"),
            settings_row,
            stored_phone="evenings only",
        )
    assert refused.value.field == "phone"


def test_a_number_kept_from_before_is_read_with_the_initiatives_country(initiative):
    initiative.country = "GB"
    initiative.save()
    settings_row = services.lock_settings(initiative)
    cleaned = services.validate_profile(
        adult(phone="07911 123456", contact_by="text"), settings_row, stored_phone="07911 123456"
    )
    assert cleaned["phone"] == "+447911123456"


def test_a_stored_number_starting_with_a_plus_is_put_in_e164_when_texts_are_chosen(initiative):
    """Texts go to E.164 numbers only (the provider, the opt-out list): a number kept as it was
    typed, spaces and brackets included, is read again even when it starts with "+"."""
    settings_row = services.lock_settings(initiative)
    cleaned = services.validate_profile(
        adult(phone="+1 (201) 555-0100", contact_by="both"),
        settings_row,
        stored_phone="+1 (201) 555-0100",
    )
    assert cleaned["phone"] == "+12015550100"


# --- the optional demographic questions ---------------------------------------------------


@pytest.mark.parametrize(
    "answers",
    [
        {"race_ethnicity_detail": "Mexican"},
        {"gender": "woman"},
        {"lived_experience": ["Immigrant"]},
        {"lived_experience_prefer_not": True},
    ],
    ids=["detail only", "gender only", "group only", "prefer not to say only"],
)
def test_any_one_answer_is_kept(initiative, answers):
    person = register(initiative, demographics=answers).participant
    stored = Demographics.objects.get(participant=person)
    for key, value in answers.items():
        assert getattr(stored, key) == value


def test_nothing_answered_keeps_no_demographics_row(initiative):
    person = register(
        initiative,
        demographics={"race_ethnicity": [], "gender": "", "lived_experience": []},
    ).participant
    assert not Demographics.objects.filter(participant=person).exists()


def test_a_self_description_is_kept_only_with_its_answer(initiative):
    own = register(
        initiative,
        demographics={"gender": "self_describe", "gender_self_description": "two-spirit"},
    ).participant
    other = register(
        initiative,
        email="b@example.net",
        demographics={"gender": "man", "gender_self_description": "two-spirit"},
    ).participant
    assert own.demographics.gender_self_description == "two-spirit"
    assert other.demographics.gender_self_description == ""


def test_prefer_not_to_say_drops_the_other_answers_of_its_question(initiative):
    person = register(
        initiative,
        demographics={
            "race_ethnicity": ["asian", "prefer_not", "asian"],
            "race_ethnicity_detail": "Korean",
            "lived_experience": ["Immigrant"],
            "lived_experience_prefer_not": True,
        },
    ).participant
    stored = Demographics.objects.get(participant=person)
    assert (stored.race_ethnicity, stored.race_ethnicity_detail) == (["prefer_not"], "")
    assert (stored.lived_experience, stored.lived_experience_prefer_not) == ([], True)


def test_a_choice_ticked_twice_is_kept_once(initiative):
    person = register(
        initiative,
        availability=["Tuesday evening", "Tuesday evening"],
        demographics={"race_ethnicity": ["asian", "asian"]},
    ).participant
    person.refresh_from_db()
    assert person.availability == ["Tuesday evening"]
    assert person.demographics.race_ethnicity == ["asian"]


# --- seats, caps and the waiting list ------------------------------------------------------


def test_without_a_cap_seats_are_numbered_in_order(initiative):
    seats = [register(initiative, email=f"p{n}@example.net").participant for n in range(3)]
    assert [p.seat_number for p in seats] == [1, 2, 3]


def test_seats_and_caps_of_another_initiative_do_not_count(initiative):
    other = InitiativeFactory()
    RegistrationSettingsFactory(initiative=other)
    RoleCap.objects.create(initiative=other, role_category="sworn_officer", seats=1)
    for n in range(3):
        register(other, email=f"o{n}@example.net")
    set_cap(initiative, 2)
    first = register(initiative, role_category="sworn_officer").participant
    second = register(initiative, email="b@example.net", role_category="sworn_officer")
    assert (first.seat_number, second.participant.seat_number) == (1, 2)
    assert not second.waitlisted


def test_a_role_cap_holds_only_that_role(initiative):
    RoleCap.objects.create(initiative=initiative, role_category="sworn_officer", seats=1)
    register(initiative, email="o1@example.net", role_category="sworn_officer")
    residents = [register(initiative, email=f"r{n}@example.net") for n in range(2)]
    assert [r.waitlisted for r in residents] == [False, False]


def test_people_waiting_hold_no_seat_of_their_role(initiative):
    """The officers' one seat, freed, goes to the officer waiting for it: people on the waiting
    list (and those who withdrew) are not counted against the role's cap."""
    RoleCap.objects.create(initiative=initiative, role_category="sworn_officer", seats=1)
    first = register(initiative, email="o1@example.net", role_category="sworn_officer")
    waiting = register(initiative, email="o2@example.net", role_category="sworn_officer")
    assert waiting.waitlisted
    participant_withdraw(participant=first.participant)
    waiting.participant.refresh_from_db()
    assert (waiting.participant.status, waiting.participant.seat_number) == (
        Status.REGISTERED,
        1,
    )


def test_a_freed_seat_passes_over_a_full_role_to_the_next_person_waiting(initiative):
    """With a total cap: the first person waiting is an officer (their role is full), the next
    a resident; the seat a resident frees goes to the resident. Other initiatives' seated people
    and this one's waiting list do not make the initiative look full."""
    other = InitiativeFactory()
    RegistrationSettingsFactory(initiative=other)
    for n in range(3):
        register(other, email=f"x{n}@example.net")
    set_cap(initiative, 2)
    RoleCap.objects.create(initiative=initiative, role_category="sworn_officer", seats=1)
    register(initiative, email="o1@example.net", role_category="sworn_officer")
    leaving = register(initiative, email="r1@example.net").participant
    officer = register(initiative, email="o2@example.net", role_category="sworn_officer")
    resident = register(initiative, email="r2@example.net")
    assert officer.waitlisted
    assert resident.waitlisted
    participant_withdraw(participant=leaving)
    officer.participant.refresh_from_db()
    resident.participant.refresh_from_db()
    assert officer.participant.status == Status.WAITLISTED
    assert (resident.participant.status, resident.participant.seat_number) == (
        Status.REGISTERED,
        2,
    )


def test_a_lowered_cap_is_not_exceeded_when_a_seat_is_freed(initiative):
    """Lowering the cap below the seats taken removes nobody; a seat freed then is not handed
    out again while the seated people still reach the cap."""
    people = [register(initiative, email=f"p{n}@example.net").participant for n in range(3)]
    set_cap(initiative, 2)
    participant_withdraw(participant=people[0])
    late = register(initiative, email="late@example.net")
    assert late.waitlisted
    assert Participant.objects.filter(initiative=initiative, seat_number__isnull=False).count() == 2
    participant_withdraw(participant=people[1])
    late.participant.refresh_from_db()
    assert late.participant.status == Status.REGISTERED


# --- duplicates and failures ---------------------------------------------------------------


def test_the_duplicate_found_is_the_registration_in_this_initiative(initiative):
    other = InitiativeFactory()
    RegistrationSettingsFactory(initiative=other)
    register(other)
    register(initiative, email="someone.else@example.net")
    mine = register(initiative).participant
    with pytest.raises(services.DuplicateRegistration) as duplicate:
        register(initiative)
    assert duplicate.value.participant == mine
    assert duplicate.value.field == "email"
    assert str(duplicate.value) == (
        "This email address is already registered. We have sent its private link to that address."
    )


def test_a_repeated_registration_is_told_what_its_own_answers_would_get(initiative):
    """The public page answers a repeated registration from the answers given, not from the
    stored registration (which would tell the visitor something about it)."""
    ParticipantFactory(initiative=initiative, email="ana@example.net", preferred_language="es")
    outcome = services.participant_register_online(
        initiative=initiative,
        data=adult(preferred_language="en", age_band="13_17", guardian_email="g@example.net"),
        consents={"participation"},
    )
    assert (outcome.language, outcome.minor, outcome.waitlisted) == ("en", True, False)
    assert OutboxMessage.objects.filter(kind="participant.already_registered").count() == 1


def test_a_row_the_database_refuses_for_another_reason_asks_to_try_again(initiative, monkeypatch):
    ParticipantFactory(initiative=initiative, email="", guardian_email="g@example.net")

    def refuse(self, *args, **kwargs):
        raise IntegrityError("seat taken meanwhile")

    monkeypatch.setattr(Participant, "save", refuse)
    with pytest.raises(DomainError) as refused:
        register(
            initiative, email="", name="", age_band="under_13", guardian_email="rosa@example.net"
        )
    assert not isinstance(refused.value, services.DuplicateRegistration)
    assert str(refused.value) == "The registration could not be saved; please try again."


# --- what registration is given ------------------------------------------------------------


def test_a_referral_and_a_sign_up_table_are_credited(initiative):
    link = ReferralLinkFactory(partner__initiative=initiative, channel="partner")
    table = OutreachActivityFactory(initiative=initiative, channel="event")
    referred = services.participant_register(
        initiative=initiative, data=adult(), consents={"participation"}, referral=link
    ).participant
    signed_up = services.participant_register(
        initiative=initiative,
        data=adult(email="b@example.net"),
        consents={"participation"},
        outreach_activity=table,
        source="staff",
    ).participant
    assert (referred.referral_link, referred.partner, referred.how_heard) == (
        link,
        link.partner,
        "partner",
    )
    assert (signed_up.outreach_activity, signed_up.how_heard) == (table, "event")


def test_answers_are_kept_only_for_the_questions_the_form_asked(initiative):
    asked, not_asked = (
        Question.objects.create(initiative=initiative, kind="short_text", label=label)
        for label in ("Which school?", "Which street?")
    )
    person = services.participant_register(
        initiative=initiative,
        data=adult(),
        consents={"participation"},
        answers={asked.field_name: "North High", not_asked.field_name: "Main St"},
        questions=[asked],
    ).participant
    assert list(
        QuestionAnswer.objects.filter(participant=person).values_list("question_id", "value")
    ) == [(asked.pk, "North High")]


def test_staff_entry_is_logged_with_who_entered_it(initiative, django_user_model):
    from initiatives.models import ActivityLogEntry

    staff = django_user_model.objects.create_user(email="staff@example.net", password="x")
    services.participant_register(
        initiative=initiative,
        data=adult(),
        consents={"participation"},
        source="staff",
        registered_by=staff,
    )
    entry = ActivityLogEntry.objects.get(action="participant.registered")
    assert entry.actor == staff


def test_the_first_registration_creates_the_settings_row():
    initiative = InitiativeFactory(is_published=True)
    person = services.participant_register(
        initiative=initiative,
        data=adult(availability=[]),
        consents={"participation"},
        source="staff",
    ).participant
    assert (person.status, person.seat_number) == (Status.CONFIRMED, 1)
    assert RegistrationSettings.objects.filter(initiative=initiative).count() == 1


def test_the_public_settings_are_those_of_the_published_initiative_named(initiative):
    hidden = InitiativeFactory(is_published=False)
    RegistrationSettingsFactory(initiative=hidden)
    assert services.public_registration_settings(slug=initiative.slug).initiative == initiative
    from django.http import Http404

    with pytest.raises(Http404):
        services.public_registration_settings(slug=hidden.slug)


def test_the_public_settings_come_with_their_initiative_in_one_query(
    initiative, django_assert_num_queries
):
    with django_assert_num_queries(1):
        row = services.public_registration_settings(slug=initiative.slug)
        assert (row.initiative.slug, row.accepting) == (initiative.slug, True)


def test_an_initiative_without_settings_yet_gets_them_on_its_public_page():
    fresh = InitiativeFactory(is_published=True)
    row = services.public_registration_settings(slug=fresh.slug)
    assert row.pk is not None
    assert row.initiative == fresh
    assert row.accepting is False


# --- signed links ---------------------------------------------------------------------------


def test_a_link_is_valid_for_exactly_its_days(initiative):
    person = register(initiative).participant
    with freeze_time() as frozen:
        token = services.make_token(person, services.MANAGE_SALT)
        frozen.tick(timedelta(days=30) - timedelta(minutes=1))
        assert services.resolve_token(token, services.MANAGE_SALT, 30) == person
        frozen.tick(timedelta(minutes=2))
        with pytest.raises(signing.SignatureExpired):
            services.resolve_token(token, services.MANAGE_SALT, 30)


def test_a_resolved_link_comes_with_its_initiative_in_one_query(
    initiative, django_assert_num_queries
):
    person = register(initiative).participant
    token = services.make_token(person, services.CONFIRM_SALT)
    with django_assert_num_queries(1):
        assert services.resolve_token(token, services.CONFIRM_SALT, 7).initiative == initiative


# --- the emails registration queues --------------------------------------------------------


def test_a_promoted_child_is_told_through_the_guardian(initiative):
    set_cap(initiative, 1)
    first = register(initiative).participant
    child = register(
        initiative, email="", name="", age_band="under_13", guardian_email="rosa@example.net"
    ).participant
    participant_withdraw(participant=first)
    [message] = OutboxMessage.objects.filter(kind="participant.promoted")
    assert (message.to_email, message.language) == ("rosa@example.net", "en")
    assert message.params == {"participant": child.pk}
    assert message.initiative_id == initiative.pk
    # Written in the promoting transaction, handed to a worker only after it commits.
    assert message.enqueued_at is None


def test_a_promotion_is_texted_to_someone_who_chose_texts(initiative):
    set_cap(initiative, 1)
    first = register(initiative).participant
    texter = register(
        initiative,
        email="t@example.net",
        preferred_language="es",
        phone="201-555-0142",
        contact_by="text",
        consents=TEXTS,
    ).participant
    participant_withdraw(participant=first)
    rows = OutboxMessage.objects.filter(kind="participant.promoted")
    assert {(row.channel, row.to_phone, row.language) for row in rows} == {
        ("text", texter.phone, "es")
    }


def test_a_message_with_a_key_is_queued_once(initiative):
    person = register(initiative).participant
    for _ in range(2):
        services.email_after_commit(person, "confirm", key=f"confirm-again:{person.pk}")
    assert OutboxMessage.objects.filter(key=f"confirm-again:{person.pk}").count() == 1


def test_a_link_asked_for_by_email_is_not_texted(initiative):
    texter = register(
        initiative, phone="201-555-0142", contact_by="both", consents=TEXTS
    ).participant
    services.email_after_commit(texter, "welcome", key="asked-by-email", by_text=False)
    services.email_after_commit(texter, "welcome", key="as-chosen")
    welcome = OutboxMessage.objects.filter(kind="participant.welcome")
    assert set(
        welcome.filter(key__endswith="asked-by-email").values_list("channel", flat=True)
    ) == {"email"}
    assert set(welcome.filter(key__endswith="as-chosen").values_list("channel", flat=True)) == {
        "email",
        "text",
    }


def test_a_guardians_request_goes_to_the_guardian_not_the_teen(initiative):
    register(initiative, email="teen@example.net", age_band="13_17", guardian_email="g@example.net")
    assert list(OutboxMessage.objects.order_by("kind").values_list("kind", "to_email")) == [
        ("participant.confirm", "teen@example.net"),
        ("participant.guardian_request", "g@example.net"),
    ]


def test_a_registrations_emails_are_written_already_handed_over(initiative):
    """The page answers fast: no UPDATE after the commit to stamp them (outbox_add)."""
    register(initiative, email="teen@example.net", age_band="13_17", guardian_email="g@example.net")
    assert OutboxMessage.objects.count() == 2
    assert not OutboxMessage.objects.filter(enqueued_at__isnull=True).exists()


def test_the_model_check_of_a_registration_reads_nothing_from_the_database(
    initiative, django_assert_num_queries
):
    """The relations are set by the services from objects they hold; uniqueness and the
    constraints are the database's when the row is inserted: no query to check them first."""
    person = Participant(initiative=initiative, **adult(email="ana@example.net"), seat_number=1)
    with django_assert_num_queries(0):
        services.full_clean(person, exclude=services.TRUSTED_RELATIONS)
    person.email = "not an address"
    with pytest.raises(DomainError) as refused, django_assert_num_queries(0):
        services.full_clean(person, exclude=services.TRUSTED_RELATIONS)
    assert (refused.value.field, str(refused.value)) == ("email", "Enter a valid email address.")


def test_every_problem_with_a_field_is_told_at_once(initiative):
    person = Participant(initiative=initiative, **adult(email="x" * 260), seat_number=1)
    with pytest.raises(DomainError) as refused:
        services.full_clean(person, exclude=services.TRUSTED_RELATIONS)
    assert refused.value.field == "email"
    assert str(refused.value) == (
        "Enter a valid email address. Ensure this value has at most 254 characters (it has 260)."
    )


def test_the_settings_row_is_locked_in_one_query(initiative):
    # One query for the row (FOR UPDATE); on PostgreSQL the initiative's advisory lock first.
    with CaptureQueriesContext(connection) as captured:
        assert services.lock_settings(initiative).initiative == initiative
    sql = [query["sql"] for query in captured.captured_queries]
    if connection.vendor == "postgresql":
        assert len(sql) == 2
        assert "pg_advisory_xact_lock" in sql[0]
        assert "FOR UPDATE" in sql[1]
    else:
        assert len(sql) == 1
