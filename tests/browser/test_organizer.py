"""Organizer, in a real browser: sign in, create an initiative, add a coalition organization,
set an inclusion target, create a circle, generate its meetings and see them listed."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from initiatives.models import Initiative, Role

from ..factories import (
    PASSWORD,
    DiscussionGuideFactory,
    GuideSessionFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_organizer_sets_up_an_initiative_with_a_circle_and_its_meetings(journey):
    organizer = UserFactory(email="dana@example.org", display_name="Dana Whitfield")
    j = journey("organizer")
    page = j.page
    j.sign_in(organizer.email, PASSWORD)
    j.check("home")

    j.go(reverse("initiatives:create"))
    j.check("initiative-new")
    page.fill("input[name=name_en]", "Riverton Dialogues")
    page.fill("input[name=community]", "City of Riverton")
    page.fill("textarea[name=description_en]", "Residents and police in small circles.")
    page.check("input[name=languages][value=es]")
    page.select_option("select[name=timezone]", "America/Chicago")
    page.fill("input[name=starts_on]", "2027-02-01")
    page.fill("input[name=ends_on]", "2027-11-30")
    with page.expect_navigation():
        page.locator("main form [type=submit]").last.click()
    initiative = Initiative.objects.get(name="Riverton Dialogues")
    assert page.url.endswith(initiative.get_absolute_url())
    j.check("initiative")
    slug = initiative.slug

    j.go(reverse("initiatives:coalition_add", args=[slug]))
    j.check("coalition-add")
    page.fill("input[name=name]", "Riverton Police Department")
    page.select_option("select[name=sector]", "police")
    page.select_option("select[name=role]", "partner")
    with page.expect_navigation():
        page.locator("main form [type=submit]").last.click()
    expect(page.locator("main")).to_contain_text("Riverton Police Department")
    j.check("coalition")

    j.go(reverse("participants:inclusion_target_add", args=[slug]))
    j.check("target-dimension")
    page.select_option("select[name=dimension]", "role_category")
    with page.expect_navigation():
        page.locator("main form [type=submit]").last.click()
    j.check("target-add")
    page.select_option("select[name=group]", "young_person")
    page.fill("input[name=community_percent]", "20")
    page.fill("input[name=source]", "US Census ACS 5-year")
    page.fill("input[name=target_count]", "12")
    with page.expect_navigation():
        page.locator("main form [type=submit]").last.click()
    expect(page.locator("main")).to_contain_text("US Census ACS 5-year")
    j.check("targets")

    # A circle needs a facilitator on the team and, for its schedule, a guide with sessions
    # (invitations and copying a guide from the library have their own tests).
    facilitator = UserFactory(display_name="Lucía Moreno")
    MembershipFactory(user=facilitator, initiative=initiative, role=Role.FACILITATOR)
    guide = DiscussionGuideFactory(initiative=initiative, title="Police and residents")
    GuideSessionFactory.create_batch(3, guide=guide)
    j.go(reverse("guides:circle_add", args=[slug]))
    j.check("circle-new")
    page.fill("input[name=name]", "Eastside Tuesday")
    page.fill("input[name=venue_name_en]", "Eastside Library")
    page.select_option("select[name=facilitator_1]", str(facilitator.pk))
    page.select_option("select[name=guide]", str(guide.pk))
    with page.expect_navigation():
        page.locator("main form [type=submit]").last.click()
    circle = initiative.circles.get(name="Eastside Tuesday")
    j.check("circle")

    j.go(reverse("guides:circle_schedule_generate", args=[slug, circle.pk]))
    j.check("schedule-generate")
    first_day = timezone.localdate() + timedelta(days=14)
    page.fill("input[name=first_day]", first_day.isoformat())
    page.fill("input[name=start_time]", "18:30")
    with page.expect_navigation():
        page.locator("main form [type=submit]").last.click()
    assert circle.meetings.count() == 3
    j.check("schedule")
    expect(page.locator("main")).to_contain_text(re.compile("18:30|6:30"))

    j.go(reverse("guides:circles", args=[slug]))
    expect(page.locator("main")).to_contain_text("Eastside Tuesday")
    j.check("circles")
