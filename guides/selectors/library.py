"""The guide library's reads: the shipped guides and an initiative's copies, their sessions,
which guides and sessions may be edited, and facilitator training records.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from dialogue_hub import translated
from initiatives.models import Initiative, Role

from ..models import DiscussionGuide, FacilitatorTraining, GuideSession

TRAINABLE_ROLES = (Role.FACILITATOR, Role.RECORDER)


# --- agenda helpers ---------------------------------------------------------------------------


def agenda_minutes(agenda) -> int:
    """Total minutes of an agenda (a list of {"title", "minutes"})."""
    return sum(int(item.get("minutes") or 0) for item in agenda or [])


@dataclass
class SessionView:
    """A guide session with what its page shows: agenda total and whether it matches."""

    session: GuideSession
    agenda_total: int

    @property
    def agenda_matches(self) -> bool:
        return not self.session.agenda or self.agenda_total == self.session.duration_minutes


def session_views(sessions) -> list[SessionView]:
    return [SessionView(session=s, agenda_total=agenda_minutes(s.agenda)) for s in sessions]


# --- guides -----------------------------------------------------------------------------------


def _with_totals(queryset: QuerySet[DiscussionGuide]) -> QuerySet[DiscussionGuide]:
    return queryset.annotate(
        session_count=Count("sessions"), total_minutes=Sum("sessions__duration_minutes")
    )


def library_guides() -> QuerySet[DiscussionGuide]:
    """The shipped, read-only guides, with session count and total minutes."""
    return _with_totals(DiscussionGuide.objects.filter(initiative__isnull=True)).order_by(
        translated.ordering("title"), "pk"
    )


def initiative_guides(*, initiative: Initiative) -> QuerySet[DiscussionGuide]:
    """The initiative's own guides (copies it adapted), with the guide each was copied from."""
    return (
        _with_totals(DiscussionGuide.objects.filter(initiative=initiative))
        .select_related("copied_from")
        .order_by(translated.ordering("title"), "pk")
    )


def guide_for_initiative(*, initiative: Initiative, pk) -> DiscussionGuide:
    """A library guide or one of the initiative's own, with its sessions; else 404."""
    guide = (
        DiscussionGuide.objects.filter(Q(initiative__isnull=True) | Q(initiative=initiative))
        .filter(pk=pk)
        .select_related("copied_from")
        .prefetch_related(
            Prefetch("sessions", queryset=GuideSession.objects.order_by("position", "pk"))
        )
        .first()
    )
    if guide is None:
        raise Http404
    return guide


def editable_guide(*, initiative: Initiative, pk) -> DiscussionGuide:
    """One of the initiative's own guides. A library guide is read-only (403); others 404."""
    guide = guide_for_initiative(initiative=initiative, pk=pk)
    if guide.is_library:
        raise PermissionDenied
    return guide


def editable_session(*, initiative: Initiative, pk) -> GuideSession:
    """A session of one of the initiative's own guides (403 for a library guide's, else 404)."""
    session = (
        GuideSession.objects.filter(
            Q(guide__initiative__isnull=True) | Q(guide__initiative=initiative), pk=pk
        )
        .select_related("guide")
        .first()
    )
    if session is None:
        raise Http404
    if session.guide.is_library:
        raise PermissionDenied
    return session


def guide_in_use(guide: DiscussionGuide) -> bool:
    """A guide circles use can't be deleted (they need another one first)."""
    return guide.circles.exists()


# --- training ---------------------------------------------------------------------------------


def training_records(*, initiative: Initiative, user=None) -> QuerySet[FacilitatorTraining]:
    """The initiative's training records, newest first; only `user`'s when given."""
    records = FacilitatorTraining.objects.filter(initiative=initiative).select_related("user")
    if user is not None:
        records = records.filter(user=user)
    return records.order_by("-completed_on", "-pk")


def training_for_initiative(*, initiative: Initiative, pk) -> FacilitatorTraining:
    record = training_records(initiative=initiative).filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


def trainable_team(*, initiative: Initiative):
    """Users with the facilitator or recorder role in the initiative, by name."""
    return (
        get_user_model()
        .objects.filter(memberships__initiative=initiative, memberships__role__in=TRAINABLE_ROLES)
        .distinct()
        .order_by("display_name", "email")
    )


def is_trained(*, initiative: Initiative, user) -> bool:
    """True if the user has a training record in this initiative."""
    return FacilitatorTraining.objects.filter(initiative=initiative, user=user).exists()


def untrained_facilitators(*, initiative: Initiative, users) -> set:
    """The users (or user ids) among `users` without a training record here, in one query.

    Returns the same kind of values it was given: users in, users out; ids in, ids out.
    """
    users = list(users)
    if not users:
        return set()
    ids = {getattr(u, "pk", u) for u in users}
    trained = set(
        FacilitatorTraining.objects.filter(initiative=initiative, user_id__in=ids).values_list(
            "user_id", flat=True
        )
    )
    return {u for u in users if getattr(u, "pk", u) not in trained}


# --- dates ------------------------------------------------------------------------------------


def initiative_today(initiative: Initiative) -> date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(initiative.timezone))
