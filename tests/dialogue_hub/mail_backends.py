"""Mail backends that fail the way real mail servers do, for the outbox tests."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FlakyBackend(LocmemBackend):
    """Raises `FlakyBackend.error` for every message while it is set; otherwise delivers
    to django.core.mail.outbox like the locmem backend."""

    error: Exception | None = None

    def send_messages(self, messages):
        if FlakyBackend.error is not None:
            raise FlakyBackend.error
        return super().send_messages(messages)


def disconnected():
    return smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def mailbox_unknown(address):
    return smtplib.SMTPRecipientsRefused({address: (550, b"5.1.1 No such mailbox")})


def try_later(address):
    return smtplib.SMTPRecipientsRefused({address: (451, b"4.7.1 Greylisted, try later")})


class CountingBackend(LocmemBackend):
    """Behaves like the SMTP backend about connections: send_messages opens one if none is
    open and closes only what it opened. Counts the connections made."""

    connections = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_open = False

    def open(self):
        if self.is_open:
            return False
        self.is_open = True
        CountingBackend.connections += 1
        return True

    def close(self):
        self.is_open = False

    def send_messages(self, messages):
        created = self.open()
        try:
            return super().send_messages(messages)
        finally:
            if created:
                self.close()


class WatchingBackend(LocmemBackend):
    """Delivers like the locmem backend and notes, as each message goes, how many outbox rows
    the database already says are sent (what a worker killed at that moment would leave)."""

    recorded_before_each: list[int] = []

    def send_messages(self, messages):
        from dialogue_hub.models import OutboxMessage, OutboxStatus

        for _message in messages:
            sent = OutboxMessage.objects.filter(status=OutboxStatus.SENT).count()
            WatchingBackend.recorded_before_each.append(sent)
        return super().send_messages(messages)


class CrashingBackend(WatchingBackend):
    """Delivers `crash_after` messages, then raises what no mail server raises (a bug, a time
    limit): the batch stops there."""

    crash_after = 0

    def send_messages(self, messages):
        if len(WatchingBackend.recorded_before_each) >= CrashingBackend.crash_after:
            raise RuntimeError("the worker stopped mid-batch")
        return super().send_messages(messages)


class SlowBackend(LocmemBackend):
    """A mail server slow enough for the rest of the world to move on while a message is on its
    way: `while_sending` (run once, as the first message goes) is what happens meanwhile (the
    lease runs out, the relay takes the claim back, another worker claims or sends the row);
    then that slow message is delivered like the locmem backend, or `error` is raised for it.
    Messages sent meanwhile (by another worker) are delivered at once."""

    while_sending = None
    error: Exception | None = None

    def send_messages(self, messages):
        meanwhile, SlowBackend.while_sending = SlowBackend.while_sending, None
        if meanwhile is not None:
            meanwhile()
            if SlowBackend.error is not None:
                raise SlowBackend.error
        return super().send_messages(messages)
