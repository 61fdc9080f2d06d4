"""How mixed an assignment's circles are: the one measure the improvement pass, the property
test and the quality bench (bench/assignment_quality.py) all use. Pure Python, no database.

Per attribute (role, age band, neighborhood, race/ethnicity), summed over the circles with
members and over the attribute's values: |count(circle, value) − share(value) × answered(circle)|,
where share is the value's share among everybody who answered (placed or not, fixed members
included) and answered(circle) is how many of the circle's members answered. A person who gave
several races counts 1/len for each; "not answered" and "prefer not to say" count for nothing.

`shortfall` counts the people missing from circles below their smallest size; `role_gaps`
counts the circles short of a role minimum (e.g. "at least one sworn officer", "at
least two young people") where enough people of that role fit the circle to meet it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .model import NOT_ANSWERED, CircleSpec, Person, fits, parse_rules

ATTRIBUTES = ("role", "age_band", "neighborhood", "race")


def person_values(person: Person) -> tuple[tuple[str, ...], ...]:
    """The person's value(s) per attribute (in ATTRIBUTES order); empty where not answered."""
    age = () if person.age_band in NOT_ANSWERED else (person.age_band,)
    hood = () if not person.neighborhood else (person.neighborhood,)
    race = tuple(sorted({r for r in person.race if r not in NOT_ANSWERED}))
    return ((person.role,), age, hood, race)


def population_shares(values: Iterable[tuple[tuple[str, ...], ...]]) -> list[dict[str, float]]:
    """Per attribute, each value's share among the people who answered."""
    counts: list[dict[str, float]] = [{} for _ in ATTRIBUTES]
    totals = [0] * len(ATTRIBUTES)
    for person_values_ in values:
        for d, vals in enumerate(person_values_):
            if not vals:
                continue
            totals[d] += 1
            weight = 1.0 / len(vals)
            for value in vals:
                counts[d][value] = counts[d].get(value, 0.0) + weight
    return [
        {key: counts[d][key] / totals[d] for key in sorted(counts[d])} if totals[d] else {}
        for d in range(len(ATTRIBUTES))
    ]


def _members(
    people: Sequence[Person],
    placements: Mapping[int, int],
    locked_members: Mapping[int, Sequence[Person]] | None,
) -> dict[int, list[Person]]:
    by_id = {p.id: p for p in people}
    members: dict[int, list[Person]] = {}
    for circle_id in sorted(locked_members or {}):
        for person in (locked_members or {})[circle_id]:
            members.setdefault(circle_id, []).append(person)
    for person_id, circle_id in sorted(placements.items()):
        members.setdefault(circle_id, []).append(by_id[person_id])
    return members


def deviation(
    people: Sequence[Person],
    placements: Mapping[int, int],
    locked_members: Mapping[int, Sequence[Person]] | None = None,
) -> dict[str, float]:
    """Per attribute, the total absolute deviation of the circles from their fair shares."""
    fixed = [p for members in (locked_members or {}).values() for p in members]
    fixed_ids = {p.id for p in fixed}
    population = [p for p in people if p.id not in fixed_ids] + fixed
    shares = population_shares(person_values(p) for p in population)
    totals = dict.fromkeys(ATTRIBUTES, 0.0)
    for circle_members in _members(people, placements, locked_members).values():
        counts: list[dict[str, float]] = [{} for _ in ATTRIBUTES]
        answered = [0] * len(ATTRIBUTES)
        for person in circle_members:
            for d, vals in enumerate(person_values(person)):
                if not vals:
                    continue
                answered[d] += 1
                for value in vals:
                    counts[d][value] = counts[d].get(value, 0.0) + 1.0 / len(vals)
        for d, name in enumerate(ATTRIBUTES):
            totals[name] += sum(
                abs(counts[d].get(value, 0.0) - share * answered[d])
                for value, share in shares[d].items()
            )
    return {name: round(value, 6) for name, value in totals.items()}


def role_gaps(
    people: Sequence[Person],
    circles: Sequence[CircleSpec],
    placements: Mapping[int, int],
    locked_members: Mapping[int, Sequence[Person]] | None = None,
) -> int:
    """Circles with members, short of a role minimum although enough people of that role fit
    the circle to meet it (placed anywhere or not)."""
    members = _members(people, placements, locked_members)
    gaps = 0
    for circle in sorted(circles, key=lambda c: c.id):
        inside = members.get(circle.id)
        if not inside:
            continue
        needs, _share = parse_rules(circle.rules)
        for role, minimum in needs.items():
            have = sum(1 for p in inside if p.role == role)
            if have >= minimum:
                continue
            supply = sum(1 for p in people if p.role == role and fits(p, circle))
            if supply >= minimum:
                gaps += 1
    return gaps


def shortfall(
    circles: Sequence[CircleSpec],
    placements: Mapping[int, int],
    locked_members: Mapping[int, Sequence[Person]] | None = None,
) -> int:
    """People missing from circles with members below their smallest size, in all."""
    sizes: dict[int, int] = {}
    for circle_id, members in (locked_members or {}).items():
        sizes[circle_id] = sizes.get(circle_id, 0) + len(members)
    for circle_id in placements.values():
        sizes[circle_id] = sizes.get(circle_id, 0) + 1
    return sum(
        max(0, c.min_size - sizes[c.id]) for c in circles if sizes.get(c.id, 0) and not c.locked
    )
