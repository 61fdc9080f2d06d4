"""The repair of role minimums (a part of the improvement pass: no database): circles short of
a role minimum (e.g. "at least one sworn officer") get someone of that role by a move, a swap, a
cycle of three, or a chain through a few circles. A change is kept only when fewer circles end
short. A mixin of `improve.Improver`, on its arrays."""

from __future__ import annotations

CHAIN_DEPTH = 4  # circles a chain that brings a role to a circle short of it passes through
CYCLE_CIRCLES = 15  # circles tried for the third person of a cycle
EVEN_DEPTH = 3  # circles a chain that evens out a chain's ends passes through
EVEN_LOOKS = 5_000  # circles (or members) looked at per such chain (a bound on its time)


class GapRepair:
    def fix_gaps(self, budget: int) -> None:
        """Circles short of a role minimum: bring someone of that role from a circle with more
        than its own minimum, by a move, a swap or a cycle of three (p to the short circle X,
        someone of X to a circle Z, someone of Z to p's circle) when the score goes down, else
        by a chain through a few circles (`_chain`) when fewer circles end short."""
        states = self.a.states
        feasible, feasible_set = self.a.feasible, self.a.feasible_set
        unit_of = self.a.unit_of
        by_role: dict[int, list[int]] = {}
        for p, c in enumerate(self.where):
            if c >= 0 and unit_of[p] == -1:
                by_role.setdefault(self.role[p], []).append(p)
        # Circles someone waiting fits: their places are kept for them (nobody is placed here).
        self.wanted = {c for p, c0 in enumerate(self.where) if c0 < 0 for c in feasible[p]}
        for x, state in enumerate(states):
            if not state.open or not self.size[x] or not state.needs:
                continue
            for role_name, need in state.needs.items():
                if role_name not in self.role_names:
                    continue
                r = self.role_names.index(role_name)
                if self.roles[x][r] >= need or self.supply[x][r] < need:
                    continue
                # Several people may be missing: a chain that brings one without meeting
                # the minimum is kept only if x ends with enough.
                # (Each change leaves no more circles short of a role minimum than before.)
                mark, deviation, moves = len(self.journal), list(self.deviation), self.moves
                partial = False
                while self.roles[x][r] < need and budget > 0:
                    have = self.roles[x][r]
                    done, budget = self._fill(x, r, by_role.get(r, []), budget)
                    if not done and need - have > 1:
                        done, budget = self._chain(x, r, budget, partial=True)
                        partial = partial or done
                    elif not done:
                        done, budget = self._chain(x, r, budget)
                    if not done or self.roles[x][r] <= have:
                        break
                if partial and self.roles[x][r] < need:
                    self._rewind(mark)  # people of that role moved to x for nothing
                    self.deviation, self.moves = deviation, moves
        del feasible, feasible_set

    def _rewind(self, mark: int) -> None:
        """Undo the moves made since the journal had `mark` entries."""
        undo = self.journal[mark:]
        for p, before in reversed(undo):
            self._move(p, before)
        del self.journal[mark:]

    def _chain(self, x: int, r: int, budget: int, partial: bool = False) -> tuple[bool, int]:
        """A chain that brings someone of role r to circle x: someone of role r moves from y1
        to x, someone of role r from y2 to y1, … from a circle that can spare one (or is short
        anyway), found breadth-first in a few steps. The circles between keep their sizes;
        the ends are evened out by someone of x going to the last circle, or to a circle with
        room, when sizes ask for it. Kept only if fewer circles end short of a role minimum
        (`partial`: or as many, x being one closer to its minimum)."""
        states = self.a.states
        feasible_set = self.a.feasible_set
        unit_of = self.a.unit_of
        name = self.role_names[r]
        parent: dict[int, tuple[int, int]] = {}  # circle -> (circle it gives to, who moves)
        frontier, seen = [x], {x}
        for _depth in range(CHAIN_DEPTH):
            following = []
            for c in frontier:
                for y, state in enumerate(states):
                    if y in seen or not state.open or not self.size[y]:
                        continue
                    budget -= 1
                    p = next(
                        (
                            p
                            for p in self.members[y]
                            if self.role[p] == r and unit_of[p] == -1 and c in feasible_set[p]
                        ),
                        None,
                    )
                    if p is None:
                        continue
                    seen.add(y)
                    parent[y] = (c, p)
                    need = state.needs.get(name, 0)
                    have = self.roles[y][r]
                    if have - 1 >= need or have < need or self.supply[y][r] < need:
                        moves = self._even_ends(parent, x, y, r)
                        if moves is not None and self._keep_chain(moves, partial):
                            return True, budget
                    following.append(y)
                if budget <= 0:
                    return False, budget
            frontier = following
            if not frontier:
                break
        return False, budget

    def _even_ends(self, parent, x: int, last: int, r: int) -> list[tuple[int, int]] | None:
        """The chain's moves, with those that keep x (one more) and `last` (one fewer) within
        their sizes: someone of x to `last`, or out of x along a short chain of circles to
        one with room, and someone into `last` from a circle above its smallest size (or along
        a chain); None if sizes can't be kept."""
        states = self.a.states
        moves = self._walk(parent, last, pulled=True)
        movers = self._spare(x, r)
        for q in movers:  # the sizes stay as they are
            if last in self.a.feasible_set[q]:
                return [*moves, (q, last)]
        busy = {p for p, _c in moves}
        refilled = False
        if not self._has_room(x):
            eject = self._eject(x, r, last, busy)
            if eject is None:
                return None
            moves += eject
            busy.update(p for p, _c in eject)
            refilled = eject[-1][1] == last
        if not refilled and self.size[last] <= states[last].spec.min_size:
            pull = self._pull(last, r, busy)
            if pull is None:
                return None
            moves += pull
        return moves

    def _has_room(self, c: int) -> bool:
        """Whether circle c can take one more: below its largest size, and nobody waiting fits
        it (someone waiting comes first)."""
        state = self.a.states[c]
        return state.open and 0 < self.size[c] < state.spec.max_size and c not in self.wanted

    def _spare(self, c: int, r: int) -> list[int]:
        """Members of circle c who may leave it: single (not in a keep-together group), not of
        role r, and of a role c has more of than its minimum."""
        needs = self.a.states[c].needs
        names, role, roles = self.role_names, self.role, self.roles[c]
        return [
            q
            for q in self.members[c]
            if self.a.unit_of[q] == -1
            and role[q] != r
            and roles[role[q]] > needs.get(names[role[q]], 0)
        ]

    def _eject(self, x: int, r: int, last: int, busy: set[int]) -> list[tuple[int, int]] | None:
        """Moves that take one person out of x: to a circle with room (or to `last`, which
        the chain leaves one smaller), through full circles if need be (breadth-first)."""
        states, feasible = self.a.states, self.a.feasible
        parent: dict[int, tuple[int, int]] = {}
        frontier, seen = [x], {x}
        looks = EVEN_LOOKS
        for _depth in range(EVEN_DEPTH):
            following = []
            for c in frontier:
                for q in self._spare(c, r):
                    if q in busy:
                        continue
                    looks -= len(feasible[q])
                    if looks < 0:
                        return None
                    for t in feasible[q]:
                        if t in seen or not states[t].open or not self.size[t]:
                            continue
                        seen.add(t)
                        parent[t] = (c, q)
                        if t == last or self._has_room(t):
                            return self._walk(parent, t)
                        following.append(t)
            frontier = following
        return None

    def _pull(self, last: int, r: int, busy: set[int]) -> list[tuple[int, int]] | None:
        """Moves that bring one person into `last` from a circle above its smallest size,
        through circles at their smallest size if need be (breadth-first)."""
        states, feasible_set = self.a.states, self.a.feasible_set
        parent: dict[int, tuple[int, int]] = {}  # circle -> (circle it gives to, who moves)
        frontier, seen = [last], {last}
        looks = EVEN_LOOKS
        for _depth in range(EVEN_DEPTH):
            following = []
            for c in frontier:
                for w, state in enumerate(states):
                    if w in seen or not state.open or not self.size[w]:
                        continue
                    looks -= len(self.members[w])
                    if looks < 0:
                        return None
                    q = next(
                        (q for q in self._spare(w, r) if q not in busy and c in feasible_set[q]),
                        None,
                    )
                    if q is None:
                        continue
                    seen.add(w)
                    parent[w] = (c, q)
                    if self.size[w] > state.spec.min_size:
                        return self._walk(parent, w, pulled=True)
                    following.append(w)
            frontier = following
        return None

    @staticmethod
    def _walk(parent, end: int, *, pulled: bool = False) -> list[tuple[int, int]]:
        """The moves (person, circle they go to) of a breadth-first search's chain, from `end`
        back to where it started. parent[t] = (c, q): q goes from c to t, or (`pulled`) from t
        to c."""
        moves = []
        t = end
        while t in parent:
            c, q = parent[t]
            moves.append((q, c) if pulled else (q, t))
            t = c
        return moves

    def _keep_chain(self, moves, partial: bool) -> bool:
        """Make the moves if fewer circles end short of a role minimum (`partial`: or as many)."""
        circles = {self.where[p] for p, _c in moves} | {c for _p, c in moves}
        gaps = sum(self._gaps_of(c) for c in circles)
        mark, deviation, count = len(self.journal), list(self.deviation), self.moves
        change = self._change(moves)
        if any(self.deviation[d] + change[d] > self.ceiling[d] + 1e-6 for d in range(self.ndims)):
            return False  # (once the ceilings are set: none above what the greedy pass left)
        self._apply(moves, change)
        after = sum(self._gaps_of(c) for c in circles)
        if after < gaps or (partial and after == gaps):
            return True
        self._rewind(mark)
        self.deviation, self.moves = deviation, count
        return False

    def _fill(self, x: int, r: int, candidates: list[int], budget: int) -> tuple[bool, int]:
        states = self.a.states
        feasible, feasible_set = self.a.feasible, self.a.feasible_set
        unit_of = self.a.unit_of
        best = None
        for p in candidates:
            y = self.where[p]
            if y < 0 or y == x or x not in feasible_set[p] or unit_of[p] != -1:
                continue
            if self.roles[y][r] == states[y].needs.get(self.role_names[r], 0):
                continue  # would leave y short: the score decides the other cases
            if budget <= 0:
                break
            if self._can_move(y, x):
                budget -= 1
                delta = self.move_delta(p, x)
                if delta < -1e-9 and (best is None or delta < best[0]):
                    best = (delta, ((p, x),))
            for q in self.members[x]:
                if unit_of[q] != -1 or self.role[q] == r:
                    continue
                enter_x = self._replace(x, p, q)
                if y in feasible_set[q]:
                    budget -= 1
                    delta = enter_x + self._replace(y, q, p)
                    if delta < -1e-9 and (best is None or delta < best[0]):
                        best = (delta, ((q, y), (p, x)))
                for z in feasible[q][:CYCLE_CIRCLES]:
                    if z in (x, y) or not states[z].open:
                        continue
                    for t in self.members[z]:
                        if unit_of[t] != -1 or y not in feasible_set[t]:
                            continue
                        budget -= 1
                        delta = enter_x + self._replace(z, q, t) + self._replace(y, t, p)
                        if delta < -1e-9 and (best is None or delta < best[0]):
                            best = (delta, ((q, z), (p, x), (t, y)))
            if best is not None:
                break
        if best is None:
            return False, budget
        return self._apply(best[1]), budget

    def _gaps_of(self, c: int) -> int:
        """Circle c's role gaps as `quality.role_gaps` counts them."""
        needs = self.a.states[c].needs
        if not needs or not self.size[c]:
            return 0
        gaps = 0
        for r, name in enumerate(self.role_names):
            need = needs.get(name, 0)
            if need and self.roles[c][r] < need <= self.supply[c][r]:
                gaps += 1
        return gaps

    def _gap_count(self) -> int:
        return sum(self._gaps_of(c) for c in range(len(self.size)))
