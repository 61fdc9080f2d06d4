"""Circles: the composition rules, and the reads behind the circles overview, a facilitator's
"my circles" and a circle's own page. They aggregate in SQL with a constant number of queries
per page.
"""

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dialogue_hub import translated
from initiatives import cache as initiative_cache
from initiatives.models import Initiative
from participants.models import RoleCategory

from ..models import (
    Attendance,
    AttendanceStatus,
    Circle,
    CircleMember,
    CircleRole,
    CircleSession,
    CircleStaff,
    DiscussionGuide,
    LogStatus,
    MeetingStatus,
    SessionLog,
)
from ..permissions import acting_facilitators, approvers_among, staff_roles
from .library import untrained_facilitators

User = get_user_model()

# A circle's texts for participants, given per language (guides/translation.py).
CIRCLE_TEXTS = ("venue_name", "notes")
DEFAULT_MIN_SIZE = 8
DEFAULT_MAX_SIZE = 12
LARGEST_CIRCLE = 60
# The role categories an organizer sets a minimum for on the circle form. Rules already stored
# for other categories (by the assignment or the admin) are kept and checked all the same.
RULE_ROLES = [
    RoleCategory.SWORN_OFFICER,
    RoleCategory.YOUNG_PERSON,
    RoleCategory.RESIDENT,
    RoleCategory.ELECTED_OFFICIAL,
]
ROLE_LABELS = dict(RoleCategory.choices)


def facilitators(**filters) -> QuerySet[CircleStaff]:
    """The facilitators among circle staff (`filters` choose the circles): what the assignment
    requires in every unlocked circle, and what the organizers are alerted to when missing."""
    return CircleStaff.objects.filter(role=CircleRole.FACILITATOR, **filters)


def rule_field(role: str) -> str:
    """The form field (and DomainError field) of the minimum for one role category."""
    return f"min_{role}"


# --- pure checks ---------------------------------------------------------------------------------


def make_rules(*, min_per_role: dict[str, int], max_share_percent: int | None) -> dict:
    """The JSON stored in Circle.rules: {"min_per_role": {...}, "max_share_per_role": 0.5}."""
    rules: dict = {}
    mins = {role: int(n) for role, n in min_per_role.items() if n}
    if mins:
        rules["min_per_role"] = mins
    if max_share_percent:
        rules["max_share_per_role"] = round(max_share_percent / 100, 4)
    return rules


def rules_min_per_role(rules) -> dict[str, int]:
    # Rules are JSON that may have been edited elsewhere (the admin): ignore any odd shape.
    mins = rules.get("min_per_role") if isinstance(rules, dict) else None
    if not isinstance(mins, dict):
        return {}
    return {str(k): int(v) for k, v in mins.items() if isinstance(v, int | float) and v > 0}


def rules_max_share(rules) -> float | None:
    share = rules.get("max_share_per_role") if isinstance(rules, dict) else None
    return float(share) if isinstance(share, int | float) and 0 < share <= 1 else None


def circle_problems(
    *,
    min_size: int,
    max_size: int,
    venue_name: str,
    online_link: str,
    min_per_role: dict[str, int],
    max_share_percent: int | None,
) -> list[tuple[str, str]]:
    """Every reason the circle's settings can't be saved, as (field, message)."""
    problems = []
    if min_size < 1:
        problems.append(("min_size", _("A circle needs at least one person.")))
    if max_size < 1:
        problems.append(("max_size", _("A circle needs at least one place.")))
    if max_size > LARGEST_CIRCLE:
        problems.append(
            ("max_size", _("Keep circles at %(n)d people or fewer.") % {"n": LARGEST_CIRCLE})
        )
    if min_size > max_size:
        problems.append(("min_size", _("The smallest size can't be larger than the largest size.")))
    if not venue_name.strip() and not online_link.strip():
        problems.append(("venue_name", _("Give a venue, an online meeting link, or both.")))
    for role, n in min_per_role.items():
        if n < 0:
            problems.append((rule_field(role), _("Use 0 or a positive number.")))
    wanted = sum(n for n in min_per_role.values() if n > 0)
    if max_size >= 1 and wanted > max_size:
        first = next(role for role, n in min_per_role.items() if n > 0)
        problems.append(
            (
                rule_field(first),
                _(
                    "These minimums add up to %(wanted)d people, more than the largest size (%(max)d)."
                )
                % {"wanted": wanted, "max": max_size},
            )
        )
    if max_share_percent is not None:
        if not 1 <= max_share_percent <= 100:
            problems.append(("max_share_percent", _("Give a share from 1 to 100 %.")))
        elif max_size >= 1:
            ceiling = math.floor(max_share_percent / 100 * max_size)
            for role, n in min_per_role.items():
                if n > ceiling:
                    problems.append(
                        (
                            "max_share_percent",
                            ngettext(
                                "With this share no role may have more than %(ceiling)d person, "
                                "but the minimum for %(role)s is %(n)d.",
                                "With this share no role may have more than %(ceiling)d people, "
                                "but the minimum for %(role)s is %(n)d.",
                                ceiling,
                            )
                            % {"ceiling": ceiling, "role": ROLE_LABELS.get(role, role), "n": n},
                        )
                    )
                    break
    return problems


@dataclass
class RoleCount:
    role: str
    label: str
    count: int
    minimum: int = 0

    @property
    def short(self) -> bool:
        return self.count < self.minimum


def role_labels() -> list[tuple[str, str]]:
    """(role category, label in the active language), in the choices' order."""
    return [(role, str(label)) for role, label in RoleCategory.choices]


def composition(*, rules, counts: dict[str, int], labels=None) -> list[RoleCount]:
    """Counts per role category in a circle, with each rule's minimum (roles with neither
    people nor a minimum are left out). `labels`: role_labels(), when the caller has them."""
    mins = rules_min_per_role(rules)
    rows = []
    for role, label in labels or role_labels():
        if counts.get(role) or mins.get(role):
            rows.append(RoleCount(role, label, counts.get(role, 0), mins.get(role, 0)))
    return rows


def composition_issues(*, rules, counts: dict[str, int], size: int) -> list[str]:
    """The circle's composition rules that its current members do not meet, in words."""
    issues = []
    for role, minimum in rules_min_per_role(rules).items():
        have = counts.get(role, 0)
        if have < minimum:
            issues.append(
                _("At least %(n)d × %(role)s wanted, %(have)d placed.")
                % {"n": minimum, "role": ROLE_LABELS.get(role, role), "have": have}
            )
    share = rules_max_share(rules)
    if share is not None and size:
        ceiling = math.floor(share * size)
        for role, have in sorted(counts.items()):
            if have > ceiling and have > 1:
                issues.append(
                    _("%(role)s: %(have)d of %(size)d people, above the %(share)d %% limit.")
                    % {
                        "role": ROLE_LABELS.get(role, role),
                        "have": have,
                        "size": size,
                        "share": round(share * 100),
                    }
                )
    return issues


def team_members(*, initiative: Initiative, role: str) -> QuerySet:
    """Users holding `role` in the initiative (for the facilitator and recorder choices)."""
    return (
        User.objects.filter(
            memberships__initiative=initiative, memberships__role=role, is_active=True
        )
        .distinct()
        .order_by("display_name", "email")
    )


def circle_has_records(circle: Circle) -> bool:
    """True once any of its meetings has attendance or a session log."""
    return (
        Attendance.objects.filter(meeting__circle=circle).exists()
        or SessionLog.objects.filter(meeting__circle=circle).exists()
    )


# --- the circles overview ------------------------------------------------------------------------


def circles_for_initiative(*, initiative: Initiative) -> QuerySet[Circle]:
    return (
        Circle.objects.filter(initiative=initiative).select_related("guide").order_by("name", "pk")
    )


def circle_for_initiative(*, initiative: Initiative, pk) -> Circle:
    circle = circles_for_initiative(initiative=initiative).filter(pk=pk).first()
    if circle is None:
        raise Http404
    return circle


def circle_for_user(*, initiative: Initiative, user, pk, sees_all: bool) -> Circle:
    """A circle the user may open: any circle of the initiative for `sees_all` (organizers,
    data steward), otherwise only circles they staff; anything else is 404."""
    circle = circle_for_initiative(initiative=initiative, pk=pk)
    if not sees_all and not staff_roles(user, circle):
        raise Http404
    return circle


def staff_prefetch() -> Prefetch:
    return Prefetch(
        "staff",
        queryset=CircleStaff.objects.select_related("user").order_by("role", "user__display_name"),
        to_attr="staff_rows",
    )


def _next_meeting_subquery(now):
    return (
        CircleSession.objects.filter(
            circle=OuterRef("pk"), status=MeetingStatus.SCHEDULED, starts_at__gte=now
        )
        .order_by("starts_at")
        .values("starts_at")[:1]
    )


def per_circle(rows: QuerySet) -> Coalesce:
    """How many of `rows` (filtered on circle=OuterRef("pk")) each circle has, 0 for none."""
    count = rows.order_by().values("circle").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(count, output_field=IntegerField()), Value(0))


@dataclass
class CircleSummary:
    circle: Circle
    size: int
    facilitators: list = field(default_factory=list)
    recorders: list = field(default_factory=list)
    composition: list = field(default_factory=list)
    issues: list = field(default_factory=list)
    attendance_present: int = 0
    attendance_recorded: int = 0
    past_meetings: int = 0
    logs_submitted: int = 0
    logs_approved: int = 0
    next_meeting_at: datetime | None = None

    @property
    def attendance_rate(self) -> int | None:
        """Share present of the attendance recorded so far, in %, or None before any."""
        if not self.attendance_recorded:
            return None
        return round(100 * self.attendance_present / self.attendance_recorded)

    @property
    def logs_missing(self) -> int:
        return max(self.past_meetings - self.logs_submitted - self.logs_approved, 0)

    @property
    def too_small(self) -> bool:
        return self.size < self.circle.min_size

    @property
    def too_large(self) -> bool:
        return self.size > self.circle.max_size


def circles_overview_queryset(*, initiative: Initiative, now=None) -> QuerySet[Circle]:
    now = now or timezone.now()
    return circles_for_initiative(initiative=initiative).annotate(
        member_count=per_circle(CircleMember.objects.filter(circle=OuterRef("pk"))),
        next_meeting_at=Subquery(_next_meeting_subquery(now)),
    )


def circle_summaries(circles, *, now=None) -> list[CircleSummary]:
    """Summaries for a page of circles from circles_overview_queryset: a fixed number of
    queries whatever the number of circles (staff, composition, attendance, logs)."""
    now = now or timezone.now()
    circles = list(circles)
    ids = [circle.pk for circle in circles]
    if not ids:
        return []
    staff: dict[int, list[CircleStaff]] = {}
    for row in (
        CircleStaff.objects.filter(circle_id__in=ids)
        .select_related("user")
        .order_by("role", "user__display_name", "pk")
    ):
        staff.setdefault(row.circle_id, []).append(row)
    counts: dict[int, dict[str, int]] = {}
    for row in (
        CircleMember.objects.filter(circle_id__in=ids)
        .order_by()
        .values("circle_id", "participant__role_category")
        .annotate(n=Count("pk"))
    ):
        counts.setdefault(row["circle_id"], {})[row["participant__role_category"]] = row["n"]
    attendance = {
        row["meeting__circle_id"]: row
        for row in Attendance.objects.filter(meeting__circle_id__in=ids, meeting__starts_at__lt=now)
        .order_by()
        .values("meeting__circle_id")
        .annotate(
            recorded=Count("pk"),
            present=Count("pk", filter=Q(status=AttendanceStatus.PRESENT)),
        )
    }
    logs = {
        row["circle_id"]: row
        for row in CircleSession.objects.filter(
            circle_id__in=ids, starts_at__lt=now, status=MeetingStatus.SCHEDULED
        )
        .order_by()
        .values("circle_id")
        .annotate(
            past=Count("pk"),
            submitted=Count("pk", filter=Q(log__status=LogStatus.SUBMITTED)),
            approved=Count("pk", filter=Q(log__status=LogStatus.APPROVED)),
        )
    }
    labels = role_labels()
    summaries = []
    for circle in circles:
        rows = staff.get(circle.pk, [])
        role_counts = counts.get(circle.pk, {})
        size = getattr(circle, "member_count", None)
        if size is None:
            size = sum(role_counts.values())
        seen = attendance.get(circle.pk, {})
        logged = logs.get(circle.pk, {})
        summaries.append(
            CircleSummary(
                circle=circle,
                size=size,
                facilitators=[r.user for r in rows if r.role == CircleRole.FACILITATOR],
                recorders=[r.user for r in rows if r.role == CircleRole.RECORDER],
                composition=composition(rules=circle.rules, counts=role_counts, labels=labels),
                issues=composition_issues(rules=circle.rules, counts=role_counts, size=size),
                attendance_present=seen.get("present", 0),
                attendance_recorded=seen.get("recorded", 0),
                past_meetings=logged.get("past", 0),
                logs_submitted=logged.get("submitted", 0),
                logs_approved=logged.get("approved", 0),
                next_meeting_at=getattr(circle, "next_meeting_at", None),
            )
        )
    return summaries


def _count_per_initiative(queryset, path: str):
    """How many rows of `queryset` have `path` = the outer initiative, as a subquery."""
    sub = (
        queryset.filter(**{path: OuterRef("pk")})
        .order_by()
        .values(path)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def overview_state(*, initiative: Initiative, now) -> dict:
    """What the overview shows above its cards, and what its cached cards depend on: the
    number of circles, of people placed, the next meeting start and a token naming this
    state. One query, then none until the initiative changes or that meeting starts.

    The overview depends on time only through which meetings have started (past meetings,
    attendance and logs so far, the next meeting), so it is the same at every moment before
    the next start of any of the initiative's meetings (whatever their status). Its cached
    cards are keyed by `token`, which is new whenever this state is computed again.
    """

    def compute():
        row = (
            Initiative.objects.filter(pk=initiative.pk)
            .annotate(
                circle_count=_count_per_initiative(Circle.objects, "initiative"),
                placed_count=_count_per_initiative(CircleMember.objects, "circle__initiative"),
                # The first at or after now, by the starts_at index (not MIN over all).
                next_start=Subquery(
                    CircleSession.objects.filter(
                        circle__initiative=OuterRef("pk"), starts_at__gte=now
                    )
                    .order_by("starts_at")
                    .values("starts_at")[:1]
                ),
            )
            .values_list("circle_count", "placed_count", "next_start")
            .get()
        )
        return {
            "circles": row[0],
            "placed": row[1],
            "next_start": row[2],
            "token": uuid.uuid4().hex,
        }

    return initiative_cache.cached(
        initiative.pk,
        "circles-overview",
        compute,
        registrations=initiative_cache.UNAFFECTED,
        fresh=lambda state: state["next_start"] is None or state["next_start"] >= now,
    )


# --- my circles ----------------------------------------------------------------------------------


def circles_staffed_by(*, initiative: Initiative, user) -> QuerySet[Circle]:
    return circles_overview_queryset(initiative=initiative).filter(
        Exists(CircleStaff.objects.filter(circle=OuterRef("pk"), user=user))
    )


@dataclass
class MeetingTodo:
    meeting: CircleSession
    attendance_taken: bool
    log_status: str | None  # None: no log yet
    # For a log waiting for approval: who may approve it (names), and whether the viewer may.
    approver_names: list = field(default_factory=list)
    may_approve: bool = False

    @property
    def log_missing(self) -> bool:
        return self.log_status is None

    @property
    def log_draft(self) -> bool:
        return self.log_status == LogStatus.DRAFT

    @property
    def log_waiting(self) -> bool:
        return self.log_status == LogStatus.SUBMITTED

    @property
    def done(self) -> bool:
        return self.attendance_taken and self.log_status == LogStatus.APPROVED


@dataclass
class MyCircle:
    summary: CircleSummary
    roles: set
    todos: list = field(default_factory=list)

    @property
    def circle(self):
        return self.summary.circle

    @property
    def is_facilitator(self) -> bool:
        return CircleRole.FACILITATOR in self.roles


def meetings_with_progress(circle_ids, *, now=None, past_only: bool = True) -> QuerySet:
    """Meetings annotated with whether attendance was taken, with their log (one query)."""
    now = now or timezone.now()
    queryset = CircleSession.objects.filter(circle_id__in=circle_ids).select_related("log")
    if past_only:
        queryset = queryset.filter(starts_at__lt=now, status=MeetingStatus.SCHEDULED)
    return queryset.annotate(
        attendance_taken=Exists(Attendance.objects.filter(meeting=OuterRef("pk")))
    ).order_by("circle_id", "starts_at", "number")


def _log_status(meeting) -> str | None:
    try:
        return meeting.log.status
    except SessionLog.DoesNotExist:
        return None


def my_circles(*, initiative: Initiative, user, now=None) -> list[MyCircle]:
    """The circles `user` staffs, with what is still to do for their past meetings."""
    now = now or timezone.now()
    circles = list(circles_staffed_by(initiative=initiative, user=user))
    summaries = circle_summaries(circles, now=now)
    ids = [circle.pk for circle in circles]
    roles: dict[int, set] = {}
    for circle_id, role in CircleStaff.objects.filter(circle_id__in=ids, user=user).values_list(
        "circle_id", "role"
    ):
        roles.setdefault(circle_id, set()).add(role)
    facilitators: dict[int, dict[int, str]] = {}
    for circle_id, user_id, name in (
        acting_facilitators(ids)
        .order_by("user__display_name", "user_id")
        .values_list("circle_id", "user_id", "user__display_name")
    ):
        facilitators.setdefault(circle_id, {})[user_id] = name
    todos: dict[int, list[MeetingTodo]] = {}
    for meeting in meetings_with_progress(ids, now=now):
        todo = MeetingTodo(meeting, meeting.attendance_taken, _log_status(meeting))
        if todo.log_waiting:
            names = facilitators.get(meeting.circle_id, {})
            allowed = approvers_among(names, author_id=meeting.log.drafted_by_id)
            todo.approver_names = [
                name or _("a facilitator of this circle")
                for pk, name in names.items()
                if pk in allowed
            ]
            todo.may_approve = user.pk in allowed
        if not todo.done:
            todos.setdefault(meeting.circle_id, []).append(todo)
    return [
        MyCircle(summary, roles.get(summary.circle.pk, set()), todos.get(summary.circle.pk, []))
        for summary in summaries
    ]


# --- one circle ----------------------------------------------------------------------------------


def circle_members(*, circle: Circle) -> QuerySet[CircleMember]:
    return (
        CircleMember.objects.filter(circle=circle)
        .select_related("participant")
        .order_by("participant__name", "pk")
    )


def circle_meetings(*, circle: Circle, now=None) -> list[MeetingTodo]:
    return [
        MeetingTodo(meeting, meeting.attendance_taken, _log_status(meeting))
        for meeting in meetings_with_progress([circle.pk], now=now, past_only=False)
    ]


def guides_for_initiative(*, initiative: Initiative) -> QuerySet[DiscussionGuide]:
    return DiscussionGuide.objects.filter(initiative=initiative).order_by(
        translated.ordering("title"), "pk"
    )


def untrained_warning_names(*, initiative: Initiative, users) -> list[str]:
    """Display names of the facilitators among `users` with no training record."""
    users = [person for person in users if person is not None]
    if not users:
        return []
    untrained = untrained_facilitators(initiative=initiative, users=users)
    by_pk = {person.pk: person for person in users}
    names = set()
    for item in untrained or []:
        person = by_pk.get(item) if isinstance(item, int) else item
        if person is not None:
            names.add(str(person))
    return sorted(names)
