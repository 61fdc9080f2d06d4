"""Text messages must not leak who registered, nor one person's messages to another.

- The confirmation link proves the email address: it goes by email whatever the person chose,
  never by text. Otherwise whoever typed an address with their own number would confirm
  someone else's registration, and learn from the text that came (or did not) whether that
  address was registered.
- A phone shared by siblings, or by a parent and a child: one person changing, removing or
  erasing their number moves or deletes only their own texts.
- "Email me my link" answers by email only.
- A site without a text provider (production without DIALOGUE_HUB_SMS_URL) offers no texts:
  no "how should we reach you", no texts consent, no texts column in the CSV import.
"""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from freezegun import freeze_time

from dialogue_hub import outbox, texts
from dialogue_hub.models import OutboxMessage
from participants.models import Consent, ConsentKind, ContactBy, Participant, Status
from participants.selectors.registration import message_routing
from participants.services import imports
from participants.services import registration as services
from participants.services.public import (
    manage_link_request,
    participant_confirm_email,
    participant_erase,
    participant_withdraw,
)

from ..factories import RegistrationSettingsFactory
from ..helpers import registration_answers
from .test_texts import (
    DAYTIME,
    active_texts_consent,
    email_rows,
    manage_answers,
    manage_url,
    register_url,
    send_everything,
    text_rows,
    texter,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_initiative(initiative):
    """As in test_texts: published, in English and Spanish, numbers read as US ones."""
    initiative.is_published, initiative.languages, initiative.country = True, ["en", "es"], "US"
    initiative.save()
    RegistrationSettingsFactory(initiative=initiative, policy_version="2026-texts")
    return initiative


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
FAMILY_PHONE = "+12015550142"
STRANGER_PHONE = "+12015550177"


# --- the confirmation proves the address ---------------------------------------------------------


@freeze_time(DAYTIME)
def test_a_stranger_with_a_phone_cannot_tell_a_registered_address_nor_confirm_it(
    client, open_initiative
):
    client.post(register_url(open_initiative), registration_answers(email="victim@example.net"))
    send_everything()
    mail.outbox.clear()
    first = list(OutboxMessage.objects.values_list("pk", flat=True))
    stranger = {"phone": "(201) 555-0177", "contact_by": "text", "consent_texts": "on"}
    pages = []
    for email in ("victim@example.net", "nobody@example.org"):
        response = client.post(
            register_url(open_initiative), registration_answers(email=email, **stranger)
        )
        assert response.status_code == 302
        pages.append(CSRF.sub("", client.get(response.url).content.decode()))
    assert pages[0] == pages[1]  # the same thank-you page for both
    assert "We have emailed you a link to confirm your address" in pages[0]
    send_everything()
    # Nothing reaches the stranger's phone, for either address: no oracle, no link.
    assert [t for t in texts.sent if t["to"] == STRANGER_PHONE] == []
    # Each address's owner hears by email: the victim that someone used their address, the new
    # address its confirmation link.
    assert sorted(m.to[0] for m in mail.outbox) == ["nobody@example.org", "victim@example.net"]
    assert set(
        OutboxMessage.objects.filter(
            kind__in=["participant.confirm", "participant.already_registered"]
        )
        .exclude(pk__in=first)
        .values_list("kind", "channel", "to_email")
    ) == {
        ("participant.already_registered", "email", "victim@example.net"),
        ("participant.confirm", "email", "nobody@example.org"),
    }
    victim = Participant.objects.get(email="victim@example.net")
    assert (victim.phone, victim.contact_by) != (STRANGER_PHONE, ContactBy.TEXT)


def test_no_path_sends_the_confirmation_by_text(open_initiative):
    person = texter(open_initiative)
    assert outbox.KINDS["participant.confirm"].text is None
    assert message_routing(person, "participant.confirm") == {}
    services.email_after_commit(person, "confirm")
    manage_link_request(initiative=open_initiative, email=person.email)
    assert not text_rows().exists()
    assert email_rows(kind="participant.confirm").count() == 3  # registration, twice more


def test_a_confirmed_text_is_not_sent_to_a_minor_before_the_guardian_agrees(open_initiative):
    young = texter(
        open_initiative,
        age_band="13_17",
        guardian_name="Marta",
        guardian_email="marta@example.net",
    )
    participant_confirm_email(participant=young)
    assert not OutboxMessage.objects.filter(kind="participant.confirmed").exists()


def test_without_a_provider_confirming_sends_no_confirmed_message(open_initiative, settings):
    person = texter(open_initiative)
    settings.DIALOGUE_HUB_SMS_URL = ""
    participant_confirm_email(participant=person)
    person.refresh_from_db()
    assert person.status == Status.CONFIRMED
    # Not even by email: "we will text you" would not be true.
    assert not OutboxMessage.objects.filter(kind="participant.confirmed").exists()


# --- a phone shared by two people ----------------------------------------------------------------


def siblings(initiative):
    """Ana and Leo, texts only, both confirmed, their "you are confirmed" texts waiting for the
    family phone."""
    ana = texter(initiative, email="ana@example.net", phone="201-555-0142")
    leo = texter(initiative, email="leo@example.net", phone="201-555-0142", name="Leo")
    for person in (ana, leo):
        participant_confirm_email(participant=person)
    assert text_rows(to_phone=FAMILY_PHONE).count() == 2
    return ana, leo


def leos_messages(leo):
    return list(
        OutboxMessage.objects.filter(params__participant=leo.pk)
        .exclude(kind="participant.confirm")
        .values_list("channel", "to_phone", "to_email")
    )


LEO_WAITING = [("text", FAMILY_PHONE, "leo@example.net")]


@freeze_time(DAYTIME)
def test_a_sibling_who_changes_number_takes_only_their_own_texts(client, open_initiative):
    ana, leo = siblings(open_initiative)
    response = client.post(manage_url(ana), manage_answers(ana, phone="(201) 555-0199"))
    assert response.status_code == 302
    assert text_rows(params__participant=ana.pk).get().to_phone == "+12015550199"
    assert leos_messages(leo) == LEO_WAITING  # Leo's stays on the family phone
    send_everything()
    to_ana = [t["body"] for t in texts.sent if t["to"] == "+12015550199"]
    assert len(to_ana) == 1  # Ana's own, not Leo's private link as well


def test_a_sibling_who_removes_the_number_leaves_the_others_texts(client, open_initiative):
    ana, leo = siblings(open_initiative)
    response = client.post(manage_url(ana), manage_answers(ana, phone=""))
    assert response.status_code == 302
    # Ana's waiting text goes to her as an email; Leo's stays a text, not an email to him.
    assert email_rows(kind="participant.confirmed").get().to_email == "ana@example.net"
    assert leos_messages(leo) == LEO_WAITING


def test_a_sibling_who_withdraws_leaves_the_others_texts(open_initiative):
    ana, leo = siblings(open_initiative)
    participant_withdraw(participant=ana)
    assert not text_rows(params__participant=ana.pk).exists()
    assert leos_messages(leo) == LEO_WAITING


def test_a_sibling_who_is_erased_leaves_the_others_texts(open_initiative):
    ana, leo = siblings(open_initiative)
    participant_erase(participant=ana)
    assert not OutboxMessage.objects.filter(params__participant=ana.pk).exists()
    assert not OutboxMessage.objects.filter(to_email="ana@example.net").exists()
    assert leos_messages(leo) == LEO_WAITING


# --- "Email me my link" --------------------------------------------------------------------------


def test_a_link_asked_for_by_email_goes_by_email_only(client, open_initiative):
    person = texter(open_initiative, contact_by=ContactBy.BOTH)
    OutboxMessage.objects.all().delete()
    response = client.post(
        reverse("participants:link_request", args=[open_initiative.slug]),
        {"email": person.email},
    )
    assert response.status_code == 302
    assert list(OutboxMessage.objects.values_list("kind", "channel", "to_email")) == [
        ("participant.confirm", "email", "ana@example.net")
    ]
    participant_confirm_email(participant=person)
    OutboxMessage.objects.all().delete()
    manage_link_request(initiative=open_initiative, email=person.email)
    assert list(OutboxMessage.objects.values_list("kind", "channel", "to_email")) == [
        ("participant.manage_link", "email", "ana@example.net")
    ]


# --- a site without a text provider --------------------------------------------------------------


@pytest.fixture
def no_provider(settings):
    settings.DIALOGUE_HUB_SMS_URL = ""


def offers_texts(html: str) -> bool:
    return 'name="contact_by"' in html or 'name="consent_texts"' in html


def test_without_a_provider_the_registration_form_offers_no_texts(
    client, open_initiative, no_provider
):
    page = client.get(register_url(open_initiative)).content.decode()
    assert not offers_texts(page)
    assert 'name="phone"' in page  # a plain optional phone
    assert "Only if you would like text messages." not in page
    # Texts chosen anyway (an old page, a crafted post): registered for email, no consent.
    response = client.post(
        register_url(open_initiative),
        registration_answers(phone="(201) 555-0142", contact_by="text", consent_texts="on"),
    )
    assert response.status_code == 302
    person = Participant.objects.get()
    assert (person.phone, person.contact_by) == ("+12015550142", ContactBy.EMAIL)
    assert active_texts_consent(person) is None
    assert "We have sent you an email" in client.get(response.url).content.decode()
    assert not text_rows().exists()


def test_without_a_provider_the_private_page_offers_no_texts_and_keeps_an_earlier_choice(
    client, open_initiative, settings
):
    person = texter(open_initiative)  # chose texts while the site had a provider
    settings.DIALOGUE_HUB_SMS_URL = ""
    url = manage_url(person)
    assert not offers_texts(client.get(url).content.decode())
    data = manage_answers(person, neighborhood="", consent_texts=None, contact_by=None)
    response = client.post(url, {**data, "name": "Ana T."})
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.contact_by) == ("Ana T.", ContactBy.TEXT)
    assert active_texts_consent(person) is not None  # not withdrawn by a box not shown


def test_without_a_provider_the_guardian_is_not_asked_about_texts(
    client, open_initiative, no_provider
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
    token = services.make_token(child, services.GUARDIAN_SALT)
    page = client.get(reverse("participants:guardian", kwargs={"token": token}))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="consent_participation"' in html
    assert not offers_texts(html)


def test_without_a_provider_staff_entry_offers_no_texts(
    organizer_client, open_initiative, no_provider
):
    url = reverse("participants:participant_add", args=[open_initiative.slug])
    page = organizer_client.get(url).content.decode()
    assert 'name="consent_participation"' in page
    assert 'name="phone"' in page
    assert not offers_texts(page)
    response = organizer_client.post(
        url,
        {
            "name": "Rosa Díaz",
            "email": "rosa@example.net",
            "phone": "201.555.0146",
            "contact_by": "both",
            "preferred_language": "en",
            "age_band": "25_34",
            "role_category": "resident",
            "consent_participation": "on",
            "consent_texts": "on",
        },
    )
    assert response.status_code == 302
    person = Participant.objects.get()
    assert (person.phone, person.contact_by) == ("+12015550146", ContactBy.EMAIL)
    assert not Consent.objects.filter(participant=person, kind=ConsentKind.TEXTS).exists()
    assert not text_rows().exists()


def test_without_a_provider_the_import_has_no_texts_columns(
    organizer_client, open_initiative, no_provider
):
    slug = open_initiative.slug
    template = organizer_client.get(reverse("participants:import_template", args=[slug]))
    header = template.content.decode("utf-8").lstrip("\ufeff").strip().split(",")
    assert "phone" in header
    assert "contact_by" not in header
    assert "consent_texts" not in header
    page = organizer_client.get(reverse("participants:import", args=[slug])).content.decode()
    assert "contact_by" not in page
    assert "consent_texts" not in page
    # A sheet made for a site with texts: its texts columns are unknown here, named.
    sheet = ",".join(imports.COLUMNS) + "\r\n"
    sheet += "Ana,ana@example.net," + ",".join([""] * (len(imports.COLUMNS) - 2)) + "\r\n"
    assert imports.COLUMNS[:2] == ["name", "email"]
    response = organizer_client.post(
        reverse("participants:import", args=[slug]),
        {"file": SimpleUploadedFile("sheet.csv", sheet.encode(), "text/csv")},
    )
    assert response.status_code == 200
    errors = " ".join(str(error) for error in response.context["form"].errors["file"])
    assert "Unknown columns: contact_by, consent_texts." in errors, errors
    assert not Participant.objects.exists()
