"""The suite-wide log check (tests/log_check.py, installed by tests/conftest.py) bites: a real
token that got past the redaction into a log line is caught, and the test that logged it would
fail; the same line through the production formatter holds nothing to catch."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from dialogue_hub import logs, outbox, shortlinks
from guides.calendars import participant_feed_token
from participants.services.registration import CONFIRM_SALT, GUARDIAN_SALT, MANAGE_SALT, make_token

from ..conftest import leak_check
from ..factories import ParticipantFactory
from ..log_check import leaks_in, salts

logger = logging.getLogger("tests.log_check")


@pytest.fixture
def unredacted(monkeypatch):
    """The production formatter with its redaction broken, as a bug would break it."""
    monkeypatch.setattr(logs, "redact", lambda text: text)


def test_the_check_knows_every_salt_the_links_are_signed_with():
    found = salts()
    for salt in (
        MANAGE_SALT,
        CONFIRM_SALT,
        GUARDIAN_SALT,
        outbox.UNSUBSCRIBE_SALT,
        "guides.calendar.participant",
        "guides.calendar.staff",
        "account",
    ):
        assert salt in found, salt


@pytest.mark.django_db
def test_a_real_token_logged_past_the_redaction_is_caught(unredacted):
    participant = ParticipantFactory()
    manage = make_token(participant, MANAGE_SALT)
    guardian = make_token(participant, GUARDIAN_SALT)
    feed = participant_feed_token(participant)
    unsubscribe = outbox.unsubscribe_token(
        email=participant.email, category="reminders", language="en"
    )
    code = shortlinks.code_for("/registration/x/")  # recorded as the tests make it
    check = leak_check()
    check.take()

    logger.warning("Opened /registration/%s/ and /guardian/%s/", manage, guardian)
    logger.warning("feed %s, unsubscribe %s", feed, unsubscribe)
    logger.warning("short link %s", code)
    logger.warning("a look-alike that is no token: abcdefghij:1vAbCd:%s", "x" * 43)

    found = [leak for leak, _line in check.take()]  # taken: this test itself passes
    assert len(found) == 5, found
    assert any(manage in leak and "MANAGE_SALT" in leak for leak in found)
    assert any(guardian in leak and "GUARDIAN_SALT" in leak for leak in found)
    assert any(feed in leak for leak in found)
    assert any(unsubscribe in leak for leak in found)
    assert any(leak == f"short-link code: {code}" for leak in found)


@pytest.mark.django_db
def test_the_same_lines_through_the_production_formatter_leak_nothing():
    participant = ParticipantFactory()
    manage = make_token(participant, MANAGE_SALT)
    assert leaks_in(f"/registration/{manage}/")  # the check sees the raw token …
    check = leak_check()
    check.take()
    logger.warning("Opened /registration/%s/ and token %s", manage, manage)
    assert check.take() == []  # … and nothing in the redacted line


def test_a_leaking_test_fails_the_run(tmp_path):
    """A test that logs a real token (its redaction broken) fails under tests/conftest.py's
    check, in a pytest run of its own (the probe's name keeps it out of the suite's runs)."""
    probe = Path(settings.BASE_DIR) / "tests" / "dialogue_hub" / f"leak_probe_{tmp_path.name}.py"
    probe.write_text(
        "import logging\n"
        "from django.core import signing\n"
        "from dialogue_hub import logs\n\n\n"
        "def test_logs_a_token(monkeypatch):\n"
        "    monkeypatch.setattr(logs, 'redact', lambda text: text)\n"
        "    token = signing.dumps({'p': 'abc'}, salt='participants.manage', compress=True)\n"
        "    logging.getLogger('x').warning('link /registration/%s/', token)\n"
    )
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST_") and k not in ("DATABASE_URL", "REDIS_URL", "CI")
    }
    try:
        run = subprocess.run(  # noqa: S603 (our own interpreter and test)
            [
                sys.executable,
                "-m",
                "pytest",
                str(probe),
                "-q",
                "-p",
                "no:randomly",
                "-p",
                "no:cacheprovider",
            ],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env=environ,
        )
    finally:
        probe.unlink()
    assert run.returncode != 0, run.stdout
    assert "Log lines hold private-link secrets" in run.stdout, run.stdout
    assert "1 passed, 1 error" in run.stdout, run.stdout
