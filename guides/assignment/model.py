"""The inputs and outputs of the balanced assignment: plain dataclasses, no database.

`Person` and `CircleSpec` are what `algorithm.assign` places; `Result` and its `Problem`s are
what it returns. The only thing taken from an app is the role choices (one source for them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from participants.models import RoleCategory

from .messages import problem_message

NOT_ANSWERED = frozenset({"", "prefer_not"})


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
    needs_mobility: bool = False  # step-free access: a hard rule, see `fits`


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
    accessible: bool = False  # venue marked accessible, or the circle meets online


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
    notes: list[Problem] = field(default_factory=list)  # what it did: made room, balanced

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
            "notes": [note.as_dict() for note in self.notes],
        }


def fits(person: Person, circle: CircleSpec) -> bool:
    """The hard rules of time, language and access (capacity and groups are checked by the
    caller). A person who asked for mobility access only ever joins an accessible circle."""
    if circle.time_slot and circle.time_slot not in person.availability:
        return False
    if person.needs_mobility and not circle.accessible:
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
