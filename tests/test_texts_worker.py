"""Text messages against the real things: PostgreSQL, Redis, a Celery worker in its own process
group and the local server that speaks Twilio's Messages API (tests/twilio_server.py), reached
by the real `twilio` package over HTTP. Nothing here is mocked, and nothing leaves the machine.

- 1,000 meeting reminders by text (the guides planner, people who chose texts only) with the
  worker killed (SIGKILL) in the middle: every number gets its reminder exactly once at the
  provider, except at most the ones in flight at the kill.
- The broker down: adding a text still answers at once; the row waits and goes out once the
  broker is back (the relay).
- A STOP posted to the webhook, signed as the provider signs it, stops the next reminder: the
  outbox row is skipped and the provider receives nothing for that number.

The broker test and the first STOP test add their rows directly: the project's waiting-list
message with its text version ("a place freed up and it is yours", participant.promoted),
which a person may get more than once; the other tests send the project's meeting reminders,
planned by the guides planner.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from dialogue_hub.models import OutboxChannel, OutboxMessage, OutboxStatus
from dialogue_hub.outbox import outbox_add, outbox_add_many, outbox_relay
from guides.models import Circle, CircleMember, CircleSession
from guides.services import reminders as reminder_services
from participants.models import ContactBy, Participant

from .factories import CircleFactory, InitiativeFactory, ParticipantFactory
from .helpers import daytime_zone
from .processes import wait_until
from .test_outbox_worker import (
    DOWN_BROKER,
    Worker,
    broker_at,
    other_database_sessions,
    purge_queue,  # noqa: F401 (used by real_broker)
    queued_tasks,
    real_broker,  # noqa: F401 (a fixture)
)
from .twilio_server import AUTH_TOKEN, FROM_NUMBER, TwilioServer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

# The project's kinds with a text version: the meeting reminder (planned by the guides
# planner) and the waiting list's "your place" message (rows added directly).
MEETING_REMINDER = reminder_services.REMINDER
PROMOTED = "participant.promoted"


@pytest.fixture
def provider(settings):
    with TwilioServer() as server:
        settings.DIALOGUE_HUB_SMS_URL = server.sms_url()
        yield server


@pytest.fixture
def worker(real_broker, provider, tmp_path):  # noqa: F811 (real_broker: a fixture)
    """A worker (call .start()) that sends texts to `provider`; stopped at the end."""
    w = Worker(
        smtp_port=1,  # no email is sent here
        log_dir=tmp_path,
        env={"DIALOGUE_HUB_SMS_URL": provider.sms_url()},
    )
    try:
        yield w
    finally:
        w.stop()


def number(n: int) -> str:
    return f"+1202555{n:04d}"


def people(count: int):
    """`count` participants who chose texts only (number(n) each), of an initiative where it is
    daytime now (no quiet hours)."""
    initiative = InitiativeFactory(
        name="Eastside Talks", languages=["en", "es"], timezone=daytime_zone()
    )
    return Participant.objects.bulk_create(
        [
            ParticipantFactory.build(
                initiative=initiative,
                email=f"texted-{initiative.pk}-{n:05d}@example.net",
                phone=number(n),
                contact_by=ContactBy.TEXT,
            )
            for n in range(count)
        ]
    )


def promoted_rows(persons, *, round_: int = 1, send_after=None) -> list[dict]:
    """outbox_add_many rows: "a place freed up and it is yours" by text only (the email kept
    as the fallback), as participants/services write it for a person who chose texts."""
    return [
        {
            "kind": PROMOTED,
            "to": person.email,
            "key": f"test-promoted:{person.pk}:{round_}",
            "initiative": person.initiative,
            "language": "en",
            "params": {"participant": person.pk},
            "send_after": send_after,
            "text_to": person.phone,
            "by_email": False,
        }
        for person in persons
    ]


def text_counts() -> dict[str, int]:
    counts = dict.fromkeys(OutboxStatus.values, 0)
    rows = OutboxMessage.objects.filter(channel=OutboxChannel.TEXT)
    for status in rows.values_list("status", flat=True):
        counts[status] += 1
    return counts


def relay_until(predicate, *, worker: Worker, timeout: float, every: float = 2.0) -> int:
    handed = 0
    deadline = time.monotonic() + timeout
    next_relay = time.monotonic()
    while not predicate():
        now = time.monotonic()
        if now >= deadline:
            raise AssertionError(f"not done after {timeout}s: {text_counts()}\n{worker.log_tail()}")
        if now >= next_relay:
            handed += outbox_relay()
            next_relay = now + every
        time.sleep(0.1)
    return handed


# --- a worker killed mid-batch -----------------------------------------------------------------


def circles_of_texters(starts_in: timedelta, *, circles: int, members: int):
    """Circles whose members chose texts only (each with a number), meeting once `starts_in`
    from now, in an initiative where it is daytime now (no quiet hours). Bulk inserts."""
    initiative = InitiativeFactory(
        languages=["en", "es"], phase="dialogue", timezone=daytime_zone()
    )
    circle_rows = Circle.objects.bulk_create(
        [CircleFactory.build(initiative=initiative, name=f"Circle {i:03d}") for i in range(circles)]
    )
    persons = Participant.objects.bulk_create(
        [
            ParticipantFactory.build(
                initiative=initiative,
                email=f"texter-{initiative.pk}-{n:05d}@example.net",
                preferred_language="es" if n % 4 == 3 else "en",
                phone=number(n),
                contact_by=ContactBy.TEXT,
            )
            for n in range(circles * members)
        ]
    )
    CircleMember.objects.bulk_create(
        [
            CircleMember(circle=circle_rows[n // members], participant=p)
            for n, p in enumerate(persons)
        ]
    )
    starts_at = (timezone.now() + starts_in).replace(second=0, microsecond=0)
    CircleSession.objects.bulk_create(
        [CircleSession(circle=circle, number=1, starts_at=starts_at) for circle in circle_rows]
    )
    return initiative


def test_a_worker_killed_mid_batch_loses_no_reminder_text_and_repeats_only_what_was_in_flight(
    worker, provider
):
    """The project's meeting reminders by text, planned by the guides planner for 1,000 people
    who chose texts only."""
    count = 1000
    circles_of_texters(timedelta(hours=47), circles=100, members=10)

    planned = reminder_services.reminders_plan()
    assert planned["reminders"] == 2 * count  # the 48-hour one due now, the 2-hour one later
    rows = OutboxMessage.objects.filter(
        channel=OutboxChannel.TEXT, kind=MEETING_REMINDER, send_after__lte=timezone.now()
    )
    assert rows.count() == count
    assert not OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL).exists()
    assert all(rows.values_list("enqueued_at", flat=True))  # published on commit
    expected = {number(n) for n in range(count)}

    worker.start()
    deadline = time.monotonic() + 60
    while provider.count < count // 10:
        assert time.monotonic() < deadline, f"no progress: {worker.log_tail()}"
        time.sleep(0.002)
    worker.kill()
    received_at_kill = provider.count
    assert received_at_kill <= count * 6 // 10, "the kill came too late to prove anything"
    wait_until(lambda: other_database_sessions() == 0, timeout=15)
    in_flight = rows.filter(status=OutboxStatus.SENDING).count()
    assert rows.filter(status=OutboxStatus.SENT).count() < count

    worker.start()
    handed = relay_until(
        lambda: rows.filter(status=OutboxStatus.SENT).count() == count, worker=worker, timeout=180
    )

    by_number = provider.by_recipient()
    assert set(by_number) == expected  # every number got its reminder…
    duplicates = sum(by_number.values()) - count
    assert duplicates <= in_flight, (  # …once, but for what was in flight at the kill
        f"{duplicates} duplicates, but only {in_flight} texts were in flight at the kill"
    )
    assert max(by_number.values()) <= 2
    assert not rows.exclude(status=OutboxStatus.SENT).exists()
    # Each row names the provider's message it became; every text names the sender.
    sids = {m.sid for m in provider.messages}
    assert set(rows.values_list("provider_ref", flat=True)) <= sids
    assert all(m.body.startswith("Dialogue Hub") for m in provider.messages)
    # The 2-hour reminders wait for their time; no email went instead of a text.
    later = OutboxMessage.objects.filter(channel=OutboxChannel.TEXT, status=OutboxStatus.PENDING)
    assert later.count() == count
    assert not later.filter(send_after__lte=timezone.now()).exists()
    assert not OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL).exists()
    print(
        f"\nkill at {received_at_kill} received; in flight {in_flight}; "
        f"duplicates {duplicates}; relay handed over {handed}"
    )


# --- the broker down ------------------------------------------------------------------------------


def test_a_text_added_with_the_broker_down_waits_and_goes_once_it_is_back(worker, provider, caplog):
    [person] = people(1)
    with broker_at(DOWN_BROKER):
        started = time.monotonic()
        outbox_add(**promoted_rows([person])[0])
        elapsed = time.monotonic() - started

    assert elapsed < 2, f"adding a text took {elapsed:.2f}s with the broker down"
    row = OutboxMessage.objects.get(channel=OutboxChannel.TEXT)
    assert row.status == OutboxStatus.PENDING
    assert row.enqueued_at is None
    assert "Broker unreachable" in caplog.text
    assert queued_tasks() == 0

    worker.start()
    time.sleep(2)
    assert provider.count == 0  # nothing reached a worker while the broker was down

    assert outbox_relay() == 1  # the broker is back: the relay hands it over
    assert provider.wait_for(1, timeout=60), worker.log_tail()
    wait_until(
        lambda: OutboxMessage.objects.get(pk=row.pk).status == OutboxStatus.SENT,
        timeout=30,
        message=worker.log_tail(),
    )
    [received] = provider.messages
    assert received.to == number(0)
    assert received.body.startswith("Dialogue Hub: Good news: a place freed up in Eastside Talks")
    assert OutboxMessage.objects.get(pk=row.pk).provider_ref == received.sid


# --- STOP ---------------------------------------------------------------------------------------


def post_signed(client, params: dict):
    path = reverse("texts_inbound")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        django_settings.DIALOGUE_HUB_BASE_URL.rstrip("/") + path, params
    )
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_a_stop_reply_stops_the_next_text(worker, provider, client):
    persons = people(2)  # number(0) answers STOP; number(1) does not
    stopper, other = number(0), number(1)
    worker.start()

    outbox_add_many(promoted_rows(persons, round_=1))
    assert provider.wait_for(2, timeout=60), worker.log_tail()
    assert provider.by_recipient() == {stopper: 1, other: 1}

    # The next text is already waiting for its time when the STOP arrives…
    later = timezone.now() + timedelta(hours=1)
    outbox_add_many(promoted_rows(persons, round_=2, send_after=later))
    response = post_signed(client, {"From": stopper, "To": FROM_NUMBER, "Body": "STOP"})
    assert response.status_code == 200
    assert b"no more texts" in response.content

    waiting = OutboxMessage.objects.get(key=f"text:test-promoted:{persons[0].pk}:2")
    assert waiting.status == OutboxStatus.SKIPPED
    assert waiting.last_error == "The number answered STOP."
    still = OutboxMessage.objects.get(key=f"text:test-promoted:{persons[1].pk}:2")
    assert still.status == OutboxStatus.PENDING

    # …and one added after it is skipped by the worker.
    outbox_add_many(promoted_rows(persons, round_=3))
    third = OutboxMessage.objects.filter(key__endswith=":3", channel=OutboxChannel.TEXT)
    wait_until(
        lambda: not third.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]).exists(),
        timeout=60,
        message=worker.log_tail(),
    )
    assert third.get(to_phone=stopper).status == OutboxStatus.SKIPPED
    assert third.get(to_phone=other).status == OutboxStatus.SENT
    assert provider.by_recipient() == {stopper: 1, other: 2}  # nothing more for the stopper
    # Texts only: the stopper's messages go by email instead (rounds 2 and 3), nobody else's.
    emails = OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL)
    assert sorted(emails.values_list("key", flat=True)) == [
        f"test-promoted:{persons[0].pk}:2",
        f"test-promoted:{persons[0].pk}:3",
    ]
    assert set(emails.values_list("to_email", flat=True)) == {persons[0].email}


def test_a_stop_reply_stops_the_next_meeting_reminder(worker, provider, client):
    """The project's reminders: the 48-hour one goes; the person answers STOP; the 2-hour one,
    already planned, is skipped at once, and a reminder for a meeting planned afterwards is
    skipped by the worker. The provider never gets either."""
    circles_of_texters(timedelta(hours=47), circles=1, members=2)
    stopper, other = number(0), number(1)
    worker.start()

    reminder_services.reminders_plan()
    assert provider.wait_for(2, timeout=60), worker.log_tail()
    assert provider.by_recipient() == {stopper: 1, other: 1}
    later = OutboxMessage.objects.filter(
        kind=MEETING_REMINDER, channel=OutboxChannel.TEXT, status=OutboxStatus.PENDING
    )
    assert set(later.values_list("to_phone", flat=True)) == {stopper, other}

    response = post_signed(client, {"From": stopper, "To": FROM_NUMBER, "Body": "ALTO"})
    assert response.status_code == 200
    assert "ya no recibirá".encode() in response.content

    skipped = OutboxMessage.objects.get(
        kind=MEETING_REMINDER, to_phone=stopper, status=OutboxStatus.SKIPPED
    )
    assert skipped.last_error == "The number answered STOP."
    assert later.get().to_phone == other  # the other person's 2-hour reminder still waits

    # Both 2-hour reminders' time comes (and a second meeting is planned): only the other
    # person's texts go; the stopper's rows never reach the provider.
    OutboxMessage.objects.filter(pk__in=later.values("pk")).update(send_after=timezone.now())
    circle = Circle.objects.get()
    CircleSession.objects.create(
        circle=circle,
        number=2,
        starts_at=(timezone.now() + timedelta(hours=46)).replace(second=0, microsecond=0),
    )
    reminder_services.reminders_plan()
    outbox_relay()
    wait_until(
        lambda: (
            not OutboxMessage.objects.filter(
                channel=OutboxChannel.TEXT,
                status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING],
                send_after__lte=timezone.now(),
            ).exists()
        ),
        timeout=60,
        message=worker.log_tail(),
    )
    assert provider.by_recipient() == {stopper: 1, other: 3}
    stopper_rows = OutboxMessage.objects.filter(to_phone=stopper).exclude(
        status=OutboxStatus.PENDING
    )
    statuses = sorted(stopper_rows.values_list("status", flat=True))
    # The first reminder went before the STOP; every later one of theirs was skipped (the
    # second meeting's, if the planner wrote it, by the worker).
    assert statuses[0] == OutboxStatus.SENT
    assert statuses[1:] in ([OutboxStatus.SKIPPED], [OutboxStatus.SKIPPED] * 2)
