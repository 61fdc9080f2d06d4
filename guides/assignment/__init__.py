"""Balanced circle assignment, the engine, one module per concern:

- `model`: the inputs and outputs (`Person`, `CircleSpec`, `Result`, `Problem`), plain dataclasses;
- `algorithm`: `assign`, the pure, deterministic algorithm (its report step in `reporting`);
- `messages`: each `Problem` in plain words, in the current language;
- `loading`: `Person`s and `CircleSpec`s from the database.

Its writes (run the assignment, move or remove a person, lock a circle, keep-together
requests) are `guides/services/assignment.py`, and the reads of the assignment pages
`guides/selectors/assignment.py`, like any feature's.

The names below are the engine's public surface: callers import them from `guides.assignment`.
The made-up population of the benchmark lives in `bench/assignment.py`; the last run's report is
kept in the session by the view (`guides/views/assignment.py`).
"""

from .algorithm import assign
from .loading import PERSON_FIELDS, circle_spec, person_from_row
from .messages import problem_message
from .model import CircleSpec, Person, Problem, Result, fits, parse_rules

__all__ = [
    "PERSON_FIELDS",
    "CircleSpec",
    "Person",
    "Problem",
    "Result",
    "assign",
    "circle_spec",
    "fits",
    "parse_rules",
    "person_from_row",
    "problem_message",
]
