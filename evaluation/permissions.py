"""Per-circle checks of the evaluation app, on top of initiatives/permissions.py.

After-session feedback of a circle (its page, comments included): organizers ("feedback.view")
and the circle's own staff who still facilitate or record here. A police liaison who once
co-facilitated, a coalition lead or a facilitator of another circle never read it: they see
the initiative's overall numbers in the evaluation report, without comments.
"""

from guides.permissions import staff_roles
from initiatives.permissions import has_perm


def can_see_circle_feedback(user, roles, circle) -> bool:
    if has_perm(roles, "feedback.view"):
        return True
    return has_perm(roles, "circles.facilitate") and bool(staff_roles(user, circle))
