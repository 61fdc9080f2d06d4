"""Reads of safety cases: the cases a person may see (organizers: all of the initiative's; a
circle's staff: their circles' cases, except those reported for organizers only), one case,
who is told when one opens, and the count of open cases on the organizer's home."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import ngettext

from initiatives import cache as initiative_cache
from initiatives.models import Initiative, Membership, Role
from initiatives.permissions import has_perm

from ..models import CircleStaff, SafetyCase, SafetyStatus
from ..permissions import acting_staff

User = get_user_model()


def visible_cases(*, user, initiative: Initiative, roles):
    """The initiative's cases `user` may see, newest first, with what the list shows (one query
    whatever their number)."""
    cases = SafetyCase.objects.filter(initiative=initiative).select_related(
        "circle", "reported_by", "acknowledged_by", "resolved_by"
    )
    if not has_perm(roles, "safety.cases"):
        if not has_perm(roles, "circles.facilitate"):
            return cases.none()
        staffed = CircleStaff.objects.filter(user=user).values("circle_id")
        cases = cases.filter(circle_id__in=staffed, organizers_only=False)
    return cases.order_by("-created_at", "-pk")


def case_for_initiative(*, initiative: Initiative, pk) -> SafetyCase:
    """One case of the initiative (404 for another initiative's), with the people it names."""
    return get_object_or_404(
        SafetyCase.objects.select_related(
            "circle", "log__meeting", "reported_by", "acknowledged_by", "resolved_by", "participant"
        ),
        initiative=initiative,
        pk=pk,
    )


def case_recipients(case: SafetyCase) -> list:
    """Who is emailed when `case` opens: the initiative's organizers and, unless the reporter
    asked for organizers only, the staff of its circle who still facilitate or record here
    (`acting_staff`). Active accounts with an address, once each. One query."""
    who = Q(
        pk__in=Membership.objects.filter(
            initiative_id=case.initiative_id, role=Role.ORGANIZER
        ).values("user_id")
    )
    if case.circle_id is not None and not case.organizers_only:
        who |= Q(pk__in=acting_staff([case.circle_id]).values("user_id"))
    return list(User.objects.filter(who, is_active=True).exclude(email="").order_by("pk"))


def _open_counts(initiative_ids) -> dict[int, int]:
    return dict(
        SafetyCase.objects.filter(initiative_id__in=list(initiative_ids))
        .exclude(status=SafetyStatus.RESOLVED)
        .order_by()
        .values_list("initiative_id")
        .annotate(count=Count("pk"))
    )


def safety_attention(initiative_ids) -> dict[int, list[str]]:
    """For the organizer's home and the initiative page ("Needs attention"): per initiative, how
    many safety cases are not resolved yet. One query for any number of initiatives (registered
    in initiatives.selectors.ATTENTION_PROVIDERS), kept per initiative version: reporting,
    acknowledging and resolving are logged changes, a registration changes nothing here."""
    counts = initiative_cache.cached_many(
        initiative_ids,
        "attention-safety-cases",
        _open_counts,
        registrations=initiative_cache.UNAFFECTED,
    )
    return {
        initiative_id: [
            ngettext(
                "%(count)s open safety case: acknowledge it and follow it up.",
                "%(count)s open safety cases: acknowledge them and follow them up.",
                count,
            )
            % {"count": count}
        ]
        for initiative_id, count in counts.items()
        if count
    }
