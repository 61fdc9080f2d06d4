"""The evaluation report ("taking stock"): one page per initiative, built section by section
from the selectors the dashboards use, so that its figures are theirs.

A section is a `ReportSection(key, title, template, build, public_build)`:
- `build(initiative) -> dict` gives the context its `template` is rendered with (as
  `{% include template with section=… %}`, the dict under `section.context`);
- `public_build(initiative) -> dict` gives the context of the public version, or None when the
  section is left out of it. A public build shows only what the public results page already
  shows: suppressed aggregates and what the coalition opted in (no comments, no circle names).

REPORT_SECTIONS lists them in the report's order. Each build must run a fixed number of
queries, whatever the number of participants and answers (tests/evaluation/test_report.py).
To add a section, insert a ReportSection in REPORT_SECTIONS (or call `register_section`).

Where each figure comes from:
- participation against the targets: `participants.selectors.inclusion.inclusion_dashboard`
  (the inclusion dashboard, its suppression) and `actions.selectors.results
  .participation_figures` (the public results page's figures);
- retention: `guides.selectors.meetings.retention_by_meeting_number`, the circles' retention
  pages' figures (`circle_retention`) added up per meeting number;
- trust change: `evaluation.selectors.change.change_report` (the change report page's);
- after-session feedback: `evaluation.selectors.feedback.initiative_feedback_summary`;
- ideas → action teams → outcomes: `actions.selectors.results.progress_rows` (the progress
  dashboard), `actions.selectors.progress.outcomes`, and for the public version
  `public_teams` / `public_outcomes` (the public results page).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actions.models import Milestone
from actions.selectors.progress import outcomes
from actions.selectors.results import (
    participation_figures,
    progress_rows,
    public_outcomes,
    public_teams,
)
from dialogue_hub.privacy import suppress
from guides.selectors.meetings import retention_by_meeting_number
from initiatives.models import Initiative
from initiatives.selectors import public_initiative
from participants.models import Dimension
from participants.selectors.inclusion import inclusion_dashboard

from ..models import EvaluationReportSharing
from .change import change_report
from .feedback import initiative_feedback_summary


class ReportSection(NamedTuple):
    key: str
    title: str
    template: str
    build: Callable[[Initiative], dict]
    public_build: Callable[[Initiative], dict] | None = None


@dataclass
class BuiltSection:
    key: str
    title: str
    template: str
    context: dict


@dataclass
class EvaluationReport:
    initiative: Initiative
    public: bool
    sections: list[BuiltSection] = field(default_factory=list)
    generated_on: date | None = None

    def section(self, key: str) -> BuiltSection | None:
        for section in self.sections:
            if section.key == key:
                return section
        return None


# --- who took part, against the targets ---------------------------------------------------------


def participation_section(initiative: Initiative) -> dict:
    """The inclusion dashboard's figures as it shows them (suppressed), the role mix always and
    every other dimension that has a target, and the public results page's figures."""
    dashboard = inclusion_dashboard(initiative=initiative)
    tables = [
        table
        for table in dashboard.dimensions
        if table.key == Dimension.ROLE_CATEGORY or any(row.has_target for row in table.rows)
    ]
    return {
        "figures": participation_figures(initiative=initiative),
        "total": dashboard.total,
        "total_suppressed": dashboard.total_suppressed,
        "tables": tables,
        "alerts": dashboard.alerts,
        "index": dashboard.index,
    }


def public_participation_section(initiative: Initiative) -> dict:
    """Only the public results page's figures."""
    return {"figures": participation_figures(initiative=initiative)}


# --- retention across sessions ------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionRow:
    number: int
    present: int | None  # None: hidden (from 1 to 9, or it would give a hidden count back)
    expected: int | None
    percent: int | None  # shown only when both the present and the absent are shown


def retention_section(initiative: Initiative) -> dict:
    """Per meeting number, the people present out of those expected, over every circle. The
    present and the rest are suppressed as a table of two cells whose total is the expected."""
    rows = []
    for held in retention_by_meeting_number(initiative=initiative):
        table = suppress([("present", held.present), ("absent", held.base - held.present)])
        present, absent = table.cells
        shown = not present.suppressed and not absent.suppressed
        rows.append(
            RetentionRow(
                number=held.number,
                present=present.value,
                expected=table.total_value,
                percent=held.percent if shown else None,
            )
        )
    return {"rows": rows}


# --- ideas → action teams → outcomes ------------------------------------------------------------


def _milestones_by_team(initiative: Initiative) -> dict[int, list[Milestone]]:
    by_team = defaultdict(list)
    for milestone in (
        Milestone.objects.filter(goal__team__initiative=initiative)
        .select_related("goal")
        .order_by("goal__team_id", "goal__due_on", "goal_id", "due_on", "pk")
    ):
        by_team[milestone.goal.team_id].append(milestone)
    return by_team


def actions_section(initiative: Initiative) -> dict:
    """The progress dashboard's row of the initiative (teams, their milestone progress, overdue
    milestones, silent teams, outcomes by level), each team's milestones, and the outcomes."""
    rows = progress_rows([initiative])
    overview = rows[0]
    milestones = _milestones_by_team(initiative)
    for team_row in overview.teams:
        team_row.milestones = milestones.get(team_row.team.pk, [])
    figures = {figure.key: figure for figure in participation_figures(initiative=initiative)}
    return {
        "ideas": figures["ideas"],
        "overview": overview,
        "outcomes": list(outcomes(initiative=initiative).order_by("-happened_on", "-pk")),
    }


def public_actions_section(initiative: Initiative) -> dict:
    """What the public results page shows of it: the teams and outcomes opted in."""
    return {
        "teams": list(public_teams(initiative=initiative)),
        "outcomes": list(public_outcomes(initiative=initiative)),
    }


def change_section(initiative: Initiative) -> dict:
    """The change report's figures (evaluation.selectors.change, the change page's own)."""
    return {"report": change_report(initiative)}


def feedback_section(initiative: Initiative) -> dict:
    """After-session feedback across circles (the feedback pages' selector): means per
    question, once enough people answered; never comments."""
    return {"summary": initiative_feedback_summary(initiative)}


# --- the registry -------------------------------------------------------------------------------

REPORT_SECTIONS: list[ReportSection] = [
    ReportSection(
        key="participation",
        title=_("Who took part"),
        template="evaluation/report/sections/participation.html",
        build=participation_section,
        public_build=public_participation_section,
    ),
    ReportSection(
        key="retention",
        title=_("Who stayed, meeting after meeting"),
        template="evaluation/report/sections/retention.html",
        build=retention_section,
        public_build=None,  # the public results page shows no attendance
    ),
    ReportSection(
        key="change",
        title=_("Did trust change?"),
        template="evaluation/includes/change_summary.html",
        build=change_section,
        # Scales × groups only (no circle), every group under 10 hidden with complementary
        # suppression: aggregates as the public results page shows them.
        public_build=change_section,
    ),
    ReportSection(
        key="feedback",
        title=_("How the sessions felt"),
        template="evaluation/includes/feedback_summary.html",
        build=feedback_section,
        public_build=None,
    ),
    ReportSection(
        key="actions",
        title=_("From ideas to action"),
        template="evaluation/report/sections/actions.html",
        build=actions_section,
        public_build=public_actions_section,
    ),
]


def register_section(section: ReportSection, *, before: str | None = None) -> None:
    """Add `section` to the report (before the section keyed `before`, else at the end)."""
    if any(existing.key == section.key for existing in REPORT_SECTIONS):
        return
    keys = [existing.key for existing in REPORT_SECTIONS]
    index = keys.index(before) if before in keys else len(REPORT_SECTIONS)
    REPORT_SECTIONS.insert(index, section)


# --- the report ---------------------------------------------------------------------------------


def evaluation_report(initiative: Initiative, *, public: bool = False) -> EvaluationReport:
    """Every section's context (the public version: the sections that have one)."""
    report = EvaluationReport(
        initiative=initiative, public=public, generated_on=timezone.localdate()
    )
    for section in REPORT_SECTIONS:
        build = section.public_build if public else section.build
        if build is None:
            continue
        report.sections.append(
            BuiltSection(
                key=section.key,
                title=str(section.title),
                template=section.template,
                context=build(initiative),
            )
        )
    return report


def report_sharing(initiative: Initiative) -> EvaluationReportSharing | None:
    return EvaluationReportSharing.objects.filter(initiative=initiative).first()


def public_report_links(initiative: Initiative) -> list[tuple[str, str]]:
    """For the public results page (actions' RESULTS_LINKS): the shared evaluation report."""
    if EvaluationReportSharing.objects.filter(
        initiative=initiative, published_at__isnull=False
    ).exists():
        return [
            (_("Evaluation report"), reverse("evaluation:public_report", args=[initiative.slug]))
        ]
    return []


def shared_report_initiative(*, slug: str) -> Initiative:
    """The published initiative whose report is shared (404 otherwise)."""
    initiative = public_initiative(slug=slug)
    if not EvaluationReportSharing.objects.filter(
        initiative=initiative, published_at__isnull=False
    ).exists():
        raise Http404
    return initiative
