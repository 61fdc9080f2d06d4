"""dialogue_hub/texts.py: numbers, keywords, STOP records, quiet hours, segments, provider URLs."""

from datetime import UTC, datetime

import pytest

from dialogue_hub import texts
from dialogue_hub.models import OutboxMessage, OutboxStatus, TextOptOut


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("(202) 555-0143", "US", "+12025550143"),
        ("202.555.0143", "us", "+12025550143"),
        ("+1 202 555 0143", "MX", "+12025550143"),
        ("55 1234 5678", "MX", "+525512345678"),
        ("", "US", ""),
    ],
)
def test_numbers_are_stored_in_e164_read_with_the_initiatives_country(raw, region, e164):
    assert texts.normalize_number(raw, region) == e164


@pytest.mark.parametrize("raw", ["12", "call me", "+1 000 000 0000", "555-0143"])
def test_what_is_not_a_phone_number_is_refused(raw):
    with pytest.raises(texts.InvalidNumber):
        texts.normalize_number(raw, "US")


def test_display_number_writes_a_stored_number_as_people_read_it():
    assert texts.display_number("+12025550143") == "+1 202-555-0143"
    assert texts.display_number("not a number") == "not a number"


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", ("stop", "STOP")),
        ("stop please", ("stop", "STOP")),
        ("Alto", ("stop", "ALTO")),
        ("  baja.", ("stop", "BAJA")),
        ("START", ("start", "START")),
        ("comenzar", ("start", "COMENZAR")),
        ("help", ("help", "HELP")),
        ("¿Ayuda?", ("help", "AYUDA")),
        ("see you tuesday", ("", "SEE")),
        ("", ("", "")),
    ],
)
def test_keywords_are_read_in_english_and_spanish(body, keyword):
    assert texts.keyword_of(body) == keyword


def test_the_number_hash_is_one_way_and_stable():
    digest = texts.number_hash("+12025550143")
    assert digest == texts.number_hash("+12025550143")
    assert "2025550143" not in digest
    assert digest != texts.number_hash("+12025550144")


@pytest.mark.django_db
def test_stop_is_recorded_without_the_number_and_skips_texts_waiting_for_it():
    waiting = OutboxMessage.objects.create(
        kind="account", key="text:a", channel="text", to_phone="+12025550143"
    )
    other = OutboxMessage.objects.create(
        kind="account", key="text:b", channel="text", to_phone="+12025550144"
    )
    email = OutboxMessage.objects.create(kind="account", key="c", to_email="a@example.org")

    texts.set_stopped("+12025550143", stopped=True, keyword="ALTO")

    row = TextOptOut.objects.get()
    assert row.stopped
    assert row.keyword == "ALTO"
    assert "2025550143" not in row.number_hash
    assert texts.stopped_numbers(["+12025550143", "+12025550144"]) == {"+12025550143"}
    waiting.refresh_from_db()
    other.refresh_from_db()
    email.refresh_from_db()
    assert waiting.status == OutboxStatus.SKIPPED
    assert other.status == email.status == OutboxStatus.PENDING

    texts.set_stopped("+12025550143", stopped=False, keyword="START")
    assert TextOptOut.objects.count() == 1
    assert texts.stopped_numbers(["+12025550143"]) == set()


@pytest.mark.parametrize(
    ("utc", "held_until"),
    [
        # New York is UTC-5 in January: 22:30 there is 03:30 UTC the next day.
        (datetime(2027, 1, 13, 3, 30, tzinfo=UTC), datetime(2027, 1, 13, 13, 0, tzinfo=UTC)),
        # 07:59 there: held one minute, until 08:00 the same morning.
        (datetime(2027, 1, 13, 12, 59, tzinfo=UTC), datetime(2027, 1, 13, 13, 0, tzinfo=UTC)),
        # 21:00 exactly is quiet already.
        (datetime(2027, 1, 13, 2, 0, tzinfo=UTC), datetime(2027, 1, 13, 13, 0, tzinfo=UTC)),
        (datetime(2027, 1, 13, 13, 0, tzinfo=UTC), None),  # 08:00
        (datetime(2027, 1, 13, 1, 59, tzinfo=UTC), None),  # 20:59
        # Summer time (UTC-4): 23:00 on 1 July is 03:00 UTC on 2 July.
        (datetime(2027, 7, 2, 3, 0, tzinfo=UTC), datetime(2027, 7, 2, 12, 0, tzinfo=UTC)),
    ],
)
def test_quiet_hours_hold_texts_from_21_to_8_in_the_initiatives_time_zone(utc, held_until):
    assert texts.quiet_until(utc, "America/New_York") == held_until


@pytest.mark.parametrize(
    ("text", "encoding", "count"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # the extension table: two septets each
        ("€" * 81, "GSM-7", 2),
        ("¿Señor? ¡Sí, mañana!", "UCS-2", 1),  # "í" is not in GSM-7
        ("ñ" * 160, "GSM-7", 1),  # "ñ" is
        ("á" * 70, "UCS-2", 1),
        ("á" * 71, "UCS-2", 2),
        ("á" * 134, "UCS-2", 2),
        ("á" * 135, "UCS-2", 3),
        ("🙂" * 35, "UCS-2", 1),  # two UTF-16 units each
        ("🙂" * 36, "UCS-2", 2),
    ],
)
def test_segments_count_as_the_provider_splits_a_text(text, encoding, count):
    size = texts.segments(text)
    assert (size.encoding, size.count) == (encoding, count)


def test_provider_urls_choose_the_backend_and_its_options(tmp_path):
    backend, options = texts.parse_url(f"file://{tmp_path}")
    assert backend is texts.FileBackend
    assert options == {"path": str(tmp_path)}
    backend, options = texts.parse_url("twilio://AC123:secret@api.twilio.com?from=%2B15005550006")
    assert backend is texts.TwilioBackend
    assert (options["sid"], options["token"], options["from"]) == (
        "AC123",
        "secret",
        "+15005550006",
    )
    assert "base_url" not in options
    _backend, options = texts.parse_url("twilio+http://AC1:t@127.0.0.1:8765?service=MG1")
    assert options["base_url"] == "http://127.0.0.1:8765"
    assert options["service"] == "MG1"


@pytest.mark.parametrize(
    "url",
    ["twilio://api.twilio.com?from=%2B1", "twilio://AC1:t@api.twilio.com", "sms://x", "mailto:a"],
)
def test_an_incomplete_provider_url_is_refused_with_what_is_missing(url):
    with pytest.raises(ValueError, match="DIALOGUE_HUB_SMS_URL"):
        texts.parse_url(url)


def test_the_file_backend_writes_one_file_per_text(tmp_path):
    backend = texts.FileBackend({"path": str(tmp_path / "sms")})
    first = backend.send(to="+12025550143", body="Hola ¿qué tal?", reference="text:a/b")
    second = backend.send(to="+12025550144", body="Hi", reference="text:c")
    files = sorted((tmp_path / "sms").iterdir())
    assert len(files) == 2
    assert first != second
    content = files[0].read_text(encoding="utf-8")
    assert "To: +12025550143" in content
    assert "Hola ¿qué tal?" in content


@pytest.mark.django_db
def test_a_message_goes_by_text_by_email_or_both_as_the_person_chose(settings):
    from dialogue_hub import outbox

    def channels(kind, key, **routing):
        outbox.outbox_add(kind=kind, to="Ana@Example.org", key=key, params={}, **routing)
        return sorted(
            (row.channel, row.to_email, row.to_phone)
            for row in OutboxMessage.objects.filter(key__endswith=key)
        )

    text = ("text", "", "+12025550143")
    email = ("email", "ana@example.org", "")
    # Both: the email, and the text under the email's key prefixed "text:".
    assert channels("meeting.reminder", "k1", text_to="+12025550143") == [email, text]
    assert OutboxMessage.objects.filter(key="text:k1").exists()
    # Texts only: the text keeps the address its email goes to if the number is refused.
    only = channels("meeting.reminder", "k2", text_to="+12025550143", by_email=False)
    assert only == [("text", "ana@example.org", "+12025550143")]
    # A kind without a text version goes by email even to a person who chose texts only.
    assert channels("meeting.needs", "k3", text_to="+12025550143", by_email=False) == [email]
    # So does everything on a site without a text provider.
    settings.DIALOGUE_HUB_SMS_URL = ""
    assert channels("meeting.reminder", "k4", text_to="+12025550143", by_email=False) == [email]
