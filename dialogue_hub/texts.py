"""Text messages (SMS): numbers, STOP, quiet hours, segments and the providers that carry them.

A text travels through the outbox exactly like an email (dialogue_hub/outbox.py): a row with
`channel="text"` and the number in `to_phone`, written in the transaction that decided to send
it, claimed by a worker, rendered when sent from `templates/texts/<name>.txt` in the person's
language, and handed to the backend chosen by one setting, `DIALOGUE_HUB_SMS_URL`:

- `file:///path/to/folder` (the default, `var/sms/`): one file per text, for `make run`;
- `locmem://` (tests): texts collected in `dialogue_hub.texts.sent`, like mail.outbox;
- `twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B15551234567` (production), or
  `?service=MG…` for a Messaging Service; `twilio+http://…@127.0.0.1:8765` talks to a local
  server that speaks Twilio's Messages API (tests and the benchmark).

What the provider answers decides what happens to the row (`TextError`): worth retrying
(rate limited, provider down), the number is refused (failed, and its email version goes
instead where the person has an email), or the person unsubscribed at the carrier (the number
is marked stopped, as if they had answered STOP).
"""

from __future__ import annotations

import os
import threading
import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import phonenumbers
import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import TextOptOut

NUMBER_HASH_SALT = "dialogue_hub.text-opt-out"

# --- numbers -----------------------------------------------------------------------------------


class InvalidNumber(ValueError):
    pass


def normalize_number(raw: str, region: str = "US") -> str:
    """`raw` as E.164 (+15551234567), read with `region` as the default country; raises
    InvalidNumber for something that is not a possible, valid phone number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, (region or "US").upper())
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(str(exc)) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidNumber(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_number(e164: str) -> str:
    """A stored number as people write it: national format at home, international abroad."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def number_hash(e164: str) -> str:
    return salted_hmac(NUMBER_HASH_SALT, (e164 or "").strip(), algorithm="sha256").hexdigest()


# --- STOP and START ----------------------------------------------------------------------------

STOP_WORDS = {
    "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE",
    "ALTO", "PARAR", "PARE", "BAJA", "DETENER", "CANCELAR",
}  # fmt: skip
START_WORDS = {"START", "UNSTOP", "YES", "SUBSCRIBE", "COMENZAR", "INICIAR", "ALTA", "SI", "SÍ"}
HELP_WORDS = {"HELP", "INFO", "AYUDA"}
SPANISH_WORDS = {
    "ALTO", "PARAR", "PARE", "BAJA", "DETENER", "CANCELAR",
    "COMENZAR", "INICIAR", "ALTA", "SI", "SÍ", "AYUDA",
}  # fmt: skip


def keyword_of(body: str) -> tuple[str, str]:
    """("stop" | "start" | "help" | "", the word) for an incoming text: its first word,
    upper-cased, in English or Spanish."""
    words = (body or "").strip().split()
    word = words[0].strip(".!¡¿?,;:").upper() if words else ""
    if word in STOP_WORDS:
        return "stop", word
    if word in START_WORDS:
        return "start", word
    if word in HELP_WORDS:
        return "help", word
    return "", word


@transaction.atomic
def set_stopped(e164: str, *, stopped: bool, keyword: str) -> TextOptOut:
    """Record that `e164` answered STOP (or START again), and when. A STOP also ends, at once,
    every text to it still waiting in the outbox."""
    from .models import OutboxMessage, OutboxStatus  # noqa: PLC0415

    row, _created = TextOptOut.objects.select_for_update().get_or_create(
        number_hash=number_hash(e164),
        defaults={"stopped": stopped, "keyword": keyword[:16], "changed_at": timezone.now()},
    )
    if not _created:
        row.stopped, row.keyword, row.changed_at = stopped, keyword[:16], timezone.now()
        row.save(update_fields=["stopped", "keyword", "changed_at"])
    if stopped:
        from .outbox_texts import email_instead  # noqa: PLC0415 — it builds on the outbox

        waiting = list(
            OutboxMessage.objects.select_for_update(of=("self",))
            .select_related("initiative")
            .filter(channel="text", to_phone=e164, status=OutboxStatus.PENDING)
        )
        OutboxMessage.objects.filter(pk__in=[message.pk for message in waiting]).update(
            status=OutboxStatus.SKIPPED,
            last_error="The number answered STOP.",
            updated_at=timezone.now(),
        )
        for message in waiting:  # a person who chose texts only gets these by email now
            email_instead(message)
    return row


def stopped_numbers(numbers) -> set[str]:
    """Of these E.164 numbers, the ones that answered STOP (and not START since). One query."""
    hashes = {number_hash(n): n for n in set(numbers) if n}
    if not hashes:
        return set()
    found = TextOptOut.objects.filter(number_hash__in=list(hashes), stopped=True)
    return {hashes[h] for h in found.values_list("number_hash", flat=True)}


# --- quiet hours -------------------------------------------------------------------------------

QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(8, 0)


def quiet_until(when: datetime, zone_name: str) -> datetime | None:
    """None when `when` is outside quiet hours (21:00–08:00 in the time zone `zone_name`);
    otherwise the next 08:00 there, when the text may go."""
    try:
        zone = zoneinfo.ZoneInfo(zone_name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = timezone.localtime(when, zone)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=zone)


# --- segments ----------------------------------------------------------------------------------

# GSM 03.38: the basic set (one septet each) and the extension table (an escape and a septet).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    count: int
    length: int  # in the encoding's units (septets, or UTF-16 code units)


def segments(text: str) -> Segments:
    """How a provider splits `text`: GSM-7 (160 septets, 153 per part when split) when every
    character is in the GSM alphabet, else UCS-2 (70 UTF-16 units, 67 per part), as an accent
    like "á" or "ó" forces for much Spanish."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text):
        length = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    count = 1 if length <= single else -(-length // part)
    return Segments(encoding, count, length)


# --- providers ---------------------------------------------------------------------------------


class TextError(Exception):
    """The provider did not take a text. `transient`: try again later; `unsubscribed`: the
    recipient opted out at the carrier; otherwise the number is refused for good."""

    def __init__(self, reason: str, *, transient=False, unsubscribed=False, code=None):
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.unsubscribed = unsubscribed
        self.code = code


class Backend:
    """Sends texts. `open()` before a batch, `send()` per text (returns the provider's id for
    it, or raises TextError), `close()` after: one connection for the batch."""

    def __init__(self, options: dict):
        self.options = options

    def open(self) -> None:
        return None

    def send(self, *, to: str, body: str, reference: str) -> str:
        raise NotImplementedError

    def close(self) -> None:
        return None


class FileBackend(Backend):
    """One file per text in a folder (`make run` writes them to var/sms/)."""

    def send(self, *, to, body, reference):
        folder = self.options["path"]
        os.makedirs(folder, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
        ref = f"file-{uuid.uuid4().hex[:12]}"
        name = os.path.join(folder, f"{stamp}-{reference.replace('/', '-')[:40]}.txt")
        with open(name, "w", encoding="utf-8") as handle:
            handle.write(f"To: {to}\nFrom: {sender_label()}\nReference: {ref}\n\n{body}\n")
        return ref


# Texts sent by the locmem backend (tests): dicts with to, body and reference.
sent: list[dict] = []
_sent_lock = threading.Lock()


class LocmemBackend(Backend):
    def send(self, *, to, body, reference):
        ref = f"locmem-{uuid.uuid4().hex[:12]}"
        with _sent_lock:
            sent.append({"to": to, "body": body, "reference": reference, "id": ref})
        return ref


# Twilio's error codes (https://www.twilio.com/docs/api/errors) that say something about the
# recipient rather than about us.
TWILIO_UNSUBSCRIBED = {21610}
TWILIO_RETRY_CODES = {20429, 20500, 20503, 30001, 30022}


class TwilioBackend(Backend):
    """Twilio's Messages API through its official package, over one HTTP session per batch."""

    def open(self):
        from twilio.http.http_client import TwilioHttpClient  # noqa: PLC0415
        from twilio.rest import Client  # noqa: PLC0415

        if getattr(self, "client", None) is not None:
            return
        http = TwilioHttpClient(timeout=self.options.get("timeout", 10), max_retries=0)
        self.client = Client(self.options["sid"], self.options["token"], http_client=http)
        if self.options.get("base_url"):
            self.client.api.base_url = self.options["base_url"]
        # The environment's proxy and CA bundle, read once for the batch rather than by
        # requests on every text (a fifth of the package's cost per text).
        base_url = self.client.api.base_url
        http.proxy = requests.utils.get_environ_proxies(base_url) or None
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            http.session.verify = bundle
        http.session.trust_env = False
        self.messages = self.client.api.v2010.account.messages

    def send(self, *, to, body, reference):
        from requests import RequestException  # noqa: PLC0415
        from twilio.base.exceptions import TwilioException, TwilioRestException  # noqa: PLC0415

        self.open()
        sender = {"from_": self.options["from"]} if self.options.get("from") else {}
        if self.options.get("service"):
            sender = {"messaging_service_sid": self.options["service"]}
        try:
            message = self.messages.create(to=to, body=body, **sender)
        except TwilioRestException as exc:
            reason = f"Twilio {exc.code or exc.status}: {exc.msg}"
            transient = exc.status == 429 or exc.status >= 500 or exc.code in TWILIO_RETRY_CODES
            raise TextError(
                reason,
                transient=transient,
                unsubscribed=exc.code in TWILIO_UNSUBSCRIBED,
                code=exc.code,
            ) from exc
        except (RequestException, TwilioException, OSError) as exc:
            raise TextError(f"{type(exc).__name__}: {exc}", transient=True) from exc
        return message.sid or ""

    def close(self):
        client = getattr(self, "client", None)
        if client is not None:
            session = getattr(client.http_client, "session", None)
            if session is not None:
                session.close()
        self.client = None


def parse_url(url: str) -> tuple[type[Backend], dict]:
    """The backend and its options for a `DIALOGUE_HUB_SMS_URL`."""
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "file":
        path = unquote(parts.netloc + parts.path) or str(settings.VAR_DIR / "sms")
        return FileBackend, {"path": path}
    if parts.scheme == "locmem":
        return LocmemBackend, {}
    if parts.scheme in ("twilio", "twilio+http", "twilio+https"):
        host = parts.hostname or "api.twilio.com"
        scheme = "http" if parts.scheme == "twilio+http" else "https"
        port = f":{parts.port}" if parts.port else ""
        options = {
            "sid": unquote(parts.username or ""),
            "token": unquote(parts.password or ""),
            "from": query.get("from", ""),
            "service": query.get("service", ""),
            "timeout": float(query.get("timeout", 10)),
        }
        if host != "api.twilio.com" or scheme != "https":
            options["base_url"] = f"{scheme}://{host}{port}"
        if not options["sid"] or not options["token"]:
            raise ValueError("DIALOGUE_HUB_SMS_URL: a Twilio URL needs ACCOUNT_SID:AUTH_TOKEN@")
        if not options["from"] and not options["service"]:
            raise ValueError("DIALOGUE_HUB_SMS_URL: a Twilio URL needs ?from=+1… or ?service=MG…")
        return TwilioBackend, options
    raise ValueError(f"DIALOGUE_HUB_SMS_URL: unknown scheme {parts.scheme!r}")


def enabled() -> bool:
    """Whether texts can be sent at all (production without a provider: nobody is offered
    texts, and no text row is ever written)."""
    return bool(settings.DIALOGUE_HUB_SMS_URL)


def get_backend() -> Backend:
    backend, options = parse_url(settings.DIALOGUE_HUB_SMS_URL)
    return backend(options)


def auth_token() -> str:
    """The provider's secret that signs its webhooks ("" for backends without webhooks)."""
    backend, options = parse_url(settings.DIALOGUE_HUB_SMS_URL)
    return options.get("token", "") if backend is TwilioBackend else ""


def sender_label() -> str:
    return settings.DIALOGUE_HUB_SMS_SENDER_NAME


# --- staff who want their reminders by text ------------------------------------------------------


@transaction.atomic
def account_texts_set(*, user, mobile_phone: str, texts_wanted: bool) -> None:
    """A signed-in user's mobile number (E.164, or "" to remove it) and whether their meeting and
    notes reminders go by text too. No number, no texts: removing it turns them off. Texts still
    waiting for the old number (changed, removed, or texts turned off) are deleted, as a
    participant's are: the planners' next sweep writes them again for the new number."""
    from .models import OutboxMessage, OutboxStatus  # noqa: PLC0415

    texts_wanted = texts_wanted and bool(mobile_phone)
    old = user.mobile_phone
    if old and (old != mobile_phone or not texts_wanted):
        OutboxMessage.objects.filter(
            channel="text", to_phone=old, params__user=user.pk, status=OutboxStatus.PENDING
        ).delete()
    if (user.mobile_phone, user.texts_wanted) != (mobile_phone, texts_wanted):
        user.mobile_phone, user.texts_wanted = mobile_phone, texts_wanted
        user.save(update_fields=["mobile_phone", "texts_wanted"])
