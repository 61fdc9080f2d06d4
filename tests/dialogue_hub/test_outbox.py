"""The outbox: rows committed with the data, claimed once, retried on transient errors with a
cap, failed where organizers see them, cancelled when stale, skipped when unsubscribed."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dialogue_hub import outbox
from dialogue_hub.models import EmailPreference, OutboxMessage, OutboxStatus
from initiatives.models import Role
from participants.services import registration as participant_services

from ..factories import (
    InitiativeFactory,
    MembershipFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
    UserFactory,
)
from .mail_backends import FlakyBackend, disconnected, mailbox_unknown, try_later

pytestmark = pytest.mark.django_db

FLAKY = "tests.dialogue_hub.mail_backends.FlakyBackend"


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = FLAKY
    FlakyBackend.error = None
    yield FlakyBackend
    FlakyBackend.error = None


@pytest.fixture
def test_kinds():
    """A non-essential kind and an essential one, built from a participant row."""

    def build(message):
        participant = ParticipantFactory._meta.model.objects.filter(
            pk=message.params.get("participant")
        ).first()
        if participant is None:
            raise outbox.Stale("gone")
        return outbox.Built(
            template="participant_promoted",
            context={"participant": participant, "initiative": participant.initiative},
            attachments=[("meeting.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")],
        )

    outbox.register("test.reminder", label="Test reminder", category="reminders", build=build)
    outbox.register("test.essential", label="Test essential", build=build)
    yield
    outbox.KINDS.pop("test.reminder")
    outbox.KINDS.pop("test.essential")


def add(kind, participant, **extra):
    return outbox.outbox_add(
        kind=kind,
        to=participant.email,
        initiative=participant.initiative,
        language=participant.preferred_language,
        params={"participant": participant.pk},
        **extra,
    )


def reminder_row(participant, **extra) -> dict:
    """An outbox_add_many row of the test reminder kind for `participant`."""
    return {
        "kind": "test.reminder",
        "to": participant.email,
        "initiative": participant.initiative,
        "params": {"participant": participant.pk},
        **extra,
    }


class TestAdding:
    def test_a_rolled_back_transaction_leaves_no_row_and_sends_nothing(
        self, test_kinds, django_capture_on_commit_callbacks
    ):
        participant = ParticipantFactory()

        def request_that_fails():
            with transaction.atomic():
                add("test.essential", participant)
                raise RuntimeError("the request failed after deciding to email")

        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
            request_that_fails()
        assert OutboxMessage.objects.count() == 0
        assert mail.outbox == []

    def test_the_same_key_makes_one_row(self, test_kinds):
        participant = ParticipantFactory()
        first = add("test.reminder", participant, key="reminder:1:p1:48h")
        second = add("test.reminder", participant, key="reminder:1:p1:48h")
        assert first is not None
        assert second is None
        assert OutboxMessage.objects.count() == 1

    def test_add_many_ignores_existing_keys_and_counts_new_rows(self, test_kinds):
        row = reminder_row(ParticipantFactory())
        assert outbox.outbox_add_many([{**row, "key": "a"}, {**row, "key": "b"}]) == 2
        assert outbox.outbox_add_many([{**row, "key": "b"}, {**row, "key": "c"}]) == 1
        assert set(OutboxMessage.objects.values_list("key", flat=True)) == {"a", "b", "c"}

    def test_no_address_no_row(self, test_kinds):
        assert outbox.outbox_add(kind="test.essential", to="  ", params={}) is None
        assert OutboxMessage.objects.count() == 0

    def test_unknown_kind_is_a_programming_error(self):
        with pytest.raises(ValueError, match="Unknown email kind"):
            outbox.outbox_add(kind="no.such.kind", to="a@example.org")


class TestSending:
    def test_registration_email_is_a_row_then_sent_after_commit(
        self, django_capture_on_commit_callbacks
    ):
        initiative = InitiativeFactory(languages=["en", "es"])
        RegistrationSettingsFactory(initiative=initiative)
        with django_capture_on_commit_callbacks(execute=True):
            participant_services.participant_register(
                initiative=initiative,
                data={
                    "name": "Ana Torres",
                    "email": "ana@example.net",
                    "preferred_language": "es",
                    "age_band": "25_34",
                },
                consents={"participation"},
            )
        row = OutboxMessage.objects.get()
        assert (row.kind, row.status, row.to_email, row.language) == (
            "participant.confirm",
            OutboxStatus.SENT,
            "ana@example.net",
            "es",
        )
        assert row.sent_at is not None
        assert row.subject
        assert row.attempts == 1
        [message] = mail.outbox
        assert message.to == ["ana@example.net"]
        assert message.extra_headers["Message-ID"].startswith(f"<dh-{row.pk}-")
        assert 'lang="es"' in message.alternatives[0][0]
        # Essential: no unsubscribe header.
        assert "List-Unsubscribe" not in message.extra_headers

    def test_sending_the_same_ids_twice_sends_once(self, test_kinds):
        participant = ParticipantFactory()
        row = add("test.essential", participant)
        assert outbox.send_batch([row.pk])["sent"] == 1
        assert outbox.send_batch([row.pk]) == {
            "sent": 0,
            "retry": 0,
            "failed": 0,
            "cancelled": 0,
            "skipped": 0,
        }
        assert len(mail.outbox) == 1

    def test_a_row_not_yet_due_is_not_claimed(self, test_kinds):
        participant = ParticipantFactory()
        row = add("test.reminder", participant, send_after=timezone.now() + timedelta(hours=1))
        assert outbox.send_batch([row.pk])["sent"] == 0
        assert OutboxMessage.objects.get(pk=row.pk).status == OutboxStatus.PENDING

    def test_a_stale_message_is_cancelled_not_sent(self, test_kinds):
        participant = ParticipantFactory()
        row = add("test.essential", participant)
        participant.delete()
        assert outbox.send_batch([row.pk])["cancelled"] == 1
        assert OutboxMessage.objects.get(pk=row.pk).status == OutboxStatus.CANCELLED
        assert mail.outbox == []

    def test_a_deleted_registration_cancels_its_confirmation(self):
        participant = ParticipantFactory()
        outbox.outbox_add(
            kind="participant.confirm",
            to=participant.email,
            params={"participant": participant.pk},
        )
        row = OutboxMessage.objects.get()
        participant.delete()
        outbox.send_batch([row.pk])
        assert OutboxMessage.objects.get(pk=row.pk).status == OutboxStatus.CANCELLED

    def test_attachments_and_unsubscribe_headers_on_non_essential_kinds(self, test_kinds):
        participant = ParticipantFactory(preferred_language="es")
        row = add("test.reminder", participant)
        outbox.send_batch([row.pk])
        [message] = mail.outbox
        assert message.attachments[0][0] == "meeting.ics"
        header = message.extra_headers["List-Unsubscribe"]
        assert header.startswith("<http")
        assert "/email/unsubscribe/" in header
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


class TestFailures:
    def test_a_transient_error_retries_later_with_a_growing_delay(self, flaky, test_kinds):
        participant = ParticipantFactory()
        row = add("test.essential", participant)
        flaky.error = disconnected()
        before = timezone.now()
        assert outbox.send_batch([row.pk])["retry"] == 1
        row.refresh_from_db()
        assert row.status == OutboxStatus.PENDING
        assert row.attempts == 1
        first_delay = row.send_after - before
        assert timedelta(seconds=50) < first_delay < timedelta(seconds=90)
        assert "SMTPServerDisconnected" in row.last_error
        # Due again: a second failure waits about twice as long.
        OutboxMessage.objects.filter(pk=row.pk).update(send_after=timezone.now())
        before = timezone.now()
        outbox.send_batch([row.pk])
        row.refresh_from_db()
        assert row.attempts == 2
        assert row.send_after - before > timedelta(seconds=110)

    def test_a_message_that_keeps_failing_ends_as_failed(self, flaky, settings, test_kinds):
        settings.DIALOGUE_HUB_OUTBOX_MAX_ATTEMPTS = 3
        participant = ParticipantFactory()
        row = add("test.essential", participant)
        flaky.error = disconnected()
        for _attempt in range(3):
            OutboxMessage.objects.filter(pk=row.pk).update(send_after=timezone.now())
            outbox.send_batch([row.pk])
        row.refresh_from_db()
        assert (row.status, row.attempts) == (OutboxStatus.FAILED, 3)
        assert outbox.failed_count(initiative=participant.initiative) == 1

    def test_greylisting_is_retried_a_refused_mailbox_fails_at_once(self, flaky, test_kinds):
        participant = ParticipantFactory()
        greylisted = add("test.essential", participant)
        flaky.error = try_later(participant.email)
        outbox.send_batch([greylisted.pk])
        assert OutboxMessage.objects.get(pk=greylisted.pk).status == OutboxStatus.PENDING
        refused = add("test.essential", participant)
        flaky.error = mailbox_unknown(participant.email)
        outbox.send_batch([refused.pk])
        refused.refresh_from_db()
        assert refused.status == OutboxStatus.FAILED
        assert refused.attempts == 1
        assert "550" in refused.last_error

    def test_a_template_bug_fails_the_message_and_the_batch_goes_on(self, test_kinds):
        def broken(message):
            raise KeyError("missing context")

        outbox.register("test.broken", label="Broken", build=broken)
        try:
            participant = ParticipantFactory()
            bad = add("test.broken", participant)
            good = add("test.essential", participant)
            outcome = outbox.send_batch([bad.pk, good.pk])
        finally:
            outbox.KINDS.pop("test.broken")
        assert (outcome["failed"], outcome["sent"]) == (1, 1)
        assert OutboxMessage.objects.get(pk=bad.pk).status == OutboxStatus.FAILED

    def test_resend_gives_failed_messages_a_fresh_start(
        self, flaky, test_kinds, django_capture_on_commit_callbacks
    ):
        participant = ParticipantFactory()
        row = add("test.essential", participant)
        flaky.error = mailbox_unknown(participant.email)
        outbox.send_batch([row.pk])
        flaky.error = None
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox.outbox_resend(initiative=participant.initiative) == 1
        row.refresh_from_db()
        assert (row.status, row.last_error) == (OutboxStatus.SENT, "")
        assert len(mail.outbox) == 1


class TestRelay:
    def test_relay_hands_over_rows_the_broker_never_got(
        self, test_kinds, django_capture_on_commit_callbacks
    ):
        participant = ParticipantFactory()
        row = add("test.essential", participant)  # on_commit never ran: never handed over
        assert OutboxMessage.objects.get(pk=row.pk).enqueued_at is None
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox.outbox_relay() == 1
        assert OutboxMessage.objects.get(pk=row.pk).status == OutboxStatus.SENT

    def test_relay_takes_back_claims_of_a_dead_worker(self, test_kinds, settings):
        participant = ParticipantFactory()
        row = add("test.essential", participant)
        long_ago = timezone.now() - timedelta(
            seconds=settings.DIALOGUE_HUB_OUTBOX_LEASE_SECONDS + 5
        )
        OutboxMessage.objects.filter(pk=row.pk).update(
            status=OutboxStatus.SENDING, claimed_at=long_ago, attempts=1
        )
        outbox.outbox_relay()
        assert OutboxMessage.objects.get(pk=row.pk).status == OutboxStatus.SENT
        assert len(mail.outbox) == 1

    def test_a_message_that_kills_every_worker_ends_as_failed(self, test_kinds, settings):
        participant = ParticipantFactory()
        row = add("test.essential", participant)
        long_ago = timezone.now() - timedelta(
            seconds=settings.DIALOGUE_HUB_OUTBOX_LEASE_SECONDS + 5
        )
        OutboxMessage.objects.filter(pk=row.pk).update(
            status=OutboxStatus.SENDING,
            claimed_at=long_ago,
            attempts=settings.DIALOGUE_HUB_OUTBOX_MAX_ATTEMPTS,
        )
        outbox.outbox_relay()
        assert OutboxMessage.objects.get(pk=row.pk).status == OutboxStatus.FAILED
        assert mail.outbox == []

    def test_relay_leaves_recently_handed_over_and_future_rows_alone(self, test_kinds):
        participant = ParticipantFactory()
        handed = add("test.essential", participant)
        OutboxMessage.objects.filter(pk=handed.pk).update(enqueued_at=timezone.now())
        add("test.reminder", participant, send_after=timezone.now() + timedelta(hours=2))
        assert outbox.outbox_relay() == 0

    def test_a_row_written_handed_over_is_published_without_another_write(
        self,
        test_kinds,
        monkeypatch,
        django_capture_on_commit_callbacks,
        django_assert_num_queries,
    ):
        from dialogue_hub.tasks import outbox_send

        published = []
        monkeypatch.setattr(
            outbox_send, "apply_async", lambda args, **kwargs: published.append(args[0])
        )
        participant = ParticipantFactory()
        with django_capture_on_commit_callbacks() as callbacks:
            row = add("test.essential", participant, handed_over=True)
        assert OutboxMessage.objects.get(pk=row.pk).enqueued_at is not None
        with django_assert_num_queries(0):
            for callback in callbacks:
                callback()
        assert published == [[row.pk]]

    def test_a_handed_over_row_whose_publish_never_ran_goes_out_after_the_republish_delay(
        self, test_kinds, settings, django_capture_on_commit_callbacks
    ):
        participant = ParticipantFactory()
        row = add("test.essential", participant, handed_over=True)  # on_commit never ran
        assert outbox.outbox_relay() == 0  # looks handed over: not yet
        OutboxMessage.objects.filter(pk=row.pk).update(
            enqueued_at=timezone.now()
            - timedelta(seconds=settings.DIALOGUE_HUB_OUTBOX_REPUBLISH_SECONDS + 1)
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox.outbox_relay() == 1
        assert OutboxMessage.objects.get(pk=row.pk).status == OutboxStatus.SENT

    def test_purge_deletes_finished_messages_past_retention_and_keeps_failed(
        self, test_kinds, settings
    ):
        participant = ParticipantFactory()
        sent = add("test.essential", participant)
        failed = add("test.essential", participant)
        outbox.send_batch([sent.pk])
        OutboxMessage.objects.filter(pk=failed.pk).update(status=OutboxStatus.FAILED)
        old = timezone.now() - timedelta(days=settings.DIALOGUE_HUB_OUTBOX_KEEP_DAYS + 1)
        OutboxMessage.objects.update(updated_at=old)
        assert outbox.outbox_purge_old() == 1
        assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [failed.pk]


class TestPreferences:
    def test_opted_out_people_are_skipped_but_essential_mail_still_goes(self, test_kinds):
        participant = ParticipantFactory()
        outbox.preferences_set(address=participant.email, opted_out={"reminders"})
        reminder = add("test.reminder", participant)
        essential = add("test.essential", participant)
        outcome = outbox.send_batch([reminder.pk, essential.pk])
        assert (outcome["skipped"], outcome["sent"]) == (1, 1)
        assert [m.extra_headers["X-Dialogue-Hub-Kind"] for m in mail.outbox] == ["test.essential"]

    def test_preferences_keep_only_a_hash_of_the_address(self):
        outbox.preferences_set(address="Ana@Example.net", opted_out={"digest", "nonsense"})
        row = EmailPreference.objects.get()
        assert "ana@example.net" not in row.address_hash
        assert row.opted_out == ["digest"]
        assert outbox.opted_out_categories("ana@example.net ") == {"digest"}

    def test_one_click_unsubscribe_needs_no_csrf_token(self, test_kinds):
        csrf_client = Client(enforce_csrf_checks=True)
        participant = ParticipantFactory()
        outbox.send_batch([add("test.reminder", participant).pk])
        url = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
        path = url.split("://", 1)[1].split("/", 1)[1]
        response = csrf_client.post(
            "/" + path,
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200
        assert outbox.opted_out_categories(participant.email) == {"reminders"}

    def test_the_preferences_page_unsubscribes_and_resubscribes(self, client, test_kinds):
        participant = ParticipantFactory()
        token = outbox.unsubscribe_token(
            email=participant.email, category="reminders", language="en"
        )
        url = reverse("email_preferences", kwargs={"token": token})
        page = client.get(url)
        assert page.status_code == 200
        assert page.headers["Cache-Control"].startswith("max-age=0")
        assert "Meeting reminders" in page.content.decode()
        response = client.post(url, {"unsubscribe": "1"}, follow=True)
        assert "no longer get" in response.content.decode()
        assert outbox.opted_out_categories(participant.email) == {"reminders"}
        client.post(url, {"wanted": list(outbox.CATEGORIES)})
        assert outbox.opted_out_categories(participant.email) == set()

    def test_an_empty_post_stops_no_email(self, client):
        # Every box may be left unticked, so an empty body (the CSRF token sent as a header)
        # must show the page again, not save "no emails at all"; a browser's own submit with
        # every box unticked carries the token and does save it.
        token = outbox.unsubscribe_token(email="a@example.org", category="digest", language="en")
        url = reverse("email_preferences", kwargs={"token": token})
        response = client.post(url)
        assert response.status_code == 200
        assert outbox.opted_out_categories("a@example.org") == set()
        client.post(url, {"csrfmiddlewaretoken": "x"})
        assert outbox.opted_out_categories("a@example.org") == set(outbox.CATEGORIES)

    def test_a_tampered_link_says_so(self, client):
        assert client.get("/email/preferences/not-a-token/").status_code == 404
        assert client.post("/email/unsubscribe/not-a-token/").status_code == 404

    def test_odd_choices_are_a_field_error_not_a_crash(self, client):
        token = outbox.unsubscribe_token(email="a@example.org", category="digest", language="en")
        url = reverse("email_preferences", kwargs={"token": token})
        response = client.post(url, {"wanted": ["<script>", "x" * 5000]})
        assert response.status_code == 200
        assert response.context["form"].errors["wanted"]

    def test_signed_in_people_choose_their_language_and_categories(self, client):
        user = UserFactory()
        client.force_login(user)
        response = client.post(
            reverse("my_email_preferences"),
            {"language": "es", "wanted": ["reminders", "nudges"]},
            follow=True,
        )
        assert response.status_code == 200
        user.refresh_from_db()
        assert user.preferred_language == "es"
        assert outbox.opted_out_categories(user.email) == {
            "milestones",
            "digest",
            "alerts",
            "surveys",
        }


class TestOutboxPage:
    def make_rows(self, initiative, n, status=OutboxStatus.SENT):
        OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(
                    initiative=initiative,
                    kind="participant.confirm",
                    key=f"{status}-{initiative.pk}-{i}-{OutboxMessage.objects.count()}",
                    to_email=f"p{i}@example.net",
                    status=status,
                    sent_at=timezone.now() if status == OutboxStatus.SENT else None,
                    last_error="SMTPRecipientsRefused: 550"
                    if status == OutboxStatus.FAILED
                    else "",
                )
                for i in range(n)
            ]
        )

    def test_organizers_see_failed_first_with_the_error_and_resend(
        self, client, django_capture_on_commit_callbacks
    ):
        initiative = InitiativeFactory()
        organizer = MembershipFactory(initiative=initiative, role=Role.ORGANIZER).user
        participant = ParticipantFactory(initiative=initiative)
        outbox.outbox_add(
            kind="participant.confirm",
            to=participant.email,
            initiative=initiative,
            params={"participant": participant.pk},
        )
        OutboxMessage.objects.update(status=OutboxStatus.FAILED, last_error="550 no such user")
        client.force_login(organizer)
        url = reverse("initiatives:outbox", args=[initiative.slug])
        page = client.get(url)
        html = page.content.decode()
        assert page.context["show"] == "failed"
        assert participant.email in html
        assert "550 no such user" in html
        assert "/registration/" not in html  # bodies and private links are never shown
        detail = client.get(reverse("initiatives:detail", args=[initiative.slug]))
        assert "could not be delivered" in detail.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("initiatives:outbox_resend", args=[initiative.slug]),
                {"message": str(OutboxMessage.objects.get().pk)},
                follow=True,
            )
        assert "will be sent again" in response.content.decode()
        assert OutboxMessage.objects.get().status == OutboxStatus.SENT

    def test_odd_resend_ids_change_nothing(self, client):
        initiative = InitiativeFactory()
        organizer = MembershipFactory(initiative=initiative, role=Role.ORGANIZER).user
        client.force_login(organizer)
        url = reverse("initiatives:outbox_resend", args=[initiative.slug])
        for value in ["abc", "99999999999999999999999", "-1", "１"]:
            response = client.post(url, {"message": value}, follow=True)
            assert response.status_code == 200
            assert "no failed message" in response.content.decode()

    def test_another_initiatives_messages_are_not_listed(self, client):
        mine, theirs = InitiativeFactory(), InitiativeFactory()
        organizer = MembershipFactory(initiative=mine, role=Role.ORGANIZER).user
        self.make_rows(theirs, 3)
        client.force_login(organizer)
        page = client.get(reverse("initiatives:outbox", args=[mine.slug]) + "?show=sent")
        assert "p0@example.net" not in page.content.decode()
        assert "No messages" in page.content.decode() or "Nothing has been sent" in (
            page.content.decode()
        )

    def test_queries_do_not_grow_with_messages(self, client, django_assert_max_num_queries):
        from ..helpers import assert_queries_do_not_grow

        initiative = InitiativeFactory()
        organizer = MembershipFactory(initiative=initiative, role=Role.ORGANIZER).user
        self.make_rows(initiative, 5)
        client.force_login(organizer)
        url = reverse("initiatives:outbox", args=[initiative.slug]) + "?show=sent"
        assert_queries_do_not_grow(client, url, lambda: self.make_rows(initiative, 60), limit=12)
        first = client.get(url + "&kind=participant.confirm").content.decode()
        assert 'href="?show=sent&amp;kind=participant.confirm&amp;page=2"' in first
        page = client.get(url + "&page=2")
        assert page.context["page_obj"].number == 2


class TestReminderSettings:
    def test_hours_are_parsed_sorted_and_validated(self, client):
        initiative = InitiativeFactory()
        organizer = MembershipFactory(initiative=initiative, role=Role.ORGANIZER).user
        client.force_login(organizer)
        url = reverse("initiatives:edit", args=[initiative.slug])
        base = {"name_en": initiative.name, "community": "Riverton", "languages": ["en"]}
        base["timezone"] = "America/Chicago"
        response = client.post(url, {**base, "reminder_hours": "2, 72"})
        assert response.status_code == 302
        initiative.refresh_from_db()
        assert initiative.reminder_hours == [72, 2]
        for bad in ["soon", "0", "2, 2", "1, 2, 3, 4", "9999"]:
            response = client.post(url, {**base, "reminder_hours": bad})
            assert response.status_code == 200, bad
            assert response.context["form"].errors["reminder_hours"], bad
            assert bad in response.content.decode()  # what they typed is kept
        client.post(url, {**base, "reminder_hours": ""})
        initiative.refresh_from_db()
        assert initiative.reminder_hours == []


def test_the_local_outbox_folder_gets_one_file_per_message(tmp_path, test_kinds, settings):
    settings.EMAIL_BACKEND = "dialogue_hub.mail_backends.OneFilePerMessageBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    participants = ParticipantFactory.create_batch(3)
    ids = [add("test.essential", p).pk for p in participants]
    assert outbox.send_batch(ids)["sent"] == 3
    files = sorted(tmp_path.iterdir())
    assert len(files) == 3
    assert all("test.essential" in f.name for f in files)
    assert participants[0].email in files[0].read_text()


def test_a_batch_is_sent_over_one_mail_connection(settings, test_kinds):
    from .mail_backends import CountingBackend

    settings.EMAIL_BACKEND = "tests.dialogue_hub.mail_backends.CountingBackend"
    CountingBackend.connections = 0
    ids = [add("test.essential", p).pk for p in ParticipantFactory.create_batch(5)]
    assert outbox.send_batch(ids)["sent"] == 5
    assert CountingBackend.connections == 1
    assert len(mail.outbox) == 5


def test_add_many_counts_a_key_given_twice_once(test_kinds):
    participant = ParticipantFactory()
    row = reminder_row(participant, key="same")
    assert outbox.outbox_add_many([row, {**row, "to": "other@example.org"}]) == 1
    assert OutboxMessage.objects.get().to_email == participant.email
