"""Per-circle checks on top of the initiative-wide table in initiatives/permissions.py.

Facilitators and recorders see and work in their own circles only; organizers in all.
"""

from initiatives.permissions import has_perm

from .models import CircleRole, CircleStaff


def staff_roles(user, circle) -> set[str]:
    """The user's roles in this circle: {"facilitator"}, {"recorder"}, both or none."""
    return set(CircleStaff.objects.filter(circle=circle, user=user).values_list("role", flat=True))


def can_open_circle(user, roles, circle) -> bool:
    return has_perm(roles, "circles.view") or bool(staff_roles(user, circle))


def can_take_attendance(user, roles, circle) -> bool:
    return has_perm(roles, "circles.manage") or bool(staff_roles(user, circle))


def can_draft_log(user, roles, circle) -> bool:
    return bool(staff_roles(user, circle))


def can_approve_log(user, roles, circle) -> bool:
    return CircleRole.FACILITATOR in staff_roles(user, circle)
