"""The assignment's quality bench (`bench/run assignment`, part of `make bench`): the balanced
assignment (`guides.assignment.assign`) against an exact solver, OR-Tools CP-SAT (a dev
dependency, imported here only), on populations of bench/assignment.py's generator (60, 120,
240 and 600 people, two seeds each, 450 circles per 5,000 people as in benchmark_5000).

The solver has the algorithm's hard rules: the time slot, language (or interpretation) and
mobility access of `fits`, each circle's largest size, keep-together groups together or not at
all. A circle's smallest size is not a hard rule of the algorithm (a circle it cannot fill is
reported, not emptied), so it is none for the solver either: the solver, like the algorithm,
fills circles to their smallest size as far as it can. It solves lexicographically, each phase
with the last one's best as a constraint and its solution as a hint:

1. the most people placed;
2. the fewest people missing from circles below their smallest size (`quality.shortfall`);
3. the fewest role gaps (a circle with members short of a role minimum although enough people of
   that role fit it), with that many placed;
4. the smallest total deviation from fair shares (`guides.assignment.quality.deviation` summed
   over role, age band, neighborhood and race/ethnicity; shares scaled ×1000 to integers), with
   that many placed, no more missing and no more gaps;
   the solver starts from its own solutions only (never ours).

Per instance: people placed (ours, solver, proved?), total deviation (ours, solver, ratio =
ours / solver's best, per attribute), role gaps (ours, solver), seconds. "assignment_quality"
(the rows) and "assignment_balance_ratio" (the worst instance) are merged into
bench/results.json; a section goes into bench/results.md. `--time-limit` (seconds per instance,
all phases, default 60) and `--workers` (default 2); `--from-ours` starts the last phase from our
assignment (the solver's best is then never worse than ours: how much it improves on it)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dialogue_hub.settings.test")

import django  # noqa: E402

django.setup()

from ortools.sat.python import cp_model  # noqa: E402
from reminders import merge_json, write_md_section  # noqa: E402

from bench.assignment import benchmark_5000, synthetic_population  # noqa: E402
from guides.assignment import assign, fits, parse_rules  # noqa: E402
from guides.assignment.quality import (  # noqa: E402
    ATTRIBUTES,
    deviation,
    person_values,
    population_shares,
    role_gaps,
    shortfall,
)

SIZES = (60, 120, 240, 600)
SCALE = 1000


def instances() -> list[tuple[int, int, int]]:
    """(people, circles, seed) of each instance."""
    return [(n, max(1, round(n * 450 / 5000)), seed) for n in SIZES for seed in (n, n + 1)]


def _groups(people, pairs) -> list[list[int]]:
    """Keep-together groups (person indexes), connected through the pairs."""
    index = {p.id: i for i, p in enumerate(people)}
    parent = list(range(len(people)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        if a in index and b in index:
            ra, rb = find(index[a]), find(index[b])
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for i in range(len(people)):
        groups.setdefault(find(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


class Exact:
    """The CP-SAT model of one instance and its three phases."""

    def __init__(self, people, circles, pairs, *, workers: int):
        self.people, self.circles, self.workers = people, circles, workers
        m = self.model = cp_model.CpModel()
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        for pi, person in enumerate(people):
            for ci, circle in enumerate(circles):
                if not circle.locked and fits(person, circle):
                    self.x[(pi, ci)] = m.NewBoolVar(f"x{pi}_{ci}")
        by_person: dict[int, list] = {}
        by_circle: dict[int, list] = {}
        for (pi, ci), var in self.x.items():
            by_person.setdefault(pi, []).append(var)
            by_circle.setdefault(ci, []).append((pi, var))
        for vars_ in by_person.values():
            m.Add(sum(vars_) <= 1)
        for ci, members in by_circle.items():
            m.Add(sum(v for _pi, v in members) <= circles[ci].max_size)
        for group in _groups(people, pairs):
            first = group[0]
            for other in group[1:]:
                for ci in range(len(circles)):
                    a, b = self.x.get((first, ci)), self.x.get((other, ci))
                    if a is None and b is None:
                        continue
                    if a is None or b is None:
                        m.Add((a if a is not None else b) == 0)
                    else:
                        m.Add(a == b)
        self.placed = sum(self.x.values())
        self.by_circle = by_circle

    def add_shortfall(self) -> None:
        """Phase 2's measure (each phase's variables are added when it starts: a smaller model
        for the earlier phases)."""
        m, circles, by_circle = self.model, self.circles, self.by_circle
        # Shortfall: people missing from a circle with members below its smallest size.
        short = []
        for ci, members in by_circle.items():
            size = sum(v for _pi, v in members)
            minimum = circles[ci].min_size
            used = m.NewBoolVar(f"open{ci}")
            m.Add(size >= 1).OnlyEnforceIf(used)
            m.Add(size == 0).OnlyEnforceIf(used.Not())
            missing = m.NewIntVar(0, minimum, f"short{ci}")
            m.Add(missing >= minimum - size).OnlyEnforceIf(used)
            short.append(missing)
        self.shortfall = sum(short)

    def add_gaps(self) -> None:
        m, circles, by_circle, people = self.model, self.circles, self.by_circle, self.people
        # Role gaps: a circle with members, short of a minimum that its fitting people could meet.
        gaps = []
        for ci, circle in enumerate(circles):
            members = by_circle.get(ci, [])
            needs, _share = parse_rules(circle.rules)
            if not members or not needs:
                continue
            used = m.NewBoolVar(f"used{ci}")
            m.Add(sum(v for _pi, v in members) >= 1).OnlyEnforceIf(used)
            m.Add(sum(v for _pi, v in members) == 0).OnlyEnforceIf(used.Not())
            for role, minimum in needs.items():
                of_role = [v for pi, v in members if people[pi].role == role]
                if len(of_role) < minimum:
                    continue
                gap = m.NewBoolVar(f"gap{ci}_{role}")
                m.Add(sum(of_role) >= minimum).OnlyEnforceIf([used, gap.Not()])
                gaps.append(gap)
        self.gaps = sum(gaps)

    def add_deviation(self) -> None:
        m, circles, by_circle, people = self.model, self.circles, self.by_circle, self.people
        # Deviation, scaled: |SCALE·count − round(SCALE·share)·answered| per circle and value.
        shares = population_shares(person_values(p) for p in people)
        values = [person_values(p) for p in people]
        terms = []
        for ci, members in by_circle.items():
            for d in range(len(ATTRIBUTES)):
                answered = [v for pi, v in members if values[pi][d]]
                for value, share in shares[d].items():
                    count = [
                        (round(SCALE / len(values[pi][d])), v)
                        for pi, v in members
                        if value in values[pi][d]
                    ]
                    expr = sum(w * v for w, v in count) - round(SCALE * share) * sum(answered)
                    dev = m.NewIntVar(0, SCALE * circles[ci].max_size, f"d{ci}_{d}_{value}")
                    m.Add(dev >= expr)
                    m.Add(dev >= -expr)
                    terms.append(dev)
        self.deviation = sum(terms)

    def _solve(self, seconds: float) -> tuple[cp_model.CpSolver, int]:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(1.0, seconds)
        solver.parameters.num_workers = self.workers
        solver.parameters.random_seed = 1
        status = solver.Solve(self.model)
        return solver, status

    def _hint(self, values: dict) -> None:
        self.model.ClearHints()
        for key, var in self.x.items():
            self.model.AddHint(var, values[key])

    def _phase(self, objective, seconds: float, *, maximize: bool = False):
        """Solve for one objective; (status, the solution's values or None)."""
        if maximize:
            self.model.Maximize(objective)
        else:
            self.model.Minimize(objective)
        solver, status = self._solve(seconds)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, None, solver
        return status, {key: solver.Value(var) for key, var in self.x.items()}, solver

    def _placements(self, values: dict) -> dict[int, int]:
        return {self.people[pi].id: self.circles[ci].id for (pi, ci), v in values.items() if v}

    def run(self, seconds: float, ours: dict[int, int] | None = None) -> dict:
        """The four phases; a phase that finds nothing in its time keeps the last solution.
        `ours`: our placements, the last phase's starting point when they meet the first
        three phases' bests (`--from-ours`: how much the solver improves on them)."""
        started = time.monotonic()
        m = self.model
        status, values, _solver = self._phase(self.placed, seconds * 0.25, maximize=True)
        if values is None:
            raise RuntimeError(f"no solution in {seconds * 0.25:g} s: raise --time-limit")
        best_placed = sum(values.values())
        # Everybody who fits a circle placed: the maximum, whatever the solver proved.
        placeable = len({pi for pi, _ci in self.x})
        placed_proved = status == cp_model.OPTIMAL or best_placed == placeable
        m.Add(self.placed == best_placed)
        self._hint(values)

        self.add_shortfall()
        status, found, _solver = self._phase(self.shortfall, seconds * 0.15)
        short_proved = status == cp_model.OPTIMAL
        values = found or values
        best_short = shortfall(self.circles, self._placements(values))
        m.Add(self.shortfall <= best_short)
        self._hint(values)

        self.add_gaps()
        status, found, _solver = self._phase(self.gaps, seconds * 0.15)
        gaps_proved = status == cp_model.OPTIMAL
        values = found or values
        best_gaps = role_gaps(self.people, self.circles, self._placements(values))
        m.Add(self.gaps <= best_gaps)
        self._hint(values)

        from_ours = False
        if ours is not None:
            index_p = {p.id: i for i, p in enumerate(self.people)}
            index_c = {c.id: i for i, c in enumerate(self.circles)}
            chosen = {(index_p[pid], index_c[cid]) for pid, cid in ours.items()}
            from_ours = (
                len(ours) == best_placed
                and shortfall(self.circles, ours) <= best_short
                and role_gaps(self.people, self.circles, ours) <= best_gaps
            )
            if from_ours:
                values = {key: int(key in chosen) for key in self.x}
                self._hint(values)
        self.add_deviation()
        status, found, solver = self._phase(self.deviation, seconds - (time.monotonic() - started))
        values = found or values
        return {
            "placed": best_placed,
            "placed_proved": placed_proved,
            "shortfall": best_short,
            "shortfall_proved": short_proved,
            "gaps": best_gaps,
            "gaps_proved": gaps_proved,
            "deviation_proved": status == cp_model.OPTIMAL,
            "bound": round(solver.BestObjectiveBound() / SCALE, 2) if found else None,
            "placements": self._placements(values),
            "from_ours": from_ours,
            "seconds": round(time.monotonic() - started, 1),
        }


def measure(
    n_people: int, n_circles: int, seed: int, *, seconds: float, workers: int, from_ours: bool
) -> dict:
    people, circles, pairs = synthetic_population(n_people, n_circles, seed=seed)
    started = time.perf_counter()
    result = assign(people, circles, pairs, {})
    ours_seconds = time.perf_counter() - started
    ours_dev = deviation(people, result.placements)
    ours = {
        "placed": result.placed_count,
        "gaps": role_gaps(people, circles, result.placements),
        "placements": result.placements,
    }
    exact = Exact(people, circles, pairs, workers=workers).run(
        seconds, result.placements if from_ours else None
    )
    solver_dev = deviation(people, exact["placements"])
    ours_total, solver_total = sum(ours_dev.values()), sum(solver_dev.values())
    return {
        "people": n_people,
        "circles": n_circles,
        "seed": seed,
        "placed_ours": ours["placed"],
        "placed_solver": exact["placed"],
        "placed_proved": exact["placed_proved"],
        "deviation_ours": round(ours_total, 2),
        "deviation_solver": round(solver_total, 2),
        "deviation_bound": exact["bound"],
        "deviation_proved": exact["deviation_proved"],
        "ratio": round(ours_total / solver_total, 4) if solver_total else 1.0,
        "per_attribute_ours": {k: round(v, 2) for k, v in ours_dev.items()},
        "per_attribute_solver": {k: round(v, 2) for k, v in solver_dev.items()},
        "shortfall_ours": shortfall(circles, result.placements),
        "shortfall_solver": exact["shortfall"],
        "shortfall_proved": exact["shortfall_proved"],
        "role_gaps_ours": ours["gaps"],
        "role_gaps_solver": exact["gaps"],
        "role_gaps_proved": exact["gaps_proved"],
        "solver_started_from_ours": exact["from_ours"],
        "seconds_ours": round(ours_seconds, 3),
        "seconds_solver": exact["seconds"],
    }


def at_5000() -> dict:
    """5,000 people into 450 circles (benchmark_5000's population): seconds (median of 3), and
    per attribute the deviation after the greedy pass and its repairs (`improve=False`) and
    after the improvement pass, with the role gaps and the circles left unused."""
    people, circles, pairs = synthetic_population(5000, 450, seed=5000)
    runs = sorted(benchmark_5000() for _ in range(3))
    greedy = assign(people, circles, pairs, {}, improve=False)
    improved = assign(people, circles, pairs, {})
    unused = {c.id for c in circles} - set(improved.placements.values())
    return {
        "seconds": round(runs[1], 3),
        "seconds_runs": [round(r, 3) for r in runs],
        "before": {k: round(v, 1) for k, v in deviation(people, greedy.placements).items()},
        "after": {k: round(v, 1) for k, v in deviation(people, improved.placements).items()},
        "gaps_before": role_gaps(people, circles, greedy.placements),
        "gaps_after": role_gaps(people, circles, improved.placements),
        "unused_circles": len(unused),
        "placed": improved.placed_count,
    }


def write_results(
    rows: list[dict], seconds: float, workers: int, from_ours: bool, large: dict
) -> dict:
    worst = max(row["ratio"] for row in rows)
    summary = {
        "solver_started_from_ours": from_ours,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "time_limit_s": seconds,
        "workers": workers,
        "instances": rows,
        "worst_ratio": worst,
        "placed_as_solver": all(r["placed_ours"] == r["placed_solver"] for r in rows),
        "role_gaps_no_worse": all(r["role_gaps_ours"] <= r["role_gaps_solver"] for r in rows),
        "shortfall_no_worse": all(r["shortfall_ours"] <= r["shortfall_solver"] for r in rows),
        "at_5000": large,
    }
    merge_json({"assignment_quality": summary, "assignment_balance_ratio": worst})

    lines = [
        "<!-- assignment_quality: written by bench/assignment_quality.py -->",
        "## Assignment quality against an exact solver (OR-Tools CP-SAT)",
        "",
        f"{summary['date']}: {seconds:g} s per instance, {workers} workers. Deviation = total "
        "|count − fair share| of each circle over role, age band, neighborhood and "
        "race/ethnicity; the solver maximises people placed, then minimises the people missing "
        "from circles below their smallest size, then role gaps, then "
        "the deviation (its best so far when not proved), "
        + ("its last phase starting from our assignment" if from_ours else "on its own")
        + f". Worst ratio (ours / solver): **{worst:.3f}**.",
        "",
        "| people | circles | seed | placed ours / solver | deviation ours / solver (bound) "
        "| ratio | below smallest size ours / solver | role gaps ours / solver | ours s "
        "| solver s |",
        "|---:|---:|---:|---|---|---:|---|---|---:|---:|",
    ]
    for r in rows:
        proved = "" if r["placed_proved"] else " (not proved)"
        if r["deviation_proved"]:
            dev_proved = " proved"
        elif r["deviation_bound"] is None:
            dev_proved = " (last phase: no solution in time, the role-gap phase's kept)"
        else:
            dev_proved = f" (bound {r['deviation_bound']})"
        lines.append(
            f"| {r['people']} | {r['circles']} | {r['seed']} | {r['placed_ours']} / "
            f"{r['placed_solver']}{proved} | {r['deviation_ours']} / "
            f"{r['deviation_solver']}{dev_proved} | {r['ratio']:.3f} | {r['shortfall_ours']} / "
            f"{r['shortfall_solver']} | {r['role_gaps_ours']} / "
            f"{r['role_gaps_solver']} | {r['seconds_ours']} | {r['seconds_solver']} |"
        )
    before, after = large["before"], large["after"]
    lines += [
        "",
        f"5,000 people into 450 circles: {large['seconds']} s (median of "
        f"{', '.join(str(r) for r in large['seconds_runs'])} s; target < 2 s), "
        f"{large['placed']} placed, {large['unused_circles']} circles left unused for a role "
        "minimum or their size. Deviation per attribute after the greedy pass and its repairs "
        "(`improve=False`) → after the improvement pass:",
        "",
        "| | " + " | ".join(ATTRIBUTES) + " | total | role gaps |",
        "|---|" + "---:|" * (len(ATTRIBUTES) + 2),
        "| greedy | "
        + " | ".join(f"{before[k]:.1f}" for k in ATTRIBUTES)
        + f" | {sum(before.values()):.1f} | {large['gaps_before']} |",
        "| improved | "
        + " | ".join(f"{after[k]:.1f}" for k in ATTRIBUTES)
        + f" | {sum(after.values()):.1f} | {large['gaps_after']} |",
        "<!-- /assignment_quality -->",
    ]
    write_md_section("assignment_quality", "\n".join(lines))
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sizes", type=int, nargs="*", help="only these population sizes")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--from-ours",
        action="store_true",
        help="start the last phase from our assignment (how much the solver improves on it)",
    )
    args = parser.parse_args()
    rows = []
    for n_people, n_circles, seed in instances():
        if args.sizes and n_people not in args.sizes:
            continue
        row = measure(
            n_people,
            n_circles,
            seed,
            seconds=args.time_limit,
            workers=args.workers,
            from_ours=args.from_ours,
        )
        rows.append(row)
        print(
            f"{n_people:>4} people, seed {seed}: placed {row['placed_ours']}/"
            f"{row['placed_solver']}{'' if row['placed_proved'] else '?'}, deviation "
            f"{row['deviation_ours']}/{row['deviation_solver']} (bound {row['deviation_bound']}) "
            f"ratio {row['ratio']:.3f}, short {row['shortfall_ours']}/{row['shortfall_solver']}, "
            f"gaps {row['role_gaps_ours']}/{row['role_gaps_solver']}, "
            f"{row['seconds_ours']} s / {row['seconds_solver']} s",
            flush=True,
        )
    if not rows:
        return 1
    large = at_5000()
    print(f"5,000 people: {large['seconds']} s, {large['before']} -> {large['after']}", flush=True)
    if args.no_write:
        worst = max(r["ratio"] for r in rows)
    else:
        summary = write_results(rows, args.time_limit, args.workers, args.from_ours, large)
        worst = summary["worst_ratio"]
    print(f"assignment_balance_ratio (worst instance): {worst:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
