"""Every initiative page × every role: allowed roles get the page, the others get 403 and
change nothing. The expectation comes from permissions.PERMISSIONS, and a URL pattern of the
app missing from URL_PERMISSIONS fails the suite, so a new view cannot slip through."""

import pytest
from django.urls import get_resolver, reverse

from initiatives.models import CoalitionMembership, Initiative, Invitation, Membership, Role
from initiatives.permissions import PERMISSIONS

from ..factories import (
    CoalitionMembershipFactory,
    InvitationFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# url name -> (method, permission it needs, which object its pk names)
URL_PERMISSIONS = {
    "detail": ("get", "initiative.view", None),
    "edit": ("post", "initiative.change", None),
    "phase": ("post", "initiative.change", None),
    "publish": ("post", "initiative.change", None),
    "activity": ("get", "activity.view", None),
    "outbox": ("get", "outbox.view", None),
    "outbox_resend": ("post", "outbox.manage", None),
    "coalition": ("get", "initiative.view", None),
    "coalition_add": ("post", "coalition.change", None),
    "coalition_edit": ("post", "coalition.change", "coalition"),
    "coalition_remove": ("post", "coalition.change", "coalition"),
    "team": ("get", "initiative.view", None),
    "invite": ("post", "team.manage", None),
    "invitation_resend": ("post", "team.manage", "invitation"),
    "invitation_revoke": ("post", "team.manage", "invitation"),
    "membership_remove": ("post", "team.manage", "membership"),
}
# Pages of the app that are not per-initiative (covered in test_views / test_urls).
NOT_PER_INITIATIVE = {"create", "invitation_accept", "public"}

POST_DATA = {
    "edit": {"name": "Changed", "community": "Changed", "languages": ["en"], "timezone": "UTC"},
    "phase": {"to_phase": "recruiting"},
    "publish": {"publish": "1"},
    "coalition_add": {"name": "New Org", "sector": "faith", "role": "partner"},
    "coalition_edit": {"name": "Changed Org", "sector": "faith", "role": "partner"},
    "invite": {"email": "new@example.org", "role": "recorder"},
}


def test_every_initiative_url_has_an_entry():
    patterns = {p.name for p in get_resolver("initiatives.urls").url_patterns}
    assert patterns == set(URL_PERMISSIONS) | NOT_PER_INITIATIVE


def snapshot(initiative):
    initiative.refresh_from_db()
    return (
        initiative.name,
        initiative.phase,
        initiative.is_published,
        sorted(
            CoalitionMembership.objects.filter(initiative=initiative).values_list(
                "organization__name", flat=True
            )
        ),
        sorted(Membership.objects.filter(initiative=initiative).values_list("user_id", "role")),
        sorted(Invitation.objects.filter(initiative=initiative).values_list("key", "revoked_at")),
    )


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("url_name", sorted(URL_PERMISSIONS))
def test_role_matrix(client, initiative, role, url_name):
    method, permission, target = URL_PERMISSIONS[url_name]
    organizer = MembershipFactory(initiative=initiative, role=Role.ORGANIZER).user
    MembershipFactory(initiative=initiative, role=Role.ORGANIZER)  # a second organizer
    objects = {
        "coalition": CoalitionMembershipFactory(initiative=initiative),
        "invitation": InvitationFactory(initiative=initiative, invited_by=organizer),
        "membership": MembershipFactory(initiative=initiative, role=Role.RECORDER),
    }
    user = UserFactory()
    MembershipFactory(user=user, initiative=initiative, role=role)
    client.force_login(user)
    args = [initiative.slug] + ([objects[target].pk] if target else [])
    url = reverse(f"initiatives:{url_name}", args=args)
    before = snapshot(initiative)

    response = getattr(client, method)(url, POST_DATA.get(url_name, {}))

    if role in PERMISSIONS[permission]:
        assert response.status_code in (200, 302), (role, url_name, response.status_code)
    else:
        assert response.status_code == 403, (role, url_name, response.status_code)
        assert snapshot(initiative) == before
        assert Initiative.objects.filter(pk=initiative.pk).exists()
