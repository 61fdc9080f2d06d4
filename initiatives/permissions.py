"""Who may do what in an initiative: the one place that answers it.

Views never hand-roll checks: they name a permission from PERMISSIONS and the
InitiativeAccessMixin (or `require`) enforces it. A user with no role in an
initiative never learns it exists: they get 404, not 403.
"""

from django.core.exceptions import PermissionDenied

from .models import Role

ALL_ROLES = frozenset(Role.values)

PERMISSIONS: dict[str, frozenset[str]] = {
    # See the initiative's dashboard, coalition and team (names and roles only).
    "initiative.view": ALL_ROLES,
    # Edit details, change phase, publish.
    "initiative.change": frozenset({Role.ORGANIZER}),
    # Add, edit and remove coalition organizations.
    "coalition.change": frozenset({Role.ORGANIZER, Role.COALITION_LEAD}),
    # Invite people, revoke invitations, remove team members; see team email addresses.
    "team.manage": frozenset({Role.ORGANIZER}),
    # Read the activity log (who did what, including who viewed personal data).
    "activity.view": frozenset({Role.ORGANIZER, Role.DATA_STEWARD}),
    # The initiative's outbox: every email scheduled, sent or failed (recipient addresses,
    # never bodies), and resending failed ones.
    "outbox.view": frozenset({Role.ORGANIZER}),
    "outbox.manage": frozenset({Role.ORGANIZER}),
    # --- participants (the table lives here, with the roles; the participants app enforces it) ---
    # See the roster: names, contact details, status. Police and officials never do.
    "participants.view": frozenset({Role.ORGANIZER, Role.DATA_STEWARD}),
    # Register people on their behalf, import paper sheets, withdraw, change registration settings.
    "participants.manage": frozenset({Role.ORGANIZER}),
    # Download the roster as CSV (logged).
    "participants.export": frozenset({Role.ORGANIZER, Role.DATA_STEWARD}),
    # Individual demographic answers and consents.
    "demographics.view": frozenset({Role.DATA_STEWARD}),
    # The inclusion dashboard: aggregates only, small counts suppressed.
    "inclusion.view": frozenset(
        {Role.ORGANIZER, Role.COALITION_LEAD, Role.POLICE_LIAISON, Role.DATA_STEWARD}
    ),
    # Community benchmarks and inclusion targets.
    "inclusion.manage": frozenset({Role.ORGANIZER}),
    # Referral links and outreach activities.
    "outreach.view": frozenset({Role.ORGANIZER, Role.COALITION_LEAD}),
    "outreach.manage": frozenset({Role.ORGANIZER, Role.COALITION_LEAD}),
    # --- guides and circles (enforced by the guides app) ---
    # Copy, adapt and edit the initiative's discussion guides (everyone may read them).
    "guides.manage": frozenset({Role.ORGANIZER}),
    # The circles overview: every circle, its members and composition.
    "circles.view": frozenset({Role.ORGANIZER, Role.DATA_STEWARD}),
    # Create and edit circles, run the balanced assignment, move people, lock, schedule.
    "circles.manage": frozenset({Role.ORGANIZER}),
    # Facilitators and recorders work in the circles they are staff of (checked per circle
    # in guides/permissions.py); this only says the role can have circles at all.
    "circles.facilitate": frozenset({Role.FACILITATOR, Role.RECORDER}),
    # Read approved session logs and their action ideas (never names of participants).
    "logs.view": frozenset({Role.ORGANIZER, Role.COALITION_LEAD, Role.DATA_STEWARD}),
    # Read the safety concerns recorded in session logs.
    "logs.safety": frozenset({Role.ORGANIZER}),
    # Every safety case of the initiative (a circle's staff see their circle's too, checked in
    # guides/permissions.py). Never the police liaison, the observer or a coalition lead.
    "safety.cases": frozenset({Role.ORGANIZER}),
    # Record facilitator training.
    "training.manage": frozenset({Role.ORGANIZER}),
    # --- from dialogue to action (enforced by the actions app) ---
    # Where each action idea came from: its circle, meeting and date (what the session logs
    # say). Every role reads the ideas; the others read them without this.
    "ideas.provenance": frozenset({Role.ORGANIZER, Role.COALITION_LEAD, Role.DATA_STEWARD}),
    # The oversight group: add ideas, cluster them into themes, merge duplicates.
    "ideas.manage": frozenset({Role.ORGANIZER, Role.COALITION_LEAD}),
    # Run the action forum: ballots, voting windows, paper votes, results.
    "forum.manage": frozenset({Role.ORGANIZER}),
    # Form and run action teams: members, goals, milestones, outcomes.
    "teams.manage": frozenset({Role.ORGANIZER, Role.COALITION_LEAD}),
    # Post progress updates (also the team's own neutral facilitator, checked per team).
    "progress.update": frozenset({Role.ORGANIZER, Role.COALITION_LEAD}),
    # The community assets inventory.
    "assets.manage": frozenset({Role.ORGANIZER, Role.COALITION_LEAD}),
    # The progress dashboard across the initiatives one leads, and its CSV.
    "progress.view": frozenset(
        {Role.ORGANIZER, Role.COALITION_LEAD, Role.OBSERVER, Role.POLICE_LIAISON}
    ),
    # --- evaluation (enforced by the evaluation app) ---
    # The change report and the evaluation report: aggregates only, small groups hidden.
    "evaluation.view": frozenset(
        {Role.ORGANIZER, Role.COALITION_LEAD, Role.DATA_STEWARD, Role.POLICE_LIAISON}
    ),
    # Copy and adapt surveys, run the waves, enter paper surveys.
    "evaluation.manage": frozenset({Role.ORGANIZER}),
    # Share the public version of the evaluation report.
    "evaluation.publish": frozenset({Role.ORGANIZER, Role.COALITION_LEAD}),
    # After-session feedback of every circle, comments included, and the low-safety flags (a
    # circle's own staff see their circle's, checked in evaluation/permissions.py).
    "feedback.view": frozenset({Role.ORGANIZER}),
}


def has_perm(roles, permission: str) -> bool:
    """True if any of `roles` (the user's roles in one initiative) grants `permission`."""
    allowed = PERMISSIONS[permission]
    return any(role in allowed for role in roles)


def require(roles, permission: str) -> None:
    if not has_perm(roles, permission):
        raise PermissionDenied


def permissions_for(roles) -> dict[str, bool]:
    """Every permission as a flag, for templates: {{ perms_in.initiative_change }}."""
    return {name.replace(".", "_"): has_perm(roles, name) for name in PERMISSIONS}
