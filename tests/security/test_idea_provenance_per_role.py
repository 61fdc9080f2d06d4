"""Where an action idea came from (its circle, meeting and date) is shown by one rule: the
`ideas.provenance` permission (initiatives/permissions.py, the README's roles table). Every
other role reads the ideas without it.

Every GET page of the URL conf (filled in with initiative A's objects) is opened as every role
of A's team. On each page that lists the world's idea raised in circle 1's first meeting, a role
without the permission must find none of the circle's name, the meeting's title or its date; a
role with it finds them on the ideas page (which proves the needles match what pages print).
"""

import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import formats, timezone

from initiatives.models import Role
from initiatives.permissions import PERMISSIONS

from . import stats
from .access import TEAM_ROLES, body_of, clients_fixture, kept_cookies, url_for, url_patterns
from .expected_permissions import EXPECTED_ROLES
from .world import isolated, world_fixture

pytestmark = pytest.mark.django_db

world = world_fixture()
clients = clients_fixture()

IDEA = "MARK-A-idea-text-1"  # the idea with a source: circle 1, meeting 1


def provenance_needles(world) -> list[str]:
    """How pages may print the circle, meeting and date an idea came from."""
    meeting = world.a.objects["meeting"]
    needles = [meeting.circle.name, meeting.title]
    zones = {timezone.get_current_timezone(), zoneinfo.ZoneInfo(world.a.initiative.timezone)}
    for zone in zones:
        local = timezone.localtime(meeting.starts_at, zone)
        for fmt in ("j M Y", "N j, Y", "DATE_FORMAT", "SHORT_DATE_FORMAT", "j F Y", "Y-m-d"):
            needles.append(formats.date_format(local, fmt))
    return list(dict.fromkeys(needles))


# A person's own download holds their attendance (circle, dates) and their forum votes (the idea's
# text): their own data, reached only with their private link, not where an idea came from.
NOT_PROVENANCE = {"participants:manage_download"}


def pages(world):
    return [
        url_for(route, name, world.a)
        for route, name in url_patterns()
        if not name.startswith("admin:") and name != "account_logout" and name not in NOT_PROVENANCE
    ]


def idea_pages(client, urls):
    """(url, body) of every page that lists the idea, for this client."""
    for url in urls:
        cache.clear()
        with isolated(), kept_cookies(client):
            response = client.get(url)
        stats.add("url_role_checks", 1)
        if response.status_code == 200:
            body = body_of(response)
            if IDEA in body:
                yield url, body


def test_the_rule_is_the_one_the_readme_states():
    """The README's roles table names the same roles as the code."""
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    row = next(
        line for line in readme.splitlines() if line.startswith("| see where each action idea")
    )
    named = {label.strip().lower() for label in row.split("|")[2].split(",")}
    labels = {str(Role(role).label).lower() for role in PERMISSIONS["ideas.provenance"]}
    assert named == labels
    assert PERMISSIONS["ideas.provenance"] == {
        Role.ORGANIZER,
        Role.COALITION_LEAD,
        Role.DATA_STEWARD,
    }


@pytest.mark.parametrize("role", TEAM_ROLES)
def test_only_roles_allowed_see_where_an_idea_came_from(world, clients, role):
    needles = provenance_needles(world)
    listing = dict(idea_pages(clients[role], pages(world)))
    ideas_page = url_for("manage/<slug:slug>/ideas/", "actions:ideas", world.a)
    assert ideas_page in listing, f"{role} can't read the ideas"
    if role in EXPECTED_ROLES["ideas.provenance"]:
        body = listing[ideas_page]
        assert world.a.objects["circle"].name in body
        assert any(needle in body for needle in needles[2:]), "the date is not on the page"
    else:
        leaks = {
            url: [needle for needle in needles if needle in body]
            for url, body in listing.items()
            if any(needle in body for needle in needles)
        }
        stats.add("leaks", len(leaks))
        assert not leaks, f"{role} sees where ideas came from: {leaks}"
