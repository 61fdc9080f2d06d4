"""Circles: create, edit and delete a circle with its facilitators, recorder and composition
rules. Keyword-only, atomic and logged (never a participant's or team member's name in the log).
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dialogue_hub.exceptions import DomainError
from dialogue_hub.exceptions import full_clean_or_raise as _validate
from dialogue_hub.services import refuse_taken_name
from dialogue_hub.translated_columns import (
    changed_columns,
    column_values,
    unknown_columns,
    with_originals,
)
from initiatives.models import Initiative, Membership, Role
from initiatives.services import activity_record
from participants.models import Participant, Status

from ..assignment.loading import MOBILITY, circle_is_accessible
from ..models import (
    Circle,
    CircleMember,
    CircleRole,
    CircleStaff,
    DiscussionGuide,
)
from ..selectors.circles import (
    CIRCLE_TEXTS,
    DEFAULT_MAX_SIZE,
    DEFAULT_MIN_SIZE,
    RULE_ROLES,
    circle_has_records,
    circle_problems,
    make_rules,
    rules_min_per_role,
)
from ..selectors.reminders import SILENT_STATUSES


def _save(circle: Circle, **kwargs) -> None:
    """Save; a name taken by a concurrent request a moment ago is a field error, not a 500."""
    try:
        with transaction.atomic():
            circle.save(**kwargs)
    except IntegrityError as exc:
        raise DomainError(_("Another circle already has this name."), field="name") from exc


def _has_role(*, initiative: Initiative, user, role: str) -> bool:
    return Membership.objects.filter(initiative=initiative, user=user, role=role).exists()


def _circle_values(
    *,
    initiative: Initiative,
    circle: Circle | None,
    name: str,
    guide: DiscussionGuide | None = None,
    language: str = "en",
    min_size: int = DEFAULT_MIN_SIZE,
    max_size: int = DEFAULT_MAX_SIZE,
    time_slot: str = "",
    first_meeting_at: datetime | None = None,
    venue_name: str = "",
    venue_address: str = "",
    is_neutral_venue: bool = False,
    is_accessible: bool = False,
    online_link: str = "",
    notes: str = "",
    min_per_role: dict[str, int] | None = None,
    max_share_percent: int | None = None,
    facilitators: list,
    recorder=None,
    time_slots: list[str] | None = None,
    **texts,
) -> tuple[dict, list]:
    """Check a circle's settings and staff for circle_create (`circle` None) and circle_update;
    return the values the circle stores (texts stripped, rules made from the minimums and the
    share; an edit keeps minimums for role categories the form does not show, and any other
    rules) and its one or two facilitators. `time_slots`: the registration's time slots.

    `venue_name` and `notes` are in the initiative's first language; `texts` gives them per
    language (`venue_name_es`, `notes_en`, …: dialogue_hub/translated_columns.py)."""
    unknown = unknown_columns(texts, CIRCLE_TEXTS)
    if unknown:
        raise TypeError(f"unexpected circle fields {unknown}")
    first = initiative.default_language
    text_columns = column_values(
        {"venue_name": venue_name, "notes": notes, **texts}, CIRCLE_TEXTS, first
    )
    facilitators = [person for person in facilitators if person is not None]
    min_per_role = min_per_role or {}
    time_slots = time_slots or []
    rules = {}
    if circle is not None:
        kept = {
            role: n
            for role, n in rules_min_per_role(circle.rules).items()
            if role not in RULE_ROLES
        }
        min_per_role = {**kept, **min_per_role}
        rules = {
            key: value
            for key, value in (circle.rules or {}).items()
            if key not in ("min_per_role", "max_share_per_role")
        }
    if not name.strip():
        raise DomainError(_("Give the circle a name."), field="name")
    refuse_taken_name(
        Circle.objects.filter(initiative=initiative),
        name.strip(),
        instance=circle,
        message=_("Another circle already has this name."),
    )
    if guide is not None and guide.initiative_id != initiative.pk:
        raise DomainError(_("Choose one of this initiative's own guides."), field="guide")
    allowed_languages = set(initiative.languages or []) | (
        {circle.language} if circle is not None else set()
    )
    if language not in allowed_languages:
        raise DomainError(_("Choose one of the initiative's languages."), field="language")
    allowed_slots = set(time_slots) | ({circle.time_slot} if circle is not None else set())
    if time_slot and time_slot not in allowed_slots:
        raise DomainError(
            _("Choose one of the time slots in the registration settings."), field="time_slot"
        )
    if time_slots and not time_slot:
        raise DomainError(_("Choose when this circle meets."), field="time_slot")
    first_venue = text_columns[f"venue_name_{first}"]
    problems = circle_problems(
        min_size=min_size,
        max_size=max_size,
        venue_name=first_venue,
        online_link=online_link,
        min_per_role=min_per_role,
        max_share_percent=max_share_percent,
    )
    if problems:
        problem_field, message = problems[0]
        if problem_field == "venue_name":
            problem_field = f"venue_name_{first}"
        raise DomainError(message, field=problem_field)
    if not facilitators or facilitators[0] is None:
        raise DomainError(_("Choose a facilitator."), field="facilitator_1")
    if len(facilitators) > 2:
        raise DomainError(_("A circle has one or two facilitators."), field="facilitator_2")
    if len(facilitators) == 2 and facilitators[0].pk == facilitators[1].pk:
        raise DomainError(
            _(
                "The same person is chosen twice: pick a different co-facilitator or leave it empty."
            ),
            field="facilitator_2",
        )
    for index, person in enumerate(facilitators, start=1):
        if not _has_role(initiative=initiative, user=person, role=Role.FACILITATOR):
            raise DomainError(
                _("Choose a team member with the facilitator role in this initiative."),
                field=f"facilitator_{index}",
            )
    if recorder is not None and not _has_role(
        initiative=initiative, user=recorder, role=Role.RECORDER
    ):
        raise DomainError(
            _("Choose a team member with the recorder role in this initiative."), field="recorder"
        )
    rules.update(make_rules(min_per_role=min_per_role, max_share_percent=max_share_percent))
    values = {
        "name": name.strip(),
        "guide": guide,
        "language": language,
        "min_size": min_size,
        "max_size": max_size,
        "time_slot": time_slot,
        "first_meeting_at": first_meeting_at,
        **text_columns,
        "venue_address": venue_address.strip(),
        "is_neutral_venue": is_neutral_venue,
        "is_accessible": is_accessible,
        "online_link": online_link.strip(),
        "rules": rules,
    }
    return values, facilitators


def _sync_staff(*, circle: Circle, facilitators: list, recorder) -> bool:
    """Make the circle's staff rows match; True if anything changed."""
    wanted = {(person.pk, CircleRole.FACILITATOR.value) for person in facilitators}
    if recorder is not None:
        wanted.add((recorder.pk, CircleRole.RECORDER.value))
    existing = {(row.user_id, row.role): row for row in CircleStaff.objects.filter(circle=circle)}
    stale = [row.pk for key, row in existing.items() if key not in wanted]
    if stale:
        CircleStaff.objects.filter(pk__in=stale).delete()
    new = [
        CircleStaff(circle=circle, user_id=user_id, role=role)
        for user_id, role in sorted(wanted - set(existing))
    ]
    CircleStaff.objects.bulk_create(new)
    return bool(stale or new)


@transaction.atomic
def circle_create(*, user, initiative: Initiative, recorder=None, **fields) -> Circle:
    """Create a circle with one or two facilitators and an optional recorder. `fields`: its
    settings, facilitators and the registration's time slots, as `_circle_values` takes them."""
    values, facilitators = _circle_values(
        initiative=initiative, circle=None, recorder=recorder, **fields
    )
    circle = Circle(initiative=initiative, **values)
    _validate(circle, exclude=["initiative"])
    _save(circle)
    _sync_staff(circle=circle, facilitators=facilitators, recorder=recorder)
    activity_record(initiative=initiative, actor=user, action="circle.created", target=circle)
    return circle


@transaction.atomic
def circle_update(*, user, circle: Circle, recorder=None, **fields) -> Circle:
    """Change a circle's settings and staff. `fields`: all its settings, facilitators and the
    registration's time slots, as `_circle_values` takes them (one left out takes its default).
    Minimums for role categories the form does not show are kept."""
    circle = Circle.objects.select_for_update().get(pk=circle.pk)
    initiative = circle.initiative
    values, facilitators = _circle_values(
        initiative=initiative, circle=circle, recorder=recorder, **fields
    )
    texts = {
        name: value for name, value in values.items() if name.rsplit("_", 1)[0] in CIRCLE_TEXTS
    }
    changed = [
        name
        for name, value in values.items()
        if name not in texts and getattr(circle, name) != value
    ] + changed_columns(circle, texts)
    was_accessible = circle_is_accessible(circle)
    for field_name, value in values.items():
        setattr(circle, field_name, value)
    if was_accessible and not circle_is_accessible(circle):
        _refuse_if_members_need_access(circle)
    _validate(circle, exclude=["initiative"])
    if changed:
        _save(circle, update_fields=with_originals(circle, [*changed, "updated_at"]))
    staff_changed = _sync_staff(circle=circle, facilitators=facilitators, recorder=recorder)
    if changed or staff_changed:
        activity_record(
            initiative=initiative,
            actor=user,
            action="circle.updated",
            target=circle,
            details={"fields": sorted(changed), "staff_changed": staff_changed},
        )
    return circle


def _refuse_if_members_need_access(circle: Circle) -> None:
    """A circle whose members asked for mobility access stays accessible: the same hard rule
    as the assignment and a move by hand, seen from the venue's side."""
    needing = sum(
        1
        for needs in CircleMember.objects.filter(circle=circle)
        .exclude(participant__status__in=SILENT_STATUSES)
        .values_list("participant__accessibility_needs", flat=True)
        if isinstance(needs, list) and MOBILITY in needs
    )
    if needing:
        raise DomainError(
            ngettext(
                "%(count)s member of this circle asked for mobility access: keep its venue "
                "accessible (or an online link), or move them to an accessible circle first.",
                "%(count)s members of this circle asked for mobility access: keep its venue "
                "accessible (or an online link), or move them to an accessible circle first.",
                needing,
            )
            % {"count": needing},
            field="is_accessible",
        )


@transaction.atomic
def circle_delete(*, user, circle: Circle) -> None:
    """Delete a circle that has no attendance or logs yet. Its members go back to the pool of
    confirmed people; its scheduled meetings go with it."""
    circle = Circle.objects.select_for_update().get(pk=circle.pk)
    if circle_has_records(circle):
        raise DomainError(
            _(
                "This circle has met: its attendance and session logs are kept, so it can't be "
                "deleted."
            )
        )
    initiative, circle_id, label = circle.initiative, circle.pk, str(circle)
    released = Participant.objects.filter(
        circle_membership__circle=circle, status=Status.ASSIGNED
    ).update(status=Status.CONFIRMED)
    members = CircleMember.objects.filter(circle=circle).count()
    circle.delete()
    circle.pk = circle_id
    activity_record(
        initiative=initiative,
        actor=user,
        action="circle.deleted",
        target=circle,
        label=label,
        details={"members": members, "released": released},
    )
