"""Every error page is a page of the site: in its layout (the navigation with the way home, the
page's language), in the visitor's language, saying what happened and what to do; never a bare
"403 Forbidden" or a list of the URL patterns.

The walk covers every URL pattern (tests/security/access.py) for a team member whose role is
refused many pages (403) and for the organizer of another initiative (404 everywhere in A).
The server error, the malformed request and the refused form are provoked on purpose.
"""

import re

import pytest
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.test import Client
from django.urls import reverse

from initiatives.models import Role

from . import stats
from .access import OTHER_MEMBER, body_of, clients_fixture, kept_cookies, url_for, url_patterns
from .world import isolated, world_fixture

pytestmark = pytest.mark.django_db

world = world_fixture()
clients = clients_fixture()

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}
# The statuses a person can meet on the site with a page to read.
ERROR_STATUSES = (400, 403, 404)


def layout_problems(body: str, language: str = "es") -> list[str]:
    """What makes `body` not a page of the site in `language`."""
    problems = []
    if f'<html lang="{language}">' not in body:
        problems.append(f"no <html lang={language!r}>")
    if not re.search(r'<a class="navbar-brand[^"]*" href="/">', body):
        problems.append("no way home in the navigation")
    if '<main id="main"' not in body:
        problems.append("no main landmark")
    if not re.search(r"<h1[ >]", body):
        problems.append("no heading")
    return problems


def what_to_do(body: str) -> bool:
    return "Qué puede hacer" in body  # the Spanish of "What you can do"


@pytest.mark.parametrize(("role", "status"), [(Role.OBSERVER, 403), (OTHER_MEMBER, 404)])
def test_every_error_page_of_every_url_is_in_the_site_layout(world, clients, role, status):
    client = clients[role]
    seen, problems, marked = {}, [], 0
    for route, name in url_patterns():
        url = url_for(route, name, world.a)
        cache.clear()
        with isolated(), kept_cookies(client):
            response = client.get(url, **SPANISH)
        if response.status_code not in ERROR_STATUSES:
            continue
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        body = body_of(response)
        found = layout_problems(body)
        if response.status_code == status and "data-error-page" in body:
            marked += 1
            if not what_to_do(body):
                found.append("no advice on what to do")
        if found:
            problems.append(f"{name} {response.status_code}: {', '.join(found)}")
    stats.add("url_role_checks", sum(seen.values()))
    assert seen.get(status, 0) >= 10, f"the walk met too few {status} pages to mean much: {seen}"
    # The advice check ran on the error template's pages: not skipped for want of its marker.
    assert marked >= 10, f"only {marked} of the {status} pages were the site's error page"
    assert not problems, "\n".join(problems)


def test_a_refusal_says_who_can_grant_access(world, clients):
    slug = world.a.initiative.slug
    with kept_cookies(clients[Role.OBSERVER]) as client:
        response = client.get(reverse("initiatives:invite", kwargs={"slug": slug}), **SPANISH)
    body = body_of(response)
    assert response.status_code == 403
    assert not layout_problems(body)
    assert "No tiene acceso a esta página" in body
    assert "pida a un organizador de esta iniciativa" in body
    assert reverse("initiatives:team", kwargs={"slug": slug}) in body  # who the organizers are
    assert world.a.users[Role.OBSERVER].email in body  # the account that was refused


def test_a_missing_page_is_in_the_site_layout_and_lists_no_url_patterns(client):
    response = client.get("/no/such/page/", **SPANISH)
    body = body_of(response)
    assert response.status_code == 404
    assert not layout_problems(body)
    assert "No encontramos esa página" in body
    assert what_to_do(body)
    assert "URLconf" not in body
    assert "initiatives/" not in body  # no pattern of the URL conf


def test_a_server_error_page_is_in_the_site_layout_without_the_database(
    client, monkeypatch, django_assert_num_queries
):
    def broken():
        raise RuntimeError("a bug")

    monkeypatch.setattr("initiatives.selectors.public_initiatives", broken)
    client.raise_request_exception = False
    with stats.expected_server_errors(), django_assert_num_queries(0):
        response = client.get(reverse("home"), **SPANISH)
    body = body_of(response)
    assert response.status_code == 500
    assert not layout_problems(body)
    assert "Algo salió mal de nuestro lado" in body
    assert what_to_do(body)
    assert "a bug" not in body


def test_a_malformed_request_is_answered_in_the_site_layout(client, monkeypatch):
    def suspicious():
        raise SuspiciousOperation("malformed")

    monkeypatch.setattr("initiatives.selectors.public_initiatives", suspicious)
    response = client.get(reverse("home"), **SPANISH)
    body = body_of(response)
    assert response.status_code == 400
    assert not layout_problems(body)
    assert what_to_do(body)
    assert "malformed" not in body


def test_a_refused_form_is_answered_in_the_site_layout():
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("account_login"), {"login": "a@example.org", "password": "x"}, **SPANISH
    )
    body = body_of(response)
    assert response.status_code == 403
    assert not layout_problems(body)
    assert "No se pudo enviar este formulario" in body
    assert what_to_do(body)
    assert "CSRF" not in body
