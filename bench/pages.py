"""Benchmark: the main pages of a large community, served by gunicorn, against a trivial view.

Run it with `bench/run pages` (or `make bench`, after the reminder bench); bench/run creates the
database (dialogue_hub_bench_pages, dropped first), installs wrk if missing and sets the
environment. Steps:

1. Build a large community with bulk inserts (bench/pages_data.py): 100 initiatives, the largest
   with 20,000 participants (80 % with demographics), 2,000 circles of 10, 12,000 meetings,
   5,000 action items (ideas and milestones); a "1×" initiative a tenth its size (for
   `queries_10x`: the same page's query count with 10× the rows); 98 small ones. An organizer,
   a coalition lead, a facilitator (staffing circles) and a data steward for each of the two
   measured initiatives; their public results (approved logs, public ideas, teams, outcomes:
   bench/api_rows.py) and a personal API token of the coalition lead. A "100×" initiative:
   the 10× one's people ten times over (200,000), for the inclusion dashboard cold. ANALYZE.
2. SQL queries per page, in this process (django.test.Client + CaptureQueriesContext), at 1×
   and 10×. The API's rows are pages here: the open-data results (anonymous) and the token
   API's overdue milestones (the lead's token), their answers checked (bench/api_rows.py).
3. Cold (bench/pages_load.py): each staff page's first request after a real registration,
   in-process, median of 5; the inclusion dashboard also at 200,000 participants.
4. Gunicorn (sync workers, as many as production runs, bench/settings.py: production settings + bench/urls.py, which adds
   the trivial `bench/ok`; bench/http_load.py) on 127.0.0.1, loaded by wrk (bench/wrk.py: 16
   connections, --seconds per page; signed in through the allauth form with CSRF, one session
   per role; the API with `Authorization: Bearer`, its rate limits raised by bench/run):
   requests/s, p50/p99, as a ratio to `bench/ok` in the same run. First the client check: the
   trivial view at 16 and at 8 connections must reach the same rate (`client_ok`). Registration
   POSTs: 16 threads, distinct emails and addresses, then the exact participant count is checked
   in the database.
5. Mixed (bench/pages_load.py): registrations at a steady 20/s while wrk loads each staff page in
   turn; the new rows checked. Worker RSS after the run.
6. `bench.assignment.benchmark_5000()`; bench/results.json (merged) and a section of
   bench/results.md with each target met / NOT met (bench/pages_report.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import pages_load  # noqa: E402
import wrk  # noqa: E402
from api_rows import WITH_API_KEY, api_urls, check_answer  # noqa: E402
from http_load import (  # noqa: E402
    HOST,
    Gunicorn,
    Load,
    get_page,
    registration_form,
    registration_posts,
    request,
    sign_in,
    source_ip,
)
from pages_data import ROLES, Community, build, build_copies, existing, password  # noqa: E402
from pages_report import PUBLIC_PAGES, TARGETS, judge, write_results  # noqa: E402
from reminders import log, machine  # noqa: E402

from tests.smtp_sink import free_port  # noqa: E402

API_RATES = ("DIALOGUE_HUB_API_TOKEN_RATE", "DIALOGUE_HUB_API_CLIENT_RATE")  # set by bench/run
COPIES = 10  # the 100× initiative: the 10× one's people this many times over
MIXED_RATE = 20  # registrations per second during the mixed run (issue 20)
# The staff pages read under the mix, with who reads them (page_urls' names, and the inclusion
# dashboard once more as the data steward, whose link differs).
MIXED_PAGES = (
    "organizer_home",
    "inclusion",
    "inclusion_steward",
    "roster",
    "circles",
    "attendance",
    "progress_dashboard",
    "api_milestones_overdue",
)


# --- pages --------------------------------------------------------------------------------


def page_urls(c: Community) -> dict[str, tuple[str, str | None]]:
    """name → (path, role that requests it; None: anonymous; WITH_API_KEY: the lead's API token)."""
    from django.urls import reverse

    slug = c.initiative.slug
    return {
        "landing": (reverse("initiatives:public", args=[slug]), None),
        "register": (reverse("participants:register", args=[slug]), None),
        "organizer_home": (reverse("home"), "organizer"),
        "roster": (reverse("participants:roster", args=[slug]), "organizer"),
        "inclusion": (reverse("participants:inclusion", args=[slug]), "organizer"),
        "circles": (reverse("guides:circles", args=[slug]), "organizer"),
        "attendance": (
            reverse("guides:attendance", args=[slug, c.meeting.pk]),
            "facilitator",
        ),
        "progress_dashboard": (reverse("actions:dashboard"), "lead"),
        **api_urls(c),
    }


def staff_urls(c: Community) -> dict[str, tuple[str, str | None]]:
    """The staff pages measured cold and under the mix (MIXED_PAGES), with their readers."""
    urls = page_urls(c)
    urls["inclusion_steward"] = (urls["inclusion"][0], "steward")
    return {name: urls[name] for name in MIXED_PAGES}


def client_for(c: Community, role: str | None):
    """A test client as `role` reads its pages: anonymous, signed in, or with the API token."""
    from django.test import Client

    if role == WITH_API_KEY:
        return Client(SERVER_NAME=HOST, headers={"authorization": f"Bearer {c.token}"})
    client = Client(SERVER_NAME=HOST)
    if role:
        client.force_login(getattr(c, role))
    return client


def count_queries(c: Community) -> tuple[dict[str, int], dict[str, int]]:
    """Queries per page: (warm, cold). Cold: the first request after the cache was emptied
    (initiatives/cache.py's kept figures and fragments, and the cached sessions); warm: the
    next one, as every request of the load test but the first after a change."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clients = {role: client_for(c, role) for role in (None, *ROLES)}
    clients[WITH_API_KEY] = client_for(c, WITH_API_KEY)
    warm, cold = {}, {}
    for name, (path, role) in page_urls(c).items():
        client = clients[role]
        client.get(path)  # the anonymous session and CSRF cookie, the language
        cache.clear()
        for counts in (cold, warm):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{name} ({path}) answered {response.status_code} in-process")
            counts[name] = len(captured.captured_queries)
            if name.startswith("api_"):
                check_answer(name, response.content)
    return warm, cold


def profile_pages(c: Community, names: list[str], *, repeat: int = 10) -> str:
    """Each page `repeat` times in-process under cProfile, with its queries and their times."""
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out = io.StringIO()
    urls = page_urls(c)
    if "register_post" in names:
        out.write(profile_registration(c))
    for name in names:
        if name == "register_post":
            continue
        path, role = urls[name]
        client = client_for(c, role)
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            one = time.perf_counter() - started
        sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
        out.write(
            f"\n=== {name} {path}: {one * 1000:.0f} ms in-process, {len(response.content):,} "
            f"bytes, {len(captured.captured_queries)} queries, {sql_ms:.0f} ms in SQL\n"
        )
        slow = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:5]
        for query in slow:
            out.write(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql']}\n")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeat):
            client.get(path)
        profiler.disable()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(str(ROOT) + r"/(?!\.venv)", 25)
        stats.sort_stats("tottime").print_stats(15)
    return out.getvalue()


def profile_registration(c: Community, *, repeat: int = 20) -> str:
    """`repeat` registration POSTs in-process (distinct emails, distinct client addresses) under
    cProfile, with the queries of one of them."""
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    path = page_urls(c)["register"][0]
    stamp = int(time.time())

    client = Client(SERVER_NAME=HOST)  # one client: a new one loads the middleware again

    def post(i):
        email = f"prof-{stamp}-{i}@bench.example.net"
        response = client.post(path, registration_form(email, i), REMOTE_ADDR=source_ip(i // 20)[0])
        if response.status_code != 302:
            raise RuntimeError(f"registration POST answered {response.status_code}")

    out = io.StringIO()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        post(0)
        one = time.perf_counter() - started
    out.write(
        f"\n=== register_post {path}: {one * 1000:.0f} ms in-process, "
        f"{len(captured.captured_queries)} queries\n"
    )
    for query in captured.captured_queries:
        out.write(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:160]}\n")
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(1, repeat + 1):
        post(i)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(str(ROOT) + r"/(?!\.venv)", 25)
    stats.sort_stats("tottime").print_stats(15)
    return out.getvalue()


# --- main ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=20000, help="the largest initiative")
    parser.add_argument("--small", type=int, default=300, help="participants per small one")
    parser.add_argument("--smalls", type=int, default=98)
    parser.add_argument("--seconds", type=float, default=5, help="wrk's run per page")
    parser.add_argument(
        "--requests", type=int, default=2000, help="registration POSTs, at most (Python client)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile the pages that miss a target"
    )
    parser.add_argument(
        "--profile-only",
        nargs="*",
        metavar="PAGE",
        help="profile these pages (default: all) on the data of an earlier run; no build, no load",
    )
    parser.add_argument("--no-write", action="store_true", help="don't write bench/results.*")
    args = parser.parse_args()
    load_at_start = round(os.getloadavg()[0], 2)
    bench_started = time.monotonic()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    os.environ["DJANGO_STATIC_ROOT"] = str(static_root)
    import django

    django.setup()
    from django.core.management import call_command

    try:
        call_command("collectstatic", "--noinput", verbosity=0)
        if args.profile_only is not None:
            names = args.profile_only or list(page_urls(existing("10x")))
            log(profile_pages(existing("10x"), names))
            return 0
        result, notes = measure(args)
        notes["load"] = load_at_start
        notes["load_end"] = round(os.getloadavg()[0], 2)
        notes["total_s"] = time.monotonic() - bench_started
        result["pages_bench_s"] = round(notes["total_s"], 1)
        judge(result)
        print(json.dumps(result, indent=2))
        log(f"Page bench: {notes['total_s']:.0f} s")
        if args.profile:
            misses = [
                name
                for name, row in result["pages"].items()
                if row["p99_ms"] > TARGETS["p99_ms"]
                or row["queries_10x"] != row["queries"]
                or row["queries"] > TARGETS["queries"]
                or row["ratio"] < TARGETS["public_ratio" if name in PUBLIC_PAGES else "staff_ratio"]
            ]
            profile = profile_pages(existing("10x"), misses)
            (ROOT / "var" / "bench" / "pages-profile.txt").write_text(profile)
            log(profile)
        # Kept for a look at the last run's figures (and its notes) without the report.
        (ROOT / "var" / "bench" / "pages-last.json").write_text(
            json.dumps({"result": result, "notes": notes}, indent=2, default=str)
        )
        if not args.no_write:
            write_results(result, notes)
            log("Wrote bench/results.json and bench/results.md")
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    return 0


def prepare(args) -> tuple[Community, Community, Community, dict]:
    """The data, its planner statistics and a checkpoint; the build's timings."""
    from django.db import connection

    log(
        f"Building 2 + {args.smalls} initiatives ({args.participants:,} and "
        f"{args.participants // 10:,} participants, {args.smalls} × {args.small})…"
    )
    started = time.monotonic()
    large, base = build(large=args.participants, small=args.small, smalls=args.smalls)
    copied = time.monotonic()
    log(f"Copying the 10× people {COPIES} times over (100×)…")
    copies = build_copies(large, copies=COPIES)
    build_100x_s = time.monotonic() - copied
    # Planner statistics, as autovacuum would have them on a real database: without them
    # PostgreSQL guesses ~15 rows per initiative and sorts all 20,000 for the roster's page.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        # The bulk load wrote over a gigabyte of WAL: without this, the checkpoint it
        # forces lands in the middle of the measurements (seen in the registration POSTs:
        # every commit then waits on the disk). A running database is not in that state.
        try:
            cursor.execute("CHECKPOINT")
        except Exception as error:  # needs superuser or pg_checkpoint: measure anyway
            log(f"  (no CHECKPOINT: {error})")
    build_s = time.monotonic() - started
    log(f"  built in {build_s:.1f}s (the 100× copy {build_100x_s:.1f}s)")
    return large, base, copies, {"build_s": build_s, "build_100x_s": build_100x_s}


def measure_cold(large: Community, copies: Community, run_id: str) -> dict:
    """In-process cold figures: the staff pages at 10×, the inclusion dashboard at 100×."""
    clients = {role: client_for(large, role) for role in (*ROLES, WITH_API_KEY)}
    register = page_urls(large)["register"][0]
    pages = {name: (path, clients[role]) for name, (path, role) in staff_urls(large).items()}
    log(f"Cold, and after a registration: median of {pages_load.COLD_REPEAT}…")
    cold = pages_load.cold_times(pages, register, run_id=run_id)
    from django.urls import reverse

    slug = copies.initiative.slug
    cold["inclusion_100x"] = pages_load.cold_times(
        {
            "inclusion": (
                reverse("participants:inclusion", args=[slug]),
                client_for(copies, "organizer"),
            )
        },
        reverse("participants:register", args=[slug]),
        run_id=run_id,
        first_index=1000,
    )["inclusion"]
    # The same dashboard with its counts computed from the registrations, as before the
    # tallies (participants/selectors/tallies.py `counted`, SQLite's path): before and after
    # in one run.
    from unittest import mock

    from participants.selectors import tallies

    inclusion = {
        "10x": (large, pages["inclusion"][0], register, 5000),
        "100x": (copies, reverse("participants:inclusion", args=[slug]), None, 6000),
    }
    with mock.patch.object(tallies, "tallies", tallies.counted):
        for label, (community, path, register_path, first) in inclusion.items():
            register_path = register_path or reverse("participants:register", args=[slug])
            cold[f"inclusion_{label}_from_rows"] = pages_load.cold_times(
                {"inclusion": (path, client_for(community, "organizer"))},
                register_path,
                run_id=run_id,
                first_index=first,
            )["inclusion"]
    for name, row in cold.items():
        log(
            f"  {name:<24} cold {row['cold_ms']:7.1f} ms ({row['queries']} queries), "
            f"after a registration {row['after_registration_ms']:6.1f} ms, "
            f"warm {row['warm_ms']:6.1f} ms; runs {row['runs_ms']}"
        )
    return cold


def measure(args) -> tuple[dict, dict]:
    from django.conf import settings

    from bench.assignment import benchmark_5000
    from participants.models import Participant

    large, base, copies, timings = prepare(args)
    run_id = str(int(time.time()))

    log("Queries per page (in-process), 1× and 10×, warm (cold)…")
    q1, cold1 = count_queries(base)
    q10, cold10 = count_queries(large)
    for name in q1:
        log(f"  {name:<20} {q1[name]:>3} {q10[name]:>3}   ({cold1[name]:>3} {cold10[name]:>3})")
    cold = measure_cold(large, copies, run_id)

    port = free_port()
    server = Gunicorn(port, ROOT / "var" / "bench" / "gunicorn.log")
    server.start()
    try:
        log(f"gunicorn on {HOST}:{port}, workers {server.workers()}; {wrk.version()}")
        credentials = {None: {}, WITH_API_KEY: {"Authorization": f"Bearer {large.token}"}}
        for role in ROLES:
            credentials[role] = {"Cookie": sign_in(port, getattr(large, role).email, password())}
        wrk.run(port, "/bench/ok", seconds=2)  # warm both workers
        check = wrk.client_check(port, "/bench/ok", seconds=args.seconds)
        trivial = check["full"]
        log(
            f"  trivial: {check['rps_full']:.0f}/s at {check['connections'][0]} connections, "
            f"{check['rps_half']:.0f}/s at {check['connections'][1]}: client "
            + ("OK" if check["ok"] else "LIMITING")
        )
        if not check["ok"]:
            log(
                "  !!! THE LOAD GENERATOR IS LIMITING: half the connections reached "
                f"{check['rps_half'] / check['rps_full']:.0%} of the rate (< "
                f"{wrk.CLIENT_OK_SHARE:.0%}); every ratio below is suspect !!!"
            )
        python = Load(port, requests=10**9, seconds=args.seconds).run(get_page("/bench/ok", {}))
        log(f"  trivial, the former Python client (side figure): {python['rps']:.0f}/s")

        pages = {}
        for name, (path, role) in page_urls(large).items():
            check_page(port, name, path, credentials[role])
            figures = wrk.run(port, path, credentials[role], seconds=args.seconds)
            check_page(port, name, path, credentials[role])  # still signed in, still 200
            pages[name] = {
                "rps": round(figures["rps"], 1),
                "ratio": round(figures["rps"] / trivial["rps"], 4),
                "p50_ms": round(figures["p50_ms"], 1),
                "p99_ms": round(figures["p99_ms"], 1),
                "queries": q1[name],
                "queries_10x": q10[name],
            }
            log(
                f"  {name:<22} {figures['rps']:7.1f}/s ratio {pages[name]['ratio']:.3f} "
                f"p50 {figures['p50_ms']:6.1f} p99 {figures['p99_ms']:6.1f} ms "
                f"({figures['requests']} requests)"
            )

        register_path = page_urls(large)["register"][0]
        people = Participant.objects.filter(initiative=large.initiative)
        before = people.count()
        load = Load(port, requests=args.requests, seconds=args.seconds)
        registration, emails = registration_posts(load, register_path, run_id=run_id)
        after = people.count()
        stored = people.filter(email__in=emails).count()
        succeeded = registration["requests"] - registration["errors"]
        exact = after - before == succeeded == stored
        detail = (
            f"{registration['requests']} POSTs, {succeeded} redirected, {after - before} new rows, "
            f"{stored} with the posted emails"
        )
        log(f"  registration POST: {registration['rps']:.1f}/s, {detail}")
        if registration["errors"]:
            log(f"    first errors: {registration['first_errors']}")

        log(f"Mixed: registrations at {MIXED_RATE}/s while each staff page is loaded…")
        mixed_urls = staff_urls(large)
        for name, (path, role) in mixed_urls.items():
            check_page(port, name, path, credentials[role])
        before = people.count()
        figures, outcome, posted = pages_load.mixed(
            port,
            {name: (path, credentials[role]) for name, (path, role) in mixed_urls.items()},
            register_path,
            rate=MIXED_RATE,
            seconds=args.seconds,
            run_id=run_id,
        )
        outcome["new_rows"] = people.count() - before
        outcome["stored"] = people.filter(email__in=posted).count()
        outcome["exact"] = (
            outcome["new_rows"] == outcome["stored"] == outcome["posts"] - outcome["errors"]
        )
        log(f"  registrations: {outcome}")
        rss = server.rss_mb()
        log(f"  worker RSS: {rss} MB")
    finally:
        server.stop()

    assignment = benchmark_5000()
    log(f"  assignment of 5,000: {assignment:.2f}s")

    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "trivial_rps": round(trivial["rps"], 1),
        "client_ok": check["ok"],
        "client": {
            "tool": wrk.version(),
            "threads": wrk.THREADS,
            "trivial_rps_16": round(check["rps_full"], 1),
            "trivial_rps_8": round(check["rps_half"], 1),
            "half_share": round(check["rps_half"] / check["rps_full"], 3),
            "rounds_16": check["rounds_full"],
            "rounds_8": check["rounds_half"],
            "python_trivial_rps": round(python["rps"], 1),
        },
        "pages": pages,
        "registration_post_rps": round(registration["rps"], 1),
        "registration_errors": registration["errors"],
        "assignment_5000_s": round(assignment, 3),
        "worker_rss_mb": rss,
        "pages_queries_cold": {name: {"1x": cold1[name], "10x": cold10[name]} for name in q1},
        "cold": cold,
        "inclusion_cold_ms_20k": cold["inclusion"]["cold_ms"],
        "inclusion_cold_ms_200k": cold["inclusion_100x"]["cold_ms"],
        "mixed": {
            "registrations_lag_s": settings.DIALOGUE_HUB_REGISTRATIONS_LAG,
            "pages": {
                name: {
                    "rps": round(f["rps"], 1),
                    "ratio": round(f["rps"] / trivial["rps"], 4),
                    "p50_ms": round(f["p50_ms"], 1),
                    "p99_ms": round(f["p99_ms"], 1),
                    "errors": f["errors"],
                }
                for name, f in figures.items()
            },
            "registrations": outcome,
        },
        "pages_build_s": round(timings["build_s"], 1),
        "pages_build_100x_s": round(timings["build_100x_s"], 1),
        "pages_data": {
            "10x": large.counts,
            "1x": base.counts,
            "100x": copies.counts,
            "small": args.small,
        },
        "api_rate_limits": {name: os.environ.get(name) for name in API_RATES},
    }
    notes = {
        "data": data_note(large, copies, args),
        "api": API_NOTE
        + ", ".join(f"{name}={os.environ.get(name, 'default')}" for name in API_RATES)
        + API_NOTE_END,
        "seconds": args.seconds,
        "base_participants": base.counts["participants"],
        "large_participants": large.counts["participants"],
        "copies_participants": copies.counts["participants"],
        "cold_repeat": pages_load.COLD_REPEAT,
        "registrations_lag": settings.DIALOGUE_HUB_REGISTRATIONS_LAG,
        "registration_exact": exact,
        "registration_detail": detail,
        **timings,
    }
    return result, notes


def check_page(port: int, name: str, path: str, headers: dict) -> None:
    """The page answers 200 to these credentials (wrk counts a redirect to the sign-in page as
    a success), and the API rows carry what the bench built."""
    status, _, body = request("GET", path, port=port, headers=headers)
    if status != 200:
        raise RuntimeError(f"{name} ({path}) answered {status} from gunicorn")
    if name.startswith("api_"):
        check_answer(name, body)


def data_note(large: Community, copies: Community, args) -> str:
    counts = large.counts
    return (
        f"Data: {3 + args.smalls} initiatives; the 10× one has "
        f"{counts['participants']:,} participants (80 % with demographics), "
        f"{counts['circles']:,} circles of 10, {counts['meetings']:,} "
        f"meetings, {counts['ideas']:,} ideas + {counts['milestones']:,} "
        f"milestones; the 1× one a tenth of that; {args.smalls} more with "
        f"{args.small} participants each; the 100× one its people {COPIES} times over "
        f"({copies.counts['participants']:,}, {copies.counts['demographics']:,} with "
        "demographics; nothing else: it is there for the inclusion dashboard). Public results "
        f"of the 10× one: {counts['approved_logs']:,} approved session logs, "
        f"{counts['public_ideas']:,} public ideas (each raised in 2–3 circles), "
        f"{counts['public_teams']} of {counts['teams']} teams public, "
        f"{counts['public_outcomes']} public outcomes; "
        f"{counts['overdue_milestones']:,} of its milestones overdue."
    )


API_NOTE = (
    "API rows: `api_open_results` is GET /api/v1/open/initiatives/<slug>/results/ "
    "(anonymous, no If-None-Match: every answer a full 200 with its body, kept per "
    "initiative version in initiatives/cache.py); `api_milestones_overdue` is GET "
    "/api/v1/initiatives/<slug>/milestones/?overdue=true (the coalition lead's "
    "personal token, `Authorization: Bearer`, first page of 50). The API's rate "
    "limits are raised for this run ("
)
API_NOTE_END = (
    ", set by bench/run) so that the one load client is not throttled; every "
    "request still pays the limits' Redis round trips. The limits themselves are "
    "tested in tests/api, not here."
)


if __name__ == "__main__":
    sys.exit(main())
