from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def assert_queries_do_not_grow(client, url, add_rows, *, limit: int):
    """Load `url`, add many more rows with `add_rows()`, load again: the query count must not change.

    This is what catches an N+1: a per-row query shows up as growth.
    """
    from django.core.cache import cache

    before = count_queries(client, url)  # a cold cache: each test starts with an empty one
    add_rows()
    # Rows made by factories skip the services, so nothing marks cached figures stale
    # (initiatives/cache.py): start cold again, to compare like with like.
    cache.clear()
    after = count_queries(client, url)
    assert after == before, f"{url}: {before} queries before, {after} after adding rows (N+1?)"
    assert after <= limit, f"{url}: {after} queries, expected at most {limit}"


def registration_answers(email="ana@example.net", **overrides) -> dict:
    """A valid POST of the public registration form (an adult resident who consents)."""
    return {
        "name": "Ana Torres",
        "email": email,
        "preferred_language": "en",
        "age_band": "25_34",
        "role_category": "resident",
        "neighborhood": "Eastside",
        "availability": ["Tuesday evening"],
        "race_ethnicity": ["hispanic"],
        "consent_participation": "on",
        "consent_contact": "on",
        **overrides,
    }


def text_link_target(body: str) -> str:
    """The path a text message's short link (/t/<code>/) leads to: the text's one link,
    followed as the person's phone would follow it."""
    import re

    from django.test import Client

    [link] = re.findall(r"https?://\S+/t/\S+/", body)
    response = Client().get("/t/" + link.split("/t/", 1)[1])
    assert response.status_code == 302, body
    return response["Location"]


def daytime_zone(now=None) -> str:
    """A time zone where it is about noon now, so no text is held for quiet hours (21:00–08:00)
    whenever a test (or bench/texts.py) runs. (Etc/GMT zones count their sign the other way
    round.)"""
    from datetime import UTC, datetime

    hour = (now or datetime.now(UTC)).hour
    offset = 12 - hour  # -11 … +12
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"
