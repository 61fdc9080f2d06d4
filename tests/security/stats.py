"""Counters for the one-line safety summary printed at the end of the test run.

Any test may feed them: ``stats.add("url_role_checks", 12)``. tests/conftest.py prints them in
``pytest_terminal_summary`` and counts server errors itself (every exception a view raises).
"""

from collections import Counter
from contextlib import contextmanager

# The counters the summary line shows, in order, with their label.
LABELS = {
    "url_role_checks": "URL×role checks",
    "hostile_inputs": "hostile inputs",
    "races": "races",
    "server_errors": "server errors",
    "leaks": "leaks",
}

_counts: Counter = Counter()
_expected_errors = 0


@contextmanager
def expected_server_errors():
    """Inside this block a view's exception is the test's intent, not a server error seen."""
    global _expected_errors
    _expected_errors += 1
    try:
        yield
    finally:
        _expected_errors -= 1


def server_error_seen() -> None:
    if not _expected_errors:
        add("server_errors")


def add(name: str, n: int = 1) -> None:
    if name not in LABELS:
        raise KeyError(f"unknown safety counter {name!r}; known: {', '.join(LABELS)}")
    _counts[name] += n


def get(name: str) -> int:
    return _counts[name]


def snapshot() -> dict:
    """This process's counts (an xdist worker sends them to the controller when it finishes)."""
    return dict(_counts)


def merge(counts: dict) -> None:
    """Add a worker's counts into this process's (the controller's summary covers all)."""
    _counts.update(counts)


def summary_line() -> str:
    return "safety: " + ", ".join(f"{_counts[name]} {label}" for name, label in LABELS.items())
