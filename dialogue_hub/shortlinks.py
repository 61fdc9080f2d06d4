"""Short links for text messages: `shorten(url)` turns a long link of this site (a private page's
signed link) into DIALOGUE_HUB_BASE_URL/t/<code>/, which redirects to it (views_texts.py)
until it expires. One code per target, reused and its expiry extended by each new text.

Links to other sites, and anything not under DIALOGUE_HUB_BASE_URL, are left as they are.
"""

from __future__ import annotations

import hashlib
import secrets
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


def shorten(url: str) -> str:
    base = settings.DIALOGUE_HUB_BASE_URL.rstrip("/")
    if not url or not url.startswith(base + "/"):
        return url
    target = url[len(base) :]
    digest = hashlib.sha256(target.encode()).hexdigest()
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
    return absolute_url(reverse("short_link", kwargs={"code": code})) if code else url


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
