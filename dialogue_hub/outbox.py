"""The outbox: every email and text message is a database row first, and a Celery task second.

How a message travels:

1. A service calls `outbox_add()` (one message) or `outbox_add_many()` (a sweep) inside its
   own transaction. The row commits together with the data that made it necessary, or not
   at all. Its unique `key` (kind, object, recipient and, for reminders, the time of the event)
   makes a second row for the same message impossible.
2. After the commit the ids are handed to the broker (`publish`). When the broker is down
   this fails fast and quietly: the page answers, the row waits.
3. `outbox_relay()` (Celery beat, every minute) hands over due rows that were never handed
   over or were handed over long ago, and takes back claims of workers that died.
4. The worker's `outbox_send` task claims its rows atomically (pending → sending), builds
   each message from the database in the recipient's language and sends the batch over the
   worker process's SMTP connection, held open across batches; the rows the server accepted
   are marked sent a few at a time (dialogue_hub/outbox_email.py). A transient
   error puts the row back with a growing delay; after DIALOGUE_HUB_OUTBOX_MAX_ATTEMPTS it
   ends as failed, where organizers see it and can resend it.

A text message (dialogue_hub/texts.py) is a row like an email, with `channel="text"` and the
number in `to_phone`: a caller gives `text_to=` (and `by_email=False` for a person who wants
texts only) and the outbox writes the text's row beside (or instead of) the email's, under the
email's key prefixed "text:". Its kind says which template words it (`register(text=…)`). So a
text has every guarantee an email has; on top, it is held through quiet hours, never sent to a
number that answered STOP, and, when the provider refuses the number, its email goes instead.

Messages are rendered when they are sent, not when they are queued, so a reminder always
shows the meeting as it is now, and a builder that finds its message no longer applies (the
meeting moved, the person withdrew) raises `Stale` and the row ends as cancelled. Each app
registers the kinds it sends in its AppConfig.ready() (apps depend one way; this module
imports none of them).
"""

from __future__ import annotations

import hashlib
import logging
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from . import texts
from .emails import absolute_url, payload_to_message, render_email
from .models import EmailPreference, OutboxChannel, OutboxMessage, OutboxStatus

# The organizer's Messages page reads these; callers know them as outbox.<name>.
from .outbox_page import failed_count, messages_for, status_counts  # noqa: F401

logger = logging.getLogger(__name__)

# Non-essential kinds belong to a category a person can turn off. Essential kinds
# (category None: confirmations, guardian consent, cancellations…) always go.
CATEGORIES = {
    "reminders": _("Meeting reminders"),
    "nudges": _("Reminders to write up session notes"),
    "milestones": _("Action team milestone reminders"),
    "digest": _("Weekly digest for coalition leads"),
    "alerts": _("Alerts for organizers"),
    "surveys": _("Evaluation survey reminders and after-session feedback requests"),
}

UNSUBSCRIBE_SALT = "dialogue_hub.unsubscribe"
PREFERENCE_HASH_SALT = "dialogue_hub.email-preference"


class Stale(Exception):
    """The message no longer applies (the meeting moved or was cancelled, the person left)."""


@dataclass
class Built:
    """What a kind's builder returns: the template and its context, plus any attachments
    as (filename, content, mimetype)."""

    template: str
    context: dict
    attachments: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    category: str | None
    build: Callable[[OutboxMessage], Built] | None
    on_sent: Callable[[OutboxMessage], None] | None = None
    # Loads what a batch of this kind needs in a few queries (set as `message.prefetched`,
    # which the builder reads instead of querying per message).
    prefetch: Callable[[list[OutboxMessage]], dict] | None = None
    # The text version's template (templates/texts/<text>.txt), for kinds a person may get by
    # text; None: email only.
    text: str | None = None

    @property
    def essential(self) -> bool:
        return self.category is None


KINDS: dict[str, Kind] = {}
# Extra steps a higher app adds to a lower app's kind (e.g. guides adds the .ics of a
# participant's meetings to the participants app's confirmation email).
EXTENSIONS: dict[str, list[Callable[[OutboxMessage, Built], None]]] = {}


def register(
    name: str,
    *,
    label,
    category: str | None = None,
    build: Callable[[OutboxMessage], Built] | None = None,
    on_sent: Callable[[OutboxMessage], None] | None = None,
    prefetch: Callable[[list[OutboxMessage]], dict] | None = None,
    text: str | None = None,
) -> None:
    """Declare a kind of email. `build(message)` loads what it needs from `message.params`
    and returns a `Built`, or raises `Stale`. Without a builder the message must carry a
    pre-rendered `payload`. `text`: the template of its text message version, rendered with
    the builder's context (templates/texts/<text>.txt)."""
    if text is not None and build is None:
        raise ValueError(f"{name}: a kind sent by text needs a builder")
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"Unknown email category {category!r}")
    KINDS[name] = Kind(
        name=name,
        label=label,
        category=category,
        build=build,
        on_sent=on_sent,
        prefetch=prefetch,
        text=text,
    )


def extend(name: str, step: Callable[[OutboxMessage, Built], None]) -> None:
    EXTENSIONS.setdefault(name, []).append(step)


def kind_label(name: str) -> str:
    kind = KINDS.get(name)
    return str(kind.label) if kind else name


register("account", label=_("Account email (sign-up, password)"))


# --- preferences --------------------------------------------------------------------------------


def normalize(email: str) -> str:
    return (email or "").strip().lower()


def address_hash(email: str) -> str:
    return salted_hmac(PREFERENCE_HASH_SALT, normalize(email), algorithm="sha256").hexdigest()


def opted_out_categories(email: str) -> set[str]:
    row = EmailPreference.objects.filter(address_hash=address_hash(email)).first()
    return set(row.opted_out) if row else set()


@transaction.atomic
def preferences_set(*, address: str, opted_out: Iterable[str]) -> EmailPreference:
    """`address` is a hash (from an unsubscribe link) or a plain email address."""
    digest = address if "@" not in address else address_hash(address)
    wanted = sorted({c for c in opted_out if c in CATEGORIES})
    row, _created = EmailPreference.objects.select_for_update().get_or_create(
        address_hash=digest, defaults={"opted_out": wanted}
    )
    if row.opted_out != wanted:
        row.opted_out = wanted
        row.save(update_fields=["opted_out", "updated_at"])
    return row


def preferences_wanted(*, address: str, wanted: Iterable[str]) -> EmailPreference:
    """Keep the categories in `wanted` for `address` and turn the others off (the preferences
    page's form, from an email's link or signed in)."""
    chosen = set(wanted)
    return preferences_set(address=address, opted_out={c for c in CATEGORIES if c not in chosen})


@transaction.atomic
def account_preferences_set(*, user, wanted: Iterable[str], language: str) -> None:
    """A signed-in user's own email choices: the categories they want and the language their
    emails are written in."""
    preferences_wanted(address=user.email, wanted=wanted)
    if language != user.preferred_language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


def preferences_for_hash(digest: str) -> set[str]:
    row = EmailPreference.objects.filter(address_hash=digest).first()
    return set(row.opted_out) if row else set()


def unsubscribe_token(*, email: str, category: str, language: str) -> str:
    return signing.dumps(
        {"h": address_hash(email), "c": category, "l": language}, salt=UNSUBSCRIBE_SALT
    )


def read_unsubscribe_token(token: str) -> dict:
    """Raises signing.BadSignature for a tampered link. Links do not expire: an old email's
    unsubscribe link must keep working."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or not isinstance(data.get("h"), str):
        raise signing.BadSignature("malformed")
    return data


def unsubscribe_urls(*, email: str, category: str, language: str) -> tuple[str, str]:
    """(the preferences page for the email's footer, the one-click address for the header)."""
    token = unsubscribe_token(email=email, category=category, language=language)
    return (
        absolute_url(reverse("email_preferences", kwargs={"token": token})),
        absolute_url(reverse("email_unsubscribe", kwargs={"token": token})),
    )


# --- adding messages ---------------------------------------------------------------------------


def new_key(kind: str) -> str:
    """A key for a one-off message (a link someone asked for): never the same twice."""
    return f"{kind}:{uuid.uuid4().hex}"


TEXT_KEY_PREFIX = "text:"


def text_key(key: str) -> str:
    """The key of the text message version of the message keyed `key`."""
    return f"{TEXT_KEY_PREFIX}{key}"[:255]


def email_key(key: str) -> str:
    """The key of the email version of a text message keyed `key` (its fallback)."""
    return key.removeprefix(TEXT_KEY_PREFIX)


def _rows(
    *,
    kind: str,
    to: str,
    key: str | None = None,
    initiative=None,
    language: str = "",
    params: dict | None = None,
    payload: dict | None = None,
    scheduled_for: datetime | None = None,
    send_after: datetime | None = None,
    text_to: str = "",
    by_email: bool = True,
) -> list[OutboxMessage]:
    """The rows of one message: its email (to `to`, unless `by_email` is False) and, when
    `text_to` is a number and the kind has a text version, its text. A text-only row keeps
    `to` as the address its email goes to if the provider refuses the number. A message that
    cannot go by text (its kind has no text version, or no provider is set up) goes by email
    even to a person who chose texts only: nobody misses a message for their choice of
    channel. Rows without an address are left out."""
    if kind not in KINDS:
        raise ValueError(f"Unknown email kind {kind!r}; register it first")
    if payload is None and KINDS[kind].build is None:
        raise ValueError(f"{kind} has no builder, so it needs a rendered payload")
    key = (key or new_key(kind))[:255]
    common = dict(
        initiative=initiative,
        kind=kind,
        language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
        params=params or {},
        scheduled_for=scheduled_for,
        send_after=send_after or timezone.now(),
    )
    rows = []
    email = normalize(to)
    by_email, by_text = _channels(kind, email, text_to, by_email)
    if by_email:
        rows.append(OutboxMessage(key=key, to_email=email, payload=payload, **common))
    if by_text:
        fallback = "" if (email and by_email) else email
        rows.append(
            OutboxMessage(
                key=text_key(key),
                channel=OutboxChannel.TEXT,
                to_phone=text_to,
                to_email=fallback,
                **common,
            )
        )
    return rows


def _channels(kind: str, email: str, text_to: str, by_email: bool) -> tuple[bool, bool]:
    """(an email row, a text row) for one message: see `_rows`."""
    by_text = bool(text_to) and KINDS[kind].text is not None and texts.enabled()
    return bool(email) and (by_email or not by_text), by_text


def row_keys(row: dict) -> list[str]:
    """The keys `_rows` writes for a planned row (a dict with a key), without building it:
    a planner checks which of its rows exist already."""
    by_email, by_text = _channels(
        row["kind"], normalize(row.get("to", "")), row.get("text_to", ""), row.get("by_email", True)
    )
    return [row["key"]] * by_email + [text_key(row["key"])] * by_text


def _save_once(row: OutboxMessage, *, fresh_key: bool) -> bool:
    if fresh_key:
        row.save()  # a fresh key (new_key) is never taken: no savepoint needed
        return True
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return False
    return True


def outbox_add(*, handed_over: bool = False, **kwargs) -> OutboxMessage | None:
    """Add one message in the caller's transaction; it is handed to a worker after commit.

    Returns None when there is no address, or when a message with the same key exists
    (it was already sent or is on its way); else its row (the email's, when it has both an
    email and a text). Keyword arguments as in `_rows`.

    `handed_over` (for pages that must answer fast: registration) writes a due row already
    stamped as handed over, so the publish after commit needs no UPDATE of its own. A broker
    that is down un-stamps it as usual (the relay sends it at its next run); the one price is a
    process that stops between the commit and the publish: the relay then hands the row over
    after DIALOGUE_HUB_OUTBOX_REPUBLISH_SECONDS, as for a lost task, instead of at its next run.
    """
    added = []
    for row in _rows(**kwargs):
        due = row.send_after <= timezone.now()
        if handed_over and due:
            row.enqueued_at = timezone.now()
        if _save_once(row, fresh_key=not kwargs.get("key")):
            added.append(row)
            if due:
                publish_on_commit([row.pk], stamped=handed_over)
    return added[0] if added else None


# PostgreSQL advisory lock id (any constant): bulk additions take turns, so two sweeps
# running at once never both count (or both try to insert) the same rows.
SWEEP_LOCK_ID = 0x0D1A_0600


def _one_sweep_at_a_time() -> None:
    """Hold the sweep lock until the transaction ends (SQLite already serializes writers)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SWEEP_LOCK_ID])


def outbox_add_many(rows: list[dict]) -> int:
    """Add many messages at once (a sweep); rows whose key exists are left alone.

    Returns how many were new. Due ones are handed to workers after commit.
    """
    by_key: dict[str, OutboxMessage] = {}
    for row in (built for spec in rows for built in _rows(**spec)):
        if row.key not in by_key:  # one row per key: the first
            by_key[row.key] = row
    built = list(by_key.values())
    if not built:
        return 0
    due: list[int] = []
    added = 0
    with transaction.atomic():
        _one_sweep_at_a_time()
        for start in range(0, len(built), 500):  # stay under the database's parameter limit
            chunk = built[start : start + 500]
            existing = set(
                OutboxMessage.objects.filter(key__in=[row.key for row in chunk]).values_list(
                    "key", flat=True
                )
            )
            fresh = [row for row in chunk if row.key not in existing]
            if not fresh:
                continue
            # ignore_conflicts: a one-off outbox_add() may still race us for a key.
            OutboxMessage.objects.bulk_create(fresh, ignore_conflicts=True)
            added += len(fresh)
            due += OutboxMessage.objects.filter(
                key__in=[row.key for row in fresh],
                status=OutboxStatus.PENDING,
                send_after__lte=timezone.now(),
                enqueued_at__isnull=True,
            ).values_list("pk", flat=True)
    publish_on_commit(due)
    return added


def outbox_cancel(*, queryset, reason: str) -> int:
    """Cancel messages that no longer apply, before a worker picks them up."""
    return queryset.filter(status=OutboxStatus.PENDING).update(
        status=OutboxStatus.CANCELLED, last_error=reason[:500], updated_at=timezone.now()
    )


def outbox_forget(
    *,
    initiative,
    emails: Iterable[str],
    params_match: dict | None = None,
    numbers: Iterable[str] = (),
) -> int:
    """Delete messages to these addresses (and texts to these numbers) in one initiative (a
    person's data was erased, or they removed their number).

    With `params_match`, only messages whose params contain it (e.g. one child's guardian
    emails, when the guardian may have another child registered).
    """
    addresses = [normalize(e) for e in emails if e]
    numbers = [n for n in numbers if n]
    if not addresses and not numbers:
        return 0
    queryset = OutboxMessage.objects.filter(
        Q(to_email__in=addresses) | Q(to_phone__in=numbers), initiative=initiative
    )
    if params_match:
        queryset = queryset.filter(**{f"params__{k}": v for k, v in params_match.items()})
    deleted, _by_model = queryset.delete()
    return deleted


def outbox_purge_old(*, now: datetime | None = None) -> int:
    """Delete finished messages (sent, cancelled, skipped) older than the retention period:
    they hold addresses we no longer need. Failed ones stay until someone resends them."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DIALOGUE_HUB_OUTBOX_KEEP_DAYS)
    deleted, _by_model = OutboxMessage.objects.filter(
        status__in=[OutboxStatus.SENT, OutboxStatus.CANCELLED, OutboxStatus.SKIPPED],
        updated_at__lt=cutoff,
    ).delete()
    return deleted


# --- handing over to the broker ----------------------------------------------------------------


def _batches(ids: list[int]) -> Iterable[list[int]]:
    size = settings.DIALOGUE_HUB_OUTBOX_BATCH_SIZE
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _broker_breaker(app):
    """The circuit breaker of a Redis broker (dialogue_hub/cache_backends.py), shared with the
    caches on the same server; None for other brokers and eager tasks."""
    url = app.conf.broker_url or ""
    if app.conf.task_always_eager or not url.startswith(("redis://", "rediss://")):
        return None
    from .cache_backends import breaker_for

    return breaker_for(url)


def publish(ids: list[int], *, stamped: bool = False) -> bool:
    """Hand message ids to the broker. Never raises and never waits long: when the broker is
    unreachable the rows stay pending and the relay hands them over later. `stamped`: the
    rows were written already stamped as handed over (outbox_add(handed_over=True))."""
    from .tasks import outbox_send  # tasks import this module

    if not ids:
        return True
    ids = list(ids)
    if not stamped:
        # Stamp first: a worker may finish (or put a message back for a retry) before
        # apply_async returns, and its state must not be overwritten afterwards.
        OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.PENDING).update(
            enqueued_at=timezone.now()
        )
    published = 0
    breaker = _broker_breaker(outbox_send.app)
    try:
        if breaker is not None and breaker.is_open:
            # Redis failed a moment ago (a cache call or a publish): don't wait for it again.
            raise ConnectionError(f"Redis at {breaker.server} was unreachable moments ago")
        for batch in _batches(ids):
            outbox_send.apply_async(args=[batch], retry=False)
            published += len(batch)
        if breaker is not None:
            breaker.succeeded()
    except Exception as exc:  # the broker is down or misconfigured; the relay will retry
        if outbox_send.app.conf.task_always_eager:
            raise  # eager (unit tests): this is the task itself failing, a bug to see
        if breaker is not None and not breaker.is_open:
            breaker.trip(exc)
        logger.warning(
            "Broker unreachable (%s); %d emails wait for the relay.", exc, len(ids) - published
        )
        OutboxMessage.objects.filter(pk__in=ids[published:], status=OutboxStatus.PENDING).update(
            enqueued_at=None
        )
        return False
    return True


def publish_on_commit(ids: list[int], *, stamped: bool = False) -> None:
    if ids:
        ids = list(ids)
        transaction.on_commit(lambda: publish(ids, stamped=stamped))


def outbox_relay(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Hand due messages to workers: those never handed over (the broker was down), those
    handed over long ago and still not sent (the task was lost), and those a dead worker
    had claimed. Returns how many were handed over."""
    now = now or timezone.now()
    max_attempts = settings.DIALOGUE_HUB_OUTBOX_MAX_ATTEMPTS
    lease = timedelta(seconds=settings.DIALOGUE_HUB_OUTBOX_LEASE_SECONDS)
    dead = OutboxMessage.objects.filter(status=OutboxStatus.SENDING, claimed_at__lt=now - lease)
    dead.filter(attempts__gte=max_attempts).update(
        status=OutboxStatus.FAILED,
        last_error="The sending worker stopped every time it tried this message.",
        updated_at=now,
    )
    reclaimed = dead.update(status=OutboxStatus.PENDING, enqueued_at=None, updated_at=now)
    if reclaimed:
        logger.warning("Outbox: %d messages claimed by a stopped worker go out again.", reclaimed)
    republish_before = now - timedelta(seconds=settings.DIALOGUE_HUB_OUTBOX_REPUBLISH_SECONDS)
    due = (
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, send_after__lte=now)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=republish_before))
        .order_by("send_after", "pk")
        .values_list("pk", flat=True)
    )
    ids = list(due[:limit] if limit else due)
    handed = 0
    for batch in _batches(ids):
        if not publish(batch):
            break
        handed += len(batch)
    return handed


# --- sending -----------------------------------------------------------------------------------


def _claim(ids: list[int], now: datetime) -> list[int]:
    with transaction.atomic():
        claimable = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, status=OutboxStatus.PENDING, send_after__lte=now)
            .values_list("pk", flat=True)
        )
        if claimable:
            OutboxMessage.objects.filter(pk__in=claimable).update(
                status=OutboxStatus.SENDING,
                claimed_at=now,
                attempts=F("attempts") + 1,
                updated_at=now,
            )
    return claimable


def _message_id(row: OutboxMessage) -> str:
    """The same Message-ID every time a row is sent, so a rare second delivery (a worker
    killed between sending and recording it) is recognisably the same message."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "dialoguehub.local"
    digest = hashlib.sha256(row.key.encode()).hexdigest()[:16]
    return f"<dh-{row.pk}-{digest}@{domain}>"


def render(row: OutboxMessage, kind: Kind):
    """The message for one row (raises Stale when it no longer applies)."""
    headers = {"Message-ID": _message_id(row), "X-Dialogue-Hub-Kind": row.kind}
    if kind.build is None:
        message = payload_to_message(row.payload)
        message.extra_headers.update(headers)
        return message
    built = kind.build(row)
    for step in EXTENSIONS.get(row.kind, []):
        step(row, built)
    context = {**built.context}
    if kind.category:
        page, one_click = unsubscribe_urls(
            email=row.to_email, category=kind.category, language=row.language
        )
        with translation.override(row.language):
            context["unsubscribe_url"] = page
            context["unsubscribe_label"] = str(CATEGORIES[kind.category])
        headers["List-Unsubscribe"] = f"<{one_click}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = render_email(
        template=built.template, context=context, to=row.to_email, language=row.language
    )
    message.extra_headers.update(headers)
    for filename, content, mimetype in built.attachments:
        message.attach(filename, content, mimetype)
    return message


def _backoff_seconds(attempts: int) -> int:
    base = settings.DIALOGUE_HUB_OUTBOX_RETRY_SECONDS
    delay = min(base * 2 ** max(attempts - 1, 0), 3600)
    return int(delay + random.uniform(0, delay / 4))  # noqa: S311 (jitter, not security)


def _finish(row: OutboxMessage, status: str, *, error: str = "", **fields) -> None:
    """Record the outcome of this worker's claim of `row`. A worker slower than the lease
    finds its claim taken back: the row is pending again, or another worker's claim (its own
    `claimed_at`), or finished by that worker. Then this changes nothing."""
    OutboxMessage.objects.filter(
        pk=row.pk, status=OutboxStatus.SENDING, claimed_at=row.claimed_at
    ).update(status=status, last_error=error[:500], updated_at=timezone.now(), **fields)


def _retry_later(row: OutboxMessage, exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"
    if row.attempts >= settings.DIALOGUE_HUB_OUTBOX_MAX_ATTEMPTS:
        logger.error("Outbox: giving up on %s after %d attempts: %s", row, row.attempts, error)
        _finish(row, OutboxStatus.FAILED, error=error)
        return
    delay = _backoff_seconds(row.attempts)
    logger.warning("Outbox: %s failed (%s); trying again in %ss.", row, error, delay)
    _finish(
        row,
        OutboxStatus.PENDING,
        error=error,
        send_after=timezone.now() + timedelta(seconds=delay),
        enqueued_at=None,
    )


def send_batch(ids: list[int]) -> dict[str, int]:
    """Claim, build and send these messages (the emails over one mail connection:
    dialogue_hub/outbox_email.py). Safe to run twice for the same ids: only one run can claim
    a row."""
    now = timezone.now()
    claimed = _claim(list(ids), now)
    outcome = {"sent": 0, "retry": 0, "failed": 0, "cancelled": 0, "skipped": 0}
    if not claimed:
        return outcome
    everything = list(
        OutboxMessage.objects.filter(pk__in=claimed).select_related("initiative").order_by("pk")
    )
    by_kind: dict[str, list[OutboxMessage]] = {}
    for row in everything:
        by_kind.setdefault(row.kind, []).append(row)
    for name, group in by_kind.items():
        kind = KINDS.get(name)
        if kind is not None and kind.prefetch is not None:
            cache = kind.prefetch(group)
            for row in group:
                row.prefetched = cache
    rows = [row for row in everything if row.channel == OutboxChannel.EMAIL]
    text_rows = [row for row in everything if row.channel == OutboxChannel.TEXT]
    if rows:
        from .outbox_email import send_emails  # noqa: PLC0415 — it builds on this module

        send_emails(rows, outcome)
    if text_rows:
        from .outbox_texts import send_texts  # noqa: PLC0415 — it builds on this module

        send_texts(text_rows, outcome, now)
    return outcome


def _after_sent(row: OutboxMessage, kind: Kind) -> None:
    if kind.on_sent is not None:
        try:
            kind.on_sent(row)
        except Exception:  # the message went; a bookkeeping bug must not stall the batch
            logger.exception("Outbox: after-send step of %s failed", row)


# --- the organizer's Messages page (its reads are in outbox_page.py) ---------------------------


@transaction.atomic
def outbox_resend(*, initiative, ids: Iterable[int] | None = None, channel: str = "") -> int:
    """Give failed messages of one initiative (all, the ones in `ids`, or those of one channel)
    a fresh start. A text starts as if never tried: no segments, encoding or provider id from
    before (a failed text has none; the row says only what its next try does). A text to a number
    that has answered STOP since is skipped when its turn comes, never sent."""
    queryset = OutboxMessage.objects.filter(initiative=initiative, status=OutboxStatus.FAILED)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    if channel:
        queryset = queryset.filter(channel=channel)
    chosen = list(queryset.values_list("pk", flat=True))
    OutboxMessage.objects.filter(pk__in=chosen).update(
        status=OutboxStatus.PENDING,
        attempts=0,
        send_after=timezone.now(),
        enqueued_at=None,
        claimed_at=None,
        sent_at=None,
        last_error="",
        segments=None,
        encoding="",
        provider_ref="",
        updated_at=timezone.now(),
    )
    publish_on_commit(chosen)
    return len(chosen)
