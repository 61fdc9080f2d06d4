"""Making room (a part of the algorithm: no database): when a person or keep-together group
fits only full circles, placed single people move along a short chain of circles that fit them
to one with room, and the group takes the freed places. And closing a circle that cannot meet a
role minimum: when everyone in it can sit in other circles that fit them, it is left unused
rather than run without, say, a sworn officer. A mixin of `algorithm._Assigner`."""

from __future__ import annotations

from .improve import statics

MAX_ROOM_DEPTH = 4  # the longest chain of moves that makes room for someone
MAX_ROOM_LOOKS = 20_000  # circles looked at per search for a place (a bound on its time)


class MakingRoom:
    def _close_for_roles(self) -> list[tuple[int, str, int, int]]:
        """Circles still short of a role minimum that enough people of that role fit (after
        the repairs): leave each unused when every member can be seated in another open circle
        that fits them and already has people (directly or by making room), most gaps first.
        Nobody is unplaced, no circle goes below its smallest size or a role minimum, so the
        circles short of a role minimum can only go down. (circle, role, minimum, members) of
        each circle closed."""
        known = statics(self)
        role_id = {name: r for r, name in enumerate(known.role_names)}

        def gaps(state) -> list[tuple[str, int]]:
            fit = known.fit[state.index]
            return [
                (role, minimum)
                for role, minimum in sorted(state.needs.items())
                if role in role_id and self._role_count(state, role) < minimum <= fit[role_id[role]]
            ]

        candidates = [s for s in self.states if s.open and s.members and not s.fixed and gaps(s)]
        candidates.sort(key=lambda s: (-len(gaps(s)), s.size, s.spec.id))
        closed = []
        made_room = list(self.made_room)
        for state in candidates:
            short = gaps(state)
            if not short:
                continue
            before = list(self.where)
            count = len(state.members)
            if self._reseat(state):
                role, minimum = short[0]
                closed.append((state.index, role, minimum, count))
                continue
            state.open = True  # back as it was
            changed = [pi for pi, ci in enumerate(self.where) if ci != before[pi]]
            for pi in changed:
                if self.where[pi] >= 0:
                    self._unplace(pi)
            for pi in changed:
                if before[pi] >= 0:
                    self._place(pi, self.states[before[pi]])
        self.made_room = made_room  # the moves of a closing are reported with it
        return closed

    def _reseat(self, state) -> bool:
        """Close the circle and seat each of its units elsewhere (the lowest cost among open
        circles with people and room, else by making room); False as soon as one can't be."""
        state.open = False
        units, seen = [], set()
        for pi in sorted(state.members):
            if pi not in seen:
                unit = self._units[self.unit_of[pi]] if self.unit_of[pi] >= 0 else [pi]
                seen.update(unit)
                units.append(unit)
        for unit in units:
            for pi in unit:
                self._unplace(pi)
        self._filling = False  # chains never start an empty circle
        try:
            for unit in units:
                feas = [ci for ci in self._unit_feasible(unit) if self.states[ci].open]
                feas = [ci for ci in feas if self.states[ci].size]
                best = None
                for ci in feas:
                    other = self.states[ci]
                    if other.size + len(unit) <= other.spec.max_size:
                        cost = sum(self._cost(pi, other) for pi in unit)
                        if best is None or (cost, ci) < best:
                            best = (cost, ci)
                if best is not None:
                    for pi in unit:
                        self._place(pi, self.states[best[1]])
                elif not (feas and self._make_room(unit, feas)):
                    return False
        finally:
            self._filling = True
        return True

    def _make_room(self, unit: list[int], feas: list[int]) -> bool:
        """The unit fits only full circles: free places in one of them by moving placed single
        people along a short chain of circles that fit them, the last one with room (never
        below a role minimum where someone leaves), then place the unit there. Changes nothing
        if no circle can be freed."""
        full = [ci for ci in feas if self.states[ci].open]
        if len(unit) == 1:
            # One search from all of them at once: the shortest chain to any.
            found = self._free_seat(full)
            if found is None:
                return False
            moves, ci = found
            self._place(unit[0], self.states[ci])
            self.made_room[0] += 1
            self.made_room[1] += len(moves)
            return True
        for ci in full:
            state = self.states[ci]
            short = state.size + len(unit) - state.spec.max_size
            if short > len(unit):
                continue
            moves: list[tuple[int, int]] = []  # (person, circle they came from)
            for _seat in range(short):
                found = self._free_seat([ci])
                if found is None:
                    break
                moves.extend(found[0])
            if state.size + len(unit) <= state.spec.max_size:
                for pi in unit:
                    self._place(pi, state)
                self.made_room[0] += len(unit)
                self.made_room[1] += len({pi for pi, _ci in moves})
                return True
            for pi, source in reversed(moves):
                self._unplace(pi)
                self._place(pi, self.states[source])
        return False

    def _free_seat(self, sources: list[int]) -> tuple[list[tuple[int, int]], int] | None:
        """Free one place in one of the circles `sources`: a breadth-first search for a chain
        of moves (each person to a circle that fits them) ending in a circle with room; the
        moves made and the circle freed, or None."""
        parent: dict[int, tuple[int, int]] = {}  # circle -> (circle before it, person moved)
        frontier = list(sources)
        seen = set(sources)
        looks = MAX_ROOM_LOOKS
        for _depth in range(MAX_ROOM_DEPTH):
            following = []
            for c in frontier:
                state = self.states[c]
                for q in sorted(state.members):  # (people are in id order)
                    role = self.people[q].role
                    if not self._movable(q) or state.needs.get(role, 0) >= self._role_count(
                        state, role
                    ):
                        continue
                    looks -= len(self.feasible[q])
                    if looks < 0:
                        return None
                    for t in self.feasible[q]:
                        target = self.states[t]
                        if t in seen or not target.open:
                            continue
                        if not target.size and not self._filling:
                            continue  # (after the greedy pass) no circle of one
                        seen.add(t)
                        parent[t] = (c, q)
                        if target.size < target.spec.max_size:
                            return self._shift_chain(parent, t)
                        following.append(t)
            frontier = following
            if not frontier:
                break
        return None

    def _shift_chain(self, parent, last: int) -> tuple[list[tuple[int, int]], int]:
        moves = []
        t = last
        while t in parent:
            c, q = parent[t]
            self._unplace(q)
            self._place(q, self.states[t])
            moves.append((q, c))
            t = c
        return moves, t
