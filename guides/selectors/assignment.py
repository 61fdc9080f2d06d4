"""The reads of the assignment pages: counts, circles, people, keep-together requests, and
what the balanced assignment works on with the reasons it refuses to run."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from initiatives.models import Initiative
from participants.models import Participant, Status
from participants.selectors.registration import eligible_for_placement

from ..assignment.loading import PERSON_FIELDS, person_from_row, strings
from ..assignment.messages import names_shown
from ..assignment.model import Person
from ..models import Circle, CircleMember, CircleRole, KeepTogether, PlacedBy
from .circles import facilitators, per_circle


@dataclass(frozen=True)
class Refusal:
    """Why the balanced assignment will not run: `code` names the rule, `message` says it in
    full (what `circle_assign_balanced` raises)."""

    code: str
    message: str


@dataclass
class AssignmentInputs:
    """What the balanced assignment works on, loaded once by `assignment_inputs`. `refusal` is
    the first reason it will not run (None when it may); the lists after the check that refused
    are left empty."""

    circles: list[Circle]
    open_circles: list[Circle] = field(default_factory=list)
    locked_members: dict[int, list[Person]] = field(default_factory=dict)
    kept: int = 0  # people who stay where they are (locked circles, organizers' placements)
    to_place: list[Person] = field(default_factory=list)
    refusal: Refusal | None = None

    def refuse(self, code: str, message: str) -> AssignmentInputs:
        self.refusal = Refusal(code, message)
        return self


def assignment_inputs(
    *, initiative: Initiative, for_update: bool = False, check_only: bool = False
) -> AssignmentInputs:
    """Load what the balanced assignment works on and check, in order, the rules under which it
    refuses to run: no circles, every circle locked, nobody who can be placed, an unlocked circle
    without a facilitator, everyone already kept where they are, no circle at a time anyone can
    come. The one decision for both the service (`circle_assign_balanced` raises the refusal)
    and the assignment page (offers "Run" only when there is none). `for_update` locks the
    circles, for the service's transaction. `check_only` (the page) decides the same rules in a
    few queries that do not grow with the number of people, and loads nobody.

    Whether the assignment then places anyone (capacity, language, keep-together groups) only
    running it can tell; the service refuses that case after the run."""
    circles_qs = Circle.objects.filter(initiative=initiative).order_by("pk")
    if for_update:
        circles_qs = circles_qs.select_for_update()
    inputs = AssignmentInputs(circles=list(circles_qs))
    if not inputs.circles:
        return inputs.refuse(
            "no_circles",
            _(
                "There are no circles yet. Create the circles first, each with a time slot, a "
                "language and a facilitator, then run the assignment."
            ),
        )
    inputs.open_circles = open_circles = [c for c in inputs.circles if not c.is_locked]
    if not open_circles:
        return inputs.refuse(
            "all_locked",
            _(
                "Every circle is locked, so there is nowhere to place people. Unlock a circle "
                "or create a new one."
            ),
        )
    eligible_qs = eligible_for_placement(initiative=initiative)
    if check_only:
        eligible = eligible_qs.exists()
    else:
        eligible = [
            person_from_row(row) for row in eligible_qs.order_by("pk").values(*PERSON_FIELDS)
        ]
    if not eligible:
        return inputs.refuse(
            "nobody_eligible",
            _(
                "Nobody can be placed yet: people need to have confirmed their registration, "
                "hold a place (not on the waiting list) and have consented to take part; "
                "minors also need a guardian's consent."
            ),
        )
    staffed = set(facilitators(circle__in=open_circles).values_list("circle_id", flat=True))
    lacking = [c.name for c in open_circles if c.pk not in staffed]
    if lacking:
        return inputs.refuse(
            "no_facilitator",
            ngettext(
                "This circle has no facilitator yet: %(names)s. Add a facilitator (or lock the "
                "circle so it is left as it is) and run the assignment again.",
                "These circles have no facilitator yet: %(names)s. Add a facilitator to each (or "
                "lock the circles you don't want filled) and run the assignment again.",
                len(lacking),
            )
            % {"names": names_shown(lacking)},
        )

    # Who stays where they are: everyone in a locked circle, and organizers' placements.
    locked_ids = {c.pk for c in inputs.circles if c.is_locked}
    if check_only:
        # The available times of those left to place, as distinct lists (a few rows).
        availabilities = [
            strings(value)
            for value in eligible_qs.exclude(
                Q(circle_membership__circle_id__in=locked_ids)
                | Q(circle_membership__placed_by=PlacedBy.ORGANIZER)
            )
            .order_by()
            .values_list("availability", flat=True)
            .distinct()
        ]
        return _check_people(inputs, open_circles, availabilities)
    fixed_rows = (
        CircleMember.objects.filter(circle__initiative=initiative)
        .filter(Q(circle_id__in=locked_ids) | Q(placed_by=PlacedBy.ORGANIZER))
        .order_by("participant_id")
        .values("circle_id", *("participant__" + f for f in PERSON_FIELDS))
    )
    for row in fixed_rows:
        person = person_from_row({f: row["participant__" + f] for f in PERSON_FIELDS})
        inputs.locked_members.setdefault(row["circle_id"], []).append(person)
    fixed_ids = {p.id for people in inputs.locked_members.values() for p in people}
    inputs.kept = len(fixed_ids)
    inputs.to_place = [p for p in eligible if p.id not in fixed_ids]
    return _check_people(inputs, open_circles, [p.availability for p in inputs.to_place])


def _check_people(inputs: AssignmentInputs, open_circles, availabilities) -> AssignmentInputs:
    """The last two rules, from the available times of the people left to place (one list
    each, or each distinct list)."""
    if not availabilities:
        return inputs.refuse(
            "all_kept",
            _(
                "Everyone who can be placed is already in a locked circle or was placed by an "
                "organizer. Unlock a circle to let the assignment place people again."
            ),
        )
    circle_slots = sorted({c.time_slot for c in open_circles})
    if "" not in circle_slots and not any(
        set(available) & set(circle_slots) for available in availabilities
    ):
        people_slots = sorted({slot for available in availabilities for slot in available})
        return inputs.refuse(
            "no_common_time",
            _(
                "No circle meets at a time when anyone is available. The circles meet on: "
                "%(circle_slots)s. People are available on: %(people_slots)s. Change the "
                "circles' time slots to match."
            )
            % {
                "circle_slots": names_shown(circle_slots),
                "people_slots": names_shown(people_slots) or _("no time given"),
            },
        )
    return inputs


@dataclass(frozen=True)
class AssignmentSummary:
    eligible: int
    unplaced: int
    circles: int
    open_circles: int
    capacity: int
    pairs: int
    without_facilitator: int
    refusal: Refusal | None = None  # `assignment_inputs`' refusal: the service's own decision

    @property
    def blocker(self) -> str:
        """Why the assignment can't run now, or "" when it can: the page offers the button only
        then. It is the refusal `circle_assign_balanced` would raise; the first four are said in
        the page's shorter words, which point at its figures."""
        if self.refusal is None:
            return ""
        shorter = {
            "no_circles": _(
                "Create the circles first, each with a time slot, a language and a facilitator."
            ),
            "all_locked": _("Every circle is locked: unlock a circle or create a new one."),
            "nobody_eligible": _("Nobody can be placed yet (see who can be placed above)."),
            "no_facilitator": _("Add a facilitator to every unlocked circle (or lock it) first."),
        }
        return shorter.get(self.refusal.code, self.refusal.message)


def unplaced_people(*, initiative: Initiative) -> QuerySet[Participant]:
    """Eligible people who are in no circle, oldest registration first."""
    return (
        eligible_for_placement(initiative=initiative)
        .filter(circle_membership__isnull=True)
        .order_by("created_at", "pk")
    )


def circles_for_assignment(*, initiative: Initiative) -> QuerySet[Circle]:
    """The initiative's circles with member and facilitator counts (one query)."""
    return (
        Circle.objects.filter(initiative=initiative)
        .annotate(
            member_count=per_circle(CircleMember.objects.filter(circle=OuterRef("pk"))),
            facilitator_count=per_circle(facilitators(circle=OuterRef("pk"))),
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
        refusal=assignment_inputs(initiative=initiative, check_only=True).refusal,
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
