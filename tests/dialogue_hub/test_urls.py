"""Deny by default: walk every URL pattern and prove anonymous users are sent to sign in,
except on the explicit public allowlist."""

import re

import pytest
from django.urls import URLResolver, get_resolver

from ..factories import (
    CoalitionMembershipFactory,
    InitiativeFactory,
    InvitationFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

# URL names anonymous visitors may open. Everything else must redirect to the login page.
PUBLIC = {
    "home",
    "healthz",
    "metrics",
    "favicon",
    "set_language",
    "email_preferences",
    "email_unsubscribe",
    "texts_inbound",
    "short_link",
    "initiatives:public",
    "initiatives:invitation_accept",
    "participants:referral_join",
    "account_login",
    "account_logout",
    "account_signup",
    "account_inactive",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_email",
    "account_email_verification_sent",
    "account_confirm_login_code",
    "admin:login",
    "participants:register",
    "participants:registered",
    "participants:link_request",
    "participants:table_leave",
    "participants:manage",
    "participants:confirm",
    "participants:manage_consents",
    "participants:manage_withdraw",
    "participants:manage_download",
    "participants:manage_delete",
    "participants:guardian",
    "guides:participant_circle",
    "guides:participant_meeting_ics",
    "guides:participant_meeting_excuse",
    "guides:participant_move_request",
    "guides:safety_report",
    "evaluation:participant_feedback",
    "guides:participant_feed",
    "guides:staff_feed",
    "actions:participant_forum",
    "actions:results",
    "actions:participant_teams",
    "evaluation:surveys",
    "evaluation:survey",
    "evaluation:public_report",
    # The API's open data, its schema and its documentation page (no token).
    "api:open_initiatives",
    "api:open_initiatives_csv",
    "api:open_initiative",
    "api:open_results",
    "api:open_results_csv",
    "api:open_figures",
    "api:open_figures_csv",
    "api:open_milestones",
    "api:open_milestones_csv",
    "api:schema",
    "api:docs",
}


def walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(
                pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace
            )
        else:
            name = pattern.name or ""
            yield prefix + str(pattern.pattern), f"{namespace}:{name}" if namespace else name


def sample_path(pattern: str, values: dict) -> str:
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), pattern)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)
    return "/" + path.replace("^", "").replace("$", "")


@pytest.fixture
def sample_values():
    initiative = InitiativeFactory(is_published=True)
    MembershipFactory(initiative=initiative)
    return {
        "slug": initiative.slug,
        "pk": CoalitionMembershipFactory(initiative=initiative).pk,
        "key": InvitationFactory(initiative=initiative).key,
        "uidb36": "1",
        "app_label": "initiatives",
        "url": "initiatives/initiative/",
        "object_id": initiative.pk,
        "content_type_id": 1,
        "id": 1,
        "token": "not-a-real-token",
        "code": "no-such-code",
        "kind": "post",
    }


def all_patterns():
    return list(walk(get_resolver().url_patterns))


def test_there_are_patterns_to_walk():
    names = {name for _pattern, name in all_patterns()}
    assert {"home", "initiatives:detail", "account_login", "admin:index"} <= names


def test_every_url_requires_login_unless_public(client, sample_values):
    checked = 0
    for pattern, name in all_patterns():
        path = sample_path(pattern, sample_values)
        response = client.get(path)
        checked += 1
        if path.startswith("/api/") and name not in PUBLIC:
            # The token API answers for itself: 401 in JSON, never a page or a redirect.
            assert response.status_code == 401, (name, path, response.status_code)
            assert response.json()["code"] == "not_authenticated", (name, path)
        elif name in PUBLIC:
            assert response.status_code not in (401, 403, 500), (path, response.status_code)
            # Not bounced by LoginRequiredMiddleware (which always adds ?next=).
            assert not (response.status_code == 302 and "/accounts/login/?next=" in response.url), (
                path
            )
        else:
            assert response.status_code == 302, (name, path, response.status_code)
            # The admin guards its own pages with its own login page; everything else uses ours.
            logins = (
                ("/accounts/login/?next=", "/admin/login/?next=")
                if name.startswith("admin:")
                else ("/accounts/login/?next=",)
            )
            assert response.url.startswith(logins), (name, path, response.url)
    assert checked > 40


def test_public_allowlist_names_real_patterns():
    names = {name for _pattern, name in all_patterns()}
    assert names >= PUBLIC, PUBLIC - names
