"""Coalition lead, in a real browser: the inclusion and progress dashboards, where every chart
(<canvas>) has a table with the same figures on the page."""

import pytest
from django.urls import reverse

from initiatives.models import Role

from ..factories import (
    PASSWORD,
    ActionTeamFactory,
    DemographicsFactory,
    InclusionTargetFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    OutcomeFactory,
    ParticipantFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_charts_have_tables(page) -> int:
    charts = page.evaluate(
        """() => [...document.querySelectorAll('canvas')].map((canvas) => {
            const ids = (canvas.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
            const described = ids.map((id) => document.getElementById(id)).filter(Boolean);
            const table = described.find((el) => el.matches('table') || el.querySelector('table'));
            return {chart: canvas.outerHTML.slice(0, 120), rows: table ? table.querySelectorAll('tr').length : 0};
        })"""
    )
    missing = [chart["chart"] for chart in charts if chart["rows"] < 2]
    assert not missing, f"charts without a table alternative on {page.url}: {missing}"
    return len(charts)


def test_coalition_lead_reads_the_dashboards_with_table_alternatives(journey):
    initiative = InitiativeFactory(name="Riverton Dialogues")
    lead = UserFactory(display_name="Grace Lee")
    MembershipFactory(user=lead, initiative=initiative, role=Role.COALITION_LEAD)
    for index in range(24):
        DemographicsFactory(
            participant=ParticipantFactory(
                initiative=initiative,
                neighborhood=["Eastside", "Northgate"][index % 2],
                role_category=["resident", "young_person", "sworn_officer"][index % 3],
            ),
            gender=["woman", "man"][index % 2],
        )
    InclusionTargetFactory(initiative=initiative, target_count=10)
    team = ActionTeamFactory(initiative=initiative, name="Youth and police")
    MilestoneFactory(goal__team=team, status="done")
    MilestoneFactory(goal__team=team)
    OutcomeFactory(team=team, title="Basketball league started")

    j = journey("coalition-lead")
    page = j.page
    j.sign_in(lead.email, PASSWORD)

    j.go(reverse("participants:inclusion", args=[initiative.slug]))
    j.check("inclusion")
    inclusion_charts = assert_charts_have_tables(page)

    j.go(reverse("actions:dashboard"))
    j.check("progress")
    progress_charts = assert_charts_have_tables(page)
    assert inclusion_charts + progress_charts > 0
