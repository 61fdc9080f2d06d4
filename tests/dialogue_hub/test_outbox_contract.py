"""The outbox's smaller promises, each as a behaviour (found untested by mutation testing,
issue 22): how kinds are declared and named, how an address is hashed and a preference link
read, which rows a message makes, how keys are formed, what a batch hands to a kind's own
steps, the Message-ID, the retry delay and its cap, the broker's circuit breaker, the relay's
order and limit, and what is logged when something goes wrong."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from dialogue_hub import outbox
from dialogue_hub.emails import message_to_payload, render_email
from dialogue_hub.models import OutboxChannel, OutboxMessage, OutboxStatus

from ..factories import ParticipantFactory

pytestmark = pytest.mark.django_db

NUMBER = "+12025550143"
QUERIES_FOR_1001_ROWS = 100
INVITE = "text/calendar; method=REQUEST"


def _build(message):
    participant = ParticipantFactory._meta.model.objects.get(pk=message.params["participant"])
    return outbox.Built(
        template="participant_promoted",
        context={"participant": participant, "initiative": participant.initiative},
    )


@pytest.fixture
def kinds():
    """Registers kinds for one test and removes them after it."""
    names = []
    extensions = {name: list(steps) for name, steps in outbox.EXTENSIONS.items()}

    def register(name, **options):
        options.setdefault("label", name)
        outbox.register(name, **options)
        names.append(name)
        return name

    yield register
    for name in names:
        outbox.KINDS.pop(name, None)
    outbox.EXTENSIONS.clear()
    outbox.EXTENSIONS.update(extensions)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def rows_of(key) -> list[tuple[str, str, str]]:
    return sorted(
        OutboxMessage.objects.filter(key__endswith=key).values_list(
            "channel", "to_email", "to_phone"
        )
    )


# --- declaring kinds ------------------------------------------------------------------------------


class TestKinds:
    def test_a_kind_sent_by_text_needs_a_builder(self):
        with pytest.raises(ValueError, match="^test.bad: a kind sent by text needs a builder$"):
            outbox.register("test.bad", label="Bad", text="participant_promoted")
        assert "test.bad" not in outbox.KINDS

    def test_an_unknown_category_is_refused_by_name(self):
        with pytest.raises(ValueError, match="^Unknown email category 'newsletter'$"):
            outbox.register("test.bad", label="Bad", category="newsletter", build=_build)
        assert "test.bad" not in outbox.KINDS

    def test_a_kind_without_a_builder_or_a_text_is_declared_as_given(self, kinds):
        kinds("test.payload", label="Pre-rendered")
        kind = outbox.KINDS["test.payload"]
        assert (kind.name, kind.label, kind.category, kind.build, kind.text) == (
            "test.payload",
            "Pre-rendered",
            None,
            None,
            None,
        )
        assert kind.essential

    def test_a_kind_keeps_everything_it_was_declared_with(self, kinds):
        def on_sent(row):
            pass

        def prefetch(rows):
            return {}

        kinds(
            "test.full",
            label="Full",
            category="reminders",
            build=_build,
            on_sent=on_sent,
            prefetch=prefetch,
            text="participant_promoted",
        )
        kind = outbox.KINDS["test.full"]
        assert kind == outbox.Kind(
            name="test.full",
            label="Full",
            category="reminders",
            build=_build,
            on_sent=on_sent,
            prefetch=prefetch,
            text="participant_promoted",
        )
        assert not kind.essential

    def test_the_messages_page_names_a_kind_by_its_label_or_else_by_its_name(self):
        assert outbox.kind_label("account") == "Account email (sign-up, password)"
        assert outbox.kind_label("gone.kind") == "gone.kind"

    def test_a_kind_without_a_builder_needs_a_rendered_payload(self, kinds):
        kinds("test.payload")
        with pytest.raises(
            ValueError, match="^test.payload has no builder, so it needs a rendered"
        ):
            outbox.outbox_add(kind="test.payload", to="a@example.org")
        assert not OutboxMessage.objects.exists()

    def test_an_unknown_kind_is_refused_by_name(self):
        with pytest.raises(ValueError, match=r"^Unknown email kind 'no\.such'; register it first$"):
            outbox.outbox_add(kind="no.such", to="a@example.org")

    def test_a_pre_rendered_message_is_sent_as_rendered_with_the_outbox_headers(self, kinds):
        kinds("test.payload")
        message = render_email(
            template="participant_promoted",
            context={"participant": ParticipantFactory()},
            to="a@example.org",
        )
        row = outbox.outbox_add(
            kind="test.payload", to="a@example.org", payload=message_to_payload(message)
        )
        assert outbox.send_batch([row.pk])["sent"] == 1
        [sent] = mail.outbox
        assert (sent.subject, sent.body, sent.to) == (message.subject, message.body, message.to)
        assert sent.extra_headers["Message-ID"] == outbox._message_id(row)
        assert sent.extra_headers["X-Dialogue-Hub-Kind"] == "test.payload"


# --- preferences ----------------------------------------------------------------------------------


class TestPreferences:
    def test_an_address_is_kept_as_a_keyed_hash_that_stays_the_same_across_releases(self):
        """Preference rows and the links in emails already sent hold this hash: it must not
        change (same key salt, same algorithm, the address normalized)."""
        expected = salted_hmac(
            "dialogue_hub.email-preference", "ana@example.net", algorithm="sha256"
        ).hexdigest()
        assert outbox.address_hash(" Ana@Example.NET ") == expected
        assert outbox.address_hash("ben@example.net") != expected

    def test_one_persons_choices_are_not_anothers(self):
        outbox.preferences_set(address="ana@example.net", opted_out={"digest"})
        assert outbox.opted_out_categories("ana@example.net") == {"digest"}
        assert outbox.opted_out_categories("ben@example.net") == set()
        assert outbox.preferences_for_hash(outbox.address_hash("ana@example.net")) == {"digest"}
        assert outbox.preferences_for_hash(outbox.address_hash("ben@example.net")) == set()

    def test_one_click_unsubscribe_keeps_what_the_person_had_already_turned_off(self, client):
        outbox.preferences_set(address="ana@example.net", opted_out={"digest"})
        _page, one_click = outbox.unsubscribe_urls(
            email="ana@example.net", category="reminders", language="en"
        )
        response = client.post(path_of(one_click))
        assert response.status_code == 200
        assert outbox.opted_out_categories("ana@example.net") == {"digest", "reminders"}

    def test_the_preferences_page_shows_what_is_already_off(self, client):
        outbox.preferences_set(address="ana@example.net", opted_out={"reminders"})
        token = outbox.unsubscribe_token(
            email="ana@example.net", category="reminders", language="en"
        )
        page = client.get(reverse("email_preferences", kwargs={"token": token}))
        assert page.context["already_off"] is True
        assert "reminders" not in page.context["form"].initial["wanted"]
        assert "digest" in page.context["form"].initial["wanted"]

    def test_the_links_of_a_spanish_email_open_the_preferences_page_in_spanish(self, client):
        page_url, one_click = outbox.unsubscribe_urls(
            email="ana@example.net", category="reminders", language="es"
        )
        path = path_of(page_url)
        page = client.get(path)
        assert page.status_code == 200
        assert "Recordatorios de reunión" in page.content.decode()
        # The one-click address opened in a browser leads to the same page.
        assert client.get(path_of(one_click)).url == path

    def test_a_link_names_the_address_the_category_and_the_language(self):
        token = outbox.unsubscribe_token(email="Ana@Example.net", category="digest", language="es")
        assert outbox.read_unsubscribe_token(token) == {
            "h": outbox.address_hash("ana@example.net"),
            "c": "digest",
            "l": "es",
        }

    @pytest.mark.parametrize("data", [["not", "a", "dict"], {"c": "digest"}, {"h": 12}])
    def test_a_correctly_signed_link_without_an_address_hash_is_refused(self, data):
        token = signing.dumps(data, salt="dialogue_hub.unsubscribe")
        with pytest.raises(signing.BadSignature, match="^malformed$"):
            outbox.read_unsubscribe_token(token)

    def test_a_link_signed_for_something_else_is_refused(self):
        token = signing.dumps({"h": "x"}, salt="something.else")
        with pytest.raises(signing.BadSignature):
            outbox.read_unsubscribe_token(token)


# --- which rows a message makes -------------------------------------------------------------------


class TestRows:
    def test_an_empty_address_makes_no_row(self, kinds):
        kinds("test.note", build=_build)
        assert outbox.outbox_add(kind="test.note", to="", params={}) is None
        assert outbox.outbox_add(kind="test.note", to=None, params={}) is None
        assert not OutboxMessage.objects.exists()

    def test_a_message_without_a_number_goes_by_email_only(self, kinds):
        kinds("test.texted", build=_build, text="participant_promoted")
        row = outbox.outbox_add(kind="test.texted", to="a@example.org", key="k1")
        assert rows_of("k1") == [("email", "a@example.org", "")]
        assert row.channel == OutboxChannel.EMAIL

    def test_a_number_and_an_address_make_both_rows_unless_email_is_declined(self, kinds):
        kinds("test.texted", build=_build, text="participant_promoted")
        row = outbox.outbox_add(kind="test.texted", to="a@example.org", key="k1", text_to=NUMBER)
        assert row.channel == OutboxChannel.EMAIL  # the email's row is the one returned
        assert rows_of("k1") == [("email", "a@example.org", ""), ("text", "", NUMBER)]

    def test_a_text_only_message_without_an_address_keeps_no_fallback(self, kinds):
        kinds("test.texted", build=_build, text="participant_promoted")
        row = outbox.outbox_add(kind="test.texted", to="", key="k2", text_to=NUMBER)
        assert rows_of("k2") == [("text", "", NUMBER)]
        assert (row.key, row.channel) == ("text:k2", OutboxChannel.TEXT)

    def test_a_row_remembers_the_message_it_was_asked_for(self, kinds):
        kinds("test.texted", build=_build, text="participant_promoted")
        initiative = ParticipantFactory().initiative
        when = timezone.now() + timedelta(days=2)
        later = timezone.now() + timedelta(hours=3)
        outbox.outbox_add(
            kind="test.texted",
            to="A@Example.org",
            key="k3",
            initiative=initiative,
            language="es",
            params={"participant": 7},
            scheduled_for=when,
            send_after=later,
            text_to=NUMBER,
        )
        for row in OutboxMessage.objects.filter(key__endswith="k3"):
            assert (row.initiative, row.kind, row.language, row.params) == (
                initiative,
                "test.texted",
                "es",
                {"participant": 7},
            )
            assert (row.scheduled_for, row.send_after) == (when, later)
            assert row.status == OutboxStatus.PENDING

    def test_a_language_the_site_does_not_speak_falls_back_to_the_default(self, kinds):
        kinds("test.note", build=_build)
        row = outbox.outbox_add(kind="test.note", to="a@example.org", language="fr")
        assert row.language == "en"
        row = outbox.outbox_add(kind="test.note", to="b@example.org", language="es")
        assert row.language == "es"

    def test_a_row_without_params_or_a_time_gets_empty_params_and_is_due_now(self, kinds):
        kinds("test.note", build=_build)
        before = timezone.now()
        row = outbox.outbox_add(kind="test.note", to="a@example.org")
        row.refresh_from_db()
        assert row.params == {}
        assert before <= row.send_after <= timezone.now()
        assert row.key.startswith("test.note:")

    def test_a_planner_knows_the_keys_a_planned_row_will_have(self, kinds, settings):
        kinds("test.texted", build=_build, text="participant_promoted")
        kinds("test.note", build=_build)
        plan = {"kind": "test.texted", "key": "r1", "to": "A@example.org"}
        assert outbox.row_keys(plan) == ["r1"]
        assert outbox.row_keys({**plan, "text_to": NUMBER}) == ["r1", "text:r1"]
        assert outbox.row_keys({**plan, "text_to": NUMBER, "by_email": False}) == ["text:r1"]
        assert outbox.row_keys({"kind": "test.texted", "key": "r1", "text_to": NUMBER}) == [
            "text:r1"
        ]
        assert outbox.row_keys({"kind": "test.texted", "key": "r1"}) == []
        assert outbox.row_keys({"kind": "test.note", "key": "r1", "text_to": NUMBER}) == []
        assert outbox.row_keys(
            {"kind": "test.note", "key": "r1", "to": "a@example.org", "text_to": NUMBER}
        ) == ["r1"]
        settings.DIALOGUE_HUB_SMS_URL = ""
        assert outbox.row_keys({**plan, "text_to": NUMBER, "by_email": False}) == ["r1"]

    def test_the_keys_a_planner_expects_are_the_keys_the_outbox_writes(self, kinds):
        kinds("test.texted", build=_build, text="participant_promoted")
        plans = [
            {"kind": "test.texted", "key": "p1", "to": "a@example.org"},
            {"kind": "test.texted", "key": "p2", "to": "a@example.org", "text_to": NUMBER},
            {"kind": "test.texted", "key": "p3", "to": "", "text_to": NUMBER, "by_email": False},
        ]
        outbox.outbox_add_many(plans)
        written = set(OutboxMessage.objects.values_list("key", flat=True))
        assert written == {key for plan in plans for key in outbox.row_keys(plan)}


class TestKeys:
    def test_a_text_key_is_the_email_key_prefixed_and_fits_the_column(self):
        assert outbox.text_key("reminder:1") == "text:reminder:1"
        long = "k" * 300
        assert len(outbox.text_key(long)) == 255
        assert outbox.text_key(long) == ("text:" + long)[:255]

    def test_the_email_key_of_a_text_drops_only_the_prefix(self):
        assert outbox.email_key("text:reminder:1") == "reminder:1"
        assert outbox.email_key("reminder:text:") == "reminder:text:"

    def test_a_given_key_is_cut_to_the_column(self, kinds):
        kinds("test.note", build=_build)
        row = outbox.outbox_add(kind="test.note", to="a@example.org", key="k" * 300)
        assert row.key == "k" * 255


# --- adding messages ------------------------------------------------------------------------------


@pytest.fixture
def handed(monkeypatch):
    """The batches handed to the broker (not run)."""
    from dialogue_hub.tasks import outbox_send

    batches: list[list[int]] = []
    monkeypatch.setattr(outbox_send, "apply_async", lambda args, **kwargs: batches.append(args[0]))
    return batches


class TestAdding:
    def test_a_one_off_message_is_written_with_one_insert_and_no_savepoint(
        self, kinds, django_assert_num_queries
    ):
        """Registration pages must answer fast: a fresh key cannot be taken, so no savepoint."""
        kinds("test.note", build=_build)
        with django_assert_num_queries(1):
            outbox.outbox_add(kind="test.note", to="a@example.org")

    def test_a_message_due_this_very_moment_is_handed_over_after_commit(
        self, kinds, handed, django_capture_on_commit_callbacks
    ):
        from freezegun import freeze_time

        kinds("test.note", build=_build)
        with freeze_time("2027-03-01 12:00:00"), django_capture_on_commit_callbacks(execute=True):
            row = outbox.outbox_add(
                kind="test.note", to="a@example.org", send_after=timezone.now(), handed_over=True
            )
            assert row.enqueued_at == timezone.now()
        assert handed == [[row.pk]]

    def test_a_later_message_is_neither_stamped_nor_handed_over_until_it_is_due(
        self, kinds, handed, django_capture_on_commit_callbacks
    ):
        kinds("test.note", build=_build)
        later = timezone.now() + timedelta(hours=1)
        with django_capture_on_commit_callbacks(execute=True):
            row = outbox.outbox_add(
                kind="test.note", to="a@example.org", send_after=later, handed_over=True
            )
        assert handed == []
        assert OutboxMessage.objects.get(pk=row.pk).enqueued_at is None
        # Due: the relay's first run hands it over (not a republish delay later).
        assert outbox.outbox_relay(now=later) == 1
        assert handed == [[row.pk]]

    def test_many_messages_are_checked_and_written_in_chunks_and_all_handed_over(
        self,
        kinds,
        handed,
        django_capture_on_commit_callbacks,
        settings,
        django_assert_max_num_queries,
    ):
        settings.DIALOGUE_HUB_OUTBOX_BATCH_SIZE = 1000
        kinds("test.note", build=_build)
        plan = [
            {"kind": "test.note", "key": f"m{i:04}", "to": f"p{i}@example.org"} for i in range(1001)
        ]
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox.outbox_add_many(plan[:500]) == 500
        # The first chunk of the next sweep exists already: the next two are still written,
        # and counted, in a few queries (not one per row).
        with (
            django_capture_on_commit_callbacks(execute=True),
            django_assert_max_num_queries(QUERIES_FOR_1001_ROWS),
        ):
            assert outbox.outbox_add_many(plan) == 501
        assert OutboxMessage.objects.count() == 1001
        handed_ids = [pk for batch in handed for pk in batch]
        assert sorted(handed_ids) == sorted(OutboxMessage.objects.values_list("pk", flat=True))

    def test_add_many_hands_over_only_what_is_due_and_not_yet_handed_over(
        self, kinds, handed, django_capture_on_commit_callbacks
    ):
        kinds("test.note", build=_build)
        later = timezone.now() + timedelta(hours=1)
        with django_capture_on_commit_callbacks(execute=True):
            added = outbox.outbox_add_many(
                [
                    {"kind": "test.note", "key": "now", "to": "a@example.org"},
                    {
                        "kind": "test.note",
                        "key": "later",
                        "to": "b@example.org",
                        "send_after": later,
                    },
                ]
            )
        assert added == 2
        assert handed == [[OutboxMessage.objects.get(key="now").pk]]

    def test_add_many_with_nothing_new_hands_nothing_over(
        self, kinds, handed, django_capture_on_commit_callbacks
    ):
        kinds("test.note", build=_build)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            assert outbox.outbox_add_many([]) == 0
            assert outbox.outbox_add_many([{"kind": "test.note", "key": "x", "to": ""}]) == 0
        assert callbacks == []
        assert handed == []

    def test_a_key_taken_between_the_check_and_the_insert_is_left_to_its_writer(
        self, kinds, handed, django_capture_on_commit_callbacks
    ):
        """A one-off outbox_add() may race a sweep for a key: the sweep leaves that row alone
        (its writer hands it over, or it was cancelled meanwhile) and writes the others,
        without an error; it hands over only the rows it wrote itself."""
        from django.db import connection

        kinds("test.note", build=_build)
        waiting = outbox.outbox_add(kind="test.note", to="relay@example.org", key="c")
        raced = {"done": False}

        def race(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if not raced["done"] and sql.lstrip().upper().startswith("SELECT") and "key" in sql:
                raced["done"] = True
                outbox.outbox_add(
                    kind="test.note", to="first@example.org", key="a", handed_over=True
                )
                outbox.outbox_add(kind="test.note", to="first@example.org", key="d")
                outbox.outbox_cancel(queryset=OutboxMessage.objects.filter(key="d"), reason="Moved")
            return result

        with django_capture_on_commit_callbacks() as callbacks, connection.execute_wrapper(race):
            outbox.outbox_add_many(
                [
                    {"kind": "test.note", "key": key, "to": "sweep@example.org"}
                    for key in ("a", "b", "d")
                ]
            )
        assert raced["done"]
        assert dict(OutboxMessage.objects.values_list("key", "to_email")) == {
            "a": "first@example.org",
            "b": "sweep@example.org",
            "c": "relay@example.org",
            "d": "first@example.org",
        }
        callbacks[-1]()  # the sweep's own publish, after commit
        assert handed == [[OutboxMessage.objects.get(key="b").pk]]
        assert waiting.pk not in handed[0]  # a row the broker never got is the relay's


# --- cancelling, forgetting, purging --------------------------------------------------------------


class TestCancelForgetPurge:
    def test_a_long_cancel_reason_is_cut_to_the_column(self, kinds):
        kinds("test.note", build=_build)
        row = outbox.outbox_add(kind="test.note", to="a@example.org")
        before = timezone.now()
        assert outbox.outbox_cancel(queryset=OutboxMessage.objects.all(), reason="x" * 600) == 1
        row.refresh_from_db()
        assert (row.status, row.last_error) == (OutboxStatus.CANCELLED, "x" * 500)
        assert row.updated_at >= before

    def forget_world(self, kinds):
        kinds("test.texted", build=_build, text="participant_promoted")
        mine, other = ParticipantFactory(), ParticipantFactory()

        def add(key, initiative, to="", text_to="", **params):
            outbox.outbox_add(
                kind="test.texted",
                to=to,
                key=key,
                initiative=initiative,
                text_to=text_to,
                by_email=bool(to),
                params=params,
            )

        add("ana", mine.initiative, to="ana@example.org", child=1)
        add("ana2", mine.initiative, to="ana@example.org", child=2)
        add("ana-elsewhere", other.initiative, to="ana@example.org", child=1)
        add("ben", mine.initiative, to="ben@example.org")
        add("num", mine.initiative, text_to=NUMBER)
        add("num-elsewhere", other.initiative, text_to=NUMBER)
        return mine.initiative

    def keys(self):
        return set(OutboxMessage.objects.values_list("key", flat=True))

    def test_forget_deletes_one_addresss_messages_in_one_initiative(self, kinds):
        initiative = self.forget_world(kinds)
        assert outbox.outbox_forget(initiative=initiative, emails=[" Ana@Example.org", ""]) == 2
        assert self.keys() == {"ana-elsewhere", "ben", "text:num", "text:num-elsewhere"}

    def test_forget_deletes_one_numbers_texts_in_one_initiative(self, kinds):
        initiative = self.forget_world(kinds)
        assert outbox.outbox_forget(initiative=initiative, emails=[], numbers=[NUMBER, ""]) == 1
        assert self.keys() == {"ana", "ana2", "ana-elsewhere", "ben", "text:num-elsewhere"}

    def test_forget_deletes_an_address_and_a_number_together(self, kinds):
        initiative = self.forget_world(kinds)
        deleted = outbox.outbox_forget(
            initiative=initiative, emails=["ben@example.org"], numbers=[NUMBER]
        )
        assert deleted == 2
        assert self.keys() == {"ana", "ana2", "ana-elsewhere", "text:num-elsewhere"}

    def test_forget_can_keep_to_the_messages_about_one_child(self, kinds):
        initiative = self.forget_world(kinds)
        deleted = outbox.outbox_forget(
            initiative=initiative, emails=["ana@example.org"], params_match={"child": 2}
        )
        assert deleted == 1
        assert "ana2" not in self.keys()
        assert "ana" in self.keys()

    def test_forget_with_nobody_to_forget_deletes_nothing(self, kinds):
        initiative = self.forget_world(kinds)
        assert outbox.outbox_forget(initiative=initiative, emails=["", None], numbers=[""]) == 0
        assert len(self.keys()) == 6

    def test_purge_keeps_finished_messages_younger_than_the_retention(self, kinds, settings):
        kinds("test.note", build=_build)
        now = timezone.now()
        keep = timedelta(days=settings.DIALOGUE_HUB_OUTBOX_KEEP_DAYS)
        ages = {"old": keep + timedelta(hours=1), "young": keep - timedelta(hours=1)}
        for key, age in ages.items():
            row = outbox.outbox_add(kind="test.note", to=f"{key}@example.org", key=key)
            OutboxMessage.objects.filter(pk=row.pk).update(
                status=OutboxStatus.SENT, sent_at=now - age, updated_at=now - age
            )
        for status in (OutboxStatus.CANCELLED, OutboxStatus.SKIPPED, OutboxStatus.PENDING):
            row = outbox.outbox_add(kind="test.note", to="x@example.org", key=status)
            OutboxMessage.objects.filter(pk=row.pk).update(
                status=status, updated_at=now - ages["old"]
            )
        assert outbox.outbox_purge_old(now=now) == 3
        assert self.keys() == {"young", OutboxStatus.PENDING}


# --- handing over to the broker -------------------------------------------------------------------


def conf(**values):
    from types import SimpleNamespace

    return SimpleNamespace(conf=SimpleNamespace(**values))


@pytest.fixture
def fresh_breakers():
    from dialogue_hub import cache_backends

    cache_backends._breakers.clear()
    yield cache_backends
    cache_backends._breakers.clear()


@pytest.fixture
def real_broker(monkeypatch, fresh_breakers):
    """Tasks go to a Redis broker (not run eagerly); `calls` records each hand-over and `fail`
    makes the n-th (1-based) raise as an unreachable broker does."""
    from dialogue_hub.tasks import outbox_send

    monkeypatch.setitem(outbox_send.app.conf, "task_always_eager", False)
    monkeypatch.setitem(outbox_send.app.conf, "broker_url", "redis://127.0.0.1:6390/0")
    state = {"calls": [], "fail": set()}

    def apply_async(args, **kwargs):
        state["calls"].append((args[0], kwargs))
        if len(state["calls"]) in state["fail"]:
            raise ConnectionError("Connection refused")

    monkeypatch.setattr(outbox_send, "apply_async", apply_async)
    return state


def stamped(rows) -> list[bool]:
    return [OutboxMessage.objects.get(pk=row.pk).enqueued_at is not None for row in rows]


class TestPublish:
    def test_only_a_redis_broker_has_a_circuit_breaker(self, fresh_breakers):
        redis = outbox._broker_breaker(conf(task_always_eager=False, broker_url="redis://h:1/0"))
        assert redis is fresh_breakers.breaker_for("redis://h:1/0")
        assert redis.server == "h:1"
        tls = outbox._broker_breaker(conf(task_always_eager=False, broker_url="rediss://t:2/0"))
        assert tls.server == "t:2"
        assert outbox._broker_breaker(conf(task_always_eager=False, broker_url="memory://")) is None
        assert outbox._broker_breaker(conf(task_always_eager=False, broker_url=None)) is None
        assert (
            outbox._broker_breaker(conf(task_always_eager=True, broker_url="redis://h:1")) is None
        )

    def test_ids_are_stamped_then_handed_over_in_batches_that_never_wait(
        self, kinds, handed, settings, monkeypatch
    ):
        from dialogue_hub.tasks import outbox_send

        settings.DIALOGUE_HUB_OUTBOX_BATCH_SIZE = 2
        kinds("test.note", build=_build)
        rows = [outbox.outbox_add(kind="test.note", to=f"p{i}@example.org") for i in range(5)]
        options = []
        monkeypatch.setattr(
            outbox_send,
            "apply_async",
            lambda args, **kwargs: (handed.append(args[0]), options.append(kwargs)),
        )
        assert outbox.publish(row.pk for row in rows) is True
        assert handed == [[rows[0].pk, rows[1].pk], [rows[2].pk, rows[3].pk], [rows[4].pk]]
        assert options == [{"retry": False}] * 3
        assert stamped(rows) == [True] * 5

    def test_publishing_nothing_succeeds_at_once(self, handed, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert outbox.publish([]) is True
        assert handed == []

    def test_a_row_no_longer_pending_is_not_stamped(self, kinds, handed):
        kinds("test.note", build=_build)
        row = outbox.outbox_add(kind="test.note", to="a@example.org")
        outbox.outbox_cancel(queryset=OutboxMessage.objects.all(), reason="Moved")
        assert outbox.publish([row.pk]) is True
        assert stamped([row]) == [False]

    def test_a_broker_that_fails_part_way_leaves_the_rest_for_the_relay_and_says_so(
        self, kinds, real_broker, settings, caplog
    ):
        settings.DIALOGUE_HUB_OUTBOX_BATCH_SIZE = 2
        kinds("test.note", build=_build)
        rows = [outbox.outbox_add(kind="test.note", to=f"p{i}@example.org") for i in range(5)]
        real_broker["fail"] = {3}
        with caplog.at_level(logging.WARNING, logger="dialogue_hub.outbox"):
            assert outbox.publish([row.pk for row in rows]) is False
        assert stamped(rows) == [True] * 4 + [False]
        assert "Broker unreachable (Connection refused); 1 emails wait for the relay." in (
            caplog.messages
        )
        breaker = outbox._broker_breaker(
            conf(task_always_eager=False, broker_url="redis://127.0.0.1:6390/0")
        )
        assert breaker.is_open  # the next publish does not wait for the broker again
        # Open: nothing is offered to the broker, and every row waits for the relay.
        real_broker["calls"].clear()
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="dialogue_hub.outbox"):
            assert outbox.publish([row.pk for row in rows[:2]]) is False
        assert real_broker["calls"] == []
        assert stamped(rows) == [False, False, True, True, False]
        assert caplog.messages == [
            "Broker unreachable (Redis at 127.0.0.1:6390 was unreachable moments ago); "
            "2 emails wait for the relay."
        ]

    def test_a_broker_that_answers_again_closes_the_breaker(self, kinds, real_broker):
        kinds("test.note", build=_build)
        row = outbox.outbox_add(kind="test.note", to="a@example.org")
        breaker = outbox._broker_breaker(
            conf(task_always_eager=False, broker_url="redis://127.0.0.1:6390/0")
        )
        breaker.trip(ConnectionError("down"))
        breaker._open_until = 0.0  # its pause is over: the next publish tries the broker
        assert outbox.publish([row.pk]) is True
        assert breaker._down_since is None
        assert stamped([row]) == [True]

    def test_a_failing_publish_trips_the_breaker_with_the_error(self, kinds, real_broker, caplog):
        kinds("test.note", build=_build)
        row = outbox.outbox_add(kind="test.note", to="a@example.org")
        real_broker["fail"] = {1}
        with caplog.at_level(logging.WARNING):
            assert outbox.publish([row.pk]) is False
        assert any(
            m.startswith("Redis at 127.0.0.1:6390 unreachable (Connection refused)")
            for m in caplog.messages
        )

    def test_in_eager_mode_a_failing_task_is_a_bug_to_see(self, kinds, monkeypatch):
        from dialogue_hub.tasks import outbox_send

        kinds("test.note", build=_build)
        row = outbox.outbox_add(kind="test.note", to="a@example.org")

        def broken(args, **kwargs):
            raise RuntimeError("bug in the task")

        monkeypatch.setattr(outbox_send, "apply_async", broken)
        with pytest.raises(RuntimeError, match="bug in the task"):
            outbox.publish([row.pk])

    def test_publish_on_commit_hands_over_the_ids_as_they_were_when_asked(
        self, kinds, handed, django_capture_on_commit_callbacks
    ):
        kinds("test.note", build=_build)
        row = outbox.outbox_add(kind="test.note", to="a@example.org")
        ids = [row.pk]
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            outbox.publish_on_commit(ids)
            outbox.publish_on_commit([])
            ids.append(999_999)  # the caller's list changing later changes nothing
        assert len(callbacks) == 1
        assert handed == [[row.pk]]
        assert stamped([row]) == [True]

    def test_a_broker_without_a_breaker_that_fails_leaves_the_rows_for_the_relay(
        self, kinds, real_broker, monkeypatch
    ):
        from dialogue_hub.tasks import outbox_send

        monkeypatch.setitem(outbox_send.app.conf, "broker_url", "amqp://127.0.0.1:5673//")
        kinds("test.note", build=_build)
        row = outbox.outbox_add(kind="test.note", to="a@example.org")
        real_broker["fail"] = {1}
        assert outbox.publish([row.pk]) is False
        assert stamped([row]) == [False]


# --- the relay ------------------------------------------------------------------------------------


class TestRelay:
    def claimed_long_ago(self, kinds, now, attempts, **extra):
        kinds("test.note", build=_build)
        row = outbox.outbox_add(kind="test.note", to="a@example.org", **extra)
        long_ago = now - timedelta(seconds=601)
        OutboxMessage.objects.filter(pk=row.pk).update(
            status=OutboxStatus.SENDING,
            claimed_at=long_ago,
            enqueued_at=long_ago,
            attempts=attempts,
            send_after=long_ago,
        )
        return row

    def test_a_message_that_stopped_every_worker_says_so(self, kinds, handed, settings):
        now = timezone.now() + timedelta(minutes=5)
        row = self.claimed_long_ago(kinds, now, settings.DIALOGUE_HUB_OUTBOX_MAX_ATTEMPTS)
        assert outbox.outbox_relay(now=now) == 0
        row.refresh_from_db()
        assert (row.status, row.last_error, row.updated_at) == (
            OutboxStatus.FAILED,
            "The sending worker stopped every time it tried this message.",
            now,
        )
        assert handed == []

    def test_a_dead_workers_claim_goes_out_at_once_and_is_logged(self, kinds, handed, caplog):
        now = timezone.now() + timedelta(minutes=5)
        row = self.claimed_long_ago(kinds, now, 1)
        with caplog.at_level(logging.WARNING, logger="dialogue_hub.outbox"):
            assert outbox.outbox_relay(now=now) == 1
        assert handed == [[row.pk]]
        row.refresh_from_db()
        assert (row.status, row.updated_at) == (OutboxStatus.PENDING, now)
        assert "Outbox: 1 messages claimed by a stopped worker go out again." in caplog.messages

    def test_the_relay_hands_over_the_longest_waiting_first_up_to_its_limit(
        self, kinds, handed, settings
    ):
        settings.DIALOGUE_HUB_OUTBOX_BATCH_SIZE = 2
        kinds("test.note", build=_build)
        now = timezone.now()
        rows = [
            outbox.outbox_add(
                kind="test.note", to=f"p{i}@example.org", send_after=now - timedelta(minutes=i)
            )
            for i in range(5)
        ]
        assert outbox.outbox_relay(now=now, limit=3) == 3
        assert handed == [[rows[4].pk, rows[3].pk], [rows[2].pk]]
        assert outbox.outbox_relay(now=now) == 2
        assert handed[2:] == [[rows[1].pk, rows[0].pk]]

    def test_a_message_due_at_the_relays_moment_is_handed_over(self, kinds, handed):
        kinds("test.note", build=_build)
        when = timezone.now() + timedelta(minutes=3)
        row = outbox.outbox_add(kind="test.note", to="a@example.org", send_after=when)
        assert outbox.outbox_relay(now=when) == 1
        assert handed == [[row.pk]]

    def test_a_relay_that_loses_the_broker_says_how_many_it_handed_over(
        self, kinds, real_broker, settings
    ):
        settings.DIALOGUE_HUB_OUTBOX_BATCH_SIZE = 1
        kinds("test.note", build=_build)
        rows = [outbox.outbox_add(kind="test.note", to=f"p{i}@example.org") for i in range(4)]
        real_broker["fail"] = {3}
        assert outbox.outbox_relay() == 2
        assert stamped(rows) == [True, True, False, False]
        assert len(real_broker["calls"]) == 3  # it stopped at the failure


# --- sending --------------------------------------------------------------------------------------


class TestSending:
    @pytest.mark.parametrize(
        ("from_email", "domain"),
        [
            ("Hub <hub@example.org>", "example.org"),
            ('Hub <"odd@name"@mail.example.org>', "mail.example.org"),
            ("", "dialoguehub.local"),
        ],
    )
    def test_the_message_id_is_the_same_every_time_a_row_is_sent(
        self, kinds, settings, from_email, domain
    ):
        settings.DEFAULT_FROM_EMAIL = from_email
        kinds("test.note", build=_build)
        row = outbox.outbox_add(
            kind="test.note",
            to="a@example.org",
            key="reminder:1",
            params={"participant": ParticipantFactory().pk},
        )
        digest = hashlib.sha256(b"reminder:1").hexdigest()[:16]
        assert outbox._message_id(row) == f"<dh-{row.pk}-{digest}@{domain}>"
        outbox.send_batch([row.pk])
        assert mail.outbox[0].extra_headers["Message-ID"] == f"<dh-{row.pk}-{digest}@{domain}>"

    def test_a_kinds_prefetch_loads_once_per_batch_and_its_after_send_step_sees_each_row(
        self, kinds
    ):
        loaded, after = [], []

        def prefetch(rows):
            loaded.append(sorted(row.pk for row in rows))
            return {"batch": len(rows)}

        def build(row):
            assert row.prefetched == {"batch": 2}
            return _build(row)

        def on_sent(row):
            after.append((row.pk, OutboxMessage.objects.get(pk=row.pk).status))

        kinds("test.note", build=build, prefetch=prefetch, on_sent=on_sent)
        kinds("test.other", build=_build)
        participant = ParticipantFactory()
        rows = [
            outbox.outbox_add(
                kind=kind, to=f"{n}@example.org", params={"participant": participant.pk}
            )
            for n, kind in enumerate(["test.note", "test.other", "test.note"])
        ]
        assert outbox.send_batch([row.pk for row in rows])["sent"] == 3
        assert loaded == [sorted([rows[0].pk, rows[2].pk])]
        assert after == [(rows[0].pk, OutboxStatus.SENT), (rows[2].pk, OutboxStatus.SENT)]
        for row in rows:
            row.refresh_from_db()
            assert (row.status, row.last_error) == (OutboxStatus.SENT, "")

    def test_a_failing_after_send_step_is_logged_and_the_batch_goes_on(self, kinds, caplog):
        def on_sent(row):
            raise RuntimeError("bookkeeping bug")

        kinds("test.note", build=_build, on_sent=on_sent)
        participant = ParticipantFactory()
        rows = [
            outbox.outbox_add(
                kind="test.note", to=f"{n}@example.org", params={"participant": participant.pk}
            )
            for n in range(2)
        ]
        with caplog.at_level(logging.ERROR, logger="dialogue_hub.outbox"):
            assert outbox.send_batch([row.pk for row in rows])["sent"] == 2
        assert caplog.messages == [
            f"Outbox: after-send step of {row} failed"
            for row in OutboxMessage.objects.order_by("pk")
        ]
        assert all(record.exc_info for record in caplog.records)

    def test_a_skipped_message_carries_no_error(self, kinds):
        kinds("test.reminder", build=_build, category="reminders")
        participant = ParticipantFactory()
        outbox.preferences_set(address=participant.email, opted_out={"reminders"})
        row = outbox.outbox_add(
            kind="test.reminder", to=participant.email, params={"participant": participant.pk}
        )
        assert outbox.send_batch([row.pk])["skipped"] == 1
        row.refresh_from_db()
        assert (row.status, row.last_error) == (OutboxStatus.SKIPPED, "")

    def test_a_spanish_reminder_names_its_category_in_spanish_with_its_own_links(self, kinds):
        def build(row):
            return outbox.Built(template="member_joined", context={"name": "Ana"})

        kinds("test.reminder", build=build, category="reminders")
        row = outbox.outbox_add(kind="test.reminder", to="Ana@Example.org", language="es")
        outbox.send_batch([row.pk])
        [message] = mail.outbox
        assert "Recordatorios de reunión" in message.body
        page, one_click = outbox.unsubscribe_urls(
            email="ana@example.org", category="reminders", language="es"
        )
        assert page in message.body
        assert message.extra_headers["List-Unsubscribe"] == f"<{one_click}>"

    def test_an_extension_step_adds_to_a_kinds_message(self, kinds):
        def add_ics(row, built):
            built.attachments.append(("invite.ics", f"UID:{row.pk}", INVITE))

        kinds("test.note", build=_build)
        outbox.extend("test.note", add_ics)
        participant = ParticipantFactory()
        row = outbox.outbox_add(
            kind="test.note", to=participant.email, params={"participant": participant.pk}
        )
        outbox.send_batch([row.pk])
        assert mail.outbox[0].attachments == [("invite.ics", f"UID:{row.pk}", INVITE)]


class TestRetries:
    @pytest.mark.parametrize(
        ("attempts", "shortest", "longest"),
        [(0, 60, 75), (1, 60, 75), (2, 120, 150), (3, 240, 300), (7, 3600, 4500), (20, 3600, 4500)],
    )
    def test_the_delay_doubles_with_each_attempt_up_to_an_hour_plus_a_quarter_of_jitter(
        self, settings, monkeypatch, attempts, shortest, longest
    ):
        settings.DIALOGUE_HUB_OUTBOX_RETRY_SECONDS = 60
        monkeypatch.setattr(outbox.random, "uniform", lambda low, high: low)
        assert outbox._backoff_seconds(attempts) == shortest
        monkeypatch.setattr(outbox.random, "uniform", lambda low, high: high)
        assert outbox._backoff_seconds(attempts) == longest

    def test_a_retry_and_the_final_failure_are_logged_with_the_error(
        self, kinds, settings, monkeypatch, caplog
    ):
        from .mail_backends import FlakyBackend, disconnected

        settings.EMAIL_BACKEND = "tests.dialogue_hub.mail_backends.FlakyBackend"
        settings.DIALOGUE_HUB_OUTBOX_MAX_ATTEMPTS = 2
        monkeypatch.setattr(outbox.random, "uniform", lambda low, high: low)
        monkeypatch.setattr(FlakyBackend, "error", disconnected())
        kinds("test.note", build=_build)
        row = outbox.outbox_add(
            kind="test.note", to="a@example.org", params={"participant": ParticipantFactory().pk}
        )
        error = "SMTPServerDisconnected: Connection unexpectedly closed"
        with caplog.at_level(logging.WARNING, logger="dialogue_hub.outbox"):
            assert outbox.send_batch([row.pk])["retry"] == 1
            OutboxMessage.objects.filter(pk=row.pk).update(send_after=timezone.now())
            outbox.send_batch([row.pk])
        row.refresh_from_db()
        assert caplog.messages == [
            f"Outbox: {row} failed ({error}); trying again in 60s.",
            f"Outbox: giving up on {row} after 2 attempts: {error}",
        ]
        assert [r.levelno for r in caplog.records] == [logging.WARNING, logging.ERROR]
        assert (row.status, row.last_error) == (OutboxStatus.FAILED, error)

    def test_a_finished_row_records_when_and_why_cut_to_the_column(self, kinds):
        def build(row):
            raise outbox.Stale("m" * 600)

        kinds("test.note", build=build)
        row = outbox.outbox_add(kind="test.note", to="a@example.org")
        assert outbox.send_batch([row.pk])["cancelled"] == 1
        row.refresh_from_db()
        assert (row.status, row.last_error) == (OutboxStatus.CANCELLED, "m" * 500)
        assert row.updated_at > row.claimed_at

    def test_a_claim_records_its_time(self, kinds):
        kinds("test.note", build=_build)
        row = outbox.outbox_add(kind="test.note", to="a@example.org")
        now = timezone.now() + timedelta(seconds=5)
        assert outbox._claim([row.pk], now) == [row.pk]
        row.refresh_from_db()
        assert (row.status, row.claimed_at, row.updated_at, row.attempts) == (
            OutboxStatus.SENDING,
            now,
            now,
            1,
        )


def test_a_sweep_takes_the_sweep_lock_on_postgresql(kinds, monkeypatch):
    """Two sweeps take turns: on PostgreSQL each holds the advisory lock SWEEP_LOCK_ID until
    its transaction ends (seen here without PostgreSQL: the statement is recorded, not run)."""
    from django.db import connection

    kinds("test.note", build=_build)
    monkeypatch.setattr(connection, "vendor", "postgresql")
    locks = []

    def record_lock(execute, sql, params, many, context):
        if "advisory" in sql:
            locks.append((sql, params))
            return None
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record_lock):
        outbox.outbox_add_many([{"kind": "test.note", "key": "k", "to": "a@example.org"}])
    assert locks == [("SELECT pg_advisory_xact_lock(%s)", [outbox.SWEEP_LOCK_ID])]
    assert OutboxMessage.objects.filter(key="k").exists()


def test_a_batchs_initiatives_are_loaded_with_its_rows_not_one_by_one(kinds):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def build(row):
        return outbox.Built(template="member_joined", context={"name": row.initiative.name})

    kinds("test.note", build=build)

    def batch(count):
        ids = [
            outbox.outbox_add(
                kind="test.note",
                to=f"p{n}@example.org",
                initiative=ParticipantFactory().initiative,
            ).pk
            for n in range(count)
        ]
        with CaptureQueriesContext(connection) as queries:
            assert outbox.send_batch(ids)["sent"] == count
        return len(queries)

    assert batch(5) == batch(1)


def test_a_failed_publish_un_stamps_only_the_rows_still_waiting(kinds, real_broker):
    kinds("test.note", build=_build)
    sent = outbox.outbox_add(kind="test.note", to="a@example.org")
    waiting = outbox.outbox_add(kind="test.note", to="b@example.org")
    handed_at = timezone.now() - timedelta(minutes=1)
    OutboxMessage.objects.filter(pk=sent.pk).update(
        status=OutboxStatus.SENT, sent_at=handed_at, enqueued_at=handed_at
    )
    real_broker["fail"] = {1}
    assert outbox.publish([sent.pk, waiting.pk]) is False
    assert OutboxMessage.objects.get(pk=sent.pk).enqueued_at == handed_at
    assert stamped([waiting]) == [False]


def test_a_text_claimed_just_before_quiet_hours_goes_out(kinds, settings):
    """A batch decides quiet hours by the time it claimed its rows, not by a later clock."""
    from freezegun import freeze_time

    from ..factories import InitiativeFactory

    settings.DIALOGUE_HUB_SMS_URL = "locmem://"
    kinds("test.texted", build=_build, text="participant_promoted")
    participant = ParticipantFactory(initiative=InitiativeFactory(timezone="America/New_York"))
    row = outbox.outbox_add(
        kind="test.texted",
        to=participant.email,
        initiative=participant.initiative,
        params={"participant": participant.pk},
        text_to=NUMBER,
        by_email=False,
        send_after=timezone.now() - timedelta(days=3650),
    )
    # 20:59:50 in New York; every further reading of the clock is 20 s later.
    with freeze_time("2027-01-14 01:59:50", auto_tick_seconds=20):
        outcome = outbox.send_batch([row.pk])
    assert outcome["sent"] == 1
    assert OutboxMessage.objects.get(pk=row.pk).status == OutboxStatus.SENT
