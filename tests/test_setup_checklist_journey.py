"""The issue's done-when, tried as a new user would: a new organizer creates an initiative and
follows the overview's setup checklist from top to bottom with no other help. For each step it
opens the checklist's own link (or presses its button), fills in the form on the page it lands
on — read from the HTML, with the values the page offers, as a browser submits it — and goes
back to the overview. At the end every step reads "done"."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from initiatives.checklist import DONE, SETUP_STEPS
from initiatives.models import Initiative

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ORDER = [
    "coalition",
    "team",
    "targets",
    "registration",
    "publish",
    "guide",
    "circles",
    "assignment",
    "meetings",
    "placement_notices",
    "forum",
    "action_teams",
    "evaluation",
]


# --- reading a page as a browser does -------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    id: str = ""
    fields: dict = field(default_factory=dict)  # name -> [values], as submitted untouched
    options: dict = field(default_factory=dict)  # select / radio / checkbox name -> [values]
    buttons: list = field(default_factory=list)  # submit buttons' text

    def data(self, **overrides) -> dict:
        data = {name: list(values) for name, values in self.fields.items() if values}
        for name, value in overrides.items():
            data[name] = value if isinstance(value, list) else [value]
        return data


@dataclass
class Step:
    key: str
    status: str
    link: str | None = None  # a page to open
    button: Form | None = None  # or a button to press


class Page(HTMLParser):
    """The page's forms and the checklist's rows."""

    def __init__(self, url):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[Form] = []
        self.steps: dict[str, Step] = {}
        self._form = self._select = self._textarea = self._step = self._button = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "li" and "data-step" in a:
            self._step = Step(a["data-step"], a["data-status"])
            self.steps[self._step.key] = self._step
        if tag == "a" and self._step is not None and self._step.link is None and a.get("href"):
            self._step.link = urljoin(self.url, a["href"])
        if tag == "form":
            action = urlsplit(urljoin(self.url, a.get("action") or self.url))
            self._form = Form(
                action=action.path + (f"?{action.query}" if action.query else ""),
                method=(a.get("method") or "get").lower(),
                id=a.get("id", ""),
            )
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "option" and self._select is not None:
            form.options[self._select].append(a.get("value", ""))
            if "selected" in a:
                form.fields[self._select].append(a.get("value", ""))
        elif tag == "button" and (a.get("type") or "submit") == "submit":
            self._button = form
            form.buttons.append("")
            if name:
                form.fields.setdefault(name, []).append(a.get("value", ""))
        elif tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind == "submit":
                form.buttons.append(a.get("value", ""))
                return
            form.fields.setdefault(name, [])
            if kind in ("checkbox", "radio"):
                form.options.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    form.fields[name].append(a.get("value", "on"))
            else:
                form.fields[name].append(a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            self._multiple = "multiple" in a
            form.fields.setdefault(name, [])
            form.options.setdefault(name, [])
        elif tag == "textarea" and name:
            self._textarea = name
            form.fields.setdefault(name, []).append("")

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            if self._step is not None and self._form.method == "post":
                self._step.button = self._form
            self.forms.append(self._form)
            self._form = None
        elif tag == "select" and self._select is not None:
            # A single select with no option selected submits its first one, as a browser does.
            name = self._select
            if not self._multiple and not self._form.fields[name] and self._form.options[name]:
                self._form.fields[name].append(self._form.options[name][0])
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "button":
            self._button = None
        elif tag == "li":
            self._step = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._form.fields[self._textarea][-1] += data.lstrip("\n")
        elif self._button is not None:
            self._button.buttons[-1] += data.strip()

    def form(self, *, action=None, button=None, id=None) -> Form:
        for form in self.forms:
            if form.method != "post":
                continue
            if action is not None and not form.action.startswith(action):
                continue
            if button is not None and not any(button in text for text in form.buttons):
                continue
            if id is not None and form.id != id:
                continue
            return form
        raise AssertionError(f"no such form on {self.url}: {action=} {button=} {id=}")


def open_page(client, url) -> Page:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    page = Page(url)
    page.feed(response.content.decode())
    return page


def submit(client, form: Form, **overrides):
    response = client.post(form.action, form.data(**overrides))
    if response.status_code != 302:
        problems = re.findall(
            r"(?:invalid-feedback|alert-danger)[^>]*>(.*?)</", response.content.decode(), re.S
        )
        raise AssertionError(f"{form.action} refused: {problems}")
    errors = [str(m) for m in client.get(response.url).context["messages"] if "error" in m.tags]
    assert not errors, (form.action, errors)
    return response


def checklist(client, initiative) -> dict[str, Step]:
    return open_page(client, initiative.get_absolute_url()).steps


def follow(client, initiative, key) -> Page:
    """Open the checklist's link of step `key` (it must be the first step not done)."""
    steps = checklist(client, initiative)
    assert steps[key].status == "not_yet", steps[key]
    first_open = next(k for k in ORDER if steps[k].status == "not_yet")
    assert first_open == key, f"{key} is not the next step: {first_open} is"
    assert steps[key].link, f"no link for {key}"
    return open_page(client, steps[key].link)


def assert_done(client, initiative, key):
    assert checklist(client, initiative)[key].status == "done", key


def accept_last_invitation(client_class, name):
    link = re.search(r"https?://[^/]+(/invitations/[^/\s]+/)", mail.outbox[-1].body).group(1)
    response = client_class().post(
        link,
        {
            "display_name": name,
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
        },
    )
    assert response.status_code == 302


# --- the journey ----------------------------------------------------------------------------------


def test_a_new_organizer_follows_the_checklist_from_top_to_bottom(
    client, django_capture_on_commit_callbacks
):
    assert [step.key for step in SETUP_STEPS] == ORDER

    UserFactory(email="dana@example.org", display_name="Dana Whitfield")
    client.post(reverse("account_login"), {"login": "dana@example.org", "password": PASSWORD})
    page = open_page(client, reverse("initiatives:create"))
    submit(
        client,
        page.form(action=reverse("initiatives:create")),
        name_en="Riverton Dialogues",
        community="City of Riverton",
        description_en="Residents and police in small circles.",
        languages=["en", "es"],
    )
    initiative = Initiative.objects.get(name="Riverton Dialogues")
    steps = checklist(client, initiative)
    assert list(steps) == ORDER
    assert {step.status for step in steps.values()} == {"not_yet"}

    # 1. The coalition: the three key sectors.
    for name, sector in [
        ("Riverton Police Department", "police"),
        ("City of Riverton", "local_government"),
        ("Youth Forward", "youth"),
    ]:
        page = follow(client, initiative, "coalition")
        submit(client, page.form(action=page.url), name=name, sector=sector)
    assert_done(client, initiative, "coalition")

    # 2. The team: the link asks for a facilitator first, then a data steward.
    for email, role, name in [
        ("lucia@example.org", "facilitator", "Lucía Moreno"),
        ("sam@example.org", "data_steward", "Sam Okafor"),
    ]:
        page = follow(client, initiative, "team")
        form = page.form(action=urlsplit(page.url).path)
        assert form.fields["role"] == [role]  # the checklist's link chose the missing role
        with django_capture_on_commit_callbacks(execute=True):
            submit(client, form, email=email)
        accept_last_invitation(client.__class__, name)
    assert_done(client, initiative, "team")

    # 3. A benchmark and target: the page asks for the dimension, then the group.
    page = follow(client, initiative, "targets")
    pick = next(f for f in page.forms if f.method == "get" and "dimension" in f.options)
    page = open_page(client, f"{page.url}?dimension=role_category")
    assert "role_category" in pick.options["dimension"]
    form = page.form(action=urlsplit(page.url).path)
    submit(client, form, group="sworn_officer", community_percent="2", target_count="10")
    assert_done(client, initiative, "targets")

    # 4. Registration: switched on in the settings; the page then points to publishing.
    page = follow(client, initiative, "registration")
    form = page.form(action=page.url)
    response = submit(client, form, is_open="on", time_slots="Tuesday evening")
    settings_page = client.get(response.url).content.decode()
    assert "Next: publish the landing page so people can find it and sign up." in settings_page
    assert_done(client, initiative, "registration")

    # 5. Publish: the checklist's own button.
    steps = checklist(client, initiative)
    assert steps["publish"].button is not None
    submit(client, steps["publish"].button)
    assert_done(client, initiative, "publish")
    public = client.get(initiative.get_public_url()).content.decode()
    assert reverse("participants:register", args=[initiative.slug]) in public

    # People sign up on the staff form (the public form needs each person's email confirmed).
    for n in range(10):
        page = open_page(client, reverse("participants:participant_add", args=[initiative.slug]))
        submit(
            client,
            page.form(action=urlsplit(page.url).path),
            name=f"Person {n}",
            email=f"person{n}@example.net",
            preferred_language="en",
            neighborhood="",
            role_category="sworn_officer" if n < 2 else "resident",
            age_band="25_34",
            availability="Tuesday evening",
            consent_participation="on",
            consent_contact="on",
        )

    # 6. A guide: copied from the library.
    page = follow(client, initiative, "guide")
    submit(client, page.form(button="Copy"))
    assert_done(client, initiative, "guide")

    # 7. A circle, with the copied guide and the facilitator.
    page = follow(client, initiative, "circles")
    form = page.form(action=urlsplit(page.url).path)
    guide = next(v for v in form.options["guide"] if v)
    facilitator = next(v for v in form.options["facilitator_1"] if v)
    submit(
        client,
        form,
        name="Eastside Tuesday",
        guide=guide,
        facilitator_1=facilitator,
        time_slot="Tuesday evening",
        venue_name_en="Eastside Library",
        min_size="4",
    )
    assert_done(client, initiative, "circles")

    # 8. The balanced assignment.
    page = follow(client, initiative, "assignment")
    submit(client, page.form(action=reverse("guides:assignment_run", args=[initiative.slug])))
    assert_done(client, initiative, "assignment")

    # 9. The circle's meetings, from its guide.
    page = follow(client, initiative, "meetings")
    submit(
        client,
        page.form(action=urlsplit(page.url).path),
        first_day="2030-09-03",
        start_time="18:30",
    )
    assert_done(client, initiative, "meetings")

    # 10. Placement notices: the link lands on the button.
    page = follow(client, initiative, "placement_notices")
    assert urlsplit(checklist(client, initiative)["placement_notices"].link).fragment == (
        "placement-notices"
    )
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, page.form(id="placement-notices"))
    assert_done(client, initiative, "placement_notices")

    # 11. The action forum: with no ideas yet the link goes to the ideas, then to the ballot.
    page = follow(client, initiative, "forum")
    assert urlsplit(page.url).path == reverse("actions:ideas", args=[initiative.slug])
    add_idea = reverse("actions:idea_add", args=[initiative.slug])
    assert f'href="{add_idea}"' in client.get(page.url).content.decode()
    for idea in ("A youth seat on the police advisory board", "Officers walk the Eastside beat"):
        page = open_page(client, add_idea)
        submit(client, page.form(action=urlsplit(page.url).path), text_en=idea)
    page = follow(client, initiative, "forum")
    assert urlsplit(page.url).path == reverse("actions:ballot_add", args=[initiative.slug])
    form = page.form(action=urlsplit(page.url).path)
    submit(
        client,
        form,
        title_en="What should we work on?",
        opens_at="2030-11-01T18:00",
        closes_at="2030-11-08T18:00",
        ideas=form.options["ideas"],
    )
    assert_done(client, initiative, "forum")

    # 12. An action team.
    page = follow(client, initiative, "action_teams")
    submit(client, page.form(action=urlsplit(page.url).path), name_en="Youth seat", level="policy")
    assert_done(client, initiative, "action_teams")

    # 13. The before and after surveys.
    for kind in ("pre", "post"):
        page = follow(client, initiative, "evaluation")
        submit(
            client,
            page.form(action=reverse("evaluation:wave_set_up", args=[initiative.slug, kind])),
        )
    steps = checklist(client, initiative)
    assert {key: step.status for key, step in steps.items()} == dict.fromkeys(ORDER, DONE)
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert "13 of 13 steps done" in page
    assert "Every step is done or no longer needed." in page
