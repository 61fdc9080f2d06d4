"""Circles and their meeting schedule as plain records, for programs (the read-only API,
api/): never a participant, only how many people a circle has.

Who sees which circles is the pages' rule (guides/permissions.py): `circles.view` every circle
of the initiative; a facilitator or recorder the circles they staff. Querysets, ordered for a
stable page order, annotated with what their rows show.
"""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from initiatives.models import Initiative
from participants.models import Status

from ..models import Circle, CircleSession, CircleStaff, MeetingStatus

TAKING_PART = [status for status in Status.values if status != Status.WITHDRAWN]


def _visible_circles(*, initiative: Initiative, user, sees_all: bool) -> QuerySet[Circle]:
    circles = Circle.objects.filter(initiative=initiative)
    if not sees_all:
        circles = circles.filter(
            Exists(CircleStaff.objects.filter(circle=OuterRef("pk"), user=user))
        )
    return circles


def circle_records(*, initiative: Initiative, user, sees_all: bool) -> QuerySet[Circle]:
    """The circles the user may open, with `member_count` (placed, not withdrawn) and
    `meeting_count` (not cancelled)."""
    return (
        _visible_circles(initiative=initiative, user=user, sees_all=sees_all)
        .select_related("guide")
        .annotate(
            member_count=Count(
                "members",
                filter=Q(members__participant__status__in=TAKING_PART),
                distinct=True,
            ),
            meeting_count=Count(
                "meetings", filter=Q(meetings__status=MeetingStatus.SCHEDULED), distinct=True
            ),
        )
        .order_by("name", "pk")
    )


def meeting_records(*, initiative: Initiative, user, sees_all: bool) -> QuerySet[CircleSession]:
    """The meetings of the circles the user may open, in time order."""
    circles = _visible_circles(initiative=initiative, user=user, sees_all=sees_all)
    return (
        CircleSession.objects.filter(circle__in=circles)
        .select_related("circle", "guide_session")
        .order_by("starts_at", "circle_id", "number", "pk")
    )
