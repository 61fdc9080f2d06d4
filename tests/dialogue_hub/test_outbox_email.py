"""The emails of an outbox batch (dialogue_hub/outbox_email.py): the rows the mail server
accepted are recorded as sent a few at a time, never later than the batch's end, so a worker
killed mid-batch repeats at most those; a worker process holds one mail connection across its
batches, opens it again when the server dropped it, and closes it when the process ends."""

import pytest
from celery.signals import worker_process_shutdown
from django.core import mail

from dialogue_hub import outbox, outbox_email
from dialogue_hub import tasks as outbox_tasks
from dialogue_hub.models import OutboxMessage, OutboxStatus
from participants.models import Participant

from ..factories import ParticipantFactory
from ..smtp_sink import SmtpSink
from .mail_backends import CountingBackend, CrashingBackend, WatchingBackend

pytestmark = pytest.mark.django_db

KIND = "test.note"


@pytest.fixture
def note_kind():
    def build(message):
        participant = Participant.objects.filter(pk=message.params.get("participant")).first()
        if participant is None:
            raise outbox.Stale("gone")
        return outbox.Built(
            template="participant_promoted",
            context={"participant": participant, "initiative": participant.initiative},
        )

    outbox.register(KIND, label="Test note", build=build)
    yield KIND
    outbox.KINDS.pop(KIND)


@pytest.fixture
def watching(settings):
    settings.EMAIL_BACKEND = "tests.dialogue_hub.mail_backends.WatchingBackend"
    WatchingBackend.recorded_before_each = []
    return WatchingBackend.recorded_before_each


@pytest.fixture
def worker_process():
    """This process behaves as a Celery worker process: it holds its mail connection."""
    outbox_email.hold_connection()
    yield
    outbox_email.release_connection()
    outbox_email._held.enabled = False


def notes(count: int) -> list[int]:
    return [
        outbox.outbox_add(
            kind=KIND,
            to=participant.email,
            initiative=participant.initiative,
            params={"participant": participant.pk},
        ).pk
        for participant in ParticipantFactory.create_batch(count)
    ]


def statuses(ids) -> list[str]:
    return list(
        OutboxMessage.objects.filter(pk__in=ids).order_by("pk").values_list("status", flat=True)
    )


class TestRecording:
    def test_sent_rows_are_recorded_every_few_messages_and_at_the_end(
        self, settings, note_kind, watching
    ):
        settings.DIALOGUE_HUB_OUTBOX_RECORD_EVERY = 3
        ids = notes(7)
        assert outbox.send_batch(ids)["sent"] == 7
        # A worker killed as the 5th message goes would leave 3 recorded: it repeats 2 (and
        # the one in flight), never more than RECORD_EVERY.
        assert watching == [0, 0, 0, 3, 3, 3, 6]
        rows = OutboxMessage.objects.filter(pk__in=ids)
        assert {row.status for row in rows} == {OutboxStatus.SENT}
        assert all(row.sent_at is not None and row.subject for row in rows)
        assert len(mail.outbox) == 7

    def test_record_every_one_records_each_message_before_the_next(
        self, settings, note_kind, watching
    ):
        settings.DIALOGUE_HUB_OUTBOX_RECORD_EVERY = 1
        assert outbox.send_batch(notes(4))["sent"] == 4
        assert watching == [0, 1, 2, 3]

    def test_a_slow_server_cannot_widen_the_window(
        self, settings, note_kind, watching, monkeypatch
    ):
        settings.DIALOGUE_HUB_OUTBOX_RECORD_EVERY = 20
        # Every message took longer than the window: each is recorded before the next goes.
        monkeypatch.setattr(outbox_email, "RECORD_WITHIN_SECONDS", 0)
        assert outbox.send_batch(notes(4))["sent"] == 4
        assert watching == [0, 1, 2, 3]

    def test_a_batch_that_stops_mid_way_keeps_what_went_out_recorded(self, settings, note_kind):
        settings.EMAIL_BACKEND = "tests.dialogue_hub.mail_backends.CrashingBackend"
        settings.DIALOGUE_HUB_OUTBOX_RECORD_EVERY = 20
        WatchingBackend.recorded_before_each = []
        CrashingBackend.crash_after = 2
        ids = notes(4)
        with pytest.raises(RuntimeError):
            outbox.send_batch(ids)
        # The two delivered are sent; the others stay claimed for the relay to take back.
        assert statuses(ids) == [OutboxStatus.SENT] * 2 + [OutboxStatus.SENDING] * 2
        assert len(mail.outbox) == 2


class TestHeldConnection:
    def test_outside_a_worker_each_batch_opens_its_own(self, settings, note_kind):
        settings.EMAIL_BACKEND = "tests.dialogue_hub.mail_backends.CountingBackend"
        CountingBackend.connections = 0
        outbox.send_batch(notes(2))
        outbox.send_batch(notes(2))
        assert CountingBackend.connections == 2

    def test_a_worker_process_sends_every_batch_over_one_connection(
        self, settings, note_kind, worker_process
    ):
        settings.EMAIL_BACKEND = "tests.dialogue_hub.mail_backends.CountingBackend"
        CountingBackend.connections = 0
        for _batch in range(3):
            assert outbox.send_batch(notes(2))["sent"] == 2
        assert CountingBackend.connections == 1
        assert len(mail.outbox) == 6

    def test_a_connection_the_server_dropped_is_opened_again_and_closed_at_shutdown(
        self, settings, note_kind, worker_process
    ):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_TIMEOUT = 5
        with SmtpSink() as sink:
            settings.EMAIL_PORT = sink.port
            outbox.send_batch(notes(2))
            outbox.send_batch(notes(2))
            assert sink.wait_for(4, timeout=10)
            assert sink.connections == 1
            port = sink.port
        # The server went away (a restart): the held connection is dead.
        with SmtpSink(port=port) as restarted:
            ids = notes(2)
            assert outbox.send_batch(ids) == {
                "sent": 2,
                "retry": 0,
                "failed": 0,
                "cancelled": 0,
                "skipped": 0,
            }
            assert restarted.wait_for(2, timeout=10)
            assert restarted.connections == 1
            assert statuses(ids) == [OutboxStatus.SENT] * 2
            held = outbox_email._held.connection
            assert held.connection is not None  # open, for the next batch
            # What a worker process does as it ends (dialogue_hub/tasks.py's receiver).
            assert outbox_tasks.outbox_send is not None  # the module with the receivers is loaded
            worker_process_shutdown.send(sender=None, pid=None, exitcode=0)
            assert held.connection is None
            assert outbox_email._held.connection is None
