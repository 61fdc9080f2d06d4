"""Balanced circle assignment, one module per concern:

- `model`: the inputs and outputs (`Person`, `CircleSpec`, `Result`, `Problem`), plain dataclasses;
- `algorithm`: `assign`, the pure, deterministic algorithm (its report step in `reporting`);
- `messages`: each `Problem` in plain words, in the current language;
- `loading`: `Person`s and `CircleSpec`s from the database;
- `services`: the writes (run the assignment, move or remove a person, lock a circle,
  keep-together requests), keyword-only, atomic and logged;
- `selectors`: the reads of the assignment pages.

The names below are the package's public surface: callers import them from `guides.assignment`.
The made-up population of the benchmark lives in `bench/assignment.py`; the last run's report is
kept in the session by the view (`guides/views/assignment.py`).
"""

from .algorithm import assign
from .loading import PERSON_FIELDS, circle_spec, person_from_row
from .messages import problem_message
from .model import CircleSpec, Person, Problem, Result, fits, parse_rules
from .selectors import (
    AssignmentSummary,
    assignment_summary,
    choosable_people,
    circle_for_initiative,
    circles_for_assignment,
    keep_together_for_initiative,
    keep_together_requests,
    member_for_initiative,
    members_of,
    participant_for_initiative,
    people_in_circle,
    unplaced_people,
)
from .services import (
    circle_assign_balanced,
    circle_member_move,
    circle_member_remove,
    circle_set_locked,
    fit_problems,
    ineligible_reason,
    keep_together_add,
    keep_together_delete,
)

__all__ = [
    "PERSON_FIELDS",
    "AssignmentSummary",
    "CircleSpec",
    "Person",
    "Problem",
    "Result",
    "assign",
    "assignment_summary",
    "choosable_people",
    "circle_assign_balanced",
    "circle_for_initiative",
    "circle_member_move",
    "circle_member_remove",
    "circle_set_locked",
    "circle_spec",
    "circles_for_assignment",
    "fit_problems",
    "fits",
    "ineligible_reason",
    "keep_together_add",
    "keep_together_delete",
    "keep_together_for_initiative",
    "keep_together_requests",
    "member_for_initiative",
    "members_of",
    "parse_rules",
    "participant_for_initiative",
    "people_in_circle",
    "person_from_row",
    "problem_message",
    "unplaced_people",
]
