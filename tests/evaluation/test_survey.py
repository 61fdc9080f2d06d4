"""Answering from the private link (the list of one's surveys, the questions in the page's
language, a second submission replacing the first, a half-answered survey scored by the rule,
a closed wave refused kindly, a wrong link), the organizers' waves page and paper entry, and who
may open them."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluation.models import Answer, Invitation, Response, ResponseSource, ScaleScore, Wave
from evaluation.services import waves as wave_services
from initiatives.models import ActivityLogEntry, Role
from participants.services import registration

from ..factories import ParticipantFactory
from .waves_helpers import COMMUNITY, circle_meeting_in, consenting, set_up

pytestmark = pytest.mark.django_db


def token_of(person):
    return registration.make_token(person, registration.MANAGE_SALT)


def untimed(text: str) -> str:
    """A private link's token holds the second it was signed: compare links without it."""
    return re.sub(r"/registration/[^/\s\"]+/", "/registration/TOKEN/", text)


@pytest.fixture
def asked(initiative):
    """A resident asked to answer the open pre wave."""
    set_up(initiative, "pre")
    person = consenting(initiative, preferred_language="es")
    circle_meeting_in(initiative, 7, people=[person])
    wave_services.surveys_plan()
    return person


def survey_url(person, kind="pre"):
    return reverse("evaluation:survey", kwargs={"token": token_of(person), "kind": kind})


def surveys_url(person):
    return reverse("evaluation:surveys", kwargs={"token": token_of(person)})


# --- the person's own pages ------------------------------------------------------------------------


def test_the_list_says_kindly_when_no_survey_is_open(client, initiative):
    person = consenting(initiative)
    page = client.get(surveys_url(person))
    assert page.status_code == 200
    assert "No survey is open for you right now" in page.text


def test_the_list_shows_the_open_survey_and_links_to_it(client, asked):
    page = client.get(surveys_url(asked))
    assert page.status_code == 200
    assert untimed(survey_url(asked)) in untimed(page.text)
    assert "No survey is open" not in page.text


def test_the_manage_and_circle_pages_link_to_the_surveys(client, asked):
    for name in ("participants:manage", "guides:participant_circle"):
        page = client.get(reverse(name, kwargs={"token": token_of(asked)}))
        assert untimed(surveys_url(asked)) in untimed(page.text), name


def test_the_questions_are_in_spanish_with_five_answers_and_prefer_not(client, asked):
    page = client.get(survey_url(asked), HTTP_ACCEPT_LANGUAGE="es")
    assert page.status_code == 200
    assert "Se puede confiar en la policía de mi comunidad." in page.text
    assert "Prefiero no responder" in page.text
    assert "Muy en desacuerdo" in page.text
    assert "Antes de los diálogos" in page.text
    # Residents answer the resident version, never the officers' mirror items.
    assert "agentes y funcionarios" not in page.text
    assert page.text.count('type="radio" name="fair"') == 6
    assert 'name="comment"' in page.text


def test_an_officer_sees_the_police_version(client, initiative):
    set_up(initiative, "pre")
    officer = consenting(initiative, role_category="sworn_officer")
    circle_meeting_in(initiative, 7, people=[officer])
    wave_services.surveys_plan()
    page = client.get(survey_url(officer))
    assert "Residents of this community treat officers and officials fairly." in page.text
    assert "Police in my community treat people fairly." not in page.text


def test_answering_then_answering_again_replaces_the_first(client, asked):
    first = client.post(survey_url(asked), {**COMMUNITY, "comment": "Primera vez"})
    assert first.status_code == 302
    assert untimed(first.url) == untimed(surveys_url(asked))
    second = client.post(survey_url(asked), {**COMMUNITY, "fair": "1", "listen": "prefer_not"})
    assert second.status_code == 302

    response = Response.objects.get()
    answers = dict(Answer.objects.filter(response=response).values_list("key", "value"))
    assert answers["fair"] == 1
    assert answers["listen"] is None
    assert not Answer.objects.filter(comment="Primera vez").exists()
    assert response.source == ResponseSource.ONLINE
    assert Invitation.objects.get(participant=asked).answered

    # The person sees their own answers again through their link (found by pseudonym).
    page = client.get(survey_url(asked))
    assert 'value="1" checked' in page.text
    assert 'value="prefer_not" checked' in page.text


def test_a_half_answered_survey_is_kept_and_scored_by_the_rule(client, asked):
    # Two of the four procedural-justice questions (not more than half: no score), all three
    # trust questions (a score).
    client.post(
        survey_url(asked),
        {"fair": "4", "listen": "2", "trustworthy": "5", "confidence": "4", "work_together": "3"},
    )
    response = Response.objects.get()
    assert response.answers.count() == 5
    scores = dict(ScaleScore.objects.filter(response=response).values_list("scale", "score"))
    assert scores == {"trust": pytest.approx(4.0)}


def test_an_empty_survey_is_refused_with_a_message(client, asked):
    page = client.post(survey_url(asked), {})
    assert page.status_code == 200
    assert "Answer at least one question" in page.text
    assert not Response.objects.exists()


def test_an_answer_after_the_wave_closed_is_refused_kindly(client, asked):
    Wave.objects.update(closed_at=timezone.now())
    page = client.post(survey_url(asked), {**COMMUNITY, "comment": "Mi comentario"})
    assert page.status_code == 200
    assert "This survey is closed now" in page.text
    assert "Mi comentario" in page.text  # nothing typed is lost
    assert not Response.objects.exists()
    # Opened later, the page says so instead of showing the questions.
    page = client.get(survey_url(asked))
    assert "This survey is closed now" in page.text
    assert 'type="radio"' not in page.text


def test_an_answer_after_ones_time_is_over_is_refused(client, asked):
    Invitation.objects.update(closes_at=timezone.now() - timedelta(minutes=1))
    page = client.post(survey_url(asked), COMMUNITY)
    assert page.status_code == 200
    assert "This survey is closed now" in page.text
    assert not Response.objects.exists()


def test_someone_not_asked_cannot_answer(client, initiative, asked):
    stranger = consenting(initiative)
    page = client.post(survey_url(stranger), COMMUNITY)
    assert page.status_code == 200
    assert not Response.objects.exists()
    assert "There is no survey for you" in client.get(survey_url(stranger)).text


def test_a_wrong_link_or_wave_is_404(client, asked):
    assert client.get(survey_url(asked).replace(token_of(asked), "not-a-token")).status_code == 404
    assert client.get(survey_url(asked, kind="mid")).status_code == 404
    assert client.get(surveys_url(asked).replace(token_of(asked), "x" * 40)).status_code == 404


# --- the organizers' pages ---------------------------------------------------------------------------


def waves_url(initiative):
    return reverse("evaluation:waves", kwargs={"slug": initiative.slug})


def test_the_waves_page_empty_state_and_setting_up(organizer_client, initiative):
    page = organizer_client.get(waves_url(initiative))
    assert page.status_code == 200
    assert "No survey wave is set up yet." in page.text

    done = organizer_client.post(
        reverse("evaluation:wave_set_up", kwargs={"slug": initiative.slug, "kind": "pre"})
    )
    assert done.status_code == 302
    assert Wave.objects.filter(initiative=initiative, kind="pre").exists()


def test_the_waves_page_hides_small_counts_and_its_queries_do_not_grow(
    organizer_client, initiative, django_assert_max_num_queries
):
    set_up(initiative, "pre")
    people = [consenting(initiative) for _ in range(3)]
    circle_meeting_in(initiative, 7, people=people)
    wave_services.surveys_plan()
    with django_assert_max_num_queries(12):
        page = organizer_client.get(waves_url(initiative))
    assert 'data-count="suppressed"' in page.text
    assert "fewer than 10" in page.text

    circle_meeting_in(initiative, 7, people=[consenting(initiative) for _ in range(30)])
    wave_services.surveys_plan()
    with django_assert_max_num_queries(12):
        page = organizer_client.get(waves_url(initiative))
    assert 'data-count="33"' in page.text

    # 27 of 33 answered: showing 27 and 33 would say 6 did not answer. Hidden.
    answered = list(Invitation.objects.values_list("pk", flat=True)[:27])
    Invitation.objects.filter(pk__in=answered).update(answered=True)
    page = organizer_client.get(waves_url(initiative))
    assert 'data-count="27"' not in page.text
    assert 'data-count="33"' not in page.text


def test_settings_close_and_reopen_from_the_page(organizer_client, initiative):
    wave = set_up(initiative, "post")
    args = {"slug": initiative.slug, "kind": "post"}
    saved = organizer_client.post(
        reverse("evaluation:wave_edit", kwargs=args), {"answer_days": 14, "reminder_days": 4}
    )
    assert saved.status_code == 302
    refused = organizer_client.post(
        reverse("evaluation:wave_edit", kwargs=args), {"answer_days": 3, "reminder_days": 4}
    )
    assert refused.status_code == 200
    wave.refresh_from_db()
    assert (wave.answer_days, wave.reminder_days) == (14, 4)
    organizer_client.post(reverse("evaluation:wave_close", kwargs=args))
    wave.refresh_from_db()
    assert wave.closed_at is not None
    organizer_client.post(reverse("evaluation:wave_reopen", kwargs=args))
    wave.refresh_from_db()
    assert wave.closed_at is None


@pytest.mark.parametrize(
    "role", [Role.COALITION_LEAD, Role.DATA_STEWARD, Role.POLICE_LIAISON, Role.FACILITATOR]
)
def test_only_organizers_run_the_waves(client, initiative, member_of, role):
    set_up(initiative, "pre")
    client.force_login(member_of(initiative, role))
    args = {"slug": initiative.slug, "kind": "pre"}
    assert client.get(waves_url(initiative)).status_code == 403
    assert client.get(reverse("evaluation:wave_paper", kwargs=args)).status_code == 403
    assert client.post(reverse("evaluation:wave_close", kwargs=args)).status_code == 403
    assert Wave.objects.get().closed_at is None


def test_paper_entry_lists_only_people_who_may_be_asked_and_saves_a_paper_response(
    organizer_client, initiative
):
    set_up(initiative, "pre")
    eligible = consenting(initiative, name="Rosa Eligible")
    refused = ParticipantFactory(initiative=initiative, name="Tomas Noconsent")
    url = reverse("evaluation:wave_paper", kwargs={"slug": initiative.slug, "kind": "pre"})

    page = organizer_client.get(url)
    assert "Rosa Eligible" in page.text
    assert "Tomas Noconsent" not in page.text
    assert ActivityLogEntry.objects.filter(action="evaluation.paper_people_viewed").exists()

    page = organizer_client.get(url, {"participant": eligible.pk})
    assert "Police in my community treat people fairly." in page.text

    saved = organizer_client.post(url, {"participant": eligible.pk, **COMMUNITY})
    assert saved.status_code == 302
    response = Response.objects.get()
    assert response.source == ResponseSource.PAPER
    assert ActivityLogEntry.objects.filter(action="evaluation.paper_entered").exists()

    # Someone who did not consent cannot be entered, even by a crafted request.
    page = organizer_client.post(url, {"participant": refused.pk, **COMMUNITY})
    assert page.status_code == 200
    assert Response.objects.count() == 1


def test_paper_entry_is_refused_on_a_closed_wave(organizer_client, initiative):
    wave = set_up(initiative, "pre")
    person = consenting(initiative)
    Wave.objects.filter(pk=wave.pk).update(closed_at=timezone.now())
    url = reverse("evaluation:wave_paper", kwargs={"slug": initiative.slug, "kind": "pre"})
    page = organizer_client.post(url, {"participant": person.pk, **COMMUNITY})
    assert page.status_code == 200
    assert "reopen it before entering paper surveys" in page.text
    assert not Response.objects.exists()


def test_a_wave_not_set_up_is_404(organizer_client, initiative):
    url = reverse("evaluation:wave_paper", kwargs={"slug": initiative.slug, "kind": "post"})
    assert organizer_client.get(url).status_code == 404


def test_the_survey_pages_take_a_few_queries(client, asked, django_assert_max_num_queries):
    # (+2 for a pre wave: has the person's circle met yet?)
    with django_assert_max_num_queries(10):
        assert client.get(surveys_url(asked)).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(survey_url(asked)).status_code == 200


def test_the_paper_page_queries_do_not_grow_with_the_people(
    organizer_client, initiative, django_assert_max_num_queries
):
    set_up(initiative, "pre")
    url = reverse("evaluation:wave_paper", kwargs={"slug": initiative.slug, "kind": "pre"})
    people = [consenting(initiative) for _ in range(3)]
    with django_assert_max_num_queries(14):
        organizer_client.get(url, {"participant": people[0].pk})
    for _ in range(30):
        consenting(initiative)
    with django_assert_max_num_queries(14):
        page = organizer_client.get(url, {"participant": people[0].pk})
    assert page.text.count("<option") == 34


def test_opening_the_survey_writes_nothing(client, asked):
    """The first look at the survey (nobody answered yet) creates no pseudonym secret."""
    from evaluation.models import EvaluationKey

    assert client.get(survey_url(asked)).status_code == 200
    assert not EvaluationKey.objects.exists()
