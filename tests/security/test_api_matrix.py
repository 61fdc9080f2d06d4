"""The permission matrix of the API: every API URL pattern × every role × GET, HEAD, OPTIONS,
POST, PUT, PATCH and DELETE, each with its expected status in EXPECTED. A pattern without an
entry fails the suite, so a new endpoint cannot slip through.

Each role reads with a personal token of its user (`Authorization: Bearer …`). The anonymous
visitor sends none, nor does the participant: they have a session from their private link,
which the API never reads (it knows tokens only), so they are anonymous to it.

The rules, from expected_permissions.EXPECTED_ROLES (the pages' table, written out by hand) as
on the pages:
- open data, the schema and its docs page: everyone 200, published initiative A included;
- the token API: no token 401; an initiative the token's owner has no role in 404 (never
  403: its existence is not confirmed); a role without the endpoint's permission 403; with it
  200. `me/` and `initiatives/` name no initiative: any token 200.
- HEAD and OPTIONS are answered as GET is (DRF checks the token and the role first).
- POST, PUT, PATCH and DELETE: the API is read-only, but DRF checks the token and the role
  before the method, so an unsafe method is refused exactly as its GET would be (401, 404,
  403) and only a caller who may read the endpoint learns 405 (with `Allow: GET, HEAD,
  OPTIONS`). Nothing is said about what the caller could not read anyway, and a write is
  never even attempted.

Every refusal is a JSON error body `{status, code, detail}` (not YAML, HTML or CSV), and
changes nothing (row counts and newest updated_at of every table, or PostgreSQL's write
counts). Every request runs in a savepoint that is rolled back.
"""

import pytest
from django.core.cache import cache
from django.test import Client

from initiatives.models import Role

from . import stats
from .access import (
    OUTSIDERS,
    PARTICIPANT,
    ROLES,
    SIGNED_OUT,
    api_clients_fixture,
    api_url_patterns,
    url_for,
)
from .expected_permissions import EXPECTED_ROLES
from .world import changes, isolated, snapshot, world_fixture

pytestmark = pytest.mark.django_db

world = world_fixture()

SAFE_METHODS = ("get", "head", "options")
UNSAFE_METHODS = ("post", "put", "patch", "delete")
METHODS = SAFE_METHODS + UNSAFE_METHODS
OK, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 200, 401, 403, 404, 405


api_clients = api_clients_fixture()


def allowed(*permissions) -> frozenset:
    roles = set()
    for permission in permissions:
        roles |= EXPECTED_ROLES[permission]
    return frozenset(roles)


def everyone(role):
    return OK


def any_token(role):
    return UNAUTHENTICATED if role in SIGNED_OUT else OK


def token(*permissions):
    """An endpoint of initiative A: no token 401, outsiders 404, the roles the permissions
    name 200, the rest of A's team 403."""
    roles = allowed(*permissions)

    def rule(role):
        if role in SIGNED_OUT:
            return UNAUTHENTICATED
        if role in OUTSIDERS:
            return NOT_FOUND
        return OK if role in roles else FORBIDDEN

    return rule


# URL name -> the outcome of GET (HEAD and OPTIONS alike) for a role; the unsafe methods
# follow from it (`expected`).
EXPECTED = {
    # --- the schema and its documentation page: public ---
    "api:schema": everyone,
    "api:docs": everyone,
    # --- open data: published initiative A, JSON and CSV, for everyone ---
    "api:open_initiatives": everyone,
    "api:open_initiatives_csv": everyone,
    "api:open_initiative": everyone,
    "api:open_results": everyone,
    "api:open_results_csv": everyone,
    "api:open_figures": everyone,
    "api:open_figures_csv": everyone,
    "api:open_milestones": everyone,
    "api:open_milestones_csv": everyone,
    # --- the token API ---
    "api:me": any_token,
    # The initiatives where the token's owner has a role (an outsider's: their own, not A).
    "api:initiatives": any_token,
    "api:initiative": token("initiative.view"),
    "api:teams": token("initiative.view"),
    "api:goals": token("initiative.view"),
    "api:milestones": token("initiative.view"),
    "api:updates": token("initiative.view"),
    "api:outcomes": token("initiative.view"),
    # Every circle for circles.view; a facilitator's or recorder's own circles only
    # (test_circle_staff_read_only_their_circles below).
    "api:circles": token("circles.view", "circles.facilitate"),
    "api:meetings": token("circles.view", "circles.facilitate"),
    "api:inclusion": token("inclusion.view"),
    # Names, contact details and demographic answers: the data steward only.
    "api:participants": token("demographics.view"),
}

PATTERNS = api_url_patterns()


def expected(name, role, method) -> int:
    outcome = EXPECTED[name](role)
    if method in UNSAFE_METHODS and outcome == OK:
        return NOT_ALLOWED
    return outcome


def is_json_error(response, status) -> bool:
    """The API's one error shape, in JSON."""
    if not response["Content-Type"].startswith("application/json"):
        return False
    body = response.json()
    return body.get("status") == status and bool(body.get("code")) and bool(body.get("detail"))


def request(client, method, url):
    if method in ("post", "put", "patch"):
        return getattr(client, method)(url, {"title": "Changed"}, content_type="application/json")
    return getattr(client, method)(url)


def test_every_api_url_pattern_has_an_expected_outcome():
    names = {name for _route, name in PATTERNS}
    assert names, "no API URL patterns found"
    assert not names - set(EXPECTED), (
        f"API URL patterns without an entry: {sorted(names - set(EXPECTED))}"
    )
    assert not set(EXPECTED) - names, f"entries without a pattern: {sorted(set(EXPECTED) - names)}"
    assert len(PATTERNS) == len(names), "two patterns share a name"


def test_the_matrix_covers_every_role():
    assert len(ROLES) == 11
    assert PARTICIPANT in SIGNED_OUT


@pytest.mark.parametrize(("route", "name"), PATTERNS, ids=[name for _r, name in PATTERNS])
def test_api_url_answers_every_role_as_expected(world, api_clients, route, name):
    url = url_for(route, name, world.a)
    problems = []
    for role in ROLES:
        client = api_clients[role]
        for method in METHODS:
            want = expected(name, role, method)
            cache.clear()  # rate limits and cached figures count per request here
            with isolated():
                before = snapshot() if want != OK else None
                response = request(client, method, url)
                after = snapshot() if want != OK else None
            stats.add("url_role_checks", 1)
            if response.status_code >= 500:
                stats.add("server_errors", 1)
            got = response.status_code
            where = f"{role} {method.upper()}"
            if got != want:
                problems.append(f"{where}: expected {want}, got {got}")
            elif want != OK and changes(before, after):
                problems.append(f"{where} was refused but changed {changes(before, after)}")
            elif want != OK and method != "head" and not is_json_error(response, want):
                problems.append(
                    f"{where}: {want} is not a JSON error: {response['Content-Type']} "
                    f"{response.content[:120]!r}"
                )
            elif want == NOT_ALLOWED and response.get("Allow") != "GET, HEAD, OPTIONS":
                problems.append(f"{where}: 405 with Allow: {response.get('Allow')}")
    assert not problems, f"{name} ({url}):\n  " + "\n  ".join(problems)


# --- what an allowed role reads ------------------------------------------------------------------


def names_in(response, key="name") -> set:
    assert response.status_code == OK, response.content
    return {row[key] for row in response.json()["results"]}


def test_circle_staff_read_only_their_circles(world, api_clients):
    """Circle 1 is staffed by A's facilitator and recorder; circle 2 by another facilitator.
    circles.view roles read both, with both circles' meetings."""
    circle1, circle2 = world.a.objects["circle"], world.a.objects["circle2"]
    circles = url_for("api/v1/initiatives/<slug:slug>/circles/", "api:circles", world.a)
    meetings = url_for("api/v1/initiatives/<slug:slug>/meetings/", "api:meetings", world.a)
    for role in (Role.FACILITATOR, Role.RECORDER):
        client = api_clients[role]
        assert names_in(client.get(circles)) == {circle1.name}, role
        assert names_in(client.get(meetings), "circle_name") == {circle1.name}, role
        stats.add("url_role_checks", 2)
    for role in allowed("circles.view"):
        client = api_clients[role]
        assert names_in(client.get(circles)) == {circle1.name, circle2.name}, role
        assert names_in(client.get(meetings), "circle_name") == {circle1.name, circle2.name}
        stats.add("url_role_checks", 2)


def test_an_outsiders_initiatives_are_their_own(world, api_clients):
    """`initiatives/` lists where the token's owner has a role: B for B's organizer, nothing
    for site staff, A for A's team."""
    slugs = {
        role: {
            row["slug"] for row in api_clients[role].get("/api/v1/initiatives/").json()["results"]
        }
        for role in (Role.OBSERVER, "other_member", "site_staff")
    }
    assert slugs == {
        Role.OBSERVER: {world.a.initiative.slug},
        "other_member": {world.b.initiative.slug},
        "site_staff": set(),
    }


def test_a_signed_in_session_without_a_token_is_anonymous_to_the_api(world):
    """The API reads tokens only: an organizer's browser session (cookies) reads nothing, so a
    page of another site cannot make their browser read the API for it."""
    client = Client()
    client.force_login(world.a.users[Role.ORGANIZER])
    url = url_for("api/v1/initiatives/<slug:slug>/teams/", "api:teams", world.a)
    assert client.get(url).status_code == UNAUTHENTICATED
    assert client.get("/api/v1/me/").status_code == UNAUTHENTICATED
