"""The last backup, as deploy/backup.sh recorded it (README: Backups).

After each dump that wrote and read back whole, the script writes `latest.json` next to the
dumps: `{"time": "2026-12-05T03:00:04Z", "file": "dialogue-20261205T030001Z.dump", "size": 81234}`.
A failed run leaves it as it was, so its age is how long the site has gone without a backup.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

MARKER = "latest.json"


def last_backup() -> dict | None:
    """{"time": aware datetime, "file": the dump's name, "size": bytes} of the newest backup in
    DIALOGUE_HUB_BACKUP_DIR, or None when unknown: no folder configured, no backup yet, or a
    marker that does not read (logged)."""
    folder = settings.DIALOGUE_HUB_BACKUP_DIR
    if not folder:
        return None
    path = Path(folder) / MARKER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        logger.warning("Backups: %s does not read: %s", path, error)
        return None
    try:
        time = datetime.fromisoformat(data["time"])
        file, size = str(data["file"]), int(data["size"])
    except (TypeError, KeyError, ValueError) as error:
        logger.warning("Backups: %s is not a backup marker: %r", path, error)
        return None
    if time.tzinfo is None:
        logger.warning("Backups: %s gives a time without its zone: %s", path, data["time"])
        return None
    return {"time": time, "file": file, "size": size}
