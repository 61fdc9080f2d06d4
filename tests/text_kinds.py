"""A kind of message with a text version, for the tests and the benchmark that send texts
through a real worker (tests/test_texts_worker.py, bench/texts.py) while no kind of the
project's apps has one on this branch.

The kind is registered on import, so a Celery worker loads it with `--include
tests.text_kinds`; a test process calls `install()` in a fixture and `uninstall()` after it
(other tests check that the registered kinds are exactly the project's). Its text template is
tests/templates/texts/test_reminder.txt; its email version (for a refused number) reuses an
email template of the project.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from django.template import engines

from dialogue_hub import outbox
from participants.models import Participant

KIND = "test.text_reminder"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def prefetch(rows) -> dict:
    """The batch's participants in one query, as the project's kinds do."""
    ids = {row.params.get("participant") for row in rows}
    return {p.pk: p for p in Participant.objects.filter(pk__in=ids).select_related("initiative")}


def build(row) -> outbox.Built:
    cache = getattr(row, "prefetched", None)
    pk = row.params.get("participant")
    participant = cache.get(pk) if cache is not None else Participant.objects.filter(pk=pk).first()
    if participant is None:
        raise outbox.Stale("The participant is gone.")
    url = f"https://dialogue.example.org/p/{participant.pk}"
    return outbox.Built(
        template="participant_promoted",
        context={
            "participant": participant,
            "initiative": participant.initiative,
            "manage_url": url,
            "url": url,
        },
    )


def install() -> None:
    dirs = engines["text"].engine.dirs
    if str(TEMPLATES) not in map(str, dirs):
        dirs.append(TEMPLATES)
    outbox.register(
        KIND,
        label="Test text reminder",
        category="reminders",
        build=build,
        prefetch=prefetch,
        text="test_reminder",
    )


def uninstall() -> None:
    outbox.KINDS.pop(KIND, None)
    dirs = engines["text"].engine.dirs
    dirs[:] = [d for d in dirs if str(d) != str(TEMPLATES)]


def daytime_zone(now: datetime | None = None) -> str:
    """A time zone where it is about noon now, so no text is held for quiet hours (21:00–08:00)
    whenever the test runs. (Etc/GMT zones count their sign the other way round.)"""
    hour = (now or datetime.now(UTC)).hour
    offset = 12 - hour  # -11 … +12
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


install()
