"""A safety concern, in a real browser (issue 15, item 4): a facilitator on a phone records it in
the session log; the organizer's email arrives through the outbox; the police liaison is refused
the case's page; the organizer takes the case from open to acknowledged to resolved."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from dialogue_hub.models import OutboxMessage
from guides.models import SafetyCase
from guides.services.safety import OPENED
from initiatives.models import Role

from ..factories import (
    PASSWORD,
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    InitiativeFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONCERN = "A resident fears being stopped after speaking about a neighbour's arrest."


def team_member(initiative, role, name, email):
    user = UserFactory(display_name=name, email=email)
    MembershipFactory(user=user, initiative=initiative, role=role)
    return user


def test_a_safety_concern_goes_from_the_phone_to_a_resolved_case(journey):
    initiative = InitiativeFactory(name="Riverton Dialogues")
    organizer = team_member(initiative, Role.ORGANIZER, "Dana Whitfield", "dana@example.org")
    facilitator = team_member(initiative, Role.FACILITATOR, "Lucía Moreno", "lucia@example.org")
    liaison = team_member(initiative, Role.POLICE_LIAISON, "Sgt. Ray Cole", "ray@example.org")
    circle = CircleFactory(initiative=initiative, name="Eastside Tuesday")
    CircleStaffFactory(circle=circle, user=facilitator, role="facilitator")
    for name in ["Ana Ruiz", "Ben Okafor"]:
        CircleMemberFactory(circle=circle, participant__name=name)
    CircleSessionFactory(circle=circle, number=1, starts_at=timezone.now() - timedelta(hours=3))

    # The facilitator writes it down on a phone, in the room.
    phone = journey(
        "safety-facilitator", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    page = phone.page
    phone.sign_in(facilitator.email, PASSWORD)
    phone.go(reverse("guides:my_circles", args=[initiative.slug]))
    with page.expect_navigation():
        page.get_by_role("link", name="Write the log").first.click()
    page.fill("textarea[name=agreements]", "More street lighting on Elm.")
    page.fill("textarea[name=safety_concerns]", CONCERN)
    page.select_option("select[name=safety_category]", "retaliation")
    page.select_option("select[name=safety_severity]", "high")
    phone.check("log-with-concern")
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    case = SafetyCase.objects.get()
    assert (case.status, case.category, case.severity) == ("open", "retaliation", "high")
    assert case.reported_by == facilitator

    # The organizer's email went through the outbox (sent at once), with a link and no text.
    row = OutboxMessage.objects.get(kind=OPENED, to_email=organizer.email)
    assert row.status == "sent"
    assert not OutboxMessage.objects.filter(kind=OPENED, to_email=liaison.email).exists()
    (email,) = [m for m in mail.outbox if m.to == [organizer.email]]
    assert CONCERN not in email.body
    case_path = re.search(r"https?://[^/\s]+(/manage/\S+/safety/\d+/)", email.body).group(1)
    assert case_path == reverse("guides:safety_case", args=[initiative.slug, case.pk])

    # The police liaison is refused the case's page.
    desk = journey("safety-liaison")
    desk.sign_in(liaison.email, PASSWORD)
    response = desk.page.goto(desk.url(case_path))
    assert response.status == 403
    expect(desk.page.locator("main")).not_to_contain_text(CONCERN)

    # The organizer sees it on their home, opens it from the email and resolves it.
    office = journey("safety-organizer")
    page = office.page
    office.sign_in(organizer.email, PASSWORD)
    office.go(reverse("home"))
    expect(page.locator("main")).to_contain_text("1 open safety case")
    office.go(case_path)
    expect(page.locator("main")).to_contain_text(CONCERN)
    office.check("case-open")
    with page.expect_navigation():
        page.get_by_role("button", name="Acknowledge: I am taking this up").click()
    expect(page.locator("main")).to_contain_text("Acknowledged")
    page.fill("textarea[name=resolution]", "Met the resident with a legal aid volunteer; safe.")
    with page.expect_navigation():
        page.get_by_role("button", name="Resolve", exact=True).click()
    office.check("case-resolved")
    case.refresh_from_db()
    assert (case.status, case.resolved_by, case.acknowledged_by) == (
        "resolved",
        organizer,
        organizer,
    )
    expect(page.locator("main")).to_contain_text("Met the resident with a legal aid volunteer")
