"""The organizer's Messages page (issue 18): emails and text messages in one list, a channel
filter combined with the status tabs and the kind filter, a text's number, segments and encoding,
the provider's reason when it failed, resending a failed text, and what texting costs per month
in the initiative's own time zone."""

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from dialogue_hub import outbox, outbox_page, texts
from dialogue_hub.models import OutboxMessage, OutboxStatus
from initiatives.models import Role

from ..factories import InitiativeFactory, MembershipFactory
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

KEYS = count()
NUMBER = "+15555550123"


def text_row(
    initiative,
    *,
    number=NUMBER,
    status=OutboxStatus.SENT,
    sent_at=None,
    kind="participant.confirm",
    **fields,
):
    """A text message row as the outbox leaves it (a sent one has its time and segments)."""
    sent = status == OutboxStatus.SENT
    return OutboxMessage.objects.create(
        initiative=initiative,
        kind=kind,
        key=f"text:test-{next(KEYS)}",
        channel="text",
        to_phone=number,
        status=status,
        sent_at=(sent_at or timezone.now()) if sent else None,
        segments=fields.pop("segments", 1 if sent else None),
        encoding=fields.pop("encoding", "GSM-7" if sent else ""),
        **fields,
    )


def email_row(
    initiative,
    *,
    to="ana@example.net",
    status=OutboxStatus.SENT,
    kind="participant.confirm",
    **fields,
):
    return OutboxMessage.objects.create(
        initiative=initiative,
        kind=kind,
        key=f"test-{next(KEYS)}",
        to_email=to,
        status=status,
        sent_at=timezone.now() if status == OutboxStatus.SENT else None,
        **fields,
    )


@pytest.fixture
def initiative():
    return InitiativeFactory(timezone="America/Chicago")


@pytest.fixture
def organizer_client(client, initiative):
    client.force_login(MembershipFactory(initiative=initiative, role=Role.ORGANIZER).user)
    return client


def page_url(initiative, **query):
    url = reverse("initiatives:outbox", args=[initiative.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


class TestChannels:
    def test_the_page_and_its_link_are_called_messages(self, organizer_client, initiative):
        url = page_url(initiative)
        html = organizer_client.get(url).content.decode()
        assert "<title>Messages ·" in html
        assert '<h2 class="h5 mb-1">Messages</h2>' in html
        assert f'aria-current="page" href="{url}">Messages</a>' in html  # the initiative's menu
        assert ">Emails<" not in html
        overview = organizer_client.get(reverse("initiatives:detail", args=[initiative.slug]))
        assert f'href="{url}">Messages</a>' in overview.content.decode()
        organizer_client.cookies["django_language"] = "es"
        html = organizer_client.get(url).content.decode()
        assert "<title>Mensajes ·" in html
        assert f'aria-current="page" href="{url}">Mensajes</a>' in html

    def test_the_channel_filter_lists_only_texts_or_only_emails(self, organizer_client, initiative):
        email_row(initiative, to="only-email@example.net")
        text_row(initiative, number="+15555550188")
        shown_number = texts.display_number("+15555550188")
        assert shown_number == "+1 555-555-0188"

        everything = organizer_client.get(page_url(initiative, show="sent"))
        html = everything.content.decode()
        assert "only-email@example.net" in html
        assert shown_number in html
        assert everything.context["counts"]["sent"] == 2

        only_texts = organizer_client.get(page_url(initiative, show="sent", channel="text"))
        html = only_texts.content.decode()
        assert shown_number in html
        assert "only-email@example.net" not in html
        assert only_texts.context["counts"]["sent"] == 1  # the tabs count texts only
        assert '<option value="text" selected>Text message</option>' in html

        only_emails = organizer_client.get(page_url(initiative, show="sent", channel="email"))
        html = only_emails.content.decode()
        assert "only-email@example.net" in html
        assert shown_number not in html

    def test_status_counts_follow_the_channel(self, initiative):
        email_row(initiative, status=OutboxStatus.FAILED)
        text_row(initiative, status=OutboxStatus.FAILED)
        text_row(initiative, status=OutboxStatus.FAILED, to_email="ana@example.net")
        text_row(initiative)
        both = outbox.status_counts(initiative=initiative)
        assert (both["failed"], both["sent"], both["texts"]) == (3, 1, 3)
        only_texts = outbox.status_counts(initiative=initiative, channel="text")
        assert (only_texts["failed"], only_texts["sent"], only_texts["texts"]) == (2, 1, 3)
        only_emails = outbox.status_counts(initiative=initiative, channel="email")
        assert (only_emails["failed"], only_emails["sent"], only_emails["texts"]) == (1, 0, 3)

    def test_an_unknown_channel_shows_both(self, organizer_client, initiative):
        email_row(initiative, to="only-email@example.net")
        text_row(initiative)
        page = organizer_client.get(page_url(initiative, show="sent", channel="fax"))
        assert page.context["channel"] == ""
        assert page.context["counts"]["sent"] == 2

    def test_the_channel_is_kept_in_the_tabs_and_the_pages(self, organizer_client, initiative):
        for _ in range(51):
            text_row(initiative)
        email_row(initiative)
        html = organizer_client.get(
            page_url(initiative, show="sent", channel="text", kind="participant.confirm")
        ).content.decode()
        assert 'href="?show=sent&amp;channel=text&amp;kind=participant.confirm&amp;page=2"' in html
        assert 'href="?show=failed&amp;channel=text&amp;kind=participant.confirm"' in html
        second = organizer_client.get(page_url(initiative, show="sent", channel="text", page=2))
        assert second.context["page_obj"].number == 2
        assert len(second.context["page_obj"].object_list) == 1

    def test_the_kind_filter_combines_with_the_channel(self, organizer_client, initiative):
        text_row(initiative, number="+15555550111")
        text_row(initiative, number="+15555550122", kind="participant.promoted")
        email_row(initiative, kind="participant.promoted", to="promoted@example.net")
        page = organizer_client.get(
            page_url(initiative, show="sent", channel="text", kind="participant.promoted")
        )
        html = page.content.decode()
        assert "+1 555-555-0122" in html
        assert "+1 555-555-0111" not in html
        assert "promoted@example.net" not in html


class TestTextDetails:
    def test_a_sent_text_shows_its_segments_and_encoding(self, organizer_client, initiative):
        text_row(initiative, number="+15555550101", segments=2, encoding="UCS-2")
        text_row(initiative, number="+15555550102", segments=1, encoding="GSM-7")
        html = organizer_client.get(page_url(initiative, show="sent")).content.decode()
        assert "2 segments · UCS-2" in html
        assert "1 segment · GSM-7" in html
        organizer_client.cookies["django_language"] = "es"
        html = organizer_client.get(page_url(initiative, show="sent")).content.decode()
        assert "2 segmentos · UCS-2" in html
        assert "1 segmento · GSM-7" in html
        assert "Mensaje de texto" in html

    def test_a_failed_text_shows_the_providers_reason_and_its_fallback_address(
        self, organizer_client, initiative
    ):
        text_row(
            initiative,
            status=OutboxStatus.FAILED,
            last_error="21211: The 'To' number is not a valid phone number.",
            to_email="fallback@example.net",
        )
        page = organizer_client.get(page_url(initiative))
        html = page.content.decode()
        assert page.context["show"] == "failed"
        assert "The &#x27;To&#x27; number is not a valid phone number." in html
        assert "Email if the number is refused: fallback@example.net" in html
        assert "1 message could not be delivered." in html
        listed = html.split("<tbody>")[1].split("</tbody>")[0]
        assert "segment" not in listed  # nothing was sent, nothing billed


class TestResend:
    def test_resending_a_failed_text_puts_it_back_pending(
        self, organizer_client, initiative, django_capture_on_commit_callbacks
    ):
        row = text_row(
            initiative,
            status=OutboxStatus.FAILED,
            attempts=5,
            last_error="21610: unsubscribed recipient",
            provider_ref="SMold",
        )
        with django_capture_on_commit_callbacks() as callbacks:
            response = organizer_client.post(
                reverse("initiatives:outbox_resend", args=[initiative.slug]),
                {"message": str(row.pk), "channel": "text"},
            )
        assert response.status_code == 302
        assert response["Location"].endswith("?show=failed&channel=text")
        row.refresh_from_db()
        assert row.status == OutboxStatus.PENDING
        assert (row.attempts, row.last_error, row.provider_ref) == (0, "", "")
        assert (row.segments, row.encoding, row.sent_at) == (None, "", None)
        assert row.send_after <= timezone.now()
        assert len(callbacks) == 1  # handed to the broker once the change commits

    def test_resend_all_on_the_text_channel_leaves_failed_emails_alone(
        self, organizer_client, initiative, django_capture_on_commit_callbacks
    ):
        failed_text = text_row(initiative, status=OutboxStatus.FAILED)
        failed_email = email_row(initiative, status=OutboxStatus.FAILED)
        with django_capture_on_commit_callbacks():
            response = organizer_client.post(
                reverse("initiatives:outbox_resend", args=[initiative.slug]),
                {"channel": "text"},
                follow=True,
            )
        assert "1 message will be sent again." in response.content.decode()
        failed_text.refresh_from_db()
        failed_email.refresh_from_db()
        assert failed_text.status == OutboxStatus.PENDING
        assert failed_email.status == OutboxStatus.FAILED

    def test_a_resent_text_to_a_number_that_said_stop_is_skipped_not_sent(self, initiative):
        outbox.register(
            "test.text_kind",
            label="Test text kind",
            build=lambda row: outbox.Built(template="participant_promoted", context={}),
            text="test_text_kind",
        )
        try:
            row = text_row(initiative, status=OutboxStatus.FAILED, kind="test.text_kind")
            texts.set_stopped(NUMBER, stopped=True, keyword="STOP")
            assert outbox.outbox_resend(initiative=initiative, ids=[row.pk]) == 1
            outbox.send_batch([row.pk])
        finally:
            outbox.KINDS.pop("test.text_kind")
        row.refresh_from_db()
        assert row.status == OutboxStatus.SKIPPED
        assert texts.sent == []


class TestMonthlyCounts:
    def test_months_are_counted_in_the_initiatives_time_zone(self, initiative):
        # Chicago: 1 Nov 2026 00:30 CDT is 05:30 UTC; 31 Oct 23:30 CDT is 04:30 UTC;
        # 30 Nov 23:30 CST is 1 Dec 05:30 UTC. In UTC all three would be Nov/Dec.
        text_row(initiative, sent_at=datetime(2026, 11, 1, 5, 30, tzinfo=UTC), segments=2)
        text_row(initiative, sent_at=datetime(2026, 11, 1, 4, 30, tzinfo=UTC), segments=3)
        text_row(initiative, sent_at=datetime(2026, 12, 1, 5, 30, tzinfo=UTC), segments=1)
        text_row(initiative, sent_at=datetime(2026, 6, 15, 12, tzinfo=UTC), segments=4)
        text_row(initiative, sent_at=datetime(2026, 5, 31, 12, tzinfo=UTC))  # 7th month: out
        text_row(initiative, status=OutboxStatus.FAILED)  # not sent: not billed
        email_row(initiative)  # an email: not a text
        text_row(InitiativeFactory(), sent_at=datetime(2026, 11, 10, tzinfo=UTC))  # not ours
        now = datetime(2026, 12, 1, 5, 45, tzinfo=UTC)  # 30 Nov 23:45 in Chicago
        months = outbox_page.text_months(initiative=initiative, now=now)
        assert [(m.month.isoformat(), m.texts, m.segments) for m in months] == [
            ("2026-11-01", 2, 3),
            ("2026-10-01", 1, 3),
            ("2026-09-01", 0, 0),
            ("2026-08-01", 0, 0),
            ("2026-07-01", 0, 0),
            ("2026-06-01", 1, 4),
        ]
        later = outbox_page.text_months(initiative=initiative, now=now + timedelta(minutes=30))
        assert (later[0].month.isoformat(), later[0].texts) == ("2026-12-01", 0)
        assert (later[1].month.isoformat(), later[1].texts, later[1].segments) == (
            "2026-11-01",
            2,
            3,
        )

    def test_the_page_shows_this_months_texts_and_segments(self, organizer_client, initiative):
        with freeze_time("2026-12-01T05:45:00Z"):  # 30 Nov 23:45 in Chicago
            text_row(initiative, sent_at=datetime(2026, 11, 1, 5, 30, tzinfo=UTC), segments=2)
            text_row(initiative, sent_at=datetime(2026, 12, 1, 5, 30, tzinfo=UTC), segments=3)
            text_row(initiative, sent_at=datetime(2026, 11, 1, 4, 30, tzinfo=UTC), segments=1)
            page = organizer_client.get(page_url(initiative))
        html = page.content.decode()
        assert "Text messages per month" in html
        table = html.split('id="text-months-heading"')[1]
        rows = [" ".join(r.split()) for r in table.split("<tr")[2:]]
        assert "November 2026" in rows[0]
        assert "(this month)" in rows[0]
        assert '<td class="text-end">2</td> <td class="text-end">5</td>' in rows[0]
        assert "October 2026" in rows[1]
        assert '<td class="text-end">1</td> <td class="text-end">1</td>' in rows[1]

    def test_an_initiative_without_texts_gets_no_monthly_table_but_says_how_to_get_texts(
        self, organizer_client, initiative
    ):
        email_row(initiative)
        page = organizer_client.get(page_url(initiative, show="sent"))
        assert "Text messages per month" not in page.content.decode()
        assert page.context["text_months"] == []
        html = organizer_client.get(page_url(initiative, channel="text")).content.decode()
        assert "No text messages yet." in html
        assert "How should we reach you?" in html
        organizer_client.cookies["django_language"] = "es"
        html = organizer_client.get(page_url(initiative, channel="text")).content.decode()
        assert "Todavía no hay mensajes de texto." in html


class TestAccessAndQueries:
    @pytest.mark.parametrize("role", [Role.POLICE_LIAISON, Role.OBSERVER, Role.DATA_STEWARD])
    def test_only_organizers_see_numbers(self, client, initiative, role):
        text_row(initiative)
        client.force_login(MembershipFactory(initiative=initiative, role=role).user)
        assert client.get(page_url(initiative, channel="text")).status_code == 403
        response = client.post(
            reverse("initiatives:outbox_resend", args=[initiative.slug]), {"channel": "text"}
        )
        assert response.status_code == 403

    @pytest.mark.parametrize("channel", ["", "text", "email"])
    def test_queries_do_not_grow_with_messages_of_both_channels(
        self, organizer_client, initiative, channel
    ):
        def add_rows(n):
            for i in range(n):
                email_row(initiative, to=f"p{i}@example.net")
                text_row(initiative, number=f"+1555555{i:04d}", segments=1 + i % 3)
                text_row(initiative, status=OutboxStatus.FAILED, to_email=f"p{i}@example.net")

        add_rows(3)
        url = (
            page_url(initiative, show="sent", channel=channel)
            if channel
            else page_url(initiative, show="sent")
        )
        assert_queries_do_not_grow(organizer_client, url, lambda: add_rows(40), limit=13)
        failed = page_url(initiative, show="failed", channel="text")
        assert_queries_do_not_grow(organizer_client, failed, lambda: add_rows(5), limit=13)
