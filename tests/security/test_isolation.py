"""Isolation markers: whatever a role of initiative A opens (every page, export, calendar feed
and search reachable with A's objects, and the participant's own private links) and every email
A's actions produce, nothing of initiative B appears: no "MARK-B…" text, no "mark-b-…" address."""

import pytest
from django.core.cache import cache

from dialogue_hub import outbox
from dialogue_hub.models import OutboxMessage
from initiatives.models import Role

from . import stats
from .access import PARTICIPANT, body_of, clients_fixture, kept_cookies, url_for, url_patterns
from .world import B_MARKERS, isolated, world_fixture

pytestmark = pytest.mark.django_db

world = world_fixture()
clients = clients_fixture()

A_ROLES = (PARTICIPANT, *Role.values)


def leaks_in(text):
    return [marker for marker in B_MARKERS if marker in text]


def a_urls(world):
    urls = [url_for(route, name, world.a) for route, name in url_patterns()]
    slug = world.a.initiative.slug
    # Searches that match B's rows if a query forgot its initiative (the query itself, shown
    # back in the search box, holds no marker: "B-participant" is inside B's names only).
    urls += [
        f"/manage/{slug}/participants/?q=B-participant",
        f"/manage/{slug}/participants/?q=b-participant-1%40",
        f"/manage/{slug}/participants/export.csv?q=B-participant",
        f"/manage/{slug}/forum/{world.a.objects['ballot'].pk}/paper/?q=B-participant",
        f"/manage/{slug}/logs/?circle={world.b.objects['circle'].pk}",
    ]
    return urls


@pytest.mark.parametrize("role", A_ROLES)
def test_no_page_of_a_shows_anything_of_b(world, clients, role):
    client = clients[role]
    found = []
    for url in a_urls(world):
        if role == PARTICIPANT and url == "/":
            continue  # signed out, the home page lists every published initiative, B too
        cache.clear()
        with isolated(), kept_cookies(client):
            response = client.get(url)
            if response.status_code == 200:
                leaked = leaks_in(body_of(response))
                if leaked:
                    found.append((url, leaked))
    stats.add("leaks", len(found))
    assert not found, f"{role} sees B's data: {found}"


def test_no_email_of_a_mentions_b(world):
    rows = list(OutboxMessage.objects.filter(initiative=world.a.initiative))
    assert rows, "the world has emails of A to check"
    found = []
    for row in rows:
        with isolated():
            message = outbox.render(row, outbox.KINDS[row.kind])
            text = "\n".join(
                [message.subject, message.body, *message.to]
                + [str(content) for content, _mimetype in getattr(message, "alternatives", [])]
                + [str(a[1]) for a in message.attachments if isinstance(a, tuple)]
            )
        leaked = leaks_in(text)
        if leaked:
            found.append((row.kind, row.to_email, leaked))
    stats.add("leaks", len(found))
    assert not found, f"emails of A carry B's data: {found}"


def test_the_roster_search_finds_a_s_own_people(world, clients):
    """The control for the searches above: the same query shape finds A's rows."""
    client = clients[Role.ORGANIZER]
    with isolated(), kept_cookies(client):
        response = client.get(f"/manage/{world.a.initiative.slug}/participants/?q=A-participant")
    assert "MARK-A-participant-name-1" in body_of(response)
