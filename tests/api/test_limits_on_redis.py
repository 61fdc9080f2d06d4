"""The API's limits as production keeps them: on the one Redis (the production cache backend)
that every web process shares, so a token's count is the same whichever process answers; and
per client behind the trusted proxy, never per proxy."""

import uuid

import pytest
from django.core.cache import caches
from django.urls import reverse

from initiatives.models import Role

from ..factories import InitiativeFactory, MembershipFactory, UserFactory
from .helpers import api_client, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_cache(settings):
    """The production cache definition (settings.base.redis_caches) on the real Redis, under a
    key prefix of this test's own."""
    from dialogue_hub.settings.base import redis_caches

    prefix = f"test-{uuid.uuid4().hex}"
    definition = redis_caches(settings.REDIS_URL)
    for alias in definition.values():
        alias["KEY_PREFIX"] = prefix
    settings.CACHES = definition
    return caches["default"]


@pytest.mark.redis
def test_a_tokens_limit_is_counted_in_redis(production_cache, settings):
    settings.DIALOGUE_HUB_API_TOKEN_RATE = 2
    initiative = InitiativeFactory()
    user = UserFactory()
    MembershipFactory(initiative=initiative, user=user, role=Role.ORGANIZER)
    token = token_for(user)
    statuses = [api_client(token).get(reverse("api:me")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    # The counter lives in Redis (another web process reads the same): a fresh connection to
    # the server finds it.
    import redis

    server = redis.Redis.from_url(settings.REDIS_URL)
    keys = [
        key.decode() for key in server.scan_iter(match=f"*{production_cache.key_prefix}*api:token*")
    ]
    assert len(keys) == 1
    assert int(server.get(keys[0])) == 3


def test_the_client_limit_counts_each_client_behind_the_proxy(settings):
    settings.DIALOGUE_HUB_TRUSTED_PROXY_HOPS = 1
    settings.DIALOGUE_HUB_API_CLIENT_RATE = 2
    url = reverse("api:open_initiatives")

    def get(address):
        return (
            api_client()
            .get(url, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"6.6.6.6, {address}")
            .status_code
        )

    assert [get("203.0.113.5") for _ in range(3)] == [200, 200, 429]
    assert get("203.0.113.77") == 200  # another visitor behind the same proxy
