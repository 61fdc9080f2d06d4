"""The permission matrix: every URL pattern of the project × every role × GET and POST, each
with its expected outcome in EXPECTED. A pattern without an entry fails the suite, so a new
view cannot slip through.

Outcomes: OK (200, or a redirect that is not to the login page), LOGIN (a redirect to sign in),
403, 404 (no role in the initiative: never 403) and 405 (the wrong method). Who may do what
comes from expected_permissions.EXPECTED_ROLES, written out by hand: not from the app's own
initiatives.permissions.PERMISSIONS, so that a role added to or removed from a permission in
the app makes pages answer other than expected here (test_permission_table.py). A denied
request must change nothing (row counts and newest updated_at of every table of the project's
apps); an allowed POST with empty data answers with its form errors or a redirect, never 500.
Every request runs in a savepoint that is rolled back, so the world stays the same throughout.
"""

import pytest
from django.core.cache import cache

from initiatives.models import Role

from . import stats
from .access import (
    CIRCLE_STAFF,
    OUTSIDERS,
    ROLES,
    SIGNED_OUT,
    clients_fixture,
    is_login_redirect,
    kept_cookies,
    url_for,
    url_patterns,
)
from .expected_permissions import EXPECTED_ROLES
from .world import changes, isolated, snapshot, world_fixture

pytestmark = pytest.mark.django_db

world = world_fixture()
clients = clients_fixture()

OK, LOGIN = "ok", "login"
FORBIDDEN, NOT_FOUND, NOT_ALLOWED, BAD_REQUEST = 403, 404, 405, 400


def allowed(*permissions, extra=()):
    roles = set(extra)
    for permission in permissions:
        roles |= EXPECTED_ROLES[permission]
    return frozenset(roles)


def member(*permissions, extra=(), ok=OK):
    """A page of initiative A: signed-out visitors sign in, outsiders get 404, the roles the
    permissions (plus `extra`) name get `ok`, the rest of A's team 403."""
    roles = allowed(*permissions, extra=extra)

    def rule(role):
        if role in SIGNED_OUT:
            return LOGIN
        if role in OUTSIDERS:
            return NOT_FOUND
        return ok if role in roles else FORBIDDEN

    return rule


def everyone(outcome=OK):
    return lambda role: outcome


def signed_in(outcome=OK, signed_out=LOGIN):
    return lambda role: signed_out if role in SIGNED_OUT else outcome


def page(*permissions, extra=()):
    """A GET-only page: POST is 405 for the roles that may open it."""
    return {
        "get": member(*permissions, extra=extra),
        "post": member(*permissions, extra=extra, ok=NOT_ALLOWED),
    }


def form(*permissions, extra=()):
    """A page with a form: the same roles open it and post it."""
    return {"get": member(*permissions, extra=extra), "post": member(*permissions, extra=extra)}


def action(*permissions, extra=()):
    """A POST-only action: GET is 405 for the roles that may post."""
    return {
        "get": member(*permissions, extra=extra, ok=NOT_ALLOWED),
        "post": member(*permissions, extra=extra),
    }


def token_page(post=NOT_ALLOWED):
    """A page reached with a private link: the link is the key, whoever holds it."""
    return {"get": everyone(OK), "post": everyone(post)}


FACILITATOR_ONLY = frozenset({Role.FACILITATOR})

EXPECTED = {
    # --- project pages ---
    "home": {"get": everyone(OK), "post": everyone(NOT_ALLOWED)},
    "healthz": {"get": everyone(OK), "post": everyone(NOT_ALLOWED)},
    # Prometheus metrics: the test client's address is 127.0.0.1, allowed by default; any other
    # address without the token gets 404 whatever the method (tests/dialogue_hub/test_ops_metrics.py).
    "metrics": {"get": everyone(OK), "post": everyone(NOT_ALLOWED)},
    # The operators' status page: superusers only (no role here is one); 404 for everyone else
    # signed in (tests/dialogue_hub/test_ops_status.py has the superuser's 200).
    "ops_status": {"get": signed_in(NOT_FOUND), "post": signed_in(NOT_FOUND)},
    "favicon": {"get": everyone(OK), "post": everyone(NOT_ALLOWED)},
    "set_language": {"get": everyone(OK), "post": everyone(OK)},
    # A text message's short link: on to the page it stands for, whoever holds it.
    "short_link": {"get": everyone(OK), "post": everyone(NOT_ALLOWED)},
    "my_email_preferences": {"get": signed_in(OK), "post": signed_in(OK)},
    # A person's own API tokens: everyone signed in has the page; the world's token (the one
    # the revoke URL names) is A's organizer's, so anyone else revoking it gets 404.
    "api:tokens": {"get": signed_in(OK), "post": signed_in(OK)},
    "api:token_revoke": {
        "get": signed_in(NOT_ALLOWED),
        "post": lambda role: (
            LOGIN if role in SIGNED_OUT else OK if role == Role.ORGANIZER else NOT_FOUND
        ),
    },
    "email_preferences": token_page(post=OK),
    "email_unsubscribe": token_page(post=OK),
    # The text provider's webhook: POST only; without a provider that signs webhooks (the test
    # settings' locmem backend) it does not exist. Signed and unsigned posts with Twilio set
    # up: tests/security/test_texts_webhook.py.
    "texts_inbound": {"get": everyone(NOT_ALLOWED), "post": everyone(NOT_FOUND)},
    # --- allauth: a short explicit list ---
    "account_login": {"get": signed_in(OK, signed_out=OK), "post": signed_in(OK, signed_out=OK)},
    "account_logout": {"get": everyone(OK), "post": everyone(OK)},
    "account_inactive": {"get": everyone(OK), "post": everyone(NOT_ALLOWED)},
    "account_signup": {"get": everyone(OK), "post": everyone(OK)},
    "account_reauthenticate": {"get": signed_in(OK), "post": signed_in(OK)},
    "account_email": {"get": signed_in(OK), "post": signed_in(OK)},
    "account_email_verification_sent": {"get": everyone(OK), "post": everyone(NOT_ALLOWED)},
    "account_change_password": {"get": signed_in(OK), "post": signed_in(OK)},
    "account_set_password": {"get": signed_in(OK), "post": signed_in(OK)},
    "account_reset_password": {"get": everyone(OK), "post": everyone(OK)},
    "account_confirm_login_code": {"get": everyone(OK), "post": everyone(OK)},
    # An unknown confirmation key: the page explains it; posting it is 404.
    "account_confirm_email": {"get": everyone(OK), "post": everyone(NOT_FOUND)},
    "account_reset_password_from_key_done": {"get": everyone(OK), "post": everyone(NOT_ALLOWED)},
    "account_reset_password_from_key": {"get": everyone(OK), "post": everyone(OK)},
    "account_reset_password_done": {"get": everyone(OK), "post": everyone(NOT_ALLOWED)},
    # The admin refuses everyone but site staff (its own login page for the rest).
    "admin:index": {
        "get": lambda role: OK if role == "site_staff" else LOGIN,
        "post": lambda role: OK if role == "site_staff" else LOGIN,
    },
    # --- initiatives ---
    "initiatives:create": {"get": signed_in(OK), "post": signed_in(OK)},
    "initiatives:detail": page("initiative.view"),
    "initiatives:edit": form("initiative.change"),
    "initiatives:phase": action("initiative.change"),
    "initiatives:publish": action("initiative.change"),
    "initiatives:activity": page("activity.view"),
    "initiatives:outbox": page("outbox.view"),
    "initiatives:outbox_resend": action("outbox.manage"),
    "initiatives:coalition": page("initiative.view"),
    "initiatives:coalition_add": form("coalition.change"),
    "initiatives:coalition_edit": form("coalition.change"),
    "initiatives:coalition_remove": action("coalition.change"),
    "initiatives:team": page("initiative.view"),
    "initiatives:invite": form("team.manage"),
    "initiatives:invitation_resend": action("team.manage"),
    "initiatives:invitation_revoke": action("team.manage"),
    "initiatives:membership_remove": action("team.manage"),
    # Anyone may read an invitation; only its invitee (or a new account) may accept it.
    "initiatives:invitation_accept": {
        "get": everyone(OK),
        "post": lambda role: OK if role in SIGNED_OUT else FORBIDDEN,
    },
    "initiatives:public": {"get": everyone(OK), "post": everyone(NOT_ALLOWED)},
    # --- participants: public pages and private links ---
    "participants:register": {"get": everyone(OK), "post": everyone(OK)},
    "participants:registered": {"get": everyone(OK), "post": everyone(NOT_ALLOWED)},
    "participants:link_request": {"get": everyone(OK), "post": everyone(OK)},
    # Without a sign-up table running in the browser's session it goes back to the form.
    "participants:table_leave": {"get": everyone(OK), "post": everyone(OK)},
    "participants:manage": token_page(post=OK),
    "participants:confirm": token_page(post=OK),
    "participants:manage_consents": {"get": everyone(NOT_ALLOWED), "post": everyone(OK)},
    "participants:manage_withdraw": {"get": everyone(NOT_ALLOWED), "post": everyone(OK)},
    "participants:manage_download": token_page(),
    "participants:manage_delete": token_page(post=OK),
    "participants:guardian": token_page(post=OK),
    "participants:referral_join": {"get": everyone(OK), "post": everyone(NOT_ALLOWED)},
    # --- participants: staff pages ---
    "participants:roster": page("participants.view"),
    "participants:roster_export": page("participants.export"),
    "participants:registration_settings": form("participants.manage"),
    "participants:participant_add": form("participants.manage"),
    "participants:table_start": form("participants.manage"),
    "participants:participant": page("participants.view"),
    "participants:participant_withdraw": action("participants.manage"),
    "participants:questions": page("participants.view"),
    "participants:question_add": form("participants.manage"),
    "participants:question_edit": form("participants.manage"),
    "participants:question_move": action("participants.manage"),
    "participants:question_active": action("participants.manage"),
    "participants:question_delete": action("participants.manage"),
    "participants:import": form("participants.manage"),
    "participants:import_review": form("participants.manage"),
    "participants:import_template": page("participants.manage"),
    "participants:inclusion": page("inclusion.view"),
    "participants:inclusion_export": page("inclusion.view"),
    "participants:inclusion_targets": page("inclusion.view"),
    "participants:inclusion_target_add": form("inclusion.manage"),
    "participants:inclusion_target_edit": form("inclusion.manage"),
    "participants:inclusion_target_delete": action("inclusion.manage"),
    "participants:outreach": page("outreach.view"),
    "participants:outreach_add": form("outreach.manage"),
    "participants:outreach_edit": form("outreach.manage"),
    "participants:outreach_delete": action("outreach.manage"),
    "participants:outreach_attribution": page("outreach.view"),
    "participants:referral_links": page("outreach.view"),
    "participants:referral_link_add": form("outreach.manage"),
    "participants:referral_link_delete": action("outreach.manage"),
    # --- guides: library and training ---
    "guides:library": page("initiative.view"),
    "evaluation:instruments": page("evaluation.view"),
    "evaluation:instrument_detail": page("evaluation.view"),
    "evaluation:instrument_copy": action("evaluation.manage"),
    "evaluation:instrument_edit": form("evaluation.manage"),
    "guides:guide_detail": page("initiative.view"),
    "guides:guide_copy": action("guides.manage"),
    "guides:guide_edit": form("guides.manage"),
    "guides:guide_delete": action("guides.manage"),
    "guides:guide_session_add": form("guides.manage"),
    "guides:guide_session_edit": form("guides.manage"),
    "guides:guide_session_delete": action("guides.manage"),
    "guides:guide_session_move": action("guides.manage"),
    # Organizers see every record, facilitators and recorders their own.
    "guides:training": page("training.manage", "circles.facilitate"),
    "guides:training_add": form("training.manage"),
    "guides:training_delete": action("training.manage"),
    # --- guides: circles (facilitator and recorder staff circle 1, the one the URLs name) ---
    # Facilitators and recorders are sent on to their own circles.
    "guides:circles": page("circles.view", "circles.facilitate"),
    "guides:my_circles": page("circles.facilitate"),
    "guides:circle_add": form("circles.manage"),
    "guides:circle_detail": page("circles.view", extra=CIRCLE_STAFF),
    "guides:circle_edit": form("circles.manage"),
    "guides:circle_delete": action("circles.manage"),
    "guides:circle_placement_notices": action("circles.manage"),
    "guides:assignment": page("circles.manage"),
    "guides:assignment_run": action("circles.manage"),
    "guides:assignment_pairs": form("circles.manage"),
    "guides:assignment_pair_delete": action("circles.manage"),
    "guides:assignment_unplaced": form("circles.manage"),
    "guides:assignment_circle": form("circles.manage"),
    "guides:assignment_lock": action("circles.manage"),
    "guides:assignment_member_remove": action("circles.manage"),
    # Participants' requests for another circle: organizers answer them.
    "guides:move_requests": page("circles.manage"),
    "guides:move_request": form("circles.manage"),
    "guides:move_request_decline": action("circles.manage"),
    # --- guides: meetings of circle 1 ---
    "guides:circle_schedule": page("circles.view", extra=CIRCLE_STAFF),
    "guides:circle_schedule_generate": form("circles.manage"),
    "guides:circle_attendance": page("circles.manage", extra=CIRCLE_STAFF),
    "guides:meeting_reschedule": form("circles.manage"),
    "guides:meeting_cancel": action("circles.manage"),
    "guides:meeting_ics": page("circles.manage", extra=CIRCLE_STAFF),
    "guides:attendance": form("circles.manage", extra=CIRCLE_STAFF),
    # The meeting sheet names people and their needs: organizers and the circle's staff only.
    "guides:meeting_sheet": page("circles.manage", extra=CIRCLE_STAFF),
    "guides:need_arrange": action("circles.manage", extra=CIRCLE_STAFF),
    "guides:need_unarrange": action("circles.manage", extra=CIRCLE_STAFF),
    "guides:participant_feed": token_page(),
    "guides:staff_feed": token_page(),
    # --- guides: session logs (the meeting's log is approved) ---
    "guides:logs": page("logs.view"),
    # The circle's staff and logs.view roles read it; everyone on the team may POST: 405.
    "guides:log_detail": {
        "get": member("logs.view", extra=CIRCLE_STAFF),
        "post": member("initiative.view", ok=NOT_ALLOWED),
    },
    # Only the circle's staff write logs (an approved one sends them back to the log page).
    "guides:log_edit": form(extra=CIRCLE_STAFF),
    # POST-only steps of the log: GET is 405 for the whole team (no object is loaded).
    "guides:log_submit": {
        "get": member("initiative.view", ok=NOT_ALLOWED),
        "post": member(extra=CIRCLE_STAFF),
    },
    "guides:log_approve": {
        "get": member("initiative.view", ok=NOT_ALLOWED),
        "post": member(extra=FACILITATOR_ONLY),
    },
    "guides:log_return": {
        "get": member("initiative.view", ok=NOT_ALLOWED),
        "post": member(extra=FACILITATOR_ONLY),
    },
    # --- guides: safety cases (case 1 is of circle 1): organizers and the circle's staff only,
    # never the police liaison, the observer or a coalition lead ---
    "guides:safety_cases": page("safety.cases", "circles.facilitate"),
    "guides:safety_case": page("safety.cases", extra=CIRCLE_STAFF),
    "guides:safety_acknowledge": action("safety.cases", extra=CIRCLE_STAFF),
    "guides:safety_resolve": action("safety.cases", extra=CIRCLE_STAFF),
    "guides:safety_report": token_page(post=OK),
    "guides:participant_circle": token_page(),
    "guides:participant_meeting_ics": token_page(),
    # "I can't make it" (a button) and asking for another circle (a form), from the link.
    "guides:participant_meeting_excuse": {"get": everyone(NOT_ALLOWED), "post": everyone(OK)},
    "guides:participant_move_request": token_page(post=OK),
    # --- actions: ideas and themes ---
    "actions:ideas": page("initiative.view"),
    "actions:ideas_collect": action("ideas.manage"),
    "actions:idea_add": form("ideas.manage"),
    "actions:ideas_assign": action("ideas.manage"),
    "actions:ideas_merge": form("ideas.manage"),
    "actions:idea_edit": form("ideas.manage"),
    "actions:idea_public": action("ideas.manage"),
    "actions:themes": form("ideas.manage"),
    "actions:theme_edit": form("ideas.manage"),
    "actions:theme_delete": action("ideas.manage"),
    # --- actions: the forum (read by those who run it or the ideas) ---
    "actions:forum": page("forum.manage", "ideas.manage"),
    "actions:ballot_add": form("forum.manage"),
    "actions:ballot_edit": form("forum.manage"),
    "actions:ballot_results": page("forum.manage", "ideas.manage"),
    # A POST naming no voter of this initiative (an empty one too) is 404 (tests/actions).
    "actions:paper_vote": {
        "get": member("forum.manage"),
        "post": member("forum.manage", ok=NOT_FOUND),
    },
    # No ballot chosen: back to the page with a message.
    "actions:participant_forum": token_page(post=OK),
    # --- actions: teams, goals, milestones ---
    "actions:teams": page("initiative.view"),
    "actions:team_add": form("teams.manage"),
    "actions:team_detail": page("initiative.view"),
    "actions:team_edit": form("teams.manage"),
    "actions:team_delete": action("teams.manage"),
    "actions:team_members": form("teams.manage"),
    "actions:team_member_remove": action("teams.manage"),
    "actions:goal_add": form("teams.manage"),
    "actions:goal_edit": form("teams.manage"),
    "actions:goal_delete": action("teams.manage"),
    "actions:milestone_add": form("teams.manage"),
    "actions:milestone_edit": form("teams.manage"),
    "actions:milestone_delete": action("teams.manage"),
    # No team chosen: 400 with "Choose one of the teams below".
    "actions:participant_teams": token_page(post=BAD_REQUEST),
    # --- actions: progress, outcomes, assets ---
    "actions:team_updates": page("initiative.view"),
    # progress.update roles and the team's own neutral facilitator (the facilitator user).
    "actions:team_update_add": form("progress.update", extra=FACILITATOR_ONLY),
    "actions:outcomes": page("initiative.view"),
    "actions:outcome_add": form("teams.manage"),
    "actions:outcome_edit": form("teams.manage"),
    "actions:outcome_delete": action("teams.manage"),
    "actions:assets": page("initiative.view"),
    "actions:asset_add": form("assets.manage"),
    "actions:asset_offers": page("participants.view"),
    # Needs the inventory and the roster (a participant's offer): both permissions.
    "actions:asset_from_offer": form(
        extra=EXPECTED_ROLES["assets.manage"] & EXPECTED_ROLES["participants.view"]
    ),
    "actions:asset_detail": page("initiative.view"),
    "actions:asset_edit": form("assets.manage"),
    "actions:asset_delete": action("assets.manage"),
    "actions:asset_goals": form("assets.manage"),
    # Signed-in pages across initiatives: each user sees only where they hold progress.view.
    "actions:dashboard": {"get": signed_in(OK), "post": signed_in(NOT_ALLOWED)},
    "actions:dashboard_csv": {"get": signed_in(OK), "post": signed_in(NOT_ALLOWED)},
    "actions:dashboard_milestones_csv": {"get": signed_in(OK), "post": signed_in(NOT_ALLOWED)},
    "actions:results": {"get": everyone(OK), "post": everyone(NOT_ALLOWED)},
    # --- evaluation: survey waves (organizers) and a person's own surveys (private link) ---
    "evaluation:waves": page("evaluation.manage"),
    "evaluation:wave_set_up": action("evaluation.manage"),
    "evaluation:wave_edit": form("evaluation.manage"),
    "evaluation:wave_close": action("evaluation.manage"),
    "evaluation:wave_reopen": action("evaluation.manage"),
    "evaluation:wave_paper": form("evaluation.manage"),
    "evaluation:surveys": token_page(),
    "evaluation:survey": token_page(post=OK),
    # --- evaluation: the change report (aggregates, small groups hidden) ---
    "evaluation:change": page("evaluation.view"),
    "evaluation:change_export": page("evaluation.view"),
    # --- evaluation: after-session feedback ---
    # A circle's feedback: organizers and the circle's staff (circle 1's facilitator, recorder).
    "evaluation:circle_feedback": page("feedback.view", extra=CIRCLE_STAFF),
    "evaluation:feedback_overview": page("feedback.view"),
    # The form of a meeting of the person's circle; a post with nothing answered is shown again.
    "evaluation:participant_feedback": token_page(post=OK),
    # --- evaluation: the report (aggregates only), its PDF, sharing its public version ---
    "evaluation:report": page("evaluation.view"),
    "evaluation:report_pdf": page("evaluation.view"),
    "evaluation:report_share": action("evaluation.publish"),
    # Initiative A's report is shared (tests/security/world.py).
    "evaluation:public_report": {"get": everyone(OK), "post": everyone(NOT_ALLOWED)},
}

# A valid form for the pages where a permission could hide behind validation: every role posts
# it, so a refused role is refused with data that would be saved, and changes nothing.
VALID_POST = {
    "initiatives:edit": {
        "name_en": "Changed",
        "community": "Changed",
        "languages": ["en"],
        "timezone": "UTC",
    },
    "initiatives:phase": {"to_phase": "recruiting"},
    "initiatives:publish": {"publish": "1"},
    "initiatives:coalition_add": {"name": "New Org", "sector": "faith", "role": "partner"},
    "initiatives:coalition_edit": {"name": "Changed Org", "sector": "faith", "role": "partner"},
    "initiatives:invite": {"email": "new@example.org", "role": "recorder"},
    "actions:idea_public": {"is_public": "1"},
    "evaluation:report_share": {"shared": "1"},
    "participants:inclusion_target_add": {"group": "resident", "community_percent": "55"},
    "participants:inclusion_target_edit": {"group": "young_person", "community_percent": "12.5"},
    "participants:registration_settings": {
        "is_open": "on",
        "neighborhoods": "Eastside\nNorthgate",
        "policy_version": "2026-2",
    },
    "participants:participant_add": {
        "name": "Rosa Díaz",
        "email": "rosa@example.net",
        "preferred_language": "es",
        "neighborhood": "Eastside",
        "role_category": "resident",
        "age_band": "25_34",
        "availability": ["Tuesday evening"],
        "accessibility_needs": ["childcare"],
        "how_heard": "flyer",
        "consent_participation": "on",
        "consent_contact": "on",
    },
}

PATTERNS = url_patterns()


def outcome_of(response):
    if is_login_redirect(response):
        return LOGIN
    if response.status_code in (200, 301, 302, 303):
        return OK
    return response.status_code


def test_every_url_pattern_has_an_expected_outcome():
    names = {name for _route, name in PATTERNS}
    assert not names - set(EXPECTED), (
        f"URL patterns without an entry: {sorted(names - set(EXPECTED))}"
    )
    assert not set(EXPECTED) - names, f"entries without a pattern: {sorted(set(EXPECTED) - names)}"
    assert len(PATTERNS) == len(names), "two patterns share a name"


def test_the_valid_posts_name_real_url_patterns():
    assert set(VALID_POST) <= {name for _route, name in PATTERNS}


def test_the_matrix_covers_every_role():
    assert len(ROLES) == 11


@pytest.mark.parametrize(("route", "name"), PATTERNS, ids=[name for _r, name in PATTERNS])
def test_url_answers_every_role_as_expected(world, clients, route, name):
    url = url_for(route, name, world.a)
    problems = []
    for role in ROLES:
        client = clients[role]
        for method in ("get", "post"):
            expected = EXPECTED[name][method](role)
            cache.clear()  # rate limits count per test, not across the eleven roles
            with isolated(), kept_cookies(client):
                before = snapshot() if expected != OK else None
                data = VALID_POST.get(name, {}) if method == "post" else {}
                response = getattr(client, method)(url, data)
                after = snapshot() if expected != OK else None
            stats.add("url_role_checks", 1)
            if response.status_code >= 500:
                stats.add("server_errors", 1)
            got = outcome_of(response)
            if got != expected:
                problems.append(f"{role} {method.upper()}: expected {expected}, got {got}")
            elif expected != OK and changes(before, after):
                # Refused: nothing may change.
                problems.append(
                    f"{role} {method.upper()} was refused but changed {changes(before, after)}"
                )
    assert not problems, f"{name} ({url}):\n  " + "\n  ".join(problems)
