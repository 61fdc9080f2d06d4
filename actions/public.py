"""The public results page of a published initiative: voices → ideas → teams → outcomes.

Only what the oversight group opted in is shown (Idea.is_public, ActionTeam.is_public,
Outcome.is_public). An idea shows where it was raised — the circle's name and the meeting's
date, from its sources in approved session logs — and never anything else from the log or
any participant's name. Participation figures go through small-count suppression.
"""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogue_hub.privacy import shown_count
from guides.models import (
    ActionIdea,
    Circle,
    CircleMember,
    CircleSession,
    LogStatus,
    MeetingStatus,
)
from initiatives.models import Initiative
from participants.models import Status

from .models import ActionTeam, Idea, IdeaSource, Outcome


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    count: int | None  # None: hidden because it is from 1 to 9


def participation_figures(*, initiative: Initiative) -> list[Figure]:
    """People taking part (placed in a circle, not withdrawn), circles, meetings held (not
    cancelled, already started) and ideas raised (in approved session logs). Four queries."""
    people = (
        CircleMember.objects.filter(circle__initiative=initiative)
        .exclude(participant__status=Status.WITHDRAWN)
        .count()
    )
    circles = Circle.objects.filter(initiative=initiative).count()
    meetings = (
        CircleSession.objects.filter(circle__initiative=initiative, starts_at__lte=timezone.now())
        .exclude(status=MeetingStatus.CANCELLED)
        .count()
    )
    ideas = ActionIdea.objects.filter(
        log__meeting__circle__initiative=initiative, log__status=LogStatus.APPROVED
    ).count()
    return [
        Figure("people", _("People taking part"), shown_count(people)),
        Figure("circles", _("Dialogue circles"), shown_count(circles)),
        Figure("meetings", _("Circle meetings held"), shown_count(meetings)),
        Figure("ideas", _("Ideas for action raised"), shown_count(ideas)),
    ]


def _public_sources():
    return (
        IdeaSource.objects.filter(action_idea__log__status=LogStatus.APPROVED)
        .select_related("action_idea__log__meeting__circle")
        .order_by("action_idea__log__meeting__starts_at", "pk")
    )


def public_ideas(*, initiative: Initiative):
    """Opted-in ideas (merged duplicates left out: their sources moved to the kept idea), each
    with its sources (circle and meeting) and its public teams."""
    return (
        Idea.objects.filter(initiative=initiative, is_public=True, merged_into__isnull=True)
        .select_related("theme")
        .prefetch_related(
            Prefetch("sources", queryset=_public_sources(), to_attr="public_sources"),
            Prefetch(
                "teams",
                queryset=ActionTeam.objects.filter(is_public=True).order_by("name"),
                to_attr="public_teams",
            ),
        )
        .order_by("created_at", "pk")
    )


def public_teams(*, initiative: Initiative):
    """Opted-in teams with their public ideas and public outcomes."""
    return (
        ActionTeam.objects.filter(initiative=initiative, is_public=True)
        .prefetch_related(
            Prefetch(
                "ideas",
                queryset=Idea.objects.filter(is_public=True, merged_into__isnull=True).order_by(
                    "created_at", "pk"
                ),
                to_attr="public_ideas",
            ),
            Prefetch(
                "outcomes",
                queryset=Outcome.objects.filter(is_public=True).order_by("-happened_on", "-pk"),
                to_attr="public_outcomes",
            ),
        )
        .order_by("name")
    )


def public_outcomes(*, initiative: Initiative):
    """Opted-in outcomes; the team is named only when the team is public too."""
    return (
        Outcome.objects.filter(initiative=initiative, is_public=True)
        .select_related("team")
        .order_by("-happened_on", "-pk")
    )


@dataclass
class PublicResults:
    initiative: Initiative
    figures: list
    ideas: list
    teams: list
    outcomes: list

    @property
    def is_empty(self) -> bool:
        return not (self.ideas or self.teams or self.outcomes)


def public_results(*, initiative: Initiative) -> PublicResults:
    return PublicResults(
        initiative=initiative,
        figures=participation_figures(initiative=initiative),
        ideas=list(public_ideas(initiative=initiative)),
        teams=list(public_teams(initiative=initiative)),
        outcomes=list(public_outcomes(initiative=initiative)),
    )
