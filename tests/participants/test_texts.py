"""Text messages, the participant's side: a mobile number in E.164, how to be reached (email,
text or both) and the texts consent (its own Consent row, with the policy version and time);
the messages registration sends by text as chosen (never the confirmation link, which proves
the email address: a "you are confirmed" text follows it); the private page, withdrawal and
deletion ending the texts; minors texted only once a guardian agreed; staff entry and the CSV
import reading numbers the same way. Privacy (shared phones, no provider): test_texts_privacy."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from dialogue_hub import outbox, texts
from dialogue_hub.models import OutboxMessage, OutboxStatus
from participants.models import (
    Consent,
    ConsentGiver,
    ConsentKind,
    ContactBy,
    Participant,
    Status,
)
from participants.selectors.registration import message_routing
from participants.services import imports
from participants.services import registration as services
from participants.services.public import (
    consent_set,
    participant_confirm_email,
    participant_erase,
    participant_withdraw,
)

from ..factories import InitiativeFactory, ParticipantFactory, RegistrationSettingsFactory
from ..helpers import registration_answers, text_link_target

pytestmark = pytest.mark.django_db

# Noon in the initiatives' time zone (America/Chicago): outside quiet hours.
DAYTIME = "2026-12-07 18:00:00"


@pytest.fixture
def open_initiative(initiative):
    initiative.is_published, initiative.languages, initiative.country = True, ["en", "es"], "US"
    initiative.save()
    RegistrationSettingsFactory(initiative=initiative, policy_version="2026-texts")
    return initiative


def register_url(initiative):
    return reverse("participants:register", args=[initiative.slug])


def manage_url(participant):
    token = services.make_token(participant, services.MANAGE_SALT)
    return reverse("participants:manage", kwargs={"token": token})


def texter(initiative, *, contact_by=ContactBy.TEXT, phone="201-555-0142", **overrides):
    """Someone registered through the service, who chose texts and agreed to them."""
    data = {
        "name": "Ana Torres",
        "email": "ana@example.net",
        "phone": phone,
        "contact_by": contact_by,
        "preferred_language": "es",
        "age_band": "25_34",
        "role_category": "resident",
        **overrides,
    }
    consents = {"participation", "texts"} if contact_by != ContactBy.EMAIL else {"participation"}
    return services.participant_register(
        initiative=initiative, data=data, consents=consents
    ).participant


def manage_answers(participant, **overrides):
    """The private page's form, posted back as it shows the stored answers."""
    data = {
        "name": participant.name,
        "phone": participant.phone,
        "contact_by": participant.contact_by,
        "preferred_language": participant.preferred_language,
        "age_band": participant.age_band,
        "role_category": participant.role_category,
        "neighborhood": participant.neighborhood,
        "guardian_name": participant.guardian_name,
        "guardian_email": participant.guardian_email,
    }
    if Consent.objects.filter(
        participant=participant, kind=ConsentKind.TEXTS, withdrawn_at__isnull=True
    ).exists():
        data["consent_texts"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def text_rows(**filters):
    return OutboxMessage.objects.filter(channel="text", **filters)


def email_rows(**filters):
    return OutboxMessage.objects.filter(channel="email", **filters)


def active_texts_consent(participant):
    return Consent.objects.filter(
        participant=participant, kind=ConsentKind.TEXTS, withdrawn_at__isnull=True
    ).first()


def send_everything():
    pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
    return outbox.send_batch(list(pending.values_list("pk", flat=True)))


# --- registering ---------------------------------------------------------------------------------


def confirm_link(message) -> str:
    """The confirmation link's path in an email."""
    return re.search(r"https?://[^/\s]+(/registration/\S+/confirm/)", message.body).group(1)


@freeze_time(DAYTIME)
def test_registering_in_spanish_with_a_number_and_text_me_confirms_by_email_then_gets_a_text(
    client, open_initiative
):
    response = client.post(
        register_url(open_initiative),
        registration_answers(
            preferred_language="es",
            phone="(201) 555-0142",
            contact_by="text",
            consent_texts="on",
        ),
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 302
    thanks = client.get(response.url).content.decode()
    # The link proves the address, so it comes by email; the texts come after.
    assert "Le enviamos por correo electrónico un enlace para confirmar su dirección" in thanks
    assert "le escribiremos por mensaje de texto" in thanks
    assert "Le enviamos un mensaje de texto" not in thanks
    person = Participant.objects.get()
    assert (person.phone, person.contact_by) == ("+12015550142", ContactBy.TEXT)
    consent = active_texts_consent(person)
    assert consent.given_by == ConsentGiver.SELF
    assert consent.policy_version == "2026-texts"  # the wording they agreed to
    assert consent.given_at is not None
    assert email_rows(kind="participant.confirm").get().to_email == "ana@example.net"
    assert not text_rows().exists()

    assert send_everything()["sent"] == 1
    assert texts.sent == []  # nothing to the phone before the address is confirmed
    [email] = mail.outbox
    assert email.to == ["ana@example.net"]
    confirm = confirm_link(email)
    page = client.get(confirm, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Confirme su dirección de correo electrónico" in page
    response = client.post(confirm, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == Status.CONFIRMED
    private = client.get(response.url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Gracias: su correo electrónico está confirmado." in private

    # Then, by text only: they are confirmed, and where their page is.
    confirmed = text_rows(kind="participant.confirmed").get()
    assert confirmed.key == f"text:participant.confirmed:{person.pk}"  # once per person
    assert (confirmed.to_phone, confirmed.to_email) == ("+12015550142", "ana@example.net")
    assert not email_rows(kind="participant.confirmed").exists()
    assert send_everything()["sent"] == 1
    [sent] = texts.sent
    assert sent["to"] == "+12015550142"
    body = sent["body"]
    assert body.startswith(f"{texts.sender_label()}: Gracias por confirmar")
    assert "recordatorios por mensaje de texto" in body
    assert "Responda ALTO" in body  # the first text says how to stop them
    assert len(mail.outbox) == 1  # no email besides the confirmation
    private_page = text_link_target(body)
    assert private_page == response.url  # the short link opens their private page
    assert "Ana Torres" in client.get(private_page).content.decode()
    # Following the link again confirms nothing new and sends no second text.
    client.post(confirm)
    assert text_rows(kind="participant.confirmed").count() == 1


def test_both_gets_the_confirmation_by_email_and_then_the_confirmed_text(client, open_initiative):
    client.post(
        register_url(open_initiative),
        registration_answers(phone="201 555 0143", contact_by="both", consent_texts="on"),
    )
    assert email_rows(kind="participant.confirm").get().to_email == "ana@example.net"
    assert not text_rows().exists()
    person = Participant.objects.get()
    response = client.post(confirm_link_of(person))
    assert response.status_code == 302
    confirmed = text_rows(kind="participant.confirmed").get()
    assert (confirmed.to_phone, confirmed.to_email) == ("+12015550143", "ana@example.net")
    assert not email_rows(kind="participant.confirmed").exists()  # by text only


def test_an_email_only_person_gets_no_confirmed_message(client, open_initiative):
    client.post(register_url(open_initiative), registration_answers(phone="201 555 0144"))
    client.post(confirm_link_of(Participant.objects.get()))
    assert Participant.objects.get().status == Status.CONFIRMED
    assert not OutboxMessage.objects.filter(kind="participant.confirmed").exists()


def confirm_link_of(participant) -> str:
    token = services.make_token(participant, services.CONFIRM_SALT)
    return reverse("participants:confirm", kwargs={"token": token})


def test_email_with_a_number_sends_no_text(client, open_initiative):
    client.post(register_url(open_initiative), registration_answers(phone="201 555 0144"))
    person = Participant.objects.get()
    assert (person.phone, person.contact_by) == ("+12015550144", ContactBy.EMAIL)
    assert email_rows(kind="participant.confirm").exists()
    assert not text_rows().exists()


def test_an_invalid_number_is_a_field_error_with_what_was_typed_kept(client, open_initiative):
    response = client.post(
        register_url(open_initiative),
        registration_answers(phone="555-12", contact_by="text", consent_texts="on"),
    )
    assert response.status_code == 200
    assert "valid mobile number" in response.context["form"].errors["phone"][0]
    assert 'value="555-12"' in response.content.decode()
    assert not Participant.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_texts_without_the_consent_are_refused_next_to_the_box(client, open_initiative):
    response = client.post(
        register_url(open_initiative),
        registration_answers(phone="201 555 0145", contact_by="text"),
    )
    assert response.status_code == 200
    assert "Tick this box" in response.context["form"].errors["consent_texts"][0]
    assert 'value="201 555 0145"' in response.content.decode()
    assert not Participant.objects.exists()


def test_texts_without_a_number_are_refused_next_to_the_number(client, open_initiative):
    response = client.post(
        register_url(open_initiative),
        registration_answers(contact_by="both", consent_texts="on"),
    )
    assert response.status_code == 200
    assert "mobile number" in response.context["form"].errors["phone"][0]
    assert not Participant.objects.exists()


def test_a_number_is_read_with_the_initiatives_country(db):
    initiative = InitiativeFactory(is_published=True, country="ES")
    RegistrationSettingsFactory(initiative=initiative)
    person = texter(initiative, phone="612 34 56 78")
    assert person.phone == "+34612345678"


def test_already_registered_never_goes_by_text(open_initiative):
    person = texter(open_initiative)
    OutboxMessage.objects.all().delete()
    services.participant_remind_registered(participant=person)
    # The email only: a text would tell whoever holds the phone that the address is registered.
    assert email_rows(kind="participant.already_registered").get().to_email == "ana@example.net"
    assert not text_rows().exists()
    assert message_routing(person, "participant.already_registered") == {}
    assert message_routing(person, "participant.promoted") == {
        "text_to": "+12015550142",
        "by_email": False,
    }


def test_staff_registered_people_get_the_welcome_by_text(open_initiative, organizer_client):
    response = organizer_client.post(
        reverse("participants:participant_add", args=[open_initiative.slug]),
        {
            "name": "Rosa Díaz",
            "email": "rosa@example.net",
            "phone": "201.555.0146",
            "contact_by": "both",
            "preferred_language": "en",
            "age_band": "25_34",
            "role_category": "resident",
            "neighborhood": "Eastside",
            "consent_participation": "on",
            "consent_texts": "on",
        },
    )
    assert response.status_code == 302
    person = Participant.objects.get()
    assert person.phone == "+12015550146"
    assert active_texts_consent(person).given_by == ConsentGiver.PAPER
    assert text_rows(kind="participant.welcome").get().to_phone == "+12015550146"
    assert email_rows(kind="participant.welcome").exists()


def test_staff_entry_refuses_a_bad_number_next_to_the_field(open_initiative, organizer_client):
    response = organizer_client.post(
        reverse("participants:participant_add", args=[open_initiative.slug]),
        {
            "name": "Rosa Díaz",
            "email": "rosa@example.net",
            "phone": "call me",
            "contact_by": "email",
            "preferred_language": "en",
            "age_band": "25_34",
            "role_category": "resident",
            "consent_participation": "on",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    assert 'value="call me"' in response.content.decode()
    assert not Participant.objects.exists()


def test_waiting_list_promotion_goes_by_text(open_initiative):
    open_initiative.registration_settings.max_participants = 1
    open_initiative.registration_settings.save()
    first = texter(open_initiative, contact_by=ContactBy.EMAIL, email="first@example.net")
    waiting = texter(open_initiative, email="second@example.net", phone="201 555 0147")
    assert waiting.status == Status.WAITLISTED
    participant_withdraw(participant=first)
    promoted = text_rows(kind="participant.promoted").get()
    assert promoted.to_phone == "+12015550147"
    assert not email_rows(kind="participant.promoted").exists()


# --- the private page ----------------------------------------------------------------------------


def test_removing_the_number_ends_the_texts(client, open_initiative):
    person = texter(open_initiative)
    participant_confirm_email(participant=person)
    assert text_rows(status=OutboxStatus.PENDING, to_phone="+12015550142").exists()
    response = client.post(manage_url(person), manage_answers(person, phone=""))
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.phone, person.contact_by) == ("", ContactBy.EMAIL)
    assert active_texts_consent(person) is None
    assert Consent.objects.get(participant=person, kind=ConsentKind.TEXTS).withdrawn_at
    # The waiting text is gone; it was instead of an email, so the email goes now.
    assert not text_rows().exists()
    assert email_rows(kind="participant.confirmed").get().to_email == "ana@example.net"
    # A later message adds no text.
    services.email_after_commit(person, "promoted")
    assert not text_rows().exists()
    assert email_rows(kind="participant.promoted").exists()


def test_unticking_the_texts_consent_keeps_the_number_and_ends_the_texts(client, open_initiative):
    person = texter(open_initiative, contact_by=ContactBy.BOTH)
    response = client.post(manage_url(person), manage_answers(person, consent_texts=None))
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.phone, person.contact_by) == ("+12015550142", ContactBy.EMAIL)
    assert active_texts_consent(person) is None
    assert not text_rows().exists()
    services.email_after_commit(person, "promoted")
    assert not text_rows().exists()


def test_choosing_texts_on_the_private_page_needs_the_consent(client, open_initiative):
    person = texter(open_initiative, contact_by=ContactBy.EMAIL, phone="")
    url = manage_url(person)
    response = client.post(url, manage_answers(person, phone="201 555 0148", contact_by="text"))
    assert response.status_code == 200
    assert response.context["form"].errors["consent_texts"]
    person.refresh_from_db()
    assert (person.phone, person.contact_by) == ("", ContactBy.EMAIL)

    response = client.post(
        url,
        manage_answers(person, phone="201 555 0148", contact_by="text", consent_texts="on"),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.phone, person.contact_by) == ("+12015550148", ContactBy.TEXT)
    consent = active_texts_consent(person)
    assert (consent.given_by, consent.policy_version) == (ConsentGiver.SELF, "2026-texts")
    services.email_after_commit(person, "promoted")
    assert text_rows(kind="participant.promoted").get().to_phone == "+12015550148"


def test_an_invalid_number_on_the_private_page_changes_nothing(client, open_initiative):
    person = texter(open_initiative)
    response = client.post(manage_url(person), manage_answers(person, phone="12"))
    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    assert 'value="12"' in response.content.decode()
    person.refresh_from_db()
    assert person.phone == "+12015550142"


def test_a_new_number_takes_over_the_texts_waiting_for_the_old_one(client, open_initiative):
    person = texter(open_initiative)
    participant_confirm_email(participant=person)
    response = client.post(manage_url(person), manage_answers(person, phone="(201) 555-0149"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "+12015550149"
    assert not text_rows(to_phone="+12015550142").exists()
    assert text_rows(kind="participant.confirmed").get().to_phone == "+12015550149"


def test_a_number_stored_as_free_text_before_texts_is_kept_as_it_was(client, open_initiative):
    person = ParticipantFactory(
        initiative=open_initiative, phone="555-0117 (evenings)", email_confirmed_at=timezone.now()
    )
    response = client.post(manage_url(person), manage_answers(person, neighborhood="Northgate"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.phone, person.neighborhood) == ("555-0117 (evenings)", "Northgate")


def test_withdrawing_the_texts_consent_with_the_service(open_initiative):
    person = texter(open_initiative)
    consent_set(participant=person, kind=ConsentKind.TEXTS, given=False)
    person.refresh_from_db()
    assert person.contact_by == ContactBy.EMAIL
    assert active_texts_consent(person) is None
    assert not text_rows().exists()


def test_withdrawing_the_contact_consent_removes_the_number_and_the_texts(open_initiative):
    person = texter(open_initiative, contact_by=ContactBy.BOTH)
    Consent.objects.create(
        participant=person, kind="contact", policy_version="x", given_at=timezone.now()
    )
    consent_set(participant=person, kind=ConsentKind.CONTACT, given=False)
    person.refresh_from_db()
    assert (person.phone, person.contact_by) == ("", ContactBy.EMAIL)
    assert active_texts_consent(person) is None


# --- withdrawal and deletion ---------------------------------------------------------------------


def test_withdrawal_removes_the_number_the_texts_consent_and_the_waiting_texts(
    client, open_initiative
):
    person = texter(open_initiative)
    token = services.make_token(person, services.MANAGE_SALT)
    client.post(reverse("participants:manage_withdraw", kwargs={"token": token}))
    person.refresh_from_db()
    assert person.status == Status.WITHDRAWN
    assert (person.phone, person.contact_by) == ("", ContactBy.EMAIL)
    assert active_texts_consent(person) is None
    assert not text_rows().exists()


def test_deletion_removes_the_texts(open_initiative):
    person = texter(open_initiative)
    other = texter(open_initiative, email="other@example.net", phone="201 555 0150")
    for someone in (person, other):
        participant_confirm_email(participant=someone)
    participant_erase(participant=person)
    assert not text_rows(to_phone="+12015550142").exists()
    assert not Consent.objects.filter(kind=ConsentKind.TEXTS, participant_id=person.pk).exists()
    assert text_rows(to_phone=other.phone).exists()  # someone else's stay


# --- minors --------------------------------------------------------------------------------------


def minor(initiative, **overrides):
    return texter(
        initiative,
        age_band="13_17",
        guardian_name="Marta",
        guardian_email="marta@example.net",
        **overrides,
    )


def guardian_post(client, participant, data):
    token = services.make_token(participant, services.GUARDIAN_SALT)
    return client.post(reverse("participants:guardian", kwargs={"token": token}), data)


def test_a_minor_gets_no_texts_before_the_guardian_agrees_to_them(client, open_initiative):
    young = minor(open_initiative)
    assert young.contact_by == ContactBy.TEXT  # their wish, kept
    assert not text_rows().exists()  # the confirmation went by email
    assert email_rows(kind="participant.confirm").exists()
    assert message_routing(young, "participant.promoted") == {}

    response = guardian_post(client, young, {"consent_participation": "on", "consent_texts": "on"})
    assert response.status_code == 302
    young.refresh_from_db()
    assert young.contact_by == ContactBy.TEXT
    assert active_texts_consent(young).given_by == ConsentGiver.GUARDIAN
    services.email_after_commit(young, "promoted")
    assert text_rows(kind="participant.promoted").get().to_phone == "+12015550142"


def test_a_guardian_who_does_not_agree_to_texts_keeps_the_minor_on_email(client, open_initiative):
    young = minor(open_initiative)
    response = guardian_post(client, young, {"consent_participation": "on"})
    assert response.status_code == 302
    young.refresh_from_db()
    assert young.contact_by == ContactBy.EMAIL
    assert active_texts_consent(young) is None  # the minor's own tick was replaced
    services.email_after_commit(young, "promoted")
    assert not text_rows().exists()
    # Nor can the minor turn texts on alone afterwards.
    response = client.post(
        manage_url(young), manage_answers(young, contact_by="text", consent_texts="on")
    )
    assert response.status_code == 200
    assert "guardian" in response.context["form"].errors["consent_texts"][0]
    young.refresh_from_db()
    assert young.contact_by == ContactBy.EMAIL


def test_the_guardian_gives_a_child_under_13_a_number_only_with_the_texts_consent(
    client, open_initiative
):
    child = services.participant_register(
        initiative=open_initiative,
        data={
            "age_band": "under_13",
            "preferred_language": "en",
            "guardian_name": "Marta",
            "guardian_email": "marta@example.net",
        },
        consents={"participation"},
    ).participant
    child_details = {
        "name": "Leo",
        "preferred_language": "en",
        "role_category": "young_person",
        "phone": "201 555 0151",
        "contact_by": "text",
        "consent_participation": "on",
    }
    response = guardian_post(client, child, child_details)
    assert response.status_code == 200
    assert response.context["consent_form"].errors["consent_texts"]
    response = guardian_post(client, child, {**child_details, "consent_texts": "on"})
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.phone, child.contact_by) == ("+12015550151", ContactBy.TEXT)
    assert active_texts_consent(child).given_by == ConsentGiver.GUARDIAN


# --- the CSV import ------------------------------------------------------------------------------


def _sheet(*rows):
    lines = [",".join(imports.COLUMNS)]
    for values in rows:
        lines.append(",".join(values.get(column, "") for column in imports.COLUMNS))
    return "\r\n".join(lines) + "\r\n"


def test_import_reads_numbers_and_reports_a_bad_one_with_its_row(open_initiative, organizer):
    base = {"role_category": "resident", "age_band": "25-34"}
    text = _sheet(
        {**base, "name": "Ana", "email": "ana@example.net", "phone": "201 555 0152"},
        {**base, "name": "Ben", "email": "ben@example.net", "phone": "not a phone"},
        {
            **base,
            "name": "Cleo",
            "email": "cleo@example.net",
            "phone": "(201) 555-0153",
            "contact_by": "text",
            "consent_texts": "yes",
        },
        {**base, "name": "Dan", "email": "dan@example.net", "contact_by": "both"},
    )
    report = imports.check_text(initiative=open_initiative, text=text)
    errors = {row.number: row.errors for row in report.rows}
    assert errors[2] == []
    assert errors[3] == ["“not a phone” is not a valid mobile number."]
    assert errors[4] == []
    assert "Text messages were chosen without a mobile number." in errors[5]
    assert [row.number for row in report.valid_rows] == [2, 4]

    imports.import_valid_rows(initiative=open_initiative, user=organizer, report=report)
    stored = dict(Participant.objects.values_list("email", "phone"))
    assert stored == {"ana@example.net": "+12015550152", "cleo@example.net": "+12015550153"}
    cleo = Participant.objects.get(email="cleo@example.net")
    assert cleo.contact_by == ContactBy.TEXT
    assert active_texts_consent(cleo).given_by == ConsentGiver.PAPER
    assert text_rows(kind="participant.welcome").get().to_phone == "+12015550153"


# --- the texts themselves ------------------------------------------------------------------------

# Segments each text takes (English GSM-7 / Spanish), with the test site's links and the
# initiative's name: measured, so a longer wording shows up here.
TEXT_KINDS = ["participant.confirmed", "participant.welcome", "participant.promoted"]


@pytest.mark.parametrize("kind", TEXT_KINDS)
@pytest.mark.parametrize("language", ["en", "es"])
def test_each_text_names_the_sender_carries_its_link_and_reads_in_both_languages(
    open_initiative, kind, language
):
    from dialogue_hub.outbox_texts import render_text  # noqa: PLC0415

    person = texter(open_initiative, preferred_language=language)
    row = OutboxMessage(kind=kind, params={"participant": person.pk}, language=language)
    body = render_text(row, outbox.KINDS[kind])
    assert body.startswith(f"{texts.sender_label()}: ")
    assert open_initiative.name in body
    assert re.fullmatch(r"/registration/[^/]+/", text_link_target(body)), body  # their page
    spanish = {"Gracias por confirmar", "Buena noticia", "Le inscribimos"}
    assert any(word in body for word in spanish) == (language == "es"), body
    stop = {"en": "Reply STOP to end texts.", "es": "Responda ALTO para dejar de recibir mensajes."}
    assert (stop[language] in body) == (kind != "participant.promoted")
    size = texts.segments(body)
    print(f"{kind} [{language}]: {size.count} segment(s), {size.encoding}, {size.length} chars")
    assert size.encoding == "GSM-7"  # no accent in the wording forces UCS-2
    assert size.count <= (1 if language == "en" else 2)


def test_at_a_sign_up_table_a_person_chooses_texts_too(client, open_initiative, organizer):
    client.force_login(organizer)
    response = client.post(
        reverse("participants:table_start", args=[open_initiative.slug]),
        {"event_name": "Eastside block party", "happened_on": "2026-12-05"},
    )
    assert response.status_code == 302
    page = client.get(register_url(open_initiative)).content.decode()
    assert 'name="contact_by"' in page
    assert 'name="consent_texts"' in page
    response = client.post(
        register_url(open_initiative),
        registration_answers(phone="201 555 0154", contact_by="text", consent_texts="on"),
    )
    assert response.status_code == 302
    person = Participant.objects.get()
    assert (person.phone, person.contact_by) == ("+12015550154", ContactBy.TEXT)
    # The confirmation goes to the address typed, never to the number.
    assert email_rows(kind="participant.confirm").get().to_email == "ana@example.net"
    assert not text_rows().exists()
    # The next person at the table starts from an empty form: nothing of the last one.
    assert "201 555 0154" not in client.get(register_url(open_initiative)).content.decode()
