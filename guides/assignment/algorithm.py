"""Balanced circle assignment: the pure algorithm.

The algorithm (`assign`) works on plain dataclasses, knows nothing of the database and is
deterministic: inputs are sorted by stable keys (ids), ties are broken by id, nothing iterates
a set or relies on string hashing, and the one pseudo-random generator (the annealing's) has a
fixed seed. It runs in five steps:

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
   sizes; anyone still waiting gets a place where there is room now (or can be made);
5. improve (`improve.Improver`): circles short of a role minimum are filled by moves, swaps,
   cycles of three and chains through a few circles (`gaps.GapRepair`); a circle that still
   cannot meet one is left unused when all its members fit other circles with people and
   room (`room.MakingRoom._close_for_roles`, reported); then a bounded local search (a
   descent, then a simulated annealing with a fixed seed) moves and swaps people between
   circles they fit, over role, age band, neighborhood and race/ethnicity, accepting a change
   only when the score improves and no attribute ends worse than the greedy pass left it.

When a person or keep-together group fits only full circles, the greedy step makes room: it
moves placed people along a short chain of circles that fit them to one with room.

Hard rules are never broken: availability against the circle's time slot, language (people who
need interpretation may join a circle in another language), step-free access (people who asked
for mobility access join only accessible circles), the circle's largest size, and keep-together
groups (together or not at all). Everything it could not do is reported in
plain words (`Problem.message`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .improve import (
    ANNEAL_MAX,
    ANNEAL_MIN_PER_PERSON,
    ANNEAL_PER_PERSON,
    DEFAULT_WEIGHTS,
    Improver,
    Weights,
)
from .model import NOT_ANSWERED, CircleSpec, Person, Problem, Result, parse_rules
from .reporting import Reporting
from .room import MakingRoom

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
GAP_TRIES = 20_000  # tries of the improvement pass at circles short of a role minimum


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


class _Assigner(Reporting, MakingRoom):
    def __init__(
        self,
        people,
        circles,
        pairs,
        locked_members,
        weights: Weights = DEFAULT_WEIGHTS,
        improve: bool = True,
    ):
        self.weights = weights
        self.improve = improve
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
        self.notes: list[Problem] = []

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
            if person.needs_mobility:
                found = [ci for ci in found if self.states[ci].spec.accessible]
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

    def _cheapest(self, pi: int, feas: list[int]) -> tuple[float, int] | None:
        """(cost, circle) of the circle of `feas` with room where person pi costs least, the
        first on a tie; None if all are full. `_cost` in one loop (the greedy step's hot path:
        the same sums in the same order, so the same result)."""
        states = self.states
        terms = self.terms[pi]
        role, language = self.role_lang[pi]
        best = None
        for ci in feas:
            state = states[ci]
            spec = state.spec
            size = state.size
            if size + 1 > spec.max_size:
                continue
            counts = state.counts
            answered = state.answered
            cost = W_FILL * size / spec.max_size
            for d, value, weight, expected_share in terms:
                cost += weight * (counts[d].get(value, 0.0) - expected_share * (answered[d] + 1))
            have = counts[0].get(role, 0.0)
            needs = state.needs
            if needs and needs.get(role, 0) > have + 0.5:
                cost -= W_NEED
            share = state.max_share
            if share is not None and have + 1 > share * max(size + 1, spec.min_size):
                cost += W_OVER
            if spec.language != language:
                cost += W_LANG
            if best is None or cost < best[0]:
                best = (cost, ci)
        return best

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
        self._feasible_of = feasible_of
        failed = []
        for *_key, ui in order:
            unit = units[ui]
            if any(self.where[pi] >= 0 for pi in unit):
                continue  # seeded
            feas = feasible_of[ui]
            need = len(unit)
            best = self._cheapest(unit[0], feas) if need == 1 else None
            for ci in feas if need > 1 else ():  # a keep-together group
                state = self.states[ci]
                if state.size + need > state.spec.max_size:
                    continue
                cost = sum(self._cost(pi, state) for pi in unit)
                if best is None or cost < best[0]:
                    best = (cost, ci)
            if best is None:
                if not (feas and self._make_room(unit, feas)):
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
        self.closed: list[tuple[int, str, int, int]] = []  # circles left unused for a role
        self.made_room = [0, 0]  # people placed by making room, people moved to make it
        self._filling = True  # making room may start an empty circle (not when closing one)

        seeded = self._seed(units)
        failed = self._greedy(units, anchors)
        del seeded
        self._consolidate()
        self._repair()
        # Circles short of a role minimum: moves, swaps and cycles of three that meet it.
        improver = Improver(self, self.weights, ceiling=False)
        improver.fix_gaps(GAP_TRIES)
        improver.apply()
        self.closed = self._close_for_roles()
        if self.closed:
            improver = Improver(self, self.weights, ceiling=False)
            improver.fix_gaps(GAP_TRIES)
            improver.apply()
        placed = self.where.count(-1)
        failed = self._second_chance(units, failed)
        before = self._deviation()
        changes = 0
        if self.improve:
            if self.where.count(-1) != placed:
                improver = Improver(self, self.weights)  # someone more placed: count afresh
            improver.set_ceilings()
            improver.moves = 0
            improver.run()
            iterations = min(ANNEAL_MAX, ANNEAL_PER_PERSON * len(self.people))
            if iterations >= ANNEAL_MIN_PER_PERSON * len(self.people):
                # Enough tries per person for the annealing to pay (a small population).
                improver.anneal(iterations // 2, seed=1)
                improver.anneal(iterations // 2, seed=2, explore=True)
                improver.fix_gaps(GAP_TRIES)
            improver.apply()
            changes = improver.moves
            failed = self._second_chance(units, failed)
        self._notes(before, changes)

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
            notes=self.notes,
        )

    def _second_chance(self, units, failed) -> list[tuple[int, str]]:
        """After the improvement pass: place the units still waiting where there is room now
        (or can be made), and list those left out, with why (the improvement pass may have
        let someone waiting take the place of another)."""
        waiting = {ui for ui, _reason in failed}
        for ui, unit in enumerate(units):
            if ui not in waiting and all(self.where[pi] < 0 for pi in unit):
                waiting.add(ui)
        left = []
        for ui in sorted(waiting):
            unit = units[ui]
            if any(self.where[pi] >= 0 for pi in unit):
                continue
            feas = [ci for ci in self._feasible_of[ui] if self.states[ci].open]
            best = None
            for ci in feas:
                state = self.states[ci]
                if state.size + len(unit) <= state.spec.max_size:
                    cost = sum(self._cost(pi, state) for pi in unit)
                    if best is None or cost < best[0]:
                        best = (cost, ci)
            if best is not None:
                for pi in unit:
                    self._place(pi, self.states[best[1]])
            elif not (feas and self._make_room(unit, feas)):
                left.append((ui, "full" if self._feasible_of[ui] else "nofit"))
        return left

    def _deviation(self) -> float:
        """`quality.deviation` summed over the attributes, from the circles' counters."""
        total = 0.0
        for state in self.states:
            if not state.size:
                continue
            for d, dim in enumerate(self.dims):
                counts, answered = state.counts[d], state.answered[d]
                total += sum(
                    abs(counts.get(value, 0.0) - share * answered)
                    for value, share in dim.shares.items()
                )
        return total

    def _notes(self, before: float, changes: int) -> None:
        """What the assignment did that the organizer should know (not problems)."""
        people, moved = self.made_room
        if people:
            self.notes.append(Problem("made_room", {"count": people, "moved": moved}))
        weights = self.weights
        self.notes.append(
            Problem(
                "balanced",
                {
                    "before": round(before),
                    "after": round(self._deviation()),
                    "changes": changes,
                    "role": weights.role,
                    "age_band": weights.age_band,
                    "neighborhood": weights.neighborhood,
                    "race": weights.race,
                },
            )
        )


def assign(
    people: Iterable[Person],
    circles: Iterable[CircleSpec],
    pairs: Iterable[tuple[int, int]] = (),
    locked_members: Mapping[int, Sequence[Person]] | None = None,
    *,
    weights: Weights = DEFAULT_WEIGHTS,
    improve: bool = True,
) -> Result:
    """Place `people` into the open (unlocked) `circles`.

    `pairs` are keep-together requests (person ids); `locked_members` maps a circle id to the
    people who stay in it whatever happens (members of a locked circle, people an organizer
    placed by hand); they count towards that circle's size and balance and are never moved.
    `weights`: how much each attribute counts in the improvement pass (`improve.Weights`);
    `improve=False` stops after the greedy pass and its repairs (to measure what the
    improvement pass adds).
    """
    return _Assigner(
        list(people), list(circles), list(pairs), locked_members or {}, weights, improve
    ).run()
