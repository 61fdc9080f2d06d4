"""The inclusion dashboard on the Riverton demo data, checked against figures computed here
independently with plain Python over the rows."""

import math

import pytest
from django.urls import reverse

from initiatives.models import Role
from participants.models import Participant
from participants.selectors.inclusion import inclusion_dashboard

pytestmark = pytest.mark.django_db


def test_gaps_on_the_demo_match_an_independent_count(demo):
    people = [p for p in Participant.objects.filter(initiative=demo) if p.status != "withdrawn"]
    total = len(people)
    young = sum(p.role_category == "young_person" for p in people)
    officers = sum(p.role_category == "sworn_officer" for p in people)
    age_18_24 = sum(p.age_band == "18_24" for p in people)
    assert min(young, officers, age_18_24) >= 10  # the demo is big enough that these are shown

    expected = {
        ("role_category", "young_person"): max(math.ceil(0.25 * total) - young, 0),
        ("role_category", "sworn_officer"): max(40 - officers, 0),
        ("age_band", "18_24"): max(math.ceil(0.15 * total) - age_18_24, 0),
    }
    dashboard = inclusion_dashboard(initiative=demo)
    assert dashboard.total == total
    rows = {(table.key, row.key): row for table in dashboard.dimensions for row in table.rows}
    for key, gap in expected.items():
        assert rows[key].gap == gap, key
    for (_dimension, _group), gap in expected.items():
        if gap:
            assert any(f"{gap} more people needed" in alert for alert in dashboard.alerts), (
                gap,
                dashboard.alerts,
            )

    # Representation ratio for one neighborhood, by hand: share of participants ÷ community share.
    eastside = sum(p.neighborhood == "Eastside" for p in people)
    ratio = (eastside / total) / 0.16
    assert float(rows[("neighborhood", "Eastside")].ratio) == pytest.approx(ratio, abs=0.01)


def test_coalition_lead_sees_the_demo_dashboard_without_small_counts(client, demo):
    from ..factories import MembershipFactory

    lead = MembershipFactory(initiative=demo, role=Role.COALITION_LEAD).user
    client.force_login(lead)
    page = client.get(reverse("participants:inclusion", args=[demo.slug])).content.decode()
    import re

    counts = re.findall(r'data-count="([^"]*)"', page)
    assert counts
    for value in counts:
        assert value == "suppressed" or int(value) == 0 or int(value) >= 10, value
