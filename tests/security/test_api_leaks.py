"""The API gives no resident away: only the data steward's token reads names, email addresses,
phone numbers and demographic answers (`participants/`, demographics.view). A police liaison's
token, an observer's, and every other role's, read none of them from any endpoint: every API
URL of initiatives A and B, filter-free, and every page of each list (one row a page, so each
row is serialized on a page of its own), JSON and CSV alike.

And counts from 1 to 9 are suppressed for readers without demographics.view wherever the pages
suppress them: the inclusion figures (a token's) and the participation figures (open data)
answer `null` with `suppressed: true`, never the count nor what would give it back.
"""

import json

import pytest
from django.core.cache import cache

from initiatives.models import Role
from participants.models import Participant

from ..api.helpers import api_client, token_for
from ..factories import (
    CircleFactory,
    CircleMemberFactory,
    DemographicsFactory,
    InclusionTargetFactory,
    InitiativeFactory,
    MembershipFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
    UserFactory,
)
from . import stats
from .access import ROLES, api_clients_fixture, api_url_patterns, body_of, url_for
from .expected_permissions import EXPECTED_ROLES
from .world import isolated, world_fixture

pytestmark = pytest.mark.django_db

world = world_fixture()
api_clients = api_clients_fixture()

STEWARDS = EXPECTED_ROLES["demographics.view"]
READERS = [role for role in ROLES if role not in STEWARDS]
# The roles the issue names first: police and officials never see a resident.
assert {Role.POLICE_LIAISON, Role.OBSERVER} <= set(READERS)


def resident_needles(world) -> list[str]:
    """Everything that names or reaches a resident of A or B: names, email addresses, phone
    numbers (guardians' too), and the answers only the steward sees."""
    needles = []
    people = Participant.objects.filter(initiative__in=[world.a.initiative, world.b.initiative])
    for person in people:
        needles += [
            person.name,
            person.email,
            person.phone,
            person.guardian_name,
            person.guardian_email,
        ]
    for side in (world.a, world.b):
        needles += side.demographic_markers + side.answer_markers
    needles = [needle for needle in dict.fromkeys(needles) if needle]
    assert len(needles) > 20, needles
    return needles


def api_urls(world) -> list[str]:
    return [
        url_for(route, name, side)
        for side in (world.a, world.b)
        for route, name in api_url_patterns()
    ]


def bodies(client, url):
    """(url, body) of `url` and, for a list, of every page of it with one row a page."""
    cache.clear()
    with isolated():
        response = client.get(url)
    yield url, body_of(response)
    if response.status_code != 200 or not response["Content-Type"].startswith("application/json"):
        return
    first = response.json()
    if not (isinstance(first, dict) and "next" in first and "results" in first):
        return
    page_url, pages = f"{url}?page_size=1", 0
    while page_url:
        cache.clear()
        with isolated():
            response = client.get(page_url)
        assert response.status_code == 200, (page_url, response.status_code)
        pages += 1
        yield page_url, body_of(response)
        page_url = response.json()["next"]
    assert pages == max(first["count"], 1), (url, pages, first["count"])


def found_in(client, urls, needles) -> dict:
    found = {}
    for url in urls:
        for where, body in bodies(client, url):
            stats.add("url_role_checks", 1)
            hits = [needle for needle in needles if needle in body]
            if hits:
                found[where] = hits
    return found


@pytest.mark.parametrize("role", READERS)
def test_no_token_but_the_stewards_reads_a_resident(world, api_clients, role):
    found = found_in(api_clients[role], api_urls(world), resident_needles(world))
    stats.add("leaks", len(found))
    assert not found, f"{role} reads residents' data: {found}"


def test_the_steward_reads_them_where_the_needles_would_show(world, api_clients):
    """The needles match what the API prints: the steward's roster (A's) has them."""
    url = url_for("api/v1/initiatives/<slug:slug>/participants/", "api:participants", world.a)
    found = found_in(api_clients[Role.DATA_STEWARD], [url], resident_needles(world))
    seen = {needle for hits in found.values() for needle in hits}
    person = world.a.objects["participant"]
    assert {person.name, person.email, person.phone} <= seen
    assert set(world.a.participant_emails) - {world.a.objects["minor"].guardian_email} <= seen
    assert not seen & {world.b.objects["participant"].name}


# --- small counts --------------------------------------------------------------------------------


def counts_shown(data, path="") -> list[tuple[str, object]]:
    """Every count a JSON answer shows, with where: `count` and `total` of any object, and
    what a suppressed object still says (`share`, `gap`)."""
    found = []
    if isinstance(data, list):
        for n, item in enumerate(data):
            found += counts_shown(item, f"{path}[{n}]")
    elif isinstance(data, dict):
        for key in ("count", "total"):
            if key in data and not isinstance(data[key], dict | list):
                found.append((f"{path}.{key}", data[key]))
        if data.get("suppressed"):
            for key in ("count", "share", "gap"):
                if data.get(key) is not None:
                    found.append((f"{path}.{key} (suppressed)", data[key]))
        for key, value in data.items():
            found += counts_shown(value, f"{path}.{key}")
    return found


def small(counts) -> list:
    return [
        (where, value)
        for where, value in counts
        if "(suppressed)" in where or (isinstance(value, int) and 1 <= value <= 9)
    ]


@pytest.fixture
def small_initiative():
    """A published initiative where 3 young people sit in the one circle and 12 residents
    wait: the young people's count, the circle's people and the circle count are small."""
    initiative = InitiativeFactory(is_published=True)
    RegistrationSettingsFactory(initiative=initiative)
    circle = CircleFactory(initiative=initiative)
    for _n in range(3):
        person = ParticipantFactory(
            initiative=initiative, status="assigned", role_category="young_person"
        )
        DemographicsFactory(participant=person)
        CircleMemberFactory(circle=circle, participant=person)
    for _n in range(12):
        ParticipantFactory(initiative=initiative, role_category="resident")
    InclusionTargetFactory(initiative=initiative, target_count=9)
    return initiative


def test_inclusion_figures_suppress_small_counts_for_every_reader(small_initiative):
    slug = small_initiative.slug
    for role in sorted(EXPECTED_ROLES["inclusion.view"]):
        user = UserFactory()
        MembershipFactory(initiative=small_initiative, user=user, role=role)
        response = api_client(token_for(user)).get(f"/api/v1/initiatives/{slug}/inclusion/")
        assert response.status_code == 200, (role, response.content)
        body = response.json()
        stats.add("url_role_checks", 1)
        [roles] = [table for table in body["dimensions"] if table["key"] == "role_category"]
        [young] = [row for row in roles["rows"] if row["key"] == "young_person"]
        shown = {key: young[key] for key in ("count", "suppressed", "share", "gap")}
        assert shown == {"count": None, "suppressed": True, "share": None, "gap": None}, role
        leaked = small(counts_shown(body))
        stats.add("leaks", len(leaked))
        assert not leaked, (role, leaked)


def test_open_figures_suppress_small_counts(small_initiative):
    slug = small_initiative.slug
    client = api_client()
    figures = client.get(f"/api/v1/open/initiatives/{slug}/figures/").json()
    by_key = {figure["key"]: figure for figure in figures}
    assert by_key["people"] == {**by_key["people"], "count": None, "suppressed": True}
    assert by_key["circles"] == {**by_key["circles"], "count": None, "suppressed": True}
    for path in ("figures/", "", "results/"):
        response = client.get(f"/api/v1/open/initiatives/{slug}/{path}")
        assert response.status_code == 200, (path, response.content)
        leaked = small(counts_shown(response.json()))
        stats.add("leaks", len(leaked))
        assert not leaked, (path, leaked)
    csv = client.get(f"/api/v1/open/initiatives/{slug}/figures.csv").content.decode("utf-8-sig")
    assert "people,People taking part,,true" in csv.splitlines(), csv


def test_the_count_walker_sees_a_small_count():
    """`small` finds a count from 1 to 9 and what a suppressed row still gives away."""
    body = json.loads(
        '{"rows": [{"count": 3}, {"count": 12}, {"count": null, "suppressed": true,'
        ' "gap": 6}], "total": 0}'
    )
    assert small(counts_shown(body)) == [
        (".rows[0].count", 3),
        (".rows[2].gap (suppressed)", 6),
    ]
