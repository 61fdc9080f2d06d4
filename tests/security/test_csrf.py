"""CSRF and safe methods.

- Every URL that accepts POST refuses (403) a POST without a CSRF token from a signed-in user
  who may use it; the one exemption is the one-click unsubscribe (RFC 8058), which mail
  clients post without cookies: its signed link is the key.
- No GET changes state: GET every URL as the organizer and as the data steward and the row
  counts and newest updated_at of every table stay the same; the only rows a GET may add are
  the activity log's records that someone viewed or exported personal data.
"""

import pytest
from django.core.cache import cache

from initiatives.models import ActivityLogEntry, Role

from .access import ROLES, SIGNED_OUT, client_for, kept_cookies, url_for, url_patterns
from .test_matrix import EXPECTED, OK
from .world import changes, isolated, snapshot, world_fixture

pytestmark = pytest.mark.django_db

world = world_fixture()

CSRF_EXEMPT = {"email_unsubscribe"}
# What a GET may write: the record that someone viewed or exported personal data, or exported
# what the initiative tracks (the evaluation's figures, the teams' milestones).
VIEW_LOG_ACTIONS = {
    "participants.roster_viewed",
    "participants.exported",
    "participant.viewed",
    "participant.data_downloaded",
    "inclusion.exported",
    "evaluation.change_exported",
    "evaluation.report_exported",
    "progress.milestones_exported",  # the dashboard's milestone CSV: downloads are logged
    "circle.members_viewed",
    "meeting.sheet_viewed",
    "feedback.circle_viewed",
    "safety.cases_viewed",
    "safety.case_viewed",
    "log.viewed",
    "logs.viewed",
    "evaluation.paper_people_viewed",
}


def post_urls():
    """(name, url-pattern, a role allowed to POST it), signed in where anyone may."""
    found = []
    for route, name in url_patterns():
        rule = EXPECTED[name]["post"]
        allowed = [role for role in ROLES if rule(role) == OK]
        signed_in = [role for role in allowed if role not in SIGNED_OUT]
        if allowed:
            found.append((route, name, (signed_in or allowed)[0]))
    return found


POST_URLS = post_urls()


def test_there_are_post_urls_to_check():
    assert len(POST_URLS) > 80


@pytest.mark.parametrize(("route", "name", "role"), POST_URLS, ids=[n for _r, n, _ in POST_URLS])
def test_post_without_a_csrf_token_is_refused(world, route, name, role):
    client = client_for(role, world, enforce_csrf_checks=True)
    url = url_for(route, name, world.a)
    cache.clear()
    with isolated():
        before = snapshot()
        response = client.post(url, {})
        after = snapshot()
    if name in CSRF_EXEMPT:
        assert response.status_code != 403, (name, role)
        return
    assert response.status_code == 403, (name, role, response.status_code)
    assert not changes(before, after), (name, changes(before, after))


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.DATA_STEWARD])
def test_no_get_changes_state(world, role):
    client = client_for(role, world)
    problems = []
    for route, name in url_patterns():
        url = url_for(route, name, world.a)
        cache.clear()
        with isolated(), kept_cookies(client):
            newest_log = ActivityLogEntry.objects.order_by("-pk").values_list("pk", flat=True)
            last = newest_log.first() or 0
            before = snapshot(exclude=(ActivityLogEntry,))
            client.get(url)
            after = snapshot(exclude=(ActivityLogEntry,))
            logged = set(
                ActivityLogEntry.objects.filter(pk__gt=last).values_list("action", flat=True)
            )
        if changes(before, after):
            problems.append((name, changes(before, after)))
        if logged - VIEW_LOG_ACTIONS:
            problems.append((name, f"activity log: {sorted(logged - VIEW_LOG_ACTIONS)}"))
    assert not problems, f"GET as {role} changed state: {problems}"
