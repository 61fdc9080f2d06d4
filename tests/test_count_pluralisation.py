"""Counts are pluralised: no "only 1 people", "1 meetings scheduled" or "1 minutes".

A static scan of every translatable string in the apps and every template finds a count placed
before a countable noun ("%(n)d people", "{{ n }} minutes") that no plural form governs:
- in Python, such a string inside `_()`/`gettext()` rather than `ngettext()`, or inside the
  singular form of an `ngettext()` (a second count whose noun the first count's plural form
  does not govern — the "only %(supply)s people" of a one-person circle);
- in templates, such text outside `{% blocktranslate count %}`, or in its singular part.
A count that can never be 1 (a constant above 1, a figure only shown from 10, a group of at
least two) is on ALLOWLIST with the reason. Then the assignment's "circle too small" notice and
two pages are rendered with counts 1 and 2 and read back."""

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from guides.assignment import problem_message
from initiatives.models import Role

from .factories import (
    CircleFactory,
    CircleMemberFactory,
    DiscussionGuideFactory,
    GuideSessionFactory,
    InitiativeFactory,
    OutreachActivityFactory,
)

BASE = Path(settings.BASE_DIR)
APPS = ("dialogue_hub", "initiatives", "participants", "guides", "actions", "evaluation")
NOUNS = (
    r"(?:people|persons|participants|circles|ideas|members|teams|meetings|days|hours|minutes|"
    r"weeks|months|years|votes|dots|groups|messages|emails|sessions|milestones|goals|outcomes|"
    r"updates|organizations|partners|places|seats|rows|entries|times|responses|answers|"
    r"invitations|records|logs|themes|ballots|assets|offers|targets|activities|links|items|"
    r"registrations|officers|residents)"
)
PYTHON_COUNT = re.compile(r"%\(\w+\)[sd] (?:[\w-]+ )?" + NOUNS + r"\b")
TEMPLATE_COUNT = re.compile(r"{{\s*[\w.|:\"' ]+?\s*}} (?:[\w-]+ )?" + NOUNS + r"\b")
BLOCK = re.compile(r"{%\s*blocktrans(?:late)?\b(.*?)%}(.*?){%\s*endblocktrans(?:late)?\s*%}", re.S)
PLURAL = re.compile(r"{%\s*plural\s*%}")
GETTEXT = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "gettext_noop"}
NGETTEXT = {"ngettext", "ngettext_lazy", "npgettext", "npgettext_lazy"}

# (path, the start of the string) -> why its count is never 1.
ALLOWLIST = {
    ("initiatives/forms.py", "Give at most %(n)s different times"): "MAX_REMINDERS, 3",
    ("initiatives/models.py", "Give at most %(n)s different times"): "MAX_REMINDERS, 3",
    ("participants/services/imports.py", "The file has more than %(max)d rows"): "MAX_ROWS, 1000",
    ("participants/views/staff.py", "%(n)d people on the waiting list"): (
        "a suppressed count: 1 to 9 are never shown"
    ),
    ("guides/assignment/messages.py", "%(groups)s group of people who asked"): (
        "people in keep-together groups: a group is at least two"
    ),
    ("guides/assignment/messages.py", "%(count)s people who asked to stay together"): (
        "people in a keep-together group: at least two"
    ),
    ("guides/selectors/circles.py", "Keep circles at %(n)d people or fewer"): "LARGEST_CIRCLE, 60",
    ("guides/selectors/circles.py", "These minimums add up to %(wanted)d people"): (
        "more than the largest size, which is at least 1"
    ),
    ("guides/selectors/circles.py", "%(role)s: %(have)d of %(size)d people"): (
        "only when have > 1, and size >= have"
    ),
    ("guides/forms/library.py", "Line %(n)d: an agenda item lasts"): "MAX_AGENDA_MINUTES",
    ("guides/forms/logs.py", "Record at most %(n)d action ideas"): "MAX_IDEAS, 40",
    ("guides/forms/logs.py", "Choose at most %(n)d themes"): "MAX_THEMES, 20",
    ("guides/services/logs.py", "Record at most %(n)d action ideas"): "MAX_IDEAS, 40",
    ("guides/services/logs.py", "Choose at most %(n)d themes"): "MAX_THEMES, 20",
    ("guides/services/library.py", "A guide can have at most %(n)d sessions"): "MAX_SESSIONS, 20",
    (
        "guides/services/library.py",
        "An agenda can have at most %(n)d items",
    ): "MAX_AGENDA_ITEMS, 30",
    ("guides/forms/library.py", "An agenda can have at most %(n)d items"): "MAX_AGENDA_ITEMS, 30",
    ("actions/services/forum.py", "A ballot holds at most %(count)d items"): "MAX_ITEMS, 60",
    ("actions/forms/forum.py", "You gave %(total)d dots"): "more than each person's, >= 1",
    ("actions/services/forum.py", "You gave %(total)d dots"): "more than each person's, >= 1",
    ("actions/services/forum.py", "Each person gets between %(low)d"): "MAX_DOTS, 10",
    ("actions/services/ideas.py", "Merge at most %(n)s ideas"): "MAX_MERGE, 50",
    ("actions/services/progress.py", "Give at most %(max)s links"): "a constant above 1",
    ("templates/participants/staff/import.html", "{{ max }} rows"): "MAX_ROWS, 1000",
    # Link lifetimes and registration caps in emails: settings in days (14 to 30 by default)
    # and caps an organizer sets for a whole initiative.
    **{
        (f"templates/email/{name}", text): "a link lifetime setting, 14 to 30 days"
        for name in (
            "guardian_reminder.html",
            "guardian_reminder.txt",
            "guardian_request.html",
            "guardian_request.txt",
        )
        for text in ("{{ guardian_days }} days",)
    },
    **{
        (f"templates/email/{name}", "{{ manage_days }} days"): "a link lifetime setting, 30 days"
        for name in (
            "participant_confirm.html",
            "participant_confirm.txt",
            "participant_manage_link.html",
            "participant_manage_link.txt",
            "participant_welcome.txt",
            "participant_already_registered.html",
            "participant_already_registered.txt",
        )
    },
    ("templates/email/nearly_full.html", "{{ seats }} places"): "a registration cap: 'nearly full'",
    ("templates/email/nearly_full.txt", "{{ seats }} places"): "a registration cap: 'nearly full'",
}


def _allowed(path, text):
    return any(path == p and text.startswith(start) for p, start in ALLOWLIST)


def _python_files():
    for app in APPS:
        for path in sorted((BASE / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _template_files():
    roots = [BASE / "templates"] + [BASE / app / "templates" for app in APPS]
    for root in roots:
        if root.exists():
            for path in sorted(root.rglob("*")):
                if path.suffix in (".html", ".txt"):
                    yield path


def python_findings():
    found = []
    for path in _python_files():
        relative = str(path.relative_to(BASE))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            args = node.args[1:] if name.startswith(("pgettext", "npgettext")) else node.args
            if name not in GETTEXT | NGETTEXT or not args:
                continue
            first = args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            if PYTHON_COUNT.search(first.value) and not _allowed(relative, first.value):
                kind = "singular of ngettext" if name in NGETTEXT else "no ngettext"
                found.append(f"{relative}:{node.lineno} ({kind}): {first.value[:80]}")
    return found


def template_findings():
    found = []
    for path in _template_files():
        relative = str(path.relative_to(BASE))
        text = path.read_text(encoding="utf-8")
        for block in BLOCK.finditer(text):
            head, body = block.group(1), block.group(2)
            counted = re.search(r"\bcount\b", head)
            part = PLURAL.split(body)[0] if counted else body
            line = text[: block.start()].count("\n") + 1
            for hit in TEMPLATE_COUNT.finditer(part):
                if not _allowed(relative, hit.group(0)):
                    kind = "singular of count" if counted else "no count"
                    found.append(f"{relative}:{line} ({kind}): {hit.group(0)}")
        for hit in TEMPLATE_COUNT.finditer(BLOCK.sub("", text)):
            if not _allowed(relative, hit.group(0)):
                found.append(f"{relative} (not translated): {hit.group(0)}")
    return found


def test_the_scan_reads_the_code_and_the_templates():
    assert len(list(_python_files())) > 50
    assert len(list(_template_files())) > 100
    # It finds what it looks for: the allowlisted strings are there.
    assert any("MAX_IDEAS" in reason for reason in ALLOWLIST.values())
    seen = {
        (str(p.relative_to(BASE)), m.group(0))
        for p in _template_files()
        for m in TEMPLATE_COUNT.finditer(p.read_text(encoding="utf-8"))
    }
    assert ("templates/participants/staff/import.html", "{{ max }} rows") in seen


def test_count_bearing_python_strings_are_pluralised():
    found = python_findings()
    assert not found, "counts before a noun without a plural form:\n" + "\n".join(found)


def test_count_bearing_template_text_is_pluralised():
    found = template_findings()
    assert not found, "counts before a noun without a plural form:\n" + "\n".join(found)


SMALL = {"circle": "Circle A", "min": 8, "slot": "Tuesday evening", "language": "English"}


@pytest.mark.parametrize(
    ("size", "supply", "expected"),
    [
        (1, 1, "Circle A has 1 person, fewer than its smallest size of 8. Only 1 person can"),
        (2, 2, "Circle A has 2 people, fewer than its smallest size of 8. Only 2 people can"),
        (1, 2, "Circle A has 1 person, fewer than its smallest size of 8. Only 2 people can"),
    ],
)
def test_a_small_circle_notice_is_grammatical_for_one_and_two(size, supply, expected):
    text = problem_message("circle_small", {**SMALL, "size": size, "supply": supply})
    assert text.startswith(expected)


@pytest.mark.django_db
@pytest.mark.parametrize(("minutes", "text"), [(1, "1 minute"), (2, "2 minutes")])
def test_a_guide_page_says_minute_or_minutes(client, member_of, minutes, text):
    initiative = InitiativeFactory()
    client.force_login(member_of(initiative, Role.ORGANIZER))
    guide = DiscussionGuideFactory(initiative=initiative)
    GuideSessionFactory(guide=guide, duration_minutes=minutes)
    html = client.get(reverse("guides:guide_detail", args=[initiative.slug, guide.pk])).content
    page = html.decode()
    assert f"{text} in all" in page
    assert "1 minutes" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(("members", "text"), [(1, "1 person placed"), (2, "2 people placed")])
def test_the_circles_page_says_person_or_people(client, member_of, members, text):
    initiative = InitiativeFactory()
    client.force_login(member_of(initiative, Role.ORGANIZER))
    circle = CircleFactory(initiative=initiative)
    for _ in range(members):
        CircleMemberFactory(circle=circle)
    page = client.get(reverse("guides:circles", args=[initiative.slug])).content.decode()
    assert text in page
    assert "1 people" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(("reached", "text"), [(1, "1 person reached"), (2, "2 people reached")])
def test_the_outreach_page_says_person_or_people(client, member_of, reached, text):
    initiative = InitiativeFactory()
    client.force_login(member_of(initiative, Role.ORGANIZER))
    OutreachActivityFactory(
        initiative=initiative,
        people_reached=reached,
        happened_on=timezone.localdate() - timedelta(days=1),
    )
    page = client.get(reverse("participants:outreach", args=[initiative.slug])).content.decode()
    assert text in page
    assert "1 people" not in page
