"""The improvement pass of the balanced assignment: a bounded local search over every attribute.

After the greedy step has placed everyone it can, this pass moves single people between circles
and swaps two people of different circles, accepting a change only when the assignment's score
goes down. The score of a circle is

    Σ over attributes (role, age band, neighborhood, race/ethnicity) of
        weight(attribute) × Σ over values |count(value) − fair share(value) × answered|
    + W_GAP × people missing from the circle's role minimums
    + W_OVER × people above the circle's maximum share of a role
    + W_LANG × members who join a circle in another language (interpretation),

the first term being `quality.deviation`, the measure of the quality bench. Each change is
evaluated incrementally: only the two circles concerned and, where both people answered, only
the two values that change. Hard rules are never broken (only circles the person fits, sizes
within the smallest and largest size, sizes never made less even by a move), keep-together
groups and fixed people never move, nobody is unplaced, and the number of people missing from
role minimums never goes up (its weight dominates). The number of tries is bounded (`budget`),
and the order is fixed (ids), so the same input gives the same result."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import NamedTuple

from .gaps import GapRepair
from .quality import ATTRIBUTES


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each attribute counts when circles are balanced (one place for the weights).

    The defaults count every attribute alike: the quality bench's measure is their plain sum."""

    role: float = 1.0
    age_band: float = 1.0
    neighborhood: float = 1.0
    race: float = 1.0
    gap: float = 10.0  # per person missing from a role minimum
    over_share: float = 5.0  # per person above a circle's maximum share of a role
    language: float = 2.0  # per member who needs interpretation in their circle
    size: float = 0.1  # × the sum of squared sizes: circles about equally full

    def attribute_weights(self) -> tuple[float, ...]:
        return tuple(float(getattr(self, name)) for name in ATTRIBUTES)


DEFAULT_WEIGHTS = Weights()

# Bounds of the descent: changes weighed per person (at most MAX_TRIES in all), passes, and
# target circles per person and pass; of the annealing: iterations per person, at most.
TRIES_PER_PERSON = 240
MAX_TRIES = 100_000
MAX_PASSES = 20
TARGETS_PER_PERSON = 10
TARGET_WINDOW = 45  # circles estimated per person and pass (the window turns each pass)
SURPLUS = 0.05  # a person is worth moving when their leaving lowers the score by this much
ANNEAL_PER_PERSON = 2_000
ANNEAL_MAX = 150_000
ANNEAL_MIN_PER_PERSON = 100  # fewer per person: no annealing (the descent does the work)
# A small squared term breaks the ties of the absolute deviation (towards the fair share).
SMOOTH = 0.05
# Simulated annealing: its temperatures (in units of the score).
ANNEAL_START = 0.6
EXPLORE_START = 1.5  # the exploring annealing starts hotter: it has further to go
ANNEAL_END = 0.02


class Statics(NamedTuple):
    """What the search needs that does not change while the assignment runs."""

    vid: list  # per attribute: value -> id
    shares: list  # per attribute: the fair shares, by value id
    pv: list  # per person, per attribute: ((value id, weight), ...)
    sv: list  # per person, per attribute: the value id; -1 not answered; below: several
    role_names: list
    role: list  # per person: the role's id
    lang: list  # per person: their language
    fit: list  # per circle, per role id: how many people of that role fit the circle


def statics(assigner) -> Statics:
    """The assigner's `Statics`, built once per assignment."""
    found = getattr(assigner, "improver_statics", None)
    if found is None:
        found = assigner.improver_statics = _statics(assigner)
    return found


def _statics(assigner) -> Statics:
    ndims = len(ATTRIBUTES)
    shares: list[list[float]] = []
    vid: list[dict[str, int]] = []
    for dim in assigner.dims:
        keys = list(dim.shares)
        vid.append({k: i for i, k in enumerate(keys)})
        shares.append([dim.shares[k] for k in keys])
    pvs, svs = [], []
    combos: dict[tuple, int] = {}
    for vals in assigner.values:
        pv = tuple(
            tuple((vid[d][v], 1.0 / len(vals[d])) for v in vals[d] if v in vid[d])
            for d in range(ndims)
        )
        keys = []
        for d in range(ndims):
            if not pv[d]:
                keys.append(-1)
            elif len(pv[d]) == 1:
                keys.append(pv[d][0][0])
            else:
                keys.append(-2 - combos.setdefault((d, pv[d]), len(combos)))
        pvs.append(pv)
        svs.append(tuple(keys))
    role_ids = {r: i for i, r in enumerate(sorted({p.role for p in assigner.people}))}
    role_names = sorted(role_ids, key=role_ids.get)
    role = [role_ids[p.role] for p in assigner.people]
    lang = [p.language for p in assigner.people]
    fit = [[0] * len(role_names) for _ in assigner.states]
    for p, options in enumerate(assigner.feasible):
        for c in options:
            fit[c][role[p]] += 1
    return Statics(vid, shares, pvs, svs, role_names, role, lang, fit)


class Improver(GapRepair):
    """The local search, on arrays of its own built from the assigner's state.

    Per circle it keeps, for each attribute and value, what one more or one fewer person of
    that value would change (the number who answered staying the same: a swap of two people
    who both answered), and per role what one more or one fewer would change in the role
    penalties, so that most swaps are weighed by eight look-ups."""

    def __init__(self, assigner, weights: Weights, *, ceiling: bool = True):
        self.a = assigner
        self.weights = weights
        self.dim_w = weights.attribute_weights()
        ndims = self.ndims = len(ATTRIBUTES)
        (vid, self.shares, self.pv, self.sv, self.role_names, self.role, self.lang, fit) = statics(
            assigner
        )
        self.nvals = [len(s) for s in self.shares]
        states = assigner.states
        self.cnt = [
            [[s.counts[d].get(k, 0.0) for k in vid[d]] for d in range(ndims)] for s in states
        ]
        self.ans = [list(s.answered) for s in states]
        self.roles = [[round(s.counts[0].get(r, 0.0)) for r in self.role_names] for s in states]
        self.size = [s.size for s in states]
        self.members = [list(s.members) for s in states]
        # Per circle and role, how many people of that role fit it (placed or not, fixed
        # members included): a minimum nobody could meet costs nothing (`quality.role_gaps`).
        self.supply = [list(row) for row in fit]
        for c, state in enumerate(states):
            if state.fixed:
                for r, count in enumerate(self.roles[c]):
                    self.supply[c][r] += count

        self.where = list(assigner.where)
        self.wanted: set[int] = set()  # circles someone waiting fits (`GapRepair.fix_gaps`)
        self.moves = 0
        self.journal: list[tuple[int, int]] = []  # (person, circle before), for `anneal`
        # Each attribute's deviation, and its ceiling: what the greedy pass left.
        self.deviation = [
            sum(
                abs(self.cnt[c][d][v] - share * self.ans[c][d])
                for c in range(len(states))
                for v, share in enumerate(self.shares[d])
            )
            for d in range(ndims)
        ]
        # (No ceiling: the repair of role minimums, part of the greedy pass.)
        self.ceiling = list(self.deviation) if ceiling else [math.inf] * ndims
        # The band of sizes: from two below the average size to two above, or as wide as the
        # greedy pass left the circles at their smallest size or more (the size term of the
        # score keeps them about even; a wider band lets the mix come first).
        used = [c for c, s in enumerate(states) if s.open and self.size[c]]
        average = sum(self.size[c] for c in used) / len(used) if used else 0.0
        filled = [self.size[c] for c in used if self.size[c] >= states[c].spec.min_size]
        self.band_low = min([math.floor(average) - 2, *filled])
        self.band_high = max([math.ceil(average) + 2, *filled])
        self.up: list[list[list[float]]] = [[] for _ in states]
        self.dn: list[list[list[float]]] = [[] for _ in states]
        self.pin: list[list[float]] = [[] for _ in states]
        self.pout: list[list[float]] = [[] for _ in states]
        for c in range(len(states)):
            self._refresh(c)
        self.gap_ceiling = self._gap_count()

    # the score ------------------------------------------------------------------------------

    def _refresh(self, c: int) -> None:
        """Circle c's tables: the change of one more / one fewer of each value and role."""
        ups, dns = [], []
        for d in range(self.ndims):
            w = self.dim_w[d]
            n = self.ans[c][d]
            up, dn = [], []
            for v, share in enumerate(self.shares[d]):
                x = self.cnt[c][d][v] - share * n
                ax = abs(x)
                up.append(w * (abs(x + 1.0) - ax + SMOOTH * (2.0 * x + 1.0)))
                dn.append(w * (abs(x - 1.0) - ax + SMOOTH * (1.0 - 2.0 * x)))
            ups.append(up)
            dns.append(dn)
        self.up[c], self.dn[c] = ups, dns
        self.pin[c] = [self._role_penalty(c, r, 1, 0) for r in range(len(self.role_names))]
        self.pout[c] = [self._role_penalty(c, r, -1, 0) for r in range(len(self.role_names))]

    def _dim_delta(self, c: int, d: int, rem, add) -> float:
        """Change of circle c's deviation in attribute d when `rem` leaves and `add` joins."""
        if rem == add:
            return 0.0
        cnt = self.cnt[c][d]
        sh = self.shares[d]
        n0 = self.ans[c][d]
        n1 = n0 + (1 if add else 0) - (1 if rem else 0)
        change: dict[int, float] = {}
        for v, w in rem:
            change[v] = change.get(v, 0.0) - w
        for v, w in add:
            change[v] = change.get(v, 0.0) + w
        total = 0.0
        values = range(self.nvals[d]) if n1 != n0 else change
        for v in values:
            x0 = cnt[v] - sh[v] * n0
            x1 = cnt[v] + change.get(v, 0.0) - sh[v] * n1
            total += abs(x1) - abs(x0) + SMOOTH * (x1 * x1 - x0 * x0)
        return self.dim_w[d] * total

    def _gap(self, need: int, have: int) -> float:
        # A circle short of a role counts once, and once more per missing person.
        missing = need - have
        return (missing + 2) * self.weights.gap if missing > 0 else 0.0

    def _role_penalty(self, c: int, role: int, change: int, size_change: int) -> float:
        """Change of circle c's role penalties when `change` people of `role` join (or leave)
        and its size changes by `size_change` (which moves every role's maximum share)."""
        state = self.a.states[c]
        have = self.roles[c][role]
        total = 0.0
        need = state.needs.get(self.role_names[role], 0)
        if need and self.supply[c][role] >= need:
            total += self._gap(need, have + change) - self._gap(need, have)
        share = state.max_share
        if share is not None:
            limit0 = share * max(self.size[c], state.spec.min_size)
            limit1 = share * max(self.size[c] + size_change, state.spec.min_size)
            over = self.weights.over_share
            if limit0 == limit1:
                return total + over * (max(0.0, have + change - limit1) - max(0.0, have - limit0))
            for r, count in enumerate(self.roles[c]):
                after = count + change if r == role else count
                total += over * (max(0.0, after - limit1) - max(0.0, count - limit0))
        return total

    def _lang(self, p: int, c: int) -> float:
        return self.weights.language if self.lang[p] != self.a.states[c].spec.language else 0.0

    def swap_delta(self, p: int, q: int) -> float:
        """Exact change of the score when p and q (in different circles) change places."""
        a, b = self.where[p], self.where[q]
        ps, qs = self.sv[p], self.sv[q]
        upa, dna, upb, dnb = self.up[a], self.dn[a], self.up[b], self.dn[b]
        delta = 0.0
        for d in range(self.ndims):
            x, y = ps[d], qs[d]
            if x == y:
                continue
            if x >= 0 and y >= 0:
                delta += dna[d][x] + upa[d][y] + dnb[d][y] + upb[d][x]
            else:
                delta += self._dim_delta(a, d, self.pv[p][d], self.pv[q][d])
                delta += self._dim_delta(b, d, self.pv[q][d], self.pv[p][d])
        rp, rq = self.role[p], self.role[q]
        if rp != rq:
            delta += self.pout[a][rp] + self.pin[a][rq] + self.pout[b][rq] + self.pin[b][rp]
        if self.lang[p] != self.lang[q]:
            delta += self._lang(p, b) + self._lang(q, a) - self._lang(p, a) - self._lang(q, b)
        return delta

    def replace_delta(self, p: int, q: int) -> float:
        """Exact change of the score when p (not placed) takes q's place (q leaves)."""
        return self._replace(self.where[q], p, q)

    def _replace(self, b: int, p: int, q: int) -> float:
        """Exact change of circle b's score when p joins it and q (in it) leaves."""
        ps, qs = self.sv[p], self.sv[q]
        upb, dnb = self.up[b], self.dn[b]
        delta = 0.0
        for d in range(self.ndims):
            x, y = ps[d], qs[d]
            if x == y:
                continue
            if x >= 0 and y >= 0:
                delta += dnb[d][y] + upb[d][x]
            else:
                delta += self._dim_delta(b, d, self.pv[q][d], self.pv[p][d])
        rp, rq = self.role[p], self.role[q]
        if rp != rq:
            delta += self.pout[b][rq] + self.pin[b][rp]
        return delta + self._lang(p, b) - self._lang(q, b)

    def move_delta(self, p: int, b: int) -> float:
        """Exact change of the score when p moves to circle b (or joins it, if unplaced)."""
        a = self.where[p]
        pv = self.pv[p]
        delta = 0.0
        for d in range(self.ndims):
            if pv[d]:
                delta += self._dim_delta(b, d, (), pv[d])
                if a >= 0:
                    delta += self._dim_delta(a, d, pv[d], ())
        role = self.role[p]
        size_w = self.weights.size
        delta += self._role_penalty(b, role, 1, 1) + self._lang(p, b)
        delta += size_w * (2 * self.size[b] + 1)
        if a >= 0:
            delta += self._role_penalty(a, role, -1, -1) - self._lang(p, a)
            delta += size_w * (1 - 2 * self.size[a])
        return delta

    # changes ----------------------------------------------------------------------------------

    def _shift(self, p: int, c: int, sign: int) -> None:
        for d, vals in enumerate(self.pv[p]):
            if not vals:
                continue
            self.ans[c][d] += sign
            cnt = self.cnt[c][d]
            for v, w in vals:
                cnt[v] += sign * w
        self.roles[c][self.role[p]] += sign
        self.size[c] += sign
        if sign > 0:
            self.members[c].append(p)
            self.where[p] = c
        else:
            self.members[c].remove(p)
            self.where[p] = -1

    def _move(self, p: int, b: int) -> None:
        a = self.where[p]
        self.journal.append((p, a))
        if a >= 0:
            self._shift(p, a, -1)
        if b >= 0:
            self._shift(p, b, 1)
        self.moves += 1
        for c in (a, b):
            if c >= 0:
                self._refresh(c)

    def _pure(self, c: int, d: int, leaving: list[int], joining: list[int]) -> float:
        """Change of circle c's plain deviation (`quality.deviation`) in attribute d."""
        pv = self.pv
        change: dict[int, float] = {}
        n0 = self.ans[c][d]
        n1 = n0
        for p in leaving:
            if pv[p][d]:
                n1 -= 1
                for v, w in pv[p][d]:
                    change[v] = change.get(v, 0.0) - w
        for p in joining:
            if pv[p][d]:
                n1 += 1
                for v, w in pv[p][d]:
                    change[v] = change.get(v, 0.0) + w
        cnt, sh = self.cnt[c][d], self.shares[d]
        values = range(self.nvals[d]) if n1 != n0 else change
        return sum(
            abs(cnt[v] + change.get(v, 0.0) - sh[v] * n1) - abs(cnt[v] - sh[v] * n0) for v in values
        )

    def _change(self, moves) -> list[float]:
        """Per attribute, the change of the plain deviation the moves would make."""
        leaving: dict[int, list[int]] = {}
        joining: dict[int, list[int]] = {}
        for p, c in moves:
            if self.where[p] >= 0:
                leaving.setdefault(self.where[p], []).append(p)
            if c >= 0:
                joining.setdefault(c, []).append(p)
        circles = sorted(set(leaving) | set(joining))
        return [
            sum(self._pure(c, d, leaving.get(c, []), joining.get(c, [])) for c in circles)
            for d in range(self.ndims)
        ]

    def _over(self, change: list[float]) -> float:
        """How much further above the ceilings (what the greedy pass left) the attributes go."""
        total = 0.0
        for d in range(self.ndims):
            before = self.deviation[d] - self.ceiling[d]
            after = before + change[d]
            total += max(0.0, after) - max(0.0, before)
        return total

    def _apply(self, moves, change: list[float] | None = None) -> bool:
        """Make the moves ((person, circle) each; -1: out), unless `change` is None and they
        leave an attribute's deviation above what the greedy pass left it."""
        bounded = change is None
        if bounded:
            change = self._change(moves)
            if any(
                self.deviation[d] + change[d] > self.ceiling[d] + 1e-6 for d in range(self.ndims)
            ):
                return False
        circles = {self.where[p] for p, _c in moves} | {c for _p, c in moves}
        circles.discard(-1)
        gaps = sum(self._gaps_of(c) for c in circles)
        undo = [(p, self.where[p]) for p, _c in moves]
        for p, c in moves:
            self._move(p, c)
        if bounded and sum(self._gaps_of(c) for c in circles) > gaps:
            for p, c in reversed(undo):  # no more circles short of a role minimum
                self._move(p, c)
            self.moves -= 2 * len(moves)
            return False
        for d in range(self.ndims):
            self.deviation[d] += change[d]
        return True

    def set_ceilings(self) -> None:
        """From now on no attribute's deviation, nor the number of role gaps, may end above
        where they are (what the greedy pass and its repairs left)."""
        self.ceiling = list(self.deviation)
        self.gap_ceiling = self._gap_count()

    def _within_ceiling(self) -> bool:
        return self._gap_count() <= self.gap_ceiling and all(
            self.deviation[d] <= self.ceiling[d] + 1e-6 for d in range(self.ndims)
        )

    # the search -------------------------------------------------------------------------------

    def _movable(self, p: int) -> bool:
        return self.a.unit_of[p] == -1

    def _can_move(self, a: int, b: int) -> bool:
        """A move keeps both circles within their sizes and within the band of sizes (two
        below the average to two above, or closer to it than they were)."""
        spec_a, spec_b = self.a.states[a].spec, self.a.states[b].spec
        size_a, size_b = self.size[a], self.size[b]
        return (
            size_b < spec_b.max_size
            and size_a - 1 >= spec_a.min_size
            and size_b <= size_a
            and (size_b < self.band_high or size_b < size_a - 1)
            and (size_a > self.band_low or size_b < size_a - 1)
        )

    def _targets(self, p: int, window: int) -> list[int]:
        """Some of p's other circles, those where p would do the most good first (an estimate
        that leaves the number who answered unchanged); `window` turns through the rest."""
        a = self.where[p]
        states = self.a.states
        ps = self.sv[p]
        role = self.role[p]
        options = self.a.feasible[p]
        if len(options) > TARGET_WINDOW:
            start = (window * TARGET_WINDOW + p) % len(options)
            options = (options[start:] + options[:start])[:TARGET_WINDOW]
        ranked = []
        for b in options:
            if b == a or not states[b].open or not self.size[b]:
                continue
            upb = self.up[b]
            est = self.pin[b][role]
            for d in range(self.ndims):
                if ps[d] >= 0:
                    est += upb[d][ps[d]]
            ranked.append((est, b))
        ranked.sort()
        return [b for _est, b in ranked[:TARGETS_PER_PERSON]]

    def _surplus(self, p: int) -> bool:
        """Whether p's leaving their circle would lower its score (else a change is unlikely
        to help: p is skipped by the descent)."""
        a = self.where[p]
        if a < 0:
            return True
        ps = self.sv[p]
        dna = self.dn[a]
        gain = self.pout[a][self.role[p]]
        for d in range(self.ndims):
            if ps[d] >= 0:
                gain += dna[d][ps[d]]
            elif ps[d] < -1:
                return True
        return gain < -SURPLUS

    def _improve_person(self, p: int, tries: list[int], window: int) -> bool:
        if not self._surplus(p):
            return False
        a = self.where[p]
        feasible_set = self.a.feasible_set
        best = None
        for b in self._targets(p, window):
            if tries[0] <= 0:
                break
            if a >= 0 and self._can_move(a, b):
                tries[0] -= 1
                delta = self.move_delta(p, b)
                if delta < -1e-9 and (best is None or delta < best[0]):
                    best = (delta, b, -1)
            for q in self.members[b]:
                if self.a.unit_of[q] != -1:
                    continue
                if a >= 0 and a not in feasible_set[q]:
                    continue
                tries[0] -= 1
                # An unplaced p takes q's place.
                delta = self.swap_delta(p, q) if a >= 0 else self.replace_delta(p, q)
                if delta < -1e-9 and (best is None or delta < best[0]):
                    best = (delta, b, q)
            if best is not None:
                break
        if best is None:
            return False
        _delta, b, q = best
        return self._apply(((q, a), (p, b)) if q >= 0 else ((p, b),))

    def run(self, budget: int | None = None) -> int:
        """Improve until no change helps or the tries run out; return the changes made."""
        people = [p for p in range(len(self.where)) if self.where[p] >= 0 and self._movable(p)]
        # Unplaced people (not in a group) may take a placed person's place if that helps:
        # the number placed stays the same.
        waiting = [p for p in range(len(self.where)) if self.where[p] < 0 and self._movable(p)]
        if budget is None:
            budget = min(MAX_TRIES, TRIES_PER_PERSON * max(1, len(people)))
        tries = [budget]
        for window in range(MAX_PASSES):
            changed = 0
            for p in people + waiting:
                if tries[0] <= 0:
                    break
                if self._improve_person(p, tries, window):
                    changed += 1
            if not changed or tries[0] <= 0:
                break
        return self.moves

    def anneal(self, iterations: int, seed: int, *, explore: bool = False) -> None:
        """Simulated annealing: random moves, swaps and replacements (a pseudo-random
        generator seeded by the caller, so the same input gives the same result), worse ones
        accepted now and then while the temperature falls; ends on the best state seen.
        `explore`: the walk may take an attribute above what the greedy pass left it (only
        states within are kept); else it never does."""
        if iterations <= 0:
            return
        rng = random.Random(seed)  # noqa: S311 - a search order, not security
        feasible = self.a.feasible
        feasible_set = self.a.feasible_set
        states = self.a.states
        people = [
            p
            for p in range(len(self.where))
            if self._movable(p) and feasible[p] and (self.where[p] >= 0 or len(feasible[p]))
        ]
        if not people:
            return
        start = EXPLORE_START if explore else ANNEAL_START
        temperature = start
        cooling = (ANNEAL_END / start) ** (1.0 / iterations)
        current = best = 0.0
        best_deviation = list(self.deviation)
        self.gap_ceiling = min(self.gap_ceiling, self._gap_count())  # never more gaps
        self.journal = []
        members = self.members
        for _it in range(iterations):
            temperature *= cooling
            p = people[rng.randrange(len(people))]
            options = feasible[p]
            b = options[rng.randrange(len(options))]
            a = self.where[p]
            if b == a or not states[b].open:
                continue
            k = rng.randrange(self.size[b] + 1)
            inside = members[b]
            if k >= len(inside):
                if a < 0 or not self._can_move(a, b):
                    continue
                q = -1
                delta = self.move_delta(p, b)
            else:
                q = inside[k]
                if self.a.unit_of[q] != -1:
                    continue
                if a >= 0:
                    if a not in feasible_set[q]:
                        continue
                    delta = self.swap_delta(p, q)
                else:
                    delta = self.replace_delta(p, q)
            if delta > 0 and rng.random() >= math.exp(-delta / temperature):
                continue
            moves = ((q, a), (p, b)) if q >= 0 else ((p, b),)
            change = self._change(moves)
            if not explore and self._over(change) > 1e-6:
                continue
            self._apply(moves, change)
            current += delta
            if current < best - 1e-9 and self._within_ceiling():
                best = current
                best_deviation = list(self.deviation)
                self.journal = []
        # Back to the best state seen.
        undo, self.journal = self.journal, []
        for p, before in reversed(undo):
            self._move(p, before)
        self.journal = []
        self.deviation = best_deviation

    def apply(self) -> None:
        """Write the changes back into the assigner's circles."""
        a = self.a
        for p, c in enumerate(self.where):
            if a.where[p] >= 0 and a.where[p] != c:
                a._unplace(p)
        for p, c in enumerate(self.where):
            if c >= 0 and a.where[p] != c:
                a._place(p, a.states[c])
