"""The outbox against the real things: PostgreSQL, Redis, a Celery worker in its own process
group (prefork, two children) and an SMTP server. Nothing here is mocked.

- A worker killed with SIGKILL mid-sweep loses no reminder: the relay takes back its claims
  once their lease expired and every recipient gets the reminder; the only duplicates are
  messages that were in flight when it died (claimed, not yet recorded as sent). Each worker
  process sends all its batches over one SMTP connection.
- With the broker down the registration page still answers at once; the email waits as a
  row and goes out when the relay hands it over later.
- A meeting moved after its reminder was queued sends only the reminder for the new time.

The tests commit their data (transaction=True) so the worker's own connections see it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
import zoneinfo
from contextlib import contextmanager, suppress
from datetime import UTC, timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from dialogue_hub.celery import app
from dialogue_hub.models import OutboxMessage, OutboxStatus
from dialogue_hub.outbox import _message_id, outbox_relay
from guides.models import Circle, CircleMember, CircleSession
from guides.services import meetings as meeting_services
from guides.services import reminders as reminder_services
from initiatives.models import Role
from participants.models import Participant

from .factories import (
    CircleFactory,
    InitiativeFactory,
    MembershipFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
)
from .processes import BASE_DIR, celery_worker_argv, database_url, reset_producers, wait_until
from .smtp_sink import SmtpSink

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

# Short for a test, yet longer than a live worker needs for a batch (about 3-4 s for 50
# reminders here): send_batch does not check that it still holds a claim before each message,
# so a lease shorter than a batch would let the relay hand a live worker's rows to another.
LEASE_SECONDS = 20
REPUBLISH_SECONDS = 10
QUEUE = "celery"
DOWN_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


# --- the broker -----------------------------------------------------------------------------


def _redis() -> redis.Redis:
    return redis.Redis.from_url(django_settings.REDIS_URL, socket_connect_timeout=2)


def _queue_keys() -> list[str]:
    # kombu's Redis transport keeps one list per priority step next to the plain queue name.
    return [QUEUE] + [f"{QUEUE}\x06\x16{p}" for p in range(10)]


def purge_queue() -> None:
    """Empty the task queue and kombu's unacked bookkeeping (tasks a killed worker held)."""
    _redis().delete(*_queue_keys(), "unacked", "unacked_index", "unacked_mutex")


def queued_tasks() -> int:
    client = _redis()
    return sum(client.llen(key) for key in _queue_keys())


@contextmanager
def broker_at(url: str):
    real = app.conf.broker_url
    app.conf.broker_url = url
    reset_producers()
    try:
        yield
    finally:
        app.conf.broker_url = real
        reset_producers()


@pytest.fixture
def real_broker(settings):
    """publish() in this process goes to the real Redis instead of running the task eagerly;
    the queue starts and ends empty. The relay here uses the same short lease as the worker."""
    assert app.conf.broker_url.startswith("redis://")
    settings.DIALOGUE_HUB_OUTBOX_LEASE_SECONDS = LEASE_SECONDS
    settings.DIALOGUE_HUB_OUTBOX_REPUBLISH_SECONDS = REPUBLISH_SECONDS
    purge_queue()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = eager
        reset_producers()
        purge_queue()


# --- the SMTP server and the worker ----------------------------------------------------------


@pytest.fixture
def smtp_sink():
    with SmtpSink() as sink:
        yield sink


class Worker:
    """`celery worker` as a subprocess in its own session, so SIGKILL reaches the main process
    and its prefork children at once, as when a machine loses power or the OOM killer strikes."""

    def __init__(self, *, smtp_port: int, log_dir: Path, env: dict | None = None):
        self.smtp_port = smtp_port
        self.log_dir = log_dir
        self.extra_env = env or {}  # e.g. DIALOGUE_HUB_SMS_URL (tests/test_texts_worker.py)
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None
        self.runs = 0

    def environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTEST_", "CELERY_", "DJANGO_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="dialogue_hub.settings.worker_test",
            DATABASE_URL=database_url(),
            REDIS_URL=django_settings.REDIS_URL,
            CELERY_BROKER_URL=django_settings.REDIS_URL,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(self.smtp_port),
            DIALOGUE_HUB_OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS),
            DIALOGUE_HUB_OUTBOX_REPUBLISH_SECONDS=str(REPUBLISH_SECONDS),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def start(self, *, timeout: float = 60) -> Worker:
        assert self.process is None, "the worker is already running"
        self.runs += 1
        self.log_path = self.log_dir / f"worker-{self.runs}.log"
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            celery_worker_argv(
                "--pool=prefork",
                "--concurrency=2",
                "-Q",
                QUEUE,
                f"--hostname=outbox-test-{uuid.uuid4().hex[:8]}@%h",
            ),
            cwd=BASE_DIR,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited at start-up:\n{self.log_tail()}")
            if b" ready." in self.log_path.read_bytes():
                return self
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"the worker was not ready after {timeout}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown, no acks, claims left behind."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._wait_group_gone()
        self.process = None

    def stop(self) -> None:
        """A warm shutdown (SIGTERM: finish the running tasks), SIGKILL if it hangs."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            pass
        self.kill()

    def _wait_group_gone(self, timeout: float = 10) -> None:
        """The prefork children are reparented when the main process dies; wait until none of
        the group is alive (zombies waiting for a reaper don't count)."""
        pgid = self.process.pid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            alive = [pid for pid in _group_members(pgid) if not _is_zombie(pid)]
            if not alive:
                return
            for pid in alive:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)
        raise AssertionError(f"worker processes of group {pgid} survived SIGKILL")

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) == pgid:
                members.append(int(entry.name))
        except (ProcessLookupError, PermissionError):
            continue
    return members


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] in {"Z", "X"}


@pytest.fixture
def worker(real_broker, smtp_sink, tmp_path):
    """A worker (not yet started: call .start()) that sends to `smtp_sink`; always stopped at
    the end of the test, before pytest-django empties the database."""
    w = Worker(smtp_port=smtp_sink.port, log_dir=tmp_path)
    try:
        yield w
    finally:
        w.stop()


# --- helpers ----------------------------------------------------------------------------------


def status_counts() -> dict[str, int]:
    counts = dict.fromkeys(OutboxStatus.values, 0)
    for status in OutboxMessage.objects.values_list("status", flat=True):
        counts[status] += 1
    return counts


def other_database_sessions() -> int:
    """Connections to the test database other than this test's own (the worker's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        return cursor.fetchone()[0]


# --- broker down ------------------------------------------------------------------------------


@pytest.fixture
def open_initiative(db):
    initiative = InitiativeFactory(is_published=True, languages=["en", "es"])
    RegistrationSettingsFactory(initiative=initiative)
    return initiative


REGISTRATION = {
    "name": "Ana Torres",
    "email": "ana.broker-down@example.net",
    "preferred_language": "en",
    "age_band": "25_34",
    "role_category": "resident",
    "neighborhood": "Eastside",
    "availability": ["Tuesday evening"],
    "consent_participation": "on",
    "consent_contact": "on",
}


def test_registration_answers_at_once_with_the_broker_down_and_the_relay_sends_it_later(
    client, open_initiative, worker, smtp_sink, caplog
):
    url = reverse("participants:register", args=[open_initiative.slug])
    with broker_at(DOWN_BROKER):
        # The producer really points at the closed port, not at a cached Redis connection.
        producer_connection = app.connection_for_write()
        assert (producer_connection.hostname, producer_connection.port) == ("127.0.0.1", 1)
        started = time.monotonic()
        response = client.post(url, REGISTRATION)
        elapsed = time.monotonic() - started

    assert response.status_code == 302
    assert response.url == reverse("participants:registered", args=[open_initiative.slug])
    assert elapsed < 2, f"the registration took {elapsed:.2f}s with the broker down"
    row = OutboxMessage.objects.get(kind="participant.confirm")
    assert row.to_email == REGISTRATION["email"]
    assert row.status == OutboxStatus.PENDING
    assert row.enqueued_at is None  # publish() failed: it tried the closed port…
    assert "Broker unreachable" in caplog.text
    assert "127.0.0.1:1" in caplog.text
    assert queued_tasks() == 0  # …and nothing reached the real Redis

    # The broker is back: the relay hands the row over and a worker sends it.
    assert outbox_relay() == 1
    assert queued_tasks() == 1
    worker.start()
    assert smtp_sink.wait_for(1, timeout=60), worker.log_tail()
    wait_until(
        lambda: OutboxMessage.objects.get(pk=row.pk).status == OutboxStatus.SENT,
        timeout=30,
        message=worker.log_tail(),
    )
    [received] = smtp_sink.messages
    assert received.recipients == (REGISTRATION["email"],)
    assert received.kind == "participant.confirm"
    assert received.message_id.startswith(f"<dh-{row.pk}-")


# --- meeting reminders ------------------------------------------------------------------------


def circles_meeting_in(starts_in: timedelta, *, circles: int, members: int):
    """An initiative with `circles` circles of `members` confirmed participants each (every
    fourth one reading Spanish), each circle meeting once, `starts_in` from now. Bulk inserts:
    a thousand people in well under a second."""
    initiative = InitiativeFactory(languages=["en", "es"], phase="dialogue")
    circle_rows = Circle.objects.bulk_create(
        [CircleFactory.build(initiative=initiative, name=f"Circle {i:03d}") for i in range(circles)]
    )
    people = Participant.objects.bulk_create(
        [
            ParticipantFactory.build(
                initiative=initiative,
                email=f"member-{initiative.pk}-{n:05d}@example.net",
                preferred_language="es" if n % 4 == 3 else "en",
            )
            for n in range(circles * members)
        ]
    )
    CircleMember.objects.bulk_create(
        [
            CircleMember(circle=circle_rows[n // members], participant=person)
            for n, person in enumerate(people)
        ]
    )
    starts_at = (timezone.now() + starts_in).replace(second=0, microsecond=0)
    meeting_rows = CircleSession.objects.bulk_create(
        [CircleSession(circle=circle, number=1, starts_at=starts_at) for circle in circle_rows]
    )
    return initiative, meeting_rows


def due_reminders():
    return OutboxMessage.objects.filter(
        kind=reminder_services.REMINDER, send_after__lte=timezone.now()
    )


def relay_until(predicate, *, worker: Worker, timeout: float, every: float = 2.0) -> int:
    """Call the relay (as beat would, only more often) until `predicate()`; returns how many
    messages the relay handed over in all."""
    handed = 0
    deadline = time.monotonic() + timeout
    next_relay = time.monotonic()
    while not predicate():
        now = time.monotonic()
        if now >= deadline:
            raise AssertionError(
                f"not done after {timeout}s: {status_counts()}\n{worker.log_tail()}"
            )
        if now >= next_relay:
            handed += outbox_relay()
            next_relay = now + every
        time.sleep(0.1)
    return handed


def test_a_worker_killed_mid_sweep_loses_no_reminder_and_repeats_only_what_was_in_flight(
    worker, smtp_sink
):
    circles, members = 100, 10
    people = circles * members
    circles_meeting_in(timedelta(hours=47), circles=circles, members=members)

    planned = reminder_services.reminders_plan()
    # Default reminder_hours [48, 2]: the 48-hour reminder is due now, the 2-hour one later.
    assert planned["reminders"] == 2 * people
    due = {row.pk: row for row in due_reminders()}
    assert len(due) == people
    assert all(row.enqueued_at is not None for row in due.values())  # published on commit
    assert queued_tasks() == people // django_settings.DIALOGUE_HUB_OUTBOX_BATCH_SIZE
    expected_ids = {_message_id(row) for row in due.values()}
    expected_recipients = {row.to_email for row in due.values()}
    assert len(expected_recipients) == people

    worker.start()
    deadline = time.monotonic() + 60
    while smtp_sink.count < people // 10:  # 10 %
        assert time.monotonic() < deadline, f"no progress: {worker.log_tail()}"
        time.sleep(0.002)
    worker.kill()
    received_at_kill = smtp_sink.count
    assert received_at_kill <= people * 6 // 10, "the kill came too late to prove anything"
    # The dead worker's connections are gone (PostgreSQL rolled back whatever they had open),
    # so what the database says now is what the worker left behind.
    wait_until(lambda: other_database_sessions() == 0, timeout=15)
    at_kill = status_counts()
    in_flight = at_kill[OutboxStatus.SENDING]
    assert at_kill[OutboxStatus.SENT] < people

    worker.start()
    handed = relay_until(
        lambda: due_reminders().filter(status=OutboxStatus.SENT).count() == people,
        worker=worker,
        timeout=180,
    )

    received = [m for m in smtp_sink.messages if m.kind == reminder_services.REMINDER]
    ids = [m.message_id for m in received]
    assert set(ids) == expected_ids
    assert {r for m in received for r in m.recipients} == expected_recipients
    duplicates = len(received) - len(set(ids))
    assert duplicates <= in_flight, (
        f"{duplicates} duplicates, but only {in_flight} messages were in flight at the kill"
    )
    # Two runs of a worker with two processes, each holding one connection for its batches.
    assert smtp_sink.connections <= 4, f"{smtp_sink.connections} SMTP connections"
    final = status_counts()
    assert final[OutboxStatus.SENT] == people
    assert final[OutboxStatus.SENDING] == 0
    assert final[OutboxStatus.FAILED] == 0
    # The 2-hour reminders wait for their time; none went early.
    assert final[OutboxStatus.PENDING] == people
    assert not OutboxMessage.objects.filter(
        status=OutboxStatus.PENDING, send_after__lte=timezone.now()
    ).exists()
    print(  # shown with -s or on failure: what the kill left behind
        f"\nkill at {received_at_kill} received; in flight {in_flight}; "
        f"duplicates {duplicates}; relay handed over {handed}"
    )


def _ics_start(received) -> str:
    for part in received.email().walk():
        if part.get_content_type() == "text/calendar":
            calendar = Calendar.from_ical(part.get_content())
            [event] = calendar.walk("VEVENT")
            return event.decoded("DTSTART").astimezone(UTC).isoformat()
    raise AssertionError("no calendar attached")


def test_c_a_meeting_moved_after_its_reminders_were_queued_sends_only_the_new_time(
    worker, smtp_sink
):
    initiative, [meeting] = circles_meeting_in(timedelta(hours=47), circles=1, members=3)
    old_start = meeting.starts_at

    reminder_services.reminders_plan()
    # (The organizer joins after the sweep, so it queued no "circle without a facilitator" alert.)
    organizer = MembershipFactory(initiative=initiative, role=Role.ORGANIZER).user
    old_due = list(due_reminders())
    assert len(old_due) == 3
    assert all(row.enqueued_at is not None for row in old_due)
    assert queued_tasks() == 1  # handed to the broker, waiting for a worker

    # Moved three hours earlier, before any worker ran.
    zone = zoneinfo.ZoneInfo(initiative.timezone)
    local = (old_start - timedelta(hours=3)).astimezone(zone)
    meeting_services.meeting_reschedule(
        user=organizer, meeting=meeting, day=local.date(), at=local.time().replace(tzinfo=None)
    )
    meeting.refresh_from_db()
    new_start = meeting.starts_at
    assert new_start == old_start - timedelta(hours=3)
    old_rows = OutboxMessage.objects.filter(
        kind=reminder_services.REMINDER, scheduled_for=old_start
    )
    assert set(old_rows.values_list("status", flat=True)) == {OutboxStatus.CANCELLED}
    new_due = list(due_reminders().filter(scheduled_for=new_start))
    assert len(new_due) == 3
    notices = list(OutboxMessage.objects.filter(kind=reminder_services.RESCHEDULED))
    assert len(notices) == 3

    worker.start()
    expected = {row.pk for row in new_due + notices}
    wait_until(
        lambda: (
            OutboxMessage.objects.filter(pk__in=expected, status=OutboxStatus.SENT).count()
            == len(expected)
        ),
        timeout=60,
        message=worker.log_tail(),
    )
    wait_until(lambda: queued_tasks() == 0, timeout=30, message=worker.log_tail())

    received = [m for m in smtp_sink.messages if m.kind == reminder_services.REMINDER]
    assert sorted(m.message_id for m in received) == sorted(_message_id(r) for r in new_due)
    assert not {m.message_id for m in smtp_sink.messages} & {_message_id(r) for r in old_due}
    assert {_ics_start(m) for m in received} == {new_start.isoformat()}
    # The old rows were never claimed by the worker: nothing for the old time could go out.
    assert not old_rows.exclude(attempts=0).exists()
    assert set(old_rows.values_list("status", flat=True)) == {OutboxStatus.CANCELLED}
