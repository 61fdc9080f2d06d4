"""Never offer an action the viewer cannot take.

Every role of the seeded world walks the app from every GET page of the URL conf (filled in
with initiative A's objects, as the permission matrix does), following the links each page
offers into the app. On each page it reads every `<form method="post">` (one action per submit
button) and every in-app link, and then does what the page offers, as the same role:

- a link is opened (GET): it must not answer 403, 404 or 405;
- a form is posted exactly as it was rendered (its hidden inputs, current values, the pressed
  button): it must not answer 403, 404 or 405, nor come back with an error message (a refusal
  from a service, "you may not approve this", is a message on the page it redirects to).

Actions are checked once per role and address (and button), each POST in a savepoint that is
rolled back, so the world stays the same for the rest of the walk. The module adds one state to
the world that the permission matrix does not need: a session log of circle 1 written by its
facilitator and waiting for approval, in a circle that now has a second facilitator (the author
may not approve their own log there; the other facilitator does).
"""

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.messages import constants as message_levels
from django.core.cache import cache
from django.urls import Resolver404, resolve
from django.utils import timezone

from guides.models import CircleStaff, LogStatus
from initiatives.models import Role

from . import stats
from .access import (
    OTHER_MEMBER,
    ROLES,
    client_for,
    clients_fixture,
    html_of,
    kept_cookies,
    url_for,
    url_patterns,
)
from .world import isolated, world_fixture

pytestmark = pytest.mark.django_db

world = world_fixture()
clients = clients_fixture()

REFUSED = {403, 404, 405}
# Not walked: Django's admin (its own links and forms), and signing out (it ends the walk).
SKIPPED_NAMES = {"account_logout"}
SKIPPED_PREFIXES = ("/admin/", "/static/", "/media/")
# Forms that act on what the person ticks or picks first (ideas ticked in the list, one of
# their email addresses): posted untouched they rightly ask for a choice, so only a 403, 404 or
# 405 counts as a refusal there.
NEEDS_A_CHOICE = {"actions:ideas_assign", "account_email"}
# Pages of one URL name the walk opens at most (a list of 20 meetings needs one or two).
PER_NAME = 3


@pytest.fixture(scope="module")
def waiting_log(world, django_db_blocker):
    """Circle 1's second meeting: its log written by the facilitator, submitted, in a circle
    with a second facilitator who approves it."""
    a = world.a
    with django_db_blocker.unblock():
        circle = a.objects["circle"]
        CircleStaff.objects.create(circle=circle, user=a.users["facilitator2"], role="facilitator")
        log = a.objects["draft_meeting"].log
        log.status = LogStatus.SUBMITTED
        log.submitted_at = timezone.now()
        log.drafted_by = a.users[Role.FACILITATOR]
        log.save(update_fields=["status", "submitted_at", "drafted_by"])
    return log


# --- reading a page ------------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    pairs: list = field(default_factory=list)  # what the browser sends, without the button
    buttons: list = field(default_factory=list)  # (name, value) of each submit button or None


class PageParser(HTMLParser):
    """The post forms and in-app links of a page, as a browser would use them."""

    def __init__(self, url):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form = None
        self._select = None  # (name, [options], [selected])
        self._textarea = None  # [name, text]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self._form = Form(action=a.get("action") or self.url)
        elif self._form is not None:
            self._field(tag, a)

    def _field(self, tag, a):
        form, name = self._form, a.get("name")
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "image"):
                self._button(a)
            elif name and kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.pairs.append((name, a.get("value") or "on"))
            elif name and kind not in ("button", "reset", "file"):
                form.pairs.append((name, a.get("value") or ""))
        elif tag == "button" and (a.get("type") or "submit").lower() == "submit":
            self._button(a)
        elif tag == "select" and name:
            self._select = (name, [], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select[1].append(value)
            if "selected" in a:
                self._select[2].append(value)
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def _button(self, a):
        if (a.get("formmethod") or "post").lower() != "post" or a.get("formaction"):
            return  # a button that opens a page (GET) or posts elsewhere: not this form's action
        self._form.buttons.append((a["name"], a.get("value") or "") if a.get("name") else None)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select" and self._select is not None:
            name, options, selected = self._select
            chosen = selected or [o for o in options[:1] if o]
            self._form.pairs += [(name, value) for value in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form.pairs.append(tuple(self._textarea))
            self._textarea = None


def in_app_path(page_url, href):
    """The path an href opens in this app, or None (other sites, anchors, mailto:, files)."""
    parts = urlsplit(urljoin("http://testserver" + page_url, href))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if path.startswith(SKIPPED_PREFIXES):
        return None
    return path


def url_name(path):
    try:
        return resolve(urlsplit(path).path).view_name
    except Resolver404:
        return None


def error_messages(response):
    """Error messages the request added (shown on the page it redirects to)."""
    storage = getattr(response.wsgi_request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return [str(m) for m in queued if m.level >= message_levels.ERROR]


# --- the walk ------------------------------------------------------------------------------------


def start_pages(world):
    return [
        url_for(route, name, world.a)
        for route, name in url_patterns()
        if name not in SKIPPED_NAMES and not name.startswith("admin:")
    ]


def walk(client, starts):
    """Open the start pages and every in-app page they link to; do every form they offer.
    Returns the refusals: "<what was offered> on <page> → <answer>"."""
    problems, seen_pages, seen_posts = [], set(), set()
    opened_per_name: dict[str, int] = {}
    queue = deque((url, None) for url in starts)
    while queue:
        url, linked_from = queue.popleft()
        path_only = urlsplit(url).path
        if path_only in seen_pages:
            continue
        name = url_name(url)
        if name in SKIPPED_NAMES:
            continue
        if linked_from is not None and opened_per_name.get(name, 0) >= PER_NAME:
            continue
        seen_pages.add(path_only)
        opened_per_name[name] = opened_per_name.get(name, 0) + 1
        cache.clear()  # rate limits are not what is tested here
        with isolated(), kept_cookies(client):
            response = client.get(url)
        stats.add("url_role_checks", 1)
        if linked_from is not None and response.status_code in REFUSED:
            problems.append(f"link {url} on {linked_from} → {response.status_code}")
            continue
        html = html_of(response)
        if html is None:
            continue
        page = PageParser(url)
        page.feed(html)
        for href in page.links:
            path = in_app_path(url, href)
            if path is not None and urlsplit(path).path not in seen_pages:
                queue.append((path, url))
        for form in page.forms:
            action = in_app_path(url, form.action)
            if action is None or url_name(action) in SKIPPED_NAMES:
                continue
            for button in form.buttons or [None]:
                key = (urlsplit(action).path, button)
                if key in seen_posts:
                    continue
                seen_posts.add(key)
                problem = post_as_rendered(
                    client, action, form.pairs + ([button] if button else [])
                )
                if problem:
                    label = f" ({button[0]})" if button else ""
                    problems.append(f"form {action}{label} on {url} → {problem}")
    return problems, len(seen_pages), len(seen_posts)


def post_as_rendered(client, action, pairs):
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    cache.clear()
    with isolated(), kept_cookies(client):
        response = client.post(action, data)
    stats.add("url_role_checks", 1)
    if response.status_code in REFUSED:
        return response.status_code
    errors = error_messages(response)
    if errors and url_name(action) not in NEEDS_A_CHOICE:
        return f"refused: {errors}"
    return None


@pytest.mark.parametrize("role", [role for role in ROLES if role != OTHER_MEMBER])
def test_every_offered_action_is_allowed_to_the_viewer(world, clients, waiting_log, role):
    """(The other initiative's organizer is the organizer walk, in initiative B.)"""
    problems, pages, posts = walk(clients[role], start_pages(world))
    assert pages > 0
    assert not problems, f"{role} is offered what it is refused:\n  " + "\n  ".join(problems)


def test_the_walk_catches_an_action_offered_to_someone_refused(world, clients, waiting_log):
    """The checker itself: approving a log as someone who may not (its author, the recorder,
    the police liaison) is reported as refused, whether with 403 or an error message; the
    circle's other facilitator's approval is not."""
    slug, meeting = world.a.initiative.slug, world.a.objects["draft_meeting"].pk
    approve = f"/manage/{slug}/meetings/{meeting}/log/approve/"
    for role in (Role.FACILITATOR, Role.RECORDER, Role.POLICE_LIAISON):
        assert post_as_rendered(clients[role], approve, []), role
    other = client_for(Role.FACILITATOR, world)
    other.force_login(world.a.users["facilitator2"])
    assert post_as_rendered(other, approve, []) is None
