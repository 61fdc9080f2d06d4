"""Coalition lead, in a real browser: the inclusion and progress dashboards of an initiative as
big as the demo's (300 sign-ups with the demo's mix), where every chart has a table with the same
figures on the page, and neither dashboard blocks the browser (the budget in conftest.py)."""

import pytest
from django.urls import reverse

from initiatives.models import Role
from participants.demo import seed_participants

from ..factories import (
    PASSWORD,
    ActionTeamFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    OutcomeFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_charts_have_tables(page) -> int:
    charts = page.evaluate(
        """() => [...document.querySelectorAll('[data-chart]')].map((chart) => {
            const ids = (chart.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
            const described = ids.map((id) => document.getElementById(id)).filter(Boolean);
            const table = described.find((el) => el.matches('table') || el.querySelector('table'));
            return {chart: chart.outerHTML.slice(0, 120), rows: table ? table.querySelectorAll('tr').length : 0};
        })"""
    )
    missing = [chart["chart"] for chart in charts if chart["rows"] < 2]
    assert not missing, f"charts without a table alternative on {page.url}: {missing}"
    return len(charts)


def test_coalition_lead_reads_the_dashboards_with_table_alternatives(journey):
    initiative = InitiativeFactory(name="Riverton Dialogues")
    lead = UserFactory(display_name="Grace Lee")
    MembershipFactory(user=lead, initiative=initiative, role=Role.COALITION_LEAD)
    # The demo's sign-ups (bulk inserted, a fraction of a second): realistic numbers of groups,
    # weeks, targets and benchmarks, so a page that gets slow with real data is slow here too.
    seed_participants(initiative, team=[(lead.email, lead.display_name)], count=300)
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
