"""Writes for community benchmarks and inclusion targets, and the log entry of a dashboard export.

Each service is atomic, validates before saving and records the activity log in the same
transaction. Refusals are DomainError with the field they concern.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from initiatives.models import Initiative
from initiatives.services import activity_record

from ..models import Dimension, InclusionTarget
from ..selectors.inclusion import group_choices, registration_lists

TARGET_FIELDS = [
    "dimension",
    "group",
    "community_share",
    "source",
    "source_year",
    "target_count",
    "target_share",
]


def _label(target: InclusionTarget) -> str:
    neighborhoods, lived = registration_lists(target.initiative)
    groups = dict(
        group_choices(target.dimension, neighborhoods=neighborhoods, lived_experience=lived)
    )
    return f"{Dimension(target.dimension).label}: {groups.get(target.group, target.group)}"


def _check(target: InclusionTarget, *, exclude_pk=None) -> None:
    if target.dimension not in Dimension.values:
        raise DomainError(_("Choose a dimension from the list."), field="dimension")
    neighborhoods, lived = registration_lists(target.initiative)
    allowed = {
        key
        for key, _label in group_choices(
            target.dimension, neighborhoods=neighborhoods, lived_experience=lived
        )
    }
    if target.group not in allowed and target.pk is None:
        raise DomainError(_("Choose a group from the list."), field="group")
    if target.target_count is not None and target.target_share is not None:
        raise DomainError(
            _("Give the target as a number of people or as a percent, not both."),
            field="target_share",
        )
    for name in ("community_share", "target_share"):
        value = getattr(target, name)
        if value is not None and not Decimal(0) <= value <= Decimal(1):
            raise DomainError(_("A percent is between 0 and 100."), field=name)
    duplicates = InclusionTarget.objects.filter(
        initiative=target.initiative, dimension=target.dimension, group=target.group
    )
    if exclude_pk is not None:
        duplicates = duplicates.exclude(pk=exclude_pk)
    if duplicates.exists():
        raise DomainError(
            _("This group already has a benchmark and target: edit that one instead."),
            field="group",
        )
    try:
        target.full_clean(exclude=["initiative"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field = next(iter(exc.message_dict), None)
        messages = [message for errors in exc.message_dict.values() for message in errors]
        raise DomainError(" ".join(messages), field=field) from exc


def _save(target: InclusionTarget, **save_kwargs) -> None:
    try:
        with transaction.atomic():
            target.save(**save_kwargs)
    except IntegrityError as exc:  # a concurrent save of the same group
        raise DomainError(
            _("This group already has a benchmark and target: edit that one instead."),
            field="group",
        ) from exc


@transaction.atomic
def inclusion_target_create(
    *,
    user,
    initiative: Initiative,
    dimension: str,
    group: str,
    community_share: Decimal | None = None,
    source: str = "",
    source_year: int | None = None,
    target_count: int | None = None,
    target_share: Decimal | None = None,
) -> InclusionTarget:
    """Add a community benchmark and/or target for one group (shares are fractions 0–1)."""
    target = InclusionTarget(
        initiative=initiative,
        dimension=dimension,
        group=group,
        community_share=community_share,
        source=source.strip(),
        source_year=source_year,
        target_count=target_count,
        target_share=target_share,
    )
    _check(target)
    _save(target)
    activity_record(
        initiative=initiative,
        actor=user,
        action="target.created",
        target=target,
        label=_label(target),
    )
    return target


@transaction.atomic
def inclusion_target_update(*, user, target: InclusionTarget, data: dict) -> InclusionTarget:
    """Change a benchmark/target. `data` may hold any of TARGET_FIELDS except the dimension."""
    locked = InclusionTarget.objects.select_for_update().get(pk=target.pk)
    changed = []
    for name in TARGET_FIELDS:
        if name == "dimension" or name not in data:
            continue
        value = data[name]
        if name == "source":
            value = (value or "").strip()
        if getattr(locked, name) != value:
            setattr(locked, name, value)
            changed.append(name)
    if "group" in changed:
        # A new group must be one of the current list (the old one may have left the list).
        locked.pk, pk = None, locked.pk
        try:
            _check(locked, exclude_pk=pk)
        finally:
            locked.pk = pk
    else:
        _check(locked, exclude_pk=locked.pk)
    if changed:
        _save(locked, update_fields=[*changed, "updated_at"])
        activity_record(
            initiative=locked.initiative,
            actor=user,
            action="target.updated",
            target=locked,
            label=_label(locked),
            details={"fields": changed},
        )
    for name in TARGET_FIELDS:
        setattr(target, name, getattr(locked, name))
    return locked


@transaction.atomic
def inclusion_target_delete(*, user, target: InclusionTarget) -> None:
    label = _label(target)
    activity_record(
        initiative=target.initiative,
        actor=user,
        action="target.deleted",
        target=target,
        label=label,
    )
    target.delete()


@transaction.atomic
def inclusion_export_record(*, user, initiative: Initiative) -> None:
    """Log a download of the dashboard's CSV (aggregates only, but exports are always logged)."""
    activity_record(initiative=initiative, actor=user, action="inclusion.exported")
