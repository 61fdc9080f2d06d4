"""Per-circle checks of the evaluation app, on top of initiatives/permissions.py.

After-session feedback of a circle (its page, comments included): organizers ("feedback.view")
and the circle's own staff who still facilitate or record here. A police liaison who once
co-facilitated, a coalition lead or a facilitator of another circle never read it: they see
the initiative's overall numbers in the evaluation report, without comments.
"""

from guides.permissions import staff_roles
from initiatives.permissions import has_perm


def may_read_circle_feedback(roles, circle_roles) -> bool:
    """The rule: organizers, or a facilitator or recorder of the initiative who is on this
    circle's staff (`circle_roles`: the viewer's roles in the circle)."""
    return has_perm(roles, "feedback.view") or (
        has_perm(roles, "circles.facilitate") and bool(circle_roles)
    )


def can_see_circle_feedback(user, roles, circle) -> bool:
    if has_perm(roles, "feedback.view"):
        return True
    return may_read_circle_feedback(roles, staff_roles(user, circle))


def circle_feedback_link(roles, circle, circle_roles) -> list:
    """guides' CIRCLE_PAGE_LINKS: "After-session feedback" on a circle's page, for those who
    may read it (no query: the viewer's roles in the circle are given)."""
    from django.urls import reverse
    from django.utils.translation import gettext

    if may_read_circle_feedback(roles, circle_roles):
        url = reverse(
            "evaluation:circle_feedback",
            kwargs={"slug": circle.initiative.slug, "pk": circle.pk},
        )
        return [(gettext("After-session feedback"), url)]
    return []
