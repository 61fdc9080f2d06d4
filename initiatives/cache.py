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

Registrations have a token of their own. A registration (`changed(…, scope=REGISTRATIONS)`)
only adds a person who is in no circle yet, so it drops that token and not the initiative's:
each reader says how its value depends on new registrations (`registrations=`):
- EXACT (the default): it changes with them (the register page's seats, counts of people).
- UNAFFECTED: nothing it shows changes when someone registers (circles, meetings and
  attendance, the action teams' progress, the open data): it stays cached through a
  recruitment drive. tests/initiatives/test_cache_scopes.py renders every staff page after
  a registration, cached and computed afresh, and holds them equal.
- LAGGED: staff dashboards of the people (the roster, the inclusion dashboard, the home's
  counts). A registration shows at once, unless one was shown less than REGISTRATIONS_LAG
  seconds before: then within that time. So while people register many per second, these
  pages are computed again every few seconds, not once per registration. A registration
  entered by staff (paper, phone, a sign-up table) passes `at_once=True` and shows at once.

The cache must be shared by every process that writes (Redis in production; a file cache under
`make run`, where the web server and the Celery worker are separate processes).
"""

import functools
import hashlib
import time
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

# How a value depends on new registrations (see above), and what a change changed.
EXACT = "exact"
UNAFFECTED = "unaffected"
LAGGED = "lagged"
EVERYTHING = "everything"
REGISTRATIONS = "registrations"


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


def _registrations_key(initiative_id) -> str:
    return f"initiative-version:{initiative_id}:registrations"


def _shown_key(initiative_id) -> str:
    """(the registrations' token LAGGED readers use, when it was taken: 0 for "long ago")."""
    return f"initiative-version:{initiative_id}:registrations-shown"


def _now() -> float:
    return time.time()


def _lag() -> float:
    return settings.DIALOGUE_HUB_REGISTRATIONS_LAG


def _token(key: str, found: dict) -> str:
    token = found.get(key)
    if token is None:
        token = uuid.uuid4().hex
        if not cache.add(key, token, VERSION_TIMEOUT):
            token = cache.get(key) or token
    return token


def _shown(initiative_id, registrations: str, shown) -> str:
    """The registrations' token a LAGGED reader uses: the current one when the last it was
    moved to is REGISTRATIONS_LAG seconds old (or was never taken), else that last one."""
    now = _now()
    if shown is not None and (shown[0] == registrations or now - shown[1] < _lag()):
        return shown[0]
    # Never taken (or evicted): taken "long ago", so the next registration shows at once.
    cache.set(
        _shown_key(initiative_id), (registrations, 0.0 if shown is None else now), VERSION_TIMEOUT
    )
    return registrations


def versions(initiative_ids, *, registrations: str = EXACT) -> dict:
    """{initiative id: version token} for several initiatives, in one cache round trip when
    they all have one. `registrations`: EXACT, UNAFFECTED or LAGGED (see above)."""
    ids = list(initiative_ids)
    keys = [_version_key(pk) for pk in ids]
    if registrations != UNAFFECTED:
        keys += [_registrations_key(pk) for pk in ids]
    if registrations == LAGGED:
        keys += [_shown_key(pk) for pk in ids]
    found = cache.get_many(keys)
    tokens = {}
    for pk in ids:
        token = _token(_version_key(pk), found)
        if registrations != UNAFFECTED:
            people = _token(_registrations_key(pk), found)
            if registrations == LAGGED:
                people = _shown(pk, people, found.get(_shown_key(pk)))
            token = f"{token}.{people}"
        tokens[pk] = token
    return tokens


def version(initiative_id, *, registrations: str = EXACT) -> str:
    """The initiative's current version token (created on first use)."""
    return versions([initiative_id], registrations=registrations)[initiative_id]


def changed(initiative_id, *, scope: str = EVERYTHING, at_once: bool = False) -> None:
    """The initiative's data changed: drop its token now, so this transaction's own later
    reads (the page after a form, a test) compute afresh, and again once it commits, so that
    nothing another request computed meanwhile from the data before the commit stays current.
    A rolled-back change only costs one recomputation.

    scope=REGISTRATIONS: only people were added (a registration), so only the registrations'
    token is dropped; `at_once`: LAGGED readers show it at once too (staff entered it)."""
    keys = [_version_key(initiative_id)]
    if scope == REGISTRATIONS:
        keys = [_registrations_key(initiative_id)]
        if at_once:
            keys.append(_shown_key(initiative_id))
    cache.delete_many(keys)
    # robust: a failing cache must not keep the other after-commit work (emails) from running.
    transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


def cached(
    initiative_id,
    name: str,
    compute,
    *,
    vary=(),
    timeout: int = TIMEOUT,
    token=None,
    fresh=None,
    registrations: str = EXACT,
):
    """compute() for this initiative, from the cache while its data has not changed.

    `vary` lists what else the value depends on (the language, a page number, a role, filters…);
    it enters the key hashed, so a search text typed by a user is never written out in it.
    `token`: the version, when the caller has already read it for this request (with the same
    `registrations`). `registrations`: how the value depends on new registrations (above).
    `fresh(value)` False: the value went stale without a change to the data (it depends on
    time, and the moment it was right until has passed), so it is computed again.
    """
    token = token or version(initiative_id, registrations=registrations)
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


def version_of(initiative_ids, *, registrations: str = EXACT) -> str:
    """One token for several initiatives together: it changes when any of them changes (for
    the `{% cache %}` key of a page across a user's initiatives)."""
    ids = sorted(set(initiative_ids))
    tokens = versions(ids, registrations=registrations)
    return _hashed([f"{pk}={tokens[pk]}" for pk in ids])


def cached_for(
    initiative_ids,
    name: str,
    compute,
    *,
    vary=(),
    timeout: int = TIMEOUT,
    registrations: str = EXACT,
):
    """Like `cached`, for one value that depends on several initiatives (a page across all of
    a user's initiatives): computed again when any of them changes."""
    token = version_of(initiative_ids, registrations=registrations)
    key = f"initiative-cache:{name}:" + _hashed([token, *vary])
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


def cached_many(
    initiative_ids,
    name: str,
    compute,
    *,
    vary=(),
    timeout: int = TIMEOUT,
    fresh=None,
    registrations: str = EXACT,
) -> dict:
    """{initiative id: value} like `cached`, for several initiatives at once: compute(ids) is
    called only for the initiatives whose value is not cached (or, with `fresh`, no longer
    fresh, as in `cached`), and returns {id: value} (an id it leaves out is stored and
    returned as None)."""
    ids = list(dict.fromkeys(initiative_ids))
    if not ids:
        return {}
    tokens = versions(ids, registrations=registrations)
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

    def __init__(
        self,
        object_list,
        per_page,
        *,
        initiative_id,
        name: str,
        vary=(),
        token=None,
        registrations: str = EXACT,
    ):
        super().__init__(object_list, per_page)
        self._cache_key = (initiative_id, name, tuple(vary), token, registrations)

    @cached_property
    def count(self):
        initiative_id, name, vary, token, registrations = self._cache_key
        count = lambda: Paginator.count.func(self)  # noqa: E731
        if isinstance(initiative_id, list | tuple):
            return cached_for(initiative_id, name, count, vary=vary, registrations=registrations)
        return cached(
            initiative_id, name, count, vary=vary, token=token, registrations=registrations
        )
