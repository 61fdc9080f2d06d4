"""Per-initiative cache of expensive reads: dashboards, counts, rendered page fragments.

Correct by version, not by timeout: each initiative has a version token in the cache, and every
cached value is stored under the token current when it was computed. Every write service logs
what it did with `initiatives.services.activity_record` in its own transaction (the project's
rule); that call also drops the initiative's token at once and again once the transaction
commits (`changed`), so the next read after the commit gets a fresh token and computes again
from the committed data. A reader that computed from the data before the commit can only have
stored its result under a token nobody reads any more. Reading audit entries (a roster viewed,
a CSV exported) change nothing and keep the token.

TIMEOUT is a backstop for a write path that does not log (none is known) and a bound on memory;
a value is never served past it. Tokens are random, so a cleared or evicted cache can never
make an old value current again.

The cache must be shared by every process that writes (Redis in production; a file cache under
`make run`, where the web server and the Celery worker are separate processes).
"""

import functools
import hashlib
import uuid
from functools import cached_property

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.paginator import Paginator
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver

TIMEOUT = 120  # seconds
VERSION_TIMEOUT = 24 * 60 * 60
FRAGMENTS_ALIAS = "template_fragments"  # the alias Django's {% cache %} tag looks for first


@functools.cache
def _alias() -> str:
    """The cache `{% cache %}` uses too: "template_fragments" where configured (production: a
    Redis cache for which an unreachable server is a miss, dialogue_hub/cache_backends.py),
    else the default one. Decided once from the settings (again when a test changes CACHES)."""
    return FRAGMENTS_ALIAS if FRAGMENTS_ALIAS in settings.CACHES else DEFAULT_CACHE_ALIAS


@receiver(setting_changed)
def _caches_changed(*, setting, **kwargs):
    if setting == "CACHES":
        _alias.cache_clear()


class _Store:
    """The cache of `_alias()`, reached as `django.core.cache.cache` reaches the default one
    (`caches` keeps one connection per thread)."""

    def __getattr__(self, name):
        return getattr(caches[_alias()], name)


cache = _Store()


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
    """The initiative's data changed: drop its token now, so this transaction's own later
    reads (the page after a form, a test) compute afresh, and again once it commits, so that
    nothing another request computed meanwhile from the data before the commit stays current.
    A rolled-back change only costs one recomputation."""
    key = _version_key(initiative_id)
    cache.delete(key)
    # robust: a failing cache must not keep the other after-commit work (emails) from running.
    transaction.on_commit(lambda: cache.delete(key), robust=True)


def cached(
    initiative_id, name: str, compute, *, vary=(), timeout: int = TIMEOUT, token=None, fresh=None
):
    """compute() for this initiative, from the cache while its data has not changed.

    `vary` lists what else the value depends on (the language, a page number, a role, filters…);
    it enters the key hashed, so a search text typed by a user is never written out in it.
    `token`: the version, when the caller has already read it for this request.
    `fresh(value)` False: the value went stale without a change to the data (it depends on
    time, and the moment it was right until has passed), so it is computed again.
    """
    token = token or version(initiative_id)
    key = ":".join(["initiative-cache", name, str(initiative_id), token])
    if vary:
        key += ":" + _hashed(vary)
    value = cache.get(key)
    if value is None or (fresh is not None and not fresh(value)):
        value = compute()
        cache.set(key, value, timeout)
    return value


def _hashed(parts) -> str:
    return hashlib.sha256(repr([str(part) for part in parts]).encode()).hexdigest()[:32]


def version_of(initiative_ids) -> str:
    """One token for several initiatives together: it changes when any of them changes (for
    the `{% cache %}` key of a page across a user's initiatives)."""
    ids = sorted(set(initiative_ids))
    tokens = versions(ids)
    return _hashed([f"{pk}={tokens[pk]}" for pk in ids])


def cached_for(initiative_ids, name: str, compute, *, vary=(), timeout: int = TIMEOUT):
    """Like `cached`, for one value that depends on several initiatives (a page across all of
    a user's initiatives): computed again when any of them changes."""
    key = f"initiative-cache:{name}:" + _hashed([version_of(initiative_ids), *vary])
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


def versions(initiative_ids) -> dict:
    """{initiative id: version token} for several initiatives, in one cache round trip when
    they all have one."""
    keys = {_version_key(pk): pk for pk in initiative_ids}
    found = cache.get_many(list(keys))
    tokens = {keys[key]: token for key, token in found.items()}
    for pk in keys.values():
        if pk not in tokens:
            tokens[pk] = version(pk)
    return tokens


def cached_many(
    initiative_ids, name: str, compute, *, vary=(), timeout: int = TIMEOUT, fresh=None
) -> dict:
    """{initiative id: value} like `cached`, for several initiatives at once: compute(ids) is
    called only for the initiatives whose value is not cached (or, with `fresh`, no longer
    fresh, as in `cached`), and returns {id: value} (an id it leaves out is stored and
    returned as None)."""
    ids = list(dict.fromkeys(initiative_ids))
    if not ids:
        return {}
    tokens = versions(ids)
    suffix = ":" + _hashed(vary) if vary else ""
    keys = {pk: f"initiative-cache:{name}:{pk}:{tokens[pk]}{suffix}" for pk in ids}
    found = cache.get_many(list(keys.values()))
    result = {
        pk: found[key]
        for pk, key in keys.items()
        if key in found and (fresh is None or fresh(found[key]))
    }
    missing = [pk for pk in ids if pk not in result]
    if missing:
        computed = compute(missing)
        fresh = {pk: computed.get(pk) for pk in missing}
        cache.set_many({keys[pk]: value for pk, value in fresh.items()}, timeout)
        result.update(fresh)
    return result


class CachedCountPaginator(Paginator):
    """A Paginator whose total is kept with `cached`: counting every matching row of a large
    initiative is the slowest query of a list page, and the total only moves on a change.
    `initiative_id` may be a list: the total of a page across several initiatives."""

    def __init__(self, object_list, per_page, *, initiative_id, name: str, vary=(), token=None):
        super().__init__(object_list, per_page)
        self._cache_key = (initiative_id, name, tuple(vary), token)

    @cached_property
    def count(self):
        initiative_id, name, vary, token = self._cache_key
        if isinstance(initiative_id, list | tuple):
            return cached_for(initiative_id, name, lambda: Paginator.count.func(self), vary=vary)
        return cached(
            initiative_id, name, lambda: Paginator.count.func(self), vary=vary, token=token
        )
