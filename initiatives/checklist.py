"""The setup checklist on an initiative's overview: the steps of the cycle, in order, each read
from the data (nobody ticks a box) as done, not yet or not needed, with a link to the page where
it is done.

initiatives imports no app above it, so each app registers its own steps here from its
AppConfig.ready() (`register`), as the "Needs attention" providers do. A step says what it
needs to know as annotations on the Initiative row (`facts`: Exists/Subquery expressions where
OuterRef("pk") is the initiative); `setup_checklist` reads every registered step's facts in ONE
query, whatever the number of coalition members, circles, participants or teams.

What "not needed" means, in one rule for every step (`SetupStep.status`):

1. The step's own data says it does not apply (`not_needed`): e.g. placement notices when
   nobody placed in a circle has an email address to send one to.
2. Its moment has passed: every step is needed until the end of a phase (`needed_until`) — the
   recruitment steps until Recruiting ends, the circle steps until Dialogue ends, the forum
   until the Action forum ends, and so on. Once the initiative has moved past that phase
   without the step done, doing it now would change nothing (a registration form opened after
   the circles met, a ballot after the teams formed), so the checklist stops asking for it.
   A closed initiative is past every phase: whatever was not done is not needed any more.

Nothing else makes a step "not needed". In particular the data model has no "we will not
evaluate" switch, and DESIGN.md puts evaluation in every cycle, so evaluation stays needed until
the initiative closes (rule 2 with `needed_until` = Evaluation), and the coalition, the team
and the landing page are needed for the whole life of the initiative.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Expression
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import PHASE_ORDER, Initiative, Phase
from .permissions import has_perm

DONE = "done"
NOT_YET = "not_yet"
NOT_NEEDED = "not_needed"

STATUS_LABELS = {
    DONE: _("Done"),
    NOT_YET: _("Not yet"),
    NOT_NEEDED: _("Not needed"),
}


@dataclass(frozen=True)
class Link:
    """Where a step is done: a page (GET), or a button on the overview (POST with `data`)."""

    url: str
    label: Promise | str
    method: str = "get"
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SetupStep:
    """One step of the checklist, registered by the app whose pages do it.

    - `order`: its place in the cycle (steps are shown sorted by it; the apps' numbers leave gaps).
    - `facts()`: {name: expression} annotations on the Initiative queryset (OuterRef("pk") is the
      initiative), read together with every other step's in one query.
    - `done(facts)` and `not_needed(facts)`: from those facts (a dict of this step's names).
    - `link(initiative, facts)`: where the step is done (a Link), shown only to the roles with
      `permission` (the permission the target page itself requires).
    - `detail(facts)`: optional, what is still missing, in a few words.
    """

    key: str
    order: int
    title: Promise
    why: Promise
    permission: str
    facts: Callable[[], dict[str, Expression]]
    done: Callable[[dict], bool]
    link: Callable[[Initiative, dict], Link]
    needed_until: str = Phase.EVALUATION
    not_needed: Callable[[dict], bool] = lambda facts: False
    detail: Callable[[dict], Any] = lambda facts: ""

    def status(self, initiative: Initiative, facts: dict) -> str:
        if self.done(facts):
            return DONE
        if self.not_needed(facts) or initiative.phase_index > PHASE_ORDER.index(self.needed_until):
            return NOT_NEEDED
        return NOT_YET


# Every app's steps (initiatives imports no app: they register here from their AppConfig.ready).
SETUP_STEPS: list[SetupStep] = []


def register(*steps: SetupStep) -> None:
    """Add steps to the checklist (idempotent: ready() may run more than once in tests)."""
    known = {step.key for step in SETUP_STEPS}
    for step in steps:
        if step.key not in known:
            SETUP_STEPS.append(step)
            known.add(step.key)
    SETUP_STEPS.sort(key=lambda step: step.order)


@dataclass
class ChecklistRow:
    step: SetupStep
    status: str
    link: Link | None  # None: this reader may not do the step (or it needs nothing more)
    detail: Any = ""

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def is_done(self):
        return self.status == DONE


@dataclass
class Checklist:
    rows: list[ChecklistRow]

    @property
    def done_count(self) -> int:
        return sum(row.status == DONE for row in self.rows)

    @property
    def open_count(self) -> int:
        return sum(row.status == NOT_YET for row in self.rows)

    @property
    def next_row(self) -> ChecklistRow | None:
        """The first step not done yet: what to do next."""
        return next((row for row in self.rows if row.status == NOT_YET), None)


def _fact_name(step: SetupStep, name: str) -> str:
    return f"setup__{step.key}__{name}"


def setup_facts(initiative: Initiative) -> dict[str, dict]:
    """Every registered step's facts about the initiative, by step key: one query."""
    annotations = {
        _fact_name(step, name): expression
        for step in SETUP_STEPS
        for name, expression in step.facts().items()
    }
    if not annotations:
        return {}
    row = Initiative.objects.filter(pk=initiative.pk).values(**annotations).get()
    return {
        step.key: {name: row[_fact_name(step, name)] for name in step.facts()}
        for step in SETUP_STEPS
    }


def setup_checklist(*, initiative: Initiative, roles) -> Checklist:
    """The checklist as this reader sees it: every step's status, and a link only to the
    places the reader's roles let them use. One query."""
    facts = setup_facts(initiative)
    rows = []
    for step in SETUP_STEPS:
        step_facts = facts.get(step.key, {})
        status = step.status(initiative, step_facts)
        link = None
        if status == NOT_YET and has_perm(roles, step.permission):
            link = step.link(initiative, step_facts)
        rows.append(
            ChecklistRow(
                step=step,
                status=status,
                link=link,
                detail=step.detail(step_facts) if status == NOT_YET else "",
            )
        )
    return Checklist(rows=rows)


def page(name: str, label, **query) -> Callable[[Initiative, dict], Link]:
    """A step's link to a page of the initiative named `name` (its only argument the slug)."""

    def link(initiative: Initiative, facts: dict) -> Link:
        url = reverse(name, kwargs={"slug": initiative.slug})
        if query:
            url += "?" + urlencode(query)
        return Link(url=url, label=label)

    return link
