"""Short links for text messages: `shorten(url)` turns a long link of this site (a private page's
signed link) into DIALOGUE_HUB_BASE_URL/t/<code>/, which redirects to it (views_texts.py)
until it expires. One code per target, reused and its expiry extended by each new text.

Links to other sites, and anything not under DIALOGUE_HUB_BASE_URL, are left as they are.

A batch of texts (dialogue_hub/outbox_texts.py) renders inside `collected()`: there `shorten()`
writes nothing and hands out a link with a fresh code; `LinkBatch.save()` then creates (or
extends) the whole batch's links in two queries instead of three to five per text, and says
which handed-out links must change (a target that already had a code keeps it).
"""

from __future__ import annotations

import hashlib
import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .emails import absolute_url
from .models import ShortLink

# No 0/O, 1/l/I: a code read aloud or copied by hand stays right.
ALPHABET = "23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def _lifetime() -> timedelta:
    # As long as the longest-lived link a text carries (the private page's).
    return timedelta(days=max(settings.DIALOGUE_HUB_MANAGE_LINK_DAYS, 30))


def _short_url(code: str) -> str:
    return absolute_url(reverse("short_link", kwargs={"code": code}))


def _digest(target: str) -> str:
    return hashlib.sha256(target.encode()).hexdigest()


class LinkBatch:
    """The links a batch of texts shortened, saved at once by `save()`."""

    def __init__(self):
        self.links: dict[str, tuple[str, str]] = {}  # target hash -> (target, code handed out)
        self.codes: set[str] = set()

    def shorten(self, target: str) -> str:
        digest = _digest(target)
        if digest not in self.links:
            code = _new_code()
            while code in self.codes:  # each handed-out link stands for one target only
                code = _new_code()
            self.codes.add(code)
            self.links[digest] = (target, code)
        return _short_url(self.links[digest][1])

    def save(self) -> dict[str, str]:
        """Create the batch's links, or extend the ones their targets already have (two
        queries). Returns {link handed out: the link to send instead} for the handed-out links
        that are not the saved ones (the target had a code already); usually empty."""
        if not self.links:
            return {}
        expires_at = timezone.now() + _lifetime()
        try:
            with transaction.atomic():
                ShortLink.objects.bulk_create(
                    [
                        ShortLink(
                            code=code, target=target, target_hash=digest, expires_at=expires_at
                        )
                        for digest, (target, code) in self.links.items()
                    ],
                    update_conflicts=True,
                    unique_fields=["target_hash"],
                    update_fields=["expires_at"],
                )
        except IntegrityError:  # a code taken by another target (rarely): one at a time
            base = settings.DIALOGUE_HUB_BASE_URL.rstrip("/")
            return {
                _short_url(code): _shorten_now(base + target, target, digest)
                for digest, (target, code) in self.links.items()
            }
        saved = dict(
            ShortLink.objects.filter(target_hash__in=list(self.links)).values_list(
                "target_hash", "code"
            )
        )
        base = settings.DIALOGUE_HUB_BASE_URL.rstrip("/")
        return {
            _short_url(code): _short_url(saved[digest]) if digest in saved else base + target
            for digest, (target, code) in self.links.items()
            if saved.get(digest) != code
        }


_batch: ContextVar[LinkBatch | None] = ContextVar("shortlinks_batch", default=None)


@contextmanager
def collected():
    """Within it, `shorten()` only collects: save the yielded LinkBatch, then replace in what
    was rendered the links `save()` returns."""
    batch = LinkBatch()
    token = _batch.set(batch)
    try:
        yield batch
    finally:
        _batch.reset(token)


def shorten(url: str) -> str:
    base = settings.DIALOGUE_HUB_BASE_URL.rstrip("/")
    if not url or not url.startswith(base + "/"):
        return url
    target = url[len(base) :]
    batch = _batch.get()
    if batch is not None:
        return batch.shorten(target)
    return _shorten_now(url, target, _digest(target))


def _shorten_now(url: str, target: str, digest: str) -> str:
    """The short link of `target`, made or extended now (three to five queries)."""
    expires_at = timezone.now() + _lifetime()
    updated = ShortLink.objects.filter(target_hash=digest).update(expires_at=expires_at)
    if not updated:
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    ShortLink.objects.create(
                        code=_new_code(), target=target, target_hash=digest, expires_at=expires_at
                    )
                break
            except IntegrityError:  # another text made it at once, or (rarely) a code collision
                if ShortLink.objects.filter(target_hash=digest).exists():
                    break
        else:
            return url
    code = ShortLink.objects.filter(target_hash=digest).values_list("code", flat=True).first()
    return _short_url(code) if code else url


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
