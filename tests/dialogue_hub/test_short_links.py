"""Short links in text messages (dialogue_hub/shortlinks.py, /t/<code>/)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dialogue_hub import shortlinks, tasks
from dialogue_hub.models import ShortLink
from dialogue_hub.views import SHORT_LINK_MISSES_PER_HOUR

pytestmark = pytest.mark.django_db

BASE = "http://127.0.0.1:8000"
PRIVATE = BASE + "/registration/eyJwIjoiZjYzZmY0Y2E2Y2RiNDQzN2FmZDFiODBlMTM4MDRiM2MifQ:1w0/circle/"


def test_a_long_link_of_the_site_becomes_a_short_one_that_leads_to_it(client):
    short = shortlinks.shorten(PRIVATE)
    assert short.startswith(BASE + "/t/")
    assert len(short) == len(BASE) + len("/t/") + 12 + 1
    response = client.get(short.removeprefix(BASE))
    assert response.status_code == 302
    assert response["Location"] == PRIVATE.removeprefix(BASE)
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


def test_the_same_link_keeps_its_code_and_each_new_text_extends_it():
    first = shortlinks.shorten(PRIVATE)
    ShortLink.objects.update(expires_at=timezone.now() + timedelta(days=1))
    assert shortlinks.shorten(PRIVATE) == first
    assert ShortLink.objects.get().expires_at > timezone.now() + timedelta(days=29)
    other = shortlinks.shorten(BASE + "/manage/x/meetings/3/attendance/")
    assert other != first
    assert ShortLink.objects.count() == 2


@pytest.mark.parametrize("url", ["https://zoom.example/j/123", "", "http://127.0.0.1:8000x/a"])
def test_links_elsewhere_stay_as_they_are(url):
    assert shortlinks.shorten(url) == url
    assert not ShortLink.objects.exists()


def test_an_expired_or_unknown_code_says_so_and_leads_nowhere(client):
    code = shortlinks.shorten(PRIVATE).rstrip("/").rsplit("/", 1)[-1]
    ShortLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    for path in (f"/t/{code}/", "/t/zzzzzzzzzzzz/"):
        response = client.get(path)
        assert response.status_code == 404
        assert "This link has expired" in response.text
        assert "registration/" not in response.text


def test_guessing_codes_is_throttled_per_client_and_working_links_are_not(client):
    code = shortlinks.shorten(PRIVATE).rstrip("/").rsplit("/", 1)[-1]
    # A whole class on one school network opens its reminders: never counted.
    for _ in range(SHORT_LINK_MISSES_PER_HOUR + 5):
        assert client.get(f"/t/{code}/").status_code == 302
    for _ in range(SHORT_LINK_MISSES_PER_HOUR):
        assert client.get("/t/zzzzzzzzzzzz/").status_code == 404
    response = client.get("/t/zzzzzzzzzzzy/")
    assert response.status_code == 429
    assert "Too many links opened" in response.text
    assert client.get("/t/zzzzzzzzzzzy/", REMOTE_ADDR="203.0.113.7").status_code == 404


def test_the_daily_purge_deletes_expired_links():
    shortlinks.shorten(PRIVATE)
    shortlinks.shorten(BASE + "/other/")
    ShortLink.objects.filter(target="/other/").update(expires_at=timezone.now())
    tasks.outbox_purge_old()
    assert list(ShortLink.objects.values_list("target", flat=True)) == [PRIVATE.removeprefix(BASE)]


# --- a batch of texts saves its links together ----------------------------------------------------


def promoted_texts(count: int):
    """`count` "a place freed up" texts (participant.promoted) to people of an initiative
    where it is daytime now, by text only; their outbox rows."""
    from dialogue_hub.models import OutboxChannel, OutboxMessage
    from dialogue_hub.outbox import outbox_add_many

    from ..factories import InitiativeFactory, ParticipantFactory
    from ..helpers import daytime_zone

    initiative = InitiativeFactory(timezone=daytime_zone())
    people = ParticipantFactory.create_batch(count, initiative=initiative)
    outbox_add_many(
        [
            {
                "kind": "participant.promoted",
                "to": person.email,
                "key": f"promoted:{person.pk}",
                "initiative": initiative,
                "language": "en",
                "params": {"participant": person.pk},
                "text_to": f"+1202555{n:04d}",
                "by_email": False,
            }
            for n, person in enumerate(people)
        ]
    )
    rows = OutboxMessage.objects.filter(channel=OutboxChannel.TEXT).order_by("pk")
    return people, list(rows.values_list("pk", flat=True))


def opened_by(body: str):
    """The participant whose private page a text's short link opens."""
    from django.conf import settings
    from django.urls import resolve

    from participants.services.registration import MANAGE_SALT, resolve_token

    from ..helpers import text_link_target

    match = resolve(text_link_target(body))
    assert match.view_name == "participants:manage"
    days = settings.DIALOGUE_HUB_MANAGE_LINK_DAYS
    return resolve_token(match.kwargs["token"], MANAGE_SALT, max_age_days=days)


def shortlink_queries(count: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dialogue_hub import texts
    from dialogue_hub.outbox import send_batch

    people, ids = promoted_texts(count)
    with CaptureQueriesContext(connection) as ctx:
        assert send_batch(ids)["sent"] == count
    queries = sum('"dialogue_hub_shortlink"' in q["sql"] for q in ctx.captured_queries)
    bodies = {text["to"]: text["body"] for text in texts.sent}
    assert [opened_by(bodies[f"+1202555{n:04d}"]) for n in range(count)] == people
    return queries


def test_a_batch_of_texts_saves_all_its_short_links_in_one_query_each_leading_to_its_page():
    """Each text of a batch carries its own working link, yet the batch writes its links in
    one statement (not one per text)."""
    assert shortlink_queries(3) == 1
    ShortLink.objects.all().delete()
    assert shortlink_queries(12) == 1
    assert ShortLink.objects.count() == 12
    assert (
        ShortLink.objects.filter(expires_at__gt=timezone.now() + timedelta(days=29)).count() == 12
    )
