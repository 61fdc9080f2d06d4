"""Where each target stands while counts are hidden (issue 17, part 5).

The status of a group with a target ("on track", "below target", "not yet known") must be true,
and must never let a reader learn more about a hidden count than the page already says. Both
are checked exhaustively on small tables: every set of counts that shows the same page gets
the same statuses (so no comparison of statuses, totals or rows can tell them apart), and a
status that is given is always right. Then the same on the dashboard itself, with the partners
who could reach each group.
"""

import itertools
import math
from collections import defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse

from actions.models import ActionTeam
from dialogue_hub.privacy import shown_count
from initiatives.models import CoalitionRole, Role, Sector
from participants.models import InclusionTarget, OutreachActivity
from participants.selectors import inclusion, target_status
from participants.selectors.target_status import BELOW_TARGET, NOT_YET_KNOWN, ON_TRACK

from ..factories import (
    ActionTeamFactory,
    CoalitionMembershipFactory,
    InclusionTargetFactory,
    MembershipFactory,
    OrganizationFactory,
    OutreachActivityFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

GROUPS = ["a", "b", "c"]
COUNT_TARGETS = [0, 1, 2, 3, 5, 9, 10, 11, 12, 14, 20]
SHARE_TARGETS = ["0.1000", "0.2500", "0.3333", "0.5000", "0.9000"]


def _target(group, *, count=None, share=None):
    return InclusionTarget(
        dimension="role_category",
        group=group,
        target_count=count,
        target_share=Decimal(share) if share is not None else None,
    )


def _statuses(counts, targets, *, population=None, additive=True):
    """Build the dashboard's table for `counts` with one target per group, as the dashboard
    does; return (what the page shows, the statuses)."""
    population = sum(counts) if population is None else population
    population_hidden = shown_count(population) is None
    table = inclusion._table(
        key="role_category",
        label="Role",
        counts=[(group, group, n) for group, n in zip(GROUPS, counts, strict=True)],
        population=population,
        population_suppressed=population_hidden,
        additive=additive,
        targets={("role_category", t.group): t for t in targets},
        dimension="role_category",
    )
    target_status.apply_target_statuses([table], population_hidden=population_hidden)
    page = (
        tuple((row.value, row.suppressed, row.target_people) for row in table.rows),
        table.total,
        table.total_suppressed,
        table.population,
        None if population_hidden else population,
    )
    return page, tuple(row.status for row in table.rows)


def _true_target(target, population):
    if target.target_count is not None:
        return target.target_count
    return math.ceil(target.target_share * population)


def _check(tables):
    """tables: [(counts, targets, population)]. Every status is true and depends only on the page."""
    seen = defaultdict(set)
    given = {ON_TRACK: 0, BELOW_TARGET: 0, NOT_YET_KNOWN: 0}
    for counts, targets, population in tables:
        page, statuses = _statuses(counts, targets, population=population)
        seen[(page, tuple((t.target_count, t.target_share) for t in targets))].add(statuses)
        for count, target, status in zip(counts, targets, statuses, strict=True):
            given[status] += 1
            pop = sum(counts) if population is None else population
            if status == ON_TRACK:
                assert count >= _true_target(target, pop), (counts, target, status)
            elif status == BELOW_TARGET:
                assert count < _true_target(target, pop), (counts, target, status)
    leaks = {key: found for key, found in seen.items() if len(found) > 1}
    assert not leaks, f"the same page gives different statuses: {next(iter(leaks.items()))}"
    # The check is not vacuous: every status is given somewhere, many pages hide cells.
    assert all(given.values()), given
    return seen


def test_statuses_of_additive_tables_are_true_and_follow_only_from_the_page():
    tables = []
    for counts in itertools.product(range(13), repeat=3):
        for count_target in COUNT_TARGETS:
            targets = [
                _target("a", count=count_target),
                _target("b", count=max(count_target - 3, 0)),
                _target("c", share=SHARE_TARGETS[count_target % len(SHARE_TARGETS)]),
            ]
            tables.append((counts, targets, None))
    _check(tables)


def test_statuses_of_multi_select_tables_are_true_and_follow_only_from_the_page():
    """Several answers per person: the cells do not add up to the number of participants."""
    tables = []
    for counts in itertools.product(range(11), repeat=3):
        for population in sorted({max(counts), max(counts) + 4, 15}):
            if population == 0:
                continue
            for count_target in (1, 3, 9, 10, 12):
                targets = [
                    _target("a", count=count_target),
                    _target("b", share="0.2500"),
                    _target("c", count=count_target + 2),
                ]
                tables.append((counts, targets, population))
    seen = defaultdict(set)
    for counts, targets, population in tables:
        page, statuses = _statuses(counts, targets, population=population, additive=False)
        seen[(page, count_target_key(targets))].add(statuses)
        for count, target, status in zip(counts, targets, statuses, strict=True):
            if status == ON_TRACK:
                assert count >= _true_target(target, population)
            elif status == BELOW_TARGET:
                assert count < _true_target(target, population)
    assert all(len(found) == 1 for found in seen.values())


def count_target_key(targets):
    return tuple((t.target_count, t.target_share) for t in targets)


def test_a_hidden_count_is_not_compared_with_its_own_target():
    """20 residents, 9 young people, 3 faith leaders: the 9 and the 3 are hidden, and the page
    says they hold 12 together. A status read from the 9 itself ("on track" for a target of
    9) would tell them apart from 3 and 9 swapped, which shows the very same page."""
    targets = [_target("a", count=30), _target("b", count=9), _target("c", count=9)]
    page_one, statuses_one = _statuses([20, 9, 3], targets)
    page_two, statuses_two = _statuses([20, 3, 9], targets)
    assert page_one == page_two
    assert statuses_one == statuses_two == (BELOW_TARGET, NOT_YET_KNOWN, NOT_YET_KNOWN)
    # What the page does allow: each hidden count is from 1 to 11 (12 in two cells).
    low_high = [
        _statuses(
            [20, 9, 3], [_target("a", count=1), _target("b", count=t), _target("c", count=1)]
        )[1]
        for t in (1, 11, 12)
    ]
    assert low_high == [
        (ON_TRACK, ON_TRACK, ON_TRACK),
        (ON_TRACK, NOT_YET_KNOWN, ON_TRACK),
        (ON_TRACK, BELOW_TARGET, ON_TRACK),
    ]


def test_while_the_number_of_participants_is_hidden_a_share_target_is_not_yet_known():
    _page, statuses = _statuses(
        [4, 2, 0], [_target("a", share="0.1000"), _target("b", count=10), _target("c", count=5)]
    )
    # 6 people in all: 4 is surely 10% of them, but "10%" of a hidden number is not a number
    # of people anyone may know; 2 < 10 follows from "fewer than 10"; a shown 0 is below 5.
    assert statuses == (NOT_YET_KNOWN, BELOW_TARGET, BELOW_TARGET)


def test_shown_counts_compare_with_their_target():
    _page, statuses = _statuses(
        [30, 20, 12], [_target("a", share="0.5000"), _target("b", count=20), _target("c", count=13)]
    )
    # 62 people: 50% is 31, so 30 is below; 20 reaches 20; 12 is below 13.
    assert statuses == (BELOW_TARGET, ON_TRACK, BELOW_TARGET)


# --- on the dashboard -----------------------------------------------------------------------------


@pytest.fixture
def small_initiative(initiative):
    """40 participants: 25 residents, 9 faith leaders and 6 young people. The 9 and the 6 are
    hidden; the page shows 25 residents and 40 in all, so together they are 15, each 1 to 14."""
    RegistrationSettingsFactory(initiative=initiative)
    for role, n in (("resident", 25), ("faith_leader", 9), ("young_person", 6)):
        ParticipantFactory.create_batch(n, initiative=initiative, role_category=role)
    for group, count, share in (
        ("young_person", 20, None),  # 20 > 14: below, whatever the hidden 6
        ("faith_leader", 5, None),  # 9 >= 5, but 5 lies within 1..14: not yet known
        ("sworn_officer", 3, None),  # a shown 0
        ("resident", None, "0.5000"),  # 25 of 40 >= 20
    ):
        InclusionTargetFactory(
            initiative=initiative,
            dimension="role_category",
            group=group,
            community_share=None,
            target_count=count,
            target_share=Decimal(share) if share else None,
        )
    return initiative


def _page(client, initiative, role=Role.POLICE_LIAISON):
    user = UserFactory()
    MembershipFactory(user=user, initiative=initiative, role=role)
    client.force_login(user)
    return client.get(reverse("participants:inclusion", args=[initiative.slug])).content.decode()


def test_dashboard_says_where_each_target_stands_without_numbers(client, small_initiative):
    dashboard = inclusion.inclusion_dashboard(initiative=small_initiative)
    statuses = {item.row.key: item.row.status for item in dashboard.targets}
    assert statuses == {
        "resident": ON_TRACK,
        "young_person": BELOW_TARGET,
        "sworn_officer": BELOW_TARGET,
        "faith_leader": NOT_YET_KNOWN,
    }
    page = _page(client, small_initiative)
    assert 'data-target="role_category:young_person" data-status="below_target"' in page
    assert 'data-target="role_category:faith_leader" data-status="not_yet_known"' in page
    assert 'data-target="role_category:resident" data-status="on_track"' in page
    section = page.split('id="targets-heading"')[1].split('id="dim-')[0]
    for label in ("Below target", "Not yet known", "On track"):
        assert label in section


def test_the_status_is_in_spanish(client, small_initiative):
    user = UserFactory()
    MembershipFactory(user=user, initiative=small_initiative, role=Role.ORGANIZER)
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    page = client.get(reverse("participants:inclusion", args=[small_initiative.slug]))
    page = page.content.decode()
    section = page.split('id="targets-heading"')[1].split('id="dim-')[0]
    assert "Por debajo del objetivo" in section
    assert "Aún no se sabe" in section
    assert "En camino" in section


def test_the_export_carries_the_status(client, small_initiative):
    import csv
    import io

    user = UserFactory()
    MembershipFactory(user=user, initiative=small_initiative, role=Role.ORGANIZER)
    client.force_login(user)
    response = client.get(reverse("participants:inclusion_export", args=[small_initiative.slug]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][-1] == "Target status"
    role_rows = {row[2]: row for row in rows if row[1] == "Role"}
    assert role_rows["Young person"][3] == "suppressed"
    assert role_rows["Young person"][-1] == "Below target"
    assert role_rows["Faith leader"][-1] == "Not yet known"
    assert role_rows["Resident"][-1] == "On track"
    assert role_rows["Educator"][-1] == ""  # no target


def test_partners_who_could_reach_a_group_come_first_by_their_outreach(client, small_initiative):
    initiative = small_initiative
    aimed = CoalitionMembershipFactory(
        initiative=initiative,
        organization=OrganizationFactory(name="Eastside Tenants", sector=Sector.OTHER),
    )
    OutreachActivityFactory(
        initiative=initiative, partner=aimed, segment="Teens at Lincoln High", channel="flyer"
    )
    CoalitionMembershipFactory(
        initiative=initiative,
        organization=OrganizationFactory(
            name="Boys and Girls Club", sector=Sector.YOUTH, is_bridge_builder=True
        ),
    )
    schools = CoalitionMembershipFactory(
        initiative=initiative,
        organization=OrganizationFactory(name="PTA Council", sector=Sector.OTHER),
    )
    OutreachActivityFactory(
        initiative=initiative, partner=schools, segment="Parents", channel="school"
    )
    unrelated = CoalitionMembershipFactory(
        initiative=initiative,
        organization=OrganizationFactory(name="Downtown Merchants", sector=Sector.BUSINESS),
    )
    OutreachActivityFactory(
        initiative=initiative, partner=unrelated, segment="Shop owners", channel="flyer"
    )
    dashboard = inclusion.inclusion_dashboard(initiative=initiative)
    by_group = {item.row.key: item for item in dashboard.targets}
    young = by_group["young_person"].partners
    assert [lead.name for lead in young] == [
        "Eastside Tenants",  # its outreach was aimed at teens
        "PTA Council",  # it reached people through schools
        "Boys and Girls Club",  # a youth organization
    ]
    assert young[0].reasons == ["its outreach was aimed at this group"]
    assert young[2].bridge_builder
    faith = by_group["faith_leader"].partners
    assert faith == []
    page = _page(client, initiative)
    section = page.split('id="targets-heading"')[1].split('id="dim-')[0]
    young_item = section.split('data-target="role_category:young_person"')[1].split("</li>\n")[0]
    assert young_item.index("Eastside Tenants") < young_item.index("PTA Council")
    assert "Downtown Merchants" not in section
    # The police liaison may not read outreach records: no segment text on this page.
    assert "Lincoln High" not in page
    assert "log outreach aimed at it" in section  # faith leaders: what to do next


def test_outreach_in_spanish_is_matched_too(small_initiative):
    partner = CoalitionMembershipFactory(
        initiative=small_initiative, organization=OrganizationFactory(name="Iglesia San José")
    )
    OutreachActivityFactory(
        initiative=small_initiative, partner=partner, segment="Jóvenes de la parroquia"
    )
    dashboard = inclusion.inclusion_dashboard(initiative=small_initiative)
    young = next(item for item in dashboard.targets if item.row.key == "young_person")
    assert [lead.name for lead in young.partners] == ["Iglesia San José"]


def _grow(initiative, n):
    """n more of everything the new parts read: groups with targets, partners with outreach,
    action teams with conveners, convening partners."""
    settings = initiative.registration_settings
    base = len(settings.neighborhoods or [])
    hoods = [f"Hood {base + i}" for i in range(n)]
    settings.neighborhoods = [*(settings.neighborhoods or []), *hoods]
    settings.save(update_fields=["neighborhoods"])
    for i, hood in enumerate(hoods):
        InclusionTargetFactory(
            initiative=initiative,
            dimension="neighborhood",
            group=hood,
            community_share=None,
            target_count=10 + i,
        )
        ParticipantFactory.create_batch(2, initiative=initiative, neighborhood=hood)
        partner = CoalitionMembershipFactory(
            initiative=initiative,
            role=CoalitionRole.CONVENER if i % 2 else CoalitionRole.PARTNER,
            contact_email=f"contact{base + i}@example.org",
        )
        OutreachActivityFactory(
            initiative=initiative, partner=partner, segment=f"Families in {hood}"
        )
        ActionTeamFactory(
            initiative=initiative,
            convener=ParticipantFactory(initiative=initiative, role_category="young_person"),
        )


def test_dashboard_query_count_stays_flat_at_ten_times_the_groups_partners_and_teams(
    client, small_initiative
):
    _grow(small_initiative, 3)
    user = UserFactory()
    MembershipFactory(user=user, initiative=small_initiative, role=Role.COALITION_LEAD)
    client.force_login(user)
    url = reverse("participants:inclusion", args=[small_initiative.slug])
    assert_queries_do_not_grow(client, url, lambda: _grow(small_initiative, 27), limit=16)
    assert ActionTeam.objects.filter(initiative=small_initiative).count() == 30
    assert OutreachActivity.objects.filter(initiative=small_initiative).count() == 30
