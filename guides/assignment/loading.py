"""Loading from the database: `Person`s and `CircleSpec`s from participants and circles."""

from __future__ import annotations

from collections.abc import Mapping

from participants.models import AccessibilityNeed

from ..models import Circle
from .model import CircleSpec, Person

INTERPRETATION = AccessibilityNeed.INTERPRETATION.value
MOBILITY = AccessibilityNeed.MOBILITY.value

PERSON_FIELDS = (
    "pk",
    "preferred_language",
    "availability",
    "role_category",
    "age_band",
    "neighborhood",
    "accessibility_needs",
    "demographics__race_ethnicity",
)


def strings(value) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(sorted({str(item) for item in value if item is not None}))


def person_from_row(row: Mapping) -> Person:
    """A Person from a Participant.values(*PERSON_FIELDS) row (JSON fields read defensively)."""
    needs = strings(row["accessibility_needs"])
    return Person(
        id=row["pk"],
        language=row["preferred_language"] or "",
        availability=strings(row["availability"]),
        role=row["role_category"] or "",
        age_band=row["age_band"] or "",
        neighborhood=row["neighborhood"] or "",
        race=strings(row["demographics__race_ethnicity"]),
        needs_interpretation=INTERPRETATION in needs,
        needs_mobility=MOBILITY in needs,
    )


def circle_is_accessible(circle: Circle) -> bool:
    """Whether someone who needs step-free access can join: its venue is marked accessible, or
    it meets online only (no venue: joined from home). A circle that meets at a venue and also
    has an online link is not, unless the venue is marked: nobody is sent to join from home
    while the others meet in the room."""
    return venue_is_accessible(
        is_accessible=circle.is_accessible,
        online_link=circle.online_link,
        venue_name=circle.venue_name,
        venue_address=circle.venue_address,
    )


def venue_is_accessible(*, is_accessible, online_link, venue_name, venue_address) -> bool:
    """`circle_is_accessible` from a circle's fields (as a grouped query returns them)."""
    return bool(is_accessible or (online_link and not venue_name and not venue_address))


def circle_spec(circle: Circle) -> CircleSpec:
    return CircleSpec(
        id=circle.pk,
        name=circle.name,
        language=circle.language,
        time_slot=circle.time_slot,
        min_size=circle.min_size,
        max_size=circle.max_size,
        rules=circle.rules if isinstance(circle.rules, dict) else {},
        locked=circle.is_locked,
        accessible=circle_is_accessible(circle),
    )
