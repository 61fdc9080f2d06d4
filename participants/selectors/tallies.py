"""The inclusion dashboard's counts per (dimension, value): how many people of an initiative,
withdrawn ones aside, count in each group.

On PostgreSQL they are kept as rows change, by the triggers of migration 0009 (model
`InclusionTally`): reading them is one query of a few dozen rows whatever the number of people,
so the dashboard stays cheap when a registration has just made its cached copy stale (during a
recruitment drive, most of the time). Elsewhere (SQLite: `make run`, `make test`) `counted`
computes the same counts with queries over the registrations; the PostgreSQL tests check the
triggers against it after every kind of change (tests/participants/test_inclusion_tallies.py).

Values are as stored: "" for "not given" or (race, lived experience) "not answered or preferred
not to say"; a referring partner's membership id as text, "" for none; a week as its Monday
(YYYY-MM-DD, in the initiative's time zone). For the multi-select answers a person counts once
in each distinct value they chose, or once in "" (the rules of selectors/inclusion.py
`_race_groups` and `_lived_groups`, read for the groups the dashboard lists).
"""

import zoneinfo

from django.db import connection
from django.db.models import BooleanField, Count, DateField, ExpressionWrapper, Q
from django.db.models.functions import TruncWeek

from initiatives.models import Initiative

from ..models import InclusionTally, Participant, RaceEthnicity, Status

# Registration columns tallied as they are, under the tally's dimension names.
COLUMNS = {
    "role_category": "role_category",
    "age_band": "age_band",
    "language": "preferred_language",
    "neighborhood": "neighborhood",
    "how_heard": "how_heard",
    "partner": "partner_id",
}
NOT_ANSWERED = ""
# The advisory lock's first key (the second: the initiative's id), as migration 0009's triggers
# take it: see `initiative_lock`.
LOCK_NAMESPACE = 31249
RACE = "demographics__race_ethnicity"
LIVED = "demographics__lived_experience"
LIVED_PREFER_NOT = "demographics__lived_experience_prefer_not"


def initiative_lock(initiative_id: int) -> None:
    """Hold the initiative's tally lock until the transaction ends (PostgreSQL; nothing
    elsewhere). The triggers take it before writing the initiative's tallies; a service that
    locks other rows of the initiative first (the registration settings row) takes it before
    them, so that it never waits for a row held by a writer that waits for this lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, initiative_id])


def tallies(initiative: Initiative) -> dict[str, dict[str, int]]:
    """{dimension: {value: people}}, groups with nobody left out. One query."""
    if connection.vendor != "postgresql":
        return counted(initiative)
    result = {}
    rows = InclusionTally.objects.filter(initiative=initiative, n__gt=0).values_list(
        "dimension", "value", "n"
    )
    for dimension, value, n in rows:
        result.setdefault(dimension, {})[value] = n
    return result


def counted(initiative: Initiative) -> dict[str, dict[str, int]]:
    """`tallies` computed from the registrations: one query grouping every one of the
    initiative's registrations by everything tallied, summed per dimension here."""
    tz = zoneinfo.ZoneInfo(initiative.timezone)
    rows = (
        Participant.objects.filter(initiative=initiative)
        .exclude(status=Status.WITHDRAWN)
        .values(
            *COLUMNS.values(),
            RACE,
            LIVED,
            LIVED_PREFER_NOT,
            week=TruncWeek("created_at", tzinfo=tz, output_field=DateField()),
            answered=ExpressionWrapper(Q(demographics__isnull=False), output_field=BooleanField()),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    result = {dimension: {} for dimension in [*COLUMNS, "week", "race", "lived"]}
    for row in rows:
        facts = [
            *((dimension, _text(row[column])) for dimension, column in COLUMNS.items()),
            ("week", row["week"].isoformat()),
            *(("race", value) for value in _race_values(row)),
            *(("lived", value) for value in _lived_values(row)),
        ]
        for dimension, value in facts:
            counts = result[dimension]
            counts[value] = counts.get(value, 0) + row["n"]
    return result


def _text(value) -> str:
    return "" if value is None else str(value)[:200]


def _race_values(row) -> list[str]:
    answers = row[RACE]
    if (
        not row["answered"]
        or answers == []
        or (isinstance(answers, list) and RaceEthnicity.PREFER_NOT in answers)
    ):
        return [NOT_ANSWERED]
    return _distinct_texts(answers)


def _lived_values(row) -> list[str]:
    answers = row[LIVED]
    if not row["answered"] or row[LIVED_PREFER_NOT] or answers == []:
        return [NOT_ANSWERED]
    return _distinct_texts(answers)


def _distinct_texts(answers) -> list[str]:
    if not isinstance(answers, list):
        return []
    return list(dict.fromkeys(str(a)[:200] for a in answers if isinstance(a, str)))
