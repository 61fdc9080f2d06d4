"""last_backup(): the newest backup as deploy/backup.sh's latest.json records it, or None when
that is unknown (dialogue_hub/backups.py; README: Backups)."""

import json
import logging
from datetime import UTC, datetime

import pytest

from dialogue_hub.backups import last_backup

MARKER = {"time": "2026-12-05T03:00:04Z", "file": "dialogue-20261205T030001Z.dump", "size": 812345}


@pytest.fixture
def folder(tmp_path, settings):
    settings.DIALOGUE_HUB_BACKUP_DIR = str(tmp_path)
    return tmp_path


def test_the_marker_gives_the_time_file_and_size(folder):
    (folder / "latest.json").write_text(json.dumps(MARKER))
    assert last_backup() == {
        "time": datetime(2026, 12, 5, 3, 0, 4, tzinfo=UTC),
        "file": "dialogue-20261205T030001Z.dump",
        "size": 812345,
    }


def test_unknown_without_a_folder_or_before_the_first_backup(folder, settings):
    assert last_backup() is None  # the folder is there, no backup yet
    settings.DIALOGUE_HUB_BACKUP_DIR = str(folder / "not-mounted")
    assert last_backup() is None
    settings.DIALOGUE_HUB_BACKUP_DIR = ""
    (folder / "latest.json").write_text(json.dumps(MARKER))
    assert last_backup() is None  # not configured: never guessed


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[]",
        json.dumps({**MARKER, "time": "yesterday"}),
        json.dumps({**MARKER, "time": "2026-12-05T03:00:04"}),  # no zone: not a time we wrote
        json.dumps({"time": MARKER["time"], "file": MARKER["file"]}),
        json.dumps({**MARKER, "size": "big"}),
    ],
)
def test_a_marker_that_does_not_read_is_unknown_and_logged(folder, caplog, text):
    (folder / "latest.json").write_text(text)
    with caplog.at_level(logging.WARNING, logger="dialogue_hub.backups"):
        assert last_backup() is None
    assert "latest.json" in caplog.text
