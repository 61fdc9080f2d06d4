"""The assignment benchmark: a made-up population (seeded, so always the same) and the time
`guides.assignment.assign` takes to place 5,000 people into 450 circles (bench/pages.py step 4).
The tests of the algorithm use the same population."""

from __future__ import annotations

import random
import time
from dataclasses import replace

from guides.assignment import CircleSpec, Person, assign
from participants.models import RaceEthnicity, RoleCategory

SYNTHETIC_SLOTS = (
    "Monday evening",
    "Tuesday evening",
    "Wednesday evening",
    "Thursday evening",
    "Saturday morning",
    "Sunday afternoon",
)
SYNTHETIC_HOODS = ("Eastside", "Northgate", "Southbank", "Downtown", "Riverside", "Hilltop")
SYNTHETIC_AGES = ("13_17", "18_24", "25_34", "35_44", "45_54", "55_64", "65_plus", "prefer_not")
SYNTHETIC_RACES = [r.value for r in RaceEthnicity]


def synthetic_population(
    n_people: int,
    n_circles: int,
    *,
    seed: int = 1,
    pair_share: float = 0.03,
    mobility_share: float = 0.0,
    accessible_share: float = 0.5,
) -> tuple[list[Person], list[CircleSpec], list[tuple[int, int]]]:
    """A made-up population (seeded, so always the same) for tests and the benchmark.

    `mobility_share` of the people asked for mobility access and `accessible_share` of the
    circles are accessible; both are drawn from a generator of their own, so the rest of the
    population is the same whatever they are."""
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    roles = [
        (RoleCategory.RESIDENT.value, 50),
        (RoleCategory.YOUNG_PERSON.value, 15),
        (RoleCategory.SWORN_OFFICER.value, 10),
        (RoleCategory.POLICE_STAFF.value, 3),
        (RoleCategory.FAITH_LEADER.value, 5),
        (RoleCategory.COMMUNITY_ORGANIZATION.value, 7),
        (RoleCategory.EDUCATOR.value, 5),
        (RoleCategory.ELECTED_OFFICIAL.value, 2),
        (RoleCategory.BUSINESS.value, 3),
    ]
    role_names = [r for r, _w in roles]
    role_weights = [w for _r, w in roles]
    people = []
    for i in range(n_people):
        language = "es" if rng.random() < 0.2 else "en"
        availability = tuple(sorted(rng.sample(SYNTHETIC_SLOTS, rng.randint(1, 3))))
        race = () if rng.random() < 0.3 else tuple(sorted(rng.sample(SYNTHETIC_RACES[:-1], 1)))
        people.append(
            Person(
                id=i + 1,
                language=language,
                availability=availability,
                role=rng.choices(role_names, role_weights)[0],
                age_band=rng.choice(SYNTHETIC_AGES),
                neighborhood=rng.choice(SYNTHETIC_HOODS),
                race=race,
                needs_interpretation=language == "es" and rng.random() < 0.3,
            )
        )
    circles = []
    for j in range(n_circles):
        circles.append(
            CircleSpec(
                id=j + 1,
                name=f"Circle {j + 1}",
                language="es" if j % 5 == 4 else "en",
                time_slot=SYNTHETIC_SLOTS[j % len(SYNTHETIC_SLOTS)],
                min_size=8,
                max_size=12,
                rules={
                    "min_per_role": {"sworn_officer": 1, "young_person": 2},
                    "max_share_per_role": 0.6,
                },
            )
        )
    pairs = []
    for _i in range(int(n_people * pair_share)):
        a = rng.randrange(n_people)
        b = rng.randrange(n_people)
        if a != b and people[a].language == people[b].language:
            # Friends who sign up together usually share their times.
            people[b] = replace(people[b], availability=people[a].availability)
            pairs.append((people[a].id, people[b].id))
    access = random.Random(seed + 1_000_003)  # noqa: S311 - test data, not security
    circles = [replace(c, accessible=access.random() < accessible_share) for c in circles]
    people = [
        replace(p, needs_mobility=True) if access.random() < mobility_share else p for p in people
    ]
    return people, circles, pairs


def benchmark_5000() -> float:
    """Seconds to place 5,000 made-up people into 450 circles (for the benchmark, not a test)."""
    people, circles, pairs = synthetic_population(5000, 450, seed=5000)
    started = time.perf_counter()
    assign(people, circles, pairs, {})
    return time.perf_counter() - started
