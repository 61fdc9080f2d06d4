"""Walk every page of the demo initiative as each role that is not the data steward and check
what it shows: no count from 1 to 9, never a lone hidden cell next to a shown total, and for
roles without the roster no participant contact details at all."""

import csv
import io
import re

import pytest
from django.urls import URLResolver, get_resolver, reverse

from initiatives.models import Role

from ..factories import MembershipFactory

pytestmark = pytest.mark.django_db

NON_STEWARD_ROLES = [r for r in Role.values if r != Role.DATA_STEWARD]
NO_ROSTER_ROLES = [
    Role.COALITION_LEAD,
    Role.POLICE_LIAISON,
    Role.OBSERVER,
    Role.FACILITATOR,
    Role.RECORDER,
]


def slug_only_pages():
    """Names of URL patterns that take just the initiative's slug (its pages)."""
    names = []

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif (
                namespace in ("initiatives", "participants", "guides", "actions", "evaluation")
                and pattern.name
            ):
                route = str(pattern.pattern)
                if route.startswith("manage/<slug:slug>/") and set(pattern.pattern.converters) == {
                    "slug"
                }:
                    names.append(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns)
    return names


def check_counts(text, where):
    for value in re.findall(r'data-(?:count|total)="([^"]*)"', text):
        if value in ("suppressed", ""):
            continue
        assert not (0 < int(value) < 10), f"{where}: count {value} shown"
    for table in text.split("<table")[1:]:
        table = table.split("</table>")[0]
        total = re.search(r'data-total="(\d+)"', table)
        hidden = table.count('data-count="suppressed"')
        if total:
            assert hidden != 1, f"{where}: one hidden cell next to a shown total"


def test_pages_list_is_not_empty():
    assert {"participants:inclusion", "initiatives:detail"} <= set(slug_only_pages())


@pytest.mark.parametrize("role", NON_STEWARD_ROLES)
def test_every_page_a_non_steward_can_open_hides_small_counts(client, role, demo):
    initiative = demo
    user = MembershipFactory(initiative=initiative, role=role).user
    client.force_login(user)
    opened = 0
    for name in slug_only_pages():
        response = client.get(reverse(name, args=[initiative.slug]))
        assert response.status_code in (200, 302, 403, 405), (name, response.status_code)
        if response.status_code != 200:
            continue
        opened += 1
        if response["Content-Type"].startswith("application/pdf"):
            continue  # made from the same HTML as the report's page, scanned there
        body = response.content.decode("utf-8-sig")
        if response["Content-Type"].startswith("text/csv"):
            if name == "participants:inclusion_export":
                rows = list(csv.reader(io.StringIO(body)))[1:]
                assert rows
                for row in rows:  # column 3 is the participant count
                    assert row[3] == "suppressed" or not (0 < int(row[3]) < 10), (name, row)
            continue
        check_counts(body, f"{role} {name}")
        if role in NO_ROSTER_ROLES:
            assert "demo.participant" not in body, (role, name)
            assert "guardian0@example.org" not in body, (role, name)
    assert opened >= 3
