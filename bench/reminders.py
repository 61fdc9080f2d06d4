"""Benchmark: 10,000 session reminders through the whole pipeline, against a plain SMTP loop.

Run it with `make bench` (bench/run sets up the database and the environment). Steps:

1. Build 1,000 circles of 10 participants, each circle meeting once in 47 hours (bulk inserts).
2. Start an SMTP sink in its own process and a real Celery worker (prefork, 4 children,
   BENCH_WORKER_CONCURRENCY) on the real Redis and PostgreSQL.
3. Pipeline, timed: the guides planner (`reminders_plan`, which writes the outbox rows and
   publishes them after commit) plus `outbox_relay()` every 5 seconds, until the sink has all
   10,000 messages (the clock stops at the last message's arrival).
4. Baseline, timed: the same 10,000 rows rendered beforehand with `dialogue_hub.outbox.render`
   (untimed), then sent by a plain loop over one SMTP connection to the same sink.
5. Print `reminder_ratio = baseline_seconds / pipeline_seconds` (goal: at least 0.5) and
   write bench/results.json (merged into what is there) and bench/results.md.

`--profile` additionally profiles the worker's code path (`send_batch`, in this process, on
1,000 of the rows sent again) and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import signal
import subprocess
import sys
import time
import uuid
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from sink import SinkProcess  # noqa: E402

from tests.smtp_sink import free_port  # noqa: E402

GOAL = 0.5
QUEUE = "celery"
# Worker processes: sending email mostly waits on the network and the database, so four
# processes on two cores (the Procfile and docker-compose.yml run the same number).
WORKER_CONCURRENCY = int(os.environ.get("BENCH_WORKER_CONCURRENCY", "4"))


def log(message: str) -> None:
    print(message, flush=True)


def stop_process_group(process) -> None:
    """Stop a subprocess started with start_new_session=True and everything it forked:
    SIGTERM, then SIGKILL, then SIGKILL again for children that outlived their parent."""
    if process is None:
        return
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


# --- the worker ---------------------------------------------------------------------------


class Server:
    """One of the benchmark's servers (the Celery worker here, gunicorn in pages.py): a
    `python -m …` process in its own session, logging to `log_path`, stopped with its children."""

    name = "the server"

    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def launch(self, args: list[str], *, env: dict, ready, timeout: float, pause: float = 0):
        """Start `python -m <args>` from the project's root and wait until `ready()` is true;
        RuntimeError (with the log's end) if it exits first or takes over `timeout` seconds."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 (our interpreter, our arguments)
                [sys.executable, "-m", *args],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log_path.read_text()[-3000:]}")
            if ready():
                return
            time.sleep(pause)
        raise RuntimeError(f"{self.name} did not answer within {timeout}s")

    def stop(self) -> None:
        stop_process_group(self.process)
        self.process = None


class Worker(Server):
    """`celery worker` in its own session (stopped with its children), logging to var/bench/."""

    name = "the worker"

    def __init__(
        self,
        *,
        smtp_port: int,
        log_path: Path,
        extra_env: dict | None = None,
    ):
        super().__init__(log_path)
        self.smtp_port = smtp_port
        self.extra_env = extra_env or {}

    def start(self, timeout: float = 90) -> None:
        env = {**os.environ, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(self.smtp_port)}
        env.update(self.extra_env)
        self.launch(
            [
                "celery",
                "-A",
                "dialogue_hub",
                "worker",
                "--pool=prefork",
                f"--concurrency={WORKER_CONCURRENCY}",
                "-Q",
                QUEUE,
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=WARNING",
                f"--hostname=bench-{uuid.uuid4().hex[:8]}@%h",
            ],
            env=env,
            ready=self._answers,
            timeout=timeout,
        )

    @staticmethod
    def _answers() -> bool:
        # With --loglevel=WARNING the "ready" line is not logged; ask the worker instead.
        from dialogue_hub.celery import app

        return bool(app.control.ping(timeout=0.5))


# --- data ---------------------------------------------------------------------------------


def build_circles(*, circles: int, members: int, starts_in: timedelta):
    from django.utils import timezone

    from guides.models import Circle, CircleMember, CircleSession
    from initiatives.models import Initiative, Phase
    from participants.models import Participant, Status

    initiative = Initiative.objects.create(
        name="Benchville Dialogues",
        slug=f"bench-{uuid.uuid4().hex[:8]}",
        community="Benchville",
        languages=["en", "es"],
        timezone="America/Chicago",
        phase=Phase.DIALOGUE,
        is_published=True,
    )
    circle_rows = Circle.objects.bulk_create(
        [
            Circle(
                initiative=initiative,
                name=f"Circle {i:04d}",
                time_slot="Tuesday evening",
                venue_name="Benchville Public Library",
                venue_address="1 Main Street",
                is_neutral_venue=True,
            )
            for i in range(circles)
        ],
        batch_size=1000,
    )
    people = Participant.objects.bulk_create(
        [
            Participant(
                initiative=initiative,
                name=f"Participant {n:05d}",
                email=f"participant-{n:05d}@bench.example.net",
                preferred_language="es" if n % 4 == 3 else "en",
                neighborhood="Eastside",
                status=Status.CONFIRMED,
                availability=["Tuesday evening"],
            )
            for n in range(circles * members)
        ],
        batch_size=2000,
    )
    CircleMember.objects.bulk_create(
        [
            CircleMember(circle=circle_rows[n // members], participant=p)
            for n, p in enumerate(people)
        ],
        batch_size=2000,
    )
    starts_at = (timezone.now() + starts_in).replace(second=0, microsecond=0)
    CircleSession.objects.bulk_create(
        [CircleSession(circle=c, number=1, starts_at=starts_at) for c in circle_rows],
        batch_size=1000,
    )
    return initiative


def purge_queue() -> None:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = [QUEUE] + [f"{QUEUE}\x06\x16{p}" for p in range(10)]
    client.delete(*keys, "unacked", "unacked_index", "unacked_mutex")


# --- the two timings ----------------------------------------------------------------------


def wait_for_sink(
    sink: SinkProcess, count: int, *, timeout: float, tick=None, tick_every: float = 5
) -> None:
    deadline = time.monotonic() + timeout
    next_tick = time.monotonic() + tick_every
    last_report = time.monotonic()
    while sink.count < count:
        now = time.monotonic()
        if now >= deadline:
            raise RuntimeError(f"only {sink.count} of {count} messages after {timeout}s")
        if tick is not None and now >= next_tick:
            tick()
            next_tick = now + tick_every
        if now - last_report >= 10:
            log(f"  … {sink.count} of {count} received")
            last_report = now
        time.sleep(0.01)


def time_pipeline(sink: SinkProcess, expected: int, *, timeout: float) -> dict:
    from django.utils import timezone

    from dialogue_hub.models import OutboxMessage
    from dialogue_hub.outbox import outbox_relay
    from guides.services.reminders import REMINDER, reminders_plan

    handed = 0

    def relay():
        nonlocal handed
        handed += outbox_relay()

    sink.reset()
    started = time.monotonic()
    planned = reminders_plan()
    planned_at = time.monotonic()
    relay()
    due = OutboxMessage.objects.filter(kind=REMINDER, send_after__lte=timezone.now()).count()
    if due != expected:
        raise RuntimeError(f"the planner made {due} due reminders, expected {expected}")
    wait_for_sink(sink, expected, timeout=timeout, tick=relay)
    finished = sink.last_at
    time.sleep(1)  # anything more (a duplicate) would arrive now
    return {
        "seconds": finished - started,
        "plan_seconds": planned_at - started,
        "planned": planned,
        "received": sink.count,
        "connections": sink.connections,
        "relay_handed_over": handed,
    }


def time_baseline(sink: SinkProcess, rows) -> dict:
    from django.core.mail import get_connection

    from dialogue_hub.outbox import KINDS, render

    messages = [render(row, KINDS[row.kind]) for row in rows]  # untimed: SMTP only below
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host="127.0.0.1",
        port=sink.port,
        use_tls=False,
        use_ssl=False,
        timeout=30,
    )
    sink.reset()
    started = time.monotonic()
    sent = connection.send_messages(messages)  # opens ONE connection, sends all, closes it
    wait_for_sink(sink, len(messages), timeout=600)
    finished = sink.last_at
    if sent != len(messages):
        raise RuntimeError(f"the baseline sent {sent} of {len(messages)}")
    return {"seconds": finished - started, "received": sink.count, "connections": sink.connections}


def profile_worker_path(sink: SinkProcess, rows, *, limit: int = 1000) -> str:
    """send_batch (what the worker's task runs) on `limit` of the rows, made pending again,
    profiled in this process against the same sink."""
    from django.conf import settings
    from django.utils import timezone

    from dialogue_hub.models import OutboxMessage, OutboxStatus
    from dialogue_hub.outbox import send_batch

    ids = [row.pk for row in rows[:limit]]
    OutboxMessage.objects.filter(pk__in=ids).update(
        status=OutboxStatus.PENDING, sent_at=None, claimed_at=None, enqueued_at=timezone.now()
    )
    settings.EMAIL_PORT = sink.port
    size = settings.DIALOGUE_HUB_OUTBOX_BATCH_SIZE
    profiler = cProfile.Profile()
    started = time.monotonic()
    profiler.enable()
    for start in range(0, len(ids), size):
        send_batch(ids[start : start + size])
    profiler.disable()
    elapsed = time.monotonic() - started
    out = io.StringIO()
    out.write(f"send_batch: {len(ids)} messages in {elapsed:.2f}s ")
    out.write(f"({elapsed / len(ids) * 1000:.1f} ms each, one process)\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)
    return out.getvalue()


def stage_breakdown(sink: SinkProcess, rows, *, limit: int = 1000) -> str:
    """Where a worker's time per message goes, stage by stage, without a profiler's overhead
    (one process, the same rows and sink)."""
    from django.core.mail import get_connection
    from django.db.models import F
    from django.utils import timezone

    from dialogue_hub.models import OutboxMessage
    from dialogue_hub.outbox import KINDS, render

    rows = rows[:limit]
    n = len(rows)
    kind = KINDS[rows[0].kind]
    lines = [f"Per message, one process, {n} messages:"]

    def stage(label, fun):
        started = time.perf_counter()
        result = fun()
        lines.append(f"  {label:<58} {(time.perf_counter() - started) / n * 1000:7.2f} ms")
        return result

    stage("build (the kind's builder: queries, .ics)", lambda: [kind.build(r) for r in rows])
    messages = stage(
        "render (builder + templates + unsubscribe links)", lambda: [render(r, kind) for r in rows]
    )
    stage(
        "MIME serialisation (message.message().as_bytes())",
        lambda: [m.message().as_bytes() for m in messages],
    )

    def smtp(one_connection: bool):
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=sink.port
        )
        sink.reset()
        if one_connection:
            connection.open()
        for message in messages:
            message.connection = connection
            message.send()
        connection.close()
        wait_for_sink(sink, n, timeout=300)
        return sink.connections

    used = stage("SMTP, as send_batch does it (message.send() each)", lambda: smtp(False))
    lines[-1] += f"   [{used} connections]"
    used = stage("SMTP over one opened connection", lambda: smtp(True))
    lines[-1] += f"   [{used} connection]"
    ids = [r.pk for r in rows]
    stage(
        "mark sent: one UPDATE per row (as _finish)",
        lambda: [
            OutboxMessage.objects.filter(pk=pk).update(
                sent_at=timezone.now(), attempts=F("attempts")
            )
            for pk in ids
        ],
    )
    stage(
        "mark sent: one UPDATE for the batch (for comparison)",
        lambda: OutboxMessage.objects.filter(pk__in=ids).update(sent_at=timezone.now()),
    )
    return "\n".join(lines)


# --- results ------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.node()}: {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"
    )


def versions() -> dict:
    import celery
    import django
    import redis
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    from django.conf import settings

    redis_version = redis.Redis.from_url(settings.REDIS_URL).info()["redis_version"]
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "celery": celery.__version__,
        "postgresql": postgres,
        "redis": redis_version,
    }


def write_results(result: dict) -> None:
    json_path = BENCH / "results.json"
    existing = {}
    if json_path.exists():
        try:
            existing = json.loads(json_path.read_text())
        except json.JSONDecodeError:
            existing = {}
    merged = {**existing, **result}
    tmp = BENCH / "results.json.tmp"
    tmp.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
    tmp.replace(json_path)

    section = "\n".join(
        [
            "<!-- reminders: written by bench/reminders.py -->",
            "## Session reminders: pipeline vs. one SMTP connection",
            "",
            f"{result['date']} on {result['machine']}",
            "",
            f"{result['reminder_messages']:,} due reminders ({result['reminder_circles']:,} circles "
            f"× {result['reminder_members']} participants, meetings in 47 h). Pipeline: "
            "`reminders_plan()` + `outbox_relay()` → Redis → Celery worker "
            f"(prefork, {WORKER_CONCURRENCY} children) "
            "→ SMTP sink (its own process). Baseline: the same messages rendered beforehand, sent "
            "by one loop over one SMTP connection to the same sink.",
            "",
            "| | seconds | messages/s |",
            "|---|---:|---:|",
            f"| pipeline | {result['reminder_pipeline_s']:.2f} | {result['reminder_pipeline_msgs_per_s']:.0f} |",
            f"| baseline | {result['reminder_baseline_s']:.2f} | {result['reminder_baseline_msgs_per_s']:.0f} |",
            "",
            f"**reminder_ratio = baseline / pipeline = {result['reminder_ratio']:.3f}** "
            f"(goal ≥ {GOAL}: {'met' if result['reminder_ratio'] >= GOAL else 'NOT met'})",
            "",
            f"Versions: {', '.join(f'{k} {v}' for k, v in result['reminder_versions'].items())}. "
            f"Batch size {result['reminder_batch_size']}. SMTP connections: pipeline "
            f"{result['reminder_pipeline_smtp_connections']:,}, baseline "
            f"{result['reminder_baseline_smtp_connections']}. Load average at start: "
            f"{result['reminder_load_average_at_start']}.",
            "<!-- /reminders -->",
        ]
    )
    write_md_section("reminders", section)


def write_md_section(name: str, section: str, *, keep_from: str | None = None) -> None:
    """Put `section` (from "<!-- name:" to "<!-- /name -->") into bench/results.md, replacing
    the last run's. `keep_from`: a marker line inside the section; what follows it in the old
    section (hand-written findings) replaces that line in the new one."""
    md_path = BENCH / "results.md"
    text = md_path.read_text() if md_path.exists() else "# Benchmark results\n\n`make bench`\n"
    start = text.find(f"<!-- {name}:")
    closing = f"<!-- /{name} -->"
    end = text.find(closing)
    if start != -1 and end != -1:
        old = text[start:end]
        kept = old.find(keep_from) if keep_from else -1
        if kept != -1:
            section = section.replace(keep_from + "\n", old[kept:])
        text = text[:start] + section + text[end + len(closing) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    tmp = BENCH / "results.md.tmp"
    tmp.write_text(text)
    tmp.replace(md_path)


# --- main ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--circles", type=int, default=1000)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=900, help="seconds for the pipeline")
    parser.add_argument("--profile", action="store_true", help="profile the worker's code path")
    parser.add_argument("--no-write", action="store_true", help="don't write bench/results.*")
    args = parser.parse_args()
    expected = args.circles * args.members
    load_at_start = os.getloadavg()[0]

    port = free_port()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dialogue_hub.settings.worker_test")
    os.environ["EMAIL_PORT"] = str(port)
    import django

    django.setup()
    from django.conf import settings

    from dialogue_hub.celery import app
    from dialogue_hub.models import OutboxMessage

    if app.conf.task_always_eager or not settings.REDIS_URL:
        raise SystemExit("bench/reminders.py needs the real broker: run it through bench/run")

    sink = SinkProcess(port)
    worker = Worker(smtp_port=port, log_path=ROOT / "var" / "bench" / "worker.log")
    try:
        log(f"Building {args.circles:,} circles × {args.members} participants…")
        started = time.monotonic()
        build_circles(circles=args.circles, members=args.members, starts_in=timedelta(hours=47))
        log(f"  built in {time.monotonic() - started:.1f}s")
        purge_queue()
        sink.start()
        log(f"SMTP sink on 127.0.0.1:{port} (own process); starting the worker…")
        worker.start()

        log(f"Pipeline: planner + relay until the sink has {expected:,} messages…")
        pipeline = time_pipeline(sink, expected, timeout=args.timeout)
        log(
            f"  {pipeline['seconds']:.2f}s ({expected / pipeline['seconds']:.0f} msgs/s); "
            f"planner {pipeline['plan_seconds']:.2f}s; received {pipeline['received']:,} "
            f"over {pipeline['connections']:,} SMTP connections; "
            f"relay handed over {pipeline['relay_handed_over']:,}"
        )
        worker.stop()

        from guides.services.reminders import REMINDER

        rows = list(
            OutboxMessage.objects.filter(kind=REMINDER, status="sent").order_by("pk")[:expected]
        )
        log(f"Baseline: {len(rows):,} pre-rendered messages over one SMTP connection…")
        baseline = time_baseline(sink, rows)
        log(
            f"  {baseline['seconds']:.2f}s ({expected / baseline['seconds']:.0f} msgs/s) "
            f"over {baseline['connections']:,} SMTP connection(s)"
        )

        ratio = baseline["seconds"] / pipeline["seconds"]
        result = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "reminder_ratio": round(ratio, 4),
            "reminder_pipeline_s": round(pipeline["seconds"], 3),
            "reminder_baseline_s": round(baseline["seconds"], 3),
            "reminder_pipeline_msgs_per_s": round(expected / pipeline["seconds"], 1),
            "reminder_baseline_msgs_per_s": round(expected / baseline["seconds"], 1),
            "reminder_plan_s": round(pipeline["plan_seconds"], 3),
            "reminder_messages": expected,
            "reminder_circles": args.circles,
            "reminder_members": args.members,
            "reminder_pipeline_received": pipeline["received"],
            "reminder_pipeline_smtp_connections": pipeline["connections"],
            "reminder_baseline_smtp_connections": baseline["connections"],
            "reminder_batch_size": settings.DIALOGUE_HUB_OUTBOX_BATCH_SIZE,
            "reminder_load_average_at_start": round(load_at_start, 2),
            "reminder_versions": versions(),
        }
        log("")
        log(f"reminder_pipeline_s = {result['reminder_pipeline_s']}")
        log(f"reminder_baseline_s = {result['reminder_baseline_s']}")
        log(
            f"reminder_ratio = {ratio:.3f}  (baseline / pipeline; goal ≥ {GOAL}: "
            f"{'met' if ratio >= GOAL else 'NOT met'})"
        )
        if not args.no_write:
            write_results(result)
            log("Wrote bench/results.json and bench/results.md")
        if args.profile:
            log("")
            log(stage_breakdown(sink, rows))
            log("")
            log(profile_worker_path(sink, rows))
    finally:
        worker.stop()
        sink.stop()
        purge_queue()
    return 0


if __name__ == "__main__":
    sys.exit(main())
