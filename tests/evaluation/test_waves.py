"""Survey waves: who the planning sweep asks (consent, minors, withdrawn people) and when, that
running it twice adds nothing, that its queries do not grow with the number of people, the one
reminder, the emails (Spanish, the private link, cancelled when they no longer apply), and the
organizers' settings, close and reopen."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dialogue_hub import outbox
from dialogue_hub.exceptions import DomainError
from dialogue_hub.models import OutboxMessage, OutboxStatus
from evaluation.library import TRUST_SLUG, library_instrument
from evaluation.models import Invitation, Wave
from evaluation.services import waves as wave_services
from evaluation.services.responses import response_submit
from participants.models import Consent, ConsentKind, Participant
from participants.services.public import consent_set

from ..factories import CircleFactory, CircleMemberFactory, CircleSessionFactory, ConsentFactory
from .waves_helpers import (
    COMMUNITY,
    circle_meeting_in,
    consenting,
    consenting_minor,
    set_up,
)

pytestmark = pytest.mark.django_db


def invited_ids(wave):
    return set(Invitation.objects.filter(wave=wave).values_list("participant_id", flat=True))


def rows(kind):
    return OutboxMessage.objects.filter(kind=kind)


# --- setting up --------------------------------------------------------------------------------


def test_setting_up_a_wave_copies_the_library_trust_survey_once(initiative, organizer):
    pre = set_up(initiative, "pre", organizer)
    post = set_up(initiative, "post", organizer)

    library = library_instrument(TRUST_SLUG)
    assert pre.instrument == post.instrument
    assert pre.instrument.initiative == initiative
    assert pre.instrument.copied_from == library
    assert list(pre.instrument.items.values_list("key", "audience")) == list(
        library.items.values_list("key", "audience")
    )
    assert initiative.activity.filter(action="evaluation.wave_set_up").count() == 2


def test_a_wave_is_set_up_once_and_its_settings_are_checked(initiative, organizer):
    wave = set_up(initiative, "follow_up", organizer)
    with pytest.raises(DomainError):
        set_up(initiative, "follow_up", organizer)
    with pytest.raises(DomainError):
        set_up(initiative, "mid", organizer)
    with pytest.raises(DomainError) as refused:
        wave_services.wave_update(
            wave=wave, actor=organizer, answer_days=5, reminder_days=5, follow_up_days=30
        )
    assert refused.value.field == "reminder_days"
    with pytest.raises(DomainError):
        wave_services.wave_update(
            wave=wave, actor=organizer, answer_days=0, reminder_days=0, follow_up_days=30
        )
    wave_services.wave_update(
        wave=wave, actor=organizer, answer_days=10, reminder_days=0, follow_up_days=60
    )
    wave.refresh_from_db()
    assert (wave.answer_days, wave.reminder_days, wave.follow_up_days) == (10, 0, 60)


def test_close_and_reopen(initiative, organizer):
    wave = set_up(initiative, "pre", organizer)
    wave_services.wave_close(wave=wave, actor=organizer)
    with pytest.raises(DomainError):
        wave_services.wave_close(wave=wave, actor=organizer)
    person = consenting(initiative)
    circle_meeting_in(initiative, 7, people=[person])
    assert wave_services.surveys_plan()["invited"] == 0  # a closed wave asks nobody
    wave_services.wave_reopen(wave=wave, actor=organizer)
    with pytest.raises(DomainError):
        wave_services.wave_reopen(wave=wave, actor=organizer)
    assert wave_services.surveys_plan()["invited"] == 1


# --- who is asked --------------------------------------------------------------------------------


def test_the_pre_wave_asks_only_people_who_may_be_asked(initiative):
    wave = set_up(initiative, "pre")
    adult = consenting(initiative)
    no_consent = consenting(initiative)
    Consent.objects.filter(participant=no_consent).delete()
    withdrew_consent = consenting(initiative)
    Consent.objects.filter(participant=withdrew_consent).update(withdrawn_at=timezone.now())
    minor_with_guardian = consenting_minor(initiative, guardian=True)
    minor_alone = consenting_minor(initiative, guardian=False)
    withdrawn = consenting(initiative, status="withdrawn")
    no_show = consenting(initiative, status="no_show")
    police = consenting(initiative, role_category="sworn_officer")
    everyone = [
        adult,
        no_consent,
        withdrew_consent,
        minor_with_guardian,
        minor_alone,
        withdrawn,
        no_show,
        police,
    ]
    circle_meeting_in(initiative, 7, people=everyone)
    not_placed = consenting(initiative)

    outcome = wave_services.surveys_plan()

    assert invited_ids(wave) == {adult.pk, minor_with_guardian.pk, police.pk}
    assert not_placed.pk not in invited_ids(wave)
    assert outcome == {"invited": 3, "emails": 3}
    # A minor without an address of their own: the email goes to the guardian.
    to = set(rows(wave_services.INVITE).values_list("to_email", flat=True))
    assert to == {adult.email, minor_with_guardian.guardian_email, police.email}
    groups = dict(Invitation.objects.values_list("participant_id", "group"))
    assert groups[police.pk] == "police_official"
    assert groups[minor_with_guardian.pk] == "young_person"


def test_the_pre_wave_closes_at_the_first_meeting_and_misses_circles_already_begun(initiative):
    wave = set_up(initiative, "pre", answer_days=14)
    soon, started, unscheduled = (
        consenting(initiative),
        consenting(initiative),
        consenting(initiative),
    )
    circle = circle_meeting_in(initiative, 3, people=[soon])
    later = CircleSessionFactory(circle=circle, number=2, starts_at=timezone.now() + timedelta(9))
    circle_meeting_in(initiative, -1, people=[started])
    CircleMemberFactory(circle=CircleFactory(initiative=initiative), participant=unscheduled)
    now = timezone.now()

    wave_services.surveys_plan(now=now)

    by_person = {i.participant_id: i for i in Invitation.objects.filter(wave=wave)}
    assert set(by_person) == {soon.pk, unscheduled.pk}
    first = circle.meetings.order_by("starts_at").first()
    assert first != later
    assert by_person[soon.pk].opens_at == now
    assert by_person[soon.pk].closes_at == first.starts_at
    assert by_person[unscheduled.pk].closes_at == now + timedelta(days=14)


def test_the_post_wave_asks_when_the_last_meeting_has_ended(initiative):
    wave = set_up(initiative, "post", answer_days=10)
    Wave.objects.filter(pk=wave.pk).update(created_at=timezone.now() - timedelta(days=30))
    ended, going_on = consenting(initiative), consenting(initiative)
    circle = circle_meeting_in(initiative, -3, people=[ended])
    # A cancelled meeting later on does not count as the last one.
    CircleSessionFactory(
        circle=circle, number=2, starts_at=timezone.now() + timedelta(days=2), status="cancelled"
    )
    circle_meeting_in(initiative, 2, people=[going_on])

    wave_services.surveys_plan()

    invitation = Invitation.objects.get(wave=wave)
    last = circle.meetings.get(number=1)
    assert invitation.participant == ended
    assert invitation.opens_at == last.starts_at + timedelta(minutes=120)
    assert invitation.closes_at == invitation.opens_at + timedelta(days=10)


def test_the_follow_up_asks_its_days_after_the_last_meeting(initiative):
    wave = set_up(initiative, "follow_up", follow_up_days=30, answer_days=10)
    Wave.objects.filter(pk=wave.pk).update(created_at=timezone.now() - timedelta(days=90))
    due, not_yet = consenting(initiative), consenting(initiative)
    circle_meeting_in(initiative, -31, people=[due])
    circle_meeting_in(initiative, -20, people=[not_yet])

    wave_services.surveys_plan()

    assert invited_ids(wave) == {due.pk}


def test_the_sweep_twice_adds_nothing(initiative):
    wave = set_up(initiative, "pre")
    circle_meeting_in(initiative, 7, people=[consenting(initiative) for _ in range(3)])

    first = wave_services.surveys_plan()
    invitations, emails = Invitation.objects.count(), OutboxMessage.objects.count()
    second = wave_services.surveys_plan()

    assert first["invited"] == 3
    assert second == {"invited": 0, "emails": 0}
    assert (Invitation.objects.count(), OutboxMessage.objects.count()) == (invitations, emails)
    assert len(invited_ids(wave)) == 3


def _plan_queries(initiative, people: int) -> int:
    set_up(initiative, "pre")
    set_up(initiative, "post")
    for _ in range(3):
        circle_meeting_in(
            initiative, 7, people=[consenting(initiative) for _ in range(people // 3)]
        )
    minor = consenting_minor(initiative)
    circle_meeting_in(initiative, -2, people=[minor])
    with CaptureQueriesContext(connection) as queries:
        outcome = wave_services.surveys_plan()
    assert outcome["invited"] == people + 1
    return len(queries)


def test_the_sweeps_queries_do_not_grow_with_the_number_of_people(initiative, other_initiative):
    # 1× and 10× (kept under the outbox's single INSERT on SQLite, whose parameter limit splits
    # a bulk insert of more than about 75 emails in two).
    few = _plan_queries(initiative, 3)
    many = _plan_queries(other_initiative, 30)
    assert few == many


# --- the reminder ---------------------------------------------------------------------------------


def test_one_reminder_after_reminder_days_to_those_who_have_not_answered(initiative):
    wave = set_up(initiative, "pre", reminder_days=3)
    quiet, answered = consenting(initiative), consenting(initiative)
    circle_meeting_in(initiative, 10, people=[quiet, answered])
    start = timezone.now()
    wave_services.surveys_plan(now=start)
    assert rows(wave_services.REMINDER).count() == 0

    response_submit(wave=wave, participant=answered, data=COMMUNITY, now=start + timedelta(1))
    wave_services.surveys_plan(now=start + timedelta(days=3, minutes=1))
    wave_services.surveys_plan(now=start + timedelta(days=4))

    reminder = rows(wave_services.REMINDER).get()
    assert reminder.to_email == quiet.email
    assert reminder.params == {"wave": wave.pk, "participant": quiet.pk}


def test_no_reminder_when_reminder_days_is_zero(initiative):
    set_up(initiative, "pre", reminder_days=0)
    circle_meeting_in(initiative, 10, people=[consenting(initiative)])
    start = timezone.now()
    wave_services.surveys_plan(now=start)
    wave_services.surveys_plan(now=start + timedelta(days=5))
    assert rows(wave_services.REMINDER).count() == 0


# --- the emails -----------------------------------------------------------------------------------


def test_the_invitation_is_in_spanish_for_a_spanish_speaker_with_a_working_link(client, initiative):
    set_up(initiative, "pre")
    person = consenting(initiative, preferred_language="es")
    circle_meeting_in(initiative, 7, people=[person])
    wave_services.surveys_plan()

    outcome = outbox.send_batch(list(rows(wave_services.INVITE).values_list("pk", flat=True)))

    assert outcome["sent"] == 1
    message = mail.outbox[0]
    assert message.to == [person.email]
    assert "Cinco minutos" in message.subject
    assert "Responder la encuesta" in message.body
    link = next(word for word in message.body.split() if "/surveys/pre/" in word)
    page = client.get(urlsplit(link).path, HTTP_ACCEPT_LANGUAGE="es")
    assert page.status_code == 200
    assert "La policía de mi comunidad trata a las personas con justicia." in page.text


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda wave, p: Invitation.objects.filter(participant=p).update(answered=True),
            id="answered",
        ),
        pytest.param(
            lambda wave, p: Wave.objects.filter(pk=wave.pk).update(closed_at=timezone.now()),
            id="closed",
        ),
        pytest.param(lambda wave, p: Invitation.objects.filter(participant=p).delete(), id="gone"),
        pytest.param(
            lambda wave, p: Consent.objects.filter(
                participant=p, kind=ConsentKind.EVALUATION
            ).update(withdrawn_at=timezone.now()),
            id="consent-withdrawn",
        ),
        pytest.param(
            lambda wave, p: Participant.objects.filter(pk=p.pk).update(status="withdrawn"),
            id="withdrew",
        ),
    ],
)
def test_an_invitation_that_no_longer_applies_is_cancelled(initiative, change):
    wave = set_up(initiative, "pre")
    person = consenting(initiative)
    circle_meeting_in(initiative, 7, people=[person])
    wave_services.surveys_plan()
    row = rows(wave_services.INVITE).get()
    change(wave, person)

    outcome = outbox.send_batch([row.pk])

    row.refresh_from_db()
    assert outcome["cancelled"] == 1
    assert row.status == OutboxStatus.CANCELLED
    assert mail.outbox == []


def test_withdrawing_the_consent_through_the_service_forgets_the_invitation(initiative):
    wave = set_up(initiative, "pre")
    person = consenting(initiative)
    circle_meeting_in(initiative, 7, people=[person])
    wave_services.surveys_plan()
    consent_set(participant=person, kind=ConsentKind.EVALUATION, given=False)
    assert invited_ids(wave) == set()
    # ...and the next sweep does not ask them again.
    wave_services.surveys_plan()
    assert invited_ids(wave) == set()


def test_giving_the_consent_again_brings_a_new_invitation_email(initiative):
    wave = set_up(initiative, "pre")
    person = consenting(initiative)
    circle_meeting_in(initiative, 7, people=[person])
    wave_services.surveys_plan(now=timezone.now() - timedelta(hours=2))
    consent_set(participant=person, kind=ConsentKind.EVALUATION, given=False)
    consent_set(participant=person, kind=ConsentKind.EVALUATION, given=True)
    wave_services.surveys_plan()
    assert invited_ids(wave) == {person.pk}
    assert rows(wave_services.INVITE).filter(to_email=person.email).count() == 2


def test_the_beat_runs_the_sweep_every_15_minutes():
    from dialogue_hub.celery import app

    entry = app.conf.beat_schedule["plan-survey-waves"]
    assert entry["task"] == "evaluation.tasks.surveys_plan"
    assert entry["schedule"].minute == set(range(0, 60, 15))


def test_a_second_consent_row_does_not_double_the_invitation(initiative):
    wave = set_up(initiative, "pre")
    person = consenting(initiative)
    # An earlier evaluation consent, withdrawn, beside the active one; and another kind.
    ConsentFactory(participant=person, kind=ConsentKind.EVALUATION, withdrawn_at=timezone.now())
    ConsentFactory(participant=person, kind=ConsentKind.MEDIA)
    circle_meeting_in(initiative, 7, people=[person])
    wave_services.surveys_plan()
    assert Invitation.objects.filter(wave=wave).count() == 1
    assert rows(wave_services.INVITE).filter(to_email=person.email).count() == 1
