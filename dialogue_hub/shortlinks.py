"""Short links for text messages: `shorten(url)` turns a long link of this site (a private page's
signed link) into DIALOGUE_HUB_BASE_URL/t/<code>/, which redirects to it (views_texts.py)
until it expires. One code per target (computed from it with the site's secret key), reused
and its expiry extended by each new text.

Links to other sites, and anything not under DIALOGUE_HUB_BASE_URL, are left as they are.

A batch of texts (dialogue_hub/outbox_texts.py) renders inside `collected()`: there `shorten()`
hands out the link (its code is known from the target) and only collects the row; `save()` then
writes the whole batch's links in one statement instead of one per text.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .emails import absolute_url
from .models import ShortLink

# No 0/O, 1/l/I: a code read aloud or copied by hand stays right.
ALPHABET = "23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 12  # 57**12: some 70 bits
CODE_SALT = "dialogue_hub.short-link"


def _lifetime() -> timedelta:
    # As long as the longest-lived link a text carries (the private page's).
    return timedelta(days=max(settings.DIALOGUE_HUB_MANAGE_LINK_DAYS, 30))


def code_for(target: str) -> str:
    """The code of a target: keyed with SECRET_KEY, so nobody can compute or aim one, and the
    same target always gets the same code (a text re-rendered reuses it). Two targets sharing
    a code would need a 70-bit coincidence."""
    number = int.from_bytes(salted_hmac(CODE_SALT, target, algorithm="sha256").digest()[:16])
    chars = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def _save(rows: list[ShortLink]) -> None:
    """Write links, or push back the expiry of those written before (a text sent again)."""
    if rows:
        ShortLink.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["code"], update_fields=["expires_at"]
        )


class LinkBatch:
    """The links a batch of texts shortened, written at once by `save()`."""

    def __init__(self):
        self.rows: dict[str, ShortLink] = {}

    def add(self, row: ShortLink) -> None:
        self.rows.setdefault(row.code, row)

    def save(self) -> None:
        _save(list(self.rows.values()))


_batch: ContextVar[LinkBatch | None] = ContextVar("shortlinks_batch", default=None)


@contextmanager
def collected():
    """Within it, `shorten()` writes nothing: save the yielded LinkBatch before the texts
    rendered within go out."""
    batch = LinkBatch()
    token = _batch.set(batch)
    try:
        yield batch
    finally:
        _batch.reset(token)


def shorten(url: str) -> str:
    """The short link of `url`: written at once (one statement), or collected by the batch
    being rendered (`collected()`)."""
    base = settings.DIALOGUE_HUB_BASE_URL.rstrip("/")
    if not url or not url.startswith(base + "/"):
        return url
    target = url[len(base) :]
    code = code_for(target)
    row = ShortLink(
        code=code,
        target=target,
        target_hash=hashlib.sha256(target.encode()).hexdigest(),
        expires_at=timezone.now() + _lifetime(),
    )
    batch = _batch.get()
    if batch is not None:
        batch.add(row)
    else:
        _save([row])
    return absolute_url(reverse("short_link", kwargs={"code": code}))


def resolve(code: str) -> str | None:
    """The path a live code leads to, or None (unknown or expired)."""
    return (
        ShortLink.objects.filter(code=code, expires_at__gt=timezone.now())
        .values_list("target", flat=True)
        .first()
    )


def purge_expired(*, now=None) -> int:
    deleted, _by_model = ShortLink.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
