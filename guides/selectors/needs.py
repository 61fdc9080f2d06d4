"""Reads of what circles and meetings need so that everyone can take part: interpretation by
language, childcare, transport, mobility access and other needs, counted from the members'
registration answers, and for each meeting which of them are arranged.

Nothing about a need is copied when someone is placed: the totals are counted from the answers
each time (one grouped query for any number of circles), so a need answered after placement
reaches its circle at once, and a person who withdraws leaves the totals. Who may see what
(guides/permissions.py `sees_individual_needs`): organizers and the circle's staff see each
person's needs; anyone else who sees the circle sees the totals, small counts suppressed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dialogue_hub.privacy import shown_count
from participants.models import AccessibilityNeed, Participant

from ..assignment.loading import venue_is_accessible
from ..assignment.messages import language_label
from ..models import (
    CircleMember,
    CircleSession,
    MeetingStatus,
    NeedArrangement,
)
from .participant import counting_excusals
from .reminders import SILENT_STATUSES

INTERPRETATION = AccessibilityNeed.INTERPRETATION.value
MOBILITY = AccessibilityNeed.MOBILITY.value
# The order needs are listed in; mobility access is met by the venue (a hard rule of the
# assignment and of every move), so it is shown but never waits to be arranged.
ORDER = list(AccessibilityNeed.values)
UPCOMING_DAYS = 7
# The circle's fields that say whether it is accessible (guides/assignment/loading.py).
ACCESS_FIELDS = ("is_accessible", "online_link", "venue_name", "venue_address")


@dataclass(frozen=True)
class Need:
    """One need of a circle: how many of its members have it. `language` is the interpreter's
    (the members' own language) for interpretation, blank for the others."""

    need: str
    language: str
    count: int
    # Mobility access in a circle that is not accessible (someone asked after they were placed,
    # or the venue changed): not met, and nothing to mark arranged, the person or the venue
    # has to change.
    access_missing: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.need, self.language)

    @property
    def label(self) -> str:
        if self.need == INTERPRETATION:
            return _("Interpreter: %(language)s") % {"language": language_label(self.language)}
        return str(AccessibilityNeed(self.need).label)

    @property
    def arrangeable(self) -> bool:
        return self.need != MOBILITY

    @property
    def shown_count(self) -> int | None:
        """The count for readers who may not see individuals: None when it is small."""
        return shown_count(self.count)


@dataclass
class MeetingNeeds:
    """A meeting's needs and which are arranged (`arranged`: need key -> NeedArrangement)."""

    meeting: CircleSession
    needs: list[Need]
    arranged: dict[tuple[str, str], NeedArrangement] = field(default_factory=dict)

    @property
    def rows(self) -> list[tuple[Need, NeedArrangement | None]]:
        return [(need, self.arranged.get(need.key)) for need in self.needs]

    @property
    def unarranged(self) -> list[Need]:
        """What still needs doing: needs not marked arranged, and mobility access the venue
        does not give."""
        return [
            n
            for n in self.needs
            if n.access_missing or (n.arrangeable and n.key not in self.arranged)
        ]


def needs_of(participant_needs, *, language: str, circle_language: str) -> list[tuple[str, str]]:
    """The (need, language) keys one person brings to a circle: interpretation only when the
    circle is held in another language than theirs."""
    if not isinstance(participant_needs, list | tuple):
        return []
    keys = []
    for value in sorted({str(v) for v in participant_needs if v in AccessibilityNeed.values}):
        if value == INTERPRETATION:
            if language and language != circle_language:
                keys.append((value, language))
        else:
            keys.append((value, ""))
    return keys


def _sorted(counts: dict[tuple[str, str], int]) -> list[Need]:
    return [
        Need(need, language, count)
        for (need, language), count in sorted(
            counts.items(), key=lambda item: (ORDER.index(item[0][0]), item[0][1])
        )
        if count
    ]


def _grouped_needs(rows, *, by: str, circle: str) -> tuple[dict, set]:
    """({`by` id: {(need, language): people}}, the `by` ids whose circle is not accessible) from
    rows that reach a participant (`participant`) and a circle (the lookup `circle`): one query
    grouped by id, languages and answers, so it returns a bounded number of rows however many
    people, folded here."""
    grouped = (
        rows.exclude(participant__status__in=SILENT_STATUSES)
        .order_by()
        .values(
            by,
            f"{circle}__language",
            *(f"{circle}__{name}" for name in ACCESS_FIELDS),
            "participant__preferred_language",
            "participant__accessibility_needs",
        )
        .annotate(n=Count("pk"))
    )
    counts: dict[int, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    inaccessible = set()
    for row in grouped:
        if not venue_is_accessible(**{name: row[f"{circle}__{name}"] for name in ACCESS_FIELDS}):
            inaccessible.add(row[by])
        for key in needs_of(
            row["participant__accessibility_needs"],
            language=row["participant__preferred_language"],
            circle_language=row[f"{circle}__language"],
        ):
            counts[row[by]][key] += row["n"]
    return counts, inaccessible


def circle_needs(circle_ids: Iterable[int]) -> dict[int, list[Need]]:
    """circle id -> its needs, in one query (the members' answers, grouped). Mobility access in a
    circle that is not accessible is marked `access_missing`."""
    circle_ids = list(circle_ids)
    if not circle_ids:
        return {}
    counts, inaccessible = _grouped_needs(
        CircleMember.objects.filter(circle_id__in=circle_ids), by="circle_id", circle="circle"
    )
    return {
        circle_id: [
            replace(need, access_missing=True)
            if need.need == MOBILITY and circle_id in inaccessible
            else need
            for need in _sorted(counts.get(circle_id, {}))
        ]
        for circle_id in circle_ids
    }


def _excused_needs(meeting_ids: list[int]) -> dict[int, dict[tuple[str, str], int]]:
    """meeting id -> the needs of the members who said they can't make it (one query): they are
    left out of that meeting's totals."""
    if not meeting_ids:
        return {}
    counts, _inaccessible = _grouped_needs(
        counting_excusals(meeting_ids), by="meeting_id", circle="meeting__circle"
    )
    return counts


def _less(needs: list[Need], excused: dict[tuple[str, str], int]) -> list[Need]:
    """`needs` without those of the people excused (each need keeps what else it says)."""
    if not excused:
        return needs
    left = [replace(need, count=need.count - excused.get(need.key, 0)) for need in needs]
    return [need for need in left if need.count > 0]


def meeting_needs(meetings: Iterable[CircleSession]) -> dict[int, MeetingNeeds]:
    """meeting id -> its needs and arrangements, leaving out the people excused in advance from
    that meeting. Three queries for any number of meetings."""
    meetings = list(meetings)
    totals = circle_needs({m.circle_id for m in meetings})
    excused = _excused_needs([m.pk for m in meetings])
    arranged: dict[int, dict] = defaultdict(dict)
    for arrangement in NeedArrangement.objects.filter(
        meeting__in=[m.pk for m in meetings]
    ).select_related("arranged_by"):
        arranged[arrangement.meeting_id][(arrangement.need, arrangement.language)] = arrangement
    return {
        m.pk: MeetingNeeds(
            m, _less(totals.get(m.circle_id, []), excused.get(m.pk, {})), arranged.get(m.pk, {})
        )
        for m in meetings
    }


@dataclass(frozen=True)
class PersonNeeds:
    """One member and what they asked for (for organizers and the circle's staff only)."""

    participant: Participant
    needs: list[Need]
    other: str


def people_needs(*, circle) -> list[PersonNeeds]:
    """The circle's members who asked for something, with what (one query)."""
    members = (
        Participant.objects.filter(circle_membership__circle=circle)
        .exclude(status__in=SILENT_STATUSES)
        .only("pk", "name", "preferred_language", "accessibility_needs", "accessibility_other")
        .order_by("name", "pk")
    )
    people = []
    for person in members:
        keys = needs_of(
            person.accessibility_needs,
            language=person.preferred_language,
            circle_language=circle.language,
        )
        if keys:
            people.append(
                PersonNeeds(
                    person,
                    _sorted(dict.fromkeys(keys, 1)),
                    person.accessibility_other if (AccessibilityNeed.OTHER, "") in keys else "",
                )
            )
    return people


def needs_attention(initiative_ids, *, now: datetime | None = None) -> dict[int, list[str]]:
    """For the organizer's home and the initiative page ("Needs attention"): per initiative, how
    many needs of its meetings in the next 7 days are not arranged yet. Three queries for any
    number of initiatives (registered in initiatives.selectors.ATTENTION_PROVIDERS)."""
    now = now or timezone.now()
    meetings = (
        CircleSession.objects.filter(
            circle__initiative_id__in=list(initiative_ids),
            status=MeetingStatus.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(days=UPCOMING_DAYS),
        )
        .select_related("circle")
        .only("pk", "circle_id", "starts_at", "circle__initiative_id")
        .order_by()
    )
    counts: dict[int, int] = defaultdict(int)
    for item in meeting_needs(meetings).values():
        counts[item.meeting.circle.initiative_id] += len(item.unarranged)
    return {
        initiative_id: [
            ngettext(
                "%(count)s need of a meeting in the next 7 days is not arranged yet "
                "(interpretation, childcare, transport or another): see the meeting sheets.",
                "%(count)s needs of meetings in the next 7 days are not arranged yet "
                "(interpretation, childcare, transport or others): see the meeting sheets.",
                count,
            )
            % {"count": count}
        ]
        for initiative_id, count in counts.items()
        if count
    }
