"""Per-circle checks on top of the initiative-wide table in initiatives/permissions.py.

Facilitators and recorders see and work in their own circles only; organizers in all.
"""

from django.db.models import Exists, OuterRef

from initiatives.models import Membership
from initiatives.permissions import PERMISSIONS, has_perm

from .models import CircleRole, CircleStaff


def staff_roles(user, circle) -> set[str]:
    """The user's roles in this circle (a Circle or its id): {"facilitator"}, {"recorder"}, both
    or none. The one query for it: pages, services and checks all ask here."""
    circle_id = getattr(circle, "pk", circle)
    return set(
        CircleStaff.objects.filter(circle_id=circle_id, user=user).values_list("role", flat=True)
    )


def can_open_circle(user, roles, circle) -> bool:
    return has_perm(roles, "circles.view") or bool(staff_roles(user, circle))


def can_take_attendance(user, roles, circle) -> bool:
    return has_perm(roles, "circles.manage") or bool(staff_roles(user, circle))


def can_draft_log(user, roles, circle) -> bool:
    return bool(staff_roles(user, circle))


# --- who approves a session log ------------------------------------------------------------------
# Two people look at every log: the one who wrote it and a facilitator of the circle who did not.
# The author approves their own log only when they are the circle's one facilitator. These two
# functions are the rule: the approve service, the log page, the to-do list and the "waiting for
# your approval" email all ask them.


def acting_facilitators(circle_ids):
    """The facilitator rows of these circles whose person can still act: an active account that
    still holds a role in the circle's initiative. Someone removed from the team, or whose account
    was closed, neither approves a log nor stands in the way of the author approving it."""
    on_team = Membership.objects.filter(
        user_id=OuterRef("user_id"), initiative_id=OuterRef("circle__initiative_id")
    )
    return CircleStaff.objects.filter(
        Exists(on_team), circle_id__in=circle_ids, role=CircleRole.FACILITATOR, user__is_active=True
    )


def approvers_among(facilitator_ids, *, author_id) -> set:
    """Which of a circle's facilitators (ids) may approve a log written by `author_id`."""
    facilitators = set(facilitator_ids)
    others = facilitators - {author_id}
    return others or facilitators


def log_approvers(log) -> list:
    """The users who may approve `log` (a facilitator of its circle still on the team, not its
    author when the circle has another), by name. Empty when the circle has no such facilitator."""
    staff = list(
        acting_facilitators([log.meeting.circle_id])
        .select_related("user")
        .order_by("user__display_name", "user_id")
    )
    allowed = approvers_among((row.user_id for row in staff), author_id=log.drafted_by_id)
    return [row.user for row in staff if row.user_id in allowed]


def can_approve_log(user, log) -> bool:
    return any(approver.pk == user.pk for approver in log_approvers(log))


def sees_individual_needs(roles, my_circle_roles) -> bool:
    """Each person's needs, and marking a meeting's needs arranged: organizers and the circle's
    staff only. Anyone else who sees the circle sees the totals, small counts suppressed."""
    return has_perm(roles, "circles.manage") or bool(my_circle_roles)


def acting_staff(circle_ids):
    """The staff rows of these circles whose person still works in circles here: an active
    account holding a facilitator or recorder role in the circle's initiative. Someone removed
    from the team, or left with another role only (a police liaison who once co-facilitated),
    is no longer told what the circle's staff are told."""
    facilitates = Membership.objects.filter(
        user_id=OuterRef("user_id"),
        initiative_id=OuterRef("circle__initiative_id"),
        role__in=PERMISSIONS["circles.facilitate"],
    )
    return CircleStaff.objects.filter(
        Exists(facilitates), circle_id__in=circle_ids, user__is_active=True
    )


def can_see_case(user, roles, case) -> bool:
    """A safety case: organizers (safety.cases) and the staff of the circle it concerns who
    still facilitate or record here, unless its reporter asked for organizers only. Nobody
    else, whatever else their role may read."""
    if has_perm(roles, "safety.cases"):
        return True
    if case.circle_id is None or case.organizers_only:
        return False
    return has_perm(roles, "circles.facilitate") and bool(staff_roles(user, case.circle_id))
