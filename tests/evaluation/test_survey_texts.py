"""Survey waves by text: the invitation and its reminder go by text too (or instead) to a
person who chose texts, through the participants app's one routing helper, and each text reads
in English and Spanish, names the sender and carries the survey link."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dialogue_hub import outbox, texts
from dialogue_hub.models import OutboxMessage
from dialogue_hub.outbox_texts import render_text
from evaluation.services import waves as wave_services
from participants.models import ConsentKind, ContactBy

from ..factories import ConsentFactory
from ..helpers import text_link_target
from .waves_helpers import circle_meeting_in, consenting, set_up

pytestmark = pytest.mark.django_db


def texting(initiative, contact_by=ContactBy.TEXT, **fields):
    fields.setdefault("phone", "+12015550160")
    person = consenting(initiative, contact_by=contact_by, **fields)
    ConsentFactory(participant=person, kind=ConsentKind.TEXTS)
    return person


def test_the_invitation_and_reminder_go_by_text_to_those_who_chose_it(initiative):
    set_up(initiative, "pre", reminder_days=3)
    by_text = texting(initiative)
    by_both = texting(initiative, contact_by=ContactBy.BOTH, phone="+12015550161")
    by_email = consenting(initiative, phone="+12015550162")
    circle_meeting_in(initiative, 10, people=[by_text, by_both, by_email])
    start = timezone.now()
    wave_services.surveys_plan(now=start)
    wave_services.surveys_plan(now=start + timedelta(days=3, minutes=1))

    for kind in (wave_services.INVITE, wave_services.REMINDER):
        rows = OutboxMessage.objects.filter(kind=kind)
        emails = set(rows.filter(channel="email").values_list("to_email", flat=True))
        assert emails == {by_both.email, by_email.email}, kind
        text_rows = rows.filter(channel="text")
        assert set(text_rows.values_list("to_phone", flat=True)) == {
            "+12015550160",
            "+12015550161",
        }
        # Texts only: the email address is kept as the fallback if the number is refused.
        assert text_rows.get(to_phone="+12015550160").to_email == by_text.email


@pytest.mark.parametrize("kind", [wave_services.INVITE, wave_services.REMINDER])
@pytest.mark.parametrize("language", ["en", "es"])
def test_each_survey_text_names_the_sender_and_carries_the_survey_link(
    initiative, client, kind, language
):
    set_up(initiative, "pre")
    person = texting(initiative, preferred_language=language)
    circle_meeting_in(initiative, 7, people=[person])
    wave_services.surveys_plan()
    row = OutboxMessage.objects.filter(kind=wave_services.INVITE, channel="text").get()
    row.kind = kind
    body = render_text(row, outbox.KINDS[kind])
    assert body.startswith(f"{texts.sender_label()}: ")
    spanish = ("encuesta" in body) and ("Abierta hasta" in body or "Recuerde" in body)
    assert spanish == (language == "es"), body
    link = text_link_target(body)
    assert "/surveys/pre/" in link
    assert client.get(link).status_code == 200
    size = texts.segments(body)
    print(f"{kind} [{language}]: {size.count} segment(s), {size.encoding}, {size.length} chars")
    assert size.count <= 2
