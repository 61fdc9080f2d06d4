"""The total blocking time every journey's pages are held to (conftest.MainThread) is counted
as Lighthouse counts it: only the load's own renderer main thread, from its navigationStart on,
each task CPU_SLOWDOWN times its CPU time, less 50 ms. No browser needed: a made-up trace."""

import pytest

from .conftest import BLOCKING_BUDGET_MS, CPU_SLOWDOWN, blocking_time

MAIN = {"pid": 7, "tid": 1}


def navigation_start(loader_id: str, ts: int, **thread) -> dict:
    data = {"navigationId": loader_id, "isLoadingMainFrame": True}
    return {"name": "navigationStart", "ph": "R", "ts": ts, "args": {"data": data}, **thread}


def task(ts: int, cpu_ms: float, wall_ms: float | None = None, **thread) -> dict:
    wall = cpu_ms if wall_ms is None else wall_ms
    event = {"name": "RunTask", "ph": "X", "ts": ts, "dur": wall * 1000, "tdur": cpu_ms * 1000}
    return {**event, **(thread or MAIN)}


def test_counts_the_cpu_time_of_the_loads_own_long_tasks():
    events = [
        task(0, 100),  # the page before: not this load
        navigation_start("OLD", 10, **MAIN),
        navigation_start("LOAD", 1_000, **MAIN),
        task(2_000, 10),  # 40 ms slowed down: not a long task
        task(3_000, 20, wall_ms=400),  # 80 ms: 30 ms blocking, the 400 ms on the clock aside
        task(4_000, 60),  # 240 ms: 190 ms blocking
        task(5_000, 90, pid=8, tid=1),  # another renderer
        task(6_000, 90, pid=7, tid=2),  # another thread of the same renderer
        {"name": "RunTask", "ph": "B", "ts": 7_000, **MAIN},  # unfinished at the cut
    ]
    result = blocking_time(events, "LOAD")
    assert result == {"blocking": 220, "tasks": [20 * CPU_SLOWDOWN, 60 * CPU_SLOWDOWN]}
    assert result["blocking"] >= BLOCKING_BUDGET_MS


def test_a_load_missing_from_the_trace_is_an_error_not_a_pass():
    with pytest.raises(AssertionError, match="no navigationStart"):
        blocking_time([navigation_start("OTHER", 0, **MAIN), task(10, 500)], "LOAD")
