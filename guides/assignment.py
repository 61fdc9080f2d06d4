"""Balanced circle assignment: the pure algorithm, and the services and selectors around it.

The algorithm (`assign`) works on plain dataclasses, knows nothing of the database and is
deterministic: inputs are sorted by stable keys (ids), ties are broken by id, nothing iterates
a set or relies on string hashing, and no randomness is used. It runs in four steps:

1. seed: people of a role some circle asks a minimum of ("at least one sworn officer") go
   first, most constrained first, each to the circle that fits them and most risks missing
   that role;
2. greedy: everyone else (keep-together groups as one unit), most constrained first, each to
   the circle that fits and has the lowest cost (fill evenly, spread role, age band,
   neighborhood and race/ethnicity, honour role minimums and maximum shares, prefer the
   person's own language);
3. consolidate: a circle below its smallest size borrows people from circles above theirs,
   or, failing that, hands its members to circles with room and stays empty;
4. repair: a bounded pass of moves and swaps that meets unmet role minimums and evens out
   role categories between circles.

Hard rules are never broken: availability against the circle's time slot, language (people who
need interpretation may join a circle in another language), the circle's largest size, and
keep-together groups (together or not at all). Everything it could not do is reported in
plain words (`Problem.message`).

The services (`circle_assign_balanced`, moving and removing a person, locking a circle,
keep-together requests) are keyword-only, atomic and logged with counts or anonymous ids only.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dialogue_hub.exceptions import DomainError
from initiatives.models import Initiative
from initiatives.services import activity_record
from participants.models import (
    AccessibilityNeed,
    Participant,
    RaceEthnicity,
    RoleCategory,
    Status,
)
from participants.selectors import eligible_for_placement

from .models import Circle, CircleMember, CircleRole, CircleStaff, KeepTogether, PlacedBy

INTERPRETATION = AccessibilityNeed.INTERPRETATION.value
NOT_ANSWERED = frozenset({"", "prefer_not"})

# Cost weights of the greedy step (lower cost wins).
W_FILL = 3.0  # fill circles evenly (per share of the circle filled)
W_ROLE = 1.0  # per person of the same role above the circle's fair share
W_AGE = 0.6
W_HOOD = 0.4
W_RACE = 0.6
W_NEED = 4.0  # bonus for filling a role minimum the circle still misses
W_OVER = 2.0  # penalty for going above the circle's maximum share for a role
W_LANG = 2.0  # penalty for a circle in another language (people who need interpretation)
W_SIZE = 0.5  # repair step: weight of the squared size (even sizes)

# Bounds of the repair step.
MAX_CANDIDATES = 400
MAX_SPREAD_ROUNDS = 4


# --- inputs and outputs --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    language: str = "en"
    availability: tuple[str, ...] = ()
    role: str = RoleCategory.RESIDENT.value
    age_band: str = ""
    neighborhood: str = ""
    race: tuple[str, ...] = ()  # empty: not answered (or "prefer not to say")
    needs_interpretation: bool = False


@dataclass(frozen=True, slots=True)
class CircleSpec:
    id: int
    name: str
    language: str = "en"
    time_slot: str = ""  # blank: fits anyone's time
    min_size: int = 8
    max_size: int = 12
    rules: Mapping = field(default_factory=dict, hash=False, compare=False)
    locked: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing the assignment could not do, with what it needs to say it in plain words."""

    code: str
    params: dict
    circle_id: int | None = None

    @property
    def message(self) -> str:
        return problem_message(self.code, self.params)

    def as_dict(self) -> dict:
        return {"code": self.code, "params": self.params, "circle_id": self.circle_id}


@dataclass
class Result:
    placements: dict[int, int]  # person id -> circle id, new placements only, sorted by person
    unplaced: list[int]  # person ids, sorted
    problems: list[Problem]
    sizes: dict[int, int]  # circle id -> final size (fixed members included)
    kept: int = 0  # people left where they were (locked circles, organizers' placements)

    @property
    def placed_count(self) -> int:
        return len(self.placements)

    def as_dict(self) -> dict:
        """JSON-friendly (for the session): counts and problems, never names."""
        return {
            "placed": self.placed_count,
            "unplaced": len(self.unplaced),
            "kept": self.kept,
            "problems": [problem.as_dict() for problem in self.problems],
        }


def fits(person: Person, circle: CircleSpec) -> bool:
    """The hard rules of time and language (capacity and groups are checked by the caller)."""
    if circle.time_slot and circle.time_slot not in person.availability:
        return False
    return circle.language == person.language or person.needs_interpretation


def parse_rules(rules) -> tuple[dict[str, int], float | None]:
    """(min_per_role, max_share_per_role) from a circle's rules JSON, ignoring anything malformed."""
    mins: dict[str, int] = {}
    share = None
    if isinstance(rules, Mapping):
        raw = rules.get("min_per_role")
        if isinstance(raw, Mapping):
            for role in sorted(str(key) for key in raw):
                try:
                    value = int(raw[role])
                except (TypeError, ValueError):
                    continue
                if value > 0:
                    mins[role] = value
        raw_share = rules.get("max_share_per_role")
        if isinstance(raw_share, int | float) and not isinstance(raw_share, bool):
            share = float(raw_share) if 0 < raw_share < 1 else None
    return mins, share


# --- the algorithm -------------------------------------------------------------------------------


class _Dim:
    """One dimension to spread (role, age band, neighborhood, race/ethnicity)."""

    __slots__ = ("weight", "shares")

    def __init__(self, weight: float, shares: dict[str, float]):
        self.weight = weight
        self.shares = shares


class _State:
    """A circle while the assignment runs: counters per dimension, kept up to date."""

    __slots__ = (
        "spec",
        "index",
        "open",
        "size",
        "counts",
        "answered",
        "needs",
        "max_share",
        "members",
        "fixed",
    )

    def __init__(self, spec: CircleSpec, index: int, ndims: int):
        self.spec = spec
        self.index = index
        self.open = not spec.locked
        self.size = 0
        self.counts: list[dict[str, float]] = [{} for _ in range(ndims)]
        self.answered = [0.0] * ndims
        self.needs, self.max_share = parse_rules(spec.rules)
        self.members: list[int] = []  # person indexes placed by this run
        self.fixed = 0


def _values(person: Person) -> tuple[tuple[str, ...], ...]:
    """The person's value(s) in each dimension; empty where they did not answer."""
    age = () if person.age_band in NOT_ANSWERED else (person.age_band,)
    hood = () if not person.neighborhood else (person.neighborhood,)
    race = tuple(sorted({r for r in person.race if r not in NOT_ANSWERED}))
    return ((person.role,), age, hood, race)


def _shares(all_values: list[tuple[tuple[str, ...], ...]], ndims: int) -> list[dict[str, float]]:
    shares = []
    for d in range(ndims):
        counts: dict[str, float] = {}
        total = 0.0
        for values in all_values:
            vals = values[d]
            if not vals:
                continue
            weight = 1.0 / len(vals)
            total += 1
            for value in vals:
                counts[value] = counts.get(value, 0.0) + weight
        shares.append({key: counts[key] / total for key in sorted(counts)} if total else {})
    return shares


class _Assigner:
    def __init__(self, people, circles, pairs, locked_members):
        # Stable order: circles by id, people by id; duplicates dropped.
        self.circles = sorted({c.id: c for c in circles}.values(), key=lambda c: c.id)
        fixed_people: list[tuple[Person, int]] = []
        fixed_ids: set[int] = set()
        circle_ids = {c.id for c in self.circles}
        for circle_id in sorted(locked_members):
            if circle_id not in circle_ids:
                continue
            for person in sorted(locked_members[circle_id], key=lambda p: p.id):
                if person.id not in fixed_ids:
                    fixed_ids.add(person.id)
                    fixed_people.append((person, circle_id))
        self.people = sorted(
            {p.id: p for p in people if p.id not in fixed_ids}.values(), key=lambda p: p.id
        )
        self.fixed_people = fixed_people
        self.pairs = sorted({(min(a, b), max(a, b)) for a, b in pairs if a != b})

        self.ndims = 4
        self.values = [_values(p) for p in self.people]
        fixed_values = [_values(p) for p, _c in fixed_people]
        shares = _shares(self.values + fixed_values, self.ndims)
        self.dims = [
            _Dim(weight, share)
            for weight, share in zip((W_ROLE, W_AGE, W_HOOD, W_RACE), shares, strict=True)
        ]
        self.states = [_State(c, i, self.ndims) for i, c in enumerate(self.circles)]
        self.by_id = {s.spec.id: s for s in self.states}
        self.where: list[int] = [-1] * len(self.people)  # person index -> state index
        self.unit_of: list[int] = [-1] * len(self.people)
        self.problems: list[Problem] = []

        for person, circle_id in fixed_people:
            state = self.by_id[circle_id]
            self._add_counts(state, _values(person), 1)
            state.size += 1
            state.fixed += 1

        # Circles each person fits (open ones only), through (time slot, language) buckets.
        buckets: dict[tuple[str, str], list[int]] = {}
        for state in self.states:
            if state.open:
                key = (state.spec.time_slot, state.spec.language)
                buckets.setdefault(key, []).append(state.index)
        self.languages = sorted({s.spec.language for s in self.states})
        self.feasible: list[list[int]] = []
        for person in self.people:
            slots = [""] + sorted(set(person.availability))
            langs = self.languages if person.needs_interpretation else [person.language]
            found: list[int] = []
            for slot in slots:
                for lang in langs:
                    found.extend(buckets.get((slot, lang), ()))
            self.feasible.append(sorted(found))
        self.feasible_set = [frozenset(f) for f in self.feasible]

        # Per person, the terms of the cost function: (dimension, value, weight, fair share).
        self.terms = []
        for values in self.values:
            terms = []
            for d, dim in enumerate(self.dims):
                vals = values[d]
                for value in vals:
                    terms.append((d, value, dim.weight / len(vals), dim.shares.get(value, 0.0)))
            self.terms.append(tuple(terms))
        self.role_lang = [(p.role, p.language) for p in self.people]

        self.role_total: dict[str, int] = {}
        for person in self.people:
            self.role_total[person.role] = self.role_total.get(person.role, 0) + 1

    # counters ---------------------------------------------------------------------------

    def _add_counts(self, state: _State, values, sign: int) -> None:
        for d in range(self.ndims):
            vals = values[d]
            if not vals:
                continue
            weight = sign / len(vals)
            counts = state.counts[d]
            state.answered[d] += sign
            for value in vals:
                counts[value] = counts.get(value, 0.0) + weight

    def _place(self, pi: int, state: _State) -> None:
        self.where[pi] = state.index
        state.members.append(pi)
        state.size += 1
        self._add_counts(state, self.values[pi], 1)

    def _unplace(self, pi: int) -> _State:
        state = self.states[self.where[pi]]
        self.where[pi] = -1
        state.members.remove(pi)
        state.size -= 1
        self._add_counts(state, self.values[pi], -1)
        return state

    def _role_count(self, state: _State, role: str) -> int:
        return round(state.counts[0].get(role, 0.0))

    # cost of the greedy step --------------------------------------------------------------

    def _cost(self, pi: int, state: _State) -> float:
        spec = state.spec
        counts = state.counts
        answered = state.answered
        cost = W_FILL * state.size / spec.max_size
        for d, value, weight, expected_share in self.terms[pi]:
            cost += weight * (counts[d].get(value, 0.0) - expected_share * (answered[d] + 1))
        role, language = self.role_lang[pi]
        have = counts[0].get(role, 0.0)
        if state.needs and state.needs.get(role, 0) > have + 0.5:
            cost -= W_NEED
        if state.max_share is not None and have + 1 > state.max_share * max(
            state.size + 1, spec.min_size
        ):
            cost += W_OVER
        if spec.language != language:
            cost += W_LANG
        return cost

    # step 1: seed role minimums -------------------------------------------------------------

    def _seed(self, units: list[list[int]]) -> set[int]:
        needed_roles = sorted({role for s in self.states if s.open for role in s.needs})
        if not needed_roles:
            return set()
        seeded: set[int] = set()
        singles = [u[0] for u in units if len(u) == 1 and self.people[u[0]].role in needed_roles]
        singles.sort(key=lambda pi: (len(self.feasible[pi]), self.people[pi].id))
        supply: dict[tuple[int, str], int] = {}
        for pi in singles:
            role = self.people[pi].role
            for ci in self.feasible[pi]:
                supply[(ci, role)] = supply.get((ci, role), 0) + 1
        for pi in singles:
            role = self.people[pi].role
            candidates = []
            states = self.states
            for ci in self.feasible[pi]:
                key = (ci, role)
                left = supply[key] - 1
                supply[key] = left
                state = states[ci]
                need = state.needs.get(role, 0)
                if not need or state.size >= state.spec.max_size:
                    continue
                missing = need - round(state.counts[0].get(role, 0.0))
                if missing > 0:
                    candidates.append((left + 1 - missing, ci))
            if not candidates:
                continue
            risk = min(candidates)[0]
            best = min((self._cost(pi, self.states[ci]), ci) for r, ci in candidates if r == risk)
            self._place(pi, self.states[best[1]])
            seeded.add(pi)
        return seeded

    # step 2: greedy -------------------------------------------------------------------------

    def _unit_feasible(self, unit: list[int]) -> list[int]:
        common = self.feasible[unit[0]]
        for pi in unit[1:]:
            other = self.feasible_set[pi]
            common = [ci for ci in common if ci in other]
        return common

    def _greedy(self, units: list[list[int]], anchors: dict[int, int]) -> list[tuple[int, str]]:
        """Place each unit; return (unit index, reason) for those that could not be placed."""
        order = []
        feasible_of = {}
        for ui, unit in enumerate(units):
            feas = self._unit_feasible(unit)
            if ui in anchors:
                feas = [ci for ci in feas if ci == anchors[ui]]
            feasible_of[ui] = feas
            rarity = min(self.role_total[self.people[pi].role] for pi in unit)
            order.append((len(feas), -len(unit), rarity, self.people[unit[0]].id, ui))
        order.sort()
        failed = []
        for *_key, ui in order:
            unit = units[ui]
            if any(self.where[pi] >= 0 for pi in unit):
                continue  # seeded
            feas = feasible_of[ui]
            need = len(unit)
            best = None
            single = unit[0] if need == 1 else None
            for ci in feas:
                state = self.states[ci]
                if state.size + need > state.spec.max_size:
                    continue
                if single is not None:
                    cost = self._cost(single, state)
                else:
                    cost = sum(self._cost(pi, state) for pi in unit)
                if best is None or cost < best[0]:
                    best = (cost, ci)
            if best is None:
                failed.append((ui, "full" if feas else "nofit"))
                continue
            for pi in unit:
                self._place(pi, self.states[best[1]])
        return failed

    # step 3: consolidate small circles -----------------------------------------------------

    def _movable(self, pi: int) -> bool:
        return self.unit_of[pi] == -1

    def _consolidate(self) -> None:
        small = [s for s in self.states if s.open and 0 < s.size < s.spec.min_size and s.members]
        small.sort(key=lambda s: (s.size, s.spec.id))
        for state in small:
            if state.size >= state.spec.min_size:
                continue
            self._borrow(state)
            if state.size < state.spec.min_size and state.fixed == 0:
                self._dissolve(state)

    def _borrow(self, state: _State) -> None:
        """Take people from circles above their smallest size, keeping role minimums there."""
        ci = state.index
        candidates = []
        for other in self.states:
            if other is state or not other.open or other.size <= other.spec.min_size:
                continue
            for pi in other.members:
                if self._movable(pi) and ci in self.feasible_set[pi]:
                    candidates.append((other.index, pi))
        moved = []
        for oi, pi in candidates:
            if state.size >= state.spec.min_size:
                break
            other = self.states[oi]
            if other.size <= other.spec.min_size:
                continue
            role = self.people[pi].role
            if other.needs.get(role, 0) >= self._role_count(other, role):
                continue
            self._unplace(pi)
            self._place(pi, state)
            moved.append((oi, pi))
        if state.size < state.spec.min_size:
            # Not enough to reach the minimum: give the borrowed people back.
            for oi, pi in reversed(moved):
                self._unplace(pi)
                self._place(pi, self.states[oi])

    def _dissolve(self, state: _State) -> None:
        """Hand every member to another open circle that fits them, or change nothing."""
        state.open = False
        units: list[list[int]] = []
        seen: set[int] = set()
        for pi in sorted(state.members, key=lambda pi: self.people[pi].id):
            if pi in seen:
                continue
            unit = self._units[self.unit_of[pi]] if self.unit_of[pi] >= 0 else [pi]
            seen.update(unit)
            units.append(unit)
        plan: list[tuple[list[int], _State]] = []
        extra: dict[int, int] = {}
        for unit in units:
            best = None
            for ci in self._unit_feasible(unit):
                other = self.states[ci]
                if (
                    not other.open
                    or other.size + extra.get(ci, 0) + len(unit) > other.spec.max_size
                ):
                    continue
                if other.size + extra.get(ci, 0) == 0:
                    continue  # don't just move the small circle into an empty one
                cost = sum(self._cost(pi, other) for pi in unit)
                if best is None or (cost, ci) < best:
                    best = (cost, ci)
            if best is None:
                state.open = True
                return
            extra[best[1]] = extra.get(best[1], 0) + len(unit)
            plan.append((unit, self.states[best[1]]))
        for unit, other in plan:
            for pi in unit:
                self._unplace(pi)
                self._place(pi, other)
        self.dissolved.append(state.index)

    # step 4: repair role minimums and spread --------------------------------------------------

    def _score(self, state: _State) -> float:
        # Sizes: the sum of squared sizes is smallest when circles are equally full.
        score = W_SIZE * state.size * state.size
        for d, dim in enumerate(self.dims):
            counts = state.counts[d]
            n = state.answered[d]
            for value, share in dim.shares.items():
                diff = counts.get(value, 0.0) - share * n
                score += dim.weight * diff * diff
        for role, minimum in state.needs.items():
            missing = minimum - self._role_count(state, role)
            if missing > 0:
                score += 10.0 * missing
        if state.max_share is not None and state.size:
            limit = state.max_share * max(state.size, state.spec.min_size)
            for value in state.counts[0].values():
                if value > limit + 1e-9:
                    score += 5.0 * (value - limit)
        for pi in state.members:
            if self.people[pi].language != state.spec.language:
                score += W_LANG
        return score

    def _try_swap(self, p: int, q: int) -> bool:
        """Swap p and q (in different circles) if both fit and the total score improves."""
        a, b = self.states[self.where[p]], self.states[self.where[q]]
        if b.index not in self.feasible_set[p] or a.index not in self.feasible_set[q]:
            return False
        before = self._score(a) + self._score(b)
        self._unplace(p)
        self._unplace(q)
        self._place(p, b)
        self._place(q, a)
        if self._score(a) + self._score(b) < before - 1e-9:
            return True
        self._unplace(p)
        self._unplace(q)
        self._place(p, a)
        self._place(q, b)
        return False

    def _try_move(self, q: int, target: _State, *, even: bool = True) -> bool:
        source = self.states[self.where[q]]
        if target.size >= target.spec.max_size or source.size - 1 < source.spec.min_size:
            return False
        if even and source.size - 1 < target.size:
            return False  # would make sizes less even
        before = self._score(source) + self._score(target)
        self._unplace(q)
        self._place(q, target)
        if self._score(source) + self._score(target) < before - 1e-9:
            return True
        self._unplace(q)
        self._place(q, source)
        return False

    def _repair(self) -> None:
        by_role: dict[str, list[int]] = {}
        for pi, person in enumerate(self.people):
            by_role.setdefault(person.role, []).append(pi)
        # Unmet role minimums: bring someone of that role from a circle with more than it needs.
        for state in self.states:
            if not state.open:
                continue
            for role in state.needs:
                tries = 0
                while self._role_count(state, role) < state.needs[role] and tries < 3:
                    tries += 1
                    if not self._fill_need(state, role, by_role.get(role, [])):
                        break
        # Spread: a circle with two or more of a role more than another circle that fits them.
        for role in sorted(by_role):
            for _round in range(MAX_SPREAD_ROUNDS):
                if not self._spread(role, by_role[role]):
                    break
        # Level: move people from the fullest circles to emptier ones that fit them.
        for _round in range(MAX_SPREAD_ROUNDS):
            if not self._level():
                break

    def _level(self) -> bool:
        moved = False
        examined = 0
        order = sorted(
            (s for s in self.states if s.open and s.members),
            key=lambda s: (-s.size, s.spec.id),
        )
        for source in order:
            for q in sorted(source.members, key=lambda pi: self.people[pi].id):
                if examined >= MAX_CANDIDATES * 4:
                    return moved
                if not self._movable(q):
                    continue
                examined += 1
                targets = [
                    self.states[ci]
                    for ci in self.feasible[q]
                    if self.states[ci].open and self.states[ci].size <= source.size - 2
                ]
                targets.sort(key=lambda s: (s.size, s.spec.id))
                for target in targets[:4]:
                    if self._try_move(q, target):
                        moved = True
                        break
        return moved

    def _fill_need(self, state: _State, role: str, people: list[int]) -> bool:
        ci = state.index
        examined = 0
        for q in people:
            if examined >= MAX_CANDIDATES:
                break
            if self.where[q] < 0 or self.where[q] == ci or not self._movable(q):
                continue
            if ci not in self.feasible_set[q]:
                continue
            source = self.states[self.where[q]]
            if self._role_count(source, role) <= source.needs.get(role, 0):
                continue
            examined += 1
            if self._try_move(q, state, even=False):
                return True
            for p in list(state.members):
                if self.people[p].role == role or not self._movable(p):
                    continue
                if self._try_swap(p, q):
                    return True
        return False

    def _spread(self, role: str, people: list[int]) -> bool:
        improved = False
        examined = 0
        for q in people:
            if examined >= MAX_CANDIDATES:
                break
            if self.where[q] < 0 or not self._movable(q):
                continue
            source = self.states[self.where[q]]
            have = self._role_count(source, role)
            if have < 2:
                continue
            examined += 1
            targets = [
                self.states[ci]
                for ci in self.feasible[q]
                if ci != source.index
                and self.states[ci].open
                and self._role_count(self.states[ci], role) <= have - 2
            ]
            targets.sort(key=lambda s: (self._role_count(s, role), s.spec.id))
            for target in targets[:8]:
                if self._try_move(q, target):
                    improved = True
                    break
                done = False
                for p in list(target.members):
                    if self.people[p].role == role or not self._movable(p):
                        continue
                    if self._try_swap(q, p):
                        done = improved = True
                        break
                if done:
                    break
        return improved

    # run ----------------------------------------------------------------------------------------

    def run(self) -> Result:
        index = {p.id: i for i, p in enumerate(self.people)}
        fixed_at = {p.id: circle_id for p, circle_id in self.fixed_people}
        # Keep-together groups: union-find over the pairs, in id order.
        parent = {}

        def find(x):
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        ineligible_pairs = 0
        for a, b in self.pairs:
            known_a = a in index or a in fixed_at
            known_b = b in index or b in fixed_at
            if not (known_a and known_b):
                if known_a or known_b:
                    ineligible_pairs += 1
                continue
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        groups: dict[int, list[int]] = {}
        for person_id in sorted(parent):
            groups.setdefault(find(person_id), []).append(person_id)

        units: list[list[int]] = []
        anchors: dict[int, int] = {}  # unit index -> state index it must go to
        blocked: list[tuple[list[int], str, dict]] = []
        grouped: set[int] = set()
        for root in sorted(groups):
            ids = groups[root]
            if len(ids) < 2:
                continue
            grouped.update(ids)
            members = [index[i] for i in ids if i in index]
            anchor_circles = sorted({fixed_at[i] for i in ids if i in fixed_at})
            if not members:
                continue
            if len(anchor_circles) > 1:
                blocked.append((members, "group_split_fixed", {}))
                continue
            if anchor_circles:
                state = self.by_id[anchor_circles[0]]
                if not state.open:
                    blocked.append((members, "group_locked", {"circle": state.spec.name}))
                    continue
                anchors[len(units)] = state.index
            units.append(members)
        for pi, person in enumerate(self.people):
            if person.id not in grouped:
                units.append([pi])
        self._units = units
        for ui, unit in enumerate(units):
            if len(unit) > 1:
                for pi in unit:
                    self.unit_of[pi] = ui
        self.dissolved: list[int] = []

        seeded = self._seed(units)
        failed = self._greedy(units, anchors)
        del seeded
        self._consolidate()
        self._repair()

        self._report(units, failed, blocked, ineligible_pairs)
        placements = {
            self.people[pi].id: self.states[ci].spec.id
            for pi, ci in enumerate(self.where)
            if ci >= 0
        }
        unplaced = sorted(self.people[pi].id for pi, ci in enumerate(self.where) if ci < 0)
        return Result(
            placements=dict(sorted(placements.items())),
            unplaced=unplaced,
            problems=self.problems,
            sizes={s.spec.id: s.size for s in self.states},
        )

    # report -------------------------------------------------------------------------------

    def _why_no_fit(self, person: Person) -> str:
        """Why no circle fits this person: time, language, both, or only locked ones."""
        specs = [s.spec for s in self.states]
        time_ok = [c for c in specs if not c.time_slot or c.time_slot in person.availability]
        fitting = [c for c in time_ok if fits(person, c)]
        if fitting:
            return "locked"
        if not time_ok:
            return "time"
        if not any(c.language == person.language for c in specs):
            return "language"
        return "time_language"

    def _report(self, units, failed, blocked, ineligible_pairs) -> None:
        problems = self.problems
        reasons: dict[str, list[int]] = {}
        group_counts: dict[str, list[int]] = {}  # code -> [groups, people]
        for ui, reason in failed:
            unit = units[ui]
            if len(unit) > 1:
                key = "group_full" if reason == "full" else "group_nofit"
                tally = group_counts.setdefault(key, [0, 0])
                tally[0] += 1
                tally[1] += len(unit)
                continue
            pi = unit[0]
            if reason == "nofit":
                reason = self._why_no_fit(self.people[pi])
            reasons.setdefault(reason, []).append(pi)
        for code in ("group_nofit", "group_full"):
            if code in group_counts:
                groups, people = group_counts[code]
                problems.append(Problem(code, {"groups": groups, "count": people}))
        for members, code, params in blocked:
            problems.append(Problem(code, {"count": len(members), **params}))
        if ineligible_pairs:
            problems.append(Problem("pair_ineligible", {"count": ineligible_pairs}))

        for reason in ("time", "language", "time_language", "full", "locked"):
            people = reasons.get(reason)
            if not people:
                continue
            params: dict = {"count": len(people)}
            if reason == "time":
                params["slot"] = _most_common(
                    slot for pi in people for slot in sorted(set(self.people[pi].availability))
                )
            elif reason in ("language", "time_language"):
                params["language"] = _most_common(self.people[pi].language for pi in people)
                params["slot"] = _most_common(
                    slot for pi in people for slot in sorted(set(self.people[pi].availability))
                )
            elif reason == "full":
                params["slot"] = _most_common(
                    self.states[ci].spec.time_slot for pi in people for ci in self.feasible[pi]
                )
                params["language"] = _most_common(self.people[pi].language for pi in people)
            problems.append(Problem("unplaced_" + reason, params))

        interpreted = sum(
            1
            for pi, ci in enumerate(self.where)
            if ci >= 0 and self.people[pi].language != self.states[ci].spec.language
        )
        if interpreted:
            problems.append(Problem("interpretation", {"count": interpreted}))

        # Per circle: size and composition rules.
        fit_count = [0] * len(self.states)
        fit_role: dict[tuple[int, str], int] = {}
        for pi, feasible in enumerate(self.feasible):
            role = self.people[pi].role
            for ci in feasible:
                fit_count[ci] += 1
                fit_role[(ci, role)] = fit_role.get((ci, role), 0) + 1
        for state in self.states:
            if state.spec.locked:
                continue
            spec = state.spec
            supply = fit_count[state.index]
            if state.size == 0:
                problems.append(
                    Problem(
                        "circle_empty",
                        {"circle": spec.name, "slot": spec.time_slot, "language": spec.language},
                        spec.id,
                    )
                )
                continue
            if state.size < spec.min_size:
                problems.append(
                    Problem(
                        "circle_small",
                        {
                            "circle": spec.name,
                            "size": state.size,
                            "min": spec.min_size,
                            "slot": spec.time_slot,
                            "language": spec.language,
                            "supply": supply + state.fixed,
                        },
                        spec.id,
                    )
                )
            for role, minimum in state.needs.items():
                have = self._role_count(state, role)
                if have >= minimum:
                    continue
                available = fit_role.get((state.index, role), 0) + (have if state.fixed else 0)
                sharing = sum(
                    1
                    for other in self.states
                    if other.open
                    and other.spec.time_slot == spec.time_slot
                    and other.spec.language == spec.language
                    and other.needs.get(role)
                )
                problems.append(
                    Problem(
                        "role_missing",
                        {
                            "circle": spec.name,
                            "role": role,
                            "have": have,
                            "min": minimum,
                            "available": available,
                            "circles": sharing,
                            "slot": spec.time_slot,
                            "language": spec.language,
                        },
                        spec.id,
                    )
                )
            if state.max_share is not None:
                limit = state.max_share * state.size
                for role in sorted(state.counts[0]):
                    have = self._role_count(state, role)
                    if have > limit + 1e-9 and have > 1:
                        problems.append(
                            Problem(
                                "role_over_share",
                                {
                                    "circle": spec.name,
                                    "role": role,
                                    "have": have,
                                    "size": state.size,
                                    "percent": round(state.max_share * 100),
                                },
                                spec.id,
                            )
                        )


def _most_common(values: Iterable[str]) -> str:
    counts: dict[str, int] = {}
    for value in values:
        if value:
            counts[value] = counts.get(value, 0) + 1
    if not counts:
        return ""
    return min(counts, key=lambda v: (-counts[v], v))


def assign(
    people: Iterable[Person],
    circles: Iterable[CircleSpec],
    pairs: Iterable[tuple[int, int]] = (),
    locked_members: Mapping[int, Sequence[Person]] | None = None,
) -> Result:
    """Place `people` into the open (unlocked) `circles`.

    `pairs` are keep-together requests (person ids); `locked_members` maps a circle id to the
    people who stay in it whatever happens (members of a locked circle, people an organizer
    placed by hand); they count towards that circle's size and balance and are never moved.
    """
    return _Assigner(list(people), list(circles), list(pairs), locked_members or {}).run()


# --- plain words -------------------------------------------------------------------------------


def _role_label(role: str) -> str:
    labels = dict(RoleCategory.choices)
    label = str(labels.get(role, role))
    return label[:1].lower() + label[1:]


def _language_label(code: str) -> str:
    from django.conf import settings

    return str(dict(settings.LANGUAGES).get(code, code))


def problem_message(code: str, params: Mapping) -> str:
    """The problem in plain words, in the current language."""
    p = dict(params)
    n = p.get("count", 0)
    if "language" in p:
        p["language"] = _language_label(p["language"])
    if "role" in p:
        p["role"] = _role_label(p["role"])
    if not p.get("slot"):
        p["slot"] = _("any time")
    if code == "unplaced_time":
        return (
            ngettext(
                "%(count)s person could not be placed: no circle meets at a time they are "
                "available. Add a circle on %(slot)s.",
                "%(count)s people could not be placed: no circle meets at a time they are "
                "available. Most of them could come on %(slot)s: add a circle then.",
                n,
            )
            % p
        )
    if code == "unplaced_language":
        return (
            ngettext(
                "%(count)s person could not be placed: no circle is held in %(language)s. "
                "Add a %(language)s circle, or note that they need interpretation.",
                "%(count)s people could not be placed: no circle is held in %(language)s. "
                "Add a %(language)s circle, or note that they need interpretation.",
                n,
            )
            % p
        )
    if code == "unplaced_time_language":
        return (
            ngettext(
                "%(count)s person could not be placed: no %(language)s circle meets at a time "
                "they are available. Add a %(language)s circle on %(slot)s.",
                "%(count)s people could not be placed: no %(language)s circle meets at a time "
                "they are available. Add a %(language)s circle on %(slot)s.",
                n,
            )
            % p
        )
    if code == "unplaced_full":
        return (
            ngettext(
                "%(count)s person could not be placed: every circle that fits them is full. "
                "Add a %(language)s circle on %(slot)s, or raise the largest size of a circle "
                "that fits them.",
                "%(count)s people could not be placed: every circle that fits them is full. "
                "Add a %(language)s circle (most of them could come on %(slot)s), or raise the "
                "largest size of a circle that fits them.",
                n,
            )
            % p
        )
    if code == "unplaced_locked":
        return (
            ngettext(
                "%(count)s person could not be placed: the only circles that fit them are locked.",
                "%(count)s people could not be placed: the only circles that fit them are locked.",
                n,
            )
            % p
        )
    if code == "group_full":
        return (
            ngettext(
                "%(groups)s group of people who asked to stay together (%(count)s people) was not "
                "placed: every circle that fits all of them is too full to take them together.",
                "%(groups)s groups of people who asked to stay together (%(count)s people) were "
                "not placed: every circle that fits all of them is too full to take them together.",
                p.get("groups", 0),
            )
            % p
        )
    if code == "group_nofit":
        return (
            ngettext(
                "%(groups)s group of people who asked to stay together (%(count)s people) was not "
                "placed: no circle fits all of them (their available times or languages differ).",
                "%(groups)s groups of people who asked to stay together (%(count)s people) were "
                "not placed: no circle fits all of them (their available times or languages "
                "differ).",
                p.get("groups", 0),
            )
            % p
        )
    if code == "group_locked":
        return (
            _(
                "%(count)s people who asked to stay together were not placed: the person they "
                "asked to be with is in the locked circle %(circle)s. Move them there by hand "
                "or unlock it."
            )
            % p
        )
    if code == "group_split_fixed":
        return (
            _(
                "%(count)s people who asked to stay together were not placed: the people they "
                "asked to be with are already in different circles."
            )
            % p
        )
    if code == "pair_ineligible":
        return (
            ngettext(
                "%(count)s keep-together request names someone who cannot be placed yet (not "
                "confirmed, no consent, or a minor without a guardian's consent); the other "
                "person was placed on their own.",
                "%(count)s keep-together requests name someone who cannot be placed yet (not "
                "confirmed, no consent, or a minor without a guardian's consent); the other "
                "person was placed on their own.",
                n,
            )
            % p
        )
    if code == "interpretation":
        return (
            ngettext(
                "%(count)s person who needs interpretation was placed in a circle in another "
                "language: arrange an interpreter.",
                "%(count)s people who need interpretation were placed in a circle in another "
                "language: arrange interpreters.",
                n,
            )
            % p
        )
    if code == "circle_empty":
        return (
            _(
                "%(circle)s stayed empty: too few people can come on %(slot)s in %(language)s "
                "to fill it as well as the other circles. Remove it or change its time."
            )
            % p
        )
    if code == "circle_small":
        return (
            ngettext(
                "%(circle)s has %(size)s person, fewer than its smallest size of %(min)s.",
                "%(circle)s has %(size)s people, fewer than its smallest size of %(min)s.",
                p.get("size", 0),
            )
            % p
            + " "
            + ngettext(
                "Only %(supply)s person can come on %(slot)s in %(language)s.",
                "Only %(supply)s people can come on %(slot)s in %(language)s.",
                p.get("supply", 0),
            )
            % p
        )
    if code == "role_missing":
        if p.get("available", 0) <= p.get("have", 0):
            if p.get("have"):
                return (
                    _(
                        "%(circle)s has %(have)s %(role)s, its rule asks for at least %(min)s: "
                        "nobody else in that role can come on %(slot)s in %(language)s."
                    )
                    % p
                )
            return (
                _(
                    "%(circle)s has no %(role)s: nobody in that role can come on %(slot)s in "
                    "%(language)s."
                )
                % p
            )
        if p.get("have"):
            return (
                ngettext(
                    "%(circle)s has %(have)s %(role)s, its rule asks for at least %(min)s: only "
                    "%(available)s person in that role can come on %(slot)s in %(language)s, and "
                    "the others are needed for the same rule in other circles.",
                    "%(circle)s has %(have)s %(role)s, its rule asks for at least %(min)s: only "
                    "%(available)s people in that role can come on %(slot)s in %(language)s, and "
                    "they are needed for the same rule in other circles.",
                    p.get("available", 0),
                )
                % p
            )
        return (
            ngettext(
                "%(circle)s has no %(role)s: only %(available)s person in that role can come on "
                "%(slot)s in %(language)s, and they are needed for the same rule in another circle.",
                "%(circle)s has no %(role)s: only %(available)s people in that role can come on "
                "%(slot)s in %(language)s, and they are needed for the same rule in other circles.",
                p.get("available", 0),
            )
            % p
        )
    if code == "role_over_share":
        return (
            ngettext(
                "%(circle)s: %(have)s of %(size)s person is %(role)s, above its %(percent)s%% "
                "limit: not enough people of other roles fit this circle.",
                "%(circle)s: %(have)s of %(size)s people are %(role)s, above its %(percent)s%% "
                "limit: not enough people of other roles fit this circle.",
                p.get("size", 0),
            )
            % p
        )
    return code


# --- benchmark and synthetic data ------------------------------------------------------------------

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
    n_people: int, n_circles: int, *, seed: int = 1, pair_share: float = 0.03
) -> tuple[list[Person], list[CircleSpec], list[tuple[int, int]]]:
    """A made-up population (seeded, so always the same) for tests and the benchmark."""
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
    return people, circles, pairs


def benchmark_5000() -> float:
    """Seconds to place 5,000 made-up people into 450 circles (for the benchmark, not a test)."""
    people, circles, pairs = synthetic_population(5000, 450, seed=5000)
    started = time.perf_counter()
    assign(people, circles, pairs, {})
    return time.perf_counter() - started


# --- loading from the database ---------------------------------------------------------------------

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


def _strings(value) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(sorted({str(item) for item in value if item is not None}))


def person_from_row(row: Mapping) -> Person:
    """A Person from a Participant.values(*PERSON_FIELDS) row (JSON fields read defensively)."""
    return Person(
        id=row["pk"],
        language=row["preferred_language"] or "",
        availability=_strings(row["availability"]),
        role=row["role_category"] or "",
        age_band=row["age_band"] or "",
        neighborhood=row["neighborhood"] or "",
        race=_strings(row["demographics__race_ethnicity"]),
        needs_interpretation=INTERPRETATION in _strings(row["accessibility_needs"]),
    )


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
    )


def _names(items: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    if len(items) > limit:
        rest = len(items) - limit
        shown += ngettext(" and %(n)s more", " and %(n)s more", rest) % {"n": rest}
    return shown


# --- services --------------------------------------------------------------------------------------


@transaction.atomic
def circle_assign_balanced(*, user, initiative: Initiative) -> Result:
    """Place every eligible person who is not in a locked circle (and was not placed by an
    organizer) into the initiative's unlocked circles. Previous placements by the assignment in
    unlocked circles are replaced; locked circles and organizers' placements are kept.

    Refuses, changing nothing, when there are no circles, nobody to place, circles without a
    facilitator, or no circle at a time (and in a language) anyone can come."""
    circles = list(Circle.objects.select_for_update().filter(initiative=initiative).order_by("pk"))
    if not circles:
        raise DomainError(
            _(
                "There are no circles yet. Create the circles first, each with a time slot, a "
                "language and a facilitator, then run the assignment."
            )
        )
    open_circles = [c for c in circles if not c.is_locked]
    if not open_circles:
        raise DomainError(
            _(
                "Every circle is locked, so there is nowhere to place people. Unlock a circle "
                "or create a new one."
            )
        )
    eligible = [
        person_from_row(row)
        for row in eligible_for_placement(initiative=initiative)
        .order_by("pk")
        .values(*PERSON_FIELDS)
    ]
    if not eligible:
        raise DomainError(
            _(
                "Nobody can be placed yet: people need to have confirmed their registration, "
                "hold a place (not on the waiting list) and have consented to take part; "
                "minors also need a guardian's consent."
            )
        )
    staffed = set(
        CircleStaff.objects.filter(
            circle__in=open_circles, role=CircleRole.FACILITATOR
        ).values_list("circle_id", flat=True)
    )
    lacking = [c.name for c in open_circles if c.pk not in staffed]
    if lacking:
        raise DomainError(
            ngettext(
                "This circle has no facilitator yet: %(names)s. Add a facilitator (or lock the "
                "circle so it is left as it is) and run the assignment again.",
                "These circles have no facilitator yet: %(names)s. Add a facilitator to each (or "
                "lock the circles you don't want filled) and run the assignment again.",
                len(lacking),
            )
            % {"names": _names(lacking)}
        )

    # Who stays where they are: everyone in a locked circle, and organizers' placements.
    locked_ids = {c.pk for c in circles if c.is_locked}
    fixed_rows = (
        CircleMember.objects.filter(circle__initiative=initiative)
        .filter(Q(circle_id__in=locked_ids) | Q(placed_by=PlacedBy.ORGANIZER))
        .order_by("participant_id")
        .values("circle_id", *("participant__" + f for f in PERSON_FIELDS))
    )
    locked_members: dict[int, list[Person]] = {}
    for row in fixed_rows:
        person = person_from_row({f: row["participant__" + f] for f in PERSON_FIELDS})
        locked_members.setdefault(row["circle_id"], []).append(person)
    fixed_ids = {p.id for people in locked_members.values() for p in people}
    to_place = [p for p in eligible if p.id not in fixed_ids]
    if not to_place:
        raise DomainError(
            _(
                "Everyone who can be placed is already in a locked circle or was placed by an "
                "organizer. Unlock a circle to let the assignment place people again."
            )
        )
    circle_slots = sorted({c.time_slot for c in open_circles})
    if "" not in circle_slots and not any(
        set(p.availability) & set(circle_slots) for p in to_place
    ):
        people_slots = sorted({slot for p in to_place for slot in p.availability})
        raise DomainError(
            _(
                "No circle meets at a time when anyone is available. The circles meet on: "
                "%(circle_slots)s. People are available on: %(people_slots)s. Change the "
                "circles' time slots to match."
            )
            % {
                "circle_slots": _names(circle_slots),
                "people_slots": _names(people_slots) or _("no time given"),
            }
        )

    pairs = list(
        KeepTogether.objects.filter(initiative=initiative).values_list("first_id", "second_id")
    )
    result = assign(to_place, [circle_spec(c) for c in circles], pairs, locked_members)
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
            "kept": len(fixed_ids),
            "replaced": removed,
            "circles": len(open_circles),
            "problems": len(result.problems),
        },
    )
    result.kept = len(fixed_ids)
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
    availability = _strings(participant.availability)
    if circle.time_slot and circle.time_slot not in availability:
        problems.append(_("they are not available on %(slot)s") % {"slot": circle.time_slot})
    needs = _strings(participant.accessibility_needs)
    if circle.language != participant.preferred_language and INTERPRETATION not in needs:
        problems.append(
            _("the circle is in %(language)s and they asked for %(preferred)s")
            % {
                "language": _language_label(circle.language),
                "preferred": _language_label(participant.preferred_language),
            }
        )
    return problems


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
    the circle is full or the person may not be placed; a circle that doesn't suit their time
    or language is refused unless `override`."""
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
    if participant.status == Status.CONFIRMED:
        participant.status = Status.ASSIGNED
        participant.save(update_fields=["status", "updated_at"])
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
    if participant.status == Status.ASSIGNED:
        participant.status = Status.CONFIRMED
        participant.save(update_fields=["status", "updated_at"])
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


# --- selectors ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentSummary:
    eligible: int
    unplaced: int
    circles: int
    open_circles: int
    capacity: int
    pairs: int
    without_facilitator: int

    @property
    def blocker(self) -> str:
        """Why the assignment can't run now (what `circle_assign_balanced` refuses first), or
        "" when it can: the page offers the button only then."""
        if not self.circles:
            return _(
                "Create the circles first, each with a time slot, a language and a facilitator."
            )
        if not self.open_circles:
            return _("Every circle is locked: unlock a circle or create a new one.")
        if not self.eligible:
            return _("Nobody can be placed yet (see who can be placed above).")
        if self.without_facilitator:
            return _("Add a facilitator to every unlocked circle (or lock it) first.")
        return ""


def unplaced_people(*, initiative: Initiative) -> QuerySet[Participant]:
    """Eligible people who are in no circle, oldest registration first."""
    return (
        eligible_for_placement(initiative=initiative)
        .filter(circle_membership__isnull=True)
        .order_by("created_at", "pk")
    )


def circles_for_assignment(*, initiative: Initiative) -> QuerySet[Circle]:
    """The initiative's circles with member and facilitator counts (one query)."""
    members = (
        CircleMember.objects.filter(circle=OuterRef("pk"))
        .order_by()
        .values("circle")
        .annotate(n=Count("pk"))
        .values("n")
    )
    facilitators = (
        CircleStaff.objects.filter(circle=OuterRef("pk"), role=CircleRole.FACILITATOR)
        .order_by()
        .values("circle")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Circle.objects.filter(initiative=initiative)
        .annotate(
            member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0),
            facilitator_count=Coalesce(Subquery(facilitators, output_field=IntegerField()), 0),
        )
        .order_by("name", "pk")
    )


def assignment_summary(*, initiative: Initiative) -> AssignmentSummary:
    eligible = eligible_for_placement(initiative=initiative).aggregate(
        total=Count("pk"), unplaced=Count("pk", filter=Q(circle_membership__isnull=True))
    )
    circles = (
        circles_for_assignment(initiative=initiative)
        .order_by()
        .aggregate(
            total=Count("pk"),
            open=Count("pk", filter=Q(is_locked=False)),
            capacity=Coalesce(Sum("max_size", filter=Q(is_locked=False)), 0),
        )
    )
    without = (
        Circle.objects.filter(initiative=initiative, is_locked=False)
        .exclude(staff__role=CircleRole.FACILITATOR)
        .count()
    )
    return AssignmentSummary(
        eligible=eligible["total"],
        unplaced=eligible["unplaced"],
        circles=circles["total"],
        open_circles=circles["open"],
        capacity=circles["capacity"],
        pairs=KeepTogether.objects.filter(initiative=initiative).count(),
        without_facilitator=without,
    )


def circle_for_initiative(*, initiative: Initiative, pk) -> Circle:
    circle = Circle.objects.filter(initiative=initiative, pk=pk).first()
    if circle is None:
        raise Http404
    return circle


def participant_for_initiative(*, initiative: Initiative, pk) -> Participant:
    participant = Participant.objects.filter(initiative=initiative, pk=pk).first()
    if participant is None:
        raise Http404
    return participant


def member_for_initiative(*, initiative: Initiative, pk) -> CircleMember:
    member = (
        CircleMember.objects.select_related("circle__initiative", "participant")
        .filter(circle__initiative=initiative, pk=pk)
        .first()
    )
    if member is None:
        raise Http404
    return member


def keep_together_for_initiative(*, initiative: Initiative, pk) -> KeepTogether:
    pair = (
        KeepTogether.objects.select_related("initiative")
        .filter(initiative=initiative, pk=pk)
        .first()
    )
    if pair is None:
        raise Http404
    return pair


def keep_together_requests(*, initiative: Initiative) -> QuerySet[KeepTogether]:
    return (
        KeepTogether.objects.filter(initiative=initiative)
        .select_related("first__circle_membership__circle", "second__circle_membership__circle")
        .order_by("-created_at", "-pk")
    )


def members_of(*, circle: Circle) -> QuerySet[CircleMember]:
    return (
        CircleMember.objects.filter(circle=circle)
        .select_related("participant")
        .order_by("participant__name", "pk")
    )


def people_in_circle(*, circle: Circle) -> QuerySet[Participant]:
    return Participant.objects.filter(circle_membership__circle=circle).order_by("name", "pk")


def choosable_people(*, initiative: Initiative) -> QuerySet[Participant]:
    """People an organizer can name in a keep-together request: everyone not withdrawn."""
    return (
        Participant.objects.filter(initiative=initiative)
        .exclude(status=Status.WITHDRAWN)
        .order_by("name", "pk")
    )


REPORT_SESSION_KEY = "assignment_report:%s"


def report_save(session, *, initiative: Initiative, result: Result) -> None:
    """Keep the last run's report (counts and problems, never names) for the result page."""
    session[REPORT_SESSION_KEY % initiative.pk] = result.as_dict()


def report_load(session, *, initiative: Initiative) -> dict | None:
    data = session.get(REPORT_SESSION_KEY % initiative.pk)
    if not isinstance(data, dict):
        return None
    problems = []
    for item in data.get("problems", []):
        try:
            problems.append(Problem(item["code"], dict(item["params"]), item.get("circle_id")))
        except (KeyError, TypeError, ValueError):
            continue
    return {
        "placed": data.get("placed", 0),
        "unplaced": data.get("unplaced", 0),
        "kept": data.get("kept", 0),
        "problems": problems,
    }
