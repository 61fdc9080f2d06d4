"""Fuzzed forms: every URL pattern of the project is posted hostile data by the role allowed to
post it, and never answers a server error.

The fields come from the pages themselves: every page is opened once (as the first role in
ROLE_ORDER that may open it) and every `<form method="post">` on it is read — its action, its
inputs, selects and textareas with their current values. A URL is then posted, as the role whose
page showed its form, first a deterministic list of nasty values (all fields at once, then one
field at a time on top of the page's own values), then hypothesis-generated mixes: random and
oversized text, emoji, NUL bytes, invalid UTF-8 and lone surrogates (sent as raw bytes), empty
and missing values, lists where one value is expected, wrong types, huge and negative numbers,
impossible dates, ids of nothing. Every request runs in a rolled-back savepoint of the world.
"""

import traceback
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from initiatives.models import Role

from . import stats
from .access import (
    FORM_ROLE_ORDER,
    clients_fixture,
    html_of,
    kept_cookies,
    url_for,
    url_patterns,
)
from .world import isolated, world_fixture

pytestmark = pytest.mark.django_db

world = world_fixture()

ROLE_ORDER = FORM_ROLE_ORDER
# Pages whose POST changes who the client is or that belong to someone else's code.
NOT_FUZZED = {"admin:index", "account_logout"}

HYPOTHESIS_EXAMPLES = 5

LONG = "x" * 100_000
NASTY = [
    "",
    LONG,
    "a\x00b",
    "\x00",
    "💥🏳️‍🌈\u202eevil\u202c" * 50,
    "abc",
    "-1",
    str(10**30),
    "1e309",
    "2026-13-45",
    "2026-02-30T25:61",
    "99999999999999999999",
    "<script>alert(1)</script>",
    " ",
]
# Raw bytes the client cannot send as str: invalid UTF-8 and an encoded lone surrogate.
RAW_NASTY = [b"\xff\xfe", b"\xed\xa0\x80", b"caf\xc3", b"\xc0\x80"]
# What an uploaded file may hold.
FILE_CONTENTS = [
    b"",
    b"\x00" * 64,
    b"\xff\xfe\x00\x00garbage",
    b"name,email\n\x00,\x00@x\n",
    b"name,email,neighborhood,role_category,age_band\n" + b"=cmd|' /C calc'!A0,a@b.c,x,y,z\n",
    ("name,email\n" + "a" * 200_000 + ",b@example.net\n").encode(),
    "name,email\nZoë 💥,zoe@example.net\n".encode("utf-16"),
]


# --- reading the forms of a page ----------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # input type, "select", "select-multiple" or "textarea"
    value: str = ""
    options: list = field(default_factory=list)


@dataclass
class FoundForm:
    action: str  # a path
    role: str
    fields: dict = field(default_factory=dict)  # name -> Field (first one wins)
    checked: dict = field(default_factory=dict)  # name -> [values] checked/selected on the page

    @property
    def has_file(self):
        return any(f.kind == "file" for f in self.fields.values())


class FormParser(HTMLParser):
    def __init__(self, page_url):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                action = urlsplit(urljoin(self.page_url, a.get("action") or self.page_url)).path
                self._form = FoundForm(action=action, role="")
            return
        form = self._form
        if form is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                if a.get("value") is not None:
                    form.fields.setdefault(name, Field(name, "submit", a["value"]))
                return
            form.fields.setdefault(name, Field(name, kind, a.get("value") or ""))
            if kind in ("checkbox", "radio"):
                form.fields[name].options.append(a.get("value") or "on")
                if "checked" in a:
                    form.checked.setdefault(name, []).append(a.get("value") or "on")
        elif tag == "select":
            kind = "select-multiple" if "multiple" in a else "select"
            self._select = form.fields.setdefault(name, Field(name, kind))
        elif tag == "textarea":
            self._textarea = form.fields.setdefault(name, Field(name, "textarea"))
        elif tag == "button" and a.get("value") is not None:
            form.fields.setdefault(name, Field(name, "submit", a["value"]))

    def _option(self, a):
        value = a.get("value", "")
        self._select.options.append(value)
        if "selected" in a and self._form is not None:
            self._form.checked.setdefault(self._select.name, []).append(value)

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data


def page_values(form: FoundForm) -> list:
    """The (name, value) pairs a browser would submit from the page as it was rendered."""
    pairs = []
    for name, f in form.fields.items():
        if f.kind == "csrfmiddlewaretoken" or name == "csrfmiddlewaretoken" or f.kind == "file":
            continue
        if f.kind in ("checkbox", "radio", "select", "select-multiple"):
            chosen = form.checked.get(name)
            if chosen is None and f.kind == "select":
                chosen = [next((o for o in f.options if o), "")]
            pairs += [(name, v) for v in chosen or []]
        else:
            pairs.append((name, f.value))
    return pairs


# --- the world's forms --------------------------------------------------------------------------


clients = clients_fixture()


@pytest.fixture(scope="module")
def found_forms(world, clients, django_db_blocker):
    """action path -> [FoundForm, ...] (the first role's first form first)."""
    found: dict = {}
    with django_db_blocker.unblock():
        for route, name in url_patterns():
            if name in NOT_FUZZED:
                continue
            url = url_for(route, name, world.a)
            for role in ROLE_ORDER:
                cache.clear()
                with isolated(), kept_cookies(clients[role]) as client:
                    try:
                        html = html_of(client.get(url))
                    except Exception:  # a broken page is test_matrix's finding, not ours
                        html = None
                if html is None:
                    continue
                parser = FormParser(url)
                parser.feed(html)
                for form in parser.forms:
                    form.role = role
                    found.setdefault(form.action, []).append(form)
                if not name.startswith("guides:log"):
                    break  # the first role that opens a page sees its forms (logs: the
                    # facilitator sees approve and return, the organizer does not)
    return found


def url_name_of(path):
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


# --- posting -------------------------------------------------------------------------------------


def _encode(pairs) -> bytes:
    out = []
    for name, value in pairs:
        if isinstance(value, str):
            value = value.encode("utf-8", "surrogatepass")
        out.append((name.encode(), value))
    return urlencode(out).encode("ascii")


def post(client, url, pairs, *, files=None):
    """POST `pairs` (values may be raw bytes); return the status, or the traceback of a crash."""
    cache.clear()  # rate limits are not what is tested here
    stats.add("hostile_inputs", 1)
    with isolated(), kept_cookies(client):
        try:
            if files is not None:
                data = {}
                for name, value in pairs:
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
                    data.setdefault(name, []).append(text)
                data.update(files)
                response = client.post(url, data)
            else:
                response = client.post(
                    url, _encode(pairs), content_type="application/x-www-form-urlencoded"
                )
        except Exception as exc:
            return crash_summary(exc)
    if response.status_code >= 500:
        stats.add("server_errors", 1)  # a 5xx answered without an exception reaching Django
        return f"HTTP {response.status_code}"
    return response.status_code


def crash_summary(exc) -> str:
    """The exception and the project's own frames of its traceback (not Django's)."""
    frames = [
        f"  {frame.filename.split('/main/')[-1]}:{frame.lineno} {frame.name}"
        for frame in traceback.extract_tb(exc.__traceback__)
        if "/main/" in frame.filename and ".venv" not in frame.filename
    ]
    return "\n".join([*frames[-4:], f"  {type(exc).__name__}: {exc}"[:500]])


def file_fields(form, content=b"name,email\n"):
    return {
        name: SimpleUploadedFile("people.csv", content, content_type="text/csv")
        for name, f in form.fields.items()
        if f.kind == "file"
    }


# The worst values for one kind of field, posted one field at a time on top of the page's
# own (valid) values, so the form gets past its other fields into its clean() and the service.
WORST = {
    "number": [str(10**30), "-1", "1e309", "-" + str(10**30), "abc"],
    "date": ["2026-13-45", "99999-01-01", "0000-00-00", "abc"],
    "datetime-local": ["2026-02-30T25:61", "99999-01-01T00:00", "0001-01-01T00:00"],
    "time": ["25:61", "abc"],
    "select": ["99999999999999999999", "a\x00b", "-1", "0", ""],
    "select-multiple": ["99999999999999999999", "a\x00b", "-1", "abc"],
    "checkbox": ["99999999999999999999", "a\x00b", "-1", "abc"],
    "radio": ["99999999999999999999", "a\x00b", "abc"],
    "hidden": ["99999999999999999999", "a\x00b", LONG, "-1", "abc"],
}
WORST_TEXT = [LONG, "a\x00b", "💥\u202e" * 5000, b"\xed\xa0\x80", " "]
ROTATION = NASTY + RAW_NASTY


def deterministic_cases(form: FoundForm):
    """(description, pairs, file content) of the fixed list: the page's values; nothing; every
    field hostile at once (each field a different value of ROTATION, so that over the requests
    every field gets every value once, some of them twice: a list where one is expected); then
    each field alone, its kind's worst values, on top of the page's values."""
    names = [n for n, f in form.fields.items() if f.kind != "file" and n != "csrfmiddlewaretoken"]
    base = page_values(form)
    cases = [("the page's own values", base, FILE_CONTENTS[0]), ("nothing", [], None)]
    for i in range(len(ROTATION)):
        pairs = []
        for k, n in enumerate(names):
            value = ROTATION[(i + k) % len(ROTATION)]
            pairs += [(n, value)] * (1 + (i + k) % 2)
        cases.append((f"rotation {i}", pairs, None))
    for k, n in enumerate(names):
        worst = WORST.get(form.fields[n].kind, WORST_TEXT)
        for j, value in enumerate(worst[:3] if k < 8 else worst[:1]):
            pairs = [(m, v) for m, v in base if m != n] + [(n, value)] * (1 + j % 2)
            cases.append((f"{n} = {value!r:.30}", pairs, None))
    if form.has_file:
        cases += [(f"file {c[:20]!r}", base, c) for c in FILE_CONTENTS]
    return cases


# Hypothesis: per field, keep it, drop it, repeat it, or give it a generated value.
TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50).map(lambda s: s + "\x00"),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.builds(
        "{}-{:02d}-{:02d}T{:02d}:{:02d}".format,
        st.integers(-1, 99999),
        st.integers(0, 99),
        st.integers(0, 99),
        st.integers(0, 99),
        st.integers(0, 99),
    ),
    st.binary(max_size=30),
    st.sampled_from(NASTY + RAW_NASTY),
)


def field_value(f: Field):
    choices = [TEXT]
    if f.options:
        choices.append(st.sampled_from(f.options))
    if f.value:
        choices.append(st.just(f.value))
    return st.one_of(*choices)


def client_and_form(url, forms, clients):
    """The client and form to fuzz `url` with: the first form found for it (or none: an empty
    one, posted as the organizer)."""
    if forms:
        form = forms[0]
        return clients[form.role], form
    return clients[Role.ORGANIZER], FoundForm(action=url, role=Role.ORGANIZER)


PATTERNS = [(r, n) for r, n in url_patterns() if n not in NOT_FUZZED]


@pytest.mark.parametrize(("route", "name"), PATTERNS, ids=[n for _r, n in PATTERNS])
def test_hostile_posts_never_answer_a_server_error(world, clients, found_forms, route, name):
    url = url_for(route, name, world.a)
    forms = [f for action, fs in found_forms.items() if url_name_of(action) == name for f in fs]
    # Prefer the form whose action is this very URL (same pks) over one for a sibling object.
    forms.sort(key=lambda f: f.action != url)
    client, form = client_and_form(url if not forms else forms[0].action, forms, clients)
    target = form.action if forms else url
    failures = []
    if not forms and post(client, target, []) == 405:
        return  # a page that only answers GET: nothing to post

    for description, pairs, content in deterministic_cases(form):
        files = file_fields(form, content) if (form.has_file and content is not None) else None
        result = post(client, target, pairs, files=files)
        if not isinstance(result, int):
            failures.append(f"{description}:\n{result}")

    # A second form for the same URL name (another role's, or another object's), once.
    for other in forms[1:3]:
        result = post(clients[other.role], other.action, page_values(other))
        if not isinstance(result, int):
            failures.append(f"{other.role}'s form at {other.action}:\n{result}")

    names = [n for n, f in form.fields.items() if f.kind != "file" and n != "csrfmiddlewaretoken"]
    base = page_values(form)
    extra = st.lists(st.tuples(st.text(max_size=10), TEXT), max_size=2)

    @settings(
        max_examples=HYPOTHESIS_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def fuzz(data):
        pairs = []
        for n in names:
            how = data.draw(st.sampled_from(["keep", "drop", "twice", "generate", "generate"]))
            if how == "drop":
                continue
            if how == "keep":
                pairs += [(k, v) for k, v in base if k == n]
                continue
            value = data.draw(field_value(form.fields[n]))
            pairs += [(n, value)] * (2 if how == "twice" else 1)
        pairs += data.draw(extra)
        files = None
        if form.has_file:
            files = file_fields(form, data.draw(st.binary(max_size=300)))
        result = post(client, target, pairs, files=files)
        if not isinstance(result, int):
            failures.append(f"hypothesis {pairs!r:.300}:\n{result}")

    fuzz()
    assert not failures, f"{name} as {form.role} at {target}:\n" + "\n\n".join(failures[:3])
