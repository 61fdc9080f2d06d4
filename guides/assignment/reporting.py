"""What the assignment could not do, as `Problem`s (a part of the algorithm: no database)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from .improve import statics
from .model import Person, Problem, fits


class Reporting:
    """The report step of `algorithm._Assigner`: one `Problem` per thing it could not do."""

    def _why_no_fit(self, person: Person) -> str:
        """Why no circle fits this person: time, language, both, access, or only locked ones."""
        specs = [s.spec for s in self.states]
        time_ok = [c for c in specs if not c.time_slot or c.time_slot in person.availability]
        fitting = [c for c in time_ok if fits(person, c)]
        if fitting:
            return "locked"
        if person.needs_mobility:
            ignoring_access = replace(person, needs_mobility=False)
            if any(fits(ignoring_access, c) for c in time_ok):
                return "mobility"
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

        for reason in ("time", "language", "time_language", "mobility", "full", "locked"):
            people = reasons.get(reason)
            if not people:
                continue
            params: dict = {"count": len(people)}
            if reason == "time":
                params["slot"] = most_common(
                    slot for pi in people for slot in sorted(set(self.people[pi].availability))
                )
            elif reason in ("language", "time_language", "mobility"):
                params["language"] = most_common(self.people[pi].language for pi in people)
                params["slot"] = most_common(
                    slot for pi in people for slot in sorted(set(self.people[pi].availability))
                )
            elif reason == "full":
                params["slot"] = most_common(
                    self.states[ci].spec.time_slot for pi in people for ci in self.feasible[pi]
                )
                params["language"] = most_common(self.people[pi].language for pi in people)
            problems.append(Problem("unplaced_" + reason, params))

        interpreted = sum(
            1
            for pi, ci in enumerate(self.where)
            if ci >= 0 and self.people[pi].language != self.states[ci].spec.language
        )
        if interpreted:
            problems.append(Problem("interpretation", {"count": interpreted}))

        # Per circle: size and composition rules.
        known = statics(self)  # per circle and role, how many fit it
        fit_count = [sum(row) for row in known.fit]
        fit_role = {
            (ci, name): row[r]
            for ci, row in enumerate(known.fit)
            for r, name in enumerate(known.role_names)
        }
        closed = {ci: rest for ci, *rest in self.closed}
        for state in self.states:
            if state.spec.locked:
                continue
            spec = state.spec
            supply = fit_count[state.index]
            if state.index in closed:
                role, minimum, count = closed[state.index]
                problems.append(
                    Problem(
                        "circle_closed",
                        {
                            "circle": spec.name,
                            "role": role,
                            "min": minimum,
                            "count": count,
                            "slot": spec.time_slot,
                            "language": spec.language,
                        },
                        spec.id,
                    )
                )
                continue
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


def most_common(values: Iterable[str]) -> str:
    counts: dict[str, int] = {}
    for value in values:
        if value:
            counts[value] = counts.get(value, 0) + 1
    if not counts:
        return ""
    return min(counts, key=lambda v: (-counts[v], v))
