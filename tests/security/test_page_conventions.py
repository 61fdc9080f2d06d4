"""Conventions every page of the URL conf keeps, checked on the seeded world as the roles that see
the most (organizer, data steward), a signed-out visitor and a participant on their private
link, in English and Spanish:

- one date format per page: dates are written out ("Nov. 22, 2026", "22 de noviembre de 2026"),
  never numeric ("11/22/2026", "22/11/2026") — so no page mixes the two;
- every page has a non-empty meta description, and the initiative's public pages (landing,
  registration, results) describe the initiative itself.

The pages are fetched once per module (GET only, each in a rolled-back savepoint)."""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from initiatives.models import Role

from .access import (
    ANONYMOUS,
    PARTICIPANT,
    body_of,
    client_for,
    kept_cookies,
    url_for,
    url_patterns,
)
from .world import isolated, world_fixture

pytestmark = pytest.mark.django_db

world = world_fixture()

ROLES = (ANONYMOUS, PARTICIPANT, Role.ORGANIZER, Role.DATA_STEWARD)
LANGUAGES = ("en", "es")

NUMERIC_DATE = re.compile(r"(?<![\w/.-])\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})(?![\w/])")
MONTHS = (
    r"(?:Jan|Feb|March|April|May|June|July|Aug|Sept|Oct|Nov|Dec|enero|febrero|marzo|abril|mayo|"
    r"junio|julio|agosto|septiembre|octubre|noviembre|diciembre)"
)
WRITTEN_DATE = re.compile(MONTHS + r"\.? \d{1,2}, \d{4}|\d{1,2} de " + MONTHS + r" de \d{4}")
META_DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)">')
# The admin has its own templates (Django's), for site staff only; it is not a page of the site.
NOT_OUR_PAGES = ("/admin/",)


@pytest.fixture(scope="module")
def pages(world, django_db_blocker):
    """(role, language, url) -> the HTML of every page that answers 200 with an HTML document."""
    found = {}
    urls = [url_for(route, name, world.a) for route, name in url_patterns()]
    with django_db_blocker.unblock():
        for role in ROLES:
            for language in LANGUAGES:
                client = client_for(role, world)
                client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
                for url in urls:
                    if url.startswith(NOT_OUR_PAGES):
                        continue
                    cache.clear()
                    with isolated(), kept_cookies(client):
                        response = client.get(url)
                    if response.status_code != 200:
                        continue
                    if not response.get("Content-Type", "").startswith("text/html"):
                        continue
                    html = body_of(response)
                    if "<html" in html:
                        found[(role, language, url)] = html
    return found


def test_the_crawl_sees_the_pages_of_every_role_and_language(pages):
    seen = {(role, language) for role, language, _url in pages}
    assert seen == {(role, language) for role in ROLES for language in LANGUAGES}
    assert len({url for _role, _language, url in pages}) > 100


def test_one_date_format_per_page(pages):
    numeric = {
        key: sorted(set(NUMERIC_DATE.findall(html)))
        for key, html in pages.items()
        if NUMERIC_DATE.search(html)
    }
    assert not numeric, f"pages showing numeric dates (write them out): {numeric}"
    # The check sees dates at all: many pages show written ones, in both languages.
    for language in LANGUAGES:
        dated = [
            key for key, html in pages.items() if key[1] == language and WRITTEN_DATE.search(html)
        ]
        assert len(dated) > 20, f"too few pages with a written date in {language}: {dated}"


def test_every_page_has_a_meta_description(pages):
    missing = [key for key, html in pages.items() if not _description(html)]
    assert not missing, f"pages without a meta description: {missing}"


def test_the_initiative_s_public_pages_describe_the_initiative(world, pages):
    initiative = world.a.initiative
    public = [
        f"/initiatives/{initiative.slug}/",
        f"/initiatives/{initiative.slug}/register/",
        f"/initiatives/{initiative.slug}/results/",
    ]
    for url in public:
        for language in LANGUAGES:
            html = pages[(ANONYMOUS, language, url)]
            with translation.override(language):  # the description in the reader's language
                assert _description(html) == initiative.summary, url
    assert initiative.summary.startswith("MARK-A-initiative-description")
    with translation.override("es"):
        assert initiative.summary.startswith("MARK-A-initiative-description_es")


def _description(html):
    found = META_DESCRIPTION.search(html)
    return found.group(1).strip() if found else ""
