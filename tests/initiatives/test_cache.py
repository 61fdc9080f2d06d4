"""initiatives/cache.py: cached figures are recomputed after any change to the initiative."""

import pytest
from django.core.cache import cache as django_cache
from django.db import transaction

from initiatives import cache
from initiatives.models import ACTIVITY_DESCRIPTIONS, READ_ACTIONS
from initiatives.services import activity_record
from tests.factories import InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db


def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return compute, calls


def test_a_value_is_computed_once_while_nothing_changes():
    initiative = InitiativeFactory()
    compute, calls = counter()
    assert cache.cached(initiative.pk, "n", compute) == 1
    assert cache.cached(initiative.pk, "n", compute) == 1
    assert len(calls) == 1


def test_vary_keeps_values_apart():
    initiative = InitiativeFactory()
    assert cache.cached(initiative.pk, "n", lambda: "en", vary=["en"]) == "en"
    assert cache.cached(initiative.pk, "n", lambda: "es", vary=["es"]) == "es"
    assert cache.cached(initiative.pk, "n", lambda: "other", vary=["en"]) == "en"


def test_a_logged_change_makes_the_value_stale_at_once_and_again_after_commit(
    django_capture_on_commit_callbacks,
):
    initiative = InitiativeFactory()
    other = InitiativeFactory()
    compute, calls = counter()
    cache.cached(initiative.pk, "n", compute)
    cache.cached(other.pk, "n", lambda: "other")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        activity_record(initiative=initiative, actor=None, action="participant.registered")
        # The writer's own next read computes afresh…
        assert cache.cached(initiative.pk, "n", compute) == 2
    # …and so does the first read after the commit: another request may have computed from
    # the data before the commit in between.
    assert len(callbacks) == 1
    assert cache.cached(initiative.pk, "n", compute) == 3
    assert cache.cached(initiative.pk, "n", compute) == 3
    assert cache.cached(other.pk, "n", lambda: "recomputed") == "other"


def test_a_rolled_back_change_costs_one_recomputation_and_no_commit_callback(
    django_capture_on_commit_callbacks,
):
    initiative = InitiativeFactory()
    compute, calls = counter()
    cache.cached(initiative.pk, "n", compute)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                activity_record(initiative=initiative, actor=None, action="participant.registered")
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == []
    assert cache.cached(initiative.pk, "n", compute) == 2
    assert cache.cached(initiative.pk, "n", compute) == 2


def test_reading_audit_entries_keep_the_value(django_capture_on_commit_callbacks):
    initiative = InitiativeFactory()
    user = UserFactory()
    compute, calls = counter()
    cache.cached(initiative.pk, "n", compute)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for action in sorted(READ_ACTIONS):
            activity_record(initiative=initiative, actor=user, action=action)
    assert callbacks == []
    assert cache.cached(initiative.pk, "n", compute) == 1


def test_read_actions_are_known_actions():
    assert READ_ACTIONS.issubset(ACTIVITY_DESCRIPTIONS)


def test_a_reader_that_started_before_the_change_cannot_make_its_result_current(
    django_capture_on_commit_callbacks,
):
    initiative = InitiativeFactory()
    token = cache.version(initiative.pk)  # a slow reader took the version, then…
    with django_capture_on_commit_callbacks(execute=True):
        activity_record(initiative=initiative, actor=None, action="participant.withdrawn")
    # …stores what it computed from the old data under the old token:
    django_cache.set(f"initiative-cache:n:{initiative.pk}:{token}", "old")
    assert django_cache.get(f"initiative-cache:n:{initiative.pk}:{token}") == "old"
    assert cache.version(initiative.pk) != token
    assert cache.cached(initiative.pk, "n", lambda: "new") == "new"


def test_a_cleared_cache_never_brings_an_old_value_back():
    initiative = InitiativeFactory()
    first = cache.version(initiative.pk)
    django_cache.clear()
    assert cache.version(initiative.pk) != first


def test_cached_many_computes_only_the_initiatives_that_changed(
    django_capture_on_commit_callbacks,
):
    first, second = InitiativeFactory(), InitiativeFactory()
    asked = []

    def compute(ids):
        asked.append(sorted(ids))
        return {pk: f"value {len(asked)}" for pk in ids if pk == first.pk}

    ids = [first.pk, second.pk]
    assert cache.cached_many(ids, "m", compute) == {first.pk: "value 1", second.pk: None}
    assert cache.cached_many(ids, "m", compute) == {first.pk: "value 1", second.pk: None}
    assert asked == [sorted(ids)]
    with django_capture_on_commit_callbacks(execute=True):
        activity_record(initiative=first, actor=None, action="participant.registered")
    assert cache.cached_many(ids, "m", compute) == {first.pk: "value 2", second.pk: None}
    assert asked == [sorted(ids), [first.pk]]
    assert cache.cached_many([], "m", compute) == {}


def test_a_value_that_is_no_longer_fresh_is_computed_again():
    initiative = InitiativeFactory()
    compute, calls = counter()
    assert cache.cached(initiative.pk, "n", compute, fresh=lambda value: True) == 1
    assert cache.cached(initiative.pk, "n", compute, fresh=lambda value: True) == 1
    assert cache.cached(initiative.pk, "n", compute, fresh=lambda value: value > 1) == 2
    assert cache.cached(initiative.pk, "n", compute) == 2  # stored again under the same key
    assert len(calls) == 2


def test_cached_many_computes_again_only_the_values_no_longer_fresh():
    first, second = InitiativeFactory(), InitiativeFactory()
    asked = []

    def compute(ids):
        asked.append(sorted(ids))
        return {pk: (pk, len(asked)) for pk in ids}

    ids = [first.pk, second.pk]
    cache.cached_many(ids, "f", compute)
    stale = cache.cached_many(ids, "f", compute, fresh=lambda value: value[0] != first.pk)
    assert stale == {first.pk: (first.pk, 2), second.pk: (second.pk, 1)}
    assert asked == [sorted(ids), [first.pk]]
    assert cache.cached_many(ids, "f", compute) == stale  # stored again under the same key


def test_an_unreachable_cache_server_is_a_miss_never_an_error(
    settings, client, django_capture_on_commit_callbacks
):
    """Kept figures and fragments live in "template_fragments" (production: Redis); with that
    server down, pages are computed without them and writes still commit."""
    from django.urls import reverse

    from initiatives.models import Role
    from participants.services import public as participant_services
    from tests.factories import MembershipFactory, ParticipantFactory, RegistrationSettingsFactory

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "template_fragments": {
            "BACKEND": "dialogue_hub.cache_backends.TolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    initiative = InitiativeFactory()
    RegistrationSettingsFactory(initiative=initiative)
    person = ParticipantFactory(initiative=initiative, name="Dora Down")
    user = UserFactory()
    MembershipFactory(user=user, initiative=initiative, role=Role.ORGANIZER)
    client.force_login(user)
    roster = reverse("participants:roster", args=[initiative.slug])
    assert "Dora Down" in client.get(roster).content.decode()
    assert client.get(reverse("home")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        participant_services.participant_withdraw(participant=person, actor=user)
    person.refresh_from_db()
    assert person.status == "withdrawn"
    assert "<td>Withdrawn " in client.get(roster).content.decode()
    # Nothing was kept in the default cache instead: the kept figures went to the (down) one.
    from django.core.cache import caches

    kept = [key for key in caches["default"]._cache if "initiative-" in key]
    assert kept == []
    assert cache.cache.add.__self__ is caches["template_fragments"]
