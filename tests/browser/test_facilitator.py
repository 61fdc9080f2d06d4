"""Facilitator, in a real browser: my circles, attendance for a meeting that happened, then
the session log written and submitted for approval."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from guides.models import Attendance, LogStatus, SessionLog
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

# A theme as long as a log takes (80 characters): on a phone it must wrap, not widen the page.
LONG_THEME = "Residents and officers want the park lit and patrolled on foot on weekend nights"


def test_facilitator_takes_attendance_and_submits_the_log(journey):
    initiative = InitiativeFactory(name="Riverton Dialogues")
    facilitator = UserFactory(display_name="Lucía Moreno")
    MembershipFactory(user=facilitator, initiative=initiative, role=Role.FACILITATOR)
    circle = CircleFactory(initiative=initiative, name="Eastside Tuesday")
    CircleStaffFactory(circle=circle, user=facilitator, role="facilitator")
    ana, ben, cy = (
        CircleMemberFactory(circle=circle, participant__name=name).participant
        for name in ["Ana Ruiz", "Ben Okafor", "Cy Tran"]
    )
    meeting = CircleSessionFactory(
        circle=circle, number=1, starts_at=timezone.now() - timedelta(days=1)
    )
    # A facilitator logs the meeting on a phone, in the room.
    j = journey(
        "facilitator", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    page = j.page
    j.sign_in(facilitator.email, PASSWORD)

    j.go(reverse("guides:my_circles", args=[initiative.slug]))
    expect(page.locator("main")).to_contain_text("Eastside Tuesday")
    j.check("my-circles")

    with page.expect_navigation():
        page.get_by_role("link", name="Take attendance").first.click()
    j.check("attendance")
    page.locator(f"label[for=p{ana.pk}-present]").click()
    page.locator(f"label[for=p{ben.pk}-present]").click()
    page.locator(f"label[for=p{cy.pk}-absent]").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Save attendance").click()
    marks = dict(Attendance.objects.filter(meeting=meeting).values_list("participant", "status"))
    assert marks == {ana.pk: "present", ben.pk: "present", cy.pk: "absent"}
    j.check("attendance-saved")

    j.go(reverse("guides:my_circles", args=[initiative.slug]))
    with page.expect_navigation():
        page.get_by_role("link", name="Write the log").first.click()
    j.check("log-edit")
    page.fill("textarea[name=new_themes]", "Trust\nTraffic stops\n" + LONG_THEME)
    page.fill("textarea[name=agreements]", "Everyone wants faster 311 answers.")
    page.fill("textarea[name=action_ideas]", "A youth–police basketball league")
    with page.expect_navigation():
        page.get_by_role("button", name="Save and submit for approval").click()
    log = SessionLog.objects.get(meeting=meeting)
    assert log.status == LogStatus.SUBMITTED
    assert log.themes == ["Trust", "Traffic stops", LONG_THEME]
    j.check("log-submitted")
