"""Control characters in what a browser sends: a clear answer, never a server error.

PostgreSQL cannot hold a NUL byte in text: a NUL that reaches a query (a search, a filter, a
lookup by a code) raises in the database driver, a 500. Other C0 control characters (except
tab, line feed and carriage return) are never typed by a person either. So, on PostgreSQL:

- every URL of the URL conf is opened, as the first role that may open it, with NUL and other
  control characters in every query parameter the page uses (read from the page's GET forms
  and from the query strings of every link of every page, plus the usual `q`, `page`, `sort`…)
  and in a parameter's name: the answer is a 400 page that says what is wrong;
- every field of every form of every page (tests/security/test_fuzz_forms.py reads them) is
  posted a NUL, one field at a time on top of the page's own values, and every text field a
  control character: never a 5xx, and a refused value is said so (a field error, or the 400).
"""

from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

import pytest
from django.core.cache import cache

from initiatives.models import Role

from .access import (
    ANONYMOUS,
    body_of,
    clients_fixture,
    html_of,
    kept_cookies,
    url_for,
    url_patterns,
)
from .test_fuzz_forms import NOT_FUZZED, ROLE_ORDER, FormParser, page_values, url_name_of
from .world import isolated, world_fixture

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

world = world_fixture()

# Query parameters any list page may read, whether or not the seeded page shows them.
COMMON_PARAMS = ("q", "page", "sort", "order", "filter", "status", "next", "show", "kind")
# What a browser never sends unless someone crafted the link; each is refused.
REFUSED = ["a\x00b", "\x00", "a\x01b", "a\x08b", "a\x1bb", "a\x1fb"]
# Control characters a pasted text may carry: accepted (or refused as any bad value), never a 5xx.
TOLERATED = ["a\tb", "a\nb", "a\r\nb"]
# The 400 page's message (tests run in English).
BAD_CHARACTERS_MESSAGE = "characters that cannot be used"
# A field error as the forms show it (crispy-bootstrap5), or a page-level error.
TEXT_KINDS = ("text", "textarea", "search", "email", "url", "tel", "hidden")
ERROR_MARKS = ("invalid-feedback", "is-invalid", "errorlist", "alert-danger", "alert-warning")


class PageParser(FormParser):
    """The POST forms of a page (FormParser), and the query parameters its GET forms and links
    send, by the path they send them to."""

    def __init__(self, page_url):
        super().__init__(page_url)
        self.params: dict = {}  # path -> {parameter name}
        self._get_form = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "get":
            self._get_form = urlsplit(urljoin(self.page_url, a.get("action") or self.page_url))
            self._query(self._get_form)
        elif tag in ("input", "select", "textarea", "button") and self._get_form and a.get("name"):
            self.params.setdefault(self._get_form.path, set()).add(a["name"])
        elif tag == "a" and a.get("href") and "?" in a["href"]:
            self._query(urlsplit(urljoin(self.page_url, a["href"])))
        super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self._get_form = None
        super().handle_endtag(tag)

    def _query(self, url):
        names = {name for name, _value in parse_qsl(url.query, keep_blank_values=True)}
        self.params.setdefault(url.path, set()).update(names)


clients = clients_fixture()


@pytest.fixture(scope="module")
def walked(world, clients, django_db_blocker):
    """Every page opened once, as the first role of ROLE_ORDER that may open it:
    (url name -> (role, url)), (path -> {query parameter}), (url name -> [FoundForm])."""
    pages, params, forms = {}, {}, {}
    with django_db_blocker.unblock():
        for route, name in url_patterns():
            if name in NOT_FUZZED:
                continue
            url = url_for(route, name, world.a)
            for role in ROLE_ORDER:
                cache.clear()
                with isolated(), kept_cookies(clients[role]) as client:
                    html = html_of(client.get(url))
                if html is None:
                    continue
                pages[name] = (role, url)
                parser = PageParser(url)
                parser.feed(html)
                for path, names in parser.params.items():
                    params.setdefault(path, set()).update(names)
                for form in parser.forms:
                    form.role = role
                    forms.setdefault(url_name_of(form.action), []).append(form)
                break
    return pages, params, forms


def get(client, url):
    cache.clear()  # rate limits are not what is tested here
    with isolated(), kept_cookies(client):
        return client.get(url)


PATTERNS = [(r, n) for r, n in url_patterns() if n not in NOT_FUZZED]


@pytest.mark.parametrize(("route", "name"), PATTERNS, ids=[n for _r, n in PATTERNS])
def test_control_characters_in_query_parameters_answer_a_clear_400(
    world, clients, walked, route, name
):
    pages, params, _forms = walked
    role, url = pages.get(name, (ANONYMOUS, url_for(route, name, world.a)))
    client = clients[role]
    names = sorted(params.get(urlsplit(url).path, set()) | set(COMMON_PARAMS))
    failures = []

    def refused(query, what):
        response = get(client, f"{url}?{query}")
        if response.status_code != 400 or BAD_CHARACTERS_MESSAGE not in body_of(response):
            failures.append(f"{what} ?{query} as {role}: HTTP {response.status_code}")

    for param in names:  # a NUL in each parameter the page may read
        refused(f"{quote(param)}={quote(REFUSED[0])}", "a NUL")
    others = [(p, REFUSED[1 + i % (len(REFUSED) - 1)]) for i, p in enumerate(names)]
    refused(urlencode(others), "other control characters")  # each one refused alone, below
    for value in REFUSED[1:]:
        refused(f"q={quote(value)}", "a control character")
    refused(f"{quote(REFUSED[0])}=1", "a NUL in a parameter's name")
    response = get(
        client, f"{url}?{urlencode([(p, TOLERATED[i % 3]) for i, p in enumerate(names)])}"
    )
    if response.status_code >= 500:
        failures.append(f"tabs and line breaks: HTTP {response.status_code}")
    path = url.rstrip("/") + "%00/"
    response = get(client, path)
    if response.status_code != 400:
        failures.append(f"a NUL in the path {path}: HTTP {response.status_code}")
    assert not failures, f"{name} {url}:\n" + "\n".join(failures[:10])


def post(client, url, pairs):
    cache.clear()
    with isolated(), kept_cookies(client):
        try:
            return client.post(url, dict_of(pairs))
        except Exception as exc:  # the 500 a visitor would get
            return exc


def dict_of(pairs):
    data = {}
    for key, value in pairs:
        data.setdefault(key, []).append(value)
    return data


def refusal_is_clear(response) -> bool:
    """A refused value is said so: a field or page error, or the 400 page. A redirect means
    the value was ignored (a button's value, an unknown choice a view falls back from)."""
    if response.status_code in (301, 302, 303):
        return True
    body = body_of(response)
    if response.status_code == 400:
        return BAD_CHARACTERS_MESSAGE in body or any(mark in body for mark in ERROR_MARKS)
    return response.status_code < 500 and any(mark in body for mark in ERROR_MARKS)


def test_control_characters_in_form_fields_answer_a_clear_error(clients, walked):
    _pages, _params, forms = walked
    failures = []
    for name, found in sorted(forms.items(), key=lambda item: str(item[0])):
        form = found[0]
        client = clients[form.role]
        base = page_values(form)
        names = [
            n for n, f in form.fields.items() if f.kind != "file" and n != "csrfmiddlewaretoken"
        ]
        for field_name in names:
            pairs = [(m, v) for m, v in base if m != field_name] + [(field_name, "a\x00b")]
            response = post(client, form.action, pairs)
            if isinstance(response, Exception):
                failures.append(f"{name} {field_name} = NUL: {type(response).__name__}: {response}")
            elif not refusal_is_clear(response):
                failures.append(f"{name} {field_name} = NUL: HTTP {response.status_code}, no error")
        texts = [n for n in names if form.fields[n].kind in TEXT_KINDS]
        if texts:
            pairs = [(m, v) for m, v in base if m not in texts] + [(n, "a\x01b\x1b") for n in texts]
            response = post(client, form.action, pairs)
            if isinstance(response, Exception) or response.status_code >= 500:
                failures.append(f"{name} C0 controls in {texts}: {response}")
    assert not failures, "\n".join(f[:300] for f in failures[:20])


def test_the_walk_found_pages_parameters_and_forms(walked):
    """The walk above opened the pages, read their parameters and forms: the tests prove
    something only if it did."""
    pages, params, forms = walked
    assert len(pages) > 60, sorted(pages)
    assert sum(len(v) for v in params.values()) >= 15, params
    assert len(forms) > 40, sorted(forms)
    assert Role.ORGANIZER in {role for role, _url in pages.values()}
