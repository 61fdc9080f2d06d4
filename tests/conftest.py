import os
import sys

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
def _no_texts_left_over():
    """Texts sent by the locmem backend (dialogue_hub.texts.sent) start empty in each test."""
    from dialogue_hub import texts

    texts.sent.clear()
    yield
    texts.sent.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and other cached state must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


DEMO_SLUG = "riverton-community-police-dialogues-2027"


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """The Riverton demo, loaded as `make run` loads it (`seed_demo --if-empty` on an empty
    database) once for a test module, in a transaction rolled back after the module's last test;
    each test runs in a savepoint inside it. Yields what the command printed."""
    import io

    from django.core.management import call_command
    from django.db import transaction

    # The database is open to the seeding and the rollback only: between them a test reaches it
    # through its own `db` fixture, as any test does.
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        out = io.StringIO()
        call_command("seed_demo", "--if-empty", stdout=out)
    try:
        yield out.getvalue()
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(request, demo_world, db):
    """The demo's main initiative (see demo_world: seeded once a module, opt-in). Not for a
    transactional test: it would run inside the module's transaction, and its flush would empty
    the demo for the tests after it."""
    from initiatives.models import Initiative

    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        pytest.fail("the `demo` fixture cannot serve a django_db(transaction=True) test")

    return Initiative.objects.get(slug=DEMO_SLUG)


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


# --- no private-link token in any log line (tests/log_check.py) ---------------------------------

_leak_check = None


def leak_check():
    """The session's LeakCheck, attached to the root logger (again, if a test reconfigured
    logging since)."""
    import logging

    from .log_check import LeakCheck

    global _leak_check
    if _leak_check is None:
        _leak_check = LeakCheck()
    root = logging.getLogger()
    if _leak_check not in root.handlers:
        root.addHandler(_leak_check)
    return _leak_check


def _recording(function, kind):
    from .log_check import record_secret

    def wrapper(*args, **kwargs):
        value = function(*args, **kwargs)
        record_secret(value, kind)
        return value

    return wrapper


def _record_invitation(sender, instance, **kwargs):
    from .log_check import record_secret

    record_secret(instance.key, "invitation key")


@pytest.fixture(scope="session", autouse=True)
def _record_secrets():
    """The invitation keys, short-link codes and API tokens the tests make, for the log check
    to recognise (signed links it checks with their salts)."""
    from django.db.models.signals import post_save

    from api import services as api_services
    from dialogue_hub import shortlinks
    from initiatives import services as initiative_services
    from initiatives.models import Invitation

    patch = pytest.MonkeyPatch()
    patch.setattr(
        initiative_services, "_new_key", _recording(initiative_services._new_key, "invitation key")
    )
    patch.setattr(shortlinks, "code_for", _recording(shortlinks.code_for, "short-link code"))
    patch.setattr(
        api_services, "new_token_value", _recording(api_services.new_token_value, "API token")
    )
    post_save.connect(_record_invitation, sender=Invitation, dispatch_uid="log-check-invitation")
    yield
    post_save.disconnect(sender=Invitation, dispatch_uid="log-check-invitation")
    patch.undo()


@pytest.fixture(autouse=True)
def _no_secret_in_logs(_record_secrets):
    """Every line logged during a test (written as production writes it) must hold no private
    link's token, invitation key, short-link code or API token: the test fails otherwise."""
    from .log_check import report

    check = leak_check()
    before = check.take()  # logged between tests (a module's fixtures)
    if before:
        pytest.fail(report(before), pytrace=False)
    yield
    found = check.take()
    if found:
        pytest.fail(report(found), pytrace=False)


# --- safety summary (tests/security/stats.py) ---------------------------------------------------


def _count_server_error(sender, **kwargs):
    from .security import stats

    stats.server_error_seen()


def pytest_configure(config):
    from django.core.signals import got_request_exception

    # Every exception a view raises (a 500 in production), whichever test provoked it.
    got_request_exception.connect(_count_server_error, dispatch_uid="safety-server-errors")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After every test that wrote to PostgreSQL (the whole suite in CI), the inclusion tallies
    its triggers kept must equal the counts computed from the registrations: whatever path a
    test took to change a participant or their answers (a form, an import, a bulk update, a
    deletion), the dashboard's figures stay right. Checked inside the test's transaction."""
    result = yield
    if connection.vendor == "postgresql" and _uses_the_database(item):
        from .inclusion_tallies import tallies_disagree

        problem = tallies_disagree()
        if problem:
            pytest.fail(problem, pytrace=False)
    return result


def _uses_the_database(item) -> bool:
    names = getattr(item, "fixturenames", ())
    return (
        "db" in names or "transactional_db" in names or bool(item.get_closest_marker("django_db"))
    )


def pytest_sessionfinish(session):
    # Lines logged after the last test (fixtures' teardown) are checked too.
    if _leak_check is not None and (found := _leak_check.take()):
        from .log_check import report

        sys.stderr.write(report(found) + "\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    # An xdist worker hands its counts to the controller, which prints the one summary line.
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        from .security import stats

        workeroutput["safety_counts"] = stats.snapshot()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    from .security import stats

    stats.merge(getattr(node, "workeroutput", {}).get("safety_counts", {}))


def pytest_terminal_summary(terminalreporter):
    from .security import stats

    terminalreporter.write_line(stats.summary_line())
