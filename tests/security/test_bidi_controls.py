"""Bidirectional controls (U+202E right-to-left override and the rest) never reorder text.

A name typed as "Ana\u202eevil" shows as "Analive" — and, written raw into a page or an email,
everything after it on the same line shows backwards too. So:

- on the way in, every form of every page (walked as in test_fuzz_forms) is posted with
  bidirectional controls in every one-line text field, and nothing stored afterwards holds one;
- on the way out, a name stored with one before (written straight into the database) is shown
  isolated: the roster wraps it in <bdi> and no page, CSV export or email carries an override
  or an unclosed isolate that could reach past it;
- a person who registers on the public form with U+202E in their name is shown without it in
  the roster, the CSV export and every email that names them.
"""

import csv
import io
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection, models

from dialogue_hub import outbox
from dialogue_hub.models import OutboxMessage
from initiatives.models import Role
from participants.models import Participant

from ..helpers import registration_answers
from .access import (
    body_of,
    clients_fixture,
    html_of,
    kept_cookies,
    url_for,
    url_patterns,
)
from .test_fuzz_forms import NOT_FUZZED, ROLE_ORDER, FormParser, page_values
from .world import isolated, main_models, world_fixture

pytestmark = pytest.mark.django_db

world = world_fixture()

RLO, PDF, LRI, PDI = "\u202e", "\u202c", "\u2066", "\u2069"
# What a one-line field is posted: a probe to find it by, and controls to be dropped.
PROBE = "bidiprobe"
ONE_LINE_KINDS = ("text", "search", "tel", "url", "email")
OVERRIDES = re.compile("[\u202a-\u202e]")


def one_line_value(kind, k):
    if kind == "email":
        return f"{PROBE}{k}{RLO}@example.net"
    if kind == "url":
        return f"https://{PROBE}{k}.example.net/{RLO}x"
    return f"{RLO}{PROBE}{k} x{LRI}y"


# --- reading what is stored ---------------------------------------------------------------------


def _text_columns():
    for model in main_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.CharField | models.TextField | models.JSONField):
                yield model, f


def _stored_sql():
    """One query: (rows holding a bidirectional control, rows holding the probe) in every text
    column of the project's tables (JSON too, as text: escaped \\u202e there)."""
    bidi, probe, params_bidi, params_probe = [], [], [], []
    for model, f in _text_columns():
        table = connection.ops.quote_name(model._meta.db_table)
        column = connection.ops.quote_name(f.column)
        text = f"CAST({column} AS TEXT)"
        bidi.append(
            f"(SELECT COUNT(*) FROM {table} WHERE {text} LIKE %s OR {text} LIKE %s"  # noqa: S608
            f" OR {text} LIKE %s OR {text} LIKE %s)"
        )
        params_bidi += [f"%{RLO}%", f"%{LRI}%", "%\\u202e%", "%\\u2066%"]
        probe.append(f"(SELECT COUNT(*) FROM {table} WHERE {text} LIKE %s)")  # noqa: S608
        params_probe.append(f"%{PROBE}%")
    sql = f"SELECT {' + '.join(bidi)}, {' + '.join(probe)}"
    return sql, params_bidi + params_probe


def stored():
    sql, params = _stored_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


clients = clients_fixture()


@pytest.fixture(scope="module")
def found_forms(world, clients, django_db_blocker):
    """Every POST form of every page, as the first role of ROLE_ORDER that may open it."""
    found = []
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
                parser = FormParser(url)
                parser.feed(html)
                for form in parser.forms:
                    form.role = role
                    found.append(form)
                break
    return found


def test_every_form_drops_bidi_controls_from_one_line_fields(clients, found_forms, world):
    assert stored() == (0, 0), "the world already holds bidirectional controls or the probe"
    leaks, landed, seen = [], set(), set()
    for form in found_forms:
        names = [n for n, f in form.fields.items() if f.kind in ONE_LINE_KINDS]
        if not names or form.action in seen:
            continue
        seen.add(form.action)
        values = {n: one_line_value(form.fields[n].kind, k) for k, n in enumerate(names)}
        pairs = [(m, v) for m, v in page_values(form) if m not in values] + list(values.items())
        cache.clear()
        with isolated(), kept_cookies(clients[form.role]) as client:
            response = client.post(form.action, dict_of(pairs))
            bidi_rows, probe_rows = stored()
        assert response.status_code < 500, form.action
        if bidi_rows:
            leaks.append(f"{form.action} as {form.role}: {bidi_rows} rows ({', '.join(names)})")
        if probe_rows:
            landed.add(form.action)
    # The check means something only if many forms really stored what was posted.
    assert len(landed) >= 15, sorted(landed)
    assert not leaks, "bidirectional controls stored:\n" + "\n".join(leaks)


def dict_of(pairs):
    data = {}
    for key, value in pairs:
        data.setdefault(key, []).append(value)
    return data


# --- what is shown -------------------------------------------------------------------------------


def reordering_problems(text: str) -> list:
    """Overrides or embeddings anywhere, or an isolate not closed within its own piece of text
    (between two tags): what could reorder what follows."""
    problems = [
        f"override {m.group(0)!r} near {text[max(0, m.start() - 30) : m.end() + 30]!r}"
        for m in OVERRIDES.finditer(text)
    ]
    for piece in re.findall(r"[^<>]+", text):
        depth = 0
        for char in piece:
            if char in "\u2066\u2067\u2068":
                depth += 1
            elif char == PDI:
                depth -= 1
                if depth < 0:
                    problems.append(f"a stray PDI in {piece[:60]!r}")
                    depth = 0
        if depth:
            problems.append(f"an unclosed isolate in {piece[:60]!r}")
    return problems[:5]


LEGACY_NAME = f"Ana {RLO}evil {LRI}x"  # unclosed override and isolate, stored before the fix


def test_names_stored_with_bidi_controls_are_shown_isolated(world, clients):
    side = world.a
    person = side.objects["participant"]
    organizer = side.users[Role.ORGANIZER]
    slug = side.initiative.slug
    with isolated():
        Participant.objects.filter(pk=person.pk).update(name=LEGACY_NAME, guardian_name=LEGACY_NAME)
        type(organizer).objects.filter(pk=organizer.pk).update(display_name=LEGACY_NAME)
        with kept_cookies(clients[Role.ORGANIZER]) as client:
            roster = body_of(client.get(f"/manage/{slug}/participants/"))
            export = client.get(f"/manage/{slug}/participants/export.csv")
            pages = {
                url: client.get(url)
                for url in (
                    f"/manage/{slug}/participants/{person.pk}/",
                    f"/manage/{slug}/circles/{side.objects['circle'].pk}/",
                    f"/manage/{slug}/teams/{side.objects['team'].pk}/",
                    f"/manage/{slug}/team/",
                )
            }
        messages = [
            outbox.render(row, outbox.KINDS[row.kind])
            for row in OutboxMessage.objects.filter(initiative=side.initiative)
        ]
    assert re.search(r"<bdi>[^<]*Ana[^<]*evil[^<]*</bdi>", roster), "the roster does not isolate"
    assert not reordering_problems(roster)
    for url, response in pages.items():
        assert response.status_code == 200, url
        assert not reordering_problems(body_of(response)), url
    # Where a page lists the person by name, the name is isolated: it cannot reorder what
    # follows it (a count, a role), whatever script it is written in.
    for url in (
        f"/manage/{slug}/participants/{person.pk}/",
        f"/manage/{slug}/circles/{side.objects['circle'].pk}/",
    ):
        body = body_of(pages[url])
        assert "evil" in body, f"{url} does not show the name: the check proves nothing"
        outside = re.sub(r"<bdi>.*?</bdi>", "", body, flags=re.S)
        assert "evil" not in outside, (url, outside[outside.index("evil") - 200 :][:300])
    rows = list(csv.reader(io.StringIO(body_of(export).lstrip("\ufeff"))))
    assert any("Ana evil" in cell for row in rows for cell in row), "the name is not exported"
    assert not reordering_problems(body_of(export))
    named = 0
    for message in messages:
        parts = [message.subject, message.body]
        parts += [str(content) for content, _type in getattr(message, "alternatives", [])]
        for part in parts:
            assert not reordering_problems(part), (message.extra_headers, part[:300])
        html = " ".join(parts[2:])
        if "Ana" in message.body:
            named += 1
            assert re.search(r"<bdi>[^<]*Ana[^<]*evil[^<]*</bdi>", html), message.body[:200]
    assert named >= 2, "no email named the person: the check proves nothing"


def test_a_person_registered_with_an_override_is_shown_without_it(client, world, clients):
    side = world.a
    slug = side.initiative.slug
    name = f"Zoe {RLO}Quill"
    question = side.objects["question"]
    with isolated():
        mail.outbox.clear()
        response = client.post(
            f"/initiatives/{slug}/register/",
            registration_answers(
                email="zoe.quill@example.net",
                name=name,
                neighborhood="Eastside",
                # The world's required question of the initiative's own (world._add_questions).
                **{question.field_name: str(question.choices.first().pk)},
            ),
        )
        assert response.status_code == 302, response.content[:2000]
        person = Participant.objects.get(initiative=side.initiative, email="zoe.quill@example.net")
        assert person.name == "Zoe Quill"
        with kept_cookies(clients[Role.ORGANIZER]) as staff:
            roster = body_of(staff.get(f"/manage/{slug}/participants/?q=Quill"))
            export = body_of(staff.get(f"/manage/{slug}/participants/export.csv"))
        sent = [m for m in mail.outbox if "zoe.quill@example.net" in m.to]
        rows = OutboxMessage.objects.filter(to_email="zoe.quill@example.net")
        emails = sent + [outbox.render(row, outbox.KINDS[row.kind]) for row in rows]
    assert "Zoe Quill" in roster
    assert RLO not in roster
    assert "Zoe Quill" in export
    assert RLO not in export
    assert emails, "registering sent no email"
    for message in emails:
        texts = [message.subject, message.body]
        texts += [str(content) for content, _type in getattr(message, "alternatives", [])]
        assert all(RLO not in text for text in texts)
        assert any("Zoe Quill" in text for text in texts)
