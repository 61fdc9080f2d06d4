"""What a registration makes stale (initiatives/cache.py): only what depends on the people.

Pages of circles, meetings, actions and the open data stay cached through a registration
(UNAFFECTED), the staff dashboards of the people follow it at once after a quiet spell and
within DIALOGUE_HUB_REGISTRATIONS_LAG seconds during a drive (LAGGED), the rest at once.

The class proof: every page and API endpoint of an initiative, walked from the URL conf, is
read (so it is cached), someone registers, and the page read again from the cache must be
the page computed afresh with an empty cache. A page declared UNAFFECTED that does show
something of the new person fails here, whoever adds it.
"""

import re

import pytest
from django.core.cache import caches

from initiatives import cache as initiative_cache
from initiatives.models import Role
from participants.models import ConsentKind, Participant, Source
from participants.services.registration import participant_register

from ..security.access import (
    api_clients_fixture,
    api_url_patterns,
    body_of,
    clients_fixture,
    html_of,
    kept_cookies,
    url_for,
    url_patterns,
)
from ..security.world import isolated, world_fixture

pytestmark = pytest.mark.django_db

world = world_fixture()
clients = clients_fixture()
api_clients = api_clients_fixture()

# The roles whose pages differ: the whole team's, the steward's (demographics), the coalition
# lead's (dashboards) and a facilitator's (their circles).
READERS = (Role.ORGANIZER, Role.DATA_STEWARD, Role.COALITION_LEAD, Role.FACILITATOR)

# What differs between two renders of the same data: per-request CSRF tokens and CSP nonces.
VOLATILE = re.compile(
    r'(name="csrfmiddlewaretoken" value=")[^"]*|(nonce=")[^"]*|(data-csrf=")[^"]*'
    r'|("csrfToken": ")[^"]*'
)


def normalized(text: str) -> str:
    return VOLATILE.sub(lambda m: next(group for group in m.groups() if group), text)


def clear_caches():
    for alias in ("default", initiative_cache._alias()):
        caches[alias].clear()


_seq = iter(range(10**6))


def register(initiative, *, source=Source.ONLINE, registered_by=None) -> Participant:
    n = next(_seq)
    result = participant_register(
        initiative=initiative,
        data={
            "name": f"Newcomer Scope{n}",
            "email": f"scope-{n}@example.net",
            "preferred_language": "en",
            "age_band": "25_34",
            "role_category": "resident",
        },
        consents=[ConsentKind.PARTICIPATION],
        demographics={"race_ethnicity": ["hispanic"], "gender": "woman"},
        source=source,
        registered_by=registered_by,
    )
    return result.participant


def initiative_pages():
    """Every page but the admin's: an initiative's, and those across a user's initiatives (the
    home, the progress dashboard)."""
    return [(route, name) for route, name in url_patterns() if not name.startswith("admin:")]


def read(client, path):
    with kept_cookies(client):
        return client.get(path)


def pages_after_a_registration(world, clients, route, name):
    """For each reader who may open the page: (cached after a registration, computed afresh)."""
    path = url_for(route, name, world.a)
    pairs = []
    for role in READERS:
        client = clients[role]
        clear_caches()
        with isolated():
            if html_of(read(client, path)) is None:
                continue  # not a page this reader opens (403, a redirect, a download)
            register(world.a.initiative)
            cached = html_of(read(client, path))
            clear_caches()
            fresh = html_of(read(client, path))
        pairs.append((role, cached, fresh))
    return pairs


@pytest.mark.parametrize(
    ("route", "name"), initiative_pages(), ids=[name for _r, name in initiative_pages()]
)
def test_a_page_read_from_the_cache_after_a_registration_is_the_page_computed_afresh(
    world, clients, route, name
):
    for role, cached, fresh in pages_after_a_registration(world, clients, route, name):
        assert cached is not None, (name, role)
        assert fresh is not None, (name, role)
        assert normalized(cached) == normalized(fresh), (name, role)


def test_the_walk_reaches_the_pages_each_scope_keeps(world, clients):
    """The class test above is only as good as its reach: the pages of each kind are in it and
    answer 200 to some reader (a walk that skipped them would prove nothing)."""
    walked = {name for _route, name in initiative_pages()}
    for name in (
        "guides:circles",  # UNAFFECTED
        "guides:attendance",
        "actions:dashboard",
        "home",  # needs attention (UNAFFECTED), the counts of people (LAGGED)
        "participants:roster",  # LAGGED
        "participants:inclusion",
        "participants:register",  # EXACT: the seats left
    ):
        assert name in walked
        route = next(route for route, n in initiative_pages() if n == name)
        assert pages_after_a_registration(world, clients, route, name), name


def api_initiative_patterns():
    return list(api_url_patterns())


@pytest.mark.parametrize(
    ("route", "name"),
    api_initiative_patterns(),
    ids=[name for _r, name in api_initiative_patterns()],
)
def test_an_api_answer_from_the_cache_after_a_registration_is_the_answer_computed_afresh(
    world, api_clients, route, name
):
    path = url_for(route, name, world.a)
    answered = False
    for role in (Role.ORGANIZER, Role.DATA_STEWARD, "anonymous"):
        client = api_clients[role]
        clear_caches()
        with isolated():
            if read(client, path).status_code != 200:
                continue
            register(world.a.initiative)
            cached = read(client, path)
            clear_caches()
            fresh = read(client, path)
        answered = True
        assert cached.status_code == fresh.status_code == 200, (name, role)
        assert normalized(body_of(cached)) == normalized(body_of(fresh)), (name, role)
    if "open" in route or name.endswith(("goals", "milestones", "updates", "outcomes")):
        assert answered, name


# --- what each scope does -----------------------------------------------------------------------


def test_a_registration_keeps_unaffected_values_and_renews_exact_ones(world):
    initiative = world.a.initiative
    with isolated():
        clear_caches()
        unaffected = initiative_cache.version(
            initiative.pk, registrations=initiative_cache.UNAFFECTED
        )
        exact = initiative_cache.version(initiative.pk)
        register(initiative)
        assert (
            initiative_cache.version(initiative.pk, registrations=initiative_cache.UNAFFECTED)
            == unaffected
        )
        assert initiative_cache.version(initiative.pk) != exact


def test_any_other_change_renews_every_scope(world):
    initiative = world.a.initiative
    with isolated():
        clear_caches()
        before = {
            scope: initiative_cache.version(initiative.pk, registrations=scope)
            for scope in (
                initiative_cache.EXACT,
                initiative_cache.UNAFFECTED,
                initiative_cache.LAGGED,
            )
        }
        initiative_cache.changed(initiative.pk)
        for scope, token in before.items():
            assert initiative_cache.version(initiative.pk, registrations=scope) != token, scope


class Clock:
    def __init__(self, monkeypatch, start=1_000_000.0):
        self.now = start
        monkeypatch.setattr(initiative_cache, "_now", lambda: self.now)


def roster_names(client, initiative) -> str:
    return client.get(f"/manage/{initiative.slug}/participants/").content.decode()


def test_during_a_drive_the_roster_follows_public_registrations_within_the_lag(
    world, clients, monkeypatch, settings
):
    settings.DIALOGUE_HUB_REGISTRATIONS_LAG = 5
    clock = Clock(monkeypatch)
    initiative = world.a.initiative
    organizer = clients[Role.ORGANIZER]
    with isolated(), kept_cookies(organizer):
        clear_caches()
        assert "Scope" not in roster_names(organizer, initiative)
        # After a quiet spell, the first registration is on the roster at once.
        first = register(initiative)
        assert first.name in roster_names(organizer, initiative)
        # Another one 2 s later: the roster computed 2 s ago is still shown…
        clock.now += 2
        second = register(initiative)
        page = roster_names(organizer, initiative)
        assert first.name in page
        assert second.name not in page
        # …until the lag has passed since the last one was shown.
        clock.now += 3
        assert second.name in roster_names(organizer, initiative)
        # The pages that follow registrations exactly never lag: the register page's seats.
        clock.now += 1
        exact = initiative_cache.version(initiative.pk)
        register(initiative)
        assert initiative_cache.version(initiative.pk) != exact


def test_a_registration_entered_by_staff_is_on_the_roster_at_once_even_during_a_drive(
    world, clients, monkeypatch, settings
):
    settings.DIALOGUE_HUB_REGISTRATIONS_LAG = 5
    clock = Clock(monkeypatch)
    initiative = world.a.initiative
    organizer = clients[Role.ORGANIZER]
    with isolated(), kept_cookies(organizer):
        clear_caches()
        register(initiative)
        roster_names(organizer, initiative)
        clock.now += 1
        on_paper = register(
            initiative, source=Source.STAFF, registered_by=world.a.users[Role.ORGANIZER]
        )
        assert on_paper.name in roster_names(organizer, initiative)


def test_a_lag_of_zero_follows_every_registration(world, clients, monkeypatch, settings):
    settings.DIALOGUE_HUB_REGISTRATIONS_LAG = 0
    Clock(monkeypatch)
    initiative = world.a.initiative
    organizer = clients[Role.ORGANIZER]
    with isolated(), kept_cookies(organizer):
        clear_caches()
        for _ in range(3):
            person = register(initiative)
            assert person.name in roster_names(organizer, initiative)
