"""The matrix and CSRF tests call a refusal clean when snapshot() sees no write: it must see every
kind of write a request could make, or those tests pass whatever a refused request does."""

import pytest

from initiatives.models import Organization

from ..factories import InitiativeFactory
from .world import changes, isolated, snapshot

pytestmark = pytest.mark.django_db


def test_snapshot_sees_a_row_added_and_one_deleted():
    initiative = InitiativeFactory()
    with isolated():
        before = snapshot()
        Organization.objects.create(name="Eastside Tenants Union", sector="neighborhood")
        assert changes(before, snapshot())
    with isolated():
        before = snapshot()
        initiative.delete()
        assert changes(before, snapshot())


def test_snapshot_sees_nothing_when_nothing_is_written():
    InitiativeFactory()
    with isolated():
        before = snapshot()
        list(Organization.objects.all())
        assert not changes(before, snapshot())


@pytest.mark.postgres
def test_on_postgresql_snapshot_sees_an_update_that_changes_nothing_and_one_rolled_back():
    initiative = InitiativeFactory()
    before = snapshot()
    with isolated():
        type(initiative).objects.filter(pk=initiative.pk).update(name=initiative.name)
    assert changes(before, snapshot())
