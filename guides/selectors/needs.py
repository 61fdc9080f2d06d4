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

from django.db import connection
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dialogue_hub.privacy import shown_count
from initiatives import cache as initiative_cache
from participants.models import AccessibilityNeed, Participant

from ..assignment.loading import venue_is_accessible
from ..assignment.messages import language_label
from ..models import (
    Circle,
    CircleMember,
    CircleSession,
    MeetingExcusal,
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


# `len(MeetingNeeds.unarranged)` summed per initiative over its meetings in a window, in one
# pass of the database: each member's answers unnested into rows (the JSON functions differ
# between PostgreSQL and SQLite: `_ITEMS`), kept as in `needs_of` and `_less` (people who take
# part and did not say they can't make the meeting; interpretation keyed by the person's
# language when it is not the circle's), one row per meeting and (need, language) however many
# people have it, then those arranged left out (mobility access: those the venue gives). Only
# a count per initiative comes back, however many members. Raw SQL because the ORM has no
# join on a JSON list's items nor an aggregate over grouped rows.
_UNARRANGED_SQL = """
SELECT found.initiative_id, COUNT(*)
FROM (
    SELECT DISTINCT circle.initiative_id, meeting.id AS meeting_id, item.value AS need,
        CASE WHEN item.value = %s THEN person.preferred_language ELSE ''
        END AS language,
        (circle.is_accessible OR (circle.online_link <> '' AND circle.venue_name = ''
            AND circle.venue_address = '')) AS accessible
    FROM {meeting} meeting
    JOIN {circle} circle ON circle.id = meeting.circle_id
    JOIN {member} member ON member.circle_id = meeting.circle_id
    JOIN {person} person ON person.id = member.participant_id
    CROSS JOIN {items} AS item
    WHERE circle.initiative_id IN ({initiatives})
        AND person.initiative_id IN ({initiatives}) AND {asked}
        AND meeting.status = %s
        AND meeting.starts_at > %s AND meeting.starts_at <= %s
        AND person.status NOT IN ({silent})
        AND item.value IN ({needs})
        AND (item.value <> %s OR (person.preferred_language <> ''
            AND person.preferred_language <> circle.language))
        AND NOT EXISTS (
            SELECT 1 FROM {excusal} excusal
            WHERE excusal.meeting_id = meeting.id AND excusal.participant_id = person.id
        )
) AS found
LEFT JOIN {arrangement} arrangement ON arrangement.meeting_id = found.meeting_id
    AND arrangement.need = found.need AND arrangement.language = found.language
WHERE CASE WHEN found.need = %s THEN NOT found.accessible ELSE arrangement.id IS NULL END
GROUP BY found.initiative_id
"""
# The items of a JSON list as rows with a `value` column (a value that is not a list: none).
_ITEMS = {
    "postgresql": "jsonb_array_elements_text(CASE WHEN jsonb_typeof(person.accessibility_needs)"
    " = 'array' THEN person.accessibility_needs ELSE '[]'::jsonb END)",
    "sqlite": "json_each(CASE WHEN json_type(person.accessibility_needs) = 'array'"
    " THEN person.accessibility_needs ELSE '[]' END)",
}


# The people who asked for anything, as participant_with_needs_idx (participants/models.py)
# says it, so that the planner reads only them through it.
_ASKED = {
    "postgresql": "NOT (person.accessibility_needs = '[]'::jsonb)",
    "sqlite": "NOT (person.accessibility_needs = '[]')",
}


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def _unarranged_counts(initiative_ids, start: datetime, end: datetime) -> dict[int, int]:
    """{initiative id: needs not arranged of its meetings starting in (start, end]} (one
    query; an initiative with none is left out)."""
    tables = {
        "meeting": CircleSession,
        "circle": Circle,
        "member": CircleMember,
        "person": Participant,
        "excusal": MeetingExcusal,
        "arrangement": NeedArrangement,
    }
    initiative_ids = list(initiative_ids)
    if not initiative_ids:
        return {}
    silent = [str(status) for status in SILENT_STATUSES]
    sql = _UNARRANGED_SQL.format(
        items=_ITEMS[connection.vendor],
        asked=_ASKED[connection.vendor],
        initiatives=_placeholders(initiative_ids),
        silent=_placeholders(silent),
        needs=_placeholders(ORDER),
        **{name: connection.ops.quote_name(model._meta.db_table) for name, model in tables.items()},
    )
    # In the order the placeholders come in the query.
    params = [
        INTERPRETATION,
        *initiative_ids,
        *initiative_ids,
        MeetingStatus.SCHEDULED.value,
        connection.ops.adapt_datetimefield_value(start),
        connection.ops.adapt_datetimefield_value(end),
        *silent,
        *ORDER,
        INTERPRETATION,
        MOBILITY,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


@dataclass(frozen=True)
class _Unarranged:
    """An initiative's count of needs not arranged, right for any moment in [since, until):
    until the first meeting in the window starts (it leaves the window) or the next one after
    the window comes within 7 days (it enters), whichever is first. None: no such meeting."""

    count: int
    since: datetime
    until: datetime | None

    def holds_at(self, now: datetime) -> bool:
        return self.since <= now and (self.until is None or now < self.until)


def _unarranged_by_initiative(initiative_ids, now: datetime) -> dict[int, _Unarranged]:
    """Two queries for any number of initiatives and members (one when none has a meeting in
    the next 7 days): the moments the window's meetings change, then the counts."""
    end = now + timedelta(days=UPCOMING_DAYS)
    window = Q(starts_at__lte=end)
    bounds = (
        CircleSession.objects.filter(
            circle__initiative_id__in=list(initiative_ids),
            status=MeetingStatus.SCHEDULED,
            starts_at__gt=now,
        )
        .order_by()
        .values("circle__initiative_id")
        .annotate(leaves=Min("starts_at", filter=window), enters=Min("starts_at", filter=~window))
        .values_list("circle__initiative_id", "leaves", "enters")
    )
    until, upcoming = {}, []
    for initiative_id, leaves, enters in bounds:
        moments = [leaves, enters and enters - timedelta(days=UPCOMING_DAYS)]
        until[initiative_id] = min((m for m in moments if m), default=None)
        if leaves:
            upcoming.append(initiative_id)
    counts = _unarranged_counts(upcoming, now, end)
    return {pk: _Unarranged(counts.get(pk, 0), now, until.get(pk)) for pk in initiative_ids}


def needs_attention(initiative_ids, *, now: datetime | None = None) -> dict[int, list[str]]:
    """For the organizer's home and the initiative page ("Needs attention"): per initiative, how
    many needs of its meetings in the next 7 days are not arranged yet (what `meeting_needs`
    lists as unarranged). Registered in initiatives.selectors.ATTENTION_PROVIDERS.

    Kept per initiative version (initiatives/cache.py: arranging, an excusal, an answer, a
    move or a meeting change all log a change) and computed again once a meeting leaves or
    enters the 7 days, so never stale; cold, two queries for any number of initiatives."""
    now = now or timezone.now()
    ids = list(initiative_ids)
    kept = initiative_cache.cached_many(
        ids,
        "needs-unarranged",
        lambda missing: _unarranged_by_initiative(missing, now),
        fresh=lambda value: value.holds_at(now),
        # Needs of circle members: someone who just registered is in no circle yet.
        registrations=initiative_cache.UNAFFECTED,
    )
    counts = {initiative_id: value.count for initiative_id, value in kept.items()}
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
