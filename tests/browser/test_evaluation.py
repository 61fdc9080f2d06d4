"""Evaluation, as its people meet it in a real browser.

A resident who reads Spanish answers the pre survey on a phone from the link in her email,
later the post survey the same way; the organizer then opens the evaluation report, sees the
change for residents and for police and officials, follows the chart's table, and downloads
the report as a PDF."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from evaluation.models import Response, WaveKind
from evaluation.services import waves as wave_services
from evaluation.services.responses import pseudonym, response_submit
from guides.models import CircleSession
from initiatives.models import Role
from participants.models import ConsentKind, RoleCategory

from ..factories import (
    PASSWORD,
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    ConsentFactory,
    InitiativeFactory,
    MembershipFactory,
    ParticipantFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
KEYS = ("fair", "listen", "respect", "explain", "trustworthy", "confidence", "work_together")


def email_path(body: str, pattern: str) -> str:
    return re.search(rf"https?://[^/\s]+({pattern})(?=\s|$)", body, re.MULTILINE).group(1)


def placed(circle, n, **fields):
    people = []
    for _ in range(n):
        person = ParticipantFactory(initiative=circle.initiative, status="assigned", **fields)
        ConsentFactory(participant=person, kind=ConsentKind.EVALUATION)
        CircleMemberFactory(circle=circle, participant=person)
        people.append(person)
    return people


def plan_and_deliver(person):
    """Run the planning sweep (its emails go out at once, as the worker sends them) and
    return the invitation the person received."""
    mail.outbox.clear()
    wave_services.surveys_plan()
    (message,) = [message for message in mail.outbox if message.to == [person.email]]
    return message


def answer_on_the_phone(j, message, values, step):
    page = j.page
    j.go(email_path(message.body, r"/registration/[^/\s]+/surveys/[a-z_]+/"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("main")).to_contain_text("La policía de mi comunidad trata a las personas")
    j.check(f"{step}-questions")
    for key, value in zip(KEYS, values, strict=True):
        radio = page.locator(f"input[name='{key}'][value='{value}']")
        page.locator(f"label[for='{radio.get_attribute('id')}']").click()
        expect(radio).to_be_checked()
    with page.expect_navigation():
        page.get_by_role("button", name="Enviar mis respuestas").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    j.check(f"{step}-sent")


def others_answer(wave, people, value):
    for person in people:
        response_submit(wave=wave, participant=person, data=dict.fromkeys(KEYS, str(value)))


def test_a_resident_answers_both_waves_on_a_phone_and_the_organizer_sees_the_change(journey):
    initiative = InitiativeFactory(name="Diálogos de Riverton", languages=["en", "es"])
    organizer = UserFactory(display_name="Olivia Organizer")
    MembershipFactory(user=organizer, initiative=initiative, role=Role.ORGANIZER)
    residents_circle = CircleFactory(initiative=initiative, name="Círculo del Este")
    officers_circle = CircleFactory(initiative=initiative, name="Círculo del Oeste")
    soon = timezone.now() + timedelta(days=2)
    for circle in (residents_circle, officers_circle):
        CircleSessionFactory(circle=circle, number=1, starts_at=soon, duration_minutes=120)
    rosa = placed(residents_circle, 1, name="Rosa Gutiérrez", preferred_language="es")[0]
    residents = placed(residents_circle, 11)
    officers = placed(officers_circle, 10, role_category=RoleCategory.SWORN_OFFICER)

    # Before the first meeting: the pre wave asks everyone placed.
    pre = wave_services.wave_set_up(initiative=initiative, kind=WaveKind.PRE, actor=organizer)
    invitation = plan_and_deliver(rosa)
    assert invitation.to == [rosa.email]
    # Her phone speaks Spanish (the browser asks for it: Accept-Language).
    j = journey(
        "evaluation-participant", viewport=PHONE, is_mobile=True, has_touch=True, locale="es-US"
    )
    answer_on_the_phone(j, invitation, [2, 2, 3, 2, 2, 2, 3], "pre")
    expect(j.page.locator("main")).to_contain_text("Gracias")
    others_answer(pre, residents, 2)
    others_answer(pre, officers, 3)

    # The circles met; their last meeting has ended: the post wave asks them again.
    CircleSession.objects.update(starts_at=timezone.now() - timedelta(hours=3))
    post = wave_services.wave_set_up(initiative=initiative, kind=WaveKind.POST, actor=organizer)
    answer_on_the_phone(j, plan_and_deliver(rosa), [4, 4, 4, 3, 4, 4, 5], "post")
    others_answer(post, residents, 4)
    others_answer(post, officers, 4)
    answers = Response.objects.filter(respondent=pseudonym(rosa))
    assert sorted(answers.values_list("wave__kind", flat=True)) == ["post", "pre"]

    # The organizer opens the evaluation report and sees the change for both groups.
    o = journey("evaluation-organizer")
    page = o.page
    o.sign_in(organizer.email, PASSWORD)
    o.go(reverse("evaluation:report", args=[initiative.slug]))
    o.check("report")
    summary = page.locator("[data-change-summary=table]")
    residents_row = summary.locator("tr[data-scale=trust]", has_text="Residents")
    officers_row = summary.locator("tr[data-scale=trust]", has_text="Police and officials")
    # Residents' trust scale: Rosa 2,2,3 → 4,4,5, eleven others 2 → 4: (2⅓ + 11 × 2) / 12 =
    # 2.03 before, 4.03 after, everyone up by 2.
    expect(residents_row).to_contain_text("2.03")
    expect(residents_row).to_contain_text("4.03")
    expect(residents_row).to_contain_text("+2.00")
    expect(officers_row).to_contain_text("3.00")
    expect(officers_row).to_contain_text("4.00")
    expect(officers_row).to_contain_text("+1.00")

    o.go(reverse("evaluation:change", args=[initiative.slug]))
    o.check("change")
    with page.expect_download() as download:
        o.go(reverse("evaluation:report", args=[initiative.slug]))
        page.get_by_role("link", name="Download as PDF").click()
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert initiative.activity.filter(action="evaluation.report_exported").count() == 1
