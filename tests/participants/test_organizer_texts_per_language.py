"""Organizers' own texts in English and Spanish, as a Spanish-speaking participant meets them.

The organizer gives the initiative's title and description, the registration lists and a
consent note in both languages, or only in English. A participant reading Spanish sees the
Spanish where it is given and the English, marked “(en inglés, aún sin traducir)”, where it
is not — on the landing page, the registration form and in the confirmation email — while
their answers are stored as the list's own (first-language) entries, which circles match on.
"""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from initiatives.models import Initiative, Role
from participants.models import Participant, RegistrationSettings

from ..factories import InitiativeFactory, MembershipFactory, RegistrationSettingsFactory
from ..helpers import assert_queries_do_not_grow, registration_answers

pytestmark = pytest.mark.django_db

FALLBACK_ES = "(en inglés, aún sin traducir)"


@pytest.fixture
def initiative(db):
    initiative = InitiativeFactory(
        name="Riverton Dialogues",
        description="Residents and police talk in small circles.",
        is_published=True,
        languages=["en", "es"],
    )
    initiative.name_es = "Diálogos de Riverton"
    initiative.save(update_fields=["name_es"])
    rs = RegistrationSettingsFactory(initiative=initiative)
    rs.option_labels_es = {"time_slots": ["Martes por la tarde", "Jueves por la tarde", "Sábado"]}
    rs.consent_note_es = "Solo el equipo ve sus respuestas."
    rs.save(update_fields=["option_labels_es", "consent_note_es"])
    return initiative


@pytest.fixture
def spanish(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    return client


def test_the_landing_page_shows_the_spanish_title_and_marks_the_english_description(
    spanish, initiative
):
    page = spanish.get(initiative.get_public_url()).content.decode()
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
    assert "Diálogos de Riverton" in heading
    assert "aún sin traducir" not in heading  # given in Spanish: no mark
    assert "Residents and police talk in small circles." in page
    assert FALLBACK_ES in page
    assert 'lang="en"' in page  # the English paragraph says it is English

    initiative.description_es = "Vecinos y policía conversan en círculos pequeños."
    initiative.save(update_fields=["description_es"])
    page = spanish.get(initiative.get_public_url()).content.decode()
    assert "Vecinos y policía conversan" in page
    assert "Residents and police talk" not in page
    assert FALLBACK_ES not in page


def test_an_english_reader_sees_the_english_texts_unmarked(client, initiative):
    page = client.get(reverse("participants:register", args=[initiative.slug])).content.decode()
    assert "Riverton Dialogues" in page
    assert "Tuesday evening" in page
    assert "Martes por la tarde" not in page
    assert page.count("not translated yet") == 1
    # The note was given only in Spanish: English readers get it, marked.
    assert "Solo el equipo ve sus respuestas.</p></div>" in page
    assert "(in Spanish, not translated yet)" in page


def test_the_spanish_form_words_the_lists_and_marks_the_untranslated_ones(spanish, initiative):
    page = spanish.get(reverse("participants:register", args=[initiative.slug])).content.decode()
    slots = re.findall(r'name="availability" value="([^"]+)"[^>]*>\s*<label[^>]*>\s*([^<]+)', page)
    assert [(value, label.strip()) for value, label in slots] == [
        ("Tuesday evening", "Martes por la tarde"),
        ("Thursday evening", "Jueves por la tarde"),
        ("Saturday morning", "Sábado"),
    ]
    neighborhoods = dict(re.findall(r'<option value="(\w+)">([^<]+)</option>', page))
    assert neighborhoods["Eastside"] == f"Eastside {FALLBACK_ES}"
    assert "Solo el equipo ve sus respuestas." in page
    assert "Diálogos de Riverton" in page


def test_a_spanish_registration_stores_the_lists_own_entries_and_emails_in_spanish(
    spanish, initiative, django_capture_on_commit_callbacks
):
    url = reverse("participants:register", args=[initiative.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = spanish.post(
            url,
            registration_answers(
                email="rosa@example.net",
                preferred_language="es",
                availability=["Tuesday evening", "Saturday morning"],
            ),
        )
    assert response.status_code == 302
    person = Participant.objects.get(email="rosa@example.net")
    assert person.availability == ["Tuesday evening", "Saturday morning"]
    (message,) = mail.outbox
    assert "Diálogos de Riverton" in message.body
    assert "Riverton Dialogues" not in message.body


def test_an_email_marks_a_title_not_given_in_spanish(
    spanish, initiative, django_capture_on_commit_callbacks
):
    Initiative.objects.filter(pk=initiative.pk).update(name_es=None)
    with django_capture_on_commit_callbacks(execute=True):
        spanish.post(
            reverse("participants:register", args=[initiative.slug]),
            registration_answers(email="rosa@example.net", preferred_language="es"),
        )
    (message,) = mail.outbox
    assert f"Riverton Dialogues {FALLBACK_ES}" in message.body


class TestTheOrganizersSettingsForm:
    @pytest.fixture
    def organizer(self, client, initiative):
        user = MembershipFactory(initiative=initiative, role=Role.ORGANIZER).user
        client.force_login(user)
        return client

    def post(self, client, initiative, **overrides):
        data = {
            "is_open": "on",
            "neighborhoods": "Eastside\nNorthgate",
            "time_slots": "Tuesday evening\nSaturday morning",
            "time_slots_es": "Martes por la tarde\nSábado por la mañana",
            "lived_experience_groups": "Immigrant",
            "policy_version": "2026-1",
            "consent_note_en": "Only the team sees your answers.",
            "consent_note_es": "Solo el equipo ve sus respuestas.",
            **overrides,
        }
        return client.post(
            reverse("participants:registration_settings", args=[initiative.slug]), data
        )

    def test_each_language_is_saved_in_its_own_column_whatever_the_page_language(
        self, organizer, initiative
    ):
        organizer.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"  # the organizer's pages in Spanish
        response = self.post(organizer, initiative)
        assert response.status_code == 302
        rs = RegistrationSettings.objects.get(initiative=initiative)
        assert rs.time_slots == ["Tuesday evening", "Saturday morning"]
        assert rs.option_labels_es == {
            "time_slots": ["Martes por la tarde", "Sábado por la mañana"]
        }
        assert (rs.consent_note_en, rs.consent_note_es) == (
            "Only the team sees your answers.",
            "Solo el equipo ve sus respuestas.",
        )
        with translation.override("es"):
            assert [str(label) for _v, label in rs.option_choices("time_slots", "en")] == [
                "Martes por la tarde",
                "Sábado por la mañana",
            ]

    def test_a_translation_out_of_step_is_refused_next_to_it_and_kept(self, organizer, initiative):
        response = self.post(organizer, initiative, time_slots_es="Martes por la tarde")
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert list(errors) == ["time_slots_es"]
        assert "one line for each of the 2 lines above" in errors["time_slots_es"][0]
        assert "Martes por la tarde" in response.content.decode()
        rs = RegistrationSettings.objects.get(initiative=initiative)
        assert rs.time_slots == ["Tuesday evening", "Thursday evening", "Saturday morning"]

    def test_a_list_changed_with_its_translation_untouched_keeps_each_label_on_its_entry(
        self, organizer, initiative
    ):
        """The form shows the stored Spanish lines; an organizer who replaces an English entry
        (same number of lines) and saves without touching them must not have the old entry's
        Spanish ("Jueves por la tarde") worded onto the new one: a Spanish reader would pick
        the wrong time slot."""
        page = organizer.get(reverse("participants:registration_settings", args=[initiative.slug]))
        shown = page.context["form"].initial["time_slots_es"]
        assert shown == "Martes por la tarde\nJueves por la tarde\nSábado"
        response = self.post(
            organizer,
            initiative,
            time_slots="Tuesday evening\nSunday afternoon\nSaturday morning",
            time_slots_es=shown,
        )
        assert response.status_code == 302
        rs = RegistrationSettings.objects.select_related("initiative").get(initiative=initiative)
        with translation.override("es"):
            labels = [
                (str(label), label.is_fallback) for _v, label in rs.option_choices("time_slots")
            ]
        assert labels == [
            ("Martes por la tarde", False),
            ("Sunday afternoon", True),
            ("Sábado", False),
        ]
        # An entry removed, the translation untouched: the others keep their wording.
        response = self.post(
            organizer,
            initiative,
            time_slots="Tuesday evening\nSaturday morning",
            time_slots_es="\n".join(rs.option_labels_es["time_slots"]),
        )
        assert response.status_code == 302
        rs = RegistrationSettings.objects.select_related("initiative").get(initiative=initiative)
        with translation.override("es"):
            labels = [
                (str(label), label.is_fallback) for _v, label in rs.option_choices("time_slots")
            ]
        assert labels == [("Martes por la tarde", False), ("Sábado", False)]

    def test_an_emptied_translation_falls_back_marked(self, organizer, initiative):
        assert self.post(organizer, initiative, time_slots_es="").status_code == 302
        rs = RegistrationSettings.objects.select_related("initiative").get(initiative=initiative)
        assert not rs.option_labels_es
        with translation.override("es"):
            labels = [label for _v, label in rs.option_choices("time_slots")]
        assert [(str(label), label.is_fallback) for label in labels] == [
            ("Tuesday evening", True),
            ("Saturday morning", True),
        ]


class TestTheInitiativeForm:
    def test_title_and_description_go_to_their_languages_from_a_spanish_page(self, client):
        initiative = InitiativeFactory(languages=["en", "es"])
        user = MembershipFactory(initiative=initiative, role=Role.ORGANIZER).user
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        response = client.post(
            reverse("initiatives:edit", args=[initiative.slug]),
            {
                "name_en": "Riverton Dialogues",
                "name_es": "Diálogos de Riverton",
                "description_en": "In English.",
                "description_es": "En español.",
                "community": "Riverton",
                "languages": ["en", "es"],
                "timezone": "UTC",
            },
        )
        assert response.status_code == 302
        initiative.refresh_from_db()
        assert (initiative.name_en, initiative.name_es) == (
            "Riverton Dialogues",
            "Diálogos de Riverton",
        )
        assert (initiative.description_en, initiative.description_es) == (
            "In English.",
            "En español.",
        )

    def test_the_title_is_required_in_the_first_language(self, client):
        initiative = InitiativeFactory(languages=["en", "es"])
        user = MembershipFactory(initiative=initiative, role=Role.ORGANIZER).user
        client.force_login(user)
        response = client.post(
            reverse("initiatives:edit", args=[initiative.slug]),
            {
                "name_en": "",
                "name_es": "Solo en español",
                "community": "Riverton",
                "languages": ["en", "es"],
                "timezone": "UTC",
            },
        )
        assert response.status_code == 200
        assert list(response.context["form"].errors) == ["name_en"]
        assert "Solo en español" in response.content.decode()
        # With Spanish first, the Spanish title alone is enough.
        response = client.post(
            reverse("initiatives:edit", args=[initiative.slug]),
            {
                "name_en": "",
                "name_es": "Solo en español",
                "community": "Riverton",
                "languages": ["es", "en"],
                "timezone": "UTC",
            },
        )
        assert response.status_code == 302
        initiative.refresh_from_db()
        assert initiative.name_es == "Solo en español"


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_register_page_queries_do_not_grow_with_translated_lists(client, initiative, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = reverse("participants:register", args=[initiative.slug])

    def add_rows():
        rs = RegistrationSettings.objects.get(initiative=initiative)
        rs.time_slots = [f"Slot {i}" for i in range(30)]
        rs.neighborhoods = [f"Area {i}" for i in range(40)]
        rs.option_labels_es = {
            "time_slots": [f"Franja {i}" for i in range(30)],
            "neighborhoods": [f"Zona {i}" for i in range(40)],
        }
        rs.save()

    assert_queries_do_not_grow(client, url, add_rows, limit=8)
    assert ("Franja 29" in client.get(url).content.decode()) == (language == "es")
