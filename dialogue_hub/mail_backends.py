"""The local outbox folder used by `make run`: one file per message, named so the newest
sorts last, whatever how many messages a worker sends over one connection."""

import os
import uuid

from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.utils import timezone


class OneFilePerMessageBackend(FileBackend):
    def open(self):
        # Files are opened per message in send_messages; an explicit open() (a sender
        # keeping one connection for a batch) must not create an empty file.
        if self._fname is None:
            return False
        return super().open()

    def send_messages(self, email_messages):
        sent = 0
        for message in email_messages:
            self.close()
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
            kind = message.extra_headers.get("X-Dialogue-Hub-Kind", "email").replace("/", "-")
            self._fname = os.path.join(self.file_path, f"{stamp}-{kind}-{uuid.uuid4().hex[:6]}.log")
            sent += super().send_messages([message])
        self.close()
        self._fname = None
        return sent
