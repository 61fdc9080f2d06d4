"""An initiative's own registration questions: organizers manage them in each language; the
public form, the manage page and staff entry ask them; the participant page, the roster's
filters and its CSV show the answers; a sensitive question's individual answers reach the data
steward only (everyone else sees totals with small counts hidden); the person's download holds
their answers and deleting the registration removes them. The pages' queries do not grow with
the number of questions or answers."""

import csv
import io
import json
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from dialogue_hub.exceptions import DomainError
from initiatives.models import ActivityLogEntry, Role
from participants.models import Participant, QuestionAnswer, QuestionChoice
from participants.services import public as public_services
from participants.services import questions as services
from participants.services.registration import MANAGE_SALT, make_token

from ..factories import InitiativeFactory, ParticipantFactory, RegistrationSettingsFactory
from ..helpers import count_queries
from ..helpers import registration_answers as answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(db, member_of):
    initiative = InitiativeFactory(is_published=True, languages=["en", "es"])
    RegistrationSettingsFactory(initiative=initiative)
    initiative.organizer = member_of(initiative, Role.ORGANIZER)
    initiative.steward = member_of(initiative, Role.DATA_STEWARD)
    return initiative


def make(initiative, kind="one_choice", *, n=1, **extra):
    data = {
        "kind": kind,
        "label_en": f"Which school? {n}",
        "label_es": f"¿Qué escuela? {n}",
        "choices_en": ["North High", "South High"],
        "choices_es": ["Escuela Norte"],  # the second is not translated
        **extra,
    }
    return services.question_create(user=initiative.organizer, initiative=initiative, data=data)


def answer(participant, question, value):
    return QuestionAnswer.objects.create(
        participant=participant,
        question=question,
        value=value,
        keys=services.filter_keys(value),
    )


def choice(question, position):
    return question.choices.get(position=position)


def url(name, initiative, *args):
    return reverse(f"participants:{name}", args=[initiative.slug, *args])


def in_spanish(client):
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    return client


# --- organizers manage the questions --------------------------------------------------------------


class TestManaging:
    def test_the_first_language_of_the_initiative_is_the_required_one(self, setup):
        setup.languages = ["es", "en"]
        with pytest.raises(DomainError) as refused:
            make(setup, "short_text", label_en="Only English", label_es="")
        assert refused.value.field == "label_es"
        question = make(setup, "short_text", label_en="", label_es="¿Solo en español?")
        assert question.label_es == "¿Solo en español?"
        assert question.label_en is None

    def test_the_organizers_form_has_one_input_per_language_and_refuses_a_missing_one(
        self, client, setup
    ):
        client.force_login(setup.organizer)
        page = client.get(url("question_add", setup)).content.decode()
        for name in ("label_en", "label_es", "help_text_en", "help_text_es", "choices_es"):
            assert f'name="{name}"' in page
        response = client.post(
            url("question_add", setup),
            {"kind": "short_text", "label_en": "", "label_es": "Typed in Spanish"},
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert form.errors["label_en"]
        assert 'value="Typed in Spanish"' in response.content.decode()  # kept

    def test_adding_a_question_from_the_page_puts_it_on_the_public_form(self, client, setup):
        client.force_login(setup.organizer)
        response = client.post(
            url("question_add", setup),
            {
                "kind": "several_choices",
                "label_en": "Which meals suit you?",
                "label_es": "¿Qué comidas le convienen?",
                "choices_en": "Vegetarian\nHalal\nNo preference",
                "choices_es": "Vegetariana\nHalal\nSin preferencia",
                "required": "on",
            },
        )
        assert response.status_code == 302
        question = setup.questions.get()
        assert [c.label_es for c in question.choices.all()] == [
            "Vegetariana",
            "Halal",
            "Sin preferencia",
        ]
        client.logout()
        page = client.get(url("register", setup)).content.decode()
        assert "Which meals suit you?" in page
        assert re.search(r'type="checkbox"[^>]*name="question_', page)

    def test_a_reworded_choice_is_a_new_one_and_the_answers_keep_the_old(self, setup):
        question = make(setup)
        north = choice(question, 0)
        answer(ParticipantFactory(initiative=setup), question, north.pk)
        services.question_update(
            user=setup.organizer,
            question=question,
            data={
                "kind": "one_choice",
                "label_en": "Which school?",
                "choices_en": ["North High School", "South High"],
            },
        )
        north.refresh_from_db()
        assert north.retired  # kept for the answer that picked it
        assert [c.label_en for c in question.choices.filter(retired=False)] == [
            "North High School",
            "South High",
        ]
        unanswered = choice(question, 1)
        services.question_update(
            user=setup.organizer,
            question=question,
            data={"kind": "one_choice", "label_en": "Which school?", "choices_en": ["A", "B"]},
        )
        assert not QuestionChoice.objects.filter(pk=unanswered.pk).exists()  # nobody picked it

    def test_an_answered_question_keeps_its_kind_and_stays_sensitive(self, setup):
        question = make(setup, sensitive=True)
        answer(ParticipantFactory(initiative=setup), question, choice(question, 0).pk)
        base = {"label_en": "Which school?", "choices_en": ["North High", "South High"]}
        with pytest.raises(DomainError) as refused:
            services.question_update(
                user=setup.organizer, question=question, data={**base, "kind": "short_text"}
            )
        assert refused.value.field == "kind"
        with pytest.raises(DomainError) as refused:
            services.question_update(
                user=setup.organizer,
                question=question,
                data={**base, "kind": "one_choice", "sensitive": False},
            )
        assert refused.value.field == "sensitive"

    def test_a_question_with_answers_is_deactivated_not_deleted(self, client, setup):
        question = make(setup)
        person = ParticipantFactory(initiative=setup)
        answer(person, question, choice(question, 1).pk)
        client.force_login(setup.organizer)
        response = client.post(url("question_delete", setup, question.pk), follow=True)
        assert "cannot be deleted" in response.content.decode()
        assert QuestionAnswer.objects.filter(question=question).count() == 1
        client.post(url("question_active", setup, question.pk), {"active": "0"})
        question.refresh_from_db()
        assert not question.active
        assert "Which school? 1" not in client.get(url("register", setup)).content.decode()
        # Still shown with the person's answer, marked as no longer asked.
        page = client.get(url("participant", setup, person.pk)).content.decode()
        assert "South High" in page
        assert "no longer asked" in page
        unanswered = make(setup, n=2)
        client.post(url("question_delete", setup, unanswered.pk))
        assert not setup.questions.filter(pk=unanswered.pk).exists()

    def test_questions_move_up_and_down(self, client, setup):
        first, second = make(setup, n=1), make(setup, n=2)
        client.force_login(setup.organizer)
        client.post(url("question_move", setup, second.pk), {"direction": "up"})
        assert list(setup.questions.order_by("position").values_list("pk", flat=True)) == [
            second.pk,
            first.pk,
        ]
        page = client.get(url("register", setup)).content.decode()
        assert page.index("Which school? 2") < page.index("Which school? 1")

    def test_the_settings_page_links_to_the_questions(self, client, setup):
        client.force_login(setup.organizer)
        page = client.get(url("registration_settings", setup)).content.decode()
        assert url("questions", setup) in page


# --- people answer them -------------------------------------------------------------------------


class TestAnswering:
    def test_a_required_question_left_blank_is_refused_next_to_it_and_the_rest_is_kept(
        self, client, setup
    ):
        question = make(setup, required=True)
        text = make(setup, "short_text", n=2)
        response = client.post(url("register", setup), answers(**{text.field_name: "Typed answer"}))
        assert response.status_code == 200
        assert response.context["form"].errors[question.field_name] == ["This field is required."]
        page = response.content.decode()
        assert 'value="Typed answer"' in page
        assert 'value="Ana Torres"' in page
        assert not Participant.objects.exists()

    def test_answers_are_stored_by_choice_id_whatever_the_language(self, client, setup):
        question = make(setup)
        yes_no = make(setup, "yes_no", n=2)
        south = choice(question, 1)
        response = in_spanish(client).post(
            url("register", setup),
            answers(**{question.field_name: str(south.pk), yes_no.field_name: "yes"}),
        )
        assert response.status_code == 302
        stored = {a.question_id: a.value for a in QuestionAnswer.objects.all()}
        assert stored == {question.pk: south.pk, yes_no.pk: True}

    def test_a_tampered_choice_is_refused(self, client, setup):
        question = make(setup)
        other = make(setup, n=2)
        response = client.post(
            url("register", setup),
            answers(**{question.field_name: str(choice(other, 0).pk)}),
        )
        assert response.status_code == 200
        assert response.context["form"].errors[question.field_name]

    def test_a_spanish_reader_sees_spanish_and_a_missing_translation_marked(self, client, setup):
        make(setup)
        page = in_spanish(client).get(url("register", setup)).content.decode()
        assert "¿Qué escuela? 1" in page
        assert "Escuela Norte" in page
        assert "South High (en inglés, aún sin traducir)" in page
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
        page = client.get(url("register", setup)).content.decode()
        assert "Which school? 1" in page
        assert "South High" in page
        assert "not translated yet" not in page

    def test_a_question_only_in_spanish_is_marked_for_an_english_reader(self, client, setup):
        setup.languages = ["es", "en"]
        setup.save(update_fields=["languages"])
        make(setup, label_en="", label_es="¿Necesita comida?", kind="yes_no", choices_en=[])
        page = client.get(url("register", setup)).content.decode()
        assert "¿Necesita comida? (in Spanish, not translated yet)" in page

    def test_the_person_changes_their_answers_on_their_private_page(self, client, setup):
        question = make(setup)
        text = make(setup, "long_text", n=2)
        person = ParticipantFactory(initiative=setup)
        answer(person, question, choice(question, 0).pk)
        answer(person, text, "First words")
        manage = reverse("participants:manage", args=[make_token(person, MANAGE_SALT)])
        page = client.get(manage).content.decode()
        assert f'value="{choice(question, 0).pk}" ' in page
        assert "checked" in page.split(f'value="{choice(question, 0).pk}"')[1][:40]
        assert "First words" in page
        data = {
            "name": person.name,
            "preferred_language": "en",
            "age_band": person.age_band,
            "role_category": person.role_category,
            question.field_name: str(choice(question, 1).pk),
            text.field_name: "",
        }
        response = client.post(manage, data)
        assert response.status_code == 302, response.context["form"].errors
        assert {a.question_id: a.value for a in person.question_answers.all()} == {
            question.pk: choice(question, 1).pk
        }

    @pytest.mark.parametrize("kind", ["one_choice", "several_choices"])
    def test_saving_the_private_page_keeps_an_answer_whose_choice_was_reworded(
        self, client, setup, kind
    ):
        question = make(setup, kind)
        north = choice(question, 0)
        person = ParticipantFactory(initiative=setup)
        value = north.pk if kind == "one_choice" else [north.pk, choice(question, 1).pk]
        answer(person, question, value)
        services.question_update(
            user=setup.organizer,
            question=question,
            data={
                "kind": kind,
                "label_en": "Which school?",
                "choices_en": ["North High School", "South High"],
            },
        )
        manage = reverse("participants:manage", args=[make_token(person, MANAGE_SALT)])
        page = client.get(manage).content.decode()
        # The person's own (retired) choice is still there, picked.
        assert "checked" in page.split(f'value="{north.pk}"')[1][:40]
        assert "North High School" in page
        picked = str(north.pk) if kind == "one_choice" else [str(pk) for pk in value]
        data = {
            "name": person.name,
            "preferred_language": "en",
            "age_band": person.age_band,
            "role_category": person.role_category,
            "phone": "201-555-0100",  # the change they came to make
            question.field_name: picked,
        }
        response = client.post(manage, data)
        assert response.status_code == 302, response.context["form"].errors
        assert QuestionAnswer.objects.get(participant=person, question=question).value == value
        # Nobody else is offered the retired choice.
        other = ParticipantFactory(initiative=setup)
        other_manage = reverse("participants:manage", args=[make_token(other, MANAGE_SALT)])
        assert f'value="{north.pk}"' not in client.get(other_manage).content.decode()
        assert f'value="{north.pk}"' not in client.get(url("register", setup)).content.decode()

    def test_staff_entry_asks_the_questions_but_never_a_sensitive_one(self, client, setup):
        open_question = make(setup, "short_text", n=1)
        secret = make(setup, "short_text", n=2, sensitive=True)
        client.force_login(setup.organizer)
        page = client.get(url("participant_add", setup)).content.decode()
        assert f'name="{open_question.field_name}"' in page
        assert f'name="{secret.field_name}"' not in page
        response = client.post(
            url("participant_add", setup),
            {
                "name": "Paper Person",
                "email": "paper@example.net",
                "preferred_language": "en",
                "age_band": "25_34",
                "role_category": "resident",
                "consent_participation": "on",
                open_question.field_name: "On paper",
                secret.field_name: "smuggled",
            },
        )
        assert response.status_code == 302
        assert list(QuestionAnswer.objects.values_list("value", flat=True)) == ["On paper"]

    def test_staff_may_leave_a_required_question_blank(self, client, setup):
        required = make(setup, "yes_no", n=1, required=True, choices_en=[])
        client.force_login(setup.organizer)
        response = client.post(
            url("participant_add", setup),
            {
                "name": "Paper Person",
                "email": "paper@example.net",
                "preferred_language": "en",
                "age_band": "25_34",
                "role_category": "resident",
                "consent_participation": "on",
            },
        )
        assert response.status_code == 302, response.context["form"].errors
        assert Participant.objects.filter(email="paper@example.net").exists()
        assert not QuestionAnswer.objects.filter(question=required).exists()


# --- who sees the answers -----------------------------------------------------------------------


@pytest.fixture
def answered(setup):
    """A plain and a sensitive question, each answered by a person."""
    plain = make(setup, n=1)
    secret = make(setup, "short_text", n=2, sensitive=True, label_en="Health")
    person = ParticipantFactory(initiative=setup, name="Ana Answer")
    other = ParticipantFactory(initiative=setup, name="Bo Blank")
    answer(person, plain, choice(plain, 1).pk)
    answer(person, secret, "Asthma-secret")
    return setup, plain, secret, person, other


class TestWhoSees:
    def test_the_participant_page_hides_a_sensitive_answer_from_the_organizer(
        self, client, answered
    ):
        initiative, _plain, _secret, person, _other = answered
        client.force_login(initiative.organizer)
        page = client.get(url("participant", initiative, person.pk)).content.decode()
        assert "South High" in page
        assert "Asthma-secret" not in page
        assert "visible to the data steward only" in page
        entry = ActivityLogEntry.objects.filter(action="participant.viewed").latest("id")
        assert entry.details == {}

    def test_the_steward_sees_it_and_the_look_is_logged(self, client, answered):
        initiative, _plain, _secret, person, _other = answered
        client.force_login(initiative.steward)
        page = client.get(url("participant", initiative, person.pk)).content.decode()
        assert "Asthma-secret" in page
        entry = ActivityLogEntry.objects.filter(action="participant.viewed").latest("id")
        assert entry.actor == initiative.steward
        assert entry.details == {"sensitive_answers": True}
        assert "Asthma" not in json.dumps(entry.details)

    def test_the_csv_has_a_sensitive_column_for_the_steward_only(self, client, answered):
        initiative, _plain, _secret, person, _other = answered

        def rows(user):
            client.force_login(user)
            body = client.get(url("roster_export", initiative)).content.decode("utf-8-sig")
            return list(csv.DictReader(io.StringIO(body)))

        organizer_rows = rows(initiative.organizer)
        assert "Which school? 1" in organizer_rows[0]
        assert "Health" not in organizer_rows[0]
        assert "Asthma-secret" not in json.dumps(organizer_rows)
        by_name = {row["name"]: row for row in rows(initiative.steward)}
        assert by_name["Ana Answer"]["Health"] == "Asthma-secret"
        assert by_name["Ana Answer"]["Which school? 1"] == "South High"
        assert by_name["Bo Blank"]["Health"] == ""
        entry = ActivityLogEntry.objects.filter(action="participants.exported").latest("id")
        assert entry.details["sensitive_answers"] is True

    def test_the_roster_filters_on_answers_and_only_the_steward_on_sensitive_ones(
        self, client, answered
    ):
        initiative, plain, _secret, _person, _other = answered
        sensitive_choice = make(initiative, n=3, sensitive=True, label_en="Status")
        ParticipantFactory(initiative=initiative, name="Cy Chosen")
        cy = Participant.objects.get(name="Cy Chosen")
        answer(cy, sensitive_choice, choice(sensitive_choice, 0).pk)
        client.force_login(initiative.organizer)
        south = f"?{plain.field_name}={choice(plain, 1).pk}"
        page = client.get(url("roster", initiative) + south).content.decode()
        assert "Ana Answer" in page
        assert "Bo Blank" not in page
        page = client.get(url("roster", initiative)).content.decode()
        assert f'name="{plain.field_name}"' in page
        assert f'name="{sensitive_choice.field_name}"' not in page
        # The steward filters on it; the same query string from the organizer filters nothing
        # and is never served the steward's cached rows.
        secret_filter = f"?{sensitive_choice.field_name}={choice(sensitive_choice, 0).pk}"
        client.force_login(initiative.steward)
        page = client.get(url("roster", initiative) + secret_filter).content.decode()
        assert "Cy Chosen" in page
        assert "Ana Answer" not in page
        assert f'name="{sensitive_choice.field_name}"' in page
        client.force_login(initiative.organizer)
        page = client.get(url("roster", initiative) + secret_filter).content.decode()
        assert "Ana Answer" in page
        assert "Cy Chosen" in page
        csv_body = client.get(url("roster_export", initiative) + secret_filter).content.decode()
        assert "Ana Answer" in csv_body  # not filtered: the organizer may not filter on it

    def test_totals_hide_small_counts_for_all_but_the_steward(self, client, answered):
        initiative, plain, _secret, _person, _other = answered
        for _n in range(12):
            answer(ParticipantFactory(initiative=initiative), plain, choice(plain, 0).pk)
        client.force_login(initiative.organizer)
        page = client.get(url("questions", initiative)).content.decode()
        # North 12, South 1: South is hidden, so North is too (else total minus North gives
        # it), and with nothing left shown, the total.
        assert page.count('data-count="suppressed"') >= 2
        assert 'data-total="suppressed"' in page
        assert 'data-count="12"' not in page
        assert 'data-count="1"' not in page
        client.force_login(initiative.steward)
        page = client.get(url("questions", initiative)).content.decode()
        assert 'data-count="12"' in page
        assert 'data-count="1"' in page
        assert 'data-total="13"' in page
        for _n in range(12):
            answer(ParticipantFactory(initiative=initiative), plain, choice(plain, 1).pk)
        client.force_login(initiative.organizer)
        page = client.get(url("questions", initiative)).content.decode()
        assert 'data-count="12"' in page
        assert 'data-count="13"' in page
        assert 'data-total="25"' in page


# --- the person's own data ----------------------------------------------------------------------


def test_the_download_holds_the_answers_sensitive_ones_included(client, answered):
    _initiative, _plain, _secret, person, _other = answered
    token = make_token(person, MANAGE_SALT)
    data = json.loads(client.get(reverse("participants:manage_download", args=[token])).content)
    assert {row["question"]: row["answer"] for row in data["questions"]} == {
        "Which school? 1": "South High",
        "Health": "Asthma-secret",
    }


def test_deleting_or_withdrawing_the_registration_removes_the_answers(answered):
    _initiative, plain, _secret, person, _other = answered
    public_services.participant_erase(participant=person)
    assert not QuestionAnswer.objects.exists()
    other = ParticipantFactory(initiative=plain.initiative)
    answer(other, plain, choice(plain, 0).pk)
    public_services.participant_withdraw(participant=other)
    assert not QuestionAnswer.objects.exists()


# --- queries do not grow with questions, answers or languages ----------------------------------


def _fill(initiative, people, count):
    """`count` questions of every kind (half sensitive), each answered by every person."""
    kinds = ["short_text", "long_text", "one_choice", "several_choices", "yes_no"]
    for n in range(count):
        kind = kinds[n % len(kinds)]
        question = make(initiative, kind, n=100 + n, sensitive=n % 2 == 1)
        picks = list(question.choices.values_list("pk", flat=True))
        value = {
            "short_text": "short",
            "long_text": "long\ntext",
            "one_choice": picks[0] if picks else None,
            "several_choices": picks,
            "yes_no": True,
        }[kind]
        for person in people:
            answer(person, question, value)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.DATA_STEWARD])
def test_staff_pages_take_the_same_queries_with_ten_times_the_questions(
    client, setup, role, language
):
    people = ParticipantFactory.create_batch(3, initiative=setup)
    _fill(setup, people, 3)  # a short text, a long text and a one-choice question
    chosen = setup.questions.get(kind="one_choice")
    client.force_login(setup.organizer if role == Role.ORGANIZER else setup.steward)
    if language == "es":
        in_spanish(client)
    pages = [
        url("roster", setup),
        url("roster", setup) + f"?{chosen.field_name}={choice(chosen, 0).pk}",
        url("roster_export", setup),
        url("participant", setup, people[0].pk),
        url("questions", setup),
    ]
    before = {page: count_queries(client, page) for page in pages}
    more = ParticipantFactory.create_batch(27, initiative=setup)
    for person in more:
        for question in setup.questions.all():
            value = QuestionAnswer.objects.filter(question=question).first().value
            answer(person, question, value)
    _fill(setup, [*people, *more], 27)
    cache.clear()
    after = {page: count_queries(client, page) for page in pages}
    assert after == before


def test_public_pages_take_the_same_queries_with_ten_times_the_questions(client, setup):
    person = ParticipantFactory(initiative=setup)
    _fill(setup, [person], 1)
    manage = reverse("participants:manage", args=[make_token(person, MANAGE_SALT)])
    download = reverse("participants:manage_download", args=[make_token(person, MANAGE_SALT)])
    pages = [url("register", setup), manage, download]
    before = {page: count_queries(client, page) for page in pages}
    warm = count_queries(client, url("register", setup))
    _fill(setup, [person], 9)
    cache.clear()
    after = {page: count_queries(client, page) for page in pages}
    assert after == before
    assert count_queries(client, url("register", setup)) == warm == 1  # cached fields
    assert before[url("register", setup)] <= 3  # settings, questions, choices


def test_a_child_under_13_is_not_asked_and_their_guardian_answers_for_them(client, setup):
    question = make(setup, required=True)
    response = client.post(
        url("register", setup),
        {
            "preferred_language": "en",
            "age_band": "under_13",
            "guardian_name": "Rosa",
            "guardian_email": "rosa@example.net",
            "consent_participation": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    child = Participant.objects.get()
    assert not QuestionAnswer.objects.exists()
    guardian = reverse("participants:guardian", args=[make_token(child, "participants.guardian")])
    assert f'name="{question.field_name}"' in client.get(guardian).content.decode()
    data = {
        "consent_participation": "on",
        "name": "Little One",
        "preferred_language": "en",
        "role_category": "young_person",
    }
    refused = client.post(guardian, data)
    assert refused.status_code == 200
    assert refused.context["child_form"].errors[question.field_name]
    response = client.post(guardian, {**data, question.field_name: str(choice(question, 0).pk)})
    assert response.status_code == 302
    assert child.question_answers.get().value == choice(question, 0).pk
