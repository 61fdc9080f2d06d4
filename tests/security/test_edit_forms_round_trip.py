"""Edit forms round trip: every form that edits something stored opens with what is stored, and
posting it back unchanged changes nothing.

Which forms: every `<form method="post">` with a field a person can change, found on every page
of the URL conf (opened as the first role that may open it, as tests/security/test_fuzz_forms.py
does), plus every URL whose name says it edits (edit, update, settings, preferences, change). Each
must be named in EDITS (checked here) or in NOT_EDITS (with the reason it shows nothing stored:
it creates, adds, moves or signs in), so a new edit view fails until it is checked.

What is checked, for each of EDITS, on the fully filled objects of tests/security/world.py:
1. the stored rows are filled (no empty value, no model default), or the check could not fail;
2. the GET shows each stored value: every changeable field of the form is a field of the edited
   objects (its stored value) or declared in `shows` (what it is derived from); a field that
   neither names is a failure, so a new field is checked too;
3. posting the form back as a browser would (checked boxes, selected options, the first submit
   button) is accepted (a redirect, no form errors) and leaves the rows identical, except for
   `updated_at`.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import models
from django.forms.models import model_to_dict
from django.urls import Resolver404, resolve
from django.utils import timezone

from actions.models import ActionTeam, BallotDot, BallotItem, BallotResponse, Goal
from dialogue_hub import outbox, texts
from dialogue_hub.models import EmailPreference
from evaluation.models import Answer, Item, Response, ScaleScore
from evaluation.selectors.waves import earlier_answers
from guides.models import ActionIdea, Attendance, CircleStaff
from initiatives.models import Role
from participants.models import (
    Consent,
    Demographics,
    QuestionAnswer,
    QuestionChoice,
    RegistrationSettings,
    RoleCap,
)
from participants.selectors.questions import form_value

from .access import (
    ANONYMOUS,
    FORM_ROLE_ORDER,
    PARTICIPANT,
    clients_fixture,
    kept_cookies,
    url_for,
    url_patterns,
)
from .world import isolated, world_fixture

pytestmark = pytest.mark.django_db

world = world_fixture()

ROLE_ORDER = FORM_ROLE_ORDER
# A URL name that says "this edits": it must be classified even if no page shows its form.
EDIT_NAME = re.compile(r"edit|update|settings|preferences|change")
# Input types a person does not change.
FIXED_KINDS = frozenset({"hidden", "submit", "button", "image", "reset", "file"})
NOT_OPENED = {"admin:index", "account_logout"}  # the admin's own forms; signing out


# --- reading a form as a browser submits it -----------------------------------------------------


@dataclass
class Control:
    name: str
    kind: str  # an input type, "select", "select-multiple" or "textarea"
    values: list = field(default_factory=list)  # what the browser submits as the page is
    options: list = field(default_factory=list)


@dataclass
class PageForm:
    action: str  # a path
    controls: dict = field(default_factory=dict)  # name -> Control
    submit: tuple | None = None  # the first submit button's (name, value): the one Enter presses

    def changeable(self) -> dict:
        return {n: c for n, c in self.controls.items() if c.kind not in FIXED_KINDS}

    def data(self) -> dict:
        """What a browser posts when the form is submitted untouched: name -> [values]."""
        data = {n: list(c.values) for n, c in self.controls.items() if c.kind != "file"}
        if self.submit is not None:
            data.setdefault(self.submit[0], []).append(self.submit[1])
        return {n: values for n, values in data.items() if values}


class FormReader(HTMLParser):
    """Every POST form of a page with its controls' submitted values: checked boxes and radios,
    selected options (a single select without one submits its first option), textareas without
    the newline that follows the tag, no disabled controls."""

    def __init__(self, page_url):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms = []
        self._form = self._select = self._textarea = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                action = urljoin(self.page_url, a.get("action") or self.page_url)
                self._form = PageForm(action=urlsplit(action).path)
            return
        form = self._form
        if form is None:
            return
        if tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            if "selected" in a and "disabled" not in a:
                self._select.values.append(value)
            return
        name = a.get("name")
        if not name or "disabled" in a:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "image") or tag == "button":
                if form.submit is None:
                    form.submit = (name, a.get("value", ""))
                return
            if kind in ("button", "reset"):
                return
            control = form.controls.setdefault(name, Control(name, kind))
            if kind in ("checkbox", "radio"):
                control.options.append(a.get("value", "on"))
                if "checked" in a:
                    control.values.append(a.get("value", "on"))
            else:
                control.values.append(a.get("value", ""))
        elif tag == "button":
            if (a.get("type") or "submit").lower() == "submit" and form.submit is None:
                form.submit = (name, a.get("value", ""))
        elif tag == "select":
            kind = "select-multiple" if "multiple" in a else "select"
            self._select = form.controls.setdefault(name, Control(name, kind))
        elif tag == "textarea":
            self._textarea = form.controls.setdefault(name, Control(name, "textarea", [""]))

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select" and self._select is not None:
            if self._select.kind == "select" and not self._select.values and self._select.options:
                self._select.values.append(self._select.options[0])
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = self._textarea.values[-1]
            # The HTML parser drops nothing; a browser drops the newline right after <textarea>.
            self._textarea.values[-1] = text[1:] if text.startswith("\n") else text
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.values[-1] += data


def forms_on(client, url) -> list | None:
    """The POST forms of the page at `url`, or None if it is not a 200 HTML page."""
    cache.clear()  # rate limits are not what is tested here
    response = client.get(url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return None
    reader = FormReader(url)
    reader.feed(response.content.decode())
    return reader.forms


def url_name_of(path) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


# --- what a stored value looks like in a form ---------------------------------------------------


def _blank(value) -> bool:
    return value is None or value is False or value in ("", [], {}, ())


def form_values(value, tz) -> list[str]:
    """The values a form submits for a stored value (each of a list; a true boolean is a
    checked box; a datetime in the initiative's time zone to the minute)."""
    if _blank(value):
        return []
    if value is True:
        return ["on"]
    if isinstance(value, models.Model):
        return [str(value.pk)]
    if isinstance(value, list | tuple | set):
        return [v for item in value for v in form_values(item, tz)]
    if isinstance(value, datetime):
        return [timezone.localtime(value, tz).strftime("%Y-%m-%dT%H:%M")]
    if isinstance(value, date):
        return [value.isoformat()]
    return [str(value)]


def _number(text):
    try:
        return Decimal(text)
    except (InvalidOperation, TypeError):
        return None


def same(control: Control, stored, tz) -> bool:
    expected = form_values(stored, tz)
    shown = [v.replace("\r\n", "\n") for v in control.values]
    if control.kind in ("checkbox", "select-multiple"):
        if len(control.options) == 1 and not isinstance(stored, list | tuple | set):
            return bool(shown) == bool(stored)  # one box for a yes/no value
        return sorted(shown) == sorted(expected)
    if control.kind in ("textarea", "text") and isinstance(stored, list | tuple):
        expected = ["\n".join(expected)] if expected else [""]
    if not expected:
        expected = [""] if control.kind not in ("radio",) else []
    if control.kind == "number" and shown != expected and len(shown) == len(expected) == 1:
        return _number(shown[0]) == _number(expected[0]) and _number(shown[0]) is not None
    return shown == expected


# --- the edit forms -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """One edit form. `objects(side)`: the stored objects whose same-named fields the form
    shows. `rows(side)`: querysets of every row the form may write (the objects, their children,
    their many-to-many links). `shows(side)`: form field -> the stored value it shows, for fields
    named otherwise than a model field. `adds`: fields that add something new (empty by design).
    `left_unfilled`: form fields a fully filled object leaves empty or at the model's default,
    with the reason in a comment. `role`: who opens and posts it. `objects_for_url`: world
    objects the URL names instead of the default ones (e.g. a draft log, not the approved one).
    `page`: the URL name of the page showing the form, when it is not the form's own.
    `refuses_unchanged`: the error a form that only acts on a change answers when posted back
    unchanged (instead of a redirect)."""

    objects: object
    rows: object
    shows: object = None
    adds: tuple = ()
    left_unfilled: tuple = ()
    role: str = Role.ORGANIZER
    objects_for_url: dict = field(default_factory=dict)
    page: str | None = None
    refuses_unchanged: str = ""


def _q(obj):
    return type(obj).objects.filter(pk=obj.pk)


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def _tz(side):
    return ZoneInfo(side.initiative.timezone)


def _meeting_parts(side):
    meeting = _fresh(side.objects["meeting"])
    local = timezone.localtime(meeting.starts_at, _tz(side))
    return {"day": local.date(), "at": local.strftime("%H:%M")}


def _settings(side):
    return RegistrationSettings.objects.get(initiative=side.initiative)


def _caps(side):
    return {
        f"cap_{cap.role_category}": cap.seats
        for cap in RoleCap.objects.filter(initiative=side.initiative)
    }


def _settings_shows(side):
    """The caps, and each list's Spanish wording, line for line (option_labels_es)."""
    labels = _settings(side).option_labels_es or {}
    return {
        **_caps(side),
        **{
            f"{name}_es": "\n".join(labels.get(name) or [])
            for name in ("neighborhoods", "time_slots", "lived_experience_groups")
        },
    }


def _agenda_shows(side):
    """The first language's agenda as "minutes | title" lines, another's as its titles."""
    session = _fresh(side.objects["guide_session"])
    return {
        "agenda_en": "\n".join(f"{i['minutes']} | {i['title']}" for i in session.agenda_en),
        "agenda_es": "\n".join(i["title"] for i in session.agenda_es or []),
    }


def _consents(side, kinds):
    given = set(
        Consent.objects.filter(
            participant=side.objects["participant"], withdrawn_at__isnull=True
        ).values_list("kind", flat=True)
    )
    return {f"consent_{kind}": kind in given for kind in kinds}


def _circle_staff(side):
    staff = CircleStaff.objects.filter(circle=side.objects["circle"]).order_by("pk")
    facilitators = [s.user for s in staff if s.role == "facilitator"]
    recorders = [s.user for s in staff if s.role == "recorder"]
    return {
        "facilitator_1": facilitators[0] if facilitators else None,
        "facilitator_2": facilitators[1] if len(facilitators) > 1 else None,
        "recorder": recorders[0] if recorders else None,
    }


def _circle_rules(side):
    rules = _fresh(side.objects["circle"]).rules or {}
    shown = {f"min_{role}": n for role, n in (rules.get("min_per_role") or {}).items()}
    share = rules.get("max_share_per_role")
    shown["max_share_percent"] = round(share * 100) if share else None
    return shown


def _percent(fraction):
    return None if fraction is None else fraction * 100


def _ballot_items(ballot):
    items = BallotItem.objects.filter(ballot=ballot).order_by("position")
    return {
        "ideas": [item.idea for item in items if item.idea],
        "themes": [item.theme for item in items if item.theme],
    }


def _question_choices(side):
    choices = QuestionChoice.objects.filter(question=side.objects["question"]).order_by("position")
    return {
        f"choices_{code}": [getattr(choice, f"label_{code}") for choice in choices]
        for code in ("en", "es")
    }


def _own_answers(side):
    """The person's answers to the initiative's own questions, as their fields show them."""
    return {
        answer.question.field_name: form_value(answer.question, answer.value)
        for answer in QuestionAnswer.objects.filter(
            participant=side.objects["participant"]
        ).select_related("question")
    }


def _log(side):
    return side.objects["draft_meeting"].log


def _wanted(email):
    opted_out = set(outbox.opted_out_categories(email))
    return [c for c in outbox.CATEGORIES if c not in opted_out]


def _preference_rows(email):
    return EmailPreference.objects.filter(address_hash=outbox.address_hash(email))


def _instrument_items(instrument):
    shown = {}
    for n, item in enumerate(Item.objects.filter(instrument=instrument).order_by("position")):
        for name in ("position", "key", "audience", "kind", "scale", "text_en", "text_es"):
            shown[f"items-{n}-{name}"] = getattr(item, name)
        shown[f"items-{n}-compared"] = item.compared
    return shown


def _survey_rows(side):
    responses = Response.objects.filter(wave=side.objects["wave"])
    return [
        responses,
        Answer.objects.filter(response__in=responses),
        ScaleScore.objects.filter(response__in=responses),
    ]


EDITS = {
    # A survey wave's timings (the pre wave: no follow-up days).
    "evaluation:wave_edit": Edit(
        objects=lambda s: [s.objects["wave"]],
        rows=lambda s: [_q(s.objects["wave"])],
    ),
    # The person's own answers, shown again through their private link (by pseudonym).
    "evaluation:survey": Edit(
        objects=lambda s: [],
        rows=_survey_rows,
        shows=lambda s: earlier_answers(s.objects["participant"], s.objects["wave"]),
        role=PARTICIPANT,
    ),
    "initiatives:edit": Edit(
        objects=lambda s: [s.initiative],
        rows=lambda s: [_q(s.initiative)],
        shows=lambda s: {
            "reminder_hours": ", ".join(map(str, _fresh(s.initiative).reminder_hours))
        },
    ),
    "initiatives:coalition_edit": Edit(
        objects=lambda s: [s.objects["coalition"], s.objects["coalition"].organization],
        rows=lambda s: [_q(s.objects["coalition"]), _q(s.objects["coalition"].organization)],
    ),
    "participants:registration_settings": Edit(
        objects=lambda s: [_settings(s)],
        rows=lambda s: [
            _q(_settings(s)),
            RoleCap.objects.filter(initiative=s.initiative),
        ],
        shows=_settings_shows,
    ),
    # One of the initiative's own questions (world._add_questions: the sensitive, required one
    # with choices and every text in both languages).
    "participants:question_edit": Edit(
        objects=lambda s: [s.objects["question"]],
        rows=lambda s: [
            _q(s.objects["question"]),
            QuestionChoice.objects.filter(question=s.objects["question"]),
        ],
        shows=_question_choices,
    ),
    "participants:inclusion_target_edit": Edit(
        objects=lambda s: [s.objects["target"]],
        rows=lambda s: [_q(s.objects["target"])],
        shows=lambda s: {
            "community_percent": _percent(_fresh(s.objects["target"]).community_share),
            "target_percent": _percent(_fresh(s.objects["target"]).target_share),
        },
        left_unfilled=("target_percent",),  # a target is a count or a percent, not both
    ),
    "participants:outreach_edit": Edit(
        objects=lambda s: [s.objects["outreach"]],
        rows=lambda s: [_q(s.objects["outreach"])],
    ),
    # The participant's own registration, through their private link.
    "participants:manage": Edit(
        objects=lambda s: [
            s.objects["participant"],
            Demographics.objects.get(participant=s.objects["participant"]),
        ],
        rows=lambda s: [
            _q(s.objects["participant"]),
            Demographics.objects.filter(participant=s.objects["participant"]),
            Consent.objects.filter(participant=s.objects["participant"]),
            QuestionAnswer.objects.filter(participant=s.objects["participant"]),
        ],
        shows=lambda s: {**_own_answers(s), **_consents(s, ("texts",))},
        role=PARTICIPANT,
        # An adult has no guardian; "prefer not to say" excludes the groups they chose.
        left_unfilled=("guardian_name", "guardian_email", "lived_experience_prefer_not"),
    ),
    "participants:manage_consents": Edit(
        objects=lambda s: [],
        rows=lambda s: [Consent.objects.filter(participant=s.objects["participant"])],
        shows=lambda s: _consents(s, ("evaluation", "media", "contact")),
        role=PARTICIPANT,
        page="participants:manage",
    ),
    "guides:guide_edit": Edit(
        objects=lambda s: [s.objects["guide"]], rows=lambda s: [_q(s.objects["guide"])]
    ),
    "guides:guide_session_edit": Edit(
        objects=lambda s: [s.objects["guide_session"]],
        rows=lambda s: [_q(s.objects["guide_session"])],
        shows=_agenda_shows,
    ),
    "guides:circle_edit": Edit(
        objects=lambda s: [s.objects["circle"]],
        rows=lambda s: [
            _q(s.objects["circle"]),
            CircleStaff.objects.filter(circle=s.objects["circle"]),
        ],
        shows=lambda s: {**_circle_staff(s), **_circle_rules(s)},
    ),
    "guides:meeting_reschedule": Edit(
        objects=lambda s: [s.objects["meeting"]],
        rows=lambda s: [_q(s.objects["meeting"])],
        shows=_meeting_parts,
        refuses_unchanged="That is the meeting&#x27;s current date and time.",
    ),
    "guides:attendance": Edit(
        objects=lambda s: [],
        rows=lambda s: [Attendance.objects.filter(meeting=s.objects["meeting"])],
        shows=lambda s: {
            f"p{row.participant_id}": row.status
            for row in Attendance.objects.filter(meeting=s.objects["meeting"])
        },
    ),
    # The recorder's saved draft of a meeting's log, with its action ideas.
    "guides:log_edit": Edit(
        objects=lambda s: [_log(s)],
        rows=lambda s: [_q(_log(s)), ActionIdea.objects.filter(log=_log(s))],
        shows=lambda s: {
            "action_ideas": "\n".join(i.text for i in _log(s).action_ideas.order_by("position")),
            # The safety case the log's concern opened (tests/security/world.py).
            "safety_category": _log(s).safety_case.category,
            "safety_severity": _log(s).safety_case.severity,
        },
        adds=("new_themes",),
        role=Role.RECORDER,
        objects_for_url={"meeting": "draft_meeting"},
    ),
    "actions:idea_edit": Edit(
        objects=lambda s: [s.objects["idea"]], rows=lambda s: [_q(s.objects["idea"])]
    ),
    "actions:theme_edit": Edit(
        objects=lambda s: [s.objects["theme"]], rows=lambda s: [_q(s.objects["theme"])]
    ),
    "actions:ballot_edit": Edit(
        objects=lambda s: [s.objects["upcoming_ballot"]],
        rows=lambda s: [
            _q(s.objects["upcoming_ballot"]),
            BallotItem.objects.filter(ballot=s.objects["upcoming_ballot"]),
        ],
        shows=lambda s: _ballot_items(s.objects["upcoming_ballot"]),
        # A ballot of ideas (the default kind) lists ideas, no themes.
        left_unfilled=("kind", "themes"),
        # One that has not opened: once people vote, a ballot is fixed (and says so).
        objects_for_url={"ballot": "upcoming_ballot"},
    ),
    "actions:team_edit": Edit(
        objects=lambda s: [s.objects["team"]],
        rows=lambda s: [
            _q(s.objects["team"]),
            ActionTeam.ideas.through.objects.filter(actionteam=s.objects["team"]),
        ],
        shows=lambda s: {"ideas": list(s.objects["team"].ideas.all())},
    ),
    "actions:goal_edit": Edit(
        objects=lambda s: [s.objects["goal"]],
        rows=lambda s: [
            _q(s.objects["goal"]),
            Goal.assets.through.objects.filter(goal=s.objects["goal"]),
        ],
    ),
    "actions:milestone_edit": Edit(
        objects=lambda s: [s.objects["milestone"]],
        rows=lambda s: [_q(s.objects["milestone"])],
    ),
    "actions:outcome_edit": Edit(
        objects=lambda s: [s.objects["outcome"]], rows=lambda s: [_q(s.objects["outcome"])]
    ),
    "actions:asset_edit": Edit(
        objects=lambda s: [s.objects["asset"]],
        rows=lambda s: [_q(s.objects["asset"])],
        left_unfilled=("partner",),  # offered by a participant, so by no partner
    ),
    # Which team goals an asset serves, chosen on the asset's page.
    "actions:asset_goals": Edit(
        objects=lambda s: [],
        rows=lambda s: [Goal.assets.through.objects.filter(communityasset=s.objects["asset"])],
        shows=lambda s: {"goals": list(s.objects["asset"].goals.all())},
        page="actions:asset_detail",
    ),
    # A participant's dots on an open ballot: they change them until it closes.
    "actions:participant_forum": Edit(
        objects=lambda s: [],
        rows=lambda s: [
            BallotResponse.objects.filter(ballot=s.objects["ballot"]),
            BallotDot.objects.filter(response__ballot=s.objects["ballot"]),
        ],
        shows=lambda s: {
            f"item_{dot.item_id}": dot.dots
            for dot in BallotDot.objects.filter(
                response__ballot=s.objects["ballot"],
                response__participant=s.objects["participant"],
            )
        },
        role=PARTICIPANT,
    ),
    # One of the initiative's own surveys, its questions a formset (a blank row to add one, a
    # box to remove each).
    "evaluation:instrument_edit": Edit(
        objects=lambda s: [s.objects["instrument"]],
        rows=lambda s: [
            _q(s.objects["instrument"]),
            Item.objects.filter(instrument=s.objects["instrument"]),
        ],
        shows=lambda s: _instrument_items(s.objects["instrument"]),
        adds=(
            "items-0-DELETE",
            "items-1-DELETE",
            *(f"items-2-{name}" for name in ("position", "key", "audience", "kind", "scale")),
            *(f"items-2-{name}" for name in ("text_en", "text_es", "compared")),
        ),
    ),
    # A signed-in person's own email choices, and anyone's through an email's link.
    "my_email_preferences": Edit(
        objects=lambda s: [],
        rows=lambda s: [
            _q(s.users[Role.ORGANIZER]),
            _preference_rows(s.users[Role.ORGANIZER].email),
        ],
        shows=lambda s: {
            "language": s.users[Role.ORGANIZER].preferred_language,
            "wanted": _wanted(s.users[Role.ORGANIZER].email),
            "mobile_phone": texts.display_number(s.users[Role.ORGANIZER].mobile_phone),
            "texts_wanted": True,
        },
    ),
    "email_preferences": Edit(
        objects=lambda s: [],
        rows=lambda s: [_preference_rows(s.objects["participant"].email)],
        shows=lambda s: {"wanted": _wanted(s.objects["participant"].email)},
        role=ANONYMOUS,
    ),
}

# Forms with changeable fields that show nothing stored: they create, add, move, vote, ask for a
# link or sign in. Posting one back unchanged is meant to do something.
NOT_EDITS = {
    "evaluation:participant_feedback": "anonymous feedback on a meeting, given once, never edited",
    "account_login": "signs in",
    "account_signup": "creates an account",
    "account_reauthenticate": "asks for the password again",
    "account_email": "adds an address or makes one primary (allauth)",
    "account_change_password": "sets a new password",
    "account_reset_password": "emails a reset link",
    "initiatives:create": "creates an initiative",
    "api:tokens": "creates a personal API token",
    "initiatives:coalition_add": "adds an organization",
    "initiatives:invite": "invites someone",
    "participants:register": "registers someone new",
    "participants:link_request": "emails a private link",
    "participants:guardian": "a guardian gives consent once",
    "participants:participant_add": "registers someone on their behalf",
    "participants:table_start": "starts a sign-up table (and signs the organizer out)",
    "participants:table_leave": "signs a team member in again to end a sign-up table",
    "participants:import": "uploads a file",
    "participants:inclusion_target_add": "adds a target",
    "participants:question_add": "adds a question",
    "participants:outreach_add": "logs outreach",
    "participants:referral_link_add": "creates a link",
    "guides:guide_session_add": "adds a session",
    "guides:training_add": "records a training",
    "guides:circle_add": "creates a circle",
    "guides:assignment_pairs": "keeps two people together",
    "guides:assignment_unplaced": "places someone",
    "guides:assignment_circle": "moves someone",
    "guides:circle_schedule_generate": "generates meetings from a start",
    "guides:need_arrange": "marks a need not yet arranged as arranged, with a new note",
    "guides:participant_move_request": "asks for another circle or time",
    "guides:move_request": "moves the person who asked into a circle",
    "guides:move_request_decline": "declines a request with a new answer",
    "guides:safety_resolve": "resolves a safety case with a note of what was done",
    "guides:safety_report": "a participant raises a new safety concern",
    "actions:idea_add": "adds an idea",
    "actions:ideas_merge": "merges ideas",
    "actions:ideas_assign": "gives chosen ideas a theme",
    "actions:themes": "creates a theme",
    "actions:ballot_add": "creates a ballot",
    "actions:team_add": "creates a team",
    "actions:team_members": "adds a member",
    "actions:goal_add": "adds a goal",
    "actions:milestone_add": "adds a milestone",
    "actions:team_updates": "lists progress updates",
    "actions:team_update_add": "posts a new progress update",
    "actions:outcome_add": "records an outcome",
    "actions:asset_add": "adds an asset",
    "actions:asset_from_offer": "adds an asset from an offer",
    "evaluation:change": "the change report: a page of figures, no form",
    "evaluation:change_export": "the change report as CSV, no form",
}

ROUTES = dict((name, route) for route, name in url_patterns())


def side_for(name, side):
    overrides = EDITS[name].objects_for_url if name in EDITS else {}
    if not overrides:
        return side
    return replace(
        side, objects={**side.objects, **{k: side.objects[v] for k, v in overrides.items()}}
    )


def url_of(name, side) -> str:
    return url_for(ROUTES[name], name, side_for(name, side))


# --- every form is classified -------------------------------------------------------------------


clients = clients_fixture()


def test_every_form_that_may_show_stored_data_is_checked(world, clients):
    """Every form with a changeable field, on every page, and every URL named like an edit,
    is either checked below (EDITS) or says why it shows nothing stored (NOT_EDITS)."""
    found = {name for name in ROUTES if EDIT_NAME.search(name.split(":")[-1])}
    for name in ROUTES:
        if name in NOT_OPENED:
            continue
        url = url_of(name, world.a)
        roles = (EDITS[name].role,) if name in EDITS else ROLE_ORDER
        for role in roles:
            with isolated(), kept_cookies(clients[role]) as client:
                forms = forms_on(client, url)
            if forms is None:
                continue
            found |= {url_name_of(f.action) for f in forms if f.changeable()}
            break
    found.discard(None)
    unclassified = sorted(found - set(EDITS) - set(NOT_EDITS))
    assert not unclassified, (
        "Forms that may show stored data, in neither EDITS nor NOT_EDITS: "
        + ", ".join(unclassified)
    )
    stale = sorted((set(EDITS) | set(NOT_EDITS)) - set(ROUTES))
    assert not stale, f"entries without a URL pattern: {stale}"
    assert not set(EDITS) & set(NOT_EDITS)


# --- each edit form round trip ------------------------------------------------------------------


def stored_rows(edit, side) -> list:
    """Every row the form may write, each field's value but `updated_at`, in primary-key order."""
    rows = []
    for queryset in edit.rows(side):
        for obj in queryset.order_by("pk"):
            values = {
                f.attname: getattr(obj, f.attname)
                for f in obj._meta.concrete_fields
                if f.name != "updated_at"
            }
            rows.append((obj._meta.label, values))
    return rows


def expected_values(edit, side) -> dict:
    """Form field -> stored value: the objects' fields (first object wins), then `shows`."""
    expected = {}
    for obj in edit.objects(side):
        obj = _fresh(obj)
        for name, value in model_to_dict(obj).items():
            expected.setdefault(name, (obj, value))
    for name, value in (edit.shows(side) if edit.shows else {}).items():
        expected[name] = (None, value)
    return expected


def the_form(edit, name, side, client) -> PageForm:
    action = url_of(name, side)
    page = url_of(edit.page, side) if edit.page else action
    forms = forms_on(client, page)
    assert forms is not None, f"{page} did not answer 200 HTML to {edit.role}"
    matching = [f for f in forms if f.action == action and f.changeable()]
    assert len(matching) == 1, f"{page} shows {len(matching)} forms posting to {action}"
    return matching[0]


@pytest.mark.parametrize("name", sorted(EDITS))
def test_edit_form_opens_with_what_is_stored_and_saves_it_back_unchanged(world, clients, name):
    edit, side = EDITS[name], world.a
    client = clients[edit.role]
    tz = _tz(side)
    with isolated(), kept_cookies(client):
        expected = expected_values(edit, side)
        form = the_form(edit, name, side, client)
        problems = []
        for field_name, control in form.changeable().items():
            if field_name in edit.adds:
                if any(control.values):
                    problems.append(f"{field_name} adds something new but shows {control.values}")
                continue
            if field_name not in expected:
                problems.append(f"{field_name}: not a stored field; declare it in `shows`")
                continue
            obj, stored = expected[field_name]
            if field_name in edit.left_unfilled:
                pass
            elif _blank(stored):
                problems.append(f"{field_name}: the world leaves it empty, fill it")
            elif obj is not None and stored == obj._meta.get_field(field_name).get_default():
                problems.append(f"{field_name}: the world keeps the default {stored!r}, change it")
            if not same(control, stored, tz):
                problems.append(f"{field_name}: stored {stored!r}, the form shows {control.values}")
        assert not problems, f"{name}:\n  " + "\n  ".join(problems)

        before = stored_rows(edit, side)
        cache.clear()
        response = client.post(form.action, form.data())
        after = stored_rows(edit, side)
    if edit.refuses_unchanged:
        assert response.status_code == 200, f"{name}: expected the form with its refusal"
        assert edit.refuses_unchanged in response.content.decode()
    else:
        assert response.status_code == 302, (
            f"{name}: posting it back answered {response.status_code} {form_errors(response)}"
        )
    assert len(before) == len(after), f"{name}: {len(before)} rows before, {len(after)} after"
    changed = differences(before, after)
    assert not changed, (
        f"{name}: posting the form back unchanged changed the database:\n  " + "\n  ".join(changed)
    )


def form_errors(response):
    try:
        return response.context["form"].errors
    except (KeyError, TypeError):
        return ""


def differences(before, after) -> list[str]:
    changed = []
    for (label, old), (_label, new) in zip(before, after, strict=True):
        fields = {k: (old[k], new.get(k)) for k in old if old[k] != new.get(k)}
        if fields:
            changed.append(f"{label}: {fields}")
    return changed
