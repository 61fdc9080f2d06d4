"""The two-node check of `make bench`: tests/test_several_nodes.py (two gunicorn instances and
two Celery workers on the production settings, one PostgreSQL and one Redis: a write on one
node is on the other's cached pages at once, sessions and rate limits are shared, the reminder
planner fired on both workers at once sends each reminder once), run with pytest. Whether it
passed and how long it took (the test database's creation included) go under "two_nodes" in
bench/results.json (merged into what is there) and into the "two_nodes" section of
bench/results.md. Exits with pytest's status.

bench/run sets the environment: CI=true (a missing service fails rather than skips),
DATABASE_URL (pytest-django creates test_<name> beside it) and REDIS_URL (a database of its own).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from reminders import merge_json, write_md_section  # noqa: E402

TEST = "tests/test_several_nodes.py"


def run_test() -> tuple[int, float, str]:
    """(pytest's status, seconds, its summary line, e.g. "3 passed in 80.30s")."""
    started = time.monotonic()
    completed = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "pytest", TEST, "-q", "-p", "no:randomly", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = round(time.monotonic() - started, 1)
    sys.stdout.write(completed.stdout)
    sys.stderr.write(completed.stderr)
    summaries = re.findall(r"^=*\s*(\d+ (?:passed|failed|error).*?)\s*=*$", completed.stdout, re.M)
    return completed.returncode, seconds, summaries[-1] if summaries else "no summary"


def write_results(result: dict) -> None:
    merge_json({"two_nodes": result})
    verdict = "passed" if result["ok"] else "FAILED"
    write_md_section(
        "two_nodes",
        "\n".join(
            [
                "<!-- two_nodes: written by bench/nodes.py -->",
                "## Two nodes: two gunicorn instances and two Celery workers",
                "",
                f"{result['date']}: `{TEST}` {verdict} ({result['summary']}; "
                f"{result['seconds']} s with the test database's creation). A write on one node "
                "is on the other's cached pages at once; a session and the rate limits are "
                "shared; the reminder planner fired on both workers at once sends each "
                "reminder once.",
                "<!-- /two_nodes -->",
            ]
        ),
    )


def main() -> int:
    status, seconds, summary = run_test()
    write_results(
        {
            "ok": status == 0,
            "seconds": seconds,
            "summary": summary,
            "test": TEST,
            "nodes": 2,
            "workers": 2,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    print(f"two_nodes: {'ok' if status == 0 else 'FAILED'} in {seconds} s ({summary})")
    return status


if __name__ == "__main__":
    sys.exit(main())
