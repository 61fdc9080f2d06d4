"""Making room (a part of the algorithm: no database): when a person or keep-together group
fits only full circles, placed single people move along a short chain of circles that fit them
to one with room, and the group takes the freed places. A mixin of `algorithm._Assigner`."""

from __future__ import annotations

MAX_ROOM_DEPTH = 4  # the longest chain of moves that makes room for someone


class MakingRoom:
    def _make_room(self, unit: list[int], feas: list[int]) -> bool:
        """The unit fits only full circles: free places in one of them by moving placed single
        people along a short chain of circles that fit them, the last one with room (never
        below a role minimum where someone leaves), then place the unit there. Changes nothing
        if no circle can be freed."""
        for ci in feas:
            state = self.states[ci]
            if not state.open:
                continue
            short = state.size + len(unit) - state.spec.max_size
            if short > len(unit):
                continue
            moves: list[tuple[int, int]] = []  # (person, circle they came from)
            for _seat in range(short):
                chain = self._free_seat(ci)
                if chain is None:
                    break
                moves.extend(chain)
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

    def _free_seat(self, ci: int) -> list[tuple[int, int]] | None:
        """Free one place in circle ci: a breadth-first search for a chain of moves (each person
        to a circle that fits them) ending in a circle with room; the moves made, or None."""
        parent: dict[int, tuple[int, int]] = {}  # circle -> (circle before it, person moved)
        frontier = [ci]
        seen = {ci}
        for _depth in range(MAX_ROOM_DEPTH):
            following = []
            for c in frontier:
                state = self.states[c]
                for q in sorted(state.members, key=lambda pi: self.people[pi].id):
                    role = self.people[q].role
                    if not self._movable(q) or state.needs.get(role, 0) >= self._role_count(
                        state, role
                    ):
                        continue
                    for t in self.feasible[q]:
                        target = self.states[t]
                        if t in seen or not target.open:
                            continue
                        seen.add(t)
                        parent[t] = (c, q)
                        if target.size < target.spec.max_size:
                            return self._shift_chain(parent, t)
                        following.append(t)
            frontier = following
            if not frontier:
                break
        return None

    def _shift_chain(self, parent, last: int) -> list[tuple[int, int]]:
        moves = []
        t = last
        while t in parent:
            c, q = parent[t]
            self._unplace(q)
            self._place(q, self.states[t])
            moves.append((q, c))
            t = c
        return moves
