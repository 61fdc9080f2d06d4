"""Benchmark: 10,000 reminder texts through the whole pipeline, against a plain loop calling
the same local text provider over one connection.

Run it with `make bench` or `bench/run texts` (bench/run sets up the database and the
environment). Steps:

1. Build 10,000 participants who chose texts only (a mobile number each), in circles of 10,
   of an initiative where it is daytime now (no text is held for quiet hours) that reminds
   people 48 hours before a meeting (bulk inserts).
2. Start the server that speaks Twilio's Messages API (tests/twilio_server.py) in its own
   process and a real Celery worker (prefork, 4 children, BENCH_WORKER_CONCURRENCY) on the
   real Redis and PostgreSQL, sending through the `twilio` package (DIALOGUE_HUB_SMS_URL).
3. Pipeline, timed: each circle has a meeting 47 hours from now (made untimed, the previous
   round's called off); `reminders_plan()` (the guides planner, as Celery beat runs it) writes
   the project's meeting reminders ("meeting.reminder", by text only: templates/texts/
   meeting_reminder.txt, with a short link to the person's circle page) and publishes them
   after commit, plus `outbox_relay()` every 5 seconds, until the provider has all 10,000
   texts (the clock stops at the last one's arrival).
4. Baseline, timed: the same texts rendered beforehand (untimed), then POSTed by a plain loop
   over one `requests.Session` (one kept-alive connection) to the same server.
5. Steps 3 and 4 make a round; `--rounds` (3) rounds run back to back, each with its own
   meetings, so that on a shared machine both timings of a round meet the same load. Print
   `text_ratio = baseline_seconds / pipeline_seconds` of the median round (goal: at least 0.5)
   and write bench/results.json (merged into what is there) and the "texts" section of
   bench/results.md, every round listed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from reminders import (  # noqa: E402
    GOAL,
    WORKER_CONCURRENCY,
    Worker,
    log,
    machine,
    merge_json,
    purge_queue,
    versions,
    wait_for_sink,
    write_md_section,
)
from sink import SinkProcess  # noqa: E402

from tests.smtp_sink import free_port  # noqa: E402
from tests.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, TwilioServer  # noqa: E402

FINDINGS = "<!-- findings: kept across runs, edit by hand -->"
MEMBERS = 10  # people per circle
REMIND_HOURS = 48  # the initiative's one reminder, this long before each meeting
STARTS_IN = timedelta(hours=REMIND_HOURS - 1)  # so each meeting's reminder is due at once


def number(n: int) -> str:
    return f"+1312555{n:04d}" if n < 10_000 else f"+1312556{n - 10_000:04d}"


def build_texters(count: int):
    """An initiative where it is daytime now, with `count` people who chose texts only (a
    mobile number each, no email wanted) in circles of MEMBERS. Bulk inserts."""
    from guides.models import Circle, CircleMember
    from initiatives.models import Initiative, Phase
    from participants.models import ContactBy, Participant, Status
    from tests.helpers import daytime_zone

    initiative = Initiative.objects.create(
        name="Benchville Dialogues (texts)",
        slug=f"bench-texts-{uuid.uuid4().hex[:8]}",
        community="Benchville",
        languages=["en", "es"],
        timezone=daytime_zone(),
        phase=Phase.DIALOGUE,
        is_published=True,
        reminder_hours=[REMIND_HOURS],
    )
    circles = Circle.objects.bulk_create(
        [
            Circle(
                initiative=initiative,
                name=f"Circle {i:04d}",
                time_slot="Tuesday evening",
                venue_name="Benchville Public Library",
                venue_address="1 Main Street",
                is_neutral_venue=True,
            )
            for i in range((count + MEMBERS - 1) // MEMBERS)
        ],
        batch_size=1000,
    )
    people = Participant.objects.bulk_create(
        [
            Participant(
                initiative=initiative,
                name=f"Participant {n:05d}",
                email=f"texted-{n:05d}@bench.example.net",
                preferred_language="es" if n % 4 == 3 else "en",
                neighborhood="Eastside",
                status=Status.CONFIRMED,
                availability=["Tuesday evening"],
                phone=number(n),
                contact_by=ContactBy.TEXT,
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    CircleMember.objects.bulk_create(
        [CircleMember(circle=circles[n // MEMBERS], participant=p) for n, p in enumerate(people)],
        batch_size=2000,
    )
    return circles


def schedule_round(circles, round_: int):
    """Each circle's meeting of this round, REMIND_HOURS - 1 hours from now (its reminder is
    due at once); the previous round's meetings are called off first, so the planner plans
    this round's reminders only. Returns the meetings' start."""
    from django.utils import timezone

    from guides.models import CircleSession, MeetingStatus

    CircleSession.objects.filter(circle__in=circles, status=MeetingStatus.SCHEDULED).update(
        status=MeetingStatus.CANCELLED
    )
    starts_at = (timezone.now() + STARTS_IN).replace(second=0, microsecond=0)
    CircleSession.objects.bulk_create(
        [CircleSession(circle=c, number=round_, starts_at=starts_at) for c in circles],
        batch_size=1000,
    )
    return starts_at


def round_rows(starts_at):
    from dialogue_hub.models import OutboxMessage
    from guides.services.reminders import REMINDER

    return OutboxMessage.objects.filter(channel="text", kind=REMINDER, scheduled_for=starts_at)


def time_pipeline(sink: SinkProcess, circles, round_: int, count: int, *, timeout: float) -> dict:
    from dialogue_hub.outbox import outbox_relay
    from guides.services.reminders import reminders_plan

    handed = 0

    def relay():
        nonlocal handed
        handed += outbox_relay()

    starts_at = schedule_round(circles, round_)  # untimed: the meetings exist beforehand
    sink.reset()
    started = time.monotonic()
    planned = reminders_plan()
    planned_at = time.monotonic()
    if planned["reminders"] != count or round_rows(starts_at).count() != count:
        raise RuntimeError(f"the planner planned {planned}, expected {count} reminder texts")
    relay()
    wait_for_sink(sink, count, timeout=timeout, tick=relay)
    finished = sink.last_at
    time.sleep(1)  # anything more (a duplicate) would arrive now
    sent = round_rows(starts_at).filter(status="sent").count()
    return {
        "seconds": finished - started,
        "add_seconds": planned_at - started,
        "received": sink.count,
        "rows_sent": sent,
        "connections": sink.connections,
        "relay_handed_over": handed,
        "starts_at": starts_at,
    }


def time_baseline(sink: SinkProcess, rows) -> dict:
    import requests

    from dialogue_hub import shortlinks
    from dialogue_hub.outbox import KINDS
    from dialogue_hub.outbox_texts import render_text

    # Untimed: rendered as a worker renders a batch (the short links saved together).
    with shortlinks.collected() as links:
        bodies = [(row.to_phone, render_text(row, KINDS[row.kind])) for row in rows]
    links.save()
    url = f"http://127.0.0.1:{sink.port}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    session = requests.Session()
    session.auth = (ACCOUNT_SID, AUTH_TOKEN)
    sink.reset()
    started = time.monotonic()
    for to, body in bodies:
        response = session.post(url, data={"To": to, "From": FROM_NUMBER, "Body": body})
        if response.status_code != 201:
            raise RuntimeError(f"the baseline got {response.status_code}: {response.text}")
    wait_for_sink(sink, len(bodies), timeout=600)
    finished = sink.last_at
    session.close()
    return {"seconds": finished - started, "received": sink.count, "connections": sink.connections}


def write_results(result: dict) -> None:
    merge_json(result)

    ratio = result["text_ratio"]
    n = result["text_messages"]
    section = "\n".join(
        [
            "<!-- texts: written by bench/texts.py -->",
            "## Reminder texts: pipeline vs. one connection to the provider",
            "",
            f"{result['text_date']} on {result['machine']}",
            "",
            f"{result['text_messages']:,} meeting reminders by text (the project's "
            "`meeting.reminder`, with a short link), one per person (people who chose texts "
            "only, circles of 10, a meeting in 47 h, reminders 48 h before). Pipeline: "
            "`reminders_plan()` (rows written and published after commit) + `outbox_relay()` "
            f"→ Redis → Celery worker (prefork, {WORKER_CONCURRENCY} children) → the `twilio` "
            "package → the local server that speaks Twilio's Messages API "
            "(tests/twilio_server.py, its own process). Baseline: the same texts rendered "
            "beforehand, POSTed by one loop over one `requests.Session` to the same server.",
            "",
            "Each round times the pipeline, then the baseline for the same texts, back to back "
            "(the machine is shared: both meet the same load); the median round counts.",
            "",
            "| round | pipeline s | texts/s | baseline s | texts/s | ratio | load at start |",
            "|---:|---:|---:|---:|---:|---:|---:|",
            *(
                f"| {r['round']} | {r['pipeline_s']:.2f} | {n / r['pipeline_s']:.0f} "
                f"| {r['baseline_s']:.2f} | {n / r['baseline_s']:.0f} | {r['ratio']:.3f} "
                f"| {r['load_average_at_start']} |"
                for r in result["text_rounds"]
            ),
            "",
            f"**text_ratio = baseline / pipeline = {ratio:.3f}** (the median round; "
            f"goal ≥ {GOAL}: {'met' if ratio >= GOAL else 'NOT met'})",
            "",
            f"Batch size {result['text_batch_size']}. HTTP connections to the provider (median "
            "round): pipeline "
            f"{result['text_pipeline_http_connections']:,}, baseline "
            f"{result['text_baseline_http_connections']}. Load average at start: "
            f"{result['text_load_average_at_start']}.",
            "",
            FINDINGS,
            "<!-- /texts -->",
        ]
    )
    write_md_section("texts", section, keep_from=FINDINGS)


def one_round(sink: SinkProcess, circles, round_: int, count: int, *, timeout: float) -> dict:
    """The pipeline for a round's meetings, then the baseline for the same texts, back to back
    (so both meet the same load on a shared machine)."""
    load = os.getloadavg()[0]
    log(f"Round {round_}. Pipeline: planner + relay until the provider has {count:,} texts…")
    pipeline = time_pipeline(sink, circles, round_, count, timeout=timeout)
    log(
        f"  {pipeline['seconds']:.2f}s ({count / pipeline['seconds']:.0f} texts/s); "
        f"adding the rows {pipeline['add_seconds']:.2f}s; received {pipeline['received']:,} "
        f"over {pipeline['connections']:,} HTTP connections; rows sent "
        f"{pipeline['rows_sent']:,}; relay handed over {pipeline['relay_handed_over']:,}"
    )
    if pipeline["rows_sent"] != count or pipeline["received"] != count:
        raise RuntimeError(f"round {round_}: {pipeline}, expected {count} once each")
    rows = list(
        round_rows(pipeline["starts_at"])
        .filter(status="sent")
        .select_related("initiative")
        .order_by("pk")
    )
    log(f"  Baseline: {len(rows):,} pre-rendered texts over one HTTP connection…")
    baseline = time_baseline(sink, rows)
    log(
        f"  {baseline['seconds']:.2f}s ({count / baseline['seconds']:.0f} texts/s) "
        f"over {baseline['connections']:,} HTTP connection(s)"
    )
    ratio = baseline["seconds"] / pipeline["seconds"]
    log(f"  ratio {ratio:.3f}")
    return {
        "round": round_,
        "ratio": round(ratio, 4),
        "pipeline_s": round(pipeline["seconds"], 3),
        "baseline_s": round(baseline["seconds"], 3),
        "add_s": round(pipeline["add_seconds"], 3),
        "pipeline_connections": pipeline["connections"],
        "baseline_connections": baseline["connections"],
        "load_average_at_start": round(load, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=900, help="seconds for the pipeline")
    parser.add_argument(
        "--rounds", type=int, default=3, help="pipeline + baseline rounds (the median counts)"
    )
    parser.add_argument("--no-write", action="store_true", help="don't write bench/results.*")
    args = parser.parse_args()
    if args.messages > 20_000:
        raise SystemExit("at most 20,000 texts (the numbers run out)")
    load_at_start = os.getloadavg()[0]

    port = free_port()
    sms_url = TwilioServer(port=port).sms_url()  # not started here: the sink process serves it
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dialogue_hub.settings.worker_test")
    os.environ["DIALOGUE_HUB_SMS_URL"] = sms_url
    import django

    django.setup()
    from django.conf import settings

    from dialogue_hub.celery import app

    if app.conf.task_always_eager or not settings.REDIS_URL:
        raise SystemExit("bench/texts.py needs the real broker: run it through bench/run texts")

    sink = SinkProcess(port, kind="twilio")
    worker = Worker(
        smtp_port=1,  # no email is sent
        log_path=ROOT / "var" / "bench" / "worker-texts.log",
        extra_env={"DIALOGUE_HUB_SMS_URL": sms_url},
    )
    try:
        log(f"Building {args.messages:,} participants who chose texts, in circles…")
        started = time.monotonic()
        circles = build_texters(args.messages)
        log(f"  built in {time.monotonic() - started:.1f}s")
        purge_queue()
        sink.start()
        log(f"Text provider (Twilio's API) on 127.0.0.1:{port} (own process); starting the worker…")
        worker.start()

        rounds = []
        for round_ in range(1, args.rounds + 1):
            rounds.append(one_round(sink, circles, round_, args.messages, timeout=args.timeout))
        worker.stop()
        ratios = sorted(r["ratio"] for r in rounds)
        middle = rounds[[r["ratio"] for r in rounds].index(ratios[len(ratios) // 2])]
        ratio = middle["ratio"]
        result = {
            "text_date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "text_ratio": round(ratio, 4),
            "text_pipeline_s": round(middle["pipeline_s"], 3),
            "text_baseline_s": round(middle["baseline_s"], 3),
            "text_pipeline_msgs_per_s": round(args.messages / middle["pipeline_s"], 1),
            "text_baseline_msgs_per_s": round(args.messages / middle["baseline_s"], 1),
            "text_add_s": round(middle["add_s"], 3),
            "text_messages": args.messages,
            "text_rounds": rounds,
            "text_pipeline_http_connections": middle["pipeline_connections"],
            "text_baseline_http_connections": middle["baseline_connections"],
            "text_batch_size": settings.DIALOGUE_HUB_OUTBOX_BATCH_SIZE,
            "text_load_average_at_start": round(load_at_start, 2),
            "text_versions": versions(),
        }
        log("")
        log(f"text_pipeline_s = {result['text_pipeline_s']}  (the median round)")
        log(f"text_baseline_s = {result['text_baseline_s']}")
        log(
            f"text_ratio = {ratio:.3f}  (baseline / pipeline, median of {len(rounds)} rounds: "
            f"{', '.join(f'{r:.3f}' for r in ratios)}; goal ≥ {GOAL}: "
            f"{'met' if ratio >= GOAL else 'NOT met'})"
        )
        if not args.no_write:
            write_results(result)
            log("Wrote bench/results.json and bench/results.md")
    finally:
        worker.stop()
        sink.stop()
        purge_queue()
    return 0


if __name__ == "__main__":
    sys.exit(main())
