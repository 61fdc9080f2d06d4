"""Per-initiative cache of expensive reads: dashboards, counts, rendered page fragments.

Correct by version, not by timeout: each initiative has a version token in the cache, and every
cached value is stored under the token current when it was computed. Every write service logs
what it did with `initiatives.services.activity_record` in its own transaction (the project's
rule); that call also drops the initiative's token once the transaction commits (`changed`), so
the next read gets a fresh token and computes again from the committed data. A reader that
started before the commit can only store its result under the old token, which nobody reads any
more. Reading audit entries (a roster viewed, a CSV exported) change nothing and keep the token.

TIMEOUT is a backstop for a write path that does not log (none is known) and a bound on memory;
a value is never served past it. Tokens are random, so a cleared or evicted cache can never
make an old value current again.

The cache must be shared by every process that writes (Redis in production; a file cache under
`make run`, where the web server and the Celery worker are separate processes).
"""

import uuid

from django.core.cache import cache
from django.db import transaction

TIMEOUT = 120  # seconds
VERSION_TIMEOUT = 24 * 60 * 60


def _version_key(initiative_id) -> str:
    return f"initiative-version:{initiative_id}"


def version(initiative_id) -> str:
    """The initiative's current version token (created on first use)."""
    key = _version_key(initiative_id)
    token = cache.get(key)
    if token is None:
        token = uuid.uuid4().hex
        if not cache.add(key, token, VERSION_TIMEOUT):
            token = cache.get(key) or token
    return token


def changed(initiative_id) -> None:
    """The initiative's data changed: cached values are stale once the transaction commits
    (immediately outside a transaction)."""
    key = _version_key(initiative_id)
    transaction.on_commit(lambda: cache.delete(key))


def cached(initiative_id, name: str, compute, *, vary=(), timeout: int = TIMEOUT, fresh=None):
    """compute() for this initiative, from the cache while its data has not changed.

    `vary` lists what else the value depends on (the language, a page number, a role…).
    `fresh(value)` False: the value went stale without a change to the data (it depends on
    time, and the moment it was right until has passed), so it is computed again.
    """
    parts = [str(part) for part in vary]
    key = ":".join(["initiative-cache", name, str(initiative_id), version(initiative_id), *parts])
    value = cache.get(key)
    if value is None or (fresh is not None and not fresh(value)):
        value = compute()
        cache.set(key, value, timeout)
    return value
