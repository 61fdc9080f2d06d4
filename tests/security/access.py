"""Shared pieces of the access tests: every URL pattern of the project, filled with objects of
the world's initiative A, and a signed-in (or not) client for every role.

Roles: "anonymous"; "participant" (an anonymous visitor who opened their private manage link:
participant pages take the token in the URL, so every role gets the same, valid URL); every
initiatives.models.Role of A (the facilitator and recorder staff circle 1, not circle 2);
"other_member" (the organizer of initiative B, no role in A); "site_staff" (is_staff, no role).
"""

import copy
from contextlib import contextmanager

import pytest
from django.test import Client
from django.urls import get_resolver

from api.services import token_create
from initiatives.models import Role

from ..dialogue_hub.test_urls import sample_path, walk

ANONYMOUS = "anonymous"
PARTICIPANT = "participant"
OTHER_MEMBER = "other_member"
SITE_STAFF = "site_staff"
TEAM_ROLES = tuple(Role.values)
ROLES = (ANONYMOUS, PARTICIPANT, *TEAM_ROLES, OTHER_MEMBER, SITE_STAFF)
SIGNED_OUT = frozenset({ANONYMOUS, PARTICIPANT})
OUTSIDERS = frozenset({OTHER_MEMBER, SITE_STAFF})
# The team members who staff circle 1 of A (the circle, meeting and log URLs point at).
CIRCLE_STAFF = frozenset({Role.FACILITATOR, Role.RECORDER})

# Which world object a URL's `pk` (and `id`) names.
PK_OBJECTS = {
    "initiatives:coalition_edit": "coalition",
    "initiatives:coalition_remove": "coalition",
    "initiatives:invitation_resend": "invitation",
    "initiatives:invitation_revoke": "invitation",
    "initiatives:membership_remove": "membership",
    "participants:participant": "participant",
    "participants:participant_withdraw": "participant",
    "participants:question_edit": "question",
    "participants:question_move": "question",
    "participants:question_active": "question",
    "participants:question_delete": "question",
    "participants:inclusion_target_edit": "target",
    "participants:inclusion_target_delete": "target",
    "participants:outreach_edit": "outreach",
    "participants:outreach_delete": "outreach",
    "participants:referral_link_delete": "referral",
    "guides:guide_detail": "guide",
    "guides:guide_copy": "guide",
    "guides:guide_edit": "guide",
    "guides:guide_delete": "guide",
    "guides:guide_session_add": "guide",
    "guides:guide_session_edit": "guide_session",
    "guides:guide_session_delete": "guide_session",
    "guides:guide_session_move": "guide_session",
    "guides:training_delete": "training",
    "guides:circle_detail": "circle",
    "guides:circle_edit": "circle",
    "guides:circle_delete": "circle",
    "guides:assignment_pair_delete": "pair",
    "guides:assignment_circle": "circle",
    "guides:assignment_lock": "circle",
    "guides:assignment_member_remove": "circle_member",
    "guides:circle_schedule": "circle",
    "guides:circle_schedule_generate": "circle",
    "guides:circle_attendance": "circle",
    "guides:meeting_reschedule": "meeting",
    "guides:meeting_cancel": "meeting",
    "guides:meeting_ics": "meeting",
    "guides:attendance": "meeting",
    "guides:meeting_sheet": "meeting",
    "guides:need_arrange": "meeting",
    "guides:need_unarrange": "meeting",
    "guides:log_detail": "meeting",
    "guides:log_edit": "meeting",
    "guides:log_submit": "meeting",
    "guides:log_approve": "meeting",
    "guides:log_return": "meeting",
    "guides:participant_meeting_ics": "meeting",
    "guides:participant_meeting_excuse": "future_meeting",
    "guides:move_request": "move_request",
    "guides:move_request_decline": "move_request",
    "guides:safety_case": "safety_case",
    "guides:safety_acknowledge": "safety_case",
    "guides:safety_resolve": "safety_case",
    "actions:idea_edit": "idea",
    "actions:idea_public": "idea",
    "actions:theme_edit": "theme",
    "actions:theme_delete": "theme",
    "actions:ballot_edit": "ballot",
    "actions:ballot_results": "ballot",
    "actions:paper_vote": "ballot",
    "actions:team_updates": "team",
    "actions:team_update_add": "team",
    "actions:outcome_edit": "outcome",
    "actions:outcome_delete": "outcome",
    "actions:asset_detail": "asset",
    "actions:asset_edit": "asset",
    "actions:asset_delete": "asset",
    "actions:asset_goals": "asset",
    "actions:asset_from_offer": "participant",
    "evaluation:instrument_detail": "instrument",
    "evaluation:instrument_copy": "instrument",
    "evaluation:instrument_edit": "instrument",
    "evaluation:circle_feedback": "circle",
    "evaluation:participant_feedback": "meeting",
    "api:token_revoke": "api_token",  # the organizer's own token
}
ID_OBJECTS = {
    "actions:team_member_remove": "team_member",
    "actions:goal_edit": "goal",
    "actions:goal_delete": "goal",
    "actions:milestone_add": "goal",
    "actions:milestone_edit": "milestone",
    "actions:milestone_delete": "milestone",
}
TOKENS = {
    "participants:confirm": "confirm",
    "participants:guardian": "guardian",
    "guides:participant_feed": "participant_feed",
    "guides:staff_feed": "staff_feed",
    "email_preferences": "email",
    "email_unsubscribe": "email",
}  # every other `token` is the participant's manage link


API_PREFIX = "api/"


def url_patterns():
    """(route, name) of every page pattern: the admin's only as admin:index; the API's
    (/api/…, token or anonymous, never a session) are walked by `api_url_patterns`."""
    return [
        (route, name)
        for route, name in walk(get_resolver().url_patterns)
        if (not name.startswith("admin:") or name == "admin:index")
        and not route.startswith(API_PREFIX)
    ]


def api_url_patterns():
    """(route, name) of every API pattern (tests/security/test_api_matrix.py)."""
    return [
        (route, name)
        for route, name in walk(get_resolver().url_patterns)
        if route.startswith(API_PREFIX)
    ]


def url_for(route, name, side) -> str:
    objects = side.objects
    values = {
        "slug": side.initiative.slug,
        "token": side.tokens[TOKENS.get(name, "manage")],
        "key": objects["invitation"].key
        if name == "initiatives:invitation_accept"
        else "no-such-key",
        "code": objects["short_link"].code if name == "short_link" else objects["referral"].code,
        "uidb36": "1",
        "kind": "post",  # the evaluation's survey waves (side A has a post wave)
    }
    if name.startswith("actions:team") or name.startswith("actions:goal"):
        values["pk"] = objects["team"].pk
    if name.startswith("actions:milestone"):
        values["pk"] = objects["team"].pk
    if name in PK_OBJECTS:
        values["pk"] = objects[PK_OBJECTS[name]].pk
    if name in ID_OBJECTS:
        values["id"] = objects[ID_OBJECTS[name]].pk
    return sample_path(route, values)


def user_for(role, world):
    if role in SIGNED_OUT:
        return None
    if role == OTHER_MEMBER:
        return world.b.users[Role.ORGANIZER]
    if role == SITE_STAFF:
        return world.site_staff
    return world.a.users[role]


def client_for(role, world, *, side=None, **client_kwargs) -> Client:
    """A client acting as `role` in initiative A (or `side`)."""
    side = side or world.a
    client = Client(**client_kwargs)
    if role == PARTICIPANT:
        # The participant's own visit: they open their private link first.
        client.get(f"/registration/{side.tokens['manage']}/")
    elif role == OTHER_MEMBER and side is not world.a:
        client.force_login(world.a.users[Role.ORGANIZER])
    elif role == SITE_STAFF:
        client.force_login(world.site_staff)
    elif role not in SIGNED_OUT:
        client.force_login(side.users[role] if role in side.users else user_for(role, world))
    return client


# The order pages are opened in by the walks over every form (fuzzing, edit round trips,
# control and bidi characters): the first role a page answers 200 shows its forms. The
# organizer for most forms, the circle's facilitator and recorder for attendance and logs, the
# participant (their private link) and anonymous visitors last.
FORM_ROLE_ORDER = (
    Role.ORGANIZER,
    Role.FACILITATOR,
    Role.RECORDER,
    Role.DATA_STEWARD,
    Role.COALITION_LEAD,
    Role.POLICE_LIAISON,
    Role.OBSERVER,
    PARTICIPANT,
    ANONYMOUS,
)


def clients_fixture(side_name="a"):
    """A module-scoped `clients` fixture: role -> a client acting as that role in A, made
    once (in the world's transaction). Use each request inside `kept_cookies(client)`."""

    @pytest.fixture(scope="module")
    def clients(world, django_db_blocker):
        with django_db_blocker.unblock():
            side = getattr(world, side_name)
            return {role: client_for(role, world, side=side) for role in ROLES}

    return clients


@contextmanager
def kept_cookies(client):
    """Whatever a request does to the client's cookies (sign out, a new session), the next
    request starts from the same ones."""
    saved = copy.deepcopy(client.cookies)
    try:
        yield client
    finally:
        client.cookies = saved


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.url.startswith(
        ("/accounts/login/?next=", "/admin/login/?next=")
    )


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def html_of(response) -> str | None:
    """The page's HTML when the response is a page (200, not streamed, text/html); else None."""
    if response.status_code != 200 or getattr(response, "streaming", False):
        return None
    if "html" not in response.get("Content-Type", ""):
        return None
    return response.content.decode("utf-8", "replace")


def api_clients_fixture():
    """A module-scoped `api_clients` fixture: role -> a client reading the API as that role
    (a token of the role's user; none for the anonymous visitor and the participant, whose
    client carries the session of their private link). Made in the world's transaction."""

    @pytest.fixture(scope="module")
    def api_clients(world, django_db_blocker):
        with django_db_blocker.unblock():
            clients = {}
            for role in ROLES:
                user = user_for(role, world)
                if user is None:
                    clients[role] = client_for(role, world, raise_request_exception=False)
                    continue
                _token, value = token_create(user=user, name="API matrix")
                clients[role] = Client(
                    HTTP_AUTHORIZATION=f"Bearer {value}", raise_request_exception=False
                )
            return clients

    return api_clients
