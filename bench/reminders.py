"""Benchmark: 10,000 session reminders through the whole pipeline, against a plain SMTP loop
and against a plain one-task-per-message Celery setup.

Run it with `make bench` (bench/run sets up the database and the environment). Steps:

1. Build 1,000 circles of 10 participants, each circle meeting once in 47 hours (bulk inserts).
2. Start an SMTP sink in its own process and a real Celery worker (prefork, 4 children,
   BENCH_WORKER_CONCURRENCY) on the real Redis and PostgreSQL.
3. Pipeline, timed: the guides planner (`reminders_plan`, which writes the outbox rows and
   publishes them after commit) plus `outbox_relay()` every 5 seconds, until the sink has all
   10,000 messages (the clock stops at the last message's arrival).
4. Baseline, timed: the same 10,000 rows rendered beforehand with `dialogue_hub.outbox.render`
   (untimed), then sent by a plain loop over one SMTP connection to the same sink.
5. Celery per message, timed: the same pre-rendered messages, one Celery task each
   (bench/celery_per_message.py: Django's EmailMessage over a fresh SMTP connection per
   message), published from here to a worker of the same concurrency, until the sink has them.
6. Before, timed: the pipeline again with a worker running the code from before issue 20's
   email work (bench/email_before.py), for before and after in one run.
7. Print `reminder_ratio = baseline_seconds / pipeline_seconds` (goal: at least 0.8) and
   `reminder_ratio_vs_celery_per_message = celery_per_message_seconds / pipeline_seconds`,
   and write bench/results.json (merged into what is there) and bench/results.md.

The load average (one minute) is taken at the start and after each timing: the machine may be
shared, and a busy one slows the single-connection baseline more than the pipeline.

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

GOAL = 0.8
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

    def launch(
        self,
        args: list[str],
        *,
        env: dict,
        ready,
        timeout: float,
        pause: float = 0,
        cwd: Path = ROOT,
    ):
        """Start `python -m <args>` from the project's root (or `cwd`) and wait until `ready()`
        is true; RuntimeError (with the log's end) if it exits first or takes over `timeout`
        seconds."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 (our interpreter, our arguments)
                [sys.executable, "-m", *args],
                cwd=cwd,
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
        include: str = "",
        root: Path = ROOT,
    ):
        super().__init__(log_path)
        self.smtp_port = smtp_port
        self.extra_env = extra_env or {}
        self.include = include  # more task modules to import (--include)
        self.root = root  # the code it runs: this tree, or an earlier version's (`before_tree`)

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
                *([f"--include={self.include}"] if self.include else []),
            ],
            env=env,
            ready=self._answers,
            timeout=timeout,
            cwd=self.root,
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


def time_baseline(sink: SinkProcess, messages) -> dict:
    from django.core.mail import get_connection

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


def time_celery_per_message(sink: SinkProcess, messages, *, timeout: float) -> dict:
    """The same pre-rendered messages, one Celery task each (publishing included in the time,
    as the pipeline's includes planning and publishing)."""
    from celery_per_message import as_task_payload, send_one_email

    payloads = [as_task_payload(message) for message in messages]  # untimed
    sink.reset()
    started = time.monotonic()
    for payload in payloads:
        send_one_email.apply_async(args=[payload])
    published_at = time.monotonic()
    wait_for_sink(sink, len(payloads), timeout=timeout)
    finished = sink.last_at
    time.sleep(1)  # anything more (a duplicate) would arrive now
    return {
        "seconds": finished - started,
        "publish_seconds": published_at - started,
        "received": sink.count,
        "connections": sink.connections,
    }


def profile_worker_path(sink: SinkProcess, rows, *, limit: int = 1000) -> str:
    """send_batch (what the worker's task runs) on `limit` of the rows, made pending again,
    profiled in this process against the same sink, holding one mail connection across the
    batches as a worker process does."""
    from django.conf import settings
    from django.utils import timezone

    from dialogue_hub import outbox_email
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
    outbox_email.hold_connection()
    profiler.enable()
    for start in range(0, len(ids), size):
        send_batch(ids[start : start + size])
    profiler.disable()
    outbox_email.release_connection()
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
    from django.conf import settings
    from django.core.mail import get_connection
    from django.db.models import F
    from django.utils import timezone

    from dialogue_hub.models import OutboxMessage
    from dialogue_hub.outbox import KINDS, render

    rows = rows[:limit]
    n = len(rows)
    kind = KINDS[rows[0].kind]
    size = settings.DIALOGUE_HUB_OUTBOX_BATCH_SIZE
    lines = [f"Per message, one process, {n} messages:"]

    def stage(label, fun):
        started = time.perf_counter()
        result = fun()
        lines.append(f"  {label:<58} {(time.perf_counter() - started) / n * 1000:7.2f} ms")
        return result

    def prefetch():  # as send_batch loads a batch
        for start in range(0, n, size):
            batch = rows[start : start + size]
            cache = kind.prefetch(batch) if kind.prefetch else None
            for row in batch:
                row.prefetched = cache

    stage(f"prefetch (the kind's queries, per {size} rows)", prefetch)
    stage("build (the kind's builder, from the prefetch)", lambda: [kind.build(r) for r in rows])
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

    used = stage("SMTP, a fresh connection per message", lambda: smtp(False))
    lines[-1] += f"   [{used} connections]"
    used = stage("SMTP over one held connection (as send_batch)", lambda: smtp(True))
    lines[-1] += f"   [{used} connection]"
    ids = [r.pk for r in rows]
    every = settings.DIALOGUE_HUB_OUTBOX_RECORD_EVERY
    stage(
        "mark sent: one UPDATE per row",
        lambda: [
            OutboxMessage.objects.filter(pk=pk).update(
                sent_at=timezone.now(), attempts=F("attempts")
            )
            for pk in ids
        ],
    )
    stage(
        f"mark sent: one UPDATE per {every} rows (as send_batch)",
        lambda: [
            OutboxMessage.objects.filter(pk__in=ids[start : start + every]).update(
                sent_at=timezone.now()
            )
            for start in range(0, n, every)
        ],
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
    merge_json(result)

    met = "met" if result["reminder_goal_met"] else "NOT met"
    loads = result["reminder_load_averages"]
    rows = [
        ("pipeline", "pipeline", loads.get("pipeline")),
        ("baseline: one SMTP connection", "baseline", loads.get("baseline")),
        ("Celery, one task per message", "celery_per_message", loads.get("celery_per_message")),
    ]
    if "reminder_before_s" in result:
        rows.append(
            (
                f"pipeline before issue 20 (worker at {result['reminder_before_ref']})",
                "before",
                loads.get("before"),
            )
        )
    section = "\n".join(
        [
            "<!-- reminders: written by bench/reminders.py -->",
            "## Session reminders: pipeline vs. one SMTP connection and vs. a task per message",
            "",
            f"{result['date']} on {result['machine']}",
            "",
            f"{result['reminder_messages']:,} due reminders ({result['reminder_circles']:,} circles "
            f"× {result['reminder_members']} participants, meetings in 47 h). Pipeline: "
            "`reminders_plan()` + `outbox_relay()` → Redis → Celery worker "
            f"(prefork, {result['reminder_worker_concurrency']} children, each holding one SMTP "
            "connection) → SMTP sink (its own process). Baseline: the same messages rendered "
            "beforehand, sent by one loop over one SMTP connection to the same sink. Celery per "
            "message: the same pre-rendered messages, one task each (bench/celery_per_message.py: "
            "Django's EmailMessage over a fresh connection), the same worker concurrency and sink, "
            "publishing included.",
            "",
            "| | seconds | messages/s | SMTP connections | load average after |",
            "|---|---:|---:|---:|---:|",
            *(
                f"| {label} | {result[f'reminder_{key}_s']:.2f} | "
                f"{result[f'reminder_{key}_msgs_per_s']:.0f} | "
                f"{result[f'reminder_{key}_smtp_connections']:,} | {load} |"
                for label, key, load in rows
            ),
            "",
            f"**reminder_ratio = baseline / pipeline = {result['reminder_ratio']:.3f}** "
            f"(goal ≥ {result['reminder_goal']}: {met})",
            "",
            "reminder_ratio_vs_celery_per_message = Celery per message / pipeline = "
            f"{result['reminder_ratio_vs_celery_per_message']:.3f} (above 1: the pipeline is faster)",
            "",
            *(
                [
                    "Before and after in this run: the pipeline with a worker running the code "
                    f"of {result['reminder_before_ref']} (bench/email_before.py) took "
                    f"{result['reminder_before_s']:.2f} s (ratio to the baseline "
                    f"{result['reminder_ratio_before']:.3f}); today's, {result['reminder_pipeline_s']:.2f}"
                    f" s ({result['reminder_ratio']:.3f}).",
                    "",
                ]
                if "reminder_before_s" in result
                else []
            ),
            f"Versions: {', '.join(f'{k} {v}' for k, v in result['reminder_versions'].items())}. "
            f"Batch size {result['reminder_batch_size']}, sent rows recorded "
            f"{result['reminder_record_every']} at a time. Load average (1 min) at start: "
            f"{result['reminder_load_average_at_start']}.",
            "<!-- /reminders -->",
        ]
    )
    write_md_section("reminders", section)


def merge_json(values: dict) -> None:
    """Put `values` into bench/results.json, keeping every other bench's keys (written whole
    through a temporary file, so a stopped run never leaves half a file)."""
    json_path = BENCH / "results.json"
    existing = {}
    if json_path.exists():
        try:
            existing = json.loads(json_path.read_text())
        except json.JSONDecodeError:
            existing = {}
    tmp = BENCH / "results.json.tmp"
    tmp.write_text(json.dumps({**existing, **values}, indent=2, sort_keys=True) + "\n")
    tmp.replace(json_path)


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
    log_dir = ROOT / "var" / "bench"
    worker = Worker(smtp_port=port, log_path=log_dir / "worker.log")
    naive_worker = Worker(
        smtp_port=port,
        log_path=log_dir / "worker-celery-per-message.log",
        include="celery_per_message",
        extra_env={
            "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH), os.environ.get("PYTHONPATH")]))
        },
    )
    loads = {"start": round(load_at_start, 2)}
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
        loads["pipeline"] = round(os.getloadavg()[0], 2)
        log(
            f"  {pipeline['seconds']:.2f}s ({expected / pipeline['seconds']:.0f} msgs/s); "
            f"planner {pipeline['plan_seconds']:.2f}s; received {pipeline['received']:,} "
            f"over {pipeline['connections']:,} SMTP connections; "
            f"relay handed over {pipeline['relay_handed_over']:,}; load {loads['pipeline']}"
        )
        worker.stop()

        from dialogue_hub.outbox import KINDS, render
        from guides.services.reminders import REMINDER

        rows = list(
            OutboxMessage.objects.filter(kind=REMINDER, status="sent").order_by("pk")[:expected]
        )
        messages = [render(row, KINDS[row.kind]) for row in rows]  # untimed
        log(f"Baseline: {len(rows):,} pre-rendered messages over one SMTP connection…")
        baseline = time_baseline(sink, messages)
        loads["baseline"] = round(os.getloadavg()[0], 2)
        log(
            f"  {baseline['seconds']:.2f}s ({expected / baseline['seconds']:.0f} msgs/s) "
            f"over {baseline['connections']:,} SMTP connection(s); load {loads['baseline']}"
        )

        log(
            f"Celery per message: {len(messages):,} tasks, each one pre-rendered message over a "
            "fresh SMTP connection…"
        )
        purge_queue()
        naive_worker.start()
        naive = time_celery_per_message(sink, messages, timeout=args.timeout)
        loads["celery_per_message"] = round(os.getloadavg()[0], 2)
        naive_worker.stop()
        log(
            f"  {naive['seconds']:.2f}s ({expected / naive['seconds']:.0f} msgs/s); published in "
            f"{naive['publish_seconds']:.2f}s; received {naive['received']:,} over "
            f"{naive['connections']:,} SMTP connections; load {loads['celery_per_message']}"
        )

        from email_before import BEFORE, time_before

        log(f"Before issue 20's email work: the pipeline with a worker running {BEFORE}…")
        before = time_before(sink, expected, port=port, log_dir=log_dir, timeout=args.timeout)
        loads["before"] = round(os.getloadavg()[0], 2)
        if before:
            log(
                f"  {before['seconds']:.2f}s ({expected / before['seconds']:.0f} msgs/s); "
                f"received {before['received']:,} over {before['connections']:,} SMTP "
                f"connections; load {loads['before']}"
            )

        ratio = baseline["seconds"] / pipeline["seconds"]
        result = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "reminder_ratio": round(ratio, 4),
            "reminder_goal": GOAL,
            "reminder_goal_met": ratio >= GOAL,
            "reminder_ratio_vs_celery_per_message": round(
                naive["seconds"] / pipeline["seconds"], 4
            ),
            "reminder_pipeline_s": round(pipeline["seconds"], 3),
            "reminder_baseline_s": round(baseline["seconds"], 3),
            "reminder_celery_per_message_s": round(naive["seconds"], 3),
            "reminder_pipeline_msgs_per_s": round(expected / pipeline["seconds"], 1),
            "reminder_baseline_msgs_per_s": round(expected / baseline["seconds"], 1),
            "reminder_celery_per_message_msgs_per_s": round(expected / naive["seconds"], 1),
            "reminder_plan_s": round(pipeline["plan_seconds"], 3),
            "reminder_messages": expected,
            "reminder_circles": args.circles,
            "reminder_members": args.members,
            "reminder_pipeline_received": pipeline["received"],
            "reminder_celery_per_message_received": naive["received"],
            "reminder_pipeline_smtp_connections": pipeline["connections"],
            "reminder_baseline_smtp_connections": baseline["connections"],
            "reminder_celery_per_message_smtp_connections": naive["connections"],
            "reminder_batch_size": settings.DIALOGUE_HUB_OUTBOX_BATCH_SIZE,
            "reminder_record_every": settings.DIALOGUE_HUB_OUTBOX_RECORD_EVERY,
            "reminder_worker_concurrency": WORKER_CONCURRENCY,
            "reminder_load_average_at_start": loads["start"],
            "reminder_load_averages": loads,
            "reminder_versions": versions(),
        }
        if before:
            result.update(
                reminder_before_ref=before["ref"],
                reminder_before_s=round(before["seconds"], 3),
                reminder_before_msgs_per_s=round(expected / before["seconds"], 1),
                reminder_before_smtp_connections=before["connections"],
                reminder_before_received=before["received"],
                reminder_ratio_before=round(baseline["seconds"] / before["seconds"], 4),
            )
        log("")
        log(f"reminder_pipeline_s = {result['reminder_pipeline_s']}")
        log(f"reminder_baseline_s = {result['reminder_baseline_s']}")
        log(f"reminder_celery_per_message_s = {result['reminder_celery_per_message_s']}")
        log(
            f"reminder_ratio = {ratio:.3f}  (baseline / pipeline; goal ≥ {GOAL}: "
            f"{'met' if ratio >= GOAL else 'NOT met'})"
        )
        log(
            "reminder_ratio_vs_celery_per_message = "
            f"{result['reminder_ratio_vs_celery_per_message']:.3f}  (celery per message / pipeline)"
        )
        log(f"load averages (1 min): {loads}")
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
        naive_worker.stop()
        sink.stop()
        purge_queue()
    return 0


if __name__ == "__main__":
    sys.exit(main())
