"""The outbox's guarantees against a slow worker (issue 22, item 4), each tested as a behaviour:

- no claim younger than the lease is taken back (one just older is);
- a finish after the relay took the claim back changes nothing: not the row put back for
  another worker, not another worker's claim of it, not what that worker recorded;
- cancel touches only messages still waiting (one on its way is recorded as sent);
- "send again" touches only failed messages, with a fresh attempt count;
- a transient failure goes again at the relay's first run after its backoff (not a
  republish delay later, not before).
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dialogue_hub import outbox, texts
from dialogue_hub.models import OutboxMessage, OutboxStatus
from initiatives.models import Role

from ..factories import InitiativeFactory, MembershipFactory, ParticipantFactory
from .mail_backends import FlakyBackend, SlowBackend, disconnected, mailbox_unknown

pytestmark = pytest.mark.django_db

KIND = "test.slow"


@pytest.fixture(autouse=True)
def slow_kind():
    def build(message):
        participant = ParticipantFactory._meta.model.objects.get(pk=message.params["participant"])
        return outbox.Built(
            template="participant_promoted",
            context={"participant": participant, "initiative": participant.initiative},
        )

    outbox.register(KIND, label="Test (slow worker)", build=build, text="participant_promoted")
    yield
    outbox.KINDS.pop(KIND)


@pytest.fixture
def slow(settings):
    settings.EMAIL_BACKEND = "tests.dialogue_hub.mail_backends.SlowBackend"
    SlowBackend.while_sending, SlowBackend.error = None, None
    yield SlowBackend
    SlowBackend.while_sending, SlowBackend.error = None, None


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = "tests.dialogue_hub.mail_backends.FlakyBackend"
    FlakyBackend.error = None
    yield FlakyBackend
    FlakyBackend.error = None


@pytest.fixture
def published(monkeypatch):
    """The ids handed to the broker (the relay's publishes), not run: each test decides when a
    worker picks them up."""
    from dialogue_hub.tasks import outbox_send

    handed: list[list[int]] = []
    monkeypatch.setattr(outbox_send, "apply_async", lambda args, **kwargs: handed.append(args[0]))
    return handed


def add(participant, **extra) -> OutboxMessage:
    return outbox.outbox_add(
        kind=KIND,
        to=participant.email,
        initiative=participant.initiative,
        params={"participant": participant.pk},
        **extra,
    )


def state(row: OutboxMessage) -> tuple:
    """Everything a finish could write, as the database holds it now."""
    return tuple(
        OutboxMessage.objects.filter(pk=row.pk).values_list(
            "status",
            "claimed_at",
            "attempts",
            "send_after",
            "enqueued_at",
            "sent_at",
            "subject",
            "last_error",
        )[0]
    )


def lease() -> timedelta:
    from django.conf import settings

    return timedelta(seconds=settings.DIALOGUE_HUB_OUTBOX_LEASE_SECONDS)


def relay_after_the_lease() -> None:
    """The relay as it runs once the lease of the claim just made has run out."""
    outbox.outbox_relay(now=timezone.now() + lease() + timedelta(seconds=1))


# --- 1. the lease -------------------------------------------------------------------------------


class TestLease:
    def claimed(self, participant, claimed_at) -> OutboxMessage:
        row = add(participant)
        OutboxMessage.objects.filter(pk=row.pk).update(
            status=OutboxStatus.SENDING, claimed_at=claimed_at, attempts=1, send_after=claimed_at
        )
        return row

    def test_no_claim_younger_than_the_lease_is_taken_back(self, published):
        now = timezone.now()
        participant = ParticipantFactory()
        rows = [
            self.claimed(participant, now - lease() + timedelta(seconds=1)),  # just under it
            self.claimed(participant, now - lease()),  # exactly the lease: not older than it
            self.claimed(participant, now - lease() / 2),
            self.claimed(participant, now - timedelta(seconds=1)),
        ]
        before = [state(row) for row in rows]
        assert outbox.outbox_relay(now=now) == 0
        assert [state(row) for row in rows] == before
        assert published == []
        assert mail.outbox == []

    def test_a_claim_just_older_than_the_lease_goes_to_another_worker(self, published):
        now = timezone.now()
        row = self.claimed(ParticipantFactory(), now - lease() - timedelta(seconds=1))
        assert outbox.outbox_relay(now=now) == 1
        assert published == [[row.pk]]
        assert OutboxMessage.objects.get(pk=row.pk).status == OutboxStatus.PENDING
        assert outbox.send_batch(published[0])["sent"] == 1
        row.refresh_from_db()
        assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)


# --- 2. a late finish ---------------------------------------------------------------------------


class TestLateFinish:
    """Worker A claims a message; the server is so slow that the lease runs out while it is on
    its way. Whatever A then records must not touch the row: it belongs to the relay, or to the
    worker that claimed it next."""

    def test_a_late_failure_leaves_the_row_the_relay_put_back(self, slow, published):
        row = add(ParticipantFactory())
        after_reclaim = {}

        def meanwhile():
            relay_after_the_lease()
            after_reclaim["state"] = state(row)

        slow.while_sending, slow.error = meanwhile, disconnected()
        assert outbox.send_batch([row.pk])["retry"] == 1
        assert after_reclaim["state"][0] == OutboxStatus.PENDING
        assert published == [[row.pk]]
        # A's retry changed nothing: no backoff, no error, not un-stamped (the relay's
        # publish stands, so no second task is handed over for it).
        assert state(row) == after_reclaim["state"]

    def test_a_late_success_leaves_the_row_the_relay_put_back(self, slow, published):
        """The rule holds for a message the server finally took: the relay's decision stands
        (it goes again, with the same Message-ID: a rare duplicate, never a lost message)."""
        row = add(ParticipantFactory())
        after_reclaim = {}

        def meanwhile():
            relay_after_the_lease()
            after_reclaim["state"] = state(row)

        slow.while_sending = meanwhile
        assert outbox.send_batch([row.pk])["sent"] == 1
        assert after_reclaim["state"][0] == OutboxStatus.PENDING
        assert state(row) == after_reclaim["state"]

    def test_a_late_permanent_failure_does_not_fail_a_row_put_back(self, slow, published):
        participant = ParticipantFactory()
        row = add(participant)
        slow.while_sending = relay_after_the_lease
        slow.error = mailbox_unknown(participant.email)
        outbox.send_batch([row.pk])
        row.refresh_from_db()
        assert (row.status, row.last_error) == (OutboxStatus.PENDING, "")
        slow.error = None
        assert outbox.send_batch(published[0])["sent"] == 1  # the next worker sends it

    def test_a_late_finish_leaves_another_workers_claim_alone(self, slow, published):
        participant = ParticipantFactory()
        row = add(participant)
        claimed_again = {}

        def meanwhile():
            relay_after_the_lease()
            # Worker B picks up what the relay handed over and is still sending it.
            assert outbox._claim(published[0], timezone.now()) == [row.pk]
            claimed_again["state"] = state(row)

        slow.while_sending = meanwhile
        slow.error = mailbox_unknown(participant.email)
        outbox.send_batch([row.pk])  # A's message is refused: A records a failure, too late
        status, _claimed_at, attempts = claimed_again["state"][:3]
        assert (status, attempts) == (OutboxStatus.SENDING, 2)
        assert state(row) == claimed_again["state"]  # still B's: sending, B's claim, 2 tries

    def test_a_late_success_does_not_record_another_workers_claim_as_sent(self, slow, published):
        row = add(ParticipantFactory())
        claimed_again = {}

        def meanwhile():
            relay_after_the_lease()
            outbox._claim(published[0], timezone.now())
            claimed_again["state"] = state(row)

        slow.while_sending = meanwhile
        assert outbox.send_batch([row.pk])["sent"] == 1
        assert claimed_again["state"][0] == OutboxStatus.SENDING
        assert state(row) == claimed_again["state"]

    def test_a_late_finish_does_not_overwrite_what_the_next_worker_recorded(self, slow, published):
        row = add(ParticipantFactory())
        sent_by_b = {}

        def meanwhile():
            relay_after_the_lease()
            assert outbox.send_batch(published[0])["sent"] == 1  # B sends it at once
            sent_by_b["state"] = state(row)

        slow.while_sending, slow.error = meanwhile, disconnected()
        outbox.send_batch([row.pk])
        assert sent_by_b["state"][0] == OutboxStatus.SENT
        assert state(row) == sent_by_b["state"]
        assert len(mail.outbox) == 1


class TestLateText:
    def test_a_text_sent_late_leaves_another_workers_claim_alone(
        self, settings, monkeypatch, published
    ):
        settings.DIALOGUE_HUB_SMS_URL = "locmem://"
        monkeypatch.setattr(texts, "quiet_until", lambda when, zone: None)  # never quiet hours
        participant = ParticipantFactory()
        row = add(participant, text_to="+12025550143", by_email=False)
        assert row.channel == "text"
        claimed_again = {}
        provider_send = texts.LocmemBackend.send

        def slow_provider(backend, **kwargs):
            relay_after_the_lease()
            assert outbox._claim(published[0], timezone.now()) == [row.pk]
            claimed_again["state"] = state(row)
            return provider_send(backend, **kwargs)

        monkeypatch.setattr(texts.LocmemBackend, "send", slow_provider)
        assert outbox.send_batch([row.pk])["sent"] == 1
        assert claimed_again["state"][0] == OutboxStatus.SENDING
        assert state(row) == claimed_again["state"]
        assert OutboxMessage.objects.get(pk=row.pk).provider_ref == ""


# --- 3. cancel ----------------------------------------------------------------------------------


class TestCancel:
    def test_cancel_touches_only_messages_still_waiting(self, slow):
        participant = ParticipantFactory()
        on_its_way = add(participant)
        waiting = add(participant, send_after=timezone.now() + timedelta(hours=1))
        sent = add(participant)
        failed = add(participant)
        outbox.send_batch([sent.pk])
        OutboxMessage.objects.filter(pk=failed.pk).update(
            status=OutboxStatus.FAILED, attempts=6, last_error="550 no such user"
        )
        untouched = {row.pk: state(row) for row in (sent, failed)}
        cancelled = {}

        def meanwhile():  # the meeting is cancelled while the message is on its way
            everything = OutboxMessage.objects.filter(initiative=participant.initiative)
            cancelled["count"] = outbox.outbox_cancel(queryset=everything, reason="Moved")
            cancelled["on its way"] = state(on_its_way)

        slow.while_sending = meanwhile
        assert outbox.send_batch([on_its_way.pk])["sent"] == 1
        assert cancelled["count"] == 1
        assert cancelled["on its way"][0] == OutboxStatus.SENDING
        waiting.refresh_from_db()
        assert (waiting.status, waiting.last_error) == (OutboxStatus.CANCELLED, "Moved")
        on_its_way.refresh_from_db()
        assert (on_its_way.status, on_its_way.last_error) == (OutboxStatus.SENT, "")
        assert {pk: state(OutboxMessage(pk=pk)) for pk in untouched} == untouched
        assert len(mail.outbox) == 2  # the one sent before, the one on its way


# --- 4. resend ----------------------------------------------------------------------------------


class TestResend:
    def rows_of_every_status(self, initiative) -> dict[str, OutboxMessage]:
        rows = {}
        for status in OutboxStatus.values:
            participant = ParticipantFactory(initiative=initiative, email=f"{status}@example.net")
            rows[status] = add(participant)
        now = timezone.now()
        for status, row in rows.items():
            OutboxMessage.objects.filter(pk=row.pk).update(
                status=status,
                attempts=6 if status == OutboxStatus.FAILED else 1,
                claimed_at=now - timedelta(minutes=1),
                sent_at=now - timedelta(minutes=1) if status == OutboxStatus.SENT else None,
                send_after=now - timedelta(minutes=2)
                if status != OutboxStatus.PENDING
                else now + timedelta(hours=1),
                last_error="SMTPRecipientsRefused: 550" if status == OutboxStatus.FAILED else "",
            )
        return rows

    def resend_all(self, client: Client, initiative, capture, **data):
        organizer = MembershipFactory(initiative=initiative, role=Role.ORGANIZER).user
        client.force_login(organizer)
        with capture(execute=True):
            return client.post(
                reverse("initiatives:outbox_resend", args=[initiative.slug]), data, follow=True
            )

    def test_resend_all_sends_only_the_failed_ones_again(
        self, client, django_capture_on_commit_callbacks
    ):
        initiative = InitiativeFactory()
        rows = self.rows_of_every_status(initiative)
        others = {s: state(row) for s, row in rows.items() if s != OutboxStatus.FAILED}
        response = self.resend_all(client, initiative, django_capture_on_commit_callbacks)
        assert "1 message will be sent again" in response.content.decode()
        assert [message.to for message in mail.outbox] == [["failed@example.net"]]
        failed = OutboxMessage.objects.get(pk=rows[OutboxStatus.FAILED].pk)
        assert (failed.status, failed.attempts, failed.last_error) == (OutboxStatus.SENT, 1, "")
        assert {s: state(rows[s]) for s in others} == others

    def test_a_sent_message_is_not_sent_again_by_its_id(
        self, client, django_capture_on_commit_callbacks
    ):
        initiative = InitiativeFactory()
        rows = self.rows_of_every_status(initiative)
        for status in (OutboxStatus.SENT, OutboxStatus.SENDING, OutboxStatus.CANCELLED):
            before = state(rows[status])
            response = self.resend_all(
                client,
                initiative,
                django_capture_on_commit_callbacks,
                message=str(rows[status].pk),
            )
            assert "no failed message" in response.content.decode()
            assert state(rows[status]) == before
        assert mail.outbox == []

    def test_a_resent_message_starts_counting_attempts_afresh(
        self, flaky, settings, django_capture_on_commit_callbacks
    ):
        settings.DIALOGUE_HUB_OUTBOX_MAX_ATTEMPTS = 3
        participant = ParticipantFactory()
        row = add(participant)
        flaky.error = disconnected()
        for _attempt in range(3):
            OutboxMessage.objects.filter(pk=row.pk).update(send_after=timezone.now())
            outbox.send_batch([row.pk])
        row.refresh_from_db()
        assert (row.status, row.attempts) == (OutboxStatus.FAILED, 3)
        # Resent while the server still has trouble: a new first try, retried after its
        # backoff like any first try, not failed again at once.
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox.outbox_resend(initiative=participant.initiative) == 1
        row.refresh_from_db()
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
        assert timedelta(seconds=50) < row.send_after - timezone.now() < timedelta(seconds=90)


# --- 5. retry after the backoff -----------------------------------------------------------------


class TestRetry:
    def test_a_transient_failure_goes_again_at_the_first_relay_after_its_backoff(
        self, flaky, django_capture_on_commit_callbacks, monkeypatch
    ):
        participant = ParticipantFactory()
        flaky.error = disconnected()
        # Added, handed over after commit and tried at once by the (eager) worker: it fails.
        with django_capture_on_commit_callbacks(execute=True):
            row = add(participant)
        row.refresh_from_db()
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
        from dialogue_hub.tasks import outbox_send

        handed: list[list[int]] = []
        monkeypatch.setattr(
            outbox_send, "apply_async", lambda args, **kwargs: handed.append(args[0])
        )
        backoff_ends = row.send_after
        assert timedelta(seconds=50) < backoff_ends - timezone.now() < timedelta(seconds=90)
        assert outbox.outbox_relay(now=backoff_ends - timedelta(seconds=1)) == 0
        assert handed == []
        # The relay runs every minute: the first run after the backoff hands it over, long
        # before a lost task's republish delay (DIALOGUE_HUB_OUTBOX_REPUBLISH_SECONDS).
        assert outbox.outbox_relay(now=backoff_ends + timedelta(seconds=1)) == 1
        assert handed == [[row.pk]]
        flaky.error = None
        OutboxMessage.objects.filter(pk=row.pk).update(send_after=timezone.now())
        assert outbox.send_batch(handed[0])["sent"] == 1
        row.refresh_from_db()
        assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)
