"""Answering a wave under a pseudonym: pairing without identity, the scale-score rule, who may
be asked, a second submission replacing the first, and forgetting a person's answers when they
withdraw the evaluation consent or delete their data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dialogue_hub.exceptions import DomainError
from evaluation.library import TRUST_SLUG, library_instrument
from evaluation.models import (
    Answer,
    Group,
    Invitation,
    Response,
    ResponseSource,
    ScaleScore,
    Wave,
    WaveKind,
)
from evaluation.services import responses as services
from participants.models import ConsentGiver, ConsentKind, RoleCategory
from participants.services.public import consent_set, participant_erase

from ..factories import (
    CircleMemberFactory,
    CircleSessionFactory,
    ConsentFactory,
    ParticipantFactory,
)

pytestmark = pytest.mark.django_db

ALL_COMMUNITY = {
    "fair": "4",
    "listen": "4",
    "respect": "5",
    "explain": "3",
    "trustworthy": "2",
    "confidence": "3",
    "work_together": "5",
}


def library_trust():
    return library_instrument(TRUST_SLUG)


def wave_for(initiative, kind=WaveKind.PRE):
    return Wave.objects.create(initiative=initiative, kind=kind, instrument=library_trust())


def asked(participant, wave, *, opens=None, closes=None):
    """The person consents to evaluation and is invited to `wave`, open now."""
    ConsentFactory(participant=participant, kind=ConsentKind.EVALUATION)
    now = timezone.now()
    return Invitation.objects.create(
        wave=wave,
        participant=participant,
        group=services.group_of(participant),
        opens_at=opens or now - timedelta(days=1),
        closes_at=closes or now + timedelta(days=10),
    )


def test_pre_and_post_pair_up_under_a_pseudonym_that_names_nobody():
    member = CircleMemberFactory()
    person = member.participant
    pre, post = wave_for(person.initiative), wave_for(person.initiative, WaveKind.POST)
    asked(person, pre)
    Invitation.objects.create(
        wave=post,
        participant=person,
        group=Group.RESIDENT,
        opens_at=timezone.now() - timedelta(hours=1),
        closes_at=timezone.now() + timedelta(days=3),
    )
    first = services.response_submit(wave=pre, participant=person, data=ALL_COMMUNITY)
    second = services.response_submit(
        wave=post, participant=person, data={**ALL_COMMUNITY, "fair": "5"}
    )
    assert first.respondent == second.respondent == services.pseudonym(person)
    assert first.circle_id == member.circle_id
    for value in (person.public_id.hex, str(person.public_id), person.email, person.name):
        assert value not in first.respondent
    assert first.respondent != str(person.pk)
    # Another initiative's secret gives the same person's id another pseudonym.
    other = ParticipantFactory()
    other.public_id = person.public_id
    assert services.pseudonym(other) != first.respondent
    assert Invitation.objects.filter(participant=person, answered=True).count() == 2


def test_a_second_submission_of_the_same_wave_replaces_the_first():
    person = ParticipantFactory()
    wave = wave_for(person.initiative)
    asked(person, wave)
    services.response_submit(wave=wave, participant=person, data=ALL_COMMUNITY)
    services.response_submit(wave=wave, participant=person, data={"fair": "1"})
    response = Response.objects.get(wave=wave)
    assert dict(response.answers.values_list("key", "value")) == {"fair": 1}
    # One answer of four procedural-justice items is not more than half: no scale score.
    assert not ScaleScore.objects.filter(response=response).exists()


def test_a_scale_is_scored_only_where_more_than_half_its_items_were_answered():
    person = ParticipantFactory()
    wave = wave_for(person.initiative)
    asked(person, wave)
    data = {
        "fair": "4",
        "listen": "2",
        "respect": "prefer_not",
        "trustworthy": "5",
        "confidence": "3",
    }
    response = services.response_submit(wave=wave, participant=person, data=data)
    scores = dict(response.scale_scores.values_list("scale", "score"))
    # procedural justice: 2 of 4 answered (prefer-not is not an answer): not more than half.
    # trust: 2 of 3 answered: (5 + 3) / 2.
    assert scores == {"trust": 4.0}
    assert Answer.objects.get(response=response, key="respect").value is None


def test_officers_answer_the_mirror_questions_under_the_same_keys():
    officer = ParticipantFactory(role_category=RoleCategory.SWORN_OFFICER)
    wave = wave_for(officer.initiative)
    asked(officer, wave)
    items = services.items_for(library_trust(), services.audience_of(officer))
    assert {item.key for item in items if item.scale} == set(ALL_COMMUNITY)
    assert all(
        "Residents" in item.text_en or "residents" in item.text_en for item in items if item.scale
    )
    response = services.response_submit(wave=wave, participant=officer, data=ALL_COMMUNITY)
    assert response.group == Group.POLICE_OFFICIAL


@pytest.mark.parametrize(
    ("value", "message"),
    [("6", "Choose one of the answers"), ("abc", "Choose one of the answers")],
)
def test_an_answer_off_the_scale_is_refused_on_its_question(value, message):
    person = ParticipantFactory()
    wave = wave_for(person.initiative)
    asked(person, wave)
    with pytest.raises(DomainError, match=message) as refused:
        services.response_submit(wave=wave, participant=person, data={"fair": value})
    assert refused.value.field == "fair"
    assert not Response.objects.exists()


def test_an_empty_survey_is_refused():
    person = ParticipantFactory()
    wave = wave_for(person.initiative)
    asked(person, wave)
    with pytest.raises(DomainError, match="at least one question"):
        services.response_submit(wave=wave, participant=person, data={})


def test_after_the_wave_closes_an_online_answer_is_refused_kindly_and_paper_still_goes_in():
    person = ParticipantFactory()
    wave = wave_for(person.initiative)
    now = timezone.now()
    asked(person, wave, opens=now - timedelta(days=9), closes=now - timedelta(days=1))
    with pytest.raises(DomainError, match="closed now"):
        services.response_submit(wave=wave, participant=person, data=ALL_COMMUNITY)
    services.response_submit(
        wave=wave, participant=person, data=ALL_COMMUNITY, source=ResponseSource.PAPER
    )
    assert Response.objects.get().source == ResponseSource.PAPER


def test_without_the_evaluation_consent_nobody_is_asked():
    person = ParticipantFactory()
    wave = wave_for(person.initiative)
    assert not services.may_be_asked(person)
    with pytest.raises(DomainError, match="agreed to answer"):
        services.response_submit(
            wave=wave, participant=person, data=ALL_COMMUNITY, source=ResponseSource.PAPER
        )


def test_a_minor_is_asked_only_with_the_evaluation_consent_in_the_guardians_consent():
    minor = ParticipantFactory(age_band="13_17", guardian_email="parent@example.net")
    ConsentFactory(participant=minor, kind=ConsentKind.EVALUATION)
    assert not services.may_be_asked(minor)  # their own word is not enough
    minor.guardian_consented_at = timezone.now()
    minor.save()
    assert not services.may_be_asked(minor)
    minor.consents.update(given_by=ConsentGiver.GUARDIAN)
    assert services.may_be_asked(minor)
    assert services.group_of(minor) == Group.YOUNG_PERSON


def test_withdrawing_the_evaluation_consent_deletes_the_answers_and_the_invitations():
    person, other = ParticipantFactory(), None
    wave = wave_for(person.initiative)
    asked(person, wave)
    other = ParticipantFactory(initiative=person.initiative)
    asked(other, wave)
    services.response_submit(wave=wave, participant=person, data=ALL_COMMUNITY)
    services.response_submit(wave=wave, participant=other, data=ALL_COMMUNITY)
    consent_set(participant=person, kind=ConsentKind.EVALUATION, given=False)
    assert list(Response.objects.values_list("respondent", flat=True)) == [
        services.pseudonym(other)
    ]
    assert not Invitation.objects.filter(participant=person).exists()
    assert Answer.objects.filter(response__respondent=services.pseudonym(person)).count() == 0


def test_deleting_ones_data_deletes_the_answers():
    person = ParticipantFactory()
    wave = wave_for(person.initiative)
    asked(person, wave)
    services.response_submit(wave=wave, participant=person, data=ALL_COMMUNITY)
    participant_erase(participant=person)
    assert not Response.objects.exists()
    assert not Answer.objects.exists()
    assert not ScaleScore.objects.exists()


def test_withdrawing_another_consent_keeps_the_answers():
    person = ParticipantFactory()
    wave = wave_for(person.initiative)
    asked(person, wave)
    ConsentFactory(participant=person, kind=ConsentKind.MEDIA)
    services.response_submit(wave=wave, participant=person, data=ALL_COMMUNITY)
    consent_set(participant=person, kind=ConsentKind.MEDIA, given=False)
    assert Response.objects.count() == 1


def test_the_pre_survey_closes_when_the_circle_first_meets_whatever_the_invitation_said():
    """Asked before the circle had a schedule (open for 21 days), then the circle met: a
    "before" answer is no longer one, online (paper entry stays for what was filled in before)."""
    member = CircleMemberFactory()
    person = member.participant
    wave = wave_for(person.initiative)
    invitation = asked(person, wave)
    invitation.circle = member.circle
    invitation.save()
    services.response_submit(wave=wave, participant=person, data=ALL_COMMUNITY)
    meeting = CircleSessionFactory(
        circle=member.circle, number=1, starts_at=timezone.now() - timedelta(hours=1)
    )
    with pytest.raises(DomainError, match="closed now"):
        services.response_submit(wave=wave, participant=person, data={"fair": "1"})
    assert Answer.objects.get(key="fair").value == 4
    # A cancelled meeting is not a start.
    meeting.status = "cancelled"
    meeting.save()
    services.response_submit(wave=wave, participant=person, data={"fair": "1"})
