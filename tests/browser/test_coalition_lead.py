"""Coalition lead, in a real browser: the inclusion and progress dashboards of an initiative as
big as the demo's (300 sign-ups with the demo's mix), where every chart has a table with the same
figures on the page, and neither dashboard blocks the browser (the budget in conftest.py)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from initiatives.models import Role
from participants.demo import seed_participants
from participants.models import InclusionTarget

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

# A fictional census, for the dimensions the demo's sign-ups have no benchmark in.
COMMUNITY = {
    "role_category": {"resident": "0.80", "sworn_officer": "0.01", "educator": "0.03"},
    "age_band": {
        "18_24": "0.12",
        "25_34": "0.17",
        "35_44": "0.16",
        "45_54": "0.15",
        "55_64": "0.14",
        "65_plus": "0.16",
    },
    "language": {"en": "0.72", "es": "0.28"},
    "lived_experience": {
        "Immigrant or refugee": "0.14",
        "LGBTQ+": "0.07",
        "Disability": "0.13",
        "Formerly incarcerated": "0.05",
        "Experienced homelessness": "0.03",
    },
}


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
    # ... and the community's make-up in every dimension, as a coalition that has set up its
    # benchmarks fully has it: a chart per dimension.
    for dimension, shares in COMMUNITY.items():
        for group, share in shares.items():
            InclusionTarget.objects.update_or_create(
                initiative=initiative,
                dimension=dimension,
                group=group,
                defaults={"community_share": Decimal(share), "source": "ACS", "source_year": 2023},
            )
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
    assert inclusion_charts == 7  # one per dimension, and the weeks

    j.go(reverse("actions:dashboard"))
    j.check("progress")
    progress_charts = assert_charts_have_tables(page)
    assert inclusion_charts + progress_charts > 0
