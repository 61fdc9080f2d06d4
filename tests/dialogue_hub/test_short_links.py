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
