"""Writes of the team's participant pages: the registration settings (seats, role caps, the
lists people choose from) and the log of every look at personal data
(`personal_data_access_record`: the filters used, never a name or an email)."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from dialogue_hub import translated
from dialogue_hub.exceptions import DomainError
from initiatives.services import activity_record

from ..models import (
    Participant,
    RegistrationSettings,
    RoleCap,
    RoleCategory,
)
from ..selectors.staff import seats_taken_by_role
from . import registration

# --- services ----------------------------------------------------------------------------------


@transaction.atomic
def personal_data_access_record(
    *, initiative, user, action: str, target: Participant | None = None, details=None
) -> None:
    """Log that `user` looked at or exported personal data (filters only, no names)."""
    activity_record(
        initiative=initiative, actor=user, action=action, target=target, details=details or {}
    )


@dataclass
class SettingsOutcome:
    settings: RegistrationSettings
    promoted: int = 0
    over_cap: list = field(default_factory=list)  # role labels whose seats exceed the new cap
    over_total: bool = False


def _clean_list(values) -> list[str]:
    seen, result = set(), []
    for value in values or []:
        text = " ".join(str(value).split())
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            result.append(text[:100])
    return result


@transaction.atomic
def registration_settings_update(
    *, user, initiative, data: dict, caps: dict[str, int | None]
) -> SettingsOutcome:
    """Change how the initiative registers people. Lowering a cap below the seats already
    taken removes nobody (the outcome says so); a raised cap is filled from the waiting list."""
    row = registration.lock_settings(initiative)
    unknown = set(caps) - set(RoleCategory.values)
    if unknown:
        raise DomainError(_("Unknown role category."))
    for key in ("max_participants", *caps):
        value = data.get(key) if key == "max_participants" else caps[key]
        if value is not None and value < 0:
            raise DomainError(_("A cap cannot be negative."))
    changed = []
    values = {
        "is_open": bool(data.get("is_open")),
        "closes_on": data.get("closes_on"),
        "neighborhoods": _clean_list(data.get("neighborhoods")),
        "time_slots": _clean_list(data.get("time_slots")),
        "lived_experience_groups": _clean_list(data.get("lived_experience_groups")),
        "max_participants": data.get("max_participants"),
        "policy_version": (data.get("policy_version") or "").strip() or row.policy_version,
        # Each language's wording of the lists and its consent note (dialogue_hub/translated.py).
        **{
            key: value
            for key, value in data.items()
            if key.startswith(("option_labels_", "consent_note_"))
            and key.rsplit("_", 1)[1] in translated.LANGUAGE_CODES
        },
    }
    for key, value in values.items():
        current = getattr(row, key)
        if key.startswith(("option_labels_", "consent_note_")):  # untranslated: None
            current, value = current or None, value or None
        if current != value:
            setattr(row, key, value)
            changed.append(key)
    if changed:
        row.full_clean(exclude=["initiative"])
        row.save(update_fields=[*changed, "updated_at"])
    existing = {cap.role_category: cap for cap in RoleCap.objects.filter(initiative=initiative)}
    changed_caps = []
    for role, seats in caps.items():
        cap = existing.get(role)
        if seats is None and cap is not None:
            cap.delete()
            changed_caps.append(role)
        elif seats is not None and cap is None:
            RoleCap.objects.create(initiative=initiative, role_category=role, seats=seats)
            changed_caps.append(role)
        elif seats is not None and cap.seats != seats:
            cap.seats = seats
            cap.save(update_fields=["seats", "updated_at"])
            changed_caps.append(role)
    outcome = SettingsOutcome(settings=row)
    if changed or changed_caps:
        activity_record(
            initiative=initiative,
            actor=user,
            action="registration.settings_changed",
            details={"fields": changed, "caps": changed_caps},
        )
        outcome.promoted = len(registration.waitlist_promote(initiative=initiative))
    taken = seats_taken_by_role(initiative=initiative)
    labels = dict(RoleCategory.choices)
    outcome.over_cap = [
        str(labels[role])
        for role, seats in caps.items()
        if seats is not None and taken.get(role, 0) > seats
    ]
    if row.max_participants is not None:
        outcome.over_total = sum(taken.values()) > row.max_participants
    return outcome
