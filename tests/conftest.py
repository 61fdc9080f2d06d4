import os

import pytest
from django.conf import settings
from django.db import connection

from initiatives.models import Role

from .factories import InitiativeFactory, MembershipFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


def _skip_or_fail(reason: str):
    """Without the service a marked test skips with its reason; in CI that is a failure."""
    if IN_CI:
        pytest.fail(
            f"{reason} (CI=true: tests needing real services must run, not skip)", pytrace=False
        )
    pytest.skip(reason)


def _redis_reachable() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://…")
    if item.get_closest_marker("redis") and not _redis_reachable():
        _skip_or_fail("needs Redis: set REDIS_URL=redis://… to a running server")
    if item.get_closest_marker("browser") and not os.path.exists("/usr/bin/chromium"):
        _skip_or_fail("needs Chromium: apt-get install chromium (/usr/bin/chromium)")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and other cached state must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def initiative(db):
    return InitiativeFactory()


@pytest.fixture
def other_initiative(db):
    return InitiativeFactory(name="Another Town Dialogues")


@pytest.fixture
def member_of(db):
    """member_of(initiative, role) -> a user holding `role` in `initiative`."""

    def make(initiative, role=Role.ORGANIZER, **user_kwargs):
        user = UserFactory(**user_kwargs)
        MembershipFactory(user=user, initiative=initiative, role=role)
        return user

    return make


@pytest.fixture
def organizer(initiative, member_of):
    return member_of(initiative, Role.ORGANIZER)


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


# --- safety summary (tests/security/stats.py) ---------------------------------------------------


def _count_server_error(sender, **kwargs):
    from .security import stats

    stats.server_error_seen()


def pytest_configure(config):
    from django.core.signals import got_request_exception

    # Every exception a view raises (a 500 in production), whichever test provoked it.
    got_request_exception.connect(_count_server_error, dispatch_uid="safety-server-errors")


def pytest_terminal_summary(terminalreporter):
    from .security import stats

    terminalreporter.write_line(stats.summary_line())
