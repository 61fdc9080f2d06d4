"""The app's permission table (initiatives.permissions.PERMISSIONS) is the one written out by
hand in expected_permissions.py, entry by entry; and a member's roles add up: any one of them
that allows something allows it, in has_perm and on the pages, for people holding two roles."""

import itertools

import pytest
from django.urls import reverse

from initiatives.models import Role
from initiatives.permissions import PERMISSIONS, has_perm, permissions_for

from ..factories import InitiativeFactory, MembershipFactory, UserFactory
from .expected_permissions import EVERY_ROLE, EXPECTED_ROLES


def test_every_role_in_the_hand_written_table_is_a_role_of_the_app():
    assert set(Role.values) == EVERY_ROLE


def test_the_app_names_the_same_permissions():
    assert set(PERMISSIONS) == set(EXPECTED_ROLES)


@pytest.mark.parametrize("permission", sorted(EXPECTED_ROLES))
def test_each_permission_is_held_by_exactly_the_expected_roles(permission):
    added = set(PERMISSIONS[permission]) - EXPECTED_ROLES[permission]
    removed = EXPECTED_ROLES[permission] - set(PERMISSIONS[permission])
    assert not added, f"{permission}: given to {sorted(added)}"
    assert not removed, f"{permission}: taken from {sorted(removed)}"


PAIRS = list(itertools.combinations(sorted(EVERY_ROLE), 2))


@pytest.mark.parametrize("pair", PAIRS, ids=["+".join(pair) for pair in PAIRS])
def test_a_member_with_two_roles_may_do_what_either_role_may(pair):
    for permission, allowed in EXPECTED_ROLES.items():
        expected = bool(set(pair) & allowed)
        assert has_perm(set(pair), permission) is expected, (pair, permission)
        assert permissions_for(set(pair))[permission.replace(".", "_")] is expected


def test_no_role_holds_no_permission_at_all():
    assert not any(has_perm(set(), permission) for permission in EXPECTED_ROLES)


# --- on the pages -----------------------------------------------------------------------------


def member_with(*roles):
    initiative = InitiativeFactory()
    user = UserFactory()
    for role in roles:
        MembershipFactory(initiative=initiative, user=user, role=role)
    return initiative, user


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("roles", "name", "status"),
    [
        # The roster: neither police nor observer may; a data steward's second role does.
        ((Role.POLICE_LIAISON, Role.OBSERVER), "participants:roster", 403),
        ((Role.POLICE_LIAISON, Role.DATA_STEWARD), "participants:roster", 200),
        ((Role.DATA_STEWARD, Role.POLICE_LIAISON), "participants:roster", 200),
        # The outbox (every recipient's address): a coalition lead who also observes may not.
        ((Role.COALITION_LEAD, Role.OBSERVER), "initiatives:outbox", 403),
        ((Role.COALITION_LEAD, Role.ORGANIZER), "initiatives:outbox", 200),
        # The inclusion dashboard: an observer may not, a police liaison may.
        ((Role.OBSERVER, Role.FACILITATOR), "participants:inclusion", 403),
        ((Role.OBSERVER, Role.POLICE_LIAISON), "participants:inclusion", 200),
    ],
    ids=lambda value: "+".join(value) if isinstance(value, tuple) else str(value),
)
def test_pages_answer_a_member_with_two_roles_by_either_role(client, roles, name, status):
    initiative, user = member_with(*roles)
    client.force_login(user)
    response = client.get(reverse(name, args=[initiative.slug]))
    assert response.status_code == status
