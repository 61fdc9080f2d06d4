"""Benchmark: the main pages of a large community, served by gunicorn, against a trivial view.

Run it with `bench/run pages` (or `make bench`, after the reminder bench); bench/run creates the
database (dialogue_hub_bench_pages, dropped first) and sets the environment. Steps:

1. Build a large community with bulk inserts: 100 initiatives, the largest with 20,000
   participants (80 % with demographics), 2,000 circles of 10, 12,000 meetings, 5,000 action
   items (ideas and milestones); a "1×" initiative a tenth its size (for `queries_10x`: the
   same page's query count with 10× the rows); 98 small ones. An organizer, a coalition lead
   and a facilitator (staffing circles) for each of the two measured initiatives; their public
   results (approved logs, public ideas, teams, outcomes: bench/api_rows.py) and a personal API
   token of the coalition lead. ANALYZE.
2. SQL queries per page, in this process (django.test.Client + CaptureQueriesContext), at 1×
   and 10×. The API's rows are pages here: the open-data results (anonymous) and the token
   API's overdue milestones (the lead's token), their answers checked (bench/api_rows.py).
3. Gunicorn (2 sync workers, bench/settings.py: production settings + bench/urls.py, which adds
   the trivial `bench/ok`; bench/http_load.py) on 127.0.0.1; a threaded load generator (16
   connections, each page for --requests requests or --seconds seconds, whichever first;
   signed in through the allauth form with CSRF, one session per role; the API with
   `Authorization: Bearer`, its rate limits raised by bench/run) measures requests/s and p50/p99
   latency, as a ratio to `bench/ok` in the same run. Registration POSTs: 16 clients, distinct
   emails, then the exact
   participant count is checked in the database. Worker RSS after the run.
4. `bench.assignment.benchmark_5000()`; bench/results.json (merged) and a section of
   bench/results.md with each target met / NOT met.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from api_rows import (  # noqa: E402
    WITH_API_KEY,
    add_public_results,
    api_urls,
    check_answer,
    create_token,
    profile_token,
)
from http_load import (  # noqa: E402
    CONNECTIONS,
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
from reminders import log, machine, write_md_section  # noqa: E402

from tests.smtp_sink import free_port  # noqa: E402

TARGETS = {
    "staff_ratio": 0.03,
    "public_ratio": 0.05,
    "p99_ms": 150,
    "queries": 15,
    "registration_rps": 100,
    "assignment_s": 2.0,
    "rss_mb": 150,
}
PUBLIC_PAGES = {"landing", "register", "api_open_results"}  # the others: staff (and token API)
API_RATES = ("DIALOGUE_HUB_API_TOKEN_RATE", "DIALOGUE_HUB_API_CLIENT_RATE")  # set by bench/run


# --- data ---------------------------------------------------------------------------------


@dataclass
class Community:
    """The users and objects of one measured initiative."""

    initiative: object
    organizer: object
    lead: object
    facilitator: object
    meeting: object
    participants: int = 0
    counts: dict = field(default_factory=dict)
    token: str = ""  # the coalition lead's personal API token


def password() -> str:
    """The factories' password (tests/factories.py; imported once Django is set up)."""
    from tests.factories import PASSWORD

    return PASSWORD


def make_user(email: str, name: str, password_hash: str):
    from allauth.account.models import EmailAddress

    from dialogue_hub.models import User

    user = User.objects.create(email=email, display_name=name, password=password_hash)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def build_initiative(n: int, *, participants: int, slug: str, name: str, open_registration=False):
    """One initiative with `participants` people, circles of 10, 6 meetings each (the first a
    week ago, attended), ideas and milestones (1/8 of the participant count each). Factory
    field conventions (tests/factories.py), bulk inserts."""
    from django.utils import timezone

    from actions.models import ActionTeam, Goal, Idea, Level, Milestone, MilestoneStatus
    from guides.models import Attendance, Circle, CircleMember, CircleSession
    from initiatives.models import Initiative, Phase
    from participants.models import (
        Demographics,
        Participant,
        RegistrationSettings,
        RoleCategory,
        Status,
    )

    now = timezone.now()
    initiative = Initiative.objects.create(
        name=name,
        slug=slug,
        community="Riverton",
        description="Residents and police talking in small circles.",
        languages=["en", "es"],
        timezone="America/Chicago",
        phase=Phase.DIALOGUE,
        is_published=True,
        published_at=now,
    )
    RegistrationSettings.objects.create(
        initiative=initiative,
        is_open=open_registration,
        neighborhoods=["Eastside", "Northgate", "Southbank", "Downtown"],
        time_slots=["Tuesday evening", "Thursday evening", "Saturday morning"],
        lived_experience_groups=["Immigrant", "LGBTQ+", "Disability"],
    )
    roles = [RoleCategory.RESIDENT] * 6 + [c for c in RoleCategory.values if c != "resident"]
    hoods = ["Eastside", "Northgate", "Southbank", "Downtown"]
    slots = ["Tuesday evening", "Thursday evening", "Saturday morning"]
    ages = ["18_24", "25_34", "35_44", "45_54", "55_64", "65_plus"]
    people = Participant.objects.bulk_create(
        [
            Participant(
                initiative=initiative,
                name=f"Participant {i:05d}",
                email=f"p{i:05d}@{slug}.example.net",
                preferred_language="es" if i % 4 == 3 else "en",
                neighborhood=hoods[i % 4],
                role_category=roles[i % len(roles)],
                age_band=ages[i % len(ages)],
                status=Status.CONFIRMED,
                seat_number=i + 1,
                availability=[slots[i % 3]],
            )
            for i in range(participants)
        ],
        batch_size=2000,
    )
    races = ["hispanic", "black", "white", "asian", "mena", "american_indian"]
    genders = ["woman", "man", "nonbinary", "prefer_not"]
    Demographics.objects.bulk_create(
        [
            Demographics(participant=p, race_ethnicity=[races[i % 6]], gender=genders[i % 4])
            for i, p in enumerate(people)
            if i % 5  # 80 % answered
        ],
        batch_size=2000,
    )
    circles = Circle.objects.bulk_create(
        [
            Circle(
                initiative=initiative,
                name=f"Circle {c:04d}",
                time_slot=slots[c % 3],
                venue_name="Eastside Library",
                is_neutral_venue=True,
            )
            for c in range(participants // 10)
        ],
        batch_size=2000,
    )
    CircleMember.objects.bulk_create(
        [CircleMember(circle=circles[i // 10], participant=p) for i, p in enumerate(people)],
        batch_size=2000,
    )
    first = now - timedelta(days=7)
    meetings = CircleSession.objects.bulk_create(
        [
            CircleSession(
                circle=c,
                number=k + 1,
                starts_at=first + timedelta(days=7 * k),
                status="held" if k == 0 else "scheduled",
            )
            for c in circles
            for k in range(6)
        ],
        batch_size=2000,
    )
    Attendance.objects.bulk_create(
        [
            Attendance(
                meeting=meetings[(i // 10) * 6],
                participant=p,
                status="present" if i % 7 else "absent",
            )
            for i, p in enumerate(people)
        ],
        batch_size=2000,
    )
    items = participants // 8
    Idea.objects.bulk_create(
        [
            Idea(initiative=initiative, text=f"Idea {i}: a youth–police basketball league")
            for i in range(items)
        ],
        batch_size=2000,
    )
    teams = ActionTeam.objects.bulk_create(
        [
            ActionTeam(initiative=initiative, name=f"Team {t:03d}", level=Level.COMMUNITY)
            for t in range(max(1, participants // 1000))
        ]
    )
    goals = Goal.objects.bulk_create(
        [Goal(team=t, title=f"Goal {t.pk}-{g}") for t in teams for g in range(5)]
    )
    statuses = [s for s in MilestoneStatus.values]
    Milestone.objects.bulk_create(
        [
            Milestone(
                goal=goals[m % len(goals)],
                title=f"Milestone {m}",
                status=statuses[m % len(statuses)],
                due_on=(now + timedelta(days=m % 90 - 30)).date(),
            )
            for m in range(items)
        ],
        batch_size=2000,
    )
    counts = {
        "participants": participants,
        "circles": len(circles),
        "meetings": len(meetings),
        "ideas": items,
        "milestones": items,
    }
    return initiative, circles, meetings, counts


def staff(initiative, circles, meetings, *, prefix: str, password_hash: str) -> dict:
    from guides.models import CircleStaff
    from initiatives.models import Membership, Role

    organizer = make_user(f"organizer-{prefix}@bench.example.org", "Olga Organizer", password_hash)
    lead = make_user(f"lead-{prefix}@bench.example.org", "Lee Lead", password_hash)
    facilitator = make_user(f"facilitator-{prefix}@bench.example.org", "Fay Facil", password_hash)
    Membership.objects.bulk_create(
        [
            Membership(user=organizer, initiative=initiative, role=Role.ORGANIZER),
            Membership(user=lead, initiative=initiative, role=Role.COALITION_LEAD),
            Membership(user=facilitator, initiative=initiative, role=Role.FACILITATOR),
        ]
    )
    CircleStaff.objects.bulk_create(
        [CircleStaff(circle=c, user=facilitator, role="facilitator") for c in circles[:20]]
    )
    return {
        "organizer": organizer,
        "lead": lead,
        "facilitator": facilitator,
        "meeting": meetings[0],
    }


def build(*, large: int, small: int, smalls: int) -> tuple[Community, Community]:
    from django.contrib.auth.hashers import make_password

    password_hash = make_password(password())
    communities = []
    for label, size in (("10x", large), ("1x", large // 10)):
        initiative, circles, meetings, counts = build_initiative(
            0,
            participants=size,
            slug=f"riverton-{label}",
            name=f"Riverton Dialogues ({label})",
            open_registration=label == "10x",
        )
        people = staff(initiative, circles, meetings, prefix=label, password_hash=password_hash)
        counts.update(add_public_results(initiative, author=people["organizer"]))
        token = create_token(people["lead"])
        communities.append(Community(initiative=initiative, counts=counts, token=token, **people))
        log(f"  {label}: {counts}")
    for i in range(smalls):
        build_initiative(i, participants=small, slug=f"town-{i:03d}", name=f"Town {i:03d}")
    return communities[0], communities[1]


def existing(label: str) -> Community:
    """A measured initiative built by an earlier run (for --profile-only)."""
    from dialogue_hub.models import User
    from guides.models import CircleSession
    from initiatives.models import Initiative

    initiative = Initiative.objects.get(slug=f"riverton-{label}")
    people = {
        role: User.objects.get(email=f"{role}-{label}@bench.example.org")
        for role in ("organizer", "lead", "facilitator")
    }
    meeting = (
        CircleSession.objects.filter(circle__staff__user=people["facilitator"])
        .order_by("pk")
        .first()
    )
    token = profile_token(people["lead"])
    return Community(initiative=initiative, meeting=meeting, token=token, **people)


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

    clients = {role: client_for(c, role) for role in (None, "organizer", "lead", "facilitator")}
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


# --- results ------------------------------------------------------------------------------


def verdict(good: bool) -> str:
    return "met" if good else "**NOT met**"


def write_results(result: dict, notes: dict) -> None:

    json_path = BENCH / "results.json"
    existing = {}
    if json_path.exists():
        with suppress(json.JSONDecodeError):
            existing = json.loads(json_path.read_text())
    # reminder_ratio stays (written by bench/reminders.py); merged, never dropped.
    merged = {**existing, **result}
    tmp = BENCH / "results.json.tmp"
    tmp.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
    tmp.replace(json_path)

    lines = [
        "<!-- pages: written by bench/pages.py -->",
        "## Pages of a large community under load (gunicorn, 2 sync workers)",
        "",
        f"{result['date']} on {result['machine']}",
        "",
        notes["data"],
        "",
        f"Load: {CONNECTIONS} connections from one threaded client on the same machine, each "
        f"page for {notes['requests']:,} requests or {notes['seconds']:g} s, whichever first. "
        f"Trivial view (`bench/ok`): **{result['trivial_rps']:.0f} requests/s**. Queries: "
        "in-process (django.test.Client + CaptureQueriesContext), the 1× initiative "
        f"({notes['base_participants']:,} participants) and the 10× one "
        f"({notes['large_participants']:,}).",
        "",
        "Queries warm: a request like those of the load test; cold: the first after the cache "
        "was emptied (kept figures, fragments and sessions computed again), as after a change.",
        "",
        notes["api"],
        "",
        "| page | req/s | ratio to trivial | p50 ms | p99 ms | queries 1× | queries 10× "
        "| cold 1× | cold 10× | ratio target | p99 ≤ 150 ms | ≤ 15 queries, same at 10× |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    cold = result.get("pages_queries_cold", {})
    misses = {"ratio": [], "p99": [], "queries": []}
    for name, row in result["pages"].items():
        target = TARGETS["public_ratio" if name in PUBLIC_PAGES else "staff_ratio"]
        checks = {
            "ratio": row["ratio"] >= target,
            "p99": row["p99_ms"] <= TARGETS["p99_ms"],
            "queries": row["queries"] <= TARGETS["queries"]
            and row["queries"] == row["queries_10x"]
            and (
                name not in cold  # results of a run before cold counts were taken
                or cold[name]["1x"] == cold[name]["10x"] <= TARGETS["queries"]
            ),
        }
        cold_cells = f"{cold[name]['1x']} | {cold[name]['10x']}" if name in cold else "— | —"
        for key, good in checks.items():
            if not good:
                misses[key].append(name)
        lines.append(
            f"| {name} | {row['rps']:.1f} | {row['ratio']:.3f} | {row['p50_ms']:.0f} "
            f"| {row['p99_ms']:.0f} | {row['queries']} | {row['queries_10x']} | {cold_cells} "
            f"| ≥ {target}: {verdict(checks['ratio'])} | {verdict(checks['p99'])} "
            f"| {verdict(checks['queries'])} |"
        )

    def missed(key):
        return verdict(not misses[key]) + (f" ({', '.join(misses[key])})" if misses[key] else "")

    reg_good = (
        result["registration_post_rps"] >= TARGETS["registration_rps"]
        and result["registration_errors"] == 0
        and notes["registration_exact"]
    )
    rss = result["worker_rss_mb"]
    lines += [
        "",
        "Targets:",
        "",
        f"- dashboards/staff pages and the token API ≥ {TARGETS['staff_ratio']}× trivial, public "
        f"pages and the open data ≥ {TARGETS['public_ratio']}×: " + missed("ratio"),
        f"- p99 ≤ {TARGETS['p99_ms']} ms at {CONNECTIONS} connections: " + missed("p99"),
        f"- ≤ {TARGETS['queries']} queries per page, identical at 1× and 10× (warm and cold): "
        + missed("queries"),
        f"- registration POST ≥ {TARGETS['registration_rps']}/s, zero errors, exact count: "
        f"{result['registration_post_rps']:.1f}/s, {result['registration_errors']} errors, "
        f"{notes['registration_detail']}: {verdict(reg_good)}",
        f"- assignment of 5,000 < {TARGETS['assignment_s']} s: "
        f"{result['assignment_5000_s']:.2f} s: "
        + verdict(result["assignment_5000_s"] < TARGETS["assignment_s"]),
        f"- each gunicorn worker < {TARGETS['rss_mb']} MB RSS: {', '.join(map(str, rss))} MB: "
        + verdict(bool(rss) and all(r < TARGETS["rss_mb"] for r in rss)),
        "",
        f"Build: {notes['build_s']:.1f} s. Load average at start: {notes['load']}. "
        f"reminder_ratio (bench/reminders.py): {merged.get('reminder_ratio', 'not run')}.",
        "",
        "<!-- findings: kept across runs, edit by hand -->",
        "<!-- /pages -->",
    ]
    # The hand-written profile findings survive a new run.
    write_md_section(
        "pages", "\n".join(lines), keep_from="<!-- findings: kept across runs, edit by hand -->"
    )


# --- main ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=20000, help="the largest initiative")
    parser.add_argument("--small", type=int, default=300, help="participants per small one")
    parser.add_argument("--smalls", type=int, default=98)
    parser.add_argument("--requests", type=int, default=2000, help="per page, at most")
    parser.add_argument("--seconds", type=float, default=5, help="per page, at most")
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

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    os.environ["DJANGO_STATIC_ROOT"] = str(static_root)
    import django

    django.setup()
    from django.core.management import call_command

    from bench.assignment import benchmark_5000
    from participants.models import Participant

    server = None
    try:
        call_command("collectstatic", "--noinput", verbosity=0)
        if args.profile_only is not None:
            names = args.profile_only or list(page_urls(existing("10x")))
            log(profile_pages(existing("10x"), names))
            return 0
        log(
            f"Building 2 + {args.smalls} initiatives ({args.participants:,} and "
            f"{args.participants // 10:,} participants, {args.smalls} × {args.small})…"
        )
        started = time.monotonic()
        large, base = build(large=args.participants, small=args.small, smalls=args.smalls)
        # Planner statistics, as autovacuum would have them on a real database: without them
        # PostgreSQL guesses ~15 rows per initiative and sorts all 20,000 for the roster's page.
        from django.db import connection

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
        log(f"  built in {build_s:.1f}s")

        log("Queries per page (in-process), 1× and 10×, warm (cold)…")
        q1, cold1 = count_queries(base)
        q10, cold10 = count_queries(large)
        for name in q1:
            log(f"  {name:<20} {q1[name]:>3} {q10[name]:>3}   ({cold1[name]:>3} {cold10[name]:>3})")

        port = free_port()
        server = Gunicorn(port, ROOT / "var" / "bench" / "gunicorn.log")
        server.start()
        log(f"gunicorn on {HOST}:{port}, workers {server.workers()}")
        credentials = {None: {}, WITH_API_KEY: {"Authorization": f"Bearer {large.token}"}}
        for role in ("organizer", "lead", "facilitator"):
            cookie = sign_in(port, getattr(large, role).email, password())
            credentials[role] = {"Cookie": cookie}
        load = Load(port, requests=args.requests, seconds=args.seconds)
        load.run(get_page("/bench/ok", {}))  # warm both workers
        trivial = load.run(get_page("/bench/ok", {}))
        log(f"  trivial: {trivial['rps']:.0f}/s p50 {trivial['p50_ms']:.1f} ms")
        pages = {}
        for name, (path, role) in page_urls(large).items():
            status, _, body = request("GET", path, port=port, headers=credentials[role])  # warm
            if status != 200:
                raise RuntimeError(f"{name} ({path}) answered {status} from gunicorn")
            if name.startswith("api_"):
                check_answer(name, body)
            figures = load.run(get_page(path, credentials[role]))
            if figures["errors"]:
                raise RuntimeError(f"{name}: {figures['errors']} errors: {figures['first_errors']}")
            pages[name] = {
                "rps": round(figures["rps"], 1),
                "ratio": round(figures["rps"] / trivial["rps"], 4),
                "p50_ms": round(figures["p50_ms"], 1),
                "p99_ms": round(figures["p99_ms"], 1),
                "queries": q1[name],
                "queries_10x": q10[name],
            }
            log(
                f"  {name:<20} {figures['rps']:7.1f}/s ratio {pages[name]['ratio']:.3f} "
                f"p50 {figures['p50_ms']:6.1f} p99 {figures['p99_ms']:6.1f} ms "
                f"({figures['requests']} requests)"
            )

        before = Participant.objects.filter(initiative=large.initiative).count()
        path = page_urls(large)["register"][0]
        registration, emails = registration_posts(load, path, run_id=str(int(time.time())))
        after = Participant.objects.filter(initiative=large.initiative).count()
        stored = Participant.objects.filter(initiative=large.initiative, email__in=emails).count()
        succeeded = registration["requests"] - registration["errors"]
        exact = after - before == succeeded == stored
        detail = (
            f"{registration['requests']} POSTs, {succeeded} redirected, {after - before} new rows, "
            f"{stored} with the posted emails"
        )
        log(f"  registration POST: {registration['rps']:.1f}/s, {detail}")
        if registration["errors"]:
            log(f"    first errors: {registration['first_errors']}")
        rss = server.rss_mb()
        log(f"  worker RSS: {rss} MB")
        server.stop()

        assignment = benchmark_5000()
        log(f"  assignment of 5,000: {assignment:.2f}s")

        result = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "trivial_rps": round(trivial["rps"], 1),
            "pages": pages,
            "registration_post_rps": round(registration["rps"], 1),
            "registration_errors": registration["errors"],
            "assignment_5000_s": round(assignment, 3),
            "worker_rss_mb": rss,
            "pages_queries_cold": {name: {"1x": cold1[name], "10x": cold10[name]} for name in q1},
            "pages_build_s": round(build_s, 1),
            "pages_data": {"10x": large.counts, "1x": base.counts, "small": args.small},
            "api_rate_limits": {name: os.environ.get(name) for name in API_RATES},
        }
        notes = {
            "data": (
                f"Data: {2 + args.smalls} initiatives; the 10× one has "
                f"{large.counts['participants']:,} participants (80 % with demographics), "
                f"{large.counts['circles']:,} circles of 10, {large.counts['meetings']:,} "
                f"meetings, {large.counts['ideas']:,} ideas + {large.counts['milestones']:,} "
                f"milestones; the 1× one a tenth of that; {args.smalls} more with "
                f"{args.small} participants each. Public results of the 10× one: "
                f"{large.counts['approved_logs']:,} approved session logs, "
                f"{large.counts['public_ideas']:,} public ideas (each raised in 2–3 circles), "
                f"{large.counts['public_teams']} of {large.counts['teams']} teams public, "
                f"{large.counts['public_outcomes']} public outcomes; "
                f"{large.counts['overdue_milestones']:,} of its milestones overdue."
            ),
            "api": (
                "API rows: `api_open_results` is GET /api/v1/open/initiatives/<slug>/results/ "
                "(anonymous, no If-None-Match: every answer a full 200 with its body, kept per "
                "initiative version in initiatives/cache.py); `api_milestones_overdue` is GET "
                "/api/v1/initiatives/<slug>/milestones/?overdue=true (the coalition lead's "
                "personal token, `Authorization: Bearer`, first page of 50). The API's rate "
                "limits are raised for this run ("
                + ", ".join(f"{name}={os.environ.get(name, 'default')}" for name in API_RATES)
                + ", set by bench/run) so that the one load client is not throttled; every "
                "request still pays the limits' Redis round trips. The limits themselves are "
                "tested in tests/api, not here."
            ),
            "requests": args.requests,
            "seconds": args.seconds,
            "base_participants": base.counts["participants"],
            "large_participants": large.counts["participants"],
            "registration_exact": exact,
            "registration_detail": detail,
            "build_s": build_s,
            "load": load_at_start,
        }
        print(json.dumps(result, indent=2))
        if args.profile:
            misses = [
                name
                for name, row in pages.items()
                if row["p99_ms"] > TARGETS["p99_ms"]
                or row["queries_10x"] != row["queries"]
                or row["queries"] > TARGETS["queries"]
                or row["ratio"] < TARGETS["public_ratio" if name in PUBLIC_PAGES else "staff_ratio"]
            ]
            profile = profile_pages(large, misses)
            (ROOT / "var" / "bench" / "pages-profile.txt").write_text(profile)
            log(profile)
        if not args.no_write:
            write_results(result, notes)
            log("Wrote bench/results.json and bench/results.md")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(static_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
