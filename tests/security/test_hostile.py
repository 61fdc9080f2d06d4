"""Hostile text is shown as text, everywhere it is shown.

The security world (tests/security/world.py) is built with a hostile string in place of every
text a person typed — initiative, coalition, participants, guides and sessions, circles and
meetings, session logs and their ideas, themes, ideas, ballots, teams, goals, milestones,
updates, outcomes, assets, outreach, referral labels, trainings, invitation messages,
registration choices — and then every page is opened as the organizer, the data steward, the
facilitator, the participant (their private links) and an anonymous visitor (the public
landing and results pages), with the calendar feeds, the CSV exports and every email of the
outbox. Then:

- HTML never holds a payload raw (`<script>alert(1)</script>`, `onerror=`, `' onmouseover='`…)
  and never the result of a template expression someone typed (`{{ 7|add:7000001 }}`);
- a CSV cell never starts with = + - @ (a spreadsheet would run it as a formula);
- an .ics feed parses, and a line break in a name never adds a property (`ATTENDEE:`…);
- an email's HTML escapes, its subject stays on one line.

Then hypothesis-generated markup is written into a few fields and the pages that show them are
opened again. (What the forms accept on the way in is tests/security/test_fuzz_forms.py.)
"""

import csv
import io
import itertools
import re

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from dialogue_hub import outbox
from dialogue_hub.models import OutboxMessage
from initiatives.models import Initiative, Role

from . import stats
from . import world as world_module
from .access import ANONYMOUS, PARTICIPANT, body_of, client_for, kept_cookies, url_for, url_patterns
from .world import isolated

pytestmark = pytest.mark.django_db

# Every payload fits the shortest free-text column (80 characters), so PostgreSQL stores it.
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)' x='",
    "</textarea><svg onload=alert(1)>",
    "javascript:alert(1)",
    "{{ 7|add:7000001 }}",
    "{% debug %}",
    "\u202eevil\u202c <b>bold</b>",
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd",
    "@SUM(1+1)*cmd",
    "x\r\nATTENDEE:mailto:evil@example.net",
    "</script><script>alert(1)</script>",
    "<iframe src=//evil.example>",
    "&lt;already-escaped&gt; & <i>",
]
# Exact strings that must never reach an HTML page raw.
RAW_IN_HTML = [
    "<script>alert(1)",
    "<img src=x",
    "' onmouseover='",  # escaped, the quotes are &#x27;
    "<svg onload",
    "</textarea><svg",
    "<iframe src=//evil",
    "<b>bold</b>",
    "<i>",
    "7000008",  # {{ 7|add:7000001 }} evaluated
    'href="javascript:',
    "href='javascript:",
]
# A bidirectional override or embedding someone typed ("\u202eevil\u202c") reorders the text
# after it: no page, export or email carries one (dialogue_hub/text.py neutralizes them).
BIDI_OVERRIDE = re.compile("[\u202a-\u202e]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LONG = ("<script>alert(1)</script> " * 4000)[:100_000]


def hostile_marker(letter):
    counter = itertools.count()

    def mark(model, field_name, n=1):
        return PAYLOADS[next(counter) % len(PAYLOADS)]

    return mark


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(world_module, "_marker", hostile_marker)
        with transaction.atomic():
            built = world_module.build_world()
            side = built.a
            # Text columns have no length limit: make some of them very long.
            Initiative.objects.filter(pk=side.initiative.pk).update(process_goals=LONG)
            type(side.objects["outcome"]).objects.filter(pk=side.objects["outcome"].pk).update(
                description=LONG
            )
            yield built
            transaction.set_rollback(True)


@pytest.fixture(scope="module")
def clients(world, django_db_blocker):
    with django_db_blocker.unblock():
        roles = (Role.ORGANIZER, Role.DATA_STEWARD, Role.FACILITATOR, PARTICIPANT, ANONYMOUS)
        return {role: client_for(role, world) for role in roles}


def test_the_world_is_hostile(world):
    """If world.py stops using its marker function, this suite would prove nothing."""
    initiative = world.a.initiative
    texts = [initiative.name, initiative.description, world.a.objects["circle"].name]
    texts += [world.a.objects["team"].name, world.a.participant_names[0]]
    assert all(text in PAYLOADS for text in texts), texts
    stats.add("hostile_inputs", len(PAYLOADS))


# --- checks ---------------------------------------------------------------------------------------


def html_problems(body):
    found = [raw for raw in RAW_IN_HTML if raw in body]
    return found + bidi_problems(body)


def bidi_problems(text):
    match = BIDI_OVERRIDE.search(text)
    return (
        [f"a bidirectional override: {text[max(0, match.start() - 40) : match.end() + 40]!r}"]
        if match
        else []
    )


def csv_problems(body):
    problems = bidi_problems(body)
    for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))):
        for cell in row:
            if cell.startswith(FORMULA_START) and not re.fullmatch(r"-\d+(\.\d+)?", cell):
                problems.append(cell[:60])
    return problems


def ics_problems(body):
    try:
        calendar = Calendar.from_ical(body)
    except Exception as exc:  # a feed a calendar app cannot read
        return [f"unparsable: {exc}"]
    problems = []
    for component in calendar.walk():
        if "ATTENDEE" in component:
            problems.append("an ATTENDEE came from a name")
    for line in body.splitlines():
        if line.startswith("ATTENDEE"):
            problems.append(line[:80])
    return problems


def problems_of(response):
    content_type = response.get("Content-Type", "")
    body = body_of(response)
    if "text/calendar" in content_type:
        return ics_problems(body)
    if "text/csv" in content_type:
        return csv_problems(body)
    if "html" in content_type:
        return html_problems(body)
    if "html" in body[:200].lower() and "json" not in content_type:
        return html_problems(body)  # something HTML-looking served as another type
    return []  # JSON downloads and plain text: data, not markup (served with nosniff)


# --- every page, as every role that shows them ---------------------------------------------------

PAGES = [(r, n) for r, n in url_patterns() if n not in ("admin:index", "account_logout")]
PUBLIC_NAMES = {"home", "initiatives:public", "actions:results", "participants:register"}


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.DATA_STEWARD, Role.FACILITATOR, PARTICIPANT])
def test_every_page_escapes_what_people_typed(world, clients, role):
    client = clients[role]
    found, shown = [], 0
    for route, name in PAGES:
        url = url_for(route, name, world.a)
        cache.clear()
        with isolated(), kept_cookies(client):
            response = client.get(url)
            if response.status_code != 200:
                continue
            shown += 1
            for problem in problems_of(response):
                found.append(f"{name} {url}: {problem!r}")
    stats.add("hostile_inputs", shown)
    assert shown > 5, f"{role} opened almost nothing: the world or the clients are broken"
    assert not found, f"{role} gets unescaped hostile text:\n" + "\n".join(found)


def test_public_pages_escape_what_people_typed(world, clients):
    client = clients[ANONYMOUS]
    found = []
    for route, name in PAGES:
        if name not in PUBLIC_NAMES:
            continue
        with isolated(), kept_cookies(client):
            response = client.get(url_for(route, name, world.a))
        assert response.status_code == 200, name
        found += [f"{name}: {p!r}" for p in problems_of(response)]
    # The public pages do show the hostile name, escaped (so the check above means something).
    with isolated():
        body = body_of(client.get(f"/initiatives/{world.a.initiative.slug}/"))
    assert escape(world.a.initiative.name) in body
    stats.add("hostile_inputs", len(PUBLIC_NAMES))
    assert not found, found


def test_exports_and_feeds_are_checked(world, clients):
    """The exports and calendar feeds the walk above checks really answer for these roles."""
    slug = world.a.initiative.slug
    exports = {
        Role.ORGANIZER: [f"/manage/{slug}/participants/export.csv", "/progress/teams.csv"],
        Role.DATA_STEWARD: [f"/manage/{slug}/participants/export.csv"],
    }
    for role, urls in exports.items():
        for url in urls:
            with isolated(), kept_cookies(clients[role]) as client:
                response = client.get(url)
            assert response.status_code == 200, url
            assert "text/csv" in response["Content-Type"], url
            body = body_of(response)
            if "participants" in url:  # names and the rest of what people typed
                assert "'=HYPERLINK" in body or "'+1+cmd" in body or "'-2+3" in body, url
            assert not csv_problems(body), (url, csv_problems(body))
    feeds = [
        url_for(route, name, world.a)
        for route, name in PAGES
        if name in ("guides:participant_feed", "guides:staff_feed", "guides:meeting_ics")
    ]
    for url in feeds:
        with isolated(), kept_cookies(clients[Role.ORGANIZER]) as client:
            response = client.get(url)
        assert response.status_code == 200, url
        assert not ics_problems(body_of(response)), url


def test_every_email_escapes_what_people_typed(world):
    rows = list(OutboxMessage.objects.filter(initiative=world.a.initiative))
    assert rows
    found = []
    for row in rows:
        with isolated():
            try:
                message = outbox.render(row, outbox.KINDS[row.kind])
            except outbox.Stale:
                continue
        assert "\n" not in message.subject, row.kind
        assert "\r" not in message.subject, row.kind
        found += [f"{row.kind}: {p}" for p in bidi_problems(message.subject + message.body)]
        for content, mimetype in getattr(message, "alternatives", []):
            if "html" in mimetype:
                found += [f"{row.kind}: {p!r}" for p in html_problems(str(content))]
        for attachment in message.attachments:
            if isinstance(attachment, tuple) and str(attachment[0]).endswith(".ics"):
                found += [f"{row.kind} .ics: {p}" for p in ics_problems(attachment[1])]
    stats.add("hostile_inputs", len(rows))
    assert not found, found


# --- generated markup, on the pages that show it ------------------------------------------------

# Printable text full of markup characters; no NUL (the forms refuse it, see test_fuzz_forms).
MARKUP = st.text(
    alphabet=st.sampled_from(list("<>\"'&=/ ;:(){}%|abc\u202e😀é")), min_size=1, max_size=60
).map(lambda s: "<" + s.strip() + ">")


@pytest.mark.parametrize(
    ("what", "field_name", "page"),
    [
        ("initiative", "description", "public"),
        ("circle", "name", "circle_detail"),
        ("idea", "text", "ideas"),
        ("team", "name", "results"),
        ("participant", "name", "roster"),
    ],
)
def test_generated_text_is_escaped(world, clients, what, field_name, page):
    side = world.a
    obj = side.initiative if what == "initiative" else side.objects[what]
    slug = side.initiative.slug
    urls = {
        "public": (ANONYMOUS, f"/initiatives/{slug}/"),
        "circle_detail": (Role.ORGANIZER, f"/manage/{slug}/circles/{obj.pk}/"),
        "ideas": (Role.ORGANIZER, f"/manage/{slug}/ideas/"),
        "results": (ANONYMOUS, f"/initiatives/{slug}/results/"),
        "roster": (Role.ORGANIZER, f"/manage/{slug}/participants/"),
    }
    role, url = urls[page]
    model = type(obj)

    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(text=MARKUP)
    def check(text):
        stats.add("hostile_inputs", 1)
        with isolated(), kept_cookies(clients[role]) as client:
            model.objects.filter(pk=obj.pk).update(**{field_name: text})
            response = client.get(url)
            body = body_of(response)
        assert response.status_code == 200
        assert text not in body, f"{text!r} appears raw on {url}"
        assert not html_problems(body)

    check()
