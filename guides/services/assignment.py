"""The writes of the assignment pages: run the balanced assignment, move or remove a person, lock a
circle, keep-together requests. Keyword-only, atomic, logged with counts or anonymous ids only."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from initiatives.models import Initiative
from initiatives.services import activity_record
from participants.models import Participant, Status
from participants.selectors.registration import eligible_for_placement

from ..assignment.algorithm import assign
from ..assignment.loading import (
    INTERPRETATION,
    MOBILITY,
    circle_is_accessible,
    circle_spec,
    strings,
)
from ..assignment.messages import language_label
from ..assignment.model import Result
from ..models import Circle, CircleMember, KeepTogether, PlacedBy
from ..selectors.assignment import assignment_inputs


@transaction.atomic
def circle_assign_balanced(*, user, initiative: Initiative) -> Result:
    """Place every eligible person who is not in a locked circle (and was not placed by an
    organizer) into the initiative's unlocked circles. Previous placements by the assignment in
    unlocked circles are replaced; locked circles and organizers' placements are kept.

    Refuses, changing nothing, when there are no circles, nobody to place, circles without a
    facilitator, or no circle at a time anyone can come (`assignment_inputs` decides, and the
    assignment page asks it too before offering "Run"), or when the run places nobody."""
    inputs = assignment_inputs(initiative=initiative, for_update=True)
    if inputs.refusal is not None:
        raise DomainError(inputs.refusal.message)
    circles, open_circles, to_place = inputs.circles, inputs.open_circles, inputs.to_place

    pairs = list(
        KeepTogether.objects.filter(initiative=initiative).values_list("first_id", "second_id")
    )
    result = assign(to_place, [circle_spec(c) for c in circles], pairs, inputs.locked_members)
    if not result.placements:
        reasons = " ".join(p.message for p in result.problems if p.code.startswith("unplaced_"))
        raise DomainError(
            _("Nobody could be placed, so nothing was changed. %(reasons)s") % {"reasons": reasons}
        )

    replaced = CircleMember.objects.filter(
        circle_id__in=[c.pk for c in open_circles], placed_by=PlacedBy.ASSIGNMENT
    )
    # Their status follows their placement: back to confirmed, then assigned if placed again.
    Participant.objects.filter(circle_membership__in=replaced, status=Status.ASSIGNED).update(
        status=Status.CONFIRMED
    )
    removed, _detail = replaced.delete()
    Participant.objects.filter(pk__in=list(result.placements), status=Status.CONFIRMED).update(
        status=Status.ASSIGNED
    )
    CircleMember.objects.bulk_create(
        [
            CircleMember(participant_id=pid, circle_id=cid, placed_by=PlacedBy.ASSIGNMENT)
            for pid, cid in result.placements.items()
        ],
        batch_size=500,
    )
    activity_record(
        initiative=initiative,
        actor=user,
        action="circles.assigned",
        details={
            "placed": result.placed_count,
            "unplaced": len(result.unplaced),
            "kept": inputs.kept,
            "replaced": removed,
            "circles": len(open_circles),
            "problems": len(result.problems),
        },
    )
    result.kept = inputs.kept
    return result


def ineligible_reason(participant: Participant) -> str | None:
    """Why this person may not be placed in a circle, or None if they may."""
    if participant.status not in (Status.CONFIRMED, Status.ASSIGNED):
        return _("their registration is “%(status)s”, not confirmed") % {
            "status": participant.get_status_display()
        }
    if participant.seat_number is None:
        return _("they do not hold a place yet")
    if participant.needs_guardian_consent:
        return _("a parent or guardian has not consented yet")
    if (
        not eligible_for_placement(initiative=participant.initiative_id)
        .filter(pk=participant.pk)
        .exists()
    ):
        return _("they have not consented to take part")
    return None


def fit_problems(participant: Participant, circle: Circle) -> list[str]:
    """Why the circle does not suit this person (time and language), in plain words."""
    problems = []
    availability = strings(participant.availability)
    if circle.time_slot and circle.time_slot not in availability:
        problems.append(_("they are not available on %(slot)s") % {"slot": circle.time_slot})
    needs = strings(participant.accessibility_needs)
    if circle.language != participant.preferred_language and INTERPRETATION not in needs:
        problems.append(
            _("the circle is in %(language)s and they asked for %(preferred)s")
            % {
                "language": language_label(circle.language),
                "preferred": language_label(participant.preferred_language),
            }
        )
    return problems


def _status_follows_placement(participant: Participant, *, placed: bool) -> None:
    """A person's status follows their placement by hand: confirmed becomes assigned when they
    are placed, assigned becomes confirmed when they are taken out (as the assignment's run
    does for everyone it places or replaces); other statuses stay."""
    before, after = (
        (Status.CONFIRMED, Status.ASSIGNED) if placed else (Status.ASSIGNED, Status.CONFIRMED)
    )
    if participant.status == before:
        participant.status = after
        participant.save(update_fields=["status", "updated_at"])


@transaction.atomic
def circle_member_move(
    *,
    user,
    initiative: Initiative,
    participant: Participant,
    circle: Circle,
    override: bool = False,
) -> CircleMember:
    """Put a person in `circle` by hand (from another circle or from nowhere). Refused when
    the circle is full, the person may not be placed, or they asked for mobility access and
    the circle is not accessible; a circle that doesn't suit their time or language is refused
    unless `override`."""
    if participant.initiative_id != initiative.pk or circle.initiative_id != initiative.pk:
        raise DomainError(_("Choose a person and a circle of this initiative."))
    circle = Circle.objects.select_for_update().get(pk=circle.pk)
    reason = ineligible_reason(participant)
    if reason:
        raise DomainError(
            _("This person cannot be placed in a circle: %(reason)s.") % {"reason": reason},
            field="participant",
        )
    current = (
        CircleMember.objects.select_for_update()
        .select_related("circle")
        .filter(participant=participant)
        .first()
    )
    if current is not None and current.circle_id == circle.pk:
        raise DomainError(
            _("This person is already in %(circle)s.") % {"circle": circle.name}, field="circle"
        )
    size = CircleMember.objects.filter(circle=circle).count()
    if size >= circle.max_size:
        raise DomainError(
            _(
                "%(circle)s is full (%(size)s of %(max)s). Choose another circle, move someone "
                "out first, or raise its largest size."
            )
            % {"circle": circle.name, "size": size, "max": circle.max_size},
            field="circle",
        )
    if MOBILITY in strings(participant.accessibility_needs) and not circle_is_accessible(circle):
        # A hard rule, as in the balanced assignment: no "place anyway".
        raise DomainError(
            _(
                "%(circle)s is not accessible, and this person asked for mobility access. "
                "Choose an accessible circle, or mark this circle's venue accessible if it is."
            )
            % {"circle": circle.name},
            field="circle",
        )
    problems = fit_problems(participant, circle)
    if problems and not override:
        raise DomainError(
            _(
                "%(circle)s does not suit this person: %(problems)s. Tick “place anyway” if "
                "you have agreed this with them."
            )
            % {"circle": circle.name, "problems": "; ".join(problems)},
            field="circle",
        )
    if current is None:
        member = CircleMember(participant=participant, circle=circle, placed_by=PlacedBy.ORGANIZER)
        member.full_clean(exclude=["participant"])
        member.save()
        action, details = "circle.member_placed", {"to": circle.name}
    else:
        details = {"from": current.circle.name, "to": circle.name}
        member = current
        member.circle = circle
        member.placed_by = PlacedBy.ORGANIZER
        member.save(update_fields=["circle", "placed_by", "updated_at"])
        action = "circle.member_moved"
    if problems:
        details["override"] = True
    _status_follows_placement(participant, placed=True)
    activity_record(
        initiative=initiative, actor=user, action=action, target=participant, details=details
    )
    return member


@transaction.atomic
def circle_member_remove(*, user, member: CircleMember) -> None:
    """Take a person out of their circle (a later run of the assignment may place them again)."""
    circle = member.circle
    participant = member.participant
    member.delete()
    _status_follows_placement(participant, placed=False)
    activity_record(
        initiative=circle.initiative,
        actor=user,
        action="circle.member_removed",
        target=participant,
        details={"from": circle.name},
    )


@transaction.atomic
def circle_set_locked(*, user, circle: Circle, locked: bool) -> Circle:
    """Lock (the assignment leaves the circle and its members alone) or unlock a circle."""
    if circle.is_locked == locked:
        return circle
    circle.is_locked = locked
    circle.save(update_fields=["is_locked", "updated_at"])
    activity_record(
        initiative=circle.initiative,
        actor=user,
        action="circle.locked" if locked else "circle.unlocked",
        target=circle,
    )
    return circle


@transaction.atomic
def keep_together_add(
    *, user, initiative: Initiative, first: Participant, second: Participant
) -> KeepTogether:
    """Record that two people asked to be in the same circle."""
    if first.initiative_id != initiative.pk or second.initiative_id != initiative.pk:
        raise DomainError(_("Choose two people registered for this initiative."))
    if first.pk == second.pk:
        raise DomainError(_("Choose two different people."), field="second")
    low, high = sorted((first, second), key=lambda p: p.pk)
    if KeepTogether.objects.filter(first=low, second=high).exists():
        raise DomainError(_("These two are already kept together."), field="second")
    pair = KeepTogether.objects.create(initiative=initiative, first=low, second=high)
    activity_record(initiative=initiative, actor=user, action="keep_together.added", target=pair)
    return pair


@transaction.atomic
def keep_together_delete(*, user, pair: KeepTogether) -> None:
    label = str(pair)
    initiative = pair.initiative
    pair.delete()
    activity_record(initiative=initiative, actor=user, action="keep_together.deleted", label=label)
