"""The score of `make mutation`, per module: mutants killed out of those that can change
behaviour.

mutmut (configured in pyproject.toml, [tool.mutmut]) leaves one `<module>.meta` file per mutated
module under mutants/, holding each mutant's outcome. A mutant counts as killed when a test
failed or ran out of time with it; as survived when the tests passed or none of them ran the
changed function. Mutants shown to be equivalent (they cannot change behaviour) are listed with
the reason in tests/mutation/equivalent/*.toml and left out of the score; an entry for a mutant
that is now killed, or no longer exists, is reported so the list stays true.

    python -m tests.mutation.score [--target 95]

Prints a table and the survivors (with `mutmut show NAME` to see each), and exits 1 when a
module is below the target."""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EQUIVALENT_DIR = Path(__file__).with_name("equivalent")

KILLED = {1: "killed", 3: "killed", 36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout"}
KILLED[255] = "timeout"
SURVIVED = {0: "survived", 5: "no tests", 33: "no tests"}


def modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    return list(config["only_mutate"])


def equivalents() -> dict[str, str]:
    """Mutant name -> why it cannot change behaviour, from tests/mutation/equivalent/*.toml
    (one file per module: `[mutant."dialogue_hub.privacy.x__usual__mutmut_16"]` with
    `why = "…"`)."""
    found: dict[str, str] = {}
    for path in sorted(EQUIVALENT_DIR.glob("*.toml")):
        for name, entry in tomllib.loads(path.read_text()).get("mutant", {}).items():
            found[name] = entry["why"]
    return found


def outcome(code) -> str:
    if code in KILLED:
        return "killed"
    if code in SURVIVED:
        return "survived"
    return "not run" if code is None else "other"


def score(target: float) -> int:
    known = equivalents()
    seen: set[str] = set()
    rows = []
    survivors: list[tuple[str, str]] = []
    problems: list[str] = []
    for module in modules():
        meta = ROOT / "mutants" / f"{module}.meta"
        if not meta.exists():
            problems.append(f"{module}: no results (run `make mutation` first)")
            continue
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        killed = survived = equivalent = other = 0
        for name, code in sorted(codes.items()):
            kind = outcome(code)
            if name in known:
                seen.add(name)
                if kind == "killed":
                    problems.append(f"{name} is listed as equivalent but a test kills it")
                equivalent += 1
                continue
            if kind == "killed":
                killed += 1
            elif kind == "survived":
                survived += 1
                survivors.append((name, SURVIVED.get(code, str(code))))
            else:
                other += 1
                survivors.append((name, f"{kind} (exit code {code})"))
        counted = killed + survived + other
        percent = 100.0 * killed / counted if counted else 100.0
        rows.append((module, len(codes), equivalent, killed, counted, percent))
    for name in sorted(set(known) - seen):
        problems.append(f"{name} is listed as equivalent but mutmut made no such mutant")

    print(f"{'module':42} {'mutants':>7} {'equiv.':>6} {'killed':>13} {'score':>7}")
    failed = False
    for module, total, equivalent, killed, counted, percent in rows:
        mark = "" if percent >= target else f"  < {target:g} %"
        failed |= percent < target
        print(
            f"{module:42} {total:7} {equivalent:6} {killed:6} of {counted:<4} {percent:6.1f}%{mark}"
        )
    if survivors:
        print("\nSurvivors (see one with `.venv/bin/mutmut show NAME`):")
        for name, why in survivors:
            print(f"  {name}: {why}")
    for problem in problems:
        print(f"! {problem}")
    return 1 if failed or problems else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", type=float, default=95.0, help="percent per module")
    sys.exit(score(parser.parse_args().target))


if __name__ == "__main__":
    main()
