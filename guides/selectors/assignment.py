"""The reads of the assignment pages: counts, circles, people, keep-together requests."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from initiatives.models import Initiative
from participants.models import Participant, Status
from participants.selectors.registration import eligible_for_placement

from ..models import Circle, CircleMember, CircleRole, CircleStaff, KeepTogether


@dataclass(frozen=True)
class AssignmentSummary:
    eligible: int
    unplaced: int
    circles: int
    open_circles: int
    capacity: int
    pairs: int
    without_facilitator: int

    @property
    def blocker(self) -> str:
        """Why the assignment can't run now (what `circle_assign_balanced` refuses first), or
        "" when it can: the page offers the button only then."""
        if not self.circles:
            return _(
                "Create the circles first, each with a time slot, a language and a facilitator."
            )
        if not self.open_circles:
            return _("Every circle is locked: unlock a circle or create a new one.")
        if not self.eligible:
            return _("Nobody can be placed yet (see who can be placed above).")
        if self.without_facilitator:
            return _("Add a facilitator to every unlocked circle (or lock it) first.")
        return ""


def unplaced_people(*, initiative: Initiative) -> QuerySet[Participant]:
    """Eligible people who are in no circle, oldest registration first."""
    return (
        eligible_for_placement(initiative=initiative)
        .filter(circle_membership__isnull=True)
        .order_by("created_at", "pk")
    )


def circles_for_assignment(*, initiative: Initiative) -> QuerySet[Circle]:
    """The initiative's circles with member and facilitator counts (one query)."""
    members = (
        CircleMember.objects.filter(circle=OuterRef("pk"))
        .order_by()
        .values("circle")
        .annotate(n=Count("pk"))
        .values("n")
    )
    facilitators = (
        CircleStaff.objects.filter(circle=OuterRef("pk"), role=CircleRole.FACILITATOR)
        .order_by()
        .values("circle")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Circle.objects.filter(initiative=initiative)
        .annotate(
            member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0),
            facilitator_count=Coalesce(Subquery(facilitators, output_field=IntegerField()), 0),
        )
        .order_by("name", "pk")
    )


def assignment_summary(*, initiative: Initiative) -> AssignmentSummary:
    eligible = eligible_for_placement(initiative=initiative).aggregate(
        total=Count("pk"), unplaced=Count("pk", filter=Q(circle_membership__isnull=True))
    )
    circles = (
        circles_for_assignment(initiative=initiative)
        .order_by()
        .aggregate(
            total=Count("pk"),
            open=Count("pk", filter=Q(is_locked=False)),
            capacity=Coalesce(Sum("max_size", filter=Q(is_locked=False)), 0),
        )
    )
    without = (
        Circle.objects.filter(initiative=initiative, is_locked=False)
        .exclude(staff__role=CircleRole.FACILITATOR)
        .count()
    )
    return AssignmentSummary(
        eligible=eligible["total"],
        unplaced=eligible["unplaced"],
        circles=circles["total"],
        open_circles=circles["open"],
        capacity=circles["capacity"],
        pairs=KeepTogether.objects.filter(initiative=initiative).count(),
        without_facilitator=without,
    )


def circle_for_initiative(*, initiative: Initiative, pk) -> Circle:
    circle = Circle.objects.filter(initiative=initiative, pk=pk).first()
    if circle is None:
        raise Http404
    return circle


def participant_for_initiative(*, initiative: Initiative, pk) -> Participant:
    participant = Participant.objects.filter(initiative=initiative, pk=pk).first()
    if participant is None:
        raise Http404
    return participant


def member_for_initiative(*, initiative: Initiative, pk) -> CircleMember:
    member = (
        CircleMember.objects.select_related("circle__initiative", "participant")
        .filter(circle__initiative=initiative, pk=pk)
        .first()
    )
    if member is None:
        raise Http404
    return member


def keep_together_for_initiative(*, initiative: Initiative, pk) -> KeepTogether:
    pair = (
        KeepTogether.objects.select_related("initiative")
        .filter(initiative=initiative, pk=pk)
        .first()
    )
    if pair is None:
        raise Http404
    return pair


def keep_together_requests(*, initiative: Initiative) -> QuerySet[KeepTogether]:
    return (
        KeepTogether.objects.filter(initiative=initiative)
        .select_related("first__circle_membership__circle", "second__circle_membership__circle")
        .order_by("-created_at", "-pk")
    )


def members_of(*, circle: Circle) -> QuerySet[CircleMember]:
    return (
        CircleMember.objects.filter(circle=circle)
        .select_related("participant")
        .order_by("participant__name", "pk")
    )


def people_in_circle(*, circle: Circle) -> QuerySet[Participant]:
    return Participant.objects.filter(circle_membership__circle=circle).order_by("name", "pk")


def choosable_people(*, initiative: Initiative) -> QuerySet[Participant]:
    """People an organizer can name in a keep-together request: everyone not withdrawn."""
    return (
        Participant.objects.filter(initiative=initiative)
        .exclude(status=Status.WITHDRAWN)
        .order_by("name", "pk")
    )
