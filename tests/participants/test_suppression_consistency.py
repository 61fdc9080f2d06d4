"""Two pages that show the same breakdown must hide the same cells: otherwise one page's
shown cell gives back what the other page hid."""

import random

import pytest

from participants.models import Channel
from participants.selectors import inclusion, outreach

from ..factories import (
    CoalitionMembershipFactory,
    InitiativeFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seed", range(6))
def test_dashboard_and_attribution_page_hide_the_same_partner_and_channel_cells(seed):
    rng = random.Random(seed)
    initiative = InitiativeFactory()
    RegistrationSettingsFactory(initiative=initiative)
    partners = [CoalitionMembershipFactory(initiative=initiative) for _ in range(4)]
    for _ in range(rng.randint(15, 60)):
        ParticipantFactory(
            initiative=initiative,
            partner=rng.choice([*partners, None, None]),
            how_heard=rng.choice([*Channel.values[:5], ""]),
        )
    dashboard = inclusion.inclusion_dashboard(initiative=initiative)
    partner_rows = {row.key: row for row in dashboard.partners.rows}
    channel_rows = {row.key: row for row in dashboard.channels.rows}

    partner_table = outreach.signups_by_partner_table(initiative=initiative)
    for cell in partner_table.cells:
        key = inclusion.NO_PARTNER if cell.key == outreach.NO_PARTNER else str(cell.key)
        assert partner_rows[key].suppressed == cell.suppressed, (seed, key)
    channel_table = outreach.signups_by_channel_table(initiative=initiative)
    for cell in channel_table.cells:
        key = inclusion.NOT_GIVEN if cell.key == outreach.NOT_GIVEN else cell.key
        assert channel_rows[key].suppressed == cell.suppressed, (seed, key)
